#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigalloc.h"

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void small_block_is_zeroed(void **state)
{
	(void)state;
	unsigned char *p = yg_big_calloc(1000, 3);
	assert_non_null(p);
	assert_true(all_zero(p, 3000));
	free(p);
}

/* A table past the threshold: 2 MiB-aligned (so it can sit in huge
 * pages), zeroed to its last byte, and writable over its whole size. */
static void big_block_is_aligned_and_zeroed(void **state)
{
	(void)state;
	size_t n = YG_BIG_MIN / 8 + 3; /* not a whole number of huge pages */
	uint64_t *p = yg_big_calloc(n, sizeof *p);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % YG_BIG_MIN, 0);
	assert_true(all_zero((const unsigned char *)p, n * sizeof *p));
	memset(p, 0xab, n * sizeof *p);
	assert_int_equal(p[n - 1], 0xababababababababULL);
	free(p);
}

static void overflow_is_refused(void **state)
{
	(void)state;
	assert_null(yg_big_calloc(SIZE_MAX / 2, 4));
	assert_null(yg_big_calloc(SIZE_MAX - 16, 1));
	assert_null(yg_big_alloc(SIZE_MAX - 16));
}

/* The block not zeroed: aligned as yg_big_calloc's from the threshold
 * on, writable to its last byte; below it, any malloc block (also for 0). */
static void unzeroed_block_is_aligned(void **state)
{
	(void)state;
	size_t n = YG_BIG_MIN + 5;
	unsigned char *p = yg_big_alloc(n);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % YG_BIG_MIN, 0);
	memset(p, 0xcd, n);
	assert_int_equal(p[n - 1], 0xcd);
	free(p);
	unsigned char *q = yg_big_alloc(0), *r = yg_big_alloc(100);
	assert_non_null(q);
	assert_non_null(r);
	memset(r, 1, 100);
	free(q);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_block_is_zeroed),
		cmocka_unit_test(big_block_is_aligned_and_zeroed),
		cmocka_unit_test(overflow_is_refused),
		cmocka_unit_test(unzeroed_block_is_aligned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
