/*
 * The hub's mail path on outside bytes: the input is the body of
 * POST /api/v1/mail from member alpha (analysis, anonymization with its own
 * domain and a PII pattern, sealing, the store, correlation, notifications);
 * then, when it stored anything, member beta lists campaigns and notifications and alpha reads its
 * notifications, so whatever was stored is also served. The first byte
 * picks the TLP (its low six bits); with its high bit set, the bytes up to
 * the next newline (at most 256) are a ?share= list of targets; with bit 6
 * set, the next such line is an X-Yagura-Share-With header.
 */
#include "hub_fuzz_world.h"
#include "hub/mail_seal.h"
#include "store/store_mail.h"

static char auth_a[80], auth_b[80];

static void setup(void)
{
	struct yg_org a, b;
	struct yg_store *st = hfw_store("mail", &a, &b, NULL);
	if (st->ops->mail->org_domain_add(st, a.id, "corp.example") < 0 ||
	    st->ops->mail->pii_add(st, "EMP-[0-9]{6}") < 0)
		abort();
	hfw_token(st, a.id, YG_ROLE_ANALYST, auth_a, sizeof auth_a);
	hfw_token(st, b.id, YG_ROLE_ANALYST, auth_b, sizeof auth_b);
	hfw_start(st, (struct yg_hub_config){0});
	/* The sealing key is a file beside the store, made by the first
	 * submission: made here, every input finds the same world. */
	uint8_t key[YG_MAIL_KEY_LEN];
	if (yg_mail_key_load(hfw_dir, key) < 0)
		abort();
	hfw_hold();
}

static void request(const char *method, const char *path, const char *auth,
		    const char *tlp, const char *share, const char *share_hdr, const char *body,
		    size_t len)
{
	struct yg_req req = {.method = method, .path = path, .accept = "application/json",
			     .content_type = body ? "message/rfc822" : NULL,
			     .authorization = auth, .share_with = share_hdr, .body = body,
			     .body_len = len};
	if (tlp)
		req.args[req.n_args++] = (struct yg_kv){"tlp", tlp};
	if (share)
		req.args[req.n_args++] = (struct yg_kv){"share", share};
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

/* Takes a line of at most 256 bytes at data[*off] into out (NUL-terminated)
 * and moves *off past its newline. NULL when there is no newline in reach
 * or the line holds a NUL, which neither a query value nor a header has. */
static const char *take_line(const uint8_t *data, size_t size, size_t *off, char out[257])
{
	size_t lim = size - *off < 256 ? size - *off : 256;
	const uint8_t *nl = memchr(data + *off, '\n', lim);
	if (!nl)
		return NULL;
	size_t n = (size_t)(nl - (data + *off));
	memcpy(out, data + *off, n);
	out[n] = '\0';
	*off += n + 1;
	return strlen(out) == n ? out : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red", NULL};
	if (!hub)
		setup();
	if (size < 1 || size > (1 << 20))
		return 0;
	char share[257], hdr[257];
	const char *sh = NULL, *sw = NULL;
	size_t off = 1;
	if (data[0] & 0x80)
		sh = take_line(data, size, &off, share);
	if (data[0] & 0x40)
		sw = take_line(data, size, &off, hdr);
	request("POST", "/api/v1/mail", auth_a, tlps[(data[0] & 0x3f) % 6], sh, sw,
		(const char *)data + off, size - off);
	/* Only a stored submission has something new to serve. */
	if (hfw_changed()) {
		request("GET", "/api/v1/campaigns", auth_b, NULL, NULL, NULL, NULL, 0);
		request("GET", "/api/v1/notifications", auth_b, NULL, NULL, NULL, NULL, 0);
		request("GET", "/api/v1/notifications", auth_a, NULL, NULL, NULL, NULL, 0);
	}
	hfw_reset();
	return 0;
}
