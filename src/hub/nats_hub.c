/* The hub's NATS JetStream consumer and change notices (nats_hub.h). */
#include "hub/nats_hub.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/deadline.h"
#include "common/natsconn.h"
#include "hub/nats_fetch.h"

/* Each handler thread fetches a few messages and handles them through its
 * own store connection as one batch (one write transaction): handlers x
 * FETCH_BATCH messages of a kind are in flight at a hub. Small batches
 * keep a message from waiting in a thread's hands while another thread
 * could take it.
 *
 * Why a heartbeat thread. A batch whose write outlasts the consumer's
 * AckWait (a store busy with another hub's writes, a PostgreSQL failover)
 * would be delivered again to another hub, which then waits on the same
 * store and writes it a second time as duplicates. So while a batch is in
 * the store's hands, one thread per hub tells the server "in progress"
 * for its messages every quarter of AckWait. The handler arms the
 * heartbeat with its messages before the store call and disarms it
 * after, before it settles any of them: the messages (libnats marks an
 * acknowledged message in place, without a lock) are touched by one
 * thread at a time, and live until the handler destroys its fetch's list
 * after the disarm. A hub that dies stops its heartbeat with it, so the
 * redelivery of a dead hub's batch is not held up beyond AckWait. */
#define FETCH_BATCH      4
#define FETCH_WAIT_MS    1000
#define NAK_DELAY_MS     1000
#define HANDLERS_DEFAULT 4
#define HANDLERS_MAX     32

static const struct kind {
	const char *name;    /* subject part and consumer suffix */
	const char *subject; /* stream subject */
	const char *path;    /* the POST it stands for */
} kinds[] = {
    {"sightings", "yagura.sightings.*", "/api/v1/sightings"},
    {"beacons", "yagura.beacons.*", "/api/v1/beacons"},
    {"darknet", "yagura.darknet.*", "/api/v1/darknet"},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* One handler thread: its own pull subscription on its kind's durable
 * consumer (JetStream spreads the messages over all of them) and its own
 * store connection, opened when its first message comes. */
struct worker {
	struct yg_hub_nats *n;
	const struct kind *k;
	pthread_t tid;
	bool started;
	natsSubscription *sub;
	struct yg_store *st;
	/* The batch being written, under the hub's beat_lock (heartbeat). */
	natsMsg **busy;
	size_t n_busy;
	int64_t told_ms; /* when the server last heard of them (nats_Now) */
};

struct yg_hub_nats {
	struct yg_hub *h;
	natsConnection *nc;
	jsCtx *js;
	int64_t ack_wait_ns;
	void (*log)(void *ud, const char *msg);
	void *ud;
	pthread_mutex_t lock; /* stop, setup */
	pthread_cond_t cond;
	bool stop;
	bool stream_ok;
	struct worker *w; /* n_w = N_KINDS x handlers */
	size_t n_w;
	pthread_mutex_t beat_lock; /* every worker's busy batch */
	pthread_t beat_tid;
	bool beat_started;
	atomic_ullong taken, acked, refused, retried, notices, in_progress;
};

static void logf_(struct yg_hub_nats *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct yg_hub_nats *n, const char *fmt, ...)
{
	if (!n->log)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n->log(n->ud, msg);
}

int yg_hub_nats_subject(const char *subj, size_t len, const char **ret_path, int64_t *ret_org)
{
	static const char pre[] = "yagura.";
	if (len < sizeof pre || memcmp(subj, pre, sizeof pre - 1))
		return -EINVAL;
	const char *p = subj + sizeof pre - 1, *end = subj + len;
	const char *dot = memchr(p, '.', (size_t)(end - p));
	if (!dot)
		return -EINVAL;
	const struct kind *k = NULL;
	for (size_t i = 0; i < N_KINDS; i++)
		if ((size_t)(dot - p) == strlen(kinds[i].name) &&
		    !memcmp(p, kinds[i].name, (size_t)(dot - p)))
			k = &kinds[i];
	const char *d = dot + 1;
	size_t dl = (size_t)(end - d);
	if (!k || dl == 0 || dl > 15)
		return -EINVAL;
	int64_t org = 0;
	for (size_t i = 0; i < dl; i++) {
		if (d[i] < '0' || d[i] > '9')
			return -EINVAL;
		org = org * 10 + (d[i] - '0');
	}
	if (org <= 0)
		return -EINVAL;
	*ret_path = k->path;
	*ret_org = org;
	return 0;
}

static bool stopping(struct yg_hub_nats *n)
{
	pthread_mutex_lock(&n->lock);
	bool s = n->stop;
	pthread_mutex_unlock(&n->lock);
	return s;
}

/* Sleeps ms unless stopped meanwhile. */
static void nap(struct yg_hub_nats *n, unsigned ms)
{
	struct timespec until = yg_deadline_ms(ms);
	pthread_mutex_lock(&n->lock);
	while (!n->stop && pthread_cond_timedwait(&n->cond, &n->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&n->lock);
}

/* The stream, once per hub (under lock): found, or created. */
static bool stream_ready(struct yg_hub_nats *n)
{
	pthread_mutex_lock(&n->lock);
	bool ok = n->stream_ok;
	if (!ok) {
		jsStreamInfo *si = NULL;
		jsErrCode jerr = 0;
		natsStatus s = js_GetStreamInfo(&si, n->js, YG_NATS_STREAM, NULL, &jerr);
		if (s == NATS_NOT_FOUND) {
			const char *subjects[N_KINDS];
			for (size_t i = 0; i < N_KINDS; i++)
				subjects[i] = kinds[i].subject;
			jsStreamConfig c;
			jsStreamConfig_Init(&c);
			c.Name = YG_NATS_STREAM;
			c.Subjects = subjects;
			c.SubjectsLen = (int)N_KINDS;
			c.Retention = js_WorkQueuePolicy;
			c.Storage = js_FileStorage;
			s = js_AddStream(&si, n->js, &c, NULL, &jerr);
			if (s == NATS_OK)
				logf_(n, "nats: created the stream %s", YG_NATS_STREAM);
		}
		jsStreamInfo_Destroy(si);
		ok = n->stream_ok = s == NATS_OK;
		if (!ok)
			logf_(n, "nats: stream %s not ready (%s, JetStream error %d); retrying",
			      YG_NATS_STREAM, natsStatus_GetText(s), (int)jerr);
	}
	pthread_mutex_unlock(&n->lock);
	return ok;
}

static bool subscribe(struct worker *w)
{
	struct yg_hub_nats *n = w->n;
	char durable[64];
	snprintf(durable, sizeof durable, "%s-%s", YG_NATS_CONSUMER, w->k->name);
	jsSubOptions so;
	jsSubOptions_Init(&so);
	so.Stream = YG_NATS_STREAM;
	so.Config.Durable = durable;
	so.Config.AckPolicy = js_AckExplicit;
	so.Config.AckWait = n->ack_wait_ns;
	so.Config.FilterSubject = w->k->subject;
	so.Config.MaxAckPending = 4096;
	jsErrCode jerr = 0;
	natsStatus s = js_PullSubscribe(&w->sub, n->js, w->k->subject, durable, NULL, &so, &jerr);
	if (s != NATS_OK) {
		logf_(n, "nats: cannot consume %s as %s (%s, JetStream error %d); retrying",
		      w->k->subject, durable, natsStatus_GetText(s), (int)jerr);
		w->sub = NULL;
		return false;
	}
	return true;
}

/* The message's subject as its organization and POST path; a subject
 * that is not a report's is refused for good. */
static bool take(struct worker *w, natsMsg *m, struct yg_req *req, int64_t *org)
{
	struct yg_hub_nats *n = w->n;
	atomic_fetch_add(&n->taken, 1);
	const char *subj = natsMsg_GetSubject(m), *path = NULL;
	if (yg_hub_nats_subject(subj, strlen(subj), &path, org) < 0) {
		atomic_fetch_add(&n->refused, 1);
		natsMsg_Term(m, NULL);
		return false;
	}
	*req = (struct yg_req){.method = "POST",
	                       .path = path,
	                       .content_type = "application/json",
	                       .body = natsMsg_GetData(m),
	                       .body_len = (size_t)natsMsg_GetDataLength(m)};
	return true;
}

/* The thread's store connection, opened when its first message comes. */
static bool store_ready(struct worker *w)
{
	int r = 0;
	if (!w->st && (r = yg_hub_store_open(w->n->h, &w->st)) < 0) {
		w->st = NULL;
		logf_(w->n, "nats: cannot open the store (error %d); the message comes again", -r);
	}
	return r == 0;
}

/* Acknowledges, hands back or refuses a message after its answer. */
static void settle(struct worker *w, natsMsg *m, int st)
{
	struct yg_hub_nats *n = w->n;
	if (st >= 200 && st < 300) {
		/* Only now, after the commit, and without waiting for the
		 * server's answer: an ack lost with a dying hub costs a
		 * redelivery that counts as a duplicate, never a loss. */
		if (natsMsg_Ack(m, NULL) == NATS_OK)
			atomic_fetch_add(&n->acked, 1);
	} else if (st >= 500) {
		atomic_fetch_add(&n->retried, 1);
		natsMsg_NakWithDelay(m, NAK_DELAY_MS, NULL);
	} else {
		atomic_fetch_add(&n->refused, 1);
		logf_(n, "nats: refused a message on %s (HTTP %d); dropped", natsMsg_GetSubject(m),
		      st);
		natsMsg_Term(m, NULL);
	}
}

/* The heartbeat's quarter of AckWait, in ms. */
static int64_t beat_ms(const struct yg_hub_nats *n)
{
	int64_t ms = n->ack_wait_ns / 4000000;
	return ms < 10 ? 10 : ms;
}

/* Hands the batch to the heartbeat; fetched_ms is when its fetch began
 * (the server's AckWait runs from each message's delivery, no earlier). */
static void arm(struct worker *w, natsMsg **ms, size_t count, int64_t fetched_ms)
{
	pthread_mutex_lock(&w->n->beat_lock);
	w->busy = ms;
	w->n_busy = count;
	w->told_ms = fetched_ms;
	pthread_mutex_unlock(&w->n->beat_lock);
}

/* Takes the batch back; any "in progress" being sent is done on return. */
static void disarm(struct worker *w)
{
	pthread_mutex_lock(&w->n->beat_lock);
	w->busy = NULL;
	w->n_busy = 0;
	pthread_mutex_unlock(&w->n->beat_lock);
}

static void *beat_main(void *arg)
{
	struct yg_hub_nats *n = arg;
	int64_t every = beat_ms(n);
	while (!stopping(n)) {
		nap(n, (unsigned)every);
		int64_t now = nats_Now();
		pthread_mutex_lock(&n->beat_lock);
		for (size_t i = 0; i < n->n_w; i++) {
			struct worker *w = &n->w[i];
			if (!w->n_busy || now - w->told_ms < every)
				continue;
			/* Without waiting for an answer: a lost one costs a
			 * redelivery, a duplicate, never a loss. */
			for (size_t j = 0; j < w->n_busy; j++)
				if (natsMsg_InProgress(w->busy[j], NULL) == NATS_OK)
					atomic_fetch_add(&n->in_progress, 1);
			w->told_ms = now;
		}
		pthread_mutex_unlock(&n->beat_lock);
	}
	return NULL;
}

/*
 * A fetch's messages as one batch (yg_hub_handle_batch_on): one read of
 * each organization (and, for sightings, of each indicator) and one write
 * transaction for all, each message acknowledged after that commit. When
 * the batch's write fails the hub answers each message on its own, so
 * each is settled by its own outcome: none is lost, none stored twice (a
 * redelivered one is a duplicate: sighting ids, a telescope window's
 * organization, sensor and minute, a beacon's evidence already held).
 */
static void handle_batch(struct worker *w, natsMsg **ms, size_t count, int64_t fetched_ms)
{
	natsMsg *mine[FETCH_BATCH];
	struct yg_req reqs[FETCH_BATCH];
	struct yg_resp resps[FETCH_BATCH];
	int64_t orgs[FETCH_BATCH];
	size_t k = 0;
	for (size_t i = 0; i < count && i < FETCH_BATCH; i++)
		if (take(w, ms[i], &reqs[k], &orgs[k]))
			mine[k++] = ms[i];
	if (!k)
		return;
	memset(resps, 0, k * sizeof resps[0]);
	if (store_ready(w)) {
		arm(w, mine, k, fetched_ms);
		yg_hub_handle_batch_on(w->n->h, w->st, orgs, reqs, resps, k);
		disarm(w);
	}
	for (size_t i = 0; i < k; i++) {
		settle(w, mine[i], resps[i].body ? resps[i].status : 500);
		yg_resp_release(&resps[i]);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct yg_hub_nats *n = w->n;
	while (!stopping(n)) {
		if (!yg_nats_connected(n->nc) || !stream_ready(n) || (!w->sub && !subscribe(w))) {
			nap(n, 500);
			continue;
		}
		natsMsg *ms[FETCH_BATCH];
		size_t count = 0;
		int64_t fetched = nats_Now();
		/* Not natsSubscription_Fetch(FETCH_BATCH): libnats 3.4.1 can
		 * write past its batch's array (nats_fetch.h). */
		natsStatus s = yg_hub_nats_fetch(w->sub, ms, FETCH_BATCH, FETCH_WAIT_MS, &count);
		if (count)
			handle_batch(w, ms, count, fetched);
		for (size_t i = 0; i < count; i++)
			natsMsg_Destroy(ms[i]);
		if (s != NATS_OK && s != NATS_TIMEOUT) {
			/* The consumer may be gone (a server that lost its
			 * state): subscribe again, stream first. */
			if (s == NATS_NOT_FOUND || s == NATS_INVALID_SUBSCRIPTION) {
				natsSubscription_Destroy(w->sub);
				w->sub = NULL;
				pthread_mutex_lock(&n->lock);
				n->stream_ok = false;
				pthread_mutex_unlock(&n->lock);
			}
			nap(n, 200);
		}
	}
	return NULL;
}

static void on_change(void *ud)
{
	struct yg_hub_nats *n = ud;
	if (natsConnection_PublishString(n->nc, YG_NATS_CHANGES, "{}") == NATS_OK)
		atomic_fetch_add(&n->notices, 1);
}

static void nats_free(struct yg_hub_nats *n)
{
	for (size_t i = 0; n->w && i < n->n_w; i++) {
		natsSubscription_Destroy(n->w[i].sub);
		if (n->w[i].st)
			n->w[i].st->ops->close(n->w[i].st);
	}
	free(n->w);
	jsCtx_Destroy(n->js);
	yg_nats_close(n->nc);
	pthread_mutex_destroy(&n->beat_lock);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

int yg_hub_nats_start(struct yg_hub *h, const struct yg_hub_nats_config *cfg,
		      struct yg_hub_nats **ret, char *err, size_t errlen)
{
	struct yg_hub_nats *n = calloc(1, sizeof *n);
	if (!n)
		return -ENOMEM;
	pthread_mutex_init(&n->lock, NULL);
	pthread_mutex_init(&n->beat_lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	n->h = h;
	n->log = cfg->log;
	n->ud = cfg->ud;
	n->ack_wait_ns = (int64_t)(cfg->ack_wait_ms ? cfg->ack_wait_ms : 5000) * 1000000;
	size_t per = cfg->handlers ? cfg->handlers : HANDLERS_DEFAULT;
	if (per > HANDLERS_MAX)
		per = HANDLERS_MAX;
	n->w = calloc(N_KINDS * per, sizeof *n->w);
	if (!n->w) {
		nats_free(n);
		return -ENOMEM;
	}
	n->n_w = N_KINDS * per;
	struct yg_nats_config nc = {.url = cfg->url,
	                            .creds_file = cfg->creds_file,
	                            .name = "yagura-hub",
	                            .log = cfg->log,
	                            .ud = cfg->ud};
	int64_t org_unused;
	int r = yg_nats_connect(&nc, &n->nc, &org_unused, err, errlen);
	if (r < 0)
		goto fail;
	if (natsConnection_JetStream(&n->js, n->nc, NULL) != NATS_OK) {
		r = -ENOMEM;
		snprintf(err, errlen, "cannot make a JetStream context");
		goto fail;
	}
	for (size_t i = 0; i < n->n_w; i++) {
		n->w[i].n = n;
		n->w[i].k = &kinds[i % N_KINDS];
		if (pthread_create(&n->w[i].tid, NULL, worker_main, &n->w[i]) != 0) {
			r = -EAGAIN;
			snprintf(err, errlen, "cannot start the NATS threads");
			yg_hub_nats_stop(n, NULL);
			return r;
		}
		n->w[i].started = true;
	}
	if (pthread_create(&n->beat_tid, NULL, beat_main, n) != 0) {
		r = -EAGAIN;
		snprintf(err, errlen, "cannot start the NATS threads");
		yg_hub_nats_stop(n, NULL);
		return r;
	}
	n->beat_started = true;
	yg_hub_set_on_change(h, on_change, n);
	*ret = n;
	return 0;
fail:
	nats_free(n);
	return r;
}

void yg_hub_nats_stop(struct yg_hub_nats *n, struct yg_hub_nats_stats *ret_stats)
{
	if (!n)
		return;
	yg_hub_set_on_change(n->h, NULL, NULL);
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
	for (size_t i = 0; i < n->n_w; i++)
		if (n->w[i].started)
			pthread_join(n->w[i].tid, NULL);
	if (n->beat_started)
		pthread_join(n->beat_tid, NULL);
	if (ret_stats)
		*ret_stats = (struct yg_hub_nats_stats){
		    .taken = atomic_load(&n->taken),
		    .acked = atomic_load(&n->acked),
		    .refused = atomic_load(&n->refused),
		    .retried = atomic_load(&n->retried),
		    .notices = atomic_load(&n->notices),
		    .in_progress = atomic_load(&n->in_progress),
		};
	nats_free(n);
}
