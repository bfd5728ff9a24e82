/*
 * Playbook actions (see level.h): what each kind does when the engine's
 * thread runs it, and the queue of due actions with its retries. The parameters were fixed when the level was entered
 * (yg_level_action_params), so a retry an hour later sends the same
 * notice, and the audit log shows exactly what was asked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include <pthread.h>

#include "level/level-int.h"
#include "level/playbook.h"

#define WEBHOOK_TIMEOUT_S 10

json_t *yg_level_action_params(const struct yg_level_action *a, const json_t *notice)
{
	json_t *p = NULL;
	switch (a->kind) {
	case YG_LEVEL_ACT_DECAY:
		p = json_pack("{s:f}", "factor", a->number);
		break;
	case YG_LEVEL_ACT_EXPORT_MODE:
		p = json_pack("{s:s}", "mode", a->text);
		break;
	case YG_LEVEL_ACT_POLL:
		p = json_pack("{s:i}", "seconds", (json_int_t)a->number);
		break;
	case YG_LEVEL_ACT_WEBHOOK:
		p = json_pack("{s:s, s:O}", "url", a->text, "notice", notice);
		break;
	case YG_LEVEL_ACT_REPORT:
		p = json_pack("{s:s, s:O}", "tlp", a->text, "notice", notice);
		break;
	default:
		break;
	}
	return p;
}

static enum yg_tlp tlp_of(const char *s)
{
	if (s && !strcmp(s, "clear"))
		return YG_TLP_CLEAR;
	if (s && !strcmp(s, "amber"))
		return YG_TLP_AMBER;
	return YG_TLP_GREEN;
}

int yg_level_action_run(const struct yg_level_hooks *hooks, struct yg_store *st,
			const char *kind, const json_t *params, json_t **ret_result, char *err,
			size_t errlen)
{
	int r = -ENOTSUP;
	err[0] = '\0';
	*ret_result = NULL;
	if (!strcmp(kind, "decay")) {
		double f = json_number_value(json_object_get(params, "factor"));
		r = hooks->decay ? hooks->decay(hooks->ud, f) : -ENOTSUP;
		if (r == 0)
			*ret_result = json_pack("{s:f}", "decay_factor", f);
	} else if (!strcmp(kind, "export_mode")) {
		const char *m = json_string_value(json_object_get(params, "mode"));
		bool block = m && !strcmp(m, "block");
		r = hooks->export_mode ? hooks->export_mode(hooks->ud, block) : -ENOTSUP;
		if (r == 0)
			*ret_result = json_pack("{s:s}", "export_mode", block ? "block" : "alert");
	} else if (!strcmp(kind, "poll_interval")) {
		json_int_t s = json_integer_value(json_object_get(params, "seconds"));
		r = hooks->poll_interval ? hooks->poll_interval(hooks->ud, (unsigned)s) : -ENOTSUP;
		if (r == 0)
			*ret_result = json_pack("{s:I}", "poll_interval_s", s);
	} else if (!strcmp(kind, "webhook")) {
		const char *url = json_string_value(json_object_get(params, "url"));
		char *body = json_dumps(json_object_get(params, "notice"), JSON_COMPACT);
		long status = 0;
		r = url && body ? yg_level_webhook_post(url, body, WEBHOOK_TIMEOUT_S, &status, err,
							errlen)
				: -EINVAL;
		free(body);
		*ret_result = json_pack("{s:i}", "http_status", (json_int_t)status);
	} else if (!strcmp(kind, "stix_report")) {
		char id[80] = "";
		const char *t = json_string_value(json_object_get(params, "tlp"));
		const json_t *n = json_object_get(params, "notice");
		int lv = (int)json_integer_value(json_object_get(n, "level"));
		r = hooks->publish_report
			? hooks->publish_report(hooks->ud, st, lv, n, tlp_of(t), id, err, errlen)
			: -ENOTSUP;
		if (r == 0)
			*ret_result = json_pack("{s:s}", "report", id);
	}
	if (r == -ENOTSUP && !err[0])
		snprintf(err, errlen, "the hub cannot run %s here", kind);
	else if (r < 0 && !err[0])
		snprintf(err, errlen, "%s", strerror(-r));
	return r;
}

/* ---- the queue (the engine's thread runs it) ---- */

struct due {
	int64_t id;
	char kind[32];
	char *params;
	int attempts;
};

struct due_list {
	struct due d[YG_LEVEL_DUE_BATCH];
	size_t n;
};

static int add_due(void *ud, const struct yg_level_action_row *a)
{
	struct due_list *dl = ud;
	if (dl->n == YG_LEVEL_DUE_BATCH)
		return 0;
	struct due *d = &dl->d[dl->n];
	d->id = a->id;
	snprintf(d->kind, sizeof d->kind, "%s", a->kind);
	d->params = strdup(a->params);
	d->attempts = a->attempts;
	if (!d->params)
		return -ENOMEM;
	dl->n++;
	return 1;
}

static void note_setting(struct yg_level *l, const char *kind, const json_t *params)
{
	if (!strcmp(kind, "decay"))
		l->decay_factor = json_number_value(json_object_get(params, "factor"));
	else if (!strcmp(kind, "export_mode"))
		l->block = json_string_value(json_object_get(params, "mode")) &&
			   !strcmp(json_string_value(json_object_get(params, "mode")), "block");
	else if (!strcmp(kind, "poll_interval"))
		l->poll_s = (unsigned)json_integer_value(json_object_get(params, "seconds"));
}

static void action_event(struct yg_level *l, const struct due *d, const char *state,
			 const char *err)
{
	if (!l->hooks.event)
		return;
	json_t *j = json_pack("{s:I, s:s, s:s, s:i, s:s}", "id", (json_int_t)d->id, "action",
			      d->kind, "state", state, "attempts", d->attempts + 1, "error",
			      err ? err : "");
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (t)
		l->hooks.event(l->hooks.ud, "level.action", t);
	free(t);
}

int yg_level_run_due(struct yg_level *l, int64_t now, size_t *ret_ran)
{
	struct due_list *dl = calloc(1, sizeof *dl);
	if (!dl)
		return -ENOMEM;
	pthread_mutex_lock(&l->lock);
	int r = l->st->ops->level->action_due(l->st, now, YG_LEVEL_DUE_BATCH, add_due, dl);
	pthread_mutex_unlock(&l->lock);
	size_t ran = 0;
	for (size_t i = 0; r == 0 && i < dl->n; i++) {
		struct due *d = &dl->d[i];
		json_t *params = json_loads(d->params, 0, NULL);
		json_t *result = NULL;
		char err[512] = "";
		bool local = strcmp(d->kind, "webhook") != 0;
		/* Only the webhook waits on the network: it runs unlocked. */
		if (local)
			pthread_mutex_lock(&l->lock);
		int ar = params ? yg_level_action_run(&l->hooks, l->st, d->kind, params, &result,
						      err, sizeof err)
				: -EINVAL;
		if (!local)
			pthread_mutex_lock(&l->lock);
		if (ar == 0)
			note_setting(l, d->kind, params);
		int attempts = d->attempts + 1;
		const char *state = ar == 0 ? "succeeded"
				    : (unsigned)attempts >= l->rules->retry_attempts ? "gave_up"
										  : "failed";
		double delay = l->rules->retry_base_s * pow(2.0, attempts - 1);
		if (delay > l->rules->retry_max_s)
			delay = l->rules->retry_max_s;
		char *rtext = result ? json_dumps(result, JSON_COMPACT) : NULL;
		r = l->st->ops->level->action_update(l->st, d->id, state, attempts,
						     yg_level_now_us() + (int64_t)(delay * 1e6),
						     ar == 0 ? "" : err, rtext ? rtext : "");
		if (r == 0 && ar == 0 && local)
			r = yg_level_save_state(l);
		action_event(l, d, state, ar == 0 ? NULL : err);
		pthread_mutex_unlock(&l->lock);
		free(rtext);
		json_decref(result);
		json_decref(params);
		ran++;
	}
	for (size_t i = 0; i < dl->n; i++)
		free(dl->d[i].params);
	free(dl);
	if (r == 0 && ret_ran)
		*ret_ran = ran;
	return r;
}
