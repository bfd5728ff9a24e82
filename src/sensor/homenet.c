#include "sensor/homenet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int add(struct yg_homenet *h, const char *item, size_t len)
{
	char buf[64];
	if (len == 0 || len >= sizeof buf || h->n >= YG_HOMENET_MAX)
		return -EINVAL;
	memcpy(buf, item, len);
	buf[len] = 0;
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		*slash = 0;
		char *end;
		const char *b = slash + 1;
		if (!*b)
			return -EINVAL;
		bits = 0;
		for (end = (char *)b; *end >= '0' && *end <= '9'; end++) {
			bits = bits * 10 + (*end - '0');
			if (bits > 128)
				return -EINVAL;
		}
		if (*end)
			return -EINVAL;
	}
	uint8_t addr[16] = {0};
	uint8_t family;
	if (inet_pton(AF_INET, buf, addr) == 1) {
		family = 4;
		if (bits < 0)
			bits = 32;
		if (bits > 32)
			return -EINVAL;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		family = 6;
		if (bits < 0)
			bits = 128;
	} else {
		return -EINVAL;
	}
	h->net[h->n].family = family;
	h->net[h->n].bits = (uint8_t)bits;
	memcpy(h->net[h->n].addr, addr, 16);
	h->n++;
	return 0;
}

int yg_homenet_parse(const char *list, struct yg_homenet *ret, char *err, size_t errlen)
{
	struct yg_homenet h = {0};
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '[' || *p == ']')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ' && *e != ']')
			e++;
		if (add(&h, p, (size_t)(e - p)) < 0) {
			snprintf(err, errlen, "%.*s", (int)(e - p), p);
			return -EINVAL;
		}
		p = e;
	}
	if (h.n == 0) {
		snprintf(err, errlen, "empty list");
		return -EINVAL;
	}
	*ret = h;
	return 0;
}

void yg_homenet_default(struct yg_homenet *h)
{
	char err[8];
	yg_homenet_parse("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7", h, err, sizeof err);
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, net, full))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

bool yg_homenet_contains(const struct yg_homenet *h, uint8_t family, const struct yg_addr *a)
{
	for (unsigned i = 0; i < h->n; i++)
		if (h->net[i].family == family && prefix_match(a->b, h->net[i].addr, h->net[i].bits))
			return true;
	return false;
}

const char *yg_homenet_direction(const struct yg_homenet *h, uint8_t family,
				 const struct yg_addr *src, const struct yg_addr *dst)
{
	bool s = yg_homenet_contains(h, family, src), d = yg_homenet_contains(h, family, dst);
	if (s && d)
		return "internal";
	if (s)
		return "egress";
	if (d)
		return "ingress";
	return "external";
}
