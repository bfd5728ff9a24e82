/*
 * Snapshot and check of a SQLite store file (store_backup.h).
 *
 * Why one backup step of all pages (-1) rather than a few pages at a time:
 * a stepped backup restarts whenever another connection commits, and a hub
 * under steady ingestion commits every few milliseconds; one step holds a
 * single read transaction, which WAL lets writers work beside.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_backup.h"

#define BUSY_MS 10000

static int schema_version(sqlite3 *db, int *ret)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return rc == SQLITE_ERROR ? -EBADMSG : yg_sq_err(rc);
	rc = sqlite3_step(stmt);
	int r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -EBADMSG : yg_sq_err(rc);
	if (r == 0)
		*ret = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return r;
}

int yg_store_sqlite_snapshot(const char *dir, const char *dest, int *ret_version)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/hub.db", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return -ENAMETOOLONG;
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b = NULL;
	/* Read-write without create: a store that is not there is -ENOENT,
	 * and a WAL reader may need to write the shared-memory index. */
	int r = yg_sq_err(sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE, NULL));
	if (r < 0)
		goto out;
	sqlite3_busy_timeout(src, BUSY_MS);
	r = yg_sq_err(
	    sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL));
	if (r < 0)
		goto out;
	sqlite3_busy_timeout(dst, BUSY_MS);
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		r = yg_sq_err(sqlite3_errcode(dst));
		goto out;
	}
	int rc;
	/* BUSY or LOCKED: a writer held the lock the read transaction needs
	 * for a moment (a checkpoint); try again within the busy time. */
	for (int tries = 0; tries < BUSY_MS / 10; tries++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_sleep(10);
	}
	rc = sqlite3_backup_finish(b);
	b = NULL;
	r = yg_sq_err(rc);
	if (r == 0)
		r = schema_version(dst, ret_version);
out:
	if (b)
		sqlite3_backup_finish(b);
	sqlite3_close_v2(dst);
	sqlite3_close_v2(src);
	return r;
}

int yg_store_sqlite_verify(const char *path, int *ret_version, char *why, size_t wn)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	snprintf(why, wn, "%s", "");
	int r = yg_sq_err(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL));
	if (r < 0)
		goto out;
	r = yg_sq_err(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL));
	if (r < 0) {
		snprintf(why, wn, "%s", sqlite3_errmsg(db));
		r = -EBADMSG;
		goto out;
	}
	int rc = sqlite3_step(stmt);
	const char *first = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
	if (!first || strcmp(first, "ok")) {
		snprintf(why, wn, "integrity_check: %s", first ? first : sqlite3_errmsg(db));
		r = -EBADMSG;
		goto out;
	}
	int v = 0;
	r = schema_version(db, &v);
	if (r == -EBADMSG)
		snprintf(why, wn, "no schema version: not a yagura store");
	if (r == 0 && (v < 0 || v > YG_STORE_SCHEMA_VERSION)) {
		snprintf(why, wn, "schema version %d, newer than this build's %d", v,
		         YG_STORE_SCHEMA_VERSION);
		r = -EPROTO;
	}
	if (r == 0)
		*ret_version = v;
out:
	sqlite3_finalize(stmt);
	sqlite3_close_v2(db);
	return r;
}
