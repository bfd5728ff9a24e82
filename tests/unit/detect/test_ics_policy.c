#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/ics_policy.h"

static struct yg_ics_policy *parse_ok(const char *text)
{
	struct yg_ics_policy *p = NULL;
	char err[256] = "";
	int r = yg_ics_policy_parse(text, strlen(text), &p, err, sizeof err);
	if (r < 0)
		fail_msg("parse failed: %s", err);
	return p;
}

static bool allows(const struct yg_ics_policy *p, const char *cli, const char *srv,
		   enum yg_ics_proto proto, enum yg_ics_op op, struct yg_ics_verdict *v)
{
	uint8_t a[16] = {0}, b[16] = {0};
	int fam = strchr(cli, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(fam, cli, a), 1);
	assert_int_equal(inet_pton(fam, srv, b), 1);
	return yg_ics_policy_allows(p, fam == AF_INET ? 4 : 6, a, b, proto, op, v);
}

static const char POLICY[] = "# plant\n"
			     "allow 10.0.0.5 10.1.0.0/16 modbus read,write\n"
			     "\n"
			     "allow any 10.1.2.3 any read   # everyone may read the historian\n"
			     "allow 2001:db8::/32 2001:db8:1::7 dnp3 operate\n"
			     "\tallow 10.0.0.9 10.1.0.1 s7comm download,stop\n";

static void matching(void **state)
{
	(void)state;
	struct yg_ics_policy *p = parse_ok(POLICY);
	struct yg_ics_verdict v;
	assert_int_equal(yg_ics_policy_rules(p), 4);
	assert_true(allows(p, "10.0.0.5", "10.1.9.9", YG_ICS_MODBUS, YG_ICS_OP_WRITE, &v));
	assert_false(allows(p, "10.0.0.5", "10.1.9.9", YG_ICS_MODBUS, YG_ICS_OP_RESTART, &v));
	assert_int_equal(v.line, 2);
	assert_string_equal(v.rule, "line 2: allow 10.0.0.5 10.1.0.0/16 modbus read,write");
	assert_false(allows(p, "10.0.0.5", "10.2.0.1", YG_ICS_MODBUS, YG_ICS_OP_READ, &v));
	assert_int_equal(v.line, 0);
	assert_non_null(strstr(v.rule, "no rule"));
	assert_true(allows(p, "192.0.2.1", "10.1.2.3", YG_ICS_IEC104, YG_ICS_OP_READ, &v));
	assert_false(allows(p, "192.0.2.1", "10.1.2.3", YG_ICS_IEC104, YG_ICS_OP_OPERATE, &v));
	assert_int_equal(v.line, 4);
	assert_true(allows(p, "2001:db8:5::1", "2001:db8:1::7", YG_ICS_DNP3, YG_ICS_OP_OPERATE, &v));
	assert_false(allows(p, "2001:db9::1", "2001:db8:1::7", YG_ICS_DNP3, YG_ICS_OP_OPERATE, &v));
	assert_true(allows(p, "10.0.0.9", "10.1.0.1", YG_ICS_S7COMM, YG_ICS_OP_STOP, &v));
	/* Responses and anything with no class are never alerts. */
	assert_true(allows(p, "10.9.9.9", "10.9.9.8", YG_ICS_S7COMM, YG_ICS_OP_NONE, &v));
	yg_ics_policy_free(p);
}

static void defaults_without_policy(void **state)
{
	(void)state;
	struct yg_ics_verdict v;
	for (unsigned op = YG_ICS_OP_NONE; op < YG_ICS_OP__COUNT; op++) {
		bool want = op != YG_ICS_OP_DOWNLOAD && op != YG_ICS_OP_STOP;
		assert_int_equal(allows(NULL, "10.0.0.1", "10.0.0.2", YG_ICS_MODBUS, op, &v), want);
		if (!want)
			assert_non_null(strstr(v.rule, "default:"));
	}
}

static void errors_name_line_and_field(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"allow 10.0.0.256 any modbus read\n", "line 1, field 2 (client)"},
	    {"\nallow any 10.0.0.0/40 modbus read\n", "line 2, field 3 (controller)"},
	    {"allow any ::/129 modbus read\n", "line 1, field 3 (controller)"},
	    {"allow any any bacnet read\n", "line 1, field 4 (protocol): 'bacnet'"},
	    {"allow any any modbus read,,write\n", "line 1, field 5 (operations): ''"},
	    {"allow any any modbus none\n", "line 1, field 5 (operations): 'none'"},
	    {"deny any any modbus read\n", "line 1, field 1 (keyword): 'deny'"},
	    {"allow any any\n", "line 1, field 4 (protocol): missing"},
	    {"allow any any modbus read x\n", "line 1, field 6"},
	    {"allow any any modbus read\0\n", NULL},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct yg_ics_policy *p = NULL;
		char err[256] = "";
		size_t len = strlen(cases[i].text) + (cases[i].want ? 0 : 2);
		assert_int_equal(yg_ics_policy_parse(cases[i].text, len, &p, err, sizeof err), -EINVAL);
		assert_null(p);
		if (cases[i].want && !strstr(err, cases[i].want))
			fail_msg("case %u: '%s' does not say '%s'", i, err, cases[i].want);
		if (!cases[i].want)
			assert_non_null(strstr(err, "NUL"));
	}
	char *lng = malloc(2000);
	memset(lng, 'a', 1999);
	lng[1999] = 0;
	struct yg_ics_policy *p = NULL;
	char err[256];
	assert_int_equal(yg_ics_policy_parse(lng, 1999, &p, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "longer than 1024"));
	free(lng);
	assert_int_equal(yg_ics_policy_load("/nonexistent/policy", &p, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/policy"));
}

static void learn_round_trip(void **state)
{
	(void)state;
	struct yg_ics_learn *l = NULL;
	assert_int_equal(yg_ics_learn_new(&l), 0);
	uint8_t a[4] = {10, 0, 0, 5}, b[4] = {10, 1, 0, 1}, c[4] = {10, 1, 0, 2};
	yg_ics_learn_add(l, 4, a, b, YG_ICS_MODBUS, YG_ICS_OP_READ);
	yg_ics_learn_add(l, 4, a, b, YG_ICS_MODBUS, YG_ICS_OP_WRITE);
	yg_ics_learn_add(l, 4, a, b, YG_ICS_MODBUS, YG_ICS_OP_READ);
	yg_ics_learn_add(l, 4, a, c, YG_ICS_DNP3, YG_ICS_OP_STOP);
	yg_ics_learn_add(l, 4, a, c, YG_ICS_DNP3, YG_ICS_OP_NONE);
	/* Many pairs: the table grows. */
	for (unsigned i = 0; i < 1000; i++) {
		uint8_t x[4] = {192, 168, (uint8_t)(i >> 8), (uint8_t)i};
		yg_ics_learn_add(l, 4, x, b, YG_ICS_IEC104, YG_ICS_OP_OPERATE);
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_int_equal(yg_ics_learn_write(l, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "allow 10.0.0.5 10.1.0.1 modbus read,write\n"));
	assert_non_null(strstr(text, "allow 10.0.0.5 10.1.0.2 dnp3 stop\n"));
	struct yg_ics_policy *p = parse_ok(text);
	assert_int_equal(yg_ics_policy_rules(p), 1002);
	struct yg_ics_verdict v;
	assert_true(allows(p, "10.0.0.5", "10.1.0.2", YG_ICS_DNP3, YG_ICS_OP_STOP, &v));
	assert_false(allows(p, "10.0.0.5", "10.1.0.2", YG_ICS_DNP3, YG_ICS_OP_WRITE, &v));
	assert_true(allows(p, "192.168.3.231", "10.1.0.1", YG_ICS_IEC104, YG_ICS_OP_OPERATE, &v));
	yg_ics_policy_free(p);
	free(text);
	yg_ics_learn_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(matching),
	    cmocka_unit_test(defaults_without_policy),
	    cmocka_unit_test(errors_name_line_and_field),
	    cmocka_unit_test(learn_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
