/*
 * Growable capped buffer (see buf.h).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/buf.h"

void yg_buf_init(struct yg_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

void yg_buf_release(struct yg_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void yg_buf_add(struct yg_buf *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (n > b->max || b->len + 1 > b->max - n) {
		b->failed = true;
		return;
	}
	/* p holds cap bytes: len of text and its NUL. An empty buffer (p
	 * NULL) so always grows below before the copy (memcpy must not see
	 * NULL, even for n == 0). */
	assert(b->p ? b->len < b->cap : b->len == 0 && b->cap == 0);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void yg_buf_adds(struct yg_buf *b, const char *s)
{
	yg_buf_add(b, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void yg_buf_add_json_string(struct yg_buf *b, const char *s)
{
	yg_buf_add(b, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c;) {
		size_t n = utf8_len(c);
		if (*c == '"' || *c == '\\') {
			char e[2] = {'\\', (char)*c};
			yg_buf_add(b, e, 2);
		} else if (*c < 0x20 || n == 0) {
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", *c);
			yg_buf_add(b, e, 6);
		} else {
			yg_buf_add(b, c, n);
			c += n;
			continue;
		}
		c++;
	}
	yg_buf_add(b, "\"", 1);
}

char *yg_buf_take(struct yg_buf *b, size_t *ret_len)
{
	if (b->failed) {
		yg_buf_release(b);
		return NULL;
	}
	if (!b->p)
		yg_buf_add(b, "", 0);
	if (b->failed) {
		yg_buf_release(b);
		return NULL;
	}
	char *p = b->p;
	if (ret_len)
		*ret_len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
