/*
 * PostgreSQL backend, infected-hosts half (store_hosts.h): the SQL of
 * sqlite_hosts.c with $N placeholders; the tables from migration 8 of
 * pg_schema.c. SQLite's scalar max()/min() are GREATEST/LEAST here, a
 * comparison counted as a number is a CASE, and "no limit" is LIMIT ALL
 * (a NULL limit). Operations that read before they write run under the
 * write lock, so two hubs on one database cannot both create a host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/store_hosts.h"

#define OWNER_COLS "id, name, coalesce(org_id, 0), email, webhook, lang, secret, last_notice_us"
#define HOST_COLS                                                                               \
	"id, key, hashed, owner_id, org_id, family, severity, state, first_seen_us,"            \
	" last_seen_us, detected_us, notified_us, acknowledged_us, cleaned_us, reinfections,"  \
	" pending, evidence, prev_notify_s, prev_clean_s"
#define DELIVERY_COLS                                                                           \
	"id, notice_id, owner_id, channel, target, state, attempts, next_try_us, updated_us,"  \
	" last_error"

static void owner_of(const PGresult *res, int i, struct yg_host_owner *o)
{
	memset(o, 0, sizeof *o);
	o->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, o->name, sizeof o->name);
	o->org_id = yg_pg_get_i64(res, i, 2);
	yg_pg_get_text(res, i, 3, o->email, sizeof o->email);
	yg_pg_get_text(res, i, 4, o->webhook, sizeof o->webhook);
	yg_pg_get_text(res, i, 5, o->lang, sizeof o->lang);
	yg_pg_get_text(res, i, 6, o->secret, sizeof o->secret);
	o->last_notice_us = yg_pg_get_i64(res, i, 7);
}

static int owner_find_by(struct yg_pg *s, const char *name, int64_t id,
			 struct yg_host_owner *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	if (name)
		yg_pg_txt(&a, name);
	else
		yg_pg_i64(&a, id);
	PGresult *res = NULL;
	int r = yg_pg_row(s,
			  name ? "SELECT " OWNER_COLS " FROM host_owners WHERE name = $1"
			       : "SELECT " OWNER_COLS " FROM host_owners WHERE id = $1",
			  &a, &res);
	if (r < 0)
		return r;
	owner_of(res, 0, ret);
	PQclear(res);
	return 0;
}

static int h_owner_get(struct yg_store *st, int64_t id, struct yg_host_owner *ret)
{
	return owner_find_by(yg_pg(st), NULL, id, ret);
}

static int h_owner_find(struct yg_store *st, const char *name, struct yg_host_owner *ret)
{
	return owner_find_by(yg_pg(st), name, 0, ret);
}

static int owner_put_locked(struct yg_pg *s, const struct yg_host_owner *o, int64_t *ret_id,
			    bool *ret_new)
{
	struct yg_host_owner old = {0};
	int r = owner_find_by(s, o->name, 0, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	bool is_new = r == -ENOENT;
	if (is_new) {
		int64_t n = 0;
		r = yg_pg_int(s, "SELECT count(*) FROM host_owners", NULL, &n);
		if (r < 0)
			return r;
		if (n >= YG_HOST_OWNERS_MAX)
			return -E2BIG;
	}
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, o->name);
	yg_pg_i64(&a, o->org_id);
	yg_pg_txt(&a, o->email);
	yg_pg_txt(&a, o->webhook);
	yg_pg_txt(&a, o->lang);
	int64_t id = old.id;
	if (is_new) {
		yg_pg_txt(&a, o->secret);
		yg_pg_i64(&a, yg_pg_now_us());
		r = yg_pg_int(s,
			      "INSERT INTO host_owners(name, org_id, email, webhook, lang, secret,"
			      " created_us) VALUES ($1, nullif($2, 0), $3, $4, $5, $6, $7) RETURNING id",
			      &a, &id);
	} else {
		r = yg_pg_run(s,
			      "UPDATE host_owners SET org_id = nullif($2, 0), email = $3,"
			      " webhook = $4, lang = $5 WHERE name = $1",
			      &a, NULL);
	}
	if (r < 0)
		return r;
	*ret_id = id;
	if (ret_new)
		*ret_new = is_new;
	return 0;
}

static int h_owner_put(struct yg_store *st, const struct yg_host_owner *o, int64_t *ret_id,
		       bool *ret_new)
{
	struct yg_pg *s = yg_pg(st);
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	int64_t id = 0;
	bool is_new = false;
	r = yg_pg_write_end(s, own, owner_put_locked(s, o, &id, &is_new));
	if (r == 0) {
		*ret_id = id;
		if (ret_new)
			*ret_new = is_new;
	}
	return r;
}

static int h_owner_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_host_owner *o),
			void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT " OWNER_COLS " FROM host_owners ORDER BY name", NULL,
			  &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_host_owner o;
		owner_of(res, i, &o);
		r = fn(ud, &o);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int h_owner_noticed(struct yg_store *st, int64_t id, int64_t when_us)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_i64(&a, when_us);
	return yg_pg_run_one(yg_pg(st), "UPDATE host_owners SET last_notice_us = $2 WHERE id = $1",
			     &a);
}

static int prefix_put_locked(struct yg_pg *s, const char *cidr, int64_t owner_id)
{
	int64_t n = 0;
	int r = yg_pg_int(s, "SELECT count(*) FROM host_prefixes", NULL, &n);
	if (r < 0)
		return r;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, cidr);
	yg_pg_i64(&a, owner_id);
	if (n >= YG_HOST_PREFIXES_MAX) {
		/* Only a prefix already mapped may be mapped again. */
		r = yg_pg_run_one(s, "UPDATE host_prefixes SET owner_id = $2 WHERE cidr = $1", &a);
		return r == -ENOENT ? -E2BIG : r;
	}
	return yg_pg_run(s,
			 "INSERT INTO host_prefixes(cidr, owner_id) VALUES ($1, $2)"
			 " ON CONFLICT(cidr) DO UPDATE SET owner_id = excluded.owner_id",
			 &a, NULL);
}

static int h_prefix_put(struct yg_store *st, const char *cidr, int64_t owner_id)
{
	struct yg_pg *s = yg_pg(st);
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	return yg_pg_write_end(s, own, prefix_put_locked(s, cidr, owner_id));
}

static int h_prefix_list(struct yg_store *st,
			 int (*fn)(void *ud, const char *cidr, int64_t owner_id), void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT cidr, owner_id FROM host_prefixes ORDER BY cidr", NULL,
			  &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_str(res, i, 0), yg_pg_get_i64(res, i, 1));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static void host_of(const PGresult *res, int i, struct yg_host *h)
{
	memset(h, 0, sizeof *h);
	h->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, h->key, sizeof h->key);
	h->hashed = yg_pg_get_bool(res, i, 2);
	h->owner_id = yg_pg_get_i64(res, i, 3);
	h->org_id = yg_pg_get_i64(res, i, 4);
	yg_pg_get_text(res, i, 5, h->family, sizeof h->family);
	h->severity = (enum yg_host_severity)yg_pg_get_i64(res, i, 6);
	h->state = (enum yg_host_state)yg_pg_get_i64(res, i, 7);
	h->first_seen_us = yg_pg_get_i64(res, i, 8);
	h->last_seen_us = yg_pg_get_i64(res, i, 9);
	h->detected_us = yg_pg_get_i64(res, i, 10);
	h->notified_us = yg_pg_get_i64(res, i, 11);
	h->acknowledged_us = yg_pg_get_i64(res, i, 12);
	h->cleaned_us = yg_pg_get_i64(res, i, 13);
	h->reinfections = yg_pg_get_i64(res, i, 14);
	h->pending = yg_pg_get_bool(res, i, 15);
	h->evidence = yg_pg_get_i64(res, i, 16);
	h->prev_notify_s = yg_pg_get_i64(res, i, 17);
	h->prev_clean_s = yg_pg_get_i64(res, i, 18);
}

static int host_by(struct yg_pg *s, const char *key, int64_t id, struct yg_host *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	if (key)
		yg_pg_txt(&a, key);
	else
		yg_pg_i64(&a, id);
	PGresult *res = NULL;
	int r = yg_pg_row(s,
			  key ? "SELECT " HOST_COLS " FROM hosts WHERE key = $1"
			      : "SELECT " HOST_COLS " FROM hosts WHERE id = $1",
			  &a, &res);
	if (r < 0)
		return r;
	host_of(res, 0, ret);
	PQclear(res);
	return 0;
}

static int h_host_get(struct yg_store *st, int64_t id, struct yg_host *ret)
{
	return host_by(yg_pg(st), NULL, id, ret);
}

static int new_host(struct yg_pg *s, const struct yg_host_evidence_in *ev, int64_t *ret_id)
{
	int64_t n = 0;
	int r = yg_pg_int(s, "SELECT count(*) FROM hosts", NULL, &n);
	if (r < 0)
		return r;
	if (n >= YG_HOSTS_MAX)
		return -E2BIG;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, ev->key);
	yg_pg_i64(&a, ev->hashed ? 1 : 0);
	yg_pg_i64(&a, ev->owner_id);
	yg_pg_i64(&a, ev->org_id);
	yg_pg_txt(&a, ev->family);
	yg_pg_i64(&a, ev->severity);
	yg_pg_i64(&a, ev->time_us);
	yg_pg_i64(&a, yg_pg_now_us());
	return yg_pg_int(s,
			 "INSERT INTO hosts(key, hashed, owner_id, org_id, family, severity, state,"
			 " first_seen_us, last_seen_us, detected_us, pending, pending_since_us)"
			 " VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8, 1, $8) RETURNING id",
			 &a, ret_id);
}

static int evidence_locked(struct yg_pg *s, const struct yg_host_evidence_in *ev,
			   int64_t *ret_host_id, bool *ret_added)
{
	struct yg_host h;
	int64_t id = 0;
	int r = host_by(s, ev->key, 0, &h);
	if (r == -ENOENT)
		r = new_host(s, ev, &id);
	else if (r == 0)
		id = h.id;
	if (r < 0)
		return r;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_i64(&a, ev->time_us);
	yg_pg_i64(&a, ev->org_id);
	yg_pg_txt(&a, ev->source);
	yg_pg_txt(&a, ev->sensor ? ev->sensor : "");
	yg_pg_txt(&a, ev->family);
	yg_pg_i64(&a, ev->severity);
	yg_pg_txt(&a, ev->ref ? ev->ref : "");
	PGresult *res = NULL;
	r = yg_pg_run(s,
		      "INSERT INTO host_evidence(host_id, time_us, org_id, source, sensor, family,"
		      " severity, ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
		      " ON CONFLICT(host_id, source, ref, time_us) DO NOTHING RETURNING id",
		      &a, &res);
	if (r < 0)
		return r;
	bool added = PQntuples(res) > 0;
	PQclear(res);
	if (added) {
		/* A known family is not replaced by "unknown"; severity only
		 * rises; a cleaned host seen again after its cleaning is
		 * reinfected. */
		yg_pg_args_init(&a);
		yg_pg_i64(&a, id);
		yg_pg_i64(&a, ev->time_us);
		yg_pg_txt(&a, ev->family);
		yg_pg_i64(&a, ev->severity);
		yg_pg_i64(&a, yg_pg_now_us());
		r = yg_pg_run(
		    s,
		    "UPDATE hosts SET last_seen_us = GREATEST(last_seen_us, $2),"
		    " first_seen_us = LEAST(first_seen_us, $2),"
		    " family = CASE WHEN $3 = 'unknown' AND family <> 'unknown' THEN family ELSE $3 END,"
		    " severity = GREATEST(severity, $4), evidence = evidence + 1,"
		    " pending = CASE WHEN state = 3 AND $2 <= cleaned_us THEN pending ELSE 1 END,"
		    " pending_since_us = CASE WHEN pending = 0 AND NOT (state = 3 AND $2 <= cleaned_us)"
		    "  THEN $5 ELSE pending_since_us END,"
		    " reinfections = reinfections"
		    "  + CASE WHEN state = 3 AND $2 > cleaned_us THEN 1 ELSE 0 END,"
		    " prev_notify_s = CASE WHEN state = 3 AND $2 > cleaned_us THEN"
		    "  CASE WHEN notified_us >= detected_us THEN (notified_us - detected_us) / 1000000"
		    "  ELSE -1 END ELSE prev_notify_s END,"
		    " prev_clean_s = CASE WHEN state = 3 AND $2 > cleaned_us THEN"
		    "  (cleaned_us - detected_us) / 1000000 ELSE prev_clean_s END,"
		    " state = CASE WHEN state = 3 AND $2 > cleaned_us THEN 4 ELSE state END,"
		    " detected_us = CASE WHEN state = 3 AND $2 > cleaned_us THEN $5 ELSE detected_us END"
		    " WHERE id = $1",
		    &a, NULL);
		/* The oldest evidence beyond the cap goes. */
		if (r == 0) {
			yg_pg_args_init(&a);
			yg_pg_i64(&a, id);
			yg_pg_i64(&a, YG_HOST_EVIDENCE_KEEP);
			r = yg_pg_run(s,
				      "DELETE FROM host_evidence WHERE host_id = $1 AND id NOT IN"
				      " (SELECT id FROM host_evidence WHERE host_id = $1"
				      " ORDER BY time_us DESC, id DESC LIMIT $2)",
				      &a, NULL);
		}
		if (r < 0)
			return r;
	}
	*ret_host_id = id;
	*ret_added = added;
	return 0;
}

static int h_host_evidence(struct yg_store *st, const struct yg_host_evidence_in *ev,
			   int64_t *ret_host_id, bool *ret_added)
{
	struct yg_pg *s = yg_pg(st);
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	int64_t id = 0;
	bool added = false;
	r = yg_pg_write_end(s, own, evidence_locked(s, ev, &id, &added));
	if (r == 0) {
		*ret_host_id = id;
		if (ret_added)
			*ret_added = added;
	}
	return r;
}

static int h_host_list(struct yg_store *st, const struct yg_host_query *q,
		       int (*fn)(void *ud, const struct yg_host *h), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, q->owner_org);
	yg_pg_i64(&a, q->owner_id);
	yg_pg_i64(&a, q->state);
	yg_pg_i64(&a, q->pending_only ? 1 : 0);
	yg_pg_i64(&a, q->limit ? (int64_t)q->limit : -1);
	yg_pg_i64(&a, (int64_t)q->offset);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT " HOST_COLS " FROM hosts WHERE"
			  " ($1 = 0 OR owner_id IN (SELECT id FROM host_owners WHERE org_id = $1))"
			  " AND ($2 = 0 OR owner_id = $2) AND ($3 < 0 OR state = $3)"
			  " AND ($4 = 0 OR pending = 1) ORDER BY id"
			  " LIMIT CASE WHEN $5 < 0 THEN NULL ELSE $5 END OFFSET $6",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_host h;
		host_of(res, i, &h);
		r = fn(ud, &h);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int h_pending_owners(struct yg_store *st,
			    int (*fn)(void *ud, int64_t owner_id, enum yg_host_severity sev,
				      int64_t since_us),
			    void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT owner_id, max(severity), min(pending_since_us) FROM hosts"
			  " WHERE pending = 1 GROUP BY owner_id ORDER BY owner_id",
			  NULL, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_i64(res, i, 0),
		       (enum yg_host_severity)yg_pg_get_i64(res, i, 1), yg_pg_get_i64(res, i, 2));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int h_evidence_list(struct yg_store *st, int64_t host_id, size_t limit,
			   int (*fn)(void *ud, const struct yg_host_evidence *e), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, host_id);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT time_us, org_id, source, sensor, family, severity, ref FROM"
			  " host_evidence WHERE host_id = $1 ORDER BY time_us DESC, id DESC LIMIT $2",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_host_evidence e;
		memset(&e, 0, sizeof e);
		e.time_us = yg_pg_get_i64(res, i, 0);
		e.org_id = yg_pg_get_i64(res, i, 1);
		yg_pg_get_text(res, i, 2, e.source, sizeof e.source);
		yg_pg_get_text(res, i, 3, e.sensor, sizeof e.sensor);
		yg_pg_get_text(res, i, 4, e.family, sizeof e.family);
		e.severity = (enum yg_host_severity)yg_pg_get_i64(res, i, 5);
		yg_pg_get_text(res, i, 6, e.ref, sizeof e.ref);
		r = fn(ud, &e);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int h_host_set_state(struct yg_store *st, int64_t id, enum yg_host_state to,
			    int64_t when_us)
{
	static const char *const sql[] = {
		[YG_HOST_DETECTED] = "UPDATE hosts SET state = 0, detected_us = $2 WHERE id = $1",
		[YG_HOST_NOTIFIED] =
		    "UPDATE hosts SET state = 1, notified_us = $2, pending = 0 WHERE id = $1",
		[YG_HOST_ACKNOWLEDGED] =
		    "UPDATE hosts SET state = 2, acknowledged_us = $2 WHERE id = $1",
		[YG_HOST_CLEANED] = "UPDATE hosts SET state = 3, cleaned_us = $2 WHERE id = $1",
		[YG_HOST_REINFECTED] = "UPDATE hosts SET state = 4, detected_us = $2 WHERE id = $1",
	};
	if ((unsigned)to > YG_HOST_REINFECTED)
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_i64(&a, when_us);
	return yg_pg_run_one(yg_pg(st), sql[to], &a);
}

static int notice_add_locked(struct yg_pg *s, int64_t owner_id, const char *body,
			     const int64_t *hosts, size_t n_hosts, int64_t *ret_id)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, owner_id);
	yg_pg_i64(&a, yg_pg_now_us());
	yg_pg_txt(&a, body);
	int64_t id = 0;
	int r = yg_pg_int(s,
			  "INSERT INTO host_notices(owner_id, created_us, body) VALUES ($1, $2, $3)"
			  " RETURNING id",
			  &a, &id);
	for (size_t i = 0; r == 0 && i < n_hosts; i++) {
		yg_pg_args_init(&a);
		yg_pg_i64(&a, id);
		yg_pg_i64(&a, hosts[i]);
		r = yg_pg_run(s,
			      "INSERT INTO host_notice_hosts(notice_id, host_id) VALUES ($1, $2)"
			      " ON CONFLICT DO NOTHING",
			      &a, NULL);
	}
	if (r == 0)
		*ret_id = id;
	return r;
}

static int h_notice_add(struct yg_store *st, int64_t owner_id, const char *body,
			const int64_t *hosts, size_t n_hosts, int64_t *ret_id)
{
	struct yg_pg *s = yg_pg(st);
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	return yg_pg_write_end(s, own, notice_add_locked(s, owner_id, body, hosts, n_hosts, ret_id));
}

static int h_notice_body(struct yg_store *st, int64_t notice_id, char **ret_body)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, notice_id);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT body FROM host_notices WHERE id = $1", &a, &res);
	if (r < 0)
		return r;
	*ret_body = strdup(yg_pg_get_str(res, 0, 0));
	PQclear(res);
	return *ret_body ? 0 : -ENOMEM;
}

static int h_delivery_add(struct yg_store *st, int64_t notice_id, int64_t owner_id,
			  const char *channel, const char *target, int64_t *ret_id)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, notice_id);
	yg_pg_i64(&a, owner_id);
	yg_pg_txt(&a, channel);
	yg_pg_txt(&a, target);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r = yg_pg_int(yg_pg(st),
			  "INSERT INTO host_deliveries(notice_id, owner_id, channel, target, state,"
			  " next_try_us, updated_us) VALUES ($1, $2, $3, $4, 'pending', 0, $5)"
			  " RETURNING id",
			  &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

static int deliveries(PGresult *res, int (*fn)(void *ud, const struct yg_host_delivery *d),
		      void *ud)
{
	int r = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_host_delivery d;
		memset(&d, 0, sizeof d);
		d.id = yg_pg_get_i64(res, i, 0);
		d.notice_id = yg_pg_get_i64(res, i, 1);
		d.owner_id = yg_pg_get_i64(res, i, 2);
		yg_pg_get_text(res, i, 3, d.channel, sizeof d.channel);
		yg_pg_get_text(res, i, 4, d.target, sizeof d.target);
		yg_pg_get_text(res, i, 5, d.state, sizeof d.state);
		d.attempts = yg_pg_get_i64(res, i, 6);
		d.next_try_us = yg_pg_get_i64(res, i, 7);
		d.updated_us = yg_pg_get_i64(res, i, 8);
		yg_pg_get_text(res, i, 9, d.last_error, sizeof d.last_error);
		r = fn(ud, &d);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int h_delivery_due(struct yg_store *st, int64_t now_us, size_t limit,
			  int (*fn)(void *ud, const struct yg_host_delivery *d), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, now_us);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT " DELIVERY_COLS " FROM host_deliveries WHERE state IN"
			  " ('pending', 'failed') AND next_try_us <= $1 ORDER BY next_try_us, id"
			  " LIMIT $2",
			  &a, &res);
	return r < 0 ? r : deliveries(res, fn, ud);
}

static int attempt_locked(struct yg_pg *s, int64_t id, const struct yg_host_attempt *at,
			  const char *state, int64_t next_try_us)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_i64(&a, at->time_us);
	yg_pg_i64(&a, at->ok ? 1 : 0);
	yg_pg_i64(&a, at->status);
	yg_pg_txt(&a, at->error);
	int r = yg_pg_run(s,
			  "INSERT INTO host_attempts(delivery_id, time_us, ok, status, error)"
			  " VALUES ($1, $2, $3, $4, $5)",
			  &a, NULL);
	if (r < 0)
		return r;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	yg_pg_txt(&a, state);
	yg_pg_i64(&a, next_try_us);
	yg_pg_txt(&a, at->error);
	yg_pg_i64(&a, at->time_us);
	return yg_pg_run_one(s,
			     "UPDATE host_deliveries SET state = $2, attempts = attempts + 1,"
			     " next_try_us = $3, last_error = $4, updated_us = $5 WHERE id = $1",
			     &a);
}

static int h_delivery_attempt(struct yg_store *st, int64_t id, const struct yg_host_attempt *a,
			      const char *state, int64_t next_try_us)
{
	struct yg_pg *s = yg_pg(st);
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	return yg_pg_write_end(s, own, attempt_locked(s, id, a, state, next_try_us));
}

static int h_delivery_list(struct yg_store *st, int64_t owner_org, size_t limit,
			   int (*fn)(void *ud, const struct yg_host_delivery *d), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, owner_org);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT " DELIVERY_COLS " FROM host_deliveries WHERE $1 = 0 OR owner_id IN"
			  " (SELECT id FROM host_owners WHERE org_id = $1) ORDER BY id DESC LIMIT $2",
			  &a, &res);
	return r < 0 ? r : deliveries(res, fn, ud);
}

static int h_attempt_list(struct yg_store *st, int64_t delivery_id,
			  int (*fn)(void *ud, const struct yg_host_attempt *a), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, delivery_id);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT time_us, ok, status, error FROM host_attempts WHERE delivery_id = $1"
			  " ORDER BY id",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_host_attempt at = {.delivery_id = delivery_id};
		at.time_us = yg_pg_get_i64(res, i, 0);
		at.ok = yg_pg_get_bool(res, i, 1);
		at.status = (long)yg_pg_get_i64(res, i, 2);
		yg_pg_get_text(res, i, 3, at.error, sizeof at.error);
		r = fn(ud, &at);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int h_ack_put(struct yg_store *st, const uint8_t hash[32], int64_t host_id,
		     enum yg_host_state state, int64_t expires_us)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_bytes(&a, hash, 32);
	yg_pg_i64(&a, host_id);
	yg_pg_i64(&a, expires_us);
	yg_pg_i64(&a, state);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO host_ack_tokens(hash, host_id, state, expires_us)"
			 " VALUES ($1, $2, $4, $3)",
			 &a, NULL);
}

static int h_ack_take(struct yg_store *st, const uint8_t hash[32], int64_t now_us,
		      int64_t *ret_host_id, enum yg_host_state *ret_state)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_bytes(&a, hash, 32);
	yg_pg_i64(&a, now_us);
	PGresult *res = NULL;
	/* One statement marks it used and answers the host, so two requests
	 * racing with one token cannot both pass. */
	int r = yg_pg_row(yg_pg(st),
			  "UPDATE host_ack_tokens SET used_us = $2 WHERE hash = $1 AND used_us IS NULL"
			  " AND expires_us > $2 RETURNING host_id, state",
			  &a, &res);
	if (r < 0)
		return r;
	*ret_host_id = yg_pg_get_i64(res, 0, 0);
	*ret_state = (enum yg_host_state)yg_pg_get_i64(res, 0, 1);
	PQclear(res);
	return 0;
}

const struct yg_store_host_ops yg_pg_host_ops = {
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
