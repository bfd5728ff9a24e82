/* The anonymizer finds a recipient in every form a phishing kit or mailer
 * writes it (issue 18): each test writes one form into a message body (as
 * text/plain with no transfer encoding, so the form reaches the report as
 * written) and asserts on the report: the form is gone, the placeholder
 * stands in its place and the redaction count names the form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate/correlate.h"
#include "mail/anon-int.h"
#include "mail/anon.h"
#include "mail/mail.h"

#define RCPT "Taro Yamada <taro.yamada@corp.example>"

/* Analyzes and anonymizes a message to `to` whose text body is `body`. */
static struct yg_mail_report *anon_body(const char *to, const char *body, const char *dom)
{
	char *msg = NULL;
	int n = asprintf(&msg,
	                 "From: Billing <billing@evil.example>\r\nTo: %s\r\nSubject: invoice\r\n"
	                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
	                 to, body);
	assert_true(n > 0);
	struct yg_mail_report *r = NULL;
	struct yg_mail_opts opts = {0};
	assert_int_equal(yg_mail_analyze((const uint8_t *)msg, (size_t)n, &opts, &r), 0);
	const char *doms[] = {dom};
	struct yg_mail_anon_cfg cfg = {doms, dom ? 1 : 0, NULL, 0};
	struct yg_mail_anon *a = NULL;
	assert_int_equal(yg_mail_anon_new(&cfg, &a), 0);
	assert_int_equal(yg_mail_anon_apply(a, (const uint8_t *)msg, (size_t)n, r), 0);
	yg_mail_anon_free(a);
	free(msg);
	return r;
}

static const char *excerpt(const struct yg_mail_report *r)
{
	assert_true(r->n_bodies >= 1);
	return r->bodies[0].excerpt;
}

static void assert_has(const char *s, const char *part)
{
	if (!s || !strstr(s, part))
		fail_msg("'%s' not in '%s'", part, s ? s : "(null)");
}

static void assert_lacks(const char *s, const char *part)
{
	if (s && strcasestr(s, part))
		fail_msg("'%s' survived in '%s'", part, s);
}

/* A decoder of both base64 alphabets that skips nothing: every run of
 * base64 characters in s, decoded from each of its four character
 * offsets, is searched for needle. Independent of anon_forms.c. */
static int b64v(char c)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	const char *p = c ? strchr(al, c) : NULL;
	return p ? (int)(p - al) : -1;
}

static bool b64_holds(const char *s, const char *needle)
{
	size_t n = strlen(s);
	for (size_t start = 0; start < n; start++) {
		uint8_t out[1024];
		size_t o = 0;
		unsigned acc = 0, bits = 0;
		for (size_t i = start; i < n && b64v(s[i]) >= 0 && o < sizeof out; i++) {
			acc = (acc << 6) | (unsigned)b64v(s[i]);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[o++] = (uint8_t)(acc >> bits);
			}
		}
		if (memmem(out, o, needle, strlen(needle)))
			return true;
	}
	return false;
}

static void b64_encode(const uint8_t *p, size_t n, bool url, bool pad, char *out)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char web[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *al = url ? web : std;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		out[o++] = al[v >> 18];
		out[o++] = al[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = al[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (i + 2 < n)
			out[o++] = al[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
}

/* The address inside a longer base64 blob at each of the three byte
 * alignments, in both alphabets, with and without padding, in a URL
 * fragment and query. */
static void base64_any_alignment(void **state)
{
	(void)state;
	static const char *const wraps[][2] = {{"https://login.evil.example/auth#", ""},
	                                       {"https://login.evil.example/a?t=", "&x=1"},
	                                       {"token ", " end"}};
	for (unsigned shift = 0; shift < 3; shift++)
		for (int url = 0; url < 2; url++)
			for (int pad = 0; pad < 2; pad++)
				for (size_t w = 0; w < 3; w++) {
					uint8_t blob[128];
					/* bytes before and after: ids a kit packs around the
					 * address (0xfb.. give '+' and '/' in the encoding) */
					size_t n = 0;
					for (unsigned k = 0; k < shift; k++)
						blob[n++] = (uint8_t)(0xfb + k);
					memcpy(blob + n, "taro.yamada@corp.example", 24);
					n += 24;
					for (unsigned k = 0; k < (shift + 1) % 3 + 1; k++)
						blob[n++] = (uint8_t)(0xfe - k);
					char enc[256], body[512];
					b64_encode(blob, n, url, pad, enc);
					snprintf(body, sizeof body, "%s%s%s", wraps[w][0], enc,
					         wraps[w][1]);
					assert_true(b64_holds(body, "yamada@corp"));
					struct yg_mail_report *r = anon_body(RCPT, body, NULL);
					const char *ex = excerpt(r);
					if (b64_holds(ex, "yamada@corp") ||
					    b64_holds(ex, "taro.yamada"))
						fail_msg("shift %u url %d pad %d: %s -> %s", shift,
						         url, pad, body, ex);
					assert_has(ex, "[recipient-1]");
					uint32_t *k = r->redactions[YG_MAIL_RK_RECIPIENT];
					assert_true(
					    k[YG_MAIL_RE_BASE64] + k[YG_MAIL_RE_BASE64URL] >= 1);
					yg_mail_report_free(r);
				}
}

static void base64url_unpadded_in_fragment_gives_indicator(void **state)
{
	(void)state;
	/* The issue's example: dGFyby55YW1hZGFAY29ycC5leGFtcGxl */
	struct yg_mail_report *r = anon_body(
	    "taro.yamada@corp.example",
	    "Log in: https://login.evil.example/auth?lang=ja#dGFyby55YW1hZGFAY29ycC5leGFtcGxl",
	    NULL);
	assert_int_equal(r->n_urls, 1);
	assert_lacks(r->urls[0].url, "dGFyby55YW1hZGFAY29ycC5leGFtcGxl");
	assert_has(r->urls[0].url, "#[recipient-1]");
	assert_string_equal(r->urls[0].ioc, "https://login.evil.example/auth?lang=ja");
	struct yg_corr_obs *o = NULL;
	size_t n = 0;
	assert_int_equal(yg_corr_extract(r, NULL, &o, &n), 0);
	bool seen = false;
	for (size_t i = 0; i < n; i++)
		seen |= o[i].type == YG_CORR_URL &&
		        !strcmp(o[i].value, "https://login.evil.example/auth?lang=ja");
	assert_true(seen);
	yg_corr_obs_free(o, n);
	yg_mail_report_free(r);
}

static void percent_once_twice_and_all(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		unsigned enc;
	} cases[] = {
	    {"https://evil.example/p?u=taro.yamada%40corp.example&a=1", YG_MAIL_RE_PERCENT},
	    {"https://evil.example/p?u=taro.yamada%2540corp.example&a=1", YG_MAIL_RE_PERCENT2},
	    {"https://evil.example/p?u=%74%61%72%6F%2E%79%61%6D%61%64%61%40%63%6F%72%70%2E%65%78"
	     "%61%6D%70%6C%65&a=1",
	     YG_MAIL_RE_PERCENT},
	    {"https://evil.example/p?u=TARO.Yamada%2540Corp.Example&a=1", YG_MAIL_RE_PERCENT2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct yg_mail_report *r = anon_body(RCPT, cases[i].body, NULL);
		assert_has(excerpt(r), "u=[recipient-1]&a=1");
		assert_int_equal(r->n_urls, 1);
		assert_string_equal(r->urls[0].url, "https://evil.example/p?u=[recipient-1]&a=1");
		assert_string_equal(r->urls[0].ioc, "https://evil.example/p?a=1");
		assert_true(r->redactions[YG_MAIL_RK_RECIPIENT][cases[i].enc] >= 1);
		yg_mail_report_free(r);
	}
}

static void hex_any_case(void **state)
{
	(void)state;
	struct yg_mail_report *r =
	    anon_body(RCPT,
	              "id=00ff7461726F2E79616D61646240636F72702E6578616D706C65 x=746172"
	              "6f2e79616d61646140636f72702e6578616d706c65ff",
	              NULL);
	/* The first is "taro.yamadb@corp.example": not a recipient, stays. */
	assert_has(excerpt(r), "7461726F2E79616D61646240636F72702E6578616D706C65");
	assert_has(excerpt(r), "x=[recipient-1]ff");
	assert_int_equal(r->redactions[YG_MAIL_RK_RECIPIENT][YG_MAIL_RE_HEX], 1);
	yg_mail_report_free(r);
}

static void quoted_printable_and_soft_breaks(void **state)
{
	(void)state;
	struct yg_mail_report *r = anon_body(
	    RCPT, "a taro.ya=\r\nmada=40corp.exa=\r\nmple b =74=61=72=6F=2E=79=61=6D=61=64=61 c",
	    NULL);
	const char *ex = excerpt(r);
	assert_has(ex, "a [recipient-1] b [recipient-1] c");
	assert_true(r->redactions[YG_MAIL_RK_RECIPIENT][YG_MAIL_RE_QP] >= 1);
	assert_true(r->redactions[YG_MAIL_RK_LOCAL][YG_MAIL_RE_QP] >= 1);
	yg_mail_report_free(r);
	/* A query value that merely starts with hex digits is no QP escape
	 * hiding the address after it. */
	r = anon_body(RCPT, "https://evil.example/q?e=abtaro.yamada@corp.example", NULL);
	assert_has(excerpt(r), "?e=ab[recipient-1]");
	yg_mail_report_free(r);
}

static void html_entities(void **state)
{
	(void)state;
	static const char *const bodies[] = {
	    "x taro.yamada&#64;corp.example y",
	    "x taro.yamada&#x40;corp.example y",
	    "x taro.yamada&commat;corp&period;example y",
	    "x &#116;&#97;&#114;&#111;&#46;yamada&#X40;corp.example y",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		struct yg_mail_report *r = anon_body(RCPT, bodies[i], NULL);
		assert_has(excerpt(r), "x [recipient-1] y");
		assert_int_equal(r->redactions[YG_MAIL_RK_RECIPIENT][YG_MAIL_RE_ENTITY], 1);
		yg_mail_report_free(r);
	}
}

static void embedded_in_longer_tokens(void **state)
{
	(void)state;
	struct yg_mail_report *r =
	    anon_body("victim@example.org",
	              "https://t.evil.example/c?text=ARB1000ARB-victim@example.org", NULL);
	assert_string_equal(r->urls[0].url,
	                    "https://t.evil.example/c?text=ARB1000ARB-[recipient-1]");
	assert_string_equal(r->urls[0].ioc, "https://t.evil.example/c");
	yg_mail_report_free(r);
	r = anon_body(RCPT, "REF:TARO.YAMADA@CORP.EXAMPLE.XYZ and xxtaro.yamadaxx", NULL);
	assert_has(excerpt(r), "REF:[recipient-1].XYZ and xx[recipient-1]xx");
	assert_int_equal(r->redactions[YG_MAIL_RK_LOCAL][YG_MAIL_RE_PLAIN], 1);
	yg_mail_report_free(r);
}

static void single_label_and_domainless(void **state)
{
	(void)state;
	struct yg_mail_report *r = anon_body("Pot User <user@pot>", "mail for user@pot. ok", NULL);
	assert_has(excerpt(r), "mail for [recipient-1]. ok");
	assert_string_equal(r->to.v[0].address, "[recipient-1]");
	yg_mail_report_free(r);
	/* The address with its domain cut to the first label. */
	r = anon_body(RCPT, "internal: taro.yamada@corp, done", NULL);
	assert_has(excerpt(r), "internal: [recipient-1], done");
	yg_mail_report_free(r);
}

static void local_part_alone_and_length_rule(void **state)
{
	(void)state;
	struct yg_mail_report *r = anon_body(RCPT, "Hello taro.yamada, your box is full", NULL);
	assert_has(excerpt(r), "Hello [recipient-1], your box");
	assert_int_equal(r->redactions[YG_MAIL_RK_LOCAL][YG_MAIL_RE_PLAIN], 1);
	yg_mail_report_free(r);
	/* Role names and short local parts name nobody: only whole addresses
	 * go. */
	r = anon_body("info@corp.example, ken@corp.example",
	              "info: call ken or write to info@corp.example", NULL);
	assert_has(excerpt(r), "info: call ken or write to [recipient-1]");
	yg_mail_report_free(r);
	assert_false(yg_anon_local_ok("info", 4));
	assert_false(yg_anon_local_ok("Admin", 5));
	assert_false(yg_anon_local_ok("abcd", 4));
	assert_true(yg_anon_local_ok("hanako", 6));
}

static void display_name(void **state)
{
	(void)state;
	struct yg_mail_report *r =
	    anon_body(RCPT, "Dear TARO YAMADA, name=Taro%20Yamada b64=VGFybyBZYW1hZGE=", NULL);
	const char *ex = excerpt(r);
	assert_has(ex, "Dear [recipient-name-1], name=[recipient-name-1] b64=");
	assert_lacks(ex, "VGFybyBZYW1hZG");
	assert_string_equal(r->to.v[0].name, "[recipient-name-1]");
	yg_mail_report_free(r);
	/* A short name goes from To but is not searched for in the text. */
	r = anon_body("Bob <bob.smith@corp.example>", "Hi Bob", NULL);
	assert_has(excerpt(r), "Hi Bob");
	assert_string_equal(r->to.v[0].name, "[recipient-name]");
	yg_mail_report_free(r);
}

static void own_domain_forms(void **state)
{
	(void)state;
	struct yg_mail_report *r =
	    anon_body(RCPT, "see wiki.corp.example and d=Y29ycC5leGFtcGxl and corp%2Eexample",
	              "corp.example");
	assert_has(excerpt(r), "see [own-domain] and d=[own-domain] and [own-domain]");
	assert_int_equal(r->redactions[YG_MAIL_RK_OWN_DOMAIN][YG_MAIL_RE_BASE64], 1);
	yg_mail_report_free(r);
}

/* The body excerpt is cut after a few hundred bytes: an address cut there
 * leaves its beginning, which goes too. */
static void excerpt_cut_in_an_address(void **state)
{
	(void)state;
	char body[400];
	memset(body, 'x', 291);
	snprintf(body + 291, sizeof body - 291, " taro.yamada@corp.example and more text");
	struct yg_mail_report *r = anon_body(RCPT, body, NULL);
	const char *ex = excerpt(r);
	assert_lacks(ex, "taro.ya");
	assert_has(ex, "xxx [recipient-1]");
	yg_mail_report_free(r);
}

static void url_indicator(void **state)
{
	(void)state;
	static const struct {
		const char *url, *ioc;
	} cases[] = {
	    {"https://a.example/x", NULL},
	    {"https://a.example/x?u=[recipient-1]", "https://a.example/x"},
	    {"https://a.example/x?a=1&u=[recipient-1]&b=2#k", "https://a.example/x?a=1&b=2#k"},
	    {"https://a.example/x?a=1#[recipient-1]", "https://a.example/x?a=1"},
	    {"https://a.example/p/[recipient-1]/login?x=1", "https://a.example/p/"},
	    {"https://[own-domain]/x?u=[recipient-1]", NULL},
	    {"https://a.example/x?u=[internal-ip]", "https://a.example/x"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *ioc = NULL;
		assert_int_equal(yg_anon_url_indicator(cases[i].url, &ioc), 0);
		if (!cases[i].ioc)
			assert_null(ioc);
		else
			assert_string_equal(ioc, cases[i].ioc);
		free(ioc);
	}
}

/* The automaton itself: needles that are prefixes and suffixes of each
 * other, overlapping matches merged into one span, words needles. */
static void automaton_overlaps(void **state)
{
	(void)state;
	struct yg_anon_set *s = NULL;
	assert_int_equal(yg_anon_set_new(&s), 0);
	struct yg_anon_tag t = {.kind = YG_MAIL_RK_RECIPIENT};
	assert_int_equal(yg_anon_set_add(s, "abcab", 5, &t), 0);
	t.owner = 1;
	assert_int_equal(yg_anon_set_add(s, "bca", 3, &t), 0);
	assert_int_equal(yg_anon_set_add(s, "CAB", 3, &t), 0); /* folded: "cab" */
	t.owner = 2;
	t.kind = YG_MAIL_RK_INTERNAL_HOST;
	t.words = true;
	assert_int_equal(yg_anon_set_add(s, "exch", 4, &t), 0);
	assert_int_equal(yg_anon_set_build(s), 0);
	assert_int_equal(yg_anon_set_count(s), 4);
	struct yg_anon_span *sp = NULL;
	size_t n = 0;
	const char *text = "xxABCABCAByy exch exchange bcA";
	assert_int_equal(yg_anon_set_scan(s, text, strlen(text), &sp, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(sp[0].beg, 2);
	assert_int_equal(sp[0].end, 10);
	assert_int_equal(sp[0].tag.owner, 0); /* the longest of the kind */
	assert_int_equal(sp[1].beg, 13);
	assert_int_equal(sp[1].end, 17);
	assert_int_equal(sp[2].beg, 27);
	free(sp);
	yg_anon_set_free(s);
}

static void b64_stable_parts(void **state)
{
	(void)state;
	char out[64];
	uint8_t pre, post;
	/* "Man" -> TWFu; at shift 0 all four characters are its own. */
	assert_int_equal(
	    yg_anon_b64_stable((const uint8_t *)"Man", 3, 0, false, out, 64, &pre, &post), 4);
	assert_memory_equal(out, "TWFu", 4);
	assert_false(pre || post);
	/* "xMan" -> eE1hbg: "Man" at shift 1 owns "1hb" (E mixes, g mixes). */
	assert_int_equal(
	    yg_anon_b64_stable((const uint8_t *)"Man", 3, 1, false, out, 64, &pre, &post), 3);
	assert_memory_equal(out, "1hb", 3);
	assert_true(pre && post);
	assert_int_equal(
	    yg_anon_b64_stable((const uint8_t *)"Man", 3, 3, false, out, 64, &pre, &post), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(base64_any_alignment),
	    cmocka_unit_test(base64url_unpadded_in_fragment_gives_indicator),
	    cmocka_unit_test(percent_once_twice_and_all),
	    cmocka_unit_test(hex_any_case),
	    cmocka_unit_test(quoted_printable_and_soft_breaks),
	    cmocka_unit_test(html_entities),
	    cmocka_unit_test(embedded_in_longer_tokens),
	    cmocka_unit_test(single_label_and_domainless),
	    cmocka_unit_test(local_part_alone_and_length_rule),
	    cmocka_unit_test(display_name),
	    cmocka_unit_test(own_domain_forms),
	    cmocka_unit_test(excerpt_cut_in_an_address),
	    cmocka_unit_test(url_indicator),
	    cmocka_unit_test(automaton_overlaps),
	    cmocka_unit_test(b64_stable_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
