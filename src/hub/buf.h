/*
 * A growable byte buffer with a cap, for response bodies. Appends past the
 * cap (or past memory) set .failed and are dropped, so callers check once at
 * the end. yg_buf_take hands the bytes over (caller frees).
 */
#ifndef YG_HUB_BUF_H
#define YG_HUB_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct yg_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
	bool failed;
};

void yg_buf_init(struct yg_buf *b, size_t max);
void yg_buf_release(struct yg_buf *b);
void yg_buf_add(struct yg_buf *b, const void *data, size_t n);
void yg_buf_adds(struct yg_buf *b, const char *s);
/* Appends s as a JSON string literal (quotes and escapes). Bytes that are
 * not well-formed UTF-8 become \u00XX, so the output is always valid JSON. */
void yg_buf_add_json_string(struct yg_buf *b, const char *s);
/* NUL-terminated bytes; NULL when the buffer failed. Caller frees. */
char *yg_buf_take(struct yg_buf *b, size_t *ret_len);

#endif
