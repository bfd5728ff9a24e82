/*
 * Mail submission and retrieval under /api/v1/mail (see mail_api.h).
 *
 * An AMBER or RED submission is shared like a TAXII object with
 * x_yagura_share_with: ?share=ORG,identity--...,group:NAME (repeatable,
 * comma lists) and the X-Yagura-Share-With header (the same syntax; the
 * union of both applies) name organizations by name or identity id and
 * sharing groups the caller owns or belongs to; other levels ignore them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "correlate/correlate.h"
#include "hub/ids.h"
#include "hub/mail_api.h"
#include "hub/mail_seal.h"
#include "hub/share.h"
#include "hub/tlp.h"
#include "hub/rest_reply.h"
#include "mail/anon.h"
#include "mail/mail.h"
#include "store/store_mail.h"

bool yg_mail_api_route(enum yg_route_kind kind)
{
	return kind >= YG_ROUTE_REST_MAIL && kind <= YG_ROUTE_REST_NOTIFICATIONS;
}

static int parse_tlp(const char *s, enum yg_tlp *ret)
{
	static const char *const names[] = {"clear", "green", "amber", "amber+strict", "red"};
	for (int i = 0; i <= YG_TLP_RED; i++)
		if (!strcasecmp(s, names[i]) ||
		    (!strncasecmp(s, "tlp:", 4) && !strcasecmp(s + 4, names[i]))) {
			*ret = (enum yg_tlp)i;
			return 0;
		}
	/* "amber strict": a '+' in a query string may arrive as a space. */
	if (!strcasecmp(s, "amber strict")) {
		*ret = YG_TLP_AMBER_STRICT;
		return 0;
	}
	return -EINVAL;
}

/* Adds the targets of one comma list; *n counts targets over every list
 * of the request, so the union stays within the store's list limit. On a
 * bad list -EINVAL with err set, naming the list by src. */
static int resolve_list(struct yg_store *st, const struct yg_caller *who, const char *src,
			const char *p, struct yg_share *sh, size_t *n, char *err, size_t errlen)
{
	while (*p) {
		p += strspn(p, " \t,");
		size_t len = strcspn(p, ",");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len)
			continue;
		if (++*n > YG_STORE_LIST_MAX) {
			snprintf(err, errlen, "%s: at most %d targets", src, YG_STORE_LIST_MAX);
			return -EINVAL;
		}
		char name[YG_STORE_NAME_MAX + 8];
		int r = -ENOENT;
		if (len < sizeof name) {
			memcpy(name, p, len);
			name[len] = '\0';
			r = yg_share_add(st, who, name, sh);
		}
		if (r == -ENOENT) {
			snprintf(err, errlen, "%s: no organization or group '%.*s' you may share with",
				 src, (int)(len > 100 ? 100 : len), p);
			return -EINVAL;
		}
		if (r < 0)
			return r;
		p += len;
		p += strspn(p, " \t");
	}
	return 0;
}

/* Resolves every ?share= list and the X-Yagura-Share-With header (for
 * clients that keep query strings short or out of logs): the union
 * applies. On a bad list -EINVAL with err set. */
static int resolve_sharing(struct yg_store *st, const struct yg_caller *who,
			   const struct yg_req *req, struct yg_share *sh, char *err, size_t errlen)
{
	memset(sh, 0, sizeof *sh);
	size_t n = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < req->n_args; i++)
		if (!strcmp(req->args[i].key, "share"))
			r = resolve_list(st, who, "share",
					 req->args[i].value ? req->args[i].value : "", sh, &n, err,
					 errlen);
	if (r == 0 && req->share_with)
		r = resolve_list(st, who, "X-Yagura-Share-With", req->share_with, sh, &n, err,
				 errlen);
	return r;
}

static bool content_type_ok(const char *ct)
{
	if (!ct)
		return true; /* curl --data-binary without -H sends its own; none is fine */
	size_t n = strcspn(ct, "; \t");
	return (n == 14 && !strncasecmp(ct, "message/rfc822", 14)) ||
	       (n == 24 && !strncasecmp(ct, "application/octet-stream", 24));
}

struct strs {
	char *v[YG_MAIL_ANON_MAX_PII > YG_MAIL_ANON_MAX_DOMAINS ? YG_MAIL_ANON_MAX_PII
								 : YG_MAIL_ANON_MAX_DOMAINS];
	size_t n;
};

static int strs_add(void *ud, const char *s)
{
	struct strs *l = ud;
	if (l->n == sizeof l->v / sizeof *l->v)
		return 0;
	return (l->v[l->n++] = strdup(s)) ? 1 : -ENOMEM;
}

static void strs_release(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

void yg_mail_api_release(struct yg_hub *h)
{
	for (size_t i = 0; i < YG_HUB_MAX_STORES; i++) {
		yg_mail_anon_free(h->anon[i].anon);
		free(h->anon[i].key);
		h->anon[i] = (struct yg_hub_anon_slot){0};
	}
}

/* The settings as one key: each string with its NUL, and an empty string
 * between the domains and the patterns (neither is ever empty), so two
 * different settings never give the same bytes. Caller frees. */
static char *settings_key(const struct strs *dom, const struct strs *pii, size_t *ret_len)
{
	size_t n = 1;
	for (size_t i = 0; i < dom->n; i++)
		n += strlen(dom->v[i]) + 1;
	for (size_t i = 0; i < pii->n; i++)
		n += strlen(pii->v[i]) + 1;
	char *k = malloc(n), *p = k;
	if (!k)
		return NULL;
	for (size_t i = 0; i < dom->n; i++)
		p = stpcpy(p, dom->v[i]) + 1;
	*p++ = '\0';
	for (size_t i = 0; i < pii->n; i++)
		p = stpcpy(p, pii->v[i]) + 1;
	*ret_len = n;
	return k;
}

/* The anonymizer for the caller's organization (its own domains and the
 * hub's PII patterns), borrowed: it stays owned by h. Building one costs
 * the needles of every domain form and a regcomp per pattern, so the
 * last one built on this store connection is kept, and reused while the
 * settings read from the store are the same bytes (an admin's change is
 * seen at the next submission). The caller holds st's lock, which guards
 * its slot. */
static int anon_for(struct yg_hub *h, struct yg_store *st, int64_t org,
		    const struct yg_mail_anon **ret)
{
	size_t slot = 0;
	while (slot < h->n_stores && h->stores[slot] != st)
		slot++;
	struct strs dom = {0}, pii = {0};
	char *key = NULL;
	size_t key_len = 0;
	int r = st->ops->mail->org_domains(st, org, strs_add, &dom);
	if (r == 0)
		r = st->ops->mail->pii_list(st, strs_add, &pii);
	if (r == 0)
		key = settings_key(&dom, &pii, &key_len);
	if (!key) {
		/* The store's errors are negative; anything else fails too. */
		r = r < 0 ? r : -ENOMEM;
		goto out;
	}
	/* A store not in h (none in the hub's own use) gets no slot. */
	struct yg_hub_anon_slot *s = slot < h->n_stores ? &h->anon[slot] : NULL;
	/* A slot holds an anonymizer and its key together, or neither. */
	if (s && s->anon && s->key && s->org_id == org && s->key_len == key_len &&
	    !memcmp(s->key, key, key_len)) {
		*ret = s->anon;
		goto out;
	}
	struct yg_mail_anon_cfg cfg = {(const char *const *)dom.v, dom.n,
				       (const char *const *)pii.v, pii.n};
	struct yg_mail_anon *a = NULL;
	r = yg_mail_anon_new(&cfg, &a);
	if (r < 0)
		goto out;
	if (!s) {
		r = -ENOENT;
		yg_mail_anon_free(a);
		goto out;
	}
	yg_mail_anon_free(s->anon);
	free(s->key);
	*s = (struct yg_hub_anon_slot){.org_id = org, .key = key, .key_len = key_len, .anon = a};
	key = NULL;
	*ret = a;
out:
	free(key);
	strs_release(&dom);
	strs_release(&pii);
	return r;
}

static void submit(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		   const struct yg_req *req, struct yg_resp *resp)
{
	if (who->role != YG_ROLE_ADMIN && who->role != YG_ROLE_ANALYST &&
	    who->role != YG_ROLE_SENSOR) {
		yg_rest_error(resp, 403, "forbidden", "submitting mail needs the admin, analyst or sensor role");
		return;
	}
	if (!content_type_ok(req->content_type)) {
		yg_rest_error(resp, 415, "unsupported media type",
		     "send the raw message as message/rfc822 or application/octet-stream");
		return;
	}
	enum yg_tlp tlp = YG_TLP_AMBER;
	for (size_t i = 0; i < req->n_args; i++) {
		if (strcmp(req->args[i].key, "tlp"))
			continue;
		if (!req->args[i].value || parse_tlp(req->args[i].value, &tlp) < 0) {
			yg_rest_error(resp, 400, "bad request",
			     "tlp must be clear, green, amber, amber+strict or red");
			return;
		}
	}
	if (req->body_len == 0) {
		yg_rest_error(resp, 400, "bad request", "the body is empty: send one raw e-mail message");
		return;
	}
	if (req->body_len > YG_HUB_MAIL_MAX) {
		yg_rest_error(resp, 413, "message too large", "a submitted message is at most 32 MiB");
		return;
	}
	/* Resolved only where TLP takes recipients: CLEAR/GREEN/AMBER+STRICT
	 * ignore the list, as TAXII does. Big (1.6 KiB of ids): on the heap,
	 * so it comes after the last early return (a too-large body leaked it). */
	struct yg_share *sh = NULL;
	if (yg_tlp_takes_recipients(tlp)) {
		char err[256];
		sh = malloc(sizeof *sh);
		int rs = sh ? resolve_sharing(st, who, req, sh, err, sizeof err) : -ENOMEM;
		if (rs < 0) {
			free(sh);
			if (rs == -EINVAL)
				yg_rest_error(resp, 400, "bad request", err);
			else
				yg_rest_error(resp, rs == -EBUSY ? 503 : 500, "submission failed", NULL);
			return;
		}
	}
	struct yg_mail_report *rep = NULL;
	const struct yg_mail_anon *anon = NULL; /* owned by h */
	struct yg_corr_warn *warn = NULL;
	struct yg_corr_obs *obs = NULL;
	size_t n_obs = 0;
	json_t *rj = NULL, *ind = NULL;
	char *rtext = NULL, *itext = NULL;
	uint8_t *blob = NULL, key[YG_MAIL_KEY_LEN];
	size_t blob_len = 0;
	bool tx = false;
	struct yg_mail_opts opts = {0};
	int r = yg_mail_analyze((const uint8_t *)req->body, req->body_len, &opts, &rep);
	if (r == -EBADMSG || r == -ENODATA) {
		yg_rest_error(resp, 422, "not an e-mail", "no RFC 5322 header could be read from the body");
		goto out;
	}
	if (r == -E2BIG) {
		yg_rest_error(resp, 413, "message too large", NULL);
		goto out;
	}
	if (r < 0)
		goto fail;
	r = anon_for(h, st, who->org_id, &anon);
	if (r == 0)
		r = yg_mail_anon_apply(anon, (const uint8_t *)req->body, req->body_len, rep);
	char wpath[4200];
	snprintf(wpath, sizeof wpath, "%s/%s", h->data_dir, YG_HUB_MAIL_WARNLIST);
	if (r == 0)
		r = yg_corr_warn_new(wpath, &warn);
	if (r == 0)
		r = yg_corr_extract(rep, warn, &obs, &n_obs);
	if (r < 0)
		goto fail;
	rj = yg_mail_report_json(rep);
	ind = yg_corr_indicators_json(obs, n_obs);
	if (!rj || !ind)
		goto fail;
	json_object_del(rj, "file");
	rtext = json_dumps(rj, JSON_COMPACT);
	itext = json_dumps(ind, JSON_COMPACT);
	struct yg_mail_sub sub = {.org_id = who->org_id, .tlp = tlp, .created_us = yg_now_us(),
				  .report = rtext, .indicators = itext};
	if (sh) {
		sub.share_orgs = sh->orgs;
		sub.n_share_orgs = sh->n_orgs;
		sub.share_groups = sh->groups;
		sub.n_share_groups = sh->n_groups;
	}
	r = rtext && itext ? yg_uuid4(sub.uuid) : -ENOMEM;
	if (r == 0)
		r = yg_mail_key_load(h->data_dir, key);
	if (r == 0)
		r = yg_mail_seal(key, sub.uuid, (const uint8_t *)req->body, req->body_len, &blob,
				 &blob_len);
	if (r < 0)
		goto fail;
	int64_t sub_id = 0;
	struct yg_corr_result res = {0};
	r = st->ops->tx_begin(st);
	tx = r == 0;
	if (r == 0)
		r = st->ops->mail->sub_put(st, &sub, blob, blob_len, &sub_id);
	if (r == 0)
		r = yg_corr_submit(st, sub_id, obs, n_obs, &res);
	size_t published = 0;
	if (r == 0)
		r = yg_mail_publish(h, st, who, sub.uuid, tlp, obs, n_obs, &published);
	if (r == 0)
		r = st->ops->audit(st, who->org_id, who->org_name, "mail.submit", sub.uuid);
	if (r == 0) {
		r = st->ops->tx_commit(st);
		tx = false;
	}
	if (r < 0)
		goto fail;
	json_t *out = json_pack("{s:s, s:s, s:I, s:o, s:O}", "submission", sub.uuid, "tlp",
				yg_tlp_name(tlp), "indicators", (json_int_t)json_array_size(ind),
				"campaign", res.campaign ? json_string(res.campaign_id) : json_null(),
				"report", rj);
	yg_rest_json(resp, 201, out);
	goto out;
fail:
	if (tx)
		st->ops->tx_rollback(st);
	yg_rest_error(resp, r == -EBUSY ? 503 : 500, "submission failed", NULL);
out:
	OPENSSL_cleanse(key, sizeof key);
	free(sh);
	free(blob);
	free(rtext);
	free(itext);
	json_decref(rj);
	json_decref(ind);
	yg_corr_obs_free(obs, n_obs);
	yg_corr_warn_free(warn);
	yg_mail_report_free(rep);
}

static void get_one(struct yg_store *st, const struct yg_caller *who, const char *uuid,
		    struct yg_resp *resp)
{
	struct yg_mail_sub sub = {0};
	int r = st->ops->mail->sub_get(st, uuid, 0, &sub);
	bool named = false;
	if (r == 0 && yg_tlp_takes_recipients(sub.tlp) && who->org_id != sub.org_id)
		r = st->ops->mail->sub_named(st, sub.id, who->org_id, &named);
	if (r == -ENOENT || (r == 0 && who->role != YG_ROLE_ADMIN &&
			     !yg_tlp_visible(sub.tlp, sub.org_id, named, who->org_id))) {
		yg_rest_error(resp, 404, "not found", "no such submission");
		goto out;
	}
	struct yg_campaign c = {0};
	if (r == 0 && sub.campaign_id)
		r = st->ops->mail->campaign_get(st, NULL, sub.campaign_id, &c);
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		goto out;
	}
	char created[YG_TIME_US_LEN + 1];
	if (yg_time_format_us(sub.created_us, created) < 0)
		created[0] = '\0';
	json_t *rep = json_loads(sub.report, 0, NULL);
	json_t *ind = json_loads(sub.indicators, 0, NULL);
	json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "submission", sub.uuid, "tlp",
			      yg_tlp_name(sub.tlp), "created", created, "yours",
			      sub.org_id == who->org_id, "campaign",
			      sub.campaign_id ? json_string(c.stix_id) : json_null(), "report",
			      rep ? rep : json_object(), "indicators", ind ? ind : json_array());
	yg_rest_json(resp, 200, j);
out:
	yg_mail_sub_release(&sub);
}

static void get_original(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			 const char *uuid, struct yg_resp *resp)
{
	struct yg_mail_sub sub = {0};
	uint8_t *blob = NULL, *plain = NULL, key[YG_MAIL_KEY_LEN];
	size_t blob_len = 0, plain_len = 0;
	int r = st->ops->mail->sub_get(st, uuid, 0, &sub);
	/* Others learn nothing, not even that the submission exists. */
	if (r == -ENOENT || (r == 0 && who->role != YG_ROLE_ADMIN && sub.org_id != who->org_id)) {
		yg_rest_error(resp, 404, "not found", "no such submission");
		goto out;
	}
	if (r == 0)
		r = st->ops->mail->sub_blob(st, sub.id, &blob, &blob_len);
	if (r == 0)
		r = yg_mail_key_load(h->data_dir, key);
	if (r == 0)
		r = yg_mail_unseal(key, sub.uuid, blob, blob_len, &plain, &plain_len);
	OPENSSL_cleanse(key, sizeof key);
	if (r < 0) {
		yg_rest_error(resp, 500, "original unavailable", NULL);
		goto out;
	}
	yg_resp_release(resp);
	resp->body = (char *)plain;
	resp->len = plain_len;
	resp->status = 200;
	resp->content_type = "message/rfc822";
	st->ops->audit(st, who->org_id, who->org_name, "mail.original", sub.uuid);
out:
	free(blob);
	yg_mail_sub_release(&sub);
}

int yg_mail_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		       const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	bool post = rt->kind == YG_ROUTE_REST_MAIL;
	if (!yg_rest_method(req, resp, post ? "POST" : "GET"))
		return 0;
	if (!post && rt->kind != YG_ROUTE_REST_MAIL_ORIGINAL && !yg_rest_accepts(req, resp))
		return 0;
	switch (rt->kind) {
	case YG_ROUTE_REST_MAIL:
		submit(h, st, who, req, resp);
		break;
	case YG_ROUTE_REST_MAIL_ONE:
		get_one(st, who, rt->uuid, resp);
		break;
	case YG_ROUTE_REST_MAIL_ORIGINAL:
		get_original(h, st, who, rt->uuid, resp);
		break;
	case YG_ROUTE_REST_CAMPAIGNS:
		yg_campaign_api_list(st, who, resp);
		break;
	case YG_ROUTE_REST_CAMPAIGN:
		yg_campaign_api_one(st, who, rt->object_id, resp);
		break;
	case YG_ROUTE_REST_NOTIFICATIONS:
		yg_campaign_api_notifications(st, who, resp);
		break;
	default:
		yg_rest_error(resp, 404, "not found", "no such resource");
		break;
	}
	return 0;
}
