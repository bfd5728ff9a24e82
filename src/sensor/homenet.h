/*
 * The member's own address space (--home-net): decides whether traffic is
 * egress (a home host reaching out), ingress, internal or external.
 */
#ifndef YG_SENSOR_HOMENET_H
#define YG_SENSOR_HOMENET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define YG_HOMENET_MAX 64

struct yg_homenet {
	unsigned n;
	struct {
		uint8_t family;
		uint8_t bits;
		uint8_t addr[16];
	} net[YG_HOMENET_MAX];
};

/* Suricata's default HOME_NET: RFC 1918, plus IPv6 ULA fc00::/7. */
void yg_homenet_default(struct yg_homenet *h);

/* Parses "10.0.0.0/8,2001:db8::/32,192.0.2.7". Returns 0, or -EINVAL with
 * the offending item copied into err. */
int yg_homenet_parse(const char *list, struct yg_homenet *ret, char *err, size_t errlen);

bool yg_homenet_contains(const struct yg_homenet *h, uint8_t family, const struct yg_addr *a);

/* "egress", "ingress", "internal" or "external" for traffic from src to dst. */
const char *yg_homenet_direction(const struct yg_homenet *h, uint8_t family,
				 const struct yg_addr *src, const struct yg_addr *dst);

#endif
