/*
 * SQLite backend, telescope half (store_darknet.h). The tables come from
 * migration 6 in sqlite.c; every value is a bound parameter. A window's
 * rows go in through statements prepared once per window and reset per
 * row: a window may hold 140,000 ports.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_darknet.h"

#define SURGE_COLS                                                                              \
	"id, proto, port, since_minute, last_minute, score, peak_score, expected, observed,"    \
	" new_score, expected_new, new_sources, seasonal, kind, report_id"

static int step_reset(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : yg_sq_err(rc);
}

static int put_ports(struct yg_sqlite *s, const struct yg_dn_window *w)
{
	static const char *const sql[2] = {
		"INSERT INTO darknet_minutes(proto, port, minute, packets, sources, new_sources)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(proto, port, minute) DO UPDATE SET"
		" packets = packets + excluded.packets, sources = sources + excluded.sources,"
		" new_sources = new_sources + excluded.new_sources",
		"INSERT INTO darknet_hours(proto, port, hour, packets, sources, new_sources)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(proto, port, hour) DO UPDATE SET"
		" packets = packets + excluded.packets, sources = sources + excluded.sources,"
		" new_sources = new_sources + excluded.new_sources",
	};
	sqlite3_stmt *stmt[2] = {NULL, NULL};
	int r = yg_sq_prep(s, sql[0], &stmt[0]);
	if (r == 0)
		r = yg_sq_prep(s, sql[1], &stmt[1]);
	int64_t hour = w->minute >= 0 ? w->minute / 60 : -((-w->minute + 59) / 60);
	for (size_t i = 0; r == 0 && i < w->n_ports; i++) {
		const struct yg_dn_port *p = &w->ports[i];
		if (!p->packets && !p->sources && !p->new_sources)
			continue;
		for (int k = 0; r == 0 && k < 2; k++) {
			sqlite3_bind_int(stmt[k], 1, p->proto);
			sqlite3_bind_int(stmt[k], 2, p->port);
			sqlite3_bind_int64(stmt[k], 3, k ? hour : w->minute);
			sqlite3_bind_int64(stmt[k], 4, p->packets);
			sqlite3_bind_int64(stmt[k], 5, p->sources);
			sqlite3_bind_int64(stmt[k], 6, p->new_sources);
			r = step_reset(stmt[k]);
		}
	}
	yg_sq_fin(s, stmt[0]);
	yg_sq_fin(s, stmt[1]);
	return r;
}

static void ports_json(const struct yg_dn_source *src, char *out, size_t n)
{
	size_t off = (size_t)snprintf(out, n, "[");
	for (size_t i = 0; i < src->n_ports && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%u", i ? "," : "", src->ports[i]);
	if (off < n)
		snprintf(out + off, n - off, "]");
}

static int put_sources(struct yg_sqlite *s, const struct yg_dn_window *w)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    s,
	    "INSERT INTO darknet_sources(ip, class, fingerprint, research_name, first_minute,"
	    " last_minute, packets, bytes, dest_count, ports, country, asn, windows)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)"
	    " ON CONFLICT(ip) DO UPDATE SET"
	    " class = CASE WHEN excluded.last_minute >= last_minute THEN excluded.class ELSE class END,"
	    " fingerprint = CASE WHEN excluded.fingerprint = 'unknown' THEN fingerprint"
	    "  ELSE excluded.fingerprint END,"
	    " research_name = CASE WHEN excluded.research_name = '' THEN research_name"
	    "  ELSE excluded.research_name END,"
	    " first_minute = min(first_minute, excluded.first_minute),"
	    " last_minute = max(last_minute, excluded.last_minute),"
	    " packets = packets + excluded.packets, bytes = bytes + excluded.bytes,"
	    " dest_count = max(dest_count, excluded.dest_count),"
	    " ports = CASE WHEN excluded.last_minute >= last_minute THEN excluded.ports ELSE ports END,"
	    " country = CASE WHEN excluded.country = '' THEN country ELSE excluded.country END,"
	    " asn = CASE WHEN excluded.asn < 0 THEN asn ELSE excluded.asn END,"
	    " windows = windows + 1",
	    &stmt);
	for (size_t i = 0; r == 0 && i < w->n_sources; i++) {
		const struct yg_dn_source *src = &w->sources[i];
		char ports[YG_DN_SRC_PORTS * 6 + 3];
		ports_json(src, ports, sizeof ports);
		sqlite3_bind_text(stmt, 1, src->ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, src->cls, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, src->fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, src->research_name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 5, w->minute);
		sqlite3_bind_int64(stmt, 6, src->packets);
		sqlite3_bind_int64(stmt, 7, src->bytes);
		sqlite3_bind_int64(stmt, 8, src->dest_count);
		sqlite3_bind_text(stmt, 9, ports, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 10, src->country, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 11, src->asn);
		r = step_reset(stmt);
	}
	yg_sq_fin(s, stmt);
	return r;
}

static int put_victims(struct yg_sqlite *s, const struct yg_dn_window *w)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    s,
	    "INSERT INTO darknet_victims(ip, proto, port, first_minute, last_minute, packets,"
	    " est_pps, windows) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, 1)"
	    " ON CONFLICT(ip, proto, port) DO UPDATE SET"
	    " first_minute = min(first_minute, excluded.first_minute),"
	    " last_minute = max(last_minute, excluded.last_minute),"
	    " packets = packets + excluded.packets, est_pps = max(est_pps, excluded.est_pps),"
	    " windows = windows + 1",
	    &stmt);
	for (size_t i = 0; r == 0 && i < w->n_victims; i++) {
		const struct yg_dn_victim *v = &w->victims[i];
		sqlite3_bind_text(stmt, 1, v->ip, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, v->proto);
		sqlite3_bind_int(stmt, 3, v->port);
		sqlite3_bind_int64(stmt, 4, w->minute);
		sqlite3_bind_int64(stmt, 5, v->packets);
		sqlite3_bind_double(stmt, 6, v->est_pps);
		r = step_reset(stmt);
	}
	yg_sq_fin(s, stmt);
	return r;
}

static int dn_window_put(struct yg_store *st, int64_t org_id, const struct yg_dn_window *w)
{
	struct yg_sqlite *s = yg_sq(st);
	int64_t packets = 0;
	for (size_t i = 0; i < w->n_ports; i++)
		packets += w->ports[i].packets; /* each <= 1e12, at most 140,000 */
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
			   "INSERT INTO darknet_windows(org_id, sensor, minute, telescope, packets,"
			   " ports, sources, victims, received_us)"
			   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
			   " ON CONFLICT(org_id, sensor, minute) DO NOTHING",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, org_id);
	sqlite3_bind_text(stmt, 2, w->sensor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, w->minute);
	sqlite3_bind_int64(stmt, 4, w->telescope_addresses);
	sqlite3_bind_int64(stmt, 5, packets);
	sqlite3_bind_int64(stmt, 6, (int64_t)w->n_ports);
	sqlite3_bind_int64(stmt, 7, (int64_t)w->n_sources);
	sqlite3_bind_int64(stmt, 8, (int64_t)w->n_victims);
	sqlite3_bind_int64(stmt, 9, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r < 0)
		return r;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	r = put_ports(s, w);
	if (r == 0)
		r = put_sources(s, w);
	if (r == 0)
		r = put_victims(s, w);
	return r;
}

static void point_of(sqlite3_stmt *stmt, struct yg_dn_point *p)
{
	p->t = sqlite3_column_int64(stmt, 0);
	p->packets = sqlite3_column_int64(stmt, 1);
	p->sources = sqlite3_column_int64(stmt, 2);
	p->new_sources = sqlite3_column_int64(stmt, 3);
}

static int dn_minute_top(struct yg_store *st, int64_t minute, bool by_new, size_t limit,
			 int (*fn)(void *ud, const struct yg_dn_port *p), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   by_new ? "SELECT proto, port, packets, sources, new_sources FROM"
				    " darknet_minutes WHERE minute = ?1 AND new_sources > 0"
				    " ORDER BY new_sources DESC LIMIT ?2"
				  : "SELECT proto, port, packets, sources, new_sources FROM"
				    " darknet_minutes WHERE minute = ?1 ORDER BY packets DESC LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, minute);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_dn_port p = {
			.proto = (uint8_t)sqlite3_column_int(stmt, 0),
			.port = (uint16_t)sqlite3_column_int(stmt, 1),
			.packets = sqlite3_column_int64(stmt, 2),
			.sources = sqlite3_column_int64(stmt, 3),
			.new_sources = sqlite3_column_int64(stmt, 4),
		};
		r = fn(ud, &p);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int walk_points(struct yg_sqlite *s, sqlite3_stmt *stmt,
                       int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	int rc, r = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_dn_point p;
		point_of(stmt, &p);
		r = fn(ud, &p);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

static int dn_minutes(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to,
		      bool covered_only, int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    covered_only
		? "SELECT w.minute, coalesce(m.packets, 0), coalesce(m.sources, 0),"
		  " coalesce(m.new_sources, 0) FROM (SELECT DISTINCT minute FROM darknet_windows"
		  " WHERE minute >= ?3 AND minute < ?4) w LEFT JOIN darknet_minutes m"
		  " ON m.proto = ?1 AND m.port = ?2 AND m.minute = w.minute ORDER BY w.minute"
		: "SELECT minute, packets, sources, new_sources FROM darknet_minutes"
		  " WHERE proto = ?1 AND port = ?2 AND minute >= ?3 AND minute < ?4 ORDER BY minute",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, proto);
	sqlite3_bind_int(stmt, 2, port);
	sqlite3_bind_int64(stmt, 3, from);
	sqlite3_bind_int64(stmt, 4, to);
	return walk_points(yg_sq(st), stmt, fn, ud);
}

static int dn_hours(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to,
		    int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT hour, packets, sources, new_sources FROM darknet_hours"
			   " WHERE proto = ?1 AND port = ?2 AND hour >= ?3 AND hour < ?4 ORDER BY hour",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, proto);
	sqlite3_bind_int(stmt, 2, port);
	sqlite3_bind_int64(stmt, 3, from);
	sqlite3_bind_int64(stmt, 4, to);
	return walk_points(yg_sq(st), stmt, fn, ud);
}

static void surge_of(sqlite3_stmt *stmt, struct yg_dn_surge *s)
{
	memset(s, 0, sizeof *s);
	s->id = sqlite3_column_int64(stmt, 0);
	s->proto = (uint8_t)sqlite3_column_int(stmt, 1);
	s->port = (uint16_t)sqlite3_column_int(stmt, 2);
	s->since_minute = sqlite3_column_int64(stmt, 3);
	s->last_minute = sqlite3_column_int64(stmt, 4);
	s->score = sqlite3_column_double(stmt, 5);
	s->peak_score = sqlite3_column_double(stmt, 6);
	s->expected = sqlite3_column_double(stmt, 7);
	s->observed = sqlite3_column_int64(stmt, 8);
	s->new_score = sqlite3_column_double(stmt, 9);
	s->expected_new = sqlite3_column_double(stmt, 10);
	s->new_sources = sqlite3_column_int64(stmt, 11);
	s->seasonal = sqlite3_column_int(stmt, 12) != 0;
	yg_sq_col_text(stmt, 13, s->kind, sizeof s->kind);
	yg_sq_col_text(stmt, 14, s->report_id, sizeof s->report_id);
}

static int dn_surge_open(struct yg_store *st, uint8_t proto, uint16_t port, int64_t min_last,
			 struct yg_dn_surge *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT " SURGE_COLS " FROM darknet_surges WHERE proto = ?1 AND port = ?2"
			   " AND last_minute >= ?3 ORDER BY last_minute DESC LIMIT 1",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, proto);
	sqlite3_bind_int(stmt, 2, port);
	sqlite3_bind_int64(stmt, 3, min_last);
	r = yg_sq_row(stmt);
	if (r == 0)
		surge_of(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int dn_surge_put(struct yg_store *st, const struct yg_dn_surge *s, int64_t *ret_id)
{
	struct yg_sqlite *q = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    q,
	    s->id ? "UPDATE darknet_surges SET proto = ?2, port = ?3, since_minute = ?4,"
		    " last_minute = ?5, score = ?6, peak_score = ?7, expected = ?8, observed = ?9,"
		    " new_score = ?10, expected_new = ?11, new_sources = ?12, seasonal = ?13,"
		    " kind = ?14, report_id = ?15 WHERE id = ?1"
		  : "INSERT INTO darknet_surges(proto, port, since_minute, last_minute, score,"
		    " peak_score, expected, observed, new_score, expected_new, new_sources, seasonal,"
		    " kind, report_id) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		    " ?14, ?15)",
	    &stmt);
	if (r < 0)
		return r;
	if (s->id)
		sqlite3_bind_int64(stmt, 1, s->id);
	sqlite3_bind_int(stmt, 2, s->proto);
	sqlite3_bind_int(stmt, 3, s->port);
	sqlite3_bind_int64(stmt, 4, s->since_minute);
	sqlite3_bind_int64(stmt, 5, s->last_minute);
	sqlite3_bind_double(stmt, 6, s->score);
	sqlite3_bind_double(stmt, 7, s->peak_score);
	sqlite3_bind_double(stmt, 8, s->expected);
	sqlite3_bind_int64(stmt, 9, s->observed);
	sqlite3_bind_double(stmt, 10, s->new_score);
	sqlite3_bind_double(stmt, 11, s->expected_new);
	sqlite3_bind_int64(stmt, 12, s->new_sources);
	sqlite3_bind_int(stmt, 13, s->seasonal);
	sqlite3_bind_text(stmt, 14, s->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 15, s->report_id, -1, SQLITE_STATIC);
	r = yg_sq_done(q, stmt);
	if (r == 0 && ret_id)
		*ret_id = s->id ? s->id : sqlite3_last_insert_rowid(q->db);
	return r;
}

static int dn_surge_list(struct yg_store *st, int64_t min_last, size_t limit,
			 int (*fn)(void *ud, const struct yg_dn_surge *s), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT " SURGE_COLS " FROM darknet_surges WHERE last_minute >= ?1"
			   " ORDER BY last_minute DESC, id DESC LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, min_last);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_dn_surge s;
		surge_of(stmt, &s);
		r = fn(ud, &s);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int dn_surge_ports(struct yg_store *st, int64_t min_last,
			  int (*fn)(void *ud, uint8_t proto, uint16_t port), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT DISTINCT proto, port FROM darknet_surges WHERE last_minute >= ?1",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, min_last);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = fn(ud, (uint8_t)sqlite3_column_int(stmt, 0), (uint16_t)sqlite3_column_int(stmt, 1));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

/* "[23,2323]" as written by ports_json; anything else reads as no ports. */
static void ports_parse(const char *t, struct yg_dn_source *s)
{
	s->n_ports = 0;
	if (!t || *t != '[')
		return;
	t++;
	while (*t && *t != ']' && s->n_ports < YG_DN_SRC_PORTS) {
		unsigned v = 0;
		size_t digits = 0;
		while (*t >= '0' && *t <= '9' && digits < 6) {
			v = v * 10 + (unsigned)(*t - '0');
			t++;
			digits++;
		}
		if (!digits || v > 65535)
			return;
		s->ports[s->n_ports++] = (uint16_t)v;
		if (*t == ',')
			t++;
	}
}

static int dn_sources_top(struct yg_store *st, int32_t port, int64_t min_last, size_t limit,
			  int (*fn)(void *ud, const struct yg_dn_source *s), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "SELECT ip, class, fingerprint, research_name, first_minute, last_minute, packets,"
	    " bytes, dest_count, ports, country, asn, windows FROM darknet_sources"
	    " WHERE ?1 < 0 OR (last_minute >= ?2 AND EXISTS (SELECT 1 FROM json_each(ports)"
	    " WHERE value = ?1)) ORDER BY packets DESC, ip LIMIT ?3",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, port);
	sqlite3_bind_int64(stmt, 2, min_last);
	sqlite3_bind_int64(stmt, 3, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_dn_source s;
		memset(&s, 0, sizeof s);
		yg_sq_col_text(stmt, 0, s.ip, sizeof s.ip);
		yg_sq_col_text(stmt, 1, s.cls, sizeof s.cls);
		yg_sq_col_text(stmt, 2, s.fingerprint, sizeof s.fingerprint);
		yg_sq_col_text(stmt, 3, s.research_name, sizeof s.research_name);
		s.first_minute = sqlite3_column_int64(stmt, 4);
		s.last_minute = sqlite3_column_int64(stmt, 5);
		s.packets = sqlite3_column_int64(stmt, 6);
		s.bytes = sqlite3_column_int64(stmt, 7);
		s.dest_count = sqlite3_column_int64(stmt, 8);
		ports_parse((const char *)sqlite3_column_text(stmt, 9), &s);
		yg_sq_col_text(stmt, 10, s.country, sizeof s.country);
		s.asn = sqlite3_column_int64(stmt, 11);
		s.windows = sqlite3_column_int64(stmt, 12);
		r = fn(ud, &s);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int dn_victims_top(struct yg_store *st, size_t limit,
			  int (*fn)(void *ud, const struct yg_dn_victim *v), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT ip, proto, port, first_minute, last_minute, packets, est_pps,"
			   " windows FROM darknet_victims ORDER BY packets DESC, ip LIMIT ?1",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_dn_victim v;
		memset(&v, 0, sizeof v);
		yg_sq_col_text(stmt, 0, v.ip, sizeof v.ip);
		v.proto = (uint8_t)sqlite3_column_int(stmt, 1);
		v.port = sqlite3_column_int(stmt, 2);
		v.first_minute = sqlite3_column_int64(stmt, 3);
		v.last_minute = sqlite3_column_int64(stmt, 4);
		v.packets = sqlite3_column_int64(stmt, 5);
		v.est_pps = sqlite3_column_double(stmt, 6);
		v.windows = sqlite3_column_int64(stmt, 7);
		r = fn(ud, &v);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int dn_windows(struct yg_store *st, int64_t org, size_t limit,
		      int (*fn)(void *ud, const struct yg_dn_window_row *w), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
			   "SELECT w.org_id, o.name, w.sensor, w.minute, w.telescope, w.packets,"
			   " w.ports, w.sources, w.victims, w.received_us FROM darknet_windows w"
			   " JOIN organizations o ON o.id = w.org_id WHERE ?1 = 0 OR w.org_id = ?1"
			   " ORDER BY w.minute DESC, w.id DESC LIMIT ?2",
			   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, org);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_dn_window_row w;
		memset(&w, 0, sizeof w);
		w.org_id = sqlite3_column_int64(stmt, 0);
		yg_sq_col_text(stmt, 1, w.org_name, sizeof w.org_name);
		yg_sq_col_text(stmt, 2, w.sensor, sizeof w.sensor);
		w.minute = sqlite3_column_int64(stmt, 3);
		w.telescope_addresses = sqlite3_column_int64(stmt, 4);
		w.packets = sqlite3_column_int64(stmt, 5);
		w.ports = sqlite3_column_int64(stmt, 6);
		w.sources = sqlite3_column_int64(stmt, 7);
		w.victims = sqlite3_column_int64(stmt, 8);
		w.received_us = sqlite3_column_int64(stmt, 9);
		r = fn(ud, &w);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int dn_last_minute(struct yg_store *st, int64_t *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT max(minute) FROM darknet_windows", &stmt);
	if (r < 0)
		return r;
	r = yg_sq_row(stmt);
	if (r == 0 && sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		r = -ENOENT;
	if (r == 0)
		*ret = sqlite3_column_int64(stmt, 0);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int dn_sweep(struct yg_store *st, int64_t now_minute, unsigned minute_days,
		    unsigned hour_days)
{
	struct yg_sqlite *s = yg_sq(st);
	int64_t old_min = now_minute - (int64_t)minute_days * 1440;
	int64_t old_hour = now_minute / 60 - (int64_t)hour_days * 24;
	static const char *const by_minute[] = {
		"DELETE FROM darknet_minutes WHERE minute < ?1",
		"DELETE FROM darknet_windows WHERE minute < ?1",
		"DELETE FROM darknet_sources WHERE last_minute < ?1",
		"DELETE FROM darknet_victims WHERE last_minute < ?1",
		"DELETE FROM darknet_surges WHERE last_minute < ?1",
	};
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof by_minute / sizeof by_minute[0]; i++)
		r = yg_sq_run_ints(s, by_minute[i], &old_min, 1);
	if (r == 0)
		r = yg_sq_run_ints(s, "DELETE FROM darknet_hours WHERE hour < ?1", &old_hour, 1);
	int64_t cap = YG_DN_ROWS_MAX;
	if (r == 0)
		r = yg_sq_run_ints(s,
				   "DELETE FROM darknet_sources WHERE ip IN (SELECT ip FROM"
				   " darknet_sources ORDER BY packets DESC LIMIT -1 OFFSET ?1)",
				   &cap, 1);
	if (r == 0)
		r = yg_sq_run_ints(s,
				   "DELETE FROM darknet_victims WHERE (ip, proto, port) IN (SELECT ip,"
				   " proto, port FROM darknet_victims ORDER BY packets DESC"
				   " LIMIT -1 OFFSET ?1)",
				   &cap, 1);
	return r;
}

const struct yg_store_darknet_ops yg_sq_darknet_ops = {
	.window_put = dn_window_put,
	.minute_top = dn_minute_top,
	.minutes = dn_minutes,
	.hours = dn_hours,
	.surge_open = dn_surge_open,
	.surge_put = dn_surge_put,
	.surge_list = dn_surge_list,
	.surge_ports = dn_surge_ports,
	.sources_top = dn_sources_top,
	.victims_top = dn_victims_top,
	.windows = dn_windows,
	.last_minute = dn_last_minute,
	.sweep = dn_sweep,
};
