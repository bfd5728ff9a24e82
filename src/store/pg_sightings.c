/*
 * PostgreSQL backend, sightings half (store_sightings.h): the SQL of
 * sqlite_sightings.c with $N placeholders; the table from migration 4 of
 * pg_schema.c. put reads then writes, so it runs under the write lock.
 */
#include <errno.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/store_sightings.h"

static int put_locked(struct yg_pg *s, const struct yg_sighting_in *in,
		      enum yg_sighting_outcome *ret_outcome)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, in->stix_id);
	PGresult *res = NULL;
	int r = yg_pg_run(s, "SELECT org_id, modified_us FROM sightings WHERE stix_id = $1", &a,
			  &res);
	if (r < 0)
		return r;
	bool found = PQntuples(res) > 0;
	int64_t org = found ? yg_pg_get_i64(res, 0, 0) : 0;
	int64_t mod = found ? yg_pg_get_i64(res, 0, 1) : 0;
	PQclear(res);
	if (found && org != in->org_id)
		return -EEXIST;
	if (found && in->modified_us <= mod) {
		*ret_outcome = YG_SIGHTING_DUPLICATE;
		return 0;
	}
	yg_pg_args_init(&a);
	yg_pg_txt(&a, in->stix_id);
	yg_pg_txt(&a, in->indicator_id);
	yg_pg_i64(&a, in->org_id);
	yg_pg_i64(&a, in->modified_us);
	yg_pg_i64(&a, in->count);
	yg_pg_i64(&a, in->first_seen_us);
	yg_pg_i64(&a, in->last_seen_us);
	yg_pg_i64(&a, yg_pg_now_us());
	yg_pg_txtn(&a, in->json, in->json_len);
	yg_pg_txt(&a, in->reporter ? in->reporter : "");
	r = yg_pg_run(s,
		      found ? "UPDATE sightings SET indicator_id = $2, org_id = $3, modified_us = $4,"
			      " count = $5, first_seen_us = $6, last_seen_us = $7, received_us = $8,"
			      " json = $9, reporter = $10 WHERE stix_id = $1"
			    : "INSERT INTO sightings(stix_id, indicator_id, org_id, modified_us, count,"
			      " first_seen_us, last_seen_us, received_us, json, reporter)"
			      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		      &a, NULL);
	if (r == 0)
		*ret_outcome = found ? YG_SIGHTING_REPLACED : YG_SIGHTING_NEW;
	return r;
}

static int pg_put(struct yg_store *st, const struct yg_sighting_in *in,
		  enum yg_sighting_outcome *ret_outcome)
{
	struct yg_pg *s = yg_pg(st);
	if (!in || !in->stix_id || !in->indicator_id || !in->json ||
	    in->json_len > YG_SIGHTING_JSON_MAX)
		return -EINVAL;
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	enum yg_sighting_outcome out = YG_SIGHTING_NEW;
	r = yg_pg_write_end(s, own, put_locked(s, in, &out));
	if (r == 0)
		*ret_outcome = out;
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
			  "SELECT indicator_id, MAX(last_seen_us) FROM sightings GROUP BY indicator_id",
			  NULL, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_str(res, i, 0), yg_pg_get_i64(res, i, 1));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
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
    .aggregate = pg_aggregate,
    .last_seen_all = pg_last_seen_all,
    .count = pg_count,
};
