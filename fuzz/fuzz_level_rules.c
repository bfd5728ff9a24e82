/*
 * The alert level's rules file (src/level/rules.c): any bytes give rules
 * that hold their invariants (five named levels, rule levels 1..5, at most
 * the caps) or -EINVAL / -E2BIG with a message naming the place; rules that
 * parse are evaluated over signals made from the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "level/level.h"

static struct yg_level_rules *rules;
static struct yg_level_signals *sig;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules) {
		rules = calloc(1, sizeof *rules);
		sig = calloc(1, sizeof *sig);
		if (!rules || !sig)
			abort();
	}
	if (size > YG_LEVEL_FILE_MAX + 1)
		return 0;
	char err[400];
	err[0] = 'x';
	int r = yg_level_rules_parse((const char *)data, size, rules, err, sizeof err);
	if (r < 0) {
		if ((r != -EINVAL && r != -E2BIG && r != -ENOMEM) || !err[0] ||
		    !memchr(err, '\0', sizeof err))
			abort();
		return 0;
	}
	if (rules->n_rules > YG_LEVEL_RULES_MAX || rules->confirm_from < 2)
		abort();
	for (int lv = YG_LEVEL_MIN; lv <= YG_LEVEL_MAX; lv++)
		if (!rules->levels[lv].name[0] || rules->n_actions[lv] > YG_LEVEL_ACTIONS_MAX)
			abort();
	/* Every rule's signal at a value taken from the input. */
	for (size_t i = 0; i < rules->n_rules; i++) {
		if (rules->rules[i].level < YG_LEVEL_MIN || rules->rules[i].level > YG_LEVEL_MAX)
			abort();
		double v = (double)(data[i % size] % 16);
		yg_level_signals_put(sig, rules->rules[i].signal, v, NULL, 1, 0);
		if (rules->rules[i].baseline[0])
			yg_level_signals_put(sig, rules->rules[i].baseline, v / 2, NULL, 1, 0);
	}
	int level = 0;
	json_t *reasons = NULL;
	if (yg_level_evaluate(rules, sig, 2, &level, &reasons) == 0) {
		if (level < YG_LEVEL_MIN || level > YG_LEVEL_MAX)
			abort();
		json_decref(reasons);
	}
	yg_level_signals_clear(sig);
	return 0;
}
