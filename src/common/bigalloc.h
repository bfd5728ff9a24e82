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

#define YG_BIG_MIN ((size_t)2 << 20)

#endif
