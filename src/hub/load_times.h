/*
 * Time to load shared indicators, per member (the dashboard's members page):
 * for every indicator the change feed hands a member's sensor as an upsert,
 * how long after the hub stored that version the sensor took it in.
 *
 * Kept in this hub process's memory, the last YG_LOAD_SAMPLES deliveries of
 * each organization, only those of the last day counted: a hub restart or
 * another hub on the same PostgreSQL starts its own figures. Full loads
 * (reset answers: a sensor starting or catching up from nothing) are not
 * samples; they measure the sensor's start, not how fast sharing reaches it.
 *
 * Thread-safe: the change feed adds from the server's threads while the
 * dashboard reads.
 */
#ifndef YG_HUB_LOAD_TIMES_H
#define YG_HUB_LOAD_TIMES_H

#include <stdbool.h>
#include <stdint.h>

#define YG_LOAD_SAMPLES  256
#define YG_LOAD_ORGS_MAX 4096 /* organizations exist only by an admin's hand */
#define YG_LOAD_WINDOW_US (24LL * 3600 * 1000000)

struct yg_load_times;

struct yg_load_stat {
	unsigned n;       /* samples in the window */
	int64_t p50_us, p95_us, max_us;
};

/* Caller frees *ret with yg_load_times_free. */
int yg_load_times_new(struct yg_load_times **ret);
void yg_load_times_free(struct yg_load_times *lt);

/* One delivery to a sensor of org_id at now_us of a version stored at
 * stored_us (a clock step backwards counts as 0). Quietly dropped when the
 * table of organizations is full. */
void yg_load_times_add(struct yg_load_times *lt, int64_t org_id, int64_t stored_us,
		       int64_t now_us);

/* Figures of org_id over the window ending at now_us; false when it has no
 * sample in it. */
bool yg_load_times_get(struct yg_load_times *lt, int64_t org_id, int64_t now_us,
		       struct yg_load_stat *ret);

#endif
