/*
 * What one organization may see of a campaign, as JSON and STIX 2.1
 * (campaign, indicator, email-message, relationship), and the stored
 * notifications built from the same view (see correlate.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "correlate/correlate-int.h"

#define VIEW_SUBS_MAX 1000

bool yg_corr_sub_visible(const struct yg_mail_sub *s, int64_t viewer_org, bool admin)
{
	/* AMBER+STRICT never reaches a share target, as in yg_tlp_visible. */
	bool named = s->viewer_named && (s->tlp == YG_TLP_AMBER || s->tlp == YG_TLP_RED);
	return admin || (viewer_org && s->org_id == viewer_org) ||
	       (viewer_org && (s->tlp <= YG_TLP_GREEN || named)) || s->tlp == YG_TLP_CLEAR;
}

static void ts(int64_t us, char out[64])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((us / 1000) % 1000));
}

/* A stable id from text (the same value gives the same indicator). */
static void det_id(const char *type, const char *a, const char *b, char out[64])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
		  EVP_DigestUpdate(c, a, strlen(a)) && EVP_DigestUpdate(c, "\n", 1) &&
		  EVP_DigestUpdate(c, b, strlen(b)) && EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	if (!ok)
		memset(md, 0, 16);
	yg_corr_uuid_format(md, type, out);
}

char *yg_corr_stix_pattern(int type, const char *v)
{
	const char *path;
	switch (type) {
	case YG_CORR_SENDER_ADDR: path = "email-addr:value"; break;
	case YG_CORR_SENDER_DOMAIN:
	case YG_CORR_SENDER_REGDOM:
	case YG_CORR_URL_DOMAIN: {
		uint8_t b[4];
		path = strchr(v, ':')                     ? "ipv6-addr:value"
		       : inet_pton(AF_INET, v, b) == 1 ? "ipv4-addr:value"
						       : "domain-name:value";
		break;
	}
	case YG_CORR_SENDING_IP: path = strchr(v, ':') ? "ipv6-addr:value" : "ipv4-addr:value"; break;
	case YG_CORR_URL: path = "url:value"; break;
	case YG_CORR_MD5: path = "file:hashes.MD5"; break;
	case YG_CORR_SHA1: path = "file:hashes.'SHA-1'"; break;
	case YG_CORR_SHA256: path = "file:hashes.'SHA-256'"; break;
	default: return NULL;
	}
	size_t n = strlen(v), pn = strlen(path);
	char *out = malloc(pn + 2 * n + 16);
	if (!out)
		return NULL;
	size_t o = 0;
	out[o++] = '[';
	memcpy(out + o, path, pn);
	o += pn;
	memcpy(out + o, " = '", 4);
	o += 4;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\'' || v[i] == '\\')
			out[o++] = '\\';
		out[o++] = v[i];
	}
	memcpy(out + o, "']", 3);
	return out;
}

struct sub_row {
	int64_t id, org;
	enum yg_tlp tlp;
	char uuid[37];
	bool visible;
};

struct view {
	struct sub_row *subs;
	size_t n_subs, cap_subs;
	int64_t viewer;
	bool admin;
	json_t *shared;
	json_t *objects;
	const char *campaign_id;
	const char *created;
};

static int sub_row_add(void *ud, const struct yg_mail_sub *m)
{
	struct view *v = ud;
	if (v->n_subs >= VIEW_SUBS_MAX)
		return 0;
	if (v->n_subs == v->cap_subs) {
		size_t nc = v->cap_subs ? v->cap_subs * 2 : 16;
		struct sub_row *p = realloc(v->subs, nc * sizeof *p);
		if (!p)
			return -ENOMEM;
		v->subs = p;
		v->cap_subs = nc;
	}
	struct sub_row *s = &v->subs[v->n_subs++];
	s->id = m->id;
	s->org = m->org_id;
	s->tlp = m->tlp;
	memcpy(s->uuid, m->uuid, sizeof s->uuid);
	s->visible = yg_corr_sub_visible(m, v->viewer, v->admin);
	return 1;
}

static int shared_add(void *ud, const struct yg_corr_value_row *row)
{
	struct view *v = ud;
	if (row->warning)
		return 1;
	const char *tn = yg_corr_type_name(row->type);
	if (!tn)
		return 1;
	json_t *j = json_pack("{s:s, s:s, s:I}", "type", tn, "value", row->value, "submissions",
			      (json_int_t)row->n_subs);
	if (!j || json_array_append_new(v->shared, j))
		return -ENOMEM;
	char *pat = yg_corr_stix_pattern(row->type, row->value);
	if (!pat)
		return 1;
	char ind[64], rel[64];
	det_id("indicator", tn, row->value, ind);
	det_id("relationship", ind, v->campaign_id, rel);
	json_t *i = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "type",
			      "indicator", "spec_version", "2.1", "id", ind, "created", v->created,
			      "modified", v->created, "name", row->value, "pattern", pat,
			      "pattern_type", "stix", "valid_from", v->created, "indicator_types",
			      "malicious-activity");
	json_t *rl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "relationship",
			       "spec_version", "2.1", "id", rel, "created", v->created, "modified",
			       v->created, "relationship_type", "indicates", "source_ref", ind,
			       "target_ref", v->campaign_id);
	free(pat);
	if (!i || !rl || json_array_append_new(v->objects, i) ||
	    json_array_append_new(v->objects, rl)) {
		json_decref(rl);
		return -ENOMEM;
	}
	return 1;
}

int yg_corr_campaign_view(struct yg_store *st, int64_t campaign, int64_t viewer_org, bool admin,
			  bool full, json_t **ret)
{
	const struct yg_store_mail_ops *m = st->ops->mail;
	struct yg_campaign c;
	struct view v = {.viewer = viewer_org, .admin = admin};
	json_t *out = NULL, *named = NULL, *mine = NULL, *visible = NULL;
	int r = m->campaign_get(st, NULL, campaign, &c);
	if (r == 0)
		r = m->sub_list_campaign(st, campaign, viewer_org, sub_row_add, &v);
	if (r < 0)
		goto out;
	size_t n_visible = 0;
	for (size_t i = 0; i < v.n_subs; i++)
		n_visible += v.subs[i].visible;
	if (!admin && n_visible == 0) {
		r = -ENOENT;
		goto out;
	}
	char created[64], modified[64];
	ts(c.created_us, created);
	ts(c.modified_us, modified);
	v.campaign_id = c.stix_id;
	v.created = created;
	v.shared = json_array();
	v.objects = json_array();
	named = json_array();
	mine = json_array();
	visible = json_array();
	if (!v.shared || !v.objects || !named || !mine || !visible) {
		r = -ENOMEM;
		goto out;
	}
	/* Organizations: counted; named when they allowed it (or are the viewer). */
	int64_t orgs[VIEW_SUBS_MAX];
	size_t n_orgs = 0;
	for (size_t i = 0; i < v.n_subs; i++) {
		bool seen = false;
		for (size_t k = 0; k < n_orgs; k++)
			seen |= orgs[k] == v.subs[i].org;
		if (!seen)
			orgs[n_orgs++] = v.subs[i].org;
	}
	for (size_t k = 0; r == 0 && k < n_orgs; k++) {
		bool allow = false;
		struct yg_org o;
		r = m->org_naming_get(st, orgs[k], &allow);
		if (r == 0 && (allow || orgs[k] == viewer_org)) {
			r = st->ops->org_get(st, orgs[k], &o);
			if (r == 0)
				r = json_array_append_new(named, json_string(o.name)) ? -ENOMEM : 0;
		}
	}
	char name[64];
	snprintf(name, sizeof name, "yagura mail campaign %.8s", c.stix_id + 10);
	json_t *cj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "campaign",
			       "spec_version", "2.1", "id", c.stix_id, "created", created, "modified",
			       modified, "name", name, "description",
			       "E-mails submitted by several members that share infrastructure "
			       "or attachments",
			       "first_seen", created, "last_seen", modified);
	if (!cj || json_array_append_new(v.objects, cj)) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; r == 0 && i < v.n_subs; i++) {
		if (!v.subs[i].visible)
			continue;
		if (v.subs[i].org == viewer_org &&
		    json_array_append_new(mine, json_string(v.subs[i].uuid)))
			r = -ENOMEM;
		if (r == 0 && json_array_append_new(visible, json_string(v.subs[i].uuid)))
			r = -ENOMEM;
		if (!full)
			continue;
		char em[64], rel[64];
		det_id("email-message", "submission", v.subs[i].uuid, em);
		det_id("relationship", c.stix_id, em, rel);
		json_t *e = json_pack("{s:s, s:s, s:s, s:b, s:s}", "type", "email-message",
				      "spec_version", "2.1", "id", em, "is_multipart", 0,
				      "x_yagura_submission", v.subs[i].uuid);
		json_t *rl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
				       "relationship", "spec_version", "2.1", "id", rel, "created",
				       created, "modified", modified, "relationship_type",
				       "related-to", "source_ref", c.stix_id, "target_ref", em);
		if (r == 0 && (!e || !rl || json_array_append_new(v.objects, e) ||
			       json_array_append_new(v.objects, rl))) {
			json_decref(rl);
			r = -ENOMEM;
		}
	}
	if (r < 0)
		goto out;
	if (full)
		r = m->campaign_values(st, campaign, 2, viewer_org, admin, shared_add, &v);
	if (r < 0)
		goto out;
	out = json_pack("{s:s, s:O, s:I, s:I, s:O, s:O, s:O, s:O, s:O}", "id", c.stix_id,
			"campaign", cj, "organizations", (json_int_t)n_orgs, "submissions",
			(json_int_t)v.n_subs, "named_organizations", named, "your_submissions", mine,
			"visible_submissions", visible, "shared_values", v.shared, "objects",
			v.objects);
	r = out ? 0 : -ENOMEM;
out:
	json_decref(named);
	json_decref(mine);
	json_decref(visible);
	json_decref(v.shared);
	json_decref(v.objects);
	free(v.subs);
	if (r == 0)
		*ret = out;
	return r;
}

int yg_corr_notify_org(struct yg_store *st, int64_t campaign, int64_t org)
{
	json_t *view = NULL;
	int r = yg_corr_campaign_view(st, campaign, org, false, true, &view);
	if (r < 0)
		return r;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char created[64];
	ts((int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000, created);
	json_t *n = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "type", "campaign-spread",
			      "created", created, "campaign", json_object_get(view, "id"),
			      "organizations", json_object_get(view, "organizations"),
			      "named_organizations", json_object_get(view, "named_organizations"),
			      "your_submissions", json_object_get(view, "your_submissions"),
			      "shared_values", json_object_get(view, "shared_values"));
	char *text = n ? json_dumps(n, JSON_COMPACT) : NULL;
	r = text ? st->ops->mail->notify_add(st, org, text) : -ENOMEM;
	free(text);
	json_decref(n);
	json_decref(view);
	return r;
}
