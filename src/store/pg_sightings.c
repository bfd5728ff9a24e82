/*
 * PostgreSQL backend, sightings half (store_sightings.h); the table from
 * migration 4 of pg_schema.c, the per-indicator aggregate and the triggers
 * that keep it from migration 13.
 *
 * Why a batch is one statement: a bundle of sightings used to cost two
 * round trips per sighting (look the id up, then insert or update), all
 * under the write lock that every writer takes turns on, so one hub's
 * ingest was bound by the network's latency times twenty per message,
 * not by the server. Now a batch of distinct ids goes as nine binary
 * arrays to one statement: a data-modifying WITH inserts the new ids and
 * updates the newer versions of the same organization's (ON CONFLICT ...
 * WHERE), while the outer query tells each row's outcome from the same
 * snapshot, i.e. from the rows as they were before the statement. That
 * reading is exact because the statement runs under the write lock (no
 * other writer between snapshot and insert) and the ids of one statement
 * are distinct: a batch that names an id twice goes in rounds, the
 * second occurrence in the next statement, so it meets the first as put
 * would.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/store_sightings.h"

/* One statement's share of a batch: rows, and bytes of JSON (a bound on
 * the arrays' memory, whatever the caller hands in). */
#define PUT_ROWS_MAX  1000
#define PUT_BYTES_MAX (4u << 20)

/* Outcome: 0 new, 1 duplicate, 2 replaced (enum yg_sighting_outcome), -1
 * another organization's id. */
static const char put_sql[] =
    "WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[],"
    " $5::int8[], $6::int8[], $7::int8[], $8::text[], $9::text[]) WITH ORDINALITY"
    " AS i(stix_id, indicator_id, org_id, modified_us, count, first_seen_us, last_seen_us,"
    " json, reporter, k)),"
    " w AS (INSERT INTO sightings(stix_id, indicator_id, org_id, modified_us, count,"
    " first_seen_us, last_seen_us, received_us, json, reporter)"
    " SELECT stix_id, indicator_id, org_id, modified_us, count, first_seen_us, last_seen_us,"
    " $10, json, reporter FROM i"
    " ON CONFLICT (stix_id) DO UPDATE SET indicator_id = excluded.indicator_id,"
    " org_id = excluded.org_id, modified_us = excluded.modified_us, count = excluded.count,"
    " first_seen_us = excluded.first_seen_us, last_seen_us = excluded.last_seen_us,"
    " received_us = excluded.received_us, json = excluded.json, reporter = excluded.reporter"
    " WHERE sightings.org_id = excluded.org_id AND sightings.modified_us < excluded.modified_us)"
    " SELECT CASE WHEN g.stix_id IS NULL THEN 0 WHEN g.org_id <> i.org_id THEN -1"
    " WHEN i.modified_us <= g.modified_us THEN 1 ELSE 2 END"
    " FROM i LEFT JOIN sightings g ON g.stix_id = i.stix_id ORDER BY i.k";

enum { C_ID, C_IND, C_ORG, C_MOD, C_COUNT, C_FIRST, C_LAST, C_JSON, C_REP, N_COLS };

/* One statement for in[idx[0..n)], whose ids are distinct; the outcomes
 * go to ret_results[idx[k]]. */
static int put_chunk(struct yg_pg *s, const struct yg_sighting_in *in, const size_t *idx,
		     size_t n, int *ret_results)
{
	struct yg_pg_arr col[N_COLS];
	for (int c = 0; c < N_COLS; c++) {
		if (c == C_ID || c == C_IND || c == C_JSON || c == C_REP)
			yg_pg_arr_init_text(&col[c]);
		else
			yg_pg_arr_init_i64(&col[c]);
	}
	bool nomem = false;
	for (size_t k = 0; k < n; k++) {
		const struct yg_sighting_in *g = &in[idx[k]];
		const char *rep = g->reporter ? g->reporter : "";
		yg_pg_arr_txt(&col[C_ID], g->stix_id, strlen(g->stix_id));
		yg_pg_arr_txt(&col[C_IND], g->indicator_id, strlen(g->indicator_id));
		yg_pg_arr_i64(&col[C_ORG], g->org_id);
		yg_pg_arr_i64(&col[C_MOD], g->modified_us);
		yg_pg_arr_i64(&col[C_COUNT], g->count);
		yg_pg_arr_i64(&col[C_FIRST], g->first_seen_us);
		yg_pg_arr_i64(&col[C_LAST], g->last_seen_us);
		yg_pg_arr_txt(&col[C_JSON], g->json, g->json_len);
		yg_pg_arr_txt(&col[C_REP], rep, strlen(rep));
	}
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	for (int c = 0; c < N_COLS; c++) {
		nomem |= col[c].nomem;
		yg_pg_array(&a, &col[c]);
	}
	yg_pg_i64(&a, yg_pg_now_us());
	PGresult *res = NULL;
	int r =
	    nomem ? -ENOMEM : yg_pg_run_prepared(s, YG_PG_STMT_SIGHTINGS_PUT, put_sql, &a, &res);
	if (r == 0 && (size_t)PQntuples(res) != n)
		r = -EIO;
	bool wrote = false;
	for (size_t k = 0; r == 0 && k < n; k++) {
		int64_t o = yg_pg_get_i64(res, (int)k, 0);
		ret_results[idx[k]] = o < 0 ? -EEXIST : (int)o;
		wrote |= o == YG_SIGHTING_NEW || o == YG_SIGHTING_REPLACED;
	}
	/* A WITH ... INSERT answers as a SELECT: the commit must notify. */
	if (wrote)
		yg_pg_wrote(s);
	PQclear(res);
	for (int c = 0; c < N_COLS; c++)
		yg_pg_arr_release(&col[c]);
	return r;
}

struct by_id {
	const char *id;
	size_t i;
};

static int by_id_cmp(const void *x, const void *y)
{
	const struct by_id *a = x, *b = y;
	int c = strcmp(a->id, b->id);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* The rounds: occ[i] is how many earlier items of the batch have in[i]'s
 * id; *ret_rounds the number of statements' worth of rounds. */
static int occurrences(const struct yg_sighting_in *in, size_t n, size_t *occ,
		       size_t *ret_rounds)
{
	struct by_id *b = malloc(n * sizeof *b);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		b[i] = (struct by_id){in[i].stix_id, i};
	qsort(b, n, sizeof *b, by_id_cmp);
	size_t rounds = 1;
	for (size_t j = 0; j < n; j++) {
		occ[b[j].i] = j > 0 && !strcmp(b[j].id, b[j - 1].id) ? occ[b[j - 1].i] + 1 : 0;
		if (occ[b[j].i] + 1 > rounds)
			rounds = occ[b[j].i] + 1;
	}
	free(b);
	*ret_rounds = rounds;
	return 0;
}

static int put_locked(struct yg_pg *s, const struct yg_sighting_in *in, size_t n,
		      int *ret_results)
{
	size_t *occ = malloc(2 * n * sizeof *occ);
	if (!occ)
		return -ENOMEM;
	size_t *idx = occ + n, rounds = 1;
	int r = occurrences(in, n, occ, &rounds);
	for (size_t round = 0; r == 0 && round < rounds; round++) {
		size_t m = 0, bytes = 0;
		for (size_t i = 0; r == 0 && i <= n; i++) {
			bool last = i == n;
			if (!last && occ[i] != round)
				continue;
			if (m && (last || m == PUT_ROWS_MAX || bytes + in[i].json_len > PUT_BYTES_MAX)) {
				r = put_chunk(s, in, idx, m, ret_results);
				m = bytes = 0;
			}
			if (!last) {
				idx[m++] = i;
				bytes += in[i].json_len;
			}
		}
	}
	free(occ);
	return r;
}

static int pg_put_many(struct yg_store *st, const struct yg_sighting_in *in, size_t n,
		       int *ret_results)
{
	struct yg_pg *s = yg_pg(st);
	int rc = yg_sighting_batch_check(in, n, ret_results);
	if (rc < 0)
		return rc;
	if (!n)
		return 0;
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	return yg_pg_write_end(s, own, put_locked(s, in, n, ret_results));
}

static int pg_put(struct yg_store *st, const struct yg_sighting_in *in,
		  enum yg_sighting_outcome *ret_outcome)
{
	if (!in)
		return -EINVAL;
	int out = 0;
	int r = pg_put_many(st, in, 1, &out);
	if (r == 0 && out < 0)
		r = out;
	if (r == 0)
		*ret_outcome = (enum yg_sighting_outcome)out;
	return r;
}

static int pg_aggregate(struct yg_store *st, const char *indicator_id,
			int (*fn)(void *ud, const struct yg_sighting_org *o), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, indicator_id);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT o.id, o.name, o.identity_id, o.sector, SUM(g.count),"
			  " MIN(g.first_seen_us), MAX(g.last_seen_us), g.reporter"
			  " FROM sightings g JOIN organizations o ON o.id = g.org_id"
			  " WHERE g.indicator_id = $1 GROUP BY o.id, g.reporter"
			  " HAVING SUM(g.count) > 0 ORDER BY o.name, g.reporter COLLATE \"C\"",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_sighting_org o = {.org_id = yg_pg_get_i64(res, i, 0)};
		yg_pg_get_text(res, i, 1, o.name, sizeof o.name);
		yg_pg_get_text(res, i, 2, o.identity_id, sizeof o.identity_id);
		yg_pg_get_text(res, i, 3, o.sector, sizeof o.sector);
		o.count = yg_pg_get_i64(res, i, 4);
		o.first_seen_us = yg_pg_get_i64(res, i, 5);
		o.last_seen_us = yg_pg_get_i64(res, i, 6);
		yg_pg_get_text(res, i, 7, o.reporter, sizeof o.reporter);
		r = fn(ud, &o);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_last_seen_all(struct yg_store *st,
			    int (*fn)(void *ud, const char *indicator_id, int64_t last_seen_us),
			    void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT indicator_id, last_seen_us FROM indicator_last_seen", NULL, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_str(res, i, 0), yg_pg_get_i64(res, i, 1));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_last_seen_get(struct yg_store *st, const char *indicator_id, int64_t *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, indicator_id);
	int64_t v = 0;
	int r = yg_pg_int(yg_pg(st),
			  "SELECT last_seen_us FROM indicator_last_seen WHERE indicator_id = $1", &a,
			  &v);
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		*ret = v;
	return r;
}

static int pg_count(struct yg_store *st, int64_t *ret)
{
	return yg_pg_int(yg_pg(st), "SELECT COUNT(*) FROM sightings", NULL, ret);
}

static int pg_fed_buckets(struct yg_store *st, int64_t after_us,
			  int (*fn)(void *ud, const struct yg_sighting_bucket *b), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, after_us);
	yg_pg_i64(&a, YG_SIGHTING_DAY_US);
	PGresult *res = NULL;
	int r = yg_pg_run(
	    yg_pg(st),
	    "SELECT g.indicator_id, g.last_seen_us / $2 AS day, g.org_id, SUM(g.count),"
	    " MIN(g.first_seen_us), MAX(g.last_seen_us), MAX(g.received_us)"
	    " FROM sightings g WHERE g.reporter = ''"
	    " AND (g.indicator_id, g.last_seen_us / $2) IN (SELECT indicator_id, last_seen_us / $2"
	    " FROM sightings WHERE received_us > $1 AND reporter = '')"
	    " GROUP BY g.indicator_id, day, g.org_id"
	    " ORDER BY g.indicator_id COLLATE \"C\", day, g.org_id",
	    &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_sighting_bucket b = {
		    .indicator_id = yg_pg_get_str(res, i, 0),
		    .day = yg_pg_get_i64(res, i, 1),
		    .org_id = yg_pg_get_i64(res, i, 2),
		    .count = yg_pg_get_i64(res, i, 3),
		    .first_seen_us = yg_pg_get_i64(res, i, 4),
		    .last_seen_us = yg_pg_get_i64(res, i, 5),
		    .received_us = yg_pg_get_i64(res, i, 6),
		};
		r = fn(ud, &b);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

const struct yg_store_sighting_ops yg_pg_sighting_ops = {
    .fed_buckets = pg_fed_buckets,
    .put = pg_put,
    .put_many = pg_put_many,
    .aggregate = pg_aggregate,
    .last_seen_all = pg_last_seen_all,
    .last_seen_get = pg_last_seen_get,
    .count = pg_count,
};
