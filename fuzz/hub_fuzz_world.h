/*
 * The hub world the hub harnesses (fuzz_hub_mail.c, fuzz_hub_post.c,
 * fuzz_hub_sightings.c) drive: a fresh data folder (in /dev/shm when there
 * is one, else /tmp) with a store, members alpha (energy) and beta (rail,
 * JP), bearer tokens, and one in-process hub on it, removed at exit.
 *
 * Built once per process, not once per input: opening a store, migrating
 * it and starting a hub costs far more than an input. What one input
 * writes must not reach the next, though (a crash would then depend on
 * the inputs before it and not replay alone; and a store that grows with
 * every input makes every input slower, the correlation of a mail reads
 * all earlier ones). So the harness takes a snapshot of the database once
 * the world is built (hfw_snapshot) and, after each input that wrote
 * something, copies it back with SQLite's backup API (hfw_reset), and
 * forgets the change-feed cursors the input left in the hub.
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

#include "hub/auth.h"
#include "hub/hub-int.h"
#include "hub/hub.h"
#include "store/sqlite-int.h"
#include "store/store.h"

static struct yg_hub *hub;
static char hfw_dir[64];
static sqlite3 *hfw_snap;          /* the database as the world built it */
static int64_t hfw_changes;        /* sqlite3_total_changes after the last reset */

static void hfw_cleanup(void)
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
static void hfw_token(struct yg_store *st, int64_t org, enum yg_role role, char *out, size_t outlen)
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
static struct yg_store *hfw_store(const char *name, struct yg_org *ret_a, struct yg_org *ret_b,
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
static void hfw_start(struct yg_store *st, struct yg_hub_config cfg)
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
static sqlite3 *hfw_db(void)
{
	return yg_sq(hub->stores[0])->db;
}

/* Copies all of database "main" from src to dst. Statements of src or dst
 * left stepped would hold a read lock and make the copy fail: they are
 * reset first (the store resets its cached statements before each use). */
static void hfw_copy(sqlite3 *dst, sqlite3 *src)
{
	for (sqlite3_stmt *s = sqlite3_next_stmt(hfw_db(), NULL); s; s = sqlite3_next_stmt(hfw_db(), s))
		sqlite3_reset(s);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK)
		abort();
}

/* Takes the snapshot every input starts from: call once the world is
 * complete (after anything the harness adds through the hub). */
static void hfw_snapshot(void)
{
	if (sqlite3_open(":memory:", &hfw_snap) != SQLITE_OK)
		abort();
	hfw_copy(hfw_snap, hfw_db());
	hfw_changes = sqlite3_total_changes64(hfw_db());
}

/* Whether the input has changed the database since the last reset: what
 * reads back an input's effects (listings, aggregates) only has something
 * new to serve then. The world as built was served already. */
static bool hfw_changed(void)
{
	return sqlite3_total_changes64(hfw_db()) != hfw_changes;
}

/* Puts the world back as hfw_snapshot found it: the database when the
 * input changed a row (most inputs are refused before any write, and then
 * cost no copy), and the change feed's cursors, which live in the hub. */
static void hfw_reset(void)
{
	if (hfw_changed()) {
		hfw_copy(hfw_db(), hfw_snap);
		hfw_changes = sqlite3_total_changes64(hfw_db());
	}
	yg_feed_free(hub->feed);
	hub->feed = NULL;
	if (yg_feed_new(&hub->feed) < 0)
		abort();
}

#endif
