/*
 * The alert level's audit log and the views of its state (see level.h):
 * every entry records who, when, why and the value of every signal at that
 * moment; members see the same log as admins, less the signals' sources'
 * details and the tokens' ids.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/ids.h"
#include "level/level-int.h"

#define HISTORY_MAX 500

/* {"name": value, ...}: the values every audit entry records. */
static json_t *signal_values(const struct yg_level_signals *s)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < s->n; i++)
		json_object_set_new(o, s->s[i].name, json_real(s->s[i].value));
	return o;
}

/* The signal values as of now, read for the log (errors leave them out). */
static json_t *values_now(struct yg_level *l)
{
	struct yg_level_signals *s = calloc(1, sizeof *s);
	json_t *v = NULL;
	if (s && yg_level_snapshot(l, yg_level_now_us(), s) == 0)
		v = signal_values(s);
	if (s)
		yg_level_signals_clear(s);
	free(s);
	return v ? v : json_object();
}

int yg_level_entry_add(struct yg_level *l, const struct entry_in *in, int64_t *ret_id)
{
	json_t *reasons = in->reasons ? json_incref(in->reasons) : json_array();
	json_t *d = json_pack("{s:o, s:o}", "reasons", reasons, "signals", values_now(l));
	if (d && in->extra)
		json_object_update(d, in->extra);
	char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	if (!detail)
		return -ENOMEM;
	struct yg_level_entry e = {
	    .time_us = yg_level_now_us(),
	    .kind = in->kind,
	    .from = in->from,
	    .to = in->to,
	    .proposal = in->proposal,
	    .actor_org = in->who ? in->who->org_id : 0,
	    .actor = in->who ? in->who->org : "rules",
	    .actor_token = in->who ? in->who->token : "",
	    .actor_role = in->who ? in->who->role : "",
	    .reason = in->reason ? in->reason : "",
	    .detail = detail,
	};
	int r = l->st->ops->level->entry_add(l->st, &e, ret_id);
	free(detail);
	return r;
}

/* A one-line summary of fired rules, for the reason column. */
void yg_level_summary(const json_t *reasons, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	size_t i;
	json_t *r;
	json_array_foreach(reasons, i, r)
	{
		int w = snprintf(out + used, n - used, "%s%s %s %g %s %g", i ? "; " : "",
				 json_string_value(json_object_get(r, "rule")),
				 json_string_value(json_object_get(r, "signal")),
				 json_number_value(json_object_get(r, "value")),
				 json_string_value(json_object_get(r, "op")),
				 json_number_value(json_object_get(r, "threshold")));
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	if (!out[0])
		snprintf(out, n, "no rule fired");
}

/* Drops "detail" from each reason (members see the rules and numbers,
 * admins also what the signal's source said). */
json_t *yg_level_reasons_view(const json_t *reasons, bool full)
{
	if (!reasons)
		return json_array();
	json_t *c = json_deep_copy(reasons);
	for (size_t i = 0; !full && i < json_array_size(c); i++)
		json_object_del(json_array_get(c, i), "detail");
	return c ? c : json_array();
}

struct act_ctx {
	json_t *arr;
	bool full;
};

static int add_action(void *ud, const struct yg_level_action_row *a)
{
	struct act_ctx *c = ud;
	json_t *params = json_loads(a->params, 0, NULL);
	json_t *result = a->result[0] ? json_loads(a->result, 0, NULL) : NULL;
	/* The notice is the transition itself; a webhook's URL (it may carry
	 * a key) is for operators only. */
	json_object_del(params, "notice");
	if (!c->full)
		json_object_del(params, "url");
	json_t *j = json_pack("{s:I, s:s, s:i, s:s, s:i, s:o, s:o, s:o, s:o}", "id",
			      (json_int_t)a->id, "action", a->kind, "level", a->level, "state",
			      a->state, "attempts", a->attempts, "params",
			      params ? params : json_object(), "result", result ? result : json_null(),
			      "updated", yg_level_time_json(a->updated_us), "next_try",
			      strcmp(a->state, "failed") && strcmp(a->state, "pending")
				  ? json_null()
				  : yg_level_time_json(a->next_try_us));
	if (j && a->last_error[0])
		json_object_set_new(j, "error", json_string(a->last_error));
	return j && json_array_append_new(c->arr, j) == 0 ? 1 : -ENOMEM;
}

json_t *yg_level_actions_of(struct yg_level *l, int64_t entry_id, bool full)
{
	struct act_ctx c = {json_array(), full};
	if (c.arr && l->st->ops->level->action_list(l->st, entry_id, add_action, &c) < 0) {
		json_decref(c.arr);
		return NULL;
	}
	return c.arr;
}

static json_t *levels_json(const struct yg_level *l)
{
	json_t *a = json_array();
	for (int i = YG_LEVEL_MIN; a && i <= YG_LEVEL_MAX; i++)
		json_array_append_new(a, json_pack("{s:i, s:s, s:s}", "level", i, "name",
						   l->rules->levels[i].name, "description",
						   l->rules->levels[i].description));
	return a;
}

static json_t *signals_json(const struct yg_level *l, bool full)
{
	json_t *a = json_array();
	int64_t now = yg_level_now_us();
	for (size_t i = 0; a && i < l->pushed.n; i++) {
		const struct yg_level_signal *s = &l->pushed.s[i];
		if (s->expires_us && s->expires_us <= now)
			continue;
		json_t *j = json_pack("{s:s, s:f, s:o, s:o}", "name", s->name, "value", s->value,
				      "set", yg_level_time_json(s->set_us), "expires", yg_level_time_json(s->expires_us));
		if (j && full && s->detail)
			json_object_set(j, "detail", s->detail);
		json_array_append_new(a, j);
	}
	return a;
}

json_t *yg_level_status_locked(struct yg_level *l, bool full)
{
	json_t *prop = json_null();
	if (l->prop.id) {
		bool two = l->two_person && l->prop.level == YG_LEVEL_MAX;
		prop = json_pack("{s:I, s:i, s:s, s:i, s:o, s:o, s:b, s:i, s:i}", "id",
				 (json_int_t)l->prop.id, "level", l->prop.level, "name",
				 yg_level_name_of(l, l->prop.level), "from", l->level, "time",
				 yg_level_time_json(l->prop.time_us), "reasons",
				 yg_level_reasons_view(l->prop.reasons, full), "manual", l->prop.manual,
				 "confirmations_needed", two ? 2 : 1, "confirmations",
				 l->prop.first_token[0] ? 1 : 0);
		if (prop && l->prop.first_token[0]) {
			json_object_set_new(prop, "first_confirmed_by", json_string(l->prop.first_org));
			if (full)
				json_object_set_new(prop, "first_token", json_string(l->prop.first_token));
		}
	}
	json_t *s = json_pack(
	    "{s:i, s:s, s:s, s:o, s:I, s:o, s:{s:i, s:s, s:o, s:o}, s:o, s:b, s:i, "
	    "s:{s:f, s:s, s:i}, s:o, s:o}",
	    "level", l->level, "name", yg_level_name_of(l, l->level), "description",
	    l->rules->levels[l->level].description, "since", yg_level_time_json(l->since_us), "entry",
	    (json_int_t)l->since_entry, "proposal", prop, "evaluated", "level", l->last_level,
	    "name", yg_level_name_of(l, l->last_level), "time", yg_level_time_json(l->last_eval_us), "reasons",
	    yg_level_reasons_view(l->last_reasons, full), "signals", signals_json(l, full), "two_person",
	    l->two_person, "confirm_from", l->rules->confirm_from, "settings", "decay_factor",
	    l->decay_factor, "export_mode", l->block ? "block" : "alert", "poll_interval_s",
	    (int)l->poll_s, "actions", l->since_entry ? yg_level_actions_of(l, l->since_entry, full) : json_array(),
	    "levels", levels_json(l));
	return s;
}

int yg_level_status(struct yg_level *l, bool full, json_t **ret)
{
	pthread_mutex_lock(&l->lock);
	json_t *s = yg_level_status_locked(l, full);
	pthread_mutex_unlock(&l->lock);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

struct hist_ctx {
	struct yg_level *l;
	json_t *arr;
	bool full;
};

static int add_entry(void *ud, const struct yg_level_entry *e)
{
	struct hist_ctx *c = ud;
	json_t *detail = json_loads(e->detail, 0, NULL);
	if (detail && !c->full) {
		json_t *r = yg_level_reasons_view(json_object_get(detail, "reasons"), false);
		json_object_set_new(detail, "reasons", r);
		json_object_del(detail, "first_token");
	}
	json_t *actor = json_pack("{s:s}", "org", e->actor);
	if (actor && e->actor_role[0])
		json_object_set_new(actor, "role", json_string(e->actor_role));
	if (actor && c->full && e->actor_token[0])
		json_object_set_new(actor, "token", json_string(e->actor_token));
	json_t *j = json_pack("{s:I, s:o, s:s, s:i, s:i, s:o, s:s, s:o}", "id", (json_int_t)e->id,
			      "time", yg_level_time_json(e->time_us), "kind", e->kind, "from", e->from, "to",
			      e->to, "actor", actor ? actor : json_null(), "reason", e->reason,
			      "detail", detail ? detail : json_object());
	if (j && e->proposal)
		json_object_set_new(j, "proposal", json_integer(e->proposal));
	if (j && (!strcmp(e->kind, "applied") || !strcmp(e->kind, "confirmed") ||
		  !strcmp(e->kind, "manual"))) {
		json_t *a = yg_level_actions_of(c->l, e->id, c->full);
		if (a && json_array_size(a))
			json_object_set_new(j, "actions", a);
		else
			json_decref(a);
	}
	return j && json_array_append_new(c->arr, j) == 0 ? 1 : -ENOMEM;
}

int yg_level_history(struct yg_level *l, int64_t before, size_t limit, bool full, json_t **ret)
{
	if (limit == 0 || limit > HISTORY_MAX)
		limit = HISTORY_MAX;
	struct hist_ctx c = {l, json_array(), full};
	if (!c.arr)
		return -ENOMEM;
	pthread_mutex_lock(&l->lock);
	int r = l->st->ops->level->entry_list(l->st, before, limit, add_entry, &c);
	pthread_mutex_unlock(&l->lock);
	if (r < 0) {
		json_decref(c.arr);
		return r;
	}
	*ret = json_pack("{s:o}", "history", c.arr);
	return *ret ? 0 : -ENOMEM;
}
