/*
 * The hub's side of TLS client certificates (hub.c, issue 21), without
 * TLS: requests carry the verdict and fingerprint the server would have
 * found (tls_peer.h). A bound certificate acts as its organization, with
 * the token cache (a revocation by another handle holds at the next
 * request); every refusal is 401 with its reason. Runs on SQLite and on
 * PostgreSQL (test_cert_auth-pg).
 */
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
#include <unistd.h>

#include "helpers/store_backend.h"
#include "hub/auth.h"
#include "hub/client_cert.h"
#include "hub/hub.h"
#include "store/store.h"
#include "store/store_certs.h"

static char dir[64];
static char auth_a[80], auth_b[80];
static uint8_t fp_a[32], fp_unbound[32];

static void token_for(struct yg_store *st, int64_t org, enum yg_role role, char *out)
{
	char tok[YG_TOKEN_HEX_LEN + 1], pub[YG_TOKEN_PUBID_LEN + 1];
	uint8_t hash[YG_TOKEN_HASH_LEN];
	assert_int_equal(yg_auth_token_new(tok, hash, pub), 0);
	assert_int_equal(st->ops->token_add(st, hash, pub, org, role, NULL), 0);
	snprintf(out, 80, "Bearer %s", tok);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-test-cert-XXXXXX");
	assert_non_null(mkdtemp(dir));
	struct yg_store *st;
	struct yg_org a, b;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	assert_int_equal(yg_hub_bootstrap(st, NULL, NULL), 0);
	assert_int_equal(yg_hub_org_add(st, "alpha", "energy", NULL, &a), 0);
	assert_int_equal(yg_hub_org_add(st, "beta", "rail", NULL, &b), 0);
	token_for(st, a.id, YG_ROLE_ANALYST, auth_a);
	token_for(st, b.id, YG_ROLE_ANALYST, auth_b);
	for (int i = 0; i < 32; i++) {
		fp_a[i] = (uint8_t)(0xa0 + i);
		fp_unbound[i] = (uint8_t)(0x10 + i);
	}
	char hex[YG_CERT_FP_HEX + 1];
	yg_cert_fp_hex(fp_a, hex);
	assert_int_equal(st->ops->certs->add(st, hex, a.id, YG_ROLE_SENSOR, "CN=s", 1, NULL), 0);
	yg_store_close(st);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	yg_test_store_drop(dir);
	return 0;
}

/* One GET; returns the status, *ret_desc the error description or the
 * whoami role, copied (caller frees). */
static int call(struct yg_hub *h, const char *path, enum yg_client_cert cert, const uint8_t *fp,
                const char *auth, char **ret_text, struct yg_resp *ret_resp)
{
	struct yg_req req = {
	    .method = "GET", .path = path, .authorization = auth, .client_cert = cert};
	if (fp)
		memcpy(req.client_cert_fp, fp, 32);
	struct yg_resp resp = {0};
	assert_int_equal(yg_hub_handle(h, &req, &resp), 0);
	json_t *j = resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	const char *t =
	    json_string_value(json_object_get(j, resp.status == 200 ? "role" : "description"));
	*ret_text = strdup(t ? t : "");
	json_decref(j);
	int status = resp.status;
	if (ret_resp)
		*ret_resp = resp;
	yg_resp_release(&resp);
	return status;
}

static void expect(struct yg_hub *h, const char *path, enum yg_client_cert cert, const uint8_t *fp,
                   const char *auth, int status, const char *text)
{
	char *got = NULL;
	assert_int_equal(call(h, path, cert, fp, auth, &got, NULL), status);
	if (!got || !strstr(got, text))
		fail_msg("%s: wanted '%s' in '%s'", path, text, got ? got : "(no body)");
	free(got);
}

static void certificates(void **state)
{
	(void)state;
	struct yg_hub *h;
	static char pg[1024];
	struct yg_hub_config cfg = {.data_dir = dir,
	                            .pg = yg_test_store_pg(dir, pg, sizeof pg),
	                            .threads = 1,
	                            .decay_half_life_days = 30,
	                            .decay_threshold = 10};
	assert_int_equal(yg_hub_new(&cfg, &h), 0);
	const char *who = "/api/v1/whoami";

	/* Bound: acts as alpha's sensor, with the fingerprint as its key. */
	char *text = NULL;
	struct yg_resp r;
	assert_int_equal(call(h, who, YG_CLIENT_CERT_OK, fp_a, NULL, &text, &r), 200);
	assert_string_equal(text, "sensor");
	free(text);
	uint64_t key;
	memcpy(&key, fp_a, sizeof key);
	assert_true(r.token_key == key);
	assert_string_equal(r.org_name, "alpha");
	expect(h, who, YG_CLIENT_CERT_OK, fp_a, NULL, 200, "sensor"); /* cached */
	expect(h, who, YG_CLIENT_CERT_OK, fp_a, auth_a, 200, "analyst");

	/* Refusals and their reasons. */
	expect(h, who, YG_CLIENT_CERT_OK, fp_a, auth_b, 401, "different organizations");
	expect(h, who, YG_CLIENT_CERT_OK, fp_unbound, NULL, 401, "not bound");
	expect(h, who, YG_CLIENT_CERT_UNTRUSTED, fp_a, NULL, 401,
	       "not issued by the hub's client CA");
	expect(h, who, YG_CLIENT_CERT_EXPIRED, fp_a, auth_a, 401, "has expired");
	expect(h, who, YG_CLIENT_CERT_NOT_YET, fp_a, NULL, 401, "not valid yet");
	expect(h, who, YG_CLIENT_CERT_INVALID, fp_a, NULL, 401, "cannot be verified");
	expect(h, "/taxii2/", YG_CLIENT_CERT_EXPIRED, fp_a, NULL, 401, "has expired");
	expect(h, who, YG_CLIENT_CERT_OK, fp_a, "Bearer nope", 401, "unknown or revoked");
	expect(h, who, YG_CLIENT_CERT_NONE, NULL, NULL, 401, "a token is required");
	expect(h, "/taxii2/", YG_CLIENT_CERT_NONE, NULL, NULL, 200, "");

	/* Revoked through another handle (the admin CLI): refused at once. */
	struct yg_store *st;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	char hex[YG_CERT_FP_HEX + 1];
	yg_cert_fp_hex(fp_a, hex);
	assert_int_equal(st->ops->certs->revoke(st, hex, NULL), 0);
	yg_store_close(st);
	expect(h, who, YG_CLIENT_CERT_OK, fp_a, NULL, 401, "binding is revoked");
	expect(h, who, YG_CLIENT_CERT_OK, fp_a, auth_a, 401, "binding is revoked");
	expect(h, who, YG_CLIENT_CERT_NONE, NULL, auth_a, 200, "analyst");
	yg_hub_free(h);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(certificates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
