/*
 * Keeps a sensor's indicators in step with the hub. A thread follows the
 * hub's change feed (GET /api/v1/indicators/changes?since=CURSOR&wait=25, a
 * long poll: the hub answers as soon as an indicator changes) and applies
 * upserts and removes to its own map of id -> minimal indicator; after each
 * answer that changed something the map becomes the live set by the same
 * atomic swap as a file reload. TLP is decided by the hub, never by the
 * sensor. A hub without the feed (404) is followed over TAXII 2.1 instead
 * (any TAXII 2.1 server will do): discovery, the readable collections, and
 * per collection the indicators added after the last X-TAXII-Date-Added-Last
 * seen there, every interval (taxii/client.h). A server without TAXII either
 * (404) is polled: GET /api/v1/indicators every interval with
 * If-None-Match, so an unchanged set costs one 304.
 *
 * While the hub cannot be reached, refuses the token, or sends a malformed
 * answer, the sensor keeps detecting with the last good set it had, says
 * so (once per change of state), and retries each interval.
 */
#ifndef YG_SENSOR_HUB_FEED_H
#define YG_SENSOR_HUB_FEED_H

#include <stdint.h>

#include "sensor/intel_live.h"
#include "taxii/cred.h"

struct yg_hub_feed;

/* How the sensor follows the hub. AUTO tries them in this order: CHANGES,
 * then (404, or a feed that makes no progress) TAXII, then (no TAXII) POLL.
 * The others keep to one mode and retry it. */
enum yg_hub_feed_mode {
	YG_HUB_FEED_AUTO,
	YG_HUB_FEED_CHANGES,
	YG_HUB_FEED_TAXII,
	YG_HUB_FEED_POLL,
	/* The change feed, woken by the hub's notices on NATS
	 * (common/natsconn.h) instead of held long-polls: no parked
	 * connection per sensor. Each notice (and every wait_s seconds, to
	 * catch up after a gap) brings one GET of the change feed with
	 * wait=0; while NATS is away, the HTTP long-poll takes over. */
	YG_HUB_FEED_NATS,
};

/* "auto", "changes", "taxii", "poll", "nats". */
const char *yg_hub_feed_mode_name(enum yg_hub_feed_mode m);
/* Parses one of those names; -EINVAL otherwise. */
int yg_hub_feed_mode_parse(const char *s, enum yg_hub_feed_mode *ret);

struct yg_hub_feed_config {
	const char *url;        /* https://host:port (or http:// on loopback) */
	const struct yg_taxii_cred *cred; /* token, Basic or client certificate,
					   * and the CA bundle; copied; never logged */
	const char *const *collections; /* TAXII: follow only these (id, alias
					 * or title); at most YG_TAXII_ONLY_MAX */
	size_t n_collections;
	unsigned interval_ms;   /* between polls, and between retries; 0 = 1000 */
	unsigned wait_s;        /* change-feed long-poll wait, 1..30; 0 = 25 */
	bool no_changes;        /* do not try the change feed (same as mode POLL) */
	enum yg_hub_feed_mode mode;
	struct yg_intel_live *live;
	/* Mode NATS: the server and the credentials file (natsconn.h). */
	const char *nats_url;
	const char *nats_creds;
	/* Status changes (reachable, refused, new set); called from the feed
	 * thread; may be NULL. */
	void (*log)(void *ud, const char *msg);
	void *ud;
};

struct yg_hub_feed_stats {
	uint64_t polls, updates, not_modified, failures;
	uint64_t changes;      /* upserts and removes applied from the feed */
	uint64_t resets;       /* full states taken from the feed */
	uint64_t malformed;    /* feed answers refused as malformed */
	uint64_t indicators;   /* in the map (change-feed and TAXII modes) */
	uint64_t taxii_polls;       /* TAXII rounds over every collection */
	uint64_t taxii_incremental; /* of those, rounds with added_after that brought objects */
	uint64_t nats_wakes;   /* change-feed requests a NATS notice asked for */
	bool change_feed;      /* following the change feed (else polling) */
	enum yg_hub_feed_mode mode; /* the mode in use at stop (never AUTO) */
};

/* Starts the feed thread (it polls once at once). Strings are copied.
 * Caller stops it with yg_hub_feed_stop. */
int yg_hub_feed_start(const struct yg_hub_feed_config *cfg, struct yg_hub_feed **ret);

/* Waits until the first poll finished (ok or not) or timeout_ms passed.
 * Returns true when a set from the hub is live. */
bool yg_hub_feed_wait_first(struct yg_hub_feed *f, unsigned timeout_ms);

void yg_hub_feed_stop(struct yg_hub_feed *f, struct yg_hub_feed_stats *ret_stats);

#endif
