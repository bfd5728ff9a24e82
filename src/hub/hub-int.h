/* Private to src/hub: the hub object and the helpers handlers share. */
#ifndef YG_HUB_HUB_INT_H
#define YG_HUB_HUB_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>

#include "hub/cache.h"
#include "hub/hub.h"
#include "hub/lifecycle.h"
#include "hub/route.h"

struct yg_mail_anon;
struct yg_owners;
struct yg_geo;
struct yg_notify;
struct yg_web;
struct yg_sessions;
struct yg_fed;

#define YG_HUB_MAX_STORES 64
#define YG_HUB_LAT_BUCKETS 10
#define YG_HUB_AUTH_SLOTS 256

struct yg_hub {
	struct yg_hub_config cfg;
	struct yg_store *stores[YG_HUB_MAX_STORES];
	pthread_mutex_t locks[YG_HUB_MAX_STORES];
	size_t n_stores;
	/* A connection that never writes, so its data_version moves with every
	 * commit of anyone (store.h): the generation of the answer cache. */
	struct yg_store *watch;
	pthread_mutex_t watch_lock;
	struct yg_cache *cache; /* NULL when disabled */
	struct yg_auth_slot {
		bool used;
		bool cert; /* hash is a client certificate's fingerprint */
		uint64_t gen;
		uint8_t hash[YG_TOKEN_HASH_LEN];
		int64_t org_id;
		enum yg_role role;
		char org_name[YG_STORE_NAME_MAX + 1];
	} auth[YG_HUB_AUTH_SLOTS]; /* tokens and certificates by hash[0]; hub.c */
	pthread_mutex_t auth_lock;
	atomic_uint next_slot;
	char identity[64];
	char default_coll[37];
	char data_dir[4096];
	char *pg; /* PostgreSQL conninfo, or NULL (owned) */
	atomic_ullong by_status[600];
	atomic_ullong lat_bucket[YG_HUB_LAT_BUCKETS + 1]; /* last = +Inf */
	atomic_ullong lat_sum_us;
	atomic_ullong lat_count;
	struct yg_lifecycle lc;  /* decay settings (lifecycle.h) */
	struct yg_feed *feed;    /* change-feed cursors (changes.c) */
	struct yg_load_times *load_times; /* per member, feed delivery delays */
	/* The mail anonymizer last built on each store connection, for the
	 * settings it was built from (mail_api.c); guarded by locks[i]. */
	struct yg_hub_anon_slot {
		int64_t org_id;
		char *key; /* the settings, NUL-separated; owned */
		size_t key_len;
		struct yg_mail_anon *anon; /* owned */
	} anon[YG_HUB_MAX_STORES];
	struct yg_intel_warn *warn; /* DIR/warninglist.d/, NULL without one */
	void (*front_stats)(void *ud, struct yg_guard_stats *ret); /* yg_hub_set_front */
	void *front_ud;
	/* The alert level (src/level/) and what its playbooks set (level_api.c):
	 * the decay half-life factor in thousandths, whether exports block,
	 * the poll interval advertised to sensors (0: none). */
	struct yg_level *level;
	/* The telescope's surge score last pushed to the level (darknet_api.c). */
	_Atomic double dn_surge_pushed;
	struct yg_events *events;
	/* Infected hosts (hosts_int.h): owner prefixes, the geo database for
	 * the AS fallback (NULL without one), the notifier. */
	struct yg_owners *owners;
	struct yg_geo *geo;
	struct yg_notify *notify;
	atomic_uint decay_milli;
	/* Moves when decay_milli does: the feed generation's in-process
	 * share (yg_hub_feed_generation), since no commit says so. */
	atomic_ullong feed_local;
	/* Change-feed evaluations (changes.c), parked polls' included, and
	 * answers copied from another poll's (changes.c, shared answers). */
	atomic_ullong feed_evals;
	atomic_ullong feed_shared;
	atomic_bool export_block;
	atomic_uint poll_interval_s;
	/* Feed subscriptions (feeds_api.c): the scheduler thread, its own
	 * store connection, and what wakes or stops it. */
	struct {
		pthread_t thread;
		bool running;
		bool stop;
		bool kicked;
		pthread_mutex_t lock;
		pthread_cond_t cond;
		struct yg_store *st;
		atomic_ullong runs;
	} sched;
	/* The dashboard: its files and its sessions (web_static.h, session.h). */
	struct yg_web *web;
	struct yg_sessions *sessions;
	/* Federation with other hubs (src/federation/federation.h). */
	struct yg_fed *fed;
	/* Told after a write that may have changed indicators
	 * (yg_hub_set_on_change); NULL: nobody listens. */
	void (*on_change)(void *ud);
	void *on_change_ud;
};

/* The lifecycle in force: the configured decay, its half-life times the
 * alert level's factor. */
struct yg_lifecycle yg_hub_lc(struct yg_hub *h);

/* The authenticated caller (org 0: no token), and the store generation
 * its request saw before reading anything (cache.h); without gen_ok
 * nothing is cached for it. */
struct yg_caller {
	int64_t org_id;
	enum yg_role role;
	char org_name[YG_STORE_NAME_MAX + 1];
	char token_id[YG_TOKEN_PUBID_LEN + 1]; /* the token's public id */
	uint64_t gen;
	bool gen_ok;
	/* The token could not be looked up because the store failed (not
	 * because it is unknown): the hub answers 503, not 401. */
	bool store_failed;
};

/* Fills *who from a token's SHA-256 when that token is live (not revoked,
 * its organization present); false otherwise, with who->store_failed set
 * when the store, not the token, was the reason (hub.c). */
bool yg_hub_auth_hash(struct yg_hub *h, struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
		      struct yg_caller *who);

/* The dashboard's session endpoint GET/POST/DELETE /session (web_api.c). */
int yg_web_session(struct yg_hub *h, struct yg_store *st, const struct yg_req *req,
		   struct yg_resp *resp);

/* The session of the request's cookie: the token hash and CSRF token;
 * false when there is none or it ended (web_api.c). */
bool yg_web_session_of(struct yg_hub *h, const struct yg_req *req,
		       uint8_t ret_hash[YG_TOKEN_HASH_LEN], char ret_csrf[65]);

/* Whether a request comes from a page's script (the dashboard), which must
 * never be offered Basic authentication: a browser would open its own
 * password dialog over the dashboard (web_api.c). */
bool yg_web_scripted(const struct yg_req *req);

/* The dashboard's read-only REST views (dash_api.c): /api/v1/summary,
 * /api/v1/members, /api/v1/indicators/search. */
bool yg_dash_api_route(enum yg_route_kind kind);
int yg_dash_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		       const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp);

/* Fills r with a TAXII error object (section 3.6.1). */
void yg_resp_error(struct yg_resp *r, int status, const char *title, const char *description);

/* Serializes j (the reference is stolen) as the TAXII body. */
void yg_resp_json(struct yg_resp *r, int status, json_t *j);

void yg_resp_header(struct yg_resp *r, const char *name, const char *value);
#define YG_AUTH_REQUIRED "a token is required (Bearer, or Basic with the token as password)"
/* 401 with a WWW-Authenticate challenge for each scheme the hub takes. */
void yg_resp_unauthorized(struct yg_resp *r, const char *why);

/* What the caller may do with a collection: its role and its organization
 * must both be allowed (taxii.c). */
int yg_taxii_access(struct yg_store *st, const struct yg_caller *who,
		    const struct yg_collection *c, bool *ret_read, bool *ret_write);

/* The REST endpoints under /api/v1/ (rest.c); the caller is authenticated. */
/* Fills resp (200 with the export and its ETag, or 304 when
 * if_none_match names that ETag). -ENOENT for an unknown format, other
 * negative errno on store or memory errors (resp untouched then). */
struct yg_intel_warn;
/* Values on warn's lists (DIR/warninglist.d; may be NULL) are left out and
 * counted per list in an X-Yagura-Held-Back header. */
int yg_rest_export(struct yg_store *st, const struct yg_caller *who,
		   const struct yg_lifecycle *lc, const struct yg_intel_warn *warn,
		   const char *format, const char *if_none_match, bool block, struct yg_resp *resp);

/* GET /api/v1/export/misp/{manifest.json,hashes.csv,<uuid>.json): the
 * same indicators as a MISP feed (misp_export.c). -ENOENT for another
 * file name or an event the caller has none of. */
int yg_rest_export_misp(struct yg_store *st, const struct yg_caller *who,
			const struct yg_lifecycle *lc, const struct yg_intel_warn *warn,
			const char *file, const char *if_none_match, struct yg_resp *resp);

/* The visible indicators (minimal objects: id, pattern, validity) as a
 * STIX bundle, with ETag / 304 like the exports. */
int yg_rest_indicators(struct yg_store *st, const struct yg_caller *who,
		       const struct yg_lifecycle *lc, const char *if_none_match,
		       struct yg_resp *resp);

/* POST /api/v1/sightings and GET /api/v1/indicators/{id}/sightings
 * (sightings.c); GET /api/v1/indicators/changes (changes.c). They fill
 * resp, errors included, and return 0 (negative errno only when even the
 * error could not be built). */
int yg_rest_sightings_post(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			   const struct yg_req *req, struct yg_resp *resp);
int yg_rest_sightings_get(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			  const char *indicator_id, struct yg_resp *resp);

/* One report POST of a batch (yg_rest_sightings_post_batch,
 * yg_rest_beacons_post_batch, yg_rest_darknet_post_batch). */
struct yg_report_msg {
	const struct yg_caller *who;
	const struct yg_org *org; /* who's organization when the caller read it; NULL: read */
	const struct yg_req *req;
	struct yg_resp *resp;
};

/*
 * n POSTs of /api/v1/sightings answered together, each resp as its POST
 * alone would be, through one write transaction: the checks read each
 * organization and each indicator's visibility once for the batch, and
 * the writes cost one statement and one commit for all (the NATS
 * consumer hands it the messages of one fetch). When the batch's write
 * fails, nothing of it was written and each POST runs again on its own,
 * so one that fails fails alone and every other is stored once.
 * yg_rest_sightings_post is a batch of one. Returns 0.
 */
int yg_rest_sightings_post_batch(struct yg_hub *h, struct yg_store *st,
                                 const struct yg_report_msg *msgs, size_t n);

/*
 * n POSTs of /api/v1/beacons (hosts_api.c) or of /api/v1/darknet
 * (darknet_api.c) answered together in the same way: each body checked
 * on its own (a refused one is answered alone and takes no part), the
 * others written in one transaction, in order, so a later POST meets an
 * earlier one's rows exactly as it would one POST later (a telescope
 * window posted twice is a duplicate, beacon evidence already held adds
 * nothing). When the batch's write fails nothing of it was written and
 * each POST runs again on its own. The POST of one request is a batch of
 * one. Return 0.
 */
int yg_rest_beacons_post_batch(struct yg_hub *h, struct yg_store *st,
                               const struct yg_report_msg *msgs, size_t n);
int yg_rest_darknet_post_batch(struct yg_hub *h, struct yg_store *st,
                               const struct yg_report_msg *msgs, size_t n);
int yg_rest_changes(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const struct yg_req *req, struct yg_resp *resp);

/* The cursors of the change feed: snapshots of what callers were last
 * told (changes.c). */
struct yg_feed;
struct yg_load_times;
int yg_feed_new(struct yg_feed **ret);
void yg_feed_free(struct yg_feed *f);

/* The telescope (darknet_api.c, darknet_eval.c; darknet.h). */
int yg_rest_darknet(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp);
/* Scores the ports of one minute after a window was stored, inside the
 * caller's transaction; opens or extends surge episodes and publishes a
 * STIX report for each new one. Appends {proto, port, score, kind, since,
 * new, report} for every surging port to surges. */
int yg_dn_evaluate(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		   int64_t minute, json_t *surges);

/* GET /api/v1/peers (peers_api.c): admins only. */
int yg_peers_api_handle(struct yg_hub *h, const struct yg_caller *who, const struct yg_req *req,
			struct yg_resp *resp);

int yg_rest_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		   const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp);

/* The alert level under /api/v1/level and the event stream /api/v1/events
 * (level_api.c); the hooks its playbooks call. */
bool yg_level_api_route(enum yg_route_kind kind);
int yg_level_api_handle(struct yg_hub *h, const struct yg_caller *who, const struct yg_route *rt,
			const struct yg_req *req, struct yg_resp *resp);
struct yg_level_hooks;
void yg_level_api_hooks(struct yg_hub *h, struct yg_level_hooks *ret);

/* Feed subscriptions under /api/v1/feeds (feeds_api.c), and the thread
 * that runs due feeds (started by yg_hub_start, stopped by yg_hub_free). */
int yg_feeds_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp);
int yg_feeds_sched_start(struct yg_hub *h);
void yg_feeds_sched_stop(struct yg_hub *h);
/* Wakes the thread: a feed was added or asked to run. */
void yg_feeds_sched_kick(struct yg_hub *h);

/* The TAXII endpoints. */
int yg_taxii_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp);

#endif
