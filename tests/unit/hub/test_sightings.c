#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub/auth.h"
#include "hub/hub.h"
#include "hub/ids.h"
#include "hub/lifecycle.h"
#include "hub/route.h"
#include "helpers/store_backend.h"
#include "store/store.h"
#include "store/store_darknet.h"
#include "store/store_hosts.h"
#include "store/store_sightings.h"

#define TAXII "application/taxii+json;version=2.1"
#define IND_G "indicator--11111111-1111-4111-8111-111111111111"
#define IND_S "indicator--22222222-2222-4222-8222-222222222222"
#define IND_X "indicator--33333333-3333-4333-8333-333333333333"

static char dir[64];
static char coll[37];
static char auth_a[80], auth_b[80], auth_admin[80], auth_reader[80];
static char ident_a[64], ident_b[64];
static int64_t org_a, org_b;

static void token_for(struct yg_store *st, int64_t org, enum yg_role role, char *out)
{
	char tok[YG_TOKEN_HEX_LEN + 1], pub[YG_TOKEN_PUBID_LEN + 1];
	uint8_t hash[YG_TOKEN_HASH_LEN];
	assert_int_equal(yg_auth_token_new(tok, hash, pub), 0);
	assert_int_equal(st->ops->token_add(st, hash, pub, org, role, NULL), 0);
	snprintf(out, 80, "Bearer %s", tok);
}

static void rm_store(void)
{
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	yg_test_store_drop(dir);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-test-sight-XXXXXX");
	assert_non_null(mkdtemp(dir));
	struct yg_store *st;
	struct yg_org a, b;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	assert_int_equal(yg_hub_bootstrap(st, NULL, coll), 0);
	assert_int_equal(yg_hub_org_add(st, "alpha", "energy", NULL, &a), 0);
	assert_int_equal(yg_hub_org_add(st, "beta", "rail", NULL, &b), 0);
	org_a = a.id;
	org_b = b.id;
	snprintf(ident_a, sizeof ident_a, "%s", a.identity_id);
	snprintf(ident_b, sizeof ident_b, "%s", b.identity_id);
	token_for(st, a.id, YG_ROLE_ANALYST, auth_a);
	token_for(st, b.id, YG_ROLE_SENSOR, auth_b);
	token_for(st, b.id, YG_ROLE_ADMIN, auth_admin);
	token_for(st, b.id, YG_ROLE_READER, auth_reader);
	yg_store_close(st);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_store();
	return 0;
}

static struct yg_hub *hub_open(double half_life)
{
	struct yg_hub *h;
	static char pg[1024];
	struct yg_hub_config cfg = {.data_dir = dir,
	                            .pg = yg_test_store_pg(dir, pg, sizeof pg),
	                            .threads = 1,
	                            .cache_mb = -1,
	                            .decay_half_life_days = half_life,
	                            .decay_threshold = 10};
	assert_int_equal(yg_hub_new(&cfg, &h), 0);
	return h;
}

/* One request; returns the status, *ret_json the parsed body (or NULL). */
static int call(struct yg_hub *h, const char *method, const char *path, const char *auth,
                const char *ct, const char *body, const struct yg_kv *args, size_t n_args,
                json_t **ret_json, struct yg_resp *ret_resp)
{
	struct yg_req req = {.method = method,
	                     .path = path,
	                     .authorization = auth,
	                     .content_type = ct,
	                     .body = body,
	                     .body_len = body ? strlen(body) : 0};
	for (size_t i = 0; i < n_args; i++)
		req.args[i] = args[i];
	req.n_args = n_args;
	struct yg_resp resp = {0};
	assert_int_equal(yg_hub_handle(h, &req, &resp), 0);
	int status = resp.status;
	if (ret_json)
		*ret_json = resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	if (ret_resp)
		*ret_resp = resp;
	else
		yg_resp_release(&resp);
	return status;
}

static void publish(struct yg_hub *h, const char *id, const char *marking, const char *ip)
{
	char body[1024], path[128];
	snprintf(
	    body, sizeof body,
	    "{\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
	    "\"pattern\":\"[ipv4-addr:value = '%s']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2024-01-01T00:00:00Z\",\"object_marking_refs\":[\"%s\"]}]}",
	    id, ip, marking);
	snprintf(path, sizeof path, "/taxii2/api/collections/%s/objects/", coll);
	json_t *j;
	assert_int_equal(call(h, "POST", path, auth_a, TAXII, body, NULL, 0, &j, NULL), 202);
	assert_int_equal(json_integer_value(json_object_get(j, "success_count")), 1);
	json_decref(j);
}

#define GREEN  "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define STRICT "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"

static char *bundle(const char *ind, const char *sid, const char *where, int count,
                    const char *first, const char *last)
{
	char *b = malloc(2048);
	char w[128] = "";
	if (where)
		snprintf(w, sizeof w, ",\"where_sighted_refs\":[\"%s\"]", where);
	snprintf(
	    b, 2048,
	    "{\"type\":\"bundle\",\"id\":\"bundle--44444444-4444-4444-8444-444444444444\","
	    "\"objects\":[{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"%s\","
	    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
	    "\"sighting_of_ref\":\"%s\",\"count\":%d,\"first_seen\":\"%s\",\"last_seen\":\"%s\"%s}]"
	    "}",
	    sid, ind, count, first, last, w);
	return b;
}

static void score_math(void **state)
{
	(void)state;
	struct yg_lifecycle lc = {.half_life_days = 1, .threshold = 10};
	int64_t day = 86400LL * 1000000;
	int64_t now = 100 * day;
	assert_true(yg_lifecycle_score(&lc, now, now, 0) == 100.0);
	double s = yg_lifecycle_score(&lc, now, now - day, 0);
	assert_true(s > 49.999 && s < 50.001);
	s = yg_lifecycle_score(&lc, now, now - 3 * day, now - 2 * day); /* the sighting counts */
	assert_true(s > 24.999 && s < 25.001);
	assert_true(yg_lifecycle_score(&lc, now, now + day, 0) == 100.0); /* future: no age */
	struct yg_lifecycle off = {0};
	assert_true(yg_lifecycle_score(&off, now, 0, 0) == 100.0);
	assert_string_equal(yg_ind_state_reason(YG_IND_EXPIRED), "expired");
	assert_string_equal(yg_ind_state_reason(YG_IND_HIDDEN), "no-longer-visible");
}

static void routes(void **state)
{
	(void)state;
	struct yg_route rt;
	const char *p = "/api/v1/indicators/changes";
	yg_route_parse(p, strlen(p), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_REST_CHANGES);
	p = "/api/v1/indicators/" IND_G "/sightings/";
	yg_route_parse(p, strlen(p), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_REST_IND_SIGHTINGS);
	assert_string_equal(rt.object_id, IND_G);
	p = "/api/v1/indicators/sighting--11111111-1111-4111-8111-111111111111/sightings";
	yg_route_parse(p, strlen(p), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_REST_NOT_FOUND);
	p = "/api/v1/sightings";
	yg_route_parse(p, strlen(p), &rt);
	assert_int_equal(rt.kind, YG_ROUTE_REST_SIGHTINGS);
	assert_true(yg_route_is_rest(YG_ROUTE_REST_SIGHTINGS));
	assert_true(yg_route_is_rest(YG_ROUTE_REST_CHANGES));
}

static void store_outcomes(void **state)
{
	(void)state;
	struct yg_store *st;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	const struct yg_store_sighting_ops *o = st->ops->sightings;
	struct yg_sighting_in in = {.stix_id = "sighting--s1",
	                            .indicator_id = IND_X,
	                            .org_id = org_a,
	                            .modified_us = 10,
	                            .count = 3,
	                            .first_seen_us = 100,
	                            .last_seen_us = 200,
	                            .json = "{}",
	                            .json_len = 2};
	enum yg_sighting_outcome oc;
	assert_int_equal(o->put(st, &in, &oc), 0);
	assert_int_equal(oc, YG_SIGHTING_NEW);
	assert_int_equal(o->put(st, &in, &oc), 0);
	assert_int_equal(oc, YG_SIGHTING_DUPLICATE);
	in.modified_us = 20;
	in.count = 5;
	in.last_seen_us = 300;
	assert_int_equal(o->put(st, &in, &oc), 0);
	assert_int_equal(oc, YG_SIGHTING_REPLACED);
	in.org_id = org_b; /* someone else's id */
	in.modified_us = 30;
	assert_int_equal(o->put(st, &in, &oc), -EEXIST);
	struct yg_sighting_in in2 = in;
	in2.stix_id = "sighting--s2";
	in2.count = 7;
	in2.first_seen_us = 50;
	in2.last_seen_us = 60;
	assert_int_equal(o->put(st, &in2, &oc), 0);
	int64_t n = 0;
	assert_int_equal(o->count(st, &n), 0);
	assert_int_equal(n, 2);
	yg_store_close(st);
}

static void post_and_aggregate(void **state)
{
	(void)state;
	struct yg_hub *h = hub_open(30);
	publish(h, IND_G, GREEN, "198.51.100.1");
	publish(h, IND_S, STRICT, "198.51.100.2");
	json_t *j;
	char *b = bundle(IND_G, "sighting--aaaaaaaa-0000-4000-8000-000000000001", ident_b, 4,
	                 "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
	assert_int_equal(
	    call(h, "POST", "/api/v1/sightings", auth_b, "application/json", b, NULL, 0, &j, NULL),
	    200);
	assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 1);
	json_decref(j);
	/* Again: a duplicate. */
	assert_int_equal(
	    call(h, "POST", "/api/v1/sightings", auth_b, "application/json", b, NULL, 0, &j, NULL),
	    200);
	assert_int_equal(json_integer_value(json_object_get(j, "duplicates")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 0);
	json_decref(j);
	free(b);
	/* Claiming alpha's identity: rejected. */
	b = bundle(IND_G, "sighting--aaaaaaaa-0000-4000-8000-000000000002", ident_a, 4,
	           "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
	assert_int_equal(
	    call(h, "POST", "/api/v1/sightings", auth_b, "application/json", b, NULL, 0, &j, NULL),
	    200);
	assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "rejected")), 1);
	json_decref(j);
	free(b);
	/* alpha's AMBER+STRICT indicator: beta cannot report it. */
	b = bundle(IND_S, "sighting--aaaaaaaa-0000-4000-8000-000000000003", NULL, 1,
	           "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
	assert_int_equal(
	    call(h, "POST", "/api/v1/sightings", auth_b, "application/json", b, NULL, 0, &j, NULL),
	    200);
	json_t *rej = json_array_get(json_object_get(j, "rejected"), 0);
	assert_string_equal(json_string_value(json_object_get(rej, "error")), "no such indicator");
	json_decref(j);
	/* A reader may not post; alpha (the owner) may. */
	assert_int_equal(call(h, "POST", "/api/v1/sightings", auth_reader, "application/json", b,
	                      NULL, 0, NULL, NULL),
	                 403);
	assert_int_equal(
	    call(h, "POST", "/api/v1/sightings", auth_a, "application/json", b, NULL, 0, &j, NULL),
	    200);
	assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 1);
	json_decref(j);
	free(b);

	/* Aggregation: beta (own only), admin (all), 404 for the invisible one. */
	assert_int_equal(call(h, "GET", "/api/v1/indicators/" IND_G "/sightings", auth_b, NULL,
	                      NULL, NULL, 0, &j, NULL),
	                 200);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "organizations")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "sectors")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "by_org")), 1);
	json_decref(j);
	assert_int_equal(call(h, "GET", "/api/v1/indicators/" IND_S "/sightings", auth_b, NULL,
	                      NULL, NULL, 0, NULL, NULL),
	                 404);
	assert_int_equal(call(h, "GET", "/api/v1/indicators/" IND_S "/sightings", auth_a, NULL,
	                      NULL, NULL, 0, &j, NULL),
	                 200);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
	json_t *bo = json_array_get(json_object_get(j, "by_org"), 0);
	assert_string_equal(json_string_value(json_object_get(bo, "org")), "alpha");
	json_decref(j);
	assert_int_equal(call(h, "GET", "/api/v1/indicators/" IND_X "/sightings", auth_b, NULL,
	                      NULL, NULL, 0, NULL, NULL),
	                 404);
	yg_hub_free(h);
}

static void feed_reset_then_hold(void **state)
{
	(void)state;
	struct yg_hub *h = hub_open(0);
	json_t *j;
	struct yg_kv args[2] = {{"since", "0"}};
	assert_int_equal(
	    call(h, "GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, args, 1, &j, NULL),
	    200);
	assert_true(json_is_true(json_object_get(j, "reset")));
	json_t *ch = json_object_get(j, "changes");
	/* The GREEN one of the previous test only; the STRICT one never. */
	assert_int_equal(json_array_size(ch), 1);
	json_t *c0 = json_array_get(ch, 0);
	assert_string_equal(json_string_value(json_object_get(c0, "id")), IND_G);
	assert_string_equal(json_string_value(json_object_get(c0, "op")), "upsert");
	char cursor[32];
	snprintf(cursor, sizeof cursor, "%s", json_string_value(json_object_get(j, "cursor")));
	json_decref(j);

	/* Nothing new, wait=5: the hub holds the request (no body yet). */
	struct yg_kv wargs[2] = {{"since", cursor}, {"wait", "5"}};
	struct yg_resp resp;
	assert_int_equal(
	    call(h, "GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, wargs, 2, NULL, &resp),
	    0);
	assert_true(resp.hold_until_us > yg_now_us());
	assert_null(resp.body);
	yg_resp_release(&resp);

	/* A new indicator: the next call answers with it. */
	publish(h, "indicator--55555555-5555-4555-8555-555555555555", GREEN, "198.51.100.5");
	assert_int_equal(
	    call(h, "GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, wargs, 2, &j, NULL),
	    200);
	assert_false(json_is_true(json_object_get(j, "reset")));
	ch = json_object_get(j, "changes");
	assert_int_equal(json_array_size(ch), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "id")),
	                    "indicator--55555555-5555-4555-8555-555555555555");
	json_decref(j);
	/* The alpha side: its STRICT one is there. */
	assert_int_equal(
	    call(h, "GET", "/api/v1/indicators/changes", auth_a, NULL, NULL, args, 1, &j, NULL),
	    200);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 3);
	json_decref(j);
	yg_hub_free(h);
}

/* A reset over two pages; an indicator of the first page is deleted before
 * the second: the second page stays reset:true with upserts only, and the
 * remove ("deleted") comes in the answer after the reset. */
static void reset_pages_then_removes(void **state)
{
	(void)state;
	struct yg_hub *h = hub_open(0);
	size_t n = 5003, cap = n * 400 + 64, len = 0;
	char *body = malloc(cap);
	assert_non_null(body);
	len += (size_t)snprintf(body + len, cap - len, "{\"objects\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(
		    body + len, cap - len,
		    "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
		    "\"id\":\"indicator--00000000-0000-4000-8000-%012zu\","
		    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00."
		    "000Z\","
		    "\"pattern\":\"[ipv4-addr:value = '10.0.%zu.%zu']\",\"pattern_type\":\"stix\","
		    "\"valid_from\":\"2024-01-01T00:00:00Z\",\"object_marking_refs\":[\"%s\"]}",
		    i ? "," : "", i, i / 256, i % 256, GREEN);
	len += (size_t)snprintf(body + len, cap - len, "]}");
	assert_true(len < cap); /* the whole bundle, not a truncated one */
	char path[160];
	snprintf(path, sizeof path, "/taxii2/api/collections/%s/objects/", coll);
	assert_int_equal(call(h, "POST", path, auth_a, TAXII, body, NULL, 0, NULL, NULL), 202);
	free(body);

	struct yg_kv args[1] = {{"since", "0"}};
	json_t *j;
	assert_int_equal(
	    call(h, "GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, args, 1, &j, NULL),
	    200);
	assert_true(json_is_true(json_object_get(j, "reset")));
	assert_true(json_is_true(json_object_get(j, "more")));
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 5000);
	/* Ids come in id order: the first one of the synthetic set is there. */
	json_t *first = json_array_get(json_object_get(j, "changes"), 0);
	const char *victim = "indicator--00000000-0000-4000-8000-000000000000";
	assert_string_equal(json_string_value(json_object_get(first, "id")), victim);
	char cursor[32];
	snprintf(cursor, sizeof cursor, "%s", json_string_value(json_object_get(j, "cursor")));
	json_decref(j);

	snprintf(path, sizeof path, "/taxii2/api/collections/%s/objects/%s/", coll, victim);
	assert_int_equal(call(h, "DELETE", path, auth_a, NULL, NULL, NULL, 0, NULL, NULL), 200);

	struct yg_kv a2[1] = {{"since", cursor}};
	assert_int_equal(
	    call(h, "GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, a2, 1, &j, NULL), 200);
	assert_true(json_is_true(json_object_get(j, "reset")));
	assert_false(json_is_true(json_object_get(j, "more")));
	json_t *ch = json_object_get(j, "changes");
	size_t i;
	json_t *e;
	size_t ups = 0;
	json_array_foreach(ch, i, e)
	{
		assert_string_equal(json_string_value(json_object_get(e, "op")), "upsert");
		ups++;
	}
	/* 5003 + the two of the earlier tests, minus the 5000 of page one. */
	assert_int_equal(ups, 5);
	snprintf(cursor, sizeof cursor, "%s", json_string_value(json_object_get(j, "cursor")));
	json_decref(j);

	struct yg_kv a3[1] = {{"since", cursor}};
	assert_int_equal(
	    call(h, "GET", "/api/v1/indicators/changes", auth_b, NULL, NULL, a3, 1, &j, NULL), 200);
	assert_false(json_is_true(json_object_get(j, "reset")));
	ch = json_object_get(j, "changes");
	assert_int_equal(json_array_size(ch), 1);
	e = json_array_get(ch, 0);
	assert_string_equal(json_string_value(json_object_get(e, "op")), "remove");
	assert_string_equal(json_string_value(json_object_get(e, "id")), victim);
	assert_string_equal(json_string_value(json_object_get(e, "reason")), "deleted");
	json_decref(j);
	yg_hub_free(h);
}

#define IND_B  "indicator--55555555-5555-4555-8555-555555555555"
#define IND_BS "indicator--66666666-6666-4666-8666-666666666666"
#define SID(n) "sighting--bbbbbbbb-0000-4000-8000-00000000000" #n
#define POISON SID(9)

/* put_many refusing any batch that holds POISON, as a store error would:
 * nothing of that call is written. */
static const struct yg_store_sighting_ops *real_sightings;
static size_t put_calls;

static int poisoned_put_many(struct yg_store *st, const struct yg_sighting_in *in, size_t n,
                             int *ret_results)
{
	put_calls++;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(in[i].stix_id, POISON))
			return -EIO;
	return real_sightings->put_many(st, in, n, ret_results);
}

struct batch_case {
	int64_t org;
	char *body;
	int status;
	int accepted, duplicates, rejected;
};

/* POSTs of paths[i] with bodies[i] as organization orgs[i], n <= 16, as
 * one batch through yg_hub_handle_batch_on; the caller releases resps. */
static void post_batch(struct yg_hub *h, struct yg_store *st, const int64_t *orgs,
                       const char *const *paths, char *const *bodies, size_t n,
                       struct yg_resp *resps)
{
	struct yg_req reqs[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		reqs[i] = (struct yg_req){.method = "POST",
		                          .path = paths[i],
		                          .content_type = "application/json",
		                          .body = bodies[i],
		                          .body_len = strlen(bodies[i])};
		resps[i] = (struct yg_resp){0};
	}
	assert_int_equal(yg_hub_handle_batch_on(h, st, orgs, reqs, resps, n), 0);
}

/* The cases through yg_hub_handle_batch_on as one batch; each answer must
 * be what the case expects. */
static void run_batch(struct yg_hub *h, struct yg_store *st, struct batch_case *c, size_t n)
{
	int64_t orgs[16];
	const char *paths[16];
	char *bodies[16];
	struct yg_resp resps[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		orgs[i] = c[i].org;
		paths[i] = "/api/v1/sightings";
		bodies[i] = c[i].body;
	}
	post_batch(h, st, orgs, paths, bodies, n, resps);
	for (size_t i = 0; i < n; i++) {
		if (resps[i].status != c[i].status)
			fail_msg("message %zu: status %d, not %d", i, resps[i].status, c[i].status);
		if (c[i].status == 200) {
			json_t *j = json_loadb(resps[i].body, resps[i].len, 0, NULL);
			assert_non_null(j);
			assert_int_equal(json_integer_value(json_object_get(j, "accepted")),
			                 c[i].accepted);
			assert_int_equal(json_integer_value(json_object_get(j, "duplicates")),
			                 c[i].duplicates);
			assert_int_equal(json_array_size(json_object_get(j, "rejected")),
			                 c[i].rejected);
			json_decref(j);
		}
		yg_resp_release(&resps[i]);
	}
}

static int64_t total(struct yg_hub *h, const char *auth, const char *ind)
{
	char path[160];
	json_t *j;
	snprintf(path, sizeof path, "/api/v1/indicators/%s/sightings", ind);
	assert_int_equal(call(h, "GET", path, auth, NULL, NULL, NULL, 0, &j, NULL), 200);
	int64_t n = json_integer_value(json_object_get(j, "count"));
	json_decref(j);
	return n;
}

/* A batch of reports (the NATS consumer's) answers each as its POST alone
 * would and stores each sighting once; when the batch's write fails, the
 * others are still stored once and only the failing report fails. */
static void batch_each_once(void **state)
{
	(void)state;
	struct yg_hub *h = hub_open(30);
	publish(h, IND_B, GREEN, "198.51.100.5");
	publish(h, IND_BS, STRICT, "198.51.100.6");
	const char *t0 = "2026-01-01T00:00:00Z", *t1 = "2026-01-02T00:00:00Z";
	json_t *j;
	char *pre = bundle(IND_B, SID(1), NULL, 4, t0, t1);
	assert_int_equal(call(h, "POST", "/api/v1/sightings", auth_b, "application/json", pre, NULL,
	                      0, &j, NULL),
	                 200);
	json_decref(j);
	struct yg_store *st;
	assert_int_equal(yg_hub_store_open(h, &st), 0);
	struct batch_case c[] = {
	    {org_b, bundle(IND_B, SID(2), ident_b, 2, t0, t1), 200, 1, 0, 0},
	    {org_b, strdup("not json"), 400, 0, 0, 0},
	    {org_b, bundle(IND_B, SID(1), NULL, 4, t0, t1), 200, 0, 1, 0}, /* stored before */
	    {org_b, bundle(IND_B, SID(2), NULL, 2, t0, t1), 200, 0, 1,
	     0}, /* earlier in the batch */
	    {org_a, bundle(IND_B, SID(2), NULL, 2, t0, t1), 200, 0, 0, 1}, /* beta's id */
	    {999999, bundle(IND_B, SID(3), NULL, 1, t0, t1), 403, 0, 0, 0},
	    /* alpha sees its AMBER+STRICT indicator, beta does not: the
	     * batch's visibility answers are per organization. */
	    {org_a, bundle(IND_BS, SID(4), NULL, 1, t0, t1), 200, 1, 0, 0},
	    {org_b, bundle(IND_BS, SID(5), NULL, 1, t0, t1), 200, 0, 0, 1},
	};
	int64_t audits0 = 0, audits = 0;
	assert_int_equal(st->ops->audit_count(st, &audits0), 0);
	run_batch(h, st, c, sizeof c / sizeof c[0]);
	/* One audit row per report that stored something. */
	assert_int_equal(st->ops->audit_count(st, &audits), 0);
	assert_int_equal(audits, audits0 + 2);
	assert_int_equal(total(h, auth_admin, IND_B), 4 + 2);
	assert_int_equal(total(h, auth_a, IND_BS), 1);

	/* One report of the next batch fails in the store: the batch's write
	 * is undone, and each report goes again alone. */
	real_sightings = st->ops->sightings;
	struct yg_store_sighting_ops sops = *st->ops->sightings;
	sops.put_many = poisoned_put_many;
	struct yg_store_ops ops = *st->ops;
	ops.sightings = &sops;
	const struct yg_store_ops *real = st->ops;
	st->ops = &ops;
	put_calls = 0;
	struct batch_case d[] = {
	    {org_b, bundle(IND_B, SID(6), NULL, 3, t0, t1), 200, 1, 0, 0},
	    {org_b, bundle(IND_B, POISON, NULL, 100, t0, t1), 500, 0, 0, 0},
	    {org_a, bundle(IND_B, SID(7), NULL, 5, t0, t1), 200, 1, 0, 0},
	    {org_b, bundle(IND_B, SID(2), NULL, 2, t0, t1), 200, 0, 1, 0},
	};
	run_batch(h, st, d, sizeof d / sizeof d[0]);
	st->ops = real;
	assert_int_equal(put_calls, 1 + 4); /* the batch, then each alone */
	assert_int_equal(total(h, auth_admin, IND_B), 4 + 2 + 3 + 5);
	assert_int_equal(st->ops->audit_count(st, &audits0), 0);
	assert_int_equal(audits0, audits + 2);
	st->ops->close(st);
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		free(c[i].body);
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		free(d[i].body);
	free(pre);
	yg_hub_free(h);
}

/* host_evidence and window_put failing for one report, as a store error
 * would, so its whole batch's write is undone. */
static const struct yg_store_host_ops *real_hosts;
static const struct yg_store_darknet_ops *real_darknet;

static int poisoned_evidence(struct yg_store *st, const struct yg_host_evidence_in *ev,
                             int64_t *ret_host_id, bool *ret_added)
{
	if (!strcmp(ev->key, "10.1.0.9"))
		return -EIO;
	return real_hosts->host_evidence(st, ev, ret_host_id, ret_added);
}

static int poisoned_window(struct yg_store *st, int64_t org_id, const struct yg_dn_window *w)
{
	if (!strcmp(w->sensor, "poison"))
		return -EIO;
	return real_darknet->window_put(st, org_id, w);
}

static char *beacons(const char *host)
{
	char *b = NULL;
	assert_true(
	    asprintf(&b,
	             "{\"sensor\": \"edge\", \"beacons\": [{\"host\": \"%s\", \"dest\": "
	             "\"192.0.2.1\", \"dst_port\": 443, \"proto\": \"tcp\", \"interval_s\": 60, "
	             "\"count\": 24, \"score\": 0.95, \"first_seen\": \"2026-01-01T00:00:00Z\", "
	             "\"last_seen\": \"2026-01-01T01:00:00Z\"}]}",
	             host) > 0);
	return b;
}

/* A window of minutes_back minutes ago (the hub keeps a week of them). */
static char *window(const char *sensor, int minutes_back)
{
	time_t t = time(NULL) / 60 * 60 - minutes_back * 60;
	struct tm tm;
	char start[32];
	gmtime_r(&t, &tm);
	strftime(start, sizeof start, "%Y-%m-%dT%H:%M:00Z", &tm);
	char *b = NULL;
	assert_true(
	    asprintf(&b,
	             "{\"sensor\": \"%s\", \"telescope_addresses\": 65536, \"window_start\": "
	             "\"%s\", \"window_seconds\": 60, \"ports\": [{\"proto\": \"tcp\", \"port\": "
	             "23, \"packets\": 5, \"sources\": 1, \"new_sources\": 1}], \"sources\": [], "
	             "\"victims\": []}",
	             sensor, start) > 0);
	return b;
}

struct report_case {
	const char *path;
	char *body;
	int status;
	const char *key; /* a field of the answer and its value; NULL: none */
	json_int_t value;
};

static void run_reports(struct yg_hub *h, struct yg_store *st, struct report_case *c, size_t n)
{
	int64_t orgs[16];
	const char *paths[16];
	char *bodies[16];
	struct yg_resp resps[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		orgs[i] = org_b;
		paths[i] = c[i].path;
		bodies[i] = c[i].body;
	}
	post_batch(h, st, orgs, paths, bodies, n, resps);
	for (size_t i = 0; i < n; i++) {
		if (resps[i].status != c[i].status)
			fail_msg("report %zu: status %d, not %d", i, resps[i].status, c[i].status);
		if (c[i].key) {
			json_t *j = json_loadb(resps[i].body, resps[i].len, 0, NULL);
			assert_non_null(j);
			json_t *v = json_object_get(j, c[i].key);
			json_int_t got =
			    json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
			if (got != c[i].value)
				fail_msg("report %zu: %s %lld, not %lld", i, c[i].key,
				         (long long)got, (long long)c[i].value);
			json_decref(j);
		}
		yg_resp_release(&resps[i]);
		free(c[i].body);
	}
}

#define BEACONS "/api/v1/beacons"
#define DARKNET "/api/v1/darknet"

/* Beacon and telescope reports in one batch (the NATS consumer's): a
 * report sent twice, in the same batch or a later one, counts once; when
 * the batch's write fails each goes again alone, and only the failing
 * one fails. */
static void batch_beacons_windows_once(void **state)
{
	(void)state;
	struct yg_hub *h = hub_open(30);
	struct yg_store *st;
	assert_int_equal(yg_hub_store_open(h, &st), 0);
	struct report_case c[] = {
	    {BEACONS, beacons("10.1.0.1"), 200, "evidence", 1},
	    {BEACONS, beacons("10.1.0.1"), 200, "evidence", 0},
	    {BEACONS, strdup("not json"), 400, NULL, 0},
	    {BEACONS, beacons("10.1.0.2"), 200, "evidence", 1},
	    {DARKNET, window("tele", 3), 200, "stored", 1},
	    {DARKNET, window("tele", 3), 200, "duplicate", 1},
	    {DARKNET, window("tele", 2), 200, "stored", 1},
	};
	run_reports(h, st, c, sizeof c / sizeof c[0]);

	real_hosts = st->ops->hosts;
	real_darknet = st->ops->darknet;
	struct yg_store_host_ops hops = *st->ops->hosts;
	struct yg_store_darknet_ops dops = *st->ops->darknet;
	hops.host_evidence = poisoned_evidence;
	dops.window_put = poisoned_window;
	struct yg_store_ops ops = *st->ops;
	ops.hosts = &hops;
	ops.darknet = &dops;
	const struct yg_store_ops *real = st->ops;
	st->ops = &ops;
	struct report_case d[] = {
	    {BEACONS, beacons("10.1.0.3"), 200, "evidence", 1},
	    {BEACONS, beacons("10.1.0.9"), 500, NULL, 0},
	    {BEACONS, beacons("10.1.0.2"), 200, "evidence", 0},
	    {DARKNET, window("tele", 1), 200, "stored", 1},
	    {DARKNET, window("poison", 1), 500, NULL, 0},
	    {DARKNET, window("tele", 2), 200, "duplicate", 1},
	};
	run_reports(h, st, d, sizeof d / sizeof d[0]);
	st->ops = real;
	/* What the fallback stored, it stored once. */
	struct report_case e[] = {
	    {BEACONS, beacons("10.1.0.3"), 200, "evidence", 0},
	    {DARKNET, window("tele", 1), 200, "duplicate", 1},
	};
	run_reports(h, st, e, sizeof e / sizeof e[0]);
	st->ops->close(st);
	yg_hub_free(h);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(batch_beacons_windows_once),
	    cmocka_unit_test(score_math),
	    cmocka_unit_test(routes),
	    cmocka_unit_test(store_outcomes),
	    cmocka_unit_test(post_and_aggregate),
	    cmocka_unit_test(feed_reset_then_hold),
	    cmocka_unit_test(reset_pages_then_removes),
	    cmocka_unit_test(batch_each_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
