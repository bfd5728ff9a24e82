/*
 * Longest-prefix match for IPv4 and IPv6 indicator sets.
 *
 * Host entries (/32, /128) go to a sorted key array. Shorter prefixes form
 * a laminar family (two prefixes are nested or disjoint), so they flatten
 * into disjoint intervals, each carrying its most specific prefix:
 *
 *   10.0.0.0/8 (a), 10.1.0.0/16 (b)  ->  0.0.0.0:-  10.0.0.0:a
 *                                        10.1.0.0:b  10.2.0.0:a  11.0.0.0:-
 *
 * A lookup is "the last interval start <= address", a binary search in a
 * slice chosen by the address's top bits (a bucket index of up to 2^16
 * entries, sized to the number of keys). Memory is 8 bytes (v4) or 20
 * bytes (v6) per key plus the index; at most 2n+1 intervals for n prefixes.
 * Host matches win over intervals, being the most specific.
 */
#include "intel/intel-int.h"

#include "common/bigalloc.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned index_bits(size_t n)
{
	unsigned bits = 0;
	if (n < 64)
		return 0;
	while (bits < 16 && ((size_t)1 << (bits + 1)) <= n)
		bits++;
	return bits;
}

static int index4(struct yg_lpm4 *l)
{
	/* The build allocates keys for exactly n entries (none when n is 0). */
	assert(l->keys || l->n == 0);
	l->bits = index_bits(l->n);
	if (!l->bits)
		return 0;
	size_t nb = ((size_t)1 << l->bits) + 1;
	l->bidx = malloc(nb * sizeof *l->bidx);
	if (!l->bidx)
		return -ENOMEM;
	unsigned shift = 32 - l->bits;
	size_t i = 0;
	for (size_t t = 0; t < nb; t++) {
		while (i < l->n && (size_t)(l->keys[i] >> shift) < t)
			i++;
		l->bidx[t] = (uint32_t)i;
	}
	return 0;
}

static int index6(struct yg_lpm6 *l)
{
	/* The build allocates keys for exactly n entries (none when n is 0). */
	assert(l->keys || l->n == 0);
	l->bits = index_bits(l->n);
	if (!l->bits)
		return 0;
	size_t nb = ((size_t)1 << l->bits) + 1;
	l->bidx = malloc(nb * sizeof *l->bidx);
	if (!l->bidx)
		return -ENOMEM;
	unsigned shift = 128 - l->bits;
	size_t i = 0;
	for (size_t t = 0; t < nb; t++) {
		while (i < l->n && (size_t)(l->keys[i] >> shift) < t)
			i++;
		l->bidx[t] = (uint32_t)i;
	}
	return 0;
}

/* Index of the last key <= a, or -1. */
long yg_intel_lpm4_floor(const struct yg_lpm4 *l, uint32_t a)
{
	size_t lo = 0, hi = l->n;
	if (l->bidx) {
		uint32_t t = a >> (32 - l->bits);
		lo = l->bidx[t];
		hi = l->bidx[t + 1];
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->keys[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

long yg_intel_lpm6_floor(const struct yg_lpm6 *l, yg_u128 a)
{
	size_t lo = 0, hi = l->n;
	if (l->bidx) {
		size_t t = (size_t)(a >> (128 - l->bits));
		lo = l->bidx[t];
		hi = l->bidx[t + 1];
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->keys[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

static int cmp4(const void *x, const void *y)
{
	const struct yg_ip4e *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (int)a->len - (int)b->len;
}

static unsigned key4(const struct yg_ip4e *x, int pass)
{
	return pass == 0 ? x->len : pass == 1 ? (x->addr & 0xffff) : (x->addr >> 16);
}

/* Sorts by (addr, len): a stable 3-pass LSD radix sort for the large sets
 * (a million entries sort in a few milliseconds), qsort for small ones or
 * when the scratch space cannot be had. */
static void sort4(struct yg_ip4e *e, size_t n)
{
	struct yg_ip4e *tmp = n >= 4096 ? malloc(n * sizeof *tmp) : NULL;
	size_t *cnt = tmp ? malloc(65536 * sizeof *cnt) : NULL;
	yg_big_advise(tmp, n * sizeof *tmp);
	if (!cnt) {
		free(tmp);
		if (n > 1)
			qsort(e, n, sizeof *e, cmp4);
		return;
	}
	struct yg_ip4e *src = e, *dst = tmp;
	for (int pass = 0; pass < 3; pass++) {
		memset(cnt, 0, 65536 * sizeof *cnt);
		for (size_t i = 0; i < n; i++)
			cnt[key4(&src[i], pass)]++;
		size_t sum = 0;
		for (size_t k = 0; k < 65536; k++) {
			size_t c = cnt[k];
			cnt[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[key4(&src[i], pass)]++] = src[i];
		struct yg_ip4e *t = src;
		src = dst;
		dst = t;
	}
	memcpy(e, src, n * sizeof *e); /* three passes leave the result in tmp */
	free(cnt);
	free(tmp);
}

static int cmp6(const void *x, const void *y)
{
	const struct yg_ip6e *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (int)a->len - (int)b->len;
}

static int alloc_kv(void **keys, size_t ksz, uint32_t **vals, size_t n)
{
	*keys = NULL;
	*vals = NULL;
	if (n == 0)
		return 0;
	*keys = malloc(n * ksz);
	*vals = malloc(n * sizeof **vals);
	yg_big_advise(*keys, n * ksz);
	yg_big_advise(*vals, n * sizeof **vals);
	return (*keys && *vals) ? 0 : -ENOMEM;
}

/* Shrinks the interval arrays to their final size (never fails: the
 * larger block is kept when realloc cannot move). */
static void *shrink(void *p, size_t bytes)
{
	if (!p || bytes == 0)
		return p;
	void *q = realloc(p, bytes);
	if (q)
		p = q;
	return p;
}

#define EMIT(K, V, NR, start, idx)                                                                 \
	do {                                                                                       \
		if ((NR) > 0 && (K)[(NR)-1] == (start)) {                                          \
			(V)[(NR)-1] = (idx);                                                       \
			if ((NR) >= 2 && (V)[(NR)-2] == (idx))                                     \
				(NR)--;                                                            \
		} else if ((NR) == 0 || (V)[(NR)-1] != (idx)) {                                    \
			(K)[NR] = (start);                                                         \
			(V)[NR] = (idx);                                                           \
			(NR)++;                                                                    \
		}                                                                                  \
	} while (0)

int yg_intel_lpm4_build(struct yg_ip4e *e, size_t n, struct yg_lpm4 *hosts, struct yg_lpm4 *ranges)
{
	/* Both tables start empty here rather than trusting the caller's
	 * zeroing: hosts->n counts the host keys written below. */
	*hosts = (struct yg_lpm4){0};
	*ranges = (struct yg_lpm4){0};
	sort4(e, n);
	size_t nh = 0;
	for (size_t i = 0; i < n; i++)
		nh += e[i].len == 32;
	size_t np = n - nh;
	void *k;
	int r = alloc_kv(&k, sizeof(uint32_t), &hosts->vals, nh);
	hosts->keys = k;
	if (r < 0)
		return r;
	r = alloc_kv(&k, sizeof(uint32_t), &ranges->vals, np ? 2 * np + 1 : 0);
	ranges->keys = k;
	if (r < 0)
		return r;
	struct {
		uint64_t end;
		uint32_t idx;
	} st[34];
	size_t sp = 0, nr = 0;
	uint32_t *K = ranges->keys, *V = ranges->vals;
	if (np)
		EMIT(K, V, nr, 0, YG_INTEL_NONE);
	for (size_t i = 0; i < n; i++) {
		if (e[i].len == 32) {
			hosts->keys[hosts->n] = e[i].addr;
			hosts->vals[hosts->n++] = e[i].idx;
			continue;
		}
		uint64_t start = e[i].addr;
		while (sp && st[sp - 1].end < start) {
			uint64_t end = st[--sp].end;
			EMIT(K, V, nr, (uint32_t)(end + 1), sp ? st[sp - 1].idx : YG_INTEL_NONE);
		}
		st[sp].end = start + ((uint64_t)1 << (32 - e[i].len)) - 1;
		st[sp++].idx = e[i].idx;
		EMIT(K, V, nr, (uint32_t)start, e[i].idx);
	}
	while (sp) {
		uint64_t end = st[--sp].end;
		if (end < UINT32_MAX)
			EMIT(K, V, nr, (uint32_t)(end + 1), sp ? st[sp - 1].idx : YG_INTEL_NONE);
	}
	ranges->n = nr;
	ranges->keys = shrink(ranges->keys, nr * sizeof *K);
	ranges->vals = shrink(ranges->vals, nr * sizeof *V);
	r = index4(hosts);
	if (r == 0)
		r = index4(ranges);
	return r;
}

int yg_intel_lpm6_build(struct yg_ip6e *e, size_t n, struct yg_lpm6 *hosts, struct yg_lpm6 *ranges)
{
	/* Both tables start empty here rather than trusting the caller's
	 * zeroing: hosts->n counts the host keys written below. */
	*hosts = (struct yg_lpm6){0};
	*ranges = (struct yg_lpm6){0};
	if (n > 1)
		qsort(e, n, sizeof *e, cmp6);
	size_t nh = 0;
	for (size_t i = 0; i < n; i++)
		nh += e[i].len == 128;
	size_t np = n - nh;
	void *k;
	int r = alloc_kv(&k, sizeof(yg_u128), &hosts->vals, nh);
	hosts->keys = k;
	if (r < 0)
		return r;
	r = alloc_kv(&k, sizeof(yg_u128), &ranges->vals, np ? 2 * np + 1 : 0);
	ranges->keys = k;
	if (r < 0)
		return r;
	const yg_u128 ones = ~(yg_u128)0;
	struct {
		yg_u128 end;
		uint32_t idx;
	} st[130];
	size_t sp = 0, nr = 0;
	yg_u128 *K = ranges->keys;
	uint32_t *V = ranges->vals;
	if (np)
		EMIT(K, V, nr, 0, YG_INTEL_NONE);
	for (size_t i = 0; i < n; i++) {
		if (e[i].len == 128) {
			hosts->keys[hosts->n] = e[i].addr;
			hosts->vals[hosts->n++] = e[i].idx;
			continue;
		}
		yg_u128 start = e[i].addr;
		while (sp && st[sp - 1].end < start) {
			yg_u128 end = st[--sp].end;
			EMIT(K, V, nr, end + 1, sp ? st[sp - 1].idx : YG_INTEL_NONE);
		}
		st[sp].end = start | (e[i].len ? ones >> e[i].len : ones);
		st[sp++].idx = e[i].idx;
		EMIT(K, V, nr, start, e[i].idx);
	}
	while (sp) {
		yg_u128 end = st[--sp].end;
		if (end != ones)
			EMIT(K, V, nr, end + 1, sp ? st[sp - 1].idx : YG_INTEL_NONE);
	}
	ranges->n = nr;
	ranges->keys = shrink(ranges->keys, nr * sizeof *K);
	ranges->vals = shrink(ranges->vals, nr * sizeof *V);
	r = index6(hosts);
	if (r == 0)
		r = index6(ranges);
	return r;
}

size_t yg_intel_lpm4_memory(const struct yg_lpm4 *l)
{
	return l->n * 8 + (l->bidx ? (((size_t)1 << l->bits) + 1) * 4 : 0);
}

size_t yg_intel_lpm6_memory(const struct yg_lpm6 *l)
{
	return l->n * (sizeof(yg_u128) + 4) + (l->bidx ? (((size_t)1 << l->bits) + 1) * 4 : 0);
}

void yg_intel_lpm4_release(struct yg_lpm4 *l)
{
	free(l->keys);
	free(l->vals);
	free(l->bidx);
}

void yg_intel_lpm6_release(struct yg_lpm6 *l)
{
	free(l->keys);
	free(l->vals);
	free(l->bidx);
}
