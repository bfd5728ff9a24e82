#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sensor/hub_changes.h"

#define ID1 "indicator--11111111-1111-4111-8111-111111111111"
#define ID2 "indicator--22222222-2222-4222-8222-222222222222"
#define OBJ1                                                                                       \
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" ID1 "\","                     \
	"\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","      \
	"\"pattern\":\"[domain-name:value = 'a.example']\",\"pattern_type\":\"stix\","             \
	"\"valid_from\":\"2024-01-01T00:00:00Z\"}"

static int parse(const char *s, struct yg_changes *c, char *err)
{
	return yg_changes_parse((const uint8_t *)s, strlen(s), c, err, 200);
}

static void good_answer(void **state)
{
	(void)state;
	struct yg_changes c;
	char err[200] = "";
	const char *s = "{\"cursor\":\"42:7\",\"reset\":false,\"more\":true,\"changes\":["
	                "{\"op\":\"upsert\",\"id\":\"" ID1 "\",\"object\":" OBJ1 "},"
	                "{\"op\":\"remove\",\"id\":\"" ID2 "\",\"reason\":\"revoked\"}]}";
	assert_int_equal(parse(s, &c, err), 0);
	assert_string_equal(c.cursor, "42:7");
	assert_false(c.reset);
	assert_true(c.more);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.v[0].op, YG_CHANGE_UPSERT);
	assert_string_equal(c.v[0].id, ID1);
	assert_string_equal(json_string_value(json_object_get(c.v[0].object, "pattern")),
	                    "[domain-name:value = 'a.example']");
	assert_int_equal(c.v[1].op, YG_CHANGE_REMOVE);
	assert_string_equal(c.v[1].id, ID2);
	assert_string_equal(c.v[1].reason, "revoked");
	assert_null(c.v[1].object);
	yg_changes_release(&c);

	/* reset/more may be left out; an empty list is fine. */
	assert_int_equal(parse("{\"cursor\":\"9\",\"changes\":[]}", &c, err), 0);
	assert_false(c.reset);
	assert_false(c.more);
	assert_int_equal(c.n, 0);
	yg_changes_release(&c);
}

static void malformed_answers(void **state)
{
	(void)state;
	const char *bad[] = {
	    "",
	    "not json",
	    "[]",
	    "{\"changes\":[]}",                    /* no cursor */
	    "{\"cursor\":\"\",\"changes\":[]}",    /* empty cursor */
	    "{\"cursor\":\"a b\",\"changes\":[]}", /* space in cursor */
	    "{\"cursor\":7,\"changes\":[]}",
	    "{\"cursor\":\"1\"}", /* no list */
	    "{\"cursor\":\"1\",\"changes\":{}}",
	    "{\"cursor\":\"1\",\"reset\":\"yes\",\"changes\":[]}",
	    "{\"cursor\":\"1\",\"changes\":[1]}",
	    "{\"cursor\":\"1\",\"changes\":[{\"op\":\"upsert\",\"id\":\"" ID1 "\"}]}",
	    "{\"cursor\":\"1\",\"changes\":[{\"op\":\"upsert\",\"id\":\"" ID2 "\",\"object\":" OBJ1
	    "}]}",
	    "{\"cursor\":\"1\",\"changes\":[{\"op\":\"drop\",\"id\":\"" ID1 "\"}]}",
	    "{\"cursor\":\"1\",\"changes\":[{\"op\":\"remove\",\"id\":\"malware--1\"}]}",
	    "{\"cursor\":\"1\",\"changes\":[{\"op\":\"remove\",\"id\":\"indicator--a'b\"}]}",
	    "{\"cursor\":\"1\",\"changes\":[{\"op\":\"remove\",\"id\":\"" ID1 "\",\"reason\":3}]}",
	    "{\"cursor\":\"1\",\"cursor\":\"2\",\"changes\":[]}", /* duplicate key */
	    /* one good change and one bad: the whole answer is refused */
	    "{\"cursor\":\"1\",\"changes\":[{\"op\":\"remove\",\"id\":\"" ID1 "\"},{\"op\":1}]}",
	};
	for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct yg_changes c;
		char err[200] = "";
		assert_int_equal(parse(bad[i], &c, err), -EBADMSG);
		assert_true(err[0] != '\0');
	}
}

static void long_cursor_refused(void **state)
{
	(void)state;
	char s[600];
	char cur[300];
	memset(cur, 'c', sizeof cur - 1);
	cur[sizeof cur - 1] = 0;
	snprintf(s, sizeof s, "{\"cursor\":\"%s\",\"changes\":[]}", cur);
	struct yg_changes c;
	char err[200];
	assert_int_equal(parse(s, &c, err), -EBADMSG);
	assert_non_null(strstr(err, "cursor"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(good_answer),
	    cmocka_unit_test(malformed_answers),
	    cmocka_unit_test(long_cursor_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
