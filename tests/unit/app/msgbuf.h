/* A tiny byte-message builder for the app-layer tests. */
#ifndef YG_TEST_APP_MSGBUF_H
#define YG_TEST_APP_MSGBUF_H

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mb {
	uint8_t *b;
	size_t len, cap;
};

static inline void mb_need(struct mb *m, size_t n)
{
	if (m->len + n <= m->cap)
		return;
	size_t c = m->cap ? m->cap : 256;
	while (c < m->len + n)
		c *= 2;
	m->b = realloc(m->b, c);
	if (!m->b)
		abort();
	m->cap = c;
}

static inline void mb_bytes(struct mb *m, const void *p, size_t n)
{
	mb_need(m, n);
	if (n) {
		/* mb_need leaves a buffer whenever it is asked for bytes. */
		assert(m->b);
		memcpy(m->b + m->len, p, n);
	}
	m->len += n;
}

static inline void mb_u8(struct mb *m, unsigned v)
{
	uint8_t b = (uint8_t)v;
	mb_bytes(m, &b, 1);
}

static inline void mb_u16(struct mb *m, unsigned v)
{
	mb_u8(m, v >> 8);
	mb_u8(m, v);
}

static inline void mb_u24(struct mb *m, unsigned v)
{
	mb_u8(m, v >> 16);
	mb_u16(m, v);
}

static inline void mb_u32(struct mb *m, uint32_t v)
{
	mb_u16(m, v >> 16);
	mb_u16(m, v);
}

static inline void mb_str(struct mb *m, const char *s)
{
	mb_bytes(m, s, strlen(s));
}

/* Writes a big-endian length of w bytes at offset at: the bytes since
 * at + w. */
static inline void mb_patch_len(struct mb *m, size_t at, unsigned w)
{
	size_t n = m->len - at - w;
	for (unsigned i = 0; i < w; i++)
		m->b[at + i] = (uint8_t)(n >> (8 * (w - 1 - i)));
}

static inline void mb_free(struct mb *m)
{
	free(m->b);
	m->b = NULL;
	m->len = m->cap = 0;
}

/* An exact-size heap copy of the first n bytes, so ASan catches any read
 * past them. Caller frees. */
static inline uint8_t *mb_dup(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (!d)
		abort();
	if (n)
		memcpy(d, p, n);
	return d;
}

#endif
