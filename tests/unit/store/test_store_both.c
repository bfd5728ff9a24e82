/*
 * What both store backends must answer alike (issue 19): the error of every
 * refused operation, transactions across two handles, the order of
 * added_us between interleaved writers, sightings and the alert-level half.
 * meson runs this file on SQLite and again on PostgreSQL (test_store_both-pg).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers/store_backend.h"
#include "store/store.h"
#include "store/store_level.h"
#include "store/store_sightings.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-both-XXXXXX");
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

static void errors_are_the_same(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int64_t a = 0, b = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", "JP", "identity--a", &a), 0);
	assert_int_equal(st->ops->org_add(st, "A", "energy", "JP", "identity--x", NULL), -EEXIST);
	assert_int_equal(st->ops->org_add(st, "", "energy", "JP", "identity--y", NULL), -EINVAL);
	assert_int_equal(st->ops->org_add(st, "B", "energy", "JPN", "identity--b", NULL), -EINVAL);
	assert_int_equal(st->ops->org_add(st, "B", "rail", NULL, "identity--b", &b), 0);
	struct yg_org o;
	assert_int_equal(st->ops->org_get(st, 999, &o), -ENOENT);
	assert_int_equal(st->ops->org_find(st, "identity--b", &o), 0);
	assert_int_equal(o.id, b);
	assert_string_equal(o.country, "");
	char *v = NULL;
	assert_int_equal(st->ops->setting_get(st, "nope", &v), -ENOENT);
	assert_int_equal(st->ops->setting_set(st, "k", "1"), 0);
	assert_int_equal(st->ops->setting_set(st, "k", "2"), 0);
	assert_int_equal(st->ops->setting_get(st, "k", &v), 0);
	assert_string_equal(v, "2");
	free(v);
	/* Tokens: a missing org breaks a key; two ids with one prefix are
	 * ambiguous. */
	uint8_t h1[32], h2[32], h3[32];
	memset(h1, 1, sizeof h1);
	memset(h2, 2, sizeof h2);
	memset(h3, 3, sizeof h3);
	assert_int_equal(st->ops->token_add(st, h1, "abc000000001", 999, YG_ROLE_READER, NULL),
			 -EEXIST);
	assert_int_equal(st->ops->token_add(st, h1, "abc000000001", a, 3, NULL), -EINVAL);
	assert_int_equal(st->ops->token_add(st, h1, "abc000000001", a, YG_ROLE_READER, NULL), 0);
	assert_int_equal(st->ops->token_add(st, h2, "abc000000002", a, YG_ROLE_ADMIN, NULL), 0);
	assert_int_equal(st->ops->token_add(st, h2, "abc000000003", a, YG_ROLE_ADMIN, NULL),
			 -EEXIST);
	struct yg_token t;
	assert_int_equal(st->ops->token_lookup(st, h3, &t), -ENOENT);
	assert_int_equal(st->ops->token_revoke(st, NULL, "abc", &t), -EEXIST);
	assert_int_equal(st->ops->token_revoke(st, NULL, "fff", &t), -ENOENT);
	assert_int_equal(st->ops->token_revoke(st, NULL, "abc000000002", &t), 0);
	assert_true(t.revoked);
	assert_int_equal(st->ops->token_lookup(st, h2, &t), 0);
	assert_true(t.revoked && t.role == YG_ROLE_ADMIN && t.org_id == a);
	/* Groups: the owner is a member; a taken name is refused whole. */
	int64_t g = 0;
	int64_t members[] = {b, b};
	assert_int_equal(st->ops->group_add(st, "council", a, members, 2, &g), 0);
	assert_int_equal(st->ops->group_add(st, "council", b, NULL, 0, NULL), -EEXIST);
	bool in = false;
	assert_int_equal(st->ops->group_has_member(st, g, a, &in), 0);
	assert_true(in);
	assert_int_equal(st->ops->group_has_member(st, g, 999, &in), 0);
	assert_false(in);
	struct yg_group grp;
	assert_int_equal(st->ops->group_find(st, "nope", &grp), -ENOENT);
	/* Transactions are not nested, and commit needs one. */
	assert_int_equal(st->ops->tx_commit(st), -EINVAL);
	assert_int_equal(st->ops->tx_begin(st), 0);
	assert_int_equal(st->ops->tx_begin(st), -EINVAL);
	assert_int_equal(st->ops->tx_rollback(st), 0);
	/* Listing caps. */
	const char *ids[YG_STORE_LIST_MAX + 1];
	for (size_t i = 0; i < YG_STORE_LIST_MAX + 1; i++)
		ids[i] = "x--1";
	struct yg_obj_query q = {.collection = 1, .ids = ids, .n_ids = YG_STORE_LIST_MAX + 1};
	assert_int_equal(st->ops->obj_query(st, &q, NULL, NULL), -E2BIG);
	assert_int_equal(st->ops->status_put(st, "00000000-0000-4000-8000-000000000001", a, "{}"),
			 0);
	assert_int_equal(st->ops->status_put(st, "00000000-0000-4000-8000-000000000001", a, "{}"),
			 -EEXIST);
	int64_t n = 0;
	assert_int_equal(st->ops->audit(st, 0, NULL, "x", NULL), 0);
	assert_int_equal(st->ops->audit_count(st, &n), 0);
	assert_int_equal(n, 1);
	yg_store_close(st);
}

struct added {
	int n;
	int64_t added[8];
	char ids[8][16];
};

static int see_added(void *ud, const struct yg_obj_row *row)
{
	struct added *a = ud;
	if (a->n < 8) {
		a->added[a->n] = row->added_us;
		snprintf(a->ids[a->n], sizeof a->ids[a->n], "%s", row->stix_id);
	}
	a->n++;
	return 1;
}

static struct yg_obj_in obj(int64_t coll, const char *id, int64_t mod)
{
	struct yg_obj_in o = {.collection = coll, .stix_id = id, .type = "x",
			      .spec_version = "2.1", .modified = "m", .modified_us = mod,
			      .tlp = YG_TLP_GREEN, .json = "{\"a\":1}", .json_len = 7};
	return o;
}

/* Two handles writing one collection: what one rolls back never shows, a
 * version already stored answers 1, and added_us grows in commit order
 * whichever handle wrote (the change feed's cursor relies on it). */
static void two_writers(void **state)
{
	(void)state;
	struct yg_store *w1 = NULL, *w2 = NULL;
	assert_int_equal(yg_test_store_open(dir, &w1), 0);
	assert_int_equal(yg_test_store_open(dir, &w2), 0);
	int64_t coll = 0;
	assert_int_equal(
	    w1->ops->collection_add(w1, "00000000-0000-4000-8000-000000000009", "c", "", 15, 7, &coll),
	    0);
	int64_t t1 = 0, t2 = 0, t3 = 0, again = 0;
	struct yg_obj_in o1 = obj(coll, "x--1", 1), o2 = obj(coll, "x--2", 1), o3 = obj(coll, "x--3", 1);
	assert_int_equal(w1->ops->obj_put(w1, &o1, &t1), 0);
	assert_int_equal(w2->ops->obj_put(w2, &o1, &again), 1);
	assert_int_equal(again, t1);
	assert_int_equal(w2->ops->tx_begin(w2), 0);
	assert_int_equal(w2->ops->obj_put(w2, &o2, &t2), 0);
	assert_int_equal(w2->ops->tx_rollback(w2), 0);
	assert_int_equal(w2->ops->obj_put(w2, &o2, &t2), 0);
	assert_int_equal(w1->ops->obj_put(w1, &o3, &t3), 0);
	assert_true(t1 < t2 && t2 < t3);
	struct yg_obj_query q = {.collection = coll, .version_flags = YG_VER_ALL, .want_json = true};
	struct added a = {0};
	assert_int_equal(w1->ops->obj_query(w1, &q, see_added, &a), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.ids[0], "x--1");
	assert_string_equal(a.ids[1], "x--2");
	assert_string_equal(a.ids[2], "x--3");
	q.added_after_us = t2;
	memset(&a, 0, sizeof a);
	assert_int_equal(w2->ops->obj_query(w2, &q, see_added, &a), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.added[0], t3);
	int64_t count = 0;
	assert_int_equal(w2->ops->obj_count(w2, &count), 0);
	assert_int_equal(count, 3);
	yg_store_close(w2);
	yg_store_close(w1);
}

static int see_org(void *ud, const struct yg_sighting_org *o)
{
	struct yg_sighting_org *out = ud;
	*out = *o;
	return 1;
}

static int see_org_list(void *ud, const struct yg_sighting_org *o)
{
	struct yg_sighting_org *out = ud;
	for (size_t i = 0; i < 3; i++)
		if (!out[i].org_id) {
			out[i] = *o;
			return 1;
		}
	return -E2BIG;
}

static void sightings(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int64_t a = 0, b = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", NULL, "identity--a", &a), 0);
	assert_int_equal(st->ops->org_add(st, "B", "rail", NULL, "identity--b", &b), 0);
	struct yg_sighting_in in = {.stix_id = "sighting--1", .indicator_id = "indicator--1",
				    .org_id = a, .modified_us = 10, .count = 3, .first_seen_us = 5,
				    .last_seen_us = 7, .json = "{}", .json_len = 2};
	enum yg_sighting_outcome out;
	const struct yg_store_sighting_ops *so = st->ops->sightings;
	assert_int_equal(so->put(st, &in, &out), 0);
	assert_int_equal(out, YG_SIGHTING_NEW);
	assert_int_equal(so->put(st, &in, &out), 0);
	assert_int_equal(out, YG_SIGHTING_DUPLICATE);
	in.modified_us = 11;
	in.count = 4;
	assert_int_equal(so->put(st, &in, &out), 0);
	assert_int_equal(out, YG_SIGHTING_REPLACED);
	in.org_id = b;
	in.modified_us = 12;
	assert_int_equal(so->put(st, &in, &out), -EEXIST);
	struct yg_sighting_org agg = {0};
	assert_int_equal(so->aggregate(st, "indicator--1", see_org, &agg), 0);
	assert_int_equal(agg.org_id, a);
	assert_int_equal(agg.count, 4);
	assert_string_equal(agg.sector, "energy");
	int64_t n = 0;
	assert_int_equal(so->count(st, &n), 0);
	assert_int_equal(n, 1);
	yg_store_close(st);
}

/* A batch goes as one statement on PostgreSQL: outcomes as put after put
 * would give them, an id named twice included. */
static void sightings_batch(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int64_t a = 0, b = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", NULL, "identity--a", &a), 0);
	assert_int_equal(st->ops->org_add(st, "B", "rail", NULL, "identity--b", &b), 0);
	const struct yg_store_sighting_ops *so = st->ops->sightings;
	struct yg_sighting_in old = {.stix_id = "sighting--b", .indicator_id = "indicator--1",
				     .org_id = b, .modified_us = 10, .count = 5, .first_seen_us = 2,
				     .last_seen_us = 3, .json = "{}", .json_len = 2};
	enum yg_sighting_outcome out;
	assert_int_equal(so->put(st, &old, &out), 0);
	struct yg_sighting_in in[5];
	for (size_t i = 0; i < 5; i++)
		in[i] = (struct yg_sighting_in){.stix_id = "sighting--1",
						.indicator_id = "indicator--1",
						.org_id = a,
						.modified_us = 10,
						.count = 1,
						.first_seen_us = 5,
						.last_seen_us = 7,
						.json = "{\"k\":\"v\"}",
						.json_len = 9};
	in[1].count = 9; /* same version again: a duplicate, not counted */
	in[2].modified_us = 11;
	in[2].count = 4;
	in[2].last_seen_us = 8;
	in[3].stix_id = "sighting--b"; /* B's id */
	in[4].stix_id = "sighting--2";
	in[4].reporter = "identity--r";
	int res[5] = {9, 9, 9, 9, 9};
	assert_int_equal(st->ops->tx_begin(st), 0);
	assert_int_equal(so->put_many(st, in, 5, res), 0);
	assert_int_equal(st->ops->tx_commit(st), 0);
	assert_int_equal(res[0], YG_SIGHTING_NEW);
	assert_int_equal(res[1], YG_SIGHTING_DUPLICATE);
	assert_int_equal(res[2], YG_SIGHTING_REPLACED);
	assert_int_equal(res[3], -EEXIST);
	assert_int_equal(res[4], YG_SIGHTING_NEW);
	/* Redelivered: every one a duplicate (or still B's). */
	assert_int_equal(so->put_many(st, in, 5, res), 0);
	assert_int_equal(res[0], YG_SIGHTING_DUPLICATE);
	assert_int_equal(res[2], YG_SIGHTING_DUPLICATE);
	assert_int_equal(res[3], -EEXIST);
	assert_int_equal(res[4], YG_SIGHTING_DUPLICATE);
	int64_t n = 0;
	assert_int_equal(so->count(st, &n), 0);
	assert_int_equal(n, 3);
	struct yg_sighting_org agg[3];
	memset(agg, 0, sizeof agg);
	assert_int_equal(so->aggregate(st, "indicator--1", see_org_list, agg), 0);
	/* A: 4 (sighting--1 replaced) + 1 (sighting--2, reporter r); B: 5. */
	assert_int_equal(agg[0].org_id, a);
	assert_string_equal(agg[0].reporter, "");
	assert_int_equal(agg[0].count, 4);
	assert_int_equal(agg[0].last_seen_us, 8);
	assert_int_equal(agg[1].org_id, a);
	assert_string_equal(agg[1].reporter, "identity--r");
	assert_int_equal(agg[1].count, 1);
	assert_int_equal(agg[2].org_id, b);
	assert_int_equal(agg[2].count, 5);
	in[0].json = NULL;
	assert_int_equal(so->put_many(st, in, 1, res), -EINVAL);
	yg_store_close(st);
}

static int see_signal(void *ud, const char *name, double value, const char *detail,
		      int64_t set_us, int64_t expires_us)
{
	(void)set_us;
	(void)expires_us;
	char *out = ud;
	size_t len = strlen(out);
	snprintf(out + len, 256 - len, "%s=%g:%s;", name, value, detail ? detail : "(null)");
	return 1;
}

static int see_action(void *ud, const struct yg_level_action_row *row)
{
	int *n = ud;
	(*n)++;
	assert_string_equal(row->state, "pending");
	return 1;
}

static void level_half(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	const struct yg_store_level_ops *lo = st->ops->level;
	char *json = NULL;
	assert_int_equal(lo->state_get(st, &json), -ENOENT);
	assert_int_equal(lo->state_put(st, "{\"level\":2}"), 0);
	assert_int_equal(lo->state_get(st, &json), 0);
	assert_string_equal(json, "{\"level\":2}");
	free(json);
	assert_int_equal(lo->signal_put(st, "b", 0.25, NULL, 1, 100), 0);
	assert_int_equal(lo->signal_put(st, "a", 1.5, "{}", 1, 5), 0);
	char sig[256] = "";
	assert_int_equal(lo->signal_list(st, see_signal, sig), 0);
	assert_string_equal(sig, "a=1.5:{};b=0.25:(null);");
	assert_int_equal(lo->signal_prune(st, 50), 0);
	sig[0] = '\0';
	assert_int_equal(lo->signal_list(st, see_signal, sig), 0);
	assert_string_equal(sig, "b=0.25:(null);");
	struct yg_level_entry e = {.time_us = 1, .kind = "manual", .from = 1, .to = 3,
				   .actor = "ops", .reason = "drill"};
	int64_t id = 0, act = 0, next = 0;
	assert_int_equal(lo->entry_add(st, &e, &id), 0);
	assert_int_equal(lo->action_add(st, id, 3, "webhook", "{}", 40, &act), 0);
	assert_int_equal(lo->action_next(st, &next), 0);
	assert_int_equal(next, 40);
	int n = 0;
	assert_int_equal(lo->action_due(st, 39, 10, see_action, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lo->action_due(st, 40, 10, see_action, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lo->action_update(st, act + 100, "failed", 1, 0, "x", ""), -ENOENT);
	assert_int_equal(lo->action_update(st, act, "succeeded", 1, 0, "", "{}"), 0);
	assert_int_equal(lo->action_next(st, &next), -ENOENT);
	struct yg_level_spread sp;
	assert_int_equal(lo->campaign_spread(st, 0, &sp), 0);
	assert_int_equal(sp.campaigns, 0);
	yg_store_close(st);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(errors_are_the_same, setup, teardown),
		cmocka_unit_test_setup_teardown(two_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(sightings, setup, teardown),
		cmocka_unit_test_setup_teardown(sightings_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(level_half, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
