/*
 * Private to the PostgreSQL backend: the connection, the bound-parameter
 * list every statement goes through, and the helpers shared by pg.c
 * (connection, schema, organizations, tokens, groups, settings, audit,
 * change notifications), pg_objects.c (collections, objects, statuses),
 * pg_sightings.c, pg_level.c, pg_darknet.c and pg_mail.c.
 *
 * Every value reaches the server as a parameter of PQexecParams ($1..$n)
 * with its type stated; SQL text is only ever fixed fragments.
 */
#ifndef YG_STORE_PG_INT_H
#define YG_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "store/store.h"

/* The most parameters one statement takes: an object listing's three fixed
 * ones and four lists of YG_STORE_LIST_MAX. */
#define YG_PG_ARGS_MAX (3 + 4 * YG_STORE_LIST_MAX + 8)

/* Every write transaction holds this transaction-scoped advisory lock, so
 * writers take turns as under SQLite's BEGIN IMMEDIATE: objects' added_us
 * grow in commit order (the change-feed cursor never skips a row committed
 * late) and a read-then-insert (bootstrap, sightings) cannot race. */
#define YG_PG_WRITE_LOCK 34186495113208151LL /* any fixed key; one per purpose */
#define YG_PG_MIGRATE_LOCK 0x796167757261404dLL

/* The channel every committing write notifies (data_version). */
#define YG_PG_CHANNEL "yagura_change"
/* The channel the commits that can change a change-feed answer notify
 * (feed_version; schema 13's triggers). */
#define YG_PG_FEED_CHANNEL "yagura_feed"

/* An audit row held back until its transaction commits: owned copies. */
struct yg_pg_audit {
	int64_t time_us, org;
	char *actor, *action, *detail;
};

/* Held rows per transaction; one more sends the held ones first. */
#define YG_PG_AUDIT_HELD_MAX 16

/*
 * The statements prepared once per session (PQprepare) and then sent as
 * their name and parameters: the hot writes, whose parsing and planning
 * the server would otherwise repeat every time. A session made anew
 * (after a lost connection, a failover) has none and prepares each again
 * at its first use.
 */
enum yg_pg_stmt {
	YG_PG_STMT_SIGHTINGS_PUT, /* pg_sightings.c */
	YG_PG_STMT_N
};

struct yg_pg {
	struct yg_store base;
	PGconn *conn;
	bool in_tx;
	bool tx_wrote;  /* the open transaction ran a write */
	/* tx_begin's BEGIN and write lock not sent yet: they go in one
	 * pipeline with the transaction's first statement (pg.c). */
	bool begin_pending;
	bool listening; /* LISTEN issued (the first data_version) */
	uint64_t notes; /* notifications received from other sessions */
	uint64_t feed_notes; /* YG_PG_FEED_CHANNEL notifications, every session's */
	bool lost;      /* the connection broke since the last ping */
	unsigned prepared;       /* bit 1 << enum yg_pg_stmt: prepared on this session */
	int64_t revive_after_us; /* no reconnection attempt before (monotonic) */
	int64_t last_added_us;
	/* The audit rows of the open transaction, held back and sent with its
	 * COMMIT in one pipeline (pg.c, pg_audit); a batch of reports writes
	 * one per report. */
	struct yg_pg_audit held[YG_PG_AUDIT_HELD_MAX];
	size_t n_held;
};

static inline struct yg_pg *yg_pg(struct yg_store *st)
{
	return (struct yg_pg *)st;
}

/* Parameters of one statement, in $1..$n order. Strings are borrowed until
 * the statement ran; integers are formatted into the list itself. */
struct yg_pg_args {
	int n;
	bool overflow;
	Oid types[YG_PG_ARGS_MAX];
	const char *vals[YG_PG_ARGS_MAX];
	int lens[YG_PG_ARGS_MAX];
	int fmts[YG_PG_ARGS_MAX];
	char nums[YG_PG_ARGS_MAX][24];
};

void yg_pg_args_init(struct yg_pg_args *a);
void yg_pg_i64(struct yg_pg_args *a, int64_t v);
/* v, or SQL NULL when v is 0 (optional references: org 0 = none). */
void yg_pg_i64_or_null(struct yg_pg_args *a, int64_t v);
void yg_pg_f64(struct yg_pg_args *a, double v);
/* A NUL-terminated text; NULL binds SQL NULL. */
void yg_pg_txt(struct yg_pg_args *a, const char *s);
/* n bytes of text, not NUL-terminated (sent in binary format). */
void yg_pg_txtn(struct yg_pg_args *a, const char *s, size_t n);
/* n bytes of bytea. */
void yg_pg_bytes(struct yg_pg_args *a, const void *p, size_t n);

/*
 * A one-dimensional array parameter in PostgreSQL's binary array format
 * (array_recv), so a batch of rows goes to the server as one statement
 * (unnest($1::text[], ...)) without quoting each element into an array
 * literal. Elements are copied into buf; every element of one array has
 * the same type (text or int8) and none is NULL. A failed allocation marks
 * the array, and yg_pg_array then makes the statement fail with -ENOMEM.
 */
struct yg_pg_arr {
	char *buf; /* header (reserved at init), then the elements */
	size_t len, cap;
	int n;
	Oid elem;
	bool nomem;
};

void yg_pg_arr_init_text(struct yg_pg_arr *arr);
void yg_pg_arr_init_i64(struct yg_pg_arr *arr);
void yg_pg_arr_txt(struct yg_pg_arr *arr, const char *s, size_t n); /* n bytes */
void yg_pg_arr_i64(struct yg_pg_arr *arr, int64_t v);
void yg_pg_arr_release(struct yg_pg_arr *arr);
/* Binds arr as the next parameter: it stays arr's (borrowed until the
 * statement ran). */
void yg_pg_array(struct yg_pg_args *a, struct yg_pg_arr *arr);

/* Runs sql with the parameters a (NULL: none). *ret (when ret is not NULL)
 * gets the result, which the caller frees with PQclear; without ret the
 * result is dropped. Maps failures to a negative errno (yg_pg_err_of). */
int yg_pg_run(struct yg_pg *s, const char *sql, struct yg_pg_args *a, PGresult **ret);
/* yg_pg_run through the prepared statement stmt, whose text is always sql
 * (prepared at its first use on a session); a is required. */
int yg_pg_run_prepared(struct yg_pg *s, enum yg_pg_stmt stmt, const char *sql, struct yg_pg_args *a,
                       PGresult **ret);
/* yg_pg_run, then -ENOENT when the statement changed no row. */
int yg_pg_run_one(struct yg_pg *s, const char *sql, struct yg_pg_args *a);
/* yg_pg_run for a query: -ENOENT when it returned no row; *ret as above. */
int yg_pg_row(struct yg_pg *s, const char *sql, struct yg_pg_args *a, PGresult **ret);
/* A query returning one integer in its first row. */
int yg_pg_int(struct yg_pg *s, const char *sql, struct yg_pg_args *a, int64_t *ret);

/* Records a write the command tag does not show (a WITH ... INSERT that
 * answers as a SELECT): the commit then notifies. */
void yg_pg_wrote(struct yg_pg *s);

/* Starts a write transaction of our own when none is open: BEGIN and the
 * write lock. *ret_own tells yg_pg_write_end whether to end it. */
int yg_pg_write_begin(struct yg_pg *s, bool *ret_own);
/* Commits (r >= 0) or rolls back an own transaction; returns r, or the
 * commit's error. */
int yg_pg_write_end(struct yg_pg *s, bool own, int r);

/* Columns of a text-format result. */
int64_t yg_pg_get_i64(const PGresult *res, int row, int col);
double yg_pg_get_f64(const PGresult *res, int row, int col);
bool yg_pg_get_bool(const PGresult *res, int row, int col); /* non-zero integer */
const char *yg_pg_get_str(const PGresult *res, int row, int col); /* "" when NULL */
/* Copies a text column into dst of size n, truncating at n-1. */
void yg_pg_get_text(const PGresult *res, int row, int col, char *dst, size_t n);

int64_t yg_pg_now_us(void);

/* Ends a listing: frees res and returns the callback's negative answer,
 * else 0 (a callback's 0 only stops the walk). */
static inline int yg_pg_rows_end(PGresult *res, int r)
{
	PQclear(res);
	return r < 0 ? r : 0;
}

/* Schema (pg_schema.c): the version; the migrations up to
 * YG_STORE_SCHEMA_VERSION (-EPROTO on a newer schema); after a copy with
 * explicit ids, every id sequence moved past the largest id. */
int yg_pg_schema_version(struct yg_pg *s, int *ret);
int yg_pg_schema_migrate(struct yg_pg *s);
int yg_pg_schema_sync_ids(struct yg_pg *s);

/* The object side (pg_objects.c), filled into the ops table. */
int yg_pg_collection_add(struct yg_store *st, const char *uuid, const char *title,
			 const char *description, unsigned can_read, unsigned can_write,
			 int64_t *ret_id);
int yg_pg_collection_get(struct yg_store *st, const char *uuid, struct yg_collection *ret);
int yg_pg_collection_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_collection *c),
			  void *ud);
int yg_pg_collection_set_access(struct yg_store *st, int64_t coll, bool read_all, bool write_all,
				bool public_read);
int yg_pg_collection_grant(struct yg_store *st, int64_t coll, int64_t org, bool can_read,
			   bool can_write);
int yg_pg_collection_org_access(struct yg_store *st, const struct yg_collection *c, int64_t org,
				bool *ret_read, bool *ret_write);
int yg_pg_collection_grants(struct yg_store *st, int64_t coll,
			    int (*fn)(void *ud, const struct yg_org *o, bool can_read, bool can_write),
			    void *ud);
int yg_pg_obj_put(struct yg_store *st, const struct yg_obj_in *o, int64_t *ret_added);
int yg_pg_obj_query(struct yg_store *st, const struct yg_obj_query *q, yg_obj_fn fn, void *ud);
int yg_pg_obj_delete(struct yg_store *st, int64_t collection, const char *stix_id,
		     int64_t only_org, size_t *ret_deleted);
int yg_pg_obj_count(struct yg_store *st, int64_t *ret);
int yg_pg_status_put(struct yg_store *st, const char *uuid, int64_t org_id, const char *json);
int yg_pg_status_get(struct yg_store *st, const char *uuid, int64_t org_id, char **ret_json);

struct yg_store_sighting_ops;
extern const struct yg_store_sighting_ops yg_pg_sighting_ops;
struct yg_store_level_ops;
extern const struct yg_store_level_ops yg_pg_level_ops;
struct yg_store_mail_ops;
extern const struct yg_store_mail_ops yg_pg_mail_ops;
struct yg_store_darknet_ops;
extern const struct yg_store_darknet_ops yg_pg_darknet_ops;
struct yg_store_host_ops;
extern const struct yg_store_host_ops yg_pg_host_ops;
struct yg_store_feed_ops;
extern const struct yg_store_feed_ops yg_pg_feed_ops;
struct yg_store_dash_ops;
extern const struct yg_store_dash_ops yg_pg_dash_ops;

/* The client-certificate bindings (pg_certs.c). */
struct yg_store_cert_ops;
extern const struct yg_store_cert_ops yg_pg_cert_ops;

#endif
