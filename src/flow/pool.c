/*
 * Slab pool of flows: chunks of YG_FLOW_CHUNK_FLOWS flows allocated on
 * demand, a free list per chunk for reuse. Per-flow malloc would cost a
 * 16-byte header and an unpredictable amount of fragmentation for each of
 * a million flows; here the memory is the chunks and three small arrays.
 *
 * Why per-chunk free lists and lowest-chunk-first allocation: after a
 * flood has filled the memory cap and ended, the chunks it grew must go
 * back, or the app layer could never charge memory again. Packing live
 * flows into the lowest chunks lets the high ones empty out and be freed.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow/flow-int.h"

/* 64-byte alignment puts each 128-byte flow on exactly two cache lines. A
 * full chunk is one 2 MiB transparent huge page where the kernel allows it:
 * a million flows then cost 64 TLB entries instead of 32,000, and random
 * lookups miss the TLB far less (about 10% faster in bench_flow). */
#define CHUNK_ALIGN 64
#define HUGE_PAGE   ((size_t)2 << 20)
#define NONE        UINT32_MAX

_Static_assert(sizeof(struct yg_flow) % CHUNK_ALIGN == 0, "flows must tile cache lines");

static size_t arrays_bytes(uint32_t cap)
{
	return (size_t)cap * (sizeof(struct yg_flow *) + sizeof(struct yg_flow_chunk_meta)) +
	       (size_t)(cap / 64) * sizeof(uint64_t);
}

static void set_avail(struct yg_flow_pool *p, uint32_t c)
{
	p->avail[c / 64] |= 1ull << (c % 64);
	if (c / 64 < p->avail_hint)
		p->avail_hint = c / 64;
}

static void clear_avail(struct yg_flow_pool *p, uint32_t c)
{
	p->avail[c / 64] &= ~(1ull << (c % 64));
}

/* The lowest chunk with a slot to give, or NONE. */
static uint32_t find_avail(struct yg_flow_pool *p)
{
	uint32_t words = (p->n_chunks + 63) / 64;
	for (uint32_t w = p->avail_hint; w < words; w++) {
		if (p->avail[w]) {
			p->avail_hint = w;
			return w * 64 + (uint32_t)__builtin_ctzll(p->avail[w]);
		}
	}
	p->avail_hint = words;
	return NONE;
}

/* Doubles the per-chunk arrays; counts the bytes it adds against room. */
static int grow_arrays(struct yg_flow_pool *p, size_t *room)
{
	if (p->cap_chunks >= YG_FLOW_MAX_CHUNKS)
		return -E2BIG;
	/* A multiple of 64 so the bitmap is whole words: it starts at 64 and
	 * only doubles, so the bitmap is never allocated with size zero. */
	assert(p->cap_chunks % 64 == 0);
	uint32_t ncap = p->cap_chunks ? p->cap_chunks * 2 : 64;
	size_t added = arrays_bytes(ncap) - arrays_bytes(p->cap_chunks);
	if (added > *room)
		return -ENOMEM;
	struct yg_flow **c = realloc(p->chunks, (size_t)ncap * sizeof *c);
	if (!c)
		return -ENOMEM;
	p->chunks = c;
	struct yg_flow_chunk_meta *m = realloc(p->meta, (size_t)ncap * sizeof *m);
	if (!m)
		return -ENOMEM;
	p->meta = m;
	uint64_t *a = realloc(p->avail, (size_t)(ncap / 64) * sizeof *a);
	if (!a)
		return -ENOMEM;
	p->avail = a;
	uint32_t old = p->cap_chunks;
	memset(c + old, 0, (size_t)(ncap - old) * sizeof *c);
	memset(m + old, 0, (size_t)(ncap - old) * sizeof *m);
	memset(a + old / 64, 0, (size_t)(ncap - old) / 64 * sizeof *a);
	p->cap_chunks = ncap;
	p->bytes += added;
	*room -= added;
	return 0;
}

/* Allocates a chunk at the lowest free index; returns it or NONE. */
static uint32_t add_chunk(struct yg_flow_pool *p, size_t room)
{
	uint32_t c = 0;
	while (c < p->n_chunks && p->chunks[c])
		c++;
	if (c >= YG_FLOW_MAX_CHUNKS)
		return NONE;
	if (c >= p->cap_chunks && grow_arrays(p, &room) < 0)
		return NONE;
	size_t n = room / sizeof(struct yg_flow);
	if (n > YG_FLOW_CHUNK_FLOWS)
		n = YG_FLOW_CHUNK_FLOWS;
	/* Chunk 0 gives up slot 0 (the "none" slot), so it needs two. */
	uint32_t first = c ? 0 : 1;
	if (n <= first)
		return NONE;
	size_t bytes = n * sizeof(struct yg_flow);
	struct yg_flow *mem = aligned_alloc(bytes == HUGE_PAGE ? HUGE_PAGE : CHUNK_ALIGN, bytes);
	if (!mem)
		return NONE;
#ifdef MADV_HUGEPAGE
	if (bytes == HUGE_PAGE)
		(void)madvise(mem, bytes, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
	p->chunks[c] = mem;
	p->meta[c] = (struct yg_flow_chunk_meta){.fresh = first, .n_slots = (uint32_t)n};
	if (c == p->n_chunks)
		p->n_chunks++;
	p->n_empty++;
	p->bytes += bytes;
	p->slots += n - first;
	set_avail(p, c);
	return c;
}

static void drop_chunk(struct yg_flow_pool *p, uint32_t c)
{
	struct yg_flow_chunk_meta *m = &p->meta[c];
	free(p->chunks[c]);
	p->chunks[c] = NULL;
	p->bytes -= (size_t)m->n_slots * sizeof(struct yg_flow);
	p->slots -= m->n_slots - (c ? 0 : 1);
	memset(m, 0, sizeof *m);
	clear_avail(p, c);
	p->n_empty--;
	while (p->n_chunks && !p->chunks[p->n_chunks - 1])
		p->n_chunks--;
}

uint32_t yg_flow_pool_get(struct yg_flow_pool *p, size_t room)
{
	uint32_t c = find_avail(p);
	if (c == NONE && (c = add_chunk(p, room)) == NONE)
		return 0;
	struct yg_flow_chunk_meta *m = &p->meta[c];
	uint32_t s;
	if (m->free_head) {
		s = m->free_head;
		m->free_head = yg_flow_pool_at(p, s)->hnext;
	} else {
		s = (c << YG_FLOW_CHUNK_SHIFT) + m->fresh++;
	}
	if (m->used++ == 0)
		p->n_empty--;
	p->used++;
	if (!m->free_head && m->fresh == m->n_slots)
		clear_avail(p, c);
	return s;
}

void yg_flow_pool_put(struct yg_flow_pool *p, uint32_t slot)
{
	uint32_t c = slot >> YG_FLOW_CHUNK_SHIFT;
	struct yg_flow_chunk_meta *m = &p->meta[c];
	yg_flow_pool_at(p, slot)->hnext = m->free_head;
	m->free_head = slot;
	m->used--;
	p->used--;
	set_avail(p, c);
	if (m->used)
		return;
	p->n_empty++;
	size_t mine = m->n_slots - (c ? 0 : 1);
	if (p->slots - mine - p->used >= YG_FLOW_CHUNK_FLOWS / 2)
		drop_chunk(p, c);
}

size_t yg_flow_pool_trim(struct yg_flow_pool *p)
{
	size_t before = p->bytes;
	for (uint32_t c = 0; p->n_empty && c < p->n_chunks; c++)
		if (p->chunks[c] && p->meta[c].used == 0)
			drop_chunk(p, c);
	return before - p->bytes;
}

void yg_flow_pool_release(struct yg_flow_pool *p)
{
	for (uint32_t i = 0; i < p->n_chunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	free(p->meta);
	free(p->avail);
	memset(p, 0, sizeof *p);
}

void yg_flow_pool_reset(struct yg_flow_pool *p)
{
	/* Only the first arrays (64 chunks) are what a new pool grows with
	 * its first chunk: bigger ones would count more bytes against the
	 * cap than a new table does, and change what it may allocate. */
	if (p->cap_chunks != 64 || !p->chunks[0]) {
		yg_flow_pool_release(p);
		return;
	}
	for (uint32_t c = 1; c < p->n_chunks; c++)
		free(p->chunks[c]);
	memset(p->chunks + 1, 0, (size_t)(p->cap_chunks - 1) * sizeof *p->chunks);
	uint32_t n = p->meta[0].n_slots;
	memset(p->meta, 0, (size_t)p->cap_chunks * sizeof *p->meta);
	p->meta[0] = (struct yg_flow_chunk_meta){.fresh = 1, .n_slots = n};
	memset(p->avail, 0, (size_t)(p->cap_chunks / 64) * sizeof *p->avail);
	p->avail_hint = 0;
	p->n_chunks = 1;
	p->slots = n - 1;
	p->used = 0;
	p->n_empty = 1;
	p->bytes = arrays_bytes(p->cap_chunks) + (size_t)n * sizeof(struct yg_flow);
	set_avail(p, 0);
}
