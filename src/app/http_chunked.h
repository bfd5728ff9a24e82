/*
 * Follows an HTTP/1.1 chunked body (RFC 9112 section 7.1) without keeping
 * it: counts its data bytes and finds where it ends, so the next message
 * on a keep-alive connection parses and a response's length is known.
 * State is a few bytes; input may arrive split anywhere.
 */
#ifndef YG_APP_HTTP_CHUNKED_H
#define YG_APP_HTTP_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A chunk-size line (with extensions) or trailer field longer than this
 * is malformed: nothing legitimate sends one, and it is never waited for. */
#define YG_HTTP_CHUNK_LINE_MAX 4096u
#define YG_HTTP_TRAILER_MAX 16384u

struct yg_http_chunked {
	uint64_t size;    /* of the chunk being read, or being counted down */
	uint64_t body;    /* data bytes seen so far */
	uint32_t line;    /* bytes of the current size line or trailer field */
	uint32_t trailer; /* bytes of the trailer section so far */
	uint8_t state;    /* zero-initialized: before the first chunk-size */
	uint8_t digits;
};

/*
 * Consumes p[0..n). Returns the bytes used: n, or fewer when the body ended
 * inside p (then *done is true and the rest belongs to the next message).
 * -EBADMSG when the framing is not chunked (bad size, missing CRLF after a
 * chunk, overlong line or trailer); the state is then unusable.
 */
long yg_http_chunked_feed(struct yg_http_chunked *c, const uint8_t *p, size_t n, bool *done);

#endif
