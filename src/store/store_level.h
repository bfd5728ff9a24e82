/*
 * The store's alert-level half (issue 15): the engine's state, the pushed
 * signals, the audit log of every level transition, the playbook actions
 * with their results, and the two aggregates the rules read from data
 * other parts store (campaign spread, sightings by sector).
 *
 * Reached as st->ops->level->fn(st, ...); same threading and error rules
 * as store.h. The store decides nothing: src/level/ does.
 */
#ifndef YG_STORE_STORE_LEVEL_H
#define YG_STORE_STORE_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* One entry of the audit log; strings borrowed for the call (put) or
 * until the callback returns (list). */
struct yg_level_entry {
	int64_t id;
	int64_t time_us;
	const char *kind; /* proposed applied confirmed rejected manual withdrawn two_person */
	int from, to;
	int64_t proposal; /* the proposal's entry id; 0 when none */
	int64_t actor_org; /* 0: the rules */
	const char *actor;       /* organization name, or "rules" */
	const char *actor_token; /* public id of the token, "" for the rules */
	const char *actor_role;  /* "admin", "" for the rules */
	const char *reason;      /* the operator's words, or the rules' summary */
	const char *detail;      /* JSON: {"reasons": [...], "signals": {...}} */
};

/* One playbook action; strings as above. */
struct yg_level_action_row {
	int64_t id;
	int64_t entry_id; /* the audit entry that entered the level */
	int level;
	const char *kind;   /* yg_level_action_name */
	const char *params; /* JSON */
	const char *state;  /* pending running succeeded failed gave_up superseded */
	int attempts;
	int64_t next_try_us;
	const char *last_error;
	const char *result; /* JSON text or "" */
	int64_t created_us, updated_us;
};

/* The biggest campaign among those modified since a time. */
struct yg_level_spread {
	int64_t max_orgs;
	char orgs_campaign[64];
	int64_t max_sectors;
	char sectors_campaign[64];
	int64_t campaigns; /* campaigns considered */
};

struct yg_store_level_ops {
	/* The engine's state as one JSON text; *ret malloc'ed, caller frees;
	 * -ENOENT before the first put. */
	int (*state_get)(struct yg_store *st, char **ret);
	int (*state_put)(struct yg_store *st, const char *json);

	/* Pushed signals: one row per name (put replaces). detail may be NULL. */
	int (*signal_put)(struct yg_store *st, const char *name, double value, const char *detail,
	                  int64_t set_us, int64_t expires_us);
	int (*signal_list)(struct yg_store *st,
	                   int (*fn)(void *ud, const char *name, double value, const char *detail,
	                             int64_t set_us, int64_t expires_us),
	                   void *ud);
	/* Drops signals that expired before now_us. */
	int (*signal_prune)(struct yg_store *st, int64_t now_us);

	int (*entry_add)(struct yg_store *st, const struct yg_level_entry *e, int64_t *ret_id);
	/* Newest first, ids below before (0: all), at most limit. */
	int (*entry_list)(struct yg_store *st, int64_t before, size_t limit,
	                  int (*fn)(void *ud, const struct yg_level_entry *e), void *ud);

	int (*action_add)(struct yg_store *st, int64_t entry_id, int level, const char *kind,
	                  const char *params, int64_t next_try_us, int64_t *ret_id);
	/* Records an attempt's outcome. */
	int (*action_update)(struct yg_store *st, int64_t id, const char *state, int attempts,
	                     int64_t next_try_us, const char *last_error, const char *result);
	/* Actions of one entry (entry_id > 0) in id order. */
	int (*action_list)(struct yg_store *st, int64_t entry_id,
	                   int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud);
	/* Pending or failed actions whose next try is at or before now_us, in
	 * id order, at most limit. */
	int (*action_due)(struct yg_store *st, int64_t now_us, size_t limit,
	                  int (*fn)(void *ud, const struct yg_level_action_row *a), void *ud);
	/* The earliest next try of a pending or failed action; -ENOENT when none. */
	int (*action_next)(struct yg_store *st, int64_t *ret_us);
	/* Marks the unfinished actions of entries before entry_id superseded. */
	int (*action_supersede)(struct yg_store *st, int64_t entry_id);

	/* Campaign spread over organizations and sectors (mail submissions). */
	int (*campaign_spread)(struct yg_store *st, int64_t since_us, struct yg_level_spread *ret);
	/* Sightings (summed counts) per sector of the reporting organization,
	 * last seen at or after since_us; fn per sector. */
	int (*sector_sightings)(struct yg_store *st, int64_t since_us,
	                        int (*fn)(void *ud, const char *sector, int64_t count), void *ud);
};

#endif
