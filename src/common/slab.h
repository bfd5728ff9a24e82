/*
 * A free list of fixed-size objects carved from 2 MiB blocks in
 * transparent huge pages, for per-flow state a worker makes and drops by
 * the hundred thousand (the flow's app state, a TLS handshake's state).
 *
 * Why not malloc: on a real traffic mix most flows are short and most are
 * still alive when the next ones start, so every object came from fresh
 * heap, and in 4 KiB pages each new page cost a page fault (expensive in
 * a VM: 5 % of the packet path on the bench's real mix). Here a fault
 * brings 2 MiB, and a freed object goes straight to the next one of its
 * size instead of being split by malloc's bins for smaller requests.
 *
 * Not thread-safe: one slab per owner (a worker). The slab keeps its
 * blocks while any object is out (it holds the peak of a burst, which the
 * caller bounds: the flow memcap charges every object in use); when the
 * last object comes back it keeps its first block and frees the others. Under
 * AddressSanitizer the parts not handed out are poisoned (overflows and
 * use after put are caught); LeakSanitizer does not see an object never
 * put back (its block is still held), so callers free flows on every path.
 */
#ifndef YG_COMMON_SLAB_H
#define YG_COMMON_SLAB_H

#include <stddef.h>

#define YG_SLAB_BLOCK ((size_t)2 << 20)

/* The first block is smaller: YG_SLAB_FIRST bytes, or the power of two
 * that holds four objects when that is more (at most YG_SLAB_BLOCK). A
 * worker with a few flows (a small capture, a fuzz input, a quiet link)
 * then uses one small block from malloc's reused memory instead of 2 MiB
 * of fresh pages: made per fuzz input, the 2 MiB blocks' mmap, page
 * faults and munmap were a third of fuzz_sensor's time. A busy worker
 * takes 2 MiB blocks from the second one on. */
#define YG_SLAB_FIRST ((size_t)64 << 10)

struct yg_slab {
	size_t size;     /* object size, rounded up to 16 */
	size_t first;    /* bytes of blocks[0] (the others have YG_SLAB_BLOCK) */
	void *free_list; /* objects given back, linked through their first word */
	char *next;      /* the newest block's part never handed out */
	size_t left;     /* bytes there */
	void **blocks;   /* every block, the first one first */
	size_t n_blocks, cap_blocks;
	size_t in_use; /* objects handed out and not given back */
};

/* An empty slab of objects of size bytes (1 .. YG_SLAB_BLOCK / 4);
 * allocates nothing until the first yg_slab_get. */
void yg_slab_init(struct yg_slab *s, size_t size);

/* A zeroed object, or NULL when no block could be allocated. The caller
 * gives it back with yg_slab_put. */
void *yg_slab_get(struct yg_slab *s);

/* As yg_slab_get, but the contents are unspecified: for objects with
 * large parts written before they are read (an arena), whose owner zeroes
 * only the rest. */
void *yg_slab_get_dirty(struct yg_slab *s);

/* Gives p (from yg_slab_get or yg_slab_get_dirty of this slab) back.
 * Accepts NULL. */
void yg_slab_put(struct yg_slab *s, void *p);

/* Bytes the slab holds (blocks and their list). */
size_t yg_slab_bytes(const struct yg_slab *s);

/* Frees every block; objects still out become invalid. The slab is
 * empty afterwards (it may be used again). */
void yg_slab_release(struct yg_slab *s);

#endif
