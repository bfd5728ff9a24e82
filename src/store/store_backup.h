/*
 * The SQLite store's side of a hub backup (issue 17, src/backup/): a
 * consistent copy of DIR/hub.db taken while hubs write to it, and the
 * check of a restored copy. PostgreSQL has its own tools for both
 * (pg_dump, streaming replication; README "Backup and restore").
 */
#ifndef YG_STORE_STORE_BACKUP_H
#define YG_STORE_STORE_BACKUP_H

#include <stddef.h>

/*
 * Copies DIR/hub.db into the database file dest (which may exist empty,
 * e.g. made by mkstemp) with SQLite's online backup API, in one read
 * transaction: the copy is the store as of one commit, whatever hubs
 * commit meanwhile (WAL: they do not wait for it). -ENOENT when DIR has no
 * store; *ret_version gets the copy's schema version.
 */
int yg_store_sqlite_snapshot(const char *dir, const char *dest, int *ret_version);

/*
 * Checks a store file: PRAGMA integrity_check answers "ok" and the schema
 * is one this build can run (at most YG_STORE_SCHEMA_VERSION). -EBADMSG
 * (why, size wn, says what integrity_check found) or -EPROTO (newer
 * schema); *ret_version gets the schema version.
 */
int yg_store_sqlite_verify(const char *path, int *ret_version, char *why, size_t wn);

#endif
