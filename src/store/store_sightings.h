/*
 * The store's sightings half (issue 4): STIX 2.1 sighting objects that
 * members' sensors report against the hub's indicators, one row per
 * sighting id, and the per-organization aggregates the hub answers with.
 *
 * Reached as st->ops->sightings->fn(st, ...); same threading and error
 * rules as store.h. The store decides nothing about TLP or validity: the
 * hub (src/hub/sightings.c) validates each sighting, checks that the caller
 * may see the indicator, and fills in the caller's organization.
 *
 * Idempotence: a sighting id belongs to the organization that first stored
 * it. The same id and modified again is a duplicate (nothing changes); a
 * newer modified of the same organization replaces the row (the sensor
 * re-sent a grown count); an older one is a duplicate too.
 */
#ifndef YG_STORE_STORE_SIGHTINGS_H
#define YG_STORE_STORE_SIGHTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_SIGHTING_JSON_MAX (64 * 1024) /* bytes of one stored sighting */

/* One sighting to store; strings borrowed for the call. */
struct yg_sighting_in {
	const char *stix_id;      /* "sighting--<uuid>" */
	const char *indicator_id; /* sighting_of_ref */
	int64_t org_id;           /* the submitting organization */
	int64_t modified_us;
	int64_t count; /* 1 .. 1e9 */
	int64_t first_seen_us;
	int64_t last_seen_us;
	const char *json; /* the object as stored (TLP:AMBER marked) */
	size_t json_len;
	/* A sighting a federation peer sent (org_id is the peer's
	 * organization): the identity it names as the reporter, the peer hub
	 * for its anonymous per-day aggregates or one of its members that
	 * opted in. NULL or "" for a member's own sighting. */
	const char *reporter;
};

enum yg_sighting_outcome {
	YG_SIGHTING_NEW = 0,
	YG_SIGHTING_DUPLICATE = 1,
	YG_SIGHTING_REPLACED = 2, /* newer version of the same org's sighting */
};

/* One organization's share of an indicator's sightings (one per reporter
 * for a peer's organization: reporter is "" for a member's own). */
struct yg_sighting_org {
	int64_t org_id;
	char reporter[64];
	char name[YG_STORE_NAME_MAX + 1];
	char identity_id[64];
	char sector[YG_STORE_SECTOR_MAX + 1];
	int64_t count;
	int64_t first_seen_us;
	int64_t last_seen_us;
};

#define YG_SIGHTING_DAY_US (86400LL * 1000000LL)

/* One organization's sightings of one indicator on one UTC day. */
struct yg_sighting_bucket {
	const char *indicator_id;
	int64_t day; /* last_seen_us / YG_SIGHTING_DAY_US */
	int64_t org_id;
	int64_t count;
	int64_t first_seen_us;
	int64_t last_seen_us;
	int64_t received_us; /* the newest */
};

struct yg_store_sighting_ops {
	/* Stores one sighting; *ret_outcome says what happened. -EEXIST when
	 * the id belongs to another organization (nothing stored). */
	int (*put)(struct yg_store *st, const struct yg_sighting_in *in,
	           enum yg_sighting_outcome *ret_outcome);
	/*
	 * Stores n sightings as n calls of put in that order would (a later
	 * one with the same id meets the earlier one), in as few round trips
	 * as the backend can (one statement on PostgreSQL for n distinct
	 * ids). ret_results[i] gets in[i]'s outcome (an enum
	 * yg_sighting_outcome, >= 0) or -EEXIST (the id belongs to another
	 * organization; nothing stored for it). Any other failure returns its
	 * error with ret_results undefined, and part of the batch may have
	 * been written: call it inside a transaction and roll back.
	 */
	int (*put_many)(struct yg_store *st, const struct yg_sighting_in *in, size_t n,
	                int *ret_results);
	/* Calls fn once per organization (and reporter) that reported
	 * sightings of indicator_id, in organization-name order, leaving out
	 * a total of 0 (a peer's aggregate whose count moved elsewhere); fn
	 * returns > 0 to go on, 0 to stop, < 0 to abort with that error. */
	int (*aggregate)(struct yg_store *st, const char *indicator_id,
	                 int (*fn)(void *ud, const struct yg_sighting_org *o), void *ud);
	/* The newest last_seen over every sighting of every indicator, one
	 * call per indicator id that has any (the decay's "last sighting"),
	 * read from an aggregate the sightings' writes keep (schema 13): its
	 * cost is the number of sighted indicators, not of sightings. */
	int (*last_seen_all)(struct yg_store *st,
	                     int (*fn)(void *ud, const char *indicator_id, int64_t last_seen_us),
	                     void *ud);
	/* The newest last_seen of indicator_id's sightings, 0 when it has
	 * none: one row of the aggregate that last_seen_all reads. */
	int (*last_seen_get)(struct yg_store *st, const char *indicator_id, int64_t *ret);
	/* The number of stored sightings (tests, metrics). */
	int (*count)(struct yg_store *st, int64_t *ret);
	/*
	 * What a federation peer gets of the members' sightings (not those a
	 * peer sent): every (indicator, UTC day of last_seen) bucket with a
	 * sighting received after after_us, summed per organization, in
	 * (indicator, day, organization) order. received_us grows with commit
	 * order (it is taken under the write lock on both backends), so a
	 * cursor over it misses nothing.
	 */
	int (*fed_buckets)(struct yg_store *st, int64_t after_us,
	                   int (*fn)(void *ud, const struct yg_sighting_bucket *b), void *ud);
};

/* 0 when in[0..n) may be given to put_many (every id, indicator id and
 * JSON present, no JSON over YG_SIGHTING_JSON_MAX) and ret_results is
 * there for them, else -EINVAL. */
int yg_sighting_batch_check(const struct yg_sighting_in *in, size_t n, const int *ret_results);

#endif
