/*
 * The dashboard's request-side parts: the Cookie header, the session table
 * (expiry by clock, eviction when full, logout, hashed storage), the static
 * path rules and the routes of the dashboard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub/cookie.h"
#include "hub/route.h"
#include "hub/session.h"
#include "hub/web_static.h"

#define S(x) (x), strlen(x)

static void cookies(void **state)
{
	(void)state;
	const char *v;
	size_t n;
	assert_int_equal(yg_cookie_get(S("a=1; yg_session=abc; b=2"), "yg_session", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "abc", 3);
	/* Quotes are removed; spaces around the pair and '=' are tolerated. */
	assert_int_equal(yg_cookie_get(S("yg_session=\"q1\""), "yg_session", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(yg_cookie_get(S("  x=1 ;yg_session = z9 "), "yg_session", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "z9", 2);
	/* A longer or shorter name is another cookie; a prefix is not a match. */
	assert_int_equal(yg_cookie_get(S("yg_session2=a; xyg_session=b"), "yg_session", &v, &n),
			 -ENOENT);
	assert_int_equal(yg_cookie_get(S("noequals; yg_session"), "yg_session", &v, &n), -ENOENT);
	assert_int_equal(yg_cookie_get(S(""), "yg_session", &v, &n), -ENOENT);
	assert_int_equal(yg_cookie_get(NULL, 0, "yg_session", &v, &n), -ENOENT);
	/* Bytes a cookie-value may not hold. */
	assert_int_equal(yg_cookie_get(S("yg_session=a b"), "yg_session", &v, &n), -EBADMSG);
	assert_int_equal(yg_cookie_get(S("yg_session=a\\b"), "yg_session", &v, &n), -EBADMSG);
	/* The first of two wins; reads stop at len (no NUL needed). */
	assert_int_equal(yg_cookie_get(S("yg_session=one; yg_session=two"), "yg_session", &v, &n), 0);
	assert_memory_equal(v, "one", 3);
	assert_int_equal(yg_cookie_get("yg_session=abcdef", 13, "yg_session", &v, &n), 0);
	assert_int_equal(n, 2);
	static char big[YG_COOKIE_HEADER_MAX + 2];
	memset(big, 'a', sizeof big);
	assert_int_equal(yg_cookie_get(big, sizeof big, "yg_session", &v, &n), -E2BIG);
}

static void sessions(void **state)
{
	(void)state;
	struct yg_sessions *s = NULL;
	uint8_t tok[YG_TOKEN_HASH_LEN], got[YG_TOKEN_HASH_LEN];
	char id[YG_SESSION_ID_LEN + 1], csrf[YG_SESSION_CSRF_LEN + 1], c2[YG_SESSION_CSRF_LEN + 1];
	memset(tok, 7, sizeof tok);
	assert_int_equal(yg_sessions_new(&s), 0);
	int64_t t0 = 1000000000000000;
	assert_int_equal(yg_sessions_create(s, tok, t0, id, csrf), 0);
	assert_int_equal(strlen(id), YG_SESSION_ID_LEN);
	assert_int_equal(strlen(csrf), YG_SESSION_CSRF_LEN);
	assert_string_not_equal(id, csrf);
	assert_int_equal(yg_sessions_lookup(s, id, strlen(id), t0 + 1, got, c2), 0);
	assert_memory_equal(got, tok, sizeof tok);
	assert_string_equal(c2, csrf);
	/* A near miss, a short id, a non-hex id: unknown. */
	char other[YG_SESSION_ID_LEN + 1];
	memcpy(other, id, sizeof other);
	other[0] = other[0] == 'a' ? 'b' : 'a';
	assert_int_equal(yg_sessions_lookup(s, other, strlen(other), t0 + 1, got, c2), -ENOENT);
	assert_int_equal(yg_sessions_lookup(s, id, 10, t0 + 1, got, c2), -ENOENT);
	/* Idle expiry: each use moves the idle clock; a gap beyond it ends it. */
	int64_t idle = (int64_t)YG_SESSION_IDLE_S * 1000000;
	assert_int_equal(yg_sessions_lookup(s, id, strlen(id), t0 + idle - 1, got, c2), 0);
	assert_int_equal(yg_sessions_lookup(s, id, strlen(id), t0 + 2 * idle - 2, got, c2), 0);
	assert_int_equal(yg_sessions_lookup(s, id, strlen(id), t0 + 3 * idle, got, c2), -ENOENT);
	assert_int_equal(yg_sessions_count(s), 0);
	/* Absolute expiry, whatever the use. */
	assert_int_equal(yg_sessions_create(s, tok, t0, id, csrf), 0);
	int64_t ttl = (int64_t)YG_SESSION_TTL_S * 1000000;
	for (int64_t t = t0; t < t0 + ttl; t += idle / 2)
		assert_int_equal(yg_sessions_lookup(s, id, strlen(id), t, got, c2), 0);
	assert_int_equal(yg_sessions_lookup(s, id, strlen(id), t0 + ttl, got, c2), -ENOENT);
	/* Logout. */
	assert_int_equal(yg_sessions_create(s, tok, t0, id, csrf), 0);
	yg_sessions_drop(s, id, strlen(id));
	assert_int_equal(yg_sessions_lookup(s, id, strlen(id), t0, got, c2), -ENOENT);
	/* Full: the new session takes the place of the one that ends first. */
	char first[YG_SESSION_ID_LEN + 1], last[YG_SESSION_ID_LEN + 1];
	for (int i = 0; i < YG_SESSIONS_MAX; i++) {
		assert_int_equal(yg_sessions_create(s, tok, t0 + i, id, csrf), 0);
		if (i == 0)
			memcpy(first, id, sizeof first);
	}
	assert_int_equal(yg_sessions_count(s), YG_SESSIONS_MAX);
	assert_int_equal(yg_sessions_create(s, tok, t0 + YG_SESSIONS_MAX, last, csrf), 0);
	assert_int_equal(yg_sessions_count(s), YG_SESSIONS_MAX);
	assert_int_equal(yg_sessions_lookup(s, first, strlen(first), t0 + YG_SESSIONS_MAX, got, c2),
			 -ENOENT);
	assert_int_equal(yg_sessions_lookup(s, last, strlen(last), t0 + YG_SESSIONS_MAX, got, c2), 0);
	yg_sessions_free(s);
}

static void paths(void **state)
{
	(void)state;
	assert_true(yg_web_path_ok(S("main.js")));
	assert_true(yg_web_path_ok(S("uplot/dist/uPlot.esm.js")));
	assert_true(yg_web_path_ok(S("i18n-iso-countries/langs/ja.json")));
	assert_false(yg_web_path_ok(S("")));
	assert_false(yg_web_path_ok(S("../hub.db")));
	assert_false(yg_web_path_ok(S("a/../b.js")));
	assert_false(yg_web_path_ok(S("a/./b.js")));
	assert_false(yg_web_path_ok(S(".env")));
	assert_false(yg_web_path_ok(S("a//b.js")));
	assert_false(yg_web_path_ok(S("/etc/passwd")));
	assert_false(yg_web_path_ok(S("a/")));
	assert_false(yg_web_path_ok(S("a b.js")));
	assert_false(yg_web_path_ok(S("a%2e%2e.js")));
	assert_false(yg_web_path_ok(S("a\\b.js")));
	assert_false(yg_web_path_ok("a\0b.js", 6));
	assert_false(yg_web_path_ok(S("a/b/c/d/e/f/g/h/i/j/k/l/m.js")));
}

static void routes(void **state)
{
	(void)state;
	struct yg_route rt;
	yg_route_parse(S("/"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_WEB_FILE);
	yg_route_parse(S("/static/main.js"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_WEB_FILE);
	yg_route_parse(S("/static/../hub.db"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_NOT_FOUND);
	yg_route_parse(S("/static"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_NOT_FOUND);
	yg_route_parse(S("/session"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_WEB_SESSION);
	yg_route_parse(S("/api/v1/summary"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_REST_SUMMARY);
	assert_true(yg_route_is_rest(rt.kind));
	yg_route_parse(S("/api/v1/members"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_REST_MEMBERS);
	yg_route_parse(S("/api/v1/indicators/search"), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_REST_IND_SEARCH);
	assert_true(yg_route_is_rest(rt.kind));
	assert_false(yg_route_is_rest(YG_ROUTE_WEB_FILE));
	assert_false(yg_route_is_rest(YG_ROUTE_WEB_SESSION));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cookies),
		cmocka_unit_test(sessions),
		cmocka_unit_test(paths),
		cmocka_unit_test(routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
