/*
 * Sightings between federated hubs (README, "Federation"; issue 17).
 *
 * What a peer learns of our members' sightings is counts, not who saw
 * what: per indicator and UTC day (of last_seen), one STIX 2.1 sighting
 * created by this hub, with the day's summed count and the first and last
 * seen over it. A member that opted in (`hub admin org-share-sightings ORG
 * on`) is left out of that sum and gets its own sighting per indicator and
 * day, created by and sighted at its identity. Each such object has a
 * stable id (a version-5 UUID of this hub, the member or none, the
 * indicator and the day), so a new count is a new version of the same
 * object and replaces the old one at the peer; modified is the newest
 * received time among what it sums (or the last opt-in change), so an
 * unchanged bucket sent again is a duplicate there.
 *
 *   {"type":"sighting", "id":"sighting--<v5>", "created_by_ref":<hub or member>,
 *    "where_sighted_refs":[<the same>], "sighting_of_ref":"indicator--...",
 *    "count":N, "first_seen":T, "last_seen":T, "x_yagura_day":"YYYY-MM-DD",
 *    "object_marking_refs":[<the indicator's TLP>]}
 *
 * The indicator's TLP decides (rule.h's yg_fed_may_send), read from the
 * collections we push to that peer: a sighting of an indicator the peer
 * may not have does not leave. Sightings a peer sent us never go on.
 *
 * The receiving hub stores such a sighting (x_yagura_day marks it) in its
 * sightings table as the sending peer's organization, with the identity it
 * names as the reporter, so its sightings views count it.
 */
#ifndef YG_FEDERATION_SIGHT_H
#define YG_FEDERATION_SIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "federation/ingest.h"
#include "store/store.h"

#define YG_FED_NAMED_SETTING "federation.sightings_named"
#define YG_FED_NAMED_MAX     1024 /* organizations that opted in */

/* The organizations whose sightings go to peers with their identity, those
 * that opted out again (their own objects at the peers are set to count 0,
 * their sightings go back into the anonymous sums), and when the lists
 * last changed (0: never). */
struct yg_fed_named {
	size_t n, n_was;
	int64_t org[YG_FED_NAMED_MAX];
	int64_t was[YG_FED_NAMED_MAX];
	int64_t changed_us;
};

/* Reads the list (none yet: empty). 0, a store error, -EBADMSG. */
int yg_fed_named_load(struct yg_store *st, struct yg_fed_named *ret);

/* Opts org in (on) or out; the change time moves only when the list
 * changes. 0, -E2BIG (list full), a store error. */
int yg_fed_named_set(struct yg_store *st, int64_t org, bool on);

struct yg_fed_sight_out {
	const char *self_id;   /* this hub's identity */
	int64_t peer_org;      /* the peer's organization here (what it may see) */
	enum yg_tlp tlp_max;   /* the most the peer may receive */
	const int64_t *colls;  /* our collections pushed to the peer */
	size_t n_colls;
	const struct yg_fed_named *named;
};

/*
 * The sighting objects for every bucket with a sighting received after
 * after_us: appended to objs; *ret_newest gets the newest received_us seen
 * (after_us when none). 0, -ENOMEM, a store error.
 */
int yg_fed_sightings_out(struct yg_store *st, const struct yg_fed_sight_out *cfg,
                         int64_t after_us, json_t *objs, int64_t *ret_newest);

/* Whether an object a peer sends is one of those aggregates. */
bool yg_fed_is_sighting(const json_t *obj);

/* Stores one (after yg_fed_admit), inside the caller's transaction: as
 * yg_fed_ingest answers (1 new or replaced, 2 duplicate, 0 refused with
 * err, < 0 store failure). */
int yg_fed_sighting_ingest(struct yg_store *st, const struct yg_fed_ctx *ctx, const json_t *obj,
                           char *err, size_t errlen);

#endif
