/*
 * The alert level: the rules file, evaluation on generated signals, and the
 * engine's transitions (confirmation, rejection, manual set, two-person
 * rule, audit log, playbook retries) on a real store in a temp dir.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "level/body.h"
#include "level/level.h"

static struct yg_level_rules *rules_of(const char *text)
{
	struct yg_level_rules *r = calloc(1, sizeof *r);
	char err[256];
	assert_non_null(r);
	int rc = yg_level_rules_parse(text, strlen(text), r, err, sizeof err);
	if (rc < 0)
		fail_msg("rules: %s", err);
	return r;
}

static void default_rules_parse(void **state)
{
	(void)state;
	struct yg_level_rules *r = rules_of(yg_level_rules_default_text());
	assert_string_equal(r->levels[1].name, "normal");
	assert_string_equal(r->levels[5].name, "severe");
	assert_int_equal(r->confirm_from, 4);
	assert_true(r->n_rules >= 10);
	assert_int_equal(r->n_actions[4], 4);
	assert_int_equal(r->playbooks[4][1].kind, YG_LEVEL_ACT_EXPORT_MODE);
	assert_string_equal(r->playbooks[4][1].text, "block");
	assert_int_equal(r->interval_s, 60);
	free(r);
}

#define LEVELS                                                                                  \
	"\"levels\":[{\"level\":1,\"name\":\"a\"},{\"level\":2,\"name\":\"b\"},"               \
	"{\"level\":3,\"name\":\"c\"},{\"level\":4,\"name\":\"d\"},{\"level\":5,\"name\":\"e\"}]"

static void rules_errors_name_the_place(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"{}", "levels: missing"},
		{"[1]", "top level must be an object"},
		{"{" LEVELS ",\"rules\":[{\"id\":\"x\",\"signal\":\"s\",\"op\":\"~\",\"value\":1,"
		 "\"level\":2}]}",
		 "rules[0].op"},
		{"{" LEVELS ",\"rules\":[{\"id\":\"x\",\"signal\":\"s\",\"value\":\"1\",\"level\":2}]}",
		 "rules[0].value: must be a number"},
		{"{" LEVELS ",\"rules\":[{\"id\":\"x\",\"signal\":\"s\",\"value\":1,\"level\":9}]}",
		 "rules[0].level"},
		{"{" LEVELS ",\"rules\":[{\"id\":\"x\",\"signal\":\"s\",\"valeu\":1,\"level\":2}]}",
		 "rules[0]: unknown key \"valeu\""},
		{"{" LEVELS ",\"rules\":[{\"id\":\"x\",\"signal\":\"Bad Name\",\"value\":1,"
		 "\"level\":2}]}",
		 "rules[0].signal"},
		{"{" LEVELS ",\"playbooks\":{\"4\":[{\"action\":\"webhook\",\"url\":\"file:///etc\"}]}}",
		 "playbooks.4[0].url"},
		{"{" LEVELS ",\"playbooks\":{\"9\":[]}}", "playbooks: key \"9\""},
		{"{" LEVELS ",\"retry\":{\"base_s\":10,\"max_s\":1}}", "retry.max_s"},
		{"{\"levels\":[{\"level\":1,\"name\":\"a\"}]}", "levels: must be an array"},
		{"{" LEVELS ", \"confirm_from\": 4, \"confirm_from\": 5}", "line 1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct yg_level_rules *r = calloc(1, sizeof *r);
		char err[256] = "";
		assert_int_equal(yg_level_rules_parse(cases[i].text, strlen(cases[i].text), r, err,
						      sizeof err),
				 -EINVAL);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' does not name '%s'", i, err, cases[i].want);
		free(r);
	}
}

static const char *reason_rule(const json_t *reasons, size_t i)
{
	return json_string_value(json_object_get(json_array_get(reasons, i), "rule"));
}

static void rules_fire_on_signals(void **state)
{
	(void)state;
	struct yg_level_rules *r = rules_of(yg_level_rules_default_text());
	struct yg_level_signals *s = calloc(1, sizeof *s);
	int64_t now = 1000000000000;
	int lv = 0;
	json_t *why = NULL;
	/* No signal: level 1, no reason. */
	assert_int_equal(yg_level_evaluate(r, s, now, &lv, &why), 0);
	assert_int_equal(lv, 1);
	assert_int_equal(json_array_size(why), 0);
	json_decref(why);
	/* A surge of 7 passes both surge rules: level 3, the stronger first. */
	assert_int_equal(yg_level_signals_put(s, "darknet.surge_score", 7,
					      json_pack("{s:i}", "port", 23), now, now + 1000), 0);
	assert_int_equal(yg_level_evaluate(r, s, now, &lv, &why), 0);
	assert_int_equal(lv, 3);
	assert_int_equal(json_array_size(why), 2);
	assert_string_equal(reason_rule(why, 0), "darknet-surge-strong");
	assert_string_equal(reason_rule(why, 1), "darknet-surge");
	json_t *first = json_array_get(why, 0);
	assert_true(json_number_value(json_object_get(first, "value")) == 7.0);
	assert_true(json_number_value(json_object_get(first, "threshold")) == 6.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "detail"), "port")),
			 23);
	json_decref(why);
	/* Expired: it no longer votes. */
	assert_int_equal(yg_level_evaluate(r, s, now + 1000, &lv, &why), 0);
	assert_int_equal(lv, 1);
	json_decref(why);
	/* Infected hosts against their baseline: no baseline, no vote; at
	 * twice the baseline, level 3 with both numbers. */
	assert_int_equal(yg_level_signals_put(s, "hosts.infected", 50, NULL, now, 0), 0);
	assert_int_equal(yg_level_evaluate(r, s, now + 1000, &lv, &why), 0);
	assert_int_equal(lv, 1);
	json_decref(why);
	assert_int_equal(yg_level_signals_put(s, "hosts.infected_baseline", 20, NULL, now, 0), 0);
	assert_int_equal(yg_level_evaluate(r, s, now + 1000, &lv, &why), 0);
	assert_int_equal(lv, 3);
	assert_string_equal(reason_rule(why, 0), "infected-above-baseline");
	assert_true(json_number_value(json_object_get(json_array_get(why, 0), "threshold")) == 40.0);
	assert_true(json_number_value(json_object_get(json_array_get(why, 0), "baseline_value")) ==
		    20.0);
	json_decref(why);
	assert_int_equal(yg_level_signals_put(s, "hosts.infected_baseline", 30, NULL, now, 0), 0);
	assert_int_equal(yg_level_evaluate(r, s, now + 1000, &lv, &why), 0);
	assert_int_equal(lv, 1);
	json_decref(why);
	/* A campaign across three sectors votes 4. */
	assert_int_equal(yg_level_signals_put(s, "campaign.sectors", 3, NULL, now, 0), 0);
	assert_int_equal(yg_level_evaluate(r, s, now + 1000, &lv, &why), 0);
	assert_int_equal(lv, 4);
	assert_string_equal(reason_rule(why, 0), "campaign-sectors");
	json_decref(why);
	/* Bad names and values are refused. */
	assert_int_equal(yg_level_signals_put(s, "Bad", 1, NULL, now, 0), -EINVAL);
	assert_int_equal(yg_level_signals_put(s, "x", NAN, NULL, now, 0), -EINVAL);
	yg_level_signals_clear(s);
	free(s);
	free(r);
}

/* ---- the engine on a real store ---- */

static char dir[64];
static int decay_calls;
static double decay_last;
static int events;

static int hook_decay(void *ud, double f)
{
	(void)ud;
	decay_calls++;
	decay_last = f;
	return 0;
}

static void hook_event(void *ud, const char *type, const char *json)
{
	(void)ud;
	(void)json;
	if (!strcmp(type, "level"))
		events++;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-level-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char p[128];
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm", "level.json"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static void write_rules(const char *text)
{
	char p[128];
	snprintf(p, sizeof p, "%s/level.json", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct yg_level *engine(void)
{
	struct yg_level *l = NULL;
	char err[256] = "";
	struct yg_level_config cfg = {
	    .data_dir = dir, .hooks = {.decay = hook_decay, .event = hook_event}};
	int r = yg_level_new(&cfg, &l, err, sizeof err);
	if (r < 0)
		fail_msg("engine: %d %s", r, err);
	return l;
}

static int level_of(struct yg_level *l, json_t **ret_prop)
{
	json_t *s = NULL;
	assert_int_equal(yg_level_status(l, true, &s), 0);
	int lv = (int)json_integer_value(json_object_get(s, "level"));
	if (ret_prop)
		*ret_prop = json_incref(json_object_get(s, "proposal"));
	json_decref(s);
	return lv;
}

static const char *kinds(struct yg_level *l, char *buf, size_t n)
{
	json_t *h = NULL;
	assert_int_equal(yg_level_history(l, 0, 100, true, &h), 0);
	json_t *arr = json_object_get(h, "history");
	buf[0] = '\0';
	/* Oldest first. */
	for (size_t i = json_array_size(arr); i-- > 0;) {
		json_t *e = json_array_get(arr, i);
		size_t used = strlen(buf);
		snprintf(buf + used, n - used, "%s%s:%d>%d", used ? " " : "",
			 json_string_value(json_object_get(e, "kind")),
			 (int)json_integer_value(json_object_get(e, "from")),
			 (int)json_integer_value(json_object_get(e, "to")));
	}
	json_decref(h);
	return buf;
}

static const struct yg_level_actor op_a = {1, "ops", "aaaaaaaaaaaa", "admin"};
static const struct yg_level_actor op_b = {1, "ops", "bbbbbbbbbbbb", "admin"};

static void confirmations_and_audit(void **state)
{
	(void)state;
	write_rules("{" LEVELS ",\"rules\":["
		    "{\"id\":\"s2\",\"signal\":\"surge\",\"value\":3,\"level\":2},"
		    "{\"id\":\"s3\",\"signal\":\"surge\",\"value\":6,\"level\":3},"
		    "{\"id\":\"i4\",\"signal\":\"incidents\",\"value\":5,\"level\":4},"
		    "{\"id\":\"p5\",\"signal\":\"peer\",\"value\":5,\"level\":5}],"
		    "\"playbooks\":{\"3\":[{\"action\":\"decay\",\"factor\":2}],"
		    "\"4\":[{\"action\":\"decay\",\"factor\":4}],"
		    "\"1\":[{\"action\":\"decay\",\"factor\":1}]}}");
	struct yg_level *l = engine();
	char buf[2048];
	json_t *prop = NULL;
	/* A raise below confirm_from applies at once and queues the playbook. */
	assert_int_equal(yg_level_signal_set(l, "surge", 7, "{\"port\":23}"), 0);
	assert_int_equal(level_of(l, &prop), 3);
	assert_true(json_is_null(prop));
	json_decref(prop);
	size_t ran = 0;
	assert_int_equal(yg_level_run_due(l, INT64_MAX / 2, &ran), 0);
	assert_int_equal(ran, 1);
	assert_true(decay_last == 2.0);
	/* A raise to 4 waits; 3 stays. */
	assert_int_equal(yg_level_signal_set(l, "incidents", 6, NULL), 0);
	assert_int_equal(level_of(l, &prop), 3);
	assert_int_equal(json_integer_value(json_object_get(prop, "level")), 4);
	int64_t pid = json_integer_value(json_object_get(prop, "id"));
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(prop, "reasons"), 0), "rule")),
			    "i4");
	json_decref(prop);
	/* The same evaluation again proposes nothing new. */
	assert_int_equal(yg_level_evaluate_now(l), 0);
	assert_int_equal(level_of(l, &prop), 3);
	assert_int_equal(json_integer_value(json_object_get(prop, "id")), pid);
	json_decref(prop);
	/* Confirming another proposal id is refused; the right one applies. */
	assert_int_equal(yg_level_confirm(l, &op_a, pid + 100, "x", NULL), -ESTALE);
	assert_int_equal(yg_level_confirm(l, &op_a, pid, "seen it", NULL), 0);
	assert_int_equal(level_of(l, NULL), 4);
	assert_int_equal(yg_level_confirm(l, &op_a, 0, NULL, NULL), -ENOENT);
	assert_int_equal(yg_level_run_due(l, INT64_MAX / 2, &ran), 0);
	assert_true(decay_last == 4.0);
	/* Signals fall: a lowering waits; a rejection holds it off. */
	assert_int_equal(yg_level_signal_set(l, "incidents", 0, NULL), 0);
	assert_int_equal(yg_level_signal_set(l, "surge", 0, NULL), 0);
	assert_int_equal(level_of(l, &prop), 4);
	assert_int_equal(json_integer_value(json_object_get(prop, "level")), 1);
	json_decref(prop);
	assert_int_equal(yg_level_reject(l, &op_b, 0, "not yet", NULL), 0);
	assert_int_equal(yg_level_evaluate_now(l), 0);
	assert_int_equal(level_of(l, &prop), 4);
	assert_true(json_is_null(prop));
	json_decref(prop);
	/* A manual set needs a reason; with one it applies. */
	assert_int_equal(yg_level_set(l, &op_a, 2, "   ", NULL), -EINVAL);
	assert_int_equal(yg_level_set(l, &op_a, 2, "exercise over", NULL), 0);
	assert_int_equal(level_of(l, NULL), 2);
	assert_string_equal(kinds(l, buf, sizeof buf),
			    "proposed:1>3 applied:1>3 proposed:3>4 confirmed:3>4 proposed:4>3 "
			    "withdrawn:4>3 proposed:4>1 "
			    "rejected:4>1 manual:4>2");
	/* Who, why and the signal values are in each entry. */
	json_t *h = NULL;
	assert_int_equal(yg_level_history(l, 0, 10, true, &h), 0);
	json_t *manual = json_array_get(json_object_get(h, "history"), 0);
	assert_string_equal(json_string_value(json_object_get(manual, "reason")), "exercise over");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(manual, "actor"), "token")),
	    "aaaaaaaaaaaa");
	json_t *sig = json_object_get(json_object_get(manual, "detail"), "signals");
	assert_true(json_number_value(json_object_get(sig, "surge")) == 0.0);
	json_t *confirmed = json_array_get(json_object_get(h, "history"), 5);
	assert_string_equal(json_string_value(json_object_get(confirmed, "kind")), "confirmed");
	assert_true(json_number_value(json_object_get(
			json_object_get(json_object_get(confirmed, "detail"), "signals"),
			"incidents")) == 6.0);
	assert_int_equal(json_array_size(json_object_get(confirmed, "actions")), 1);
	json_decref(h);
	/* Members do not see token ids nor signal details. */
	assert_int_equal(yg_level_history(l, 0, 10, false, &h), 0);
	json_t *e = json_array_get(json_object_get(h, "history"), 0);
	assert_null(json_object_get(json_object_get(e, "actor"), "token"));
	json_decref(h);
	assert_true(events >= 5);
	yg_level_free(l);
	/* The state survives a restart. */
	l = engine();
	assert_int_equal(level_of(l, NULL), 2);
	yg_level_free(l);
}

static void two_person_rule(void **state)
{
	(void)state;
	write_rules("{" LEVELS ",\"two_person\":true,\"rules\":["
		    "{\"id\":\"p5\",\"signal\":\"peer\",\"value\":5,\"level\":5}]}");
	struct yg_level *l = engine();
	json_t *prop = NULL;
	assert_int_equal(yg_level_signal_set(l, "peer", 5, NULL), 0);
	assert_int_equal(level_of(l, &prop), 3); /* confirm_from - 1 at once */
	assert_int_equal(json_integer_value(json_object_get(prop, "confirmations_needed")), 2);
	json_decref(prop);
	assert_int_equal(yg_level_confirm(l, &op_a, 0, "one", NULL), 0);
	assert_int_equal(level_of(l, &prop), 3);
	assert_int_equal(json_integer_value(json_object_get(prop, "confirmations")), 1);
	json_decref(prop);
	assert_int_equal(yg_level_confirm(l, &op_a, 0, "me again", NULL), -EALREADY);
	assert_int_equal(level_of(l, NULL), 3);
	assert_int_equal(yg_level_confirm(l, &op_b, 0, "two", NULL), 0);
	assert_int_equal(level_of(l, NULL), 5);
	/* A manual 5 under the rule waits for a second token too. */
	assert_int_equal(yg_level_set(l, &op_a, 1, "drill", NULL), 0);
	assert_int_equal(level_of(l, NULL), 1);
	assert_int_equal(yg_level_set(l, &op_a, 5, "by hand", NULL), 0);
	assert_int_equal(level_of(l, &prop), 1);
	assert_true(json_is_true(json_object_get(prop, "manual")));
	json_decref(prop);
	assert_int_equal(yg_level_confirm(l, &op_a, 0, NULL, NULL), -EALREADY);
	assert_int_equal(yg_level_confirm(l, &op_b, 0, NULL, NULL), 0);
	assert_int_equal(level_of(l, NULL), 5);
	/* Off: one operator suffices. */
	assert_int_equal(yg_level_two_person(l, &op_a, false), 0);
	assert_int_equal(yg_level_set(l, &op_a, 1, "drill", NULL), 0);
	assert_int_equal(yg_level_set(l, &op_a, 5, "by hand", NULL), 0);
	assert_int_equal(level_of(l, NULL), 5);
	yg_level_free(l);
}

static int count_state(struct yg_level *l, const char *state)
{
	json_t *s = NULL;
	assert_int_equal(yg_level_status(l, true, &s), 0);
	int n = 0;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(s, "actions"), i, a) n +=
	    !strcmp(json_string_value(json_object_get(a, "state")), state);
	json_decref(s);
	return n;
}

static void failed_action_retried_then_given_up(void **state)
{
	(void)state;
	/* Port 1 on loopback refuses: every attempt fails. */
	write_rules("{" LEVELS ",\"retry\":{\"base_s\":0.01,\"max_s\":0.02,\"attempts\":3},"
		    "\"rules\":[{\"id\":\"s2\",\"signal\":\"surge\",\"value\":3,\"level\":2}],"
		    "\"playbooks\":{\"2\":[{\"action\":\"webhook\",\"url\":\"http://127.0.0.1:1/\"},"
		    "{\"action\":\"decay\",\"factor\":1}]}}");
	struct yg_level *l = engine();
	assert_int_equal(yg_level_signal_set(l, "surge", 3, NULL), 0);
	assert_int_equal(level_of(l, NULL), 2);
	size_t ran = 0;
	assert_int_equal(yg_level_run_due(l, INT64_MAX / 2, &ran), 0);
	assert_int_equal(ran, 2);
	assert_int_equal(count_state(l, "failed"), 1);
	assert_int_equal(count_state(l, "succeeded"), 1);
	assert_int_equal(yg_level_run_due(l, INT64_MAX / 2, &ran), 0);
	assert_int_equal(ran, 1);
	assert_int_equal(count_state(l, "failed"), 1);
	assert_int_equal(yg_level_run_due(l, INT64_MAX / 2, &ran), 0);
	assert_int_equal(count_state(l, "gave_up"), 1);
	assert_int_equal(yg_level_run_due(l, INT64_MAX / 2, &ran), 0);
	assert_int_equal(ran, 0);
	json_t *s = NULL;
	assert_int_equal(yg_level_status(l, true, &s), 0);
	json_t *a = json_array_get(json_object_get(s, "actions"), 0);
	assert_int_equal(json_integer_value(json_object_get(a, "attempts")), 3);
	assert_non_null(json_string_value(json_object_get(a, "error")));
	json_decref(s);
	yg_level_free(l);
}

static void bodies(void **state)
{
	(void)state;
	char err[256];
	struct yg_level_set_body sb;
	const char *b = "{\"level\":4,\"reason\":\"x\"}";
	assert_int_equal(yg_level_body_set(b, strlen(b), &sb, err, sizeof err), 0);
	assert_int_equal(sb.level, 4);
	b = "{\"level\":4}";
	assert_int_equal(yg_level_body_set(b, strlen(b), &sb, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "reason"));
	b = "{\"level\":6,\"reason\":\"x\"}";
	assert_int_equal(yg_level_body_set(b, strlen(b), &sb, err, sizeof err), -EINVAL);
	struct yg_level_signal_body *s = NULL;
	size_t n = 0;
	b = "{\"signals\":[{\"name\":\"a.b\",\"value\":1},{\"name\":\"c\",\"value\":2,"
	    "\"detail\":{\"port\":23},\"ttl_s\":60}]}";
	assert_int_equal(yg_level_body_signals(b, strlen(b), &s, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[1].detail, "{\"port\":23}");
	assert_int_equal(s[1].ttl_s, 60);
	yg_level_body_signals_free(s, n);
	b = "{\"signals\":[{\"name\":\"a\",\"value\":1},{\"name\":\"c\",\"value\":\"2\"}]}";
	assert_int_equal(yg_level_body_signals(b, strlen(b), &s, &n, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "signals[1].value"));
	struct yg_level_decision_body db;
	assert_int_equal(yg_level_body_decision("", 0, &db, err, sizeof err), 0);
	assert_int_equal(db.proposal, 0);
	b = "{\"proposal\":-1}";
	assert_int_equal(yg_level_body_decision(b, strlen(b), &db, err, sizeof err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_rules_parse),
		cmocka_unit_test(rules_errors_name_the_place),
		cmocka_unit_test(rules_fire_on_signals),
		cmocka_unit_test(bodies),
		cmocka_unit_test_setup_teardown(confirmations_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(two_person_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_action_retried_then_given_up, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
