/*
 * Objects that arrive from a peer, by our pull or by its push, go into the
 * store through here and nowhere else: yg_fed_admit's checks (rule.h),
 * then the ownership rule, then one stored version.
 *
 * Who an object belongs to: it is stored as the peer's organization here
 * (share_as), whatever its created_by_ref says; created_by_ref is kept as
 * the original creator's, for provenance, but may not name this hub or
 * one of its members (a peer could otherwise speak for them). A new
 * version of an object already here is taken only when every stored
 * version came from a peer (never a member's or the hub's own object) and
 * has the same created_by_ref (STIX: only the creator versions an object).
 * AMBER from a peer is shared with nobody else here: the sender's share
 * list names its organizations, not ours. A peer's per-day sighting counts
 * (sight.h) go to the sightings instead, as the peer's organization.
 */
#ifndef YG_FEDERATION_INGEST_H
#define YG_FEDERATION_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"

struct yg_fed_ctx {
	const char *self_id;      /* this hub's identity */
	int64_t peer_org;         /* the organization the sender stands as */
	int64_t collection;       /* where it goes */
	const int64_t *peer_orgs; /* every peer organization (federated objects) */
	size_t n_peer_orgs;
};

/* Stores one object from a peer, inside the caller's transaction.
 * 1 a new version stored, 2 that version was already here, 0 refused (err
 * says why, naming the object), < 0 a store failure. */
int yg_fed_ingest(struct yg_store *st, const struct yg_fed_ctx *ctx, const json_t *obj, char *err,
                  size_t errlen);

#endif
