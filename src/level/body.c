/*
 * POST bodies of the alert level (see body.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "level/body.h"

__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t errlen, const char *fmt, ...);

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static json_t *load(const char *body, size_t len, char *err, size_t errlen, int *ret)
{
	if (len > YG_LEVEL_BODY_MAX) {
		*ret = bad(err, errlen, "the body is larger than %d bytes", YG_LEVEL_BODY_MAX);
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		*ret = bad(err, errlen, "not JSON: line %d column %d: %s", je.line, je.column, je.text);
	else if (!json_is_object(j)) {
		*ret = bad(err, errlen, "the body must be a JSON object");
		json_decref(j);
		j = NULL;
	}
	return j;
}

static int keys_only(const json_t *o, const char *where, const char *const *keys, char *err,
		     size_t errlen)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		bool ok = false;
		for (size_t i = 0; keys[i] && !ok; i++)
			ok = !strcmp(k, keys[i]);
		if (!ok)
			return bad(err, errlen, "%s: unknown key \"%.64s\"", where, k);
	}
	return 0;
}

static int reason(const json_t *o, char *dst, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "reason");
	dst[0] = '\0';
	if (!v)
		return 0;
	size_t n = json_is_string(v) ? json_string_length(v) : 0;
	if (!json_is_string(v) || n > YG_LEVEL_REASON_MAX || memchr(json_string_value(v), '\0', n))
		return bad(err, errlen, "reason: must be a text of at most %d bytes",
			   YG_LEVEL_REASON_MAX);
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

int yg_level_body_set(const char *body, size_t len, struct yg_level_set_body *ret, char *err,
		      size_t errlen)
{
	static const char *const keys[] = {"level", "reason", "two_person", NULL};
	int r = 0;
	json_t *j = load(body, len, err, errlen, &r);
	if (!j)
		return r;
	struct yg_level_set_body b = {0};
	r = keys_only(j, "body", keys, err, errlen);
	json_t *lv = json_object_get(j, "level"), *tp = json_object_get(j, "two_person");
	if (r == 0 && !lv == !tp)
		r = bad(err, errlen, "body: needs level or two_person (one of them)");
	if (r == 0 && lv &&
	    (!json_is_integer(lv) || json_integer_value(lv) < YG_LEVEL_MIN ||
	     json_integer_value(lv) > YG_LEVEL_MAX))
		r = bad(err, errlen, "level: must be an integer 1..5");
	if (r == 0 && tp && !json_is_boolean(tp))
		r = bad(err, errlen, "two_person: must be true or false");
	if (r == 0)
		r = reason(j, b.reason, err, errlen);
	if (r == 0 && lv && !b.reason[0])
		r = bad(err, errlen, "reason: a manual level needs a written reason");
	if (r == 0) {
		b.level = lv ? (int)json_integer_value(lv) : 0;
		b.has_two_person = tp != NULL;
		b.two_person = json_is_true(tp);
		*ret = b;
	}
	json_decref(j);
	return r;
}

int yg_level_body_decision(const char *body, size_t len, struct yg_level_decision_body *ret,
			   char *err, size_t errlen)
{
	static const char *const keys[] = {"proposal", "reason", NULL};
	struct yg_level_decision_body b = {0};
	if (len == 0) { /* an empty body confirms or rejects the one waiting */
		*ret = b;
		return 0;
	}
	int r = 0;
	json_t *j = load(body, len, err, errlen, &r);
	if (!j)
		return r;
	r = keys_only(j, "body", keys, err, errlen);
	json_t *p = json_object_get(j, "proposal");
	if (r == 0 && p && (!json_is_integer(p) || json_integer_value(p) < 1))
		r = bad(err, errlen, "proposal: must be a positive integer");
	if (r == 0)
		r = reason(j, b.reason, err, errlen);
	if (r == 0) {
		b.proposal = p ? json_integer_value(p) : 0;
		*ret = b;
	}
	json_decref(j);
	return r;
}

static int one_signal(const json_t *o, const char *where, struct yg_level_signal_body *s,
		      char *err, size_t errlen)
{
	static const char *const keys[] = {"name", "value", "detail", "ttl_s", NULL};
	if (!json_is_object(o))
		return bad(err, errlen, "%s: must be an object", where);
	int r = keys_only(o, where, keys, err, errlen);
	if (r < 0)
		return r;
	const char *name = json_string_value(json_object_get(o, "name"));
	if (!name || !yg_level_signal_name_ok(name))
		return bad(err, errlen, "%s.name: must be a signal name ([a-z0-9._-], a letter first, "
					"at most %d bytes)",
			   where, YG_LEVEL_SIGNAL_NAME_MAX);
	json_t *v = json_object_get(o, "value");
	if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
	    fabs(json_number_value(v)) > 1e15)
		return bad(err, errlen, "%s.value: must be a finite number", where);
	json_t *t = json_object_get(o, "ttl_s");
	if (t && (!json_is_integer(t) || json_integer_value(t) < 1 ||
		  json_integer_value(t) > 30 * 86400))
		return bad(err, errlen, "%s.ttl_s: must be an integer 1..2592000", where);
	json_t *d = json_object_get(o, "detail");
	char *dtext = NULL;
	if (d) {
		if (!json_is_object(d) && !json_is_array(d))
			return bad(err, errlen, "%s.detail: must be an object or an array", where);
		dtext = json_dumps(d, JSON_COMPACT);
		if (!dtext)
			return -ENOMEM;
		if (strlen(dtext) > YG_LEVEL_DETAIL_MAX) {
			free(dtext);
			return bad(err, errlen, "%s.detail: larger than %d bytes", where,
				   YG_LEVEL_DETAIL_MAX);
		}
	}
	snprintf(s->name, sizeof s->name, "%s", name);
	s->value = json_number_value(v);
	s->ttl_s = t ? (unsigned)json_integer_value(t) : 0;
	s->detail = dtext;
	return 0;
}

void yg_level_body_signals_free(struct yg_level_signal_body *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i].detail);
	free(s);
}

int yg_level_body_signals(const char *body, size_t len, struct yg_level_signal_body **ret,
			  size_t *ret_n, char *err, size_t errlen)
{
	int r = 0;
	json_t *j = load(body, len, err, errlen, &r);
	if (!j)
		return r;
	json_t *arr = json_object_get(j, "signals");
	size_t n = 1;
	if (arr) {
		if (json_object_size(j) != 1)
			r = bad(err, errlen, "body: \"signals\" goes alone");
		else if (!json_is_array(arr) || json_array_size(arr) == 0 ||
			 json_array_size(arr) > YG_LEVEL_BODY_SIGNALS)
			r = bad(err, errlen, "signals: must be an array of 1..%d signals",
				YG_LEVEL_BODY_SIGNALS);
		n = json_array_size(arr);
	}
	struct yg_level_signal_body *s = r == 0 ? calloc(n, sizeof *s) : NULL;
	if (r == 0 && !s)
		r = -ENOMEM;
	size_t done = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		char where[32];
		if (arr)
			snprintf(where, sizeof where, "signals[%zu]", i);
		else
			snprintf(where, sizeof where, "body");
		r = one_signal(arr ? json_array_get(arr, i) : j, where, &s[i], err, errlen);
		if (r == 0)
			done++;
	}
	json_decref(j);
	if (r < 0) {
		yg_level_body_signals_free(s, done);
		return r;
	}
	*ret = s;
	*ret_n = n;
	return 0;
}
