/*
 * The hub's mail path on outside bytes: the input is the body of
 * POST /api/v1/mail from member alpha (analysis, anonymization with its own
 * domain and a PII pattern, sealing, the store, correlation, notifications);
 * then member beta lists campaigns and notifications and alpha reads its
 * notifications, so whatever was stored is also served. The first byte
 * picks the TLP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/auth.h"
#include "hub/hub.h"
#include "store/store.h"
#include "store/store_mail.h"

static struct yg_hub *hub;
static char dir[] = "/tmp/yg-fuzz-mail-XXXXXX";
static char auth_a[80], auth_b[80];

static void cleanup(void)
{
	yg_hub_free(hub);
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm", "mail.key"};
	for (size_t i = 0; i < 4; i++) {
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
	struct yg_org a, b;
	if (yg_store_sqlite_open(dir, &st) < 0 || yg_hub_bootstrap(st, NULL, NULL) < 0 ||
	    yg_hub_org_add(st, "alpha", "energy", NULL, &a) < 0 ||
	    yg_hub_org_add(st, "beta", "rail", "JP", &b) < 0 ||
	    st->ops->mail->org_domain_add(st, a.id, "corp.example") < 0 ||
	    st->ops->mail->pii_add(st, "EMP-[0-9]{6}") < 0)
		abort();
	token_for(st, a.id, auth_a, sizeof auth_a);
	token_for(st, b.id, auth_b, sizeof auth_b);
	yg_store_close(st);
	struct yg_hub_config cfg = {.data_dir = dir, .threads = 1, .max_body = 1 << 20,
				    .cache_mb = -1};
	if (yg_hub_new(&cfg, &hub) < 0)
		abort();
	atexit(cleanup);
}

static void request(const char *method, const char *path, const char *auth,
		    const char *tlp, const char *body, size_t len)
{
	struct yg_req req = {.method = method, .path = path, .accept = "application/json",
			     .content_type = body ? "message/rfc822" : NULL,
			     .authorization = auth, .body = body, .body_len = len};
	if (tlp) {
		req.args[0] = (struct yg_kv){"tlp", tlp};
		req.n_args = 1;
	}
	struct yg_resp resp = {0};
	yg_hub_handle(hub, &req, &resp);
	if (resp.status < 200 || resp.status > 599 || resp.status == 500)
		abort();
	/* The PII pattern never survives into what beta reads. */
	for (size_t i = 0; auth == auth_b && resp.body && i + 10 <= resp.len; i++) {
		if (memcmp(resp.body + i, "EMP-", 4))
			continue;
		size_t d = 0;
		while (d < 6 && resp.body[i + 4 + d] >= '0' && resp.body[i + 4 + d] <= '9')
			d++;
		if (d == 6)
			abort();
	}
	yg_resp_release(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red", NULL};
	if (!hub)
		setup();
	if (size < 1 || size > (1 << 20))
		return 0;
	request("POST", "/api/v1/mail", auth_a, tlps[data[0] % 6], (const char *)data + 1, size - 1);
	request("GET", "/api/v1/campaigns", auth_b, NULL, NULL, 0);
	request("GET", "/api/v1/notifications", auth_b, NULL, NULL, 0);
	request("GET", "/api/v1/notifications", auth_a, NULL, NULL, 0);
	return 0;
}
