/* The bloom filter in front of the domain table must never hide a listed
 * name: with tens of thousands of domains, every one of them, every name
 * under them and their upper-case and trailing-dot forms still match, and
 * names under no listed domain (nor their parents) do not. A reference
 * answer is computed here by walking the parents of the name by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-int.h"
#include "intel/intel.h"

#define N 40000

static uint64_t rng = 0x853c49e6748fea9bull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void word(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('a' + next() % 26);
	out[n] = 0;
}

static void many_domains_no_false_negative(void **state)
{
	(void)state;
	static char names[N][40];
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	for (size_t i = 0; i < N; i++) {
		char a[12], c[12];
		word(a, 3 + next() % 8);
		word(c, 2 + next() % 3);
		if (i % 3 == 0) {
			char sub[8];
			word(sub, 1 + next() % 5);
			snprintf(names[i], sizeof names[i], "%s.%s.%s", sub, a, c);
		} else {
			snprintf(names[i], sizeof names[i], "%s.%s", a, c);
		}
		assert_int_equal(yg_intel_builder_add(b, YG_IND_DOMAIN, names[i], strlen(names[i]),
		                                      "t", i + 1, NULL),
		                 0);
	}
	/* Other types share the string table and must not disturb it. */
	assert_int_equal(yg_intel_builder_add_guess(b, "http://x.example/p", 18, "t", 1, NULL), 0);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_non_null(s->dbloom);
	for (size_t i = 0; i < N; i++) {
		const char *n = names[i];
		uint32_t idx = yg_intel_match_domain(s, n, strlen(n));
		assert_int_not_equal(idx, YG_INTEL_NONE);
		char sub[64];
		snprintf(sub, sizeof sub, "www.deep.%s.", n);
		for (char *p = sub; *p; p++)
			if (next() % 2)
				*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		assert_int_not_equal(yg_intel_match_domain(s, sub, strlen(sub)), YG_INTEL_NONE);
	}
	/* Names under nothing listed: "zz" labels and a TLD nobody used. */
	unsigned misses = 0;
	for (int i = 0; i < 20000; i++) {
		char a[12], n[40];
		word(a, 6);
		snprintf(n, sizeof n, "q.%s.zz9", a);
		misses += yg_intel_match_domain(s, n, strlen(n)) == YG_INTEL_NONE;
	}
	assert_int_equal(misses, 20000);
	yg_intel_set_free(s);
}

static void no_domains_no_filter(void **state)
{
	(void)state;
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	assert_int_equal(yg_intel_builder_add_guess(b, "http://x.example/p", 18, "t", 1, NULL), 0);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_null(s->dbloom);
	assert_int_equal(yg_intel_match_domain(s, "x.example", 9), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(many_domains_no_false_negative),
	    cmocka_unit_test(no_domains_no_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
