/*
 * Private to src/level: running one playbook action (playbook.c) and the
 * webhook POST it may need (webhook.c).
 */
#ifndef YG_LEVEL_PLAYBOOK_H
#define YG_LEVEL_PLAYBOOK_H

#include <stddef.h>

#include <jansson.h>

#include "level/level.h"

/* POSTs body (JSON text) to url; 0 for a 2xx answer, else -EIO with the
 * reason in err. *ret_status is the HTTP status (0 when none came). */
int yg_level_webhook_post(const char *url, const char *body, unsigned timeout_s,
                          long *ret_status, char *err, size_t errlen);

/* The parameters stored with a queued action: the action's own fields and
 * "notice", what was entered (level, name, description, previous, time,
 * reasons). Caller decrefs. */
json_t *yg_level_action_params(const struct yg_level_action *a, const json_t *notice);

/* Runs one stored action. Settings actions call the hooks; the webhook
 * posts; the report calls publish_report with st (the caller holds what
 * guards st). *ret_result (caller decrefs, may be set on failure too)
 * says what happened. Returns 0 or a negative errno with err filled. */
int yg_level_action_run(const struct yg_level_hooks *hooks, struct yg_store *st,
                        const char *kind, const json_t *params, json_t **ret_result, char *err,
                        size_t errlen);

#endif
