/*
 * The hub's write path on outside bytes: the input is the body of a TAXII
 * POST to the default collection (envelope parsing, STIX validation,
 * sharing resolution, TLP, the store), then, when it stored anything,
 * another member lists the collection and reads the manifest, so whatever
 * was stored is also served through TLP redaction. The first byte picks the submitter's anonymity.
 */
#include "hub_fuzz_world.h"

#define TAXII "application/taxii+json;version=2.1"

static char objects_path[128], manifest_path[128];
static char auth_a[80], auth_b[80];

static void setup(void)
{
	char coll[37];
	struct yg_org a, b;
	struct yg_store *st = hfw_store("post", &a, &b, coll);
	hfw_token(st, a.id, YG_ROLE_ANALYST, auth_a, sizeof auth_a);
	hfw_token(st, b.id, YG_ROLE_ANALYST, auth_b, sizeof auth_b);
	snprintf(objects_path, sizeof objects_path, "/taxii2/api/collections/%s/objects/", coll);
	snprintf(manifest_path, sizeof manifest_path, "/taxii2/api/collections/%s/manifest/", coll);
	hfw_start(st, (struct yg_hub_config){0});
	hfw_hold();
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
	/* Most inputs are refused before any write; reading the unchanged
	 * collection back would only repeat what the first input did. */
	if (hfw_changed()) {
		request("GET", objects_path, auth_b, NULL, NULL, 0);
		request("GET", manifest_path, auth_b, NULL, NULL, 0);
	}
	hfw_reset();
	return 0;
}
