/*
 * One feed run (feeds.h): fetch, load with the one indicator loader, diff
 * against the values the feed held, and store the difference as indicator
 * versions in one transaction with the feed's health.
 *
 * Why the diff is a merge of two sorted lists: the new content comes out
 * of the loader's set in (type, value) byte order (export/value.c sorts
 * and de-duplicates), and the store hands the old values back in the same
 * order (SQLite's BINARY collation is memcmp), so one pass decides new,
 * gone, back and unchanged without a hash table of either side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "export/export.h"
#include "feeds/feeds.h"
#include "hub/hub.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "taxii/client.h"

#define SET_DEFAULT "default_collection"

int yg_feed_warn_open(const char *data_dir, struct yg_intel_warn **ret)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/warninglist.d", data_dir);
	struct stat st;
	*ret = NULL;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	struct yg_intel_warn *w = NULL;
	int r = yg_intel_warn_new(&w);
	if (r < 0)
		return r;
	long k = yg_intel_warn_load_path(w, path);
	r = k < 0 ? (int)k : yg_intel_warn_build(w);
	if (r < 0) {
		yg_intel_warn_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

/* ---- subscribe, unsubscribe ---- */

struct by_title {
	const char *want;
	char uuid[37];
	int found;
};

static int match_title(void *ud, const struct yg_collection *c)
{
	struct by_title *t = ud;
	if (!strcmp(c->title, t->want) || !strcmp(c->uuid, t->want)) {
		snprintf(t->uuid, sizeof t->uuid, "%s", c->uuid);
		t->found++;
	}
	return 1;
}

int yg_feed_add(struct yg_store *st, struct yg_feed_spec *spec)
{
	char org_name[YG_STORE_NAME_MAX + 1];
	struct yg_org org;
	struct yg_group g;
	char *text = NULL;
	int r = yg_hub_bootstrap(st, NULL, NULL);
	if (r < 0)
		return r;
	if (spec->collection[0]) {
		struct by_title t = {.want = spec->collection};
		r = st->ops->collection_list(st, match_title, &t);
		if (r < 0)
			return r;
		if (t.found != 1)
			return -ENOENT;
		snprintf(spec->collection, sizeof spec->collection, "%s", t.uuid);
	}
	if (spec->share_group[0] && st->ops->group_find(st, spec->share_group, &g) < 0)
		return -ENOENT;
	r = yg_feed_spec_json(spec, &text);
	if (r < 0)
		return r;
	snprintf(org_name, sizeof org_name, "feed:%s", spec->name);
	struct yg_feed_row *row = malloc(sizeof *row);
	if (!row) {
		free(text);
		return -ENOMEM;
	}
	r = st->ops->feeds->get(st, spec->name, row);
	if (r == 0)
		r = -EEXIST;
	else if (r == -ENOENT)
		r = 0;
	free(row);
	if (r < 0)
		goto out;
	/* The feed's identity outlives a del and add again under one name. */
	r = st->ops->org_find(st, org_name, &org);
	if (r == -ENOENT)
		r = yg_hub_org_add(st, org_name, "feed", NULL, &org);
	if (r == 0)
		r = st->ops->feeds->add(st, spec->name, org.id, text, NULL);
	if (r == 0)
		st->ops->audit(st, 0, "feeds", "feed.add", spec->name);
out:
	free(text);
	return r;
}

/* ---- health ---- */

char *yg_feed_result_json(const struct yg_feed_result *r)
{
	char started[YG_TIME_US_LEN + 1] = "";
	yg_time_format_us(r->started_us, started);
	json_t *lists = json_object();
	for (size_t i = 0; lists && i < r->n_held_lists; i++)
		json_object_set_new(lists, r->held[i].list, json_integer((json_int_t)r->held[i].n));
	json_t *o = json_pack(
	    "{s:s, s:I, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s}",
	    "last_run", started, "duration_ms", (json_int_t)(r->duration_us / 1000), "ok", r->ok,
	    "not_modified", r->not_modified, "http_status", (json_int_t)r->http_status, "bytes",
	    (json_int_t)r->bytes, "values", (json_int_t)r->values, "added", (json_int_t)r->added,
	    "expired", (json_int_t)r->expired, "returned", (json_int_t)r->returned, "unchanged",
	    (json_int_t)r->unchanged, "held_back", (json_int_t)r->held_back, "rejected",
	    (json_int_t)r->rejected, "held_back_by_list", lists ? lists : json_object(),
	    "last_error", r->error);
	char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return t;
}

static void count_held(struct yg_feed_result *r, const char *list)
{
	r->held_back++;
	for (size_t i = 0; i < r->n_held_lists; i++)
		if (!strcmp(r->held[i].list, list)) {
			r->held[i].n++;
			return;
		}
	if (r->n_held_lists == YG_FEED_HELD_LISTS)
		return;
	snprintf(r->held[r->n_held_lists].list, sizeof r->held[0].list, "%s", list);
	r->held[r->n_held_lists++].n = 1;
}

/* ---- content: HTTP/file or TAXII ---- */

struct content {
	char *body;
	size_t len;
	bool not_modified;
	char etag[YG_FEED_VALID_MAX + 1];
	char last_modified[YG_FEED_VALID_MAX + 1];
};

static int fetch_http(const struct yg_feed_spec *s, const struct yg_feed_row *row,
                      const struct yg_feed_env *env, struct content *c, struct yg_feed_result *res)
{
	struct yg_feed_fetch f = {
	    .url = s->url,
	    .etag = row->etag,
	    .last_modified = row->last_modified,
	    .ca_file = s->ca_file[0] ? s->ca_file : NULL,
	    .max_bytes = s->max_bytes,
	    .timeout_s = s->timeout_s,
	    .cancel = env ? env->cancel : NULL,
	    .ud = env ? env->ud : NULL,
	};
	int r = yg_feed_fetch_run(&f);
	res->http_status = !strncasecmp(s->url, "file:", 5) ? 0 : f.status;
	if (r < 0) {
		snprintf(res->error, sizeof res->error, "%s", f.err);
		return r;
	}
	c->body = f.body;
	c->len = f.len;
	c->not_modified = f.not_modified;
	snprintf(c->etag, sizeof c->etag, "%s", f.new_etag);
	snprintf(c->last_modified, sizeof c->last_modified, "%s", f.new_last_modified);
	return 0;
}

/* A TAXII round: the newest version of each indicator, those not revoked
 * gathered into one STIX bundle for the loader. */
struct taxii_acc {
	json_t *latest; /* id -> {"m": modified, "o": object or null} */
	int err;
};

static void on_taxii(void *ud, const struct yg_taxii_object *o)
{
	struct taxii_acc *a = ud;
	json_t *cur = json_object_get(a->latest, o->id);
	const char *m = json_string_value(json_object_get(cur, "m"));
	if (m && strcmp(m, o->modified) >= 0)
		return;
	json_t *e = json_pack("{s:s, s:O?}", "m", o->modified, "o", o->revoked ? NULL : o->object);
	if (!e || json_object_set_new(a->latest, o->id, e) < 0)
		a->err = -ENOMEM;
}

static int fetch_taxii(const struct yg_feed_spec *s, const struct yg_feed_env *env,
                       struct content *c, struct yg_feed_result *res)
{
	struct yg_taxii_cred cred = {0};
	struct yg_taxii_client_config cfg = {.url = s->url,
	                                     .cred = &cred,
	                                     .cancel = env ? env->cancel : NULL,
	                                     .ud = env ? env->ud : NULL};
	char only[sizeof s->taxii_collections];
	struct yg_taxii_client *cl = NULL;
	struct taxii_acc acc = {.latest = json_object()};
	json_t *objs = json_array(), *bundle = NULL;
	int r = acc.latest && objs ? 0 : -ENOMEM;
	if (r == 0)
		r = yg_feed_cred_load(s, &cred, res->error, sizeof res->error);
	if (r < 0)
		goto out;
	snprintf(only, sizeof only, "%s", s->taxii_collections);
	for (char *p = only; *p && cfg.n_only < YG_TAXII_ONLY_MAX;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (*p)
			cfg.only[cfg.n_only++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	r = yg_taxii_client_new(&cfg, &cl);
	if (r < 0) {
		snprintf(res->error, sizeof res->error, "TAXII client: %s", strerror(-r));
		goto out;
	}
	struct yg_taxii_round io = {.full = true};
	r = yg_taxii_client_round(cl, &io, on_taxii, &acc);
	res->http_status = io.status;
	if (r == 0 && acc.err)
		r = acc.err;
	if (r < 0) {
		snprintf(res->error, sizeof res->error, "TAXII: %.480s",
		         io.err[0] ? io.err : strerror(-r));
		goto out;
	}
	const char *k;
	json_t *v;
	json_object_foreach(acc.latest, k, v)
	{
		json_t *o = json_object_get(v, "o");
		if (json_is_object(o) && json_array_append(objs, o) < 0)
			r = -ENOMEM;
	}
	bundle = json_pack("{s:s, s:s, s:O}", "type", "bundle", "id",
	                   "bundle--00000000-0000-4000-8000-000000000000", "objects", objs);
	c->body = bundle && r == 0 ? json_dumps(bundle, JSON_COMPACT) : NULL;
	if (!c->body) {
		r = -ENOMEM;
		goto out;
	}
	c->len = strlen(c->body);
	/* An empty round is a feed with nothing in it, not a broken one. */
	c->not_modified = false;
out:
	yg_taxii_client_free(cl);
	yg_feed_cred_free(&cred);
	json_decref(bundle);
	json_decref(objs);
	json_decref(acc.latest);
	return r;
}

/* ---- the diff ---- */

struct old_value {
	int type;
	char *value;
	char stix_id[64];
	bool present;
	int64_t left_us;
	char warn[64];
	int64_t created_us;
	int tlp; /* -1: the feed's */
};

struct olds {
	struct old_value *v;
	size_t n, cap;
	int err;
};

static int collect_old(void *ud, const struct yg_feed_value *v)
{
	struct olds *o = ud;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		struct old_value *nv = realloc(o->v, cap * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		o->v = nv;
		o->cap = cap;
	}
	struct old_value *d = &o->v[o->n];
	d->value = strdup(v->value);
	if (!d->value)
		return -ENOMEM;
	d->type = v->type;
	snprintf(d->stix_id, sizeof d->stix_id, "%s", v->stix_id);
	d->present = v->present;
	d->left_us = v->left_us;
	snprintf(d->warn, sizeof d->warn, "%s", v->warn);
	d->created_us = v->created_us;
	d->tlp = v->tlp;
	o->n++;
	return 1;
}

static void olds_release(struct olds *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].value);
	free(o->v);
}

/* What a run writes with: the feed, its identity, where and how. */
struct writer {
	struct yg_store *st;
	const struct yg_feed_spec *spec;
	int64_t feed_id;
	const char *identity;
	int64_t org_id;
	int64_t coll_id;
	int64_t group_id; /* 0: none */
	int64_t now_us;
	char now[YG_TIME_US_LEN + 1];
};

/* The STIX pattern of a value; false for what has no STIX object path
 * here (JA3/JA4) or cannot be a pattern literal as is. */
static bool pattern_of(int type, const char *value, char *out, size_t cap)
{
	for (const char *p = value; *p; p++)
		if (*p == '\'' || *p == '\\' || (unsigned char)*p < 0x20)
			return false;
	const char *path;
	switch (type) {
	case YG_IND_IP:
		path = strchr(value, ':') ? "ipv6-addr:value" : "ipv4-addr:value";
		break;
	case YG_IND_DOMAIN:
		path = "domain-name:value";
		break;
	case YG_IND_URL:
		path = "url:value";
		break;
	case YG_IND_MD5:
		path = "file:hashes.MD5";
		break;
	case YG_IND_SHA1:
		path = "file:hashes.'SHA-1'";
		break;
	case YG_IND_SHA256:
		path = "file:hashes.'SHA-256'";
		break;
	case YG_IND_CERT_SHA1:
		path = "x509-certificate:hashes.'SHA-1'";
		break;
	default:
		return false;
	}
	int n = snprintf(out, cap, "[%s = '%s']", path, value);
	return n > 0 && (size_t)n < cap;
}

/* Writes one version of the value's indicator. until_us 0: no
 * valid_until; tlp < 0: the feed's level. An AMBER value goes to the
 * feed's sharing group. */
static int put_version(const struct writer *w, const char *stix_id, int64_t created_us,
                       const char *pattern, const char *value, const char *warn, int64_t until_us,
                       int tlp)
{
	enum yg_tlp level = tlp >= 0 && tlp <= YG_TLP_RED ? (enum yg_tlp)tlp : w->spec->tlp;
	bool group = w->group_id && level == YG_TLP_AMBER;
	char created[YG_TIME_US_LEN + 1], until[YG_TIME_US_LEN + 1], name[200];
	char url[YG_FEED_URL_MAX];
	yg_feed_url_public(w->spec->url, url, sizeof url);
	int r = yg_time_format_us(created_us, created);
	if (r < 0)
		return r;
	snprintf(name, sizeof name, "%.120s (feed %s)", value, w->spec->name);
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[{s:s, s:s}]}", "type",
	    "indicator", "spec_version", "2.1", "id", stix_id, "created", created, "modified",
	    w->now, "name", name, "pattern", pattern, "pattern_type", "stix", "valid_from", created,
	    "created_by_ref", w->identity, "object_marking_refs", yg_tlp_marking_id(level),
	    "external_references", "source_name", w->spec->name, "url", url);
	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "x_yagura_feed", json_string(w->spec->name));
	if (w->spec->confidence >= 0)
		json_object_set_new(o, "confidence", json_integer(w->spec->confidence));
	if (warn && *warn)
		json_object_set_new(o, "x_yagura_warninglist", json_string(warn));
	if (until_us) {
		/* valid_until must come after valid_from. */
		if (until_us <= created_us)
			until_us = created_us + 1;
		r = yg_time_format_us(until_us, until);
		if (r < 0) {
			json_decref(o);
			return r;
		}
		json_object_set_new(o, "valid_until", json_string(until));
	}
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	struct yg_obj_in in = {
	    .collection = w->coll_id,
	    .stix_id = stix_id,
	    .type = "indicator",
	    .spec_version = "2.1",
	    .modified = w->now,
	    .modified_us = w->now_us,
	    .tlp = level,
	    .submitter_org = w->org_id,
	    .json = text,
	    .json_len = strlen(text),
	    .share_groups = group ? &w->group_id : NULL,
	    .n_share_groups = group ? 1 : 0,
	};
	int64_t added;
	r = w->st->ops->obj_put(w->st, &in, &added);
	free(text);
	return r < 0 ? r : 0;
}

static int cmp_value(int ta, const char *va, int tb, const char *vb)
{
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(va, vb);
}

/* The merge of the new items with the old values (both sorted), written.
 * tlps: each item's own level (a MISP feed's), NULL: the feed's. */
static int apply_diff(const struct writer *w, const struct yg_export_item *items,
                      const int *tlps, size_t n, const struct olds *old,
                      const struct yg_feed_env *env, struct yg_feed_result *res)
{
	struct yg_store *st = w->st;
	size_t i = 0, j = 0;
	char pattern[2400];
	int r = 0;
	while (r == 0 && (i < n || j < old->n)) {
		int c = i == n        ? 1
		        : j == old->n ? -1
		                      : cmp_value((int)items[i].type, items[i].value,
		                                  old->v[j].type, old->v[j].value);
		int tlp = i < n && tlps ? tlps[i] : -1;
		if (c < 0) { /* new */
			const struct yg_export_item *it = &items[i++];
			if (!pattern_of((int)it->type, it->value, pattern, sizeof pattern)) {
				res->rejected++;
				continue;
			}
			const char *warn = env && env->warn
			                       ? yg_intel_warn_check(env->warn, it->type, it->value,
			                                             strlen(it->value))
			                       : NULL;
			char uuid[YG_UUID_LEN + 1], id[64];
			r = yg_uuid4(uuid);
			if (r < 0)
				break;
			snprintf(id, sizeof id, "indicator--%s", uuid);
			r = put_version(w, id, w->now_us, pattern, it->value, warn, 0, tlp);
			struct yg_feed_value v = {.tlp = tlp,
			                          .type = (int)it->type,
			                          .value = it->value,
			                          .stix_id = id,
			                          .present = true,
			                          .warn = warn ? warn : "",
			                          .created_us = w->now_us};
			if (r == 0)
				r = st->ops->feeds->value_put(st, w->feed_id, &v);
			res->added++;
			res->values++;
			if (warn)
				count_held(res, warn);
			continue;
		}
		const struct old_value *o = &old->v[j++];
		if (!pattern_of(o->type, o->value, pattern, sizeof pattern)) {
			i += c == 0; /* never stored so; skipped on both sides */
			continue;
		}
		if (c > 0) { /* not in the feed now */
			if (!o->present)
				continue;
			int64_t until = w->now_us + w->spec->expire_after_s * 1000000;
			r = put_version(w, o->stix_id, o->created_us, pattern, o->value, o->warn,
			                until, o->tlp);
			struct yg_feed_value v = {.tlp = o->tlp,
			                          .type = o->type,
			                          .value = o->value,
			                          .stix_id = o->stix_id,
			                          .present = false,
			                          .left_us = w->now_us,
			                          .warn = o->warn,
			                          .created_us = o->created_us};
			if (r == 0)
				r = st->ops->feeds->value_put(st, w->feed_id, &v);
			res->expired++;
			continue;
		}
		/* In both: the same unless it comes back or its list changed. */
		const struct yg_export_item *it = &items[i++];
		const char *warn =
		    env && env->warn
		        ? yg_intel_warn_check(env->warn, it->type, it->value, strlen(it->value))
		        : NULL;
		res->values++;
		if (warn)
			count_held(res, warn);
		/* A value whose event changed its TLP gets a version at the new
		 * level (same indicator). */
		if (o->present && !strcmp(o->warn, warn ? warn : "") && o->tlp == tlp) {
			res->unchanged++;
			continue;
		}
		r = put_version(w, o->stix_id, o->created_us, pattern, o->value, warn, 0, tlp);
		struct yg_feed_value v = {.tlp = tlp,
		                          .type = o->type,
		                          .value = o->value,
		                          .stix_id = o->stix_id,
		                          .present = true,
		                          .warn = warn ? warn : "",
		                          .created_us = o->created_us};
		if (r == 0)
			r = st->ops->feeds->value_put(st, w->feed_id, &v);
		if (o->present)
			res->unchanged++; /* only its flag moved */
		else
			res->returned++;
	}
	return r;
}

/* ---- the run ---- */

struct load_err {
	char first[300];
	unsigned long n;
};

static void on_load_error(void *ud, const char *source, unsigned long line, const char *msg)
{
	(void)source;
	struct load_err *e = ud;
	if (!e->n++)
		snprintf(e->first, sizeof e->first, "line %lu: %s", line, msg);
}

/* Where the feed writes: its collection, identity and group. */
static int writer_init(struct yg_store *st, const struct yg_feed_row *row,
                       const struct yg_feed_spec *spec, struct writer *w, struct yg_org *org,
                       char *err, size_t errlen)
{
	struct yg_collection coll = {0};
	char *def = NULL;
	int r = 0;
	const char *uuid = spec->collection;
	if (!*uuid) {
		r = st->ops->setting_get(st, SET_DEFAULT, &def);
		uuid = def;
	}
	if (r == 0)
		r = st->ops->collection_get(st, uuid, &coll);
	free(def);
	if (r < 0) {
		snprintf(err, errlen, "the feed's collection is gone");
		return r;
	}
	r = st->ops->org_get(st, row->org_id, org);
	if (r < 0) {
		snprintf(err, errlen, "the feed's organization is gone");
		return r;
	}
	w->group_id = 0;
	if (spec->share_group[0]) {
		struct yg_group g;
		r = st->ops->group_find(st, spec->share_group, &g);
		if (r < 0) {
			snprintf(err, errlen, "the feed's sharing group '%s' is gone",
			         spec->share_group);
			return r;
		}
		w->group_id = g.id;
	}
	w->st = st;
	w->spec = spec;
	w->feed_id = row->id;
	w->identity = org->identity_id;
	w->org_id = org->id;
	w->coll_id = coll.id;
	return 0;
}

/* Counts what is held back among the values that stay (a 304 or a failed
 * run: nothing changed, but the health still says it). */
static void count_standing(const struct olds *old, struct yg_feed_result *res)
{
	for (size_t j = 0; j < old->n; j++) {
		if (!old->v[j].present)
			continue;
		res->values++;
		res->unchanged++;
		if (old->v[j].warn[0])
			count_held(res, old->v[j].warn);
	}
}

/* What a run loaded: the sets the items borrow their strings from, the
 * items in (type, value) order, one per value, and for a MISP feed each
 * item's own TLP. */
struct loaded {
	struct yg_intel_set *sets[YG_TLP_RED + 1];
	struct yg_export_item *items;
	int *tlps; /* NULL: the feed's level for all */
	size_t n;
};

static void loaded_release(struct loaded *ld)
{
	for (int l = 0; l <= YG_TLP_RED; l++)
		yg_intel_set_free(ld->sets[l]);
	free(ld->items);
	free(ld->tlps);
}

struct tagged {
	struct yg_export_item it;
	int tlp;
};

static int cmp_tagged(const void *a, const void *b)
{
	const struct tagged *x = a, *y = b;
	int c = cmp_value((int)x->it.type, x->it.value, (int)y->it.type, y->it.value);
	return c ? c : (x->tlp > y->tlp) - (x->tlp < y->tlp);
}

/* The sets of a MISP read merged into one sorted list, each value once at
 * its loosest level. */
static int merge_levels(struct loaded *ld)
{
	size_t total = 0;
	struct yg_export_item *per[YG_TLP_RED + 1] = {0};
	size_t n[YG_TLP_RED + 1] = {0};
	int r = 0;
	for (int l = 0; l <= YG_TLP_RED && r == 0; l++)
		if (ld->sets[l] && (r = yg_export_items_from_set(ld->sets[l], &per[l], &n[l])) == 0)
			total += n[l];
	struct tagged *all = r == 0 && total ? malloc(total * sizeof *all) : NULL;
	if (r == 0 && total && !all)
		r = -ENOMEM;
	size_t k = 0;
	for (int l = 0; l <= YG_TLP_RED && r == 0; l++)
		for (size_t i = 0; i < n[l]; i++)
			all[k++] = (struct tagged){.it = per[l][i], .tlp = l};
	for (int l = 0; l <= YG_TLP_RED; l++)
		free(per[l]);
	if (r == 0 && total) {
		qsort(all, total, sizeof *all, cmp_tagged);
		ld->items = malloc(total * sizeof *ld->items);
		ld->tlps = malloc(total * sizeof *ld->tlps);
		if (!ld->items || !ld->tlps)
			r = -ENOMEM;
		for (size_t i = 0; r == 0 && i < total; i++) {
			if (ld->n && !cmp_value((int)all[i].it.type, all[i].it.value,
			                        (int)ld->items[ld->n - 1].type,
			                        ld->items[ld->n - 1].value))
				continue; /* the same value at a stricter level */
			ld->items[ld->n] = all[i].it;
			ld->tlps[ld->n++] = all[i].tlp;
		}
	}
	free(all);
	return r;
}

/* A MISP feed over HTTP(S): one builder per TLP level. */
static int acquire_misp(const struct yg_feed_spec *spec, const struct yg_feed_env *env,
                        struct loaded *ld, struct yg_feed_result *res)
{
	struct yg_intel_builder *b[YG_TLP_RED + 1] = {0};
	struct load_err le = {0};
	int r = 0;
	for (int l = 0; l <= YG_TLP_RED && r == 0; l++)
		if ((r = yg_intel_builder_new(&b[l])) == 0)
			yg_intel_builder_on_error(b[l], on_load_error, &le);
	if (r == 0)
		r = yg_feed_misp_read(spec, env, b, res);
	res->rejected = le.n;
	if (r == -ECANCELED || r == -ENOMEM)
		goto out;
	if (r < 0) { /* res->error says why: a failed run */
		r = 0;
		goto out;
	}
	for (int l = 0; l <= YG_TLP_RED && r == 0; l++) {
		r = yg_intel_builder_build(b[l], &ld->sets[l]); /* consumes b[l] */
		b[l] = NULL;
	}
	if (r == 0)
		r = merge_levels(ld);
	if (r < 0)
		goto out;
	if (ld->n == 0) {
		snprintf(res->error, sizeof res->error, "%s",
		         le.n ? le.first : "empty content (keeping the last good content)");
	} else if (ld->n > YG_FEED_MAX_VALUES) {
		snprintf(res->error, sizeof res->error, "more than %u values", YG_FEED_MAX_VALUES);
	} else {
		res->ok = true;
	}
out:
	for (int l = 0; l <= YG_TLP_RED; l++)
		yg_intel_builder_free(b[l]);
	return r;
}

/* Fetches and loads the feed's content into sorted items (outside any
 * transaction: a fetch may take minutes). 0 with res->ok (items set, or
 * not_modified), 0 with res->error on a failed run, < 0 on errors of the
 * hub itself. */
static int acquire(const struct yg_feed_spec *spec, const struct yg_feed_row *row,
                   const struct yg_feed_env *env, struct content *c, struct loaded *ld,
                   struct yg_feed_result *res)
{
	if (spec->fmt.kind == YG_FMT_MISP && strncasecmp(spec->url, "file:", 5) != 0)
		return acquire_misp(spec, env, ld, res);
	int r = spec->taxii ? fetch_taxii(spec, env, c, res) : fetch_http(spec, row, env, c, res);
	if (r == -ECANCELED || r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	res->bytes = c->len;
	if (c->not_modified) {
		res->ok = res->not_modified = true;
		return 0;
	}
	struct load_err le = {0};
	struct yg_intel_builder *b = NULL;
	r = yg_intel_builder_new(&b);
	if (r < 0)
		return r;
	yg_intel_builder_on_error(b, on_load_error, &le);
	long k = yg_intel_load_buffer_as(b, spec->name, (const uint8_t *)c->body, c->len,
	                                 spec->taxii ? NULL : &spec->fmt);
	res->rejected = le.n;
	/* A TAXII round with nothing in it is an empty feed; an empty file
	 * is far more often a broken mirror than an empty list. */
	if (k <= 0 && !(spec->taxii && k == 0 && le.n == 0)) {
		snprintf(res->error, sizeof res->error, "%s",
		         k < 0  ? "content not readable"
		         : le.n ? le.first
		                : "empty content (keeping the last good content)");
		yg_intel_builder_free(b);
		return 0;
	}
	r = yg_intel_builder_build(b, &ld->sets[0]); /* consumes b */
	if (r == 0)
		r = yg_export_items_from_set(ld->sets[0], &ld->items, &ld->n);
	if (r < 0)
		return r;
	if (ld->n > YG_FEED_MAX_VALUES) {
		snprintf(res->error, sizeof res->error, "more than %u values", YG_FEED_MAX_VALUES);
		return 0;
	}
	res->ok = true;
	return 0;
}

/* Unsubscribing takes the feed's values out of sensors' sets: each live
 * one gets a last version valid until now. */
int yg_feed_del(struct yg_store *st, const char *name)
{
	struct yg_feed_row *row = malloc(sizeof *row);
	struct yg_feed_spec *spec = calloc(1, sizeof *spec);
	struct olds old = {0};
	struct writer w = {0};
	struct yg_org org;
	char perr[256], pattern[2400];
	int r = row && spec ? st->ops->tx_begin(st) : -ENOMEM;
	if (r < 0)
		goto out;
	r = st->ops->feeds->get(st, name, row);
	if (r == 0)
		r = st->ops->feeds->values(st, row->id, collect_old, &old);
	/* A feed whose subscription, collection or identity is unreadable
	 * still goes; its values then keep their last versions. */
	if (r == 0 &&
	    yg_feed_spec_parse(row->spec, strlen(row->spec), spec, perr, sizeof perr) == 0 &&
	    writer_init(st, row, spec, &w, &org, perr, sizeof perr) == 0) {
		w.now_us = yg_now_us();
		r = yg_time_format_us(w.now_us, w.now);
		for (size_t j = 0; r == 0 && j < old.n; j++) {
			const struct old_value *o = &old.v[j];
			if (o->present && pattern_of(o->type, o->value, pattern, sizeof pattern))
				r = put_version(&w, o->stix_id, o->created_us, pattern, o->value,
				                o->warn, w.now_us, o->tlp);
		}
	}
	if (r == 0)
		r = st->ops->feeds->del(st, name);
	if (r == 0)
		r = st->ops->audit(st, 0, "feeds", "feed.del", name);
	if (r == 0)
		r = st->ops->tx_commit(st);
	else
		st->ops->tx_rollback(st);
out:
	olds_release(&old);
	free(spec);
	free(row);
	return r;
}

int yg_feed_run(struct yg_store *st, const char *name, const struct yg_feed_env *env,
                struct yg_feed_result *ret)
{
	struct yg_feed_result *res = ret;
	memset(res, 0, sizeof *res);
	res->started_us = yg_now_us();
	struct yg_feed_row *row = malloc(sizeof *row);
	struct yg_feed_spec *spec = calloc(1, sizeof *spec);
	struct content c = {0};
	struct olds old = {0};
	struct loaded ld = {0};
	char *health = NULL;
	bool in_tx = false;
	struct yg_org org;
	struct writer w = {0};
	int r = row && spec ? 0 : -ENOMEM;
	if (r < 0)
		goto out;
	r = st->ops->feeds->get(st, name, row);
	if (r < 0)
		goto out;
	char perr[256];
	if (yg_feed_spec_parse(row->spec, strlen(row->spec), spec, perr, sizeof perr) < 0)
		snprintf(res->error, sizeof res->error, "stored subscription unreadable: %s", perr);
	else
		r = acquire(spec, row, env, &c, &ld, res);
	if (r < 0)
		goto out;
	/* The old values are read inside the write transaction (IMMEDIATE:
	 * writers queue), so two runs of one feed at once (the hub's schedule
	 * and `feed run`) never both create an indicator for one value. */
	r = st->ops->tx_begin(st);
	if (r < 0)
		goto out;
	in_tx = true;
	r = st->ops->feeds->values(st, row->id, collect_old, &old);
	if (r < 0)
		goto out;
	if (res->ok && !res->not_modified) {
		if (writer_init(st, row, spec, &w, &org, res->error, sizeof res->error) < 0) {
			res->ok = false;
		} else {
			w.now_us = yg_now_us();
			r = yg_time_format_us(w.now_us, w.now);
			if (r == 0)
				r = apply_diff(&w, ld.items, ld.tlps, ld.n, &old, env, res);
			if (r < 0)
				goto out;
		}
	}
	if (!res->ok || res->not_modified) {
		/* Nothing changed: the last good content stands as it was. */
		res->values = res->unchanged = res->held_back = res->n_held_lists = 0;
		res->added = res->expired = res->returned = 0;
		count_standing(&old, res);
	}
	res->duration_us = yg_now_us() - res->started_us;
	health = yg_feed_result_json(res);
	if (!health) {
		r = -ENOMEM;
		goto out;
	}
	/* Validators only of content that was understood: a broken answer
	 * must be fetched again in full next time. */
	bool fresh = res->ok && !res->not_modified;
	r = st->ops->feeds->state_set(
	    st, row->id, res->started_us + (spec->every_s ? spec->every_s : 3600) * 1000000,
	    fresh ? c.etag : row->etag, fresh ? c.last_modified : row->last_modified, health);
	if (r == 0) {
		char detail[600];
		snprintf(detail, sizeof detail, "%s: %.500s", name, res->ok ? "ok" : res->error);
		r = st->ops->audit(st, 0, "feeds", "feed.run", detail);
	}
	if (r == 0) {
		r = st->ops->tx_commit(st);
		in_tx = false;
	}
out:
	if (in_tx)
		st->ops->tx_rollback(st);
	free(health);
	loaded_release(&ld);
	olds_release(&old);
	free(c.body);
	free(spec);
	free(row);
	return r;
}
