/*
 * Fuzzes yg_http_request_parse and yg_http_status_parse. Besides crashes
 * it checks the incremental contract the sensor relies on: when the whole
 * input parses, a prefix shorter than the head is -EAGAIN and one at least
 * as long gives the same head; spans lie inside the head. Seeds:
 * fuzz/seeds/app.py writes fuzz/corpus/http/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "app/http.h"

static void check_span(struct yg_span s, const uint8_t *p, size_t head)
{
	if (s.len && (s.p < p || s.p + s.len > p + head))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
