/*
 * Private to the SQLite backend: the connection, its statement cache and
 * the helpers shared by sqlite.c (schema, organizations, tokens, groups,
 * settings, audit) and sqlite_objects.c (collections, objects, statuses).
 */
#ifndef YG_STORE_SQLITE_INT_H
#define YG_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/store.h"

/* Slots of the yg_sq_prep cache (sqlite_stmts.c), a power of two. */
#define YG_SQ_STMT_SLOTS 512

struct yg_sqlite {
	struct yg_store base;
	sqlite3 *db;
	struct {
		char *sql; /* owned; NULL for a free slot */
		sqlite3_stmt *stmt;
		bool busy; /* handed out by yg_sq_prep, not yet back through yg_sq_fin */
	} stmts[YG_SQ_STMT_SLOTS];
	unsigned n_stmts; /* slots in use */
	/* The same slots found by statement (slot + 1, 0 for none), so that
	 * giving one back does not hash its text again. */
	uint16_t by_stmt[YG_SQ_STMT_SLOTS];
	bool in_tx;
	/* A fuzz harness holds the connection inside a transaction of its
	 * own, rolled back after every input (fuzz/hub_fuzz_world.h): the
	 * store's transactions are then savepoints in it (yg_sq_begin). Set
	 * only by the harnesses; false in every other use. */
	bool held;
	int64_t last_added_us; /* keeps added_us strictly increasing in this process */
};

static inline struct yg_sqlite *yg_sq(struct yg_store *st)
{
	return (struct yg_sqlite *)st;
}

/* Maps an SQLite result code to a negative errno. */
int yg_sq_err(int rc);

/* Copies column col (text) into dst of size n, truncating at n-1. */
void yg_sq_col_text(sqlite3_stmt *stmt, int col, char *dst, size_t n);

int64_t yg_sq_now_us(void);

/* Runs a statement without results that takes no parameters. */
int yg_sq_exec(struct yg_sqlite *s, const char *sql);

/* A write transaction of the store's own: BEGIN IMMEDIATE, COMMIT and
 * ROLLBACK; while s->held, a savepoint, its release, and a rollback to it
 * (the holder's transaction stays open, so what the store committed is
 * undone with it). Each returns 0 or a negative errno. */
int yg_sq_begin(struct yg_sqlite *s);
int yg_sq_commit(struct yg_sqlite *s);
int yg_sq_rollback(struct yg_sqlite *s);

/* A statement for sql, every value going in as a bound parameter: from
 * the connection's cache (sqlite_stmts.c), reset and with no bindings, or
 * compiled now. Give it back with yg_sq_fin (or yg_sq_done, yg_sq_rows_end),
 * never sqlite3_finalize: the cache keeps it for the next caller. */
int yg_sq_prep(struct yg_sqlite *s, const char *sql, sqlite3_stmt **ret);

/* yg_sq_prep without the cache, for a text used once (store_copy.c reads
 * column lists that a cached statement would keep from before a schema
 * change). Also given back with yg_sq_fin, which finalizes it. */
int yg_sq_prep_fresh(struct yg_sqlite *s, const char *sql, sqlite3_stmt **ret);

/* Gives back a statement of yg_sq_prep: reset and kept when it is the
 * cache's, else finalized. NULL is a no-op. */
void yg_sq_fin(struct yg_sqlite *s, sqlite3_stmt *stmt);

/* Finalizes every cached statement not handed out and empties the cache
 * (those out are finalized when they come back): after a schema change
 * and at close. */
void yg_sq_stmts_flush(struct yg_sqlite *s);

/* Steps stmt once (a result row counts as success) and gives it back. */
int yg_sq_done(struct yg_sqlite *s, sqlite3_stmt *stmt);

/* yg_sq_done, then -ENOENT when the statement changed no row. */
int yg_sq_done_one(struct yg_sqlite *s, sqlite3_stmt *stmt);

/* Prepares sql, binds ?1..?n to the integers v[0..n-1], steps it once and
 * gives it back (as yg_sq_done). */
int yg_sq_run_ints(struct yg_sqlite *s, const char *sql, const int64_t *v, size_t n);

/* Binds ?1 to key (borrowed until the statement is done) when not NULL,
 * else to id: the lookups by public id or by row id. */
void yg_sq_bind_key(sqlite3_stmt *stmt, const char *key, int64_t id);

/* Steps stmt to its first row: 0 with the row's columns readable, -ENOENT
 * when there is none, else the error. Does not finalize or reset. */
int yg_sq_row(sqlite3_stmt *stmt);

/* Ends the listing loop
 *   while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) { r = fn(..); if (r <= 0) break; }
 * by giving stmt back (yg_sq_fin): returns the step's error, else the
 * callback's negative answer, else 0 (a callback's 0 only stops the walk). */
int yg_sq_rows_end(struct yg_sqlite *s, sqlite3_stmt *stmt, int rc, int r);

/* The object-side ops (sqlite_objects.c), filled into the ops table. */
int yg_sq_collection_add(struct yg_store *st, const char *uuid, const char *title,
			 const char *description, unsigned can_read, unsigned can_write,
			 int64_t *ret_id);
int yg_sq_collection_get(struct yg_store *st, const char *uuid, struct yg_collection *ret);
int yg_sq_collection_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_collection *c),
			  void *ud);
int yg_sq_collection_set_access(struct yg_store *st, int64_t coll, bool read_all, bool write_all,
				bool public_read);
int yg_sq_collection_grant(struct yg_store *st, int64_t coll, int64_t org, bool can_read,
			   bool can_write);
int yg_sq_collection_org_access(struct yg_store *st, const struct yg_collection *c, int64_t org,
				bool *ret_read, bool *ret_write);
int yg_sq_collection_grants(struct yg_store *st, int64_t coll,
			    int (*fn)(void *ud, const struct yg_org *o, bool can_read, bool can_write),
			    void *ud);
int yg_sq_obj_put(struct yg_store *st, const struct yg_obj_in *o, int64_t *ret_added);
int yg_sq_obj_query(struct yg_store *st, const struct yg_obj_query *q, yg_obj_fn fn, void *ud);
int yg_sq_obj_delete(struct yg_store *st, int64_t collection, const char *stix_id,
		     int64_t only_org, size_t *ret_deleted);
int yg_sq_obj_count(struct yg_store *st, int64_t *ret);
int yg_sq_status_put(struct yg_store *st, const char *uuid, int64_t org_id, const char *json);
int yg_sq_status_get(struct yg_store *st, const char *uuid, int64_t org_id, char **ret_json);

/* The mail half (sqlite_mail.c). */
struct yg_store_mail_ops;
extern const struct yg_store_mail_ops yg_sq_mail_ops;

/* The sightings half (sqlite_sightings.c). */
struct yg_store_sighting_ops;
extern const struct yg_store_sighting_ops yg_sq_sighting_ops;

/* The telescope half (sqlite_darknet.c). */
struct yg_store_darknet_ops;
extern const struct yg_store_darknet_ops yg_sq_darknet_ops;
/* The alert-level half (sqlite_level.c). */
struct yg_store_level_ops;
extern const struct yg_store_level_ops yg_sq_level_ops;
/* The infected-hosts half (sqlite_hosts.c). */
struct yg_store_host_ops;
extern const struct yg_store_host_ops yg_sq_host_ops;
/* The feed half (sqlite_feeds.c). */
struct yg_store_feed_ops;
extern const struct yg_store_feed_ops yg_sq_feed_ops;
/* The dashboard's figures (sqlite_dash.c). */
struct yg_store_dash_ops;
extern const struct yg_store_dash_ops yg_sq_dash_ops;

/* The client-certificate bindings (sqlite_certs.c). */
struct yg_store_cert_ops;
extern const struct yg_store_cert_ops yg_sq_cert_ops;

#endif
