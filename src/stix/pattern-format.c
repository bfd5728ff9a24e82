/*
 * Canonical text of a parsed STIX 2.1 pattern (STIX 2.1 section 9): the
 * grouping the parser chose is written out with parentheses, so tests can
 * check precedence and the hub can store one spelling of a pattern.
 *
 *   [a:b = 'x'] OR [c:d = 'y'] AND [e:f = 'z']
 *     -> ([a:b = 'x'] OR ([c:d = 'y'] AND [e:f = 'z']))
 */
#include <errno.h>
#include <string.h>

#include "stix/pattern-int.h"

struct out {
	char *buf;
	size_t len, cap; /* cap excludes the NUL */
	bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || o->cap - o->len < n) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_value(struct out *o, enum yg_stix_value_kind kind, const char *text)
{
	if (kind != YG_STIX_VALUE_STRING) {
		puts_(o, text);
		return;
	}
	put(o, "'", 1);
	for (const char *s = text; *s; s++) {
		if (*s == '\'' || *s == '\\')
			put(o, "\\", 1);
		put(o, s, 1);
	}
	put(o, "'", 1);
}

static void put_cmp(struct out *o, const struct yg_stix_comparison *c)
{
	bool exists = strcmp(c->op, "EXISTS") == 0;
	if (exists) {
		puts_(o, c->negated ? "NOT EXISTS " : "EXISTS ");
	}
	puts_(o, c->object_type);
	put(o, ":", 1);
	puts_(o, c->path);
	if (exists)
		return;
	puts_(o, c->negated ? " NOT " : " ");
	puts_(o, c->op);
	put(o, " ", 1);
	if (c->kind != YG_STIX_VALUE_LIST) {
		put_value(o, c->kind, c->value);
		return;
	}
	put(o, "(", 1);
	for (size_t i = 0; i < c->list_len; i++) {
		if (i)
			put(o, ", ", 2);
		put_value(o, c->list[i].kind, c->list[i].text);
	}
	put(o, ")", 1);
}

/* Recursion is bounded: the tree is no deeper than the parser's nesting cap
 * times the three chain levels. */
static void put_node(struct out *o, const struct node *n)
{
	const char *sep = NULL;
	switch (n->kind) {
	case N_CMP:
		put_cmp(o, &n->cmp);
		break;
	case N_OBS:
		put(o, "[", 1);
		put_node(o, n->child);
		put(o, "]", 1);
		break;
	case N_OBS_AND:
	case N_CMP_AND:
		sep = " AND ";
		break;
	case N_OBS_OR:
	case N_CMP_OR:
		sep = " OR ";
		break;
	case N_OBS_FBY:
		sep = " FOLLOWEDBY ";
		break;
	}
	if (sep) {
		put(o, "(", 1);
		for (const struct node *c = n->child; c; c = c->next) {
			if (c != n->child)
				puts_(o, sep);
			put_node(o, c);
		}
		put(o, ")", 1);
	}
	for (const struct qualifier *q = n->quals; q; q = q->next) {
		switch (q->kind) {
		case Q_WITHIN:
			puts_(o, " WITHIN ");
			puts_(o, q->number);
			puts_(o, " SECONDS");
			break;
		case Q_REPEATS:
			puts_(o, " REPEATS ");
			puts_(o, q->number);
			puts_(o, " TIMES");
			break;
		case Q_STARTSTOP:
			puts_(o, " START ");
			puts_(o, q->start_text);
			puts_(o, " STOP ");
			puts_(o, q->stop_text);
			break;
		}
	}
}

int yg_stix_pattern_format(const struct yg_stix_pattern *p, char *buf, size_t buflen)
{
	if (!buf || buflen == 0)
		return -ENOBUFS;
	struct out o = {.buf = buf, .cap = buflen - 1};
	if (p && p->root)
		put_node(&o, p->root);
	buf[o.len] = '\0';
	return o.overflow ? -ENOBUFS : 0;
}
