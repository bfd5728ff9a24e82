/*
 * The hub world the hub harnesses (fuzz_hub_mail.c, fuzz_hub_post.c,
 * fuzz_hub_sightings.c) drive: a fresh data folder under /tmp with a store,
 * members alpha (energy) and beta (rail, JP), bearer tokens, and one
 * in-process hub on it, removed at exit.
 *
 * Include it from exactly one harness: it holds that harness's hub and
 * folder as file-scope state (a libFuzzer process runs one harness). Not
 * named fuzz_*.c/h so the build does not take it for a harness.
 */
#ifndef YG_FUZZ_HUB_FUZZ_WORLD_H
#define YG_FUZZ_HUB_FUZZ_WORLD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/auth.h"
#include "hub/hub.h"
#include "store/store.h"

static struct yg_hub *hub;
static char hfw_dir[64];

static void hfw_cleanup(void)
{
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

/* Makes the folder from tmpl (a mkdtemp template, at most 63 bytes) and a
 * bootstrapped store with alpha and beta in it; ret_coll (may be NULL) gets
 * the default collection's id. The store stays open for the harness to add
 * to; hfw_start closes it. Aborts on any failure. */
static struct yg_store *hfw_store(const char *tmpl, struct yg_org *ret_a, struct yg_org *ret_b,
                                  char ret_coll[37])
{
	snprintf(hfw_dir, sizeof hfw_dir, "%s", tmpl);
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

#endif
