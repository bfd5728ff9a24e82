/*
 * The hub's request layer (see hub.h): store connections per thread,
 * bootstrap, authentication, /healthz and /metrics; TAXII is in taxii.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "hub/auth.h"
#include "hub/client_cert.h"
#include "hub/buf.h"
#include "hub/events.h"
#include "darknet/geo.h"
#include "hub/hosts_int.h"
#include "hub/hub-int.h"
#include "federation/federation.h"
#include "hub/ids.h"
#include "hub/load_times.h"
#include "hub/owners.h"
#include "hub/mail_api.h"
#include "hub/session.h"
#include "hub/tlp.h"
#include "hub/web_static.h"
#include "level/level.h"
#include "feeds/feeds.h"
#include "intel/intel.h"

#define SET_IDENTITY "hub_identity"
#define SET_DEFAULT  "default_collection"

/* Latency bucket bounds in microseconds (Prometheus "le" in seconds). */
static const int64_t lat_bounds_us[YG_HUB_LAT_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 500000, 1000000,
};

void yg_resp_header(struct yg_resp *r, const char *name, const char *value)
{
	if (r->n_hdr >= YG_HUB_MAX_HEADERS)
		return;
	snprintf(r->hdr_name[r->n_hdr], sizeof r->hdr_name[0], "%s", name);
	snprintf(r->hdr_value[r->n_hdr], sizeof r->hdr_value[0], "%s", value);
	r->n_hdr++;
}

void yg_resp_unauthorized(struct yg_resp *r, const char *why)
{
	/* Both schemes are offered, so a connector that knows only "user name
	 * and password" learns it may use them. */
	yg_resp_error(r, 401, "unauthorized", why);
	yg_resp_header(r, "WWW-Authenticate", "Bearer realm=\"yagura\"");
	yg_resp_header(r, "WWW-Authenticate", "Basic realm=\"yagura\", charset=\"UTF-8\"");
}

void yg_resp_release(struct yg_resp *r)
{
	if (!r)
		return;
	if (r->body_free)
		r->body_free(r->body_cls);
	else
		free(r->body);
	r->body = NULL;
	r->body_free = NULL;
	r->body_cls = NULL;
	r->body_in_fd = false;
	r->len = 0;
}

void yg_resp_json(struct yg_resp *r, int status, json_t *j)
{
	yg_resp_release(r);
	r->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!r->body) {
		status = 500;
		r->body = strdup("{\"title\":\"out of memory\",\"http_status\":\"500\"}");
	}
	r->len = r->body ? strlen(r->body) : 0;
	r->status = status;
	r->content_type = YG_TAXII_MEDIA;
}

void yg_resp_error(struct yg_resp *r, int status, const char *title, const char *description)
{
	char code[8];
	snprintf(code, sizeof code, "%d", status);
	json_t *j = json_pack("{s:s, s:s}", "title", title, "http_status", code);
	if (j && description)
		json_object_set_new(j, "description", json_string(description));
	yg_resp_json(r, status, j);
}

/* The five TLP 2.0 marking definitions, published by the hub itself in the
 * default collection as TLP:CLEAR (so every member, and anyone where that
 * collection is public, can resolve object_marking_refs). Stored versions
 * are left alone, so this is cheap to repeat. */
static int put_markings(struct yg_store *st, const char *coll_uuid)
{
	struct yg_collection coll;
	int r = st->ops->collection_get(st, coll_uuid, &coll);
	for (int t = YG_TLP_CLEAR; r == 0 && t <= YG_TLP_RED; t++) {
		json_t *m = yg_tlp_marking_object((enum yg_tlp)t);
		char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
		const char *created = json_string_value(json_object_get(m, "created"));
		int64_t us = 0;
		if (!text || !created || !yg_time_parse_us(created, strlen(created), &us)) {
			r = -ENOMEM;
		} else {
			struct yg_obj_in in = {
				.collection = coll.id,
				.stix_id = yg_tlp_marking_id((enum yg_tlp)t),
				.type = "marking-definition",
				.spec_version = "2.1",
				.modified = created,
				.modified_us = us,
				.tlp = YG_TLP_CLEAR,
				.json = text,
				.json_len = strlen(text),
			};
			int64_t added;
			r = st->ops->obj_put(st, &in, &added);
			if (r > 0)
				r = 0;
		}
		free(text);
		json_decref(m);
	}
	return r;
}

int yg_hub_bootstrap(struct yg_store *st, char ret_identity[64], char ret_default_coll[37])
{
	char *ident = NULL, *coll = NULL;
	int r = st->ops->tx_begin(st);
	if (r < 0)
		return r;
	r = st->ops->setting_get(st, SET_IDENTITY, &ident);
	if (r == -ENOENT) {
		char uuid[YG_UUID_LEN + 1], id[64];
		r = yg_uuid4(uuid);
		if (r < 0)
			goto out;
		snprintf(id, sizeof id, "identity--%s", uuid);
		r = st->ops->setting_set(st, SET_IDENTITY, id);
		if (r < 0)
			goto out;
		ident = strdup(id);
		r = ident ? 0 : -ENOMEM;
	}
	if (r < 0)
		goto out;
	r = st->ops->setting_get(st, SET_DEFAULT, &coll);
	if (r == -ENOENT) {
		char uuid[YG_UUID_LEN + 1];
		r = yg_uuid4(uuid);
		if (r < 0)
			goto out;
		unsigned all = YG_ROLE_ADMIN | YG_ROLE_ANALYST | YG_ROLE_SENSOR | YG_ROLE_READER;
		r = st->ops->collection_add(st, uuid, "default",
					    "Shared by every member; TLP decides per object", all,
					    YG_ROLE_ADMIN | YG_ROLE_ANALYST | YG_ROLE_SENSOR, NULL);
		if (r < 0)
			goto out;
		r = st->ops->setting_set(st, SET_DEFAULT, uuid);
		if (r < 0)
			goto out;
		coll = strdup(uuid);
		r = coll ? 0 : -ENOMEM;
	}
	if (r == 0)
		r = put_markings(st, coll);
out:
	if (r < 0) {
		st->ops->tx_rollback(st);
	} else {
		r = st->ops->tx_commit(st);
		if (r == 0 && ret_identity)
			snprintf(ret_identity, 64, "%s", ident);
		if (r == 0 && ret_default_coll)
			snprintf(ret_default_coll, 37, "%s", coll);
	}
	free(ident);
	free(coll);
	return r;
}

int yg_hub_org_add(struct yg_store *st, const char *name, const char *sector,
		   const char *country, struct yg_org *ret)
{
	char coll_uuid[37], uuid[YG_UUID_LEN + 1], id[64], now[YG_TIME_US_LEN + 1];
	int r = yg_hub_bootstrap(st, NULL, coll_uuid);
	if (r < 0)
		return r;
	r = yg_uuid4(uuid);
	if (r < 0)
		return r;
	snprintf(id, sizeof id, "identity--%s", uuid);
	int64_t now_us = yg_now_us();
	r = yg_time_format_us(now_us, now);
	if (r < 0)
		return r;
	json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[s]}", "type",
				"identity", "spec_version", "2.1", "id", id, "created", now,
				"modified", now, "name", name, "identity_class", "organization",
				"sectors", sector, "object_marking_refs",
				yg_tlp_marking_id(YG_TLP_GREEN));
	if (!obj)
		return -ENOMEM;
	if (country && *country)
		json_object_set_new(obj, "x_yagura_country", json_string(country));
	char *text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!text)
		return -ENOMEM;
	struct yg_collection coll;
	struct yg_org org;
	int64_t org_id = 0, added = 0;
	r = st->ops->tx_begin(st);
	if (r < 0)
		goto out;
	r = st->ops->org_add(st, name, sector, country, id, &org_id);
	if (r < 0)
		goto rollback;
	r = st->ops->collection_get(st, coll_uuid, &coll);
	if (r < 0)
		goto rollback;
	struct yg_obj_in in = {
		.collection = coll.id,
		.stix_id = id,
		.type = "identity",
		.spec_version = "2.1",
		.modified = now,
		.modified_us = now_us,
		.tlp = YG_TLP_GREEN,
		.submitter_org = org_id,
		.json = text,
		.json_len = strlen(text),
	};
	r = st->ops->obj_put(st, &in, &added);
	if (r < 0)
		goto rollback;
	r = st->ops->org_get(st, org_id, &org);
	if (r < 0)
		goto rollback;
	r = st->ops->tx_commit(st);
	if (r == 0 && ret)
		*ret = org;
	goto out;
rollback:
	st->ops->tx_rollback(st);
out:
	free(text);
	return r;
}

static int grant_all(struct yg_store *st, int64_t coll, const int64_t *orgs, size_t n,
		     const struct yg_hub_coll_spec *spec)
{
	for (size_t i = 0; i < n; i++) {
		bool rd = false, wr = false;
		for (size_t j = 0; j < spec->n_read_orgs; j++)
			rd |= spec->read_orgs[j] == orgs[i];
		for (size_t j = 0; j < spec->n_write_orgs; j++)
			wr |= spec->write_orgs[j] == orgs[i];
		int r = st->ops->collection_grant(st, coll, orgs[i], rd, wr);
		if (r < 0)
			return r;
	}
	return 0;
}

int yg_hub_collection_add(struct yg_store *st, const struct yg_hub_coll_spec *spec,
			  struct yg_collection *ret)
{
	if (!spec || !spec->title || spec->n_read_orgs > YG_STORE_LIST_MAX ||
	    spec->n_write_orgs > YG_STORE_LIST_MAX)
		return -EINVAL;
	char uuid[YG_UUID_LEN + 1];
	int r = yg_hub_bootstrap(st, NULL, NULL);
	if (r == 0)
		r = yg_uuid4(uuid);
	if (r < 0)
		return r;
	r = st->ops->tx_begin(st);
	if (r < 0)
		return r;
	int64_t id = 0;
	struct yg_collection c;
	r = st->ops->collection_add(st, uuid, spec->title, spec->description,
				    YG_ROLE_ADMIN | YG_ROLE_ANALYST | YG_ROLE_SENSOR | YG_ROLE_READER,
				    YG_ROLE_ADMIN | YG_ROLE_ANALYST | YG_ROLE_SENSOR, &id);
	if (r == 0)
		r = st->ops->collection_set_access(st, id, spec->read_all, spec->write_all,
						   spec->public_read);
	if (r == 0)
		r = grant_all(st, id, spec->read_orgs, spec->n_read_orgs, spec);
	if (r == 0)
		r = grant_all(st, id, spec->write_orgs, spec->n_write_orgs, spec);
	if (r == 0)
		r = st->ops->collection_get(st, uuid, &c);
	if (r < 0) {
		st->ops->tx_rollback(st);
		return r;
	}
	r = st->ops->tx_commit(st);
	if (r == 0 && ret)
		*ret = c;
	return r;
}

/* DIR/warninglist.d/: one warning list per file (intel/intel.h), left out
 * of every export. Absent: none. Lines a list file gets wrong are skipped
 * (its other lines still apply). */
static int load_warninglists(struct yg_hub *h)
{
	return yg_feed_warn_open(h->data_dir, &h->warn);
}

/* A partner's alert level (federation.h): the "federation.advisory_level"
 * signal the level rules read ("a partner raised its level"). */
static void fed_advisory(void *ud, int level, const char *peer)
{
	struct yg_hub *h = ud;
	json_t *d = json_pack("{s:s, s:i}", "peer", peer, "level", level);
	char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	if (h->level)
		(void)yg_level_signal_set(h->level, "federation.advisory_level", level, detail);
	free(detail);
}

int yg_hub_new(const struct yg_hub_config *cfg, struct yg_hub **ret)
{
	if (!cfg || !cfg->data_dir || strlen(cfg->data_dir) >= sizeof ((struct yg_hub *)0)->data_dir)
		return -EINVAL;
	struct yg_hub *h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	snprintf(h->data_dir, sizeof h->data_dir, "%s", cfg->data_dir);
	h->cfg.data_dir = h->data_dir;
	if (cfg->pg && *cfg->pg) {
		h->pg = strdup(cfg->pg);
		if (!h->pg) {
			free(h);
			return -ENOMEM;
		}
	}
	h->cfg.pg = h->pg;
	if (!h->cfg.max_body)
		h->cfg.max_body = YG_HUB_MAX_BODY_DEFAULT;
	size_t n = cfg->threads ? cfg->threads : 1;
	if (n > YG_HUB_MAX_STORES)
		n = YG_HUB_MAX_STORES;
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		r = yg_store_open(h->data_dir, h->pg, &h->stores[i]);
		if (r < 0)
			goto out;
		pthread_mutex_init(&h->locks[i], NULL);
		h->n_stores = i + 1;
	}
	r = yg_hub_bootstrap(h->stores[0], h->identity, h->default_coll);
	if (r < 0)
		goto out;
	r = load_warninglists(h);
	if (r < 0)
		goto out;
	struct yg_fed_config fcfg = {.data_dir = h->data_dir, .pg = h->pg, .self_id = h->identity,
				     .default_coll = h->default_coll, .every_ms = cfg->fed_every_ms,
				     .advisory = fed_advisory, .ud = h};
	r = yg_fed_new(&fcfg, &h->fed);
	if (r < 0)
		goto out;
	h->lc.half_life_days = cfg->decay_half_life_days > 0 ? cfg->decay_half_life_days : 0;
	h->lc.threshold = cfg->decay_threshold;
	r = yg_feed_new(&h->feed);
	if (r == 0)
		r = yg_load_times_new(&h->load_times);
	if (r < 0)
		goto out;
	atomic_store(&h->decay_milli, 1000);
	r = yg_events_new(&h->events);
	if (r < 0)
		goto out;
	r = yg_web_new(cfg->web_dir, &h->web);
	if (r == 0)
		r = yg_sessions_new(&h->sessions);
	if (r < 0)
		goto out;
	struct yg_level_config lcfg = {
		.data_dir = h->data_dir, .pg = h->pg, .rules_path = cfg->level_rules};
	yg_level_api_hooks(h, &lcfg.hooks);
	r = yg_level_new(&lcfg, &h->level, NULL, 0);
	if (r < 0)
		goto out;
	/* Infected hosts: the owner prefixes, the geo database when there is
	 * one (a broken one only loses the AS fallback), the notifier. */
	r = yg_owners_new(&h->owners);
	if (r < 0)
		goto out;
	char gerr[256];
	if (yg_geo_open(cfg->geoip_dir ? cfg->geoip_dir : YG_HUB_GEOIP_DIR, &h->geo, gerr,
			sizeof gerr) < 0) {
		fprintf(stderr, "hub: geo: %s; hosts get no AS fallback owner\n", gerr);
		h->geo = NULL;
	}
	char nerr[512];
	r = yg_notify_new(h, h->data_dir, cfg->notify_every_s, &h->notify, nerr, sizeof nerr);
	if (r < 0)
		goto out;
	/* The generation is watched also without a cache: parked long-polls
	 * wake on it. */
	r = yg_store_open(h->data_dir, h->pg, &h->watch);
	if (r < 0)
		goto out;
	pthread_mutex_init(&h->watch_lock, NULL);
	pthread_mutex_init(&h->auth_lock, NULL);
	if (cfg->cache_mb < 0)
		goto out;
	size_t mb = cfg->cache_mb ? (size_t)cfg->cache_mb : 64;
	r = yg_cache_new(mb << 20, 4096, &h->cache);
out:
	if (r < 0) {
		yg_hub_free(h);
		return r;
	}
	*ret = h;
	return 0;
}

void yg_hub_free(struct yg_hub *h)
{
	if (!h)
		return;
	/* The federation threads write through their own connections. */
	yg_fed_free(h->fed);
	/* The notifier's thread pushes to the level: it stops first. */
	yg_notify_free(h->notify);
	/* The feed thread writes through its own connection and reads h->warn. */
	yg_feeds_sched_stop(h);
	/* The level's thread publishes events and reads the hub's settings. */
	yg_level_free(h->level);
	yg_events_free(h->events);
	for (size_t i = 0; i < h->n_stores; i++) {
		yg_store_close(h->stores[i]);
		pthread_mutex_destroy(&h->locks[i]);
	}
	if (h->watch) {
		yg_store_close(h->watch);
		pthread_mutex_destroy(&h->watch_lock);
		pthread_mutex_destroy(&h->auth_lock);
	}
	yg_cache_free(h->cache);
	yg_feed_free(h->feed);
	yg_load_times_free(h->load_times);
	yg_mail_api_release(h);
	yg_intel_warn_free(h->warn);
	yg_owners_free(h->owners);
	yg_geo_free(h->geo);
	free(h->pg);
	yg_web_free(h->web);
	yg_sessions_free(h->sessions);
	free(h);
}

int yg_hub_start(struct yg_hub *h)
{
	int r = yg_level_start(h->level);
	if (r == 0)
		r = yg_notify_start(h->notify);
	if (r == 0)
		r = yg_fed_start(h->fed);
	return r < 0 ? r : yg_feeds_sched_start(h);
}

struct yg_level *yg_hub_level(struct yg_hub *h)
{
	return h->level;
}

uint64_t yg_hub_events_last(struct yg_hub *h)
{
	return yg_events_last(h->events);
}

size_t yg_hub_events_read(struct yg_hub *h, uint64_t *cursor, int64_t org, enum yg_role role,
			  struct yg_buf *out, size_t max)
{
	return yg_events_read(h->events, cursor, org, (unsigned)role, out, max);
}

struct yg_lifecycle yg_hub_lc(struct yg_hub *h)
{
	struct yg_lifecycle lc = h->lc;
	lc.half_life_days *= (double)atomic_load(&h->decay_milli) / 1000.0;
	return lc;
}

int yg_hub_generation(struct yg_hub *h, uint64_t *ret)
{
	if (!h->watch)
		return -ENOENT;
	pthread_mutex_lock(&h->watch_lock);
	int r = h->watch->ops->data_version(h->watch, ret);
	pthread_mutex_unlock(&h->watch_lock);
	return r;
}

int yg_hub_feed_generation(struct yg_hub *h, uint64_t *ret)
{
	if (!h->watch)
		return -ENOENT;
	uint64_t g = 0;
	pthread_mutex_lock(&h->watch_lock);
	int r = h->watch->ops->feed_version(h->watch, &g);
	pthread_mutex_unlock(&h->watch_lock);
	if (r == 0)
		*ret = g + atomic_load(&h->feed_local);
	return r;
}

/* Each server thread keeps to one store connection; threads beyond the
 * number of connections share them under the lock. */
static _Thread_local unsigned thread_slot_plus1;

static size_t acquire(struct yg_hub *h)
{
	if (!thread_slot_plus1)
		thread_slot_plus1 = atomic_fetch_add(&h->next_slot, 1) + 1;
	size_t slot = (thread_slot_plus1 - 1) % h->n_stores;
	pthread_mutex_lock(&h->locks[slot]);
	return slot;
}

void yg_hub_observe(struct yg_hub *h, int status, int64_t duration_us)
{
	if (status >= 100 && status < 600)
		atomic_fetch_add(&h->by_status[status], 1);
	size_t b = 0;
	while (b < YG_HUB_LAT_BUCKETS && duration_us > lat_bounds_us[b])
		b++;
	atomic_fetch_add(&h->lat_bucket[b], 1);
	atomic_fetch_add(&h->lat_sum_us, (unsigned long long)(duration_us > 0 ? duration_us : 0));
	atomic_fetch_add(&h->lat_count, 1);
}

static off_t file_size(const char *dir, const char *name)
{
	char p[4200];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_size : 0;
}

static void metrics(struct yg_hub *h, struct yg_store *st, struct yg_resp *resp)
{
	struct yg_buf b;
	char line[1024];
	yg_buf_init(&b, 1 << 20);
	yg_buf_adds(&b, "# HELP yagura_hub_requests_total HTTP requests answered, by status.\n"
			"# TYPE yagura_hub_requests_total counter\n");
	for (int s = 100; s < 600; s++) {
		unsigned long long v = atomic_load(&h->by_status[s]);
		if (!v)
			continue;
		snprintf(line, sizeof line, "yagura_hub_requests_total{code=\"%d\"} %llu\n", s, v);
		yg_buf_adds(&b, line);
	}
	yg_buf_adds(&b, "# HELP yagura_hub_request_duration_seconds Time to answer a request.\n"
			"# TYPE yagura_hub_request_duration_seconds histogram\n");
	unsigned long long cum = 0;
	for (size_t i = 0; i <= YG_HUB_LAT_BUCKETS; i++) {
		cum += atomic_load(&h->lat_bucket[i]);
		if (i < YG_HUB_LAT_BUCKETS)
			snprintf(line, sizeof line,
				 "yagura_hub_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				 (double)lat_bounds_us[i] / 1e6, cum);
		else
			snprintf(line, sizeof line,
				 "yagura_hub_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
		yg_buf_adds(&b, line);
	}
	snprintf(line, sizeof line,
		 "yagura_hub_request_duration_seconds_sum %.6f\n"
		 "yagura_hub_request_duration_seconds_count %llu\n",
		 (double)atomic_load(&h->lat_sum_us) / 1e6, atomic_load(&h->lat_count));
	yg_buf_adds(&b, line);
	int64_t objects = 0;
	st->ops->obj_count(st, &objects);
	long long bytes = (long long)(file_size(h->data_dir, "hub.db") +
				      file_size(h->data_dir, "hub.db-wal"));
	snprintf(line, sizeof line,
		 "# HELP yagura_hub_objects STIX object versions stored.\n"
		 "# TYPE yagura_hub_objects gauge\nyagura_hub_objects %lld\n"
		 "# HELP yagura_hub_store_bytes Size of the store files.\n"
		 "# TYPE yagura_hub_store_bytes gauge\nyagura_hub_store_bytes %lld\n",
		 (long long)objects, bytes);
	yg_buf_adds(&b, line);
	struct yg_cache_stats cs;
	yg_cache_stats(h->cache, &cs);
	snprintf(line, sizeof line,
		 "# HELP yagura_hub_cache_hits_total Answers served from the answer cache.\n"
		 "# TYPE yagura_hub_cache_hits_total counter\nyagura_hub_cache_hits_total %llu\n"
		 "# HELP yagura_hub_cache_misses_total Cacheable requests answered from the store.\n"
		 "# TYPE yagura_hub_cache_misses_total counter\nyagura_hub_cache_misses_total %llu\n",
		 (unsigned long long)cs.hits, (unsigned long long)cs.misses);
	yg_buf_adds(&b, line);
	snprintf(line, sizeof line,
		 "# HELP yagura_hub_cache_bytes Bytes held by the answer cache.\n"
		 "# TYPE yagura_hub_cache_bytes gauge\nyagura_hub_cache_bytes %zu\n"
		 "# HELP yagura_hub_cache_flushes_total Store generations the cache has seen.\n"
		 "# TYPE yagura_hub_cache_flushes_total counter\nyagura_hub_cache_flushes_total %llu\n",
		 cs.bytes, (unsigned long long)cs.flushes);
	yg_buf_adds(&b, line);
	snprintf(line, sizeof line,
		 "# HELP yagura_hub_feed_evaluations_total Change-feed answers worked out, "
		 "a parked long-poll's every wake-up included.\n"
		 "# TYPE yagura_hub_feed_evaluations_total counter\n"
		 "yagura_hub_feed_evaluations_total %llu\n"
		 "# HELP yagura_hub_feed_shared_total Change-feed answers copied from an "
		 "identical one (same member, role, cursor and feed generation).\n"
		 "# TYPE yagura_hub_feed_shared_total counter\n"
		 "yagura_hub_feed_shared_total %llu\n",
		 (unsigned long long)atomic_load(&h->feed_evals),
		 (unsigned long long)atomic_load(&h->feed_shared));
	yg_buf_adds(&b, line);
	uint64_t fgen = 0;
	if (yg_hub_feed_generation(h, &fgen) == 0) {
		snprintf(line, sizeof line,
			 "# HELP yagura_hub_feed_generation What parked long-polls wait on: moves "
			 "with what can change a change-feed answer.\n"
			 "# TYPE yagura_hub_feed_generation gauge\nyagura_hub_feed_generation %llu\n",
			 (unsigned long long)fgen);
		yg_buf_adds(&b, line);
	}
	if (h->front_stats) {
		struct yg_guard_stats gs;
		h->front_stats(h->front_ud, &gs);
		snprintf(line, sizeof line,
			 "# HELP yagura_hub_connections Client connections open.\n"
			 "# TYPE yagura_hub_connections gauge\nyagura_hub_connections %u\n"
			 "# HELP yagura_hub_connections_pending Connections that owe a request.\n"
			 "# TYPE yagura_hub_connections_pending gauge\n"
			 "yagura_hub_connections_pending %u\n"
			 "# HELP yagura_hub_polls_parked Long-polls parked.\n"
			 "# TYPE yagura_hub_polls_parked gauge\nyagura_hub_polls_parked %u\n",
			 gs.conns, gs.pending, gs.polls);
		yg_buf_adds(&b, line);
		snprintf(line, sizeof line,
			 "# HELP yagura_hub_connections_refused_total Connections refused at accept.\n"
			 "# TYPE yagura_hub_connections_refused_total counter\n"
			 "yagura_hub_connections_refused_total %llu\n"
			 "# HELP yagura_hub_requests_expired_total Connections cut for a request "
			 "that missed its deadline.\n"
			 "# TYPE yagura_hub_requests_expired_total counter\n"
			 "yagura_hub_requests_expired_total %llu\n"
			 "# HELP yagura_hub_polls_refused_total Long-polls answered 429.\n"
			 "# TYPE yagura_hub_polls_refused_total counter\n"
			 "yagura_hub_polls_refused_total %llu\n",
			 (unsigned long long)gs.refused_conns, (unsigned long long)gs.expired,
			 (unsigned long long)gs.refused_polls);
		yg_buf_adds(&b, line);
	}
	resp->body = yg_buf_take(&b, &resp->len);
	if (!resp->body) {
		yg_resp_error(resp, 500, "out of memory", NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
}

void yg_hub_set_front(struct yg_hub *h, void (*stats)(void *ud, struct yg_guard_stats *ret),
		      void *ud)
{
	h->front_stats = stats;
	h->front_ud = ud;
}

/* Live tokens seen under the current store generation (who->gen): a slot
 * counts only while the generation it was filled under is still current,
 * so a revoked token, or one of a removed organization, fails at once.
 * Unknown tokens are never kept. */
static bool auth_cached(struct yg_hub *h, const uint8_t hash[YG_TOKEN_HASH_LEN], bool cert,
			struct yg_caller *who)
{
	if (!who->gen_ok || !h->cache)
		return false;
	struct yg_auth_slot *a = &h->auth[hash[0] % YG_HUB_AUTH_SLOTS];
	bool hit = false;
	pthread_mutex_lock(&h->auth_lock);
	if (a->used && a->cert == cert && a->gen == who->gen &&
	    !memcmp(a->hash, hash, YG_TOKEN_HASH_LEN)) {
		who->org_id = a->org_id;
		who->role = a->role;
		memcpy(who->org_name, a->org_name, sizeof who->org_name);
		hit = true;
	}
	pthread_mutex_unlock(&h->auth_lock);
	return hit;
}

static void auth_keep(struct yg_hub *h, const uint8_t hash[YG_TOKEN_HASH_LEN], bool cert,
		      const struct yg_caller *who)
{
	if (!who->gen_ok || !h->cache)
		return;
	struct yg_auth_slot *a = &h->auth[hash[0] % YG_HUB_AUTH_SLOTS];
	pthread_mutex_lock(&h->auth_lock);
	/* A slot filled under a newer generation stays. */
	if (!a->used || a->gen <= who->gen) {
		a->used = true;
		a->cert = cert;
		a->gen = who->gen;
		memcpy(a->hash, hash, YG_TOKEN_HASH_LEN);
		a->org_id = who->org_id;
		a->role = who->role;
		memcpy(a->org_name, who->org_name, sizeof a->org_name);
	}
	pthread_mutex_unlock(&h->auth_lock);
}

bool yg_hub_auth_hash(struct yg_hub *h, struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
		      struct yg_caller *who)
{
	struct yg_token t;
	struct yg_org org;
	if (auth_cached(h, hash, false, who))
		return true;
	int r = st->ops->token_lookup(st, hash, &t);
	if (r < 0) {
		who->store_failed = r != -ENOENT;
		return false;
	}
	if (t.revoked)
		return false;
	r = st->ops->org_get(st, t.org_id, &org);
	if (r < 0) {
		who->store_failed = r != -ENOENT;
		return false;
	}
	who->org_id = org.id;
	who->role = t.role;
	memcpy(who->org_name, org.name, sizeof org.name);
	auth_keep(h, hash, false, who);
	return true;
}

static void authed_as(const uint8_t hash[YG_TOKEN_HASH_LEN], struct yg_caller *who,
		      struct yg_resp *resp)
{
	yg_auth_public_id(hash, who->token_id);
	resp->org_id = who->org_id;
	memcpy(resp->org_name, who->org_name, sizeof resp->org_name);
	memcpy(&resp->token_key, hash, sizeof resp->token_key);
	resp->role = who->role;
}

/* The organization and role the request's client certificate is bound to
 * (store_certs.h), with the token cache of yg_hub_auth_hash (a revocation
 * is a commit, which moves the generation: it holds at once). false with
 * *ret_why when the certificate does not authenticate, and with
 * who->store_failed when the store, not the certificate, is why. */
static bool cert_caller(struct yg_hub *h, struct yg_store *st, const struct yg_req *req,
			struct yg_caller *who, const char **ret_why)
{
	switch (req->client_cert) {
	case YG_CLIENT_CERT_OK:
		break;
	case YG_CLIENT_CERT_UNTRUSTED:
		*ret_why = "the client certificate is not issued by the hub's client CA";
		return false;
	case YG_CLIENT_CERT_EXPIRED:
		*ret_why = "the client certificate has expired";
		return false;
	case YG_CLIENT_CERT_NOT_YET:
		*ret_why = "the client certificate is not valid yet";
		return false;
	default:
		*ret_why = "the client certificate cannot be verified";
		return false;
	}
	const uint8_t *fp = req->client_cert_fp;
	if (auth_cached(h, fp, true, who))
		return true;
	char hex[YG_CERT_FP_HEX + 1];
	yg_cert_fp_hex(fp, hex);
	struct yg_cert_binding b;
	struct yg_org org;
	int r = st->ops->certs->lookup(st, hex, &b);
	if (r == 0 && b.revoked) {
		*ret_why = "the client certificate's binding is revoked";
		return false;
	}
	if (r == 0)
		r = st->ops->org_get(st, b.org_id, &org);
	if (r == -ENOENT) {
		*ret_why = "the client certificate is not bound to an organization";
		return false;
	}
	if (r != 0) {
		who->store_failed = true;
		return false;
	}
	who->org_id = org.id;
	who->role = b.role;
	memcpy(who->org_name, org.name, sizeof org.name);
	auth_keep(h, fp, true, who);
	return true;
}

/* 401 unless the request carries a live token, or (without an
 * Authorization header) the cookie of a live dashboard session, or a
 * verified TLS client certificate bound to an organization; fills *who.
 * A certificate, once sent, must be good whatever else comes with it, and
 * a token or session with it must be of the same organization (the
 * token's role then applies). A session's request that changes state
 * must also carry the session's CSRF token (403 otherwise). */
static bool authenticate(struct yg_hub *h, struct yg_store *st, const struct yg_req *req,
			 struct yg_caller *who, struct yg_resp *resp)
{
	const char *tok;
	size_t len;
	uint8_t hash[YG_TOKEN_HASH_LEN];
	const char *why = YG_AUTH_REQUIRED;
	char basic[YG_AUTH_BASIC_MAX];
	enum yg_auth_scheme scheme = YG_AUTH_NONE;
	char csrf[YG_SESSION_CSRF_LEN + 1];
	bool authed = false;
	bool has_cert = req->client_cert != YG_CLIENT_CERT_NONE;
	struct yg_caller by_cert = *who;
	if (has_cert && !cert_caller(h, st, req, &by_cert, &why)) {
		who->store_failed = by_cert.store_failed;
	} else if (!req->authorization && yg_web_session_of(h, req, hash, csrf)) {
		why = "the session's token is unknown or revoked";
		authed = yg_hub_auth_hash(h, st, hash, who);
		bool safe = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
		if (authed && !safe &&
		    !(req->csrf_token && strlen(req->csrf_token) == YG_SESSION_CSRF_LEN &&
		      CRYPTO_memcmp(req->csrf_token, csrf, YG_SESSION_CSRF_LEN) == 0)) {
			OPENSSL_cleanse(csrf, sizeof csrf);
			yg_resp_error(resp, 403, "forbidden",
				      "a missing or wrong X-CSRF-Token for this session");
			return false;
		}
		OPENSSL_cleanse(csrf, sizeof csrf);
	} else if (yg_auth_token_of(req->authorization, basic, &tok, &len, &scheme) == 0) {
		why = "the token is unknown or revoked";
		authed = yg_auth_token_shaped(tok, len) && yg_auth_token_hash(tok, len, hash) == 0 &&
			 yg_hub_auth_hash(h, st, hash, who);
	} else if (has_cert && !req->authorization) {
		*who = by_cert;
		memcpy(hash, req->client_cert_fp, sizeof hash);
		authed = true;
	}
	if (authed && has_cert && who->org_id != by_cert.org_id) {
		authed = false;
		why = "the client certificate and the token belong to different organizations";
	}
	if (authed)
		authed_as(hash, who, resp);
	/* A Basic header held the token in clear in this frame. */
	if (scheme == YG_AUTH_BASIC)
		OPENSSL_cleanse(basic, sizeof basic);
	if (!authed && who->store_failed) {
		/* yg_hub_handle answers 503 once the store says why. */
		yg_resp_error(resp, 500, "store error", NULL);
	} else if (!authed && yg_web_scripted(req)) {
		/* Bearer only: a Basic challenge would pop up a browser dialog. */
		yg_resp_error(resp, 401, "unauthorized", why);
		yg_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"yagura\"");
	} else if (!authed) {
		yg_resp_unauthorized(resp, why);
	}
	return authed;
}

/* Routes a client without a token may ask for (GET only): the TAXII
 * service descriptions and collections, where taxii.c shows it only the
 * public collections and their TLP:CLEAR objects. */
static bool anonymous_ok(const struct yg_req *req, enum yg_route_kind kind)
{
	/* A client that sent a certificate means to be someone: it is told
	 * what is wrong with it rather than served as anonymous. */
	if (req->authorization || req->client_cert != YG_CLIENT_CERT_NONE ||
	    strcmp(req->method, "GET"))
		return false;
	switch (kind) {
	case YG_ROUTE_DISCOVERY:
	case YG_ROUTE_API_ROOT:
	case YG_ROUTE_COLLECTIONS:
	case YG_ROUTE_COLLECTION:
	case YG_ROUTE_OBJECTS:
	case YG_ROUTE_OBJECT:
	case YG_ROUTE_VERSIONS:
	case YG_ROUTE_MANIFEST:
		return true;
	default:
		return false;
	}
}

/* Seconds a client should wait before trying again while the store does
 * not answer (PostgreSQL restarting, a standby being promoted). */
#define STORE_RETRY_AFTER "5"

/* 503 with Retry-After in place of whatever resp held. */
static void store_unavailable(struct yg_resp *resp, bool rest, const char *why, bool lost)
{
	char desc[400];
	if (lost)
		snprintf(desc, sizeof desc,
			 "the connection to the store broke under this request (%s); nothing "
			 "is known to be stored: send it again",
			 why);
	else
		snprintf(desc, sizeof desc,
			 "the store does not answer (%s); nothing was stored: try again later",
			 why);
	yg_resp_error(resp, 503, "store unavailable", desc);
	if (rest)
		resp->content_type = YG_REST_MEDIA;
	resp->n_hdr = 0;
	yg_resp_header(resp, "Retry-After", lost ? "1" : STORE_RETRY_AFTER);
}

/* GET /healthz: 200 while the store answers, 503 with the reason while it
 * does not (a PostgreSQL server away); no token needed, so the reason
 * never names the server. Asked through the watch handle, which every
 * request already takes for a moment. */
static void healthz(struct yg_hub *h, struct yg_resp *resp)
{
	char why[256] = "";
	int r = 0;
	if (h->watch) {
		pthread_mutex_lock(&h->watch_lock);
		r = h->watch->ops->ping(h->watch, why, sizeof why);
		pthread_mutex_unlock(&h->watch_lock);
	}
	json_t *j;
	if (r < 0 && r != -ECONNRESET) {
		j = json_pack("{s:s, s:s, s:s}", "status", "unavailable", "store",
			      h->watch->ops->name, "reason", why);
		yg_resp_json(resp, 503, j);
		yg_resp_header(resp, "Retry-After", STORE_RETRY_AFTER);
	} else {
		j = json_pack("{s:s}", "status", "ok");
		yg_resp_json(resp, 200, j);
	}
	resp->content_type = "application/json";
}

static bool is_report(enum yg_route_kind k)
{
	return k == YG_ROUTE_REST_SIGHTINGS || k == YG_ROUTE_REST_BEACONS ||
	       k == YG_ROUTE_REST_DARKNET;
}

void yg_hub_set_on_change(struct yg_hub *h, void (*fn)(void *ud), void *ud)
{
	h->on_change = fn;
	h->on_change_ud = ud;
}

/* A failure may be the store's being away: then the client hears
 * "try again later" (503, Retry-After), not "failed" (500). */
static void check_store(struct yg_store *st, struct yg_resp *resp, bool rest)
{
	if (resp->status >= 500 && !resp->hold_until_us && !resp->stream) {
		char why[256];
		int p = st->ops->ping(st, why, sizeof why);
		if (p == -ENOTCONN || p == -ECONNRESET)
			store_unavailable(resp, rest, why, p == -ECONNRESET);
	}
}

int yg_hub_store_open(struct yg_hub *h, struct yg_store **ret)
{
	return yg_store_open(h->data_dir, h->pg, ret);
}

/* The report routes alone; anything else is refused before the store. */
static bool report_route(const struct yg_req *req, struct yg_route *rt, struct yg_resp *resp)
{
	yg_route_parse(req->path, strlen(req->path), rt);
	if (!is_report(rt->kind) || strcmp(req->method, "POST")) {
		yg_resp_error(resp, 403, "forbidden", "only reports come this way");
		return false;
	}
	return true;
}

static void handle_as(struct yg_hub *h, struct yg_store *st, int64_t org_id,
		      const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	struct yg_caller who = {.org_id = org_id, .role = YG_ROLE_SENSOR};
	snprintf(who.token_id, sizeof who.token_id, "nats");
	struct yg_org o;
	int r = org_id > 0 ? st->ops->org_get(st, org_id, &o) : -ENOENT;
	if (r == -ENOENT) {
		yg_resp_error(resp, 403, "forbidden", "no such organization");
	} else if (r < 0) {
		yg_resp_error(resp, 500, "store error", NULL);
	} else {
		memcpy(who.org_name, o.name, sizeof who.org_name);
		resp->org_id = org_id;
		memcpy(resp->org_name, o.name, sizeof resp->org_name);
		resp->role = who.role;
		yg_rest_handle(h, st, &who, rt, req, resp);
	}
	check_store(st, resp, true);
}

int yg_hub_handle_as(struct yg_hub *h, int64_t org_id, const struct yg_req *req,
		     struct yg_resp *resp)
{
	struct yg_route rt;
	if (report_route(req, &rt, resp)) {
		size_t slot = acquire(h);
		handle_as(h, h->stores[slot], org_id, &rt, req, resp);
		pthread_mutex_unlock(&h->locks[slot]);
	}
	return resp->body ? 0 : -ENOMEM;
}

int yg_hub_handle_as_on(struct yg_hub *h, struct yg_store *st, int64_t org_id,
			const struct yg_req *req, struct yg_resp *resp)
{
	struct yg_route rt;
	if (report_route(req, &rt, resp))
		handle_as(h, st, org_id, &rt, req, resp);
	return resp->body ? 0 : -ENOMEM;
}

/* Each report kind's batch (hub-int.h). */
static const struct {
	enum yg_route_kind kind;
	int (*batch)(struct yg_hub *h, struct yg_store *st, const struct yg_report_msg *msgs,
	             size_t n);
} report_batches[] = {
    {YG_ROUTE_REST_SIGHTINGS, yg_rest_sightings_post_batch},
    {YG_ROUTE_REST_BEACONS, yg_rest_beacons_post_batch},
    {YG_ROUTE_REST_DARKNET, yg_rest_darknet_post_batch},
};

int yg_hub_handle_batch_on(struct yg_hub *h, struct yg_store *st, const int64_t *org_ids,
                           const struct yg_req *reqs, struct yg_resp *resps, size_t n)
{
	struct yg_caller *who = calloc(n ? n : 1, sizeof *who);
	struct yg_org *orgs = calloc(n ? n : 1, sizeof *orgs);
	struct yg_report_msg *msgs = calloc(n ? n : 1, sizeof *msgs);
	enum yg_route_kind *kinds = calloc(n ? n : 1, sizeof *kinds);
	bool *batched = calloc(n ? n : 1, sizeof *batched);
	int r = 0;
	if (!who || !orgs || !msgs || !kinds || !batched) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct yg_route rt;
		if (!report_route(&reqs[i], &rt, &resps[i]))
			continue;
		/* An organization is read once per batch. */
		int g = org_ids[i] > 0 ? 1 : -ENOENT;
		for (size_t j = 0; g == 1 && j < i; j++)
			if (batched[j] && org_ids[j] == org_ids[i]) {
				orgs[i] = orgs[j];
				g = 0;
			}
		if (g == 1)
			g = st->ops->org_get(st, org_ids[i], &orgs[i]);
		if (g == -ENOENT) {
			yg_resp_error(&resps[i], 403, "forbidden", "no such organization");
		} else if (g < 0) {
			yg_resp_error(&resps[i], 500, "store error", NULL);
		} else {
			who[i] = (struct yg_caller){.org_id = org_ids[i], .role = YG_ROLE_SENSOR};
			snprintf(who[i].token_id, sizeof who[i].token_id, "nats");
			memcpy(who[i].org_name, orgs[i].name, sizeof who[i].org_name);
			resps[i].org_id = org_ids[i];
			memcpy(resps[i].org_name, orgs[i].name, sizeof resps[i].org_name);
			resps[i].role = who[i].role;
			kinds[i] = rt.kind;
			batched[i] = true;
			continue;
		}
		check_store(st, &resps[i], true);
	}
	/* One batch per kind, each in the order the reports came. */
	for (size_t k = 0; k < sizeof report_batches / sizeof report_batches[0]; k++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (batched[i] && kinds[i] == report_batches[k].kind)
				msgs[m++] = (struct yg_report_msg){.who = &who[i],
				                                   .org = &orgs[i],
				                                   .req = &reqs[i],
				                                   .resp = &resps[i]};
		if (m)
			report_batches[k].batch(h, st, msgs, m);
	}
	for (size_t i = 0; i < n; i++)
		if (batched[i])
			check_store(st, &resps[i], true);
	for (size_t i = 0; i < n; i++)
		if (!resps[i].body)
			r = -ENOMEM;
out:
	free(who);
	free(orgs);
	free(msgs);
	free(kinds);
	free(batched);
	return r;
}

int yg_hub_handle(struct yg_hub *h, const struct yg_req *req, struct yg_resp *resp)
{
	struct yg_route rt;
	yg_route_parse(req->path, strlen(req->path), &rt);
	if (rt.kind == YG_ROUTE_HEALTHZ) {
		healthz(h, resp);
		return resp->body ? 0 : -ENOMEM;
	}
	if (rt.kind == YG_ROUTE_WEB_FILE) {
		if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
			yg_resp_error(resp, 405, "method not allowed", NULL);
			resp->content_type = YG_REST_MEDIA;
			yg_resp_header(resp, "Allow", "GET, HEAD");
			return resp->body ? 0 : -ENOMEM;
		}
		return yg_web_serve(h->web, req->path, req->if_none_match, resp);
	}
	struct yg_caller who = {0};
	/* The generation first: whatever this request reads next is at least
	 * as new as it (cache.h). */
	if (h->watch) {
		pthread_mutex_lock(&h->watch_lock);
		who.gen_ok = h->watch->ops->data_version(h->watch, &who.gen) == 0;
		pthread_mutex_unlock(&h->watch_lock);
	}
	size_t slot = acquire(h);
	struct yg_store *st = h->stores[slot];
	bool rest = yg_route_is_rest(rt.kind);
	if (rt.kind == YG_ROUTE_WEB_SESSION) {
		yg_web_session(h, st, req, resp);
		goto out;
	}
	if (!anonymous_ok(req, rt.kind) && !yg_hosts_api_anonymous_ok(req, rt.kind) &&
	    !authenticate(h, st, req, &who, resp)) {
		if (rest)
			resp->content_type = YG_REST_MEDIA;
		goto out;
	}
	if (req->args_overflow) {
		yg_resp_error(resp, 400, "bad request", "too many query parameters");
		if (rest)
			resp->content_type = YG_REST_MEDIA;
		goto out;
	}
	/* Another hub reads and writes TAXII collections, through the
	 * federation rule; the REST API is for members. */
	if (who.role == YG_ROLE_PEER && (rest || rt.kind == YG_ROUTE_METRICS) &&
	    rt.kind != YG_ROUTE_REST_WHOAMI) {
		yg_resp_error(resp, 403, "forbidden", "a peer token reads and writes TAXII only");
		if (rest)
			resp->content_type = YG_REST_MEDIA;
		goto out;
	}
	if (rest) {
		yg_rest_handle(h, st, &who, &rt, req, resp);
		goto out;
	}
	switch (rt.kind) {
	case YG_ROUTE_NOT_FOUND:
		yg_resp_error(resp, 404, "not found", "no such resource");
		break;
	case YG_ROUTE_METRICS:
		if (strcmp(req->method, "GET"))
			yg_resp_error(resp, 405, "method not allowed", NULL);
		else if (who.role != YG_ROLE_ADMIN)
			yg_resp_error(resp, 403, "forbidden", "metrics are for admins");
		else
			metrics(h, st, resp);
		break;
	default:
		yg_taxii_handle(h, st, &who, &rt, req, resp);
		break;
	}
out:
	check_store(st, resp, rest);
	pthread_mutex_unlock(&h->locks[slot]);
	if (h->on_change && resp->status >= 200 && resp->status < 300 && !is_report(rt.kind) &&
	    strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
		h->on_change(h->on_change_ud);
	return resp->body || resp->hold_until_us ? 0 : -ENOMEM;
}
