/*
 * Fuzzes the telescope path: packet bytes -> decode -> classify and
 * fingerprint -> the per-source, per-port and victim records -> the
 * window's EVE events (to /dev/null) and hub body. Input layout:
 *
 *   byte 0   link type: 0 Ethernet, 1 raw IP (bit 7 set: the rest is also
 *            parsed as a research-scanner list)
 *   byte 1   the packet's minute (a new minute closes the open window)
 *   rest     the captured frame
 *
 * The whole address space is the telescope, so every IP packet takes the
 * path. One telescope lives for the whole process (4 MB memcap): inputs
 * pile up in its tables as traffic would, evictions included. Every hub
 * body must be JSON of the contract's shape. Seeds: fuzz/seeds/darknet.py.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "darknet/research.h"
#include "darknet/telescope.h"
#include "decode/decode.h"

static void on_window(void *ud, const char *json, size_t len)
{
	(void)ud;
	json_t *j = json_loadb(json, len, 0, NULL);
	if (!j || !json_is_array(json_object_get(j, "ports")) ||
	    !json_is_array(json_object_get(j, "sources")) ||
	    json_array_size(json_object_get(j, "sources")) > YG_DN_HUB_SOURCES ||
	    !json_is_array(json_object_get(j, "victims")))
		abort();
	json_decref(j);
}

static struct yg_darknet *world(void)
{
	static struct yg_darknet *dn;
	static struct yg_eve_sink *sink;
	static struct yg_dn_research *res;
	if (dn)
		return dn;
	static const char *lists[] = {"0.0.0.0/0", "::/0"};
	const char *rl = "71.6.135.0/24 shodan\n2001:db8::/32 census\n";
	char err[256];
	if (yg_dn_research_parse(rl, 40, "seed", &res, err, sizeof err) < 0 ||
	    yg_eve_sink_open("/dev/null", &sink) < 0)
		abort();
	struct yg_darknet_config cfg = {
	    .prefix_lists = lists, .n_lists = 2, .memcap = YG_DN_MEMCAP_MIN,
	    .research = res, .sink = sink, .log_sources = true, .log_victims = true,
	    .log_stats = true, .sensor_name = "fuzz", .on_window = on_window,
	    .batch = 7 /* sources counted every few inputs, not at window ends only */};
	if (yg_darknet_new(&cfg, &dn, err, sizeof err) < 0)
		abort();
	return dn;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 65535)
		return 0;
	struct yg_darknet *dn = world();
	const uint8_t *frame = data + 2;
	uint32_t len = (uint32_t)(size - 2);
	if (data[0] & 0x80) {
		struct yg_dn_research *r;
		char err[128];
		if (yg_dn_research_parse((const char *)frame, len, "fuzz", &r, err, sizeof err) == 0)
			yg_dn_research_free(r);
	}
	struct yg_packet pkt;
	uint64_t ts = (1700000040ull + 60ull * data[1]) * 1000000ull;
	yg_decode((data[0] & 1) ? YG_LINK_RAW : YG_LINK_ETHERNET, len ? frame : NULL, len, len, ts,
	          &pkt);
	if (pkt.family && yg_darknet_match(dn, &pkt))
		yg_darknet_packet(dn, &pkt, frame, len);
	return 0;
}
