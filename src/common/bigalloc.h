/*
 * Zeroed memory for large tables probed at random on the packet path
 * (flow buckets, indicator slots, the domain bloom filter). A table of
 * tens of megabytes in 4 KiB pages costs a page walk on most probes on
 * top of the cache miss; in 2 MiB pages its translations stay cached.
 */
#ifndef YG_COMMON_BIGALLOC_H
#define YG_COMMON_BIGALLOC_H

#include <stddef.h>

/* n * size zeroed bytes, or NULL (also when n * size overflows). From
 * YG_BIG_MIN bytes on, the block is 2 MiB-aligned, its size rounded up
 * to whole 2 MiB pages and marked for transparent huge pages (a hint the
 * kernel may ignore). The caller owns the block and frees it with
 * free(). */
void *yg_big_calloc(size_t n, size_t size);

/* The same block not zeroed (contents undefined), for an owner that
 * initializes each part before its first use (the slab, common/slab.h):
 * then only the pages it uses are ever touched. */
void *yg_big_alloc(size_t bytes);

#define YG_BIG_MIN ((size_t)2 << 20)

/* Marks the whole 2 MiB pages inside [p, p + bytes) for transparent huge
 * pages, for a block from malloc or realloc that is filled once, front to
 * back (a list being loaded, a file being read). A hint the kernel may
 * ignore; a no-op below YG_BIG_MIN or on NULL. Why: a first touch of a
 * 4 KiB page costs a fault, and on a virtual machine a fault costs more
 * than writing the page (about 3 ms per MiB here against 0.05 ms to write
 * it again): loading a million indicators was mostly faults. Pages the
 * block already touched keep their size. */
void yg_big_advise(void *p, size_t bytes);

#endif
