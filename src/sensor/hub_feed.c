#include "sensor/hub_feed.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An export bigger than this is refused rather than buffered. */
#define FEED_MAX_BYTES (512u << 20)

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
};

struct body {
	char *p;
	size_t len, cap;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;
	if (b->len + n > FEED_MAX_BYTES) {
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

static void *feed_main(void *arg)
{
	struct yg_hub_feed *f = arg;
	char url[4200];
	snprintf(url, sizeof url, "%s/api/v1/indicators", f->url);
	CURL *c = curl_easy_init();
	if (c) {
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
		if (c)
			poll_once(f, c);
		else
			say(f, -4, "hub: cannot start an HTTP client");
		pthread_mutex_lock(&f->lock);
		if (!f->first_done) {
			f->first_done = true;
			pthread_cond_broadcast(&f->cond);
		}
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
	if (ret_stats)
		*ret_stats = f->st;
	curl_global_cleanup();
	feed_free(f);
}
