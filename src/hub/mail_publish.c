/*
 * The indicators of a mail submission published as STIX 2.1 indicators in
 * the hub's default collection, so TAXII clients, exports and sensors get
 * them like any shared indicator (see mail_api.h).
 *
 * Each carries the submission's TLP marking, the hub's identity as
 * created_by_ref (stored anonymous: no member learns who received the
 * mail), x_yagura_mail_submission naming the submission, and an id made
 * from the submission and the value, so a retry never duplicates it.
 * An AMBER or RED submission's share targets (stored with it by sub_put)
 * go with each indicator, so a named organization's sensor gets it and
 * nobody else's does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "correlate/correlate.h"
#include "hub/ids.h"
#include "hub/mail_api.h"
#include "hub/tlp.h"
#include "store/store_mail.h"

#define PUBLISH_MAX 500 /* indicators published per submission */

static void indicator_id(const char *sub, int type, const char *value, char out[64])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char t[8];
	snprintf(t, sizeof t, "%d", type);
	if (!EVP_Digest(sub, strlen(sub), md, &n, EVP_sha256(), NULL))
		memset(md, 0, sizeof md);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) || !EVP_DigestUpdate(c, md, 16) ||
	    !EVP_DigestUpdate(c, t, strlen(t)) || !EVP_DigestUpdate(c, value, strlen(value)) ||
	    !EVP_DigestFinal_ex(c, md, &n))
		memset(md, 0, 16);
	EVP_MD_CTX_free(c);
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x40);
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80);
	snprintf(out, 64,
		 "indicator--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11],
		 md[12], md[13], md[14], md[15]);
}

int yg_mail_publish(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const char *sub_uuid, enum yg_tlp tlp, const struct yg_corr_obs *o, size_t n,
		    size_t *ret_n)
{
	struct yg_collection coll;
	int r = st->ops->collection_get(st, h->default_coll, &coll);
	if (r < 0)
		return r;
	/* The targets were resolved and stored by the submission; read back so
	 * the published objects can never disagree with it. */
	int64_t orgs[YG_STORE_LIST_MAX], groups[YG_STORE_LIST_MAX];
	size_t n_orgs = 0, n_groups = 0;
	if (yg_tlp_takes_recipients(tlp)) {
		struct yg_mail_sub sub = {0};
		r = st->ops->mail->sub_get(st, sub_uuid, 0, &sub);
		if (r == 0)
			r = st->ops->mail->sub_shares(st, sub.id, orgs, &n_orgs, groups, &n_groups);
		yg_mail_sub_release(&sub);
		if (r < 0)
			return r;
	}
	int64_t now_us = yg_now_us();
	char now[YG_TIME_US_LEN + 1];
	r = yg_time_format_us(now_us, now);
	size_t done = 0;
	for (size_t i = 0; r == 0 && i < n && done < PUBLISH_MAX; i++) {
		if (!yg_corr_type_is_indicator(o[i].type) || o[i].warning)
			continue;
		char *pat = yg_corr_stix_pattern(o[i].type, o[i].value);
		if (!pat)
			return -ENOMEM;
		char id[64], name[96];
		indicator_id(sub_uuid, o[i].type, o[i].value, id);
		snprintf(name, sizeof name, "%s from a submitted e-mail", yg_corr_type_name(o[i].type));
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s, s:[s],"
				      " s:s, s:[s]}",
				      "type", "indicator", "spec_version", "2.1", "id", id, "created",
				      now, "modified", now, "name", name, "description",
				      "Extracted by the hub from a phishing e-mail a member submitted",
				      "indicator_types", "malicious-activity", "pattern", pat,
				      "pattern_type", "stix", "valid_from", now, "labels", "yagura-mail",
				      "created_by_ref", h->identity, "object_marking_refs",
				      yg_tlp_marking_id(tlp));
		free(pat);
		if (j)
			json_object_set_new(j, "x_yagura_mail_submission", json_string(sub_uuid));
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (!text)
			return -ENOMEM;
		struct yg_obj_in in = {
			.collection = coll.id,
			.stix_id = id,
			.type = "indicator",
			.spec_version = "2.1",
			.modified = now,
			.modified_us = now_us,
			.tlp = tlp,
			.submitter_org = who->org_id,
			.anonymous = true,
			.json = text,
			.json_len = strlen(text),
			.share_orgs = orgs,
			.n_share_orgs = n_orgs,
			.share_groups = groups,
			.n_share_groups = n_groups,
		};
		int64_t added = 0;
		r = st->ops->obj_put(st, &in, &added);
		free(text);
		if (r > 0)
			r = 0;
		done += r == 0;
	}
	if (r == 0 && ret_n)
		*ret_n = done;
	return r;
}
