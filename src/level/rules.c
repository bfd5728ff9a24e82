/*
 * The rules file of the alert level (see level.h), JSON read with jansson:
 *
 *   {"levels": [{"level": 1, "name": "...", "description": "..."}, ... x5],
 *    "rules": [{"id", "signal", "op": ">=", "value": N | "baseline": SIGNAL,
 *               "factor": F, "level": 1..5, "why": "..."}],
 *    "playbooks": {"4": [{"action": "decay", "factor": 2},
 *                        {"action": "export_mode", "mode": "block"},
 *                        {"action": "poll_interval", "seconds": 60},
 *                        {"action": "webhook", "url": "https://..."},
 *                        {"action": "stix_report", "tlp": "green"}]},
 *    "confirm_from": 4, "two_person": false, "interval_s": 60,
 *    "signal_ttl_s": 3600, "campaign_window_h": 168,
 *    "sightings_window_s": 3600, "critical_sectors": ["energy", ...],
 *    "retry": {"base_s": 5, "max_s": 600, "attempts": 10}}
 *
 * JSON rather than TOML: Debian 12 ships TOML parsers for C++ (toml11,
 * toml++, cpptoml) but none for C, and jansson is already a dependency.
 *
 * Every key but "levels" is optional (the defaults are the numbers above).
 * Unknown keys are errors, so a misspelt threshold never silently turns a
 * rule off. Errors name the place: "rules[3].value: must be a number".
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "level/level.h"

static const char default_rules[] =
    "{\n"
    "  \"levels\": [\n"
    "    {\"level\": 1, \"name\": \"normal\", \"description\": \"No sign of an attack beyond "
    "the usual background.\"},\n"
    "    {\"level\": 2, \"name\": \"guarded\", \"description\": \"Activity above the usual: "
    "watch closely.\"},\n"
    "    {\"level\": 3, \"name\": \"elevated\", \"description\": \"An attack is under way "
    "against members: defenses tighten.\"},\n"
    "    {\"level\": 4, \"name\": \"high\", \"description\": \"A broad attack across "
    "organizations or sectors: block, notify, report.\"},\n"
    "    {\"level\": 5, \"name\": \"severe\", \"description\": \"A national-scale attack on "
    "critical infrastructure.\"}\n"
    "  ],\n"
    "  \"rules\": [\n"
    "    {\"id\": \"darknet-surge\", \"signal\": \"darknet.surge_score\", \"op\": \">=\", "
    "\"value\": 3, \"level\": 2, \"why\": \"scanning surge on a port\"},\n"
    "    {\"id\": \"darknet-surge-strong\", \"signal\": \"darknet.surge_score\", \"op\": "
    "\">=\", \"value\": 6, \"level\": 3, \"why\": \"strong scanning surge on a port\"},\n"
    "    {\"id\": \"campaign-orgs\", \"signal\": \"campaign.organizations\", \"op\": \">=\", "
    "\"value\": 3, \"level\": 3, \"why\": \"one campaign reached several members\"},\n"
    "    {\"id\": \"campaign-orgs-wide\", \"signal\": \"campaign.organizations\", \"op\": "
    "\">=\", \"value\": 10, \"level\": 4, \"why\": \"one campaign reached many members\"},\n"
    "    {\"id\": \"campaign-sectors\", \"signal\": \"campaign.sectors\", \"op\": \">=\", "
    "\"value\": 3, \"level\": 4, \"why\": \"one campaign spans several sectors\"},\n"
    "    {\"id\": \"critical-sightings\", \"signal\": \"sightings.critical\", \"op\": \">=\", "
    "\"value\": 1, \"level\": 3, \"why\": \"indicators sighted at critical infrastructure in "
    "the last hour\"},\n"
    "    {\"id\": \"critical-sightings-many\", \"signal\": \"sightings.critical\", \"op\": "
    "\">=\", \"value\": 50, \"level\": 4, \"why\": \"many sightings at critical "
    "infrastructure in the last hour\"},\n"
    "    {\"id\": \"infected-above-baseline\", \"signal\": \"hosts.infected\", \"op\": \">=\", "
    "\"baseline\": \"hosts.infected_baseline\", \"factor\": 2, \"level\": 3, \"why\": "
    "\"infected hosts at twice their baseline\"},\n"
    "    {\"id\": \"incidents\", \"signal\": \"incidents.confirmed\", \"op\": \">=\", "
    "\"value\": 1, \"level\": 3, \"why\": \"a confirmed incident\"},\n"
    "    {\"id\": \"incidents-many\", \"signal\": \"incidents.confirmed\", \"op\": \">=\", "
    "\"value\": 5, \"level\": 4, \"why\": \"several confirmed incidents\"},\n"
    "    {\"id\": \"peer-advisory\", \"signal\": \"federation.advisory_level\", \"op\": "
    "\">=\", \"value\": 4, \"level\": 3, \"why\": \"a federation peer advises a high "
    "level\"},\n"
    "    {\"id\": \"peer-advisory-severe\", \"signal\": \"federation.advisory_level\", "
    "\"op\": \">=\", \"value\": 5, \"level\": 4, \"why\": \"a federation peer advises the "
    "severe level\"}\n"
    "  ],\n"
    "  \"playbooks\": {\n"
    "    \"1\": [{\"action\": \"decay\", \"factor\": 1}, {\"action\": \"export_mode\", "
    "\"mode\": \"alert\"}, {\"action\": \"poll_interval\", \"seconds\": 300}],\n"
    "    \"2\": [{\"action\": \"decay\", \"factor\": 1}, {\"action\": \"export_mode\", "
    "\"mode\": \"alert\"}, {\"action\": \"poll_interval\", \"seconds\": 300}],\n"
    "    \"3\": [{\"action\": \"decay\", \"factor\": 2}, {\"action\": \"export_mode\", "
    "\"mode\": \"alert\"}, {\"action\": \"poll_interval\", \"seconds\": 120}],\n"
    "    \"4\": [{\"action\": \"decay\", \"factor\": 4}, {\"action\": \"export_mode\", "
    "\"mode\": \"block\"}, {\"action\": \"poll_interval\", \"seconds\": 60}, {\"action\": "
    "\"stix_report\", \"tlp\": \"green\"}],\n"
    "    \"5\": [{\"action\": \"decay\", \"factor\": 8}, {\"action\": \"export_mode\", "
    "\"mode\": \"block\"}, {\"action\": \"poll_interval\", \"seconds\": 30}, {\"action\": "
    "\"stix_report\", \"tlp\": \"green\"}]\n"
    "  },\n"
    "  \"confirm_from\": 4,\n"
    "  \"two_person\": false,\n"
    "  \"interval_s\": 60,\n"
    "  \"signal_ttl_s\": 3600,\n"
    "  \"campaign_window_h\": 168,\n"
    "  \"sightings_window_s\": 3600,\n"
    "  \"critical_sectors\": [\"energy\", \"water\", \"telecommunications\", "
    "\"transportation\", \"healthcare\", \"finance\", \"government\"],\n"
    "  \"retry\": {\"base_s\": 5, \"max_s\": 600, \"attempts\": 10}\n"
    "}\n";

const char *yg_level_rules_default_text(void)
{
	return default_rules;
}

static const char *const action_names[YG_LEVEL_ACT__COUNT] = {
	"decay", "export_mode", "poll_interval", "webhook", "stix_report",
};

const char *yg_level_action_name(enum yg_level_action_kind k)
{
	return (unsigned)k < YG_LEVEL_ACT__COUNT ? action_names[k] : "?";
}

static const char *const op_names[] = {">=", ">", "<=", "<", "=="};

const char *yg_level_op_name(enum yg_level_op op)
{
	return (unsigned)op < sizeof op_names / sizeof op_names[0] ? op_names[op] : "?";
}

struct perr {
	char *buf;
	size_t len;
};

__attribute__((format(printf, 2, 3))) static int fail(struct perr *e, const char *fmt, ...);

static int fail(struct perr *e, const char *fmt, ...)
{
	if (e->buf && e->len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Copies a string member into dst (cap bytes with the NUL). */
static int get_text(struct perr *e, const json_t *obj, const char *key, const char *where,
		    bool required, char *dst, size_t cap)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return fail(e, "%s.%s: missing", where, key);
		return 0;
	}
	if (!json_is_string(v))
		return fail(e, "%s.%s: must be a string", where, key);
	size_t n = json_string_length(v);
	if (n >= cap)
		return fail(e, "%s.%s: longer than %zu bytes", where, key, cap - 1);
	if (memchr(json_string_value(v), '\0', n))
		return fail(e, "%s.%s: holds a NUL", where, key);
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

static int get_num(struct perr *e, const json_t *obj, const char *key, const char *where,
		   double lo, double hi, double *dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_number(v))
		return fail(e, "%s.%s: must be a number", where, key);
	double d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi)
		return fail(e, "%s.%s: must be within %g..%g", where, key, lo, hi);
	*dst = d;
	return 0;
}

static int get_uint(struct perr *e, const json_t *obj, const char *key, const char *where,
		    unsigned lo, unsigned hi, unsigned *dst)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(e, "%s.%s: must be an integer within %u..%u", where, key, lo, hi);
	*dst = (unsigned)json_integer_value(v);
	return 0;
}

/* Whether obj has only the listed keys. */
static int only_keys(struct perr *e, const json_t *obj, const char *where,
		     const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
	{
		bool known = false;
		for (size_t i = 0; keys[i] && !known; i++)
			known = !strcmp(k, keys[i]);
		if (!known)
			return fail(e, "%s: unknown key \"%.64s\"", where, k);
	}
	return 0;
}

static int parse_levels(struct perr *e, const json_t *arr, struct yg_level_rules *r)
{
	static const char *const keys[] = {"level", "name", "description", NULL};
	if (!json_is_array(arr) || json_array_size(arr) != YG_LEVEL_MAX)
		return fail(e, "levels: must be an array of the %d levels", YG_LEVEL_MAX);
	bool seen[YG_LEVEL_MAX + 1] = {false};
	for (size_t i = 0; i < YG_LEVEL_MAX; i++) {
		char where[32];
		snprintf(where, sizeof where, "levels[%zu]", i);
		json_t *o = json_array_get(arr, i);
		if (!json_is_object(o))
			return fail(e, "%s: must be an object", where);
		int rc = only_keys(e, o, where, keys);
		unsigned lv = 0;
		if (rc == 0 && !json_object_get(o, "level"))
			rc = fail(e, "%s.level: missing", where);
		if (rc == 0)
			rc = get_uint(e, o, "level", where, YG_LEVEL_MIN, YG_LEVEL_MAX, &lv);
		if (rc == 0 && seen[lv])
			rc = fail(e, "%s.level: level %u given twice", where, lv);
		if (rc < 0)
			return rc;
		seen[lv] = true;
		rc = get_text(e, o, "name", where, true, r->levels[lv].name,
			      sizeof r->levels[lv].name);
		if (rc == 0 && !r->levels[lv].name[0])
			rc = fail(e, "%s.name: empty", where);
		if (rc == 0)
			rc = get_text(e, o, "description", where, false, r->levels[lv].description,
				      sizeof r->levels[lv].description);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_op(struct perr *e, const json_t *o, const char *where, enum yg_level_op *ret)
{
	json_t *v = json_object_get(o, "op");
	if (!v) {
		*ret = YG_LEVEL_GE;
		return 0;
	}
	for (size_t i = 0; json_is_string(v) && i < sizeof op_names / sizeof op_names[0]; i++)
		if (!strcmp(json_string_value(v), op_names[i])) {
			*ret = (enum yg_level_op)i;
			return 0;
		}
	return fail(e, "%s.op: must be one of >= > <= < ==", where);
}

static int parse_rule(struct perr *e, const json_t *o, const char *where,
		      struct yg_level_rule *rule)
{
	static const char *const keys[] = {"id",     "signal", "op",    "value",
					   "baseline", "factor", "level", "why", NULL};
	if (!json_is_object(o))
		return fail(e, "%s: must be an object", where);
	int rc = only_keys(e, o, where, keys);
	if (rc == 0)
		rc = get_text(e, o, "id", where, true, rule->id, sizeof rule->id);
	if (rc == 0)
		rc = get_text(e, o, "signal", where, true, rule->signal, sizeof rule->signal);
	if (rc == 0 && !yg_level_signal_name_ok(rule->signal))
		rc = fail(e, "%s.signal: not a signal name ([a-z0-9._-], a letter first)", where);
	if (rc == 0)
		rc = parse_op(e, o, where, &rule->op);
	if (rc == 0)
		rc = get_text(e, o, "baseline", where, false, rule->baseline,
			      sizeof rule->baseline);
	if (rc == 0 && rule->baseline[0] && !yg_level_signal_name_ok(rule->baseline))
		rc = fail(e, "%s.baseline: not a signal name", where);
	bool has_value = json_object_get(o, "value") != NULL;
	if (rc == 0 && has_value == !!rule->baseline[0])
		rc = fail(e, "%s: needs either value or baseline", where);
	if (rc == 0)
		rc = get_num(e, o, "value", where, -1e15, 1e15, &rule->value);
	rule->factor = 1;
	if (rc == 0)
		rc = get_num(e, o, "factor", where, 0, 1e6, &rule->factor);
	unsigned lv = 0;
	if (rc == 0 && !json_object_get(o, "level"))
		rc = fail(e, "%s.level: missing", where);
	if (rc == 0)
		rc = get_uint(e, o, "level", where, YG_LEVEL_MIN, YG_LEVEL_MAX, &lv);
	rule->level = (int)lv;
	if (rc == 0)
		rc = get_text(e, o, "why", where, false, rule->why, sizeof rule->why);
	return rc;
}

static int parse_action(struct perr *e, const json_t *o, const char *where,
			struct yg_level_action *a)
{
	static const char *const keys[] = {"action", "factor", "mode", "seconds", "url", "tlp", NULL};
	if (!json_is_object(o))
		return fail(e, "%s: must be an object", where);
	int rc = only_keys(e, o, where, keys);
	if (rc < 0)
		return rc;
	const char *name = json_string_value(json_object_get(o, "action"));
	size_t k = 0;
	while (name && k < YG_LEVEL_ACT__COUNT && strcmp(name, action_names[k]))
		k++;
	if (!name || k == YG_LEVEL_ACT__COUNT)
		return fail(e, "%s.action: must be decay, export_mode, poll_interval, webhook or "
			       "stix_report",
			    where);
	a->kind = (enum yg_level_action_kind)k;
	switch (a->kind) {
	case YG_LEVEL_ACT_DECAY:
		a->number = 1;
		return get_num(e, o, "factor", where, 1, 1000, &a->number);
	case YG_LEVEL_ACT_EXPORT_MODE:
		rc = get_text(e, o, "mode", where, true, a->text, sizeof a->text);
		if (rc == 0 && strcmp(a->text, "block") && strcmp(a->text, "alert"))
			rc = fail(e, "%s.mode: must be block or alert", where);
		return rc;
	case YG_LEVEL_ACT_POLL: {
		unsigned s = 0;
		if (!json_object_get(o, "seconds"))
			return fail(e, "%s.seconds: missing", where);
		rc = get_uint(e, o, "seconds", where, 5, 86400, &s);
		a->number = s;
		return rc;
	}
	case YG_LEVEL_ACT_WEBHOOK:
		rc = get_text(e, o, "url", where, true, a->text, sizeof a->text);
		if (rc == 0 && strncmp(a->text, "http://", 7) && strncmp(a->text, "https://", 8))
			rc = fail(e, "%s.url: must be an http:// or https:// URL", where);
		return rc;
	case YG_LEVEL_ACT_REPORT:
		snprintf(a->text, sizeof a->text, "green");
		rc = get_text(e, o, "tlp", where, false, a->text, sizeof a->text);
		if (rc == 0 && strcmp(a->text, "clear") && strcmp(a->text, "green") &&
		    strcmp(a->text, "amber"))
			rc = fail(e, "%s.tlp: must be clear, green or amber", where);
		return rc;
	default:
		return fail(e, "%s.action: unknown", where);
	}
}

static int parse_playbooks(struct perr *e, const json_t *o, struct yg_level_rules *r)
{
	if (!json_is_object(o))
		return fail(e, "playbooks: must be an object of level -> actions");
	const char *k;
	json_t *arr;
	json_object_foreach((json_t *)o, k, arr)
	{
		if (strlen(k) != 1 || k[0] < '0' + YG_LEVEL_MIN || k[0] > '0' + YG_LEVEL_MAX)
			return fail(e, "playbooks: key \"%.16s\" is not a level 1..5", k);
		int lv = k[0] - '0';
		if (!json_is_array(arr) || json_array_size(arr) > YG_LEVEL_ACTIONS_MAX)
			return fail(e, "playbooks.%s: must be an array of at most %d actions", k,
				    YG_LEVEL_ACTIONS_MAX);
		for (size_t i = 0; i < json_array_size(arr); i++) {
			char where[48];
			snprintf(where, sizeof where, "playbooks.%s[%zu]", k, i);
			int rc = parse_action(e, json_array_get(arr, i), where, &r->playbooks[lv][i]);
			if (rc < 0)
				return rc;
		}
		r->n_actions[lv] = json_array_size(arr);
	}
	return 0;
}

static int parse_sectors(struct perr *e, const json_t *arr, struct yg_level_rules *r)
{
	if (!json_is_array(arr) || json_array_size(arr) > YG_LEVEL_SECTORS_MAX)
		return fail(e, "critical_sectors: must be an array of at most %d names",
			    YG_LEVEL_SECTORS_MAX);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > YG_LEVEL_NAME_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return fail(e, "critical_sectors[%zu]: must be a sector name of 1..%d bytes",
				    i, YG_LEVEL_NAME_MAX);
		memcpy(r->critical_sectors[i], json_string_value(v), json_string_length(v) + 1);
	}
	r->n_critical = json_array_size(arr);
	return 0;
}

static int parse_retry(struct perr *e, const json_t *o, struct yg_level_rules *r)
{
	static const char *const keys[] = {"base_s", "max_s", "attempts", NULL};
	if (!json_is_object(o))
		return fail(e, "retry: must be an object");
	int rc = only_keys(e, o, "retry", keys);
	if (rc == 0)
		rc = get_num(e, o, "base_s", "retry", 0.01, 86400, &r->retry_base_s);
	if (rc == 0)
		rc = get_num(e, o, "max_s", "retry", 0.01, 86400, &r->retry_max_s);
	if (rc == 0)
		rc = get_uint(e, o, "attempts", "retry", 1, 100, &r->retry_attempts);
	return rc;
}

static int parse_top(struct perr *e, const json_t *root, struct yg_level_rules *r)
{
	static const char *const keys[] = {
	    "levels",       "rules",      "playbooks",       "confirm_from",
	    "two_person",   "interval_s", "signal_ttl_s",    "campaign_window_h",
	    "sightings_window_s", "critical_sectors", "retry", "comment", NULL};
	if (!json_is_object(root))
		return fail(e, "the top level must be an object");
	int rc = only_keys(e, root, "top level", keys);
	if (rc == 0 && !json_object_get(root, "levels"))
		rc = fail(e, "levels: missing");
	if (rc == 0)
		rc = parse_levels(e, json_object_get(root, "levels"), r);
	json_t *rules = json_object_get(root, "rules");
	if (rc == 0 && rules && (!json_is_array(rules) || json_array_size(rules) > YG_LEVEL_RULES_MAX))
		rc = fail(e, "rules: must be an array of at most %d rules", YG_LEVEL_RULES_MAX);
	for (size_t i = 0; rc == 0 && rules && i < json_array_size(rules); i++) {
		char where[32];
		snprintf(where, sizeof where, "rules[%zu]", i);
		rc = parse_rule(e, json_array_get(rules, i), where, &r->rules[i]);
		for (size_t j = 0; rc == 0 && j < i; j++)
			if (!strcmp(r->rules[j].id, r->rules[i].id))
				rc = fail(e, "%s.id: \"%s\" given twice", where, r->rules[i].id);
		r->n_rules = i + 1;
	}
	if (rc == 0 && json_object_get(root, "playbooks"))
		rc = parse_playbooks(e, json_object_get(root, "playbooks"), r);
	unsigned cf = (unsigned)r->confirm_from;
	if (rc == 0)
		rc = get_uint(e, root, "confirm_from", "top level", 2, YG_LEVEL_MAX + 1, &cf);
	r->confirm_from = (int)cf;
	json_t *tp = json_object_get(root, "two_person");
	if (rc == 0 && tp && !json_is_boolean(tp))
		rc = fail(e, "two_person: must be true or false");
	if (rc == 0 && tp)
		r->two_person = json_is_true(tp);
	if (rc == 0)
		rc = get_uint(e, root, "interval_s", "top level", 1, 86400, &r->interval_s);
	if (rc == 0)
		rc = get_uint(e, root, "signal_ttl_s", "top level", 1, 30 * 86400, &r->signal_ttl_s);
	if (rc == 0)
		rc = get_uint(e, root, "campaign_window_h", "top level", 1, 24 * 365,
			      &r->campaign_window_h);
	if (rc == 0)
		rc = get_uint(e, root, "sightings_window_s", "top level", 1, 30 * 86400,
			      &r->sightings_window_s);
	if (rc == 0 && json_object_get(root, "critical_sectors"))
		rc = parse_sectors(e, json_object_get(root, "critical_sectors"), r);
	if (rc == 0 && json_object_get(root, "retry"))
		rc = parse_retry(e, json_object_get(root, "retry"), r);
	if (rc == 0 && r->retry_max_s < r->retry_base_s)
		rc = fail(e, "retry.max_s: below retry.base_s");
	return rc;
}

int yg_level_rules_parse(const char *text, size_t len, struct yg_level_rules *ret, char *err,
			 size_t errlen)
{
	struct perr e = {err, errlen};
	if (err && errlen)
		err[0] = '\0';
	if (len > YG_LEVEL_FILE_MAX) {
		fail(&e, "the rules file is larger than %u bytes", YG_LEVEL_FILE_MAX);
		return -E2BIG;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fail(&e, "line %d column %d: %s", je.line, je.column, je.text);
	struct yg_level_rules *r = calloc(1, sizeof *r);
	int rc = r ? 0 : -ENOMEM;
	if (r) {
		r->confirm_from = 4;
		r->interval_s = 60;
		r->signal_ttl_s = 3600;
		r->retry_base_s = 5;
		r->retry_max_s = 600;
		r->retry_attempts = 10;
		r->campaign_window_h = 168;
		r->sightings_window_s = 3600;
		rc = parse_top(&e, root, r);
	}
	if (rc == 0)
		*ret = *r;
	free(r);
	json_decref(root);
	return rc;
}

int yg_level_rules_load(const char *path, struct yg_level_rules *ret, bool *ret_default,
			char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno != ENOENT) {
			int r = -errno;
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return r;
		}
		if (ret_default)
			*ret_default = true;
		return yg_level_rules_parse(default_rules, strlen(default_rules), ret, err, errlen);
	}
	char *buf = malloc(YG_LEVEL_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, YG_LEVEL_FILE_MAX + 1, f) : 0;
	int r = !buf ? -ENOMEM : ferror(f) ? -EIO : 0;
	fclose(f);
	char inner[400] = "";
	if (r == 0)
		r = yg_level_rules_parse(buf, n, ret, inner, sizeof inner);
	if (r < 0 && err && errlen)
		snprintf(err, errlen, "%s: %s", path, inner[0] ? inner : strerror(-r));
	if (r == 0 && ret_default)
		*ret_default = false;
	free(buf);
	return r;
}
