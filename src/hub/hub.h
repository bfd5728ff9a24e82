/*
 * The sharing hub's request layer: authenticates each request by its bearer
 * token (except GETs without any Authorization header of the TAXII routes,
 * which see only public collections and their TLP:CLEAR objects), routes it
 * (route.h) and answers it (TAXII 2.1 in taxii.c, the REST API under
 * /api/v1/ in rest.c, /healthz, /metrics). Independent of the HTTP library:
 * server.c feeds it requests from libmicrohttpd; tests may feed it directly.
 *
 * A yg_hub owns one store connection per worker thread (store.h is one
 * thread at a time per handle), one more that only reads the store's
 * generation, the answer cache of listings and of tokens (cache.h; valid
 * while no commit happened anywhere), and the request metrics.
 */
#ifndef YG_HUB_HUB_H
#define YG_HUB_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/filter.h"
#include "hub/guard.h"
#include "store/store.h"

#define YG_HUB_MAX_ARGS    64
#define YG_HUB_MAX_HEADERS 8
#define YG_HUB_MAX_BODY_DEFAULT (64u << 20)

struct yg_hub_config {
	const char *data_dir; /* files (keys, lists, rules); the store unless pg */
	/* PostgreSQL conninfo (store.h, yg_store_pg_open); NULL or "": the
	 * SQLite store DIR/hub.db. */
	const char *pg;
	unsigned threads;     /* store connections; one per server worker */
	size_t max_body;      /* advertised as max_content_length */
	int cache_mb;         /* answer cache (cache.h): 0 = 64 MiB, < 0 = none */
	/* Indicator decay (lifecycle.h): half-life in days, 0 = none; below
	 * decay_threshold (score 0..100) an indicator leaves every listing. */
	double decay_half_life_days;
	double decay_threshold;
	/* Network telescope (darknet.h): the TLP of published surge reports
	 * (GREEN unless darknet_tlp_set), and the retention of minute and hour
	 * rows in days (0 = YG_DN_MINUTE_DAYS, YG_DN_HOUR_DAYS). */
	bool darknet_tlp_set;
	enum yg_tlp darknet_tlp;
	unsigned darknet_minute_days;
	unsigned darknet_hour_days;
	/* The alert level's rules file (src/level/level.h); NULL: DIR/level.json,
	 * the built-in default when that is absent. */
	const char *level_rules;
	/* Infected hosts (README, "Infected hosts"): the notice window in
	 * seconds (0: DIR/notify.json's, else a day) and the folder of the geo
	 * databases for the AS fallback owner (NULL: YG_HUB_GEOIP_DIR). */
	unsigned notify_every_s;
	const char *geoip_dir;
	/* The dashboard's folder (web_static.h); NULL: no dashboard. */
	const char *web_dir;
	/* Federation (src/federation/federation.h): the round interval in
	 * milliseconds, 0 = 5000. */
	unsigned fed_every_ms;
};

#define YG_HUB_GEOIP_DIR "/usr/local/share/yagura/geoip"

/* Checks DIR/notify.json (absent is fine): -EINVAL with err naming the
 * file and the field when it is broken. */
int yg_hub_notify_check(const char *data_dir, char *err, size_t errlen);

/* The TLS client certificate of a request, as the server found it when
 * the hub was started with --tls-client-ca (tls_peer.h). */
enum yg_client_cert {
	YG_CLIENT_CERT_NONE = 0,  /* none asked for, or none sent */
	YG_CLIENT_CERT_OK,        /* issued by the client CA, within its dates */
	YG_CLIENT_CERT_UNTRUSTED, /* not issued by the client CA, or a bad signature */
	YG_CLIENT_CERT_EXPIRED,
	YG_CLIENT_CERT_NOT_YET,   /* its validity starts later */
	YG_CLIENT_CERT_INVALID,   /* anything else the verification refuses */
};

/* One request, borrowed from the server for the call. Strings are
 * NUL-terminated; headers are NULL when absent. */
struct yg_req {
	const char *method;
	const char *path; /* URL-decoded, without the query */
	const char *accept;
	const char *content_type;
	const char *authorization;
	const char *anonymous; /* X-Yagura-Anonymous */
	const char *share_with; /* X-Yagura-Share-With (mail submission) */
	const char *yagura_hub; /* X-Yagura-Hub: a federation peer's identity */
	const char *if_none_match;
	const char *last_event_id; /* Last-Event-ID (GET /api/v1/events) */
	/* The dashboard (web_api.c): Cookie, X-CSRF-Token, Sec-Fetch-Mode,
	 * X-Yagura-Client, and whether the request came over TLS (the session
	 * cookie is then Secure). */
	const char *cookie;
	const char *csrf_token;
	const char *sec_fetch_mode;
	const char *client;
	bool tls;
	/* The client certificate and the SHA-256 of its DER (set unless
	 * client_cert is NONE); hub.c maps it to a binding (store_certs.h). */
	enum yg_client_cert client_cert;
	uint8_t client_cert_fp[32];
	struct yg_kv args[YG_HUB_MAX_ARGS];
	size_t n_args;
	bool args_overflow;
	const char *body;
	size_t body_len;
	/* Long-poll (GET /api/v1/indicators/changes): 0 on the first call; on
	 * a call again after a hold, the hold_until_us the hub gave. no_wait:
	 * answer now whatever (the server is stopping). */
	int64_t wait_deadline_us;
	bool no_wait;
};

/* One response. body is malloc'ed and owned by the response, unless
 * body_free is set: then the body is lent (a cached answer, cache.h) and
 * releasing the response calls body_free(body_cls) instead of free. */
struct yg_resp {
	int status;
	char *body;
	size_t len;
	void (*body_free)(void *cls);
	void *body_cls;
	/* With body_in_fd, the lent body is also the first len bytes of the
	 * file body_fd (owned by the lender), which a server may send with
	 * sendfile instead of copying the bytes into its socket. */
	bool body_in_fd;
	int body_fd;
	const char *content_type;
	char hdr_name[YG_HUB_MAX_HEADERS][32];
	char hdr_value[YG_HUB_MAX_HEADERS][256]; /* a CSP, a Set-Cookie */
	size_t n_hdr;
	int64_t org_id;       /* the authenticated organization, for the log */
	char org_name[YG_STORE_NAME_MAX + 1];
	/* The authenticated token (the first 8 bytes of its hash) and its
	 * role, when org_id is set: the server counts parked long-polls by
	 * token and organization (guard.h). */
	uint64_t token_key;
	enum yg_role role;
	/* Non-zero: no answer yet (body empty). The server parks the request
	 * and calls yg_hub_handle again (with req.wait_deadline_us =
	 * hold_until_us) once the feed generation is no longer hold_gen, or
	 * hold_until_us (Unix microseconds) passed, or five seconds went by (time
	 * alone expires and decays indicators). */
	int64_t hold_until_us;
	uint64_t hold_gen;
	/* An event stream (GET /api/v1/events): body is its first bytes; the
	 * server then sends, as they come, the events after stream_cursor that
	 * org_id and role may read (yg_hub_events_read), and keeps the
	 * connection open. */
	bool stream;
	uint64_t stream_cursor;
};

struct yg_hub;

/* Opens the store in cfg->data_dir, creates the default collection and
 * the hub's identity on first use. Caller frees with yg_hub_free. */
int yg_hub_new(const struct yg_hub_config *cfg, struct yg_hub **ret);
void yg_hub_free(struct yg_hub *h);

/* Answers one request into *resp (always filled, also on errors: a TAXII
 * error object). Returns 0, or a negative errno when even the error
 * response could not be built (the server then answers 500 bare). */
int yg_hub_handle(struct yg_hub *h, const struct yg_req *req, struct yg_resp *resp);

/*
 * Answers a report that came without a token from a channel that vouches
 * for its organization itself (NATS JetStream: the server's permissions
 * let only org_id's users publish on its subjects, common/natsconn.h).
 * Only POST /api/v1/sightings, /api/v1/beacons and /api/v1/darknet, as a
 * sensor of org_id; anything else is 403, an unknown organization too.
 * Returns as yg_hub_handle.
 */
int yg_hub_handle_as(struct yg_hub *h, int64_t org_id, const struct yg_req *req,
		     struct yg_resp *resp);

/*
 * The same through the caller's own store connection st, which no other
 * thread uses meanwhile: the NATS consumer's handler threads each keep
 * one, so their reports do not wait for the server threads' connections.
 */
int yg_hub_handle_as_on(struct yg_hub *h, struct yg_store *st, int64_t org_id,
			const struct yg_req *req, struct yg_resp *resp);

/*
 * n reports through st as yg_hub_handle_as_on answers each, org_ids[i]
 * reporting reqs[i] into resps[i]: one read of each organization, and the
 * reports of each kind (sightings, beacons, darknet windows) as one batch
 * with one write transaction, each POST on its own again when that fails
 * (hub-int.h, yg_rest_*_post_batch). Returns 0, or -ENOMEM when a response
 * could not be built (those without a body are then to be treated as 500).
 */
int yg_hub_handle_batch_on(struct yg_hub *h, struct yg_store *st, const int64_t *org_ids,
                           const struct yg_req *reqs, struct yg_resp *resps, size_t n);

/* Opens another connection to the hub's store (its folder or
 * PostgreSQL). Caller closes with st->ops->close. */
int yg_hub_store_open(struct yg_hub *h, struct yg_store **ret);

/* fn(ud) is called (from a request's thread, after its commit) when a
 * write may have changed indicators: anything but a GET, a HEAD and the
 * reports above that succeeded. It must not block. NULL: none. Set it
 * before the server serves. */
void yg_hub_set_on_change(struct yg_hub *h, void (*fn)(void *ud), void *ud);

/* Where /metrics reads the HTTP front's connection counters (guard.h);
 * the server sets it before it serves and clears it (NULL) once stopped. */
void yg_hub_set_front(struct yg_hub *h, void (*stats)(void *ud, struct yg_guard_stats *ret),
		      void *ud);

/* Starts the hub's background work (the alert level's evaluation and
 * playbooks); a server calls it once it serves. */
int yg_hub_start(struct yg_hub *h);

/* The hub's alert level, for the parts of the hub that measure signals:
 * yg_level_signal_set(yg_hub_level(h), "darknet.surge_score", v, detail)
 * (src/level/level.h). Lives as long as h. */
struct yg_level;
struct yg_level *yg_hub_level(struct yg_hub *h);

/* Event streams (src/hub/events.h): the newest event id, and the frames
 * after *cursor that (org, role) may read, appended to out (at most about
 * max bytes). */
uint64_t yg_hub_events_last(struct yg_hub *h);
struct yg_buf;
size_t yg_hub_events_read(struct yg_hub *h, uint64_t *cursor, int64_t org, enum yg_role role,
			  struct yg_buf *out, size_t max);

/* Records a finished request for /metrics. */
void yg_hub_observe(struct yg_hub *h, int status, int64_t duration_us);

void yg_resp_release(struct yg_resp *r);

/* The store generation (store.h data_version of the hub's watching
 * connection): moves with every commit anywhere. For parked requests. */
int yg_hub_generation(struct yg_hub *h, uint64_t *ret);

/* The feed generation (store.h feed_version of the watching connection,
 * plus this hub's own decay changes): moves only with what can change a
 * change-feed answer, not with sightings and other reports. Parked
 * long-polls wait on it (hold_gen). */
int yg_hub_feed_generation(struct yg_hub *h, uint64_t *ret);

/*
 * First-use set-up of a store, shared with the admin CLI: the hub's STIX
 * identity, the default collection (every role reads; admins, analysts
 * and sensors write) and in it the five TLP 2.0 marking definitions as
 * TLP:CLEAR objects of the hub. Idempotent. ret_* may be NULL.
 */
int yg_hub_bootstrap(struct yg_store *st, char ret_identity[64], char ret_default_coll[37]);

/* A collection to create: its title and description, which organizations
 * read and write it (every one when *_all, else the listed ids), and
 * whether clients without a token read its TLP:CLEAR objects. */
struct yg_hub_coll_spec {
	const char *title;
	const char *description; /* may be NULL */
	bool read_all, write_all, public_read;
	const int64_t *read_orgs;
	size_t n_read_orgs;
	const int64_t *write_orgs;
	size_t n_write_orgs;
};

/* Creates a collection (every role reads it; admins, analysts and sensors
 * write it, as organizations allow) in one transaction. */
int yg_hub_collection_add(struct yg_store *st, const struct yg_hub_coll_spec *spec,
			  struct yg_collection *ret);

/* Adds an organization and its STIX identity object (TLP:GREEN, in the
 * default collection), in one transaction. */
int yg_hub_org_add(struct yg_store *st, const char *name, const char *sector,
		   const char *country, struct yg_org *ret);

#endif
