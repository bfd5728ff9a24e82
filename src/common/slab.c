#include "common/slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigalloc.h"

/* Under AddressSanitizer, parts not handed out are poisoned: a read past
 * an object, or of one given back, is still caught as with malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif
#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void yg_slab_init(struct yg_slab *s, size_t size)
{
	memset(s, 0, sizeof *s);
	/* 16: malloc's alignment, and room for the free list's link. */
	s->size = size ? (size + 15) & ~(size_t)15 : 16;
	s->first = YG_SLAB_FIRST;
	while (s->first < 4 * s->size && s->first < YG_SLAB_BLOCK)
		s->first *= 2;
}

/* A new block becomes the one objects are carved from. */
static int add_block(struct yg_slab *s)
{
	if (s->n_blocks == s->cap_blocks) {
		size_t cap = s->cap_blocks ? s->cap_blocks * 2 : 8;
		void **b = realloc(s->blocks, cap * sizeof *b);
		if (!b)
			return -1;
		s->blocks = b;
		s->cap_blocks = cap;
	}
	/* 2 MiB-aligned, marked for a huge page (bigalloc.h). Not zeroed:
	 * yg_slab_get zeroes each object it hands out, so zeroing the whole
	 * block wrote it twice and touched pages a worker with few flows
	 * never uses (a worker made per fuzz input or per small capture
	 * spent most of its time on that 2 MiB memset and its faults). */
	size_t bytes = s->n_blocks ? YG_SLAB_BLOCK : s->first;
	void *p = yg_big_alloc(bytes);
	if (!p)
		return -1;
	s->blocks[s->n_blocks++] = p;
	POISON(p, bytes);
	s->next = p;
	s->left = bytes;
	return 0;
}

void *yg_slab_get_dirty(struct yg_slab *s)
{
	void *p = s->free_list;
	if (p) {
		UNPOISON(p, s->size);
		memcpy(&s->free_list, p, sizeof(void *));
	} else {
		if (s->left < s->size && add_block(s) < 0)
			return NULL;
		p = s->next;
		s->next += s->size;
		s->left -= s->size;
		UNPOISON(p, s->size);
	}
	s->in_use++;
	return p;
}

void *yg_slab_get(struct yg_slab *s)
{
	void *p = yg_slab_get_dirty(s);
	/* Zeroed on every path: calloc's promise, and a reset block (below)
	 * is carved again without zeroing it all. */
	if (p)
		memset(p, 0, s->size);
	return p;
}

void yg_slab_put(struct yg_slab *s, void *p)
{
	if (!p)
		return;
	memcpy(p, &s->free_list, sizeof(void *));
	POISON(p, s->size);
	s->free_list = p;
	if (--s->in_use)
		return;
	/* Idle: keep the first block, carved again from its start, and give
	 * the others back. */
	for (size_t i = 1; i < s->n_blocks; i++) {
		UNPOISON(s->blocks[i], YG_SLAB_BLOCK);
		free(s->blocks[i]);
	}
	s->n_blocks = 1;
	s->free_list = NULL;
	POISON(s->blocks[0], s->first);
	s->next = s->blocks[0];
	s->left = s->first;
}

size_t yg_slab_bytes(const struct yg_slab *s)
{
	if (!s->n_blocks)
		return s->cap_blocks * sizeof(void *);
	return s->first + (s->n_blocks - 1) * YG_SLAB_BLOCK + s->cap_blocks * sizeof(void *);
}

void yg_slab_release(struct yg_slab *s)
{
	for (size_t i = 0; i < s->n_blocks; i++) {
		UNPOISON(s->blocks[i], i ? YG_SLAB_BLOCK : s->first);
		free(s->blocks[i]);
	}
	free(s->blocks);
	size_t size = s->size, first = s->first;
	memset(s, 0, sizeof *s);
	s->size = size;
	s->first = first;
}
