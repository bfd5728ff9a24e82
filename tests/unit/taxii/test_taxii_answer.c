#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxii/answer.h"

#define ID1 "indicator--11111111-1111-4111-8111-111111111111"
#define ID2 "indicator--22222222-2222-4222-8222-222222222222"
#define IND(id, mod, extra)                                                                        \
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" id "\","                      \
	"\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"" mod "\","                       \
	"\"pattern\":\"[domain-name:value = 'a.example']\",\"pattern_type\":\"stix\","             \
	"\"valid_from\":\"2024-01-01T00:00:00Z\"" extra "}"

static int env(const char *s, struct yg_taxii_envelope *e, char *err)
{
	return yg_taxii_envelope_parse((const uint8_t *)s, strlen(s), e, err, 200);
}

static int disc(const char *s, const char *base, char *root, char *err)
{
	return yg_taxii_parse_discovery((const uint8_t *)s, strlen(s), base, root, YG_TAXII_URL_MAX,
	                                err, 200);
}

static int colls(const char *s, struct yg_taxii_collections *c, char *err)
{
	return yg_taxii_parse_collections((const uint8_t *)s, strlen(s), c, err, 200);
}

static void discovery_roots(void **state)
{
	(void)state;
	char root[YG_TAXII_URL_MAX] = "", err[200] = "";
	/* The hub's own answer: a path on the same server. */
	assert_int_equal(
	    disc("{\"title\":\"t\",\"default\":\"/taxii2/api/\",\"api_roots\":[\"/taxii2/api/\"]}",
	         "http://127.0.0.1:8443", root, err),
	    0);
	assert_string_equal(root, "http://127.0.0.1:8443/taxii2/api/");
	/* No default: the first root; a missing slash is added. */
	assert_int_equal(disc("{\"api_roots\":[\"/r1\",\"/r2/\"]}", "https://h:1/pre", root, err),
	                 0);
	assert_string_equal(root, "https://h:1/r1/");
	/* Relative without a slash: under the discovery URL. */
	assert_int_equal(disc("{\"api_roots\":[\"api1/\"]}", "https://h", root, err), 0);
	assert_string_equal(root, "https://h/taxii2/api1/");
	/* Absolute on the same origin. */
	assert_int_equal(disc("{\"api_roots\":[\"https://H:1/x/\"]}", "https://h:1", root, err), 0);
	assert_string_equal(root, "https://H:1/x/");
	/* Absolute on another host and port (TAXII 2.1 4.1 allows it). */
	assert_int_equal(disc("{\"api_roots\":[\"https://o.example:9/r\"]}", "https://h:1", root,
			      err),
			 0);
	assert_string_equal(root, "https://o.example:9/r/");
	assert_int_equal(disc("{\"default\":\"http://127.0.0.1:81/api/\"}", "http://127.0.0.1:80",
			      root, err),
			 0);
	assert_string_equal(root, "http://127.0.0.1:81/api/");
}

static void discovery_refused(void **state)
{
	(void)state;
	char root[YG_TAXII_URL_MAX] = "keep", err[200] = "";
	/* Another host is fine, but never down from https to http. */
	assert_int_equal(
	    disc("{\"api_roots\":[\"http://other.example:81/x/\"]}", "https://h:1", root, err),
	    -EBADMSG);
	assert_non_null(strstr(err, "in clear"));
	assert_string_equal(root, "keep"); /* untouched on failure */
	assert_int_equal(disc("{\"api_roots\":[\"//evil/x/\"]}", "https://h", root, err), -EBADMSG);
	assert_non_null(strstr(err, "another host"));
	assert_int_equal(disc("{\"api_roots\":[\"ftp://h/x/\"]}", "https://h", root, err),
	                 -EBADMSG);
	assert_int_equal(disc("{\"title\":\"no roots\"}", "https://h", root, err), -EBADMSG);
	assert_non_null(strstr(err, "no API root"));
	assert_int_equal(disc("{\"api_roots\":\"/x/\"}", "https://h", root, err), -EBADMSG);
	assert_non_null(strstr(err, "api_roots is not a list"));
	assert_int_equal(disc("{\"api_roots\":[1]}", "https://h", root, err), -EBADMSG);
	assert_int_equal(disc("{\"default\":7,\"api_roots\":[\"/x/\"]}", "https://h", root, err),
	                 -EBADMSG);
	assert_int_equal(disc("{\"api_roots\":[\"/x y/\"]}", "https://h", root, err), -EBADMSG);
	assert_non_null(strstr(err, "not URL text"));
	assert_int_equal(disc("{\"api_roots\":[\"/x?a=1\"]}", "https://h", root, err), -EBADMSG);
	assert_int_equal(disc("[1]", "https://h", root, err), -EBADMSG);
	assert_non_null(strstr(err, "not a JSON object"));
	assert_int_equal(disc("{", "https://h", root, err), -EBADMSG);
	assert_non_null(strstr(err, "not JSON"));
	assert_string_equal(root, "keep");
}

static void collections_readable(void **state)
{
	(void)state;
	struct yg_taxii_collections c;
	char err[200] = "";
	assert_int_equal(
	    colls("{\"collections\":[{\"id\":\"a-1\",\"can_read\":true,\"can_write\":false},"
	          "{\"id\":\"b\",\"can_read\":false,\"can_write\":true},"
	          "{\"id\":\"c.2_~\",\"can_read\":true}]}",
	          &c, err),
	    0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.id[0], "a-1");
	assert_string_equal(c.id[1], "c.2_~");
	/* No collections: the key is left out. */
	assert_int_equal(colls("{}", &c, err), 0);
	assert_int_equal(c.n, 0);
}

static void collections_refused(void **state)
{
	(void)state;
	struct yg_taxii_collections c = {.n = 99};
	char err[200] = "";
	assert_int_equal(
	    colls("{\"collections\":[{\"id\":\"a/../b\",\"can_read\":true}]}", &c, err), -EBADMSG);
	assert_non_null(strstr(err, "entry 0"));
	assert_non_null(strstr(err, "unfit for a URL path"));
	assert_int_equal(colls("{\"collections\":[{\"id\":\"..\",\"can_read\":true}]}", &c, err),
	                 -EBADMSG);
	assert_int_equal(colls("{\"collections\":[{\"id\":\"a\",\"can_read\":true},{\"id\":\"b\","
	                       "\"can_read\":\"yes\"}]}",
	                       &c, err),
	                 -EBADMSG);
	assert_non_null(strstr(err, "entry 1 has no boolean can_read"));
	assert_int_equal(c.n, 99); /* checked whole before anything is kept */
	assert_int_equal(colls("{\"collections\":[7]}", &c, err), -EBADMSG);
	assert_non_null(strstr(err, "not an object"));
	assert_int_equal(colls("{\"collections\":{}}", &c, err), -EBADMSG);
	/* 64 is the cap; 65 is refused. */
	char *big = malloc(65 * 40 + 64);
	assert_non_null(big);
	size_t o = (size_t)sprintf(big, "{\"collections\":[");
	for (int i = 0; i < 65; i++)
		o += (size_t)snprintf(big + o, 40, "%s{\"id\":\"c%d\",\"can_read\":true}",
		                      i ? "," : "", i);
	snprintf(big + o, 4, "]}");
	assert_int_equal(colls(big, &c, err), -E2BIG);
	assert_non_null(strstr(err, "more than 64"));
	/* Cut the last entry: 64 pass. */
	char *last = strstr(big, ",{\"id\":\"c64\"");
	assert_non_null(last);
	snprintf(last, 4, "]}");
	assert_int_equal(colls(big, &c, err), 0);
	assert_int_equal(c.n, 64);
	assert_string_equal(c.id[63], "c63");
	free(big);
}

static void envelope_good(void **state)
{
	(void)state;
	struct yg_taxii_envelope e;
	char err[200] = "";
	const char *s = "{\"more\":true,\"next\":\"1732579200123456\",\"objects\":[" IND(
	    ID1, "2024-01-02T00:00:00.000Z",
	    ",\"name\":\"secret\",\"x_yagura_share_with\":[\"o\"]") ","
	                                                            "{\"type\":\"identity\",\"id\":"
	                                                            "\"identity--1\",\"name\":"
	                                                            "\"x\"},"
	                                                            "{\"type\":\"indicator\","
	                                                            "\"id\":\"" ID2
	                                                            "\",\"modified\":\"2024-01-"
	                                                            "03T00:00:00Z\","
	                                                            "\"revoked\":true}]}";
	assert_int_equal(env(s, &e, err), 0);
	assert_true(e.more);
	assert_string_equal(e.next, "1732579200123456");
	assert_int_equal(e.n, 2);
	assert_int_equal(e.skipped, 1);
	assert_string_equal(e.v[0].id, ID1);
	assert_string_equal(e.v[0].modified, "2024-01-02T00:00:00.000Z");
	assert_false(e.v[0].revoked);
	/* Minimal: the fields the loader reads and nothing of the submitter's. */
	assert_non_null(e.v[0].object);
	assert_int_equal(json_object_size(e.v[0].object), 8);
	assert_null(json_object_get(e.v[0].object, "name"));
	assert_null(json_object_get(e.v[0].object, "x_yagura_share_with"));
	assert_string_equal(json_string_value(json_object_get(e.v[0].object, "pattern")),
	                    "[domain-name:value = 'a.example']");
	assert_true(e.v[1].revoked);
	assert_null(e.v[1].object);
	assert_string_equal(e.v[1].id, ID2);
	yg_taxii_envelope_release(&e);
}

static void envelope_last_page_and_empty(void **state)
{
	(void)state;
	struct yg_taxii_envelope e;
	char err[200] = "";
	assert_int_equal(
	    env("{\"more\":false,\"objects\":[" IND(ID1, "2024-01-02T00:00:00Z", "") "]}", &e, err),
	    0);
	assert_false(e.more);
	assert_string_equal(e.next, "");
	assert_int_equal(e.n, 1);
	yg_taxii_envelope_release(&e);
	/* An empty page may leave out everything (section 3.7). */
	assert_int_equal(env("{}", &e, err), 0);
	assert_false(e.more);
	assert_int_equal(e.n, 0);
	yg_taxii_envelope_release(&e);
	/* Other pattern languages are skipped, not refused. */
	assert_int_equal(env("{\"objects\":[{\"type\":\"indicator\",\"id\":\"" ID1 "\","
	                     "\"modified\":\"2024-01-02T00:00:00Z\",\"pattern\":\"title: x\","
	                     "\"pattern_type\":\"sigma\"}]}",
	                     &e, err),
	                 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(e.skipped, 1);
	yg_taxii_envelope_release(&e);
}

static void envelope_refused(void **state)
{
	(void)state;
	static const struct {
		const char *body, *says;
	} cases[] = {
	    {"{\"more\":\"yes\"}", "more is not a boolean"},
	    {"{\"more\":true,\"next\":5}", "next is not short printable text"},
	    {"{\"more\":true,\"next\":\"a&b=c\"}", "next is not short printable text"},
	    {"{\"more\":true,\"next\":\"a b\"}", "next is not short printable text"},
	    {"{\"more\":true,\"next\":\"\"}", "next is not short printable text"},
	    {"{\"objects\":{}}", "objects is not a list"},
	    {"{\"objects\":[{\"id\":\"x\"}]}", "object 0 has no type"},
	    {"{\"objects\":[" IND(ID1, "2024-01-02T00:00:00Z", "") ",5]}", "object 1 has no type"},
	    {"{\"objects\":[" IND("indicator--a'b", "2024-01-02T00:00:00Z", "") "]}",
	     "indicator 0 has no good indicator id"},
	    {"{\"objects\":[" IND("malware--1", "2024-01-02T00:00:00Z", "") "]}",
	     "indicator 0 has no good indicator id"},
	    {"{\"objects\":[" IND(ID1, "yesterday", "") "]}",
	     "indicator 0 has no RFC 3339 modified"},
	    {"{\"objects\":[" IND(ID1, "2024-01-02T00:00:00+01:00", "") "]}",
	     "indicator 0 has no RFC 3339 modified"},
	    {"{\"objects\":[" IND(ID1, "2024-01-02T00:00:00Z", ",\"revoked\":1") "]}",
	     "revoked that is not a boolean"},
	    {"{\"objects\":[{\"type\":\"indicator\",\"id\":\"" ID1
	     "\",\"modified\":\"2024-01-02T00:00:00Z\"}]}",
	     "is live but has no pattern"},
	    {"{\"objects\":[" IND(ID1, "2024-01-02T00:00:00Z", ",\"valid_until\":5") "]}",
	     "valid_until that is not text"},
	    {"{\"objects\":[{\"type\":\"indicator\",\"id\":\"" ID1
	     "\",\"modified\":\"2024-01-02T00:00:00Z\",\"pattern\":\"x\",\"pattern_type\":[]}]}",
	     "pattern_type that is not text"},
	    {"{\"objects\":[], \"objects\":[]}", "not JSON"},
	    {"[1]", "not a JSON object"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct yg_taxii_envelope e = {.n = 77};
		char err[200] = "";
		int r = env(cases[i].body, &e, err);
		if (r != -EBADMSG || !strstr(err, cases[i].says))
			fail_msg("case %zu: r=%d err='%s', want '%s'", i, r, err, cases[i].says);
		assert_int_equal(e.n, 77); /* untouched */
	}
}

static void envelope_page_cap(void **state)
{
	(void)state;
	size_t n = YG_TAXII_PAGE_MAX + 1;
	char *s = malloc(n * 16 + 32);
	assert_non_null(s);
	size_t o = (size_t)sprintf(s, "{\"objects\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "%s{\"type\":\"x\"}", i ? "," : "");
	sprintf(s + o, "]}");
	struct yg_taxii_envelope e;
	char err[200] = "";
	assert_int_equal(env(s, &e, err), -E2BIG);
	assert_non_null(strstr(err, "more than 10000"));
	/* One fewer is a page of 10000 skipped objects. */
	char *last = strrchr(s, ',');
	sprintf(last, "]}");
	assert_int_equal(env(s, &e, err), 0);
	assert_int_equal(e.skipped, YG_TAXII_PAGE_MAX);
	assert_int_equal(e.n, 0);
	yg_taxii_envelope_release(&e);
	free(s);
}

static void header_and_times(void **state)
{
	(void)state;
	char t[YG_TAXII_TIME_MAX] = "none";
	const char *h = "x-taxii-date-added-last:  2026-11-25T10:00:00.123456Z\r\n";
	assert_int_equal(yg_taxii_header_added_last(h, strlen(h), t, sizeof t), 1);
	assert_string_equal(t, "2026-11-25T10:00:00.123456Z");
	const char *b1 = "X-TAXII-Date-Added-First: 2026-11-25T10:00:00Z\r\n";
	const char *b2 = "X-TAXII-Date-Added-Last: 2026-11-25 10:00:00Z\r\n";
	const char *b3 = "X-TAXII-Date-Added-Last: 2026-11-25T10:00:00Z&x=1\r\n";
	const char *b4 = "X-TAXII-Date-Added-Last:\r\n";
	strcpy(t, "keep");
	assert_int_equal(yg_taxii_header_added_last(b1, strlen(b1), t, sizeof t), 0);
	assert_int_equal(yg_taxii_header_added_last(b2, strlen(b2), t, sizeof t), 0);
	assert_int_equal(yg_taxii_header_added_last(b3, strlen(b3), t, sizeof t), 0);
	assert_int_equal(yg_taxii_header_added_last(b4, strlen(b4), t, sizeof t), 0);
	assert_string_equal(t, "keep");

	assert_true(yg_taxii_time_ok("2024-01-02T03:04:05Z"));
	assert_true(yg_taxii_time_ok("2024-01-02T03:04:05.1Z"));
	assert_false(yg_taxii_time_ok("2024-01-02T03:04:05.Z"));
	assert_false(yg_taxii_time_ok("2024-01-02T03:04:05"));
	assert_false(yg_taxii_time_ok("2024-01-02T03:04:05ZZ"));
	/* Fractions of different lengths compare by value, not as text. */
	assert_true(yg_taxii_time_cmp("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.5Z") < 0);
	assert_true(yg_taxii_time_cmp("2024-01-02T03:04:05.5Z", "2024-01-02T03:04:05.500Z") == 0);
	assert_true(yg_taxii_time_cmp("2024-01-02T03:04:05.51Z", "2024-01-02T03:04:05.5Z") > 0);
	assert_true(yg_taxii_time_cmp("2024-01-02T03:04:06Z", "2024-01-02T03:04:05.999Z") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(discovery_roots),      cmocka_unit_test(discovery_refused),
	    cmocka_unit_test(collections_readable), cmocka_unit_test(collections_refused),
	    cmocka_unit_test(envelope_good),        cmocka_unit_test(envelope_last_page_and_empty),
	    cmocka_unit_test(envelope_refused),     cmocka_unit_test(envelope_page_cap),
	    cmocka_unit_test(header_and_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
