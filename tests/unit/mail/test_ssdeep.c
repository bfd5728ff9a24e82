/* The attachment hasher's ssdeep (one-shot when the part fits in the kept
 * prefix, streamed past it) must be libfuzzy's digest of the whole part,
 * whatever the chunking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fuzzy.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* The hasher computes ssdeep at the end when the part fits in keep_max and
 * streams through libfuzzy past it; both must match the one-shot digest. */
static void hasher(void **state)
{
	(void)state;
	size_t n = 300000;
	uint8_t *b = malloc(n);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)next();
	char want[FUZZY_MAX_RESULT];
	assert_int_equal(fuzzy_hash_buf(b, (uint32_t)n, want), 0);
	static const size_t keeps[] = {0, 1, 4096, 299999, 300000, 1u << 20};
	for (size_t t = 0; t < sizeof keeps / sizeof *keeps; t++) {
		struct yg_mail_hasher h;
		struct yg_mail_file f = {0};
		assert_int_equal(yg_mail_hasher_init(&h, keeps[t]), 0);
		for (size_t i = 0; i < n;) {
			size_t c = 1 + next() % 20000;
			if (c > n - i)
				c = n - i;
			assert_int_equal(yg_mail_hasher_update(&h, b + i, c), 0);
			i += c;
		}
		assert_int_equal(yg_mail_hasher_final(&h, &f), 0);
		assert_int_equal(f.size, n);
		assert_int_equal(f.truncated, keeps[t] < n);
		assert_non_null(f.ssdeep);
		assert_string_equal(f.ssdeep, want);
		free(f.ssdeep);
		yg_mail_hasher_release(&h);
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hasher),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
