#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sensor/homenet.h"

static struct yg_addr v4(const char *s)
{
	struct yg_addr a = {0};
	assert_int_equal(inet_pton(AF_INET, s, a.b), 1);
	return a;
}

static struct yg_addr v6(const char *s)
{
	struct yg_addr a = {0};
	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static void parses_lists_and_matches_prefixes(void **state)
{
	(void)state;
	struct yg_homenet h;
	char err[64];
	assert_int_equal(yg_homenet_parse("[10.0.0.0/8, 192.0.2.7,2001:db8:1::/48]", &h, err, sizeof err), 0);
	assert_int_equal(h.n, 3);
	struct yg_addr a = v4("10.200.3.4"), b = v4("11.0.0.1"), c = v4("192.0.2.7"), d = v4("192.0.2.8");
	assert_true(yg_homenet_contains(&h, 4, &a));
	assert_false(yg_homenet_contains(&h, 4, &b));
	assert_true(yg_homenet_contains(&h, 4, &c));
	assert_false(yg_homenet_contains(&h, 4, &d));
	struct yg_addr e = v6("2001:db8:1:ffff::1"), f = v6("2001:db8:2::1");
	assert_true(yg_homenet_contains(&h, 6, &e));
	assert_false(yg_homenet_contains(&h, 6, &f));
	/* An IPv4 network never matches an IPv6 address with the same bytes. */
	struct yg_addr g = {{10, 1, 2, 3}};
	assert_false(yg_homenet_contains(&h, 6, &g));
}

static void odd_prefix_lengths(void **state)
{
	(void)state;
	struct yg_homenet h;
	char err[64];
	assert_int_equal(yg_homenet_parse("172.16.0.0/12,0.0.0.0/0", &h, err, sizeof err), 0);
	struct yg_addr a = v4("172.31.255.255"), b = v4("172.32.0.0");
	assert_true(yg_homenet_contains(&h, 4, &a));
	assert_true(yg_homenet_contains(&h, 4, &b)); /* via /0 */
	assert_int_equal(yg_homenet_parse("172.16.0.0/12", &h, err, sizeof err), 0);
	assert_false(yg_homenet_contains(&h, 4, &b));
}

static void rejects_bad_items(void **state)
{
	(void)state;
	struct yg_homenet h = {0};
	char err[64];
	assert_int_equal(yg_homenet_parse("10.0.0.0/33", &h, err, sizeof err), -EINVAL);
	assert_string_equal(err, "10.0.0.0/33");
	assert_int_equal(yg_homenet_parse("10.0.0.0/8,bogus", &h, err, sizeof err), -EINVAL);
	assert_string_equal(err, "bogus");
	assert_int_equal(yg_homenet_parse("10.0.0.0/", &h, err, sizeof err), -EINVAL);
	assert_int_equal(yg_homenet_parse("", &h, err, sizeof err), -EINVAL);
	assert_int_equal(yg_homenet_parse("::/129", &h, err, sizeof err), -EINVAL);
}

static void directions(void **state)
{
	(void)state;
	struct yg_homenet h;
	yg_homenet_default(&h);
	struct yg_addr in = v4("192.168.1.10"), in2 = v4("10.1.1.1"), out = v4("198.51.100.1");
	assert_string_equal(yg_homenet_direction(&h, 4, &in, &out), "egress");
	assert_string_equal(yg_homenet_direction(&h, 4, &out, &in), "ingress");
	assert_string_equal(yg_homenet_direction(&h, 4, &in, &in2), "internal");
	assert_string_equal(yg_homenet_direction(&h, 4, &out, &out), "external");
	struct yg_addr ula = v6("fd12::1"), g6 = v6("2001:db8::1");
	assert_string_equal(yg_homenet_direction(&h, 6, &ula, &g6), "egress");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_lists_and_matches_prefixes),
		cmocka_unit_test(odd_prefix_lengths),
		cmocka_unit_test(rejects_bad_items),
		cmocka_unit_test(directions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
