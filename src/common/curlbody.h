/*
 * A bounded collector for an HTTP answer body, shaped as a libcurl
 * CURLOPT_WRITEFUNCTION callback (set CURLOPT_WRITEDATA to the struct).
 *
 * The answer comes from outside, so it has a cap: once the body would pass
 * `limit` bytes the callback sets too_big and returns 0, which makes curl
 * abort the transfer with CURLE_WRITE_ERROR. Out of memory aborts it the
 * same way with too_big left false.
 *
 * Ownership: p is owned by the struct and freed by yg_curlbody_release.
 * While p is not NULL it holds len bytes followed by a NUL (the body may
 * contain NULs of its own, so use len). p stays NULL when no byte came.
 * Needs no curl header: the callback has curl's write signature.
 */
#ifndef YG_COMMON_CURLBODY_H
#define YG_COMMON_CURLBODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct yg_curlbody {
	char *p;
	size_t len;
	size_t cap;   /* bytes allocated at p */
	size_t limit; /* most body bytes accepted; set it before the transfer */
	bool too_big;
};

/* Doubling keeps a large body (a whole indicator export) from costing a
 * realloc per curl chunk. */
static inline size_t yg_curlbody_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct yg_curlbody *b = ud;
	size_t n = size * nmemb;
	if (n > b->limit - b->len) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->limit + 1) /* never more than the cap allows */
			cap = b->limit + 1;
		char *q = realloc(b->p, cap);
		if (!q)
			return 0;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* Frees the body and empties the struct for another transfer (limit is kept). */
static inline void yg_curlbody_release(struct yg_curlbody *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->too_big = false;
}

#endif
