/*
 * Indicator lifecycle on the hub (issue 4): which of the indicators a
 * caller may read by TLP are live, and why the others are not.
 *
 *   revoked   the latest version says "revoked": true
 *   expired   valid_until is in the past
 *   held      a feed's value on a warning list (x_yagura_warninglist, set by
 *             src/feeds/): kept and readable over TAXII, never in a
 *             sensor's set or an export
 *   decayed   score = 100 * 0.5^(age / half_life) fell below the threshold,
 *             age = now - max(modified, when the hub received that version,
 *             newest last_seen of its sightings): an indicator first
 *             published today with an old modified starts fresh;
 *             a half-life of 0 turns decay off
 *
 * One walk (yg_ind_walk) decides this for every indicator row a caller can
 * reach (latest version per readable collection), so /indicators, the
 * exports and the change feed agree by construction.
 *
 * A yg_lc_view holds what one walk needs besides the rows: the clock and
 * the newest sighting per indicator, loaded once (capped at
 * YG_LC_SIGHTED_MAX indicators; beyond that an indicator counts as never
 * sighted, which only makes it decay sooner).
 */
#ifndef YG_HUB_LIFECYCLE_H
#define YG_HUB_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"

#define YG_LC_SIGHTED_MAX (4u << 20)

struct yg_lifecycle {
	double half_life_days; /* 0: no decay; fractions allowed (tests) */
	double threshold;      /* out below this score (0..100) */
};

enum yg_ind_state {
	YG_IND_LIVE = 0,
	YG_IND_REVOKED,
	YG_IND_EXPIRED,
	YG_IND_DECAYED,
	YG_IND_HELD,   /* on a warning list (x_yagura_warninglist) */
	YG_IND_HIDDEN, /* not visible to this caller by TLP */
};

/* "revoked", "expired", "decayed", "warninglist", "no-longer-visible"
 * (for HIDDEN). */
const char *yg_ind_state_reason(enum yg_ind_state s);

/* The decay score in 0..100 (100 when half_life_days is 0). */
double yg_lifecycle_score(const struct yg_lifecycle *lc, int64_t now_us, int64_t modified_us,
                          int64_t last_sighting_us);

struct yg_lc_view;

/* Loads the newest sighting per indicator from st (skipped when decay is
 * off). lc is copied. Free with yg_lc_view_free. */
int yg_lc_view_new(struct yg_store *st, const struct yg_lifecycle *lc, int64_t now_us,
                   struct yg_lc_view **ret);
void yg_lc_view_free(struct yg_lc_view *v);

/* The newest last_seen of the indicator's sightings, 0 when none. */
int64_t yg_lc_view_last_seen(const struct yg_lc_view *v, const char *indicator_id);

/* The state of a TLP-visible indicator version: obj is its JSON, ref_us
 * the newer of its modified and received times. */
enum yg_ind_state yg_lc_state(const struct yg_lc_view *v, const char *stix_id, int64_t ref_us,
                              bool revoked, const json_t *obj);

struct yg_caller;

/* Called per indicator row the caller can reach: obj is the parsed object
 * (NULL when state is HIDDEN: nothing of a hidden object is read; and,
 * unless the walk was asked for objects, NULL when the state did not need
 * it), row fields live until the callback returns. Returns > 0 to go on. */
typedef int (*yg_ind_fn)(void *ud, const struct yg_obj_row *row, const json_t *obj,
                         enum yg_ind_state state);

/* Walks the latest version of every indicator in every collection the
 * caller may read (an id in two collections comes twice). */
int yg_ind_walk(struct yg_store *st, const struct yg_caller *who, const struct yg_lc_view *v,
                bool need_obj, yg_ind_fn fn, void *ud);

/* The latest version of indicator_id the caller may see by TLP in any
 * collection it reads: -ENOENT when none (absent and invisible look the
 * same); *ret_ref_us is the newer of that version's modified and
 * received times (the decay's reference without sightings). */
int yg_ind_find_visible(struct yg_store *st, const struct yg_caller *who, const char *indicator_id,
                        int64_t *ret_ref_us);

#endif
