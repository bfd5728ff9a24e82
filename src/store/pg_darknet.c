/*
 * PostgreSQL backend, telescope half (store_darknet.h): the SQL of
 * sqlite_darknet.c with $N placeholders (SQLite's two-argument min/max are
 * LEAST/GREATEST here); tables from migration 6 of pg_schema.c.
 *
 * A window may hold 140,000 ports: its per-minute and per-hour rows go in
 * as one statement each, the values as bound arrays unnested by the
 * server, not as a round trip per port. The body parser refuses a port
 * twice in one window, which one upsert statement needs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/store_darknet.h"

#define SURGE_COLS                                                                              \
	"id, proto, port, since_minute, last_minute, score, peak_score, expected, observed,"    \
	" new_score, expected_new, new_sources, seasonal, kind, report_id"

/* A growing "{1,2,3}" array literal of integers. */
struct arr {
	char *b;
	size_t len, cap;
	bool oom;
};

static void arr_add(struct arr *a, int64_t v)
{
	if (a->oom)
		return;
	if (a->cap - a->len < 24) {
		size_t cap = a->cap ? a->cap * 2 : 4096;
		char *b = realloc(a->b, cap);
		if (!b) {
			a->oom = true;
			return;
		}
		a->b = b;
		a->cap = cap;
	}
	if (!a->len)
		a->b[a->len++] = '{';
	else
		a->b[a->len++] = ',';
	a->len += (size_t)snprintf(a->b + a->len, a->cap - a->len, "%" PRId64, v);
}

/* Closes the literal ("{}" when empty); false when memory ran out. Each
 * arr_add leaves room for the closing brace and the terminator. */
static bool arr_end(struct arr *a)
{
	if (a->oom)
		return false;
	if (!a->b) {
		a->b = malloc(4);
		if (!a->b)
			return false;
		a->cap = 4;
		a->b[a->len++] = '{';
	}
	a->b[a->len++] = '}';
	a->b[a->len] = '\0';
	return true;
}

static int put_ports(struct yg_pg *s, const struct yg_dn_window *w)
{
	static const char *const sql[2] = {
		"INSERT INTO darknet_minutes AS t(proto, port, minute, packets, sources, new_sources)"
		" SELECT a, b, $3, c, d, e FROM unnest($1::bigint[], $2::bigint[], $4::bigint[],"
		" $5::bigint[], $6::bigint[]) AS u(a, b, c, d, e)"
		" ON CONFLICT(proto, port, minute) DO UPDATE SET"
		" packets = t.packets + excluded.packets, sources = t.sources + excluded.sources,"
		" new_sources = t.new_sources + excluded.new_sources",
		"INSERT INTO darknet_hours AS t(proto, port, hour, packets, sources, new_sources)"
		" SELECT a, b, $3, c, d, e FROM unnest($1::bigint[], $2::bigint[], $4::bigint[],"
		" $5::bigint[], $6::bigint[]) AS u(a, b, c, d, e)"
		" ON CONFLICT(proto, port, hour) DO UPDATE SET"
		" packets = t.packets + excluded.packets, sources = t.sources + excluded.sources,"
		" new_sources = t.new_sources + excluded.new_sources",
	};
	struct arr col[5] = {{0}};
	size_t n = 0;
	for (size_t i = 0; i < w->n_ports; i++) {
		const struct yg_dn_port *p = &w->ports[i];
		if (!p->packets && !p->sources && !p->new_sources)
			continue;
		arr_add(&col[0], p->proto);
		arr_add(&col[1], p->port);
		arr_add(&col[2], p->packets);
		arr_add(&col[3], p->sources);
		arr_add(&col[4], p->new_sources);
		n++;
	}
	int r = 0;
	for (int k = 0; k < 5; k++)
		if (!arr_end(&col[k]))
			r = -ENOMEM;
	int64_t hour = w->minute >= 0 ? w->minute / 60 : -((-w->minute + 59) / 60);
	for (int k = 0; r == 0 && n && k < 2; k++) {
		struct yg_pg_args a;
		yg_pg_args_init(&a);
		yg_pg_txt(&a, col[0].b);
		yg_pg_txt(&a, col[1].b);
		yg_pg_i64(&a, k ? hour : w->minute);
		yg_pg_txt(&a, col[2].b);
		yg_pg_txt(&a, col[3].b);
		yg_pg_txt(&a, col[4].b);
		r = yg_pg_run(s, sql[k], &a, NULL);
	}
	for (int k = 0; k < 5; k++)
		free(col[k].b);
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

static int put_sources(struct yg_pg *s, const struct yg_dn_window *w)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < w->n_sources; i++) {
		const struct yg_dn_source *src = &w->sources[i];
		char ports[YG_DN_SRC_PORTS * 6 + 3];
		ports_json(src, ports, sizeof ports);
		struct yg_pg_args a;
		yg_pg_args_init(&a);
		yg_pg_txt(&a, src->ip);
		yg_pg_txt(&a, src->cls);
		yg_pg_txt(&a, src->fingerprint);
		yg_pg_txt(&a, src->research_name);
		yg_pg_i64(&a, w->minute);
		yg_pg_i64(&a, src->packets);
		yg_pg_i64(&a, src->bytes);
		yg_pg_i64(&a, src->dest_count);
		yg_pg_txt(&a, ports);
		yg_pg_txt(&a, src->country);
		yg_pg_i64(&a, src->asn);
		r = yg_pg_run(
		    s,
		    "INSERT INTO darknet_sources AS t(ip, class, fingerprint, research_name,"
		    " first_minute, last_minute, packets, bytes, dest_count, ports, country, asn,"
		    " windows) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, 1)"
		    " ON CONFLICT(ip) DO UPDATE SET"
		    " class = CASE WHEN excluded.last_minute >= t.last_minute THEN excluded.class"
		    "  ELSE t.class END,"
		    " fingerprint = CASE WHEN excluded.fingerprint = 'unknown' THEN t.fingerprint"
		    "  ELSE excluded.fingerprint END,"
		    " research_name = CASE WHEN excluded.research_name = '' THEN t.research_name"
		    "  ELSE excluded.research_name END,"
		    " first_minute = LEAST(t.first_minute, excluded.first_minute),"
		    " last_minute = GREATEST(t.last_minute, excluded.last_minute),"
		    " packets = t.packets + excluded.packets, bytes = t.bytes + excluded.bytes,"
		    " dest_count = GREATEST(t.dest_count, excluded.dest_count),"
		    " ports = CASE WHEN excluded.last_minute >= t.last_minute THEN excluded.ports"
		    "  ELSE t.ports END,"
		    " country = CASE WHEN excluded.country = '' THEN t.country ELSE excluded.country END,"
		    " asn = CASE WHEN excluded.asn < 0 THEN t.asn ELSE excluded.asn END,"
		    " windows = t.windows + 1",
		    &a, NULL);
	}
	return r;
}

static int put_victims(struct yg_pg *s, const struct yg_dn_window *w)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < w->n_victims; i++) {
		const struct yg_dn_victim *v = &w->victims[i];
		struct yg_pg_args a;
		yg_pg_args_init(&a);
		yg_pg_txt(&a, v->ip);
		yg_pg_i64(&a, v->proto);
		yg_pg_i64(&a, v->port);
		yg_pg_i64(&a, w->minute);
		yg_pg_i64(&a, v->packets);
		yg_pg_f64(&a, v->est_pps);
		r = yg_pg_run(s,
			      "INSERT INTO darknet_victims AS t(ip, proto, port, first_minute,"
			      " last_minute, packets, est_pps, windows)"
			      " VALUES ($1, $2, $3, $4, $4, $5, $6, 1)"
			      " ON CONFLICT(ip, proto, port) DO UPDATE SET"
			      " first_minute = LEAST(t.first_minute, excluded.first_minute),"
			      " last_minute = GREATEST(t.last_minute, excluded.last_minute),"
			      " packets = t.packets + excluded.packets,"
			      " est_pps = GREATEST(t.est_pps, excluded.est_pps),"
			      " windows = t.windows + 1",
			      &a, NULL);
	}
	return r;
}

static int dn_window_put(struct yg_store *st, int64_t org_id, const struct yg_dn_window *w)
{
	struct yg_pg *s = yg_pg(st);
	int64_t packets = 0;
	for (size_t i = 0; i < w->n_ports; i++)
		packets += w->ports[i].packets; /* each <= 1e12, at most 140,000 */
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, org_id);
	yg_pg_txt(&a, w->sensor);
	yg_pg_i64(&a, w->minute);
	yg_pg_i64(&a, w->telescope_addresses);
	yg_pg_i64(&a, packets);
	yg_pg_i64(&a, (int64_t)w->n_ports);
	yg_pg_i64(&a, (int64_t)w->n_sources);
	yg_pg_i64(&a, (int64_t)w->n_victims);
	yg_pg_i64(&a, yg_pg_now_us());
	int r = yg_pg_run_one(s,
			      "INSERT INTO darknet_windows(org_id, sensor, minute, telescope, packets,"
			      " ports, sources, victims, received_us)"
			      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
			      " ON CONFLICT(org_id, sensor, minute) DO NOTHING",
			      &a);
	if (r == -ENOENT)
		return 1; /* posted before: counted once */
	if (r == 0)
		r = put_ports(s, w);
	if (r == 0)
		r = put_sources(s, w);
	if (r == 0)
		r = put_victims(s, w);
	return r;
}

static int walk_points(struct yg_pg *s, const char *sql, struct yg_pg_args *a,
		       int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(s, sql, a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_dn_point p = {
			.t = yg_pg_get_i64(res, i, 0),
			.packets = yg_pg_get_i64(res, i, 1),
			.sources = yg_pg_get_i64(res, i, 2),
			.new_sources = yg_pg_get_i64(res, i, 3),
		};
		r = fn(ud, &p);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int dn_minute_top(struct yg_store *st, int64_t minute, bool by_new, size_t limit,
			 int (*fn)(void *ud, const struct yg_dn_port *p), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, minute);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	/* Ties in SQLite's order are the table's (proto, port) order. */
	int r = yg_pg_run(yg_pg(st),
			  by_new ? "SELECT proto, port, packets, sources, new_sources FROM"
				   " darknet_minutes WHERE minute = $1 AND new_sources > 0"
				   " ORDER BY new_sources DESC, proto, port LIMIT $2"
				 : "SELECT proto, port, packets, sources, new_sources FROM"
				   " darknet_minutes WHERE minute = $1 ORDER BY packets DESC, proto, port"
				   " LIMIT $2",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_dn_port p = {
			.proto = (uint8_t)yg_pg_get_i64(res, i, 0),
			.port = (uint16_t)yg_pg_get_i64(res, i, 1),
			.packets = yg_pg_get_i64(res, i, 2),
			.sources = yg_pg_get_i64(res, i, 3),
			.new_sources = yg_pg_get_i64(res, i, 4),
		};
		r = fn(ud, &p);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int dn_minutes(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to,
		      bool covered_only, int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, proto);
	yg_pg_i64(&a, port);
	yg_pg_i64(&a, from);
	yg_pg_i64(&a, to);
	return walk_points(
	    yg_pg(st),
	    covered_only
		? "SELECT w.minute, coalesce(m.packets, 0), coalesce(m.sources, 0),"
		  " coalesce(m.new_sources, 0) FROM (SELECT DISTINCT minute FROM darknet_windows"
		  " WHERE minute >= $3 AND minute < $4) w LEFT JOIN darknet_minutes m"
		  " ON m.proto = $1 AND m.port = $2 AND m.minute = w.minute ORDER BY w.minute"
		: "SELECT minute, packets, sources, new_sources FROM darknet_minutes"
		  " WHERE proto = $1 AND port = $2 AND minute >= $3 AND minute < $4 ORDER BY minute",
	    &a, fn, ud);
}

static int dn_hours(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to,
		    int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, proto);
	yg_pg_i64(&a, port);
	yg_pg_i64(&a, from);
	yg_pg_i64(&a, to);
	return walk_points(yg_pg(st),
			   "SELECT hour, packets, sources, new_sources FROM darknet_hours"
			   " WHERE proto = $1 AND port = $2 AND hour >= $3 AND hour < $4 ORDER BY hour",
			   &a, fn, ud);
}

static void surge_of(const PGresult *res, int i, struct yg_dn_surge *s)
{
	memset(s, 0, sizeof *s);
	s->id = yg_pg_get_i64(res, i, 0);
	s->proto = (uint8_t)yg_pg_get_i64(res, i, 1);
	s->port = (uint16_t)yg_pg_get_i64(res, i, 2);
	s->since_minute = yg_pg_get_i64(res, i, 3);
	s->last_minute = yg_pg_get_i64(res, i, 4);
	s->score = yg_pg_get_f64(res, i, 5);
	s->peak_score = yg_pg_get_f64(res, i, 6);
	s->expected = yg_pg_get_f64(res, i, 7);
	s->observed = yg_pg_get_i64(res, i, 8);
	s->new_score = yg_pg_get_f64(res, i, 9);
	s->expected_new = yg_pg_get_f64(res, i, 10);
	s->new_sources = yg_pg_get_i64(res, i, 11);
	s->seasonal = yg_pg_get_bool(res, i, 12);
	yg_pg_get_text(res, i, 13, s->kind, sizeof s->kind);
	yg_pg_get_text(res, i, 14, s->report_id, sizeof s->report_id);
}

static int dn_surge_open(struct yg_store *st, uint8_t proto, uint16_t port, int64_t min_last,
			 struct yg_dn_surge *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, proto);
	yg_pg_i64(&a, port);
	yg_pg_i64(&a, min_last);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st),
			  "SELECT " SURGE_COLS " FROM darknet_surges WHERE proto = $1 AND port = $2"
			  " AND last_minute >= $3 ORDER BY last_minute DESC, id DESC LIMIT 1",
			  &a, &res);
	if (r < 0)
		return r;
	surge_of(res, 0, ret);
	PQclear(res);
	return 0;
}

static int dn_surge_put(struct yg_store *st, const struct yg_dn_surge *s, int64_t *ret_id)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, s->id);
	yg_pg_i64(&a, s->proto);
	yg_pg_i64(&a, s->port);
	yg_pg_i64(&a, s->since_minute);
	yg_pg_i64(&a, s->last_minute);
	yg_pg_f64(&a, s->score);
	yg_pg_f64(&a, s->peak_score);
	yg_pg_f64(&a, s->expected);
	yg_pg_i64(&a, s->observed);
	yg_pg_f64(&a, s->new_score);
	yg_pg_f64(&a, s->expected_new);
	yg_pg_i64(&a, s->new_sources);
	yg_pg_i64(&a, s->seasonal);
	yg_pg_txt(&a, s->kind);
	yg_pg_txt(&a, s->report_id);
	struct yg_pg *q = yg_pg(st);
	if (s->id) {
		int r = yg_pg_run(q,
				  "UPDATE darknet_surges SET proto = $2, port = $3, since_minute = $4,"
				  " last_minute = $5, score = $6, peak_score = $7, expected = $8,"
				  " observed = $9, new_score = $10, expected_new = $11,"
				  " new_sources = $12, seasonal = $13, kind = $14, report_id = $15"
				  " WHERE id = $1",
				  &a, NULL);
		if (r == 0 && ret_id)
			*ret_id = s->id;
		return r;
	}
	int64_t id = 0;
	/* $1 (0) unused here; "$1 = 0" keeps its type known to the server. */
	int r = yg_pg_int(q,
			  "INSERT INTO darknet_surges(proto, port, since_minute, last_minute, score,"
			  " peak_score, expected, observed, new_score, expected_new, new_sources,"
			  " seasonal, kind, report_id) SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10,"
			  " $11, $12, $13, $14, $15 WHERE $1 = 0 RETURNING id",
			  &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

static int dn_surge_list(struct yg_store *st, int64_t min_last, size_t limit,
			 int (*fn)(void *ud, const struct yg_dn_surge *s), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, min_last);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT " SURGE_COLS " FROM darknet_surges WHERE last_minute >= $1"
			  " ORDER BY last_minute DESC, id DESC LIMIT $2",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_dn_surge s;
		surge_of(res, i, &s);
		r = fn(ud, &s);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int dn_surge_ports(struct yg_store *st, int64_t min_last,
			  int (*fn)(void *ud, uint8_t proto, uint16_t port), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, min_last);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT DISTINCT proto, port FROM darknet_surges WHERE last_minute >= $1"
			  " ORDER BY proto, port",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, (uint8_t)yg_pg_get_i64(res, i, 0), (uint16_t)yg_pg_get_i64(res, i, 1));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
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
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, port);
	yg_pg_i64(&a, min_last);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	/* ports is the JSON array text ports_json wrote. */
	int r = yg_pg_run(
	    yg_pg(st),
	    "SELECT ip, class, fingerprint, research_name, first_minute, last_minute, packets,"
	    " bytes, dest_count, ports, country, asn, windows FROM darknet_sources"
	    " WHERE $1 < 0 OR (last_minute >= $2 AND ports::jsonb @> to_jsonb($1))"
	    " ORDER BY packets DESC, ip LIMIT $3",
	    &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_dn_source s;
		memset(&s, 0, sizeof s);
		yg_pg_get_text(res, i, 0, s.ip, sizeof s.ip);
		yg_pg_get_text(res, i, 1, s.cls, sizeof s.cls);
		yg_pg_get_text(res, i, 2, s.fingerprint, sizeof s.fingerprint);
		yg_pg_get_text(res, i, 3, s.research_name, sizeof s.research_name);
		s.first_minute = yg_pg_get_i64(res, i, 4);
		s.last_minute = yg_pg_get_i64(res, i, 5);
		s.packets = yg_pg_get_i64(res, i, 6);
		s.bytes = yg_pg_get_i64(res, i, 7);
		s.dest_count = yg_pg_get_i64(res, i, 8);
		ports_parse(yg_pg_get_str(res, i, 9), &s);
		yg_pg_get_text(res, i, 10, s.country, sizeof s.country);
		s.asn = yg_pg_get_i64(res, i, 11);
		s.windows = yg_pg_get_i64(res, i, 12);
		r = fn(ud, &s);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int dn_victims_top(struct yg_store *st, size_t limit,
			  int (*fn)(void *ud, const struct yg_dn_victim *v), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT ip, proto, port, first_minute, last_minute, packets, est_pps,"
			  " windows FROM darknet_victims ORDER BY packets DESC, ip LIMIT $1",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_dn_victim v;
		memset(&v, 0, sizeof v);
		yg_pg_get_text(res, i, 0, v.ip, sizeof v.ip);
		v.proto = (uint8_t)yg_pg_get_i64(res, i, 1);
		v.port = (int)yg_pg_get_i64(res, i, 2);
		v.first_minute = yg_pg_get_i64(res, i, 3);
		v.last_minute = yg_pg_get_i64(res, i, 4);
		v.packets = yg_pg_get_i64(res, i, 5);
		v.est_pps = yg_pg_get_f64(res, i, 6);
		v.windows = yg_pg_get_i64(res, i, 7);
		r = fn(ud, &v);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int dn_windows(struct yg_store *st, int64_t org, size_t limit,
		      int (*fn)(void *ud, const struct yg_dn_window_row *w), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, org);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT w.org_id, o.name, w.sensor, w.minute, w.telescope, w.packets,"
			  " w.ports, w.sources, w.victims, w.received_us FROM darknet_windows w"
			  " JOIN organizations o ON o.id = w.org_id WHERE $1 = 0 OR w.org_id = $1"
			  " ORDER BY w.minute DESC, w.id DESC LIMIT $2",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_dn_window_row w;
		memset(&w, 0, sizeof w);
		w.org_id = yg_pg_get_i64(res, i, 0);
		yg_pg_get_text(res, i, 1, w.org_name, sizeof w.org_name);
		yg_pg_get_text(res, i, 2, w.sensor, sizeof w.sensor);
		w.minute = yg_pg_get_i64(res, i, 3);
		w.telescope_addresses = yg_pg_get_i64(res, i, 4);
		w.packets = yg_pg_get_i64(res, i, 5);
		w.ports = yg_pg_get_i64(res, i, 6);
		w.sources = yg_pg_get_i64(res, i, 7);
		w.victims = yg_pg_get_i64(res, i, 8);
		w.received_us = yg_pg_get_i64(res, i, 9);
		r = fn(ud, &w);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int dn_last_minute(struct yg_store *st, int64_t *ret)
{
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT max(minute) FROM darknet_windows", NULL, &res);
	if (r < 0)
		return r;
	if (PQgetisnull(res, 0, 0))
		r = -ENOENT;
	else
		*ret = yg_pg_get_i64(res, 0, 0);
	PQclear(res);
	return r;
}

static int run_int(struct yg_pg *s, const char *sql, int64_t v)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, v);
	return yg_pg_run(s, sql, &a, NULL);
}

static int dn_sweep(struct yg_store *st, int64_t now_minute, unsigned minute_days,
		    unsigned hour_days)
{
	struct yg_pg *s = yg_pg(st);
	int64_t old_min = now_minute - (int64_t)minute_days * 1440;
	int64_t old_hour = now_minute / 60 - (int64_t)hour_days * 24;
	static const char *const by_minute[] = {
		"DELETE FROM darknet_minutes WHERE minute < $1",
		"DELETE FROM darknet_windows WHERE minute < $1",
		"DELETE FROM darknet_sources WHERE last_minute < $1",
		"DELETE FROM darknet_victims WHERE last_minute < $1",
		"DELETE FROM darknet_surges WHERE last_minute < $1",
	};
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof by_minute / sizeof by_minute[0]; i++)
		r = run_int(s, by_minute[i], old_min);
	if (r == 0)
		r = run_int(s, "DELETE FROM darknet_hours WHERE hour < $1", old_hour);
	if (r == 0)
		r = run_int(s,
			    "DELETE FROM darknet_sources WHERE ip IN (SELECT ip FROM"
			    " darknet_sources ORDER BY packets DESC, ip OFFSET $1)",
			    YG_DN_ROWS_MAX);
	if (r == 0)
		r = run_int(s,
			    "DELETE FROM darknet_victims WHERE (ip, proto, port) IN (SELECT ip,"
			    " proto, port FROM darknet_victims ORDER BY packets DESC, ip OFFSET $1)",
			    YG_DN_ROWS_MAX);
	return r;
}

const struct yg_store_darknet_ops yg_pg_darknet_ops = {
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
