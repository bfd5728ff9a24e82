/*
 * What may travel between hubs (README, "Federation"): one rule for every
 * path an object takes to another hub, whether we push it or the peer
 * pulls it from our TAXII collections, and the checks on what a peer sends.
 *
 *   level          leaves for a peer when
 *   CLEAR          always
 *   GREEN          the peer's tlp_max is GREEN or AMBER
 *   AMBER          tlp_max is AMBER and the object's share targets name the
 *                  peer's organization (or a group it is in)
 *   AMBER+STRICT   never
 *   RED            never
 *
 * Provenance: an object keeps its created_by_ref; every hub that sends it
 * appends its own identity to x_yagura_via, and no hub sends it to a hub
 * already in that chain. The same version arriving over two paths is one
 * row (the store keeps (id, modified) once), so it is forwarded once and a
 * loop dies out.
 *
 * Pure functions: no store, no I/O (yg_fed_admit asks the caller about
 * identities through a callback).
 */
#ifndef YG_FEDERATION_RULE_H
#define YG_FEDERATION_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"

#define YG_FED_VIA_MAX 16 /* hubs in one chain; a longer one is refused */
#define YG_FED_ID_MAX  64 /* "identity--<uuid>" with the NUL */

/* Whether an object of level tlp may go to a peer allowed up to tlp_max
 * (GREEN or AMBER); named: the object's share targets name the peer. */
bool yg_fed_may_send(enum yg_tlp tlp, enum yg_tlp tlp_max, bool named);

/* Whether hub_id is in obj's x_yagura_via (false for a NULL or empty id). */
bool yg_fed_via_has(const json_t *obj, const char *hub_id);

/*
 * The copy of a stored object that goes to a peer: created_by_ref
 * replaced by self_id when the submitter asked for anonymity, the hub's
 * local sharing properties (x_yagura_share_with, x_yagura_anonymous)
 * removed, and self_id appended to x_yagura_via. NULL when json is not an
 * object or memory ran out. The caller decrefs.
 */
json_t *yg_fed_outgoing(const char *json, size_t len, bool anonymous, const char *self_id);

/* Whether an identity id belongs to this hub's side (the hub itself or one
 * of its organizations other than the sending peer's): a peer may not
 * speak as those. < 0 on a store failure. */
typedef int (*yg_fed_local_fn)(void *ud, const char *identity_id, bool *ret_local);

/*
 * Checks an object a peer sends (pulled or pushed) before it is stored:
 * a STIX 2.1 object (stix/validate.h); not AMBER+STRICT or RED; an
 * x_yagura_via, when present, a list of at most YG_FED_VIA_MAX identity
 * ids without self_id (it would have come back round a loop); and a
 * created_by_ref that is not an identity of this hub's side. 1 admitted,
 * 0 refused (err says why, naming the object), < 0 from local.
 * *ret_tlp gets the level when admitted.
 */
int yg_fed_admit(const json_t *obj, const char *self_id, yg_fed_local_fn local, void *ud,
                 enum yg_tlp *ret_tlp, char *err, size_t errlen);

/*
 * Advisories: a hub's alert level travels as the STIX report its level
 * playbook publishes (labels ["yagura-alert-level"], x_yagura_alert_level
 * 1..5, created_by_ref the hub). An object is a hub's advisory when it is
 * such a report, its created_by_ref is sender_hub and its x_yagura_via is
 * exactly [sender_hub] (straight from the hub that raised its level, not
 * relayed). Returns the level, or 0 when obj is no advisory.
 */
int yg_fed_advisory_level(const json_t *obj, const char *sender_hub);

/* Whether an object carries the advisory label (a sender sends it only
 * when it is its own hub's report: a member cannot speak for its hub). */
bool yg_fed_advisory_labelled(const json_t *obj);

/*
 * The stored form of an admitted object: a copy without the sender's
 * sharing properties (they name the sender's organizations, which mean
 * nothing here). The caller decrefs; NULL without memory.
 */
json_t *yg_fed_inbound(const json_t *obj);

#endif
