#include "common/bigalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *yg_big_alloc(size_t bytes)
{
	if (bytes < YG_BIG_MIN)
		return malloc(bytes ? bytes : 1);
	if (bytes > SIZE_MAX - HUGE_PAGE)
		return NULL;
	/* Rounded up: the waste is under one page, about 1/8 of the
	 * smallest block rounded, and nothing for the power-of-two tables. */
	size_t whole = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	void *p = aligned_alloc(HUGE_PAGE, whole);
	if (!p)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* Before the first touch, so the first write faults huge pages. */
	(void)madvise(p, whole, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
	return p;
}

void *yg_big_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	size_t bytes = n * size;
	if (bytes < YG_BIG_MIN)
		return calloc(n, size);
	void *p = yg_big_alloc(bytes);
	if (!p)
		return NULL;
	memset(p, 0, (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	return p;
}

void yg_big_advise(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	if (!p || bytes < YG_BIG_MIN)
		return;
	uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t e = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE); /* a hint: failure is harmless */
#else
	(void)p;
	(void)bytes;
#endif
}
