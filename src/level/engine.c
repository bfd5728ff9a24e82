/*
 * The alert-level engine (see level.h): state, signals, transitions and
 * the thread that evaluates and runs playbook actions. The audit log and
 * the views are in audit.c, the actions in playbook.c.
 *
 * Why one mutex over everything: transitions are rare (minutes apart) and
 * each must see the state the previous one left, so serializing them is
 * the point, not a cost. Only the webhook, which waits on the network,
 * runs outside it.
 *
 * Why the state lives in the store as one JSON row: the hub restarts with
 * the level, the waiting proposal and the settings in force, and a reader
 * of hub.db sees them without knowing a schema of ours.
 *
 * Every transition writes its audit entry first and then changes memory,
 * so the log never lacks a change that happened.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hub/ids.h"
#include "level/level-int.h"
#include "level/playbook.h"


int64_t yg_level_now_us(void)
{
	return yg_now_us();
}

const char *yg_level_name_of(const struct yg_level *l, int lv)
{
	return lv >= YG_LEVEL_MIN && lv <= YG_LEVEL_MAX ? l->rules->levels[lv].name : "?";
}

json_t *yg_level_time_json(int64_t us)
{
	char t[YG_TIME_US_LEN + 1];
	return yg_time_format_us(us, t) == 0 ? json_string(t) : json_null();
}

/* ---- state in the store ---- */

int yg_level_save_state(struct yg_level *l)
{
	json_t *p = json_null();
	if (l->prop.id)
		p = json_pack("{s:I, s:i, s:I, s:O, s:b, s:s, s:s}", "id", (json_int_t)l->prop.id,
			      "level", l->prop.level, "time_us", (json_int_t)l->prop.time_us,
			      "reasons", l->prop.reasons ? l->prop.reasons : json_null(), "manual",
			      l->prop.manual, "first_token", l->prop.first_token, "first_org",
			      l->prop.first_org);
	json_t *j = json_pack("{s:i, s:I, s:I, s:o, s:i, s:b, s:f, s:b, s:i}", "level", l->level,
			      "since_us", (json_int_t)l->since_us, "since_entry",
			      (json_int_t)l->since_entry, "proposal", p, "rejected_level",
			      l->rejected_level, "two_person", l->two_person, "decay_factor",
			      l->decay_factor, "block", l->block, "poll_s", (int)l->poll_s);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	int r = text ? l->st->ops->level->state_put(l->st, text) : -ENOMEM;
	free(text);
	return r;
}

static void load_state(struct yg_level *l)
{
	char *text = NULL;
	if (l->st->ops->level->state_get(l->st, &text) < 0)
		return;
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	if (!j)
		return;
	int lv = (int)json_integer_value(json_object_get(j, "level"));
	if (lv >= YG_LEVEL_MIN && lv <= YG_LEVEL_MAX)
		l->level = lv;
	l->since_us = json_integer_value(json_object_get(j, "since_us"));
	l->since_entry = json_integer_value(json_object_get(j, "since_entry"));
	l->rejected_level = (int)json_integer_value(json_object_get(j, "rejected_level"));
	if (json_object_get(j, "two_person"))
		l->two_person = json_is_true(json_object_get(j, "two_person"));
	double f = json_number_value(json_object_get(j, "decay_factor"));
	l->decay_factor = f >= 1 ? f : 1;
	l->block = json_is_true(json_object_get(j, "block"));
	l->poll_s = (unsigned)json_integer_value(json_object_get(j, "poll_s"));
	json_t *p = json_object_get(j, "proposal");
	int plv = (int)json_integer_value(json_object_get(p, "level"));
	if (json_is_object(p) && plv >= YG_LEVEL_MIN && plv <= YG_LEVEL_MAX) {
		l->prop.id = json_integer_value(json_object_get(p, "id"));
		l->prop.level = plv;
		l->prop.time_us = json_integer_value(json_object_get(p, "time_us"));
		l->prop.reasons = json_incref(json_object_get(p, "reasons"));
		l->prop.manual = json_is_true(json_object_get(p, "manual"));
		snprintf(l->prop.first_token, sizeof l->prop.first_token, "%s",
			 json_string_value(json_object_get(p, "first_token"))
			     ? json_string_value(json_object_get(p, "first_token"))
			     : "");
		snprintf(l->prop.first_org, sizeof l->prop.first_org, "%s",
			 json_string_value(json_object_get(p, "first_org"))
			     ? json_string_value(json_object_get(p, "first_org"))
			     : "");
	}
	json_decref(j);
}

static int load_signal(void *ud, const char *name, double value, const char *detail,
		       int64_t set_us, int64_t expires_us)
{
	struct yg_level *l = ud;
	json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
	int r = yg_level_signals_put(&l->pushed, name, value, d, set_us, expires_us);
	return r == -ENOMEM ? r : 1;
}

/* ---- signals ---- */

struct sector_sum {
	const struct yg_level_rules *rules;
	int64_t total;
	json_t *by_sector;
};

static int add_sector(void *ud, const char *sector, int64_t count)
{
	struct sector_sum *s = ud;
	for (size_t i = 0; i < s->rules->n_critical; i++)
		if (!strcasecmp(sector, s->rules->critical_sectors[i])) {
			s->total += count;
			json_object_set_new(s->by_sector, sector, json_integer(count));
			break;
		}
	return 1;
}

/* The pushed signals and those the store gives, as of now. */
int yg_level_snapshot(struct yg_level *l, int64_t now, struct yg_level_signals *ret)
{
	for (size_t i = 0; i < l->pushed.n; i++) {
		const struct yg_level_signal *s = &l->pushed.s[i];
		if (s->expires_us && s->expires_us <= now)
			continue;
		int r = yg_level_signals_put(ret, s->name, s->value, json_incref(s->detail),
					     s->set_us, s->expires_us);
		if (r < 0)
			return r;
	}
	const struct yg_store_level_ops *ops = l->st->ops->level;
	struct yg_level_spread sp;
	int r = ops->campaign_spread(l->st, now - (int64_t)l->rules->campaign_window_h * 3600000000,
				     &sp);
	if (r < 0)
		return r;
	if (sp.campaigns) {
		yg_level_signals_put(ret, "campaign.organizations", (double)sp.max_orgs,
				     json_pack("{s:s}", "campaign", sp.orgs_campaign), now, 0);
		yg_level_signals_put(ret, "campaign.sectors", (double)sp.max_sectors,
				     json_pack("{s:s}", "campaign", sp.sectors_campaign), now, 0);
	}
	struct sector_sum ss = {.rules = l->rules, .by_sector = json_object()};
	if (!ss.by_sector)
		return -ENOMEM;
	r = ops->sector_sightings(l->st, now - (int64_t)l->rules->sightings_window_s * 1000000,
				  add_sector, &ss);
	if (r < 0) {
		json_decref(ss.by_sector);
		return r;
	}
	return yg_level_signals_put(ret, "sightings.critical", (double)ss.total,
				    json_pack("{s:o}", "sectors", ss.by_sector), now, 0);
}


static void emit(struct yg_level *l)
{
	if (!l->hooks.event)
		return;
	json_t *s = yg_level_status_locked(l, false);
	if (!s)
		return;
	char *text = json_dumps(s, JSON_COMPACT);
	json_decref(s);
	if (text)
		l->hooks.event(l->hooks.ud, "level", text);
	free(text);
}

/* ---- transitions (lock held) ---- */

static void clear_prop(struct yg_level *l)
{
	json_decref(l->prop.reasons);
	memset(&l->prop, 0, sizeof l->prop);
}

/* Enters level lv through audit entry entry_id: queues its playbook. */
static int enter(struct yg_level *l, int lv, int64_t entry_id, const json_t *reasons)
{
	int prev = l->level;
	int64_t now = yg_level_now_us();
	const struct yg_store_level_ops *ops = l->st->ops->level;
	int r = ops->action_supersede(l->st, entry_id);
	json_t *notice = json_pack(
	    "{s:i, s:s, s:s, s:i, s:s, s:o, s:o, s:I}", "level", lv, "name", yg_level_name_of(l, lv),
	    "description", l->rules->levels[lv].description, "previous", prev, "previous_name",
	    yg_level_name_of(l, prev), "time", yg_level_time_json(now), "reasons",
	    reasons ? json_incref((json_t *)reasons) : json_array(), "entry", (json_int_t)entry_id);
	if (!notice)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < l->rules->n_actions[lv]; i++) {
		const struct yg_level_action *a = &l->rules->playbooks[lv][i];
		json_t *p = yg_level_action_params(a, notice);
		char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
		json_decref(p);
		r = text ? ops->action_add(l->st, entry_id, lv, yg_level_action_name(a->kind), text,
					   now, NULL)
			 : -ENOMEM;
		free(text);
	}
	json_decref(notice);
	l->level = lv;
	atomic_store(&l->current, lv);
	l->since_us = now;
	l->since_entry = entry_id;
	l->kick = true;
	pthread_cond_signal(&l->cond);
	return r;
}

/* A waiting proposal other than the one wanted goes, logged. */
static int withdraw(struct yg_level *l, const char *why)
{
	if (!l->prop.id)
		return 0;
	struct entry_in in = {.kind = "withdrawn", .from = l->level, .to = l->prop.level,
			      .proposal = l->prop.id, .reason = why, .reasons = l->last_reasons};
	int r = yg_level_entry_add(l, &in, NULL);
	clear_prop(l);
	return r;
}

static int propose(struct yg_level *l, int lv, json_t *reasons, const char *why)
{
	int64_t id = 0;
	struct entry_in in = {.kind = "proposed", .from = l->level, .to = lv, .reason = why,
			      .reasons = reasons};
	int r = yg_level_entry_add(l, &in, &id);
	if (r < 0)
		return r;
	l->prop.id = id;
	l->prop.level = lv;
	l->prop.time_us = yg_level_now_us();
	l->prop.reasons = json_incref(reasons);
	return 0;
}

/* Raises at once to lv (no confirmation needed). */
static int apply_now(struct yg_level *l, int lv, json_t *reasons, const char *why)
{
	int64_t pid = 0, aid = 0;
	struct entry_in in = {.kind = "proposed", .from = l->level, .to = lv, .reason = why,
			      .reasons = reasons};
	int r = yg_level_entry_add(l, &in, &pid);
	if (r < 0)
		return r;
	struct entry_in ap = {.kind = "applied", .from = l->level, .to = lv, .proposal = pid,
			      .reason = why, .reasons = reasons};
	r = yg_level_entry_add(l, &ap, &aid);
	return r < 0 ? r : enter(l, lv, aid, reasons);
}

/* The rules proposed p with reasons: what changes (see level.h). */
static int decide(struct yg_level *l, int p, json_t *reasons, bool *changed)
{
	char why[1024];
	yg_level_summary(reasons, why, sizeof why);
	if (l->rejected_level && p == l->rejected_level)
		return 0;
	l->rejected_level = 0;
	int r = 0;
	if (p == l->level) {
		if (l->prop.id && !l->prop.manual) {
			r = withdraw(l, "the rules propose the current level again");
			*changed = true;
		}
		return r;
	}
	if (p > l->level) {
		int auto_to = p < l->rules->confirm_from ? p : l->rules->confirm_from - 1;
		if (auto_to > l->level) {
			if (l->prop.id && !l->prop.manual && l->prop.level <= auto_to)
				r = withdraw(l, "a raise applied at once replaces it");
			if (r == 0)
				r = apply_now(l, auto_to, reasons, why);
			*changed = true;
		}
		if (r < 0 || p == l->level)
			return r;
	}
	/* A raise that needs confirmation, or a lowering. */
	if (l->prop.id && (l->prop.manual || l->prop.level == p))
		return 0;
	r = withdraw(l, "the rules now propose another level");
	if (r == 0)
		r = propose(l, p, reasons, why);
	*changed = true;
	return r;
}

/* Runs the rules over the signals as of now; the result is kept as the
 * last evaluation. */
static int rules_now(struct yg_level *l, int *ret)
{
	int64_t now = yg_level_now_us();
	struct yg_level_signals *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int p = YG_LEVEL_MIN;
	json_t *reasons = NULL;
	int r = yg_level_snapshot(l, now, s);
	if (r == 0)
		r = yg_level_evaluate(l->rules, s, now, &p, &reasons);
	yg_level_signals_clear(s);
	free(s);
	if (r < 0)
		return r;
	json_decref(l->last_reasons);
	l->last_reasons = reasons;
	l->last_level = p;
	l->last_eval_us = now;
	*ret = p;
	return 0;
}

static int evaluate_locked(struct yg_level *l)
{
	int p = YG_LEVEL_MIN;
	int r = rules_now(l, &p);
	if (r < 0)
		return r;
	json_t *reasons = l->last_reasons;
	bool changed = false;
	r = decide(l, p, reasons, &changed);
	if (changed) {
		int r2 = yg_level_save_state(l);
		if (r == 0)
			r = r2;
		emit(l);
	}
	return r;
}

/* ---- public ---- */

int yg_level_evaluate_now(struct yg_level *l)
{
	pthread_mutex_lock(&l->lock);
	int r = evaluate_locked(l);
	pthread_mutex_unlock(&l->lock);
	return r;
}

static int signal_put(struct yg_level *l, const char *name, double value,
		      const char *detail_json, unsigned ttl_s, bool evaluate)
{
	if (!yg_level_signal_name_ok(name) || !isfinite(value) || fabs(value) > 1e15)
		return -EINVAL;
	json_t *d = NULL;
	char *dtext = NULL;
	if (detail_json) {
		size_t n = strlen(detail_json);
		d = n <= YG_LEVEL_DETAIL_MAX ? json_loadb(detail_json, n, 0, NULL) : NULL;
		if (!d || !(json_is_object(d) || json_is_array(d))) {
			json_decref(d);
			return -EINVAL;
		}
		dtext = json_dumps(d, JSON_COMPACT);
		if (!dtext) {
			json_decref(d);
			return -ENOMEM;
		}
	}
	pthread_mutex_lock(&l->lock);
	int64_t now = yg_level_now_us();
	int64_t exp = now + (int64_t)(ttl_s ? ttl_s : l->rules->signal_ttl_s) * 1000000;
	int r = l->st->ops->level->signal_put(l->st, name, value, dtext, now, exp);
	if (r == 0)
		r = yg_level_signals_put(&l->pushed, name, value, d, now, exp);
	else
		json_decref(d);
	if (r == 0 && evaluate)
		r = evaluate_locked(l);
	pthread_mutex_unlock(&l->lock);
	free(dtext);
	return r;
}

int yg_level_signal_set_ttl(struct yg_level *l, const char *name, double value,
			    const char *detail_json, unsigned ttl_s)
{
	return signal_put(l, name, value, detail_json, ttl_s, true);
}

int yg_level_signal_put(struct yg_level *l, const char *name, double value,
			const char *detail_json, unsigned ttl_s)
{
	return signal_put(l, name, value, detail_json, ttl_s, false);
}

int yg_level_signal_set(struct yg_level *l, const char *name, double value,
			const char *detail_json)
{
	return yg_level_signal_set_ttl(l, name, value, detail_json, 0);
}

static bool reason_ok(const char *reason)
{
	if (!reason)
		return false;
	size_t n = strnlen(reason, YG_LEVEL_REASON_MAX + 1);
	if (n > YG_LEVEL_REASON_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (reason[i] != ' ' && reason[i] != '\t' && reason[i] != '\n')
			return true;
	return false;
}

static int finish(struct yg_level *l, int r, json_t **ret)
{
	if (r == 0) {
		r = yg_level_save_state(l);
		emit(l);
	}
	if (r == 0 && ret) {
		*ret = yg_level_status_locked(l, true);
		r = *ret ? 0 : -ENOMEM;
	}
	pthread_mutex_unlock(&l->lock);
	return r;
}

/* Confirm and reject act on the open proposal, and only on the one the
 * caller saw (proposal 0: whichever is open). On 0 the lock is held and the
 * caller ends through finish(); on failure it is not. */
static int take_proposal(struct yg_level *l, const struct yg_level_actor *who, int64_t proposal,
			 const char *reason)
{
	if (!who || (reason && strnlen(reason, YG_LEVEL_REASON_MAX + 1) > YG_LEVEL_REASON_MAX))
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	int r = 0;
	if (!l->prop.id)
		r = -ENOENT;
	else if (proposal && proposal != l->prop.id)
		r = -ESTALE;
	if (r < 0)
		pthread_mutex_unlock(&l->lock);
	return r;
}

int yg_level_confirm(struct yg_level *l, const struct yg_level_actor *who, int64_t proposal,
		     const char *reason, json_t **ret)
{
	int r = take_proposal(l, who, proposal, reason);
	if (r < 0)
		return r;
	bool two = l->two_person && l->prop.level == YG_LEVEL_MAX;
	if (two && l->prop.first_token[0] && !strcmp(l->prop.first_token, who->token)) {
		pthread_mutex_unlock(&l->lock);
		return -EALREADY;
	}
	int64_t id = 0;
	if (two && !l->prop.first_token[0]) {
		json_t *x = json_pack("{s:s}", "two_person", "first of two");
		struct entry_in in = {.kind = "confirmed", .from = l->level, .to = l->prop.level,
				      .proposal = l->prop.id, .who = who, .reason = reason,
				      .reasons = l->prop.reasons, .extra = x};
		r = yg_level_entry_add(l, &in, &id);
		json_decref(x);
		if (r == 0) {
			snprintf(l->prop.first_token, sizeof l->prop.first_token, "%s", who->token);
			snprintf(l->prop.first_org, sizeof l->prop.first_org, "%s", who->org);
		}
		return finish(l, r, ret);
	}
	json_t *x = two ? json_pack("{s:s, s:s}", "two_person", "second of two", "first_token",
				    l->prop.first_token)
			: NULL;
	struct entry_in in = {.kind = "confirmed", .from = l->level, .to = l->prop.level,
			      .proposal = l->prop.id, .who = who, .reason = reason,
			      .reasons = l->prop.reasons, .extra = x};
	r = yg_level_entry_add(l, &in, &id);
	json_decref(x);
	if (r == 0) {
		int lv = l->prop.level;
		json_t *reasons = json_incref(l->prop.reasons);
		clear_prop(l);
		r = enter(l, lv, id, reasons);
		json_decref(reasons);
	}
	return finish(l, r, ret);
}

int yg_level_reject(struct yg_level *l, const struct yg_level_actor *who, int64_t proposal,
		    const char *reason, json_t **ret)
{
	int r = take_proposal(l, who, proposal, reason);
	if (r < 0)
		return r;
	struct entry_in in = {.kind = "rejected", .from = l->level, .to = l->prop.level,
			      .proposal = l->prop.id, .who = who, .reason = reason,
			      .reasons = l->prop.reasons};
	r = yg_level_entry_add(l, &in, NULL);
	if (r == 0) {
		/* The same proposal from the rules is not made again until they
		 * propose another level. */
		l->rejected_level = l->prop.manual ? 0 : l->prop.level;
		clear_prop(l);
	}
	return finish(l, r, ret);
}

int yg_level_set(struct yg_level *l, const struct yg_level_actor *who, int level,
		 const char *reason, json_t **ret)
{
	if (!who || level < YG_LEVEL_MIN || level > YG_LEVEL_MAX || !reason_ok(reason))
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	int r = withdraw(l, "an operator set the level by hand");
	l->rejected_level = 0;
	if (r == 0 && l->two_person && level == YG_LEVEL_MAX && l->level != level) {
		/* The setter is the first of two; a second token confirms. */
		int64_t id = 0;
		json_t *x = json_pack("{s:b, s:s}", "manual", 1, "two_person", "first of two");
		struct entry_in in = {.kind = "proposed", .from = l->level, .to = level, .who = who,
				      .reason = reason, .extra = x};
		r = yg_level_entry_add(l, &in, &id);
		json_decref(x);
		if (r == 0) {
			l->prop.id = id;
			l->prop.level = level;
			l->prop.time_us = yg_level_now_us();
			l->prop.reasons = json_array();
			l->prop.manual = true;
			snprintf(l->prop.first_token, sizeof l->prop.first_token, "%s", who->token);
			snprintf(l->prop.first_org, sizeof l->prop.first_org, "%s", who->org);
		}
		return finish(l, r, ret);
	}
	int64_t id = 0;
	struct entry_in in = {.kind = "manual", .from = l->level, .to = level, .who = who,
			      .reason = reason};
	if (r == 0)
		r = yg_level_entry_add(l, &in, &id);
	if (r == 0 && level != l->level)
		r = enter(l, level, id, NULL);
	/* The operator decided on the evidence as it stands: what the rules
	 * propose from it now is held like a rejected proposal, until they
	 * propose another level. */
	int p = 0;
	if (r == 0 && rules_now(l, &p) == 0 && p != level)
		l->rejected_level = p;
	return finish(l, r, ret);
}

int yg_level_two_person(struct yg_level *l, const struct yg_level_actor *who, bool on)
{
	if (!who)
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	json_t *x = json_pack("{s:b}", "two_person", on);
	struct entry_in in = {.kind = "two_person", .from = l->level, .to = l->level, .who = who,
			      .reason = on ? "two-person rule for level 5 on"
					   : "two-person rule for level 5 off",
			      .extra = x};
	int r = yg_level_entry_add(l, &in, NULL);
	json_decref(x);
	if (r == 0)
		l->two_person = on;
	return finish(l, r, NULL);
}

int yg_level_current(const struct yg_level *l)
{
	return atomic_load(&l->current);
}

/* ---- thread ---- */

static void *run(void *arg)
{
	struct yg_level *l = arg;
	int64_t next_eval = 0;
	pthread_mutex_lock(&l->lock);
	while (!l->stop) {
		l->kick = false;
		pthread_mutex_unlock(&l->lock);
		int64_t now = yg_level_now_us();
		if (now >= next_eval) {
			(void)yg_level_evaluate_now(l);
			next_eval = now + (int64_t)l->rules->interval_s * 1000000;
		}
		size_t ran = 0;
		(void)yg_level_run_due(l, yg_level_now_us(), &ran);
		pthread_mutex_lock(&l->lock);
		int64_t wake = next_eval, next = 0;
		if (l->st->ops->level->action_next(l->st, &next) == 0 && next < wake)
			wake = next;
		if (ran == YG_LEVEL_DUE_BATCH)
			wake = 0;
		while (!l->stop && !l->kick && yg_level_now_us() < wake) {
			struct timespec ts = {.tv_sec = (time_t)(wake / 1000000),
					      .tv_nsec = (long)(wake % 1000000) * 1000};
			if (pthread_cond_timedwait(&l->cond, &l->lock, &ts) == ETIMEDOUT)
				break;
		}
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int yg_level_start(struct yg_level *l)
{
	if (l->started)
		return 0;
	if (pthread_create(&l->thread, NULL, run, l) != 0)
		return -EAGAIN;
	l->started = true;
	return 0;
}

int yg_level_new(const struct yg_level_config *cfg, struct yg_level **ret, char *err,
		 size_t errlen)
{
	char path[4200];
	if (!cfg || !cfg->data_dir)
		return -EINVAL;
	if (cfg->rules_path)
		snprintf(path, sizeof path, "%s", cfg->rules_path);
	else
		snprintf(path, sizeof path, "%s/level.json", cfg->data_dir);
	struct yg_level *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->rules = calloc(1, sizeof *l->rules);
	int r = l->rules ? 0 : -ENOMEM;
	if (r == 0)
		r = yg_level_rules_load(path, l->rules, NULL, err, errlen);
	if (r == 0)
		r = yg_store_open(cfg->data_dir, cfg->pg, &l->st);
	if (r < 0) {
		if (l->rules)
			free(l->rules);
		free(l);
		return r;
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&l->cond, &ca);
	pthread_condattr_destroy(&ca);
	l->hooks = cfg->hooks;
	l->level = YG_LEVEL_MIN;
	l->decay_factor = 1;
	l->two_person = l->rules->two_person;
	l->last_level = YG_LEVEL_MIN;
	load_state(l);
	atomic_store(&l->current, l->level);
	int64_t now = yg_level_now_us();
	r = l->st->ops->level->signal_prune(l->st, now);
	if (r == 0)
		r = l->st->ops->level->signal_list(l->st, load_signal, l);
	if (r < 0) {
		yg_level_free(l);
		return r;
	}
	/* The settings of the level in force hold again after a restart. */
	if (l->hooks.decay)
		l->hooks.decay(l->hooks.ud, l->decay_factor);
	if (l->hooks.export_mode)
		l->hooks.export_mode(l->hooks.ud, l->block);
	if (l->hooks.poll_interval && l->poll_s)
		l->hooks.poll_interval(l->hooks.ud, l->poll_s);
	*ret = l;
	return 0;
}

void yg_level_free(struct yg_level *l)
{
	if (!l)
		return;
	if (l->started) {
		pthread_mutex_lock(&l->lock);
		l->stop = true;
		pthread_cond_signal(&l->cond);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
	}
	yg_level_signals_clear(&l->pushed);
	clear_prop(l);
	json_decref(l->last_reasons);
	yg_store_close(l->st);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cond);
	free(l->rules);
	free(l);
}
