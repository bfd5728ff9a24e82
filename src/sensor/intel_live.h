/*
 * The live indicator set of a running sensor, swapped atomically on
 * reload (SIGHUP or a changed file).
 *
 * Readers (packet threads) see either the old or the new set, never a
 * half-built one: the new set is built beside the old, published with one
 * pointer exchange, and the old one is freed only after every reader has
 * left its read-side section (userspace RCU, liburcu "memb" flavour).
 *
 * Reader threads must be registered with rcu_register_thread() and wrap
 * each use of the set in rcu_read_lock()/rcu_read_unlock().
 */
#ifndef YG_SENSOR_INTEL_LIVE_H
#define YG_SENSOR_INTEL_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "intel/intel.h"

struct yg_intel_live;

struct yg_intel_load_result {
	size_t indicators;      /* in the new set */
	unsigned long rejected; /* lines/objects rejected while loading */
	int unreadable;         /* paths that could not be read at all */
	size_t memory;          /* bytes held by the new set */
	unsigned long held;     /* values held back by warning lists */
};

/*
 * Loads the paths (files or folders) into the first set. errfn receives
 * every rejected line (may be NULL). paths are copied. Returns 0 (even when
 * lines were rejected; see ret_res) or a negative errno (e.g. -ENOMEM).
 * Caller frees with yg_intel_live_free.
 */
int yg_intel_live_new(const char *const *paths, unsigned n, yg_intel_error_fn errfn, void *ud,
		      struct yg_intel_live **ret, struct yg_intel_load_result *ret_res);

/* As _new; values on warn's lists (built, outliving l) are held back from
 * every build and passed to heldfn (with ud) when it is not NULL. */
int yg_intel_live_new_warned(const char *const *paths, unsigned n, yg_intel_error_fn errfn,
			     void *ud, const struct yg_intel_warn *warn, yg_intel_held_fn heldfn,
			     struct yg_intel_live **ret, struct yg_intel_load_result *ret_res);

void yg_intel_live_free(struct yg_intel_live *l);

/*
 * Builds a new set from the same paths and swaps it in; waits for readers
 * of the old one, then frees it. When a path cannot be read at all the old
 * set is kept (returns -EIO) so a file being rewritten never empties the
 * sensor's protection. Not to be called from a reader section.
 */
int yg_intel_live_reload(struct yg_intel_live *l, struct yg_intel_load_result *ret_res);

/*
 * Sets (replaces) an in-memory source that every build loads after the
 * paths: the indicators pulled from the hub. data is copied; name is what
 * alerts give as their source. Takes effect at the next
 * yg_intel_live_reload. Returns 0 or -ENOMEM (the old buffer stays).
 */
int yg_intel_live_set_buffer(struct yg_intel_live *l, const char *name, const uint8_t *data,
			     size_t len);

/* Whether any path's files changed (mtime, size or the file list) since
 * the last load. */
bool yg_intel_live_changed(struct yg_intel_live *l);

/* The current set; call inside rcu_read_lock(). */
const struct yg_intel_set *yg_intel_live_get(struct yg_intel_live *l);

/* Number of successful loads (1 after _new). */
uint64_t yg_intel_live_generation(const struct yg_intel_live *l);

#endif
