#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "darknet/asn_csv.h"

static uint32_t look(const struct yg_asn_table *t, const char *ip)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, ip, a) == 1)
		return yg_asn_table_lookup(t, 4, a);
	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	return yg_asn_table_lookup(t, 6, a);
}

static void test_ranges_both_families(void **state)
{
	(void)state;
	static const char csv[] =
	    "# ip-location-db layout\n"
	    "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\r\n"
	    "1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\n"
	    "\n"
	    "2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project\n"
	    "255.255.255.0,255.255.255.255,64500\n";
	struct yg_asn_table *t = NULL;
	struct yg_asn_load_result res = {0};
	assert_int_equal(yg_asn_table_new(&t), 0);
	assert_int_equal(yg_asn_table_parse(t, "a.csv", csv, sizeof csv - 1, &res), 0);
	yg_asn_table_finish(t);
	assert_int_equal(res.rows, 4);
	assert_int_equal(res.bad, 0);
	assert_string_equal(res.first_bad, "");
	assert_int_equal(look(t, "1.0.0.0"), 13335);
	assert_int_equal(look(t, "1.0.0.255"), 13335);
	assert_int_equal(look(t, "1.0.1.0"), 0);
	assert_int_equal(look(t, "1.0.5.9"), 38803);
	assert_int_equal(look(t, "1.0.8.0"), 0);
	assert_int_equal(look(t, "0.0.0.1"), 0);
	assert_int_equal(look(t, "255.255.255.255"), 64500);
	assert_int_equal(look(t, "2001:200:1b9::1"), 2500);
	assert_int_equal(look(t, "2001:200:1ba::"), 0);
	assert_int_equal(look(t, "2001:1ff::"), 0);
	/* The IPv4 bytes of an IPv6 address are not an IPv4 lookup. */
	assert_int_equal(look(t, "::1.0.0.1"), 0);
	yg_asn_table_free(t);
}

static void test_bad_rows_named_and_skipped(void **state)
{
	(void)state;
	static const char csv[] =
	    "10.0.0.0,10.0.0.255,64501\n"
	    "10.0.1.0,10.0.0.0,64502\n"             /* 2: first after last */
	    "10.0.2.0,2001:db8::,64503\n"           /* 3: mixed families */
	    "10.0.3.0,10.0.3.255,0\n"               /* 4: AS 0 */
	    "10.0.4.0,10.0.4.255,4294967296\n"      /* 5: over 32 bits */
	    "10.0.5.0,10.0.5.255\n"                 /* 6: no number */
	    "10.0.6.0,10.0.6.255,4294967295\n";
	struct yg_asn_table *t = NULL;
	struct yg_asn_load_result res = {0};
	assert_int_equal(yg_asn_table_new(&t), 0);
	assert_int_equal(yg_asn_table_parse(t, "b.csv", csv, sizeof csv - 1, &res), 0);
	yg_asn_table_finish(t);
	assert_int_equal(res.rows, 2);
	assert_int_equal(res.bad, 5);
	assert_string_equal(res.first_bad, "b.csv:2: the first address is after the last");
	assert_int_equal(look(t, "10.0.0.9"), 64501);
	assert_int_equal(look(t, "10.0.1.0"), 0);
	assert_int_equal(look(t, "10.0.6.1"), 4294967295u);
	yg_asn_table_free(t);
}

static void test_overlaps_keep_the_first_start(void **state)
{
	(void)state;
	static const char csv[] = "10.0.0.0,10.0.255.255,1\n"
				  "10.0.1.0,10.0.1.255,2\n"
				  "9.255.255.0,10.0.0.0,3\n";
	struct yg_asn_table *t = NULL;
	struct yg_asn_load_result res = {0};
	assert_int_equal(yg_asn_table_new(&t), 0);
	assert_int_equal(yg_asn_table_parse(t, "c.csv", csv, sizeof csv - 1, &res), 0);
	yg_asn_table_finish(t);
	/* 10.0.0.0/16 overlaps the range before it and goes; the /24 in it
	 * then overlaps nothing kept. */
	assert_int_equal(yg_asn_table_rows(t), 2);
	assert_int_equal(look(t, "9.255.255.1"), 3);
	assert_int_equal(look(t, "10.0.0.0"), 3);
	assert_int_equal(look(t, "10.0.0.1"), 0);
	assert_int_equal(look(t, "10.0.1.1"), 2);
	yg_asn_table_free(t);
}

static void test_long_line_and_missing_file(void **state)
{
	(void)state;
	char csv[YG_ASN_LINE_MAX + 40];
	memset(csv, ' ', sizeof csv);
	memcpy(csv, "10.0.0.0,10.0.0.1,5", 19);
	csv[sizeof csv - 1] = '\n';
	struct yg_asn_table *t = NULL;
	struct yg_asn_load_result res = {0};
	assert_int_equal(yg_asn_table_new(&t), 0);
	assert_int_equal(yg_asn_table_parse(t, "d.csv", csv, sizeof csv, &res), 0);
	assert_int_equal(res.bad, 1);
	assert_string_equal(res.first_bad, "d.csv:1: line too long");
	assert_int_equal(yg_asn_table_load(t, "/nonexistent/asn.csv", &res), -ENOENT);
	yg_asn_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ranges_both_families),
	    cmocka_unit_test(test_bad_rows_named_and_skipped),
	    cmocka_unit_test(test_overlaps_keep_the_first_start),
	    cmocka_unit_test(test_long_line_and_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
