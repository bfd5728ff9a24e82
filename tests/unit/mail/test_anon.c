/* Anonymization of mail reports: recipients, own domains, internal hosts
 * and IPs, PII patterns; asserted on the report's JSON text as a member
 * other than the submitter would receive it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mail/anon.h"
#include "mail/mail.h"

static const char msg[] =
    "Received: from mx1.corp.example (mx1.corp.example [10.1.2.3]) by EXCH01 with ESMTP\r\n"
    "\tid 77a; Fri, 1 Mar 2024 10:00:02 +0900\r\n"
    "Received: from bad.evil.example (bad.evil.example [45.77.12.9])\r\n"
    "\tby mx1.corp.example with ESMTP id 4ab\r\n"
    "\tfor <taro.yamada@corp.example>; Fri, 1 Mar 2024 10:00:00 +0900\r\n"
    "Received: from pc01.corp.example (pc01.corp.example [192.168.1.20]) by gw.evil.example;"
    " Fri, 1 Mar 2024 09:59:00 +0900\r\n"
    "Delivered-To: hidden.person@corp.example\r\n"
    "X-Original-To: list-alias@partner.example\r\n"
    "Bcc: Secret Boss <boss@corp.example>\r\n"
    "From: \"Billing\" <billing@evil.example>\r\n"
    "To: \"Taro Yamada\" <taro.yamada@corp.example>\r\n"
    "Cc: hanako@partner.example\r\n"
    "Subject: Invoice for Taro Yamada 2024-03\r\n"
    "Message-ID: <abc123@mail.corp.example>\r\n"
    "Date: Fri, 1 Mar 2024 10:00:00 +0900\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Dear Taro Yamada,\r\n"
    "please log in at http://login.evil.example/a?u=taro.yamada%40corp.example&x=1\r\n"
    "or ask list-alias@partner.example; our intranet is http://wiki.corp.example/x\r\n"
    "and the printer 172.16.5.5. Call 090-1234-5678. Public: 45.77.1.7.\r\n"
    "Copy to Secret Boss.\r\n";

static struct yg_mail_report *analyze_anon(const char *const *dom, size_t nd,
					   const char *const *pii, size_t np, char **ret_json)
{
	struct yg_mail_report *r = NULL;
	struct yg_mail_opts opts = {0};
	assert_int_equal(yg_mail_analyze((const uint8_t *)msg, sizeof msg - 1, &opts, &r), 0);
	struct yg_mail_anon_cfg cfg = {dom, nd, pii, np};
	struct yg_mail_anon *a = NULL;
	assert_int_equal(yg_mail_anon_new(&cfg, &a), 0);
	assert_int_equal(yg_mail_anon_apply(a, (const uint8_t *)msg, sizeof msg - 1, r), 0);
	yg_mail_anon_free(a);
	json_t *j = yg_mail_report_json(r);
	assert_non_null(j);
	*ret_json = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return r;
}

static void nothing_of_the_recipient_remains(void **state)
{
	(void)state;
	const char *dom[] = {"corp.example"};
	const char *pii[] = {"[0-9]{3}-[0-9]{4}-[0-9]{4}"};
	char *js = NULL;
	struct yg_mail_report *r = analyze_anon(dom, 1, pii, 1, &js);
	static const char *const gone[] = {
		"taro.yamada", "Taro Yamada", "corp.example", "hidden.person", "list-alias",
		"Secret Boss", "boss@", "hanako", "192.168.1.20", "10.1.2.3", "172.16.5.5",
		"pc01", "EXCH01", "090-1234-5678", "taro.yamada%40",
	};
	for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
		const char *at = strstr(js, gone[i]);
		if (at)
			fail_msg("'%s' survived: ...%.200s", gone[i], at > js + 100 ? at - 100 : js);
	}
	/* What is not private stays. */
	assert_non_null(strstr(js, "billing@evil.example"));
	assert_non_null(strstr(js, "45.77.12.9"));
	assert_non_null(strstr(js, "login.evil.example"));
	assert_non_null(strstr(js, "45.77.1.7"));
	/* Field by field. */
	assert_non_null(r->message_id);
	assert_non_null(r->sending_ip);
	assert_non_null(r->subject);
	assert_int_equal(r->to.n, 1);
	assert_string_equal(r->to.v[0].address, "[recipient-1]");
	assert_string_equal(r->to.v[0].name, "[recipient-name-1]");
	assert_null(r->to.v[0].domain);
	assert_string_equal(r->subject, "Invoice for [recipient-name-1] 2024-03");
	assert_string_equal(r->message_id, "abc123@[own-domain]");
	assert_string_equal(r->sending_ip, "45.77.12.9");
	bool url_scrubbed = false, wiki = false;
	for (size_t i = 0; i < r->n_urls; i++) {
		url_scrubbed |= strstr(r->urls[i].url, "u=[recipient-1]") != NULL;
		wiki |= strstr(r->urls[i].url, "[own-domain]") != NULL;
	}
	assert_true(url_scrubbed);
	assert_true(wiki);
	assert_non_null(strstr(r->bodies[0].excerpt, "Dear [recipient-name-1]"));
	assert_non_null(strstr(r->bodies[0].excerpt, "[pii]"));
	assert_non_null(strstr(r->bodies[0].excerpt, "printer [internal-ip]"));
	assert_non_null(strstr(r->bodies[0].excerpt, "Copy to [recipient-name-2]"));
	assert_true(yg_mail_anon_is_scrubbed(r->to.v[0].address));
	assert_false(yg_mail_anon_is_scrubbed(r->from.v[0].address));
	free(js);
	yg_mail_report_free(r);
}

static void without_own_domains_recipients_still_go(void **state)
{
	(void)state;
	char *js = NULL;
	struct yg_mail_report *r = analyze_anon(NULL, 0, NULL, 0, &js);
	assert_null(strstr(js, "taro.yamada"));
	assert_null(strstr(js, "hidden.person"));
	assert_null(strstr(js, "192.168.1.20"));
	/* Not configured: the domain itself stays (only recipients go). */
	assert_non_null(strstr(js, "wiki.corp.example"));
	free(js);
	yg_mail_report_free(r);
}

static void config_is_checked(void **state)
{
	(void)state;
	struct yg_mail_anon *a = NULL;
	const char *bad[] = {"(unclosed"};
	struct yg_mail_anon_cfg cfg = {NULL, 0, bad, 1};
	assert_int_equal(yg_mail_anon_new(&cfg, &a), -EINVAL);
	assert_null(a);
	assert_int_equal(yg_mail_anon_pattern_ok("(unclosed"), -EINVAL);
	assert_int_equal(yg_mail_anon_pattern_ok("a+b"), 0);
	const char *many[YG_MAIL_ANON_MAX_PII + 1];
	for (size_t i = 0; i <= YG_MAIL_ANON_MAX_PII; i++)
		many[i] = "x";
	struct yg_mail_anon_cfg cfg2 = {NULL, 0, many, YG_MAIL_ANON_MAX_PII + 1};
	assert_int_equal(yg_mail_anon_new(&cfg2, &a), -E2BIG);
	const char *empty_dom[] = {""};
	struct yg_mail_anon_cfg cfg3 = {empty_dom, 1, NULL, 0};
	assert_int_equal(yg_mail_anon_new(&cfg3, &a), -EINVAL);
}

static void empty_match_pattern_terminates(void **state)
{
	(void)state;
	const char *pii[] = {"x*"};
	char *js = NULL;
	struct yg_mail_report *r = analyze_anon(NULL, 0, pii, 1, &js);
	assert_non_null(r->subject);
	free(js);
	yg_mail_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_of_the_recipient_remains),
		cmocka_unit_test(without_own_domains_recipients_still_go),
		cmocka_unit_test(config_is_checked),
		cmocka_unit_test(empty_match_pattern_terminates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
