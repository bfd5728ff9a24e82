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

#include "common/curlbody.h"
#include "common/deadline.h"
#include "common/natsconn.h"
#include "sensor/hub_changes.h"
#include "taxii/client.h"

/* An export bigger than this is refused rather than buffered. */
#define FEED_MAX_BYTES (512u << 20)
/* A change-feed answer holds at most 5000 changes; this is generous. */
#define CHANGES_MAX_BYTES (64u << 20)
/* Indicators held from the change feed (the map, then the set). */
#define MAP_MAX 4000000u

#define TAXII_MEDIA "application/taxii+json;version=2.1"
#define TAXII_RESYNC_MS (10u * 60u * 1000u)

#define RETRY_AFTER_MAX_MS (300u * 1000u)

enum feed_mode { MODE_CHANGES, MODE_TAXII, MODE_POLL };
enum step { STEP_AGAIN, STEP_WAIT, STEP_NO_ROUTE, STEP_STUCK };

struct yg_hub_feed {
	char *url;
	struct yg_taxii_cred cred;
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
	/* TAXII: the API root, the readable collections with the newest
	 * X-TAXII-Date-Added-Last of each, and whether a full state was
	 * taken (later rounds ask only for what was added after). */
	bool forced; /* keep to mode; never fall back */
	bool taxii_full;
	uint64_t taxii_full_ms; /* when the last full state was taken */
	struct yg_taxii_client *taxii; /* the one TAXII client (taxii/client.h) */
	/* A 429 or 503 with Retry-After: the next request waits that long
	 * (at most RETRY_AFTER_MAX_MS) instead of the interval, so a hub
	 * that sheds load is not asked again at once. */
	uint64_t retry_after_ms;
	json_t *gone; /* id -> modified of its revoked version */
	/* Mode NATS: the connection, the subscription to YG_NATS_CHANGES,
	 * and whether a notice came since the last request (under lock). */
	natsConnection *nc;
	natsSubscription *nsub;
	bool kicked;
};

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

/* Keeps the hub's Retry-After of a 429 or 503 (seconds or an HTTP date,
 * which libcurl turns into seconds) and says it in msg's tail. */
static void note_retry_after(struct yg_hub_feed *f, long status, curl_off_t after_s, char *tail,
			     size_t taillen)
{
	tail[0] = '\0';
	if ((status != 429 && status != 503) || after_s <= 0)
		return;
	uint64_t ms = (uint64_t)after_s * 1000u;
	f->retry_after_ms = ms > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : ms;
	snprintf(tail, taillen, "; the hub asks to wait %llu s",
		 (unsigned long long)(f->retry_after_ms / 1000u));
}

static curl_off_t retry_after_of(CURL *c)
{
	curl_off_t s = 0;
	if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &s) != CURLE_OK)
		return 0;
	return s;
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
	struct yg_curlbody b = {.limit = FEED_MAX_BYTES};
	char etag[128] = "", inm[160], msg[CURL_ERROR_SIZE + 128], err[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	if (yg_taxii_cred_headers(&f->cred, &h) < 0)
		return;
	if (f->etag[0]) {
		snprintf(inm, sizeof inm, "If-None-Match: %s", f->etag);
		struct curl_slist *h2 = curl_slist_append(h, inm);
		if (!h2) {
			curl_slist_free_all(h);
			return;
		}
		h = h2;
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
		say(f, 1, f->nsub && yg_nats_connected(f->nc)
			       ? "hub: reachable, indicators up to date (woken by NATS)"
			       : "hub: reachable, indicators up to date");
		goto out;
	}
	if (status != 200) {
		char tail[64];
		f->st.failures++;
		note_retry_after(f, status, retry_after_of(c), tail, sizeof tail);
		snprintf(msg, sizeof msg, "hub: answered %ld%s (keeping the last indicator set%s)",
			 status, status == 401 || status == 403 ? ": the token is not accepted" : "",
			 tail);
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
	yg_curlbody_release(&b);
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
	struct timespec until = yg_deadline_ms(ms);
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

/* A notice on YG_NATS_CHANGES (libnats's thread): ask the feed now. */
static void on_notice(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	(void)nc;
	(void)sub;
	struct yg_hub_feed *f = closure;
	natsMsg_Destroy(msg);
	pthread_mutex_lock(&f->lock);
	f->kicked = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* Mode NATS: waits for a notice, at most wait_s seconds (the catch-up
 * after a missed notice). Returns false at once, or as soon as it is
 * seen, when NATS is down: the caller long-polls over HTTP instead. */
static bool nats_wait(struct yg_hub_feed *f)
{
	uint64_t end = mono_ms() + (uint64_t)f->wait_s * 1000;
	bool up = yg_nats_connected(f->nc);
	pthread_mutex_lock(&f->lock);
	while (up && !f->kicked && !f->stop && mono_ms() < end) {
		struct timespec until = yg_deadline_ms(500);
		pthread_cond_timedwait(&f->cond, &f->lock, &until);
		up = yg_nats_connected(f->nc);
	}
	if (f->kicked)
		f->st.nats_wakes++;
	f->kicked = false;
	pthread_mutex_unlock(&f->lock);
	return up;
}

/* One change-feed request and its answer. */
static enum step changes_once(struct yg_hub_feed *f, CURL *c, const char *base)
{
	struct yg_curlbody b = {.limit = CHANGES_MAX_BYTES};
	char url[4400], msg[CURL_ERROR_SIZE + 256], err[CURL_ERROR_SIZE] = "", etag[128] = "";
	unsigned wait = f->have_set && !f->in_chain && !f->dirty ? f->wait_s : 0;
	if (wait && f->nsub && nats_wait(f))
		wait = 0;
	char *since = curl_easy_escape(c, f->cursor[0] ? f->cursor : "0", 0);
	enum step ret = STEP_WAIT;
	if (!since)
		return STEP_WAIT;
	snprintf(url, sizeof url, "%s/api/v1/indicators/changes?since=%s&wait=%u", base, since, wait);
	curl_free(since);
	struct curl_slist *h = NULL;
	if (yg_taxii_cred_headers(&f->cred, &h) < 0)
		return STEP_WAIT;
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
		else {
			char tail[64];
			note_retry_after(f, status, retry_after_of(c), tail, sizeof tail);
			snprintf(msg, sizeof msg,
				 "hub: answered %ld%s (keeping the last indicator set%s)", status,
				 status == 401 || status == 403 ? ": the token is not accepted" : "",
				 tail);
		}
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
		say(f, 1, f->nsub && yg_nats_connected(f->nc)
			       ? "hub: reachable, indicators up to date (woken by NATS)"
			       : "hub: reachable, indicators up to date");
		/* A hub that does not hold the long poll must not make this a
		 * busy loop: an empty answer that came at once waits. */
		if (wait && elapsed_ms < 200)
			goto out;
	}
	ret = STEP_AGAIN;
out:
	yg_curlbody_release(&b);
	return ret;
}

/* TAXII 2.1 (taxii/client.h): the hub has no change feed, or is another
 * TAXII server. Ids of revoked versions are remembered (up to MAP_MAX) so
 * that an older version that arrives later does not bring them back. */

/* Newest version wins (by modified); a revoked one removes the id. */
static void taxii_apply(struct yg_hub_feed *f, json_t *target, const struct yg_taxii_object *o)
{
	const char *gone = json_string_value(json_object_get(f->gone, o->id));
	if (gone && yg_taxii_time_cmp(o->modified, gone) <= 0)
		return;
	const char *cur = json_string_value(json_object_get(json_object_get(target, o->id), "modified"));
	if (cur && yg_taxii_time_ok(cur) && yg_taxii_time_cmp(o->modified, cur) < 0)
		return;
	if (o->revoked) {
		json_object_del(target, o->id);
		if (json_object_size(f->gone) < MAP_MAX)
			json_object_set_new(f->gone, o->id, json_string(o->modified));
		return;
	}
	if (json_object_size(target) >= MAP_MAX && !json_object_get(target, o->id)) {
		if (!f->full_warned && f->log)
			f->log(f->ud, "hub: more indicators than the sensor holds; the rest are ignored");
		f->full_warned = true;
		return;
	}
	json_object_set(target, o->id, o->object);
}

struct taxii_target {
	struct yg_hub_feed *f;
	json_t *target;
};

static void taxii_object(void *ud, const struct yg_taxii_object *o)
{
	struct taxii_target *t = ud;
	taxii_apply(t->f, t->target, o);
}

static int taxii_cancel(void *ud)
{
	return on_xfer(ud, 0, 0, 0, 0);
}

/* One round of the TAXII client: the first is the full state, built aside
 * and swapped in whole; later ones ask only for what was added after.
 * STEP_NO_ROUTE when the server has no TAXII (404). */
static enum step taxii_round(struct yg_hub_feed *f)
{
	char msg[640];
	json_t *staging = NULL;
	/* added_after brings new versions only: an indicator deleted, or no
	 * longer shared with this member, never shows up in it. A full state
	 * now and then drops those too. */
	if (f->taxii_full && mono_ms() - f->taxii_full_ms >= TAXII_RESYNC_MS)
		f->taxii_full = false;
	struct yg_taxii_round io = {.full = !f->taxii_full};
	struct taxii_target t = {f, f->map};
	if (io.full) {
		staging = json_object();
		if (!staging)
			return STEP_WAIT;
		json_object_clear(f->gone);
		t.target = staging;
	}
	int r = yg_taxii_client_round(f->taxii, &io, taxii_object, &t);
	f->st.polls += io.requests;
	if (io.objects && !staging)
		f->dirty = true;
	if (r == -ECANCELED) {
		json_decref(staging);
		return STEP_WAIT;
	}
	if (r == -ENOENT) {
		json_decref(staging);
		return STEP_NO_ROUTE;
	}
	if (r < 0) {
		f->st.failures++;
		if (r == -EIO && io.status && io.status != 404) {
			char tail[64];
			note_retry_after(f, io.status, io.retry_after_s, tail, sizeof tail);
			snprintf(msg, sizeof msg,
				 "hub: TAXII: %s (keeping the last indicator set%s)", io.err, tail);
			say(f, (int)-io.status, msg);
		} else if (r == -EIO && !io.status) {
			snprintf(msg, sizeof msg, "hub: TAXII: %s (keeping the last indicator set)",
				 io.err);
			say(f, -1, msg);
		} else {
			if (r == -EBADMSG || r == -E2BIG)
				f->st.malformed++;
			snprintf(msg, sizeof msg,
				 "hub: TAXII: malformed answer (%s); keeping the last good set", io.err);
			say(f, -5, msg);
		}
		json_decref(staging);
		return STEP_WAIT;
	}
	f->st.taxii_polls++;
	if (staging) {
		json_decref(f->map);
		f->map = staging;
		f->taxii_full = true;
		f->taxii_full_ms = mono_ms();
		f->dirty = true;
		f->st.resets++;
		snprintf(msg, sizeof msg,
			 "hub: TAXII: full state, %zu indicators from %zu readable collections",
			 json_object_size(f->map), io.collections);
		if (f->log)
			f->log(f->ud, msg);
	} else if (io.objects) {
		f->st.taxii_incremental++;
		snprintf(msg, sizeof msg,
			 "hub: TAXII: incremental poll (added_after), %zu new object versions",
			 io.objects);
		if (f->log)
			f->log(f->ud, msg);
	}
	f->st.changes += io.objects;
	f->st.indicators = json_object_size(f->map);
	if (f->dirty)
		rebuild(f);
	else
		say(f, 1, "hub: reachable (TAXII), indicators up to date");
	return STEP_WAIT;
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
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, yg_curlbody_write);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		if (yg_taxii_cred_apply(&f->cred, c) < 0) {
			curl_easy_cleanup(c);
			c = NULL;
		}
	}
	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		pthread_mutex_unlock(&f->lock);
		enum step step = STEP_WAIT;
		if (!c) {
			say(f, -4, "hub: cannot start an HTTP client");
		} else if (f->mode == MODE_CHANGES) {
			step = changes_once(f, c, f->url);
			if ((step == STEP_NO_ROUTE || step == STEP_STUCK) && f->forced) {
				say(f, -6, step == STEP_NO_ROUTE
						   ? "hub: no change feed at this hub (404); retrying (--hub-feed changes)"
						   : "hub: the change feed makes no progress; retrying (--hub-feed changes)");
				step = STEP_WAIT;
			} else if (step == STEP_NO_ROUTE || step == STEP_STUCK) {
				f->mode = MODE_TAXII;
				if (f->log)
					f->log(f->ud, step == STEP_NO_ROUTE
							      ? "hub: no change feed at this hub (404); following "
								"it over TAXII 2.1 instead"
							      : "hub: the change feed makes no progress (more "
								"without changes); following the hub over TAXII "
								"2.1 instead");
				step = STEP_NO_ROUTE;
			}
		}
		if (c && f->mode == MODE_TAXII && step != STEP_AGAIN) {
			step = taxii_round(f);
			if (step == STEP_NO_ROUTE && f->forced) {
				say(f, -7, "hub: no TAXII 2.1 at this hub (404); retrying (--hub-feed taxii)");
			} else if (step == STEP_NO_ROUTE) {
				f->mode = MODE_POLL;
				if (f->log)
					f->log(f->ud, "hub: no TAXII 2.1 at this hub (404); polling "
						      "/api/v1/indicators instead");
				curl_easy_setopt(c, CURLOPT_URL, url);
				curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
				f->etag[0] = '\0';
				poll_once(f, c);
			}
			step = STEP_WAIT;
		} else if (c && f->mode == MODE_POLL) {
			poll_once(f, c);
		}
		pthread_mutex_lock(&f->lock);
		if (!f->first_done && !(step == STEP_AGAIN && f->in_chain)) {
			f->first_done = true;
			pthread_cond_broadcast(&f->cond);
		}
		if (step == STEP_AGAIN)
			continue;
		uint64_t wait_ms = f->interval_ms;
		if (f->retry_after_ms > wait_ms)
			wait_ms = f->retry_after_ms;
		f->retry_after_ms = 0;
		struct timespec until = yg_deadline_ms((unsigned)wait_ms);
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
	yg_taxii_client_free(f->taxii);
	yg_taxii_cred_release(&f->cred); /* wipes the secrets */
	json_decref(f->map);
	json_decref(f->staging);
	json_decref(f->gone);
	natsSubscription_Destroy(f->nsub);
	yg_nats_close(f->nc);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
}

int yg_hub_feed_start(const struct yg_hub_feed_config *cfg, struct yg_hub_feed **ret)
{
	if (!cfg->url || !cfg->cred || !cfg->live || yg_taxii_cred_check(cfg->cred, NULL) < 0)
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
	if (!f->url || ul > 4000 || yg_taxii_cred_copy(cfg->cred, &f->cred) < 0) {
		feed_free(f);
		return ul > 4000 ? -EINVAL : -ENOMEM;
	}
	struct yg_taxii_client_config tc = {.url = f->url, .cred = &f->cred,
					    .n_only = cfg->n_collections,
					    .cancel = taxii_cancel, .ud = f};
	for (size_t i = 0; i < cfg->n_collections && i < YG_TAXII_ONLY_MAX; i++)
		tc.only[i] = cfg->collections[i];
	int r = yg_taxii_client_new(&tc, &f->taxii);
	if (r < 0) {
		feed_free(f);
		return r;
	}
	f->interval_ms = cfg->interval_ms ? cfg->interval_ms : 1000;
	f->wait_s = cfg->wait_s && cfg->wait_s <= 30 ? cfg->wait_s : 25;
	enum yg_hub_feed_mode m = cfg->no_changes ? YG_HUB_FEED_POLL : cfg->mode;
	f->mode = m == YG_HUB_FEED_POLL ? MODE_POLL : m == YG_HUB_FEED_TAXII ? MODE_TAXII : MODE_CHANGES;
	f->forced = m != YG_HUB_FEED_AUTO;
	f->map = json_object();
	f->gone = json_object();
	if (!f->map || !f->gone) {
		feed_free(f);
		return -ENOMEM;
	}
	f->live = cfg->live;
	f->log = cfg->log;
	f->ud = cfg->ud;
	if (m == YG_HUB_FEED_NATS) {
		char nerr[512];
		int64_t org_unused;
		struct yg_nats_config nc = {.url = cfg->nats_url, .creds_file = cfg->nats_creds,
					    .name = "yagura-sensor-feed", .log = cfg->log, .ud = cfg->ud};
		r = yg_nats_connect(&nc, &f->nc, &org_unused, nerr, sizeof nerr);
		if (r == 0 && natsConnection_Subscribe(&f->nsub, f->nc, YG_NATS_CHANGES, on_notice,
						       f) != NATS_OK) {
			snprintf(nerr, sizeof nerr, "cannot subscribe to %s", YG_NATS_CHANGES);
			r = -EIO;
		}
		/* One round trip, so the server holds the subscription before
		 * the first catch-up read: a notice sent in between then wakes
		 * the feed too. A slow server only delays that; the periodic
		 * catch-up still reads every change. */
		if (r == 0)
			(void)natsConnection_FlushTimeout(f->nc, 2000);
		if (r < 0) {
			if (f->log) {
				char msg[600];
				snprintf(msg, sizeof msg, "hub: nats: %s", nerr);
				f->log(f->ud, msg);
			}
			feed_free(f);
			return r;
		}
	}
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
	struct timespec until = yg_deadline_ms(timeout_ms);
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
	/* No notice may touch f once it is freed. */
	if (f->nsub && (natsSubscription_Drain(f->nsub) != NATS_OK ||
			natsSubscription_WaitForDrainCompletion(f->nsub, 2000) != NATS_OK))
		natsSubscription_Unsubscribe(f->nsub);
	if (ret_stats) {
		*ret_stats = f->st;
		ret_stats->change_feed = f->mode == MODE_CHANGES;
		ret_stats->mode = f->nsub                 ? YG_HUB_FEED_NATS
				  : f->mode == MODE_CHANGES ? YG_HUB_FEED_CHANGES
				  : f->mode == MODE_TAXII ? YG_HUB_FEED_TAXII
							  : YG_HUB_FEED_POLL;
	}
	curl_global_cleanup();
	feed_free(f);
}

static const char *const mode_names[] = {"auto", "changes", "taxii", "poll", "nats"};

const char *yg_hub_feed_mode_name(enum yg_hub_feed_mode m)
{
	return (unsigned)m < sizeof mode_names / sizeof mode_names[0] ? mode_names[m] : "?";
}

int yg_hub_feed_mode_parse(const char *s, enum yg_hub_feed_mode *ret)
{
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (!strcmp(s, mode_names[i])) {
			*ret = (enum yg_hub_feed_mode)i;
			return 0;
		}
	return -EINVAL;
}
