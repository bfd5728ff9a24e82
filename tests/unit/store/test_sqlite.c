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

#include "helpers/store_backend.h"
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
	yg_test_store_drop(dir);
	return 0;
}

static void migrations_versioned(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int v = -1;
	assert_int_equal(yg_store_schema_version(st, &v), 0);
	assert_int_equal(v, YG_STORE_SCHEMA_VERSION);
	int64_t id = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", "JP", "identity--a", &id), 0);
	yg_store_close(st);
	/* Reopening keeps data and version. */
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	struct yg_org o;
	assert_int_equal(st->ops->org_find(st, "A", &o), 0);
	assert_int_equal(o.id, id);
	yg_store_close(st);
	/* A schema newer than this build is refused. */
	assert_int_equal(yg_test_store_exec(dir, "UPDATE schema_version SET version = 99"), 0);
	st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), -EPROTO);
	assert_null(st);
}

/* A store written by schema 1 (the tables migration 2 rebuilds or joins,
 * as schema 1 made them), with an object shared with one organization. */
static const char *v1_db =
	"CREATE TABLE schema_version(version INTEGER NOT NULL);"
	"INSERT INTO schema_version VALUES (1);"
	"CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE organizations(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" sector TEXT NOT NULL, country TEXT NOT NULL DEFAULT '',"
	" identity_id TEXT NOT NULL UNIQUE, created_us INTEGER NOT NULL);"
	"CREATE TABLE sharing_groups(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" owner_org INTEGER NOT NULL REFERENCES organizations(id), created_us INTEGER NOT NULL);"
	"CREATE TABLE group_members(group_id INTEGER NOT NULL REFERENCES sharing_groups(id)"
	" ON DELETE CASCADE, org_id INTEGER NOT NULL REFERENCES organizations(id),"
	" PRIMARY KEY(group_id, org_id)) WITHOUT ROWID;"
	"CREATE TABLE collections(id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	" title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', can_read INTEGER NOT NULL,"
	" can_write INTEGER NOT NULL, created_us INTEGER NOT NULL);"
	"CREATE TABLE objects(id INTEGER PRIMARY KEY,"
	" collection_id INTEGER NOT NULL REFERENCES collections(id), stix_id TEXT NOT NULL,"
	" type TEXT NOT NULL, spec_version TEXT NOT NULL, modified TEXT NOT NULL,"
	" modified_us INTEGER NOT NULL, added_us INTEGER NOT NULL, tlp INTEGER NOT NULL,"
	" created_by_org INTEGER NOT NULL REFERENCES organizations(id),"
	" anonymous INTEGER NOT NULL, revoked INTEGER NOT NULL, json TEXT NOT NULL,"
	" UNIQUE(collection_id, stix_id, modified_us), UNIQUE(collection_id, added_us));"
	"CREATE TABLE object_shares(object_id INTEGER NOT NULL REFERENCES objects(id)"
	" ON DELETE CASCADE, org_id INTEGER REFERENCES organizations(id),"
	" group_id INTEGER REFERENCES sharing_groups(id),"
	" CHECK ((org_id IS NULL) <> (group_id IS NULL)));"
	"INSERT INTO organizations VALUES (1, 'A', 'energy', '', 'identity--a', 1);"
	"INSERT INTO organizations VALUES (2, 'B', 'energy', '', 'identity--b', 1);"
	"INSERT INTO collections VALUES (1, '00000000-0000-4000-8000-000000000001', 'c', '', 15, 7, 1);"
	"INSERT INTO objects VALUES (7, 1, 'x--1', 'x', '2.1', 'm', 5, 100, 4, 1, 0, 0, '{}');"
	"INSERT INTO object_shares VALUES (7, 2, NULL);";

struct seen1 {
	int n;
	int64_t submitter;
	bool named;
	char id[64];
};

static int see1(void *ud, const struct yg_obj_row *row)
{
	struct seen1 *s = ud;
	s->n++;
	s->submitter = row->submitter_org;
	s->named = row->viewer_named;
	snprintf(s->id, sizeof s->id, "%s", row->stix_id);
	return 1;
}

static void migration_from_schema_1_keeps_objects_and_shares(void **state)
{
	(void)state;
	/* SQLite's table rebuild of migration 2; PostgreSQL alters in place
	 * and runs its whole chain at every fresh open of the other tests. */
	if (yg_test_store_is_pg())
		skip();
	char p[128];
	sqlite3 *db;
	snprintf(p, sizeof p, "%s/hub.db", dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_db, 0, 0, 0), SQLITE_OK);
	sqlite3_close(db);
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int v = 0;
	assert_int_equal(yg_store_schema_version(st, &v), 0);
	assert_int_equal(v, YG_STORE_SCHEMA_VERSION);
	struct yg_collection c;
	assert_int_equal(st->ops->collection_get(st, "00000000-0000-4000-8000-000000000001", &c), 0);
	assert_true(c.read_all && c.write_all && !c.public_read);
	/* The share of schema 1 still names B after the objects table rebuild. */
	struct yg_obj_query q = {.collection = 1, .viewer_org = 2};
	struct seen1 s = {0};
	assert_int_equal(st->ops->obj_query(st, &q, see1, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id, "x--1");
	assert_int_equal(s.submitter, 1);
	assert_true(s.named);
	/* Deleting cascades to the shares: foreign keys are on again. */
	size_t n = 0;
	assert_int_equal(st->ops->obj_delete(st, 1, "x--1", 0, &n), 0);
	assert_int_equal(n, 1);
	yg_store_close(st);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM object_shares", -1, &stmt, 0),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(stmt, 0), 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

struct grants {
	int n;
	char names[256];
	bool rd[4], wr[4];
};

static int collect_grants(void *ud, const struct yg_org *o, bool rd, bool wr)
{
	struct grants *g = ud;
	size_t len = strlen(g->names);
	snprintf(g->names + len, sizeof g->names - len, "%s;", o->name);
	g->rd[g->n] = rd;
	g->wr[g->n] = wr;
	g->n++;
	return 1;
}

static void collection_access_and_hub_objects(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int64_t a = 0, b = 0, c = 0, coll = 0;
	assert_int_equal(st->ops->org_add(st, "A", "s", NULL, "identity--a", &a), 0);
	assert_int_equal(st->ops->org_add(st, "B", "s", NULL, "identity--b", &b), 0);
	assert_int_equal(st->ops->org_add(st, "C", "s", NULL, "identity--c", &c), 0);
	const char *uuid = "00000000-0000-4000-8000-000000000002";
	assert_int_equal(st->ops->collection_add(st, uuid, "t", NULL, 15, 7, &coll), 0);
	struct yg_collection col;
	assert_int_equal(st->ops->collection_get(st, uuid, &col), 0);
	bool rd = false, wr = false;
	/* New collections: every organization reads and writes; no token reads nothing. */
	assert_int_equal(st->ops->collection_org_access(st, &col, c, &rd, &wr), 0);
	assert_true(rd && wr);
	assert_int_equal(st->ops->collection_org_access(st, &col, 0, &rd, &wr), 0);
	assert_false(rd || wr);
	assert_int_equal(st->ops->collection_set_access(st, coll, false, false, true), 0);
	assert_int_equal(st->ops->collection_set_access(st, 999, false, false, true), -ENOENT);
	assert_int_equal(st->ops->collection_grant(st, coll, b, true, false), 0);
	assert_int_equal(st->ops->collection_grant(st, coll, a, true, true), 0);
	assert_int_equal(st->ops->collection_grant(st, coll, c, false, true), 0);
	assert_int_equal(st->ops->collection_grant(st, coll, 999, true, true), -ENOENT);
	assert_int_equal(st->ops->collection_get(st, uuid, &col), 0);
	assert_true(!col.read_all && !col.write_all && col.public_read);
	assert_int_equal(st->ops->collection_org_access(st, &col, b, &rd, &wr), 0);
	assert_true(rd && !wr);
	assert_int_equal(st->ops->collection_org_access(st, &col, c, &rd, &wr), 0);
	assert_true(!rd && wr);
	assert_int_equal(st->ops->collection_org_access(st, &col, 0, &rd, &wr), 0);
	assert_true(rd && !wr);
	/* Re-granting replaces; granting nothing withdraws. */
	assert_int_equal(st->ops->collection_grant(st, coll, c, false, false), 0);
	assert_int_equal(st->ops->collection_org_access(st, &col, c, &rd, &wr), 0);
	assert_false(rd || wr);
	struct grants g = {0};
	assert_int_equal(st->ops->collection_grants(st, coll, collect_grants, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.names, "A;B;");
	assert_true(g.rd[0] && g.wr[0] && g.rd[1] && !g.wr[1]);
	/* An object of the hub itself (submitter 0) is stored and listed as such. */
	struct yg_obj_in in = {.collection = coll, .stix_id = "x--9", .type = "x",
			       .spec_version = "2.1", .modified = "", .tlp = YG_TLP_CLEAR,
			       .json = "{}", .json_len = 2};
	int64_t added = 0;
	assert_int_equal(st->ops->obj_put(st, &in, &added), 0);
	struct yg_obj_query q = {.collection = coll, .viewer_org = a};
	struct seen1 s = {0};
	assert_int_equal(st->ops->obj_query(st, &q, see1, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.submitter, 0);
	/* Only an unrestricted delete removes it. */
	size_t n = 9;
	assert_int_equal(st->ops->obj_delete(st, coll, "x--9", a, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(st->ops->obj_delete(st, coll, "x--9", 0, &n), 0);
	assert_int_equal(n, 1);
	yg_store_close(st);
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
	assert_int_equal(yg_test_store_open(dir, &st), 0);
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
	assert_int_equal(yg_test_store_open(dir, &st), 0);
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
	assert_int_equal(yg_test_store_open(dir, &st), 0);
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

/* data_version moves with every commit of another handle (the hub's
 * answer cache depends on it), and only then. */
static void data_version_sees_other_handles(void **state)
{
	(void)state;
	struct yg_store *watch, *w1, *w2;
	assert_int_equal(yg_test_store_open(dir, &watch), 0);
	assert_int_equal(yg_test_store_open(dir, &w1), 0);
	assert_int_equal(yg_test_store_open(dir, &w2), 0);
	uint64_t v0, v1, v2, v3, v4;
	assert_int_equal(watch->ops->data_version(watch, &v0), 0);
	assert_int_equal(watch->ops->data_version(watch, &v1), 0);
	assert_true(v1 == v0); /* nothing committed */
	int64_t org;
	assert_int_equal(w1->ops->org_add(w1, "A", "x", "", "identity--a", &org), 0);
	assert_int_equal(watch->ops->data_version(watch, &v2), 0);
	assert_true(v2 > v1);
	/* A transaction rolled back commits nothing. */
	assert_int_equal(w2->ops->tx_begin(w2), 0);
	assert_int_equal(w2->ops->org_add(w2, "B", "x", "", "identity--b", NULL), 0);
	assert_int_equal(w2->ops->tx_rollback(w2), 0);
	assert_int_equal(watch->ops->data_version(watch, &v3), 0);
	assert_true(v3 == v2);
	uint8_t h[32];
	memset(h, 7, sizeof h);
	assert_int_equal(w2->ops->token_add(w2, h, "abcdef000007", org, YG_ROLE_READER, NULL), 0);
	struct yg_token t;
	assert_int_equal(w2->ops->token_revoke(w2, h, NULL, &t), 0);
	assert_int_equal(watch->ops->data_version(watch, &v4), 0);
	assert_true(v4 > v3);
	yg_store_close(w2);
	yg_store_close(w1);
	yg_store_close(watch);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrations_versioned, setup, teardown),
		cmocka_unit_test_setup_teardown(metacharacters_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(migration_from_schema_1_keeps_objects_and_shares, setup,
						teardown),
		cmocka_unit_test_setup_teardown(collection_access_and_hub_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(objects_versions_and_shares, setup, teardown),
		cmocka_unit_test_setup_teardown(data_version_sees_other_handles, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
