/*
 * The hub's write path on outside bytes: the input is the body of a TAXII
 * POST to the default collection (envelope parsing, STIX validation,
 * sharing resolution, TLP, the store), then another member lists the
 * collection and reads the manifest, so whatever was stored is also served
 * through TLP redaction. The first byte picks the submitter's anonymity.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/auth.h"
#include "hub/hub.h"
#include "store/store.h"

#define TAXII "application/taxii+json;version=2.1"

static struct yg_hub *hub;
static char dir[] = "/tmp/yg-fuzz-hub-XXXXXX";
static char objects_path[128], manifest_path[128];
static char auth_a[80], auth_b[80];

static void cleanup(void)
{
	yg_hub_free(hub);
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[64];
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void token_for(struct yg_store *st, int64_t org, char *out, size_t outlen)
{
	char tok[YG_TOKEN_HEX_LEN + 1], pub[YG_TOKEN_PUBID_LEN + 1];
	uint8_t hash[YG_TOKEN_HASH_LEN];
	if (yg_auth_token_new(tok, hash, pub) < 0 ||
	    st->ops->token_add(st, hash, pub, org, YG_ROLE_ANALYST, NULL) < 0)
		abort();
	snprintf(out, outlen, "Bearer %s", tok);
}

static void setup(void)
{
	if (!mkdtemp(dir))
		abort();
	struct yg_store *st;
	char identity[64], coll[37];
	struct yg_org a, b;
	if (yg_store_sqlite_open(dir, &st) < 0 || yg_hub_bootstrap(st, identity, coll) < 0 ||
	    yg_hub_org_add(st, "alpha", "energy", NULL, &a) < 0 ||
	    yg_hub_org_add(st, "beta", "rail", "JP", &b) < 0)
		abort();
	token_for(st, a.id, auth_a, sizeof auth_a);
	token_for(st, b.id, auth_b, sizeof auth_b);
	yg_store_close(st);
	snprintf(objects_path, sizeof objects_path, "/taxii2/api/collections/%s/objects/", coll);
	snprintf(manifest_path, sizeof manifest_path, "/taxii2/api/collections/%s/manifest/", coll);
	struct yg_hub_config cfg = {.data_dir = dir, .threads = 1, .max_body = 1 << 20,
				    .cache_mb = -1};
	if (yg_hub_new(&cfg, &hub) < 0)
		abort();
	atexit(cleanup);
}

static void request(const char *method, const char *path, const char *auth, const char *anon,
		    const char *body, size_t len)
{
	struct yg_req req = {.method = method, .path = path, .accept = TAXII,
			     .content_type = body ? TAXII : NULL, .authorization = auth,
			     .anonymous = anon, .body = body, .body_len = len};
	struct yg_resp resp = {0};
	yg_hub_handle(hub, &req, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort();
	yg_resp_release(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!hub)
		setup();
	if (size < 1 || size > (1 << 20))
		return 0;
	const char *anon = (data[0] & 1) ? "1" : NULL;
	request("POST", objects_path, auth_a, anon, (const char *)data + 1, size - 1);
	request("GET", objects_path, auth_b, NULL, NULL, 0);
	request("GET", manifest_path, auth_b, NULL, NULL, 0);
	return 0;
}
