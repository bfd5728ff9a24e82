/*
 * The store's read-only figures for the dashboard (issue 15): per member
 * organization, what it contributed and which of its sensors are alive.
 * No tables of its own: it reads those of the organizations, tokens,
 * sightings and telescope windows.
 *
 * Reached as st->ops->dash->fn(st, ...); same threading and error rules
 * as store.h. The store decides nothing about who may see which member:
 * the hub (src/hub/dash_api.c) asks for all or for one organization.
 */
#ifndef YG_STORE_STORE_DASH_H
#define YG_STORE_STORE_DASH_H

#include <stdint.h>

#include "store/store.h"

struct yg_dash_member {
	int64_t org_id;
	char name[YG_STORE_NAME_MAX + 1];
	char sector[YG_STORE_SECTOR_MAX + 1];
	char country[3];
	int64_t sightings;        /* sum of counts whose last_seen >= since */
	int64_t sightings_total;  /* sum of counts, all time */
	int64_t last_sighting_us; /* newest received, 0 when none */
	int64_t sensor_tokens;    /* live tokens of the sensor role */
	int64_t telescopes;       /* telescope sensors with a window at or after online_minute */
	int64_t last_window_minute; /* newest telescope window, 0 when none */
};

struct yg_store_dash_ops {
	/* Calls fn per organization in name order: every one when org_id is
	 * 0, else that one. fn returns > 0 to go on, 0 to stop, < 0 to abort
	 * with that error. */
	int (*members)(struct yg_store *st, int64_t org_id, int64_t since_us, int64_t online_minute,
	               int (*fn)(void *ud, const struct yg_dash_member *m), void *ud);
};

#endif
