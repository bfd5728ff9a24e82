#include "sensor/hub_feed.h"

#include <curl/curl.h>
#include <jansson.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sensor/hub_changes.h"

/* An export bigger than this is refused rather than buffered. */
#define FEED_MAX_BYTES (512u << 20)
/* A change-feed answer holds at most 5000 changes; this is generous. */
#define CHANGES_MAX_BYTES (64u << 20)
/* Indicators held from the change feed (the map, then the set). */
#define MAP_MAX 4000000u

enum feed_mode { MODE_CHANGES, MODE_POLL };
enum step { STEP_AGAIN, STEP_WAIT, STEP_NO_ROUTE, STEP_STUCK };

struct yg_hub_feed {
	char *url, *auth, *ca_file;
	unsigned interval_ms;
	struct yg_intel_live *live;
	void (*log)(void *ud, const char *msg);
	void *ud;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, first_done, have_set;
	char etag[128];
	int last_state; /* to log changes only: 0 none, 1 ok, -1.. failures */
	struct yg_hub_feed_stats st;
	/* Change feed: the map of id -> minimal indicator, and a full state
	 * being received page by page (swapped in after its last page). */
	unsigned wait_s;
	enum feed_mode mode;
	json_t *map, *staging;
	char cursor[YG_CHANGES_CURSOR_MAX];
	bool in_chain;  /* the last answer said more:true */
	bool dirty;     /* the map has changes the live set has not */
	bool full_warned;
	/* Rebuilds cost CPU in proportion to the set; under a stream of
	 * changes they are spaced so they take at most about a quarter of a
	 * core, and coalesce what arrived meanwhile. */
	uint64_t next_rebuild_ms;
};

struct body {
	char *p;
	size_t len, cap;
	size_t limit; /* 0 = FEED_MAX_BYTES */
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;
	if (b->len + n > (b->limit ? b->limit : FEED_MAX_BYTES)) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		while (cap < b->len + n)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return 0;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	char *etag = ud;
	size_t n = size * nmemb;
	if (n > 5 && !strncasecmp(ptr, "ETag:", 5)) {
		const char *v = ptr + 5;
		size_t k = n - 5;
		while (k && (*v == ' ' || *v == '\t')) {
			v++;
			k--;
		}
		while (k && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' '))
			k--;
		if (k && k < 128) {
			memcpy(etag, v, k);
			etag[k] = '\0';
		}
	}
	return n;
}

static void say(struct yg_hub_feed *f, int state, const char *msg)
{
	if (state == f->last_state && state != 2)
		return;
	f->last_state = state;
	if (f->log)
		f->log(f->ud, msg);
}

static void poll_once(struct yg_hub_feed *f, CURL *c)
{
	struct body b = {0};
	char etag[128] = "", inm[160], msg[CURL_ERROR_SIZE + 128], err[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = curl_slist_append(NULL, f->auth);
	if (f->etag[0]) {
		snprintf(inm, sizeof inm, "If-None-Match: %s", f->etag);
		h = curl_slist_append(h, inm);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)etag);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	f->st.polls++;
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (cr != CURLE_OK) {
		f->st.failures++;
		snprintf(msg, sizeof msg, "hub: %s (keeping the last indicator set)",
			 b.too_big ? "export larger than the sensor accepts" : (err[0] ? err : curl_easy_strerror(cr)));
		say(f, -1, msg);
		goto out;
	}
	if (status == 304) {
		f->st.not_modified++;
		say(f, 1, "hub: reachable, indicators up to date");
		goto out;
	}
	if (status != 200) {
		f->st.failures++;
		snprintf(msg, sizeof msg, "hub: answered %ld%s (keeping the last indicator set)", status,
			 status == 401 || status == 403 ? ": the token is not accepted" : "");
		say(f, (int)-status, msg);
		goto out;
	}
	if (yg_intel_live_set_buffer(f->live, "hub", (const uint8_t *)b.p, b.len) < 0) {
		f->st.failures++;
		say(f, -2, "hub: out of memory for the new set (keeping the last one)");
		goto out;
	}
	struct yg_intel_load_result res;
	int r = yg_intel_live_reload(f->live, &res);
	if (r < 0) {
		f->st.failures++;
		snprintf(msg, sizeof msg, "hub: new set not applied: %s", strerror(-r));
		say(f, -3, msg);
		goto out;
	}
	f->st.updates++;
	snprintf(f->etag, sizeof f->etag, "%s", etag);
	f->have_set = true;
	snprintf(msg, sizeof msg, "hub: indicator set updated: %zu indicators live, generation %llu",
		 res.indicators, (unsigned long long)yg_intel_live_generation(f->live));
	say(f, 2, msg);
out:
	free(b.p);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sleeps ms unless stopped first. */
static void nap(struct yg_hub_feed *f, uint64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (!f->stop && pthread_cond_timedwait(&f->cond, &f->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&f->lock);
}

static int on_xfer(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	struct yg_hub_feed *f = ud;
	pthread_mutex_lock(&f->lock);
	bool stop = f->stop;
	pthread_mutex_unlock(&f->lock);
	return stop; /* a held long poll must not delay the sensor's exit */
}

/* The map as one STIX bundle, loaded into the live set. */
static int rebuild(struct yg_hub_feed *f)
{
	char msg[256];
	json_t *objs = json_array();
	json_t *b = json_pack("{s:s, s:s, s:O}", "type", "bundle", "id",
			      "bundle--00000000-0000-4000-8000-000000000000", "objects", objs);
	int r = -ENOMEM;
	char *txt = NULL;
	uint64_t t0 = mono_ms();
	if (!objs || !b)
		goto out;
	const char *k;
	json_t *v;
	json_object_foreach(f->map, k, v) {
		if (json_array_append(objs, v) < 0)
			goto out;
	}
	txt = json_dumps(b, JSON_COMPACT);
	if (!txt)
		goto out;
	r = yg_intel_live_set_buffer(f->live, "hub", (const uint8_t *)txt, strlen(txt));
	if (r < 0)
		goto out;
	struct yg_intel_load_result res;
	r = yg_intel_live_reload(f->live, &res);
	if (r < 0)
		goto out;
	f->dirty = false;
	f->have_set = true;
	f->st.updates++;
	uint64_t took = mono_ms() - t0;
	f->next_rebuild_ms = mono_ms() + (took * 3 > 5000 ? 5000 : took * 3);
	snprintf(msg, sizeof msg, "hub: indicator set updated: %zu indicators live, generation %llu",
		 res.indicators, (unsigned long long)yg_intel_live_generation(f->live));
	say(f, 2, msg);
out:
	if (r < 0) {
		f->st.failures++;
		snprintf(msg, sizeof msg, "hub: new set not applied: %s (keeping the last one)",
			 strerror(-r));
		say(f, -3, msg);
	}
	free(txt);
	json_decref(b);
	json_decref(objs);
	return r;
}

static void map_put(struct yg_hub_feed *f, json_t *map, const struct yg_change *ch)
{
	if (ch->op == YG_CHANGE_REMOVE) {
		json_object_del(map, ch->id);
		return;
	}
	if (json_object_size(map) >= MAP_MAX && !json_object_get(map, ch->id)) {
		if (!f->full_warned && f->log)
			f->log(f->ud, "hub: more indicators than the sensor holds; the rest are ignored");
		f->full_warned = true;
		return;
	}
	json_object_set(map, ch->id, ch->object);
}

/* One change-feed request and its answer. */
static enum step changes_once(struct yg_hub_feed *f, CURL *c, const char *base)
{
	struct body b = {.limit = CHANGES_MAX_BYTES};
	char url[4400], msg[CURL_ERROR_SIZE + 256], err[CURL_ERROR_SIZE] = "", etag[128] = "";
	unsigned wait = f->have_set && !f->in_chain && !f->dirty ? f->wait_s : 0;
	char *since = curl_easy_escape(c, f->cursor[0] ? f->cursor : "0", 0);
	enum step ret = STEP_WAIT;
	if (!since)
		return STEP_WAIT;
	snprintf(url, sizeof url, "%s/api/v1/indicators/changes?since=%s&wait=%u", base, since, wait);
	curl_free(since);
	struct curl_slist *h = curl_slist_append(NULL, f->auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)etag); /* not used by the feed */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(wait + 15) * 1000L);
	f->st.polls++;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CURLcode cr = curl_easy_perform(c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L;
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (cr == CURLE_ABORTED_BY_CALLBACK)
		goto out;
	if (cr != CURLE_OK || status != 200) {
		if (cr == CURLE_OK && status == 404) {
			ret = STEP_NO_ROUTE;
			goto out;
		}
		f->st.failures++;
		if (cr != CURLE_OK)
			snprintf(msg, sizeof msg, "hub: %s (keeping the last indicator set)",
				 b.too_big ? "change-feed answer larger than the sensor accepts"
					   : (err[0] ? err : curl_easy_strerror(cr)));
		else
			snprintf(msg, sizeof msg, "hub: answered %ld%s (keeping the last indicator set)",
				 status, status == 401 || status == 403 ? ": the token is not accepted" : "");
		say(f, cr != CURLE_OK ? -1 : (int)-status, msg);
		goto out;
	}
	struct yg_changes ch;
	char perr[256] = "";
	int r = yg_changes_parse((const uint8_t *)(b.p ? b.p : ""), b.len, &ch, perr, sizeof perr);
	if (r < 0) {
		f->st.failures++;
		if (r == -EBADMSG)
			f->st.malformed++;
		snprintf(msg, sizeof msg, "hub: malformed change-feed answer (%s); keeping the last good set",
			 r == -EBADMSG ? perr : strerror(-r));
		say(f, -5, msg);
		goto out;
	}
	if (ch.more && ch.n == 0 && !strcmp(ch.cursor, f->cursor[0] ? f->cursor : "0")) {
		/* "Call again at once" with nothing and the same cursor would
		 * be a busy loop that never ends: not a feed to follow. */
		yg_changes_release(&ch);
		f->st.failures++;
		f->st.malformed++;
		ret = STEP_STUCK;
		goto out;
	}
	json_t *target = f->map;
	if (ch.reset && !f->in_chain) {
		/* A full state: built aside, swapped in after its last page. */
		json_decref(f->staging);
		f->staging = json_object();
		f->st.resets++;
	}
	if (f->staging)
		target = f->staging;
	if (!target) {
		yg_changes_release(&ch);
		goto out;
	}
	for (size_t i = 0; i < ch.n; i++)
		map_put(f, target, &ch.v[i]);
	f->st.changes += ch.n;
	if (ch.n)
		f->dirty = true;
	snprintf(f->cursor, sizeof f->cursor, "%s", ch.cursor);
	f->in_chain = ch.more;
	if (!ch.more && f->staging) {
		json_decref(f->map);
		f->map = f->staging;
		f->staging = NULL;
		f->dirty = true;
	}
	yg_changes_release(&ch);
	f->st.indicators = json_object_size(f->map);
	if (f->in_chain) {
		ret = STEP_AGAIN;
		goto out;
	}
	if (f->dirty) {
		uint64_t now = mono_ms();
		if (now < f->next_rebuild_ms) {
			/* Let more changes gather; the next request (wait 0, the
			 * map is dirty) brings them and rebuilds once. */
			nap(f, f->next_rebuild_ms - now);
			ret = STEP_AGAIN;
			goto out;
		}
		if (rebuild(f) < 0)
			goto out;
	} else {
		say(f, 1, "hub: reachable, indicators up to date");
		/* A hub that does not hold the long poll must not make this a
		 * busy loop: an empty answer that came at once waits. */
		if (wait && elapsed_ms < 200)
			goto out;
	}
	ret = STEP_AGAIN;
out:
	free(b.p);
	return ret;
}

static void *feed_main(void *arg)
{
	struct yg_hub_feed *f = arg;
	char url[4200];
	/* Rebuilding a big set is background work: packet threads go first
	 * when the CPU is short (best effort; per-thread nice on Linux). */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	snprintf(url, sizeof url, "%s/api/v1/indicators", f->url);
	CURL *c = curl_easy_init();
	if (c) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		if (f->ca_file)
			curl_easy_setopt(c, CURLOPT_CAINFO, f->ca_file);
	}
	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		pthread_mutex_unlock(&f->lock);
		enum step step = STEP_WAIT;
		if (!c) {
			say(f, -4, "hub: cannot start an HTTP client");
		} else if (f->mode == MODE_CHANGES) {
			step = changes_once(f, c, f->url);
			if (step == STEP_NO_ROUTE || step == STEP_STUCK) {
				f->mode = MODE_POLL;
				if (f->log)
					f->log(f->ud, step == STEP_NO_ROUTE
							      ? "hub: no change feed at this hub (404); polling "
								"/api/v1/indicators instead"
							      : "hub: the change feed makes no progress (more "
								"without changes); polling /api/v1/indicators "
								"instead");
				curl_easy_setopt(c, CURLOPT_URL, url);
				curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
				f->etag[0] = '\0';
				poll_once(f, c);
				step = STEP_WAIT;
			}
		} else {
			poll_once(f, c);
		}
		pthread_mutex_lock(&f->lock);
		if (!f->first_done && !(step == STEP_AGAIN && f->in_chain)) {
			f->first_done = true;
			pthread_cond_broadcast(&f->cond);
		}
		if (step == STEP_AGAIN)
			continue;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += f->interval_ms / 1000;
		until.tv_nsec += (long)(f->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!f->stop && pthread_cond_timedwait(&f->cond, &f->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&f->lock);
	if (c)
		curl_easy_cleanup(c);
	return NULL;
}

static void feed_free(struct yg_hub_feed *f)
{
	if (!f)
		return;
	free(f->url);
	if (f->auth) {
		/* The token was in here: do not leave it in freed memory. */
		memset(f->auth, 0, strlen(f->auth));
		free(f->auth);
	}
	free(f->ca_file);
	json_decref(f->map);
	json_decref(f->staging);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
}

int yg_hub_feed_start(const struct yg_hub_feed_config *cfg, struct yg_hub_feed **ret)
{
	if (!cfg->url || !cfg->token || !cfg->live)
		return -EINVAL;
	struct yg_hub_feed *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	size_t ul = strlen(cfg->url);
	while (ul && cfg->url[ul - 1] == '/')
		ul--;
	f->url = strndup(cfg->url, ul);
	size_t al = strlen(cfg->token) + 32;
	f->auth = malloc(al);
	f->ca_file = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
	if (!f->url || !f->auth || (cfg->ca_file && !f->ca_file) || ul > 4000) {
		feed_free(f);
		return ul > 4000 ? -EINVAL : -ENOMEM;
	}
	snprintf(f->auth, al, "Authorization: Bearer %s", cfg->token);
	f->interval_ms = cfg->interval_ms ? cfg->interval_ms : 1000;
	f->wait_s = cfg->wait_s && cfg->wait_s <= 30 ? cfg->wait_s : 25;
	f->mode = cfg->no_changes ? MODE_POLL : MODE_CHANGES;
	f->map = json_object();
	if (!f->map) {
		feed_free(f);
		return -ENOMEM;
	}
	f->live = cfg->live;
	f->log = cfg->log;
	f->ud = cfg->ud;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		feed_free(f);
		return -EIO;
	}
	if (pthread_create(&f->tid, NULL, feed_main, f) != 0) {
		curl_global_cleanup();
		feed_free(f);
		return -EAGAIN;
	}
	*ret = f;
	return 0;
}

bool yg_hub_feed_wait_first(struct yg_hub_feed *f, unsigned timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (!f->first_done && pthread_cond_timedwait(&f->cond, &f->lock, &until) != ETIMEDOUT)
		;
	bool ok = f->have_set;
	pthread_mutex_unlock(&f->lock);
	return ok;
}

void yg_hub_feed_stop(struct yg_hub_feed *f, struct yg_hub_feed_stats *ret_stats)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->tid, NULL);
	if (ret_stats) {
		*ret_stats = f->st;
		ret_stats->change_feed = f->mode == MODE_CHANGES;
	}
	curl_global_cleanup();
	feed_free(f);
}
