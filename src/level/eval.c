/*
 * Signals and the evaluation of the rules over them (see level.h).
 *
 * Evaluation is a pure function of the rules, the signals and the clock,
 * so unit tests drive it with generated signals and the engine can keep
 * every input of a decision in the audit log.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "level/level.h"

bool yg_level_signal_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > YG_LEVEL_SIGNAL_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

int yg_level_signals_put(struct yg_level_signals *set, const char *name, double value,
			 json_t *detail, int64_t set_us, int64_t expires_us)
{
	if (!yg_level_signal_name_ok(name) || !isfinite(value)) {
		json_decref(detail);
		return -EINVAL;
	}
	size_t i = 0;
	while (i < set->n && strcmp(set->s[i].name, name))
		i++;
	if (i == set->n) {
		if (set->n == YG_LEVEL_SIGNALS_MAX) {
			json_decref(detail);
			return -E2BIG;
		}
		set->n++;
		memset(&set->s[i], 0, sizeof set->s[i]);
		memcpy(set->s[i].name, name, strlen(name) + 1);
	}
	json_decref(set->s[i].detail);
	set->s[i].detail = detail;
	set->s[i].value = value;
	set->s[i].set_us = set_us;
	set->s[i].expires_us = expires_us;
	return 0;
}

void yg_level_signals_clear(struct yg_level_signals *set)
{
	for (size_t i = 0; i < set->n; i++)
		json_decref(set->s[i].detail);
	set->n = 0;
}

const struct yg_level_signal *yg_level_signals_get(const struct yg_level_signals *set,
						   const char *name, int64_t now_us)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->s[i].name, name))
			return set->s[i].expires_us && set->s[i].expires_us <= now_us ? NULL
										     : &set->s[i];
	return NULL;
}

static bool compare(enum yg_level_op op, double v, double t)
{
	switch (op) {
	case YG_LEVEL_GE:
		return v >= t;
	case YG_LEVEL_GT:
		return v > t;
	case YG_LEVEL_LE:
		return v <= t;
	case YG_LEVEL_LT:
		return v < t;
	case YG_LEVEL_EQ:
		return v == t;
	}
	return false;
}

/* Highest level first, then in file order (the sort is stable by index). */
static int by_level(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	json_int_t lx = json_integer_value(json_object_get(x, "level"));
	json_int_t ly = json_integer_value(json_object_get(y, "level"));
	if (lx != ly)
		return lx > ly ? -1 : 1;
	json_int_t ix = json_integer_value(json_object_get(x, "_i"));
	json_int_t iy = json_integer_value(json_object_get(y, "_i"));
	return ix < iy ? -1 : ix > iy;
}

int yg_level_evaluate(const struct yg_level_rules *rules, const struct yg_level_signals *sig,
		      int64_t now_us, int *ret_level, json_t **ret_reasons)
{
	json_t *fired[YG_LEVEL_RULES_MAX];
	size_t n = 0;
	int level = YG_LEVEL_MIN, r = 0;
	for (size_t i = 0; i < rules->n_rules; i++) {
		const struct yg_level_rule *ru = &rules->rules[i];
		const struct yg_level_signal *s = yg_level_signals_get(sig, ru->signal, now_us);
		if (!s)
			continue;
		double threshold = ru->value;
		const struct yg_level_signal *base = NULL;
		if (ru->baseline[0]) {
			base = yg_level_signals_get(sig, ru->baseline, now_us);
			if (!base)
				continue;
			threshold = ru->factor * base->value;
		}
		if (!compare(ru->op, s->value, threshold))
			continue;
		json_t *j = json_pack("{s:s, s:s, s:f, s:s, s:f, s:i, s:s, s:i}", "rule", ru->id,
				      "signal", ru->signal, "value", s->value, "op",
				      yg_level_op_name(ru->op), "threshold", threshold, "level",
				      ru->level, "why", ru->why, "_i", (json_int_t)i);
		if (!j) {
			r = -ENOMEM;
			break;
		}
		if (base) {
			json_object_set_new(j, "baseline", json_string(ru->baseline));
			json_object_set_new(j, "baseline_value", json_real(base->value));
		}
		if (s->detail)
			json_object_set(j, "detail", s->detail);
		fired[n++] = j;
		if (ru->level > level)
			level = ru->level;
	}
	json_t *arr = r == 0 ? json_array() : NULL;
	if (r == 0 && !arr)
		r = -ENOMEM;
	if (r == 0) {
		qsort(fired, n, sizeof fired[0], by_level);
		for (size_t i = 0; i < n; i++) {
			json_object_del(fired[i], "_i");
			json_array_append(arr, fired[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		json_decref(fired[i]);
	if (r < 0)
		return r;
	*ret_level = level;
	*ret_reasons = arr;
	return 0;
}
