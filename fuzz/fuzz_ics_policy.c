/*
 * Fuzzes the ICS policy parser (detect/ics_policy.h) with the input as a
 * policy file. A policy that parses is then asked about a few pairs of
 * addresses for every protocol and class; a refused one must say why
 * (a non-empty message naming a line). Seeds: fuzz/seeds/ics.py writes
 * fuzz/corpus/ics_policy/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/ics_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_ics_policy *p = NULL;
	char err[256] = "";
	int r = yg_ics_policy_parse((const char *)data, size, &p, err, sizeof err);
	if (r < 0) {
		if (p || !memchr(err, 0, sizeof err) || (!strstr(err, "line ") && !strstr(err, "memory")))
			abort();
		return 0;
	}
	static const uint8_t addrs[][16] = {
	    {10, 0, 0, 5}, {10, 1, 2, 3}, {192, 168, 0, 1},
	    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
	};
	for (unsigned a = 0; a < 4; a++)
		for (unsigned b = 0; b < 4; b++)
			for (unsigned pr = 0; pr < YG_ICS_PROTO__COUNT; pr++)
				for (unsigned op = 0; op < YG_ICS_OP__COUNT; op++) {
					struct yg_ics_verdict v;
					uint8_t fam = (a == 3 || b == 3) ? 6 : 4;
					if (!yg_ics_policy_allows(p, fam, addrs[a], addrs[b], pr, op, &v) &&
					    !memchr(v.rule, 0, sizeof v.rule))
						abort();
				}
	yg_ics_policy_free(p);
	return 0;
}
