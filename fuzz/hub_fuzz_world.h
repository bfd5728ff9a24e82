/*
 * The hub world the hub harnesses (fuzz_hub_*.c, fuzz_peer_objects.c,
 * fuzz_mail_store.c) drive: a fresh data folder (in /dev/shm when there
 * is one, else /tmp) with a store, members alpha (energy) and beta (rail,
 * JP), bearer tokens, and one in-process hub on it, removed at exit.
 *
 * Built once per process, not once per input: opening a store, migrating
 * it and starting a hub costs far more than an input. What one input
 * writes must not reach the next, though (a crash would then depend on
 * the inputs before it and not replay alone; and a store that grows with
 * every input makes every input slower, the correlation of a mail reads
 * all earlier ones). So once the world is built, the harness holds the
 * hub's store connection inside a transaction of its own (hfw_hold): the
 * store's transactions become savepoints in it (src/store/sqlite-int.h,
 * held), and after each input hfw_reset rolls it back, which costs only
 * the pages the input dirtied, and forgets the change-feed cursors the
 * input left in the hub.
 *
 * That needs every write of an input to go through the hub's one store
 * connection: another connection would wait on the held lock. A harness
 * whose inputs also write through another one (the alert level's, from
 * the telescope path) takes a copy of the database instead
 * (hfw_snapshot) and hfw_reset copies it back with SQLite's backup API
 * after an input that wrote: every page, so several times slower.
 *
 * Include it from exactly one harness: it holds that harness's hub and
 * folder as file-scope state (a libFuzzer process runs one harness). Not
 * named fuzz_*.c/h so the build does not take it for a harness.
 */
#ifndef YG_FUZZ_HUB_FUZZ_WORLD_H
#define YG_FUZZ_HUB_FUZZ_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asan_quarantine.h"
#include "hub/auth.h"
#include "hub/hub-int.h"
#include "hub/hub.h"
#include "store/sqlite-int.h"
#include "store/store.h"

static struct yg_hub *hub;
static char hfw_dir[64];
static sqlite3 *hfw_snap;          /* the database as the world built it (hfw_snapshot) */
static bool hfw_held;              /* inputs run in a transaction (hfw_hold) */
static int64_t hfw_changes;        /* sqlite3_total_changes after the last reset */

static inline void hfw_cleanup(void)
{
	sqlite3_close(hfw_snap);
	yg_hub_free(hub);
	/* mail.key only exists where the mail path ran. */
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm", "mail.key"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p[96];
		snprintf(p, sizeof p, "%s/%s", hfw_dir, files[i]);
		unlink(p);
	}
	rmdir(hfw_dir);
}

/* A new token of role for org, as an Authorization header value in out. */
static inline void hfw_token(struct yg_store *st, int64_t org, enum yg_role role, char *out, size_t outlen)
{
	char tok[YG_TOKEN_HEX_LEN + 1], pub[YG_TOKEN_PUBID_LEN + 1];
	uint8_t hash[YG_TOKEN_HASH_LEN];
	if (yg_auth_token_new(tok, hash, pub) < 0 ||
	    st->ops->token_add(st, hash, pub, org, role, NULL) < 0)
		abort();
	snprintf(out, outlen, "Bearer %s", tok);
}

/* Makes the folder yg-fuzz-<name>-XXXXXX (name at most 20 bytes) and a
 * bootstrapped store with alpha and beta in it; ret_coll (may be NULL) gets
 * the default collection's id. The store stays open for the harness to add
 * to; hfw_start closes it. Aborts on any failure. The folder goes to
 * /dev/shm when there is one: a commit then costs no disk write. */
static inline struct yg_store *hfw_store(const char *name, struct yg_org *ret_a, struct yg_org *ret_b,
                                  char ret_coll[37])
{
	/* SQLite's page cache in a static buffer: after every restore the
	 * connections re-read the pages, and each page through malloc cost
	 * ASan a 4 KiB fill and fresh memory from its quarantine, most of an
	 * input's time. SQLite itself is not instrumented, so no check of
	 * ours is lost. Must come before the first sqlite3_open. */
	static uint64_t pages[512 * (4096 + 512) / 8];
	int hdr = 0;
	if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) != SQLITE_OK || hdr < 0 || hdr > 512)
		abort();
	int slot = 4096 + ((hdr + 7) & ~7);
	if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, pages, slot, (int)(sizeof pages / slot)) !=
	    SQLITE_OK)
		abort();
	struct stat sb;
	const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(hfw_dir, sizeof hfw_dir, "%s/yg-fuzz-%.20s-XXXXXX", base, name);
	if (!mkdtemp(hfw_dir))
		abort();
	struct yg_store *st;
	if (yg_store_sqlite_open(hfw_dir, &st) < 0 || yg_hub_bootstrap(st, NULL, ret_coll) < 0 ||
	    yg_hub_org_add(st, "alpha", "energy", NULL, ret_a) < 0 ||
	    yg_hub_org_add(st, "beta", "rail", "JP", ret_b) < 0)
		abort();
	return st;
}

/* Closes st and starts the hub on the folder: one thread, 1 MiB bodies,
 * no answer cache, and the rest of cfg (data_dir, threads, max_body and
 * cache_mb are set here). The folder goes at exit. */
static inline void hfw_start(struct yg_store *st, struct yg_hub_config cfg)
{
	yg_store_close(st);
	cfg.data_dir = hfw_dir;
	cfg.threads = 1;
	cfg.max_body = 1 << 20;
	cfg.cache_mb = -1;
	if (yg_hub_new(&cfg, &hub) < 0)
		abort();
	atexit(hfw_cleanup);
}

/* The hub's one store connection (hfw_start runs the hub on one thread). */
static inline sqlite3 *hfw_db(void)
{
	return yg_sq(hub->stores[0])->db;
}

/* Resets the statements of the hub's connection: one left stepped would
 * hold a read lock and make a copy fail, or fail a rollback (the store
 * resets its cached statements before each use anyway). */
static inline void hfw_reset_stmts(void)
{
	for (sqlite3_stmt *s = sqlite3_next_stmt(hfw_db(), NULL); s; s = sqlite3_next_stmt(hfw_db(), s))
		sqlite3_reset(s);
}

/* Runs sql on the hub's connection; aborts, saying why, when it fails. */
static inline void hfw_exec(const char *sql)
{
	if (sqlite3_exec(hfw_db(), sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "hub_fuzz_world: %s: %s\n", sql, sqlite3_errmsg(hfw_db()));
		abort();
	}
}

/* Copies all of database "main" from src to dst. */
static inline void hfw_copy(sqlite3 *dst, sqlite3 *src)
{
	hfw_reset_stmts();
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK)
		abort();
}

/* Opens the transaction every input runs in, and makes the store's own
 * transactions savepoints in it: call once the world is complete (after
 * anything the harness adds through the hub). */
static inline void hfw_hold(void)
{
	yg_sq(hub->stores[0])->held = true;
	hfw_held = true;
	hfw_exec("BEGIN IMMEDIATE");
	hfw_changes = sqlite3_total_changes64(hfw_db());
}

/* Takes a copy every input starts from, for a harness whose inputs write
 * through more than the hub's connection; call it where hfw_hold would be. */
static inline void hfw_snapshot(void)
{
	if (sqlite3_open(":memory:", &hfw_snap) != SQLITE_OK)
		abort();
	hfw_copy(hfw_snap, hfw_db());
	hfw_changes = sqlite3_total_changes64(hfw_db());
}

/* Whether the input has changed the database since the last reset: what
 * reads back an input's effects (listings, aggregates) only has something
 * new to serve then. The world as built was served already. */
static inline bool hfw_changed(void)
{
	return sqlite3_total_changes64(hfw_db()) != hfw_changes;
}

/* Puts the world back as hfw_hold or hfw_snapshot found it: the database,
 * and the change feed's cursors, which live in the hub. Held, the
 * input's transaction is rolled back and a new one opened (an input that
 * wrote nothing costs two statements); with a snapshot, the copy comes
 * back only when the input changed a row (most inputs are refused before
 * any write). */
static inline void hfw_reset(void)
{
	if (hfw_held) {
		/* An error SQLite ends the whole transaction on (I/O, out of
		 * memory) would leave the store committing for real: inputs
		 * would no longer be independent, so that is a failure. */
		if (sqlite3_get_autocommit(hfw_db())) {
			fprintf(stderr, "hub_fuzz_world: the input's transaction ended under it\n");
			abort();
		}
		/* A store transaction the input began and never ended would
		 * fail every later one (tx_begin refuses to nest). */
		if (yg_sq(hub->stores[0])->in_tx) {
			fprintf(stderr, "hub_fuzz_world: the input left a store transaction open\n");
			abort();
		}
		hfw_reset_stmts();
		hfw_exec("ROLLBACK");
		hfw_exec("BEGIN IMMEDIATE");
		hfw_changes = sqlite3_total_changes64(hfw_db());
	} else if (hfw_changed()) {
		hfw_copy(hfw_db(), hfw_snap);
		hfw_changes = sqlite3_total_changes64(hfw_db());
	}
	yg_feed_free(hub->feed);
	hub->feed = NULL;
	if (yg_feed_new(&hub->feed) < 0)
		abort();
}

#endif
