/*
 * PostgreSQL backend, alert-level half (store_level.h): the SQL of
 * sqlite_level.c with $N placeholders; tables from migration 7 of
 * pg_schema.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/store_level.h"

static int pg_state_get(struct yg_store *st, char **ret)
{
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT json FROM level_state WHERE id = 1", NULL, &res);
	if (r < 0)
		return r;
	char *t = strdup(yg_pg_get_str(res, 0, 0));
	PQclear(res);
	if (!t)
		return -ENOMEM;
	*ret = t;
	return 0;
}

static int pg_state_put(struct yg_store *st, const char *json)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, json);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO level_state(id, json) VALUES (1, $1)"
			 " ON CONFLICT(id) DO UPDATE SET json = excluded.json",
			 &a, NULL);
}

static int pg_signal_put(struct yg_store *st, const char *name, double value, const char *detail,
			 int64_t set_us, int64_t expires_us)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	yg_pg_f64(&a, value);
	yg_pg_txt(&a, detail); /* NULL stays NULL */
	yg_pg_i64(&a, set_us);
	yg_pg_i64(&a, expires_us);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO level_signals(name, value, detail, set_us, expires_us)"
			 " VALUES ($1, $2, $3, $4, $5) ON CONFLICT(name) DO UPDATE SET"
			 " value = excluded.value, detail = excluded.detail,"
			 " set_us = excluded.set_us, expires_us = excluded.expires_us",
			 &a, NULL);
}

static int pg_signal_list(struct yg_store *st,
			  int (*fn)(void *ud, const char *name, double value, const char *detail,
				    int64_t set_us, int64_t expires_us),
			  void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT name, value, detail, set_us, expires_us FROM level_signals"
			  " ORDER BY name",
			  NULL, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *detail = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2);
		r = fn(ud, yg_pg_get_str(res, i, 0), yg_pg_get_f64(res, i, 1), detail,
		       yg_pg_get_i64(res, i, 3), yg_pg_get_i64(res, i, 4));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_signal_prune(struct yg_store *st, int64_t now_us)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, now_us);
	return yg_pg_run(yg_pg(st), "DELETE FROM level_signals WHERE expires_us <= $1", &a, NULL);
}

static int pg_entry_add(struct yg_store *st, const struct yg_level_entry *e, int64_t *ret_id)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, e->time_us);
	yg_pg_txt(&a, e->kind ? e->kind : "");
	yg_pg_i64(&a, e->from);
	yg_pg_i64(&a, e->to);
	yg_pg_i64(&a, e->proposal);
	yg_pg_i64_or_null(&a, e->actor_org);
	yg_pg_txt(&a, e->actor ? e->actor : "");
	yg_pg_txt(&a, e->actor_token ? e->actor_token : "");
	yg_pg_txt(&a, e->actor_role ? e->actor_role : "");
	yg_pg_txt(&a, e->reason ? e->reason : "");
	yg_pg_txt(&a, e->detail ? e->detail : "{}");
	int64_t id = 0;
	int r = yg_pg_int(yg_pg(st),
			  "INSERT INTO level_history(time_us, kind, level_from, level_to, proposal,"
			  " actor_org, actor, actor_token, actor_role, reason, detail)"
			  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
			  &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

static int pg_entry_list(struct yg_store *st, int64_t before, size_t limit,
			 int (*fn)(void *ud, const struct yg_level_entry *e), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, before);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT id, time_us, kind, level_from, level_to, proposal,"
			  " COALESCE(actor_org, 0), actor, actor_token, actor_role, reason, detail"
			  " FROM level_history WHERE $1 = 0 OR id < $1 ORDER BY id DESC LIMIT $2",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_level_entry e = {
		    .id = yg_pg_get_i64(res, i, 0),
		    .time_us = yg_pg_get_i64(res, i, 1),
		    .kind = yg_pg_get_str(res, i, 2),
		    .from = (int)yg_pg_get_i64(res, i, 3),
		    .to = (int)yg_pg_get_i64(res, i, 4),
		    .proposal = yg_pg_get_i64(res, i, 5),
		    .actor_org = yg_pg_get_i64(res, i, 6),
		    .actor = yg_pg_get_str(res, i, 7),
		    .actor_token = yg_pg_get_str(res, i, 8),
		    .actor_role = yg_pg_get_str(res, i, 9),
		    .reason = yg_pg_get_str(res, i, 10),
		    .detail = yg_pg_get_str(res, i, 11),
		};
		r = fn(ud, &e);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_action_add(struct yg_store *st, int64_t entry_id, int level, const char *kind,
			 const char *params, int64_t next_try_us, int64_t *ret_id)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, entry_id);
	yg_pg_i64(&a, level);
	yg_pg_txt(&a, kind);
	yg_pg_txt(&a, params);
	yg_pg_i64(&a, next_try_us);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r = yg_pg_int(yg_pg(st),
			  "INSERT INTO level_actions(entry_id, level, kind, params, state, attempts,"
			  " next_try_us, created_us, updated_us)"
			  " VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $6) RETURNING id",
			  &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

static int pg_action_update(struct yg_store *st, int64_t id, const char *state, int attempts,
			    int64_t next_try_us, const char *last_error, const char *result)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_txt(&a, state);
	yg_pg_i64(&a, attempts);
	yg_pg_i64(&a, next_try_us);
	yg_pg_txt(&a, last_error ? last_error : "");
	yg_pg_txt(&a, result ? result : "");
	yg_pg_i64(&a, yg_pg_now_us());
	return yg_pg_run_one(yg_pg(st),
			     "UPDATE level_actions SET state = $2, attempts = $3, next_try_us = $4,"
			     " last_error = $5, result = $6, updated_us = $7 WHERE id = $1",
			     &a);
}

#define ACTION_COLS                                                                             \
	"SELECT id, entry_id, level, kind, params, state, attempts, next_try_us, last_error,"   \
	" result, created_us, updated_us FROM level_actions "

static int action_rows(struct yg_pg *s, const char *sql, struct yg_pg_args *a,
		       int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(s, sql, a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_level_action_row row = {
		    .id = yg_pg_get_i64(res, i, 0),
		    .entry_id = yg_pg_get_i64(res, i, 1),
		    .level = (int)yg_pg_get_i64(res, i, 2),
		    .kind = yg_pg_get_str(res, i, 3),
		    .params = yg_pg_get_str(res, i, 4),
		    .state = yg_pg_get_str(res, i, 5),
		    .attempts = (int)yg_pg_get_i64(res, i, 6),
		    .next_try_us = yg_pg_get_i64(res, i, 7),
		    .last_error = yg_pg_get_str(res, i, 8),
		    .result = yg_pg_get_str(res, i, 9),
		    .created_us = yg_pg_get_i64(res, i, 10),
		    .updated_us = yg_pg_get_i64(res, i, 11),
		};
		r = fn(ud, &row);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_action_list(struct yg_store *st, int64_t entry_id,
			  int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, entry_id);
	return action_rows(yg_pg(st), ACTION_COLS "WHERE entry_id = $1 ORDER BY id", &a, fn, ud);
}

static int pg_action_due(struct yg_store *st, int64_t now_us, size_t limit,
			 int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, now_us);
	yg_pg_i64(&a, (int64_t)limit);
	return action_rows(yg_pg(st),
			   ACTION_COLS "WHERE state IN ('pending', 'failed') AND next_try_us <= $1"
				       " ORDER BY id LIMIT $2",
			   &a, fn, ud);
}

static int pg_action_next(struct yg_store *st, int64_t *ret_us)
{
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st),
			  "SELECT MIN(next_try_us) FROM level_actions"
			  " WHERE state IN ('pending', 'failed')",
			  NULL, &res);
	if (r < 0)
		return r;
	if (PQgetisnull(res, 0, 0))
		r = -ENOENT;
	else
		*ret_us = yg_pg_get_i64(res, 0, 0);
	PQclear(res);
	return r;
}

static int pg_action_supersede(struct yg_store *st, int64_t entry_id)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, entry_id);
	yg_pg_i64(&a, yg_pg_now_us());
	return yg_pg_run(yg_pg(st),
			 "UPDATE level_actions SET state = 'superseded', updated_us = $2"
			 " WHERE entry_id < $1 AND state IN ('pending', 'failed')",
			 &a, NULL);
}

static int pg_campaign_spread(struct yg_store *st, int64_t since_us, struct yg_level_spread *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, since_us);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT c.stix_id, COUNT(DISTINCT s.org_id), COUNT(DISTINCT o.sector)"
			  " FROM campaigns c JOIN mail_submissions s ON s.campaign_id = c.id"
			  " JOIN organizations o ON o.id = s.org_id WHERE c.modified_us >= $1"
			  " GROUP BY c.id ORDER BY c.id",
			  &a, &res);
	if (r < 0)
		return r;
	struct yg_level_spread sp = {0};
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t orgs = yg_pg_get_i64(res, i, 1), sectors = yg_pg_get_i64(res, i, 2);
		sp.campaigns++;
		if (orgs > sp.max_orgs) {
			sp.max_orgs = orgs;
			yg_pg_get_text(res, i, 0, sp.orgs_campaign, sizeof sp.orgs_campaign);
		}
		if (sectors > sp.max_sectors) {
			sp.max_sectors = sectors;
			yg_pg_get_text(res, i, 0, sp.sectors_campaign, sizeof sp.sectors_campaign);
		}
	}
	PQclear(res);
	*ret = sp;
	return 0;
}

static int pg_sector_sightings(struct yg_store *st, int64_t since_us,
			       int (*fn)(void *ud, const char *sector, int64_t count), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, since_us);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT o.sector, SUM(g.count) FROM sightings g"
			  " JOIN organizations o ON o.id = g.org_id WHERE g.last_seen_us >= $1"
			  " GROUP BY o.sector ORDER BY o.sector COLLATE \"C\"",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_str(res, i, 0), yg_pg_get_i64(res, i, 1));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

const struct yg_store_level_ops yg_pg_level_ops = {
    .state_get = pg_state_get,
    .state_put = pg_state_put,
    .signal_put = pg_signal_put,
    .signal_list = pg_signal_list,
    .signal_prune = pg_signal_prune,
    .entry_add = pg_entry_add,
    .entry_list = pg_entry_list,
    .action_add = pg_action_add,
    .action_update = pg_action_update,
    .action_list = pg_action_list,
    .action_due = pg_action_due,
    .action_next = pg_action_next,
    .action_supersede = pg_action_supersede,
    .campaign_spread = pg_campaign_spread,
    .sector_sightings = pg_sector_sightings,
};
