/*
 * SQLite backend, sightings half (store_sightings.h). The table comes from
 * migration 4 in sqlite.c, the per-indicator aggregate and the triggers
 * that keep it from migration 13; every value is a bound parameter.
 */
#include <errno.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_sightings.h"

static int sq_put(struct yg_store *st, const struct yg_sighting_in *in,
                  enum yg_sighting_outcome *ret_outcome)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!in || !in->stix_id || !in->indicator_id || !in->json ||
	    in->json_len > YG_SIGHTING_JSON_MAX)
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_prep(s, "SELECT org_id, modified_us FROM sightings WHERE stix_id = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, in->stix_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	bool found = rc == SQLITE_ROW;
	int64_t org = found ? sqlite3_column_int64(stmt, 0) : 0;
	int64_t mod = found ? sqlite3_column_int64(stmt, 1) : 0;
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : yg_sq_err(rc);
	yg_sq_fin(s, stmt);
	if (r < 0)
		return r;
	if (found && org != in->org_id)
		return -EEXIST;
	if (found && in->modified_us <= mod) {
		*ret_outcome = YG_SIGHTING_DUPLICATE;
		return 0;
	}
	r = yg_sq_prep(
	    s,
	    found ? "UPDATE sightings SET indicator_id = ?2, org_id = ?3, modified_us = ?4,"
	            " count = ?5, first_seen_us = ?6, last_seen_us = ?7, received_us = ?8,"
	            " json = ?9, reporter = ?10 WHERE stix_id = ?1"
	          : "INSERT INTO sightings(stix_id, indicator_id, org_id, modified_us, count,"
	            " first_seen_us, last_seen_us, received_us, json, reporter)"
	            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, in->stix_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, in->indicator_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, in->org_id);
	sqlite3_bind_int64(stmt, 4, in->modified_us);
	sqlite3_bind_int64(stmt, 5, in->count);
	sqlite3_bind_int64(stmt, 6, in->first_seen_us);
	sqlite3_bind_int64(stmt, 7, in->last_seen_us);
	sqlite3_bind_int64(stmt, 8, yg_sq_now_us());
	sqlite3_bind_text(stmt, 9, in->json, (int)in->json_len, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, in->reporter ? in->reporter : "", -1, SQLITE_STATIC);
	r = yg_sq_done(s, stmt);
	if (r == 0)
		*ret_outcome = found ? YG_SIGHTING_REPLACED : YG_SIGHTING_NEW;
	return r;
}

/* SQLite is in-process: a batch is put after put, each seeing the last. */
static int sq_put_many(struct yg_store *st, const struct yg_sighting_in *in, size_t n,
                       int *ret_results)
{
	int rc = yg_sighting_batch_check(in, n, ret_results);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		enum yg_sighting_outcome oc = YG_SIGHTING_NEW;
		int r = sq_put(st, &in[i], &oc);
		if (r < 0 && r != -EEXIST)
			return r;
		ret_results[i] = r < 0 ? r : (int)oc;
	}
	return 0;
}

static int sq_aggregate(struct yg_store *st, const char *indicator_id,
                        int (*fn)(void *ud, const struct yg_sighting_org *o), void *ud)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "SELECT o.id, o.name, o.identity_id, o.sector, SUM(g.count),"
	                   " MIN(g.first_seen_us), MAX(g.last_seen_us), g.reporter"
	                   " FROM sightings g JOIN organizations o ON o.id = g.org_id"
	                   " WHERE g.indicator_id = ?1 GROUP BY o.id, g.reporter"
	                   " HAVING SUM(g.count) > 0 ORDER BY o.name, g.reporter",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, indicator_id, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_sighting_org o = {.org_id = sqlite3_column_int64(stmt, 0)};
		yg_sq_col_text(stmt, 1, o.name, sizeof o.name);
		yg_sq_col_text(stmt, 2, o.identity_id, sizeof o.identity_id);
		yg_sq_col_text(stmt, 3, o.sector, sizeof o.sector);
		o.count = sqlite3_column_int64(stmt, 4);
		o.first_seen_us = sqlite3_column_int64(stmt, 5);
		o.last_seen_us = sqlite3_column_int64(stmt, 6);
		yg_sq_col_text(stmt, 7, o.reporter, sizeof o.reporter);
		r = fn(ud, &o);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

static int sq_last_seen_all(struct yg_store *st,
                            int (*fn)(void *ud, const char *indicator_id, int64_t last_seen_us),
                            void *ud)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "SELECT indicator_id, last_seen_us FROM indicator_last_seen", &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(stmt, 0);
		r = fn(ud, id ? id : "", sqlite3_column_int64(stmt, 1));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

static int sq_last_seen_get(struct yg_store *st, const char *indicator_id, int64_t *ret)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    s, "SELECT last_seen_us FROM indicator_last_seen WHERE indicator_id = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, indicator_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : yg_sq_err(rc);
	if (r == 0)
		*ret = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	yg_sq_fin(s, stmt);
	return r;
}

static int sq_count(struct yg_store *st, int64_t *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT COUNT(*) FROM sightings", &stmt);
	if (r < 0)
		return r;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(stmt, 0);
	else
		r = yg_sq_err(rc);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_fed_buckets(struct yg_store *st, int64_t after_us,
                          int (*fn)(void *ud, const struct yg_sighting_bucket *b), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "SELECT g.indicator_id, g.last_seen_us / ?2 AS day, g.org_id, SUM(g.count),"
	    " MIN(g.first_seen_us), MAX(g.last_seen_us), MAX(g.received_us)"
	    " FROM sightings g WHERE g.reporter = ''"
	    " AND (g.indicator_id, g.last_seen_us / ?2) IN (SELECT indicator_id, last_seen_us / ?2"
	    " FROM sightings WHERE received_us > ?1 AND reporter = '')"
	    " GROUP BY g.indicator_id, day, g.org_id ORDER BY g.indicator_id, day, g.org_id",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, after_us);
	sqlite3_bind_int64(stmt, 2, YG_SIGHTING_DAY_US);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(stmt, 0);
		struct yg_sighting_bucket b = {
		    .indicator_id = id ? id : "",
		    .day = sqlite3_column_int64(stmt, 1),
		    .org_id = sqlite3_column_int64(stmt, 2),
		    .count = sqlite3_column_int64(stmt, 3),
		    .first_seen_us = sqlite3_column_int64(stmt, 4),
		    .last_seen_us = sqlite3_column_int64(stmt, 5),
		    .received_us = sqlite3_column_int64(stmt, 6),
		};
		r = fn(ud, &b);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

const struct yg_store_sighting_ops yg_sq_sighting_ops = {
    .fed_buckets = sq_fed_buckets,
    .put = sq_put,
    .put_many = sq_put_many,
    .aggregate = sq_aggregate,
    .last_seen_all = sq_last_seen_all,
    .last_seen_get = sq_last_seen_get,
    .count = sq_count,
};
