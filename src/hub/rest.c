/*
 * The REST API under /api/v1/, for what TAXII does not cover. Every route
 * needs a bearer token (hub.c answers 401 otherwise); answers and errors
 * are application/json, errors in the shape of TAXII's error objects
 * (title, http_status as a string, description).
 *
 *   GET /api/v1/whoami        the caller: organization, identity, sector,
 *                             country, role
 *   GET /api/v1/orgs          admins: every organization; others: their own
 *   GET /api/v1/orgs/<org>    one organization by name or identity id;
 *                             other than one's own, admins only (403)
 *   GET /api/v1/collections   collections the caller may read or write,
 *                             with can_read / can_write as TAXII decides
 *                             them (role and organization)
 *
 * Sightings and the change feed (issue 4) have their own files:
 *   POST /api/v1/sightings, GET /api/v1/indicators/{id}/sightings
 *                             sightings.c
 *   GET /api/v1/indicators/changes?since=&wait=   changes.c
 * The network telescope (issue 13): /api/v1/darknet... darknet_api.c
 *
 * An organization is {"name", "identity", "sector", "country" (when
 * known), "created"}. Organizations are members' names, not TLP-marked
 * data: every member sees its own; the hub's admins see all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub/auth.h"
#include "hub/hosts_int.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/mail_api.h"
#include "hub/rest_reply.h"

static json_t *org_json(const struct yg_org *o)
{
	char created[YG_TIME_US_LEN + 1];
	if (yg_time_format_us(o->created_us, created) < 0)
		return NULL;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "name", o->name, "identity", o->identity_id,
			      "sector", o->sector, "created", created);
	if (j && o->country[0])
		json_object_set_new(j, "country", json_string(o->country));
	return j;
}

static void whoami(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp)
{
	struct yg_org o;
	if (st->ops->org_get(st, who->org_id, &o) < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	/* org_id: the organization's part of its NATS subjects
	 * (common/natsconn.h). */
	json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:s}", "org", o.name, "org_id",
			      (json_int_t)o.id, "identity", o.identity_id, "sector", o.sector, "role",
			      yg_role_name(who->role));
	if (j && o.country[0])
		json_object_set_new(j, "country", json_string(o.country));
	yg_rest_json(resp, 200, j);
}

static int add_org(void *ud, const struct yg_org *o)
{
	json_t *j = org_json(o);
	return j && json_array_append_new(ud, j) == 0 ? 1 : -ENOMEM;
}

static void orgs(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp)
{
	json_t *arr = json_array();
	int r = arr ? 0 : -ENOMEM;
	if (r == 0 && who->role == YG_ROLE_ADMIN) {
		r = st->ops->org_list(st, add_org, arr);
	} else if (r == 0) {
		struct yg_org o;
		r = st->ops->org_get(st, who->org_id, &o);
		if (r == 0)
			r = add_org(arr, &o) < 0 ? -ENOMEM : 0;
	}
	if (r < 0) {
		json_decref(arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, json_pack("{s:o}", "orgs", arr));
}

static void org_one(struct yg_store *st, const struct yg_caller *who, const char *key,
		    struct yg_resp *resp)
{
	struct yg_org o;
	int r = st->ops->org_find(st, key, &o);
	/* Other than admins, a caller learns nothing of other organizations
	 * here, not even whether a name exists. */
	if (who->role != YG_ROLE_ADMIN && (r == -ENOENT || (r == 0 && o.id != who->org_id))) {
		yg_rest_error(resp, 403, "forbidden", "only admins see other organizations");
		return;
	}
	if (r == -ENOENT) {
		yg_rest_error(resp, 404, "not found", "no such organization");
		return;
	}
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, org_json(&o));
}

struct coll_list {
	json_t *arr;
	struct yg_store *st;
	const struct yg_caller *who;
};

static int add_collection(void *ud, const struct yg_collection *c)
{
	struct coll_list *l = ud;
	bool rd = false, wr = false;
	int r = yg_taxii_access(l->st, l->who, c, &rd, &wr);
	if (r < 0)
		return r;
	if (!rd && !wr)
		return 1;
	char url[64];
	snprintf(url, sizeof url, "/taxii2/api/collections/%s/", c->uuid);
	json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:s}", "id", c->uuid, "title",
			      c->title, "description", c->description, "can_read", rd, "can_write",
			      wr, "public", c->public_read, "url", url);
	return j && json_array_append_new(l->arr, j) == 0 ? 1 : -ENOMEM;
}

static void collections(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp)
{
	struct coll_list l = {.arr = json_array(), .st = st, .who = who};
	if (!l.arr || st->ops->collection_list(st, add_collection, &l) < 0) {
		json_decref(l.arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, json_pack("{s:o}", "collections", l.arr));
}

/* The poll interval an alert level's playbook set, for sensors and
 * exporters that poll this answer. */
static void poll_hint(struct yg_hub *h, struct yg_resp *resp)
{
	unsigned s = atomic_load(&h->poll_interval_s);
	char v[16];
	if (!s || resp->hold_until_us)
		return;
	snprintf(v, sizeof v, "%u", s);
	yg_resp_header(resp, "X-Yagura-Poll-Interval", v);
}

int yg_rest_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		   const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	if (rt->kind == YG_ROUTE_REST_NOT_FOUND) {
		yg_rest_error(resp, 404, "not found", "no such resource");
		return 0;
	}
	if (yg_mail_api_route(rt->kind))
		return yg_mail_api_handle(h, st, who, rt, req, resp);
	if (rt->kind >= YG_ROUTE_REST_DARKNET && rt->kind <= YG_ROUTE_REST_DARKNET_SENSORS)
		return yg_rest_darknet(h, st, who, rt, req, resp);
	if (yg_level_api_route(rt->kind))
		return yg_level_api_handle(h, who, rt, req, resp);
	if (yg_hosts_api_route(rt->kind))
		return yg_hosts_api_handle(h, st, who, rt, req, resp);
	if (rt->kind >= YG_ROUTE_REST_FEEDS && rt->kind <= YG_ROUTE_REST_FEED_RUN)
		return yg_feeds_api_handle(h, st, who, rt, req, resp);
	if (yg_dash_api_route(rt->kind))
		return yg_dash_api_handle(h, st, who, rt, req, resp);
	if (rt->kind == YG_ROUTE_REST_PEERS)
		return yg_peers_api_handle(h, who, req, resp);
	if (rt->kind == YG_ROUTE_REST_SIGHTINGS) {
		if (!yg_rest_method(req, resp, "POST"))
			return 0;
		return yg_rest_sightings_post(h, st, who, req, resp);
	}
	if (!yg_rest_method(req, resp, "GET"))
		return 0;
	if (rt->kind == YG_ROUTE_REST_IND_SIGHTINGS || rt->kind == YG_ROUTE_REST_CHANGES) {
		if (!yg_rest_accepts(req, resp))
			return 0;
		if (rt->kind == YG_ROUTE_REST_CHANGES) {
			int r = yg_rest_changes(h, st, who, req, resp);
			poll_hint(h, resp);
			return r;
		}
		return yg_rest_sightings_get(h, st, who, rt->object_id, resp);
	}
	struct yg_lifecycle lc = yg_hub_lc(h);
	if (rt->kind == YG_ROUTE_REST_INDICATORS) {
		if (yg_rest_indicators(st, who, &lc, req->if_none_match, resp) < 0)
			yg_rest_error(resp, 500, "indicators unavailable", NULL);
		poll_hint(h, resp);
		return 0;
	}
	if (rt->kind == YG_ROUTE_REST_EXPORT_MISP) {
		int r = yg_rest_export_misp(st, who, &lc, h->warn, rt->object_id,
					    req->if_none_match, resp);
		poll_hint(h, resp);
		if (r == -ENOENT)
			yg_rest_error(resp, 404, "not found", "no such MISP feed file");
		else if (r == -E2BIG)
			yg_rest_error(resp, 413, "export too large", NULL);
		else if (r < 0)
			yg_rest_error(resp, 500, "export failed", NULL);
		return 0;
	}
	if (rt->kind == YG_ROUTE_REST_EXPORT) {
		/* Exports are rule files and lists, not JSON: any Accept will do. */
		int r = yg_rest_export(st, who, &lc, h->warn, rt->object_id, req->if_none_match,
				       atomic_load(&h->export_block), resp);
		poll_hint(h, resp);
		if (r == -ENOENT)
			yg_rest_error(resp, 404, "not found", "no such export format");
		else if (r == -E2BIG)
			yg_rest_error(resp, 413, "export too large", NULL);
		else if (r < 0)
			yg_rest_error(resp, 500, "export failed", NULL);
		return 0;
	}
	if (!yg_rest_accepts(req, resp))
		return 0;
	switch (rt->kind) {
	case YG_ROUTE_REST_WHOAMI:
		whoami(st, who, resp);
		break;
	case YG_ROUTE_REST_ORGS:
		orgs(st, who, resp);
		break;
	case YG_ROUTE_REST_ORG:
		org_one(st, who, rt->object_id, resp);
		break;
	case YG_ROUTE_REST_COLLECTIONS:
		collections(st, who, resp);
		break;
	default:
		yg_rest_error(resp, 404, "not found", "no such resource");
		break;
	}
	return 0;
}
