/*
 * The hub's telescope path on outside bytes: the input is the body of a
 * POST /api/v1/darknet by a sensor of one member (the body checker, the
 * store's aggregates, the surge scoring and, for a surging window, the
 * STIX report), then, when it stored anything, the read endpoints as that
 * member, another member and an admin. The first byte picks the
 * Content-Type (bits 0-1); the body's first line (at most 16 bytes) is
 * also tried as the value of the port and top parameters.
 *
 * At set-up, 70 minutes of a quiet tcp/23 from 2025-01-01T00:00Z are
 * posted, so a window of 01:10 that surges reaches the scoring and the
 * publication, not only the checker. The hub keeps minutes for 100
 * years here, so seeds with fixed dates are not refused as too old.
 * Seeds: fuzz/seeds/hub_darknet.py.
 */
#include "hub_fuzz_world.h"

#define JSON_CT "application/json"

static char auth_a[80], auth_b[80], auth_admin[80];

static int request(const char *method, const char *path, const char *auth, const char *ct,
		   const char *body, size_t len, const struct yg_kv *args, size_t n_args)
{
	struct yg_req req = {.method = method,
			     .path = path,
			     .content_type = ct,
			     .authorization = auth,
			     .body = body,
			     .body_len = len};
	for (size_t i = 0; i < n_args && i < YG_HUB_MAX_ARGS; i++)
		req.args[req.n_args++] = args[i];
	struct yg_resp resp = {0};
	yg_hub_handle(hub, &req, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort();
	int status = resp.status;
	yg_resp_release(&resp);
	return status;
}

static void baseline(void)
{
	char body[512];
	for (int i = 0; i < 70; i++) {
		int n = snprintf(body, sizeof body,
				 "{\"sensor\":\"fz\",\"telescope_addresses\":256,"
				 "\"window_start\":\"2025-01-01T%02d:%02d:00Z\",\"window_seconds\":60,"
				 "\"ports\":[{\"proto\":\"tcp\",\"port\":23,\"packets\":%d,"
				 "\"sources\":9,\"new_sources\":2}]}",
				 i / 60, i % 60, 100 + i % 7);
		if (request("POST", "/api/v1/darknet", auth_a, JSON_CT, body, (size_t)n, NULL, 0) != 200)
			abort();
	}
}

static void setup(void)
{
	char coll[37];
	struct yg_org a, b;
	struct yg_store *st = hfw_store("darknet", &a, &b, coll);
	hfw_token(st, a.id, YG_ROLE_SENSOR, auth_a, sizeof auth_a);
	hfw_token(st, b.id, YG_ROLE_READER, auth_b, sizeof auth_b);
	hfw_token(st, b.id, YG_ROLE_ADMIN, auth_admin, sizeof auth_admin);
	hfw_start(st, (struct yg_hub_config){.darknet_minute_days = 36500});
	baseline();
	/* A surge sets the alert level's signal through the level's own
	 * store connection, which a held transaction would keep waiting:
	 * this world is copied back instead (hub_fuzz_world.h). */
	hfw_snapshot();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!hub)
		setup();
	if (size < 1 || size > (1 << 20))
		return 0;
	static const char *const cts[] = {JSON_CT, "application/json; charset=utf-8", "text/plain",
					  NULL};
	request("POST", "/api/v1/darknet", auth_a, cts[data[0] & 3], (const char *)data + 1,
		size - 1, NULL, 0);
	char line[17];
	size_t n = 0;
	while (n + 1 < size && n < sizeof line - 1 && data[1 + n] != '\n' && data[1 + n])
		n++;
	memcpy(line, data + 1, n);
	line[n] = '\0';
	struct yg_kv port_args[] = {{"proto", "tcp"},
				    {"port", hfw_changed() ? "23" : line},
				    {"from", "2025-01-01T00:00:00Z"},
				    {"to", "2025-01-01T03:00:00Z"}};
	struct yg_kv top = {"top", line};
	request("GET", "/api/v1/darknet/ports", auth_b, NULL, NULL, 0, port_args, 4);
	request("GET", "/api/v1/darknet/sources", auth_b, NULL, NULL, 0, &top, 1);
	if (hfw_changed()) {
		request("GET", "/api/v1/darknet/signals", auth_b, NULL, NULL, 0, NULL, 0);
		request("GET", "/api/v1/darknet/sources", auth_b, NULL, NULL, 0, NULL, 0);
		request("GET", "/api/v1/darknet/victims", auth_b, NULL, NULL, 0, NULL, 0);
		request("GET", "/api/v1/darknet/sensors", auth_a, NULL, NULL, 0, NULL, 0);
		request("GET", "/api/v1/darknet/sensors", auth_admin, NULL, NULL, 0, NULL, 0);
	}
	hfw_reset();
	return 0;
}
