/*
 * TAXII 2.1 endpoints (OASIS TAXII Version 2.1, sections 4-5): discovery,
 * API root, status, collections, objects (GET/POST), object (GET/DELETE),
 * versions, manifest. Every path that returns objects passes each version
 * through yg_tlp_visible (tlp.h) and, for viewers other than the
 * submitter, through redact().
 *
 * Sharing properties a submitter may set on an object (documented here
 * because clients depend on them):
 *   x_yagura_share_with: ["OrgName", "identity--...", "group:GroupName"]
 *     who besides the submitter sees an AMBER object, or the recipients of
 *     a RED one; groups are the hub's sharing groups the submitter owns or
 *     belongs to.
 *   x_yagura_anonymous: true (or the request header X-Yagura-Anonymous: 1)
 *     other members see the hub's identity as created_by_ref.
 * Both are removed from what other members receive.
 *
 * Collections: a caller reads (writes) a collection when its role is in
 * the collection's can_read (can_write) and its organization is allowed
 * (every organization, or a grant; store.h). Collections it cannot read
 * are not listed; one it can neither read nor write answers 404 as if
 * missing; a read or write it lacks, 403. A client without a token
 * (hub.c lets it GET only) sees public collections alone, and in them only
 * TLP:CLEAR objects (yg_tlp_visible with viewer 0); elsewhere it gets 401.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "federation/federation.h"
#include "federation/ingest.h"
#include "federation/peer.h"
#include "federation/rule.h"
#include "hub/buf.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/obj_in.h"
#include "hub/share.h"
#include "hub/tlp.h"
#include "stix/ident.h"
#include "stix/validate.h"

#define PAGE_MAX_BYTES (256u << 20)
#define ERR_LEN 512

static bool role_in(unsigned mask, enum yg_role role)
{
	return (mask & (unsigned)role) != 0;
}

static void discovery(struct yg_resp *resp)
{
	yg_resp_json(resp, 200,
		     json_pack("{s:s, s:s, s:s, s:[s]}", "title", "yagura hub", "description",
			       "TAXII 2.1 server of the yagura sharing hub", "default",
			       "/taxii2/api/", "api_roots", "/taxii2/api/"));
}

static void api_root(struct yg_hub *h, struct yg_resp *resp)
{
	yg_resp_json(resp, 200,
		     json_pack("{s:s, s:s, s:[s], s:I}", "title", "yagura", "description",
			       "Members' shared threat intelligence", "versions", YG_TAXII_MEDIA,
			       "max_content_length", (json_int_t)h->cfg.max_body));
}

/* What the caller may do with a collection: its role and its organization
 * must both be allowed; a client without a token (org 0) only reads, and
 * only a public collection. */
static int access_of(struct yg_store *st, const struct yg_caller *who,
		     const struct yg_collection *c, bool *ret_read, bool *ret_write)
{
	bool rd = false, wr = false;
	int r = st->ops->collection_org_access(st, c, who->org_id, &rd, &wr);
	if (r < 0)
		return r;
	if (who->org_id > 0) {
		/* A peer hub uses collections as an analyst does (collections
		 * keep role sets in the store; a new bit would need every
		 * existing collection rewritten); what it reads and writes goes
		 * through the federation rule instead of member visibility. */
		enum yg_role role = who->role == YG_ROLE_PEER ? YG_ROLE_ANALYST : who->role;
		rd = rd && role_in(c->can_read, role);
		wr = wr && role_in(c->can_write, role);
	}
	*ret_read = rd;
	*ret_write = wr && who->org_id > 0;
	return 0;
}

int yg_taxii_access(struct yg_store *st, const struct yg_caller *who,
		    const struct yg_collection *c, bool *ret_read, bool *ret_write)
{
	return access_of(st, who, c, ret_read, ret_write);
}

static json_t *collection_json(const struct yg_collection *c, bool rd, bool wr)
{
	json_t *j = json_pack("{s:s, s:s, s:b, s:b, s:[s]}", "id", c->uuid, "title", c->title,
			      "can_read", rd, "can_write", wr, "media_types", YG_STIX_MEDIA);
	if (j && c->description[0])
		json_object_set_new(j, "description", json_string(c->description));
	return j;
}

struct coll_list {
	json_t *arr;
	struct yg_store *st;
	const struct yg_caller *who;
};

/* Collections the caller may not read are not listed at all. */
static int add_collection(void *ud, const struct yg_collection *c)
{
	struct coll_list *l = ud;
	bool rd, wr;
	int r = access_of(l->st, l->who, c, &rd, &wr);
	if (r < 0)
		return r;
	if (rd && json_array_append_new(l->arr, collection_json(c, rd, wr)) < 0)
		return -ENOMEM;
	return 1;
}

static void collections(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp)
{
	struct coll_list l = {.arr = json_array(), .st = st, .who = who};
	if (!l.arr || st->ops->collection_list(st, add_collection, &l) < 0) {
		json_decref(l.arr);
		yg_resp_error(resp, 500, "store error", NULL);
		return;
	}
	json_t *j = json_object();
	if (json_array_size(l.arr))
		json_object_set_new(j, "collections", l.arr);
	else
		json_decref(l.arr);
	yg_resp_json(resp, 200, j);
}

static void status_get(struct yg_store *st, const struct yg_caller *who, const char *uuid,
		       struct yg_resp *resp)
{
	char *text = NULL;
	int r = st->ops->status_get(st, uuid, who->org_id, &text);
	if (r == -ENOENT) {
		yg_resp_error(resp, 404, "not found", "no such status");
		return;
	}
	if (r < 0) {
		yg_resp_error(resp, 500, "store error", NULL);
		return;
	}
	resp->body = text;
	resp->len = strlen(text);
	resp->status = 200;
	resp->content_type = YG_TAXII_MEDIA;
}

/* ---- listings: objects, object, versions, manifest ---- */

enum page_kind { PAGE_OBJECTS, PAGE_VERSIONS, PAGE_MANIFEST };

struct page {
	enum page_kind kind;
	int64_t viewer;
	/* A peer hub reads through the federation rule (federation/rule.h):
	 * what it may receive, stamped with our identity in x_yagura_via,
	 * nothing that already passed through peer_hub. */
	bool peer;
	enum yg_tlp tlp_max;
	const char *peer_hub;
	const char *hub_identity;
	size_t limit;
	size_t count;
	bool more;
	int64_t first_added, last_added;
	struct yg_buf b;
};

/* What another member may receive of an object: anonymity applied and the
 * hub's sharing properties removed. Returns malloc'ed JSON, or NULL. */
static char *redact(const struct yg_obj_row *row, const char *hub_identity)
{
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
	if (!o)
		return NULL;
	if (row->anonymous)
		json_object_set_new(o, "created_by_ref", json_string(hub_identity));
	json_object_del(o, "x_yagura_share_with");
	json_object_del(o, "x_yagura_anonymous");
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static const char *version_of(const struct yg_obj_row *row, char *buf)
{
	if (row->modified[0])
		return row->modified;
	yg_time_format_us(row->added_us, buf);
	return buf;
}

static int page_row(void *ud, const struct yg_obj_row *row)
{
	struct page *p = ud;
	json_t *fed = NULL;
	if (p->peer) {
		/* What came from this peer does not go back to it. */
		if (row->submitter_org == p->viewer || !strcmp(row->type, "marking-definition") ||
		    !yg_fed_may_send(row->tlp, p->tlp_max, row->viewer_named))
			return 1;
		if (p->kind == PAGE_OBJECTS) {
			fed = yg_fed_outgoing(row->json, row->json_len, row->anonymous,
					      p->hub_identity);
			if (!fed)
				return -ENOMEM;
			/* A member's object with the advisory label would speak for
			 * this hub (federation/rule.h): it does not leave. */
			if (yg_fed_via_has(fed, p->peer_hub) ||
			    (row->submitter_org != 0 && yg_fed_advisory_labelled(fed))) {
				json_decref(fed);
				return 1;
			}
		}
	} else if (!yg_tlp_visible(row->tlp, row->submitter_org, row->viewer_named, p->viewer)) {
		return 1;
	}
	if (p->count == p->limit) {
		json_decref(fed);
		p->more = true;
		return 0;
	}
	if (fed) {
		if (p->count)
			yg_buf_add(&p->b, ",", 1);
		char *text = json_dumps(fed, JSON_COMPACT);
		json_decref(fed);
		if (!text)
			return -ENOMEM;
		yg_buf_adds(&p->b, text);
		free(text);
		if (!p->count)
			p->first_added = row->added_us;
		p->last_added = row->added_us;
		p->count++;
		return p->b.failed ? -E2BIG : 1;
	}
	if (p->count)
		yg_buf_add(&p->b, ",", 1);
	char added[YG_TIME_US_LEN + 1], ver[YG_TIME_US_LEN + 1];
	switch (p->kind) {
	case PAGE_OBJECTS:
		if (row->submitter_org != p->viewer &&
		    (row->anonymous || memmem(row->json, row->json_len, "\"x_yagura_", 10))) {
			char *red = redact(row, p->hub_identity);
			if (!red)
				return -ENOMEM;
			yg_buf_adds(&p->b, red);
			free(red);
		} else {
			yg_buf_add(&p->b, row->json, row->json_len);
		}
		break;
	case PAGE_VERSIONS:
		yg_buf_add_json_string(&p->b, version_of(row, ver));
		break;
	case PAGE_MANIFEST:
		yg_time_format_us(row->added_us, added);
		yg_buf_adds(&p->b, "{\"id\":");
		yg_buf_add_json_string(&p->b, row->stix_id);
		yg_buf_adds(&p->b, ",\"date_added\":");
		yg_buf_add_json_string(&p->b, added);
		yg_buf_adds(&p->b, ",\"version\":");
		yg_buf_add_json_string(&p->b, version_of(row, ver));
		yg_buf_adds(&p->b, ",\"media_type\":\"" YG_STIX_MEDIA "\"}");
		break;
	}
	if (!p->count)
		p->first_added = row->added_us;
	p->last_added = row->added_us;
	p->count++;
	return p->b.failed ? -E2BIG : 1;
}

/* Answers a listing with the filters parse_r/f/err of yg_taxii_filter_parse
 * (the caller parsed them, to look the answer up in the cache first). */
static void listing(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const struct yg_collection *coll, const struct yg_route *rt,
		    const struct yg_req *req, int parse_r, const struct yg_taxii_filter *f,
		    const char *err, struct yg_resp *resp)
{
	int r = parse_r;
	if (r == -ENOMEM) {
		yg_resp_error(resp, 500, "out of memory", NULL);
		return;
	}
	if (r < 0) {
		yg_resp_error(resp, 400, "bad filter", err);
		return;
	}
	struct page p = {.viewer = who->org_id, .hub_identity = h->identity, .limit = f->limit,
			 .peer = who->role == YG_ROLE_PEER, .peer_hub = req->yagura_hub};
	if (p.peer) {
		struct yg_fed_policy pol;
		if (yg_fed_policy_for(st, who->org_id, &pol) < 0) {
			yg_resp_error(resp, 500, "store error", NULL);
			return;
		}
		p.tlp_max = pol.tlp_max;
	}
	struct yg_obj_query q = {
		.collection = coll->id,
		.viewer_org = who->org_id,
		.added_after_us = f->added_after_us,
		.ids = f->ids,
		.n_ids = f->n_ids,
		.types = f->types,
		.n_types = f->n_types,
		.spec_versions = f->spec_versions,
		.n_spec_versions = f->n_spec_versions,
		.version_flags = f->version_flags,
		.versions_us = f->versions_us,
		.n_versions = f->n_versions,
	};
	const char *one_id[1] = {rt->object_id};
	const char *key = "objects";
	switch (rt->kind) {
	case YG_ROUTE_OBJECT:
		q.ids = one_id;
		q.n_ids = 1;
		p.kind = PAGE_OBJECTS;
		q.want_json = true;
		break;
	case YG_ROUTE_VERSIONS:
		q.ids = one_id;
		q.n_ids = 1;
		q.version_flags = YG_VER_ALL;
		q.n_versions = 0;
		p.kind = PAGE_VERSIONS;
		key = "versions";
		break;
	case YG_ROUTE_MANIFEST:
		p.kind = PAGE_MANIFEST;
		break;
	default:
		p.kind = PAGE_OBJECTS;
		q.want_json = true;
		break;
	}
	/* One buffer, no copy: the objects first, then "more" and "next"
	 * (member order means nothing in JSON). */
	yg_buf_init(&p.b, PAGE_MAX_BYTES);
	yg_buf_adds(&p.b, "{\"");
	yg_buf_adds(&p.b, key);
	yg_buf_adds(&p.b, "\":[");
	size_t prefix = p.b.len;
	p.count = 0;
	r = st->ops->obj_query(st, &q, page_row, &p);
	if (r < 0) {
		yg_buf_release(&p.b);
		yg_resp_error(resp, r == -E2BIG ? 400 : 500, r == -E2BIG ? "bad filter" : "store error",
			      NULL);
		return;
	}
	if ((rt->kind == YG_ROUTE_OBJECT || rt->kind == YG_ROUTE_VERSIONS) && p.count == 0) {
		yg_buf_release(&p.b);
		yg_resp_error(resp, 404, "not found", "no such object");
		return;
	}
	if (p.count) {
		yg_buf_adds(&p.b, "],");
	} else if (p.b.len == prefix && !p.b.failed) {
		p.b.len = 1; /* just "{" */
	}
	yg_buf_adds(&p.b, p.more ? "\"more\":true" : "\"more\":false");
	if (p.more) {
		char next[32];
		snprintf(next, sizeof next, "%lld", (long long)p.last_added);
		yg_buf_adds(&p.b, ",\"next\":");
		yg_buf_add_json_string(&p.b, next);
	}
	yg_buf_adds(&p.b, "}");
	resp->body = yg_buf_take(&p.b, &resp->len);
	if (!resp->body) {
		yg_resp_error(resp, 500, "response too large", NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = YG_TAXII_MEDIA;
	if (p.count) {
		char t[YG_TIME_US_LEN + 1];
		yg_time_format_us(p.first_added, t);
		yg_resp_header(resp, "X-TAXII-Date-Added-First", t);
		yg_time_format_us(p.last_added, t);
		yg_resp_header(resp, "X-TAXII-Date-Added-Last", t);
	}
}

static void delete_object(struct yg_store *st, const struct yg_caller *who,
			  const struct yg_collection *coll, const struct yg_route *rt,
			  struct yg_resp *resp)
{
	size_t n = 0;
	/* Members delete what they submitted; admins anything. */
	int64_t only = who->role == YG_ROLE_ADMIN ? 0 : who->org_id;
	int r = st->ops->tx_begin(st);
	if (r == 0)
		r = st->ops->obj_delete(st, coll->id, rt->object_id, only, &n);
	if (r == 0 && n)
		r = st->ops->audit(st, who->org_id, who->org_name, "object.delete", rt->object_id);
	if (r == 0)
		r = st->ops->tx_commit(st);
	else
		st->ops->tx_rollback(st);
	if (r < 0)
		yg_resp_error(resp, 500, "store error", NULL);
	else if (!n)
		yg_resp_error(resp, 404, "not found", "no such object of yours");
	else {
		resp->status = 200;
		resp->body = strdup("");
		resp->len = 0;
		resp->content_type = YG_TAXII_MEDIA;
	}
}

/* ---- POST objects ---- */

/* Resolves x_yagura_share_with; err names the entry that fails. */
static int resolve_sharing(struct yg_store *st, const struct yg_caller *who, const json_t *obj,
			   const char *id, struct yg_share *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	const json_t *list = json_object_get(obj, "x_yagura_share_with");
	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > YG_STORE_LIST_MAX) {
		snprintf(err, errlen,
			 "%s: property 'x_yagura_share_with': not a list of at most 100 names", id);
		return -EINVAL;
	}
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v)
	{
		const char *name = json_string_value(v);
		if (!name) {
			snprintf(err, errlen, "%s: property 'x_yagura_share_with': not a string", id);
			return -EINVAL;
		}
		int r = yg_share_add(st, who, name, s);
		if (r == -ENOENT) {
			snprintf(err, errlen,
				 "%s: property 'x_yagura_share_with': no organization or group "
				 "'%.100s' you may share with",
				 id, name);
			return -EINVAL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static bool truthy(const char *s)
{
	return s && (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes"));
}

/* Stores one object; 1 = stored or already there, 0 = rejected (err says
 * why), < 0 = store failure (the whole request fails). */
static int post_one(struct yg_store *st, const struct yg_caller *who,
		    const struct yg_collection *coll, const json_t *obj, bool anon_header,
		    char *err, size_t errlen, const char **ret_id, const char **ret_version)
{
	*ret_id = json_string_value(json_object_get(obj, "id"));
	*ret_version = NULL;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "object: not a JSON object");
		return 0;
	}
	if (yg_stix_validate_object(obj, err, errlen) < 0)
		return 0;
	struct yg_obj_in in = {.collection = coll->id, .submitter_org = who->org_id};
	if (yg_obj_in_from_stix(obj, &in, err, errlen) < 0)
		return 0;
	const char *id = in.stix_id;
	enum yg_tlp tlp;
	if (yg_tlp_of_object(obj, &tlp) < 0) {
		snprintf(err, errlen, "%s: property 'object_marking_refs': malformed", id);
		return 0;
	}
	struct yg_share sh;
	int r = resolve_sharing(st, who, obj, id, &sh, err, errlen);
	if (r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	const json_t *anon = json_object_get(obj, "x_yagura_anonymous");
	if (anon && !json_is_boolean(anon)) {
		snprintf(err, errlen, "%s: property 'x_yagura_anonymous': not a boolean", id);
		return 0;
	}
	char *text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	in.tlp = tlp;
	in.anonymous = anon_header || json_is_true(anon);
	in.json = text;
	in.json_len = strlen(text);
	in.share_orgs = sh.orgs;
	in.n_share_orgs = yg_tlp_takes_recipients(tlp) ? sh.n_orgs : 0;
	in.share_groups = sh.groups;
	in.n_share_groups = yg_tlp_takes_recipients(tlp) ? sh.n_groups : 0;
	int64_t added;
	r = st->ops->obj_put(st, &in, &added);
	free(text);
	if (r < 0)
		return r;
	*ret_version = in.modified[0] ? in.modified : NULL;
	return 1;
}

static void post_objects(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			 const struct yg_collection *coll, const struct yg_req *req,
			 struct yg_resp *resp)
{
	if (!yg_taxii_content_type_ok(req->content_type)) {
		yg_resp_error(resp, 415, "unsupported media type",
			      "Content-Type must be " YG_TAXII_MEDIA);
		return;
	}
	json_error_t jerr;
	json_t *env = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES,
				 &jerr);
	if (!env) {
		char msg[ERR_LEN];
		snprintf(msg, sizeof msg, "invalid JSON at line %d column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		yg_resp_error(resp, 400, "bad request", msg);
		return;
	}
	json_t *objs = json_object_get(env, "objects");
	if (!json_is_object(env) || !json_is_array(objs)) {
		json_decref(env);
		yg_resp_error(resp, 400, "bad request",
			      "the body must be an envelope: {\"objects\": [...]}");
		return;
	}
	char uuid[YG_UUID_LEN + 1], now[YG_TIME_US_LEN + 1];
	json_t *succ = json_array(), *fail = json_array();
	int r = yg_uuid4(uuid);
	if (r == 0)
		r = yg_time_format_us(yg_now_us(), now);
	if (r == 0)
		r = st->ops->tx_begin(st);
	if (r < 0 || !succ || !fail)
		goto fail;
	bool anon_header = truthy(req->anonymous);
	/* Another hub's objects go in through the federation's checks
	 * (federation/ingest.h), as its organization's. */
	struct yg_fed_policy pol = {0};
	if (who->role == YG_ROLE_PEER) {
		r = yg_fed_policy_for(st, who->org_id, &pol);
		if (r < 0) {
			st->ops->tx_rollback(st);
			goto fail;
		}
	}
	struct yg_fed_ctx fctx = {.self_id = h->identity, .peer_org = who->org_id,
				  .collection = coll->id, .peer_orgs = pol.peer_orgs,
				  .n_peer_orgs = pol.n_peer_orgs};
	uint64_t fed_taken = 0, fed_refused = 0;
	int fed_advisory = 0;
	size_t i;
	json_t *obj;
	json_array_foreach(objs, i, obj)
	{
		char err[ERR_LEN] = "";
		const char *id, *version;
		if (who->role == YG_ROLE_PEER) {
			id = json_string_value(json_object_get(obj, "id"));
			version = NULL;
			r = yg_fed_ingest(st, &fctx, obj, err, sizeof err);
			if (r == 1) {
				int lv = yg_fed_advisory_level(obj, req->yagura_hub);
				fed_advisory = lv > fed_advisory ? lv : fed_advisory;
			}
			fed_taken += r == 1;
			fed_refused += r == 0;
			if (r > 0) {
				r = 1;
				version = json_string_value(json_object_get(obj, "modified"));
			}
		} else {
			r = post_one(st, who, coll, obj, anon_header, err, sizeof err, &id,
				     &version);
		}
		if (r < 0)
			break;
		json_t *entry = json_object();
		if (id && (r == 1 || yg_stix_id_valid(id, strlen(id), NULL)))
			json_object_set_new(entry, "id", json_string(id));
		if (version)
			json_object_set_new(entry, "version", json_string(version));
		if (r == 0)
			json_object_set_new(entry, "message", json_string(err));
		json_array_append_new(r == 1 ? succ : fail, entry);
		r = 0;
	}
	if (r < 0) {
		st->ops->tx_rollback(st);
		goto fail;
	}
	json_t *status = json_pack(
		"{s:s, s:s, s:s, s:I, s:I, s:O, s:I, s:O, s:I, s:[]}", "id", uuid, "status",
		"complete", "request_timestamp", now, "total_count", (json_int_t)json_array_size(objs),
		"success_count", (json_int_t)json_array_size(succ), "successes", succ,
		"failure_count", (json_int_t)json_array_size(fail), "failures", fail,
		"pending_count", (json_int_t)0, "pendings");
	char *text = status ? json_dumps(status, JSON_COMPACT) : NULL;
	char detail[128];
	snprintf(detail, sizeof detail, "collection %s: %zu stored, %zu rejected", coll->uuid,
		 json_array_size(succ), json_array_size(fail));
	r = text ? st->ops->status_put(st, uuid, who->org_id, text) : -ENOMEM;
	if (r == 0)
		r = st->ops->audit(st, who->org_id, who->org_name, "objects.add", detail);
	if (r == 0)
		r = st->ops->tx_commit(st);
	else
		st->ops->tx_rollback(st);
	free(text);
	json_decref(succ);
	json_decref(fail);
	json_decref(env);
	if (r < 0) {
		json_decref(status);
		yg_resp_error(resp, 500, "store error", "nothing was stored");
		return;
	}
	if (who->role == YG_ROLE_PEER) {
		yg_fed_note_in(h->fed, who->org_id, fed_taken, fed_refused);
		yg_fed_note_advisory(h->fed, who->org_id, fed_advisory);
	}
	yg_resp_json(resp, 202, status);
	return;
fail:
	json_decref(succ);
	json_decref(fail);
	json_decref(env);
	yg_resp_error(resp, r == -E2BIG ? 413 : 500, "store error", "nothing was stored");
}

static bool method_is(const struct yg_req *req, const char *m)
{
	return !strcmp(req->method, m);
}

/* ---- the answer cache (cache.h) ---- */

struct keybuf {
	unsigned char b[YG_CACHE_KEY_MAX];
	size_t len;
	bool overflow;
};

static void kb_add(struct keybuf *k, const void *p, size_t n)
{
	if (k->overflow || n > sizeof k->b - k->len) {
		k->overflow = true;
		return;
	}
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void kb_i64(struct keybuf *k, int64_t v)
{
	kb_add(k, &v, sizeof v);
}

/* Length first, so that no two sequences of strings make the same bytes. */
static void kb_str(struct keybuf *k, const char *s)
{
	kb_i64(k, (int64_t)strlen(s));
	kb_add(k, s, strlen(s));
}

static void kb_strs(struct keybuf *k, const char *const *v, size_t n)
{
	kb_i64(k, (int64_t)n);
	for (size_t i = 0; i < n; i++)
		kb_str(k, v[i]);
}

/* Everything a listing's answer depends on besides the store's contents:
 * who asks (the organization decides TLP and redaction, the role the
 * collection access), what (route, collection, object) and the parsed
 * filters. The hub's identity and limits are the same for every request.
 * Returns the key length, 0 when the key would not fit. */
static size_t listing_key(const struct yg_caller *who, const struct yg_route *rt,
			  const struct yg_taxii_filter *f, struct keybuf *k)
{
	k->len = 0;
	k->overflow = false;
	kb_add(k, "L1", 2);
	kb_i64(k, who->org_id);
	kb_i64(k, who->role);
	kb_i64(k, rt->kind);
	kb_str(k, rt->uuid);
	kb_str(k, rt->object_id);
	kb_i64(k, f->added_after_us);
	kb_i64(k, (int64_t)f->limit);
	kb_strs(k, f->ids, f->n_ids);
	kb_strs(k, f->types, f->n_types);
	kb_strs(k, f->spec_versions, f->n_spec_versions);
	kb_i64(k, f->version_flags);
	kb_i64(k, (int64_t)f->n_versions);
	for (size_t i = 0; i < f->n_versions; i++)
		kb_i64(k, f->versions_us[i]);
	return k->overflow ? 0 : k->len;
}

static bool is_listing(enum yg_route_kind kind)
{
	return kind == YG_ROUTE_OBJECTS || kind == YG_ROUTE_OBJECT || kind == YG_ROUTE_VERSIONS ||
	       kind == YG_ROUTE_MANIFEST;
}

/* Listings and collections past the access checks; h->cache keeps their
 * 200 answers under key (klen 0: not cacheable). */
static void collection_route(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			     const struct yg_route *rt, const struct yg_req *req, int parse_r,
			     const struct yg_taxii_filter *f, const char *ferr,
			     struct yg_resp *resp);

int yg_taxii_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	if (!yg_taxii_accept_ok(req->accept)) {
		yg_resp_error(resp, 406, "not acceptable", "Accept must allow " YG_TAXII_MEDIA);
		return 0;
	}
	bool post_ok = rt->kind == YG_ROUTE_OBJECTS;
	/* A peer adds versions; it never deletes what is here. */
	bool delete_ok = rt->kind == YG_ROUTE_OBJECT && who->role != YG_ROLE_PEER;
	if (who->role == YG_ROLE_PEER)
		yg_resp_header(resp, "X-Yagura-Hub", h->identity);
	if (!method_is(req, "GET") && !(post_ok && method_is(req, "POST")) &&
	    !(delete_ok && method_is(req, "DELETE"))) {
		yg_resp_error(resp, 405, "method not allowed", NULL);
		return 0;
	}
	switch (rt->kind) {
	case YG_ROUTE_DISCOVERY:
		discovery(resp);
		return 0;
	case YG_ROUTE_API_ROOT:
		api_root(h, resp);
		return 0;
	case YG_ROUTE_STATUS:
		status_get(st, who, rt->uuid, resp); /* hub.c lets no anonymous client here */
		return 0;
	case YG_ROUTE_COLLECTIONS:
		collections(st, who, resp);
		return 0;
	default:
		break;
	}
	struct yg_taxii_filter f = {0};
	char ferr[ERR_LEN] = "";
	int parse_r = 0;
	static _Thread_local struct keybuf key; /* 4 KiB: off the stack */
	size_t klen = 0;
	if (method_is(req, "GET") && is_listing(rt->kind)) {
		parse_r = yg_taxii_filter_parse(req->args, req->n_args, &f, ferr, sizeof ferr);
		/* A peer's answer depends on its X-Yagura-Hub too: not cached. */
		if (parse_r == 0 && who->gen_ok && h->cache && who->role != YG_ROLE_PEER)
			klen = listing_key(who, rt, &f, &key);
		/* A hit skips the access checks too: the same caller got this
		 * answer past them, and nothing has been committed since. */
		if (klen && yg_cache_get(h->cache, who->gen, key.b, klen, resp)) {
			yg_taxii_filter_release(&f);
			return 0;
		}
	}
	collection_route(h, st, who, rt, req, parse_r, &f, ferr, resp);
	if (klen && resp->status == 200 && resp->body && !resp->body_free)
		yg_cache_put(h->cache, who->gen, key.b, klen, resp);
	yg_taxii_filter_release(&f);
	return 0;
}

static void collection_route(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			     const struct yg_route *rt, const struct yg_req *req, int parse_r,
			     const struct yg_taxii_filter *f, const char *ferr,
			     struct yg_resp *resp)
{
	struct yg_collection coll;
	bool rd = false, wr = false;
	int r = st->ops->collection_get(st, rt->uuid, &coll);
	if (r == 0)
		r = access_of(st, who, &coll, &rd, &wr);
	if (r < 0 && r != -ENOENT) {
		yg_resp_error(resp, 500, "store error", NULL);
		return;
	}
	/* Without a token, a collection that is missing and one that is not
	 * public look the same; with one, a collection the organization may
	 * not use looks missing. */
	if (r == -ENOENT || (!rd && !wr)) {
		if (who->org_id > 0) {
			yg_resp_error(resp, 404, "not found", "no such collection");
		} else {
			yg_resp_unauthorized(resp, YG_AUTH_REQUIRED);
		}
		return;
	}
	bool write = method_is(req, "POST") || method_is(req, "DELETE");
	if (rt->kind != YG_ROUTE_COLLECTION && !(write ? wr : rd)) {
		yg_resp_error(resp, 403, "forbidden",
			      write ? "you may not write to this collection"
				    : "you may not read this collection");
		return;
	}
	switch (rt->kind) {
	case YG_ROUTE_COLLECTION:
		yg_resp_json(resp, 200, collection_json(&coll, rd, wr));
		break;
	case YG_ROUTE_OBJECTS:
		if (method_is(req, "POST"))
			post_objects(h, st, who, &coll, req, resp);
		else
			listing(h, st, who, &coll, rt, req, parse_r, f, ferr, resp);
		break;
	case YG_ROUTE_OBJECT:
		if (method_is(req, "DELETE"))
			delete_object(st, who, &coll, rt, resp);
		else
			listing(h, st, who, &coll, rt, req, parse_r, f, ferr, resp);
		break;
	case YG_ROUTE_VERSIONS:
	case YG_ROUTE_MANIFEST:
		listing(h, st, who, &coll, rt, req, parse_r, f, ferr, resp);
		break;
	default:
		yg_resp_error(resp, 404, "not found", NULL);
		break;
	}
}
