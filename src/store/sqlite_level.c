/*
 * SQLite backend, alert-level half (store_level.h). The tables come from
 * migration 6 in sqlite.c; every value is a bound parameter.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_level.h"

static const char *col(sqlite3_stmt *stmt, int i)
{
	const char *t = (const char *)sqlite3_column_text(stmt, i);
	return t ? t : "";
}

static int sq_state_get(struct yg_store *st, char **ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT json FROM level_state WHERE id = 1", &stmt);
	if (r < 0)
		return r;
	r = yg_sq_row(stmt);
	if (r == 0) {
		char *t = strdup(col(stmt, 0));
		r = t ? 0 : -ENOMEM;
		if (t)
			*ret = t;
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_state_put(struct yg_store *st, const char *json)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "INSERT INTO level_state(id, json) VALUES (1, ?1)"
			   " ON CONFLICT(id) DO UPDATE SET json = excluded.json",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
	return yg_sq_done(yg_sq(st), stmt);
}

static int sq_signal_put(struct yg_store *st, const char *name, double value, const char *detail,
			 int64_t set_us, int64_t expires_us)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "INSERT INTO level_signals(name, value, detail, set_us, expires_us)"
			   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO UPDATE SET"
			   " value = excluded.value, detail = excluded.detail,"
			   " set_us = excluded.set_us, expires_us = excluded.expires_us",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(stmt, 2, value);
	if (detail)
		sqlite3_bind_text(stmt, 3, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, set_us);
	sqlite3_bind_int64(stmt, 5, expires_us);
	return yg_sq_done(yg_sq(st), stmt);
}

static int sq_signal_list(struct yg_store *st,
			  int (*fn)(void *ud, const char *name, double value, const char *detail,
				    int64_t set_us, int64_t expires_us),
			  void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT name, value, detail, set_us, expires_us FROM level_signals"
			   " ORDER BY name",
			   &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(stmt, 2);
		r = fn(ud, col(stmt, 0), sqlite3_column_double(stmt, 1), detail,
		       sqlite3_column_int64(stmt, 3), sqlite3_column_int64(stmt, 4));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int sq_signal_prune(struct yg_store *st, int64_t now_us)
{
	int64_t v[1] = {now_us};
	return yg_sq_run_ints(yg_sq(st), "DELETE FROM level_signals WHERE expires_us <= ?1", v, 1);
}

static int sq_entry_add(struct yg_store *st, const struct yg_level_entry *e, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
			   "INSERT INTO level_history(time_us, kind, level_from, level_to, proposal,"
			   " actor_org, actor, actor_token, actor_role, reason, detail)"
			   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, e->time_us);
	sqlite3_bind_text(stmt, 2, e->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, e->from);
	sqlite3_bind_int(stmt, 4, e->to);
	sqlite3_bind_int64(stmt, 5, e->proposal);
	if (e->actor_org)
		sqlite3_bind_int64(stmt, 6, e->actor_org);
	sqlite3_bind_text(stmt, 7, e->actor ? e->actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, e->actor_token ? e->actor_token : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, e->actor_role ? e->actor_role : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 10, e->reason ? e->reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 11, e->detail ? e->detail : "{}", -1, SQLITE_STATIC);
	r = yg_sq_done(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static int sq_entry_list(struct yg_store *st, int64_t before, size_t limit,
			 int (*fn)(void *ud, const struct yg_level_entry *e), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT id, time_us, kind, level_from, level_to, proposal,"
			   " COALESCE(actor_org, 0), actor, actor_token, actor_role, reason, detail"
			   " FROM level_history WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, before);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_level_entry e = {
		    .id = sqlite3_column_int64(stmt, 0),
		    .time_us = sqlite3_column_int64(stmt, 1),
		    .kind = col(stmt, 2),
		    .from = sqlite3_column_int(stmt, 3),
		    .to = sqlite3_column_int(stmt, 4),
		    .proposal = sqlite3_column_int64(stmt, 5),
		    .actor_org = sqlite3_column_int64(stmt, 6),
		    .actor = col(stmt, 7),
		    .actor_token = col(stmt, 8),
		    .actor_role = col(stmt, 9),
		    .reason = col(stmt, 10),
		    .detail = col(stmt, 11),
		};
		r = fn(ud, &e);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int sq_action_add(struct yg_store *st, int64_t entry_id, int level, const char *kind,
			 const char *params, int64_t next_try_us, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
			   "INSERT INTO level_actions(entry_id, level, kind, params, state, attempts,"
			   " next_try_us, created_us, updated_us)"
			   " VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?6, ?6)",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, entry_id);
	sqlite3_bind_int(stmt, 2, level);
	sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, params, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, next_try_us);
	sqlite3_bind_int64(stmt, 6, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static int sq_action_update(struct yg_store *st, int64_t id, const char *state, int attempts,
			    int64_t next_try_us, const char *last_error, const char *result)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
			   "UPDATE level_actions SET state = ?2, attempts = ?3, next_try_us = ?4,"
			   " last_error = ?5, result = ?6, updated_us = ?7 WHERE id = ?1",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, attempts);
	sqlite3_bind_int64(stmt, 4, next_try_us);
	sqlite3_bind_text(stmt, 5, last_error ? last_error : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, result ? result : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 7, yg_sq_now_us());
	return yg_sq_done_one(s, stmt);
}

#define ACTION_COLS                                                                             \
	"SELECT id, entry_id, level, kind, params, state, attempts, next_try_us, last_error,"   \
	" result, created_us, updated_us FROM level_actions "

static int action_rows(struct yg_sqlite *s, sqlite3_stmt *stmt,
                       int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud)
{
	int rc, r = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_level_action_row a = {
		    .id = sqlite3_column_int64(stmt, 0),
		    .entry_id = sqlite3_column_int64(stmt, 1),
		    .level = sqlite3_column_int(stmt, 2),
		    .kind = col(stmt, 3),
		    .params = col(stmt, 4),
		    .state = col(stmt, 5),
		    .attempts = sqlite3_column_int(stmt, 6),
		    .next_try_us = sqlite3_column_int64(stmt, 7),
		    .last_error = col(stmt, 8),
		    .result = col(stmt, 9),
		    .created_us = sqlite3_column_int64(stmt, 10),
		    .updated_us = sqlite3_column_int64(stmt, 11),
		};
		r = fn(ud, &a);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

static int sq_action_list(struct yg_store *st, int64_t entry_id,
			  int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), ACTION_COLS "WHERE entry_id = ?1 ORDER BY id", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, entry_id);
	return action_rows(yg_sq(st), stmt, fn, ud);
}

static int sq_action_due(struct yg_store *st, int64_t now_us, size_t limit,
			 int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   ACTION_COLS "WHERE state IN ('pending', 'failed') AND next_try_us <= ?1"
				       " ORDER BY id LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, now_us);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	return action_rows(yg_sq(st), stmt, fn, ud);
}

static int sq_action_next(struct yg_store *st, int64_t *ret_us)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT MIN(next_try_us) FROM level_actions"
			   " WHERE state IN ('pending', 'failed')",
			   &stmt);
	if (r < 0)
		return r;
	r = yg_sq_row(stmt);
	if (r == 0 && sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		r = -ENOENT;
	else if (r == 0)
		*ret_us = sqlite3_column_int64(stmt, 0);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_action_supersede(struct yg_store *st, int64_t entry_id)
{
	int64_t v[2] = {entry_id, yg_sq_now_us()};
	return yg_sq_run_ints(yg_sq(st),
			      "UPDATE level_actions SET state = 'superseded', updated_us = ?2"
			      " WHERE entry_id < ?1 AND state IN ('pending', 'failed')",
			      v, 2);
}

static int sq_campaign_spread(struct yg_store *st, int64_t since_us, struct yg_level_spread *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT c.stix_id, COUNT(DISTINCT s.org_id), COUNT(DISTINCT o.sector)"
			   " FROM campaigns c JOIN mail_submissions s ON s.campaign_id = c.id"
			   " JOIN organizations o ON o.id = s.org_id WHERE c.modified_us >= ?1"
			   " GROUP BY c.id ORDER BY c.id",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, since_us);
	struct yg_level_spread sp = {0};
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t orgs = sqlite3_column_int64(stmt, 1), sectors = sqlite3_column_int64(stmt, 2);
		sp.campaigns++;
		if (orgs > sp.max_orgs) {
			sp.max_orgs = orgs;
			yg_sq_col_text(stmt, 0, sp.orgs_campaign, sizeof sp.orgs_campaign);
		}
		if (sectors > sp.max_sectors) {
			sp.max_sectors = sectors;
			yg_sq_col_text(stmt, 0, sp.sectors_campaign, sizeof sp.sectors_campaign);
		}
	}
	r = yg_sq_rows_end(yg_sq(st), stmt, rc, 1);
	if (r == 0)
		*ret = sp;
	return r;
}

static int sq_sector_sightings(struct yg_store *st, int64_t since_us,
			       int (*fn)(void *ud, const char *sector, int64_t count), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT o.sector, SUM(g.count) FROM sightings g"
			   " JOIN organizations o ON o.id = g.org_id WHERE g.last_seen_us >= ?1"
			   " GROUP BY o.sector ORDER BY o.sector",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, since_us);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = fn(ud, col(stmt, 0), sqlite3_column_int64(stmt, 1));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

const struct yg_store_level_ops yg_sq_level_ops = {
    .state_get = sq_state_get,
    .state_put = sq_state_put,
    .signal_put = sq_signal_put,
    .signal_list = sq_signal_list,
    .signal_prune = sq_signal_prune,
    .entry_add = sq_entry_add,
    .entry_list = sq_entry_list,
    .action_add = sq_action_add,
    .action_update = sq_action_update,
    .action_list = sq_action_list,
    .action_due = sq_action_due,
    .action_next = sq_action_next,
    .action_supersede = sq_action_supersede,
    .campaign_spread = sq_campaign_spread,
    .sector_sightings = sq_sector_sightings,
};
