/*
 * Fuzzes the lookups (src/intel/match.c) with wire-like input against a
 * fixed set: names (ASCII and not), Host + request-target pairs, addresses
 * and tokens, none of them NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"

static struct yg_intel_set *set;

static const char list[] = "evil.example\n"
                           "xn--bcher-kva.example\n"
                           "10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n"
                           "2001:db8::/32\n2001:db8::1\n::/0\n"
                           "http://bad.example/gate.php\n"
                           "http://bad.example:8080/a?b=c\n"
                           "/365-Stealer/\n"
                           "d41d8cd98f00b204e9800998ecf8427e\n"
                           "da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
                           "t13d1516h2_8daaf6152771_e5627efa2ab1\n";

static void init(void)
{
	struct yg_intel_builder *b;
	if (yg_intel_builder_new(&b) < 0)
		abort();
	yg_intel_load_buffer(b, "fixed", (const uint8_t *)list, sizeof list - 1);
	if (yg_intel_builder_build(b, &set) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!set)
		init();
	if (size < 1)
		return 0;
	/* Exact-size heap copies so ASan sees any read past the end. */
	size_t n = size - 1;
	char *v = malloc(n ? n : 1);
	if (!v)
		return 0;
	memcpy(v, data + 1, n);
	size_t cut = n ? data[0] % (n + 1) : 0;
	switch (data[0] & 3) {
	case 0:
		yg_intel_match_domain(set, v, n);
		break;
	case 1:
		yg_intel_match_url(set, v, cut, v + cut, n - cut);
		break;
	case 2:
		if (n >= 16)
			yg_intel_match_ip(set, 6, (const uint8_t *)v);
		if (n >= 4)
			yg_intel_match_ip(set, 4, (const uint8_t *)v);
		break;
	default:
		for (int t = 0; t < YG_IND__COUNT; t++)
			yg_intel_match_token(set, (enum yg_ind_type)t, v, n);
		break;
	}
	uint32_t idx = yg_intel_match_domain(set, v, n);
	if (idx != YG_INTEL_NONE) {
		struct yg_indicator_info in;
		yg_intel_describe(set, idx, &in);
		if (in.type != YG_IND_DOMAIN)
			abort();
	}
	free(v);
	return 0;
}
