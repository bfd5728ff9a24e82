/*
 * The federation threads (see federation.h): a supervisor that follows the
 * configuration, and one worker per peer that pulls and pushes.
 */
#include "federation/federation.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "common/deadline.h"
#include "federation/ingest.h"
#include "federation/peer.h"
#include "federation/rule.h"
#include "federation/sight.h"
#include "hub/ids.h"
#include "taxii/client.h"

#define FLUSH_OBJECTS  500        /* pulled objects stored in one transaction */
#define PUSH_OBJECTS   500        /* objects in one POST */
#define PUSH_BYTES     (4u << 20) /* about this many bytes of objects in one POST */
#define PUSH_BATCHES   20         /* POSTs in one round; the rest next round */
#define BACKOFF_ROUNDS 16
#define BACKOFF_MAX_MS 60000u

struct worker {
	struct yg_fed *f;
	struct yg_fed_peer cfg; /* the token inside: cleansed when freed */
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t lock; /* the fields below and the wait */
	pthread_cond_t cond;
	char state[16];
	char last_error[512];
	char peer_hub[YG_FED_ID_MAX];
	int64_t org_id; /* the peer's organization here, once known */
	int advisory;   /* the peer's latest advisory level, 0: none */
	uint64_t in, out, refused_in, refused_out;
	uint64_t pulled;        /* object versions pulls handed over, taken or not */
	uint64_t sightings_out; /* sighting aggregates the peer acknowledged */
	int64_t last_ok_us;
	int64_t pull_ok_us; /* when a pull round last reached the end */
	int64_t backlog_us; /* added_us of the oldest object not yet acknowledged, 0: none */
};

struct yg_fed {
	char *data_dir, *pg, *self_id, *coll;
	unsigned every_ms;
	void (*advisory)(void *ud, int level, const char *peer);
	void *ud;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock; /* w, n, and the supervisor's wait */
	pthread_cond_t cond;
	struct worker *w[YG_FED_PEERS_MAX];
	size_t n;
};

static void set_state(struct worker *w, const char *state, const char *err)
{
	pthread_mutex_lock(&w->lock);
	snprintf(w->state, sizeof w->state, "%s", state);
	if (err)
		snprintf(w->last_error, sizeof w->last_error, "%s", err);
	pthread_mutex_unlock(&w->lock);
}

static int cancel_cb(void *ud)
{
	struct worker *w = ud;
	return atomic_load(&w->stop);
}

/* ---- pull ---- */

struct pull {
	struct worker *w;
	struct yg_store *st;
	const struct yg_fed_ctx *ctx;
	json_t *pending;
	const char *peer_hub; /* the peer's identity, as it names itself */
	int advisory;         /* the highest advisory level taken, 0: none */
	uint64_t handed;      /* object versions the client handed over */
	int r;                /* the first store failure */
	char refusal[512];
};

static void flush(struct pull *p)
{
	if (!json_array_size(p->pending) || p->r < 0) {
		json_array_clear(p->pending);
		return;
	}
	uint64_t in = 0, refused = 0;
	int r = p->st->ops->tx_begin(p->st);
	size_t i;
	json_t *o;
	json_array_foreach(p->pending, i, o)
	{
		char err[512] = "";
		if (r < 0)
			break;
		r = yg_fed_ingest(p->st, p->ctx, o, err, sizeof err);
		if (r == 1) {
			in++;
			int lv = yg_fed_advisory_level(o, p->peer_hub);
			if (lv > p->advisory)
				p->advisory = lv;
		} else if (r == 0) {
			refused++;
			snprintf(p->refusal, sizeof p->refusal, "refused from the peer: %.400s",
			         err);
		}
		if (r > 0)
			r = 0;
	}
	if (r == 0)
		r = p->st->ops->tx_commit(p->st);
	else
		p->st->ops->tx_rollback(p->st);
	json_array_clear(p->pending);
	if (r < 0) {
		p->r = r;
		return;
	}
	pthread_mutex_lock(&p->w->lock);
	p->w->in += in;
	p->w->refused_in += refused;
	pthread_mutex_unlock(&p->w->lock);
}

static void on_object(void *ud, const struct yg_taxii_object *o)
{
	struct pull *p = ud;
	p->handed++;
	if (!o->object || json_array_append(p->pending, o->object) < 0) {
		p->r = p->r < 0 ? p->r : -ENOMEM;
		return;
	}
	if (json_array_size(p->pending) >= FLUSH_OBJECTS)
		flush(p);
}

/* One pull round; a store failure makes the next round a full one, as the
 * client's cursors already moved past what was not stored. */
static int pull(struct worker *w, struct yg_taxii_client *c, struct yg_store *st,
                const struct yg_fed_ctx *ctx, bool *io_full, char *err, size_t errlen)
{
	struct pull p = {.w = w,
	                 .st = st,
	                 .ctx = ctx,
	                 .pending = json_array(),
	                 .peer_hub = yg_taxii_client_server_hub(c)};
	struct yg_taxii_round io = {.full = *io_full};
	if (!p.pending)
		return -ENOMEM;
	int r = yg_taxii_client_round(c, &io, on_object, &p);
	flush(&p);
	json_decref(p.pending);
	if (p.advisory)
		yg_fed_note_advisory(w->f, ctx->peer_org, p.advisory);
	if (p.r < 0) {
		*io_full = true;
		snprintf(err, errlen, "pull: store error (%d)", p.r);
		return p.r;
	}
	*io_full = false;
	if (r < 0) {
		snprintf(err, errlen, "pull: %s", io.err);
		return r;
	}
	pthread_mutex_lock(&w->lock);
	w->pulled += p.handed;
	w->pull_ok_us = yg_now_us();
	if (p.refusal[0])
		snprintf(w->last_error, sizeof w->last_error, "%s", p.refusal);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* ---- push ---- */

#define KEY_MAX (YG_FED_NAME_MAX + 40 + YG_TAXII_TITLE_MAX + 32)

/* One of the peer's push entries, resolved here. */
struct target {
	int64_t coll;                     /* our collection */
	char remote[YG_TAXII_TITLE_MAX];  /* the peer's collection */
	char key[KEY_MAX];                /* its cursor's setting */
	int64_t cursor;
};

struct batch {
	struct worker *w;
	int64_t peer_org;
	json_t *objs;
	size_t bytes;
	int64_t last_added; /* the last row decided on */
	int64_t first_sent; /* added_us of the first row put in objs */
	bool full;
	char peer_hub[YG_FED_ID_MAX];
};

static int push_row(void *ud, const struct yg_obj_row *row)
{
	struct batch *b = ud;
	if (b->full)
		return 0;
	b->last_added = row->added_us;
	/* What came from this peer does not go back to it; the TLP marking
	 * definitions every hub has are not sent. */
	if (row->submitter_org == b->peer_org || !row->json ||
	    !strcmp(row->type, "marking-definition") ||
	    !yg_fed_may_send(row->tlp, b->w->cfg.tlp_max, row->viewer_named))
		return 1;
	json_t *o = yg_fed_outgoing(row->json, row->json_len, row->anonymous, b->w->f->self_id);
	if (!o)
		return -ENOMEM;
	if (yg_fed_via_has(o, b->peer_hub) ||
	    (row->submitter_org != 0 && yg_fed_advisory_labelled(o))) {
		json_decref(o);
		return 1;
	}
	if (json_array_append_new(b->objs, o) < 0)
		return -ENOMEM;
	if (json_array_size(b->objs) == 1)
		b->first_sent = row->added_us;
	b->bytes += row->json_len;
	if (json_array_size(b->objs) >= PUSH_OBJECTS || b->bytes >= PUSH_BYTES)
		b->full = true;
	return 1;
}

static int save_cursor(struct yg_store *st, const char *key, int64_t cursor, int64_t extra)
{
	char v[64];
	if (extra)
		snprintf(v, sizeof v, "%" PRId64 " %" PRId64, cursor, extra);
	else
		snprintf(v, sizeof v, "%" PRId64, cursor);
	return st->ops->setting_set(st, key, v);
}

/* "CURSOR" or "CURSOR EXTRA" (0s when absent or not numbers). */
static int load_cursor(struct yg_store *st, const char *key, int64_t *ret, int64_t *ret_extra)
{
	char *v = NULL;
	int r = st->ops->setting_get(st, key, &v);
	*ret = 0;
	if (ret_extra)
		*ret_extra = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	char *end, *end2;
	long long x = strtoll(v, &end, 10);
	if (end != v && (!*end || *end == ' ') && x > 0)
		*ret = x;
	if (end != v && *end == ' ' && ret_extra) {
		long long y = strtoll(end + 1, &end2, 10);
		if (end2 != end + 1 && !*end2 && y > 0)
			*ret_extra = y;
	}
	free(v);
	return 0;
}

/* Batches of one target until the peer is caught up (or PUSH_BATCHES
 * were sent). */
static int push(struct worker *w, struct yg_taxii_client *c, struct yg_store *st,
                const struct yg_fed_ctx *ctx, struct target *t, char *err, size_t errlen)
{
	int64_t *io_cursor = &t->cursor;
	for (unsigned n = 0; n < PUSH_BATCHES && !atomic_load(&w->stop); n++) {
		struct batch b = {.w = w,
		                  .peer_org = ctx->peer_org,
		                  .objs = json_array(),
		                  .last_added = *io_cursor};
		if (!b.objs)
			return -ENOMEM;
		snprintf(b.peer_hub, sizeof b.peer_hub, "%s", yg_taxii_client_server_hub(c));
		struct yg_obj_query q = {.collection = t->coll,
		                         .viewer_org = ctx->peer_org,
		                         .added_after_us = *io_cursor,
		                         .version_flags = YG_VER_ALL,
		                         .want_json = true};
		int r = st->ops->obj_query(st, &q, push_row, &b);
		if (r < 0) {
			json_decref(b.objs);
			snprintf(err, errlen, "push: store error (%d)", r);
			return r;
		}
		size_t count = json_array_size(b.objs);
		if (count) {
			pthread_mutex_lock(&w->lock);
			w->backlog_us = b.first_sent;
			pthread_mutex_unlock(&w->lock);
			json_t *env = json_pack("{s:O}", "objects", b.objs);
			char *body = env ? json_dumps(env, JSON_COMPACT) : NULL;
			json_decref(env);
			json_decref(b.objs);
			if (!body)
				return -ENOMEM;
			struct yg_taxii_post io;
			r = yg_taxii_client_post(c, t->remote, body, strlen(body), &io);
			free(body);
			if (r < 0) {
				snprintf(err, errlen, "push: %s", io.err);
				return r;
			}
			pthread_mutex_lock(&w->lock);
			w->out += io.st.successes;
			w->refused_out += io.st.failures;
			pthread_mutex_unlock(&w->lock);
		} else {
			json_decref(b.objs);
		}
		if (b.last_added != *io_cursor) {
			r = save_cursor(st, t->key, b.last_added, 0);
			if (r < 0) {
				snprintf(err, errlen, "push: store error saving the cursor (%d)",
				         r);
				return r;
			}
			*io_cursor = b.last_added;
		}
		if (!b.full)
			break;
	}
	pthread_mutex_lock(&w->lock);
	w->backlog_us = 0;
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* ---- cursors kept in the store ---- */

/* A worker's state across rounds, kept in the store so a restart resumes:
 * the push targets' cursors ("federation.push.NAME" for the first target
 * from our default collection, as before there were several;
 * "federation.push.NAME/<our collection>/<theirs>" for the others), the
 * pull cursors ("federation.pull.NAME": the peer's collection ids and
 * their X-TAXII-Date-Added-Last, as JSON) and the sightings cursor
 * ("federation.sightings.NAME": received_us and the opt-in change it was
 * computed with). */
struct run {
	struct target t[YG_TAXII_ONLY_MAX];
	size_t n_t;
	char pull_key[KEY_MAX];
	char *pull_saved; /* the pull cursors as last saved */
	char sight_key[KEY_MAX];
	int64_t sight_cursor, sight_changed;
	struct yg_fed_named named;
};

static void add_cursor(void *ud, const char *id, const char *last)
{
	if (last[0])
		json_object_set_new(ud, id, json_string(last));
}

/* Saves the client's pull cursors when they moved. */
static int save_pull(struct yg_store *st, struct yg_taxii_client *c, struct run *run)
{
	json_t *j = json_object();
	if (!j)
		return -ENOMEM;
	yg_taxii_client_cursors(c, add_cursor, j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (!text)
		return -ENOMEM;
	if (run->pull_saved && !strcmp(text, run->pull_saved)) {
		free(text);
		return 0;
	}
	int r = st->ops->setting_set(st, run->pull_key, text);
	if (r < 0) {
		free(text);
		return r;
	}
	free(run->pull_saved);
	run->pull_saved = text;
	return 0;
}

/* Gives the client the saved pull cursors; a damaged document is left
 * aside (the next round is then a full one: nothing is lost). */
static int load_pull(struct yg_store *st, struct yg_taxii_client *c, struct run *run)
{
	char *v = NULL;
	int r = st->ops->setting_get(st, run->pull_key, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	json_t *j = json_loads(v, 0, NULL);
	const char *id;
	json_t *last;
	json_object_foreach(j, id, last)
	{
		if (json_is_string(last))
			yg_taxii_client_set_cursor(c, id, json_string_value(last));
	}
	json_decref(j);
	run->pull_saved = v;
	return 0;
}

struct titled {
	const char *name;
	struct yg_collection *ret;
	bool found;
};

static int by_title(void *ud, const struct yg_collection *c)
{
	struct titled *t = ud;
	if (strcmp(c->title, t->name))
		return 1;
	*t->ret = *c;
	t->found = true;
	return 0;
}

/* Our collection named name (its id or title; "default" is ours). */
static int find_local(struct yg_store *st, const struct yg_fed *f, const char *name,
                      struct yg_collection *ret)
{
	if (!strcmp(name, "default"))
		return st->ops->collection_get(st, f->coll, ret);
	int r = st->ops->collection_get(st, name, ret);
	if (r != -ENOENT)
		return r;
	struct titled t = {.name = name, .ret = ret};
	r = st->ops->collection_list(st, by_title, &t);
	if (r < 0)
		return r;
	return t.found ? 0 : -ENOENT;
}

/* ---- the worker ---- */

static void wait_ms(struct worker *w, uint64_t ms)
{
	struct timespec until = yg_deadline_ms(ms);
	pthread_mutex_lock(&w->lock);
	while (!atomic_load(&w->stop) &&
	       pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&w->lock);
}

/* The push targets: our collections resolved, their cursors read. */
static int setup_targets(struct worker *w, struct yg_store *st, struct run *run, char *err,
                         size_t errlen)
{
	bool legacy_taken = false;
	run->n_t = 0;
	for (size_t i = 0; i < w->cfg.n_push; i++) {
		struct target *t = &run->t[run->n_t];
		char local[YG_TAXII_TITLE_MAX], remote[YG_TAXII_TITLE_MAX];
		struct yg_collection coll;
		yg_fed_push_split(&w->cfg, i, local, remote);
		memcpy(t->remote, remote, sizeof remote);
		int r = find_local(st, w->f, local, &coll);
		if (r == -ENOENT)
			snprintf(err, errlen, "no collection '%s' here (push)", local);
		if (r < 0)
			return r;
		t->coll = coll.id;
		if (!legacy_taken && !strcmp(coll.uuid, w->f->coll)) {
			legacy_taken = true;
			snprintf(t->key, sizeof t->key, "federation.push.%s", w->cfg.name);
		} else {
			snprintf(t->key, sizeof t->key, "federation.push.%s/%s/%s", w->cfg.name,
			         coll.uuid, remote);
		}
		r = load_cursor(st, t->key, &t->cursor, NULL);
		if (r < 0)
			return r;
		run->n_t++;
	}
	return 0;
}

/* What a worker needs before its first round: its store connection, the
 * collection, the peer's organization, its cursors and its client. err
 * says what is missing. */
static int worker_setup(struct worker *w, struct yg_store **ret_st, struct yg_taxii_client **ret_c,
                        struct yg_collection *coll, struct yg_org *org, struct run *run,
                        char *err, size_t errlen)
{
	struct yg_fed *f = w->f;
	struct yg_store *st = NULL;
	struct yg_taxii_client *c = NULL;
	int r = yg_store_open(f->data_dir, f->pg, &st);
	if (r == 0)
		r = st->ops->collection_get(st, f->coll, coll);
	if (r == 0) {
		r = st->ops->org_find(st, w->cfg.share_as, org);
		if (r == -ENOENT)
			snprintf(err, errlen, "no organization '%s' here (share_as)", w->cfg.share_as);
	}
	if (r == 0)
		r = setup_targets(w, st, run, err, errlen);
	snprintf(run->sight_key, sizeof run->sight_key, "federation.sightings.%s", w->cfg.name);
	snprintf(run->pull_key, sizeof run->pull_key, "federation.pull.%s", w->cfg.name);
	if (r == 0)
		r = load_cursor(st, run->sight_key, &run->sight_cursor, &run->sight_changed);
	if (r == 0) {
		struct yg_taxii_cred cred = {.token = w->cfg.token};
		struct yg_taxii_client_config cc = {.url = w->cfg.url,
		                                    .cred = &cred,
		                                    .n_only = w->cfg.n_pull,
		                                    .any_type = true,
		                                    .hub_id = f->self_id,
		                                    .cancel = cancel_cb,
		                                    .ud = w};
		for (size_t i = 0; i < w->cfg.n_pull; i++)
			cc.only[i] = w->cfg.pull[i];
		r = yg_taxii_client_new(&cc, &c);
		if (r < 0)
			snprintf(err, errlen, "the TAXII client refused the configuration");
	}
	free(run->pull_saved);
	run->pull_saved = NULL;
	if (r == 0)
		r = load_pull(st, c, run);
	if (r < 0) {
		if (!err[0])
			snprintf(err, errlen, "cannot start (%d)", r);
		yg_taxii_client_free(c);
		yg_store_close(st);
		return r;
	}
	*ret_st = st;
	*ret_c = c;
	return 0;
}

/* Our members' sightings of what the peer may see, as per-day counts
 * (sight.h), POSTed to the first push target's collection of the peer;
 * the cursor moves when the peer acknowledged them all. A change of the
 * opt-in list sends every bucket again. */
static int push_sightings(struct worker *w, struct yg_taxii_client *c, struct yg_store *st,
                          const struct yg_fed_ctx *ctx, struct run *run, char *err,
                          size_t errlen)
{
	int r = yg_fed_named_load(st, &run->named);
	if (r < 0) {
		snprintf(err, errlen, "sightings: the opt-in list is damaged (%d)", r);
		return r;
	}
	int64_t after = run->named.changed_us == run->sight_changed ? run->sight_cursor : 0;
	int64_t colls[YG_TAXII_ONLY_MAX];
	for (size_t i = 0; i < run->n_t; i++)
		colls[i] = run->t[i].coll;
	struct yg_fed_sight_out so = {.self_id = w->f->self_id,
	                              .peer_org = ctx->peer_org,
	                              .tlp_max = w->cfg.tlp_max,
	                              .colls = colls,
	                              .n_colls = run->n_t,
	                              .named = &run->named};
	json_t *objs = json_array();
	int64_t newest = after;
	r = objs ? yg_fed_sightings_out(st, &so, after, objs, &newest) : -ENOMEM;
	if (r < 0) {
		json_decref(objs);
		snprintf(err, errlen, "sightings: store error (%d)", r);
		return r;
	}
	size_t n = json_array_size(objs);
	for (size_t at = 0; at < n && !atomic_load(&w->stop); at += PUSH_OBJECTS) {
		json_t *part = json_array();
		for (size_t i = at; part && i < n && i < at + PUSH_OBJECTS; i++)
			json_array_append(part, json_array_get(objs, i));
		json_t *env = part ? json_pack("{s:o}", "objects", part) : NULL;
		char *body = env ? json_dumps(env, JSON_COMPACT) : NULL;
		json_decref(env);
		if (!body) {
			json_decref(objs);
			return -ENOMEM;
		}
		struct yg_taxii_post io;
		r = yg_taxii_client_post(c, run->t[0].remote, body, strlen(body), &io);
		free(body);
		if (r < 0) {
			json_decref(objs);
			snprintf(err, errlen, "sightings: %s", io.err);
			return r;
		}
		pthread_mutex_lock(&w->lock);
		w->sightings_out += io.st.successes;
		pthread_mutex_unlock(&w->lock);
	}
	json_decref(objs);
	if (atomic_load(&w->stop) ||
	    (newest == run->sight_cursor && run->named.changed_us == run->sight_changed))
		return 0;
	r = save_cursor(st, run->sight_key, newest, run->named.changed_us);
	if (r < 0) {
		snprintf(err, errlen, "sightings: store error saving the cursor (%d)", r);
		return r;
	}
	run->sight_cursor = newest;
	run->sight_changed = run->named.changed_us;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct yg_fed *f = w->f;
	struct yg_store *st = NULL;
	struct yg_taxii_client *c = NULL;
	char err[640] = "";
	unsigned fails = 0;
	/* Zeroed: the analyzer cannot see that a setup that succeeds filled them. */
	struct yg_collection coll = {0};
	struct yg_org org = {0};
	struct yg_fed_policy pol = {0};
	struct run *run = calloc(1, sizeof *run);
	int r;
	if (!run) {
		set_state(w, "error", "out of memory");
		return NULL;
	}
	/* A store that is down, or an organization not made yet, is waited
	 * for: the worker tries again every 16 rounds (at most a minute). */
	while (worker_setup(w, &st, &c, &coll, &org, run, err, sizeof err) < 0) {
		set_state(w, "error", err);
		err[0] = '\0';
		uint64_t ms = (uint64_t)f->every_ms * BACKOFF_ROUNDS;
		wait_ms(w, ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms);
		if (atomic_load(&w->stop)) {
			free(run);
			return NULL;
		}
	}
	pthread_mutex_lock(&w->lock);
	w->org_id = org.id;
	pthread_mutex_unlock(&w->lock);
	struct yg_fed_ctx ctx = {.self_id = f->self_id,
	                         .peer_org = org.id,
	                         .collection = coll.id,
	                         .peer_orgs = pol.peer_orgs,
	                         .n_peer_orgs = 0};
	bool full = false;
	while (!atomic_load(&w->stop)) {
		err[0] = '\0';
		/* Peers come and go: the organizations whose objects may gain
		 * versions from any peer are read again every round. */
		r = yg_fed_policy_for(st, org.id, &pol);
		bool policy = r == 0;
		ctx.n_peer_orgs = policy ? pol.n_peer_orgs : 0;
		if (!policy)
			snprintf(err, sizeof err, "store error reading the peers (%d)", r);
		if (policy && w->cfg.n_pull) {
			r = pull(w, c, st, &ctx, &full, err, sizeof err);
			if (r == 0) {
				r = save_pull(st, c, run);
				if (r < 0)
					snprintf(err, sizeof err, "pull: store error saving the cursors (%d)", r);
			}
		}
		for (size_t i = 0; policy && i < run->n_t && !atomic_load(&w->stop); i++) {
			char perr[640] = "";
			int r2 = push(w, c, st, &ctx, &run->t[i], perr, sizeof perr);
			if (r2 == 0 && i + 1 == run->n_t)
				r2 = push_sightings(w, c, st, &ctx, run, perr, sizeof perr);
			if (r2 < 0 && r == 0) {
				r = r2;
				memcpy(err, perr, sizeof err);
			}
		}
		if (r == -ECANCELED)
			break;
		pthread_mutex_lock(&w->lock);
		snprintf(w->peer_hub, sizeof w->peer_hub, "%s", yg_taxii_client_server_hub(c));
		if (r < 0) {
			snprintf(w->state, sizeof w->state, "error");
			snprintf(w->last_error, sizeof w->last_error, "%.500s", err);
		} else {
			snprintf(w->state, sizeof w->state, "ok");
			w->last_ok_us = yg_now_us();
		}
		pthread_mutex_unlock(&w->lock);
		fails = r < 0 ? fails + 1 : 0;
		uint64_t ms = f->every_ms;
		if (fails) {
			unsigned k = fails > 4 ? 4 : fails; /* 2^4 = BACKOFF_ROUNDS */
			ms = (uint64_t)f->every_ms << k;
			if (ms > BACKOFF_MAX_MS)
				ms = BACKOFF_MAX_MS;
		}
		wait_ms(w, ms);
	}
	set_state(w, "stopped", NULL);
	yg_taxii_client_free(c);
	yg_store_close(st);
	free(run->pull_saved);
	free(run);
	return NULL;
}

static void worker_free(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	OPENSSL_cleanse(&w->cfg, sizeof w->cfg);
	free(w);
}

static int worker_start(struct yg_fed *f, const struct yg_fed_peer *cfg, struct worker **ret)
{
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->f = f;
	w->cfg = *cfg;
	snprintf(w->state, sizeof w->state, "starting");
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		worker_free(w);
		return -EAGAIN;
	}
	*ret = w;
	return 0;
}

static void worker_stop(struct worker *w)
{
	atomic_store(&w->stop, true);
	pthread_mutex_lock(&w->lock);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	worker_free(w);
}

/* ---- the supervisor ---- */

/* Makes the running workers match the configuration. */
static void reconcile(struct yg_fed *f, const struct yg_fed_peers *p)
{
	for (size_t i = 0; i < f->n;) {
		const struct yg_fed_peer *want = NULL;
		for (size_t k = 0; k < p->n; k++)
			if (!strcmp(p->v[k].name, f->w[i]->cfg.name))
				want = &p->v[k];
		if (want && yg_fed_peer_same(want, &f->w[i]->cfg)) {
			i++;
			continue;
		}
		struct worker *w = f->w[i];
		pthread_mutex_lock(&f->lock);
		f->w[i] = f->w[--f->n];
		pthread_mutex_unlock(&f->lock);
		worker_stop(w);
	}
	for (size_t k = 0; k < p->n; k++) {
		bool have = false;
		for (size_t i = 0; i < f->n; i++)
			have = have || !strcmp(f->w[i]->cfg.name, p->v[k].name);
		struct worker *w;
		if (have || f->n == YG_FED_PEERS_MAX || worker_start(f, &p->v[k], &w) < 0)
			continue;
		pthread_mutex_lock(&f->lock);
		f->w[f->n++] = w;
		pthread_mutex_unlock(&f->lock);
	}
}

static void *fed_main(void *arg)
{
	struct yg_fed *f = arg;
	struct yg_store *st = NULL;
	char err[256];
	int r = yg_store_open(f->data_dir, f->pg, &st);
	while (r == 0 && !atomic_load(&f->stop)) {
		struct yg_fed_peers *p = NULL;
		/* A broken document keeps the workers as they are. */
		if (yg_fed_peers_load(st, &p, err, sizeof err) == 0)
			reconcile(f, p);
		yg_fed_peers_free(p);
		struct timespec until = yg_deadline_ms(f->every_ms < 1000 ? f->every_ms : 1000);
		pthread_mutex_lock(&f->lock);
		if (!atomic_load(&f->stop))
			pthread_cond_timedwait(&f->cond, &f->lock, &until);
		pthread_mutex_unlock(&f->lock);
	}
	while (f->n) {
		struct worker *w = f->w[f->n - 1];
		pthread_mutex_lock(&f->lock);
		f->n--;
		pthread_mutex_unlock(&f->lock);
		worker_stop(w);
	}
	yg_store_close(st);
	return NULL;
}

int yg_fed_new(const struct yg_fed_config *cfg, struct yg_fed **ret)
{
	if (!cfg->data_dir || !cfg->self_id || !cfg->default_coll)
		return -EINVAL;
	struct yg_fed *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	f->data_dir = strdup(cfg->data_dir);
	f->pg = cfg->pg && *cfg->pg ? strdup(cfg->pg) : NULL;
	f->self_id = strdup(cfg->self_id);
	f->coll = strdup(cfg->default_coll);
	f->every_ms = cfg->every_ms ? cfg->every_ms : 5000;
	f->advisory = cfg->advisory;
	f->ud = cfg->ud;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (!f->data_dir || !f->self_id || !f->coll || (cfg->pg && *cfg->pg && !f->pg)) {
		yg_fed_free(f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

int yg_fed_start(struct yg_fed *f)
{
	if (f->running)
		return 0;
	if (pthread_create(&f->thread, NULL, fed_main, f) != 0)
		return -EAGAIN;
	f->running = true;
	return 0;
}

void yg_fed_free(struct yg_fed *f)
{
	if (!f)
		return;
	if (f->running) {
		atomic_store(&f->stop, true);
		pthread_mutex_lock(&f->lock);
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->thread, NULL);
	}
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f->data_dir);
	free(f->pg);
	free(f->self_id);
	free(f->coll);
	free(f);
}

void yg_fed_note_advisory(struct yg_fed *f, int64_t org, int level)
{
	if (!f || org <= 0 || level < 1)
		return;
	int top = 0;
	char peer[YG_FED_NAME_MAX + 1] = "";
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n; i++) {
		struct worker *w = f->w[i];
		pthread_mutex_lock(&w->lock);
		if (w->org_id == org)
			w->advisory = level;
		if (w->advisory > top) {
			top = w->advisory;
			snprintf(peer, sizeof peer, "%s", w->cfg.name);
		}
		pthread_mutex_unlock(&w->lock);
	}
	pthread_mutex_unlock(&f->lock);
	if (top && f->advisory)
		f->advisory(f->ud, top, peer);
}

void yg_fed_note_in(struct yg_fed *f, int64_t org, uint64_t taken, uint64_t refused)
{
	if (!f || org <= 0)
		return;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n; i++) {
		struct worker *w = f->w[i];
		pthread_mutex_lock(&w->lock);
		if (w->org_id == org) {
			w->in += taken;
			w->refused_in += refused;
		}
		pthread_mutex_unlock(&w->lock);
	}
	pthread_mutex_unlock(&f->lock);
}

static json_t *time_or_null(int64_t us)
{
	char t[YG_TIME_US_LEN + 1];
	if (!us || yg_time_format_us(us, t) < 0)
		return json_null();
	return json_string(t);
}

json_t *yg_fed_status(struct yg_fed *f)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	int64_t now = yg_now_us();
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->n; i++) {
		struct worker *w = f->w[i];
		pthread_mutex_lock(&w->lock);
		json_t *pull = json_array(), *push = json_array();
		for (size_t k = 0; pull && k < w->cfg.n_pull; k++)
			json_array_append_new(pull, json_string(w->cfg.pull[k]));
		for (size_t k = 0; push && k < w->cfg.n_push; k++)
			json_array_append_new(push, json_string(w->cfg.push[k]));
		/* How far behind we are: the oldest object the peer has not
		 * acknowledged, and the time since a pull last reached the end. */
		int64_t lag = 0;
		if (w->backlog_us && now > w->backlog_us)
			lag = now - w->backlog_us;
		if (w->cfg.n_pull && w->pull_ok_us && now - w->pull_ok_us > lag)
			lag = now - w->pull_ok_us;
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f, "
		              "s:o, s:s, s:i, s:I, s:I}",
		              "name", w->cfg.name, "url", w->cfg.url, "state", w->state, "pull",
		              pull, "push", push, "tlp_max", yg_fed_tlp_word(w->cfg.tlp_max),
		              "share_as", w->cfg.share_as, "peer_hub", w->peer_hub, "objects_in",
		              (json_int_t)w->in, "objects_out", (json_int_t)w->out, "refused_in",
		              (json_int_t)w->refused_in, "refused_out", (json_int_t)w->refused_out,
		              "lag_s", (double)lag / 1e6, "last_ok", time_or_null(w->last_ok_us),
		              "last_error", w->last_error, "advisory_level", w->advisory,
		              "objects_pulled", (json_int_t)w->pulled, "sightings_out",
		              (json_int_t)w->sightings_out);
		pthread_mutex_unlock(&w->lock);
		if (o)
			json_array_append_new(arr, o);
	}
	pthread_mutex_unlock(&f->lock);
	return arr;
}
