/*
 * Fuzzes the STIX 2.1 pattern parser (src/stix/pattern.c). Beyond "no
 * crash", checks two invariants on every accepted input: the walk visits
 * as many comparisons as the parser counted, and the canonical text parses
 * back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/pattern.h"

static int count(void *ud, const struct yg_stix_comparison *c)
{
	size_t *n = ud;
	/* Touch every string so ASan sees a bad pointer. */
	volatile size_t sink = strlen(c->object_type) + strlen(c->path) + strlen(c->op);
	if (c->value)
		sink += strlen(c->value);
	for (size_t i = 0; i < c->list_len; i++)
		sink += strlen(c->list[i].text);
	(void)sink;
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_stix_pattern *p = NULL, *q = NULL;
	char err[128];
	if (yg_stix_pattern_parse((const char *)data, size, &p, err, sizeof err) != 0)
		return 0;
	size_t n = 0;
	yg_stix_pattern_walk(p, count, &n);
	if (n != yg_stix_pattern_comparisons(p))
		abort();
	(void)yg_stix_pattern_is_simple(p);

	/* Canonical text: at most a few times the input (parentheses, spaces). */
	size_t cap = 4 * size + 64;
	char *a = malloc(cap), *b = malloc(cap);
	if (a && b && yg_stix_pattern_format(p, a, cap) == 0) {
		if (yg_stix_pattern_parse(a, strlen(a), &q, err, sizeof err) != 0)
			abort();
		if (yg_stix_pattern_format(q, b, cap) != 0 || strcmp(a, b) != 0)
			abort();
		if (yg_stix_pattern_comparisons(q) != n)
			abort();
	}
	free(a);
	free(b);
	yg_stix_pattern_free(q);
	yg_stix_pattern_free(p);
	return 0;
}
