/*
 * Turns alerts on hub indicators into STIX 2.1 sightings: one sighting per
 * indicator per window (count, first/last seen, keyed hashes of the internal
 * hosts involved). Worker threads add; one sender thread takes bundles.
 *
 * Privacy: a host address is kept only as HMAC-SHA256(host key, address
 * text) unless share_hosts is set; nothing of the packet is kept.
 *
 * Thread safety: every function may be called from any thread. _add takes
 * a mutex for a few hundred nanoseconds and never does I/O, so a packet
 * worker never waits on the network or the disk.
 */
#ifndef YG_SENSOR_SIGHTING_H
#define YG_SENSOR_SIGHTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_SIGHTING_KEY_LEN     32
#define YG_SIGHTING_HOSTS_MAX   16    /* host hashes per sighting (contract) */
#define YG_SIGHTING_BATCH_MAX   1000  /* sightings per bundle (contract) */
#define YG_SIGHTING_PENDING_MAX 50000 /* distinct indicators held between flushes */

struct yg_sighting_agg;

struct yg_sighting_config {
	uint8_t host_key[YG_SIGHTING_KEY_LEN];
	bool share_hosts;        /* also send the address text (member opted in) */
	const char *sensor_name; /* x_yagura_sensor; NULL = none; copied */
	unsigned batch;          /* sightings per bundle, 1..1000; 0 = 500 */
};

/* Caller frees with yg_sighting_agg_free. */
int yg_sighting_agg_new(const struct yg_sighting_config *cfg, struct yg_sighting_agg **ret);
void yg_sighting_agg_free(struct yg_sighting_agg *a);

/*
 * Counts one alert on the hub indicator stix_id ("indicator--..."), seen at
 * ts_us (packet time, microseconds since the epoch), involving the internal
 * host host (address text; NULL when no side is in the home network).
 * Returns 0, -EINVAL (not an indicator id), -ENOMEM, or -E2BIG when
 * YG_SIGHTING_PENDING_MAX indicators are already pending (the alert is
 * counted in dropped).
 */
int yg_sighting_agg_add(struct yg_sighting_agg *a, const char *stix_id, uint64_t ts_us,
                        const char *host);

/* Indicators (future sightings) pending. */
size_t yg_sighting_agg_pending(struct yg_sighting_agg *a);

/* Alerts refused by _add for lack of room or memory. */
uint64_t yg_sighting_agg_dropped(struct yg_sighting_agg *a);

/*
 * Waits until a full batch is pending, yg_sighting_agg_wake was called, or
 * timeout_ms passed. Returns true when woken (not on timeout).
 */
bool yg_sighting_agg_wait(struct yg_sighting_agg *a, unsigned timeout_ms);
void yg_sighting_agg_wake(struct yg_sighting_agg *a);

/*
 * Takes up to one batch of pending sightings (oldest first) and serializes
 * them as a STIX bundle: each sighting gets a new random UUIDv4 id, so the
 * text is the unit the spool keeps and the hub deduplicates. identity is
 * the member's identity id for where_sighted_refs (NULL: left out, the hub
 * fills it in); now_us stamps created/modified. shift_us is added to every
 * time written (the hub's clock minus ours, when they disagree, so a
 * sensor with a wrong clock does not have its sightings refused as from
 * the future); 0 for none. On success *ret_json is a NUL-terminated string
 * the caller frees, *ret_n the number of sightings (0 and *ret_json NULL
 * when nothing was pending).
 */
int yg_sighting_agg_take(struct yg_sighting_agg *a, const char *identity, uint64_t now_us,
                         int64_t shift_us, char **ret_json, size_t *ret_len, unsigned *ret_n);

/* The aggregator's hash of an internal host (as in its sightings) into
 * ret_hex; returns whether the member shares host addresses too. */
bool yg_sighting_agg_host_hash(const struct yg_sighting_agg *a, const char *host,
                               char ret_hex[65]);

/* HMAC-SHA256(key, host) as 64 lowercase hex digits plus NUL. */
void yg_sighting_host_hash(const uint8_t key[YG_SIGHTING_KEY_LEN], const char *host,
                           char ret_hex[65]);

/* "2026-11-25T10:00:00.000Z" (25 bytes with the NUL). */
void yg_sighting_time(uint64_t us, char ret[32]);

#endif
