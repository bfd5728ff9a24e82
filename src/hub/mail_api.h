/*
 * The mail REST endpoints (issue 5), reached from rest.c:
 *
 *   POST /api/v1/mail[?tlp=clear|green|amber|amber+strict|red]
 *        body: one raw RFC 5322 message (Content-Type message/rfc822 or
 *        application/octet-stream), at most YG_HUB_MAIL_MAX bytes (413);
 *        roles admin, analyst, sensor. Analyzes (src/mail), anonymizes with
 *        the caller organization's own domains and the hub's PII patterns
 *        (mail/anon.h), seals the original (mail_seal.h), stores and
 *        correlates it (correlate/correlate.h) and publishes its
 *        indicators to the default collection (mail_publish.c), all in one
 *        transaction.
 *        201 {"submission", "tlp", "indicators": n, "campaign": id|null,
 *             "report": sanitized report}
 *        400 empty body or bad tlp, 415 other content type, 422 not an
 *        e-mail.
 *   GET  /api/v1/mail/<uuid>           sanitized report, indicators and
 *        campaign, when TLP lets the caller see it (else 404)
 *   GET  /api/v1/mail/<uuid>/original  the message as submitted, for the
 *        submitting organization and the hub's admins only (else 404)
 *   GET  /api/v1/campaigns             {"campaigns": [view]} (correlate.h;
 *        summaries: shared_values and objects only by id)
 *   GET  /api/v1/campaigns/<id>        one view, 404 when none is visible
 *   GET  /api/v1/notifications         {"notifications": [...]} of the
 *        caller's organization, newest first (at most 500)
 *
 * The hub's data directory holds mail.key (mail_seal.h) and, optionally,
 * mail-warnlist.txt (extra warning-list values, one a line).
 */
#ifndef YG_HUB_MAIL_API_H
#define YG_HUB_MAIL_API_H

#include <stdbool.h>

#include "hub/hub-int.h"

#define YG_HUB_MAIL_MAX (32u << 20)
#define YG_HUB_MAIL_WARNLIST "mail-warnlist.txt"

bool yg_mail_api_route(enum yg_route_kind kind);

/* Frees what the mail endpoints keep in h (its anonymizers); yg_hub_free. */
void yg_mail_api_release(struct yg_hub *h);

int yg_mail_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		       const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp);

/* mail_publish.c: the submission's indicators (not on the warning list)
 * as STIX indicators in the default collection, with its TLP, anonymous,
 * at most 500; inside the caller's transaction. *ret_n gets the count. */
struct yg_corr_obs;
int yg_mail_publish(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		    const char *sub_uuid, enum yg_tlp tlp, const struct yg_corr_obs *o, size_t n,
		    size_t *ret_n);

/* campaign_api.c */
void yg_campaign_api_list(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp);
void yg_campaign_api_one(struct yg_store *st, const struct yg_caller *who, const char *id,
			 struct yg_resp *resp);
void yg_campaign_api_notifications(struct yg_store *st, const struct yg_caller *who,
				   struct yg_resp *resp);

#endif
