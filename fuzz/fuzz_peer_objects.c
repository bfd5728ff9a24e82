/*
 * Objects arriving from a hostile peer (src/federation/ingest.h, rule.h).
 * The first byte picks the path: even, the peer POSTs the rest as a TAXII
 * envelope with its peer token (the push path); odd, the rest is an
 * objects page our pull read from it (yg_taxii_envelope_parse_any, then
 * yg_fed_ingest). Then, whatever was stored, checked behind the hub's back:
 *
 *   - nothing the peer sent is stored as another organization's, nor
 *     with a created_by_ref of the hub or of a member (alpha);
 *   - alpha's objects keep exactly their versions (no overwrite);
 *   - nothing the peer sent is AMBER+STRICT or RED;
 *   - its per-day sighting counts are stored as its, never reported by
 *     alpha or the hub;
 *   - what a second peer reads of the collection holds no AMBER+STRICT or
 *     RED object (alpha has one of each in it).
 *
 * The identities of alpha and of the hub are random per world, so an
 * input names them by stand-ins the harness swaps in: ALPHA_STANDIN and
 * HUB_STANDIN (same length as any identity id).
 */
#include "hub_fuzz_world.h"

#include "federation/ingest.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "federation/peer.h"
#include "taxii/answer.h"

#define TAXII         "application/taxii+json;version=2.1"
#define ALPHA_OBJ     "indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define ALPHA_STANDIN "identity--00000000-0000-4000-8000-0000000000a1"
#define HUB_STANDIN   "identity--00000000-0000-4000-8000-0000000000a0"

static char objects_path[128];
static char auth_peer[80], auth_peer2[80];
static struct yg_org alpha, peer, peer2;
static char hub_id[64];
static int64_t coll_id;

static int64_t snap_added; /* the newest added_us of the world as built */

static int64_t one_int(const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(hfw_db(), sql, -1, &s, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_int64(s, 1, snap_added);
	sqlite3_bind_int64(s, 2, peer.id);
	sqlite3_bind_text(s, 3, alpha.identity_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, hub_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, ALPHA_OBJ, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void post(const char *path, const char *auth, const char *body, size_t len)
{
	struct yg_req req = {.method = body ? "POST" : "GET",
	                     .path = path,
	                     .accept = TAXII,
	                     .content_type = body ? TAXII : NULL,
	                     .authorization = auth,
	                     .body = body,
	                     .body_len = len};
	struct yg_resp resp = {0};
	yg_hub_handle(hub, &req, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort();
	/* The second peer's reading: no AMBER+STRICT or RED ever leaves. */
	if (!body && resp.status == 200 && resp.body) {
		json_t *env = json_loadb(resp.body, resp.len, 0, NULL);
		size_t i;
		json_t *o;
		if (!env)
			abort();
		json_array_foreach(json_object_get(env, "objects"), i, o)
		{
			enum yg_tlp t;
			if (yg_tlp_of_object(o, &t) < 0 || t >= YG_TLP_AMBER_STRICT)
				abort();
		}
		json_decref(env);
	}
	yg_resp_release(&resp);
}

static void seed(struct yg_store *st, const char *id, const char *marking, const char *mod)
{
	char json[1024];
	snprintf(json, sizeof json,
	         "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":"
	         "\"2024-01-01T00:00:00.000Z\",\"modified\":\"%s\",\"pattern\":\"[ipv4-addr:value"
	         " = '198.51.100.7']\",\"pattern_type\":\"stix\",\"valid_from\":"
	         "\"2024-01-01T00:00:00Z\",\"object_marking_refs\":[\"%s\"]}",
	         id, mod, marking);
	enum yg_tlp t;
	yg_tlp_from_marking_id(marking, &t);
	int64_t us, added;
	yg_time_parse_us(mod, strlen(mod), &us);
	struct yg_obj_in in = {.collection = coll_id,
	                       .stix_id = id,
	                       .type = "indicator",
	                       .spec_version = "2.1",
	                       .modified = mod,
	                       .modified_us = us,
	                       .tlp = t,
	                       .submitter_org = alpha.id,
	                       .json = json,
	                       .json_len = strlen(json)};
	if (st->ops->obj_put(st, &in, &added) < 0)
		abort();
}

static void setup(void)
{
	char coll[37];
	struct yg_org beta;
	struct yg_store *st = hfw_store("peerobj", &alpha, &beta, coll);
	if (yg_hub_org_add(st, "hub-x", "federation", NULL, &peer) < 0 ||
	    yg_hub_org_add(st, "hub-y", "federation", NULL, &peer2) < 0)
		abort();
	hfw_token(st, peer.id, YG_ROLE_PEER, auth_peer, sizeof auth_peer);
	hfw_token(st, peer2.id, YG_ROLE_PEER, auth_peer2, sizeof auth_peer2);
	struct yg_collection c;
	if (st->ops->collection_get(st, coll, &c) < 0 || yg_hub_bootstrap(st, hub_id, NULL) < 0 ||
	    strlen(alpha.identity_id) != sizeof ALPHA_STANDIN - 1 ||
	    strlen(hub_id) != sizeof HUB_STANDIN - 1)
		abort();
	coll_id = c.id;
	seed(st, ALPHA_OBJ, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	     "2024-01-01T00:00:00.000Z");
	seed(st, "indicator--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
	     "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	     "2024-01-01T00:00:00.000Z");
	seed(st, "indicator--cccccccc-cccc-4ccc-8ccc-cccccccccccc",
	     "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	     "2024-01-01T00:00:00.000Z");
	snprintf(objects_path, sizeof objects_path, "/taxii2/api/collections/%s/objects/", coll);
	hfw_start(st, (struct yg_hub_config){0});
	hfw_hold();
	snap_added = 0;
	snap_added = one_int("SELECT max(added_us) + 0 * ?1 + 0 * ?2 + 0 * length(?3 || ?4 || ?5)"
	                     " FROM objects");
}

/* The pull path: a page read from the peer, stored as ours would be. */
static void pulled(const uint8_t *data, size_t size)
{
	struct yg_taxii_envelope env;
	char err[256];
	if (yg_taxii_envelope_parse_any(data, size, &env, err, sizeof err) < 0)
		return;
	struct yg_store *st = hub->stores[0];
	struct yg_fed_ctx ctx = {.self_id = hub_id, .peer_org = peer.id, .collection = coll_id};
	if (st->ops->tx_begin(st) < 0)
		abort();
	int r = 0;
	for (size_t i = 0; i < env.n && r >= 0; i++) {
		if (!env.v[i].object || !env.v[i].id || !env.v[i].modified)
			abort();
		char why[512];
		r = yg_fed_ingest(st, &ctx, env.v[i].object, why, sizeof why);
	}
	if (r < 0)
		st->ops->tx_rollback(st);
	else if (st->ops->tx_commit(st) < 0)
		abort();
	yg_taxii_envelope_release(&env);
}

static void check_store(void)
{
	/* Every row the input added: the peer's, never AMBER+STRICT or RED,
	 * never speaking for alpha or the hub. instr, not LIKE: LIKE ignores
	 * case, and "creatEd_by_ref" is some other property. */
	if (one_int("SELECT count(*) FROM objects WHERE added_us > ?1 AND (created_by_org IS NOT ?2"
	            " OR tlp >= 3 OR instr(json, '\"created_by_ref\":\"' || ?3 || '\"') > 0"
	            " OR instr(json, '\"created_by_ref\":\"' || ?4 || '\"') > 0)") != 0)
		abort();
	/* Sighting counts (federation/sight.h): the peer's, never reported
	 * as alpha or the hub. */
	if (one_int("SELECT count(*) + 0 * ?1 + 0 * length(?5) FROM sightings"
	            " WHERE org_id IS NOT ?2 OR reporter IN (?3, ?4)") != 0)
		abort();
	/* Alpha's object: still its one version. */
	if (one_int("SELECT count(*) + 0 * ?1 + 0 * ?2 + 0 * length(?3 || ?4) FROM objects"
	            " WHERE stix_id = ?5") != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!hub)
		setup();
	if (size < 1 || size > (1 << 20))
		return 0;
	uint8_t *in = malloc(size);
	if (!in)
		abort();
	memcpy(in, data, size);
	static const size_t idlen = sizeof ALPHA_STANDIN - 1;
	for (uint8_t *q = in;
	     (q = memmem(q, size - (size_t)(q - in),
	                 "identity--00000000-0000-4000-8000-0000000000a", idlen - 1)) &&
	     (size_t)(q - in) + idlen <= size;
	     q += idlen) {
		if (q[idlen - 1] == '1')
			memcpy(q, alpha.identity_id, idlen);
		else if (q[idlen - 1] == '0')
			memcpy(q, hub_id, idlen);
	}
	if (in[0] & 1)
		pulled(in + 1, size - 1);
	else
		post(objects_path, auth_peer, (const char *)in + 1, size - 1);
	free(in);
	if (hfw_changed()) {
		check_store();
		post(objects_path, auth_peer2, NULL, 0);
	}
	hfw_reset();
	return 0;
}
