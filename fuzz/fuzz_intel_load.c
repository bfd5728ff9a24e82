/*
 * Fuzzes the indicator file loaders (src/intel/load*.c) on raw bytes: the
 * format is detected from the content (plain, hosts, CSV, STIX). The first
 * byte picks the source name (a "ja3" name changes how 32-hex values are
 * typed). Beyond "no crash", every indicator of the built set must be
 * found again by the lookup for its own normalized value.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"

static void check(const struct yg_intel_set *s, uint32_t i)
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

static void ignore(void *ud, const char *source, unsigned long line, const char *msg)
{
	(void)ud;
	(void)line;
	if (!source || !msg || !*msg)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_intel_builder *b;
	struct yg_intel_set *s;
	if (yg_intel_builder_new(&b) < 0)
		return 0;
	yg_intel_builder_on_error(b, ignore, NULL);
	const char *name = size && (data[0] & 1) ? "feeds/ja3.txt" : "feeds/list.txt";
	long r = yg_intel_load_buffer(b, name, data, size);
	if (yg_intel_builder_build(b, &s) < 0)
		return 0;
	if (r >= 0 && yg_intel_set_count(s) < (size_t)r)
		abort();
	for (uint32_t i = 0; i < yg_intel_set_count(s); i++)
		check(s, i);
	yg_intel_set_free(s);
	return 0;
}
