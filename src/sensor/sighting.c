/*
 * The sighting aggregator: alerts on hub indicators, summed per indicator
 * until the sender takes a batch. See sighting.h for the contract.
 */
#include "sensor/sighting.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/deadline.h"
#include "common/hash.h"

#define ID_MAX        128
#define HOST_TEXT_MAX 48
#define BUCKETS       16384

struct entry {
	struct entry *chain; /* same bucket */
	struct entry *next;  /* insertion order, oldest first */
	char id[ID_MAX];
	uint64_t count, first_us, last_us;
	unsigned n_hosts;
	uint8_t hosts[YG_SIGHTING_HOSTS_MAX][32];
	char (*texts)[HOST_TEXT_MAX]; /* only with share_hosts */
};

struct yg_sighting_agg {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool woken;
	struct yg_sighting_config cfg;
	char *sensor_name;
	uint64_t seed;
	struct entry *bucket[BUCKETS];
	struct entry *head, *tail;
	size_t n;
	uint64_t dropped;
};

void yg_sighting_time(uint64_t us, char ret[32])
{
	time_t s = (time_t)(us / 1000000u);
	struct tm tm;
	if (!gmtime_r(&s, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1970) {
		snprintf(ret, 32, "1970-01-01T00:00:00.000Z");
		return;
	}
	char day[24];
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ret, 32, "%.19s.%03uZ", day, (unsigned)(us % 1000000u / 1000u));
}

static void hmac_raw(const uint8_t key[YG_SIGHTING_KEY_LEN], const char *host, uint8_t out[32])
{
	unsigned len = 32;
	if (!HMAC(EVP_sha256(), key, YG_SIGHTING_KEY_LEN, (const unsigned char *)host, strlen(host),
	          out, &len))
		memset(out, 0, 32);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void yg_sighting_host_hash(const uint8_t key[YG_SIGHTING_KEY_LEN], const char *host,
                           char ret_hex[65])
{
	uint8_t h[32];
	hmac_raw(key, host, h);
	hex(h, 32, ret_hex);
}

bool yg_sighting_agg_host_hash(const struct yg_sighting_agg *a, const char *host,
                               char ret_hex[65])
{
	yg_sighting_host_hash(a->cfg.host_key, host, ret_hex);
	return a->cfg.share_hosts;
}

int yg_sighting_agg_new(const struct yg_sighting_config *cfg, struct yg_sighting_agg **ret)
{
	if (cfg->batch > YG_SIGHTING_BATCH_MAX)
		return -EINVAL;
	struct yg_sighting_agg *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	if (!a->cfg.batch)
		a->cfg.batch = 500;
	if (cfg->sensor_name) {
		a->sensor_name = strndup(cfg->sensor_name, 200);
		if (!a->sensor_name) {
			free(a);
			return -ENOMEM;
		}
	}
	a->cfg.sensor_name = a->sensor_name;
	a->seed = yg_hash_random_seed();
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	*ret = a;
	return 0;
}

static void entry_free(struct entry *e)
{
	free(e->texts);
	free(e);
}

void yg_sighting_agg_free(struct yg_sighting_agg *a)
{
	if (!a)
		return;
	for (struct entry *e = a->head, *n; e; e = n) {
		n = e->next;
		entry_free(e);
	}
	free(a->sensor_name);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	memset(a->cfg.host_key, 0, sizeof a->cfg.host_key);
	free(a);
}

static bool valid_id(const char *id)
{
	size_t n = strnlen(id, ID_MAX);
	if (n >= ID_MAX || n <= 11 || strncmp(id, "indicator--", 11))
		return false;
	for (size_t i = 11; i < n; i++) {
		char c = id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		      c == '-'))
			return false;
	}
	return true;
}

int yg_sighting_agg_add(struct yg_sighting_agg *a, const char *stix_id, uint64_t ts_us,
                        const char *host)
{
	if (!stix_id || !valid_id(stix_id))
		return -EINVAL;
	uint8_t h[32];
	bool have_host = host && host[0] && strlen(host) < HOST_TEXT_MAX;
	/* The HMAC outside the lock: workers contend only for the table. */
	if (have_host)
		hmac_raw(a->cfg.host_key, host, h);
	size_t idl = strlen(stix_id);
	size_t b = yg_hash64(stix_id, idl, a->seed) % BUCKETS;
	int r = 0;
	pthread_mutex_lock(&a->lock);
	struct entry *e = a->bucket[b];
	while (e && strcmp(e->id, stix_id))
		e = e->chain;
	if (!e) {
		if (a->n >= YG_SIGHTING_PENDING_MAX) {
			a->dropped++;
			r = -E2BIG;
			goto out;
		}
		e = calloc(1, sizeof *e);
		if (e && a->cfg.share_hosts) {
			e->texts = calloc(YG_SIGHTING_HOSTS_MAX, HOST_TEXT_MAX);
			if (!e->texts) {
				free(e);
				e = NULL;
			}
		}
		if (!e) {
			a->dropped++;
			r = -ENOMEM;
			goto out;
		}
		memcpy(e->id, stix_id, idl + 1);
		e->first_us = e->last_us = ts_us;
		e->chain = a->bucket[b];
		a->bucket[b] = e;
		if (a->tail)
			a->tail->next = e;
		else
			a->head = e;
		a->tail = e;
		a->n++;
		if (a->n == a->cfg.batch) {
			a->woken = true;
			pthread_cond_broadcast(&a->cond);
		}
	}
	e->count++;
	if (ts_us < e->first_us)
		e->first_us = ts_us;
	if (ts_us > e->last_us)
		e->last_us = ts_us;
	if (have_host && e->n_hosts < YG_SIGHTING_HOSTS_MAX) {
		unsigned i = 0;
		while (i < e->n_hosts && memcmp(e->hosts[i], h, 32))
			i++;
		if (i == e->n_hosts) {
			memcpy(e->hosts[i], h, 32);
			if (e->texts)
				snprintf(e->texts[i], HOST_TEXT_MAX, "%s", host);
			e->n_hosts++;
		}
	}
out:
	pthread_mutex_unlock(&a->lock);
	return r;
}

size_t yg_sighting_agg_pending(struct yg_sighting_agg *a)
{
	pthread_mutex_lock(&a->lock);
	size_t n = a->n;
	pthread_mutex_unlock(&a->lock);
	return n;
}

uint64_t yg_sighting_agg_dropped(struct yg_sighting_agg *a)
{
	pthread_mutex_lock(&a->lock);
	uint64_t n = a->dropped;
	pthread_mutex_unlock(&a->lock);
	return n;
}

bool yg_sighting_agg_wait(struct yg_sighting_agg *a, unsigned timeout_ms)
{
	struct timespec until = yg_deadline_ms(timeout_ms);
	pthread_mutex_lock(&a->lock);
	while (!a->woken && a->n < a->cfg.batch &&
	       pthread_cond_timedwait(&a->cond, &a->lock, &until) == 0)
		;
	bool woken = a->woken || a->n >= a->cfg.batch;
	a->woken = false;
	pthread_mutex_unlock(&a->lock);
	return woken;
}

void yg_sighting_agg_wake(struct yg_sighting_agg *a)
{
	pthread_mutex_lock(&a->lock);
	a->woken = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

/* Unlinks up to max oldest entries; returns them as a list. */
static struct entry *take_list(struct yg_sighting_agg *a, unsigned max, unsigned *ret_n)
{
	struct entry *first = NULL, **tailp = &first;
	unsigned n = 0;
	pthread_mutex_lock(&a->lock);
	while (a->head && n < max) {
		struct entry *e = a->head;
		a->head = e->next;
		if (!a->head)
			a->tail = NULL;
		size_t b = yg_hash64(e->id, strlen(e->id), a->seed) % BUCKETS;
		struct entry **pp = &a->bucket[b];
		while (*pp != e)
			pp = &(*pp)->chain;
		*pp = e->chain;
		e->next = NULL;
		*tailp = e;
		tailp = &e->next;
		a->n--;
		n++;
	}
	pthread_mutex_unlock(&a->lock);
	*ret_n = n;
	return first;
}

/* Puts a taken list back in front (serialization failed: lose nothing). */
static void put_back(struct yg_sighting_agg *a, struct entry *list)
{
	if (!list)
		return;
	struct entry *last = list;
	pthread_mutex_lock(&a->lock);
	for (struct entry *e = list; e; e = e->next) {
		size_t b = yg_hash64(e->id, strlen(e->id), a->seed) % BUCKETS;
		/* A newer entry for the same id may exist now; two sightings for
		 * one indicator in one window are still correct counts. */
		e->chain = a->bucket[b];
		a->bucket[b] = e;
		a->n++;
		last = e;
	}
	last->next = a->head;
	a->head = list;
	if (!a->tail)
		a->tail = last;
	pthread_mutex_unlock(&a->lock);
}

static int uuid4(char out[37])
{
	uint8_t u[16];
	if (RAND_bytes(u, sizeof u) != 1)
		return -EIO;
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	char h[33];
	hex(u, 16, h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	return 0;
}

static uint64_t shifted(uint64_t us, int64_t shift)
{
	if (shift < 0 && (uint64_t)-shift > us)
		return 0;
	return (uint64_t)((int64_t)us + shift);
}

static json_t *sighting_json(const struct yg_sighting_agg *a, const struct entry *e,
                             const char *identity, const char *now, int64_t shift)
{
	char uuid[37], id[64], first[32], last[32];
	if (uuid4(uuid) < 0)
		return NULL;
	snprintf(id, sizeof id, "sighting--%s", uuid);
	yg_sighting_time(shifted(e->first_us, shift), first);
	yg_sighting_time(shifted(e->last_us, shift), last);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "type", "sighting",
	                      "spec_version", "2.1", "id", id, "created", now, "modified", now,
	                      "sighting_of_ref", e->id, "count",
	                      (json_int_t)(e->count > 1000000000u ? 1000000000u : e->count),
	                      "first_seen", first, "last_seen", last);
	if (!o)
		return NULL;
	int r = 0;
	if (identity)
		r |= json_object_set_new(o, "where_sighted_refs", json_pack("[s]", identity));
	if (a->cfg.sensor_name)
		r |= json_object_set_new(o, "x_yagura_sensor", json_string(a->cfg.sensor_name));
	if (e->n_hosts) {
		json_t *hh = json_array(), *ht = e->texts ? json_array() : NULL;
		r |= json_object_set_new(o, "x_yagura_host_hashes", hh);
		if (e->texts)
			r |= json_object_set_new(o, "x_yagura_hosts", ht);
		for (unsigned i = 0; i < e->n_hosts && r == 0; i++) {
			char x[65];
			hex(e->hosts[i], 32, x);
			r |= json_array_append_new(hh, json_string(x));
			if (ht)
				r |= json_array_append_new(ht, json_string(e->texts[i]));
		}
	}
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int yg_sighting_agg_take(struct yg_sighting_agg *a, const char *identity, uint64_t now_us,
                         int64_t shift_us, char **ret_json, size_t *ret_len, unsigned *ret_n)
{
	unsigned n;
	struct entry *list = take_list(a, a->cfg.batch, &n);
	if (!list) {
		*ret_json = NULL;
		*ret_len = 0;
		*ret_n = 0;
		return 0;
	}
	int r = -ENOMEM;
	char now[32], uuid[37], bid[64];
	yg_sighting_time(shifted(now_us, shift_us), now);
	json_t *objs = json_array(), *bundle = NULL;
	if (!objs || uuid4(uuid) < 0)
		goto out;
	snprintf(bid, sizeof bid, "bundle--%s", uuid);
	for (struct entry *e = list; e; e = e->next) {
		json_t *o = sighting_json(a, e, identity, now, shift_us);
		if (!o || json_array_append_new(objs, o) < 0)
			goto out;
	}
	bundle = json_pack("{s:s, s:s, s:O}", "type", "bundle", "id", bid, "objects", objs);
	if (!bundle)
		goto out;
	char *txt = json_dumps(bundle, JSON_COMPACT);
	if (!txt)
		goto out;
	*ret_json = txt;
	*ret_len = strlen(txt);
	*ret_n = n;
	r = 0;
out:
	json_decref(objs);
	json_decref(bundle);
	if (r == 0) {
		for (struct entry *e = list, *nx; e; e = nx) {
			nx = e->next;
			entry_free(e);
		}
	} else {
		put_back(a, list);
	}
	return r;
}
