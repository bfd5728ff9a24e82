/*
 * The store's feed half (issue 12): the hub's feed subscriptions, what each
 * one last fetched (validators for conditional requests, the run's health)
 * and the values it holds, so that every run is a diff against the last.
 *
 * Reached as st->ops->feeds->fn(st, ...); same threading and error rules
 * as store.h. The store decides nothing: src/feeds/ does.
 */
#ifndef YG_STORE_STORE_FEEDS_H
#define YG_STORE_STORE_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_FEED_NAME_MAX   64
#define YG_FEED_SPEC_MAX   8192 /* the subscription as JSON text */
#define YG_FEED_VALID_MAX  256  /* an ETag or Last-Modified */
#define YG_FEED_HEALTH_MAX 4096

/* One subscription; strings live until the callback returns (list) or are
 * the caller's (get). spec is the subscription's JSON (src/feeds/feeds.h);
 * health the last run's JSON, "" before the first. */
struct yg_feed_row {
	int64_t id;
	char name[YG_FEED_NAME_MAX + 1];
	int64_t org_id; /* the feed's own organization and STIX identity */
	char spec[YG_FEED_SPEC_MAX + 1];
	int64_t next_run_us;
	char etag[YG_FEED_VALID_MAX + 1];
	char last_modified[YG_FEED_VALID_MAX + 1];
	char health[YG_FEED_HEALTH_MAX + 1];
};

/* One value a feed holds. present: in the feed's last good content;
 * left_us: when it left (0 while present). warn: the warning list it is
 * on, "" when none. Strings borrowed for the call or the callback. */
struct yg_feed_value {
	int type; /* enum yg_ind_type */
	const char *value;
	const char *stix_id;
	bool present;
	int64_t left_us;
	const char *warn;
	int64_t created_us; /* its indicator's "created" */
	int tlp;            /* enum yg_tlp of this value (a MISP feed's); -1: the feed's */
};

struct yg_store_feed_ops {
	/* -EEXIST when the name is taken. */
	int (*add)(struct yg_store *st, const char *name, int64_t org_id, const char *spec,
	           int64_t *ret_id);
	/* By name; -ENOENT when none. */
	int (*get)(struct yg_store *st, const char *name, struct yg_feed_row *ret);
	/* Deletes the feed and its values; -ENOENT when none. */
	int (*del)(struct yg_store *st, const char *name);
	/* In name order. */
	int (*list)(struct yg_store *st, int (*fn)(void *ud, const struct yg_feed_row *f),
	            void *ud);
	/* After a run: when it runs next, the validators of its last good
	 * content, the health JSON. */
	int (*state_set)(struct yg_store *st, int64_t id, int64_t next_run_us, const char *etag,
	                 const char *last_modified, const char *health);
	/* Asks for a run at once (feed run through a running hub). */
	int (*schedule)(struct yg_store *st, const char *name, int64_t next_run_us);
	/* The names of the feeds due at now_us, soonest first. */
	int (*due)(struct yg_store *st, int64_t now_us, int (*fn)(void *ud, const char *name),
	           void *ud);
	/* Every value of the feed, in (type, value) order. */
	int (*values)(struct yg_store *st, int64_t id,
	              int (*fn)(void *ud, const struct yg_feed_value *v), void *ud);
	/* Inserts or replaces the value's row. */
	int (*value_put)(struct yg_store *st, int64_t id, const struct yg_feed_value *v);
};

#endif
