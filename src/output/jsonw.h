/*
 * A small streaming JSON writer for the hot EVE path: appends to a growable
 * buffer, escapes strings per RFC 8259, never allocates per value. Keeps
 * track of whether a comma is needed so callers just emit keys and values.
 *
 * Nesting is bounded (YG_JSONW_MAX_DEPTH); writing past it is a programming
 * error caught by yg_jsonw_ok() returning false.
 */
#ifndef YG_OUTPUT_JSONW_H
#define YG_OUTPUT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_JSONW_MAX_DEPTH 16

struct yg_jsonw {
	char *buf;
	size_t len, cap;
	uint8_t depth;
	bool need_comma[YG_JSONW_MAX_DEPTH + 1];
	bool failed; /* allocation failed or depth exceeded: output is unusable */
};

/* Embedded writer: _init reserves cap bytes, _release frees the buffer. */
int yg_jsonw_init(struct yg_jsonw *w, size_t cap);
void yg_jsonw_release(struct yg_jsonw *w);

/* Forgets the content (keeps the buffer). */
void yg_jsonw_reset(struct yg_jsonw *w);

bool yg_jsonw_ok(const struct yg_jsonw *w);

void yg_jsonw_obj_open(struct yg_jsonw *w);
void yg_jsonw_obj_close(struct yg_jsonw *w);
void yg_jsonw_arr_open(struct yg_jsonw *w);
void yg_jsonw_arr_close(struct yg_jsonw *w);

/* Makes room for n more bytes: true, or false with the writer failed
 * (allocation failed or the output cap reached). */
bool yg_jsonw_grow(struct yg_jsonw *w, size_t n);
static inline bool yg_jsonw_reserve(struct yg_jsonw *w, size_t n)
{
	if (w->failed)
		return false;
	return w->cap - w->len >= n || yg_jsonw_grow(w, n);
}

/* A key inside an object; the next value call writes its value. key is a
 * trusted literal (not escaped). Inline, with the length of a literal key
 * known at compile time, so that the copy is a few moves: this runs for
 * every field of every record. */
static inline void yg_jsonw_keyn(struct yg_jsonw *w, const char *key, size_t klen)
{
	/* One reservation for comma, quotes, key and colon. */
	if (!yg_jsonw_reserve(w, klen + 4))
		return;
	char *o = w->buf + w->len;
	if (w->need_comma[w->depth])
		*o++ = ',';
	*o++ = '"';
	__builtin_memcpy(o, key, klen);
	o += klen;
	*o++ = '"';
	*o++ = ':';
	w->len = (size_t)(o - w->buf);
	/* The value that follows must not add another comma. */
	w->need_comma[w->depth] = false;
}

static inline void yg_jsonw_key(struct yg_jsonw *w, const char *key)
{
	yg_jsonw_keyn(w, key, __builtin_strlen(key));
}

/* Values; inside an object each must follow yg_jsonw_key. Strings are
 * escaped; bytes that are not valid UTF-8 are written as \u00XX of the
 * byte (so output is always valid JSON). */
void yg_jsonw_strn(struct yg_jsonw *w, const void *s, size_t len);
static inline void yg_jsonw_str(struct yg_jsonw *w, const char *s)
{
	yg_jsonw_strn(w, s, __builtin_strlen(s));
}
/* A string the caller knows needs no escaping: only printable ASCII other
 * than the quote and the backslash (timestamps, addresses, names from a
 * fixed table). Copied as it is, without the per-byte escaping pass. */
void yg_jsonw_strn_plain(struct yg_jsonw *w, const char *s, size_t len);
void yg_jsonw_u64(struct yg_jsonw *w, uint64_t v);
/* v in decimal at out (no NUL); returns the length (1..20). For writers
 * that lay out a fixed record themselves (the flow event). */
size_t yg_jsonw_fmt_u64(char out[20], uint64_t v);
void yg_jsonw_i64(struct yg_jsonw *w, int64_t v);
void yg_jsonw_bool(struct yg_jsonw *w, bool v);
void yg_jsonw_null(struct yg_jsonw *w);
/* Raw, already valid JSON text. */
void yg_jsonw_raw(struct yg_jsonw *w, const char *json, size_t len);

/* key + value shorthands (inline for the same reason as yg_jsonw_key). */
static inline void yg_jsonw_kv_str(struct yg_jsonw *w, const char *key, const char *s)
{
	yg_jsonw_key(w, key);
	yg_jsonw_str(w, s);
}

static inline void yg_jsonw_kv_strn(struct yg_jsonw *w, const char *key, const void *s,
				    size_t len)
{
	yg_jsonw_key(w, key);
	yg_jsonw_strn(w, s, len);
}

static inline void yg_jsonw_kv_plain(struct yg_jsonw *w, const char *key, const char *s)
{
	yg_jsonw_key(w, key);
	yg_jsonw_strn_plain(w, s, __builtin_strlen(s));
}

static inline void yg_jsonw_kv_u64(struct yg_jsonw *w, const char *key, uint64_t v)
{
	yg_jsonw_key(w, key);
	yg_jsonw_u64(w, v);
}

static inline void yg_jsonw_kv_bool(struct yg_jsonw *w, const char *key, bool v)
{
	yg_jsonw_key(w, key);
	yg_jsonw_bool(w, v);
}

/* Appends a newline (end of an EVE record). */
void yg_jsonw_newline(struct yg_jsonw *w);

#endif
