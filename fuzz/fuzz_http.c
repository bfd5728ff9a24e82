/*
 * Fuzzes yg_http_request_parse, yg_http_response_parse,
 * yg_http_status_parse, the chunked body follower, and the SMTP
 * recognisers that share HTTP's place in the sensor's protocol detection
 * (a decision, once made, holds as more bytes arrive). Besides crashes it
 * checks the incremental contract the sensor relies on: when the whole
 * input parses, a prefix shorter than the head is -EAGAIN and one at least
 * as long gives the same head; spans lie inside the head; a chunked body
 * fed in two pieces ends at the same byte with the same count as in one.
 * Seeds:
 * fuzz/seeds/app.py writes fuzz/corpus/http/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "app/http.h"
#include "app/http_chunked.h"
#include "app/smtp.h"

static void check_span(struct yg_span s, const uint8_t *p, size_t head)
{
	if (s.len && (s.p < p || s.p + s.len > p + head))
		abort();
}

static void check_response(const uint8_t *data, size_t size)
{
	struct yg_http_response resp, again;
	int r = yg_http_response_parse(data, size, &resp);
	if (r != 0 && r != -EAGAIN && r != -E2BIG && r != -EBADMSG)
		abort();
	if (r != 0)
		return;
	size_t h = resp.head_len;
	if (h == 0 || h > size || h > YG_HTTP_HEAD_MAX || resp.status < 100 || resp.status > 999 ||
	    resp.version.len != 8 || (resp.chunked && resp.has_length))
		abort();
	check_span(resp.content_type, data, h);
	check_span(resp.location, data, h);
	if (yg_http_response_parse(data, h - 1, &again) != -EAGAIN)
		abort();
}

/* Feeds p[0..n) as the pieces [0, cut) and [cut, n). */
static long chunked_pieces(const uint8_t *p, size_t n, size_t cut, uint64_t *body)
{
	struct yg_http_chunked c = {0};
	bool done = false;
	long used = yg_http_chunked_feed(&c, p, cut, &done);
	if (used < 0 || done) {
		*body = c.body;
		return used;
	}
	if ((size_t)used != cut)
		abort(); /* all of a piece is used unless the body ended in it */
	long more = yg_http_chunked_feed(&c, p + cut, n - cut, &done);
	*body = c.body;
	if (more < 0)
		return more;
	if (!done && (size_t)more != n - cut)
		abort();
	return done ? used + more : -2;
}

static void check_chunked(const uint8_t *data, size_t size)
{
	uint64_t b1 = 0, b2 = 0;
	long whole = chunked_pieces(data, size, size, &b1);
	long split = chunked_pieces(data, size, size ? data[size - 1] % (size + 1) : 0, &b2);
	/* Errors may be found at different bytes; ends and counts may not. */
	if ((whole >= 0 || split >= 0) && (whole != split || b1 != b2))
		abort();
	if (whole >= 0 && (uint64_t)whole < b1)
		abort();
}

static void check_smtp(const uint8_t *data, size_t size)
{
	size_t cut = size / 2;
	int c = yg_smtp_detect_client(data, size), cc = yg_smtp_detect_client(data, cut);
	if (c < -1 || c > 1 || (c == 0 && size >= 5) || (cc != 0 && cc != c))
		abort();
	int b = yg_smtp_detect_banner(data, size), bc = yg_smtp_detect_banner(data, cut);
	if ((b != 1 && b != -1) || (bc == 1 && b != 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_smtp(data, size);
	check_response(data, size);
	check_chunked(data, size);
	unsigned st;
	int r = yg_http_status_parse(data, size, &st);
	if (r == 0 && (st < 100 || st > 999))
		abort();
	(void)yg_http_looks_like_request(data, size);

	struct yg_http_request req, again;
	r = yg_http_request_parse(data, size, &req);
	if (r != 0 && r != -EAGAIN && r != -E2BIG && r != -EBADMSG)
		abort();
	if (r == -EAGAIN && size >= YG_HTTP_HEAD_MAX)
		abort();
	if (r != 0)
		return 0;
	size_t h = req.head_len;
	if (h == 0 || h > size || h > YG_HTTP_HEAD_MAX || !req.method.len || !req.uri.len ||
	    req.version.len != 8)
		abort();
	check_span(req.method, data, h);
	check_span(req.uri, data, h);
	check_span(req.host, data, h);
	check_span(req.user_agent, data, h);
	check_span(req.referer, data, h);
	check_span(req.content_type, data, h);
	/* a few cuts rather than all: each parse is linear in the input */
	size_t cuts[3] = {h - 1, h / 2, size ? data[0] % h : 0};
	for (int i = 0; i < 3; i++)
		if (yg_http_request_parse(data, cuts[i], &again) != -EAGAIN)
			abort();
	if (yg_http_request_parse(data, h, &again) != 0 || again.head_len != h ||
	    again.content_length != req.content_length || again.host.p != req.host.p)
		abort();
	return 0;
}
