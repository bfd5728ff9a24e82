/* The analyzer end to end in memory, and its STIX bundle through the
 * project's own STIX 2.1 validator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mail/gmime_guard.h"
#include "mail/mail.h"
#include "stix/validate.h"

static const char msg[] =
    "Received: from relay.example.net (relay.example.net [8.8.4.4]) by mx.example.org; Fri, 1 Mar "
    "2024 "
    "10:00:00 +0900\r\n"
    "Authentication-Results: mx.example.org; spf=softfail; dkim=none; dmarc=fail\r\n"
    "From: \"Bank\" <notice@examp1e-bank.jp>\r\n"
    "To: user@example.org\r\n"
    "Subject: =?UTF-8?B?44GK55+l44KJ44Gb?=\r\n"
    "Date: Fri, 1 Mar 2024 10:00:00 +0900\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
    "--B\r\nContent-Type: text/html\r\n\r\n<a "
    "href=\"http://x.example.net/\">www.example-bank.jp</a>\r\n"
    "--B\r\nContent-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82.pdf.exe\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--B--\r\n";

static void report_fields(void **state)
{
	(void)state;
	const char *protect[] = {"example-bank.jp", NULL};
	struct yg_mail_opts opts = {NULL, protect};
	struct yg_mail_report *r = NULL;
	assert_int_equal(yg_mail_analyze((const uint8_t *)msg, sizeof msg - 1, &opts, &r), 0);
	assert_string_equal(r->subject, "お知らせ");
	assert_string_equal(r->from.v[0].address, "notice@examp1e-bank.jp");
	assert_string_equal(r->sending_ip, "8.8.4.4");
	assert_string_equal(r->spf, "softfail");
	assert_string_equal(r->dmarc, "fail");
	/* the href, and the bare URL the link text shows */
	assert_int_equal(r->n_urls, 2);
	assert_string_equal(r->urls[0].url, "http://x.example.net/");
	assert_true(r->urls[0].text_mismatch);
	assert_string_equal(r->urls[1].url, "http://www.example-bank.jp");
	assert_false(r->urls[1].text_mismatch);
	assert_int_equal(r->n_files, 1);
	assert_string_equal(r->files[0].filename, "請求.pdf.exe");
	assert_int_equal(r->files[0].size, 12);
	assert_true(r->files[0].flags & YG_MAIL_F_DOUBLE_EXT);
	bool lookalike = false;
	for (size_t i = 0; i < r->n_spoofs; i++)
		lookalike |= !strcmp(r->spoofs[i].kind, "lookalike_domain");
	assert_true(lookalike);
	assert_true(r->score > 50 && r->score <= 100);

	json_t *j = yg_mail_report_json(r);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "headers"), "subject")),
	    "お知らせ");
	json_decref(j);

	json_t *b = yg_mail_report_stix(r, 1709254800000);
	assert_non_null(b);
	char err[256] = "";
	size_t invalid = 99;
	int v = yg_stix_validate_bundle(b, NULL, NULL, &invalid, err, sizeof err);
	if (v != 0)
		fail_msg("bundle invalid: %s", err);
	assert_int_equal(invalid, 0);
	json_decref(b);
	yg_mail_report_free(r);
}

static void errors(void **state)
{
	(void)state;
	struct yg_mail_report *r = (struct yg_mail_report *)0x1;
	assert_int_equal(yg_mail_analyze((const uint8_t *)"", 0, NULL, &r), -ENODATA);
	assert_int_equal(yg_mail_analyze((const uint8_t *)"\x7f"
	                                                  "ELF\x02",
	                                 5, NULL, &r),
	                 -EBADMSG);
	assert_int_equal(yg_mail_analyze((const uint8_t *)"just some words\n", 16, NULL, &r),
	                 -EBADMSG);
	assert_ptr_equal(r, (struct yg_mail_report *)0x1); /* untouched on failure */
	const char *m = "Subject: only a header";
	assert_int_equal(yg_mail_analyze((const uint8_t *)m, strlen(m), NULL, &r), 0);
	assert_string_equal(r->subject, "only a header");
	assert_int_equal(r->n_files, 0);
	yg_mail_report_free(r);
	yg_mail_report_free(NULL);
}

static bool has_anomaly(const struct yg_mail_report *r, const char *name)
{
	for (size_t i = 0; i < r->anomalies.n; i++)
		if (!strcmp(r->anomalies.v[i], name))
			return true;
	return false;
}

/* Which values end inside a comment, as GMime's lexer reads them. */
static void comment_unclosed(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool open;
	} cases[] = {
	    {"a@b.example (Alice)", false},
	    {"a@b.example (Alice", true},
	    {"i@[](", true},
	    {"\"Bob (Sales\" <b@x.example>", false},  /* in a quoted string */
	    {"\"Bob \\\" (x\" <b@x.example>", false}, /* escaped quote inside */
	    {"a@b.example (x\\)", true},              /* the ')' is escaped */
	    {"a@b.example ((nested) still open", true},
	    {"a@b.example ((nested) closed)", false},
	    {"a@b.example (a \"(\" b)", true}, /* quotes are plain text in a comment */
	    {"a@b.example \\(", false},
	    {"", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(yg_mail_addr_comment_unclosed(cases[i].v, strlen(cases[i].v)),
		                 cases[i].open);
	assert_true(yg_mail_is_address_header("reply-TO"));
	assert_true(yg_mail_is_address_header("Bcc"));
	assert_false(yg_mail_is_address_header("Return-Path"));
	assert_false(yg_mail_is_address_header(NULL));
}

/* GMime 3.2.13 leaks the address before a comment that never closes
 * (gmime_guard.h); under ASan the leak check at exit fails this test
 * without the guard. The header is left unparsed and named, the others
 * are read as usual, in the top message and in one it carries. */
static void address_comment_unclosed(void **state)
{
	(void)state;
	static const char m[] =
	    "From: i@[](\r\n"
	    "Reply-To: Alice <alice@reply.example> (open\r\n"
	    "To: \"Bob (Sales\" <bob@victim.example>\r\n"
	    "Cc: carol@victim.example (Carol)\r\n"
	    "Subject: s\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
	    "--B\r\nContent-Type: message/rfc822\r\n\r\n"
	    "From: inner@x.example (never closed\r\nTo: t@x.example\r\nSubject: in\r\n\r\nbody\r\n"
	    "--B--\r\n";
	struct yg_mail_report *r = NULL;
	assert_int_equal(yg_mail_analyze((const uint8_t *)m, sizeof m - 1, NULL, &r), 0);
	assert_true(has_anomaly(r, "address_comment_unclosed"));
	assert_int_equal(r->from.n, 0);
	assert_int_equal(r->reply_to.n, 0);
	assert_int_equal(r->to.n, 1);
	assert_string_equal(r->to.v[0].address, "bob@victim.example");
	assert_string_equal(r->to.v[0].name, "Bob (Sales");
	assert_int_equal(r->cc.n, 1);
	assert_string_equal(r->cc.v[0].address, "carol@victim.example");
	yg_mail_report_free(r);

	/* A well-formed message has no such anomaly. */
	r = NULL;
	assert_int_equal(yg_mail_analyze((const uint8_t *)msg, sizeof msg - 1, NULL, &r), 0);
	assert_false(has_anomaly(r, "address_comment_unclosed"));
	assert_int_equal(r->from.n, 1);
	yg_mail_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(report_fields),
	                                   cmocka_unit_test(errors),
	                                   cmocka_unit_test(comment_unclosed),
	                                   cmocka_unit_test(address_comment_unclosed)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
