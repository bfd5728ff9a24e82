/*
 * SQLite backend of the store (store.h): DIR/hub.db in WAL mode, so the
 * admin CLI and a running hub share it; a busy timeout instead of failing
 * on a lock; every statement parameterized; the schema versioned by
 * migrations applied in order, all in one transaction.
 *
 * This file: connection, schema, settings, organizations, tokens, groups,
 * audit. sqlite_objects.c: collections, objects, statuses.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite-int.h"
#include "store/store_mail.h"
#include "store/store_darknet.h"
#include "store/store_sightings.h"

#define BUSY_TIMEOUT_MS 10000

/* Migration 13's triggers (see there). */
#define SQ_LS_UPSERT(ind, last)                                                                \
	"INSERT INTO indicator_last_seen(indicator_id, last_seen_us) VALUES (" ind ", " last ")" \
	" ON CONFLICT(indicator_id) DO UPDATE SET last_seen_us ="                                \
	" max(last_seen_us, excluded.last_seen_us);"
#define SQ_LS_RECOMPUTE(ind)                                                                   \
	"DELETE FROM indicator_last_seen WHERE indicator_id = " ind ";"                          \
	"INSERT INTO indicator_last_seen(indicator_id, last_seen_us)"                            \
	" SELECT indicator_id, MAX(last_seen_us) FROM sightings WHERE indicator_id = " ind       \
	" GROUP BY indicator_id;"
#define SQ_LS_GROWS "NEW.indicator_id = OLD.indicator_id AND NEW.last_seen_us >= OLD.last_seen_us"
#define SQ_LAST_SEEN                                                                           \
	"CREATE TABLE indicator_last_seen(indicator_id TEXT PRIMARY KEY,"                        \
	" last_seen_us INTEGER NOT NULL) WITHOUT ROWID;"                                         \
	"INSERT INTO indicator_last_seen(indicator_id, last_seen_us)"                            \
	" SELECT indicator_id, MAX(last_seen_us) FROM sightings GROUP BY indicator_id;"          \
	"CREATE TRIGGER sightings_ls_ins AFTER INSERT ON sightings BEGIN "                       \
	SQ_LS_UPSERT("NEW.indicator_id", "NEW.last_seen_us") " END;"                             \
	"CREATE TRIGGER sightings_ls_grow AFTER UPDATE OF indicator_id, last_seen_us ON sightings" \
	" WHEN " SQ_LS_GROWS " BEGIN " SQ_LS_UPSERT("NEW.indicator_id", "NEW.last_seen_us")      \
	" END;"                                                                                  \
	"CREATE TRIGGER sightings_ls_shrink AFTER UPDATE OF indicator_id, last_seen_us ON sightings" \
	" WHEN NOT (" SQ_LS_GROWS ") BEGIN " SQ_LS_RECOMPUTE("OLD.indicator_id")                 \
	SQ_LS_UPSERT("NEW.indicator_id", "NEW.last_seen_us") " END;"                             \
	"CREATE TRIGGER sightings_ls_del AFTER DELETE ON sightings BEGIN "                       \
	SQ_LS_RECOMPUTE("OLD.indicator_id") " END;"
#define SQ_FEED_BUMP " BEGIN UPDATE feed_gen SET gen = gen + 1; END;"
#define SQ_FEED_TABLE(t)                                                                       \
	"CREATE TRIGGER " t "_feed_ins AFTER INSERT ON " t SQ_FEED_BUMP                          \
	"CREATE TRIGGER " t "_feed_upd AFTER UPDATE ON " t SQ_FEED_BUMP                          \
	"CREATE TRIGGER " t "_feed_del AFTER DELETE ON " t SQ_FEED_BUMP
/* The tables a change-feed answer is built from (changes.c, lifecycle.c):
 * what an organization may read (organizations, groups, collections and
 * their grants), the indicators and their shares, the feeds that flag
 * values on warning lists and the alert level (whose playbooks change the
 * decay). Not settings: the hub keeps cursors and sweep marks there. A
 * table added later that a feed answer reads belongs here too (a
 * migration of its own adds its triggers). */
#define FEED_TABLES(X)                                                                         \
	X("organizations") X("sharing_groups") X("group_members") X("collections")               \
	X("collection_access") X("objects") X("object_shares") X("feed_values")                  \
	X("level_state")
#define SQ_FEED_GEN                                                                            \
	"CREATE TABLE feed_gen(id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL);"    \
	"INSERT INTO feed_gen(id, gen) VALUES (1, 1);" FEED_TABLES(SQ_FEED_TABLE)

/* Migration n (1-based) brings the schema from version n-1 to n. Never edit
 * a released one; append. */
static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE organizations(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" sector TEXT NOT NULL, country TEXT NOT NULL DEFAULT '',"
	" identity_id TEXT NOT NULL UNIQUE, created_us INTEGER NOT NULL);"
	"CREATE TABLE tokens(id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,"
	" public_id TEXT NOT NULL UNIQUE, org_id INTEGER NOT NULL REFERENCES organizations(id),"
	" role INTEGER NOT NULL, created_us INTEGER NOT NULL, revoked_us INTEGER);"
	"CREATE TABLE sharing_groups(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" owner_org INTEGER NOT NULL REFERENCES organizations(id), created_us INTEGER NOT NULL);"
	"CREATE TABLE group_members(group_id INTEGER NOT NULL REFERENCES sharing_groups(id)"
	" ON DELETE CASCADE, org_id INTEGER NOT NULL REFERENCES organizations(id),"
	" PRIMARY KEY(group_id, org_id)) WITHOUT ROWID;"
	"CREATE INDEX group_members_org ON group_members(org_id, group_id);"
	"CREATE TABLE collections(id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	" title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', can_read INTEGER NOT NULL,"
	" can_write INTEGER NOT NULL, created_us INTEGER NOT NULL);"
	"CREATE TABLE objects(id INTEGER PRIMARY KEY,"
	" collection_id INTEGER NOT NULL REFERENCES collections(id), stix_id TEXT NOT NULL,"
	" type TEXT NOT NULL, spec_version TEXT NOT NULL, modified TEXT NOT NULL,"
	" modified_us INTEGER NOT NULL, added_us INTEGER NOT NULL, tlp INTEGER NOT NULL,"
	" created_by_org INTEGER NOT NULL REFERENCES organizations(id),"
	" anonymous INTEGER NOT NULL, revoked INTEGER NOT NULL, json TEXT NOT NULL,"
	" UNIQUE(collection_id, stix_id, modified_us), UNIQUE(collection_id, added_us));"
	"CREATE TABLE object_shares(object_id INTEGER NOT NULL REFERENCES objects(id)"
	" ON DELETE CASCADE, org_id INTEGER REFERENCES organizations(id),"
	" group_id INTEGER REFERENCES sharing_groups(id),"
	" CHECK ((org_id IS NULL) <> (group_id IS NULL)));"
	"CREATE INDEX object_shares_obj ON object_shares(object_id);"
	"CREATE TABLE statuses(uuid TEXT PRIMARY KEY, org_id INTEGER NOT NULL,"
	" created_us INTEGER NOT NULL, json TEXT NOT NULL);"
	"CREATE TABLE audit_log(id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
	" org_id INTEGER, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);",
	/* 2: per-organization collection access, public collections, and objects
	 * the hub itself publishes (created_by_org NULL), which needs the table
	 * rebuilt (SQLite cannot drop NOT NULL in place; runs with foreign keys
	 * off, so object_shares keeps its rows). */
	"ALTER TABLE collections ADD COLUMN read_all INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE collections ADD COLUMN write_all INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE collections ADD COLUMN public_read INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE collection_access(collection_id INTEGER NOT NULL REFERENCES collections(id)"
	" ON DELETE CASCADE, org_id INTEGER NOT NULL REFERENCES organizations(id),"
	" can_read INTEGER NOT NULL, can_write INTEGER NOT NULL,"
	" PRIMARY KEY(collection_id, org_id)) WITHOUT ROWID;"
	"CREATE TABLE objects_v2(id INTEGER PRIMARY KEY,"
	" collection_id INTEGER NOT NULL REFERENCES collections(id), stix_id TEXT NOT NULL,"
	" type TEXT NOT NULL, spec_version TEXT NOT NULL, modified TEXT NOT NULL,"
	" modified_us INTEGER NOT NULL, added_us INTEGER NOT NULL, tlp INTEGER NOT NULL,"
	" created_by_org INTEGER REFERENCES organizations(id),"
	" anonymous INTEGER NOT NULL, revoked INTEGER NOT NULL, json TEXT NOT NULL,"
	" UNIQUE(collection_id, stix_id, modified_us), UNIQUE(collection_id, added_us));"
	"INSERT INTO objects_v2 SELECT * FROM objects;"
	"DROP TABLE objects;"
	"ALTER TABLE objects_v2 RENAME TO objects;"
	/* Listings filtered by type walk only that type, in added order. */
	"CREATE INDEX objects_type ON objects(collection_id, type, added_us);",
	/* 3: mail submissions (issue 5): members' own domains and naming flag,
	 * PII patterns, submissions with their sealed original, the correlation
	 * index (one row per distinct value, one posting per value and
	 * submission: never pairs), campaigns and notifications. */
	"CREATE TABLE org_domains(org_id INTEGER NOT NULL REFERENCES organizations(id),"
	" domain TEXT NOT NULL, PRIMARY KEY(org_id, domain)) WITHOUT ROWID;"
	"CREATE TABLE org_mail_prefs(org_id INTEGER PRIMARY KEY REFERENCES organizations(id),"
	" allow_naming INTEGER NOT NULL);"
	"CREATE TABLE pii_patterns(id INTEGER PRIMARY KEY, pattern TEXT NOT NULL UNIQUE,"
	" created_us INTEGER NOT NULL);"
	"CREATE TABLE campaigns(id INTEGER PRIMARY KEY, stix_id TEXT NOT NULL UNIQUE,"
	" created_us INTEGER NOT NULL, modified_us INTEGER NOT NULL);"
	"CREATE TABLE mail_submissions(id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	" org_id INTEGER NOT NULL REFERENCES organizations(id), tlp INTEGER NOT NULL,"
	" created_us INTEGER NOT NULL, campaign_id INTEGER REFERENCES campaigns(id),"
	" report TEXT NOT NULL, indicators TEXT NOT NULL, original BLOB NOT NULL);"
	"CREATE INDEX mail_submissions_campaign ON mail_submissions(campaign_id);"
	"CREATE TABLE corr_values(id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,"
	" type INTEGER NOT NULL, value TEXT NOT NULL, warning INTEGER NOT NULL, ssdeep_bs INTEGER);"
	/* ssdeep digests by (block size, 7-character window): two digests
	 * score above 0 only when they share one, so lookups find every
	 * candidate without scanning a block size. */
	"CREATE TABLE corr_ssdeep_grams(gram INTEGER NOT NULL, value_id INTEGER NOT NULL,"
	" PRIMARY KEY(gram, value_id)) WITHOUT ROWID;"
	"CREATE TABLE corr_postings(value_id INTEGER NOT NULL, submission_id INTEGER NOT NULL,"
	" PRIMARY KEY(value_id, submission_id)) WITHOUT ROWID;"
	"CREATE INDEX corr_postings_sub ON corr_postings(submission_id);"
	"CREATE TABLE notifications(id INTEGER PRIMARY KEY,"
	" org_id INTEGER NOT NULL REFERENCES organizations(id), created_us INTEGER NOT NULL,"
	" json TEXT NOT NULL);"
	"CREATE INDEX notifications_org ON notifications(org_id, id);",
	/* 4: sightings of indicators (issue 4), one row per sighting id; the
	 * aggregation and the decay read them by indicator. */
	"CREATE TABLE sightings(id INTEGER PRIMARY KEY, stix_id TEXT NOT NULL UNIQUE,"
	" indicator_id TEXT NOT NULL, org_id INTEGER NOT NULL REFERENCES organizations(id),"
	" modified_us INTEGER NOT NULL, count INTEGER NOT NULL, first_seen_us INTEGER NOT NULL,"
	" last_seen_us INTEGER NOT NULL, received_us INTEGER NOT NULL, json TEXT NOT NULL);"
	"CREATE INDEX sightings_indicator ON sightings(indicator_id, org_id, last_seen_us);",
	/* 5: the organizations and groups an AMBER or RED mail submission is
	 * shared with (issue 5), like object_shares for TAXII objects. */
	"CREATE TABLE mail_shares(submission_id INTEGER NOT NULL REFERENCES mail_submissions(id)"
	" ON DELETE CASCADE, org_id INTEGER REFERENCES organizations(id),"
	" group_id INTEGER REFERENCES sharing_groups(id),"
	" CHECK ((org_id IS NULL) <> (group_id IS NULL)));"
	"CREATE INDEX mail_shares_sub ON mail_shares(submission_id);",
	/* 6: the network telescope (issue 13): windows as posted (one per
	 * organization, sensor and minute: the idempotence key), per-port
	 * aggregates per minute and per hour over every sensor, sources,
	 * backscatter victims and surge episodes (store_darknet.h). */
	"CREATE TABLE darknet_windows(id INTEGER PRIMARY KEY,"
	" org_id INTEGER NOT NULL REFERENCES organizations(id), sensor TEXT NOT NULL,"
	" minute INTEGER NOT NULL, telescope INTEGER NOT NULL, packets INTEGER NOT NULL,"
	" ports INTEGER NOT NULL, sources INTEGER NOT NULL, victims INTEGER NOT NULL,"
	" received_us INTEGER NOT NULL, UNIQUE(org_id, sensor, minute));"
	"CREATE INDEX darknet_windows_minute ON darknet_windows(minute);"
	"CREATE TABLE darknet_minutes(proto INTEGER NOT NULL, port INTEGER NOT NULL,"
	" minute INTEGER NOT NULL, packets INTEGER NOT NULL, sources INTEGER NOT NULL,"
	" new_sources INTEGER NOT NULL, PRIMARY KEY(proto, port, minute)) WITHOUT ROWID;"
	"CREATE INDEX darknet_minutes_minute ON darknet_minutes(minute);"
	"CREATE TABLE darknet_hours(proto INTEGER NOT NULL, port INTEGER NOT NULL,"
	" hour INTEGER NOT NULL, packets INTEGER NOT NULL, sources INTEGER NOT NULL,"
	" new_sources INTEGER NOT NULL, PRIMARY KEY(proto, port, hour)) WITHOUT ROWID;"
	"CREATE INDEX darknet_hours_hour ON darknet_hours(hour);"
	"CREATE TABLE darknet_sources(ip TEXT PRIMARY KEY, class TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL, research_name TEXT NOT NULL, first_minute INTEGER NOT NULL,"
	" last_minute INTEGER NOT NULL, packets INTEGER NOT NULL, bytes INTEGER NOT NULL,"
	" dest_count INTEGER NOT NULL, ports TEXT NOT NULL, country TEXT NOT NULL,"
	" asn INTEGER NOT NULL, windows INTEGER NOT NULL);"
	"CREATE INDEX darknet_sources_packets ON darknet_sources(packets);"
	"CREATE TABLE darknet_victims(ip TEXT NOT NULL, proto INTEGER NOT NULL,"
	" port INTEGER NOT NULL, first_minute INTEGER NOT NULL, last_minute INTEGER NOT NULL,"
	" packets INTEGER NOT NULL, est_pps REAL NOT NULL, windows INTEGER NOT NULL,"
	" PRIMARY KEY(ip, proto, port)) WITHOUT ROWID;"
	"CREATE INDEX darknet_victims_packets ON darknet_victims(packets);"
	"CREATE TABLE darknet_surges(id INTEGER PRIMARY KEY, proto INTEGER NOT NULL,"
	" port INTEGER NOT NULL, since_minute INTEGER NOT NULL, last_minute INTEGER NOT NULL,"
	" score REAL NOT NULL, peak_score REAL NOT NULL, expected REAL NOT NULL,"
	" observed INTEGER NOT NULL, new_score REAL NOT NULL, expected_new REAL NOT NULL,"
	" new_sources INTEGER NOT NULL, seasonal INTEGER NOT NULL, kind TEXT NOT NULL,"
	" report_id TEXT NOT NULL, UNIQUE(proto, port, since_minute));"
	"CREATE INDEX darknet_surges_last ON darknet_surges(last_minute);",
	/* 7: the alert level (issue 15): the engine's state, pushed signals,
	 * the audit log of transitions and the playbook actions with their
	 * results. */
	"CREATE TABLE level_state(id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);"
	"CREATE TABLE level_signals(name TEXT PRIMARY KEY, value REAL NOT NULL, detail TEXT,"
	" set_us INTEGER NOT NULL, expires_us INTEGER NOT NULL);"
	"CREATE TABLE level_history(id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
	" kind TEXT NOT NULL, level_from INTEGER NOT NULL, level_to INTEGER NOT NULL,"
	" proposal INTEGER NOT NULL, actor_org INTEGER, actor TEXT NOT NULL,"
	" actor_token TEXT NOT NULL, actor_role TEXT NOT NULL, reason TEXT NOT NULL,"
	" detail TEXT NOT NULL);"
	"CREATE TABLE level_actions(id INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL,"
	" level INTEGER NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL, state TEXT NOT NULL,"
	" attempts INTEGER NOT NULL, next_try_us INTEGER NOT NULL,"
	" last_error TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '',"
	" created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);"
	"CREATE INDEX level_actions_entry ON level_actions(entry_id, id);"
	"CREATE INDEX level_actions_due ON level_actions(state, next_try_us);",
	/* 8: infected hosts (issue 14): owners and their address space, host
	 * records with evidence, notices with every delivery attempt, and
	 * one-time acknowledgement tokens (stored hashed). */
	"CREATE TABLE host_owners(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" org_id INTEGER REFERENCES organizations(id), email TEXT NOT NULL,"
	" webhook TEXT NOT NULL, lang TEXT NOT NULL, secret TEXT NOT NULL,"
	" last_notice_us INTEGER NOT NULL DEFAULT 0, created_us INTEGER NOT NULL);"
	"CREATE INDEX host_owners_org ON host_owners(org_id);"
	"CREATE TABLE host_prefixes(cidr TEXT PRIMARY KEY,"
	" owner_id INTEGER NOT NULL REFERENCES host_owners(id)) WITHOUT ROWID;"
	"CREATE TABLE hosts(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
	" hashed INTEGER NOT NULL, owner_id INTEGER NOT NULL REFERENCES host_owners(id),"
	" org_id INTEGER NOT NULL, family TEXT NOT NULL, severity INTEGER NOT NULL,"
	" state INTEGER NOT NULL, first_seen_us INTEGER NOT NULL, last_seen_us INTEGER NOT NULL,"
	" detected_us INTEGER NOT NULL, notified_us INTEGER NOT NULL DEFAULT 0,"
	" acknowledged_us INTEGER NOT NULL DEFAULT 0, cleaned_us INTEGER NOT NULL DEFAULT 0,"
	" reinfections INTEGER NOT NULL DEFAULT 0, pending INTEGER NOT NULL,"
	" evidence INTEGER NOT NULL DEFAULT 0, prev_notify_s INTEGER NOT NULL DEFAULT -1,"
	" prev_clean_s INTEGER NOT NULL DEFAULT -1, pending_since_us INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX hosts_owner ON hosts(owner_id, id);"
	"CREATE INDEX hosts_pending ON hosts(pending, owner_id);"
	"CREATE TABLE host_evidence(id INTEGER PRIMARY KEY,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	" time_us INTEGER NOT NULL, org_id INTEGER NOT NULL, source TEXT NOT NULL,"
	" sensor TEXT NOT NULL, family TEXT NOT NULL, severity INTEGER NOT NULL,"
	" ref TEXT NOT NULL, UNIQUE(host_id, source, ref, time_us));"
	"CREATE TABLE host_notices(id INTEGER PRIMARY KEY,"
	" owner_id INTEGER NOT NULL REFERENCES host_owners(id), created_us INTEGER NOT NULL,"
	" body TEXT NOT NULL);"
	"CREATE TABLE host_notice_hosts(notice_id INTEGER NOT NULL REFERENCES host_notices(id),"
	" host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	" PRIMARY KEY(notice_id, host_id)) WITHOUT ROWID;"
	"CREATE TABLE host_deliveries(id INTEGER PRIMARY KEY,"
	" notice_id INTEGER NOT NULL REFERENCES host_notices(id),"
	" owner_id INTEGER NOT NULL REFERENCES host_owners(id), channel TEXT NOT NULL,"
	" target TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	" next_try_us INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '',"
	" updated_us INTEGER NOT NULL);"
	"CREATE INDEX host_deliveries_due ON host_deliveries(state, next_try_us);"
	"CREATE TABLE host_attempts(id INTEGER PRIMARY KEY,"
	" delivery_id INTEGER NOT NULL REFERENCES host_deliveries(id), time_us INTEGER NOT NULL,"
	" ok INTEGER NOT NULL, status INTEGER NOT NULL, error TEXT NOT NULL);"
	"CREATE INDEX host_attempts_delivery ON host_attempts(delivery_id, id);"
	"CREATE TABLE host_ack_tokens(hash BLOB PRIMARY KEY,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	" state INTEGER NOT NULL, expires_us INTEGER NOT NULL, used_us INTEGER) WITHOUT ROWID;",
	/* 9: feed subscriptions (issue 12): each feed, the validators and
	 * health of its last run, and the values it holds (the last run's
	 * content, to diff the next against). */
	"CREATE TABLE feeds(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" org_id INTEGER NOT NULL, spec TEXT NOT NULL, created_us INTEGER NOT NULL,"
	" next_run_us INTEGER NOT NULL, etag TEXT NOT NULL DEFAULT '',"
	" last_modified TEXT NOT NULL DEFAULT '', health TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX feeds_due ON feeds(next_run_us);"
	"CREATE TABLE feed_values(feed_id INTEGER NOT NULL, type INTEGER NOT NULL,"
	" value TEXT NOT NULL, stix_id TEXT NOT NULL, present INTEGER NOT NULL,"
	" left_us INTEGER NOT NULL, warn TEXT NOT NULL DEFAULT '', created_us INTEGER NOT NULL,"
	" PRIMARY KEY(feed_id, type, value)) WITHOUT ROWID;",
	/* 10: TLS client certificates bound to an organization and a role
	 * (issue 21, store_certs.h), by the SHA-256 of their DER. */
	"CREATE TABLE client_certs(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE,"
	" org_id INTEGER NOT NULL REFERENCES organizations(id), role INTEGER NOT NULL,"
	" subject TEXT NOT NULL, not_after_us INTEGER NOT NULL, created_us INTEGER NOT NULL,"
	" revoked_us INTEGER);",
	/* 11: a feed value's own TLP (issue 21: a MISP feed's values carry
	 * their event's tag); -1 for the feed's. */
	"ALTER TABLE feed_values ADD COLUMN tlp INTEGER NOT NULL DEFAULT -1;",
	/* 12: sightings from federation peers (issue 17): who reported one a
	 * peer sent ('' for a member's own), and the order the federation
	 * worker reads new sightings in. Two statements in one step (the
	 * parentheses tell clang the missing comma is meant). */
	("ALTER TABLE sightings ADD COLUMN reporter TEXT NOT NULL DEFAULT '';"
	 "CREATE INDEX sightings_received ON sightings(received_us);"),
	/* 13: what parked change-feed polls read and wake on (issue 19).
	 * indicator_last_seen is MAX(last_seen_us) of each indicator's
	 * sightings, kept by triggers in the writing transaction, so that the
	 * decay reads one row per sighted indicator instead of every
	 * sighting; a copy or a restore rebuilds it as its sightings go in.
	 * An update that lowers a sighting's last_seen or moves it to another
	 * indicator recomputes the old indicator's row (rare: a sensor re-sends
	 * a grown count). feed_gen counts the commits that can change a
	 * change-feed answer (the tables of FEED_TABLES); sightings, hosts,
	 * audit, mail and darknet writes leave it alone. */
	(SQ_LAST_SEEN SQ_FEED_GEN),
};

_Static_assert(sizeof migrations / sizeof migrations[0] == YG_STORE_SCHEMA_VERSION,
	       "one migration per schema version");

int yg_sq_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	default:
		return -EIO;
	}
}

int64_t yg_sq_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void yg_sq_col_text(sqlite3_stmt *stmt, int col, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	size_t len = t ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
	if (len >= n)
		len = n - 1;
	if (len)
		memcpy(dst, t, len);
	dst[len] = '\0';
}

int yg_sq_exec(struct yg_sqlite *s, const char *sql)
{
	return yg_sq_err(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

/* A savepoint needs no IMMEDIATE: the holder's transaction already has
 * the write lock. Its rollback is two statements because ROLLBACK TO
 * leaves the savepoint open. */
int yg_sq_begin(struct yg_sqlite *s)
{
	return yg_sq_exec(s, s->held ? "SAVEPOINT yg_tx" : "BEGIN IMMEDIATE");
}

int yg_sq_commit(struct yg_sqlite *s)
{
	return yg_sq_exec(s, s->held ? "RELEASE yg_tx" : "COMMIT");
}

int yg_sq_rollback(struct yg_sqlite *s)
{
	return yg_sq_exec(s, s->held ? "ROLLBACK TO yg_tx; RELEASE yg_tx" : "ROLLBACK");
}

int yg_sq_done(struct yg_sqlite *s, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int r = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : yg_sq_err(rc);
	yg_sq_fin(s, stmt);
	return r;
}

int yg_sq_done_one(struct yg_sqlite *s, sqlite3_stmt *stmt)
{
	int r = yg_sq_done(s, stmt);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		r = -ENOENT;
	return r;
}

int yg_sq_run_ints(struct yg_sqlite *s, const char *sql, const int64_t *v, size_t n)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, sql, &stmt);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_int64(stmt, (int)i + 1, v[i]);
	return yg_sq_done(s, stmt);
}

void yg_sq_bind_key(sqlite3_stmt *stmt, const char *key, int64_t id)
{
	if (key)
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, id);
}

int yg_sq_row(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : yg_sq_err(rc);
}

int yg_sq_rows_end(struct yg_sqlite *s, sqlite3_stmt *stmt, int rc, int r)
{
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = yg_sq_err(rc);
	yg_sq_fin(s, stmt);
	return r < 0 ? r : 0;
}

static int read_version(struct yg_sqlite *s, int *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "SELECT version FROM schema_version", &stmt);
	if (r < 0)
		return r;
	r = yg_sq_row(stmt);
	if (r == 0)
		*ret = sqlite3_column_int(stmt, 0);
	yg_sq_fin(s, stmt);
	return r;
}

/* Brings the schema to YG_STORE_SCHEMA_VERSION in one IMMEDIATE transaction,
 * so two processes opening a fresh directory at once do not both migrate. */
static int migrate(struct yg_sqlite *s)
{
	int r = yg_sq_exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	r = yg_sq_exec(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
	if (r < 0)
		goto out;
	int version = 0;
	r = read_version(s, &version);
	if (r == -ENOENT) {
		r = yg_sq_exec(s, "INSERT INTO schema_version(version) VALUES (0)");
		version = 0;
	}
	if (r < 0)
		goto out;
	if (version > YG_STORE_SCHEMA_VERSION || version < 0) {
		r = -EPROTO;
		goto out;
	}
	for (int v = version; v < YG_STORE_SCHEMA_VERSION; v++) {
		r = yg_sq_exec(s, migrations[v]);
		if (r < 0)
			goto out;
	}
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(s, "UPDATE schema_version SET version = ?1", &stmt);
	if (r < 0)
		goto out;
	sqlite3_bind_int(stmt, 1, YG_STORE_SCHEMA_VERSION);
	r = yg_sq_done(s, stmt);
out:
	if (r < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	else
		r = yg_sq_exec(s, "COMMIT");
	return r;
}

static void sq_close(struct yg_store *st)
{
	struct yg_sqlite *s = yg_sq(st);
	yg_sq_stmts_flush(s);
	sqlite3_close_v2(s->db);
	free(s);
}

void yg_store_close(struct yg_store *st)
{
	if (st)
		st->ops->close(st);
}

int yg_store_sqlite_schema_version(struct yg_store *st, int *ret)
{
	return read_version(yg_sq(st), ret);
}

static int sq_tx_begin(struct yg_store *st)
{
	struct yg_sqlite *s = yg_sq(st);
	if (s->in_tx)
		return -EINVAL;
	int r = yg_sq_begin(s);
	if (r == 0)
		s->in_tx = true;
	return r;
}

static int sq_tx_commit(struct yg_store *st)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!s->in_tx)
		return -EINVAL;
	int r = yg_sq_commit(s);
	if (r == 0)
		s->in_tx = false;
	return r;
}

static int sq_tx_rollback(struct yg_store *st)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!s->in_tx)
		return -EINVAL;
	s->in_tx = false;
	return yg_sq_rollback(s);
}

static int sq_setting_get(struct yg_store *st, const char *key, char **ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT value FROM settings WHERE key = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(stmt, 0);
		char *dup = strdup(v ? v : "");
		if (!dup) {
			r = -ENOMEM;
		} else {
			*ret = dup;
			r = 0;
		}
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : yg_sq_err(rc);
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_setting_set(struct yg_store *st, const char *key, const char *value)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   "INSERT INTO settings(key, value) VALUES (?1, ?2)"
	                   " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	return yg_sq_done(yg_sq(st), stmt);
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= max;
}

static int sq_org_add(struct yg_store *st, const char *name, const char *sector,
		      const char *country, const char *identity_id, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!name_ok(name, YG_STORE_NAME_MAX) || !name_ok(sector, YG_STORE_SECTOR_MAX) ||
	    !name_ok(identity_id, 63) || (country && strlen(country) > 2))
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_prep(s,
	               "INSERT INTO organizations(name, sector, country, identity_id, created_us)"
	               " VALUES (?1, ?2, ?3, ?4, ?5)",
	               &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, sector, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, country ? country : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, identity_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

#define ORG_COLS "id, name, sector, country, identity_id, created_us"

static void org_from_row(sqlite3_stmt *stmt, struct yg_org *o)
{
	o->id = sqlite3_column_int64(stmt, 0);
	yg_sq_col_text(stmt, 1, o->name, sizeof o->name);
	yg_sq_col_text(stmt, 2, o->sector, sizeof o->sector);
	yg_sq_col_text(stmt, 3, o->country, sizeof o->country);
	yg_sq_col_text(stmt, 4, o->identity_id, sizeof o->identity_id);
	o->created_us = sqlite3_column_int64(stmt, 5);
}

/* Steps stmt once for a single org row; does not finalize. */
static int one_org(sqlite3_stmt *stmt, struct yg_org *ret)
{
	int r = yg_sq_row(stmt);
	if (r == 0)
		org_from_row(stmt, ret);
	return r;
}

static int sq_org_find(struct yg_store *st, const char *key, struct yg_org *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st), "SELECT " ORG_COLS " FROM organizations WHERE name = ?1 OR identity_id = ?1",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	r = one_org(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_org_get(struct yg_store *st, int64_t id, struct yg_org *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_prep(yg_sq(st), "SELECT " ORG_COLS " FROM organizations WHERE id = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	r = one_org(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_org_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_org *o), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_prep(yg_sq(st), "SELECT " ORG_COLS " FROM organizations ORDER BY name", &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_org o;
		org_from_row(stmt, &o);
		r = fn(ud, &o);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

#define TOKEN_COLS "id, public_id, org_id, role, revoked_us IS NOT NULL, created_us"

static void token_from_row(sqlite3_stmt *stmt, struct yg_token *t)
{
	t->id = sqlite3_column_int64(stmt, 0);
	yg_sq_col_text(stmt, 1, t->public_id, sizeof t->public_id);
	t->org_id = sqlite3_column_int64(stmt, 2);
	t->role = (enum yg_role)sqlite3_column_int(stmt, 3);
	t->revoked = sqlite3_column_int(stmt, 4) != 0;
	t->created_us = sqlite3_column_int64(stmt, 5);
}

static bool role_valid(enum yg_role role)
{
	return role == YG_ROLE_ADMIN || role == YG_ROLE_ANALYST || role == YG_ROLE_SENSOR ||
	       role == YG_ROLE_READER || role == YG_ROLE_PEER;
}

static int sq_token_add(struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
			const char *public_id, int64_t org_id, enum yg_role role, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!role_valid(role) || !name_ok(public_id, YG_TOKEN_PUBID_LEN))
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "INSERT INTO tokens(hash, public_id, org_id, role, created_us)"
	                   " VALUES (?1, ?2, ?3, ?4, ?5)",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_blob(stmt, 1, hash, YG_TOKEN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, public_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, org_id);
	sqlite3_bind_int(stmt, 4, (int)role);
	sqlite3_bind_int64(stmt, 5, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static int sq_token_lookup(struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
			   struct yg_token *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " TOKEN_COLS " FROM tokens WHERE hash = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_blob(stmt, 1, hash, YG_TOKEN_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		token_from_row(stmt, ret);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : yg_sq_err(rc);
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_token_revoke(struct yg_store *st, const uint8_t *hash, const char *id_prefix,
			   struct yg_token *ret)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r;
	if (hash) {
		r = yg_sq_prep(s, "SELECT " TOKEN_COLS " FROM tokens WHERE hash = ?1", &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_blob(stmt, 1, hash, YG_TOKEN_HASH_LEN, SQLITE_STATIC);
	} else {
		if (!name_ok(id_prefix, YG_TOKEN_PUBID_LEN))
			return -EINVAL;
		/* substr() rather than LIKE: the prefix is data, never a pattern. */
		r = yg_sq_prep(s,
		               "SELECT " TOKEN_COLS " FROM tokens"
		               " WHERE substr(public_id, 1, length(?1)) = ?1 LIMIT 2",
		               &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_text(stmt, 1, id_prefix, -1, SQLITE_STATIC);
	}
	struct yg_token t;
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? -ENOENT : yg_sq_err(rc);
		goto out;
	}
	token_from_row(stmt, &t);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		r = -EEXIST;
		goto out;
	}
	yg_sq_fin(s, stmt);
	stmt = NULL;
	r = yg_sq_prep(s, "UPDATE tokens SET revoked_us = ?2 WHERE id = ?1 AND revoked_us IS NULL",
	               &stmt);
	if (r < 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, t.id);
	sqlite3_bind_int64(stmt, 2, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	stmt = NULL;
	if (r == 0) {
		t.revoked = true;
		if (ret)
			*ret = t;
	}
out:
	yg_sq_fin(s, stmt);
	return r;
}

static int sq_token_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_token *t),
			 void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " TOKEN_COLS " FROM tokens ORDER BY id", &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_token t;
		token_from_row(stmt, &t);
		r = fn(ud, &t);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int sq_group_add(struct yg_store *st, const char *name, int64_t owner_org,
			const int64_t *members, size_t n_members, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!name_ok(name, YG_STORE_NAME_MAX) || n_members > YG_STORE_LIST_MAX)
		return -EINVAL;
	bool own_tx = !s->in_tx;
	int r = own_tx ? yg_sq_begin(s) : 0;
	if (r < 0)
		return r;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(
	    s, "INSERT INTO sharing_groups(name, owner_org, created_us) VALUES (?1, ?2, ?3)",
	    &stmt);
	if (r < 0)
		goto out;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, owner_org);
	sqlite3_bind_int64(stmt, 3, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r < 0)
		goto out;
	int64_t gid = sqlite3_last_insert_rowid(s->db);
	/* The owner is always a member: it shares with the group it made. */
	for (size_t i = 0; i <= n_members; i++) {
		r = yg_sq_prep(
		    s, "INSERT OR IGNORE INTO group_members(group_id, org_id) VALUES (?1, ?2)",
		    &stmt);
		if (r < 0)
			goto out;
		sqlite3_bind_int64(stmt, 1, gid);
		sqlite3_bind_int64(stmt, 2, i < n_members ? members[i] : owner_org);
		r = yg_sq_done(s, stmt);
		if (r < 0)
			goto out;
	}
	if (ret_id)
		*ret_id = gid;
out:
	if (own_tx) {
		if (r < 0)
			(void)yg_sq_rollback(s);
		else
			r = yg_sq_commit(s);
	}
	return r;
}

static int sq_group_find(struct yg_store *st, const char *name, struct yg_group *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   "SELECT id, name, owner_org FROM sharing_groups WHERE name = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		ret->id = sqlite3_column_int64(stmt, 0);
		yg_sq_col_text(stmt, 1, ret->name, sizeof ret->name);
		ret->owner_org = sqlite3_column_int64(stmt, 2);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : yg_sq_err(rc);
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_group_has_member(struct yg_store *st, int64_t group_id, int64_t org_id, bool *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st), "SELECT 1 FROM group_members WHERE group_id = ?1 AND org_id = ?2", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, group_id);
	sqlite3_bind_int64(stmt, 2, org_id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*ret = rc == SQLITE_ROW;
		r = 0;
	} else {
		r = yg_sq_err(rc);
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_audit(struct yg_store *st, int64_t org_id, const char *actor, const char *action,
		    const char *detail)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   "INSERT INTO audit_log(time_us, org_id, actor, action, detail)"
	                   " VALUES (?1, ?2, ?3, ?4, ?5)",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, yg_sq_now_us());
	if (org_id)
		sqlite3_bind_int64(stmt, 2, org_id);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_text(stmt, 3, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, action ? action : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, detail ? detail : "", -1, SQLITE_STATIC);
	return yg_sq_done(yg_sq(st), stmt);
}

static int count_rows(struct yg_store *st, const char *sql, int64_t *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), sql, &stmt);
	if (r < 0)
		return r;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int64(stmt, 0);
		r = 0;
	} else {
		r = yg_sq_err(rc);
		if (r == 0)
			r = -EIO;
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_audit_count(struct yg_store *st, int64_t *ret)
{
	return count_rows(st, "SELECT count(*) FROM audit_log", ret);
}

int yg_sq_obj_count(struct yg_store *st, int64_t *ret)
{
	return count_rows(st, "SELECT count(*) FROM objects", ret);
}

/* One row, moved by schema 13's triggers in the writer's transaction, so
 * another process's commits count as this one's. */
static int sq_feed_version(struct yg_store *st, uint64_t *ret)
{
	int64_t v = 0;
	int r = count_rows(st, "SELECT gen FROM feed_gen WHERE id = 1", &v);
	if (r == 0)
		*ret = (uint64_t)v;
	return r;
}

static int sq_feed_bump(struct yg_store *st)
{
	return yg_sq_exec(yg_sq(st), "UPDATE feed_gen SET gen = gen + 1 WHERE id = 1");
}

/* PRAGMA data_version opens a read transaction, which compares the WAL
 * index header with the one this connection saw last: any commit by another
 * connection changes it (mxFrame, checksums, salts on a restart). */
static int sq_data_version(struct yg_store *st, uint64_t *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "PRAGMA data_version", &stmt);
	if (r < 0)
		return r;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*ret = (uint64_t)sqlite3_column_int64(stmt, 0);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -EIO : yg_sq_err(rc);
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

/* The file is local: it answers unless something is badly wrong. */
static int sq_ping(struct yg_store *st, char *why, size_t wn)
{
	int r = yg_sq_exec(yg_sq(st), "SELECT 1");
	snprintf(why, wn, "%s", r < 0 ? sqlite3_errmsg(yg_sq(st)->db) : "");
	return r < 0 ? -EIO : 0;
}

static const struct yg_store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.tx_begin = sq_tx_begin,
	.tx_commit = sq_tx_commit,
	.tx_rollback = sq_tx_rollback,
	.setting_get = sq_setting_get,
	.setting_set = sq_setting_set,
	.org_add = sq_org_add,
	.org_find = sq_org_find,
	.org_get = sq_org_get,
	.org_list = sq_org_list,
	.token_add = sq_token_add,
	.token_lookup = sq_token_lookup,
	.token_revoke = sq_token_revoke,
	.token_list = sq_token_list,
	.group_add = sq_group_add,
	.group_find = sq_group_find,
	.group_has_member = sq_group_has_member,
	.collection_add = yg_sq_collection_add,
	.collection_get = yg_sq_collection_get,
	.collection_list = yg_sq_collection_list,
	.collection_set_access = yg_sq_collection_set_access,
	.collection_grant = yg_sq_collection_grant,
	.collection_org_access = yg_sq_collection_org_access,
	.collection_grants = yg_sq_collection_grants,
	.obj_put = yg_sq_obj_put,
	.obj_query = yg_sq_obj_query,
	.obj_delete = yg_sq_obj_delete,
	.obj_count = yg_sq_obj_count,
	.status_put = yg_sq_status_put,
	.status_get = yg_sq_status_get,
	.audit = sq_audit,
	.audit_count = sq_audit_count,
	.data_version = sq_data_version,
	.feed_version = sq_feed_version,
	.feed_bump = sq_feed_bump,
	.ping = sq_ping,
	.mail = &yg_sq_mail_ops,
	.sightings = &yg_sq_sighting_ops,
	.darknet = &yg_sq_darknet_ops,
	.level = &yg_sq_level_ops,
	.hosts = &yg_sq_host_ops,
	.feeds = &yg_sq_feed_ops,
	.dash = &yg_sq_dash_ops,
	.certs = &yg_sq_cert_ops,
};

/* Set once at start (store.h) before any store opens; atomic all the same
 * as stores open from several threads. */
static atomic_bool sync_full;

void yg_store_sqlite_sync_full(bool full)
{
	atomic_store(&sync_full, full);
}

int yg_store_sqlite_synchronous(struct yg_store *st, int *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "PRAGMA synchronous", &stmt);
	if (r < 0)
		return r;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int(stmt, 0);
	else
		r = yg_sq_err(rc);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

int yg_store_sqlite_open(const char *dir, struct yg_store **ret)
{
	if (!dir || !*dir)
		return -EINVAL;
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/hub.db", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return -ENAMETOOLONG;
	struct yg_sqlite *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->base.ops = &sqlite_ops;
	int r = yg_sq_err(sqlite3_open_v2(path, &s->db,
					   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
						   SQLITE_OPEN_NOMUTEX,
					   NULL));
	if (r < 0)
		goto out;
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	/* Bounds what one statement may hold, whatever a caller passes. */
	sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, 128 << 20);
	r = yg_sq_exec(s, "PRAGMA journal_mode=WAL");
	if (r < 0)
		goto out;
	/* Reads map the file instead of copying pages through pread; the page
	 * cache (per connection) holds the hot part of a large collection. */
	r = yg_sq_exec(s, atomic_load(&sync_full) ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
	if (r < 0)
		goto out;
	r = yg_sq_exec(s, "PRAGMA mmap_size=268435456; PRAGMA cache_size=-16384");
	if (r < 0)
		goto out;
	/* Foreign keys go on after the migrations: a table rebuild must not
	 * cascade into the tables that refer to it. */
	r = migrate(s);
	if (r < 0)
		goto out;
	r = yg_sq_exec(s, "PRAGMA foreign_keys=ON");
	/* What the migration compiled predates its schema and the pragma. */
	yg_sq_stmts_flush(s);
out:
	if (r < 0) {
		sq_close(&s->base);
		return r;
	}
	*ret = &s->base;
	return 0;
}
