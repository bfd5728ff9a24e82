/*
 * The telescope's REST endpoints (see darknet.h for the routes and who
 * sees what, darknet_body.h for the body of a POST).
 *
 * POST answers
 *   200 {"stored": true|false, "duplicate": bool, "window_start", "ports",
 *        "sources", "victims", "surges": [{proto, port, score,
 *        new_sources_score, kind, since, new, report}]}
 *   400 {"title", "http_status", "description": "<field>: <why>",
 *        "field": "<field>"} for a body or a window_start out of range;
 *        nothing of a refused body is stored
 *   403 readers; 413 above 8 MiB; 415 not application/json.
 * A window re-posted (same organization, sensor and window_start) is
 * answered 200 with "duplicate": true and counted once (store_darknet.h).
 * window_start may be at most two minutes ahead of the hub's clock and at
 * most the minute retention (--darknet-minute-days) behind it.
 *
 * GET parameters are checked: an unknown one, or a bad value, is a 400
 * naming it ("field").
 */
#include <errno.h>
#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "earlywarn/earlywarn.h"
#include "hub/darknet.h"
#include "hub/darknet_body.h"
#include "hub/hosts_int.h"
#include "hub/events.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/rest_reply.h"
#include "level/level.h"
#include "store/store_darknet.h"

#define SKEW_MINUTES      2
#define TOP_DEFAULT       100
#define TOP_MAX           1000
#define SIGNAL_HOURS      24
#define SIGNALS_MAX       500
#define SERIES_MINUTES_MAX (7 * 1440)
#define SERIES_HOURS_MAX   (90 * 24)
#define SET_SWEPT         "darknet_swept_hour"

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static json_t *time_json(int64_t minute)
{
	char t[YG_TIME_US_LEN + 1];
	return yg_time_format_us(minute * 60 * 1000000, t) == 0 ? json_string(t) : json_null();
}

static unsigned minute_days(const struct yg_hub *h)
{
	return h->cfg.darknet_minute_days ? h->cfg.darknet_minute_days : YG_DN_MINUTE_DAYS;
}

static unsigned hour_days(const struct yg_hub *h)
{
	return h->cfg.darknet_hour_days ? h->cfg.darknet_hour_days : YG_DN_HOUR_DAYS;
}

/* Applies the retention once per hour of the hub's clock. */
static int maybe_sweep(struct yg_hub *h, struct yg_store *st, int64_t now_minute)
{
	char *v = NULL;
	int64_t hour = floor_div(now_minute, 60), last = -1;
	int r = st->ops->setting_get(st, SET_SWEPT, &v);
	if (r == 0)
		last = strtoll(v, NULL, 10);
	free(v);
	if (r < 0 && r != -ENOENT)
		return r;
	if (hour <= last)
		return 0;
	r = st->ops->darknet->sweep(st, now_minute, minute_days(h), hour_days(h));
	char text[24];
	snprintf(text, sizeof text, "%lld", (long long)hour);
	return r < 0 ? r : st->ops->setting_set(st, SET_SWEPT, text);
}

/* A stored window as a "darknet" event for the dashboards' live picture
 * (events.h): aggregates only, at TLP:GREEN like the GET routes, so every
 * member may read it; no sensor, no organization, no report id (a report
 * published at AMBER is not everyone's to know of). Nothing is lost when
 * publishing fails: the GET routes hold the same figures. */
static void publish_window(struct yg_hub *h, const struct yg_dn_window *w, const json_t *surges)
{
	json_t *sv = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(surges, i, e)
	{
		json_t *c = json_pack("{s:O?, s:O?, s:O?, s:O?}", "proto", json_object_get(e, "proto"),
				      "port", json_object_get(e, "port"), "score",
				      json_object_get(e, "score"), "kind", json_object_get(e, "kind"));
		if (c)
			json_array_append_new(sv, c);
	}
	json_t *j = sv ? json_pack("{s:o, s:I, s:I, s:I, s:o}", "window_start", time_json(w->minute),
				   "ports", (json_int_t)w->n_ports, "sources", (json_int_t)w->n_sources,
				   "victims", (json_int_t)w->n_victims, "surges", sv)
		       : NULL;
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text)
		(void)yg_events_publish(h->events, "darknet", text, 0, 0);
	free(text);
}

/* The alert level reads the strongest active surge as darknet.surge_score.
 * Only a change is pushed, so a steady stream of windows does not make the
 * level evaluate on every POST; it lives as long as a surge stays active. */
static void tell_level(struct yg_hub *h, struct yg_store *st)
{
	struct yg_level *l = yg_hub_level(h);
	double v = 0;
	if (!l || yg_darknet_surge_max(st, yg_now_us(), &v) < 0)
		return;
	if (atomic_exchange(&h->dn_surge_pushed, v) == v)
		return;
	(void)yg_level_signal_set_ttl(l, "darknet.surge_score", v, "{\"source\": \"telescope\"}",
				      YG_DN_ACTIVE_MINUTES * 60);
}

/* One POST of a batch: its window, or why it is refused. */
struct dn_post {
	struct yg_dn_window *w; /* owned; NULL: refused (resp filled) */
	json_t *surges;         /* owned */
	int put;                /* window_put: 0 stored, 1 duplicate */
};

/* A POST's own checks and its window; false with resp filled when it is
 * refused. */
static bool dn_open(struct yg_hub *h, const struct yg_report_msg *m, int64_t now_minute,
                    struct dn_post *p)
{
	const struct yg_req *req = m->req;
	struct yg_resp *resp = m->resp;
	if (!(m->who->role & (YG_ROLE_SENSOR | YG_ROLE_ANALYST | YG_ROLE_ADMIN))) {
		yg_rest_error(resp, 403, "forbidden", "readers do not post telescope windows");
		return false;
	}
	if (!yg_rest_json_type(req->content_type)) {
		yg_rest_error(resp, 415, "unsupported media type", "Content-Type must be application/json");
		return false;
	}
	if (!yg_rest_accepts(req, resp))
		return false;
	struct yg_dn_error err;
	int r = yg_dn_body_parse(req->body, req->body_len, &p->w, &err);
	if (r == -E2BIG) {
		yg_rest_error(resp, 413, "request too large", "a window is at most 8 MiB");
		return false;
	}
	if (r == -EINVAL) {
		yg_rest_bad_field(resp, err.field, err.why);
		return false;
	}
	if (r < 0) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		return false;
	}
	if (p->w->minute > now_minute + SKEW_MINUTES)
		yg_rest_bad_field(resp, "window_start", "is in the future");
	else if (p->w->minute < now_minute - (int64_t)minute_days(h) * 1440)
		yg_rest_bad_field(resp, "window_start", "is older than the hub keeps minutes");
	else if (!(p->surges = json_array()))
		yg_rest_error(resp, 500, "out of memory", NULL);
	else
		return true;
	yg_dn_window_free(p->w);
	p->w = NULL;
	return false;
}

/* The batch's writes in one transaction: each live POST's window, then
 * (when it was new) its scoring, the retention, its hosts and its audit
 * row, in order. Returns 0 or the store's error, after which nothing of
 * the batch was written. */
static int dn_write(struct yg_hub *h, struct yg_store *st, const struct yg_report_msg *msgs,
                    struct dn_post *ps, size_t n, int64_t now_minute)
{
	int r = st->ops->tx_begin(st);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct dn_post *p = &ps[i];
		const struct yg_caller *who = msgs[i].who;
		if (!p->w)
			continue;
		p->put = st->ops->darknet->window_put(st, who->org_id, p->w);
		r = p->put < 0 ? p->put : 0;
		if (p->put != 0)
			continue;
		r = yg_dn_evaluate(h, st, who, p->w->minute, p->surges);
		if (r == 0)
			r = maybe_sweep(h, st, now_minute);
		/* Scanners inside an owner's space are infected hosts. */
		if (r == 0)
			r = yg_hosts_from_window(h, st, who, p->w);
		if (r == 0)
			r = st->ops->audit(st, who->org_id, who->org_name, "darknet.post",
			                   p->w->sensor);
	}
	if (r == 0)
		return st->ops->tx_commit(st);
	st->ops->tx_rollback(st);
	return r;
}

int yg_rest_darknet_post_batch(struct yg_hub *h, struct yg_store *st,
                               const struct yg_report_msg *msgs, size_t n)
{
	struct dn_post *ps = calloc(n ? n : 1, sizeof *ps);
	if (!ps) {
		for (size_t i = 0; i < n; i++)
			yg_rest_error(msgs[i].resp, 500, "out of memory", NULL);
		return 0;
	}
	int64_t now_minute = floor_div(yg_now_us(), 60 * 1000000LL);
	size_t live = 0;
	for (size_t i = 0; i < n; i++)
		live += dn_open(h, &msgs[i], now_minute, &ps[i]);
	if (!live)
		goto out;
	int r = dn_write(h, st, msgs, ps, n, now_minute);
	if (r < 0 && live > 1) {
		/* Nothing of the batch was written: each POST again on its
		 * own, so one that fails fails alone (a window a lost commit
		 * did write comes back as a duplicate). */
		for (size_t i = 0; i < n; i++)
			if (ps[i].w)
				yg_rest_darknet_post_batch(h, st, &msgs[i], 1);
		goto out;
	}
	bool stored = false;
	for (size_t i = 0; i < n; i++) {
		struct dn_post *p = &ps[i];
		if (!p->w)
			continue;
		if (r < 0) {
			yg_rest_error(msgs[i].resp, r == -EBUSY ? 503 : 500, "store error", NULL);
			continue;
		}
		if (p->put == 0) {
			stored = true;
			publish_window(h, p->w, p->surges);
		}
		yg_rest_json(msgs[i].resp, 200,
		             json_pack("{s:b, s:b, s:o, s:I, s:I, s:I, s:O}", "stored", p->put == 0,
		                       "duplicate", p->put == 1, "window_start",
		                       time_json(p->w->minute), "ports", (json_int_t)p->w->n_ports,
		                       "sources", (json_int_t)p->w->n_sources, "victims",
		                       (json_int_t)p->w->n_victims, "surges", p->surges));
	}
	/* The level reads the strongest surge after all of them. */
	if (stored)
		tell_level(h, st);
out:
	for (size_t i = 0; i < n; i++) {
		json_decref(ps[i].surges);
		yg_dn_window_free(ps[i].w);
	}
	free(ps);
	return 0;
}

/* Query parameters: each known name once at most; anything else is a 400. */
struct params {
	const char *v[8];
};

static bool get_params(const struct yg_req *req, const char *const *names, size_t n,
		       struct params *ret, struct yg_resp *resp)
{
	memset(ret, 0, sizeof *ret);
	for (size_t i = 0; i < req->n_args; i++) {
		size_t k = 0;
		while (k < n && strcmp(req->args[i].key, names[k]))
			k++;
		if (k == n) {
			char field[64];
			snprintf(field, sizeof field, "%.63s", req->args[i].key);
			yg_rest_bad_field(resp, field, "is not a parameter of this resource");
			return false;
		}
		if (ret->v[k]) {
			yg_rest_bad_field(resp, names[k], "is given twice");
			return false;
		}
		ret->v[k] = req->args[i].value ? req->args[i].value : "";
	}
	return true;
}

static bool uint_param(const char *s, long long lo, long long hi, long long *ret)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 10 || strspn(s, "0123456789") != n)
		return false;
	long long v = strtoll(s, NULL, 10);
	if (v < lo || v > hi)
		return false;
	*ret = v;
	return true;
}

static json_t *surge_json(const struct yg_dn_surge *s, int64_t now_minute)
{
	json_t *j = json_pack("{s:s, s:i, s:f, s:f, s:f, s:I, s:f, s:f, s:I, s:s, s:b, s:o, s:o, s:b}",
			      "proto", yg_darknet_proto_name(s->proto), "port", (int)s->port, "score",
			      round(s->score * 100) / 100, "peak_score", round(s->peak_score * 100) / 100,
			      "expected", round(s->expected * 100) / 100, "observed",
			      (json_int_t)s->observed, "new_sources_score",
			      round(s->new_score * 100) / 100, "expected_new_sources",
			      round(s->expected_new * 100) / 100, "new_sources",
			      (json_int_t)s->new_sources, "kind", s->kind, "seasonal", s->seasonal,
			      "since", time_json(s->since_minute), "last", time_json(s->last_minute),
			      "active", s->last_minute >= now_minute - YG_DN_ACTIVE_MINUTES);
	if (j && s->report_id[0])
		json_object_set_new(j, "report", json_string(s->report_id));
	return j;
}

struct sig {
	json_t *arr;
	int64_t now_minute;
	double max;
	size_t active;
	int filter_proto, filter_port; /* -1: all */
};

static int on_signal(void *ud, const struct yg_dn_surge *s)
{
	struct sig *g = ud;
	if (g->filter_port >= 0 && (s->proto != g->filter_proto || s->port != g->filter_port))
		return 1;
	if (s->last_minute >= g->now_minute - YG_DN_ACTIVE_MINUTES) {
		g->active++;
		g->max = fmax(g->max, fmax(s->score, s->new_score));
	}
	json_t *j = surge_json(s, g->now_minute);
	return j && json_array_append_new(g->arr, j) == 0 ? 1 : -ENOMEM;
}

static void signals(struct yg_store *st, const struct yg_req *req, struct yg_resp *resp)
{
	struct params p;
	if (!get_params(req, NULL, 0, &p, resp))
		return;
	int64_t now_us = yg_now_us();
	struct sig g = {.arr = json_array(), .now_minute = floor_div(now_us, 60000000LL),
			.filter_port = -1};
	int r = g.arr ? st->ops->darknet->surge_list(st, g.now_minute - SIGNAL_HOURS * 60,
						     SIGNALS_MAX, on_signal, &g)
		      : -ENOMEM;
	if (r < 0) {
		json_decref(g.arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	char now[YG_TIME_US_LEN + 1];
	yg_time_format_us(now_us, now);
	json_t *th = json_pack("{s:f, s:f, s:f, s:f, s:i, s:i, s:i, s:i}", "score", YG_EW_SURGE_SCORE,
			       "ratio", YG_EW_SURGE_RATIO, "min_excess_packets",
			       YG_EW_SURGE_MIN_PACKETS, "min_excess_new_sources", YG_EW_SURGE_MIN_NEW,
			       "history_minutes", YG_EW_HISTORY_MINUTES, "min_history_minutes",
			       YG_EW_MIN_HISTORY, "seasonal_days", YG_EW_SEASONAL_DAYS,
			       "active_minutes", YG_DN_ACTIVE_MINUTES);
	yg_rest_json(resp, 200, json_pack("{s:s, s:f, s:I, s:o, s:o}", "as_of", now, "max_score",
				  round(g.max * 100) / 100, "active", (json_int_t)g.active,
				  "thresholds", th, "signals", g.arr));
}

struct series {
	json_t *arr;
	bool hours;
};

static int on_point(void *ud, const struct yg_dn_point *p)
{
	struct series *s = ud;
	json_t *j = json_pack("{s:o, s:I, s:I, s:I}", "t", time_json(s->hours ? p->t * 60 : p->t),
			      "packets", (json_int_t)p->packets, "sources", (json_int_t)p->sources,
			      "new_sources", (json_int_t)p->new_sources);
	return j && json_array_append_new(s->arr, j) == 0 ? 1 : -ENOMEM;
}

struct dense {
	double *y;
	size_t cap, n;
	int64_t first, end; /* hours [first, end) */
};

static int on_dense(void *ud, const struct yg_dn_point *p)
{
	struct dense *d = ud;
	if (d->n == 0 && d->first == INT64_MIN)
		d->first = p->t;
	int64_t i = p->t - d->first;
	if (i < 0 || (size_t)i >= d->cap)
		return 0;
	while (d->n < (size_t)i)
		d->y[d->n++] = 0;
	d->y[d->n++] = (double)p->packets;
	return 1;
}

/* The forecast of the next horizon hours after the last complete hour,
 * with its backtest; "available": false with the reason otherwise. */
static json_t *forecast_json(struct yg_store *st, uint8_t proto, uint16_t port, unsigned horizon,
			     int64_t now_minute, int *ret_err)
{
	int64_t end = floor_div(now_minute, 60); /* the current hour is not complete */
	static _Thread_local double y[YG_EW_FORECAST_MAX_HOURS];
	struct dense d = {.y = y, .cap = YG_EW_FORECAST_MAX_HOURS, .first = INT64_MIN};
	int r = st->ops->darknet->hours(st, proto, port, end - YG_EW_FORECAST_MAX_HOURS, end,
					on_dense, &d);
	if (r < 0) {
		*ret_err = r;
		return NULL;
	}
	while (d.n > 0 && d.first + (int64_t)d.n < end && d.n < d.cap)
		y[d.n++] = 0;
	double pt[YG_EW_HORIZON_MAX];
	struct yg_ew_backtest bt;
	if (yg_ew_forecast(y, d.n, d.first, horizon, pt) < 0 ||
	    yg_ew_backtest(y, d.n, d.first, horizon, &bt) < 0) {
		char why[96];
		snprintf(why, sizeof why, "needs %d hours of history, has %zu",
			 YG_EW_FORECAST_MIN_HOURS + (int)horizon, d.n);
		return json_pack("{s:b, s:s}", "available", false, "reason", why);
	}
	json_t *pts = json_array();
	for (unsigned k = 0; pts && k < horizon; k++) {
		double band = 2 * bt.mae_h[k];
		json_t *e = json_pack("{s:o, s:f, s:f, s:f}", "t",
				      time_json((d.first + (int64_t)d.n + k) * 60), "packets",
				      round(pt[k] * 100) / 100, "lo",
				      round(fmax(0, pt[k] - band) * 100) / 100, "hi",
				      round((pt[k] + band) * 100) / 100);
		if (!e || json_array_append_new(pts, e)) {
			json_decref(pts);
			pts = NULL;
		}
	}
	json_t *b = json_pack("{s:I, s:f, s:o, s:o, s:b, s:s}", "origins", (json_int_t)bt.origins,
			      "mae", round(bt.mae * 1000) / 1000, "mase",
			      isfinite(bt.mase) ? json_real(round(bt.mase * 1000) / 1000) : json_null(),
			      "mase_naive_seasonal",
			      isfinite(bt.mase_naive) ? json_real(round(bt.mase_naive * 1000) / 1000)
						      : json_null(),
			      "beats_naive", bt.beats_naive, "verdict",
			      bt.beats_naive ? "beats the naive seasonal forecast"
					     : "does not beat the naive seasonal forecast");
	if (!pts || !b) {
		json_decref(pts);
		json_decref(b);
		*ret_err = -ENOMEM;
		return NULL;
	}
	return json_pack("{s:b, s:s, s:i, s:o, s:o}", "available", true, "method",
			 "hourly level (median of the last 6 hours) times hour-of-day profile",
			 "horizon_hours", (int)horizon, "points", pts, "backtest", b);
}

static bool time_param(const char *s, int64_t *ret_minute)
{
	int64_t us;
	if (!s || !yg_time_parse_us(s, strlen(s), &us))
		return false;
	*ret_minute = floor_div(us, 60000000LL);
	return true;
}

static void ports(struct yg_store *st, const struct yg_req *req, struct yg_resp *resp)
{
	static const char *const names[] = {"proto", "port", "from", "to", "step", "horizon"};
	struct params p;
	if (!get_params(req, names, 6, &p, resp))
		return;
	unsigned proto = yg_darknet_proto_parse(p.v[0]);
	long long port = 0, horizon = YG_EW_HORIZON_MAX;
	if (!proto) {
		yg_rest_bad_field(resp, "proto", "must be tcp, udp or icmp");
		return;
	}
	if (!uint_param(p.v[1], 0, 65535, &port)) {
		yg_rest_bad_field(resp, "port", "must be an integer 0..65535");
		return;
	}
	bool hours = false;
	if (p.v[4] && !(hours = !strcmp(p.v[4], "hour")) && strcmp(p.v[4], "minute")) {
		yg_rest_bad_field(resp, "step", "must be minute or hour");
		return;
	}
	if (p.v[5] && !uint_param(p.v[5], 1, YG_EW_HORIZON_MAX, &horizon)) {
		yg_rest_bad_field(resp, "horizon", "must be an integer 1..6 (hours)");
		return;
	}
	int64_t now_minute = floor_div(yg_now_us(), 60000000LL);
	int64_t to = now_minute + 1, from = 0;
	if (p.v[3] && !time_param(p.v[3], &to)) {
		yg_rest_bad_field(resp, "to", "must be an RFC 3339 timestamp");
		return;
	}
	int64_t span = hours ? (int64_t)SERIES_HOURS_MAX * 60 : SERIES_MINUTES_MAX;
	from = to - (hours ? 7 * 1440 : 6 * 60);
	if (p.v[2] && !time_param(p.v[2], &from)) {
		yg_rest_bad_field(resp, "from", "must be an RFC 3339 timestamp");
		return;
	}
	if (from >= to) {
		yg_rest_bad_field(resp, "from", "must be before to");
		return;
	}
	if (to - from > span) {
		yg_rest_bad_field(resp, "from", hours ? "at most 90 days of hours" : "at most 7 days of minutes");
		return;
	}
	struct series s = {.arr = json_array(), .hours = hours};
	int r = s.arr ? 0 : -ENOMEM;
	if (r == 0 && hours)
		r = st->ops->darknet->hours(st, (uint8_t)proto, (uint16_t)port, floor_div(from, 60),
					    floor_div(to + 59, 60), on_point, &s);
	else if (r == 0)
		r = st->ops->darknet->minutes(st, (uint8_t)proto, (uint16_t)port, from, to, false,
					      on_point, &s);
	struct sig g = {.arr = json_array(), .now_minute = now_minute, .filter_proto = (int)proto,
			.filter_port = (int)port};
	if (r == 0)
		r = g.arr ? st->ops->darknet->surge_list(st, from, SIGNALS_MAX, on_signal, &g) : -ENOMEM;
	json_t *fc = NULL;
	if (r == 0)
		fc = forecast_json(st, (uint8_t)proto, (uint16_t)port, (unsigned)horizon, now_minute, &r);
	if (r < 0 || !fc) {
		json_decref(s.arr);
		json_decref(g.arr);
		json_decref(fc);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:o}", "proto",
				  yg_darknet_proto_name(proto), "port", (int)port, "step",
				  hours ? "hour" : "minute", "from", time_json(from), "to",
				  time_json(to), "series", s.arr, "surges", g.arr, "forecast", fc));
}

static int top_param(const struct yg_req *req, const char *name, struct yg_resp *resp,
		     size_t *ret)
{
	const char *const names[] = {name};
	struct params p;
	if (!get_params(req, names, 1, &p, resp))
		return -EINVAL;
	long long v = TOP_DEFAULT;
	if (p.v[0] && !uint_param(p.v[0], 1, TOP_MAX, &v)) {
		yg_rest_bad_field(resp, name, "must be an integer 1..1000");
		return -EINVAL;
	}
	*ret = (size_t)v;
	return 0;
}

static int on_src(void *ud, const struct yg_dn_source *s)
{
	json_t *ports = json_array();
	for (size_t i = 0; ports && i < s->n_ports; i++)
		json_array_append_new(ports, json_integer(s->ports[i]));
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:I}", "ip", s->ip,
			      "class", s->cls, "fingerprint", s->fingerprint, "packets",
			      (json_int_t)s->packets, "bytes", (json_int_t)s->bytes, "dest_count",
			      (json_int_t)s->dest_count, "ports", ports, "first_seen",
			      time_json(s->first_minute), "last_seen", time_json(s->last_minute),
			      "windows", (json_int_t)s->windows);
	if (j && s->research_name[0])
		json_object_set_new(j, "research_name", json_string(s->research_name));
	if (j && s->country[0])
		json_object_set_new(j, "country", json_string(s->country));
	if (j && s->asn >= 0)
		json_object_set_new(j, "asn", json_integer(s->asn));
	return j && json_array_append_new(ud, j) == 0 ? 1 : -ENOMEM;
}

static int on_victim(void *ud, const struct yg_dn_victim *v)
{
	json_t *j = json_pack("{s:s, s:s, s:o, s:I, s:f, s:o, s:o, s:I}", "ip", v->ip, "proto",
			      yg_darknet_proto_name(v->proto), "port",
			      v->port >= 0 ? json_integer(v->port) : json_null(), "packets",
			      (json_int_t)v->packets, "est_pps", round(v->est_pps * 100) / 100,
			      "first_seen", time_json(v->first_minute), "last_seen",
			      time_json(v->last_minute), "windows", (json_int_t)v->windows);
	return j && json_array_append_new(ud, j) == 0 ? 1 : -ENOMEM;
}

static int on_window(void *ud, const struct yg_dn_window_row *w)
{
	char received[YG_TIME_US_LEN + 1];
	if (yg_time_format_us(w->received_us, received) < 0)
		return -ERANGE;
	json_t *j = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:s}", "org", w->org_name,
			      "sensor", w->sensor, "window_start", time_json(w->minute),
			      "telescope_addresses", (json_int_t)w->telescope_addresses, "packets",
			      (json_int_t)w->packets, "ports", (json_int_t)w->ports, "sources",
			      (json_int_t)w->sources, "victims", (json_int_t)w->victims, "received",
			      received);
	return j && json_array_append_new(ud, j) == 0 ? 1 : -ENOMEM;
}

static void listing(struct yg_store *st, const struct yg_caller *who, enum yg_route_kind kind,
		    const struct yg_req *req, struct yg_resp *resp)
{
	size_t top;
	const char *key = kind == YG_ROUTE_REST_DARKNET_SOURCES   ? "sources"
			  : kind == YG_ROUTE_REST_DARKNET_VICTIMS ? "victims"
								  : "windows";
	if (top_param(req, kind == YG_ROUTE_REST_DARKNET_SENSORS ? "limit" : "top", resp, &top) < 0)
		return;
	json_t *arr = json_array();
	int r = arr ? 0 : -ENOMEM;
	if (r == 0 && kind == YG_ROUTE_REST_DARKNET_SOURCES)
		r = st->ops->darknet->sources_top(st, -1, 0, top, on_src, arr);
	else if (r == 0 && kind == YG_ROUTE_REST_DARKNET_VICTIMS)
		r = st->ops->darknet->victims_top(st, top, on_victim, arr);
	else if (r == 0) /* raw windows: the caller's own, or all for admins */
		r = st->ops->darknet->windows(st, who->role == YG_ROLE_ADMIN ? 0 : who->org_id, top,
					      on_window, arr);
	if (r < 0) {
		json_decref(arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, json_pack("{s:s, s:o}", "tlp",
				  kind == YG_ROUTE_REST_DARKNET_SENSORS ? "TLP:AMBER+STRICT"
									: "TLP:GREEN",
				  key, arr));
}

int yg_rest_darknet(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	if (rt->kind == YG_ROUTE_REST_DARKNET) {
		if (!yg_rest_method(req, resp, "POST"))
			return 0;
		struct yg_report_msg m = {.who = who, .req = req, .resp = resp};
		return yg_rest_darknet_post_batch(h, st, &m, 1);
	}
	if (!yg_rest_method(req, resp, "GET"))
		return 0;
	if (!yg_rest_accepts(req, resp))
		return 0;
	switch (rt->kind) {
	case YG_ROUTE_REST_DARKNET_SIGNALS:
		signals(st, req, resp);
		break;
	case YG_ROUTE_REST_DARKNET_PORTS:
		ports(st, req, resp);
		break;
	default:
		listing(st, who, rt->kind, req, resp);
		break;
	}
	return 0;
}
