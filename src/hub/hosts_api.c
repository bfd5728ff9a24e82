/*
 * The infected-hosts API (issue 14):
 *
 *   POST /api/v1/beacons                  sensors, analysts, admins
 *   GET  /api/v1/hosts[?state=&limit=&offset=]
 *   GET  /api/v1/hosts/stats
 *   GET  /api/v1/hosts/notices            deliveries and every attempt
 *   POST /api/v1/hosts/notify             admins: notify every owner now
 *   POST /api/v1/hosts/{id}/state         the owner's token, or ?token= of
 *                                         a notice's one-time link
 *
 * Who sees what. Admins (the hub's operators) see every host. A member
 * sees the hosts whose owner is that member (an owner row linked to its
 * organization) and nothing individual of anyone else: for another
 * owner's host, every route answers as if it did not exist. The stats
 * are aggregates (counts per owner, sector, family and day; medians;
 * the re-infection rate) with no address or hash; every member may read
 * them. A sensor token reports beacons and reads nothing here.
 *
 * A one-time link's token is the only credential of a request without
 * a bearer token, and only for the host and the state it was made for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "hub/hosts.h"
#include "hub/hosts_int.h"
#include "hub/ids.h"
#include "hub/rest_reply.h"
#include "store/store_hosts.h"

#define LIST_DEFAULT     100
#define LIST_MAX         1000
#define EVIDENCE_SHOWN   10
#define NOTICES_SHOWN    200
#define STATS_DAYS_MAX   366
#define STATS_KEYS_MAX   1000

static json_t *time_json(int64_t us)
{
	char t[YG_TIME_US_LEN + 1];
	return us && yg_time_format_us(us, t) == 0 ? json_string(t) : json_null();
}

static const char *arg(const struct yg_req *req, const char *key)
{
	for (size_t i = 0; i < req->n_args; i++)
		if (!strcmp(req->args[i].key, key))
			return req->args[i].value ? req->args[i].value : "";
	return NULL;
}

static bool uint_arg(const char *s, unsigned long max, unsigned long *ret)
{
	if (!s || !*s || strlen(s) > 9 || strspn(s, "0123456789") != strlen(s))
		return false;
	unsigned long v = strtoul(s, NULL, 10);
	if (v > max)
		return false;
	*ret = v;
	return true;
}

bool yg_hosts_api_route(enum yg_route_kind kind)
{
	return kind >= YG_ROUTE_REST_HOSTS && kind <= YG_ROUTE_REST_BEACONS;
}

bool yg_hosts_api_anonymous_ok(const struct yg_req *req, enum yg_route_kind kind)
{
	if (kind != YG_ROUTE_REST_HOST_STATE || req->authorization || strcmp(req->method, "POST"))
		return false;
	for (size_t i = 0; i < req->n_args; i++)
		if (!strcmp(req->args[i].key, "token"))
			return true;
	return false;
}

/* ---- POST /api/v1/beacons ---- */

/* A POST's own checks and its body; false with resp filled when it is
 * refused (*ret stays NULL). */
static bool beacons_open(const struct yg_report_msg *m, struct yg_beacons **ret)
{
	struct yg_resp *resp = m->resp;
	/* The route's check too: the NATS consumer comes here directly. */
	if (!yg_rest_accepts(m->req, resp))
		return false;
	if (!(m->who->role & (YG_ROLE_SENSOR | YG_ROLE_ANALYST | YG_ROLE_ADMIN))) {
		yg_rest_error(resp, 403, "forbidden", "readers do not report beacons");
		return false;
	}
	if (!yg_rest_json_type(m->req->content_type)) {
		yg_rest_error(resp, 415, "unsupported media type", "Content-Type must be application/json");
		return false;
	}
	struct yg_body_error err = {{0}, {0}};
	int r = yg_beacons_parse(m->req->body, m->req->body_len, ret, &err);
	if (r == -E2BIG)
		yg_rest_error(resp, 413, "request too large", "at most 1000 beacons and 1 MiB");
	else if (r == -EINVAL)
		yg_rest_bad_field(resp, err.field, err.why);
	else if (r < 0)
		yg_rest_error(resp, 500, "out of memory", NULL);
	return r == 0;
}

/* The batch's writes in one transaction, each live POST's evidence and
 * audit row in order. Returns 0 or the store's error, after which nothing
 * of the batch was written. */
static int beacons_write(struct yg_hub *h, struct yg_store *st, const struct yg_report_msg *msgs,
                         struct yg_beacons **bs, size_t *evidence, size_t *matched, size_t n)
{
	int r = st->ops->tx_begin(st);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!bs[i])
			continue;
		r = yg_hosts_from_beacons(h, st, msgs[i].who, bs[i], &evidence[i], &matched[i]);
		if (r == 0)
			r = st->ops->audit(st, msgs[i].who->org_id, msgs[i].who->org_name,
			                   "beacons.post", bs[i]->sensor);
	}
	if (r == 0)
		return st->ops->tx_commit(st);
	st->ops->tx_rollback(st);
	return r;
}

int yg_rest_beacons_post_batch(struct yg_hub *h, struct yg_store *st,
                               const struct yg_report_msg *msgs, size_t n)
{
	struct yg_beacons **bs = calloc(n ? n : 1, sizeof *bs);
	size_t *evidence = calloc(n ? n : 1, sizeof *evidence);
	size_t *matched = calloc(n ? n : 1, sizeof *matched);
	size_t live = 0;
	if (!bs || !evidence || !matched) {
		for (size_t i = 0; i < n; i++)
			yg_rest_error(msgs[i].resp, 500, "out of memory", NULL);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		live += beacons_open(&msgs[i], &bs[i]);
	if (!live)
		goto out;
	int r = beacons_write(h, st, msgs, bs, evidence, matched, n);
	if (r < 0 && live > 1) {
		/* Nothing of the batch was written: each POST again on its
		 * own, so one that fails fails alone (evidence a lost commit
		 * did write comes back as already held). */
		for (size_t i = 0; i < n; i++)
			if (bs[i])
				yg_rest_beacons_post_batch(h, st, &msgs[i], 1);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!bs[i])
			continue;
		if (r < 0)
			yg_rest_error(msgs[i].resp, r == -EBUSY ? 503 : 500, "store error", NULL);
		else
			yg_rest_json(msgs[i].resp, 200,
			             json_pack("{s:I, s:I, s:I}", "beacons", (json_int_t)bs[i]->n,
			                       "evidence", (json_int_t)evidence[i], "matched",
			                       (json_int_t)matched[i]));
	}
out:
	for (size_t i = 0; bs && i < n; i++)
		yg_beacons_free(bs[i]);
	free(bs);
	free(evidence);
	free(matched);
	return 0;
}

/* ---- host JSON ---- */

static int add_evidence(void *ud, const struct yg_host_evidence *e)
{
	json_t *arr = ud;
	json_t *o = json_pack("{s:o, s:s, s:s, s:s, s:s, s:s}", "time", time_json(e->time_us),
			      "source", e->source, "sensor", e->sensor, "family", e->family,
			      "severity", yg_host_severity_name(e->severity), "what", e->ref);
	return o && json_array_append_new(arr, o) == 0 ? 1 : -ENOMEM;
}

static json_t *host_json(struct yg_store *st, const struct yg_host *h)
{
	struct yg_host_owner o;
	if (st->ops->hosts->owner_get(st, h->owner_id, &o) < 0)
		snprintf(o.name, sizeof o.name, "?");
	json_t *ev = json_array();
	if (!ev || st->ops->hosts->evidence_list(st, h->id, EVIDENCE_SHOWN, add_evidence, ev) < 0) {
		json_decref(ev);
		return NULL;
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I,"
			 " s:b, s:o}",
			 "id", (json_int_t)h->id, h->hashed ? "host_hash" : "host",
			 h->hashed ? h->key + 5 : h->key, "owner", o.name, "family", h->family,
			 "severity", yg_host_severity_name(h->severity), "state",
			 yg_host_state_name(h->state), "first_seen", time_json(h->first_seen_us),
			 "last_seen", time_json(h->last_seen_us), "detected",
			 time_json(h->detected_us), "notified", time_json(h->notified_us),
			 "acknowledged", time_json(h->acknowledged_us), "cleaned",
			 time_json(h->cleaned_us), "reinfections", (json_int_t)h->reinfections,
			 "evidence_count", (json_int_t)h->evidence, "pending", h->pending,
			 "evidence", ev);
}

/* The owner-org filter of a caller: 0 (all) for admins, else its own. */
static int64_t scope_of(const struct yg_caller *who)
{
	return who->role == YG_ROLE_ADMIN ? 0 : who->org_id;
}

struct list_ctx {
	struct yg_store *st;
	json_t *arr;
};

static int list_one(void *ud, const struct yg_host *h)
{
	struct list_ctx *c = ud;
	json_t *j = host_json(c->st, h);
	return j && json_array_append_new(c->arr, j) == 0 ? 1 : -ENOMEM;
}

static int hosts_get(struct yg_store *st, const struct yg_caller *who, const struct yg_req *req,
		     struct yg_resp *resp)
{
	if (who->role == YG_ROLE_SENSOR) {
		yg_rest_error(resp, 403, "forbidden", "sensor tokens do not read hosts");
		return 0;
	}
	for (size_t i = 0; i < req->n_args; i++)
		if (strcmp(req->args[i].key, "state") && strcmp(req->args[i].key, "limit") &&
		    strcmp(req->args[i].key, "offset")) {
			yg_rest_bad_field(resp, "query", "takes only state, limit and offset");
			return 0;
		}
	struct yg_host_query q = {.owner_org = scope_of(who), .state = -1, .limit = LIST_DEFAULT};
	const char *s = arg(req, "state");
	enum yg_host_state state;
	if (s) {
		if (yg_host_state_parse(s, &state) < 0) {
			yg_rest_bad_field(resp, "state", "is not a host state");
			return 0;
		}
		q.state = (int)state;
	}
	unsigned long v;
	if ((s = arg(req, "limit"))) {
		if (!uint_arg(s, LIST_MAX, &v) || v == 0) {
			yg_rest_bad_field(resp, "limit", "must be 1..1000");
			return 0;
		}
		q.limit = v;
	}
	if ((s = arg(req, "offset"))) {
		if (!uint_arg(s, 100000000, &v)) {
			yg_rest_bad_field(resp, "offset", "must be a number");
			return 0;
		}
		q.offset = v;
	}
	struct list_ctx c = {.st = st, .arr = json_array()};
	int r = c.arr ? st->ops->hosts->host_list(st, &q, list_one, &c) : -ENOMEM;
	if (r < 0) {
		json_decref(c.arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return 0;
	}
	yg_rest_json(resp, 200, json_pack("{s:o, s:s}", "hosts", c.arr, "scope",
				       q.owner_org ? "own" : "all"));
	return 0;
}

/* ---- GET /api/v1/hosts/stats ---- */

struct stats {
	struct yg_store *st;
	json_t *by_owner, *by_sector, *by_family, *by_state, *by_day;
	int64_t *to_notify, *to_clean; /* seconds, one per host that has it */
	size_t n_notify, n_clean, cap_notify, cap_clean;
	int64_t total, cleaned_ever, reinfected;
	struct {
		int64_t id;
		char name[YG_HOST_OWNER_MAX + 1];
		char sector[YG_STORE_SECTOR_MAX + 1];
	} owners[64]; /* a small cache of owner names and sectors */
	size_t n_owners;
};

static void bump(json_t *o, const char *key)
{
	if (json_object_size(o) >= STATS_KEYS_MAX && !json_object_get(o, key))
		key = "(other)";
	json_t *v = json_object_get(o, key);
	json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) + 1));
}

static int push(int64_t **arr, size_t *n, size_t *cap, int64_t v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		int64_t *na = realloc(*arr, nc * sizeof *na);
		if (!na)
			return -ENOMEM;
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

static int stat_host(void *ud, const struct yg_host *h)
{
	struct stats *s = ud;
	size_t k = 0;
	while (k < s->n_owners && s->owners[k].id != h->owner_id)
		k++;
	if (k == s->n_owners) {
		struct yg_host_owner o;
		struct yg_org org;
		k = s->n_owners < 64 ? s->n_owners++ : (size_t)(h->owner_id % 64);
		s->owners[k].id = h->owner_id;
		snprintf(s->owners[k].name, sizeof s->owners[k].name, "?");
		snprintf(s->owners[k].sector, sizeof s->owners[k].sector, "unknown");
		if (s->st->ops->hosts->owner_get(s->st, h->owner_id, &o) == 0) {
			snprintf(s->owners[k].name, sizeof s->owners[k].name, "%s", o.name);
			if (o.org_id && s->st->ops->org_get(s->st, o.org_id, &org) == 0)
				snprintf(s->owners[k].sector, sizeof s->owners[k].sector, "%s",
					 org.sector);
		}
	}
	s->total++;
	bump(s->by_owner, s->owners[k].name);
	bump(s->by_sector, s->owners[k].sector);
	bump(s->by_family, h->family);
	bump(s->by_state, yg_host_state_name(h->state));
	char day[YG_TIME_US_LEN + 1];
	if (yg_time_format_us(h->detected_us, day) == 0) {
		day[10] = '\0';
		bump(s->by_day, day);
	}
	if (h->cleaned_us || h->reinfections)
		s->cleaned_ever++;
	if (h->reinfections)
		s->reinfected++;
	/* One sample per host and measure: its current episode's, else the
	 * one before its last reinfection. */
	int64_t to_notify = h->notified_us && h->notified_us >= h->detected_us
				    ? (h->notified_us - h->detected_us) / 1000000
				    : h->prev_notify_s;
	int64_t to_clean = h->state == YG_HOST_CLEANED && h->cleaned_us >= h->detected_us
				   ? (h->cleaned_us - h->detected_us) / 1000000
				   : h->prev_clean_s;
	int r = 0;
	if (to_notify >= 0)
		r = push(&s->to_notify, &s->n_notify, &s->cap_notify, to_notify);
	if (r == 0 && to_clean >= 0)
		r = push(&s->to_clean, &s->n_clean, &s->cap_clean, to_clean);
	return r < 0 ? r : 1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static json_t *median(int64_t *v, size_t n)
{
	if (!n)
		return json_null();
	qsort(v, n, sizeof *v, cmp_i64);
	return json_real(n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2);
}

static int hosts_stats(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp)
{
	(void)who; /* aggregates only: every member may read them */
	struct stats *s = calloc(1, sizeof *s);
	if (!s) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		return 0;
	}
	s->st = st;
	s->by_owner = json_object();
	s->by_sector = json_object();
	s->by_family = json_object();
	s->by_state = json_object();
	s->by_day = json_object();
	struct yg_host_query q = {.state = -1};
	int r = s->by_owner && s->by_sector && s->by_family && s->by_state && s->by_day
		    ? st->ops->hosts->host_list(st, &q, stat_host, s)
		    : -ENOMEM;
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
	} else {
		json_t *rate = s->cleaned_ever ? json_real((double)s->reinfected /
							   (double)s->cleaned_ever)
					       : json_null();
		yg_rest_json(resp, 200,
			  json_pack("{s:I, s:O, s:O, s:O, s:O, s:O, s:o, s:o, s:o, s:I}", "total",
				    (json_int_t)s->total, "by_state", s->by_state, "by_owner",
				    s->by_owner, "by_sector", s->by_sector, "by_family",
				    s->by_family, "by_day", s->by_day, "median_to_notify_s",
				    median(s->to_notify, s->n_notify), "median_to_clean_s",
				    median(s->to_clean, s->n_clean), "reinfection_rate", rate,
				    "reinfected", (json_int_t)s->reinfected));
	}
	json_decref(s->by_owner);
	json_decref(s->by_sector);
	json_decref(s->by_family);
	json_decref(s->by_state);
	json_decref(s->by_day);
	free(s->to_notify);
	free(s->to_clean);
	free(s);
	return 0;
}

/* ---- GET /api/v1/hosts/notices ---- */

struct notice_ctx {
	struct yg_store *st;
	json_t *arr;
};

static int add_attempt(void *ud, const struct yg_host_attempt *a)
{
	json_t *arr = ud;
	json_t *o = json_pack("{s:o, s:b, s:I, s:s}", "time", time_json(a->time_us), "ok", a->ok,
			      "status", (json_int_t)a->status, "error", a->error);
	return o && json_array_append_new(arr, o) == 0 ? 1 : -ENOMEM;
}

static int add_delivery(void *ud, const struct yg_host_delivery *d)
{
	struct notice_ctx *c = ud;
	struct yg_host_owner o;
	if (c->st->ops->hosts->owner_get(c->st, d->owner_id, &o) < 0)
		snprintf(o.name, sizeof o.name, "?");
	json_t *att = json_array();
	if (!att || c->st->ops->hosts->attempt_list(c->st, d->id, add_attempt, att) < 0) {
		json_decref(att);
		return -ENOMEM;
	}
	json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:o}", "id", (json_int_t)d->id,
			      "notice", (json_int_t)d->notice_id, "owner", o.name, "channel",
			      d->channel, "target", d->target, "state", d->state, "attempts",
			      (json_int_t)d->attempts, "tries", att);
	return j && json_array_append_new(c->arr, j) == 0 ? 1 : -ENOMEM;
}

static int notices_get(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp)
{
	if (who->role == YG_ROLE_SENSOR) {
		yg_rest_error(resp, 403, "forbidden", "sensor tokens do not read notices");
		return 0;
	}
	struct notice_ctx c = {.st = st, .arr = json_array()};
	int r = c.arr ? st->ops->hosts->delivery_list(st, scope_of(who), NOTICES_SHOWN,
						      add_delivery, &c)
		      : -ENOMEM;
	if (r < 0) {
		json_decref(c.arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return 0;
	}
	yg_rest_json(resp, 200, json_pack("{s:o}", "deliveries", c.arr));
	return 0;
}

/* ---- POST /api/v1/hosts/{id}/state ---- */

static int state_post(struct yg_store *st, const struct yg_caller *who, const struct yg_route *rt,
		      const struct yg_req *req, struct yg_resp *resp)
{
	unsigned long long idv = strtoull(rt->object_id, NULL, 10);
	int64_t id = (int64_t)idv;
	const char *token = arg(req, "token");
	bool by_link = who->org_id == 0;
	if (by_link && (!token || strlen(token) != 64 || strspn(token, "0123456789abcdef") != 64)) {
		yg_resp_unauthorized(resp, "a token is required, or a notice's one-time link");
		resp->content_type = YG_REST_MEDIA;
		return 0;
	}
	if (!by_link && who->role == YG_ROLE_SENSOR) {
		yg_rest_error(resp, 403, "forbidden", "sensor tokens do not change host states");
		return 0;
	}
	bool has_state = false;
	enum yg_host_state want = YG_HOST_ACKNOWLEDGED;
	char note[YG_HOST_NOTE_MAX + 1];
	struct yg_body_error err = {{0}, {0}};
	int r = yg_host_state_body_parse(req->body ? req->body : "", req->body ? req->body_len : 0,
					 &has_state, &want, note, &err);
	if (r == -E2BIG) {
		yg_rest_error(resp, 413, "request too large", "a state body is at most 4 KiB");
		return 0;
	}
	if (r < 0) {
		yg_rest_bad_field(resp, err.field, err.why);
		return 0;
	}
	if (!by_link && !has_state) {
		yg_rest_bad_field(resp, "state", "is required");
		return 0;
	}
	r = st->ops->tx_begin(st);
	if (r < 0) {
		yg_rest_error(resp, 503, "store busy", NULL);
		return 0;
	}
	int status = 0;
	const char *title = NULL, *why = NULL;
	struct yg_host h;
	if (by_link) {
		unsigned char hash[32];
		int64_t host_id = 0;
		enum yg_host_state link_state;
		SHA256((const unsigned char *)token, 64, hash);
		r = st->ops->hosts->ack_take(st, hash, yg_now_us(), &host_id, &link_state);
		if (r == -ENOENT || (r == 0 && host_id != id)) {
			status = 401, title = "unauthorized";
			why = "the link is unknown, used or expired";
			r = 0;
		} else if (r == 0 && has_state && want != link_state) {
			status = 400, title = "bad request";
			why = "state: this link sets another state";
		} else {
			want = link_state;
		}
	}
	if (r == 0 && !status) {
		r = st->ops->hosts->host_get(st, id, &h);
		struct yg_host_owner o;
		if (r == 0)
			r = st->ops->hosts->owner_get(st, h.owner_id, &o);
		/* Another owner's host is answered as one that does not exist. */
		if (r == -ENOENT ||
		    (r == 0 && !by_link && who->role != YG_ROLE_ADMIN && o.org_id != who->org_id)) {
			status = 404, title = "not found", why = "no such host";
			r = 0;
		} else if (r == 0 && !yg_host_transition_ok(h.state, want)) {
			status = 409, title = "conflict";
			why = "the host cannot go to that state from the one it is in";
		} else if (r == 0) {
			r = st->ops->hosts->host_set_state(st, id, want, yg_now_us());
			char detail[700];
			snprintf(detail, sizeof detail, "host %lld -> %s%s%s", (long long)id,
				 yg_host_state_name(want), note[0] ? ": " : "", note);
			if (r == 0)
				r = st->ops->audit(st, by_link ? o.org_id : who->org_id,
						   by_link ? "one-time link" : who->org_name,
						   "hosts.state", detail);
		}
	}
	/* A used link stays used even when the transition was refused: it
	 * was shown, and a second try needs a new notice. */
	if (r == 0)
		r = st->ops->tx_commit(st);
	else
		st->ops->tx_rollback(st);
	if (r < 0) {
		yg_rest_error(resp, r == -EBUSY ? 503 : 500, "store error", NULL);
		return 0;
	}
	if (status) {
		if (status == 401) {
			yg_resp_unauthorized(resp, why);
			resp->content_type = YG_REST_MEDIA;
		} else {
			yg_rest_error(resp, status, title, why);
		}
		return 0;
	}
	if (st->ops->hosts->host_get(st, id, &h) < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		return 0;
	}
	json_t *j = host_json(st, &h);
	if (!j)
		yg_rest_error(resp, 500, "out of memory", NULL);
	else
		yg_rest_json(resp, 200, j);
	return 0;
}

int yg_hosts_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	bool post = !strcmp(req->method, "POST");
	bool want_post = rt->kind == YG_ROUTE_REST_BEACONS || rt->kind == YG_ROUTE_REST_HOST_STATE ||
			 rt->kind == YG_ROUTE_REST_HOSTS_NOTIFY;
	if (post != want_post || (!post && strcmp(req->method, "GET"))) {
		yg_rest_error(resp, 405, "method not allowed", NULL);
		yg_resp_header(resp, "Allow", want_post ? "POST" : "GET");
		return 0;
	}
	if (!yg_rest_accepts(req, resp))
		return 0;
	switch (rt->kind) {
	case YG_ROUTE_REST_BEACONS: {
		struct yg_report_msg m = {.who = who, .req = req, .resp = resp};
		return yg_rest_beacons_post_batch(h, st, &m, 1);
	}
	case YG_ROUTE_REST_HOSTS:
		return hosts_get(st, who, req, resp);
	case YG_ROUTE_REST_HOSTS_STATS:
		if (who->role == YG_ROLE_SENSOR) {
			yg_rest_error(resp, 403, "forbidden", "sensor tokens do not read hosts");
			return 0;
		}
		return hosts_stats(st, who, resp);
	case YG_ROUTE_REST_HOSTS_NOTICES:
		return notices_get(st, who, resp);
	case YG_ROUTE_REST_HOSTS_NOTIFY:
		if (who->role != YG_ROLE_ADMIN) {
			yg_rest_error(resp, 403, "forbidden", "only admins start a notice run");
			return 0;
		}
		yg_notify_force(h->notify);
		yg_rest_json(resp, 202, json_pack("{s:b}", "queued", 1));
		return 0;
	case YG_ROUTE_REST_HOST_STATE:
		return state_post(st, who, rt, req, resp);
	default:
		yg_rest_error(resp, 404, "not found", "no such resource");
		return 0;
	}
}
