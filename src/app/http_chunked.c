/*
 * Chunked transfer coding (RFC 9112 section 7.1):
 *
 *   chunked-body    = *chunk last-chunk trailer-section CRLF
 *   chunk           = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk      = 1*("0") [ chunk-ext ] CRLF
 *   trailer-section = *( field-line CRLF )
 *
 *   "1a;name=v\r\n" <26 bytes> "\r\n" "0\r\n" "X-T: 1\r\n" "\r\n"
 *
 * Like the head parser, a bare LF ends a line. Chunk data is skipped in
 * one step, so a large body costs almost nothing.
 */
#include "app/http_chunked.h"

#include <errno.h>

enum {
	ST_SIZE,    /* hex digits of chunk-size */
	ST_EXT,     /* chunk-ext, up to the LF */
	ST_SIZE_LF, /* CR seen after the size line */
	ST_DATA,
	ST_DATA_CR, /* the CRLF after chunk-data */
	ST_DATA_LF,
	ST_TRAILER_START,
	ST_TRAILER,
	ST_FINAL_LF,
	ST_DONE,
};

static int hexval(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The size line ended: data follows, or the trailer after the last chunk. */
static void size_line_end(struct yg_http_chunked *c)
{
	c->state = c->size ? ST_DATA : ST_TRAILER_START;
	c->line = 0;
	c->digits = 0;
}

long yg_http_chunked_feed(struct yg_http_chunked *c, const uint8_t *p, size_t n, bool *done)
{
	*done = false;
	size_t i = 0;
	while (i < n) {
		uint8_t ch = p[i];
		switch (c->state) {
		case ST_SIZE: {
			int v = hexval(ch);
			if (v >= 0) {
				/* 15 hex digits: far past any body, short of overflow. */
				if (c->digits == 15 && c->size)
					return -EBADMSG;
				c->size = c->size * 16 + (uint64_t)v;
				if (c->size)
					c->digits++;
				if (++c->line > YG_HTTP_CHUNK_LINE_MAX)
					return -EBADMSG; /* zeros without end */
				i++;
				break;
			}
			if (c->line == 0)
				return -EBADMSG; /* no digit at all */
			if (ch == ';' || ch == ' ' || ch == '\t')
				c->state = ST_EXT;
			else if (ch == '\r')
				c->state = ST_SIZE_LF;
			else if (ch == '\n')
				size_line_end(c);
			else
				return -EBADMSG;
			i++;
			break;
		}
		case ST_EXT:
			if (ch == '\n')
				size_line_end(c);
			else if (++c->line > YG_HTTP_CHUNK_LINE_MAX || ch == 0)
				return -EBADMSG;
			i++;
			break;
		case ST_SIZE_LF:
			if (ch != '\n')
				return -EBADMSG;
			size_line_end(c);
			i++;
			break;
		case ST_DATA: {
			uint64_t k = n - i < c->size ? n - i : c->size;
			c->size -= k;
			c->body += k;
			i += (size_t)k;
			if (!c->size)
				c->state = ST_DATA_CR;
			break;
		}
		case ST_DATA_CR:
			if (ch == '\r')
				c->state = ST_DATA_LF;
			else if (ch == '\n')
				c->state = ST_SIZE;
			else
				return -EBADMSG;
			i++;
			break;
		case ST_DATA_LF:
			if (ch != '\n')
				return -EBADMSG;
			c->state = ST_SIZE;
			i++;
			break;
		case ST_TRAILER_START:
			if (ch == '\r')
				c->state = ST_FINAL_LF;
			else if (ch == '\n')
				c->state = ST_DONE;
			else
				c->state = ST_TRAILER;
			if (c->state != ST_TRAILER)
				i++;
			break;
		case ST_TRAILER:
			if (++c->trailer > YG_HTTP_TRAILER_MAX || ch == 0)
				return -EBADMSG;
			if (ch == '\n')
				c->state = ST_TRAILER_START;
			i++;
			break;
		case ST_FINAL_LF:
			if (ch != '\n')
				return -EBADMSG;
			c->state = ST_DONE;
			i++;
			break;
		default:
			*done = true;
			return (long)i;
		}
		if (c->state == ST_DONE) {
			*done = true;
			return (long)i;
		}
	}
	return (long)i;
}
