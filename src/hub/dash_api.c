/*
 * The dashboard's read-only views under /api/v1/ (issue 15). They are
 * ordinary REST routes: any client with a token may call them, and the
 * dashboard calls them with its session; what they answer goes through
 * the same visibility rules as the rest of the API.
 *
 *   GET /api/v1/summary   the last 24 hours, for the overview:
 *       {"window_hours": 24, "as_of",
 *        "sightings": {"total", "by_sector": [{"sector", "count"}]},
 *        "campaigns": {"visible", "active"}: those the caller may see, and
 *                     of them those that grew in the window,
 *        "indicators": {"live", "revoked", "expired", "decayed"} of those
 *                      the caller may read by TLP,
 *        "darknet": {"max_score"} of the surges active now}
 *       Sightings by sector are counts over every member (no organization
 *       named), as the sightings aggregation and the alert level show them.
 *   GET /api/v1/members   per organization: sightings contributed (24 h
 *       and all time), the last one, live sensor tokens, telescope sensors
 *       that posted a window in the last 15 minutes ("online"), and the
 *       time its sensors took to load what was shared ("indicator_load",
 *       load_times.h: {"samples", "p50_ms", "p95_ms", "max_ms"} or null):
 *       {"window_hours", "online_minutes", "members": [...]}
 *       admins: every organization; everyone else: their own only.
 *   GET /api/v1/indicators/search?q=TEXT&limit=N (N 1..200, 50)
 *       indicators the caller may read by TLP whose id, name or pattern
 *       holds TEXT (case-insensitive; empty: all), newest first as stored,
 *       each with its TLP, lifecycle state (lifecycle.h: live, revoked,
 *       expired, decayed) and sightings over every member:
 *       {"q", "matched", "indicators": [{"id", "name", "pattern", "tlp",
 *        "state", "modified", "sightings", "organizations"}]}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub/darknet.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/load_times.h"
#include "hub/lifecycle.h"
#include "hub/tlp.h"
#include "hub/rest_reply.h"
#include "correlate/correlate.h"
#include "store/store_dash.h"
#include "store/store_level.h"
#include "store/store_mail.h"
#include "store/store_sightings.h"

#define WINDOW_HOURS   24
#define ONLINE_MINUTES 15
#define SEARCH_DEFAULT 50
#define SEARCH_MAX     200
#define QUERY_MAX      256

bool yg_dash_api_route(enum yg_route_kind kind)
{
	return kind == YG_ROUTE_REST_SUMMARY || kind == YG_ROUTE_REST_MEMBERS ||
	       kind == YG_ROUTE_REST_IND_SEARCH;
}

static void ok(struct yg_resp *r, json_t *j)
{
	yg_rest_json(r, 200, j);
	yg_resp_header(r, "Cache-Control", "no-store");
}

static json_t *time_or_null(int64_t us)
{
	char t[YG_TIME_US_LEN + 1];
	return us > 0 && yg_time_format_us(us, t) == 0 ? json_string(t) : json_null();
}

static int add_sector(void *ud, const char *sector, int64_t count)
{
	json_t *j = json_pack("{s:s, s:I}", "sector", sector, "count", (json_int_t)count);
	return j && json_array_append_new(ud, j) == 0 ? 1 : -ENOMEM;
}

struct camp_count {
	struct yg_store *st;
	const struct yg_caller *who;
	int64_t since_us;
	size_t n, active;
};

static int count_campaign(void *ud, const struct yg_campaign *c)
{
	struct camp_count *cc = ud;
	json_t *v = NULL;
	int r = yg_corr_campaign_view(cc->st, c->id, cc->who->org_id,
				      cc->who->role == YG_ROLE_ADMIN, false, &v);
	json_decref(v);
	if (r == -ENOENT)
		return 1;
	if (r < 0)
		return r;
	cc->n++;
	cc->active += c->modified_us >= cc->since_us;
	return 1;
}

struct states {
	size_t n[YG_IND_HIDDEN + 1];
};

static int count_state(void *ud, const struct yg_obj_row *row, const json_t *obj,
		       enum yg_ind_state state)
{
	(void)row;
	(void)obj;
	((struct states *)ud)->n[state]++;
	return 1;
}

static void summary(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    struct yg_resp *resp)
{
	int64_t now = yg_now_us();
	json_t *sectors = json_array();
	struct camp_count cc = {st, who, now - (int64_t)WINDOW_HOURS * 3600 * 1000000, 0, 0};
	struct states s = {0};
	struct yg_lc_view *v = NULL;
	struct yg_lifecycle lc = yg_hub_lc(h);
	double score = 0;
	int64_t total = 0;
	int r = sectors ? 0 : -ENOMEM;
	if (r == 0)
		r = st->ops->level->sector_sightings(st, now - (int64_t)WINDOW_HOURS * 3600 * 1000000,
						     add_sector, sectors);
	if (r == 0)
		r = st->ops->mail->campaign_list(st, who->org_id, YG_TLP_GREEN,
						 who->role == YG_ROLE_ADMIN, count_campaign, &cc);
	if (r == 0)
		r = yg_lc_view_new(st, &lc, now, &v);
	if (r == 0)
		r = yg_ind_walk(st, who, v, false, count_state, &s);
	yg_lc_view_free(v);
	if (r == 0)
		r = yg_darknet_surge_max(st, now, &score);
	if (r < 0) {
		json_decref(sectors);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(sectors, i, e)
	total += json_integer_value(json_object_get(e, "count"));
	ok(resp, json_pack("{s:i, s:o, s:{s:I, s:o}, s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:{s:f}}",
			   "window_hours", WINDOW_HOURS, "as_of", time_or_null(now), "sightings",
			   "total", (json_int_t)total, "by_sector", sectors, "campaigns", "visible",
			   (json_int_t)cc.n, "active", (json_int_t)cc.active, "indicators", "live", (json_int_t)s.n[YG_IND_LIVE],
			   "revoked", (json_int_t)s.n[YG_IND_REVOKED], "expired",
			   (json_int_t)s.n[YG_IND_EXPIRED], "decayed",
			   (json_int_t)s.n[YG_IND_DECAYED], "darknet", "max_score", score));
}

struct member_list {
	json_t *arr;
	struct yg_load_times *lt;
	int64_t now_us;
};

/* {"samples", "p50_ms", "p95_ms", "max_ms"} or null without deliveries. */
static json_t *load_time(struct member_list *ml, int64_t org_id)
{
	struct yg_load_stat ls;
	if (!yg_load_times_get(ml->lt, org_id, ml->now_us, &ls))
		return json_null();
	return json_pack("{s:I, s:f, s:f, s:f}", "samples", (json_int_t)ls.n, "p50_ms",
			 (double)ls.p50_us / 1000, "p95_ms", (double)ls.p95_us / 1000, "max_ms",
			 (double)ls.max_us / 1000);
}

static int add_member(void *ud, const struct yg_dash_member *m)
{
	struct member_list *ml = ud;
	json_t *j = json_pack(
	    "{s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:o}", "org", m->name, "sector", m->sector,
	    "sightings_24h", (json_int_t)m->sightings, "sightings_total",
	    (json_int_t)m->sightings_total, "last_sighting", time_or_null(m->last_sighting_us),
	    "sensor_tokens", (json_int_t)m->sensor_tokens, "telescopes_online",
	    (json_int_t)m->telescopes, "last_telescope_window",
	    time_or_null(m->last_window_minute * 60 * 1000000));
	if (j && m->country[0])
		json_object_set_new(j, "country", json_string(m->country));
	if (j && json_object_set_new(j, "indicator_load", load_time(ml, m->org_id)) < 0) {
		json_decref(j);
		j = NULL;
	}
	return j && json_array_append_new(ml->arr, j) == 0 ? 1 : -ENOMEM;
}

static void members(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    struct yg_resp *resp)
{
	int64_t now = yg_now_us();
	json_t *arr = json_array();
	struct member_list ml = {.arr = arr, .lt = h->load_times, .now_us = now};
	int r = arr ? 0 : -ENOMEM;
	if (r == 0)
		r = st->ops->dash->members(st, who->role == YG_ROLE_ADMIN ? 0 : who->org_id,
					   now - (int64_t)WINDOW_HOURS * 3600 * 1000000,
					   now / 60000000 - ONLINE_MINUTES, add_member, &ml);
	if (r < 0) {
		json_decref(arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	ok(resp, json_pack("{s:i, s:i, s:o}", "window_hours", WINDOW_HOURS, "online_minutes",
			   ONLINE_MINUTES, "members", arr));
}

struct search {
	struct yg_store *st;
	const char *q;
	size_t limit, matched;
	json_t *arr;
	json_t *seen; /* ids already listed (an id in two collections comes twice) */
	int err;
};

static bool holds(const char *hay, const char *needle)
{
	return hay && (!*needle || strcasestr(hay, needle));
}

static int sum_org(void *ud, const struct yg_sighting_org *o)
{
	int64_t *t = ud;
	t[0] += o->count;
	t[1]++;
	return 1;
}

static int add_found(void *ud, const struct yg_obj_row *row, const json_t *obj,
		     enum yg_ind_state state)
{
	struct search *s = ud;
	if (state == YG_IND_HIDDEN || !obj || json_object_get(s->seen, row->stix_id))
		return 1;
	const char *name = json_string_value(json_object_get(obj, "name"));
	const char *pattern = json_string_value(json_object_get(obj, "pattern"));
	if (!holds(row->stix_id, s->q) && !holds(name, s->q) && !holds(pattern, s->q))
		return 1;
	if (json_object_set_new(s->seen, row->stix_id, json_true()))
		return -ENOMEM;
	s->matched++;
	if (json_array_size(s->arr) >= s->limit)
		return 1;
	int64_t tot[2] = {0, 0};
	int r = s->st->ops->sightings->aggregate(s->st, row->stix_id, sum_org, tot);
	if (r < 0)
		return r;
	static const char *const states[] = {"live", "revoked", "expired", "decayed", "hidden"};
	json_t *j = json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:s, s:I, s:I}", "id", row->stix_id,
			      "name", name, "pattern", pattern, "tlp", yg_tlp_name(row->tlp), "state",
			      states[state], "modified", row->modified, "sightings",
			      (json_int_t)tot[0], "organizations", (json_int_t)tot[1]);
	return j && json_array_append_new(s->arr, j) == 0 ? 1 : -ENOMEM;
}

static void search(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		   const struct yg_req *req, struct yg_resp *resp)
{
	struct search s = {.st = st, .q = "", .limit = SEARCH_DEFAULT};
	for (size_t i = 0; i < req->n_args; i++) {
		const char *k = req->args[i].key, *val = req->args[i].value;
		if (!strcmp(k, "q")) {
			if (strlen(val) > QUERY_MAX) {
				yg_rest_error(resp, 400, "bad request", "q: at most 256 bytes");
				return;
			}
			s.q = val;
		} else if (!strcmp(k, "limit")) {
			char *end;
			errno = 0;
			long long n = strtoll(val, &end, 10);
			if (errno || *end || end == val || n < 1 || n > SEARCH_MAX) {
				yg_rest_error(resp, 400, "bad request", "limit: an integer 1..200");
				return;
			}
			s.limit = (size_t)n;
		} else {
			yg_rest_error(resp, 400, "bad request", "only q and limit are known");
			return;
		}
	}
	struct yg_lifecycle lc = yg_hub_lc(h);
	struct yg_lc_view *v = NULL;
	s.arr = json_array();
	s.seen = json_object();
	int r = s.arr && s.seen ? yg_lc_view_new(st, &lc, yg_now_us(), &v) : -ENOMEM;
	if (r == 0)
		r = yg_ind_walk(st, who, v, true, add_found, &s);
	yg_lc_view_free(v);
	json_decref(s.seen);
	if (r < 0) {
		json_decref(s.arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	ok(resp, json_pack("{s:s, s:I, s:o}", "q", s.q, "matched", (json_int_t)s.matched,
			   "indicators", s.arr));
}

int yg_dash_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		       const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	if (!yg_rest_method(req, resp, "GET") || !yg_rest_accepts(req, resp))
		return 0;
	if (rt->kind == YG_ROUTE_REST_SUMMARY)
		summary(h, st, who, resp);
	else if (rt->kind == YG_ROUTE_REST_MEMBERS)
		members(h, st, who, resp);
	else
		search(h, st, who, req, resp);
	return 0;
}
