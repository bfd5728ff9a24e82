#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

static void check_reg(const char *host, const char *want)
{
	char *r = yg_mail_reg_domain(host);
	if (!want) {
		assert_null(r);
		return;
	}
	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void registrable(void **state)
{
	(void)state;
	check_reg("a.b.example.com", "example.com");
	check_reg("www.example.co.jp", "example.co.jp");
	check_reg("x.city.kawasaki.jp", "city.kawasaki.jp");
	check_reg("WWW.Example.COM.", "example.com");
	check_reg("co.jp", NULL);
	check_reg("1.2.3.4", NULL);
	check_reg("[2001:db8::1]", NULL);
	check_reg("", NULL);
	/* punycode in, punycode out; UTF-8 in, UTF-8 out */
	check_reg("www.xn--pypal-4ve.com", "xn--pypal-4ve.com");
	check_reg("www.p\xd0\xb0ypal.com", "p\xd0\xb0ypal.com");
}

static void distance(void **state)
{
	(void)state;
	assert_int_equal(yg_mail_edit_distance("paypal.com", "paypal.com", 2), 0);
	assert_int_equal(yg_mail_edit_distance("paypa1.com", "paypal.com", 2), 1);
	assert_int_equal(yg_mail_edit_distance("paypall.co", "paypal.com", 2), 2);
	assert_int_equal(yg_mail_edit_distance("example.org", "paypal.com", 2),
	                 3); /* capped at max + 1 */
	/* counted in code points: one Cyrillic letter is one edit */
	assert_int_equal(yg_mail_edit_distance("p\xd0\xb0ypal.com", "paypal.com", 2), 1);
}

static void confusables(void **state)
{
	(void)state;
	char *f =
	    yg_mail_confusable_fold("\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.com"); /* аррӏе.com */
	assert_string_equal(f, "apple.com");
	free(f);
	f = yg_mail_confusable_fold("rnicrosoft.corn");
	assert_string_equal(f, "mlcrosoft.com");
	free(f);
	f = yg_mail_confusable_fold("G00GLE.com");
	assert_string_equal(f, "google.com");
	free(f);
}

static void lookalikes(void **state)
{
	(void)state;
	assert_true(yg_mail_lookalike("paypa1.com", "paypal.com"));
	assert_true(yg_mail_lookalike("rnicrosoft.com", "microsoft.com"));
	assert_true(yg_mail_lookalike("xn--pypal-4ve.com", "paypal.com"));
	assert_true(yg_mail_lookalike("examp1e-bank.jp", "example-bank.jp"));
	assert_false(yg_mail_lookalike("paypal.com", "paypal.com"));
	assert_false(yg_mail_lookalike("example.org", "paypal.com"));
	/* short names allow one edit only */
	assert_false(yg_mail_lookalike("ab.jp", "cd.jp"));
	assert_true(yg_mail_lookalike("ab.jp", "ac.jp"));
}

static void homographs(void **state)
{
	(void)state;
	assert_true(yg_mail_idn_homograph("xn--pypal-4ve.com")); /* Latin + Cyrillic а */
	assert_true(
	    yg_mail_idn_homograph("xn--80ak6aa92e.com")); /* аррӏе: all-Cyrillic look-alike */
	assert_true(yg_mail_idn_homograph("www.p\xd0\xb0ypal.com")); /* the same in UTF-8 */
	assert_false(
	    yg_mail_idn_homograph("xn--e1afmkfd.xn--p1ai")); /* пример.рф: honest Cyrillic */
	assert_false(yg_mail_idn_homograph("xn--wgv71a119e.jp")); /* 日本語.jp */
	assert_false(yg_mail_idn_homograph("www.example.com"));
	assert_false(yg_mail_idn_homograph("xn--.com"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(registrable), cmocka_unit_test(distance),
	    cmocka_unit_test(confusables), cmocka_unit_test(lookalikes),
	    cmocka_unit_test(homographs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
