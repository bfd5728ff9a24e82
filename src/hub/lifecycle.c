/*
 * Indicator lifecycle: validity, revocation, decay (see lifecycle.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/lifecycle.h"
#include "hub/tlp.h"
#include "store/store_sightings.h"

#define ID_MAX 48 /* "indicator--" + a UUID + NUL */

struct sighted {
	char id[ID_MAX];
	int64_t last_us;
};

struct yg_lc_view {
	struct yg_lifecycle lc;
	int64_t now_us;
	struct sighted *ents;
	size_t n, cap;
	uint32_t *slots; /* open addressing: index + 1, 0 = empty */
	size_t nslots;
};

const char *yg_ind_state_reason(enum yg_ind_state s)
{
	switch (s) {
	case YG_IND_REVOKED:
		return "revoked";
	case YG_IND_EXPIRED:
		return "expired";
	case YG_IND_DECAYED:
		return "decayed";
	case YG_IND_HELD:
		return "warninglist";
	case YG_IND_HIDDEN:
		return "no-longer-visible";
	default:
		return "live";
	}
}

double yg_lifecycle_score(const struct yg_lifecycle *lc, int64_t now_us, int64_t modified_us,
                          int64_t last_sighting_us)
{
	if (!lc || !(lc->half_life_days > 0))
		return 100.0;
	int64_t ref = modified_us > last_sighting_us ? modified_us : last_sighting_us;
	double age_days = ref < now_us ? (double)(now_us - ref) / 86400e6 : 0.0;
	return 100.0 * pow(0.5, age_days / lc->half_life_days);
}

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int add_sighted(void *ud, const char *id, int64_t last_us)
{
	struct yg_lc_view *v = ud;
	size_t len = strlen(id);
	if (len >= ID_MAX || v->n >= YG_LC_SIGHTED_MAX)
		return 1;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		struct sighted *e = realloc(v->ents, cap * sizeof *e);
		if (!e)
			return -ENOMEM;
		v->ents = e;
		v->cap = cap;
	}
	memcpy(v->ents[v->n].id, id, len + 1);
	v->ents[v->n].last_us = last_us;
	v->n++;
	return 1;
}

static int index_sighted(struct yg_lc_view *v)
{
	size_t nslots = 16;
	while (nslots < v->n * 2)
		nslots *= 2;
	v->slots = calloc(nslots, sizeof *v->slots);
	if (!v->slots)
		return -ENOMEM;
	v->nslots = nslots;
	for (size_t i = 0; i < v->n; i++) {
		size_t k = hash_id(v->ents[i].id) & (nslots - 1);
		while (v->slots[k])
			k = (k + 1) & (nslots - 1);
		v->slots[k] = (uint32_t)(i + 1);
	}
	return 0;
}

int yg_lc_view_new(struct yg_store *st, const struct yg_lifecycle *lc, int64_t now_us,
                   struct yg_lc_view **ret)
{
	struct yg_lc_view *v = calloc(1, sizeof *v);
	if (!v)
		return -ENOMEM;
	if (lc)
		v->lc = *lc;
	v->now_us = now_us;
	int r = 0;
	if (v->lc.half_life_days > 0) {
		r = st->ops->sightings->last_seen_all(st, add_sighted, v);
		if (r == 0)
			r = index_sighted(v);
	}
	if (r < 0) {
		yg_lc_view_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

void yg_lc_view_free(struct yg_lc_view *v)
{
	if (!v)
		return;
	free(v->ents);
	free(v->slots);
	free(v);
}

int64_t yg_lc_view_last_seen(const struct yg_lc_view *v, const char *indicator_id)
{
	if (!v || !v->nslots)
		return 0;
	size_t k = hash_id(indicator_id) & (v->nslots - 1);
	while (v->slots[k]) {
		const struct sighted *e = &v->ents[v->slots[k] - 1];
		if (!strcmp(e->id, indicator_id))
			return e->last_us;
		k = (k + 1) & (v->nslots - 1);
	}
	return 0;
}

enum yg_ind_state yg_lc_state(const struct yg_lc_view *v, const char *stix_id, int64_t modified_us,
                              bool revoked, const json_t *obj)
{
	if (revoked || json_is_true(json_object_get(obj, "revoked")))
		return YG_IND_REVOKED;
	const char *until = json_string_value(json_object_get(obj, "valid_until"));
	int64_t until_us;
	if (until && yg_time_parse_us(until, strlen(until), &until_us) && until_us <= v->now_us)
		return YG_IND_EXPIRED;
	if (json_is_string(json_object_get(obj, "x_yagura_warninglist")))
		return YG_IND_HELD;
	if (v->lc.half_life_days > 0) {
		/* A sighting stamped in the future counts as now. */
		int64_t seen = yg_lc_view_last_seen(v, stix_id);
		if (seen > v->now_us)
			seen = v->now_us;
		if (yg_lifecycle_score(&v->lc, v->now_us, modified_us, seen) < v->lc.threshold)
			return YG_IND_DECAYED;
	}
	return YG_IND_LIVE;
}

struct walk {
	struct yg_store *st;
	const struct yg_caller *who;
	const struct yg_lc_view *v;
	bool need_obj;
	yg_ind_fn fn;
	void *ud;
	int err;
};

static int walk_row(void *ud, const struct yg_obj_row *row)
{
	struct walk *w = ud;
	if (!yg_tlp_visible(row->tlp, row->submitter_org, row->viewer_named, w->who->org_id))
		return w->fn(w->ud, row, NULL, YG_IND_HIDDEN);
	if (!row->json)
		return 1;
	int64_t ref0 = row->modified_us > row->added_us ? row->modified_us : row->added_us;
	/* Without valid_until or a warning-list flag the state needs nothing
	 * from the text (revoked is a column): no parse, the walk's main cost. */
	if (!w->need_obj && !memmem(row->json, row->json_len, "valid_until", 11) &&
	    !memmem(row->json, row->json_len, "x_yagura_warninglist", 20))
		return w->fn(w->ud, row, NULL,
		             yg_lc_state(w->v, row->stix_id, ref0, row->revoked, NULL));
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
	if (!o)
		return 1; /* stored objects were validated; a broken one is skipped */
	/* Fresh to the hub counts as fresh: an old indicator published today
	 * starts its decay today. */
	int64_t ref = row->modified_us > row->added_us ? row->modified_us : row->added_us;
	enum yg_ind_state s = yg_lc_state(w->v, row->stix_id, ref, row->revoked, o);
	int r = w->fn(w->ud, row, o, s);
	json_decref(o);
	return r;
}

static int walk_collection(void *ud, const struct yg_collection *c)
{
	struct walk *w = ud;
	bool rd = false, wr = false;
	if (yg_taxii_access(w->st, w->who, c, &rd, &wr) < 0 || !rd)
		return 1;
	static const char *const types[] = {"indicator"};
	struct yg_obj_query q = {.collection = c->id,
	                         .viewer_org = w->who->org_id,
	                         .types = types,
	                         .n_types = 1,
	                         .want_json = true};
	int r = w->st->ops->obj_query(w->st, &q, walk_row, w);
	if (r < 0) {
		w->err = r;
		return r;
	}
	return 1;
}

int yg_ind_walk(struct yg_store *st, const struct yg_caller *who, const struct yg_lc_view *v,
                bool need_obj, yg_ind_fn fn, void *ud)
{
	struct walk w = {.st = st, .who = who, .v = v, .need_obj = need_obj, .fn = fn, .ud = ud};
	int r = st->ops->collection_list(st, walk_collection, &w);
	if (w.err)
		return w.err;
	return r < 0 ? r : 0;
}

struct find {
	struct yg_store *st;
	const struct yg_caller *who;
	const char *id;
	bool found;
	int64_t modified_us;
	int64_t ref_us;
	int err;
};

static int find_row(void *ud, const struct yg_obj_row *row)
{
	struct find *f = ud;
	if (yg_tlp_visible(row->tlp, row->submitter_org, row->viewer_named, f->who->org_id) &&
	    (!f->found || row->modified_us > f->modified_us)) {
		f->found = true;
		f->modified_us = row->modified_us;
		f->ref_us = row->modified_us > row->added_us ? row->modified_us : row->added_us;
	}
	return 1;
}

static int find_collection(void *ud, const struct yg_collection *c)
{
	struct find *f = ud;
	bool rd = false, wr = false;
	if (yg_taxii_access(f->st, f->who, c, &rd, &wr) < 0 || !rd)
		return 1;
	const char *ids[] = {f->id};
	static const char *const types[] = {"indicator"};
	struct yg_obj_query q = {.collection = c->id,
	                         .viewer_org = f->who->org_id,
	                         .ids = ids,
	                         .n_ids = 1,
	                         .types = types,
	                         .n_types = 1};
	int r = f->st->ops->obj_query(f->st, &q, find_row, f);
	if (r < 0) {
		f->err = r;
		return r;
	}
	return 1;
}

int yg_ind_find_visible(struct yg_store *st, const struct yg_caller *who, const char *indicator_id,
                        int64_t *ret_ref_us)
{
	struct find f = {.st = st, .who = who, .id = indicator_id};
	int r = st->ops->collection_list(st, find_collection, &f);
	if (f.err)
		return f.err;
	if (r < 0)
		return r;
	if (!f.found)
		return -ENOENT;
	*ret_ref_us = f.ref_us;
	return 0;
}
