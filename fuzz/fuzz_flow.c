/*
 * The sensor's packet path after capture: decode -> flow table (TCP
 * reassembly, timeouts) -> app layer (DNS, HTTP, TLS) -> detection (a
 * small fixed indicator set) -> EVE (to /dev/null), on a sequence of
 * frames, without libpcap and without the engine's threads. Input:
 *
 *   byte 0     link type, an index into the supported ones (as fuzz_decode)
 *   then       records: u16 length (big-endian), u8 gap, frame bytes
 *
 * The gap is the time since the previous frame in tenths of a second; 255
 * means ten minutes, past every flow timeout. A record cut by the end of
 * the input is a cut frame, as a damaged capture gives.
 *
 * One worker (flow table, EVE buffer) serves every input: building one
 * costs more than most inputs. So that an input never meets the flows of
 * the one before (a crash must replay alone), every input ends with a
 * tick a day later, which ends all its flows through the same callbacks
 * as a real timeout; the next input starts after that day. The whole
 * sensor, libpcap included, is fuzz_sensor; the decoder alone is
 * fuzz_decode. Seeds: fuzz/seeds/flow.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <urcu.h>

#include "decode/decode.h"
#include "sensor/homenet.h"
#include "sensor/intel_live.h"
#include "sensor_fuzz_world.h"
#include "sensor/worker.h"

#define DAY_US (86400ull * 1000000)

static const int links[] = {
    YG_LINK_ETHERNET, YG_LINK_NULL, YG_LINK_LOOP, YG_LINK_RAW, YG_LINK_DLT_RAW1,
    YG_LINK_DLT_RAW2, YG_LINK_IPV4, YG_LINK_IPV6, YG_LINK_SLL, YG_LINK_SLL2,
};

static struct yg_intel_live *live;
static struct yg_eve_sink *sink;
static struct yg_homenet home;
static struct yg_worker *worker;
static uint64_t clock_us = 1709254800ull * 1000000; /* 2024-03-01, as the seeds */

static void setup(void)
{
	yg_fuzz_sensor_world(&live, &sink, &home);
	/* A small memory cap: the table is as big as the cap allows, and a
	 * fuzz input holds a few hundred flows at most. */
	struct yg_worker_config wc = {.flow = {.memcap = 4 << 20}, .home = &home, .intel = live,
				      .sink = sink, .log_flows = true, .log_dns = true,
				      .log_http = true, .log_tls = true};
	if (yg_worker_new(&wc, &worker) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!worker)
		setup();
	if (size < 1 || size > (1u << 20))
		return 0;
	int link = links[data[0] % (sizeof links / sizeof links[0])];
	size_t off = 1;
	rcu_read_lock();
	while (off + 3 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t gap = data[off + 2];
		off += 3;
		clock_us += gap == 255 ? 600ull * 1000000 : (uint64_t)gap * 100000;
		uint32_t caplen = (uint32_t)(len < size - off ? len : size - off);
		struct yg_packet pkt;
		yg_decode(link, caplen ? data + off : NULL, caplen, (uint32_t)len, clock_us, &pkt);
		yg_worker_packet(worker, &pkt);
		off += caplen;
	}
	/* Ends every flow of this input (see the top). */
	clock_us += DAY_US;
	yg_worker_tick(worker, clock_us);
	yg_worker_flush(worker);
	rcu_read_unlock();
	clock_us += 1000000;
	return 0;
}
