/*
 * The hub's sightings path on outside bytes: the input is the body of a
 * POST /api/v1/sightings by a sensor of one member (bundle parsing, the
 * checks of each sighting, the TLP check of the indicator it names, the
 * store), then, when it stored anything, the aggregation GET /api/v1/indicators/{id}/sightings of the
 * indicators the seeds name (as that member, as the other member and as an
 * admin), and the change feed from the start. The first byte picks the
 * Content-Type.
 *
 * Indicators published at set-up: FZ_GREEN (TLP:GREEN) and FZ_STRICT
 * (TLP:AMBER+STRICT of the other member), so the invisible-indicator path
 * is reached too. Seeds: fuzz/seeds/hub_sightings.py.
 */
#include "hub_fuzz_world.h"

#define TAXII     "application/taxii+json;version=2.1"
#define FZ_GREEN  "indicator--0f000000-0000-4000-8000-000000000001"
#define FZ_STRICT "indicator--0f000000-0000-4000-8000-000000000002"

static char auth_a[80], auth_b[80], auth_admin[80];

static void request(const char *method, const char *path, const char *auth, const char *ct,
                    const char *body, size_t len, const struct yg_kv *arg)
{
	struct yg_req req = {.method = method,
	                     .path = path,
	                     .content_type = ct,
	                     .authorization = auth,
	                     .body = body,
	                     .body_len = len};
	if (arg) {
		req.args[0] = *arg;
		req.n_args = 1;
	}
	struct yg_resp resp = {0};
	yg_hub_handle(hub, &req, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort();
	yg_resp_release(&resp);
}

static void publish(const char *coll, const char *id, const char *marking)
{
	char body[1024], path[128];
	snprintf(
	    body, sizeof body,
	    "{\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
	    "\"pattern\":\"[domain-name:value = 'fuzz.example']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2024-01-01T00:00:00Z\",\"object_marking_refs\":[\"%s\"]}]}",
	    id, marking);
	snprintf(path, sizeof path, "/taxii2/api/collections/%s/objects/", coll);
	struct yg_req req = {.method = "POST",
	                     .path = path,
	                     .content_type = TAXII,
	                     .authorization = auth_a,
	                     .body = body,
	                     .body_len = strlen(body)};
	struct yg_resp resp = {0};
	if (yg_hub_handle(hub, &req, &resp) < 0 || resp.status != 202)
		abort();
	yg_resp_release(&resp);
}

static void setup(void)
{
	char coll[37];
	struct yg_org a, b;
	struct yg_store *st = hfw_store("sight", &a, &b, coll);
	hfw_token(st, a.id, YG_ROLE_ANALYST, auth_a, sizeof auth_a);
	hfw_token(st, b.id, YG_ROLE_SENSOR, auth_b, sizeof auth_b);
	hfw_token(st, b.id, YG_ROLE_ADMIN, auth_admin, sizeof auth_admin);
	hfw_start(st, (struct yg_hub_config){.decay_half_life_days = 30, .decay_threshold = 10});
	publish(coll, FZ_GREEN, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
	publish(coll, FZ_STRICT, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
	hfw_hold();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!hub)
		setup();
	if (size < 1 || size > (1 << 20))
		return 0;
	static const char *const cts[] = {"application/json", "application/stix+json;version=2.1",
	                                  "application/json; charset=utf-8", "text/plain"};
	request("POST", "/api/v1/sightings", auth_b, cts[data[0] & 3], (const char *)data + 1,
	        size - 1, NULL);
	static const char *const paths[] = {"/api/v1/indicators/" FZ_GREEN "/sightings",
	                                    "/api/v1/indicators/" FZ_STRICT "/sightings"};
	/* The aggregates and the feed from the start change only when the
	 * POST stored a sighting; the world as built was served already. */
	struct yg_kv since = {"since", "0"};
	for (size_t i = 0; hfw_changed() && i < 2; i++) {
		request("GET", paths[i], auth_b, NULL, NULL, 0, NULL);
		request("GET", paths[i], auth_a, NULL, NULL, 0, NULL);
		request("GET", paths[i], auth_admin, NULL, NULL, 0, NULL);
	}
	if (hfw_changed())
		request("GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, 0, &since);
	/* The input's first line (at most 40 bytes) as an outside cursor. */
	char cur[41];
	size_t n = 0;
	while (n + 1 < size && n < sizeof cur - 1 && data[1 + n] != '\n' && data[1 + n])
		n++;
	memcpy(cur, data + 1, n);
	cur[n] = '\0';
	since.value = cur;
	request("GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, 0, &since);
	hfw_reset();
	return 0;
}
