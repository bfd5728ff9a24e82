/*
 * Suricata-compatible EVE JSON output: one JSON object per line.
 *
 * A sink is the shared destination (a file or stdout). Each worker thread
 * has its own struct yg_eve buffer and hands whole lines to the sink in
 * large chunks, so threads never interleave inside a record and the
 * packet path takes the sink lock only once per ~64 KiB.
 */
#ifndef YG_OUTPUT_EVE_H
#define YG_OUTPUT_EVE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"
#include "output/jsonw.h"

struct yg_eve_sink;

/* path "-" is stdout, "none" no file (only the outputs added below).
 * Caller frees with yg_eve_sink_free (which closes, and drains and frees
 * the outputs). */
int yg_eve_sink_open(const char *path, struct yg_eve_sink **ret);

/* Adds an output that gets every line too (eve_out.h); the sink owns it
 * from now on. At most YG_EVE_SINK_OUTPUTS. Returns 0 or -E2BIG. */
#define YG_EVE_SINK_OUTPUTS 4
struct yg_eve_out;
int yg_eve_sink_add_output(struct yg_eve_sink *s, struct yg_eve_out *o);
/* The outputs added, in order (NULL past the last). */
struct yg_eve_out *yg_eve_sink_output(const struct yg_eve_sink *s, unsigned i);
void yg_eve_sink_free(struct yg_eve_sink *s);
/* The event types the file gets (--eve-file-types; copied): every line of
 * another type is left out of the file, not of the outputs above. n = 0
 * (the default) writes every type. Call before the workers start.
 * Returns 0, -EINVAL (n above YG_EVE_SINK_TYPES_MAX or a name too long). */
#define YG_EVE_SINK_TYPES_MAX 24
int yg_eve_sink_set_types(struct yg_eve_sink *s, unsigned n, const char *const *types);
/* The event_type of an EVE line p[0..n) (looked for in its header): sets
 * *ret and *ret_len to the name inside the line; false when it has none. */
bool yg_eve_line_type(const char *p, size_t n, const char **ret, size_t *ret_len);
/* Whether any write failed (disk full, closed pipe). */
bool yg_eve_sink_failed(const struct yg_eve_sink *s);
uint64_t yg_eve_sink_bytes(const struct yg_eve_sink *s);
/* Opens the sink's path again (appending) and writes there from now on:
 * logrotate's rename-then-SIGHUP. Every line goes whole to one file or the
 * other. No-op for stdout; on failure the old file is kept. */
int yg_eve_sink_reopen(struct yg_eve_sink *s);

/* The addresses of one event, in the direction the event reports. */
struct yg_eve_tuple {
	uint8_t family; /* 4 or 6; 0 leaves the address fields out */
	uint8_t proto;
	uint16_t vlan;  /* 0 = none */
	uint16_t vlan_inner; /* second id of a QinQ stack, 0 = none */
	const struct yg_addr *src, *dst;
	uint16_t sport, dport;
	bool has_ports;
	const char *community_id; /* NULL leaves it out */
	/* The outermost tunnel the flow came through (NULL: none): Suricata's
	 * "tunnel" object, plus its kind and identifier under "metadata". */
	const struct yg_packet_tunnel *tunnel;
	uint8_t tunnel_kind; /* enum yg_tunnel */
};

struct yg_eve {
	struct yg_jsonw w;
	struct yg_eve_sink *sink;
	uint64_t events;
	/* Cache of the formatted second, since gmtime is costly per event. */
	int64_t cached_sec;
	char cached_ts[32];
};

int yg_eve_init(struct yg_eve *e, struct yg_eve_sink *sink);
/* Flushes what is buffered, then frees the buffer. */
void yg_eve_release(struct yg_eve *e);
void yg_eve_flush(struct yg_eve *e);

/*
 * Opens a record: {"timestamp":...,"flow_id":...,"event_type":...,
 * "src_ip":...,"src_port":...,"dest_ip":...,"dest_port":...,"ip_v":...,
 * "proto":...,"community_id":... (Suricata 8's header: IPv6 addresses
 * written out in full), then for a tunnelled flow "tunnel":{"src_ip",
 * "src_port","dest_ip","dest_port","proto","depth"} (Suricata's names, the
 * outer header) and "metadata":{"flowvars":[{"tunnel.type":"gtp-u"}],
 * "flowints":{"gtp.teid":N}} (the kind, and the TEID, GRE key, VNI or
 * ERSPAN session when the tunnel has one: Suricata's schema has no other
 * place for them)
 * flow_id 0 leaves it out; t may be NULL. event_type is a fixed name
 * (written without escaping, like a key). The caller adds the event's
 * objects with e->w and closes with yg_eve_end.
 */
void yg_eve_begin(struct yg_eve *e, uint64_t ts_us, const char *event_type, uint64_t flow_id,
		  const struct yg_eve_tuple *t);
void yg_eve_end(struct yg_eve *e);

/* Suricata's pkt_src of a packet that came out of a tunnel of this kind
 * ("ipv4 tunnel", "gre tunnel", "vxlan encapsulation", ...): the decoder
 * that made it. YG_TUNNEL_NONE gives "wire/pcap". */
const char *yg_eve_tunnel_pkt_src(uint8_t kind, uint8_t outer_family);

/* "2024-05-06T07:08:09.123456+0000" into buf: with size >= 32, always
 * YG_EVE_TIME_LEN characters and a NUL. */
#define YG_EVE_TIME_LEN 31
void yg_eve_format_time(uint64_t ts_us, char *buf, size_t size);
/* As yg_eve_format_time into out (YG_EVE_TIME_LEN characters, no NUL),
 * from e's cached second when ts_us falls in it (the flow event's start
 * and end mostly share the second of its timestamp). e is not changed. */
void yg_eve_time_text(const struct yg_eve *e, uint64_t ts_us, char out[YG_EVE_TIME_LEN]);

/* IPv4 or IPv6 text of an address (buf >= 46 bytes), IPv6 in the short
 * form of RFC 5952 (used in yagura's own fields: alert metadata). */
void yg_eve_format_addr(uint8_t family, const struct yg_addr *a, char *buf, size_t size);

/* The same with IPv6 written out in full ("2001:0db8:0000:...:0001"), as
 * Suricata writes src_ip, dest_ip and DNS AAAA data. */
void yg_eve_format_addr_full(uint8_t family, const struct yg_addr *a, char *buf, size_t size);

/* "TCP", "UDP", "ICMP", "IPv6-ICMP", or the number as text. */
const char *yg_eve_proto_name(uint8_t proto, char buf[8]);

#endif
