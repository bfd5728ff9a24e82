/*
 * The sighting sender thread (see sighting_post.h). Contract with the hub:
 * /tmp/contract-loop.md section 1, summarised in the header.
 */
#include "sensor/sighting_post.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/curlbody.h"
#include "detect/beacon.h"
#include "output/eve.h"
#include "sensor/hostkey.h"
#include "sensor/nats_pub.h"
#include "sensor/spool.h"

#define ANSWER_MAX     (1u << 20)
#define REJECT_LOG_MAX 5 /* rejected entries logged per answer */

enum state { ST_NONE, ST_OK, ST_DOWN, ST_REFUSED, ST_NO_ROUTE };

struct yg_sightings {
	char *url, *spool_dir;
	struct yg_taxii_cred cred; /* the same credentials as the feed */
	unsigned interval_ms;
	void (*log)(void *ud, const char *msg);
	void *ud;
	struct yg_sighting_agg *agg;
	struct yg_spool *spool;
	/* Telescope windows: handed over under dlock, spooled by the thread. */
	struct yg_spool *dspool;
	pthread_mutex_t dlock;
	struct dn_item *dq_head, **dq_tail;
	size_t dq_bytes;
	/* Beacon reports (JSON objects), also under dlock. */
	struct yg_spool *bspool;
	struct dn_item *bq_head, **bq_tail;
	size_t bq_n;
	pthread_t tid;
	bool started;
	pthread_mutex_t lock; /* st and stop */
	bool stop;
	struct yg_sighting_stats st;
	char identity[128];
	enum state state;
	bool spool_failing;
	bool recovering; /* a POST failed since the spool was last empty */
	int64_t skew_us; /* the hub's clock minus ours, from its Date header */
	bool skew_said;
	CURL *curl;
	struct yg_nats_pub *nats; /* NULL: reports go over HTTP */
};

struct dn_item {
	struct dn_item *next;
	size_t len;
	char data[]; /* NUL-terminated */
};

/* The hub's Date header: how far our clock is from the hub's. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct yg_sightings *s = ud;
	size_t n = size * nmemb;
	if (n > 5 && n < 128 && !strncasecmp(ptr, "Date:", 5)) {
		char v[128];
		memcpy(v, ptr + 5, n - 5);
		v[n - 5] = '\0';
		time_t hub = curl_getdate(v, NULL);
		if (hub > 0) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			s->skew_us = ((int64_t)hub - (int64_t)ts.tv_sec) * 1000000;
		}
	}
	return n;
}

static void logf_(struct yg_sightings *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(struct yg_sightings *s, const char *fmt, ...)
{
	if (!s->log)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->log(s->ud, msg);
}

static void count(struct yg_sightings *s, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&s->lock);
	*field += n;
	pthread_mutex_unlock(&s->lock);
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One request; returns the HTTP status, or -1 for a transport error. */
static void fetch_identity(struct yg_sightings *s);

static long request(struct yg_sightings *s, const char *path, const char *post, size_t post_len,
                    struct yg_curlbody *b, char *err, size_t errlen)
{
	char url[4200], ebuf[CURL_ERROR_SIZE] = "";
	snprintf(url, sizeof url, "%s%s", s->url, path);
	CURL *c = s->curl;
	curl_easy_reset(c);
	struct curl_slist *h = NULL;
	if (yg_taxii_cred_headers(&s->cred, &h) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (post) {
		struct curl_slist *h2 = curl_slist_append(h, "Content-Type: application/json");
		if (!h2) {
			curl_slist_free_all(h);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		h = h2;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, yg_curlbody_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (yg_taxii_cred_apply(&s->cred, c) < 0) {
		curl_slist_free_all(h);
		snprintf(err, errlen, "cannot set the credentials");
		return -1;
	}
	if (post) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post_len);
	}
	CURLcode cr = curl_easy_perform(c);
	curl_slist_free_all(h);
	long status = -1;
	if (cr == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cr));
	return status;
}

/* One report: POST path over HTTP, or with NATS a publish to
 * yagura.<kind>.<org> that counts as 200 once JetStream acked it (b stays
 * empty then). */
static long send_report(struct yg_sightings *s, const char *path, const char *kind,
                        const char *data, size_t len, struct yg_curlbody *b, char *err,
                        size_t errlen)
{
	if (!s->nats)
		return request(s, path, data, len, b, err, errlen);
	if (yg_nats_pub_org(s->nats) <= 0)
		fetch_identity(s);
	return yg_nats_pub_send(s->nats, kind, data, len, err, errlen) == 0 ? 200 : -1;
}

static void fetch_identity(struct yg_sightings *s)
{
	struct yg_curlbody b = {.limit = ANSWER_MAX};
	char err[CURL_ERROR_SIZE];
	long st = request(s, "/api/v1/whoami", NULL, 0, &b, err, sizeof err);
	if (st == 200 && b.p) {
		json_t *j = json_loadb(b.p, b.len, 0, NULL);
		const char *id = json_string_value(json_object_get(j, "identity"));
		if (id && !strncmp(id, "identity--", 10) && strlen(id) < sizeof s->identity)
			snprintf(s->identity, sizeof s->identity, "%s", id);
		json_t *org = json_object_get(j, "org_id");
		if (s->nats && json_is_integer(org))
			yg_nats_pub_set_org(s->nats, (int64_t)json_integer_value(org));
		json_decref(j);
	}
	yg_curlbody_release(&b);
}

int yg_sightings_parse_answer(const char *body, size_t len, uint64_t *ret_accepted,
                              uint64_t *ret_duplicates, uint64_t *ret_rejected,
                              void (*on_reject)(void *ud, const char *id, const char *error),
                              void *ud)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	int r = -EBADMSG;
	json_t *acc = json_object_get(j, "accepted"), *dup = json_object_get(j, "duplicates");
	json_t *rej = json_object_get(j, "rejected");
	if (!json_is_integer(acc) || json_integer_value(acc) < 0 ||
	    (dup && (!json_is_integer(dup) || json_integer_value(dup) < 0)) ||
	    (rej && !json_is_array(rej)))
		goto out;
	size_t i;
	json_t *e;
	json_array_foreach(rej, i, e)
	{
		if (on_reject)
			on_reject(ud, json_string_value(json_object_get(e, "id")),
			          json_string_value(json_object_get(e, "error")));
	}
	*ret_accepted = (uint64_t)json_integer_value(acc);
	*ret_duplicates = dup ? (uint64_t)json_integer_value(dup) : 0;
	*ret_rejected = json_array_size(rej);
	r = 0;
out:
	json_decref(j);
	return r;
}

struct reject_ctx {
	struct yg_sightings *s;
	unsigned logged;
};

static void on_reject(void *ud, const char *id, const char *error)
{
	struct reject_ctx *c = ud;
	if (c->logged++ < REJECT_LOG_MAX)
		logf_(c->s, "sightings: the hub rejected %s: %s (dropped)", id ? id : "a sighting",
		      error ? error : "no reason given");
}

/* Sightings in a batch text (for counting a batch the hub refused whole). */
static uint64_t batch_size(const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	uint64_t n = json_array_size(json_object_get(j, "objects"));
	json_decref(j);
	return n;
}

static void set_state(struct yg_sightings *s, enum state st, const char *msg)
{
	if (s->state == st)
		return;
	s->state = st;
	if (msg)
		logf_(s, "%s", msg);
}

/* Posts batches oldest first until the spool is empty or one fails;
 * returns false when one failed. */
static bool deliver(struct yg_sightings *s)
{
	for (;;) {
		char *data;
		size_t len;
		uint64_t h;
		bool replay;
		int r = yg_spool_oldest(s->spool, &data, &len, &h, &replay);
		if (r == -ENOENT) {
			s->recovering = false;
			return true;
		}
		if (r == -EBADMSG) {
			logf_(s, "sightings: a spooled batch is unreadable or malformed; set aside "
			         "as .bad");
			continue;
		}
		if (r < 0)
			return false;
		if (!s->identity[0])
			fetch_identity(s);
		struct yg_curlbody b = {.limit = ANSWER_MAX};
		char err[CURL_ERROR_SIZE + 64] = "", msg[CURL_ERROR_SIZE + 200];
		long st = send_report(s, "/api/v1/sightings", "sightings", data, len, &b, err,
		                      sizeof err);
		bool ok = false, drop = false;
		if (st == 200 && s->nats) {
			/* In the stream: a hub counts it (duplicates too) later. */
			uint64_t n = batch_size(data, len);
			pthread_mutex_lock(&s->lock);
			s->st.posted += n;
			if (replay || s->recovering)
				s->st.replayed += n;
			pthread_mutex_unlock(&s->lock);
			set_state(s, ST_OK, "sightings: delivering to NATS JetStream");
			ok = true;
		} else if (st == 200) {
			uint64_t acc = 0, dup = 0, rej = 0;
			struct reject_ctx rc = {s, 0};
			if (b.p && yg_sightings_parse_answer(b.p, b.len, &acc, &dup, &rej,
			                                     on_reject, &rc) == 0) {
				pthread_mutex_lock(&s->lock);
				s->st.posted += acc;
				s->st.duplicates += dup;
				s->st.rejected += rej;
				if (replay || s->recovering)
					s->st.replayed += acc + dup;
				pthread_mutex_unlock(&s->lock);
			} else {
				logf_(s, "sightings: the hub took a batch but its answer was not "
				         "understood");
			}
			set_state(s, ST_OK, "sightings: delivering to the hub");
			ok = true;
		} else if (st == 400 || st == 413 || st == 415) {
			uint64_t n = batch_size(data, len);
			logf_(s,
			      "sightings: the hub refused a batch of %llu sightings (HTTP %ld); "
			      "dropped",
			      (unsigned long long)n, st);
			count(s, &s->st.rejected, n);
			drop = true;
		} else {
			count(s, &s->st.post_failures, 1);
			s->recovering = true;
			if (st == 401 || st == 403) {
				snprintf(msg, sizeof msg,
				         "sightings: token refused by the hub (HTTP %ld); "
				         "sightings stay in the spool and are retried",
				         st);
				set_state(s, ST_REFUSED, msg);
			} else if (st == 404) {
				set_state(s, ST_NO_ROUTE,
				          "sightings: the hub has no sightings route "
				          "(HTTP 404); sightings stay in the spool");
			} else {
				if (st < 0 && s->nats)
					snprintf(msg, sizeof msg,
					         "sightings: NATS: %s; "
					         "sightings stay in the spool and are retried",
					         err);
				else if (st < 0)
					snprintf(msg, sizeof msg,
					         "sightings: hub unreachable (%s); "
					         "sightings stay in the spool and are retried",
					         err);
				else
					snprintf(msg, sizeof msg,
					         "sightings: hub answered HTTP %ld; "
					         "sightings stay in the spool and are retried",
					         st);
				set_state(s, ST_DOWN, msg);
			}
		}
		yg_curlbody_release(&b);
		free(data);
		if (ok || drop)
			yg_spool_remove(s->spool, h);
		else
			return false;
	}
}

/* Moves everything pending in the aggregator into the spool. */
static void drain(struct yg_sightings *s)
{
	for (;;) {
		char *json;
		size_t len;
		unsigned n;
		/* Within a minute the clocks agree well enough (the hub allows
		 * five); beyond, times are put on the hub's clock. */
		int64_t shift = s->skew_us > 60000000 || s->skew_us < -60000000 ? s->skew_us : 0;
		if (shift && !s->skew_said) {
			s->skew_said = true;
			logf_(s,
			      "sightings: this clock is %lld s %s the hub's; sighting times are "
			      "corrected by that",
			      (long long)(shift < 0 ? -shift : shift) / 1000000,
			      shift < 0 ? "ahead of" : "behind");
		}
		if (yg_sighting_agg_take(s->agg, s->identity[0] ? s->identity : NULL, now_us(),
		                         shift, &json, &len, &n) < 0) {
			logf_(s, "sightings: out of memory making a batch; will retry");
			return;
		}
		if (!json)
			return;
		count(s, &s->st.made, n);
		char err[512];
		int r = yg_spool_put(s->spool, json, len, err, sizeof err);
		free(json);
		if (r >= 0) {
			count(s, &s->st.spooled, n);
			if (r == 1 && !s->spool_failing) {
				s->spool_failing = true;
				if (s->spool_dir)
					logf_(
					    s,
					    "sightings: SPOOL NOT WRITABLE: %s; holding batches in "
					    "memory (at most %u MB) and retrying the folder",
					    err, YG_SPOOL_MEM_MAX >> 20);
			} else if (r == 0 && s->spool_failing) {
				s->spool_failing = false;
				logf_(s, "sightings: spool folder %s writable again", s->spool_dir);
			}
		} else {
			count(s, &s->st.dropped_spool_full, n);
			logf_(s,
			      "sightings: SPOOL FULL: %s; dropped a batch of %u sightings "
			      "(older batches are kept)",
			      err, n);
		}
	}
}

void yg_sightings_darknet_add(struct yg_sightings *s, const char *json, size_t len)
{
	struct dn_item *it = NULL;
	pthread_mutex_lock(&s->dlock);
	bool room = s->dq_bytes + len <= YG_DARKNET_QUEUE_MAX;
	pthread_mutex_unlock(&s->dlock);
	if (room)
		it = malloc(sizeof *it + len + 1);
	if (!it) {
		count(s, &s->st.darknet_dropped, 1);
		return;
	}
	it->next = NULL;
	it->len = len;
	memcpy(it->data, json, len);
	it->data[len] = 0;
	pthread_mutex_lock(&s->dlock);
	*s->dq_tail = it;
	s->dq_tail = &it->next;
	s->dq_bytes += len;
	pthread_mutex_unlock(&s->dlock);
	count(s, &s->st.darknet_windows, 1);
}

/* Moves the windows handed over into the darknet spool. */
static void drain_darknet(struct yg_sightings *s)
{
	pthread_mutex_lock(&s->dlock);
	struct dn_item *it = s->dq_head;
	s->dq_head = NULL;
	s->dq_tail = &s->dq_head;
	s->dq_bytes = 0;
	pthread_mutex_unlock(&s->dlock);
	while (it) {
		struct dn_item *next = it->next;
		char err[512];
		if (yg_spool_put(s->dspool, it->data, it->len, err, sizeof err) < 0) {
			count(s, &s->st.darknet_dropped, 1);
			logf_(s, "darknet: SPOOL FULL: %s; dropped a window", err);
		}
		free(it);
		it = next;
	}
}

/* Posts spooled windows oldest first (one per POST) until the spool is
 * empty or one fails. Same rules as deliver(): a 200 removes the window,
 * a 400/413/415 drops it (counted), anything else keeps it for later. */
static bool deliver_darknet(struct yg_sightings *s)
{
	for (;;) {
		char *data;
		size_t len;
		uint64_t h;
		bool replay;
		int r = yg_spool_oldest(s->dspool, &data, &len, &h, &replay);
		if (r == -ENOENT)
			return true;
		if (r == -EBADMSG) {
			logf_(s, "darknet: a spooled window is unreadable or malformed; set aside as .bad");
			continue;
		}
		if (r < 0)
			return false;
		struct yg_curlbody b = {.limit = ANSWER_MAX};
		char err[CURL_ERROR_SIZE + 64] = "";
		long st = send_report(s, "/api/v1/darknet", "darknet", data, len, &b, err, sizeof err);
		yg_curlbody_release(&b);
		free(data);
		if (st == 200 || st == 201) {
			count(s, &s->st.darknet_posted, 1);
		} else if (st == 400 || st == 413 || st == 415) {
			logf_(s, "darknet: the hub refused a window (HTTP %ld); dropped", st);
			count(s, &s->st.darknet_rejected, 1);
		} else {
			if (st < 0)
				logf_(s, "darknet: not delivered (%s); windows stay in the spool", err);
			else
				logf_(s, "darknet: hub answered HTTP %ld; windows stay in the spool", st);
			return false;
		}
		yg_spool_remove(s->dspool, h);
	}
}

/* RFC 3339 text with milliseconds, as the sightings write it. */
static json_t *time_json(uint64_t us)
{
	char t[32];
	yg_sighting_time(us, t);
	return json_string(t);
}

static json_t *beacon_json(struct yg_sightings *s, const struct yg_beacon_hit *h)
{
	char host[64], dest[64], hash[65];
	yg_eve_format_addr(h->family, &h->host, host, sizeof host);
	yg_eve_format_addr(h->family, &h->dest, dest, sizeof dest);
	bool share = yg_sighting_agg_host_hash(s->agg, host, hash);
	/* Three decimals: the hub needs no more, and the text stays stable. */
	double iv = (double)(int64_t)(h->v.period_s * 1000 + 0.5) / 1000;
	double sc = (double)(int64_t)(h->v.score * 1000 + 0.5) / 1000;
	json_t *o = json_pack("{s:s, s:s, s:o, s:i, s:s, s:f, s:I, s:f, s:o, s:o}", "host_hash", hash,
	                      "dest", dest, "name", h->name[0] ? json_string(h->name) : json_null(),
	                      "dst_port", (int)h->dport, "proto", h->proto == 6 ? "tcp" : "udp",
	                      "interval_s", iv, "count", (json_int_t)h->v.beats, "score", sc,
	                      "first_seen", time_json(h->first_us), "last_seen",
	                      time_json(h->last_us));
	if (o && share && json_object_set_new(o, "host", json_string(host)) < 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

void yg_sightings_beacon_add(struct yg_sightings *s, const struct yg_beacon_hit *h)
{
	count(s, &s->st.beacons, 1);
	pthread_mutex_lock(&s->dlock);
	bool room = s->bq_n < YG_BEACON_QUEUE_MAX;
	pthread_mutex_unlock(&s->dlock);
	json_t *o = room ? beacon_json(s, h) : NULL;
	char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	size_t len = txt ? strlen(txt) : 0;
	struct dn_item *it = txt ? malloc(sizeof *it + len + 1) : NULL;
	if (!it) {
		free(txt);
		count(s, &s->st.beacons_dropped, 1);
		return;
	}
	it->next = NULL;
	it->len = len;
	memcpy(it->data, txt, len + 1);
	free(txt);
	pthread_mutex_lock(&s->dlock);
	*s->bq_tail = it;
	s->bq_tail = &it->next;
	s->bq_n++;
	pthread_mutex_unlock(&s->dlock);
}

/* Moves the queued reports into the beacon spool, YG_BEACONS_PER_POST a body. */
static void drain_beacons(struct yg_sightings *s)
{
	pthread_mutex_lock(&s->dlock);
	struct dn_item *it = s->bq_head;
	s->bq_head = NULL;
	s->bq_tail = &s->bq_head;
	s->bq_n = 0;
	pthread_mutex_unlock(&s->dlock);
	while (it) {
		size_t len = 16, n = 0; /* the brackets around the list */
		struct dn_item *end = it;
		for (; end && n < YG_BEACONS_PER_POST; end = end->next, n++)
			len += end->len + 1;
		char *body = malloc(len + 1), *p = body;
		if (body) {
			static const char lead[] = "{\"beacons\":[";
			memcpy(p, lead, sizeof lead - 1);
			p += sizeof lead - 1;
			for (struct dn_item *x = it; x != end; x = x->next) {
				if (x != it)
					*p++ = ',';
				memcpy(p, x->data, x->len);
				p += x->len;
			}
			memcpy(p, "]}", 3);
			p += 2;
		}
		char err[512] = "out of memory";
		if (!body || yg_spool_put(s->bspool, body, (size_t)(p - body), err, sizeof err) < 0) {
			count(s, &s->st.beacons_dropped, n);
			logf_(s, "beacons: SPOOL FULL: %s; dropped %zu beacon reports", err, n);
		}
		free(body);
		while (it != end) {
			struct dn_item *next = it->next;
			free(it);
			it = next;
		}
	}
}

/* Reports in a beacon body. */
static uint64_t beacons_in(const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	uint64_t n = json_array_size(json_object_get(j, "beacons"));
	json_decref(j);
	return n;
}

/* Posts spooled beacon bodies oldest first; deliver_darknet's rules. */
static bool deliver_beacons(struct yg_sightings *s)
{
	for (;;) {
		char *data;
		size_t len;
		uint64_t h;
		bool replay;
		int r = yg_spool_oldest(s->bspool, &data, &len, &h, &replay);
		if (r == -ENOENT)
			return true;
		if (r == -EBADMSG) {
			logf_(s, "beacons: a spooled body is unreadable or malformed; set aside as .bad");
			continue;
		}
		if (r < 0)
			return false;
		struct yg_curlbody b = {.limit = ANSWER_MAX};
		char err[CURL_ERROR_SIZE + 64] = "";
		long st = send_report(s, "/api/v1/beacons", "beacons", data, len, &b, err, sizeof err);
		yg_curlbody_release(&b);
		uint64_t n = beacons_in(data, len);
		free(data);
		if (st == 200 || st == 201) {
			count(s, &s->st.beacons_posted, n);
		} else if (st == 400 || st == 413 || st == 415) {
			logf_(s, "beacons: the hub refused %llu beacon reports (HTTP %ld); dropped",
			      (unsigned long long)n, st);
			count(s, &s->st.beacons_rejected, n);
		} else {
			if (st < 0)
				logf_(s, "beacons: not delivered (%s); reports stay in the spool", err);
			else
				logf_(s, "beacons: hub answered HTTP %ld; reports stay in the spool", st);
			return false;
		}
		yg_spool_remove(s->bspool, h);
	}
}

static bool stopping(struct yg_sightings *s)
{
	pthread_mutex_lock(&s->lock);
	bool st = s->stop;
	pthread_mutex_unlock(&s->lock);
	return st;
}

static void *sender_main(void *arg)
{
	struct yg_sightings *s = arg;
	fetch_identity(s);
	/* What a previous run left goes out first. */
	deliver(s);
	deliver_darknet(s);
	deliver_beacons(s);
	while (!stopping(s)) {
		yg_sighting_agg_wait(s->agg, s->interval_ms);
		drain(s);
		deliver(s);
		drain_darknet(s);
		deliver_darknet(s);
		drain_beacons(s);
		deliver_beacons(s);
	}
	return NULL;
}

static void sightings_free(struct yg_sightings *s)
{
	if (!s)
		return;
	free(s->url);
	yg_taxii_cred_release(&s->cred); /* wipes the secrets */
	free(s->spool_dir);
	yg_spool_free(s->spool);
	yg_spool_free(s->dspool);
	yg_spool_free(s->bspool);
	for (struct dn_item *it = s->dq_head, *n; it; it = n) {
		n = it->next;
		free(it);
	}
	for (struct dn_item *it = s->bq_head, *n; it; it = n) {
		n = it->next;
		free(it);
	}
	pthread_mutex_destroy(&s->dlock);
	yg_sighting_agg_free(s->agg);
	if (s->curl)
		curl_easy_cleanup(s->curl);
	yg_nats_pub_free(s->nats);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int yg_sightings_start(const struct yg_sightings_config *cfg, struct yg_sightings **ret, char *err,
                       size_t errlen)
{
	if (!cfg->url || !cfg->cred || yg_taxii_cred_check(cfg->cred, NULL) < 0 ||
	    cfg->batch > YG_SIGHTING_BATCH_MAX) {
		snprintf(err, errlen, "bad sightings configuration");
		return -EINVAL;
	}
	struct yg_sightings *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->dlock, NULL);
	s->dq_tail = &s->dq_head;
	s->bq_tail = &s->bq_head;
	int r = -ENOMEM;
	size_t ul = strlen(cfg->url);
	while (ul && cfg->url[ul - 1] == '/')
		ul--;
	s->url = strndup(cfg->url, ul > 4000 ? 4000 : ul);
	s->spool_dir = cfg->spool_dir ? strdup(cfg->spool_dir) : NULL;
	if (!s->url || (cfg->spool_dir && !s->spool_dir) ||
	    yg_taxii_cred_copy(cfg->cred, &s->cred) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->interval_ms = cfg->interval_ms ? cfg->interval_ms : 5000;
	s->log = cfg->log;
	s->ud = cfg->ud;

	/* The spool first: it creates the folder the default host key lives in. */
	char serr[512] = "";
	r = yg_spool_open(cfg->spool_dir, cfg->spool_max_bytes ? cfg->spool_max_bytes : 64u << 20,
	                  serr, sizeof serr, &s->spool);
	if (r < 0) {
		snprintf(err, errlen, "spool: %s", strerror(-r));
		goto fail;
	}
	if (serr[0]) {
		s->spool_failing = true;
		logf_(s,
		      "sightings: SPOOL NOT WRITABLE: %s; holding batches in memory and retrying",
		      serr);
	}
	/* Telescope windows share the folder and its bound. */
	r = yg_spool_open_kind(cfg->spool_dir, YG_SPOOL_DARKNET,
	                       cfg->spool_max_bytes ? cfg->spool_max_bytes : 64u << 20, serr,
	                       sizeof serr, &s->dspool);
	if (r < 0) {
		snprintf(err, errlen, "spool: %s", strerror(-r));
		goto fail;
	}
	r = yg_spool_open_kind(cfg->spool_dir, YG_SPOOL_BEACONS,
	                       cfg->spool_max_bytes ? cfg->spool_max_bytes : 64u << 20, serr,
	                       sizeof serr, &s->bspool);
	if (r < 0) {
		snprintf(err, errlen, "spool: %s", strerror(-r));
		goto fail;
	}
	struct yg_sighting_config ac = {
	    .share_hosts = cfg->share_hosts, .sensor_name = cfg->sensor_name, .batch = cfg->batch};
	char keypath[4200];
	const char *kp = cfg->host_key_file;
	if (!kp && cfg->spool_dir) {
		snprintf(keypath, sizeof keypath, "%s/host.key", cfg->spool_dir);
		kp = keypath;
	}
	if (kp && !cfg->host_key_file) {
		/* The default key lives in the spool folder; a folder that
		 * cannot hold it must not stop the sensor. */
		r = yg_hostkey_load(kp, ac.host_key);
		if (r < 0) {
			logf_(s,
			      "sightings: cannot keep a host key in %s (%s); using a key for this "
			      "run only",
			      kp, strerror(-r));
			kp = NULL;
		}
	} else if (kp) {
		r = yg_hostkey_load(kp, ac.host_key);
		if (r < 0) {
			snprintf(err, errlen, "host key %s: %s", kp,
			         r == -EBADMSG ? "not a 32-byte key file" : strerror(-r));
			goto fail;
		}
	}
	if (!kp && yg_hostkey_random(ac.host_key) < 0) {
		r = -EIO;
		snprintf(err, errlen, "no random bytes for a host key");
		goto fail;
	}
	r = yg_sighting_agg_new(&ac, &s->agg);
	memset(ac.host_key, 0, sizeof ac.host_key);
	if (r < 0) {
		snprintf(err, errlen, "sightings: %s", strerror(-r));
		goto fail;
	}
	struct yg_spool_stats ss;
	yg_spool_stats(s->spool, &ss);
	if (ss.loaded)
		logf_(s, "sightings: %llu batches left by a previous run will be delivered first",
		      (unsigned long long)ss.loaded);
	r = -EIO;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot start an HTTP client");
		goto fail;
	}
	s->curl = curl_easy_init();
	if (!s->curl) {
		curl_global_cleanup();
		snprintf(err, errlen, "cannot start an HTTP client");
		goto fail;
	}
	if (cfg->nats_url) {
		struct yg_nats_config nc = {.url = cfg->nats_url,
		                            .creds_file = cfg->nats_creds,
		                            .name = cfg->sensor_name ? cfg->sensor_name : "yagura-sensor",
		                            .log = cfg->log,
		                            .ud = cfg->ud};
		char nerr[512];
		r = yg_nats_pub_new(&nc, &s->nats, nerr, sizeof nerr);
		if (r < 0) {
			curl_global_cleanup();
			snprintf(err, errlen, "nats: %s", nerr);
			goto fail;
		}
	}
	if (pthread_create(&s->tid, NULL, sender_main, s) != 0) {
		curl_global_cleanup();
		r = -EAGAIN;
		snprintf(err, errlen, "cannot start the sightings thread");
		goto fail;
	}
	s->started = true;
	*ret = s;
	return 0;
fail:
	sightings_free(s);
	return r;
}

struct yg_sighting_agg *yg_sightings_agg(struct yg_sightings *s)
{
	return s->agg;
}

void yg_sightings_stats(struct yg_sightings *s, struct yg_sighting_stats *ret)
{
	pthread_mutex_lock(&s->lock);
	*ret = s->st;
	pthread_mutex_unlock(&s->lock);
	ret->alerts_dropped = yg_sighting_agg_dropped(s->agg);
}

void yg_sightings_stop(struct yg_sightings *s, struct yg_sighting_stats *ret_stats)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_mutex_unlock(&s->lock);
	yg_sighting_agg_wake(s->agg);
	pthread_join(s->tid, NULL);
	/* The last alerts, then one more try; the rest waits in the spool. */
	drain(s);
	if (!deliver(s))
		logf_(s, "sightings: not all delivered; they stay spooled%s",
		      s->spool_dir ? " for the next run" : " (no --spool: they are lost)");
	drain_darknet(s);
	if (!deliver_darknet(s))
		logf_(s, "darknet: not all windows delivered; they stay spooled%s",
		      s->spool_dir ? " for the next run" : " (no --spool: they are lost)");
	drain_beacons(s);
	if (!deliver_beacons(s))
		logf_(s, "beacons: not all reports delivered; they stay spooled%s",
		      s->spool_dir ? " for the next run" : " (no --spool: they are lost)");
	struct yg_spool_stats ss;
	yg_spool_stats(s->bspool, &ss);
	pthread_mutex_lock(&s->lock);
	s->st.beacons_waiting = ss.batches;
	pthread_mutex_unlock(&s->lock);
	yg_spool_stats(s->dspool, &ss);
	pthread_mutex_lock(&s->lock);
	s->st.darknet_waiting = ss.batches;
	pthread_mutex_unlock(&s->lock);
	yg_spool_stats(s->spool, &ss);
	pthread_mutex_lock(&s->lock);
	s->st.spool_batches = ss.batches;
	s->st.spool_write_errors = ss.write_errors;
	pthread_mutex_unlock(&s->lock);
	if (ret_stats)
		yg_sightings_stats(s, ret_stats);
	curl_global_cleanup();
	sightings_free(s);
}
