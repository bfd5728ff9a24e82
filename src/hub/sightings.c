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
	char id[YG_ROUTE_ID_MAX + 1];
	bool visible;
};

struct post {
	struct yg_store *st;
	const struct yg_caller *who;
	char identity[64];
	int64_t now_us;
	struct seen_ind *seen; /* indicators looked up in this request */
	size_t n_seen;
};

/* Whether the caller may see the indicator, looked up once per request. */
static int indicator_visible(struct post *p, const char *id, bool *ret)
{
	for (size_t i = 0; i < p->n_seen; i++)
		if (!strcmp(p->seen[i].id, id)) {
			*ret = p->seen[i].visible;
			return 0;
		}
	int64_t mod;
	int r = yg_ind_find_visible(p->st, p->who, id, &mod);
	if (r < 0 && r != -ENOENT)
		return r;
	struct seen_ind *s = &p->seen[p->n_seen++]; /* sized for every object */
	snprintf(s->id, sizeof s->id, "%s", id);
	s->visible = r == 0;
	*ret = s->visible;
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
	if (last > p->now_us + SKEW_US)
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
	bool visible = false;
	int r = indicator_visible(p, of, &visible);
	if (r < 0) {
		*ret_err = r;
		return "store error";
	}
	if (!visible)
		return "no such indicator";

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
 * stands in the bundle. */
struct item {
	char *text;
	size_t index;
};

int yg_rest_sightings_post(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
                           const struct yg_req *req, struct yg_resp *resp)
{
	if (!(who->role & (YG_ROLE_SENSOR | YG_ROLE_ANALYST | YG_ROLE_ADMIN))) {
		yg_rest_error(resp, 403, "forbidden", "readers do not report sightings");
		return 0;
	}
	if (!content_type_ok(req->content_type)) {
		yg_rest_error(resp, 415, "unsupported media type",
		           "Content-Type must be application/json or " YG_STIX_MEDIA);
		return 0;
	}
	if (!yg_rest_accepts(req, resp))
		return 0;
	struct post p = {.st = st, .who = who, .now_us = yg_now_us()};
	json_t *rejected = NULL;
	struct yg_sighting_in *ins = NULL;
	struct item *items = NULL;
	const char **whys = NULL;
	int *results = NULL;
	size_t n = 0;
	json_error_t jerr;
	json_t *body = req->body ? json_loadb(req->body, req->body_len, 0, &jerr) : NULL;
	const char *btype = json_string_value(json_object_get(body, "type"));
	json_t *objects = json_object_get(body, "objects");
	if (!json_is_object(body) || !btype || strcmp(btype, "bundle") ||
	    (json_object_get(body, "objects") && !json_is_array(objects))) {
		yg_rest_error(resp, 400, "bad request", "the body must be a STIX 2.1 bundle");
		goto out;
	}
	n = json_array_size(objects);
	if (n > YG_SIGHTINGS_MAX) {
		yg_rest_error(resp, 413, "too many objects", "at most 1000 sightings per request");
		goto out;
	}
	struct yg_org org;
	int r = st->ops->org_get(st, who->org_id, &org);
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		goto out;
	}
	snprintf(p.identity, sizeof p.identity, "%s", org.identity_id);
	p.seen = calloc(n ? n : 1, sizeof *p.seen);
	rejected = json_array();
	/* Checked first, stored as one batch (put_many: one round trip on
	 * PostgreSQL), then the outcomes in the objects' order. */
	ins = calloc(n ? n : 1, sizeof *ins);
	items = calloc(n ? n : 1, sizeof *items);
	whys = calloc(n ? n : 1, sizeof *whys);
	results = calloc(n ? n : 1, sizeof *results);
	if (!p.seen || !rejected || !ins || !items || !whys || !results) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		goto out;
	}
	size_t accepted = 0, duplicates = 0, m = 0;
	/* The checks read (the indicators' visibility) before the write
	 * transaction: a writer's turn then costs only the writes, which on
	 * PostgreSQL is what every other writer of the hubs waits for. */
	for (size_t i = 0; r == 0 && i < n; i++) {
		int err = 0;
		whys[i] = check_one(&p, json_array_get(objects, i), &ins[m], &items[m].text, &err);
		if (err)
			r = err;
		else if (!whys[i])
			items[m++].index = i;
	}
	bool in_tx = false;
	if (r == 0) {
		r = st->ops->tx_begin(st);
		in_tx = r == 0;
	}
	if (r == 0 && m)
		r = st->ops->sightings->put_many(st, ins, m, results);
	for (size_t k = 0; r == 0 && k < m; k++) {
		if (results[k] == -EEXIST) {
			whys[items[k].index] = "sighting id already used by another organization";
		} else if (results[k] == YG_SIGHTING_DUPLICATE) {
			duplicates++;
		} else {
			accepted++;
			/* A sighting of a C2 or malware indicator is evidence
			 * against the hosts it names. */
			r = yg_hosts_from_sighting(h, st, who, json_array_get(objects, items[k].index),
			                           ins[k].indicator_id, ins[k].last_seen_us);
		}
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		if (whys[i])
			r = reject(rejected, i, json_array_get(objects, i), whys[i]);
	if (r == 0 && accepted)
		r = st->ops->audit(st, who->org_id, who->org_name, "sightings.post", "");
	if (r == 0) {
		r = st->ops->tx_commit(st);
	} else if (in_tx) {
		st->ops->tx_rollback(st);
	}
	if (r < 0) {
		yg_rest_error(resp, r == -EBUSY ? 503 : 500, "store error", NULL);
		goto out;
	}
	yg_resp_json(resp, 200,
	             json_pack("{s:I, s:I, s:O}", "accepted", (json_int_t)accepted, "duplicates",
	                       (json_int_t)duplicates, "rejected", rejected));
	resp->content_type = YG_REST_MEDIA;
out:
	for (size_t i = 0; items && i < n; i++)
		free(items[i].text);
	free(items);
	free(ins);
	free(whys);
	free(results);
	json_decref(rejected);
	json_decref(body);
	free(p.seen);
	return 0;
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
