#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mail/mail-int.h"

static void parse(const char *s, struct yg_mail_hop *h)
{
	assert_int_equal(yg_mail_received_parse(s, strlen(s), h), 0);
}

static void postfix_hop(void **state)
{
	(void)state;
	struct yg_mail_hop h;
	parse("from mail.example.com (mail.example.com [203.0.113.5])\r\n\tby mx.example.org "
	      "(Postfix) with ESMTPS id "
	      "4LkQ2 for <a@b.example>; Tue, 1 Mar 2022 10:00:00 +0900 (JST)",
	      &h);
	assert_string_equal(h.from_host, "mail.example.com");
	assert_string_equal(h.from_ip, "203.0.113.5");
	assert_string_equal(h.by_host, "mx.example.org");
	assert_string_equal(h.with, "ESMTPS");
	assert_string_equal(h.id, "4LkQ2");
	assert_string_equal(h.for_addr, "a@b.example");
	assert_string_equal(h.date, "Tue, 1 Mar 2022 10:00:00 +0900 (JST)");
	assert_int_equal(h.date_unix, 1646096400);
	assert_int_equal(h.ips.n, 1);
	assert_false(h.external); /* 203.0.113.0/24 is documentation space */
	yg_mail_hop_release(&h);
}

static void qmail_and_ipv6(void **state)
{
	(void)state;
	struct yg_mail_hop h;
	parse("from unknown (HELO pc) (93.184.216.34) by mail.example.net with SMTP; 2 Mar 2022 "
	      "01:02:03 -0000",
	      &h);
	assert_string_equal(h.from_host, "unknown");
	assert_string_equal(h.from_ip, "93.184.216.34");
	assert_true(h.external);
	assert_string_equal(h.with, "SMTP");
	assert_int_equal(h.date_unix, 1646182923);
	yg_mail_hop_release(&h);

	parse("from host6 (host6.example [IPv6:2a00:1450:4864:20::42a]) by mx", &h);
	assert_string_equal(h.from_ip, "2a00:1450:4864:20::42a");
	assert_true(h.external);
	assert_null(h.date);
	assert_int_equal(h.date_unix, -1);
	yg_mail_hop_release(&h);
}

static void helo_literal_only(void **state)
{
	(void)state;
	struct yg_mail_hop h;
	/* the literal stands when there is no TCP-info comment */
	parse("from [192.168.1.20] (helo=pc) by relay with esmtpa", &h);
	assert_string_equal(h.from_ip, "192.168.1.20");
	assert_false(h.external);
	yg_mail_hop_release(&h);
	/* ... and the comment wins over the claimed literal */
	parse("from [10.0.0.1] (real.example [8.8.4.4]) by relay", &h);
	assert_string_equal(h.from_ip, "8.8.4.4");
	assert_int_equal(h.ips.n, 2);
	yg_mail_hop_release(&h);
}

static void garbage_never_fails(void **state)
{
	(void)state;
	struct yg_mail_hop h;
	const char *cases[] = {"",
	                       ";",
	                       "((((",
	                       "from",
	                       "by by by ; ;",
	                       "from a.b ([999.1.1.1]) ;x",
	                       "from x (1.2.3.4.5) by y",
	                       "from host1.2.3.4x by z"};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		parse(cases[i], &h);
		assert_null(h.from_ip);
		yg_mail_hop_release(&h);
	}
}

static void ip_ranges(void **state)
{
	(void)state;
	const char *priv[] = {"10.1.1.1",
	                      "172.16.0.1",
	                      "172.31.255.255",
	                      "192.168.0.1",
	                      "127.0.0.1",
	                      "169.254.1.1",
	                      "100.64.0.1",
	                      "0.1.2.3",
	                      "224.0.0.1",
	                      "255.255.255.255",
	                      "192.0.2.1",
	                      "198.51.100.1",
	                      "::1",
	                      "fe80::1",
	                      "fc00::1",
	                      "2001:db8::1",
	                      "::ffff:10.0.0.1",
	                      "not-an-ip",
	                      ""};
	const char *pub[] = {"8.8.8.8",       "172.32.0.1",   "100.128.0.1",
	                     "93.184.216.34", "2a00:1450::1", "::ffff:8.8.8.8"};
	for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
		assert_false(yg_mail_ip_is_public(priv[i]));
	for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
		assert_true(yg_mail_ip_is_public(pub[i]));
}

static void dates(void **state)
{
	(void)state;
	const char *d = "Fri, 1 Mar 2024 10:00:00 +0900";
	assert_int_equal(yg_mail_date_parse(d, strlen(d)), 1709254800);
	d = "1 Mar 24 01:00 GMT"; /* obsolete 2-digit year, no seconds */
	assert_int_equal(yg_mail_date_parse(d, strlen(d)), 1709254800);
	d = "Thu, 29 Feb 2024 20:00:00 EST";
	assert_int_equal(yg_mail_date_parse(d, strlen(d)), 1709254800);
	d = "yesterday";
	assert_int_equal(yg_mail_date_parse(d, strlen(d)), -1);
	d = "32 Jan 2024 00:00:00 +0000";
	assert_int_equal(yg_mail_date_parse(d, strlen(d)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(postfix_hop),       cmocka_unit_test(qmail_and_ipv6),
	    cmocka_unit_test(helo_literal_only), cmocka_unit_test(garbage_never_fails),
	    cmocka_unit_test(ip_ranges),         cmocka_unit_test(dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
