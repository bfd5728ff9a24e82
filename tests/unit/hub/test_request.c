#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hub/auth.h"
#include "hub/filter.h"
#include "hub/route.h"

#define COLL "0b6f8a2e-3c1d-4e5f-8a7b-9c0d1e2f3a4b"
#define OBJ  "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"

static struct yg_route route(const char *p)
{
	struct yg_route r;
	yg_route_parse(p, strlen(p), &r);
	return r;
}

static void routes(void **state)
{
	(void)state;
	assert_int_equal(route("/taxii2/").kind, YG_ROUTE_DISCOVERY);
	assert_int_equal(route("/taxii2").kind, YG_ROUTE_DISCOVERY);
	assert_int_equal(route("/taxii2/api/").kind, YG_ROUTE_API_ROOT);
	assert_int_equal(route("/taxii2/api/collections/").kind, YG_ROUTE_COLLECTIONS);
	struct yg_route r = route("/taxii2/api/collections/" COLL "/objects/" OBJ "/versions/");
	assert_int_equal(r.kind, YG_ROUTE_VERSIONS);
	assert_string_equal(r.uuid, COLL);
	assert_string_equal(r.object_id, OBJ);
	assert_int_equal(route("/taxii2/api/collections/" COLL "/manifest/").kind, YG_ROUTE_MANIFEST);
	r = route("/taxii2/api/status/" COLL "/");
	assert_int_equal(r.kind, YG_ROUTE_STATUS);
	assert_string_equal(r.uuid, COLL);
	assert_int_equal(route("/healthz").kind, YG_ROUTE_HEALTHZ);
}

static void bad_paths_not_found(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "taxii2/", "/taxii2//api/", "/taxii2/api/collections/../",
		"/taxii2/api/collections/" COLL "/objects/../../../etc/passwd",
		"/taxii2/api/collections/x' OR 1=1/objects/", "/taxii2/api/collections/" COLL "/objects/" OBJ "/x/",
		"/taxii2/api/collections/" COLL "/objects/indicator--1/",
		"/taxii2/api/collections/" COLL "/objects/./", "/etc/passwd", "/taxii2/api/status/",
		"/taxii2/api/collections/" COLL "/manifest/x/", "/a/b/c/d/e/f/g/h/i/j/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct yg_route r = route(bad[i]);
		assert_int_equal(r.kind, YG_ROUTE_NOT_FOUND);
		assert_string_equal(r.object_id, "");
	}
	struct yg_route r;
	yg_route_parse("/taxii2/\0/", 10, &r);
	assert_int_equal(r.kind, YG_ROUTE_NOT_FOUND);
}

static void media_types(void **state)
{
	(void)state;
	assert_true(yg_taxii_accept_ok(NULL));
	assert_true(yg_taxii_accept_ok("application/taxii+json;version=2.1"));
	assert_true(yg_taxii_accept_ok("application/taxii+json; version=\"2.1\""));
	assert_true(yg_taxii_accept_ok("text/html, application/taxii+json"));
	assert_true(yg_taxii_accept_ok("*/*"));
	assert_false(yg_taxii_accept_ok("application/taxii+json;version=2.0"));
	assert_false(yg_taxii_accept_ok("text/html"));
	assert_false(yg_taxii_accept_ok("application/json"));
	assert_true(yg_taxii_content_type_ok("application/taxii+json;version=2.1"));
	assert_true(yg_taxii_content_type_ok("APPLICATION/TAXII+JSON"));
	assert_false(yg_taxii_content_type_ok("application/json"));
	assert_false(yg_taxii_content_type_ok("*/*"));
	assert_false(yg_taxii_content_type_ok(NULL));
}

static void rest_routes(void **state)
{
	(void)state;
	assert_int_equal(route("/api/v1/whoami").kind, YG_ROUTE_REST_WHOAMI);
	assert_int_equal(route("/api/v1/whoami/").kind, YG_ROUTE_REST_WHOAMI);
	assert_int_equal(route("/api/v1/orgs").kind, YG_ROUTE_REST_ORGS);
	assert_int_equal(route("/api/v1/collections/").kind, YG_ROUTE_REST_COLLECTIONS);
	struct yg_route r = route("/api/v1/orgs/Kyoto Water");
	assert_int_equal(r.kind, YG_ROUTE_REST_ORG);
	assert_string_equal(r.object_id, "Kyoto Water");
	r = route("/api/v1/orgs/identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/");
	assert_int_equal(r.kind, YG_ROUTE_REST_ORG);
	assert_string_equal(r.object_id, "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
	/* Unknown resources under /api/v1/ are the REST API's 404 (JSON). */
	const char *rest404[] = {"/api/v1", "/api/v1/", "/api/v1/nothing", "/api/v1/orgs/A/x",
				 "/api/v1/whoami/x"};
	for (size_t i = 0; i < sizeof rest404 / sizeof rest404[0]; i++)
		assert_int_equal(route(rest404[i]).kind, YG_ROUTE_REST_NOT_FOUND);
	const char *none[] = {"/api/v1/orgs/..", "/api/v1//whoami", "/api/v2/whoami", "/api",
			      "/api/v1/orgs/./"};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		assert_int_equal(route(none[i]).kind, YG_ROUTE_NOT_FOUND);
	char longname[400];
	memset(longname, 'a', sizeof longname);
	memcpy(longname, "/api/v1/orgs/", 13);
	yg_route_parse(longname, sizeof longname, &r);
	assert_int_equal(r.kind, YG_ROUTE_REST_NOT_FOUND);
	assert_string_equal(r.object_id, "");
	assert_true(yg_route_is_rest(YG_ROUTE_REST_WHOAMI));
	assert_true(yg_route_is_rest(YG_ROUTE_REST_NOT_FOUND));
	assert_false(yg_route_is_rest(YG_ROUTE_OBJECTS));
	assert_true(yg_route_is_rest(YG_ROUTE_REST_LEVEL_SIGNALS));
	assert_true(yg_route_is_rest(YG_ROUTE_REST_EVENTS));
	assert_true(yg_route_is_rest(YG_ROUTE_REST_HOSTS));
	assert_true(yg_route_is_rest(YG_ROUTE_REST_BEACONS));
	assert_false(yg_route_is_rest(YG_ROUTE_NOT_FOUND));

	assert_true(yg_rest_accept_ok(NULL));
	assert_true(yg_rest_accept_ok("application/json"));
	assert_true(yg_rest_accept_ok("Application/JSON; charset=utf-8"));
	assert_true(yg_rest_accept_ok("text/html, application/json;q=0.1"));
	assert_true(yg_rest_accept_ok("*/*"));
	assert_true(yg_rest_accept_ok("application/*"));
	assert_false(yg_rest_accept_ok("application/taxii+json;version=2.1"));
	assert_false(yg_rest_accept_ok("application/jsonx"));
	assert_false(yg_rest_accept_ok("text/*"));
	assert_false(yg_rest_accept_ok(""));
}

static void filters(void **state)
{
	(void)state;
	struct yg_kv args[] = {
		{"added_after", "2024-01-01T00:00:00.5Z"},
		{"limit", "5000"},
		{"match[id]", OBJ ",malware--0b6f8a2e-3c1d-4e5f-8a7b-9c0d1e2f3a4b"},
		{"match[type]", "indicator"},
		{"match[version]", "first,2024-02-01T00:00:00Z"},
		{"unknown", "ignored"},
	};
	struct yg_taxii_filter f;
	char err[128];
	assert_int_equal(yg_taxii_filter_parse(args, 6, &f, err, sizeof err), 0);
	assert_int_equal(f.added_after_us, 1704067200500000LL);
	assert_int_equal(f.limit, YG_TAXII_LIMIT_MAX);
	assert_int_equal(f.n_ids, 2);
	assert_string_equal(f.ids[1], "malware--0b6f8a2e-3c1d-4e5f-8a7b-9c0d1e2f3a4b");
	assert_int_equal(f.n_types, 1);
	assert_int_equal(f.version_flags, YG_VER_FIRST);
	assert_int_equal(f.n_versions, 1);
	assert_int_equal(f.versions_us[0], 1706745600000000LL);
	yg_taxii_filter_release(&f);

	/* next is a cursor that works as added_after; the later one wins. */
	struct yg_kv nx[] = {{"next", "1704067200600000"}, {"added_after", "2024-01-01T00:00:00Z"}};
	assert_int_equal(yg_taxii_filter_parse(nx, 2, &f, err, sizeof err), 0);
	assert_int_equal(f.added_after_us, 1704067200600000LL);
	assert_int_equal(f.limit, YG_TAXII_LIMIT_DEFAULT);
	yg_taxii_filter_release(&f);

	const struct yg_kv bad[] = {{"limit", "0"},          {"limit", "-3"},
				    {"limit", "1e3"},        {"added_after", "yesterday"},
				    {"next", "12ab"},        {"match[version]", "newest"},
				    {"match[type]", "a,,b"}, {"match[id]", ""},
				    /* values that can never name an object: 400, not an empty page */
				    {"match[id]", "indicator--x"},
				    {"match[id]", OBJ "' OR 1=1 --"},
				    {"match[type]", "indicator' OR '1'='1"},
				    {"match[type]", "Indicator"},
				    {"match[spec_version]", "2.1; DROP TABLE objects"},
				    {"match[spec_version]", "2."},
				    {"added_after", "2024-01-01T00:00:00Z' --"}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(yg_taxii_filter_parse(&bad[i], 1, &f, err, sizeof err), -EINVAL);
		assert_non_null(strstr(err, bad[i].key));
		yg_taxii_filter_release(&f);
	}
	char many[1024] = "aaa";
	for (int i = 0; i < 101; i++)
		strcat(many, ",aaa");
	struct yg_kv big = {"match[type]", many};
	assert_int_equal(yg_taxii_filter_parse(&big, 1, &f, err, sizeof err), -E2BIG);
	yg_taxii_filter_release(&f);
	struct yg_kv sv[] = {{"match[spec_version]", "2.0,2.1"}};
	assert_int_equal(yg_taxii_filter_parse(sv, 1, &f, err, sizeof err), 0);
	assert_int_equal(f.n_spec_versions, 2);
	assert_string_equal(f.spec_versions[1], "2.1");
	yg_taxii_filter_release(&f);
}

static void bearer_and_tokens(void **state)
{
	(void)state;
	const char *t;
	size_t n;
	assert_int_equal(yg_auth_bearer("Bearer abc", &t, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(t, "abc", 3);
	assert_int_equal(yg_auth_bearer("bearer   abc  ", &t, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(yg_auth_bearer("Basic abc", &t, &n), -EINVAL);
	assert_int_equal(yg_auth_bearer("Bearer a b", &t, &n), -EINVAL);
	assert_int_equal(yg_auth_bearer("Bearer ", &t, &n), -EINVAL);
	assert_int_equal(yg_auth_bearer(NULL, &t, &n), -EINVAL);

	char tok[YG_TOKEN_HEX_LEN + 1], pub[YG_TOKEN_PUBID_LEN + 1], pub2[YG_TOKEN_PUBID_LEN + 1];
	uint8_t h1[YG_TOKEN_HASH_LEN], h2[YG_TOKEN_HASH_LEN];
	assert_int_equal(yg_auth_token_new(tok, h1, pub), 0);
	assert_int_equal(strlen(tok), 64);
	assert_true(yg_auth_token_shaped(tok, 64));
	assert_int_equal(yg_auth_token_hash(tok, 64, h2), 0);
	assert_memory_equal(h1, h2, sizeof h1);
	yg_auth_public_id(h2, pub2);
	assert_string_equal(pub, pub2);
	/* SHA-256("abc") starts ba7816bf8f01. */
	assert_int_equal(yg_auth_token_hash("abc", 3, h2), 0);
	yg_auth_public_id(h2, pub2);
	assert_string_equal(pub2, "ba7816bf8f01");
	/* Basic: the password is the token; the user name is free. */
	char buf[YG_AUTH_BASIC_MAX];
	const char *u, *pw;
	size_t ul, pl;
	/* "member:s3cret" */
	assert_int_equal(yg_auth_basic("Basic bWVtYmVyOnMzY3JldA==", buf, &u, &ul, &pw, &pl), 0);
	assert_int_equal(ul, 6);
	assert_memory_equal(u, "member", 6);
	assert_int_equal(pl, 6);
	assert_memory_equal(pw, "s3cret", 6);
	/* ":abc" (empty user), one '=' of padding, lower-case scheme. */
	assert_int_equal(yg_auth_basic("basic  OmFiYw== ", buf, &u, &ul, &pw, &pl), 0);
	assert_int_equal(ul, 0);
	assert_int_equal(pl, 3);
	assert_memory_equal(pw, "abc", 3);
	/* "a:bc" needs one pad; "ab:c" none... "a:b" has two. */
	assert_int_equal(yg_auth_basic("Basic YTpi", buf, &u, &ul, &pw, &pl), 0);
	assert_int_equal(pl, 1);
	assert_int_equal(yg_auth_basic("Basic YTo=", buf, &u, &ul, &pw, &pl), 0);
	assert_int_equal(pl, 0);
	const char *bad_basic[] = {
		"Basic", "Basic ", "Basic bWVtYmVy",          /* no colon ("member") */
		"Basic bWVtYmVyOnMzY3JldA=",                  /* not whole quads */
		"Basic bWVt=mVyOnMzY3JldA==",                 /* '=' inside */
		"Basic bWVtYmVyOnMzY3JldA==x", "Basic bWV0*mVy", /* bad alphabet */
		"Basic YQBiOmM=",                             /* a NUL inside ("a\0b:c") */
		"Bearer bWVtYmVyOnMzY3JldA==", "Basicx YTpi", NULL,
	};
	for (size_t i = 0; i < sizeof bad_basic / sizeof bad_basic[0]; i++)
		assert_int_equal(yg_auth_basic(bad_basic[i], buf, &u, &ul, &pw, &pl), -EINVAL);
	char big[YG_AUTH_BASIC_MAX + 16];
	memcpy(big, "Basic ", 6);
	memset(big + 6, 'Q', sizeof big - 7);
	big[sizeof big - 1] = '\0';
	assert_int_equal(yg_auth_basic(big, buf, &u, &ul, &pw, &pl), -E2BIG);
	enum yg_auth_scheme sch;
	assert_int_equal(yg_auth_token_of("Bearer abc", buf, &t, &n, &sch), 0);
	assert_int_equal(sch, YG_AUTH_BEARER);
	assert_int_equal(yg_auth_token_of("Basic bWVtYmVyOnMzY3JldA==", buf, &t, &n, &sch), 0);
	assert_int_equal(sch, YG_AUTH_BASIC);
	assert_int_equal(n, 6);
	assert_memory_equal(t, "s3cret", 6);
	assert_int_equal(yg_auth_token_of("Digest x", buf, &t, &n, &sch), -EINVAL);
	assert_int_equal(sch, YG_AUTH_NONE);

	enum yg_role role;
	assert_int_equal(yg_role_parse("sensor", &role), 0);
	assert_int_equal(role, YG_ROLE_SENSOR);
	assert_int_equal(yg_role_parse("root", &role), -EINVAL);
}

/* Every segment count from 0 to past the maximum (8), with and without a
 * trailing '/', under each prefix; the parser is handed a copy of exactly
 * the path's bytes in a fresh heap block, so ASan and valgrind see any read
 * of a segment that was never parsed. */
static struct yg_route route_exact(const char *p)
{
	size_t n = strlen(p);
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, p, n);
	struct yg_route r;
	memset(&r, 0xA5, sizeof r); /* the parser must overwrite everything */
	yg_route_parse(copy, n, &r);
	free(copy);
	return r;
}

static void route_boundaries(void **state)
{
	(void)state;
	struct {
		const char *path;
		enum yg_route_kind kind;
	} cases[] = {
		{"", YG_ROUTE_NOT_FOUND},
		{"/", YG_ROUTE_WEB_FILE}, /* the dashboard (web_static.h) */
		{"/api", YG_ROUTE_NOT_FOUND},
		{"/api/", YG_ROUTE_NOT_FOUND},
		{"/api/v1", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v2", YG_ROUTE_NOT_FOUND},
		{"/api/v1/whoami", YG_ROUTE_REST_WHOAMI},
		{"/api/v1/whoami/", YG_ROUTE_REST_WHOAMI},
		{"/api/v1/mail", YG_ROUTE_REST_MAIL},
		{"/api/v1/mail/", YG_ROUTE_REST_MAIL},
		{"/api/v1/mail/" COLL, YG_ROUTE_REST_MAIL_ONE},
		{"/api/v1/mail/" COLL "/original/", YG_ROUTE_REST_MAIL_ORIGINAL},
		{"/api/v1/mail/" COLL "/original/x", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/campaigns/", YG_ROUTE_REST_CAMPAIGNS},
		{"/api/v1/campaigns/" OBJ, YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/notifications/x", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/indicators/changes/", YG_ROUTE_REST_CHANGES},
		{"/api/v1/indicators/" OBJ "/sightings", YG_ROUTE_REST_IND_SIGHTINGS},
		{"/api/v1/indicators/" OBJ "/sightings/", YG_ROUTE_REST_IND_SIGHTINGS},
		{"/api/v1/export/rpz", YG_ROUTE_REST_EXPORT},
		{"/api/v1/export/misp/manifest.json", YG_ROUTE_REST_EXPORT_MISP},
		{"/api/v1/export/misp/hashes.csv", YG_ROUTE_REST_EXPORT_MISP},
		{"/api/v1/export/misp/" COLL ".json", YG_ROUTE_REST_EXPORT_MISP},
		{"/api/v1/export/misp/a/b", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/export/other/manifest.json", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/level", YG_ROUTE_REST_LEVEL},
		{"/api/v1/level/", YG_ROUTE_REST_LEVEL},
		{"/api/v1/level/history", YG_ROUTE_REST_LEVEL_HISTORY},
		{"/api/v1/level/set", YG_ROUTE_REST_LEVEL_SET},
		{"/api/v1/level/confirm/", YG_ROUTE_REST_LEVEL_CONFIRM},
		{"/api/v1/level/reject", YG_ROUTE_REST_LEVEL_REJECT},
		{"/api/v1/level/signals", YG_ROUTE_REST_LEVEL_SIGNALS},
		{"/api/v1/level/x", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/level/set/x", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/events", YG_ROUTE_REST_EVENTS},
		{"/api/v1/events/x", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/hosts", YG_ROUTE_REST_HOSTS},
		{"/api/v1/hosts/stats/", YG_ROUTE_REST_HOSTS_STATS},
		{"/api/v1/hosts/notices", YG_ROUTE_REST_HOSTS_NOTICES},
		{"/api/v1/hosts/notify", YG_ROUTE_REST_HOSTS_NOTIFY},
		{"/api/v1/hosts/42/state", YG_ROUTE_REST_HOST_STATE},
		{"/api/v1/hosts/042/state", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/hosts/4x/state", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/hosts/1234567890123456789/state", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/hosts/42", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/beacons/", YG_ROUTE_REST_BEACONS},
		{"/api/v1/beacons/x", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/a/b/c/d/e/f", YG_ROUTE_REST_NOT_FOUND},   /* 8 segments */
		{"/api/v1/a/b/c/d/e/f/", YG_ROUTE_REST_NOT_FOUND},  /* 8 and a slash */
		{"/api/v1/a/b/c/d/e/f/g", YG_ROUTE_NOT_FOUND},      /* 9: too many */
		{"/api/v1/a/b/c/d/e/f/g/", YG_ROUTE_NOT_FOUND},
		{"/taxii2", YG_ROUTE_DISCOVERY},
		{"/taxii2/", YG_ROUTE_DISCOVERY},
		{"/taxii2/api", YG_ROUTE_API_ROOT},
		{"/taxii2/x", YG_ROUTE_NOT_FOUND},
		{"/taxii2/api/status", YG_ROUTE_NOT_FOUND},
		{"/taxii2/api/collections", YG_ROUTE_COLLECTIONS},
		{"/taxii2/api/collections/" COLL, YG_ROUTE_COLLECTION},
		{"/taxii2/api/collections/" COLL "/objects", YG_ROUTE_OBJECTS},
		{"/taxii2/api/collections/" COLL "/objects/" OBJ, YG_ROUTE_OBJECT},
		{"/taxii2/api/collections/" COLL "/objects/" OBJ "/versions", YG_ROUTE_VERSIONS},
		{"/taxii2/api/collections/" COLL "/objects/" OBJ "/versions/x", YG_ROUTE_NOT_FOUND},
		{"/taxii2/api/collections/" COLL "/x", YG_ROUTE_NOT_FOUND},
		{"/healthz/", YG_ROUTE_HEALTHZ},
		{"/healthz/x", YG_ROUTE_NOT_FOUND},
		{"/metrics", YG_ROUTE_METRICS},
		{"/a/b/c/d/e/f/g/h", YG_ROUTE_NOT_FOUND},
		{"/a/b/c/d/e/f/g/h/i", YG_ROUTE_NOT_FOUND},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct yg_route r = route_exact(cases[i].path);
		if (r.kind != cases[i].kind)
			fail_msg("%s: kind %d, want %d", cases[i].path, r.kind, cases[i].kind);
		bool has_id = cases[i].kind == YG_ROUTE_OBJECT || cases[i].kind == YG_ROUTE_VERSIONS ||
			      cases[i].kind == YG_ROUTE_REST_IND_SIGHTINGS ||
			      cases[i].kind == YG_ROUTE_REST_EXPORT ||
			      cases[i].kind == YG_ROUTE_REST_EXPORT_MISP ||
			      cases[i].kind == YG_ROUTE_REST_HOST_STATE;
		if (!has_id)
			assert_string_equal(r.object_id, "");
		assert_true(memchr(r.uuid, '\0', sizeof r.uuid) != NULL);
		assert_true(memchr(r.object_id, '\0', sizeof r.object_id) != NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(routes),       cmocka_unit_test(bad_paths_not_found),
		cmocka_unit_test(media_types),  cmocka_unit_test(filters),
		cmocka_unit_test(bearer_and_tokens), cmocka_unit_test(rest_routes), cmocka_unit_test(route_boundaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
