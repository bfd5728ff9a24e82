#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "common/curlbody.h"
#include "common/deadline.h"

/* Feeds s to the callback the way curl does (size 1, nmemb bytes). */
static size_t feed(struct yg_curlbody *b, const char *s, size_t n)
{
	return yg_curlbody_write((char *)s, 1, n, b);
}

static void collects_chunks_nul_terminated(void **state)
{
	(void)state;
	struct yg_curlbody b = {.limit = 1 << 20};
	assert_null(b.p);
	assert_int_equal(feed(&b, "{\"a\":", 5), 5);
	assert_int_equal(feed(&b, "1}", 2), 2);
	assert_int_equal(b.len, 7);
	assert_string_equal(b.p, "{\"a\":1}");
	assert_false(b.too_big);
	/* Bodies may hold NULs of their own: len counts them. */
	assert_int_equal(feed(&b, "x\0y", 3), 3);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.p + 7, "x\0y", 4);
	yg_curlbody_release(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.limit, 1 << 20);
}

static void grows_past_first_block(void **state)
{
	(void)state;
	static char chunk[3000];
	memset(chunk, 'z', sizeof chunk);
	struct yg_curlbody b = {.limit = 1 << 20};
	for (int i = 0; i < 100; i++)
		assert_int_equal(feed(&b, chunk, sizeof chunk), sizeof chunk);
	assert_int_equal(b.len, 300000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.p[299999], 'z');
	assert_int_equal(b.p[300000], '\0');
	yg_curlbody_release(&b);
}

static void cap_is_exact(void **state)
{
	(void)state;
	struct yg_curlbody b = {.limit = 8};
	assert_int_equal(feed(&b, "12345", 5), 5);
	assert_int_equal(feed(&b, "678", 3), 3); /* exactly the limit: taken */
	assert_false(b.too_big);
	assert_true(b.cap <= 9);               /* never more than limit + NUL */
	assert_int_equal(feed(&b, "9", 1), 0); /* one more: refused */
	assert_true(b.too_big);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.p, "12345678");
	yg_curlbody_release(&b);
	assert_false(b.too_big);

	struct yg_curlbody z = {.limit = 0};
	assert_int_equal(feed(&z, "a", 1), 0);
	assert_true(z.too_big);
	assert_null(z.p);
	yg_curlbody_release(&z);
}

static void deadline_is_normalized(void **state)
{
	(void)state;
	/* Only the arithmetic: tv_nsec stays below a second for every
	 * remainder, and whole seconds move into tv_sec. */
	const uint64_t ms[] = {0, 1, 999, 1000, 1999, 86400001};
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		struct timespec d = yg_deadline_ms(ms[i]);
		assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
	}
	struct timespec a = yg_deadline_ms(0), b = yg_deadline_ms(86400000u * 2);
	assert_true(b.tv_sec - a.tv_sec >= 172799 && b.tv_sec - a.tv_sec <= 172801);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(collects_chunks_nul_terminated),
	    cmocka_unit_test(grows_past_first_block),
	    cmocka_unit_test(cap_is_exact),
	    cmocka_unit_test(deadline_is_normalized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
