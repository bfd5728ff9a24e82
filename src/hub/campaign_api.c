/*
 * Campaigns and notifications under /api/v1/ (see mail_api.h): views are
 * built by src/correlate for the caller's organization, so other
 * organizations appear only as counts unless they allowed naming.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "correlate/correlate.h"
#include "hub/mail_api.h"
#include "hub/rest_reply.h"
#include "store/store_mail.h"

#define NOTIFY_LIST_MAX 500

struct list_ctx {
	struct yg_store *st;
	const struct yg_caller *who;
	json_t *arr;
};

static int add_view(void *ud, const struct yg_campaign *c)
{
	struct list_ctx *l = ud;
	json_t *v = NULL;
	int r = yg_corr_campaign_view(l->st, c->id, l->who->org_id, l->who->role == YG_ROLE_ADMIN,
				      false, &v);
	if (r == -ENOENT)
		return 1;
	if (r < 0)
		return r;
	return json_array_append_new(l->arr, v) ? -ENOMEM : 1;
}

void yg_campaign_api_list(struct yg_store *st, const struct yg_caller *who, struct yg_resp *resp)
{
	struct list_ctx l = {st, who, json_array()};
	/* The store preselects campaigns with a submission of the caller or a
	 * GREEN/CLEAR one; the view decides. */
	int r = l.arr ? st->ops->mail->campaign_list(st, who->org_id, YG_TLP_GREEN,
						     who->role == YG_ROLE_ADMIN, add_view, &l)
		      : -ENOMEM;
	if (r < 0) {
		json_decref(l.arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, json_pack("{s:o}", "campaigns", l.arr));
}

void yg_campaign_api_one(struct yg_store *st, const struct yg_caller *who, const char *id,
			 struct yg_resp *resp)
{
	struct yg_campaign c;
	json_t *v = NULL;
	int r = st->ops->mail->campaign_get(st, id, 0, &c);
	if (r == 0)
		r = yg_corr_campaign_view(st, c.id, who->org_id, who->role == YG_ROLE_ADMIN, true, &v);
	if (r == -ENOENT) {
		yg_rest_error(resp, 404, "not found", "no such campaign");
		return;
	}
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, v);
}

static int add_notification(void *ud, int64_t id, int64_t created_us, const char *json)
{
	(void)created_us;
	json_t *j = json_loads(json, 0, NULL);
	if (!j)
		return 1;
	json_object_set_new(j, "id", json_integer(id));
	return json_array_append_new(ud, j) ? -ENOMEM : 1;
}

void yg_campaign_api_notifications(struct yg_store *st, const struct yg_caller *who,
				   struct yg_resp *resp)
{
	json_t *arr = json_array();
	int r = arr ? st->ops->mail->notify_list(st, who->org_id, NOTIFY_LIST_MAX, add_notification,
						 arr)
		    : -ENOMEM;
	if (r < 0) {
		json_decref(arr);
		yg_rest_error(resp, 500, "store error", NULL);
		return;
	}
	yg_rest_json(resp, 200, json_pack("{s:o}", "notifications", arr));
}
