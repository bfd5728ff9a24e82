/*
 * HTTP/1.x request head parser (RFC 9112 sections 3 and 5).
 *
 * Parses the request line and header fields of one request from the first
 * bytes a client sent. Fields borrow the input buffer.
 */
#ifndef YG_APP_HTTP_H
#define YG_APP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

#define YG_HTTP_HEAD_MAX 16384 /* a head longer than this is not waited for */

struct yg_http_request {
	struct yg_span method;
	struct yg_span uri;        /* request-target as sent */
	struct yg_span version;    /* "HTTP/1.1" */
	struct yg_span host;       /* Host header value, trimmed; port kept */
	struct yg_span user_agent;
	struct yg_span referer;
	struct yg_span content_type;
	uint64_t content_length;   /* 0 when absent or invalid */
	size_t head_len;           /* bytes up to and including the blank line */
};

/* Whether these first bytes of a stream look like an HTTP/1.x request
 * ("GET ", "POST ", ... a known method and a space). */
bool yg_http_looks_like_request(const uint8_t *p, size_t len);

/*
 * Parses a request head. Returns 0 when complete (ret filled), -EAGAIN when
 * the blank line ending the head has not arrived yet and len <
 * YG_HTTP_HEAD_MAX, -E2BIG when the head is longer than that, -EBADMSG when
 * the bytes are not an HTTP request.
 */
int yg_http_request_parse(const uint8_t *p, size_t len, struct yg_http_request *ret);

/* Parses an HTTP/1.x status line; returns 0 and the status code, or -EBADMSG / -EAGAIN. */
int yg_http_status_parse(const uint8_t *p, size_t len, unsigned *ret_status);

#endif
