/*
 * Infected hosts at the hub (issue 14): evidence -> host records ->
 * owner notices -> acknowledged -> cleaned, and reinfected when evidence
 * newer than the cleaning arrives.
 *
 * Evidence comes from three places, each inside the transaction that
 * stores what carried it:
 *   - a sighting (sightings.c) of an indicator whose indicator_types say
 *     malicious-activity or compromised, or whose labels name a family
 *     (or c2, botnet, malware), for each host address or keyed host hash
 *     the sighting lists;
 *   - a telescope window (darknet_api.c): a scanning source whose address
 *     falls in an imported owner prefix (a member's space or a registered
 *     owner's); other sources on the Internet are not ours to notify;
 *   - a beacon (POST /api/v1/beacons, hosts_api.c): a host calling home on
 *     a timer to a destination that is a live indicator the sensor may
 *     see (that indicator's family), or with a score of at least
 *     YG_BEACON_SCORE_ALONE when no indicator names the destination.
 *
 * Owners (owners.h): the most specific imported prefix; else the AS of the
 * address in the geo database ("AS64500"); else the reporting member
 * (its own network); else "unknown". A keyed host hash belongs to the
 * member whose sensor sent it, and stays a hash.
 *
 * This header holds the parts with no hub state (the state machine, the
 * names, the indicator classification), so unit tests reach them alone.
 */
#ifndef YG_HUB_HOSTS_H
#define YG_HUB_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store/store_hosts.h"

/* The sensor's beacon score (src/detect/beacon_score.h) tops out near 0.8
 * for a full ring of clean beats; 0.7 is about ±15 % jitter over 20 or
 * more beats: regular enough to name the host without an indicator. */
#define YG_BEACON_SCORE_ALONE 0.7

/* "detected", "notified", "acknowledged", "cleaned", "reinfected". */
const char *yg_host_state_name(enum yg_host_state s);
/* -EINVAL for any other text. */
int yg_host_state_parse(const char *s, enum yg_host_state *ret);
/* "low", "medium", "high", "critical". */
const char *yg_host_severity_name(enum yg_host_severity s);

/*
 * Whether an owner may move a host from `from` to `to`: only to
 * acknowledged (from detected, notified, reinfected) or to cleaned (from
 * any state but cleaned). detected, notified and reinfected are the hub's
 * to set, never an owner's.
 */
bool yg_host_transition_ok(enum yg_host_state from, enum yg_host_state to);

/*
 * Whether an indicator object means an infected host when sighted, and
 * then its family (lowercase [a-z0-9._-], "unknown" when no label names
 * one) and severity (critical with the label "critical" or
 * x_yagura_severity "critical"; else high).
 */
bool yg_hosts_indicator_family(const json_t *ind, char family[YG_HOST_FAMILY_MAX + 1],
			       enum yg_host_severity *ret_sev);

/* Writes a family name as a file-name-safe lowercase token into out;
 * false (out "unknown") when nothing of it is usable. */
bool yg_hosts_family_token(const char *s, char out[YG_HOST_FAMILY_MAX + 1]);

#endif
