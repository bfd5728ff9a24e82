/*
 * SQLite backend, infected-hosts half (store_hosts.h). The tables come
 * from migration 8 in sqlite.c; every value is a bound parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_hosts.h"

#define OWNER_COLS "id, name, coalesce(org_id, 0), email, webhook, lang, secret, last_notice_us"
#define HOST_COLS                                                                               \
	"id, key, hashed, owner_id, org_id, family, severity, state, first_seen_us,"            \
	" last_seen_us, detected_us, notified_us, acknowledged_us, cleaned_us, reinfections,"  \
	" pending, evidence, prev_notify_s, prev_clean_s"
#define DELIVERY_COLS                                                                           \
	"id, notice_id, owner_id, channel, target, state, attempts, next_try_us, updated_us,"  \
	" last_error"

static void owner_of(sqlite3_stmt *s, struct yg_host_owner *o)
{
	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(s, 0);
	yg_sq_col_text(s, 1, o->name, sizeof o->name);
	o->org_id = sqlite3_column_int64(s, 2);
	yg_sq_col_text(s, 3, o->email, sizeof o->email);
	yg_sq_col_text(s, 4, o->webhook, sizeof o->webhook);
	yg_sq_col_text(s, 5, o->lang, sizeof o->lang);
	yg_sq_col_text(s, 6, o->secret, sizeof o->secret);
	o->last_notice_us = sqlite3_column_int64(s, 7);
}

static int count_of(struct yg_sqlite *s, const char *sql, int64_t *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, sql, &stmt);
	if (r == 0)
		r = yg_sq_row(stmt);
	if (r == 0)
		*ret = sqlite3_column_int64(stmt, 0);
	yg_sq_fin(s, stmt);
	return r;
}

static int owner_find_by(struct yg_store *st, const char *name, int64_t id,
			 struct yg_host_owner *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   name ? "SELECT " OWNER_COLS " FROM host_owners WHERE name = ?1"
				: "SELECT " OWNER_COLS " FROM host_owners WHERE id = ?1",
			   &stmt);
	if (r < 0)
		return r;
	yg_sq_bind_key(stmt, name, id);
	r = yg_sq_row(stmt);
	if (r == 0)
		owner_of(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int h_owner_get(struct yg_store *st, int64_t id, struct yg_host_owner *ret)
{
	return owner_find_by(st, NULL, id, ret);
}

static int h_owner_find(struct yg_store *st, const char *name, struct yg_host_owner *ret)
{
	return owner_find_by(st, name, 0, ret);
}

static int h_owner_put(struct yg_store *st, const struct yg_host_owner *o, int64_t *ret_id,
		       bool *ret_new)
{
	struct yg_sqlite *s = yg_sq(st);
	struct yg_host_owner old = {0};
	int r = owner_find_by(st, o->name, 0, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	bool is_new = r == -ENOENT;
	if (is_new) {
		int64_t n = 0;
		r = count_of(s, "SELECT count(*) FROM host_owners", &n);
		if (r < 0)
			return r;
		if (n >= YG_HOST_OWNERS_MAX)
			return -E2BIG;
	}
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(s,
		       is_new ? "INSERT INTO host_owners(name, org_id, email, webhook, lang, secret,"
				" created_us) VALUES (?1, nullif(?2, 0), ?3, ?4, ?5, ?6, ?7)"
			      : "UPDATE host_owners SET org_id = nullif(?2, 0), email = ?3,"
				" webhook = ?4, lang = ?5 WHERE name = ?1",
		       &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, o->org_id);
	sqlite3_bind_text(stmt, 3, o->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, o->webhook, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, o->lang, -1, SQLITE_STATIC);
	if (is_new) {
		sqlite3_bind_text(stmt, 6, o->secret, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 7, yg_sq_now_us());
	}
	r = yg_sq_done(s, stmt);
	if (r < 0)
		return r;
	*ret_id = is_new ? sqlite3_last_insert_rowid(s->db) : old.id;
	if (ret_new)
		*ret_new = is_new;
	return 0;
}

static int h_owner_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_host_owner *o),
			void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " OWNER_COLS " FROM host_owners ORDER BY name", &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_host_owner o;
		owner_of(stmt, &o);
		r = fn(ud, &o);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int h_owner_noticed(struct yg_store *st, int64_t id, int64_t when_us)
{
	int64_t v[2] = {id, when_us};
	return yg_sq_run_ints(yg_sq(st), "UPDATE host_owners SET last_notice_us = ?2 WHERE id = ?1",
			      v, 2);
}

static int h_prefix_put(struct yg_store *st, const char *cidr, int64_t owner_id)
{
	struct yg_sqlite *s = yg_sq(st);
	int64_t n = 0;
	int r = count_of(s, "SELECT count(*) FROM host_prefixes", &n);
	if (r < 0)
		return r;
	sqlite3_stmt *stmt = NULL;
	if (n >= YG_HOST_PREFIXES_MAX) {
		/* Only a prefix already mapped may be mapped again. */
		r = yg_sq_prep(s, "UPDATE host_prefixes SET owner_id = ?2 WHERE cidr = ?1", &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_text(stmt, 1, cidr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, owner_id);
		r = yg_sq_done_one(s, stmt);
		return r == -ENOENT ? -E2BIG : r;
	}
	r = yg_sq_prep(s,
		       "INSERT INTO host_prefixes(cidr, owner_id) VALUES (?1, ?2)"
		       " ON CONFLICT(cidr) DO UPDATE SET owner_id = excluded.owner_id",
		       &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, cidr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, owner_id);
	return yg_sq_done(s, stmt);
}

static int h_prefix_list(struct yg_store *st,
			 int (*fn)(void *ud, const char *cidr, int64_t owner_id), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT cidr, owner_id FROM host_prefixes ORDER BY cidr",
			   &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = fn(ud, (const char *)sqlite3_column_text(stmt, 0), sqlite3_column_int64(stmt, 1));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static void host_of(sqlite3_stmt *s, struct yg_host *h)
{
	memset(h, 0, sizeof *h);
	h->id = sqlite3_column_int64(s, 0);
	yg_sq_col_text(s, 1, h->key, sizeof h->key);
	h->hashed = sqlite3_column_int(s, 2) != 0;
	h->owner_id = sqlite3_column_int64(s, 3);
	h->org_id = sqlite3_column_int64(s, 4);
	yg_sq_col_text(s, 5, h->family, sizeof h->family);
	h->severity = (enum yg_host_severity)sqlite3_column_int(s, 6);
	h->state = (enum yg_host_state)sqlite3_column_int(s, 7);
	h->first_seen_us = sqlite3_column_int64(s, 8);
	h->last_seen_us = sqlite3_column_int64(s, 9);
	h->detected_us = sqlite3_column_int64(s, 10);
	h->notified_us = sqlite3_column_int64(s, 11);
	h->acknowledged_us = sqlite3_column_int64(s, 12);
	h->cleaned_us = sqlite3_column_int64(s, 13);
	h->reinfections = sqlite3_column_int64(s, 14);
	h->pending = sqlite3_column_int(s, 15) != 0;
	h->evidence = sqlite3_column_int64(s, 16);
	h->prev_notify_s = sqlite3_column_int64(s, 17);
	h->prev_clean_s = sqlite3_column_int64(s, 18);
}

static int host_by_key(struct yg_sqlite *s, const char *key, struct yg_host *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "SELECT " HOST_COLS " FROM hosts WHERE key = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	r = yg_sq_row(stmt);
	if (r == 0)
		host_of(stmt, ret);
	yg_sq_fin(s, stmt);
	return r;
}

static int h_host_get(struct yg_store *st, int64_t id, struct yg_host *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " HOST_COLS " FROM hosts WHERE id = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	r = yg_sq_row(stmt);
	if (r == 0)
		host_of(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int new_host(struct yg_sqlite *s, const struct yg_host_evidence_in *ev, int64_t *ret_id)
{
	int64_t n = 0;
	int r = count_of(s, "SELECT count(*) FROM hosts", &n);
	if (r < 0)
		return r;
	if (n >= YG_HOSTS_MAX)
		return -E2BIG;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(s,
		       "INSERT INTO hosts(key, hashed, owner_id, org_id, family, severity, state,"
		       " first_seen_us, last_seen_us, detected_us, pending, pending_since_us)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7, ?8, 1, ?8)",
		       &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, ev->key, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, ev->hashed);
	sqlite3_bind_int64(stmt, 3, ev->owner_id);
	sqlite3_bind_int64(stmt, 4, ev->org_id);
	sqlite3_bind_text(stmt, 5, ev->family, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, ev->severity);
	sqlite3_bind_int64(stmt, 7, ev->time_us);
	sqlite3_bind_int64(stmt, 8, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static int h_host_evidence(struct yg_store *st, const struct yg_host_evidence_in *ev,
			   int64_t *ret_host_id, bool *ret_added)
{
	struct yg_sqlite *s = yg_sq(st);
	struct yg_host h;
	int64_t id = 0;
	int r = host_by_key(s, ev->key, &h);
	if (r == -ENOENT)
		r = new_host(s, ev, &id);
	else if (r == 0)
		id = h.id;
	if (r < 0)
		return r;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(s,
		       "INSERT INTO host_evidence(host_id, time_us, org_id, source, sensor, family,"
		       " severity, ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		       " ON CONFLICT(host_id, source, ref, time_us) DO NOTHING",
		       &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, ev->time_us);
	sqlite3_bind_int64(stmt, 3, ev->org_id);
	sqlite3_bind_text(stmt, 4, ev->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, ev->sensor ? ev->sensor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, ev->family, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 7, ev->severity);
	sqlite3_bind_text(stmt, 8, ev->ref ? ev->ref : "", -1, SQLITE_STATIC);
	r = yg_sq_done(s, stmt);
	if (r < 0)
		return r;
	bool added = sqlite3_changes(s->db) > 0;
	if (added) {
		/* A known family is not replaced by "unknown"; severity only
		 * rises; a cleaned host seen again after its cleaning is
		 * reinfected. */
		r = yg_sq_prep(
		    s,
		    "UPDATE hosts SET last_seen_us = max(last_seen_us, ?2),"
		    " first_seen_us = min(first_seen_us, ?2),"
		    " family = CASE WHEN ?3 = 'unknown' AND family <> 'unknown' THEN family ELSE ?3 END,"
		    " severity = max(severity, ?4), evidence = evidence + 1,"
		    " pending = CASE WHEN state = 3 AND ?2 <= cleaned_us THEN pending ELSE 1 END,"
		    " pending_since_us = CASE WHEN pending = 0 AND NOT (state = 3 AND ?2 <= cleaned_us)"
		    "  THEN ?5 ELSE pending_since_us END,"
		    " reinfections = reinfections + (state = 3 AND ?2 > cleaned_us),"
		    " prev_notify_s = CASE WHEN state = 3 AND ?2 > cleaned_us THEN"
		    "  CASE WHEN notified_us >= detected_us THEN (notified_us - detected_us) / 1000000"
		    "  ELSE -1 END ELSE prev_notify_s END,"
		    " prev_clean_s = CASE WHEN state = 3 AND ?2 > cleaned_us THEN"
		    "  (cleaned_us - detected_us) / 1000000 ELSE prev_clean_s END,"
		    " state = CASE WHEN state = 3 AND ?2 > cleaned_us THEN 4 ELSE state END,"
		    " detected_us = CASE WHEN state = 3 AND ?2 > cleaned_us THEN ?5 ELSE detected_us END"
		    " WHERE id = ?1",
		    &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, ev->time_us);
		sqlite3_bind_text(stmt, 3, ev->family, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 4, ev->severity);
		sqlite3_bind_int64(stmt, 5, yg_sq_now_us());
		r = yg_sq_done(s, stmt);
		/* The oldest evidence beyond the cap goes. */
		int64_t v[2] = {id, YG_HOST_EVIDENCE_KEEP};
		if (r == 0)
			r = yg_sq_run_ints(s,
					   "DELETE FROM host_evidence WHERE host_id = ?1 AND id NOT IN"
					   " (SELECT id FROM host_evidence WHERE host_id = ?1"
					   " ORDER BY time_us DESC, id DESC LIMIT ?2)",
					   v, 2);
		if (r < 0)
			return r;
	}
	*ret_host_id = id;
	if (ret_added)
		*ret_added = added;
	return 0;
}

static int h_host_list(struct yg_store *st, const struct yg_host_query *q,
		       int (*fn)(void *ud, const struct yg_host *h), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT " HOST_COLS " FROM hosts WHERE"
			   " (?1 = 0 OR owner_id IN (SELECT id FROM host_owners WHERE org_id = ?1))"
			   " AND (?2 = 0 OR owner_id = ?2) AND (?3 < 0 OR state = ?3)"
			   " AND (?4 = 0 OR pending = 1) ORDER BY id LIMIT ?5 OFFSET ?6",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, q->owner_org);
	sqlite3_bind_int64(stmt, 2, q->owner_id);
	sqlite3_bind_int(stmt, 3, q->state);
	sqlite3_bind_int(stmt, 4, q->pending_only);
	sqlite3_bind_int64(stmt, 5, q->limit ? (int64_t)q->limit : -1);
	sqlite3_bind_int64(stmt, 6, (int64_t)q->offset);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_host h;
		host_of(stmt, &h);
		r = fn(ud, &h);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int h_pending_owners(struct yg_store *st,
			    int (*fn)(void *ud, int64_t owner_id, enum yg_host_severity sev,
				      int64_t since_us),
			    void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT owner_id, max(severity), min(pending_since_us) FROM hosts"
			   " WHERE pending = 1"
			   " GROUP BY owner_id ORDER BY owner_id",
			   &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = fn(ud, sqlite3_column_int64(stmt, 0),
		       (enum yg_host_severity)sqlite3_column_int(stmt, 1),
		       sqlite3_column_int64(stmt, 2));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int h_evidence_list(struct yg_store *st, int64_t host_id, size_t limit,
			   int (*fn)(void *ud, const struct yg_host_evidence *e), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT time_us, org_id, source, sensor, family, severity, ref FROM"
			   " host_evidence WHERE host_id = ?1 ORDER BY time_us DESC, id DESC LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, host_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_host_evidence e;
		memset(&e, 0, sizeof e);
		e.time_us = sqlite3_column_int64(stmt, 0);
		e.org_id = sqlite3_column_int64(stmt, 1);
		yg_sq_col_text(stmt, 2, e.source, sizeof e.source);
		yg_sq_col_text(stmt, 3, e.sensor, sizeof e.sensor);
		yg_sq_col_text(stmt, 4, e.family, sizeof e.family);
		e.severity = (enum yg_host_severity)sqlite3_column_int(stmt, 5);
		yg_sq_col_text(stmt, 6, e.ref, sizeof e.ref);
		r = fn(ud, &e);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int h_host_set_state(struct yg_store *st, int64_t id, enum yg_host_state to,
			    int64_t when_us)
{
	static const char *const sql[] = {
		[YG_HOST_DETECTED] = "UPDATE hosts SET state = 0, detected_us = ?2 WHERE id = ?1",
		[YG_HOST_NOTIFIED] =
		    "UPDATE hosts SET state = 1, notified_us = ?2, pending = 0 WHERE id = ?1",
		[YG_HOST_ACKNOWLEDGED] =
		    "UPDATE hosts SET state = 2, acknowledged_us = ?2 WHERE id = ?1",
		[YG_HOST_CLEANED] = "UPDATE hosts SET state = 3, cleaned_us = ?2 WHERE id = ?1",
		[YG_HOST_REINFECTED] = "UPDATE hosts SET state = 4, detected_us = ?2 WHERE id = ?1",
	};
	if ((unsigned)to > YG_HOST_REINFECTED)
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), sql[to], &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, when_us);
	return yg_sq_done_one(yg_sq(st), stmt);
}

static int h_notice_add(struct yg_store *st, int64_t owner_id, const char *body,
			const int64_t *hosts, size_t n_hosts, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "INSERT INTO host_notices(owner_id, created_us, body) VALUES (?1, ?2, ?3)",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, owner_id);
	sqlite3_bind_int64(stmt, 2, yg_sq_now_us());
	sqlite3_bind_text(stmt, 3, body, -1, SQLITE_STATIC);
	r = yg_sq_done(s, stmt);
	if (r < 0)
		return r;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; r == 0 && i < n_hosts; i++) {
		int64_t v[2] = {id, hosts[i]};
		r = yg_sq_run_ints(s,
				   "INSERT OR IGNORE INTO host_notice_hosts(notice_id, host_id)"
				   " VALUES (?1, ?2)",
				   v, 2);
	}
	if (r == 0)
		*ret_id = id;
	return r;
}

static int h_notice_body(struct yg_store *st, int64_t notice_id, char **ret_body)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT body FROM host_notices WHERE id = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, notice_id);
	r = yg_sq_row(stmt);
	if (r == 0) {
		const char *b = (const char *)sqlite3_column_text(stmt, 0);
		*ret_body = strdup(b ? b : "");
		if (!*ret_body)
			r = -ENOMEM;
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int h_delivery_add(struct yg_store *st, int64_t notice_id, int64_t owner_id,
			  const char *channel, const char *target, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
			   "INSERT INTO host_deliveries(notice_id, owner_id, channel, target, state,"
			   " next_try_us, updated_us) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5)",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, notice_id);
	sqlite3_bind_int64(stmt, 2, owner_id);
	sqlite3_bind_text(stmt, 3, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static void delivery_of(sqlite3_stmt *s, struct yg_host_delivery *d)
{
	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(s, 0);
	d->notice_id = sqlite3_column_int64(s, 1);
	d->owner_id = sqlite3_column_int64(s, 2);
	yg_sq_col_text(s, 3, d->channel, sizeof d->channel);
	yg_sq_col_text(s, 4, d->target, sizeof d->target);
	yg_sq_col_text(s, 5, d->state, sizeof d->state);
	d->attempts = sqlite3_column_int64(s, 6);
	d->next_try_us = sqlite3_column_int64(s, 7);
	d->updated_us = sqlite3_column_int64(s, 8);
	yg_sq_col_text(s, 9, d->last_error, sizeof d->last_error);
}

static int deliveries(struct yg_sqlite *s, sqlite3_stmt *stmt,
                      int (*fn)(void *ud, const struct yg_host_delivery *d), void *ud)
{
	int rc, r = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_host_delivery d;
		delivery_of(stmt, &d);
		r = fn(ud, &d);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

static int h_delivery_due(struct yg_store *st, int64_t now_us, size_t limit,
			  int (*fn)(void *ud, const struct yg_host_delivery *d), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT " DELIVERY_COLS " FROM host_deliveries WHERE state IN"
			   " ('pending', 'failed') AND next_try_us <= ?1 ORDER BY next_try_us, id"
			   " LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, now_us);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	return deliveries(yg_sq(st), stmt, fn, ud);
}

static int h_delivery_attempt(struct yg_store *st, int64_t id, const struct yg_host_attempt *a,
			      const char *state, int64_t next_try_us)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
			   "INSERT INTO host_attempts(delivery_id, time_us, ok, status, error)"
			   " VALUES (?1, ?2, ?3, ?4, ?5)",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, a->time_us);
	sqlite3_bind_int(stmt, 3, a->ok);
	sqlite3_bind_int64(stmt, 4, a->status);
	sqlite3_bind_text(stmt, 5, a->error, -1, SQLITE_STATIC);
	r = yg_sq_done(s, stmt);
	if (r < 0)
		return r;
	r = yg_sq_prep(s,
		       "UPDATE host_deliveries SET state = ?2, attempts = attempts + 1,"
		       " next_try_us = ?3, last_error = ?4, updated_us = ?5 WHERE id = ?1",
		       &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, next_try_us);
	sqlite3_bind_text(stmt, 4, a->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, a->time_us);
	return yg_sq_done_one(s, stmt);
}

static int h_delivery_list(struct yg_store *st, int64_t owner_org, size_t limit,
			   int (*fn)(void *ud, const struct yg_host_delivery *d), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT " DELIVERY_COLS " FROM host_deliveries WHERE ?1 = 0 OR owner_id IN"
			   " (SELECT id FROM host_owners WHERE org_id = ?1) ORDER BY id DESC LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, owner_org);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	return deliveries(yg_sq(st), stmt, fn, ud);
}

static int h_attempt_list(struct yg_store *st, int64_t delivery_id,
			  int (*fn)(void *ud, const struct yg_host_attempt *a), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT time_us, ok, status, error FROM host_attempts WHERE delivery_id = ?1"
			   " ORDER BY id",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, delivery_id);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_host_attempt a = {.delivery_id = delivery_id};
		a.time_us = sqlite3_column_int64(stmt, 0);
		a.ok = sqlite3_column_int(stmt, 1) != 0;
		a.status = (long)sqlite3_column_int64(stmt, 2);
		yg_sq_col_text(stmt, 3, a.error, sizeof a.error);
		r = fn(ud, &a);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int h_ack_put(struct yg_store *st, const uint8_t hash[32], int64_t host_id,
		     enum yg_host_state state, int64_t expires_us)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "INSERT INTO host_ack_tokens(hash, host_id, state, expires_us)"
			   " VALUES (?1, ?2, ?4, ?3)",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, host_id);
	sqlite3_bind_int64(stmt, 3, expires_us);
	sqlite3_bind_int(stmt, 4, state);
	return yg_sq_done(yg_sq(st), stmt);
}

static int h_ack_take(struct yg_store *st, const uint8_t hash[32], int64_t now_us,
		      int64_t *ret_host_id, enum yg_host_state *ret_state)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	/* One statement marks it used and answers the host, so two requests
	 * racing with one token cannot both pass. */
	int r = yg_sq_prep(s,
			   "UPDATE host_ack_tokens SET used_us = ?2 WHERE hash = ?1 AND used_us IS NULL"
			   " AND expires_us > ?2 RETURNING host_id, state",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now_us);
	r = yg_sq_row(stmt);
	int64_t id = r == 0 ? sqlite3_column_int64(stmt, 0) : 0;
	int state = r == 0 ? sqlite3_column_int(stmt, 1) : 0;
	if (r == 0) {
		int rc = sqlite3_step(stmt);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			r = yg_sq_err(rc);
	}
	yg_sq_fin(s, stmt);
	if (r == 0) {
		*ret_host_id = id;
		*ret_state = (enum yg_host_state)state;
	}
	return r;
}

const struct yg_store_host_ops yg_sq_host_ops = {
	.owner_put = h_owner_put,
	.owner_get = h_owner_get,
	.owner_find = h_owner_find,
	.owner_list = h_owner_list,
	.owner_noticed = h_owner_noticed,
	.prefix_put = h_prefix_put,
	.prefix_list = h_prefix_list,
	.host_evidence = h_host_evidence,
	.host_get = h_host_get,
	.host_list = h_host_list,
	.pending_owners = h_pending_owners,
	.evidence_list = h_evidence_list,
	.host_set_state = h_host_set_state,
	.notice_add = h_notice_add,
	.notice_body = h_notice_body,
	.delivery_add = h_delivery_add,
	.delivery_due = h_delivery_due,
	.delivery_attempt = h_delivery_attempt,
	.delivery_list = h_delivery_list,
	.attempt_list = h_attempt_list,
	.ack_put = h_ack_put,
	.ack_take = h_ack_take,
};
