/*
 * Keeps a sensor's indicators in step with the hub: a thread asks the hub
 * for every indicator this member may see (GET /api/v1/indicators, TLP
 * decided by the hub, not trusted to the sensor), at a short interval and
 * with If-None-Match, so an unchanged set costs one 304. A new set goes
 * into the live indicator set by the same atomic swap as a file reload.
 * While the hub cannot be reached, or refuses the token, the sensor keeps
 * detecting with the last set it had.
 */
#ifndef YG_SENSOR_HUB_FEED_H
#define YG_SENSOR_HUB_FEED_H

#include <stdint.h>

#include "sensor/intel_live.h"

struct yg_hub_feed;

struct yg_hub_feed_config {
	const char *url;        /* https://host:port (or http:// on loopback) */
	const char *token;      /* bearer token; never logged */
	const char *ca_file;    /* CA bundle for the hub's certificate; NULL = system */
	unsigned interval_ms;   /* between polls; 0 = 1000 */
	struct yg_intel_live *live;
	/* Status changes (reachable, refused, new set); called from the feed
	 * thread; may be NULL. */
	void (*log)(void *ud, const char *msg);
	void *ud;
};

struct yg_hub_feed_stats {
	uint64_t polls, updates, not_modified, failures;
};

/* Starts the feed thread (it polls once at once). Strings are copied.
 * Caller stops it with yg_hub_feed_stop. */
int yg_hub_feed_start(const struct yg_hub_feed_config *cfg, struct yg_hub_feed **ret);

/* Waits until the first poll finished (ok or not) or timeout_ms passed.
 * Returns true when a set from the hub is live. */
bool yg_hub_feed_wait_first(struct yg_hub_feed *f, unsigned timeout_ms);

void yg_hub_feed_stop(struct yg_hub_feed *f, struct yg_hub_feed_stats *ret_stats);

#endif
