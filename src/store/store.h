/*
 * The hub's store: organizations, tokens, sharing groups, collections,
 * STIX object versions, TAXII status resources and the audit log.
 *
 * Everything above src/store/ reaches the data through this function table;
 * nothing else writes SQL. SQLite (sqlite.c) is the default backend;
 * PostgreSQL (pg.c) implements the same table for hubs that share data.
 *
 * Threading: one struct yg_store is one database connection and is used by
 * one thread at a time (the hub keeps one per worker thread). Several
 * handles, in several processes, may work on the same data at once.
 *
 * Errors: every operation returns 0 or a negative errno: -ENOENT (no such
 * row), -EEXIST (unique name taken), -EINVAL (bad argument), -E2BIG (a list
 * beyond the caps below), -EBUSY (locked beyond the busy timeout),
 * -ENOTCONN (PostgreSQL: the server cannot be reached, or the connection
 * broke under the statement; the handle reconnects by itself, ping),
 * -EIO (anything else from the database), -EPROTO (schema newer than this
 * build).
 * Outputs (ret_*) are untouched on failure.
 */
#ifndef YG_STORE_STORE_H
#define YG_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_STORE_NAME_MAX    128 /* organization, group, collection title */
#define YG_STORE_SECTOR_MAX  64
#define YG_STORE_DESC_MAX    1024
#define YG_STORE_LIST_MAX    100 /* ids/types/versions in one query, share targets */
#define YG_STORE_SCHEMA_VERSION 13

/* Roles, as bits so collections can hold role sets (can_read, can_write). */
enum yg_role {
	YG_ROLE_ADMIN = 1,
	YG_ROLE_ANALYST = 2,
	YG_ROLE_SENSOR = 4,
	YG_ROLE_READER = 8,
	/* Another hub (src/federation/): TAXII only, and through the federation
	 * rule (federation/rule.h) rather than member TLP visibility. */
	YG_ROLE_PEER = 16,
};

/* TLP 2.0 levels, ordered from most to least open. */
enum yg_tlp {
	YG_TLP_CLEAR = 0,
	YG_TLP_GREEN = 1,
	YG_TLP_AMBER = 2,
	YG_TLP_AMBER_STRICT = 3,
	YG_TLP_RED = 4,
};

struct yg_org {
	int64_t id;
	char name[YG_STORE_NAME_MAX + 1];
	char sector[YG_STORE_SECTOR_MAX + 1];
	char country[3]; /* ISO 3166 alpha-2, "" when unknown */
	char identity_id[64]; /* "identity--<uuid>" */
	int64_t created_us;
};

#define YG_TOKEN_HASH_LEN 32 /* SHA-256 */
#define YG_TOKEN_PUBID_LEN 12 /* hex digits shown to admins; never the token */

struct yg_token {
	int64_t id;
	char public_id[YG_TOKEN_PUBID_LEN + 1];
	int64_t org_id;
	enum yg_role role;
	bool revoked;
	int64_t created_us;
};

struct yg_group {
	int64_t id;
	char name[YG_STORE_NAME_MAX + 1];
	int64_t owner_org;
};

/* Who may use a collection: a role must be in can_read/can_write AND the
 * organization must be allowed, by read_all/write_all or by a grant
 * (collection_grant). public_read lets clients without a token read the
 * collection's TLP:CLEAR objects. */
struct yg_collection {
	int64_t id;
	char uuid[37];
	char title[YG_STORE_NAME_MAX + 1];
	char description[YG_STORE_DESC_MAX + 1];
	unsigned can_read;  /* enum yg_role bits */
	unsigned can_write; /* enum yg_role bits */
	bool read_all;      /* every organization reads */
	bool write_all;     /* every organization writes */
	bool public_read;
};

/* One version of one STIX object to store. Strings are NUL-terminated and
 * borrowed for the call. share_* name who may see an AMBER or RED object
 * besides its submitter (see src/hub/tlp.h). */
struct yg_obj_in {
	int64_t collection;
	const char *stix_id;
	const char *type;
	const char *spec_version;
	const char *modified; /* as written in the object */
	int64_t modified_us;  /* the same, as Unix microseconds, for ordering */
	enum yg_tlp tlp;
	int64_t submitter_org; /* 0 = the hub itself (its built-in objects) */
	bool anonymous;
	bool revoked;
	const char *json;
	size_t json_len;
	const int64_t *share_orgs;
	size_t n_share_orgs;
	const int64_t *share_groups;
	size_t n_share_groups;
};

/* match[version] selectors; several may be combined (OR). */
#define YG_VER_LAST  1u
#define YG_VER_FIRST 2u
#define YG_VER_ALL   4u

/* Filters of an object listing (TAXII 2.1 section 3.4.1). Lists are ORed
 * inside, ANDed between; empty lists do not filter. Rows come in added
 * order (ascending added_us), each version once. */
struct yg_obj_query {
	int64_t collection;
	int64_t viewer_org;     /* decides yg_obj_row.viewer_named */
	int64_t added_after_us; /* only rows added strictly later; 0 = no filter */
	const char *const *ids;
	size_t n_ids;
	const char *const *types;
	size_t n_types;
	const char *const *spec_versions;
	size_t n_spec_versions;
	unsigned version_flags; /* YG_VER_*; 0 with no versions_us means LAST */
	const int64_t *versions_us;
	size_t n_versions;
	bool want_json;
};

/* One row of a listing; every pointer lives until the callback returns. */
struct yg_obj_row {
	const char *stix_id;
	const char *type;
	const char *spec_version;
	const char *modified;
	int64_t modified_us;
	int64_t added_us;
	enum yg_tlp tlp;
	int64_t submitter_org;
	bool anonymous;
	bool revoked;
	bool viewer_named; /* the viewer org, or a group it belongs to, is a share target */
	const char *json;  /* NULL unless want_json */
	size_t json_len;
};

/* Returns > 0 for the next row, 0 to stop, < 0 to abort with that error. */
typedef int (*yg_obj_fn)(void *ud, const struct yg_obj_row *row);

struct yg_store;
struct yg_store_mail_ops;
struct yg_store_sighting_ops;
struct yg_store_darknet_ops;
struct yg_store_level_ops;
struct yg_store_host_ops;
struct yg_store_feed_ops;
struct yg_store_dash_ops;
struct yg_store_cert_ops;

struct yg_store_ops {
	const char *name;
	void (*close)(struct yg_store *st);

	/* Transactions group writes (an envelope of objects is one). Not nested. */
	int (*tx_begin)(struct yg_store *st);
	int (*tx_commit)(struct yg_store *st);
	int (*tx_rollback)(struct yg_store *st);

	/* Key/value settings of the hub (e.g. its own identity). *ret is
	 * malloc'ed; caller frees. */
	int (*setting_get)(struct yg_store *st, const char *key, char **ret);
	int (*setting_set)(struct yg_store *st, const char *key, const char *value);

	int (*org_add)(struct yg_store *st, const char *name, const char *sector,
		       const char *country, const char *identity_id, int64_t *ret_id);
	/* By name or by STIX identity id. */
	int (*org_find)(struct yg_store *st, const char *name_or_identity, struct yg_org *ret);
	int (*org_get)(struct yg_store *st, int64_t id, struct yg_org *ret);
	int (*org_list)(struct yg_store *st, int (*fn)(void *ud, const struct yg_org *o), void *ud);

	int (*token_add)(struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
			 const char *public_id, int64_t org_id, enum yg_role role, int64_t *ret_id);
	/* Finds a token by hash, revoked or not (the caller checks .revoked). */
	int (*token_lookup)(struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
			    struct yg_token *ret);
	/* Revokes the token with this hash (when hash is non-NULL) or the one
	 * token whose public id starts with id_prefix: -ENOENT when none,
	 * -EEXIST when the prefix is ambiguous. */
	int (*token_revoke)(struct yg_store *st, const uint8_t *hash, const char *id_prefix,
			    struct yg_token *ret);
	int (*token_list)(struct yg_store *st, int (*fn)(void *ud, const struct yg_token *t),
			  void *ud);

	int (*group_add)(struct yg_store *st, const char *name, int64_t owner_org,
			 const int64_t *members, size_t n_members, int64_t *ret_id);
	int (*group_find)(struct yg_store *st, const char *name, struct yg_group *ret);
	int (*group_has_member)(struct yg_store *st, int64_t group_id, int64_t org_id,
				bool *ret);

	int (*collection_add)(struct yg_store *st, const char *uuid, const char *title,
			      const char *description, unsigned can_read, unsigned can_write,
			      int64_t *ret_id);
	int (*collection_get)(struct yg_store *st, const char *uuid, struct yg_collection *ret);
	int (*collection_list)(struct yg_store *st,
			       int (*fn)(void *ud, const struct yg_collection *c), void *ud);
	/* Sets the organization-wide flags of a collection (new collections
	 * start read_all, write_all, not public). -ENOENT when no such id. */
	int (*collection_set_access)(struct yg_store *st, int64_t coll, bool read_all,
				     bool write_all, bool public_read);
	/* Grants (or, both false, withdraws) one organization's access. */
	int (*collection_grant)(struct yg_store *st, int64_t coll, int64_t org, bool can_read,
				bool can_write);
	/* What org may do by the organization rules alone (flags and grants;
	 * roles are the caller's business). org 0 (no token) reads only a
	 * public collection and never writes. */
	int (*collection_org_access)(struct yg_store *st, const struct yg_collection *c,
				     int64_t org, bool *ret_read, bool *ret_write);
	/* The grants of a collection, in organization-name order. */
	int (*collection_grants)(struct yg_store *st, int64_t coll,
				 int (*fn)(void *ud, const struct yg_org *o, bool can_read,
					   bool can_write),
				 void *ud);

	/* Stores one object version; *ret_added gets its added_us. A version
	 * already stored (same collection, id and modified) is left as it was:
	 * returns 1 with *ret_added of the stored one. */
	int (*obj_put)(struct yg_store *st, const struct yg_obj_in *o, int64_t *ret_added);
	int (*obj_query)(struct yg_store *st, const struct yg_obj_query *q, yg_obj_fn fn,
			 void *ud);
	/* Deletes every version of stix_id in the collection; when only_org is
	 * non-zero, only versions that organization submitted. */
	int (*obj_delete)(struct yg_store *st, int64_t collection, const char *stix_id,
			  int64_t only_org, size_t *ret_deleted);
	int (*obj_count)(struct yg_store *st, int64_t *ret);

	/* TAXII status resources: the JSON text, readable by its org only. */
	int (*status_put)(struct yg_store *st, const char *uuid, int64_t org_id,
			  const char *json);
	int (*status_get)(struct yg_store *st, const char *uuid, int64_t org_id, char **ret_json);

	/* Audit log of every write and admin action. org_id 0 = none. */
	int (*audit)(struct yg_store *st, int64_t org_id, const char *actor, const char *action,
		     const char *detail);
	int (*audit_count)(struct yg_store *st, int64_t *ret);

	/* A number that grows whenever a transaction commits to the data
	 * through any OTHER handle, in this process or another (the admin CLI);
	 * a handle that never writes thus learns of every commit. Read it
	 * before reading the data a cached answer is built from: while it is
	 * unchanged, so is every answer built after it was read. */
	int (*data_version)(struct yg_store *st, uint64_t *ret);
	/* The feed generation (issue 19): like data_version, but it moves only
	 * with commits that can change a change-feed answer (indicators, their
	 * shares, organizations, groups, collections and grants, feed values,
	 * the alert level: schema 13's feed tables) and with feed_bump, never
	 * with sightings, hosts, audit, mail or darknet writes alone. Any
	 * process's commits count; read it, like data_version, before the
	 * data, and keep asking on a handle that never writes. On PostgreSQL
	 * it counts notifications, so it may trail a commit by the time one
	 * takes to arrive. */
	int (*feed_version)(struct yg_store *st, uint64_t *ret);
	/* Makes the open write transaction move the feed generation at its
	 * commit (a sighting that brings a decayed indicator back). */
	int (*feed_bump)(struct yg_store *st);

	/* Whether the database answers now, for /healthz and for telling a
	 * client "try again later" from "failed" (PostgreSQL first remakes a
	 * dropped connection; not inside a transaction). 0: it answers;
	 * -ECONNRESET: it answers, but the connection broke since the last
	 * ping, so statements in between may have failed for that reason;
	 * -ENOTCONN: it does not. why (size wn) says why, without the
	 * server's address. */
	int (*ping)(struct yg_store *st, char *why, size_t wn);

	/* Mail submissions, correlation index, campaigns (store_mail.h). */
	const struct yg_store_mail_ops *mail;

	/* Sightings of indicators and their aggregates (store_sightings.h). */
	const struct yg_store_sighting_ops *sightings;

	/* Network telescope windows, aggregates and surges (store_darknet.h). */
	const struct yg_store_darknet_ops *darknet;
	/* The alert level: state, signals, audit log, playbook actions
	 * (store_level.h). */
	const struct yg_store_level_ops *level;
	/* Infected hosts, their owners and notices (store_hosts.h). */
	const struct yg_store_host_ops *hosts;
	/* Feed subscriptions and the values they hold (store_feeds.h). */
	const struct yg_store_feed_ops *feeds;
	/* The dashboard's per-member figures (store_dash.h). */
	const struct yg_store_dash_ops *dash;
	/* TLS client certificates bound to organizations (store_certs.h). */
	const struct yg_store_cert_ops *certs;
};

struct yg_store {
	const struct yg_store_ops *ops;
};

/*
 * Opens the SQLite store DIR/hub.db (creating DIR's database when missing),
 * in WAL mode, migrated to YG_STORE_SCHEMA_VERSION. Caller closes with
 * yg_store_close.
 */
int yg_store_sqlite_open(const char *dir, struct yg_store **ret);

/* Closes st (NULL is fine). */
void yg_store_close(struct yg_store *st);

/*
 * How SQLite stores opened after this call (by any thread of the process)
 * make a commit durable (`yagura hub --sync`): false, the default, is
 * synchronous=NORMAL in WAL mode: a commit survives the process being
 * killed, not a power loss or kernel crash (the WAL is fsynced at
 * checkpoints only); true is synchronous=FULL: the WAL is fsynced at every
 * commit, which also survives a power loss, at the cost of an fsync per
 * write transaction. Call before any store is opened.
 */
void yg_store_sqlite_sync_full(bool full);
/* The synchronous level of an open SQLite store (0 OFF, 1 NORMAL, 2 FULL,
 * 3 EXTRA), as SQLite reports it. */
int yg_store_sqlite_synchronous(struct yg_store *st, int *ret);

/* Schema version of an open SQLite store (for tests and `admin`). */
int yg_store_sqlite_schema_version(struct yg_store *st, int *ret);

/*
 * Opens the PostgreSQL store at conninfo (a "postgresql://..." URL or
 * libpq's "key=value" form), migrated to YG_STORE_SCHEMA_VERSION like the
 * SQLite one (-EPROTO on a newer schema). -ECONNREFUSED when the server
 * cannot be reached or refuses the login; yg_store_pg_error says why.
 * Several hub processes may share one database (pg.c explains how their
 * caches and change feeds learn of each other's commits).
 */
int yg_store_pg_open(const char *conninfo, struct yg_store **ret);
int yg_store_pg_schema_version(struct yg_store *st, int *ret);
/* Tries conninfo once and writes libpq's reason for a failure into buf
 * (never the password: libpq does not echo it). 0 when it connects. */
int yg_store_pg_error(const char *conninfo, char *buf, size_t n);

/*
 * Copies every table of the SQLite store from into the empty PostgreSQL
 * store to (both open, at the same schema version), ids included, in one
 * transaction of to; then compares every row and value of every table
 * (objects, token hashes, organizations, sightings, mail records and the
 * rest). fn (may be NULL) hears each table's row count as it is copied.
 * -EEXIST when to holds data, -EBADMSG when a value differs after the copy;
 * where (size wn) then names the table and row.
 */
int yg_store_copy(struct yg_store *from, struct yg_store *to,
		  int (*fn)(void *ud, const char *table, int64_t rows), void *ud, char *where,
		  size_t wn);

/* PostgreSQL when pg is non-empty, else SQLite in dir. */
int yg_store_open(const char *dir, const char *pg, struct yg_store **ret);
/* The schema version of either backend. */
int yg_store_schema_version(struct yg_store *st, int *ret);

#endif
