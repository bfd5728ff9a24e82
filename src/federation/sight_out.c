/*
 * Our members' sightings as a peer gets them (see sight.h), and the list
 * of members that opted in to sharing them with their identity.
 */
#include "federation/sight.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "federation/rule.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "store/store_sightings.h"

#define COUNT_MAX 999999999 /* STIX 2.1 sighting count */

/* Reads a list of organization ids into v (at most YG_FED_NAMED_MAX). */
static bool ids_take(const json_t *arr, int64_t *v, size_t *ret_n)
{
	size_t i;
	const json_t *o;
	if (!json_is_array(arr) || json_array_size(arr) > YG_FED_NAMED_MAX)
		return false;
	json_array_foreach(arr, i, o)
	{
		if (!json_is_integer(o))
			return false;
		v[i] = json_integer_value(o);
	}
	*ret_n = json_array_size(arr);
	return true;
}

static json_t *ids_json(const int64_t *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_integer(v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

int yg_fed_named_load(struct yg_store *st, struct yg_fed_named *ret)
{
	char *v = NULL;
	ret->n = ret->n_was = 0;
	ret->changed_us = 0;
	int r = st->ops->setting_get(st, YG_FED_NAMED_SETTING, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	json_t *j = json_loads(v, 0, NULL);
	free(v);
	const json_t *ch = json_object_get(j, "changed_us");
	r = -EBADMSG;
	if (ids_take(json_object_get(j, "orgs"), ret->org, &ret->n) &&
	    ids_take(json_object_get(j, "was"), ret->was, &ret->n_was) && json_is_integer(ch)) {
		ret->changed_us = json_integer_value(ch);
		r = 0;
	}
	json_decref(j);
	if (r < 0)
		ret->n = ret->n_was = 0;
	return r;
}

int yg_fed_named_set(struct yg_store *st, int64_t org, bool on)
{
	struct yg_fed_named *n = malloc(sizeof *n);
	json_t *j = NULL;
	char *text = NULL;
	if (!n)
		return -ENOMEM;
	int r = yg_fed_named_load(st, n);
	if (r < 0)
		goto out;
	size_t at = 0;
	while (at < n->n && n->org[at] != org)
		at++;
	bool have = at < n->n;
	if (have == on)
		goto out; /* no change, and the change time stays */
	size_t w = 0;
	while (w < n->n_was && n->was[w] != org)
		w++;
	if ((on && n->n == YG_FED_NAMED_MAX) || (!on && w == n->n_was && w == YG_FED_NAMED_MAX)) {
		r = -E2BIG;
		goto out;
	}
	if (on) {
		n->org[n->n++] = org;
		if (w < n->n_was)
			n->was[w] = n->was[--n->n_was];
	} else {
		n->org[at] = n->org[--n->n];
		if (w == n->n_was)
			n->was[n->n_was++] = org;
	}
	r = -ENOMEM;
	j = json_pack("{s:o, s:o, s:I}", "orgs", ids_json(n->org, n->n), "was",
	              ids_json(n->was, n->n_was), "changed_us", (json_int_t)yg_now_us());
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!text)
		goto out;
	r = st->ops->setting_set(st, YG_FED_NAMED_SETTING, text);
out:
	free(text);
	json_decref(j);
	free(n);
	return r;
}

/* A version-5 UUID (RFC 4122 4.3, SHA-1) of name in STIX's namespace for
 * deterministic ids (STIX 2.1 2.9). */
static int uuid5(const char *name, char ret[YG_UUID_LEN + 1])
{
	static const unsigned char ns[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
	                                     0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, ns, 16) &&
	          EVP_DigestUpdate(c, name, strlen(name)) && EVP_DigestFinal_ex(c, md, &mdlen) &&
	          mdlen >= 16;
	EVP_MD_CTX_free(c);
	if (!ok)
		return -EIO;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	snprintf(ret, YG_UUID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
	         md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11],
	         md[12], md[13], md[14], md[15]);
	return 0;
}

/* One object of the day's sums, by (who: NULL = the hub's anonymous sum). */
struct sum {
	int64_t count, first_us, last_us, newest_us;
};

struct out {
	struct yg_store *st;
	const struct yg_fed_sight_out *cfg;
	json_t *objs;
	int64_t newest;
	int r;
	/* The bucket being summed. */
	char ind[YG_FED_ID_MAX * 2];
	int64_t day;
	bool have;
	struct sum anon;
	/* The indicator's decision, looked up once per indicator. */
	char looked[YG_FED_ID_MAX * 2];
	bool may;
	enum yg_tlp tlp;
};

struct find {
	const struct yg_fed_sight_out *cfg;
	bool found, may;
	enum yg_tlp tlp;
};

static int on_indicator(void *ud, const struct yg_obj_row *row)
{
	struct find *f = ud;
	f->found = true;
	f->tlp = row->tlp;
	f->may = !row->revoked && yg_fed_may_send(row->tlp, f->cfg->tlp_max, row->viewer_named);
	return 0;
}

/* Whether the peer may have the indicator: its latest version in one of
 * the collections we push to it passes the federation rule. */
static int decide(struct out *o, const char *ind)
{
	if (!strcmp(o->looked, ind))
		return 0;
	snprintf(o->looked, sizeof o->looked, "%s", ind);
	o->may = false;
	const char *ids[1] = {ind};
	for (size_t i = 0; i < o->cfg->n_colls; i++) {
		struct find f = {.cfg = o->cfg};
		struct yg_obj_query q = {.collection = o->cfg->colls[i],
		                         .viewer_org = o->cfg->peer_org,
		                         .ids = ids,
		                         .n_ids = 1,
		                         .version_flags = YG_VER_LAST};
		int r = o->st->ops->obj_query(o->st, &q, on_indicator, &f);
		if (r < 0)
			return r;
		if (f.found) {
			o->may = f.may;
			o->tlp = f.tlp;
			return 0;
		}
	}
	return 0;
}

static json_t *time_str(int64_t us)
{
	char t[YG_TIME_US_LEN + 1];
	return yg_time_format_us(us, t) == 0 ? json_string(t) : NULL;
}

/* The sighting object of one sum; who is the identity it is created by. */
static int emit(struct out *o, const char *who, bool member, const struct sum *s)
{
	char name[512], uuid[YG_UUID_LEN + 1], id[64], day[16];
	snprintf(name, sizeof name, "yagura-fed-sighting|%s|%s|%s|%" PRId64, o->cfg->self_id,
	         member ? who : "", o->ind, o->day);
	int r = uuid5(name, uuid);
	if (r < 0)
		return r;
	snprintf(id, sizeof id, "sighting--%s", uuid);
	/* modified: the newest of what the sum holds, or the last opt-in
	 * change (which moves sightings between sums). */
	int64_t mod = s->newest_us;
	if (o->cfg->named->changed_us > mod)
		mod = o->cfg->named->changed_us;
	int64_t day0 = o->day * YG_SIGHTING_DAY_US;
	int64_t created = day0 < mod ? day0 : mod;
	char t[YG_TIME_US_LEN + 1];
	if (yg_time_format_us(day0, t) < 0)
		return -ERANGE;
	snprintf(day, sizeof day, "%.10s", t);
	/* An empty sum (all its sightings moved to opted-in members) still
	 * goes: count 0 replaces what the peer had. */
	int64_t first = s->count ? s->first_us : day0, last = s->count ? s->last_us : day0;
	json_t *obj = json_pack(
	    "{s:s, s:s, s:s, s:o, s:o, s:s, s:[s], s:s, s:I, s:o, s:o, s:s, s:[s]}", "type",
	    "sighting", "spec_version", "2.1", "id", id, "created", time_str(created), "modified",
	    time_str(mod), "created_by_ref", who, "where_sighted_refs", who, "sighting_of_ref",
	    o->ind, "count", (json_int_t)(s->count > COUNT_MAX ? COUNT_MAX : s->count),
	    "first_seen", time_str(first), "last_seen", time_str(last), "x_yagura_day", day,
	    "object_marking_refs", yg_tlp_marking_id(o->tlp));
	if (!obj || json_array_append_new(o->objs, obj) < 0)
		return -ENOMEM;
	return 0;
}

static void add(struct sum *s, const struct yg_sighting_bucket *b)
{
	if (!s->count || b->first_seen_us < s->first_us)
		s->first_us = b->first_seen_us;
	if (b->last_seen_us > s->last_us)
		s->last_us = b->last_seen_us;
	if (b->received_us > s->newest_us)
		s->newest_us = b->received_us;
	s->count += b->count;
}

/* Ends the bucket being summed: its anonymous sum goes out. */
static int close_bucket(struct out *o)
{
	if (!o->have)
		return 0;
	o->have = false;
	if (!o->may)
		return 0;
	return emit(o, o->cfg->self_id, false, &o->anon);
}

static bool in(const int64_t *v, size_t n, int64_t org)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == org)
			return true;
	return false;
}

static int on_bucket(void *ud, const struct yg_sighting_bucket *b)
{
	struct out *o = ud;
	int r;
	if (b->received_us > o->newest)
		o->newest = b->received_us;
	if (!o->have || b->day != o->day || strcmp(b->indicator_id, o->ind)) {
		r = close_bucket(o);
		if (r < 0)
			return r;
		if (strlen(b->indicator_id) >= sizeof o->ind)
			return 1; /* not an id the hub took */
		snprintf(o->ind, sizeof o->ind, "%s", b->indicator_id);
		o->day = b->day;
		o->anon = (struct sum){0};
		o->have = true;
		r = decide(o, b->indicator_id);
		if (r < 0)
			return r;
	}
	if (!o->may)
		return 1;
	const struct yg_fed_named *nm = o->cfg->named;
	bool on = in(nm->org, nm->n, b->org_id);
	if (!on)
		add(&o->anon, b);
	if (!on && !in(nm->was, nm->n_was, b->org_id))
		return 1;
	/* One organization per row of a bucket: its own object, with its
	 * count, or 0 once it opted out (the count is in the anonymous sum
	 * again). */
	struct yg_org org;
	r = o->st->ops->org_get(o->st, b->org_id, &org);
	if (r == -ENOENT)
		return 1;
	if (r < 0)
		return r;
	struct sum s = {0};
	if (on)
		add(&s, b);
	else
		s.newest_us = b->received_us;
	r = emit(o, org.identity_id, true, &s);
	return r < 0 ? r : 1;
}

int yg_fed_sightings_out(struct yg_store *st, const struct yg_fed_sight_out *cfg,
                         int64_t after_us, json_t *objs, int64_t *ret_newest)
{
	struct out *o = calloc(1, sizeof *o);
	if (!o)
		return -ENOMEM;
	o->st = st;
	o->cfg = cfg;
	o->objs = objs;
	o->newest = after_us;
	int r = st->ops->sightings->fed_buckets(st, after_us, on_bucket, o);
	if (r >= 0)
		r = close_bucket(o);
	if (r >= 0) {
		*ret_newest = o->newest;
		r = 0;
	}
	free(o);
	return r;
}
