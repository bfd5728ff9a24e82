/*
 * Playbook actions (see level.h): what each kind does when the engine's
 * thread runs it. The parameters were fixed when the level was entered
 * (yg_level_action_params), so a retry an hour later sends the same
 * notice, and the audit log shows exactly what was asked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
