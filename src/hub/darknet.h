/*
 * The network telescope at the hub (issue 13): telescope sensors post one
 * minute window per request, the hub aggregates them per (protocol, port)
 * and scores every busy port's minute for a surge (src/earlywarn), and
 * each new surge becomes a STIX 2.1 report with indicators of its top
 * sources in the default collection.
 *
 *   POST /api/v1/darknet             one window (darknet_body.h); sensors,
 *                                    analysts, admins; the token's
 *                                    organization is the telescope operator
 *   GET  /api/v1/darknet/signals     surge signals of the last 24 hours
 *   GET  /api/v1/darknet/ports?proto=&port=[&from=&to=&step=&horizon=]
 *   GET  /api/v1/darknet/sources[?top=N]
 *   GET  /api/v1/darknet/victims[?top=N]
 *   GET  /api/v1/darknet/sensors[?limit=N]   windows as posted
 *
 * Who sees what: the aggregates (ports, sources, victims, signals) are
 * community data at TLP:GREEN: every member sees them, and they name no
 * organization and no sensor. The windows as posted (sensor names,
 * telescope sizes, which organization runs a telescope) are shown only to
 * the posting organization and the hub's admins (/sensors). The STIX
 * objects carry the configured TLP (--darknet-tlp, GREEN by default) and
 * are published anonymously for the organization whose window tipped the
 * port over, so at AMBER only that organization (and admins) see them.
 */
#ifndef YG_HUB_DARKNET_H
#define YG_HUB_DARKNET_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_DN_ACTIVE_MINUTES 15 /* a surge is current while its last minute is this recent */
#define YG_DN_GAP_MINUTES    10 /* a surge minute this close to an episode extends it */
#define YG_DN_MINUTE_DAYS    7  /* default retention of minute rows */
#define YG_DN_HOUR_DAYS      90 /* default retention of hour rows */

/*
 * The largest score of the surges current at now_us (their last surging
 * minute at most YG_DN_ACTIVE_MINUTES before it): 0 when there is none.
 * For the alert level's rules, which run in the hub's process with a store
 * handle of their own. -errno on store errors (*ret_score untouched).
 */
int yg_darknet_surge_max(struct yg_store *st, int64_t now_us, double *ret_score);

#endif
