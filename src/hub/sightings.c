/*
 * Sightings at the hub (issue 4):
 *
 *   POST /api/v1/sightings                        sensors, analysts, admins
 *   GET  /api/v1/indicators/{indicator-id}/sightings
 *
 * The body of a POST is a STIX 2.1 bundle (application/json or
 * application/stix+json;version=2.1) of at most YG_SIGHTINGS_MAX sighting
 * objects. Each is checked on its own and stored or rejected; the answer
 * is 200 with {"accepted", "duplicates", "rejected": [{index, id, error}]}
 * unless the body is not a bundle at all (400).
 *
 * What the hub keeps of a sighting is only what the contract allows (id,
 * times, count, the indicator, the sensor's name, keyed host hashes and,
 * when the member opted in, host addresses), marked TLP:AMBER and
 * attributed to the caller's organization whatever the body claims: a
 * sighting naming another organization in where_sighted_refs is refused.
 * A sighting of an indicator the caller cannot see is refused with the
 * same words as one of an indicator that does not exist.
 *
 * The aggregation answers totals over every organization (count, number of
 * organizations and of sectors, first and last seen: no names; a
 * federation peer's sightings count once per reporter it names), the
 * indicator's decay score, and per-organization detail in by_org: every
 * organization for admins, the caller's own for everyone else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub/hosts_int.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "hub/rest_reply.h"
#include "stix/ident.h"
#include "store/store_sightings.h"

#define YG_SIGHTINGS_MAX 1000 /* objects in one POST */
#define HOST_LIST_MAX    16
#define HOST_TEXT_MAX    64
#define SENSOR_NAME_MAX  128
#define COUNT_MAX        1000000000
#define SKEW_US          (5 * 60 * 1000000LL) /* last_seen ahead of the hub's clock */
#define REJECTED_MAX     YG_SIGHTINGS_MAX

/* application/json (any parameters) or STIX 2.1 JSON. */
static bool content_type_ok(const char *ct)
{
	if (!ct || yg_rest_json_type(ct))
		return ct != NULL;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, "; \t");
	if (n != 21 || strncasecmp(ct, "application/stix+json", 21))
		return false;
	const char *v = strstr(ct + n, "version=");
	return !v || !strncmp(v + 8, "2.1", 3);
}

/* A timestamp property; false when absent or not a STIX timestamp. */
static bool get_time(const json_t *o, const char *key, int64_t *ret)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && yg_time_parse_us(s, strlen(s), ret);
}

static bool hex_ok(const char *s, size_t want)
{
	if (strlen(s) != want)
		return false;
	for (size_t i = 0; i < want; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* An address as text, nothing else (no names, no free text). */
static bool address_ok(const char *s)
{
	unsigned char buf[16];
	return strlen(s) <= HOST_TEXT_MAX &&
	       (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

/* An array of at most HOST_LIST_MAX host hashes or addresses. */
static const char *host_list_check(const json_t *a, bool hashes)
{
	if (!json_is_array(a))
		return "host list must be an array";
	if (json_array_size(a) > HOST_LIST_MAX)
		return "at most 16 hosts per sighting";
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);
		if (!s)
			return "host entries must be strings";
		if (hashes ? !hex_ok(s, 64) : !address_ok(s))
			return hashes ? "host hashes are 64 lowercase hex digits"
			              : "hosts are IPv4 or IPv6 addresses";
	}
	return NULL;
}

struct seen_ind {
	int64_t org_id;
	enum yg_role role;
	char id[YG_ROUTE_ID_MAX + 1];
	bool visible;
	int64_t ref_us;   /* the visible version's decay reference */
	bool last_read;   /* last_us read from the store */
	int64_t last_us;  /* its newest sighting before this batch */
};

/*
 * What the checks of one batch of POSTs read once
 * (yg_rest_sightings_post_batch): each caller organization's identity and
 * each indicator's visibility to each (organization, role). A batch lives
 * for one call, i.e. the checks of a NATS fetch's few messages: an
 * indicator deleted or an organization changed meanwhile is seen by the
 * next batch. That is the staleness one POST always had (its checks read
 * before the write transaction), stretched over the batch's checks.
 */
struct batch {
	struct yg_store *st;
	int64_t now_us;
	struct yg_lifecycle lc;
	/* A sighting brings a decayed indicator back: the write moves the
	 * feed generation, so that parked change-feed polls see it now. */
	bool revives;
	struct seen_ind *seen; /* sized for every object of the batch */
	size_t n_seen;
};

/* One POST of a batch. */
struct post {
	struct batch *b;
	const struct yg_caller *who;
	const struct yg_report_msg *msg;
	char identity[64];
	json_t *body;    /* owned */
	json_t *objects; /* borrowed from body */
	size_t n;        /* objects */
	size_t first, m; /* its checked objects: the batch's ins[first .. first + m) */
	size_t why0;     /* its objects' refusals: the batch's whys[why0 .. why0 + n) */
	bool live;       /* passed the request's checks: takes part in the write */
	size_t accepted, duplicates;
	json_t *rejected; /* owned */
};

/* Whether the caller may see the indicator, looked up once per batch;
 * *ret_seen is its entry. */
static int indicator_visible(struct post *p, const char *id, struct seen_ind **ret_seen)
{
	struct batch *b = p->b;
	for (size_t i = 0; i < b->n_seen; i++)
		if (b->seen[i].org_id == p->who->org_id && b->seen[i].role == p->who->role &&
		    !strcmp(b->seen[i].id, id)) {
			*ret_seen = &b->seen[i];
			return 0;
		}
	int64_t ref = 0;
	int r = yg_ind_find_visible(b->st, p->who, id, &ref);
	if (r < 0 && r != -ENOENT)
		return r;
	struct seen_ind *s = &b->seen[b->n_seen++]; /* sized for every object */
	*s = (struct seen_ind){.org_id = p->who->org_id, .role = p->who->role,
	                       .visible = r == 0, .ref_us = ref};
	snprintf(s->id, sizeof s->id, "%s", id);
	*ret_seen = s;
	return 0;
}

static bool decayed(const struct batch *b, int64_t ref_us, int64_t last_us)
{
	if (last_us > b->now_us)
		last_us = b->now_us; /* as yg_lc_state counts it */
	return yg_lifecycle_score(&b->lc, b->now_us, ref_us, last_us) < b->lc.threshold;
}

/*
 * Whether a sighting last seen at last_us brings the indicator back from
 * decay (lifecycle.h). The store is asked for its newest sighting only
 * when the indicator's own reference has decayed and this sighting alone
 * would make it live, i.e. rarely. Read before the write transaction, as
 * the checks are: two batches that both revive it both say so, which
 * costs a wake-up, never a missed one.
 */
static int revive_check(struct batch *b, struct seen_ind *s, int64_t last_us)
{
	if (b->revives || !(b->lc.half_life_days > 0) || !decayed(b, s->ref_us, 0) ||
	    decayed(b, s->ref_us, last_us))
		return 0;
	if (!s->last_read) {
		int r = b->st->ops->sightings->last_seen_get(b->st, s->id, &s->last_us);
		if (r < 0)
			return r;
		s->last_read = true;
	}
	b->revives = decayed(b, s->ref_us, s->last_us);
	return 0;
}

/* Checks one object; on success fills *in (strings point into o or into
 * *ret_json, which the caller frees). Returns NULL or why it is refused;
 * *ret_err gets a store/memory error (the whole request fails then). */
static const char *check_one(struct post *p, const json_t *o, struct yg_sighting_in *in,
                             char **ret_json, int *ret_err)
{
	if (!json_is_object(o))
		return "not an object";
	const char *type = json_string_value(json_object_get(o, "type"));
	if (!type || strcmp(type, "sighting"))
		return "not a sighting";
	const char *id = json_string_value(json_object_get(o, "id"));
	if (!id || strlen(id) > YG_ROUTE_ID_MAX || !yg_stix_id_valid(id, strlen(id), "sighting"))
		return "bad id";
	const json_t *sv = json_object_get(o, "spec_version");
	if (sv && (!json_is_string(sv) || strcmp(json_string_value(sv), "2.1")))
		return "spec_version must be 2.1";
	int64_t created, modified, first, last;
	if (!get_time(o, "created", &created) || !get_time(o, "modified", &modified))
		return "created and modified must be RFC 3339 timestamps";
	if (modified < created)
		return "modified before created";
	const char *of = json_string_value(json_object_get(o, "sighting_of_ref"));
	if (!of || strlen(of) > YG_ROUTE_ID_MAX || !yg_stix_id_valid(of, strlen(of), "indicator"))
		return "sighting_of_ref must name an indicator";
	const json_t *where = json_object_get(o, "where_sighted_refs");
	if (where) {
		if (!json_is_array(where) || json_array_size(where) > 1)
			return "where_sighted_refs must be the caller's identity";
		const char *w = json_string_value(json_array_get(where, 0));
		if (json_array_size(where) == 1 && (!w || strcmp(w, p->identity)))
			return "where_sighted_refs must be the caller's identity";
	}
	const json_t *cnt = json_object_get(o, "count");
	json_int_t count = cnt ? (json_is_integer(cnt) ? json_integer_value(cnt) : -1) : 1;
	if (count < 1 || count > COUNT_MAX)
		return "count must be an integer 1..1000000000";
	bool has_first = json_object_get(o, "first_seen") != NULL;
	bool has_last = json_object_get(o, "last_seen") != NULL;
	if ((has_first && !get_time(o, "first_seen", &first)) ||
	    (has_last && !get_time(o, "last_seen", &last)))
		return "first_seen and last_seen must be RFC 3339 timestamps";
	if (!has_last)
		last = has_first ? first : modified;
	if (!has_first)
		first = last;
	if (first > last)
		return "first_seen after last_seen";
	if (last > p->b->now_us + SKEW_US)
		return "last_seen is in the future";
	const json_t *sensor = json_object_get(o, "x_yagura_sensor");
	if (sensor && (!json_is_string(sensor) || strlen(json_string_value(sensor)) == 0 ||
	               strlen(json_string_value(sensor)) > SENSOR_NAME_MAX))
		return "x_yagura_sensor must be a name of 1..128 bytes";
	const char *why;
	const json_t *hashes = json_object_get(o, "x_yagura_host_hashes");
	if (hashes && (why = host_list_check(hashes, true)))
		return why;
	const json_t *hosts = json_object_get(o, "x_yagura_hosts");
	if (hosts && (why = host_list_check(hosts, false)))
		return why;
	struct seen_ind *seen = NULL;
	int r = indicator_visible(p, of, &seen);
	if (r < 0) {
		*ret_err = r;
		return "store error";
	}
	if (!seen->visible)
		return "no such indicator";
	r = revive_check(p->b, seen, last);
	if (r < 0) {
		*ret_err = r;
		return "store error";
	}

	/* What is kept: the contract's properties, attributed and marked by
	 * the hub. */
	static const char *const keep[] = {"type",
	                                   "spec_version",
	                                   "id",
	                                   "created",
	                                   "modified",
	                                   "sighting_of_ref",
	                                   "count",
	                                   "first_seen",
	                                   "last_seen",
	                                   "x_yagura_sensor",
	                                   "x_yagura_host_hashes",
	                                   "x_yagura_hosts"};
	json_t *out = json_object();
	if (!out) {
		*ret_err = -ENOMEM;
		return "out of memory";
	}
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		json_t *v = json_object_get(o, keep[i]);
		if (v)
			json_object_set(out, keep[i], v);
	}
	json_object_set_new(out, "spec_version", json_string("2.1"));
	json_object_set_new(out, "count", json_integer(count));
	json_object_set_new(out, "created_by_ref", json_string(p->identity));
	json_object_set_new(out, "where_sighted_refs", json_pack("[s]", p->identity));
	json_object_set_new(out, "object_marking_refs",
	                    json_pack("[s]", yg_tlp_marking_id(YG_TLP_AMBER)));
	char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	if (!text) {
		*ret_err = -ENOMEM;
		return "out of memory";
	}
	if (strlen(text) > YG_SIGHTING_JSON_MAX) {
		free(text);
		return "sighting too large";
	}
	*in = (struct yg_sighting_in){
	    .stix_id = id,
	    .indicator_id = of,
	    .org_id = p->who->org_id,
	    .modified_us = modified,
	    .count = count,
	    .first_seen_us = first,
	    .last_seen_us = last,
	    .json = text,
	    .json_len = strlen(text),
	};
	*ret_json = text;
	return NULL;
}

static int reject(json_t *rejected, size_t index, const json_t *o, const char *why)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	json_t *e = json_pack("{s:I, s:s}", "index", (json_int_t)index, "error", why);
	if (!e)
		return -ENOMEM;
	/* Echo the id only when it is a plain STIX id, never arbitrary text. */
	if (id && strlen(id) <= YG_ROUTE_ID_MAX && yg_stix_id_valid(id, strlen(id), NULL))
		json_object_set_new(e, "id", json_string(id));
	return json_array_append_new(rejected, e) == 0 ? 0 : -ENOMEM;
}

/* An object that passed its checks: its stored text (owned) and where it
 * stands in its bundle. */
struct item {
	char *text;
	size_t index;
};

/* The request's own checks (role, media types, the bundle, the caller's
 * identity); false with p->msg->resp filled when it is refused. The
 * identity comes from the message, or from an earlier POST of the batch
 * by the same organization, or from the store. */
static bool post_open(struct post *p, const struct post *earlier, size_t n_earlier)
{
	const struct yg_caller *who = p->who;
	const struct yg_req *req = p->msg->req;
	struct yg_resp *resp = p->msg->resp;
	if (!(who->role & (YG_ROLE_SENSOR | YG_ROLE_ANALYST | YG_ROLE_ADMIN))) {
		yg_rest_error(resp, 403, "forbidden", "readers do not report sightings");
		return false;
	}
	if (!content_type_ok(req->content_type)) {
		yg_rest_error(resp, 415, "unsupported media type",
		              "Content-Type must be application/json or " YG_STIX_MEDIA);
		return false;
	}
	if (!yg_rest_accepts(req, resp))
		return false;
	json_error_t jerr;
	p->body = req->body ? json_loadb(req->body, req->body_len, 0, &jerr) : NULL;
	const char *btype = json_string_value(json_object_get(p->body, "type"));
	p->objects = json_object_get(p->body, "objects");
	if (!json_is_object(p->body) || !btype || strcmp(btype, "bundle") ||
	    (p->objects && !json_is_array(p->objects))) {
		yg_rest_error(resp, 400, "bad request", "the body must be a STIX 2.1 bundle");
		return false;
	}
	p->n = json_array_size(p->objects);
	if (p->n > YG_SIGHTINGS_MAX) {
		yg_rest_error(resp, 413, "too many objects", "at most 1000 sightings per request");
		return false;
	}
	if (p->msg->org) {
		snprintf(p->identity, sizeof p->identity, "%s", p->msg->org->identity_id);
		return true;
	}
	for (size_t i = 0; i < n_earlier; i++)
		if (earlier[i].identity[0] && earlier[i].who->org_id == who->org_id) {
			memcpy(p->identity, earlier[i].identity, sizeof p->identity);
			return true;
		}
	struct yg_org org;
	if (p->b->st->ops->org_get(p->b->st, who->org_id, &org) < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		return false;
	}
	snprintf(p->identity, sizeof p->identity, "%s", org.identity_id);
	return true;
}

/* The batch's arrays, one slot per object of its live POSTs. */
struct slots {
	struct yg_sighting_in *ins;
	struct item *items;
	const char **whys;
	int *results;
	size_t m; /* checked objects so far */
};

/* Checks a live POST's objects into s (its checked ones from p->first
 * on). A store error refuses the POST alone (500) and gives back its
 * slots. */
static void post_check(struct post *p, struct slots *s)
{
	p->first = s->m;
	int r = 0;
	for (size_t i = 0; r == 0 && i < p->n; i++) {
		int err = 0;
		const char *why = check_one(p, json_array_get(p->objects, i), &s->ins[s->m],
		                            &s->items[s->m].text, &err);
		s->whys[p->why0 + i] = why;
		if (err)
			r = err;
		else if (!why)
			s->items[s->m++].index = i;
	}
	if (r < 0) {
		for (size_t k = p->first; k < s->m; k++) {
			free(s->items[k].text);
			s->items[k].text = NULL;
		}
		s->m = p->first;
		p->live = false;
		yg_rest_error(p->msg->resp, r == -EBUSY ? 503 : 500, "store error", NULL);
		return;
	}
	p->m = s->m - p->first;
}

/* A live POST's outcomes after the batch's put_many, inside the write
 * transaction: counts, host evidence, refusals in the objects' order, its
 * audit row. */
static int post_outcomes(struct yg_hub *h, struct yg_store *st, struct post *p, struct slots *s)
{
	const struct yg_caller *who = p->who;
	int r = 0;
	for (size_t k = p->first; r == 0 && k < p->first + p->m; k++) {
		size_t index = s->items[k].index;
		if (s->results[k] == -EEXIST) {
			s->whys[p->why0 + index] =
			    "sighting id already used by another organization";
		} else if (s->results[k] == YG_SIGHTING_DUPLICATE) {
			p->duplicates++;
		} else {
			p->accepted++;
			/* A sighting of a C2 or malware indicator is evidence
			 * against the hosts it names. */
			r = yg_hosts_from_sighting(h, st, who, json_array_get(p->objects, index),
			                           s->ins[k].indicator_id, s->ins[k].last_seen_us);
		}
	}
	for (size_t i = 0; r == 0 && i < p->n; i++)
		if (s->whys[p->why0 + i])
			r = reject(p->rejected, i, json_array_get(p->objects, i),
			           s->whys[p->why0 + i]);
	if (r == 0 && p->accepted)
		r = st->ops->audit(st, who->org_id, who->org_name, "sightings.post", "");
	return r;
}

/*
 * The batch's writes in one transaction: one put_many for every checked
 * object of every live POST (one statement on PostgreSQL; ids repeated
 * across POSTs go in rounds, so a later POST meets an earlier one's
 * sighting exactly as it would one POST later), then each POST's
 * outcomes in order, then one commit. Returns 0 or the store's error,
 * after which nothing of the batch was written.
 */
static int batch_write(struct yg_hub *h, struct yg_store *st, const struct batch *b,
                       struct post *posts, size_t n, struct slots *s)
{
	int r = st->ops->tx_begin(st);
	if (r < 0)
		return r;
	if (s->m)
		r = st->ops->sightings->put_many(st, s->ins, s->m, s->results);
	if (r == 0 && s->m && b->revives)
		r = st->ops->feed_bump(st);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (posts[i].live)
			r = post_outcomes(h, st, &posts[i], s);
	if (r == 0)
		return st->ops->tx_commit(st);
	st->ops->tx_rollback(st);
	return r;
}

int yg_rest_sightings_post_batch(struct yg_hub *h, struct yg_store *st,
                                 const struct yg_report_msg *msgs, size_t n)
{
	struct batch b = {.st = st, .now_us = yg_now_us(), .lc = yg_hub_lc(h)};
	struct slots s = {0};
	struct post *posts = calloc(n ? n : 1, sizeof *posts);
	if (!posts) {
		for (size_t i = 0; i < n; i++)
			yg_rest_error(msgs[i].resp, 500, "out of memory", NULL);
		return 0;
	}
	size_t total = 0, live = 0;
	for (size_t i = 0; i < n; i++) {
		struct post *p = &posts[i];
		*p = (struct post){.b = &b, .who = msgs[i].who, .msg = &msgs[i]};
		p->live = post_open(p, posts, i);
		if (!p->live)
			continue;
		p->rejected = json_array();
		p->why0 = total;
		total += p->n;
		live++;
		if (!p->rejected) {
			p->live = false;
			live--;
			yg_rest_error(p->msg->resp, 500, "out of memory", NULL);
		}
	}
	if (!live)
		goto out;
	/* Checked first, stored as one batch, then the outcomes in the
	 * objects' order. */
	b.seen = calloc(total ? total : 1, sizeof *b.seen);
	s.ins = calloc(total ? total : 1, sizeof *s.ins);
	s.items = calloc(total ? total : 1, sizeof *s.items);
	s.whys = calloc(total ? total : 1, sizeof *s.whys);
	s.results = calloc(total ? total : 1, sizeof *s.results);
	if (!b.seen || !s.ins || !s.items || !s.whys || !s.results) {
		for (size_t i = 0; i < n; i++)
			if (posts[i].live)
				yg_rest_error(msgs[i].resp, 500, "out of memory", NULL);
		goto out;
	}
	/* The checks read (the indicators' visibility) before the write
	 * transaction: a writer's turn then costs only the writes, which on
	 * PostgreSQL is what every other writer of the hubs waits for. */
	live = 0;
	for (size_t i = 0; i < n; i++)
		if (posts[i].live) {
			post_check(&posts[i], &s);
			live += posts[i].live;
		}
	if (!live)
		goto out;
	int r = batch_write(h, st, &b, posts, n, &s);
	if (r < 0 && live > 1) {
		/* Nothing of the batch was written: each POST again on its
		 * own, so that one that fails fails alone and the others are
		 * stored once (a commit whose answer was lost may have
		 * written: its sightings then come back as duplicates). */
		for (size_t i = 0; i < n; i++)
			if (posts[i].live)
				yg_rest_sightings_post_batch(h, st, &msgs[i], 1);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct post *p = &posts[i];
		if (!p->live)
			continue;
		if (r < 0) {
			yg_rest_error(p->msg->resp, r == -EBUSY ? 503 : 500, "store error", NULL);
			continue;
		}
		yg_resp_json(p->msg->resp, 200,
		             json_pack("{s:I, s:I, s:O}", "accepted", (json_int_t)p->accepted,
		                       "duplicates", (json_int_t)p->duplicates, "rejected",
		                       p->rejected));
		p->msg->resp->content_type = YG_REST_MEDIA;
	}
out:
	for (size_t k = 0; s.items && k < s.m; k++)
		free(s.items[k].text);
	free(s.items);
	free(s.ins);
	free(s.whys);
	free(s.results);
	free(b.seen);
	for (size_t i = 0; i < n; i++) {
		json_decref(posts[i].rejected);
		json_decref(posts[i].body);
	}
	free(posts);
	return 0;
}

int yg_rest_sightings_post(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
                           const struct yg_req *req, struct yg_resp *resp)
{
	struct yg_report_msg msg = {.who = who, .req = req, .resp = resp};
	return yg_rest_sightings_post_batch(h, st, &msg, 1);
}

struct agg {
	json_t *by_org;
	const struct yg_caller *who;
	int64_t count;
	size_t orgs;
	char sectors[YG_STORE_LIST_MAX][YG_STORE_SECTOR_MAX + 1];
	size_t n_sectors;    /* distinct, up to YG_STORE_LIST_MAX kept */
	size_t more_sectors; /* distinct beyond the kept ones are still counted */
	int64_t first_us, last_us;
};

static json_t *time_or_null(int64_t us)
{
	char t[YG_TIME_US_LEN + 1];
	return us && yg_time_format_us(us, t) == 0 ? json_string(t) : json_null();
}

static int add_org(void *ud, const struct yg_sighting_org *o)
{
	struct agg *a = ud;
	a->count += o->count;
	a->orgs++;
	if (!a->first_us || o->first_seen_us < a->first_us)
		a->first_us = o->first_seen_us;
	if (o->last_seen_us > a->last_us)
		a->last_us = o->last_seen_us;
	bool known = false;
	for (size_t i = 0; i < a->n_sectors && !known; i++)
		known = !strcmp(a->sectors[i], o->sector);
	if (!known && a->n_sectors < YG_STORE_LIST_MAX)
		snprintf(a->sectors[a->n_sectors++], sizeof a->sectors[0], "%s", o->sector);
	else if (!known)
		a->more_sectors++; /* a rough count past 100 sectors */
	if (a->who->role != YG_ROLE_ADMIN && o->org_id != a->who->org_id)
		return 1;
	/* A peer's sightings name who reported them: the peer hub for its
	 * anonymous aggregates, or one of its members that opted in. */
	json_t *e =
	    json_pack("{s:s, s:s, s:s, s:I, s:o, s:o}", "org", o->name, "identity",
	              o->reporter[0] ? o->reporter : o->identity_id,
	              "sector", o->sector, "count", (json_int_t)o->count, "first_seen",
	              time_or_null(o->first_seen_us), "last_seen", time_or_null(o->last_seen_us));
	return e && json_array_append_new(a->by_org, e) == 0 ? 1 : -ENOMEM;
}

int yg_rest_sightings_get(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
                          const char *indicator_id, struct yg_resp *resp)
{
	int64_t modified_us = 0;
	int r = yg_ind_find_visible(st, who, indicator_id, &modified_us);
	if (r == -ENOENT) {
		yg_rest_error(resp, 404, "not found", "no such indicator");
		return 0;
	}
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		return 0;
	}
	struct agg *a = calloc(1, sizeof *a);
	if (!a) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		return 0;
	}
	a->who = who;
	a->by_org = json_array();
	r = a->by_org ? st->ops->sightings->aggregate(st, indicator_id, add_org, a) : -ENOMEM;
	if (r < 0) {
		json_decref(a->by_org);
		free(a);
		yg_rest_error(resp, 500, "store error", NULL);
		return 0;
	}
	int64_t now = yg_now_us();
	int64_t seen = a->last_us > now ? now : a->last_us;
	struct yg_lifecycle lc = yg_hub_lc(h);
	double score = yg_lifecycle_score(&lc, now, modified_us, seen);
	json_t *j =
	    json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:f, s:o}", "indicator", indicator_id,
	              "count", (json_int_t)a->count, "organizations", (json_int_t)a->orgs,
	              "sectors", (json_int_t)(a->n_sectors + a->more_sectors), "first_seen",
	              time_or_null(a->first_us), "last_seen", time_or_null(a->last_us), "score",
	              (double)((int64_t)(score * 100 + 0.5)) / 100, "by_org", a->by_org);
	free(a);
	yg_resp_json(resp, 200, j);
	resp->content_type = YG_REST_MEDIA;
	return 0;
}
