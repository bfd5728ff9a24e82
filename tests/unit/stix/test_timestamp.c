#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "stix/timestamp.h"

static bool ms(const char *s, int64_t *v)
{
	return yg_stix_timestamp_parse(s, strlen(s), v);
}

static void parses_valid_timestamps(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_true(ms("1970-01-01T00:00:00Z", &v));
	assert_int_equal(v, 0);
	assert_true(ms("2016-04-06T20:03:48.123Z", &v));
	assert_int_equal(v, 1459973028123LL);
	assert_true(ms("2016-04-06T20:03:48.1239999Z", &v)); /* truncated, not rounded */
	assert_int_equal(v, 1459973028123LL);
	assert_true(ms("2016-02-29T00:00:00Z", &v)); /* leap year */
	assert_int_equal(v, 1456704000000LL);
	assert_true(ms("2000-02-29T00:00:00Z", &v)); /* 400-year leap */
	assert_true(ms("1969-12-31T23:59:59.999Z", &v));
	assert_int_equal(v, -1);
	assert_true(ms("0000-01-01T00:00:00Z", &v));
	assert_int_equal(v, -62167219200000LL);
	assert_true(ms("9999-12-31T23:59:59.999Z", &v));
	assert_int_equal(v, 253402300799999LL);
	assert_true(ms("2016-12-31T23:59:60Z", &v)); /* leap second: next second */
	assert_int_equal(v, 1483228800000LL);

	struct yg_stix_time a, b;
	assert_true(yg_stix_timestamp_parse_precise("2016-01-01T00:00:00.0000001Z", 28, &a));
	assert_int_equal(a.nsec, 100);
	assert_true(yg_stix_timestamp_parse_precise("2016-01-01T00:00:00Z", 20, &b));
	assert_true(yg_stix_time_cmp(&a, &b) > 0);
	assert_true(yg_stix_time_cmp(&b, &a) < 0);
	assert_int_equal(yg_stix_time_cmp(&a, &a), 0);

	assert_int_equal(yg_stix_timestamp_fraction_digits("2016-01-01T00:00:00.123Z", 24), 3);
	assert_int_equal(yg_stix_timestamp_fraction_digits("2016-01-01T00:00:00Z", 20), 0);
	/* The length is honoured: no NUL needed. */
	assert_true(yg_stix_timestamp_parse("2016-01-01T00:00:00Zjunk", 20, &v));
}

static void rejects_invalid_timestamps(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "2016-01-01",
	    "2016-01-01T00:00:00",
	    "2016-01-01T00:00:00z",
	    "2016-01-01t00:00:00Z",
	    "2016-01-01 00:00:00Z",
	    "2016-01-01T00:00:00+00:00",
	    "2016-01-01T00:00:00.Z",
	    "2016-01-01T00:00:00.123",
	    "2016-01-01T00:00:00ZZ",
	    "2016-13-01T00:00:00Z",
	    "2016-00-01T00:00:00Z",
	    "2016-01-00T00:00:00Z",
	    "2015-02-29T00:00:00Z",
	    "1900-02-29T00:00:00Z",
	    "2016-04-31T00:00:00Z",
	    "2016-01-01T24:00:00Z",
	    "2016-01-01T00:60:00Z",
	    "2016-01-01T00:00:61Z",
	    "16-01-01T00:00:00Z",
	    "2016-1-01T00:00:00Z",
	    "+2016-01-01T00:00:00Z",
	    "2016-01-01T00:00:0aZ",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t v = 77;
		if (ms(bad[i], &v))
			print_error("accepted '%s'\n", bad[i]);
		assert_false(ms(bad[i], &v));
		assert_int_equal(v, 77); /* untouched */
	}
	int64_t v;
	assert_false(yg_stix_timestamp_parse(NULL, 0, &v));
}

static void formats_round_trip(void **state)
{
	(void)state;
	char buf[YG_STIX_TIMESTAMP_LEN + 1];
	assert_int_equal(yg_stix_timestamp_format(1459973028123LL, buf, sizeof buf), 0);
	assert_string_equal(buf, "2016-04-06T20:03:48.123Z");
	assert_int_equal(yg_stix_timestamp_format(-1, buf, sizeof buf), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	assert_int_equal(yg_stix_timestamp_format(-62167219200000LL, buf, sizeof buf), 0);
	assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
	assert_int_equal(yg_stix_timestamp_format(-62167219200001LL, buf, sizeof buf), -ERANGE);
	assert_int_equal(yg_stix_timestamp_format(253402300800000LL, buf, sizeof buf), -ERANGE);
	assert_int_equal(yg_stix_timestamp_format(0, buf, sizeof buf - 1), -ENOBUFS);
	/* Every day boundary over a few leap cycles survives format + parse. */
	for (int64_t t = 946684800000LL - 86400000LL * 3000; t < 946684800000LL + 86400000LL * 3000;
	     t += 86400000LL + 1234) {
		int64_t back = 0;
		assert_int_equal(yg_stix_timestamp_format(t, buf, sizeof buf), 0);
		assert_true(yg_stix_timestamp_parse(buf, YG_STIX_TIMESTAMP_LEN, &back));
		assert_int_equal(back, t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_valid_timestamps),
	    cmocka_unit_test(rejects_invalid_timestamps),
	    cmocka_unit_test(formats_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
