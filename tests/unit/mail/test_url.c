#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

static const struct yg_mail_url *get(const struct yg_mail_urlset *s, const char *u)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].url, u))
			return &s->v[i];
	return NULL;
}

static void normalize(void **state)
{
	(void)state;
	char *host = NULL;
	const char *in = "HTTPS://User@WWW.Example.COM:443/A/b?Q=1#";
	char *u = yg_mail_url_normalize(in, strlen(in), &host);
	assert_string_equal(u, "https://User@www.example.com/A/b?Q=1");
	assert_string_equal(host, "www.example.com");
	free(u);
	free(host);
	in = "http://example.com:8080";
	u = yg_mail_url_normalize(in, strlen(in), NULL);
	assert_string_equal(u, "http://example.com:8080");
	free(u);
	in = "http://[2001:db8::1]:80/x";
	u = yg_mail_url_normalize(in, strlen(in), &host);
	assert_string_equal(u, "http://[2001:db8::1]/x");
	assert_string_equal(host, "[2001:db8::1]");
	free(u);
	free(host);
	const char *bad[] = {"mailto:a@b", "http://", "javascript:alert(1)", "/relative",
	                     "http:///path"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(yg_mail_url_normalize(bad[i], strlen(bad[i]), NULL));
}

static void bare_text(void **state)
{
	(void)state;
	struct yg_mail_urlset s = {0};
	const char *t =
	    "See https://a.example.com/x?y=1. Or (http://b.example.com/p_(q)), "
	    "www.c.example.com/z, "
	    "xhttp://no.example.com, me@www.no.example.com, https://a.example.com/x?y=1 again!";
	assert_int_equal(yg_mail_urls_from_text(&s, t, strlen(t)), 0);
	assert_int_equal(s.n, 3);
	assert_non_null(get(&s, "https://a.example.com/x?y=1"));
	assert_non_null(get(&s, "http://b.example.com/p_(q)"));
	const struct yg_mail_url *c = get(&s, "http://www.c.example.com/z");
	assert_non_null(c);
	assert_string_equal(c->reg_domain, "example.com");
	assert_int_equal(c->sources, YG_MAIL_URL_TEXT);
	yg_mail_urlset_release(&s);
}

static void html_anchors(void **state)
{
	(void)state;
	struct yg_mail_urlset s = {0};
	const char *h = "<a HREF=\"http://evil.example.net/l?a=1&amp;b=2\">Sign in at "
	                "<b>www.bank.example.com</b></a>"
	                "<a href=good.example.org/rel>rel</a>"
	                "<a href='https://ok.example.org/'>ok.example.org</a>"
	                "<!-- <a href=\"http://comment.example.com/\">x</a> -->"
	                "<script>document.write('<a href=\"http://js.example.com/\">')</script>"
	                "<area href=\"http://area.example.com/\">";
	assert_int_equal(yg_mail_urls_from_html(&s, h, strlen(h)), 0);
	const struct yg_mail_url *e = get(&s, "http://evil.example.net/l?a=1&b=2");
	assert_non_null(e);
	assert_true(e->sources & YG_MAIL_URL_HREF);
	assert_string_equal(e->link_text, "Sign in at www.bank.example.com");
	assert_true(e->text_mismatch);
	const struct yg_mail_url *ok = get(&s, "https://ok.example.org/");
	assert_non_null(ok);
	assert_false(ok->text_mismatch);
	assert_non_null(get(&s, "http://area.example.com/"));
	/* the bare scan covers markup too, comments and scripts included */
	assert_non_null(get(&s, "http://comment.example.com/"));
	assert_null(get(&s, "http://good.example.org/rel"));
	yg_mail_urlset_release(&s);
}

static void entities_and_text(void **state)
{
	(void)state;
	const char *in = "a&amp;b &lt;&#x41;&#66;&gt; &nbsp;&bogus; &#0; &";
	char *o = yg_mail_html_unescape(in, strlen(in));
	assert_string_equal(o, "a&b <AB> \xc2\xa0&bogus; \xef\xbf\xbd &");
	free(o);
	const char *h = "<html><head><style>p{}</style></head><body><p>Hello&nbsp;<b>world</b></p>"
	                "<script>x()</script></body>";
	o = yg_mail_html_text(h, strlen(h));
	assert_string_equal(o, "Hello\xc2\xa0 world");
	free(o);
}

static void capped(void **state)
{
	(void)state;
	struct yg_mail_urlset s = {0};
	size_t n = YG_MAIL_MAX_URLS + 50;
	char *t = malloc(n * 32);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(t + k, 32, "http://h%zu.example/ ", i);
	assert_int_equal(yg_mail_urls_from_text(&s, t, k), 0);
	assert_int_equal(s.n, YG_MAIL_MAX_URLS);
	assert_true(s.capped);
	yg_mail_urlset_release(&s);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(normalize),    cmocka_unit_test(bare_text),
	    cmocka_unit_test(html_anchors), cmocka_unit_test(entities_and_text),
	    cmocka_unit_test(capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
