/*
 * GET /api/v1/indicators/changes?since=CURSOR&wait=SECONDS: the change feed
 * a sensor follows to keep its live indicator set equal to what
 * GET /api/v1/indicators would give it (issue 4).
 *
 * A cursor names a snapshot: the sorted (id, modified) pairs the caller
 * holds after applying every answer up to it. An answer is the difference
 * between that snapshot and the caller's live set now (lifecycle.h: TLP,
 * revocation, validity, decay): upserts for ids that are new or changed,
 * removes (with the reason) for ids that left. So the sensor's set equals
 * /indicators by construction, whatever happened in between (TLP or
 * sharing changes, deletions, clocks passing valid_until), and a remove is
 * only ever sent for an id the caller was once given: nobody learns of an
 * indicator it may not see.
 *
 * Snapshots live in memory, bound to the organization and role that made
 * them, deduplicated by content (sensors of one member share them), at
 * most FEED_MAX_SNAPS of them and FEED_MAX_ENTS entries in all, least
 * recently used dropped first. An unknown cursor (another organization's,
 * dropped, or from before a restart) is answered with reset:true and the
 * full state, as "since" absent or "0" is.
 *
 * At most FEED_PAGE changes per answer; "more" says call again. The cursor
 * of a partial answer names the snapshot with just those changes applied.
 * A reset that takes several pages stays reset:true with upserts only until
 * its last page (the sensor swaps its set then); what left meanwhile comes
 * as removes in the next answer.
 *
 * With wait > 0 and nothing to say, the answer is held (hold_until_us in
 * hub.h): the server parks the connection and asks again when the feed
 * generation moves (yg_hub_feed_generation: a commit that can change an
 * answer, in any hub process; a sighting alone does not, unless it brings
 * a decayed indicator back), every five seconds (expiry and decay need no
 * commit), and at the deadline, then an empty answer.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/load_times.h"
#include "hub/rest_reply.h"

#define FEED_PAGE      5000
#define FEED_MAX_SNAPS 256
#define FEED_MAX_ENTS  (1u << 20)
#define FEED_WAIT_MAX  30
#define ID_MAX         48 /* "indicator--" + a UUID + NUL */

struct ent {
	char id[ID_MAX];
	int64_t modified_us;
};

struct snap {
	uint64_t key;
	int64_t org_id;
	enum yg_role role;
	bool reset_pending; /* a multi-page reset is under way */
	uint64_t digest;
	size_t n;
	struct ent *e; /* sorted by id, ids unique */
	unsigned refs; /* holders outside the table */
	bool in_table;
	uint64_t used;
};

/*
 * Shared answers (issue 19). A commit that moves the feed generation wakes
 * every parked poll at once, and the sensors of one member mostly hold the
 * same cursor (snapshots are deduplicated by content), so each would work
 * out the same answer: the first one's is kept under (organization, role,
 * cursor, feed generation) and the others get a copy. Kept at most
 * SHARE_TTL_US, so what time alone changes (decay, valid_until) is late by
 * no more than the five-second recheck that covers it anyway. Only answers
 * that carry changes and no reset are kept (a shared reset would not be
 * cheaper: it is the first answer of each sensor). A copy records no
 * load-time samples (load_times.h): the first answer did.
 */
#define SHARE_SLOTS     64
#define SHARE_TTL_US    5000000
#define SHARE_BODY_MAX  (256u << 10)

struct shared {
	int64_t org_id;
	enum yg_role role;
	uint64_t key, gen;
	int64_t made_us;
	char *body; /* NULL: slot free */
	size_t len;
};

struct yg_feed {
	pthread_mutex_t lock;
	struct shared shared[SHARE_SLOTS];
	struct snap *snaps[FEED_MAX_SNAPS];
	size_t n;
	size_t total;
	uint64_t tick;
	uint64_t next_key;
};

int yg_feed_new(struct yg_feed **ret)
{
	struct yg_feed *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	/* Cursors of an earlier run are unknown to this one. */
	if (RAND_bytes((unsigned char *)&f->next_key, sizeof f->next_key) != 1) {
		free(f);
		return -EIO;
	}
	pthread_mutex_init(&f->lock, NULL);
	*ret = f;
	return 0;
}

static void snap_free(struct snap *s)
{
	if (s) {
		free(s->e);
		free(s);
	}
}

void yg_feed_free(struct yg_feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		snap_free(f->snaps[i]);
	for (size_t i = 0; i < SHARE_SLOTS; i++)
		free(f->shared[i].body);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static uint64_t digest(const struct ent *e, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		for (const char *p = e[i].id; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ (uint64_t)e[i].modified_us) * 1099511628211ull;
	}
	return h;
}

/* A copy of the answer kept for (org, role, key, gen) into resp; false
 * when none is fresh. */
static bool shared_get(struct yg_feed *f, int64_t org, enum yg_role role, uint64_t key,
                       uint64_t gen, int64_t now, struct yg_resp *resp)
{
	char *copy = NULL;
	size_t len = 0;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < SHARE_SLOTS; i++) {
		const struct shared *s = &f->shared[i];
		if (s->body && s->org_id == org && s->role == role && s->key == key &&
		    s->gen == gen && now - s->made_us < SHARE_TTL_US) {
			copy = malloc(s->len + 1);
			if (copy) {
				memcpy(copy, s->body, s->len + 1);
				len = s->len;
			}
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (!copy)
		return false;
	yg_resp_release(resp);
	resp->body = copy;
	resp->len = len;
	resp->status = 200;
	resp->content_type = YG_REST_MEDIA;
	yg_resp_header(resp, "Cache-Control", "no-store");
	return true;
}

/* Keeps a copy of body for (org, role, key, gen) in the slot of the same
 * key or the oldest; nothing when it is too large or memory is short. */
static void shared_put(struct yg_feed *f, int64_t org, enum yg_role role, uint64_t key,
                       uint64_t gen, int64_t now, const char *body, size_t len)
{
	if (!body || len > SHARE_BODY_MAX)
		return;
	char *copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&f->lock);
	struct shared *to = &f->shared[0];
	for (size_t i = 0; i < SHARE_SLOTS; i++) {
		struct shared *s = &f->shared[i];
		if (s->body && s->org_id == org && s->role == role && s->key == key) {
			to = s;
			break;
		}
		if (!s->body || (to->body && s->made_us < to->made_us))
			to = s;
	}
	free(to->body);
	*to = (struct shared){.org_id = org, .role = role, .key = key, .gen = gen,
	                      .made_us = now, .body = copy, .len = len};
	pthread_mutex_unlock(&f->lock);
}

/* The snapshot of key if it belongs to this caller, held until release. */
static struct snap *feed_get(struct yg_feed *f, uint64_t key, int64_t org, enum yg_role role)
{
	struct snap *s = NULL;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n; i++) {
		struct snap *c = f->snaps[i];
		if (c->key == key && c->org_id == org && c->role == role) {
			c->refs++;
			c->used = ++f->tick;
			s = c;
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return s;
}

static void feed_release(struct yg_feed *f, struct snap *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&f->lock);
	bool gone = --s->refs == 0 && !s->in_table;
	pthread_mutex_unlock(&f->lock);
	if (gone)
		snap_free(s);
}

static void drop_at(struct yg_feed *f, size_t i)
{
	struct snap *s = f->snaps[i];
	f->total -= s->n;
	f->snaps[i] = f->snaps[--f->n];
	s->in_table = false;
	if (!s->refs)
		snap_free(s);
}

/* Registers s (taken over) and returns its key; an equal snapshot of the
 * same caller already there is reused instead. */
static uint64_t feed_put(struct yg_feed *f, struct snap *s)
{
	s->digest = digest(s->e, s->n);
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n; i++) {
		struct snap *c = f->snaps[i];
		if (c->org_id == s->org_id && c->role == s->role &&
		    c->reset_pending == s->reset_pending && c->digest == s->digest &&
		    c->n == s->n && (!s->n || !memcmp(c->e, s->e, s->n * sizeof *s->e))) {
			c->used = ++f->tick;
			uint64_t key = c->key;
			pthread_mutex_unlock(&f->lock);
			snap_free(s);
			return key;
		}
	}
	while (f->n && (f->n >= FEED_MAX_SNAPS || f->total + s->n > FEED_MAX_ENTS)) {
		size_t lru = 0;
		for (size_t i = 1; i < f->n; i++)
			if (f->snaps[i]->used < f->snaps[lru]->used)
				lru = i;
		drop_at(f, lru);
	}
	s->key = ++f->next_key;
	s->used = ++f->tick;
	s->in_table = true;
	f->snaps[f->n++] = s;
	f->total += s->n;
	uint64_t key = s->key;
	pthread_mutex_unlock(&f->lock);
	return key;
}

/* One live indicator now; obj is its minimal form when the answer may
 * need it. */
struct cur {
	struct ent e;
	int64_t added_us; /* when the hub stored this version */
	json_t *obj;
	bool want; /* an upsert of this page */
};

/* Why an id the caller holds is no longer live. */
struct gone {
	struct ent e;
	enum yg_ind_state state;
};

struct calc {
	const struct snap *base;
	struct cur *cur;
	size_t n_cur, cap_cur;
	struct gone *gone;
	size_t n_gone, cap_gone;
	int err;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->id, ((const struct ent *)b)->id);
}

/* Newest first among equal ids, so the dedup keeps the newest. */
static int cur_cmp(const void *a, const void *b)
{
	const struct cur *x = a, *y = b;
	int c = strcmp(x->e.id, y->e.id);
	if (c)
		return c;
	return (x->e.modified_us < y->e.modified_us) - (x->e.modified_us > y->e.modified_us);
}

static const struct ent *base_find(const struct snap *b, const char *id)
{
	if (!b || !b->n)
		return NULL;
	struct ent key = {0}; /* whole: bsearch hands the compare a full struct ent */
	snprintf(key.id, sizeof key.id, "%s", id);
	return bsearch(&key, b->e, b->n, sizeof *b->e, ent_cmp);
}

/* The properties a sensor matches on, as in GET /api/v1/indicators. */
static json_t *minimal(const json_t *o)
{
	static const char *const kept[] = {"type",         "spec_version", "id",
	                                   "created",      "modified",     "pattern",
	                                   "pattern_type", "valid_from",   "valid_until"};
	json_t *m = json_object();
	for (size_t i = 0; m && i < sizeof kept / sizeof kept[0]; i++) {
		json_t *v = json_object_get(o, kept[i]);
		if (v)
			json_object_set(m, kept[i], v);
	}
	return m;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	if (need > FEED_MAX_ENTS)
		return -E2BIG;
	size_t c = *cap ? *cap * 2 : 1024;
	void *n = realloc(*p, c * size);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

static int on_indicator(void *ud, const struct yg_obj_row *row, const json_t *obj,
                        enum yg_ind_state state)
{
	struct calc *c = ud;
	(void)obj; /* only the upserts' objects are read, after the diff */
	size_t len = strlen(row->stix_id);
	if (len >= ID_MAX)
		return 1;
	const struct ent *had = base_find(c->base, row->stix_id);
	if (state != YG_IND_LIVE) {
		if (!had)
			return 1; /* never told: nothing to say, not even that it exists */
		int r = grow((void **)&c->gone, &c->cap_gone, c->n_gone + 1, sizeof *c->gone);
		if (r < 0)
			return c->err = r;
		struct gone *g = &c->gone[c->n_gone++];
		memcpy(g->e.id, row->stix_id, len + 1);
		g->e.modified_us = row->modified_us;
		g->state = state;
		return 1;
	}
	int r = grow((void **)&c->cur, &c->cap_cur, c->n_cur + 1, sizeof *c->cur);
	if (r < 0)
		return c->err = r;
	struct cur *e = &c->cur[c->n_cur++];
	memcpy(e->e.id, row->stix_id, len + 1);
	e->e.modified_us = row->modified_us;
	e->added_us = row->added_us;
	e->obj = NULL; /* fetched later for the upserts of this page only */
	e->want = false;
	return 1;
}

static void calc_release(struct calc *c)
{
	for (size_t i = 0; i < c->n_cur; i++)
		json_decref(c->cur[i].obj);
	free(c->cur);
	free(c->gone);
}

/* Sorts the live set by id and keeps the newest version of each id (an id
 * may be in several collections). */
static void cur_normalize(struct calc *c)
{
	if (c->n_cur)
		qsort(c->cur, c->n_cur, sizeof *c->cur, cur_cmp);
	size_t w = 0;
	for (size_t i = 0; i < c->n_cur; i++) {
		if (w && !strcmp(c->cur[w - 1].e.id, c->cur[i].e.id)) {
			if (!c->cur[w - 1].obj && c->cur[i].obj &&
			    c->cur[i].e.modified_us == c->cur[w - 1].e.modified_us) {
				c->cur[w - 1].obj = c->cur[i].obj;
				c->cur[i].obj = NULL;
			}
			json_decref(c->cur[i].obj);
			continue;
		}
		c->cur[w++] = c->cur[i];
	}
	c->n_cur = w;
	if (c->n_gone)
		qsort(c->gone, c->n_gone, sizeof *c->gone, ent_cmp);
}

static const char *remove_reason(const struct calc *c, const char *id)
{
	struct ent key = {0}; /* whole: bsearch hands the compare a full struct ent */
	snprintf(key.id, sizeof key.id, "%s", id);
	const struct gone *g =
	    c->n_gone ? bsearch(&key, c->gone, c->n_gone, sizeof *c->gone, ent_cmp) : NULL;
	return g ? yg_ind_state_reason(g->state) : "deleted";
}

/* The objects of this page's upserts, from a second walk that parses only
 * the rows wanted (looking them up by id through obj_query made SQLite
 * walk the added-order index once per batch). A version other than the
 * one the first walk saw (a commit in between) is left out, and the page
 * ends before it. */
static int fetch_row(void *ud, const struct yg_obj_row *row, const json_t *obj,
                     enum yg_ind_state state)
{
	struct calc *c = ud;
	(void)obj;
	if (state != YG_IND_LIVE || !row->json || strlen(row->stix_id) >= ID_MAX)
		return 1;
	struct ent key = {0}; /* whole: bsearch hands the compare a full struct ent */
	snprintf(key.id, sizeof key.id, "%s", row->stix_id);
	struct cur *e = bsearch(&key, c->cur, c->n_cur, sizeof *c->cur, ent_cmp);
	if (!e || !e->want || e->obj || e->e.modified_us != row->modified_us)
		return 1;
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
	e->obj = o ? minimal(o) : NULL;
	json_decref(o);
	return 1;
}

struct plan {
	bool up;
	size_t idx; /* into cur (up) or base (remove) */
};

/* since: absent or "0" = from the start; 16 hex digits = a cursor;
 * anything else is an unknown cursor (reset). wait: 0..30, larger is 30. */
static int parse_args(const struct yg_req *req, bool *ret_has_cursor, uint64_t *ret_key,
                      unsigned *ret_wait)
{
	*ret_has_cursor = false;
	*ret_wait = 0;
	for (size_t i = 0; i < req->n_args; i++) {
		const char *k = req->args[i].key, *v = req->args[i].value;
		if (!strcmp(k, "since")) {
			char *end;
			if (strlen(v) == 16 && strspn(v, "0123456789abcdef") == 16) {
				*ret_key = strtoull(v, &end, 16);
				*ret_has_cursor = true;
			}
		} else if (!strcmp(k, "wait")) {
			size_t n = strlen(v);
			if (n == 0 || n > 6 || strspn(v, "0123456789") != n)
				return -EINVAL;
			unsigned long w = strtoul(v, NULL, 10);
			*ret_wait = w > FEED_WAIT_MAX ? FEED_WAIT_MAX : (unsigned)w;
		}
	}
	return 0;
}

/* The snapshot the caller holds after this answer: base with the emitted
 * changes applied (ids of cur and base merged in order). */
static struct snap *applied(const struct snap *base, const struct calc *c, const uint8_t *done_cur,
                            const uint8_t *done_base)
{
	size_t nb = base ? base->n : 0;
	struct snap *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->e = malloc((nb + c->n_cur + 1) * sizeof *s->e);
	if (!s->e) {
		free(s);
		return NULL;
	}
	size_t i = 0, j = 0;
	while (i < nb || j < c->n_cur) {
		int cmp = i == nb ? 1 : j == c->n_cur ? -1 : strcmp(base->e[i].id, c->cur[j].e.id);
		if (cmp < 0) { /* only in base: kept unless its remove was sent */
			if (!done_base[i])
				s->e[s->n++] = base->e[i];
			i++;
		} else if (cmp > 0) { /* only now: in once its upsert was sent */
			if (done_cur[j])
				s->e[s->n++] = c->cur[j].e;
			j++;
		} else {
			s->e[s->n++] = done_cur[j] ? c->cur[j].e : base->e[i];
			i++;
			j++;
		}
	}
	return s;
}

int yg_rest_changes(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
                    const struct yg_req *req, struct yg_resp *resp)
{
	bool has_cursor;
	uint64_t key = 0;
	unsigned wait;
	if (parse_args(req, &has_cursor, &key, &wait) < 0) {
		yg_rest_error(resp, 400, "bad request", "wait must be a number of seconds 0..30");
		return 0;
	}
	/* The feed generation before anything is read (cache.h's rule): a
	 * commit after it wakes the parked answer, one before it is seen. */
	uint64_t gen = 0;
	bool gen_ok = yg_hub_feed_generation(h, &gen) == 0;
	int64_t now = yg_now_us();
	if (gen_ok && has_cursor &&
	    shared_get(h->feed, who->org_id, who->role, key, gen, now, resp)) {
		atomic_fetch_add(&h->feed_shared, 1);
		return 0;
	}
	atomic_fetch_add(&h->feed_evals, 1);
	struct snap *base = has_cursor ? feed_get(h->feed, key, who->org_id, who->role) : NULL;
	bool reset = !base || base->reset_pending;
	struct calc c = {.base = base};
	struct yg_lc_view *v = NULL;
	uint8_t *done_cur = NULL, *done_base = NULL;
	struct plan *plan = NULL;
	json_t *changes = NULL;
	struct yg_lifecycle lc = yg_hub_lc(h);
	int r = yg_lc_view_new(st, &lc, now, &v);
	if (r == 0)
		r = yg_ind_walk(st, who, v, false, on_indicator, &c);
	if (c.err)
		r = c.err;
	if (r < 0) {
		yg_rest_error(resp, r == -E2BIG ? 413 : 500,
		           r == -E2BIG ? "too many indicators" : "store error", NULL);
		goto out;
	}
	cur_normalize(&c);
	size_t nb = base ? base->n : 0;
	done_cur = calloc(c.n_cur + 1, 1);
	done_base = calloc(nb + 1, 1);
	changes = json_array();
	if (!done_cur || !done_base || !changes) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		goto out;
	}
	/* Merge base and now in id order: the changes of this page. */
	plan = malloc(FEED_PAGE * sizeof *plan);
	if (!plan) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		goto out;
	}
	size_t i = 0, j = 0, n_plan = 0, n_up = 0;
	bool more = false;
	while (i < nb || j < c.n_cur) {
		int cmp = i == nb ? 1 : j == c.n_cur ? -1 : strcmp(base->e[i].id, c.cur[j].e.id);
		struct plan pl = {0};
		bool change = true;
		if (cmp < 0) {
			pl = (struct plan){.up = false, .idx = i++};
			/* No removes inside a reset: they come after it. */
			change = !base->reset_pending;
		} else if (cmp > 0) {
			pl = (struct plan){.up = true, .idx = j++};
		} else {
			change = base->e[i].modified_us != c.cur[j].e.modified_us;
			pl = (struct plan){.up = true, .idx = j};
			i++;
			j++;
		}
		if (!change)
			continue;
		if (n_plan == FEED_PAGE) {
			more = true;
			break;
		}
		plan[n_plan++] = pl;
		if (pl.up) {
			c.cur[pl.idx].want = true;
			n_up++;
		}
	}
	r = n_up ? yg_ind_walk(st, who, v, false, fetch_row, &c) : 0;
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		goto out;
	}
	size_t emitted = 0;
	for (size_t k = 0; k < n_plan; k++) {
		const struct plan *pl = &plan[k];
		const struct cur *up = pl->up ? &c.cur[pl->idx] : NULL;
		if (up && !up->obj) { /* changed since the walk: next page */
			more = true;
			break;
		}
		/* A remove comes only from the merge's base side, so it names an
		 * entry of base (and base exists). */
		assert(up || pl->idx < nb);
		const char *rm = up ? NULL : base->e[pl->idx].id;
		json_t *ch = up ? json_pack("{s:s, s:s, s:O}", "op", "upsert", "id", up->e.id,
		                            "object", up->obj)
		                : json_pack("{s:s, s:s, s:s}", "op", "remove", "id", rm, "reason",
		                            remove_reason(&c, rm));
		if (!ch || json_array_append_new(changes, ch) < 0) {
			yg_rest_error(resp, 500, "out of memory", NULL);
			goto out;
		}
		/* A sensor taking in what was shared since its last answer: the
		 * member's time to load shared indicators (load_times.h). */
		if (up && !reset && who->role == YG_ROLE_SENSOR)
			yg_load_times_add(h->load_times, who->org_id, up->added_us, now);
		if (up)
			done_cur[pl->idx] = 1;
		else
			done_base[pl->idx] = 1;
		emitted++;
	}
	int64_t deadline =
	    req->wait_deadline_us ? req->wait_deadline_us : now + (int64_t)wait * 1000000;
	if (!reset && !emitted && wait && !req->no_wait && now < deadline) {
		/* Nothing yet: park (hub.h) and look again later. */
		resp->hold_until_us = deadline;
		/* Without a generation the ticker wakes it at every tick. */
		resp->hold_gen = gen_ok ? gen : 0;
		resp->status = 0;
		goto out;
	}
	uint64_t next = key;
	if (reset || emitted) {
		struct snap *s = applied(base, &c, done_cur, done_base);
		if (!s) {
			yg_rest_error(resp, 500, "out of memory", NULL);
			goto out;
		}
		s->org_id = who->org_id;
		s->role = who->role;
		s->reset_pending = reset && more;
		next = feed_put(h->feed, s);
	}
	char cursor[17];
	snprintf(cursor, sizeof cursor, "%016" PRIx64, next);
	json_t *j_out = json_pack("{s:s, s:b, s:b, s:O}", "cursor", cursor, "reset", reset, "more",
	                          more, "changes", changes);
	yg_rest_json(resp, 200, j_out);
	yg_resp_header(resp, "Cache-Control", "no-store");
	if (gen_ok && has_cursor && emitted && !reset && resp->status == 200)
		shared_put(h->feed, who->org_id, who->role, key, gen, now, resp->body, resp->len);
out:
	json_decref(changes);
	free(done_cur);
	free(done_base);
	free(plan);
	calc_release(&c);
	yg_lc_view_free(v);
	feed_release(h->feed, base);
	return 0;
}
