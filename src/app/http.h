/*
 * HTTP/1.x message head parser (RFC 9112 sections 3 to 6): requests, and
 * the responses paired with them. Fields borrow the input buffer.
 *
 * Strictness (see http.c): bare LF line ends and leading empty lines are
 * accepted; obs-fold, whitespace before a colon, a bare CR, NUL in a field
 * and a second Host field are -EBADMSG.
 */
#ifndef YG_APP_HTTP_H
#define YG_APP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/span.h"

#define YG_HTTP_HEAD_MAX 16384 /* a head longer than this is not waited for */

struct yg_http_request {
	struct yg_span method;
	struct yg_span uri;     /* request-target as sent */
	struct yg_span version; /* "HTTP/1.1" */
	struct yg_span host;    /* Host header value, trimmed; port kept */
	struct yg_span user_agent;
	struct yg_span referer;
	struct yg_span content_type;
	uint64_t content_length; /* 0 when absent or invalid, or with any Transfer-Encoding */
	size_t head_len;         /* bytes up to and including the blank line */
	bool chunked;            /* Transfer-Encoding ends in "chunked": the body is chunked */
};

/* A response head; spans borrow the input. */
struct yg_http_response {
	unsigned status;
	struct yg_span version; /* "HTTP/1.1" */
	struct yg_span content_type;
	struct yg_span location;
	uint64_t content_length; /* when has_length */
	size_t head_len;         /* bytes up to and including the blank line */
	bool has_length;         /* a valid Content-Length and no Transfer-Encoding */
	bool chunked;            /* Transfer-Encoding ends in "chunked" */
};

/* Whether these first bytes of a stream look like an HTTP/1.x request
 * ("GET ", "POST ", ... a known method and a space). */
bool yg_http_looks_like_request(const uint8_t *p, size_t len);

/* Like yg_http_looks_like_request, but tells "too few bytes to say" apart:
 * 1 a known method and a space, 0 the bytes are a proper prefix of one
 * (e.g. "PROPFI"), -1 no request. Methods are up to 17 bytes long. */
int yg_http_detect(const uint8_t *p, size_t len);

/*
 * Parses a request head. Returns 0 when complete (ret filled), -EAGAIN when
 * the blank line ending the head has not arrived yet and len <
 * YG_HTTP_HEAD_MAX, -E2BIG when the head is longer than that, -EBADMSG when
 * the bytes are not an HTTP request (found as early as possible: a bad
 * request line is -EBADMSG before its line end arrives). Any method token
 * is accepted here, not only the known ones. ret is untouched on failure;
 * NULL p or ret is -EINVAL.
 */
int yg_http_request_parse(const uint8_t *p, size_t len, struct yg_http_request *ret);

/* Parses an HTTP/1.x status line ("HTTP/1.1 200 OK", the reason may be
 * missing); returns 0 and the status code once the line end is there, or
 * -EBADMSG / -EAGAIN. A code below 100, or a line not ended within
 * YG_HTTP_HEAD_MAX, is -EBADMSG. */
int yg_http_status_parse(const uint8_t *p, size_t len, unsigned *ret_status);

/*
 * Parses a response head (status line and fields) like
 * yg_http_request_parse: 0 when complete, -EAGAIN, -E2BIG or -EBADMSG.
 * A sensor reads what the client will read: a second Host or Location
 * field is not an error here (the first is kept), and obs-fold lines are
 * accepted as continuations (RFC 9112 section 5.2; recorded values keep
 * their first line, the framing fields read the continuation). NULL p or ret is
 * -EINVAL; ret is untouched on failure.
 */
int yg_http_response_parse(const uint8_t *p, size_t len, struct yg_http_response *ret);

#endif
