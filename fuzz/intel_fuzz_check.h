/*
 * The check every indicator-loading harness makes after a load: each
 * indicator of the built set is found again by the lookup for its own
 * normalized value (a domain's own entry being the most specific). Shared
 * by fuzz_intel_load, fuzz_intel_formats and fuzz_misp_feed.
 */
#ifndef YG_FUZZ_INTEL_CHECK_H
#define YG_FUZZ_INTEL_CHECK_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"

static inline void intel_fuzz_check(const struct yg_intel_set *s, uint32_t i)
{
	struct yg_indicator_info in;
	yg_intel_describe(s, i, &in);
	const char *v = in.value;
	size_t n = strlen(v);
	uint32_t got = YG_INTEL_NONE;
	switch (in.type) {
	case YG_IND_IP: {
		char a[64];
		uint8_t b[16];
		const char *sl = strchr(v, '/');
		size_t k = sl ? (size_t)(sl - v) : n;
		if (k >= sizeof a)
			abort();
		memcpy(a, v, k);
		a[k] = 0;
		if (inet_pton(AF_INET, a, b) == 1)
			got = yg_intel_match_ip(s, 4, b);
		else if (inet_pton(AF_INET6, a, b) == 1)
			got = yg_intel_match_ip(s, 6, b);
		break;
	}
	case YG_IND_DOMAIN:
		got = yg_intel_match_domain(s, v, n);
		if (got != i)
			abort(); /* a name's own entry is the most specific */
		break;
	case YG_IND_URL: {
		const char *p = v[0] == '/' ? v : strchr(v, '/');
		if (!p)
			abort();
		got = yg_intel_match_url(s, v, (size_t)(p - v), p, strlen(p));
		break;
	}
	default:
		got = yg_intel_match_token(s, in.type, v, n);
		break;
	}
	if (got == YG_INTEL_NONE)
		abort();
}

static inline void intel_fuzz_check_all(const struct yg_intel_set *s)
{
	for (uint32_t i = 0; i < yg_intel_set_count(s); i++)
		intel_fuzz_check(s, i);
}

static inline void intel_fuzz_ignore(void *ud, const char *source, unsigned long line,
                                     const char *msg)
{
	(void)ud;
	(void)line;
	if (!source || !msg || !*msg)
		abort();
}

#endif
