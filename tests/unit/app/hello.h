/* Builds TLS ClientHellos for the app-layer tests. */
#ifndef YG_TEST_APP_HELLO_H
#define YG_TEST_APP_HELLO_H

#include "msgbuf.h"

/* Starts an extension (or any length-prefixed block of w bytes) and
 * returns where its length goes; close it with mb_patch_len(m, at, w). */
static inline size_t ext_open(struct mb *m, unsigned type)
{
	mb_u16(m, type);
	size_t at = m->len;
	mb_u16(m, 0);
	return at;
}

static inline void ext_u16_list(struct mb *m, unsigned type, const uint16_t *v, size_t n)
{
	size_t at = ext_open(m, type);
	mb_u16(m, (unsigned)(2 * n));
	for (size_t i = 0; i < n; i++)
		mb_u16(m, v[i]);
	mb_patch_len(m, at, 2);
}

static inline void ext_sni(struct mb *m, const void *name, size_t n)
{
	size_t at = ext_open(m, 0);
	mb_u16(m, (unsigned)(n + 3));
	mb_u8(m, 0);
	mb_u16(m, (unsigned)n);
	mb_bytes(m, name, n);
	mb_patch_len(m, at, 2);
}

/* ALPN names given as (length, bytes) pairs in one string: "\x02h2\x08http/1.1". */
static inline void ext_alpn(struct mb *m, const void *list, size_t n)
{
	size_t at = ext_open(m, 16);
	mb_u16(m, (unsigned)n);
	mb_bytes(m, list, n);
	mb_patch_len(m, at, 2);
}

static inline void ext_versions(struct mb *m, const uint16_t *v, size_t n)
{
	size_t at = ext_open(m, 43);
	mb_u8(m, (unsigned)(2 * n));
	for (size_t i = 0; i < n; i++)
		mb_u16(m, v[i]);
	mb_patch_len(m, at, 2);
}

static inline void ext_formats(struct mb *m, const uint8_t *v, size_t n)
{
	size_t at = ext_open(m, 11);
	mb_u8(m, (unsigned)n);
	mb_bytes(m, v, n);
	mb_patch_len(m, at, 2);
}

static inline void ext_raw(struct mb *m, unsigned type, const void *data, size_t n)
{
	mb_u16(m, type);
	mb_u16(m, (unsigned)n);
	mb_bytes(m, data, n);
}

/* The handshake message: type 1, length, body. exts NULL: no extension
 * block at all (pre-TLS 1.0 style). */
static inline struct mb hello_msg(unsigned legacy, const uint16_t *cs, size_t nc,
                                  const struct mb *exts)
{
	struct mb m = {0};
	mb_u8(&m, 1);
	mb_u24(&m, 0);
	mb_u16(&m, legacy);
	for (unsigned i = 0; i < 32; i++)
		mb_u8(&m, i);
	mb_u8(&m, 32);
	for (unsigned i = 0; i < 32; i++)
		mb_u8(&m, 0xa0 + i);
	mb_u16(&m, (unsigned)(2 * nc));
	for (size_t i = 0; i < nc; i++)
		mb_u16(&m, cs[i]);
	mb_u8(&m, 1);
	mb_u8(&m, 0);
	if (exts) {
		mb_u16(&m, (unsigned)exts->len);
		mb_bytes(&m, exts->b, exts->len);
	}
	mb_patch_len(&m, 1, 3);
	return m;
}

/* Wraps a handshake message in records: the k-th record carries cuts[k]
 * bytes (the last one the rest). */
static inline struct mb records(const struct mb *hs, unsigned version, const size_t *cuts,
                                size_t ncuts)
{
	struct mb m = {0};
	size_t off = 0;
	for (size_t k = 0; off < hs->len; k++) {
		size_t n = k < ncuts ? cuts[k] : hs->len - off;
		if (n > hs->len - off)
			n = hs->len - off;
		mb_u8(&m, 22);
		mb_u16(&m, version);
		mb_u16(&m, (unsigned)n);
		mb_bytes(&m, hs->b + off, n);
		off += n;
	}
	return m;
}

#endif
