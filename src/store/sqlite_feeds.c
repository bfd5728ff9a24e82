/*
 * SQLite backend, feed half (store_feeds.h). The tables come from
 * migration 8 in sqlite.c; every value is a bound parameter.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_feeds.h"

#define FEED_COLS "id, name, org_id, spec, next_run_us, etag, last_modified, health"

static const char *col(sqlite3_stmt *stmt, int i)
{
	const char *t = (const char *)sqlite3_column_text(stmt, i);
	return t ? t : "";
}

static void row_of(sqlite3_stmt *stmt, struct yg_feed_row *f)
{
	f->id = sqlite3_column_int64(stmt, 0);
	yg_sq_col_text(stmt, 1, f->name, sizeof f->name);
	f->org_id = sqlite3_column_int64(stmt, 2);
	yg_sq_col_text(stmt, 3, f->spec, sizeof f->spec);
	f->next_run_us = sqlite3_column_int64(stmt, 4);
	yg_sq_col_text(stmt, 5, f->etag, sizeof f->etag);
	yg_sq_col_text(stmt, 6, f->last_modified, sizeof f->last_modified);
	yg_sq_col_text(stmt, 7, f->health, sizeof f->health);
}

static int sq_add(struct yg_store *st, const char *name, int64_t org_id, const char *spec,
                  int64_t *ret_id)
{
	if (!name || !spec || strlen(name) > YG_FEED_NAME_MAX || strlen(spec) > YG_FEED_SPEC_MAX)
		return -EINVAL;
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "INSERT INTO feeds(name, org_id, spec, created_us, next_run_us)"
	                   " VALUES (?1, ?2, ?3, ?4, 0)",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, org_id);
	sqlite3_bind_text(stmt, 3, spec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static int sq_get(struct yg_store *st, const char *name, struct yg_feed_row *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " FEED_COLS " FROM feeds WHERE name = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	r = yg_sq_row(stmt);
	if (r == 0)
		row_of(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_del(struct yg_store *st, const char *name)
{
	struct yg_sqlite *s = yg_sq(st);
	struct yg_feed_row *f = malloc(sizeof *f);
	if (!f)
		return -ENOMEM;
	int r = sq_get(st, name, f);
	int64_t id = r == 0 ? f->id : 0;
	free(f);
	if (r < 0)
		return r;
	r = yg_sq_run_ints(s, "DELETE FROM feed_values WHERE feed_id = ?1", &id, 1);
	if (r == 0)
		r = yg_sq_run_ints(s, "DELETE FROM feeds WHERE id = ?1", &id, 1);
	return r;
}

static int sq_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_feed_row *f), void *ud)
{
	struct yg_feed_row *f = malloc(sizeof *f);
	if (!f)
		return -ENOMEM;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " FEED_COLS " FROM feeds ORDER BY name", &stmt);
	if (r < 0) {
		free(f);
		return r;
	}
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		row_of(stmt, f);
		r = fn(ud, f);
		if (r <= 0)
			break;
	}
	free(f);
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int sq_state_set(struct yg_store *st, int64_t id, int64_t next_run_us, const char *etag,
                        const char *last_modified, const char *health)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "UPDATE feeds SET next_run_us = ?2, etag = ?3, last_modified = ?4,"
	                   " health = ?5 WHERE id = ?1",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, next_run_us);
	sqlite3_bind_text(stmt, 3, etag ? etag : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, last_modified ? last_modified : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, health ? health : "", -1, SQLITE_STATIC);
	return yg_sq_done_one(s, stmt);
}

static int sq_schedule(struct yg_store *st, const char *name, int64_t next_run_us)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "UPDATE feeds SET next_run_us = ?2 WHERE name = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, next_run_us);
	return yg_sq_done_one(s, stmt);
}

static int sq_due(struct yg_store *st, int64_t now_us, int (*fn)(void *ud, const char *name),
                  void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st), "SELECT name FROM feeds WHERE next_run_us <= ?1 ORDER BY next_run_us, name",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, now_us);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = fn(ud, col(stmt, 0));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int sq_values(struct yg_store *st, int64_t id,
                     int (*fn)(void *ud, const struct yg_feed_value *v), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "SELECT type, value, stix_id, present, left_us, warn, created_us, tlp FROM feed_values"
	    " WHERE feed_id = ?1 ORDER BY type, value",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_feed_value v = {
		    .type = sqlite3_column_int(stmt, 0),
		    .value = col(stmt, 1),
		    .stix_id = col(stmt, 2),
		    .present = sqlite3_column_int(stmt, 3) != 0,
		    .left_us = sqlite3_column_int64(stmt, 4),
		    .warn = col(stmt, 5),
		    .created_us = sqlite3_column_int64(stmt, 6),
		    .tlp = sqlite3_column_int(stmt, 7),
		};
		r = fn(ud, &v);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int sq_value_put(struct yg_store *st, int64_t id, const struct yg_feed_value *v)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "INSERT INTO feed_values(feed_id, type, value, stix_id, present, left_us,"
	    " warn, created_us, tlp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT(feed_id, type, value) DO UPDATE SET stix_id = excluded.stix_id,"
	    " present = excluded.present, left_us = excluded.left_us,"
	    " warn = excluded.warn, created_us = excluded.created_us, tlp = excluded.tlp",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, v->type);
	sqlite3_bind_text(stmt, 3, v->value, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, v->stix_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, v->present ? 1 : 0);
	sqlite3_bind_int64(stmt, 6, v->left_us);
	sqlite3_bind_text(stmt, 7, v->warn ? v->warn : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, v->created_us);
	sqlite3_bind_int(stmt, 9, v->tlp);
	return yg_sq_done(yg_sq(st), stmt);
}

const struct yg_store_feed_ops yg_sq_feed_ops = {
    .add = sq_add,
    .get = sq_get,
    .del = sq_del,
    .list = sq_list,
    .state_set = sq_state_set,
    .schedule = sq_schedule,
    .due = sq_due,
    .values = sq_values,
    .value_put = sq_value_put,
};
