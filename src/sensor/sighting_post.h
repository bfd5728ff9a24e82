/*
 * Delivers sightings to the hub: a thread that, every interval or when a
 * batch is full, takes the aggregated sightings, writes each batch to the
 * spool (before any POST), then posts the spool's batches oldest first to
 * POST /api/v1/sightings and removes each one the hub answered 200 to.
 *
 * With nats_url, batches go to JetStream instead (nats_pub.h) and leave
 * the spool only after its PubAck; a hub takes them from there.
 *
 * Exactly once: a batch keeps its sighting ids from the moment it is made,
 * the hub treats a known id as a duplicate, and a batch leaves the spool
 * only after a 200. A 5xx, a network error or a refused token (401/403)
 * keeps the batch for the next try; a batch the hub calls malformed (400,
 * 413, 415) is dropped (sending it again cannot help) and counted.
 *
 * Packet workers only call yg_sighting_agg_add on yg_sightings_agg(): the
 * network and the disk are touched by this thread alone.
 */
#ifndef YG_SENSOR_SIGHTING_POST_H
#define YG_SENSOR_SIGHTING_POST_H

#include <stdbool.h>
#include <stdint.h>

#include "sensor/sighting.h"
#include "taxii/cred.h"

struct yg_sightings;

struct yg_sightings_config {
	const char *url;          /* hub base URL */
	const struct yg_taxii_cred *cred; /* as the feed's; copied; never logged */
	const char *spool_dir;    /* NULL = memory only (lost at exit) */
	uint64_t spool_max_bytes; /* 0 = 64 MB */
	unsigned interval_ms;     /* flush period; 0 = 5000 */
	unsigned batch;           /* sightings per POST, 1..1000; 0 = 500 */
	bool share_hosts;
	const char *host_key_file; /* NULL: spool_dir/host.key, or a per-run key */
	const char *sensor_name;   /* NULL = none */
	/* NATS JetStream instead of the three POSTs (nats_pub.h): the URL and
	 * the credentials file; NULL = HTTP. The hub's HTTP API is still used
	 * for whoami (the organization id, when the file has none). */
	const char *nats_url;
	const char *nats_creds;
	/* Status lines, from the sender thread (or the caller of _start and
	 * _stop); may be NULL. */
	void (*log)(void *ud, const char *msg);
	void *ud;
};

struct yg_sighting_stats {
	uint64_t made;               /* sightings made from alerts */
	uint64_t posted;             /* accepted by the hub */
	uint64_t duplicates;         /* the hub had them already */
	uint64_t rejected;           /* refused by the hub (logged, dropped) */
	uint64_t spooled;            /* written to the spool (or held in memory) */
	uint64_t replayed;           /* delivered later: after a failure or a restart */
	uint64_t dropped_spool_full; /* lost: the spool was full */
	uint64_t post_failures;      /* POSTs that failed and will be retried */
	uint64_t spool_batches;      /* batches waiting now */
	uint64_t spool_write_errors; /* batches that could not reach the spool folder */
	uint64_t alerts_dropped;     /* alerts the aggregator had no room for */
	/* Telescope windows (yg_sightings_darknet_add), one per POST. */
	uint64_t darknet_windows;    /* handed over */
	uint64_t darknet_posted;     /* accepted by the hub (200) */
	uint64_t darknet_rejected;   /* refused as malformed (400, 413, 415): dropped */
	uint64_t darknet_dropped;    /* lost: the queue or the spool was full */
	uint64_t darknet_waiting;    /* in the spool now */
	/* Beacon reports (yg_sightings_beacon_add), many per POST. */
	uint64_t beacons;            /* handed over */
	uint64_t beacons_posted;     /* accepted by the hub (200) */
	uint64_t beacons_rejected;   /* in bodies refused as malformed (400, 413, 415) */
	uint64_t beacons_dropped;    /* lost: the queue or the spool was full */
	uint64_t beacons_waiting;    /* bodies in the spool now */
};

/*
 * Loads (or creates) the host key, opens the spool and starts the thread.
 * Strings are copied. Returns 0, or a negative errno with err filled
 * (e.g. a host key file that is not 32 bytes). A spool folder that cannot
 * be written is not fatal: it is logged and batches wait in memory.
 */
int yg_sightings_start(const struct yg_sightings_config *cfg, struct yg_sightings **ret, char *err,
                       size_t errlen);

/* Where workers add alerts; valid until _stop. */
struct yg_sighting_agg *yg_sightings_agg(struct yg_sightings *s);

/* A snapshot of the counters (any thread). */
void yg_sightings_stats(struct yg_sightings *s, struct yg_sighting_stats *ret);

/*
 * Queues one telescope window body (darknet/window.c) for
 * POST /api/v1/darknet; any thread. The body is copied; the sender thread
 * spools it (DIR/darknet-<seq>.json, beside the sightings) and posts it
 * with the same credentials, retries and exactly-once rules as sightings.
 * At most YG_DARKNET_QUEUE_MAX bytes wait for the thread; beyond, the
 * window is dropped and counted.
 */
#define YG_DARKNET_QUEUE_MAX (64u << 20)
void yg_sightings_darknet_add(struct yg_sightings *s, const char *json, size_t len);

/*
 * Queues one beacon report for POST /api/v1/beacons; any thread (a packet
 * worker: no I/O, a short lock). The sender thread sends the reports
 * queued since its last round as one body (at most YG_BEACONS_PER_POST):
 *
 *   {"beacons":[{"host_hash":"<64 hex>","host":"10.0.0.5" (only with
 *     share_hosts),"dest":"203.0.113.9","name":"c2.example"|null,
 *     "dst_port":443,"proto":"tcp","interval_s":60.0,"count":24,
 *     "score":0.93,"first_seen":"RFC 3339","last_seen":"RFC 3339"}]}
 *
 * The host is hashed with the sightings' host key (the same hash the
 * sightings carry for the same machine). Spooled as DIR/beacons-<seq>.json
 * and delivered with the darknet windows' rules. At most YG_BEACON_QUEUE_MAX
 * reports wait for the thread; beyond, they are dropped and counted.
 */
#define YG_BEACON_QUEUE_MAX 10000
#define YG_BEACONS_PER_POST 500
struct yg_beacon_hit;
void yg_sightings_beacon_add(struct yg_sightings *s, const struct yg_beacon_hit *h);

/*
 * Flushes what is pending into the spool, tries to post once, stops the
 * thread and frees. What was not delivered stays in the spool folder for
 * the next run. ret_stats (may be NULL) gets the final counters.
 */
void yg_sightings_stop(struct yg_sightings *s, struct yg_sighting_stats *ret_stats);

/*
 * Parses the hub's answer {"accepted":N,"duplicates":D,"rejected":[...]}.
 * Returns 0 or -EBADMSG. For each rejected entry, on_reject (may be NULL)
 * gets its id and error text (either may be NULL).
 */
int yg_sightings_parse_answer(const char *body, size_t len, uint64_t *ret_accepted,
                              uint64_t *ret_duplicates, uint64_t *ret_rejected,
                              void (*on_reject)(void *ud, const char *id, const char *error),
                              void *ud);

#endif
