/*
 * The store's mail half (issue 5): member mail settings (own domains, the
 * naming flag, PII patterns), mail submissions with their encrypted
 * original, the correlation index (one row per distinct observable value,
 * one posting per value and submission) and campaigns and notifications.
 *
 * Reached as st->ops->mail->fn(st, ...); same threading and error rules as
 * store.h. Nothing here encrypts, anonymizes or decides links: the blob
 * arrives sealed (src/hub/mail_seal.h), the report sanitized
 * (src/mail/anon.h), and src/correlate/ decides which submissions join.
 *
 * Storage of the index grows with distinct values plus occurrences, never
 * with pairs of submissions: a value is found by a 16-byte hash of its
 * type and text, and a posting is (value id, submission id).
 */
#ifndef YG_STORE_STORE_MAIL_H
#define YG_STORE_STORE_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_STORE_DOMAIN_MAX      253
#define YG_STORE_ORG_DOMAINS_MAX 64  /* own domains per organization */
#define YG_STORE_PII_MAX         32  /* PII patterns of the hub */
#define YG_STORE_PII_LEN_MAX     256 /* bytes of one pattern */
#define YG_STORE_VALUE_MAX       4096 /* bytes of one observable value */
#define YG_STORE_GRAMS_MAX       128  /* grams of one ssdeep digest */
#define YG_STORE_VALUES_BATCH    1024 /* values in one values_post/values_subs */

/* One submission as stored. Strings are malloc'ed (yg_mail_sub_release). */
struct yg_mail_sub {
	int64_t id;
	char uuid[37];
	int64_t org_id;
	enum yg_tlp tlp;
	int64_t created_us;
	int64_t campaign_id; /* 0: in no campaign */
	char *report;        /* sanitized report, JSON text */
	char *indicators;    /* JSON array text */
	/* Who an AMBER or RED submission is shared with (TLP 2.0 as in
	 * src/hub/tlp.h): read by sub_put only, borrowed for the call, at most
	 * YG_STORE_LIST_MAX of each (else -E2BIG); never filled on reads. */
	const int64_t *share_orgs;
	size_t n_share_orgs;
	const int64_t *share_groups;
	size_t n_share_groups;
	/* Filled by sub_list_campaign: the viewer it was given, or a group the
	 * viewer belongs to, is a share target. */
	bool viewer_named;
};

void yg_mail_sub_release(struct yg_mail_sub *s);

struct yg_campaign {
	int64_t id;
	char stix_id[64]; /* "campaign--<uuid>" */
	int64_t created_us;
	int64_t modified_us;
};

/* A value of the index with how many submissions carry it. */
struct yg_corr_value_row {
	int64_t id;
	int type;
	const char *value;
	bool warning;
	int64_t n_subs;
};

/* One value of a submission (values_post); value borrowed for the call. */
struct yg_store_value_in {
	int type;
	const char *value;
	bool warning;
	int64_t ssdeep_bs; /* > 0 for an ssdeep digest */
};

struct yg_store_mail_ops {
	/* Own domains of an organization (lower-case, at most
	 * YG_STORE_ORG_DOMAINS_MAX). Adding one twice is fine. */
	int (*org_domain_add)(struct yg_store *st, int64_t org, const char *domain);
	int (*org_domain_del)(struct yg_store *st, int64_t org, const char *domain);
	int (*org_domains)(struct yg_store *st, int64_t org,
			   int (*fn)(void *ud, const char *domain), void *ud);
	/* Whether an organization lets others see its name in campaigns and
	 * notifications (default: no). */
	int (*org_naming_set)(struct yg_store *st, int64_t org, bool allow);
	int (*org_naming_get)(struct yg_store *st, int64_t org, bool *ret);

	/* PII patterns (POSIX extended regex text; checked by the caller). */
	int (*pii_add)(struct yg_store *st, const char *pattern);
	int (*pii_del)(struct yg_store *st, const char *pattern);
	int (*pii_list)(struct yg_store *st, int (*fn)(void *ud, const char *pattern), void *ud);

	/* Stores a submission with its share targets (s->id, s->campaign_id
	 * and s->viewer_named are ignored); *ret_id gets its row id. blob is
	 * the sealed original. Several statements: call inside tx_begin/
	 * tx_commit so a failure leaves nothing half-stored. */
	int (*sub_put)(struct yg_store *st, const struct yg_mail_sub *s, const uint8_t *blob,
		       size_t blob_len, int64_t *ret_id);
	/* By uuid or (uuid NULL) by row id. Caller releases *ret. */
	int (*sub_get)(struct yg_store *st, const char *uuid, int64_t id, struct yg_mail_sub *ret);
	/* The sealed original; *ret malloc'ed, caller frees. */
	int (*sub_blob)(struct yg_store *st, int64_t id, uint8_t **ret, size_t *ret_len);
	/* Whether viewer_org, directly or through a group it belongs to, is a
	 * share target of submission sub_id (false for viewer_org 0). */
	int (*sub_named)(struct yg_store *st, int64_t sub_id, int64_t viewer_org, bool *ret);
	/* The share targets of a submission, each array of room
	 * YG_STORE_LIST_MAX; the counts are set on success. */
	int (*sub_shares)(struct yg_store *st, int64_t sub_id, int64_t *ret_orgs, size_t *ret_n_orgs,
			  int64_t *ret_groups, size_t *ret_n_groups);
	/* Submissions of a campaign in arrival order (report/indicators NULL;
	 * viewer_named for viewer_org, 0: nobody). */
	int (*sub_list_campaign)(struct yg_store *st, int64_t campaign, int64_t viewer_org,
				 int (*fn)(void *ud, const struct yg_mail_sub *s), void *ud);
	int (*sub_set_campaign)(struct yg_store *st, int64_t sub_id, int64_t campaign);

	/* The id of a value, added when new (then returns 1, else 0).
	 * ssdeep_bs > 0 records the value's ssdeep block size. */
	int (*value_intern)(struct yg_store *st, int type, const char *value, bool warning,
			    int64_t ssdeep_bs, int64_t *ret_id);
	int (*posting_add)(struct yg_store *st, int64_t value_id, int64_t sub_id);
	/* The submissions (id, organization, campaign id or 0) carrying a
	 * value, newest first, at most limit. */
	int (*value_subs)(struct yg_store *st, int64_t value_id, size_t limit,
			  int (*fn)(void *ud, int64_t sub_id, int64_t org, int64_t campaign),
			  void *ud);
	/* value_intern then posting_add (to sub_id) for n values at once, at
	 * most YG_STORE_VALUES_BATCH: a mail carries thousands, and on
	 * PostgreSQL this is one round trip instead of two per value.
	 * ret_ids[i] gets v[i]'s id, ret_fresh[i] whether this call added it
	 * (a value given twice is fresh at most once). */
	int (*values_post)(struct yg_store *st, int64_t sub_id, const struct yg_store_value_in *v,
			   size_t n, int64_t *ret_ids, bool *ret_fresh);
	/* value_subs for n values at once (at most YG_STORE_VALUES_BATCH), at
	 * most limit submissions per value; fn may hear a submission more
	 * than once. */
	int (*values_subs)(struct yg_store *st, const int64_t *ids, size_t n, size_t limit,
			   int (*fn)(void *ud, int64_t sub_id, int64_t org, int64_t campaign),
			   void *ud);
	/* Files an ssdeep value under its grams (keys of block size and
	 * 7-character window, made by src/correlate), at most
	 * YG_STORE_GRAMS_MAX. */
	int (*ssdeep_grams_add)(struct yg_store *st, int64_t value_id, const int64_t *grams,
				size_t n);
	/* The distinct ssdeep values sharing any of the grams, at most limit. */
	int (*ssdeep_candidates)(struct yg_store *st, const int64_t *grams, size_t n, size_t limit,
				 int (*fn)(void *ud, int64_t value_id, const char *digest),
				 void *ud);
	/* Values carried by at least min_subs submissions of a campaign, of
	 * which (unless all) at least one is visible to viewer_org: its own,
	 * TLP:CLEAR/GREEN, or AMBER/RED naming the viewer (correlate.h's rule
	 * for submissions). At most 1000, by type and value. */
	int (*campaign_values)(struct yg_store *st, int64_t campaign, int64_t min_subs,
			       int64_t viewer_org, bool all,
			       int (*fn)(void *ud, const struct yg_corr_value_row *v), void *ud);
	int (*value_count)(struct yg_store *st, int64_t *ret_values, int64_t *ret_postings);

	int (*campaign_new)(struct yg_store *st, const char *stix_id, int64_t *ret_id);
	/* Moves every submission of campaign from into campaign into and
	 * deletes from. */
	int (*campaign_merge)(struct yg_store *st, int64_t into, int64_t from);
	int (*campaign_touch)(struct yg_store *st, int64_t id);
	/* By stix id or (stix_id NULL) by row id. */
	int (*campaign_get)(struct yg_store *st, const char *stix_id, int64_t id,
			    struct yg_campaign *ret);
	/* Campaigns an organization has a submission in, or that hold a
	 * submission of TLP <= max_tlp or an AMBER/RED one naming it; newest
	 * first. */
	int (*campaign_list)(struct yg_store *st, int64_t org, enum yg_tlp max_tlp, bool all,
			     int (*fn)(void *ud, const struct yg_campaign *c), void *ud);

	int (*notify_add)(struct yg_store *st, int64_t org, const char *json);
	/* An organization's notifications, newest first, at most limit. */
	int (*notify_list)(struct yg_store *st, int64_t org, size_t limit,
			   int (*fn)(void *ud, int64_t id, int64_t created_us, const char *json),
			   void *ud);
};

#endif
