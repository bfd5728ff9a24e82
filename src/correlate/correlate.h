/*
 * Cross-member correlation of mail submissions into campaigns (issue 5).
 *
 * Every observable value of a sanitized report (anon.h has run) is indexed
 * once in the store (store_mail.h: value table + postings), so storage
 * grows with distinct values and occurrences, never with pairs. A new
 * submission joins every submission that shares a linking value with it:
 * one campaign per connected group (union; two campaigns merge when a
 * submission bridges them). Values on the warning list (big mail
 * providers, CDNs, URL shorteners, plus a configured file) are indexed but
 * never link by themselves. ssdeep digests also link when libfuzzy's
 * fuzzy_compare scores >= YG_CORR_SSDEEP_MIN: candidates come from an index
 * of (block size, 7-character window) keys, since fuzzy_compare scores 0
 * unless two digests share such a window at a comparable block size; at
 * most YG_CORR_SSDEEP_SCAN candidates are compared (never a full scan).
 *
 * Visibility (TLP 2.0, the rule of yg_tlp_visible in src/hub/tlp.h): a
 * submission is visible to its organization, to every member when CLEAR or
 * GREEN, to the organizations it names (directly or through a sharing
 * group) when AMBER or RED, and to the hub's admins. Campaign views and
 * notifications show other organizations only as counts, by name only when
 * that organization allowed naming.
 */
#ifndef YG_CORRELATE_CORRELATE_H
#define YG_CORRELATE_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mail/mail.h"
#include "store/store.h"
#include "store/store_mail.h"

#define YG_CORR_SSDEEP_MIN   60
#define YG_CORR_SSDEEP_SCAN  2000
#define YG_CORR_LINK_SCAN    1000 /* submissions read per shared value */
#define YG_CORR_MAX_OBS      4096 /* observables kept per submission */
#define YG_CORR_WARN_MAX     100000 /* warning-list entries */

enum yg_corr_type {
	YG_CORR_SENDER_ADDR = 1,
	YG_CORR_SENDER_DOMAIN,
	YG_CORR_SENDER_REGDOM,
	YG_CORR_SENDING_IP,
	YG_CORR_URL,
	YG_CORR_URL_DOMAIN,
	YG_CORR_MD5,
	YG_CORR_SHA1,
	YG_CORR_SHA256,
	YG_CORR_SSDEEP,
	YG_CORR_SUBJECT,
	YG_CORR_TYPE_MAX = YG_CORR_SUBJECT,
};

/* "sender-address", "sender-domain", "sender-registrable-domain",
 * "sending-ip", "url", "url-domain", "md5", "sha1", "sha256", "ssdeep",
 * "subject-template"; NULL for others. */
const char *yg_corr_type_name(int type);

/* Whether values of this type are indicators (actionable on a sensor):
 * addresses, domains, IPs, URLs, hashes; not ssdeep nor subjects. */
bool yg_corr_type_is_indicator(int type);

struct yg_corr_obs {
	int type;
	char *value;
	bool warning;
	int64_t ssdeep_bs; /* > 0 for ssdeep */
};

/* The warning list: built-in entries plus, when path is non-NULL and the
 * file exists, one value per line ('#' comments). Domains match themselves
 * and their subdomains; other values match exactly (case-insensitive). */
struct yg_corr_warn;
int yg_corr_warn_new(const char *path, struct yg_corr_warn **ret);
void yg_corr_warn_free(struct yg_corr_warn *w);
bool yg_corr_warn_has(const struct yg_corr_warn *w, int type, const char *value);

/* The subject as a template: lower-case, "re:"/"fw:"/"fwd:" prefixes
 * dropped, digit runs as "#", whitespace collapsed. NULL when nothing is
 * left. Caller frees. */
char *yg_corr_subject_template(const char *subject);

/* The observables of a sanitized report, deduplicated; values holding an
 * anonymization placeholder (but for subject templates, where
 * "[recipient-name-#]" stands for any recipient), values that are not
 * UTF-8 and internal IPs are left out. Caller frees with yg_corr_obs_free. */
int yg_corr_extract(const struct yg_mail_report *r, const struct yg_corr_warn *w,
		    struct yg_corr_obs **ret, size_t *ret_n);
void yg_corr_obs_free(struct yg_corr_obs *o, size_t n);

/* The indicators among them as a JSON array of {"type", "value"}
 * (warning-list values left out). Caller decrefs. */
json_t *yg_corr_indicators_json(const struct yg_corr_obs *o, size_t n);

/* The STIX 2.1 pattern of an indicator value ("[url:value = '...']",
 * quotes and backslashes escaped), or NULL for types that are no
 * indicators or on out-of-memory. Caller frees. */
char *yg_corr_stix_pattern(int type, const char *value);

/* The lookup keys of an ssdeep digest "bs:chunk:chunk2": every
 * 7-character window of chunk under bs and of chunk2 under 2*bs, after runs
 * of more than three equal characters are cut to three as fuzzy_compare
 * does. Sorted and distinct; returns how many (0 for a malformed digest). */
size_t yg_corr_ssdeep_grams(const char *digest, int64_t *out, size_t max);

struct yg_corr_result {
	int64_t campaign;      /* 0: linked to nothing */
	char campaign_id[64];  /* STIX id, "" when none */
	size_t linked;         /* other submissions it shares values with */
	size_t orgs;           /* organizations in the campaign now */
	bool spread;           /* the campaign reached a new organization count >= 2 */
};

/* Indexes submission sub_id's observables and links it (see above); when
 * the campaign spread, stores one notification per affected organization.
 * Runs inside the caller's transaction. */
int yg_corr_submit(struct yg_store *st, int64_t sub_id, const struct yg_corr_obs *o, size_t n,
		   struct yg_corr_result *ret);

/* Whether viewer (admin: a hub operator) may see a submission; the share
 * targets count through s->viewer_named, which must be for this viewer. */
bool yg_corr_sub_visible(const struct yg_mail_sub *s, int64_t viewer_org, bool admin);

/* A campaign as viewer may see it, or -ENOENT when it sees no submission
 * of it (and is no admin). Without full, shared_values and objects are
 * left empty (listings: one query per campaign, none per submission):
 *   {"id", "campaign": STIX campaign, "organizations": n, "submissions": n,
 *    "named_organizations": [names that allowed naming, the viewer's own
 *    included], "your_submissions": [uuid], "visible_submissions": [uuid],
 *    "shared_values": [{"type", "value", "submissions": n}],
 *    "objects": [campaign, indicator..., email-message..., relationship...]}
 * shared_values are the linking values carried by >= 2 submissions of which
 * at least one is visible to viewer. Caller decrefs *ret. */
int yg_corr_campaign_view(struct yg_store *st, int64_t campaign, int64_t viewer_org, bool admin,
			  bool full, json_t **ret);

#endif
