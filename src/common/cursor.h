/*
 * Bounds-checked reading of outside bytes.
 *
 * Every decoder reads packet and file bytes through a yg_cur: each getter
 * returns false (and leaves the output untouched) when the bytes are not
 * there, so a decoder turns a short read into an anomaly instead of reading
 * past the end. Bytes are borrowed, never copied.
 */
#ifndef YG_COMMON_CURSOR_H
#define YG_COMMON_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct yg_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void yg_cur_init(struct yg_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
}

static inline size_t yg_cur_left(const struct yg_cur *c)
{
	return c->len - c->off;
}

static inline const uint8_t *yg_cur_ptr(const struct yg_cur *c)
{
	return c->p + c->off;
}

static inline bool yg_cur_skip(struct yg_cur *c, size_t n)
{
	if (yg_cur_left(c) < n)
		return false;
	c->off += n;
	return true;
}

static inline bool yg_cur_u8(struct yg_cur *c, uint8_t *v)
{
	if (yg_cur_left(c) < 1)
		return false;
	*v = c->p[c->off++];
	return true;
}

static inline bool yg_cur_be16(struct yg_cur *c, uint16_t *v)
{
	if (yg_cur_left(c) < 2)
		return false;
	const uint8_t *b = c->p + c->off;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	c->off += 2;
	return true;
}

static inline bool yg_cur_be24(struct yg_cur *c, uint32_t *v)
{
	if (yg_cur_left(c) < 3)
		return false;
	const uint8_t *b = c->p + c->off;
	*v = ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2];
	c->off += 3;
	return true;
}

static inline bool yg_cur_be32(struct yg_cur *c, uint32_t *v)
{
	if (yg_cur_left(c) < 4)
		return false;
	const uint8_t *b = c->p + c->off;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
	c->off += 4;
	return true;
}

/* Borrows n bytes: *ret points into the cursor's buffer. */
static inline bool yg_cur_bytes(struct yg_cur *c, size_t n, const uint8_t **ret)
{
	if (yg_cur_left(c) < n)
		return false;
	*ret = c->p + c->off;
	c->off += n;
	return true;
}

/* Copies n bytes into out. */
static inline bool yg_cur_copy(struct yg_cur *c, void *out, size_t n)
{
	if (yg_cur_left(c) < n)
		return false;
	memcpy(out, c->p + c->off, n);
	c->off += n;
	return true;
}

/* A sub-cursor over the next n bytes; the parent advances past them. */
static inline bool yg_cur_sub(struct yg_cur *c, size_t n, struct yg_cur *ret)
{
	const uint8_t *b;
	if (!yg_cur_bytes(c, n, &b))
		return false;
	yg_cur_init(ret, b, n);
	return true;
}

/* Unaligned big-endian loads for code that already checked the length. */
static inline uint16_t yg_load_be16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t yg_load_be32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

#endif
