/*
 * Prefix map (prefix_map.h) over the indicator sets' longest-prefix match.
 *
 * lpm.c answers an index per address; here the index is the entry's
 * position in a kept copy of the list, which holds the value and the
 * length. Same-prefix duplicates are dropped before the build, keeping
 * the later one, because the interval flattening assumes prefixes nested
 * or disjoint and would keep whichever sorted last.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-int.h"
#include "intel/prefix_map.h"

struct yg_pmap {
	struct yg_lpm4 host4, range4;
	struct yg_lpm6 host6, range6;
	uint32_t *values; /* by entry index */
	uint8_t *lens;
	size_t n;
};

static yg_u128 u128_of(const uint8_t b[16])
{
	yg_u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = (v << 8) | b[i];
	return v;
}

static uint32_t u32_of(const uint8_t b[16])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int cmp_key(const void *x, const void *y)
{
	const struct yg_pmap_entry *a = x, *b = y;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

/* Masks the host bits off, so equal prefixes compare equal. */
static void masked(const struct yg_pmap_entry *in, struct yg_pmap_entry *out)
{
	*out = *in;
	unsigned bytes = in->family == 4 ? 4 : 16;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit0 = i * 8;
		if (i >= bytes || bit0 >= in->len)
			out->addr[i] = bit0 >= in->len ? 0 : out->addr[i];
		else if (in->len - bit0 < 8)
			out->addr[i] &= (uint8_t)(0xff << (8 - (in->len - bit0)));
	}
}

void yg_pmap_free(struct yg_pmap *m)
{
	if (!m)
		return;
	yg_intel_lpm4_release(&m->host4);
	yg_intel_lpm4_release(&m->range4);
	yg_intel_lpm6_release(&m->host6);
	yg_intel_lpm6_release(&m->range6);
	free(m->values);
	free(m->lens);
	free(m);
}

int yg_pmap_build(const struct yg_pmap_entry *e, size_t n, struct yg_pmap **ret)
{
	if (n > YG_PMAP_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if ((e[i].family != 4 && e[i].family != 6) ||
		    e[i].len > (e[i].family == 4 ? 32 : 128) || e[i].value == UINT32_MAX)
			return -EINVAL;
	int r = -ENOMEM;
	struct yg_pmap *m = calloc(1, sizeof *m);
	/* Sorted with a stable tie-break on the input position, so "the later
	 * one wins" survives qsort. */
	struct item {
		struct yg_pmap_entry e;
		size_t pos;
	} *v = malloc((n ? n : 1) * sizeof *v);
	struct yg_ip4e *e4 = malloc((n ? n : 1) * sizeof *e4);
	struct yg_ip6e *e6 = malloc((n ? n : 1) * sizeof *e6);
	if (!m || !v || !e4 || !e6)
		goto fail;
	m->values = malloc((n ? n : 1) * sizeof *m->values);
	m->lens = malloc((n ? n : 1) * sizeof *m->lens);
	if (!m->values || !m->lens)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		masked(&e[i], &v[i].e);
		v[i].pos = i;
	}
	qsort(v, n, sizeof *v, cmp_key); /* the same prefixes end up adjacent */
	size_t n4 = 0, n6 = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		/* The run of equal prefixes: keep the one given last. */
		while (j + 1 < n && !cmp_key(&v[j + 1].e, &v[i].e))
			j++;
		size_t best = i;
		for (size_t k = i; k <= j; k++)
			if (v[k].pos > v[best].pos)
				best = k;
		uint32_t idx = (uint32_t)m->n;
		m->values[m->n] = v[best].e.value;
		m->lens[m->n++] = v[best].e.len;
		if (v[best].e.family == 4)
			e4[n4++] = (struct yg_ip4e){.addr = u32_of(v[best].e.addr), .idx = idx,
						    .len = v[best].e.len};
		else
			e6[n6++] = (struct yg_ip6e){.addr = u128_of(v[best].e.addr), .idx = idx,
						    .len = v[best].e.len};
		i = j;
	}
	r = yg_intel_lpm4_build(e4, n4, &m->host4, &m->range4);
	if (r == 0)
		r = yg_intel_lpm6_build(e6, n6, &m->host6, &m->range6);
	if (r < 0)
		goto fail;
	free(v);
	free(e4);
	free(e6);
	*ret = m;
	return 0;
fail:
	free(v);
	free(e4);
	free(e6);
	yg_pmap_free(m);
	return r;
}

int yg_pmap_lookup(const struct yg_pmap *m, uint8_t family, const uint8_t addr[16],
		   uint32_t *ret_value, uint8_t *ret_len)
{
	uint32_t idx = YG_INTEL_NONE;
	if (!m)
		return -ENOENT;
	if (family == 4) {
		uint32_t a = u32_of(addr);
		long i = yg_intel_lpm4_floor(&m->host4, a);
		if (i >= 0 && m->host4.keys[i] == a)
			idx = m->host4.vals[i];
		else if ((i = yg_intel_lpm4_floor(&m->range4, a)) >= 0)
			idx = m->range4.vals[i];
	} else if (family == 6) {
		yg_u128 a = u128_of(addr);
		long i = yg_intel_lpm6_floor(&m->host6, a);
		if (i >= 0 && m->host6.keys[i] == a)
			idx = m->host6.vals[i];
		else if ((i = yg_intel_lpm6_floor(&m->range6, a)) >= 0)
			idx = m->range6.vals[i];
	}
	if (idx == YG_INTEL_NONE || idx >= m->n)
		return -ENOENT;
	*ret_value = m->values[idx];
	if (ret_len)
		*ret_len = m->lens[idx];
	return 0;
}
