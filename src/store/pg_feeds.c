/*
 * PostgreSQL backend, feed half (store_feeds.h): the SQL of sqlite_feeds.c
 * with $N placeholders; the tables from migration 9 of pg_schema.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/store_feeds.h"

#define FEED_COLS "id, name, org_id, spec, next_run_us, etag, last_modified, health"

static void row_of(const PGresult *res, int i, struct yg_feed_row *f)
{
	f->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, f->name, sizeof f->name);
	f->org_id = yg_pg_get_i64(res, i, 2);
	yg_pg_get_text(res, i, 3, f->spec, sizeof f->spec);
	f->next_run_us = yg_pg_get_i64(res, i, 4);
	yg_pg_get_text(res, i, 5, f->etag, sizeof f->etag);
	yg_pg_get_text(res, i, 6, f->last_modified, sizeof f->last_modified);
	yg_pg_get_text(res, i, 7, f->health, sizeof f->health);
}

static int pg_add(struct yg_store *st, const char *name, int64_t org_id, const char *spec,
		  int64_t *ret_id)
{
	if (!name || !spec || strlen(name) > YG_FEED_NAME_MAX || strlen(spec) > YG_FEED_SPEC_MAX)
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	yg_pg_i64(&a, org_id);
	yg_pg_txt(&a, spec);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r = yg_pg_int(yg_pg(st),
			  "INSERT INTO feeds(name, org_id, spec, created_us, next_run_us)"
			  " VALUES ($1, $2, $3, $4, 0) RETURNING id",
			  &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

static int pg_get(struct yg_store *st, const char *name, struct yg_feed_row *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT " FEED_COLS " FROM feeds WHERE name = $1", &a, &res);
	if (r < 0)
		return r;
	row_of(res, 0, ret);
	PQclear(res);
	return 0;
}

static int pg_del(struct yg_store *st, const char *name)
{
	struct yg_pg *s = yg_pg(st);
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	r = yg_pg_run(s, "DELETE FROM feed_values WHERE feed_id IN"
			 " (SELECT id FROM feeds WHERE name = $1)",
		      &a, NULL);
	if (r == 0) {
		yg_pg_args_init(&a);
		yg_pg_txt(&a, name);
		r = yg_pg_run_one(s, "DELETE FROM feeds WHERE name = $1", &a);
	}
	return yg_pg_write_end(s, own, r);
}

static int pg_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_feed_row *f),
		   void *ud)
{
	struct yg_feed_row *f = malloc(sizeof *f);
	if (!f)
		return -ENOMEM;
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT " FEED_COLS " FROM feeds ORDER BY name", NULL, &res);
	if (r < 0) {
		free(f);
		return r;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		row_of(res, i, f);
		r = fn(ud, f);
		if (r <= 0)
			break;
	}
	free(f);
	return yg_pg_rows_end(res, r);
}

static int pg_state_set(struct yg_store *st, int64_t id, int64_t next_run_us, const char *etag,
			const char *last_modified, const char *health)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_i64(&a, next_run_us);
	yg_pg_txt(&a, etag ? etag : "");
	yg_pg_txt(&a, last_modified ? last_modified : "");
	yg_pg_txt(&a, health ? health : "");
	return yg_pg_run_one(yg_pg(st),
			     "UPDATE feeds SET next_run_us = $2, etag = $3, last_modified = $4,"
			     " health = $5 WHERE id = $1",
			     &a);
}

static int pg_schedule(struct yg_store *st, const char *name, int64_t next_run_us)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	yg_pg_i64(&a, next_run_us);
	return yg_pg_run_one(yg_pg(st), "UPDATE feeds SET next_run_us = $2 WHERE name = $1", &a);
}

static int pg_due(struct yg_store *st, int64_t now_us, int (*fn)(void *ud, const char *name),
		  void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, now_us);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT name FROM feeds WHERE next_run_us <= $1 ORDER BY next_run_us, name",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_str(res, i, 0));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_values(struct yg_store *st, int64_t id,
		     int (*fn)(void *ud, const struct yg_feed_value *v), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT type, value, stix_id, present, left_us, warn, created_us, tlp"
			  " FROM feed_values WHERE feed_id = $1 ORDER BY type, value",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_feed_value v = {
			.type = (int)yg_pg_get_i64(res, i, 0),
			.value = yg_pg_get_str(res, i, 1),
			.stix_id = yg_pg_get_str(res, i, 2),
			.present = yg_pg_get_bool(res, i, 3),
			.left_us = yg_pg_get_i64(res, i, 4),
			.warn = yg_pg_get_str(res, i, 5),
			.created_us = yg_pg_get_i64(res, i, 6),
			.tlp = (int)yg_pg_get_i64(res, i, 7),
		};
		r = fn(ud, &v);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_value_put(struct yg_store *st, int64_t id, const struct yg_feed_value *v)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_i64(&a, v->type);
	yg_pg_txt(&a, v->value);
	yg_pg_txt(&a, v->stix_id);
	yg_pg_i64(&a, v->present ? 1 : 0);
	yg_pg_i64(&a, v->left_us);
	yg_pg_txt(&a, v->warn ? v->warn : "");
	yg_pg_i64(&a, v->created_us);
	yg_pg_i64(&a, v->tlp);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO feed_values(feed_id, type, value, stix_id, present, left_us,"
			 " warn, created_us, tlp) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
			 " ON CONFLICT(feed_id, type, value) DO UPDATE SET stix_id = excluded.stix_id,"
			 " present = excluded.present, left_us = excluded.left_us,"
			 " warn = excluded.warn, created_us = excluded.created_us, tlp = excluded.tlp",
			 &a, NULL);
}

const struct yg_store_feed_ops yg_pg_feed_ops = {
	.add = pg_add,
	.get = pg_get,
	.del = pg_del,
	.list = pg_list,
	.state_set = pg_state_set,
	.schedule = pg_schedule,
	.due = pg_due,
	.values = pg_values,
	.value_put = pg_value_put,
};
