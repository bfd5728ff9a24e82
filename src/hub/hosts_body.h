/*
 * The bodies of the infected-host API, parsed strictly: every field is
 * known, typed and bounded; anything else is an error naming the field.
 *
 * POST /api/v1/beacons (a sensor's beacon detections):
 *   {"sensor": "name"?,                       1..128 bytes, optional
 *    "beacons": [                             1..YG_BEACONS_MAX
 *      {"host": "10.0.0.5" | "host_hash": "<64 lowercase hex>",  one of them
 *       "dest": "203.0.113.9",                an address
 *       "name": "c2.example" | null,          optional, 1..253 bytes, a DNS name
 *       "dst_port": 443, "proto": "tcp"|"udp",
 *       "interval_s": 60.0 (0 < x <= 86400*7), "count": 24 (2..1e9),
 *       "score": 0.93 (0..1),
 *       "first_seen": RFC 3339, "last_seen": RFC 3339 (>= first_seen)}]}
 *
 * POST /api/v1/hosts/{id}/state:
 *   {"state": "acknowledged" | "cleaned", "note": "..."?}   note <= 500 bytes
 *   An empty body, with the one-time link, means the link's own state.
 */
#ifndef YG_HUB_HOSTS_BODY_H
#define YG_HUB_HOSTS_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store_hosts.h"

#define YG_BEACONS_MAX      1000
#define YG_BEACONS_BODY_MAX (1u << 20)
#define YG_STATE_BODY_MAX   4096
#define YG_HOST_NOTE_MAX    500

struct yg_beacon {
	char host[YG_HOST_KEY_MAX + 1]; /* canonical address text, or "hash:<hex>" */
	bool hashed;
	char dest[48];                  /* canonical address text */
	char name[254];                 /* "" when none */
	uint16_t dst_port;
	char proto[4];
	double interval_s, score;
	int64_t count;
	int64_t first_us, last_us;
};

struct yg_beacons {
	char sensor[YG_HOST_SENSOR_MAX + 1]; /* "" when none */
	struct yg_beacon *v;
	size_t n;
};

struct yg_body_error {
	char field[64]; /* e.g. "beacons[3].dest" */
	char why[128];
};

/* Parses a beacons body. -EINVAL with *err filled, -E2BIG past the
 * bounds, -ENOMEM. Caller frees *ret with yg_beacons_free. */
int yg_beacons_parse(const char *body, size_t len, struct yg_beacons **ret,
		     struct yg_body_error *err);
void yg_beacons_free(struct yg_beacons *b);

/* Parses a state body; an empty body gives has_state false. */
int yg_host_state_body_parse(const char *body, size_t len, bool *ret_has_state,
			     enum yg_host_state *ret_state, char note[YG_HOST_NOTE_MAX + 1],
			     struct yg_body_error *err);

#endif
