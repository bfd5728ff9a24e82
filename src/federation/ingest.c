/*
 * Ingestion of peer objects (see ingest.h).
 */
#include "federation/ingest.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "federation/rule.h"
#include "federation/sight.h"
#include "hub/obj_in.h"

struct local_ud {
	struct yg_store *st;
	int64_t peer_org;
};

static int is_local(void *ud, const char *identity_id, bool *ret)
{
	struct local_ud *l = ud;
	struct yg_org o;
	int r = l->st->ops->org_find(l->st, identity_id, &o);
	if (r == -ENOENT) {
		*ret = false;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = o.id != l->peer_org;
	return 0;
}

struct owners {
	const struct yg_fed_ctx *ctx;
	const char *by; /* the new version's created_by_ref, or NULL */
	const char *why;
};

static bool is_peer_org(const struct yg_fed_ctx *ctx, int64_t org)
{
	if (org == ctx->peer_org)
		return true;
	for (size_t i = 0; i < ctx->n_peer_orgs; i++)
		if (ctx->peer_orgs[i] == org)
			return true;
	return false;
}

static int check_owner(void *ud, const struct yg_obj_row *row)
{
	struct owners *w = ud;
	if (!is_peer_org(w->ctx, row->submitter_org)) {
		w->why = "an object of this hub or one of its members: a peer may not version it";
		return 0;
	}
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
	const char *by = json_string_value(json_object_get(o, "created_by_ref"));
	bool same = (!by && !w->by) || (by && w->by && !strcmp(by, w->by));
	json_decref(o);
	if (!same) {
		w->why = "a new version with another created_by_ref than the stored ones";
		return 0;
	}
	return 1;
}

int yg_fed_ingest(struct yg_store *st, const struct yg_fed_ctx *ctx, const json_t *obj, char *err,
                  size_t errlen)
{
	struct local_ud lu = {.st = st, .peer_org = ctx->peer_org};
	enum yg_tlp tlp;
	int r = yg_fed_admit(obj, ctx->self_id, is_local, &lu, &tlp, err, errlen);
	if (r <= 0)
		return r;
	/* A peer's per-day sighting counts go to the sightings (sight.h). */
	if (yg_fed_is_sighting(obj))
		return yg_fed_sighting_ingest(st, ctx, obj, err, errlen);
	struct yg_obj_in o = {.collection = ctx->collection, .tlp = tlp,
	                      .submitter_org = ctx->peer_org};
	if (yg_obj_in_from_stix(obj, &o, err, errlen) < 0)
		return 0;
	const char *id = o.stix_id;
	struct owners w = {.ctx = ctx,
	                   .by = json_string_value(json_object_get(obj, "created_by_ref"))};
	const char *ids[1] = {id};
	struct yg_obj_query q = {.collection = ctx->collection,
	                         .viewer_org = ctx->peer_org,
	                         .ids = ids,
	                         .n_ids = 1,
	                         .version_flags = YG_VER_ALL,
	                         .want_json = true};
	r = st->ops->obj_query(st, &q, check_owner, &w);
	if (r < 0)
		return r;
	if (w.why) {
		snprintf(err, errlen, "%.128s: %s", id, w.why);
		return 0;
	}
	json_t *in = yg_fed_inbound(obj);
	char *text = in ? json_dumps(in, JSON_COMPACT) : NULL;
	json_decref(in);
	if (!text)
		return -ENOMEM;
	o.json = text;
	o.json_len = strlen(text);
	int64_t added;
	r = st->ops->obj_put(st, &o, &added);
	free(text);
	if (r < 0)
		return r;
	return r == 1 ? 2 : 1;
}
