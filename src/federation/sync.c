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
	w->pull_ok_us = yg_now_us();
	if (p.refusal[0])
		snprintf(w->last_error, sizeof w->last_error, "%s", p.refusal);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* ---- push ---- */

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

static int save_cursor(struct yg_store *st, const char *name, int64_t cursor)
{
	char key[YG_FED_NAME_MAX + 32], v[32];
	snprintf(key, sizeof key, "federation.push.%s", name);
	snprintf(v, sizeof v, "%" PRId64, cursor);
	return st->ops->setting_set(st, key, v);
}

static int load_cursor(struct yg_store *st, const char *name, int64_t *ret)
{
	char key[YG_FED_NAME_MAX + 32], *v = NULL;
	snprintf(key, sizeof key, "federation.push.%s", name);
	int r = st->ops->setting_get(st, key, &v);
	*ret = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (end != v && !*end && x > 0)
		*ret = x;
	free(v);
	return 0;
}

/* Batches until the peer is caught up (or PUSH_BATCHES were sent). */
static int push(struct worker *w, struct yg_taxii_client *c, struct yg_store *st,
                const struct yg_fed_ctx *ctx, int64_t *io_cursor, char *err, size_t errlen)
{
	for (unsigned n = 0; n < PUSH_BATCHES && !atomic_load(&w->stop); n++) {
		struct batch b = {.w = w,
		                  .peer_org = ctx->peer_org,
		                  .objs = json_array(),
		                  .last_added = *io_cursor};
		if (!b.objs)
			return -ENOMEM;
		snprintf(b.peer_hub, sizeof b.peer_hub, "%s", yg_taxii_client_server_hub(c));
		struct yg_obj_query q = {.collection = ctx->collection,
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
			r = yg_taxii_client_post(c, w->cfg.push, body, strlen(body), &io);
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
			r = save_cursor(st, w->cfg.name, b.last_added);
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

/* What a worker needs before its first round: its store connection, the
 * collection, the peer's organization, its push cursor and its client.
 * err says what is missing. */
static int worker_setup(struct worker *w, struct yg_store **ret_st, struct yg_taxii_client **ret_c,
                        struct yg_collection *coll, struct yg_org *org, int64_t *cursor,
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
		r = load_cursor(st, w->cfg.name, cursor);
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
	if (r < 0) {
		if (!err[0])
			snprintf(err, errlen, "cannot start (%d)", r);
		yg_store_close(st);
		return r;
	}
	*ret_st = st;
	*ret_c = c;
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
	int64_t cursor = 0;
	int r;
	/* A store that is down, or an organization not made yet, is waited
	 * for: the worker tries again every 16 rounds (at most a minute). */
	while (worker_setup(w, &st, &c, &coll, &org, &cursor, err, sizeof err) < 0) {
		set_state(w, "error", err);
		err[0] = '\0';
		uint64_t ms = (uint64_t)f->every_ms * BACKOFF_ROUNDS;
		wait_ms(w, ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms);
		if (atomic_load(&w->stop))
			return NULL;
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
		if (policy && w->cfg.n_pull)
			r = pull(w, c, st, &ctx, &full, err, sizeof err);
		if (policy && w->cfg.push[0] && !atomic_load(&w->stop)) {
			char perr[640] = "";
			int r2 = push(w, c, st, &ctx, &cursor, perr, sizeof perr);
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
		json_t *pull = json_array();
		for (size_t k = 0; pull && k < w->cfg.n_pull; k++)
			json_array_append_new(pull, json_string(w->cfg.pull[k]));
		/* How far behind we are: the oldest object the peer has not
		 * acknowledged, and the time since a pull last reached the end. */
		int64_t lag = 0;
		if (w->backlog_us && now > w->backlog_us)
			lag = now - w->backlog_us;
		if (w->cfg.n_pull && w->pull_ok_us && now - w->pull_ok_us > lag)
			lag = now - w->pull_ok_us;
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f, "
		              "s:o, s:s, s:i}",
		              "name", w->cfg.name, "url", w->cfg.url, "state", w->state, "pull",
		              pull, "push", w->cfg.push, "tlp_max", yg_fed_tlp_word(w->cfg.tlp_max),
		              "share_as", w->cfg.share_as, "peer_hub", w->peer_hub, "objects_in",
		              (json_int_t)w->in, "objects_out", (json_int_t)w->out, "refused_in",
		              (json_int_t)w->refused_in, "refused_out", (json_int_t)w->refused_out,
		              "lag_s", (double)lag / 1e6, "last_ok", time_or_null(w->last_ok_us),
		              "last_error", w->last_error, "advisory_level", w->advisory);
		pthread_mutex_unlock(&w->lock);
		if (o)
			json_array_append_new(arr, o);
	}
	pthread_mutex_unlock(&f->lock);
	return arr;
}
