#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>

#include "app/http.h"
#include "app/http_chunked.h"
#include "msgbuf.h"

#define S(s) (const uint8_t *)(s), sizeof(s) - 1

static void assert_span(struct yg_span sp, const char *want)
{
	if (!want) {
		assert_int_equal(sp.len, 0);
		return;
	}
	assert_int_equal(sp.len, strlen(want));
	assert_memory_equal(sp.p, want, sp.len);
}

/* Parses from an exact-size heap copy; the spans are checked against the
 * copy before it is freed by the caller. */
static int parse(const char *s, size_t n, struct yg_http_request *r, uint8_t **ret_copy)
{
	uint8_t *d = mb_dup((const uint8_t *)s, n);
	int k = yg_http_request_parse(d, n, r);
	*ret_copy = d;
	return k;
}

static const char full_get[] = "GET /index.html?q=1 HTTP/1.1\r\n"
                               "Host: www.example.com:8080\r\n"
                               "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                               "Accept: */*\r\n"
                               "Referer: http://example.org/\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Length: 12\r\n"
                               "\r\n";

static void request_fields(void **state)
{
	(void)state;
	struct yg_http_request r;
	uint8_t *d;
	char buf[512];
	snprintf(buf, sizeof buf, "%shello world!", full_get);
	assert_int_equal(parse(buf, strlen(buf), &r, &d), 0);
	assert_span(r.method, "GET");
	assert_span(r.uri, "/index.html?q=1");
	assert_span(r.version, "HTTP/1.1");
	assert_span(r.host, "www.example.com:8080");
	assert_span(r.user_agent, "Mozilla/5.0 (X11; Linux x86_64)");
	assert_span(r.referer, "http://example.org/");
	assert_span(r.content_type, "text/plain; charset=utf-8");
	assert_int_equal(r.content_length, 12);
	assert_int_equal(r.head_len, sizeof full_get - 1);
	assert_false(r.chunked);
	/* spans borrow the input */
	assert_ptr_equal(r.method.p, d);
	free(d);
}

static void names_case_insensitive_and_ows(void **state)
{
	(void)state;
	static const char req[] = "POST /x HTTP/1.0\r\n"
	                          "hOsT:example.net \t\r\n"
	                          "USER-AGENT:   curl/8.0\r\n"
	                          "content-LENGTH: 3\r\n"
	                          "X-Empty:\r\n"
	                          "\r\n";
	struct yg_http_request r;
	uint8_t *d;
	assert_int_equal(parse(req, sizeof req - 1, &r, &d), 0);
	assert_span(r.method, "POST");
	assert_span(r.version, "HTTP/1.0");
	assert_span(r.host, "example.net");
	assert_span(r.user_agent, "curl/8.0");
	assert_span(r.referer, NULL);
	assert_span(r.content_type, NULL);
	assert_int_equal(r.content_length, 3);
	free(d);
}

static void lf_only_and_leading_blank_lines(void **state)
{
	(void)state;
	static const char req[] = "\r\n\nGET / HTTP/1.1\nHost: a\n\n";
	struct yg_http_request r;
	uint8_t *d;
	assert_int_equal(parse(req, sizeof req - 1, &r, &d), 0);
	assert_span(r.uri, "/");
	assert_span(r.host, "a");
	assert_int_equal(r.head_len, sizeof req - 1);
	free(d);
}

/* Every prefix of a head is -EAGAIN, the whole one parses. */
static void split_everywhere(void **state)
{
	(void)state;
	static const char *const reqs[] = {
	    full_get,
	    "GET / HTTP/1.1\nHost: a\n\n",
	    "\r\nOPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	    "CONNECT example.com:443 HTTP/1.1\r\n\r\n",
	};
	for (size_t t = 0; t < sizeof reqs / sizeof reqs[0]; t++) {
		size_t n = strlen(reqs[t]);
		struct yg_http_request r;
		uint8_t *d;
		for (size_t k = 0; k < n; k++) {
			int got = parse(reqs[t], k, &r, &d);
			if (got != -EAGAIN)
				fail_msg("request %zu cut at %zu: %d", t, k, got);
			free(d);
		}
		assert_int_equal(parse(reqs[t], n, &r, &d), 0);
		assert_int_equal(r.head_len, n);
		free(d);
	}
}

static void obs_fold_rejected(void **state)
{
	(void)state;
	static const char req[] = "GET / HTTP/1.1\r\nUser-Agent: a\r\n b\r\n\r\n";
	struct yg_http_request r;
	uint8_t *d;
	assert_int_equal(parse(req, sizeof req - 1, &r, &d), -EBADMSG);
	free(d);
	/* even before the fold's line is complete */
	assert_int_equal(parse(req, 33, &r, &d), -EBADMSG);
	free(d);
	static const char first[] = "GET / HTTP/1.1\r\n Host: a\r\n\r\n";
	assert_int_equal(parse(first, sizeof first - 1, &r, &d), -EBADMSG);
	free(d);
}

static void garbage(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
	    {"\x16\x03\x01\x02\x00\x01", 6},
	    {"SSH-2.0-OpenSSH_9.0\r\n", 21},
	    {"G\x01", 2},
	    {"GET  / HTTP/1.1\r\n\r\n", 19},            /* two spaces */
	    {"GET / HTTP/1.1 \r\n\r\n", 19},            /* trailing space */
	    {"GET / HTTP/11\r\n\r\n", 17},              /* bad version */
	    {"GET / HTTX", 10},                         /* bad before the line end */
	    {"GET /\r\n\r\n", 9},                       /* HTTP/0.9 */
	    {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 28}, /* space before colon */
	    {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 35},
	    {"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 26}, /* bare CR */
	    {"GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26}, /* NUL */
	    {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 27},
	    {"GET / HTTP/1.1\r\n: empty\r\n\r\n", 27},
	    {"GET /a\x01 HTTP/1.1\r\n\r\n", 21}, /* control in target */
	    {"GET / HTTP/1.1\r\r\n\r\n", 19},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct yg_http_request r;
		uint8_t *d;
		int got = parse(bad[i].s, bad[i].n, &r, &d);
		if (got != -EBADMSG)
			fail_msg("case %zu: %d", i, got);
		free(d);
	}
}

static void head_too_big(void **state)
{
	(void)state;
	size_t n = YG_HTTP_HEAD_MAX + 100;
	char *b = malloc(n);
	assert_non_null(b);
	memcpy(b, "GET / HTTP/1.1\r\nX-Pad: ", 23);
	memset(b + 23, 'a', n - 23);
	struct yg_http_request r;
	uint8_t *d;
	assert_int_equal(parse(b, YG_HTTP_HEAD_MAX - 1, &r, &d), -EAGAIN);
	free(d);
	assert_int_equal(parse(b, YG_HTTP_HEAD_MAX, &r, &d), -E2BIG);
	free(d);
	assert_int_equal(parse(b, n, &r, &d), -E2BIG);
	free(d);
	/* a head ending exactly at the cap is fine */
	memcpy(b + YG_HTTP_HEAD_MAX - 4, "\r\n\r\n", 4);
	assert_int_equal(parse(b, n, &r, &d), 0);
	assert_int_equal(r.head_len, YG_HTTP_HEAD_MAX);
	free(d);
	/* one byte more is not */
	memset(b + YG_HTTP_HEAD_MAX - 4, 'a', 4);
	memcpy(b + YG_HTTP_HEAD_MAX - 3, "\r\n\r\n", 4);
	assert_int_equal(parse(b, n, &r, &d), -E2BIG);
	free(d);
	free(b);
}

static void content_length_rules(void **state)
{
	(void)state;
	static const struct {
		const char *fields;
		uint64_t cl;
		bool chunked;
	} cases[] = {
	    {"Content-Length: 5\r\n", 5, false},
	    {"Content-Length: 5, 5\r\n", 5, false},
	    {"Content-Length: 5\r\nContent-Length: 5\r\n", 5, false},
	    {"Content-Length: 5, 6\r\n", 0, false},
	    {"Content-Length: 5\r\nContent-Length: 6\r\n", 0, false},
	    {"Content-Length: abc\r\n", 0, false},
	    {"Content-Length: -1\r\n", 0, false},
	    {"Content-Length: 18446744073709551615\r\n", 18446744073709551615ull, false},
	    {"Content-Length: 18446744073709551616\r\n", 0, false},
	    {"Content-Length: 99999999999999999999999\r\n", 0, false},
	    {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 0, true},
	    {"Transfer-Encoding: gzip, chunked\r\n", 0, true},
	    {"Transfer-Encoding: chunked, gzip\r\n", 0, false},
	    {"Transfer-Encoding: xchunked\r\n", 0, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char b[256];
		snprintf(b, sizeof b, "PUT /u HTTP/1.1\r\nHost: h\r\n%s\r\n", cases[i].fields);
		struct yg_http_request r;
		uint8_t *d;
		assert_int_equal(parse(b, strlen(b), &r, &d), 0);
		if (r.content_length != cases[i].cl || r.chunked != cases[i].chunked)
			fail_msg("case %zu: cl %llu chunked %d", i,
			         (unsigned long long)r.content_length, r.chunked);
		free(d);
	}
}

static void known_methods(void **state)
{
	(void)state;
	static const char *const ok[] = {
	    "GET ",
	    "POST ",
	    "HEAD ",
	    "PUT ",
	    "DELETE ",
	    "OPTIONS ",
	    "CONNECT ",
	    "TRACE ",
	    "PATCH ",
	    "PROPFIND ",
	    "PROPPATCH ",
	    "MKCOL ",
	    "COPY ",
	    "MOVE ",
	    "LOCK ",
	    "UNLOCK ",
	    "SEARCH ",
	    "REPORT ",
	    "M-SEARCH ",
	    "NOTIFY ",
	    "SUBSCRIBE ",
	    "PURGE ",
	    "VERSION-CONTROL ",
	    "UPDATEREDIRECTREF /",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (!yg_http_looks_like_request((const uint8_t *)ok[i], strlen(ok[i])))
			fail_msg("%s", ok[i]);
		assert_int_equal(yg_http_detect((const uint8_t *)ok[i], strlen(ok[i])), 1);
	}
	static const char *const no[] = {
	    "get / HTTP/1.1", "GETX / HTTP/1.1", "HELLO world",
	    "\x16\x03\x01",   "PRI * HTTP/2.0",  "GET/",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		assert_false(yg_http_looks_like_request((const uint8_t *)no[i], strlen(no[i])));
		assert_int_equal(yg_http_detect((const uint8_t *)no[i], strlen(no[i])), -1);
	}
	assert_int_equal(yg_http_detect(S("PROPFI")), 0);
	assert_int_equal(yg_http_detect(S("GET")), 0);
	assert_int_equal(yg_http_detect(S("")), 0);
	assert_false(yg_http_looks_like_request(S("GET")));
	assert_false(yg_http_looks_like_request(NULL, 0));
}

static void any_method_token_parses(void **state)
{
	(void)state;
	static const char req[] = "BREW /pot HTTP/1.1\r\n\r\n";
	struct yg_http_request r;
	uint8_t *d;
	assert_int_equal(parse(req, sizeof req - 1, &r, &d), 0);
	assert_span(r.method, "BREW");
	assert_span(r.host, NULL);
	free(d);
}

static void status_lines(void **state)
{
	(void)state;
	unsigned st = 0;
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 200 OK\r\n"), &st), 0);
	assert_int_equal(st, 200);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.0 404\r\n"), &st), 0);
	assert_int_equal(st, 404);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 301 \n"), &st), 0);
	assert_int_equal(st, 301);
	st = 0;
	static const char line[] = "HTTP/1.1 503 Service Unavailable\r\nServer: x\r\n\r\n";
	for (size_t k = 0; k < 34; k++) {
		uint8_t *d = mb_dup((const uint8_t *)line, k);
		int got = yg_http_status_parse(d, k, &st);
		free(d);
		if (got != -EAGAIN)
			fail_msg("cut at %zu: %d", k, got);
	}
	assert_int_equal(st, 0); /* untouched on failure */
	assert_int_equal(yg_http_status_parse(S(line), &st), 0);
	assert_int_equal(st, 503);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 2x0 OK\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 2000\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 20\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("SSH-2.0-x\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 200 O\0K\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("X"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.0 043\r\n\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 099 x\r\n"), &st), -EBADMSG);
	assert_int_equal(yg_http_status_parse(S("HTTP/1.1 999 x\r\n"), &st), 0);
	assert_int_equal(st, 999);
}

static void response_fields(void **state)
{
	(void)state;
	static const char m[] = "HTTP/1.1 302 Found\r\nContent-Type: text/html; charset=utf-8\r\n"
				"Location: /next?a=1\r\nContent-Length: 12\r\nLocation: /second\r\n\r\nbody";
	uint8_t *d = mb_dup((const uint8_t *)m, sizeof m - 1);
	struct yg_http_response r;
	assert_int_equal(yg_http_response_parse(d, sizeof m - 1, &r), 0);
	assert_int_equal(r.status, 302);
	assert_span(r.version, "HTTP/1.1");
	assert_span(r.content_type, "text/html; charset=utf-8");
	assert_span(r.location, "/next?a=1"); /* the first one, as clients use */
	assert_true(r.has_length);
	assert_int_equal(r.content_length, 12);
	assert_int_equal(r.head_len, sizeof m - 1 - 4);
	/* Every cut before the end of the head waits for more. */
	for (size_t k = 0; k < r.head_len; k++) {
		struct yg_http_response again = {.status = 7};
		int got = yg_http_response_parse(d, k, &again);
		if (got != -EAGAIN)
			fail_msg("cut at %zu: %d", k, got);
		assert_int_equal(again.status, 7);
	}
	free(d);
}

static void response_framing(void **state)
{
	(void)state;
	struct yg_http_response r;
	/* Transfer-Encoding overrides Content-Length (RFC 9112 section 6.3). */
	assert_int_equal(yg_http_response_parse(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
						  "Transfer-Encoding: gzip, chunked\r\n\r\n"), &r), 0);
	assert_true(r.chunked);
	assert_false(r.has_length);
	/* A coding list not ending in chunked: the body runs to the close. */
	assert_int_equal(yg_http_response_parse(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), &r), 0);
	assert_false(r.chunked);
	assert_false(r.has_length);
	assert_int_equal(yg_http_response_parse(S("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"), &r), 0);
	assert_false(r.has_length);
	/* obs-fold is read in responses; a folded coding list ends where the
	 * continuation ends. */
	assert_int_equal(yg_http_response_parse(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\r\n chunked\r\n"
						  "Content-Type: a/b\r\n\tc\r\n\r\n"), &r), 0);
	assert_true(r.chunked);
	assert_span(r.content_type, "a/b");
	assert_int_equal(yg_http_response_parse(S("HTTP/1.1 200 OK\r\n folded-first\r\n\r\n"), &r), -EBADMSG);
	assert_int_equal(yg_http_response_parse(S("HTTP/1.1 200 OK\r\nA: b\r\n x\0y\r\n\r\n"), &r), -EBADMSG);
	assert_int_equal(yg_http_response_parse(S("GET / HTTP/1.1\r\n\r\n"), &r), -EBADMSG);
	assert_int_equal(yg_http_response_parse(NULL, 0, &r), -EINVAL);
}

/* Feeds m in pieces of step bytes; returns the bytes used up to the end of
 * the body (or -1 on an error), and the data byte count. */
static long chunk_walk(const char *m, size_t n, size_t step, uint64_t *ret_body)
{
	struct yg_http_chunked c = {0};
	size_t at = 0;
	while (at < n) {
		size_t k = n - at < step ? n - at : step;
		bool done;
		long used = yg_http_chunked_feed(&c, (const uint8_t *)m + at, k, &done);
		if (used < 0)
			return -1;
		at += (size_t)used;
		if (done) {
			*ret_body = c.body;
			return (long)at;
		}
		if ((size_t)used != k)
			return -2; /* less than given without being done */
	}
	return -3; /* not done */
}

static void chunked_bodies(void **state)
{
	(void)state;
	static const char m[] = "5;ext=\"q\"\r\nhello\r\n00A\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT";
	size_t n = sizeof m - 1;
	for (size_t step = 1; step <= n; step++) {
		uint64_t body = 0;
		long used = chunk_walk(m, n, step, &body);
		if (used != (long)(n - 4) || body != 15)
			fail_msg("step %zu: used %ld body %llu", step, used, (unsigned long long)body);
	}
	uint64_t body = 0;
	static const char lf[] = "3\nabc\n0\n\n";
	assert_int_equal(chunk_walk(lf, sizeof lf - 1, 1, &body), (long)(sizeof lf - 1));
	assert_int_equal(body, 3);
	static const char *const bad[] = {
	    "x\r\n",                  /* no hex digit */
	    "5\r\nhelloXX",           /* no CRLF after the data */
	    "10000000000000000\r\n",  /* 17 digits */
	    "5 \0\r\n",              /* NUL in an extension */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(chunk_walk(bad[i], strlen(bad[i]) + (i == 3 ? 4 : 0), 1, &body), -1);
	/* A size line that never ends is malformed, not waited for. */
	char *zeros = malloc(YG_HTTP_CHUNK_LINE_MAX + 2);
	memset(zeros, '0', YG_HTTP_CHUNK_LINE_MAX + 2);
	assert_int_equal(chunk_walk(zeros, YG_HTTP_CHUNK_LINE_MAX + 2, 100, &body), -1);
	free(zeros);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(request_fields),
	    cmocka_unit_test(names_case_insensitive_and_ows),
	    cmocka_unit_test(lf_only_and_leading_blank_lines),
	    cmocka_unit_test(split_everywhere),
	    cmocka_unit_test(obs_fold_rejected),
	    cmocka_unit_test(garbage),
	    cmocka_unit_test(head_too_big),
	    cmocka_unit_test(content_length_rules),
	    cmocka_unit_test(known_methods),
	    cmocka_unit_test(any_method_token_parses),
	    cmocka_unit_test(status_lines),
	    cmocka_unit_test(response_fields),
	    cmocka_unit_test(response_framing),
	    cmocka_unit_test(chunked_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
