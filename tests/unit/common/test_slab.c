#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/slab.h"

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Objects are zeroed, 16-byte aligned, distinct and do not overlap. */
static void objects_are_zeroed_aligned_and_apart(void **state)
{
	(void)state;
	struct yg_slab s;
	yg_slab_init(&s, 100);
	assert_int_equal(s.size, 112);
	assert_int_equal(yg_slab_bytes(&s), 0); /* nothing before the first get */
	unsigned char *a = yg_slab_get(&s), *b = yg_slab_get(&s);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal((uintptr_t)a % 16, 0);
	assert_int_equal((uintptr_t)b % 16, 0);
	assert_true(all_zero(a, 100) && all_zero(b, 100));
	assert_true(a + 112 <= b || b + 112 <= a);
	memset(a, 0xff, 100);
	assert_true(all_zero(b, 100));
	assert_int_equal(s.in_use, 2);
	yg_slab_put(&s, a);
	yg_slab_put(&s, b);
	yg_slab_release(&s);
	assert_int_equal(yg_slab_bytes(&s), 0);
}

/* A given-back object is the next one handed out, zeroed again (calloc's
 * promise holds for reused objects too). */
static void put_object_is_reused_zeroed(void **state)
{
	(void)state;
	struct yg_slab s;
	yg_slab_init(&s, 4328);
	unsigned char *keep = yg_slab_get(&s); /* keeps the slab busy */
	unsigned char *a = yg_slab_get(&s);
	assert_non_null(keep);
	assert_non_null(a);
	memset(a, 0x5a, 4328);
	yg_slab_put(&s, a);
	unsigned char *b = yg_slab_get(&s);
	assert_ptr_equal(a, b);
	assert_true(all_zero(b, 4328));
	yg_slab_put(&s, b);
	yg_slab_put(&s, keep);
	yg_slab_release(&s);
}

/* Past one block the slab takes another; once every object is back it
 * keeps a single block, and carving restarts zeroed from its start. */
/* A dirty object is the same free-list object as a zeroed one (counted,
 * reused after put), only not cleared: what it held is still there. */
static void dirty_object_is_counted_and_reused_as_is(void **state)
{
	(void)state;
	struct yg_slab s;
	yg_slab_init(&s, 64);
	unsigned char *keep = yg_slab_get(&s); /* the slab stays busy */
	unsigned char *a = yg_slab_get_dirty(&s);
	assert_non_null(keep);
	assert_non_null(a);
	assert_int_equal((uintptr_t)a % 16, 0);
	assert_int_equal(s.in_use, 2);
	memset(a + 16, 0xab, 48); /* past the free list's link */
	yg_slab_put(&s, a);
	unsigned char *b = yg_slab_get_dirty(&s);
	assert_ptr_equal(b, a);
	assert_int_equal(b[16], 0xab);
	assert_int_equal(b[63], 0xab);
	yg_slab_put(&s, b);
	unsigned char *c = yg_slab_get(&s); /* the same object, zeroed */
	assert_ptr_equal(c, a);
	assert_true(all_zero(c, 64));
	yg_slab_put(&s, c);
	yg_slab_put(&s, keep);
	assert_int_equal(s.in_use, 0);
	yg_slab_release(&s);
}

static void blocks_grow_then_shrink_when_idle(void **state)
{
	(void)state;
	struct yg_slab s;
	yg_slab_init(&s, 4096);
	/* The small first block, two whole ones, and three objects more. */
	size_t n = s.first / 4096 + 2 * (YG_SLAB_BLOCK / 4096) + 3;
	unsigned char **v = calloc(n, sizeof *v);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		v[i] = yg_slab_get(&s);
		assert_non_null(v[i]);
		assert_true(all_zero(v[i], 4096));
		memset(v[i], (int)(i & 0x7f) + 1, 4096);
	}
	assert_int_equal(s.n_blocks, 4);
	assert_int_equal(yg_slab_bytes(&s) - s.cap_blocks * sizeof(void *),
	                 s.first + 3 * YG_SLAB_BLOCK);
	/* Every object kept its own bytes: none overlapped another. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i][0], (int)(i & 0x7f) + 1);
	for (size_t i = 0; i < n; i++)
		yg_slab_put(&s, v[i]);
	assert_int_equal(s.in_use, 0);
	assert_int_equal(s.n_blocks, 1);
	/* Carved again from the first block, which holds old bytes. */
	unsigned char *again = yg_slab_get(&s);
	assert_non_null(again);
	assert_true(all_zero(again, 4096));
	yg_slab_put(&s, again);
	yg_slab_put(&s, NULL); /* accepted, changes nothing */
	assert_int_equal(s.in_use, 0);
	yg_slab_release(&s);
	free(v);
}

/* The first block is the small one (a worker with a few flows never
 * takes 2 MiB), big enough for four objects of a large size; the second
 * is a whole block; once idle the slab keeps the small one only. */
static void first_block_is_small_then_whole_blocks(void **state)
{
	(void)state;
	struct yg_slab s;
	yg_slab_init(&s, 100);
	assert_int_equal(s.first, YG_SLAB_FIRST);
	size_t per_first = YG_SLAB_FIRST / 112, n = per_first + 1;
	unsigned char **v = calloc(n, sizeof *v);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		v[i] = yg_slab_get(&s);
		assert_non_null(v[i]);
		assert_true(all_zero(v[i], 100));
		memset(v[i], (int)(i & 0x7f) + 1, 100);
		/* Every object of the first block lies inside it. */
		if (i < per_first)
			assert_true(v[i] >= (unsigned char *)s.blocks[0] &&
			            v[i] + 112 <= (unsigned char *)s.blocks[0] + YG_SLAB_FIRST);
	}
	assert_int_equal(s.n_blocks, 2);
	assert_int_equal(yg_slab_bytes(&s) - s.cap_blocks * sizeof(void *),
	                 YG_SLAB_FIRST + YG_SLAB_BLOCK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i][99], (int)(i & 0x7f) + 1);
	for (size_t i = 0; i < n; i++)
		yg_slab_put(&s, v[i]);
	assert_int_equal(s.n_blocks, 1);
	assert_int_equal(yg_slab_bytes(&s) - s.cap_blocks * sizeof(void *), YG_SLAB_FIRST);
	yg_slab_release(&s);
	free(v);

	/* 40000 bytes: four of them need 160000, so the first block is the
	 * next power of two of YG_SLAB_FIRST above it. */
	yg_slab_init(&s, 40000);
	assert_int_equal(s.first, 4 * YG_SLAB_FIRST);
	void *a[7]; /* six fit in 256 KiB */
	for (int i = 0; i < 7; i++) {
		assert_non_null(a[i] = yg_slab_get(&s));
		assert_int_equal(s.n_blocks, i < 6 ? 1 : 2);
	}
	for (int i = 0; i < 7; i++)
		yg_slab_put(&s, a[i]);
	yg_slab_release(&s);
	/* The largest object size a slab takes gets whole blocks only. */
	yg_slab_init(&s, YG_SLAB_BLOCK / 4);
	assert_int_equal(s.first, YG_SLAB_BLOCK);
	yg_slab_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(objects_are_zeroed_aligned_and_apart),
	    cmocka_unit_test(put_object_is_reused_zeroed),
	    cmocka_unit_test(dirty_object_is_counted_and_reused_as_is),
	    cmocka_unit_test(blocks_grow_then_shrink_when_idle),
	    cmocka_unit_test(first_block_is_small_then_whole_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
