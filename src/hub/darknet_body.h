/*
 * The body of POST /api/v1/darknet (issue 13): one minute window of one
 * telescope sensor, parsed and checked against the contract
 *
 *   {"sensor": name (1..64 bytes, no control characters),
 *    "telescope_addresses": integer >= 1,
 *    "window_start": "YYYY-MM-DDTHH:MM:00Z", "window_seconds": 60,
 *    "ports": [{"proto": "tcp"|"udp"|"icmp", "port": 0..65535,
 *               "packets": N, "sources": N, "new_sources": N}],
 *    "sources": [{"ip", "class": scan-tcp|scan-udp|scan-icmp|backscatter|other,
 *                 "fingerprint": mirai|zmap|masscan|research|unknown,
 *                 "research_name" (optional, <= 64 bytes), "packets", "bytes",
 *                 "dest_count", "ports": [<= 10 ports], "country" (optional,
 *                 two capital letters), "asn" (optional, 0..4294967295)}],
 *    "victims": [{"ip", "proto", "port" (optional), "packets", "est_pps"}]}
 *
 * Counts N are integers 0..1e12; est_pps a finite number >= 0. ports is
 * required (may be empty), sources and victims may be left out; keys the
 * contract does not name are ignored (a newer sensor may send more). At
 * most YG_DN_PORTS_MAX ports, each (proto, port) once, YG_DN_SOURCES_MAX
 * sources and YG_DN_VICTIMS_MAX victims. Addresses are IPv4 or IPv6 text,
 * stored in canonical form.
 *
 * window_start is checked against the hub's clock by the caller, not here
 * (the parser is a pure function of the bytes).
 */
#ifndef YG_HUB_DARKNET_BODY_H
#define YG_HUB_DARKNET_BODY_H

#include <stddef.h>

#include "store/store_darknet.h"

#define YG_DN_BODY_MAX    (8u << 20)
#define YG_DN_FIELD_MAX   48
#define YG_DN_COUNT_MAX   1000000000000LL

/* Where and why a body was refused: field is a path into the body
 * ("ports[3].port", "window_start", "" for the body as a whole). */
struct yg_dn_error {
	char field[YG_DN_FIELD_MAX];
	const char *why;
};

/* Parses and checks body[0..len). On success *ret is a window the caller
 * frees with yg_dn_window_free; on -EINVAL (a refused body) *err says why;
 * -ENOMEM when memory ran out; -E2BIG above YG_DN_BODY_MAX. */
int yg_dn_body_parse(const char *body, size_t len, struct yg_dn_window **ret,
		     struct yg_dn_error *err);

void yg_dn_window_free(struct yg_dn_window *w);

/* "tcp", "udp", "icmp" for an IANA number; "?" otherwise. */
const char *yg_darknet_proto_name(unsigned proto);

/* The IANA number of "tcp", "udp" or "icmp"; 0 for anything else. */
unsigned yg_darknet_proto_parse(const char *s);

#endif
