#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char p[128];
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static void migrations_versioned(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_store_sqlite_open(dir, &st), 0);
	int v = -1;
	assert_int_equal(yg_store_sqlite_schema_version(st, &v), 0);
	assert_int_equal(v, YG_STORE_SCHEMA_VERSION);
	int64_t id = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", "JP", "identity--a", &id), 0);
	yg_store_close(st);
	/* Reopening keeps data and version. */
	assert_int_equal(yg_store_sqlite_open(dir, &st), 0);
	struct yg_org o;
	assert_int_equal(st->ops->org_find(st, "A", &o), 0);
	assert_int_equal(o.id, id);
	yg_store_close(st);
	/* A schema newer than this build is refused. */
	char p[128];
	sqlite3 *db;
	snprintf(p, sizeof p, "%s/hub.db", dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", 0, 0, 0), 0);
	sqlite3_close(db);
	st = NULL;
	assert_int_equal(yg_store_sqlite_open(dir, &st), -EPROTO);
	assert_null(st);
}

static const char *evil = "x'); DROP TABLE organizations; -- \"%_\\";

static int count_orgs(void *ud, const struct yg_org *o)
{
	(void)o;
	(*(int *)ud)++;
	return 1;
}

static void metacharacters_round_trip(void **state)
{
	(void)state;
	struct yg_store *st;
	assert_int_equal(yg_store_sqlite_open(dir, &st), 0);
	int64_t id;
	assert_int_equal(st->ops->org_add(st, evil, evil, "", "identity--e", &id), 0);
	assert_int_equal(st->ops->org_add(st, "B", "b", NULL, "identity--b", NULL), 0);
	struct yg_org o;
	assert_int_equal(st->ops->org_find(st, evil, &o), 0);
	assert_string_equal(o.name, evil);
	assert_string_equal(o.sector, evil);
	assert_int_equal(st->ops->org_find(st, "identity--e", &o), 0);
	assert_int_equal(o.id, id);
	assert_int_equal(st->ops->org_find(st, "x' OR '1'='1", &o), -ENOENT);
	assert_int_equal(st->ops->org_add(st, evil, "s", "", "identity--z", NULL), -EEXIST);
	int n = 0;
	assert_int_equal(st->ops->org_list(st, count_orgs, &n), 0);
	assert_int_equal(n, 2);
	char *v = NULL;
	assert_int_equal(st->ops->setting_set(st, evil, evil), 0);
	assert_int_equal(st->ops->setting_get(st, evil, &v), 0);
	assert_string_equal(v, evil);
	free(v);
	assert_int_equal(st->ops->audit(st, id, evil, evil, evil), 0);
	int64_t a = 0;
	assert_int_equal(st->ops->audit_count(st, &a), 0);
	assert_int_equal(a, 1);
	yg_store_close(st);
}

static void tokens(void **state)
{
	(void)state;
	struct yg_store *st;
	assert_int_equal(yg_store_sqlite_open(dir, &st), 0);
	int64_t org;
	assert_int_equal(st->ops->org_add(st, "A", "x", "", "identity--a", &org), 0);
	uint8_t h1[32], h2[32];
	memset(h1, 1, 32);
	memset(h2, 2, 32);
	assert_int_equal(st->ops->token_add(st, h1, "abcdef000001", org, YG_ROLE_ADMIN, NULL), 0);
	assert_int_equal(st->ops->token_add(st, h2, "abcdef000002", org, YG_ROLE_READER, NULL), 0);
	assert_int_equal(st->ops->token_add(st, h2, "abcdef000003", org, (enum yg_role)3, NULL),
			 -EINVAL);
	struct yg_token t;
	assert_int_equal(st->ops->token_lookup(st, h2, &t), 0);
	assert_int_equal(t.role, YG_ROLE_READER);
	assert_false(t.revoked);
	assert_string_equal(t.public_id, "abcdef000002");
	assert_int_equal(st->ops->token_revoke(st, NULL, "abcdef", &t), -EEXIST);
	assert_int_equal(st->ops->token_revoke(st, NULL, "%", &t), -ENOENT);
	assert_int_equal(st->ops->token_revoke(st, NULL, "abcdef000002", &t), 0);
	assert_int_equal(st->ops->token_lookup(st, h2, &t), 0);
	assert_true(t.revoked);
	assert_int_equal(st->ops->token_revoke(st, h1, NULL, &t), 0);
	assert_string_equal(t.public_id, "abcdef000001");
	yg_store_close(st);
}

struct seen {
	char ids[16][80];
	int64_t added[16];
	bool named[16];
	size_t n;
};

static int collect(void *ud, const struct yg_obj_row *r)
{
	struct seen *s = ud;
	if (s->n < 16) {
		snprintf(s->ids[s->n], sizeof s->ids[0], "%s@%lld", r->stix_id,
			 (long long)r->modified_us);
		s->added[s->n] = r->added_us;
		s->named[s->n] = r->viewer_named;
		s->n++;
	}
	return 1;
}

static void objects_versions_and_shares(void **state)
{
	(void)state;
	struct yg_store *st;
	assert_int_equal(yg_store_sqlite_open(dir, &st), 0);
	int64_t a, b, c, coll, grp;
	assert_int_equal(st->ops->org_add(st, "A", "x", "", "identity--a", &a), 0);
	assert_int_equal(st->ops->org_add(st, "B", "x", "", "identity--b", &b), 0);
	assert_int_equal(st->ops->org_add(st, "C", "x", "", "identity--c", &c), 0);
	assert_int_equal(st->ops->group_add(st, "g", a, &b, 1, &grp), 0);
	bool member = false;
	assert_int_equal(st->ops->group_has_member(st, grp, a, &member), 0);
	assert_true(member); /* the owner is a member */
	assert_int_equal(st->ops->group_has_member(st, grp, c, &member), 0);
	assert_false(member);
	assert_int_equal(st->ops->collection_add(st, "00000000-0000-4000-8000-000000000000", "t",
						 "", 15, 2, &coll),
			 0);
	assert_int_equal(st->ops->tx_begin(st), 0);
	int64_t added[3];
	for (int v = 0; v < 3; v++) {
		char json[64];
		snprintf(json, sizeof json, "{\"v\":%d,\"s\":\"%s\"}", v, "'; --");
		struct yg_obj_in in = {.collection = coll, .stix_id = "x--1", .type = "x",
				       .spec_version = "2.1", .modified = "m",
				       .modified_us = 100 + v, .tlp = YG_TLP_AMBER,
				       .submitter_org = a, .json = json, .json_len = strlen(json),
				       .share_groups = &grp, .n_share_groups = 1};
		assert_int_equal(st->ops->obj_put(st, &in, &added[v]), 0);
		if (v)
			assert_true(added[v] > added[v - 1]);
	}
	assert_int_equal(st->ops->tx_commit(st), 0);
	/* The same version again is not stored twice. */
	struct yg_obj_in dup = {.collection = coll, .stix_id = "x--1", .type = "x",
				.spec_version = "2.1", .modified = "m", .modified_us = 101,
				.tlp = YG_TLP_AMBER, .submitter_org = a, .json = "{}", .json_len = 2};
	int64_t dadd = 0;
	assert_int_equal(st->ops->obj_put(st, &dup, &dadd), 1);
	assert_int_equal(dadd, added[1]);

	struct seen s = {0};
	struct yg_obj_query q = {.collection = coll, .viewer_org = b};
	assert_int_equal(st->ops->obj_query(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], "x--1@102");
	assert_true(s.named[0]); /* b is in the group */
	memset(&s, 0, sizeof s);
	q.viewer_org = c;
	q.version_flags = YG_VER_FIRST | YG_VER_LAST;
	assert_int_equal(st->ops->obj_query(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], "x--1@100");
	assert_false(s.named[0]);
	memset(&s, 0, sizeof s);
	q.version_flags = YG_VER_ALL;
	q.added_after_us = added[0];
	assert_int_equal(st->ops->obj_query(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof s);
	const char *types[] = {"x' OR 1=1 --"};
	q.types = types;
	q.n_types = 1;
	assert_int_equal(st->ops->obj_query(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 0);
	int64_t count = 0;
	assert_int_equal(st->ops->obj_count(st, &count), 0);
	assert_int_equal(count, 3);
	size_t del = 9;
	assert_int_equal(st->ops->obj_delete(st, coll, "x--1", b, &del), 0);
	assert_int_equal(del, 0);
	assert_int_equal(st->ops->obj_delete(st, coll, "x--1", a, &del), 0);
	assert_int_equal(del, 3);
	char *status = NULL;
	assert_int_equal(st->ops->status_put(st, "00000000-0000-4000-8000-000000000001", a, "{}"), 0);
	assert_int_equal(st->ops->status_get(st, "00000000-0000-4000-8000-000000000001", b, &status),
			 -ENOENT);
	assert_int_equal(st->ops->status_get(st, "00000000-0000-4000-8000-000000000001", a, &status),
			 0);
	assert_string_equal(status, "{}");
	free(status);
	yg_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrations_versioned, setup, teardown),
		cmocka_unit_test_setup_teardown(metacharacters_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(objects_versions_and_shares, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
