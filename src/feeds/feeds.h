/*
 * Hub feed subscriptions (issue 12): the hub pulls the lists people
 * publish (any format of src/intel/, or a TAXII 2.1 collection of another
 * server) on a schedule and turns each run into indicators.
 *
 * A run is a diff against the feed's previous good content (kept in the
 * store, store_feeds.h):
 *   new value        a new indicator, created_by_ref the feed's own STIX
 *                    identity (an organization "feed:NAME"), the feed in
 *                    external_references, the feed's TLP and confidence
 *   value that left  a new version with valid_until = now + expire_after:
 *                    it expires after the grace period (lifecycle.h)
 *   value back       a new version without valid_until
 *   unchanged        untouched (no new version, so no change for sensors)
 * Every write is an ordinary object version (obj_put), so the change feed,
 * the answer cache and the lifecycle see feeds as any submission.
 *
 * Warning lists: a value on one is still stored, with the list's name in
 * x_yagura_warninglist; the lifecycle treats it as held back (never in a
 * sensor's set or an export), and the run counts it per list.
 *
 * A run that fails (transport, HTTP status, size cap, timeout, content the
 * loader does not recognize, an empty answer) changes no value: the last
 * good content stays live and the error is kept in the feed's health.
 * Conditional requests (If-None-Match, If-Modified-Since) make an
 * unchanged feed a 304 and a run with nothing to do.
 */
#ifndef YG_FEEDS_FEEDS_H
#define YG_FEEDS_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "intel/intel.h"
#include "store/store.h"
#include "store/store_feeds.h"

#define YG_FEED_URL_MAX         2048
#define YG_FEED_PATH_MAX        1024 /* a credential file's path */
#define YG_FEED_DEFAULT_EVERY   3600
#define YG_FEED_DEFAULT_EXPIRE  (7 * 86400)
#define YG_FEED_DEFAULT_BYTES   ((size_t)64 << 20)
#define YG_FEED_MAX_BYTES       ((size_t)1 << 30)
#define YG_FEED_DEFAULT_TIMEOUT 60
#define YG_FEED_MAX_VALUES      (4u << 20) /* values one feed may hold */

/* A subscription. Stored as JSON (yg_feed_spec_json); the CLI and
 * POST /api/v1/feeds both go through yg_feed_spec_parse. */
struct yg_feed_spec {
	char name[YG_FEED_NAME_MAX + 1]; /* [A-Za-z0-9._-], 1..64 */
	char url[YG_FEED_URL_MAX];       /* http, https or file */
	char format[128];                /* "auto", a format spec (intel.h), or "taxii" */
	struct yg_intel_format fmt;      /* parsed from format (kind AUTO for taxii) */
	bool taxii;
	int64_t every_s;                         /* >= 60, except tests may go to 1 */
	enum yg_tlp tlp;                         /* CLEAR, GREEN or AMBER */
	int confidence;                          /* 0..100, -1 = none */
	char collection[37];                     /* uuid; "" = the default collection */
	char share_group[YG_STORE_NAME_MAX + 1]; /* AMBER: the group it is shared with */
	int64_t expire_after_s;                  /* grace after a value leaves the feed */
	size_t max_bytes;                        /* answer cap */
	unsigned timeout_s;                      /* whole transfer */
	/* TAXII collections to follow (id, alias or title, comma-separated;
	 * "" = every readable one), and credentials, read from files on the
	 * hub's host (cred.h; never given over the API). */
	char taxii_collections[512];
	char token_file[YG_FEED_PATH_MAX];
	char user[128];
	char password_file[YG_FEED_PATH_MAX];
	char cert_file[YG_FEED_PATH_MAX];
	char key_file[YG_FEED_PATH_MAX];
	char ca_file[YG_FEED_PATH_MAX];
};

/*
 * Parses a subscription from JSON text (len bytes; outside input for
 * POST /api/v1/feeds): {"name", "url", "format", "every", "tlp",
 * "confidence", "collection", "share_group", "expire_after", "max_bytes",
 * "timeout", "taxii_collections", "token_file", "user", "password_file",
 * "cert_file", "key_file", "ca_file"}. Durations are numbers of seconds
 * or "30s", "15m", "1h", "7d". Unknown members are errors. -EINVAL with
 * err naming the member that is wrong; *ret untouched then.
 */
int yg_feed_spec_parse(const char *text, size_t len, struct yg_feed_spec *ret, char *err,
                       size_t errlen);

/* Whether the spec names credential files (refused over the API). */
bool yg_feed_spec_has_credentials(const struct yg_feed_spec *s);

/* The spec as JSON text (malloc'ed, caller frees), parseable again. */
int yg_feed_spec_json(const struct yg_feed_spec *s, char **ret);

/* The URL as members may see it (an indicator's external_references, the
 * feed list for analysts): without user:password@, query or fragment,
 * where feeds carry their API keys. */
void yg_feed_url_public(const char *url, char *out, size_t cap);

/* "30s", "15m", "1h", "7d", "2w" or plain seconds; -EINVAL otherwise. */
int yg_feed_duration_parse(const char *s, int64_t *ret_s);

/* What one run did (also kept as the feed's health JSON). */
#define YG_FEED_HELD_LISTS 16
struct yg_feed_result {
	int64_t started_us;
	int64_t duration_us;
	bool ok;           /* the content was fetched and understood (or 304) */
	bool not_modified; /* 304 (or a TAXII round with nothing new) */
	long http_status;  /* 0 for file:// and TAXII */
	size_t bytes;
	size_t values; /* in the feed now */
	size_t added, expired, returned, unchanged, held_back, rejected;
	struct {
		char list[64];
		size_t n;
	} held[YG_FEED_HELD_LISTS];
	size_t n_held_lists;
	char error[512]; /* "" when ok */
};

/* What a run needs besides the store: the warning lists (may be NULL), a
 * stop check for transfers (may be NULL: nonzero aborts). */
struct yg_feed_env {
	const struct yg_intel_warn *warn;
	int (*cancel)(void *ud);
	void *ud;
};

/*
 * Subscribes: creates the feed's organization "feed:NAME" (sector "feed")
 * with its STIX identity, resolves spec->collection (uuid or title; ""
 * the default) and stores the subscription, due at once. -EEXIST when the
 * name is taken, -ENOENT for an unknown collection or group.
 */
int yg_feed_add(struct yg_store *st, struct yg_feed_spec *spec);

/* Removes the subscription and its values; its live indicators get a
 * last version valid until now, so they leave sensors' sets and exports
 * (they stay readable over TAXII). -ENOENT when none. */
int yg_feed_del(struct yg_store *st, const char *name);

/*
 * Runs one feed now: fetch, load, diff, store (one transaction), health,
 * next run. 0 when the run happened (ret->ok says whether it succeeded);
 * -ENOENT for an unknown feed, other negative errno on store errors.
 */
int yg_feed_run(struct yg_store *st, const char *name, const struct yg_feed_env *env,
                struct yg_feed_result *ret);

/* The health JSON of a result (malloc'ed, caller frees). */
char *yg_feed_result_json(const struct yg_feed_result *r);

/* Loads DIR/warninglist.d/ (one list per file) into *ret, NULL when the
 * folder is absent. Caller frees with yg_intel_warn_free. */
int yg_feed_warn_open(const char *data_dir, struct yg_intel_warn **ret);

/*
 * MISP feeds over HTTP(S) (feed_misp.c). yg_feed_misp_read fetches the
 * manifest and every event it lists with the feed's credentials and caps,
 * and loads each attribute into b[its TLP]: the most restrictive tlp: tag
 * of the attribute, else of its event, else the feed's spec->tlp. 0, or a
 * negative errno with res->error saying which file and why (res->bytes
 * and res->http_status are set either way).
 */
struct yg_taxii_cred;

/* The feed's credentials as the TAXII and MISP readers send them: the
 * secrets read from their files into cred (owned by cred; freed with
 * yg_feed_cred_free, also after a failure), the user and file names
 * pointing into s. 0, or a negative errno with err saying which part
 * failed (never a secret). */
int yg_feed_cred_load(const struct yg_feed_spec *s, struct yg_taxii_cred *cred, char *err,
		      size_t errlen);
void yg_feed_cred_free(struct yg_taxii_cred *cred);

int yg_feed_misp_read(const struct yg_feed_spec *s, const struct yg_feed_env *env,
		      struct yg_intel_builder *b[YG_TLP_RED + 1], struct yg_feed_result *res);

/* One event's text (outside input): its attributes split by TLP as above
 * (dflt for an event without a tlp: tag) into b[level] through the MISP
 * loader. The number of values added, -EBADMSG when the text is not
 * {"Event": {...}} or looks binary (yg_intel_text_screen), -ENOMEM. */
long yg_feed_misp_event_load(struct yg_intel_builder *b[YG_TLP_RED + 1], const char *source,
			     const char *text, size_t len, enum yg_tlp dflt);

/* The most restrictive level among MISP tags ([{"name": "tlp:..."}] or
 * bare strings); false, *ret untouched, when none is a tlp: tag. */
bool yg_feed_misp_tlp(const json_t *tags, enum yg_tlp *ret);

/* HTTP(S)/file fetch with validators (feed_fetch.c). */
struct yg_feed_fetch {
	/* in */
	const char *url;
	const char *etag;          /* "" or NULL: none */
	const char *last_modified; /* "" or NULL: none */
	const char *ca_file;       /* NULL: the system's CAs */
	const struct yg_taxii_cred *cred; /* NULL: none (taxii/cred.h) */
	size_t max_bytes;
	unsigned timeout_s;
	int (*cancel)(void *ud);
	void *ud;
	/* out */
	long status;       /* HTTP status, 200 for a file */
	bool not_modified; /* 304 */
	char *body;        /* malloc'ed, NUL-terminated; caller frees */
	size_t len;
	char new_etag[YG_FEED_VALID_MAX + 1];
	char new_last_modified[YG_FEED_VALID_MAX + 1];
	char err[256];
};

/* 0 with status 200 and a body, or 304; -EIO (err says why: transport,
 * status, timeout), -E2BIG past max_bytes, -ECANCELED, -ENOMEM. */
int yg_feed_fetch_run(struct yg_feed_fetch *f);

#endif
