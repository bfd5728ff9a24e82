/*
 * Schema 13 (issue 19) on both backends: the per-indicator last-seen
 * aggregate equals MAX(last_seen) over the sightings whatever the writes
 * (new, duplicate, redelivered, replaced with a smaller last_seen or
 * another indicator, batches naming an id twice) and after the migration
 * from 12 with sightings already stored; the feed generation stays put
 * for sightings and moves for an indicator and for feed_bump.
 * meson runs this file on SQLite and again on PostgreSQL (-pg).
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
#include <time.h>
#include <unistd.h>

#include "helpers/store_backend.h"
#include "store/store.h"
#include "store/store_sightings.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-feedgen-XXXXXX");
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

#define N_IND 4
static const char *const inds[N_IND] = {"indicator--1", "indicator--2", "indicator--3",
					 "indicator--4"};

static int max_org(void *ud, const struct yg_sighting_org *o)
{
	int64_t *m = ud;
	if (o->last_seen_us > *m)
		*m = o->last_seen_us;
	return 1;
}

struct agg {
	int64_t last[N_IND];
	size_t others;
};

static int see_last(void *ud, const char *id, int64_t last_us)
{
	struct agg *a = ud;
	for (size_t i = 0; i < N_IND; i++)
		if (!strcmp(id, inds[i])) {
			a->last[i] = last_us;
			return 1;
		}
	a->others++;
	return 1;
}

/* last_seen_all and last_seen_get against MAX over the sightings (the
 * per-organization aggregate's newest, whose rows all count >= 1). */
static void agg_is_max(struct yg_store *st)
{
	const struct yg_store_sighting_ops *so = st->ops->sightings;
	struct agg a = {{0}, 0};
	assert_int_equal(so->last_seen_all(st, see_last, &a), 0);
	assert_int_equal(a.others, 0);
	for (size_t i = 0; i < N_IND; i++) {
		int64_t want = 0, got = -1;
		assert_int_equal(so->aggregate(st, inds[i], max_org, &want), 0);
		assert_int_equal(a.last[i], want);
		assert_int_equal(so->last_seen_get(st, inds[i], &got), 0);
		assert_int_equal(got, want);
	}
}

static struct yg_sighting_in sighting(const char *id, int ind, int64_t org, int64_t mod,
				      int64_t last)
{
	return (struct yg_sighting_in){.stix_id = id, .indicator_id = inds[ind], .org_id = org,
				       .modified_us = mod, .count = 1, .first_seen_us = last,
				       .last_seen_us = last, .json = "{}", .json_len = 2};
}

static void put(struct yg_store *st, struct yg_sighting_in in, int want)
{
	enum yg_sighting_outcome out;
	int r = st->ops->sightings->put(st, &in, &out);
	if (want < 0) {
		assert_int_equal(r, want);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(out, want);
}

static void aggregate_is_max(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int64_t a = 0, b = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", NULL, "identity--a", &a), 0);
	assert_int_equal(st->ops->org_add(st, "B", "rail", NULL, "identity--b", &b), 0);
	agg_is_max(st);
	put(st, sighting("sighting--1", 0, a, 10, 100), YG_SIGHTING_NEW);
	put(st, sighting("sighting--2", 0, b, 10, 300), YG_SIGHTING_NEW);
	put(st, sighting("sighting--3", 1, a, 10, 50), YG_SIGHTING_NEW);
	agg_is_max(st);
	/* Redelivered and older versions change nothing; another
	 * organization's id is refused. */
	put(st, sighting("sighting--2", 0, b, 10, 300), YG_SIGHTING_DUPLICATE);
	put(st, sighting("sighting--2", 0, b, 9, 900), YG_SIGHTING_DUPLICATE);
	put(st, sighting("sighting--2", 0, a, 11, 900), -EEXIST);
	agg_is_max(st);
	/* A newer version that grows, one that shrinks below the other
	 * sighting, one that moves to another indicator. */
	put(st, sighting("sighting--1", 0, a, 11, 400), YG_SIGHTING_REPLACED);
	agg_is_max(st);
	put(st, sighting("sighting--1", 0, a, 12, 20), YG_SIGHTING_REPLACED);
	agg_is_max(st);
	put(st, sighting("sighting--2", 2, b, 11, 250), YG_SIGHTING_REPLACED);
	agg_is_max(st);
	/* A batch naming an id twice (two rounds on PostgreSQL), in a
	 * transaction. */
	struct yg_sighting_in in[4] = {
	    sighting("sighting--4", 3, a, 10, 700), sighting("sighting--4", 3, a, 11, 600),
	    sighting("sighting--5", 1, b, 10, 40), sighting("sighting--3", 1, a, 13, 45)};
	int res[4];
	assert_int_equal(st->ops->tx_begin(st), 0);
	assert_int_equal(st->ops->sightings->put_many(st, in, 4, res), 0);
	assert_int_equal(st->ops->tx_commit(st), 0);
	assert_int_equal(res[1], YG_SIGHTING_REPLACED);
	agg_is_max(st);
	int64_t l = 0;
	assert_int_equal(st->ops->sightings->last_seen_get(st, inds[3], &l), 0);
	assert_int_equal(l, 600);
	/* A rolled-back batch leaves no trace in the aggregate. */
	struct yg_sighting_in late = sighting("sighting--6", 3, a, 10, 5000);
	assert_int_equal(st->ops->tx_begin(st), 0);
	assert_int_equal(st->ops->sightings->put_many(st, &late, 1, res), 0);
	st->ops->tx_rollback(st);
	agg_is_max(st);
	assert_int_equal(st->ops->sightings->last_seen_get(st, inds[3], &l), 0);
	assert_int_equal(l, 600);
	yg_store_close(st);
}

/* Back to schema 12 by hand (the aggregate, the generation and their
 * triggers gone), then open: migration 13 fills the aggregate from the
 * sightings stored. */
static const char sq_down[] =
    "DROP TRIGGER sightings_ls_ins; DROP TRIGGER sightings_ls_grow;"
    " DROP TRIGGER sightings_ls_shrink; DROP TRIGGER sightings_ls_del;"
    " DROP TABLE indicator_last_seen; DROP TABLE feed_gen;"
    " UPDATE schema_version SET version = 12;";
static const char *const feed_tables[] = {
    "organizations", "sharing_groups", "group_members", "collections", "collection_access",
    "objects",       "object_shares",  "feed_values",   "level_state"};
static const char pg_down[] =
    "DROP TABLE indicator_last_seen; DROP FUNCTION yg_ls_ins CASCADE;"
    " DROP FUNCTION yg_ls_upd CASCADE; DROP FUNCTION yg_ls_del CASCADE;"
    " DROP FUNCTION yg_feed_note CASCADE; UPDATE schema_version SET version = 12;";

static void migration_fills(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	int64_t a = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", NULL, "identity--a", &a), 0);
	put(st, sighting("sighting--1", 0, a, 10, 100), YG_SIGHTING_NEW);
	put(st, sighting("sighting--2", 0, a, 10, 300), YG_SIGHTING_NEW);
	put(st, sighting("sighting--3", 2, a, 10, 70), YG_SIGHTING_NEW);
	yg_store_close(st);
	if (yg_test_store_is_pg()) {
		assert_int_equal(yg_test_store_exec(dir, pg_down), 0);
	} else {
		char sql[4096];
		size_t n = (size_t)snprintf(sql, sizeof sql, "%s", sq_down);
		for (size_t i = 0; i < sizeof feed_tables / sizeof feed_tables[0]; i++)
			n += (size_t)snprintf(sql + n, sizeof sql - n,
					      " DROP TRIGGER %s_feed_ins; DROP TRIGGER %s_feed_upd;"
					      " DROP TRIGGER %s_feed_del;",
					      feed_tables[i], feed_tables[i], feed_tables[i]);
		assert_true(n < sizeof sql);
		assert_int_equal(yg_test_store_exec(dir, sql), 0);
	}
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	agg_is_max(st);
	int64_t l = 0;
	assert_int_equal(st->ops->sightings->last_seen_get(st, inds[0], &l), 0);
	assert_int_equal(l, 300);
	/* And the triggers are back. */
	put(st, sighting("sighting--4", 1, a, 10, 900), YG_SIGHTING_NEW);
	agg_is_max(st);
	yg_store_close(st);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The watcher's feed generation once it is past v (PostgreSQL hears of
 * commits by notification): polls for at most ten seconds. */
static uint64_t moved_past(struct yg_store *w, uint64_t v)
{
	uint64_t now = v;
	for (int i = 0; i < 1000 && now == v; i++) {
		assert_int_equal(w->ops->feed_version(w, &now), 0);
		if (now == v)
			nap_ms(10);
	}
	return now;
}

static void sightings_tx(struct yg_store *st, const char *id, int64_t org, bool bump)
{
	struct yg_sighting_in in = sighting(id, 0, org, 10, 100);
	int res = 0;
	assert_int_equal(st->ops->tx_begin(st), 0);
	assert_int_equal(st->ops->sightings->put_many(st, &in, 1, &res), 0);
	assert_int_equal(st->ops->audit(st, org, "A", "sightings.post", ""), 0);
	if (bump)
		assert_int_equal(st->ops->feed_bump(st), 0);
	assert_int_equal(st->ops->tx_commit(st), 0);
	assert_int_equal(res, YG_SIGHTING_NEW);
}

/* Sightings (and their audit row) alone leave the feed generation; an
 * indicator and feed_bump move it. On PostgreSQL one transaction is one
 * notification, delivered in commit order: a generation that moved by one
 * after sightings then an indicator says the sightings sent none. */
static void generation(void **state)
{
	(void)state;
	struct yg_store *st = NULL, *w = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	assert_int_equal(yg_test_store_open(dir, &w), 0);
	bool pg = yg_test_store_is_pg();
	int64_t a = 0, coll = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", NULL, "identity--a", &a), 0);
	assert_int_equal(
	    st->ops->collection_add(st, "00000000-0000-4000-8000-000000000009", "c", "", 15, 7, &coll),
	    0);
	uint64_t v0 = 0, v = 0;
	/* On PostgreSQL the first call LISTENs: the set-up's commits, made
	 * before, never arrive. */
	assert_int_equal(w->ops->feed_version(w, &v0), 0);
	sightings_tx(st, "sighting--1", a, false);
	sightings_tx(st, "sighting--2", a, false);
	assert_int_equal(w->ops->feed_version(w, &v), 0);
	if (!pg)
		assert_true(v == v0);
	struct yg_obj_in o = {.collection = coll, .stix_id = "indicator--1", .type = "indicator",
			      .spec_version = "2.1", .modified = "m", .modified_us = 1,
			      .tlp = YG_TLP_GREEN, .submitter_org = a, .json = "{\"a\":1}",
			      .json_len = 7};
	int64_t added = 0;
	assert_int_equal(st->ops->obj_put(st, &o, &added), 0);
	v = moved_past(w, v0);
	if (pg)
		assert_true(v == v0 + 1);
	assert_true(v > v0);
	/* A sighting that revives an indicator: feed_bump in its
	 * transaction. */
	uint64_t v1 = v;
	sightings_tx(st, "sighting--3", a, true);
	v = moved_past(w, v1);
	if (pg)
		assert_true(v == v1 + 1);
	assert_true(v > v1);
	/* Rolled back: nothing. Then an indicator, to see it alone. */
	uint64_t v2 = v;
	struct yg_sighting_in in = sighting("sighting--9", 0, a, 10, 100);
	int res = 0;
	assert_int_equal(st->ops->tx_begin(st), 0);
	assert_int_equal(st->ops->sightings->put_many(st, &in, 1, &res), 0);
	assert_int_equal(st->ops->feed_bump(st), 0);
	st->ops->tx_rollback(st);
	assert_int_equal(w->ops->feed_version(w, &v), 0);
	if (!pg)
		assert_true(v == v2);
	o.modified_us = 2;
	assert_int_equal(st->ops->obj_put(st, &o, &added), 0);
	v = moved_past(w, v2);
	if (pg)
		assert_true(v == v2 + 1);
	yg_store_close(w);
	yg_store_close(st);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(aggregate_is_max, setup, teardown),
		cmocka_unit_test_setup_teardown(migration_fills, setup, teardown),
		cmocka_unit_test_setup_teardown(generation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
