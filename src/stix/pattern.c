/*
 * Recursive-descent parser for the STIX 2.1 patterning language (STIX 2.1
 * section 9, grammar STIXPattern.g4). Lowest to highest precedence:
 *
 *   pattern      := obs_fby EOF
 *   obs_fby      := obs_or  ('FOLLOWEDBY' obs_or)*
 *   obs_or       := obs_and ('OR' obs_and)*
 *   obs_and      := obs_unit ('AND' obs_unit)*
 *   obs_unit     := ('[' cmp_or ']' | '(' obs_fby ')') qualifier*
 *   qualifier    := 'WITHIN' (int|float) 'SECONDS' | 'REPEATS' int 'TIMES'
 *                 | 'START' t'..' 'STOP' t'..'
 *   cmp_or       := cmp_and ('OR' cmp_and)*
 *   cmp_and      := prop_test ('AND' prop_test)*
 *   prop_test    := '(' cmp_or ')' | 'NOT'? 'EXISTS' path
 *                 | path 'NOT'? op literal
 *   path         := type ':' (ident | 'str') ('.' (ident | 'str') | '[' (int | '*') ']')*
 *
 * All three binary operators of each level are left-associative and
 * associative, so a chain a OR b OR c is kept as one n-ary node: the tree
 * is only as deep as the parentheses, which are capped, so walking it
 * recursively is safe.
 *
 * Operand types follow the grammar: = != take any literal, < > <= >= take
 * any but booleans, IN a list, LIKE MATCHES ISSUBSET ISSUPERSET a string.
 * WITHIN and REPEATS take positive numbers; STOP must be after START.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stix/pattern-int.h"
#include "stix/pattern.h"

struct parser {
	struct pat_lexer lx;
	struct pat_token tok; /* current, not yet consumed */
	struct yg_stix_pattern *pat;
	struct node **cmp_tail;
	unsigned depth;
	const char *src;
	size_t srclen;
	char *scratch;              /* path text being built: srclen + 1 bytes */
	struct yg_stix_value *vals; /* IN members being collected (lazy) */
};

static int advance(struct parser *p)
{
	return pat_lex_next(&p->lx, &p->tok);
}

static int fail_expected(struct parser *p, const char *what)
{
	return pat_error(p->lx.err, p->lx.errlen, p->tok.off, "expected %s, found %s", what,
	                 pat_tok_name(p->tok.kind));
}

static int expect(struct parser *p, enum pat_tok k)
{
	if (p->tok.kind != k)
		return fail_expected(p, pat_tok_name(k));
	return advance(p);
}

static struct node *new_node(struct parser *p, enum node_kind kind)
{
	struct node *n = pat_alloc(&p->pat->arena, sizeof *n);
	if (n) {
		memset(n, 0, sizeof *n);
		n->kind = kind;
	}
	return n;
}

/* A NUL-terminated arena copy of the current token's raw text. */
static char *tok_text(struct parser *p)
{
	char *s = pat_alloc(&p->pat->arena, p->tok.len + 1);
	if (s) {
		memcpy(s, p->src + p->tok.off, p->tok.len);
		s[p->tok.len] = '\0';
	}
	return s;
}

static int enter(struct parser *p)
{
	if (p->depth >= YG_STIX_PATTERN_MAX_DEPTH) {
		pat_error_write(p->lx.err, p->lx.errlen, p->tok.off, "nesting deeper than %d",
		                YG_STIX_PATTERN_MAX_DEPTH);
		return -E2BIG;
	}
	p->depth++;
	return 0;
}

typedef int (*parse_fn)(struct parser *p, struct node **ret);

/* operand (op operand)*: one operand stays itself, more become an n-ary node. */
static int parse_chain(struct parser *p, enum pat_tok op, enum node_kind kind, parse_fn operand,
                       struct node **ret)
{
	struct node *first = NULL, *n;
	int r = operand(p, &first);
	if (r < 0)
		return r;
	if (p->tok.kind != op) {
		*ret = first;
		return 0;
	}
	n = new_node(p, kind);
	if (!n)
		return -ENOMEM;
	n->child = first;
	struct node *last = first;
	while (p->tok.kind == op) {
		r = advance(p);
		if (r < 0)
			return r;
		r = operand(p, &last->next);
		if (r < 0)
			return r;
		last = last->next;
	}
	*ret = n;
	return 0;
}

/* ---- object paths and literals ---- */

static bool is_name(enum pat_tok k)
{
	return k == TK_IDENT || k == TK_STRING;
}

/* Appends the current token's raw text to the path scratch buffer. */
static void path_put(struct parser *p, size_t *o)
{
	memcpy(p->scratch + *o, p->src + p->tok.off, p->tok.len);
	*o += p->tok.len;
}

static int expect_name(struct parser *p)
{
	if (p->tok.kind == TK_IDENT_HYPHEN)
		return pat_error(p->lx.err, p->lx.errlen, p->tok.off,
		                 "property names with '-' must be quoted");
	if (!is_name(p->tok.kind))
		return fail_expected(p, "a property name");
	return 0;
}

/* type ':' name ('.' name | '[' index ']')*; the path text is rebuilt
 * without blanks or comments, which never makes it longer than its source
 * span, so the scratch buffer (pattern length + 1) always holds it. */
static int parse_path(struct parser *p, struct yg_stix_comparison *c)
{
	int r;
	size_t o = 0;
	if (p->tok.kind != TK_IDENT && p->tok.kind != TK_IDENT_HYPHEN)
		return fail_expected(p, "an object path (type:property)");
	if (!(c->object_type = tok_text(p)))
		return -ENOMEM;
	if ((r = advance(p)) < 0 || (r = expect(p, TK_COLON)) < 0 || (r = expect_name(p)) < 0)
		return r;
	path_put(p, &o);
	if ((r = advance(p)) < 0)
		return r;
	for (;;) {
		if (p->tok.kind == TK_DOT) {
			p->scratch[o++] = '.';
			if ((r = advance(p)) < 0 || (r = expect_name(p)) < 0)
				return r;
			path_put(p, &o);
		} else if (p->tok.kind == TK_LBRACK) {
			p->scratch[o++] = '[';
			if ((r = advance(p)) < 0)
				return r;
			if (p->tok.kind != TK_INT_POS && p->tok.kind != TK_INT_NEG &&
			    p->tok.kind != TK_STAR)
				return fail_expected(p, "a list index or '*'");
			path_put(p, &o);
			if ((r = advance(p)) < 0)
				return r;
			if (p->tok.kind != TK_RBRACK)
				return fail_expected(p, "']'");
			p->scratch[o++] = ']';
		} else {
			break;
		}
		if ((r = advance(p)) < 0)
			return r;
	}
	char *path = pat_alloc(&p->pat->arena, o + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, p->scratch, o);
	path[o] = '\0';
	c->path = path;
	return 0;
}

static enum yg_stix_value_kind literal_kind(enum pat_tok k)
{
	switch (k) {
	case TK_STRING:
		return YG_STIX_VALUE_STRING;
	case TK_INT_POS:
	case TK_INT_NEG:
		return YG_STIX_VALUE_INT;
	case TK_FLOAT_POS:
	case TK_FLOAT_NEG:
		return YG_STIX_VALUE_FLOAT;
	case TK_TRUE:
	case TK_FALSE:
		return YG_STIX_VALUE_BOOL;
	case TK_TIMESTAMP:
		return YG_STIX_VALUE_TIMESTAMP;
	case TK_HEX:
		return YG_STIX_VALUE_HEX;
	case TK_BINARY:
		return YG_STIX_VALUE_BINARY;
	default:
		return YG_STIX_VALUE_NONE;
	}
}

/* A primitive literal (booleans only when allow_bool) into *v. */
static int parse_literal(struct parser *p, bool allow_bool, struct yg_stix_value *v)
{
	enum yg_stix_value_kind k = literal_kind(p->tok.kind);
	if (k == YG_STIX_VALUE_NONE || (k == YG_STIX_VALUE_BOOL && !allow_bool))
		return fail_expected(p, allow_bool ? "a literal" : "an orderable literal");
	v->kind = k;
	v->text = k == YG_STIX_VALUE_STRING ? p->tok.str : tok_text(p);
	if (!v->text)
		return -ENOMEM;
	return advance(p);
}

static int parse_set(struct parser *p, struct yg_stix_comparison *c)
{
	int r;
	if (p->tok.kind != TK_LPAREN)
		return fail_expected(p, "'(' starting a list");
	/* Members are at least two bytes apart ("1,"), so a scratch array of
	 * half the pattern length holds any list; the list then gets an
	 * exact-size copy. Lists do not nest, so one scratch array serves. */
	size_t cap = p->srclen / 2 + 1;
	if (!p->vals) {
		p->vals = calloc(cap, sizeof *p->vals);
		if (!p->vals)
			return -ENOMEM;
	}
	struct yg_stix_value *vals = p->vals;
	size_t n = 0;
	if ((r = advance(p)) < 0)
		return r;
	if (p->tok.kind != TK_RPAREN) {
		for (;;) {
			if (n == cap)
				return fail_expected(p, "')'");
			if ((r = parse_literal(p, true, &vals[n])) < 0)
				return r;
			n++;
			if (p->tok.kind != TK_COMMA)
				break;
			if ((r = advance(p)) < 0)
				return r;
		}
	}
	if ((r = expect(p, TK_RPAREN)) < 0)
		return r;
	struct yg_stix_value *list = NULL;
	if (n > 0) {
		list = pat_alloc(&p->pat->arena, n * sizeof *list);
		if (!list)
			return -ENOMEM;
		memcpy(list, vals, n * sizeof *list);
	}
	c->kind = YG_STIX_VALUE_LIST;
	c->list = list;
	c->list_len = n;
	return 0;
}

static int parse_cmp_or(struct parser *p, struct node **ret);

static int parse_prop_test(struct parser *p, struct node **ret)
{
	int r;
	if (p->tok.kind == TK_LPAREN) {
		if ((r = enter(p)) < 0 || (r = advance(p)) < 0 || (r = parse_cmp_or(p, ret)) < 0)
			return r;
		p->depth--;
		return expect(p, TK_RPAREN);
	}

	struct node *n = new_node(p, N_CMP);
	if (!n)
		return -ENOMEM;
	struct yg_stix_comparison *c = &n->cmp;
	c->offset = p->tok.off;
	c->observation = p->pat->n_obs - 1;

	if (p->tok.kind == TK_NOT || p->tok.kind == TK_EXISTS) {
		if (p->tok.kind == TK_NOT) {
			c->negated = true;
			if ((r = advance(p)) < 0)
				return r;
			if (p->tok.kind != TK_EXISTS)
				return fail_expected(p, "EXISTS");
		}
		if ((r = advance(p)) < 0 || (r = parse_path(p, c)) < 0)
			return r;
		c->op = "EXISTS";
		c->kind = YG_STIX_VALUE_NONE;
		goto done;
	}

	if ((r = parse_path(p, c)) < 0)
		return r;
	if (p->tok.kind == TK_NOT) {
		c->negated = true;
		if ((r = advance(p)) < 0)
			return r;
	}
	enum pat_tok op = p->tok.kind;
	switch (op) {
	case TK_EQ:
	case TK_NEQ:
	case TK_LT:
	case TK_LE:
	case TK_GT:
	case TK_GE: {
		static const char *const names[] = {"=", "!=", "<", "<=", ">", ">="};
		c->op = names[op - TK_EQ];
		if ((r = advance(p)) < 0)
			return r;
		struct yg_stix_value v = {0};
		if ((r = parse_literal(p, op == TK_EQ || op == TK_NEQ, &v)) < 0)
			return r;
		c->kind = v.kind;
		c->value = v.text;
		break;
	}
	case TK_IN:
		c->op = "IN";
		if ((r = advance(p)) < 0 || (r = parse_set(p, c)) < 0)
			return r;
		break;
	case TK_LIKE:
	case TK_MATCHES:
	case TK_ISSUBSET:
	case TK_ISSUPERSET:
		c->op = pat_tok_name(op);
		if ((r = advance(p)) < 0)
			return r;
		if (p->tok.kind != TK_STRING)
			return fail_expected(p, "a string");
		c->kind = YG_STIX_VALUE_STRING;
		c->value = p->tok.str;
		if ((r = advance(p)) < 0)
			return r;
		break;
	case TK_EXISTS:
		return pat_error(p->lx.err, p->lx.errlen, p->tok.off,
		                 "EXISTS goes before the object path");
	default:
		return fail_expected(p, "a comparison operator");
	}
done:
	c->value_is_string = c->kind == YG_STIX_VALUE_STRING;
	*p->cmp_tail = n;
	p->cmp_tail = &n->next_cmp;
	p->pat->n_cmp++;
	*ret = n;
	return 0;
}

static int parse_cmp_and(struct parser *p, struct node **ret)
{
	return parse_chain(p, TK_AND, N_CMP_AND, parse_prop_test, ret);
}

static int parse_cmp_or(struct parser *p, struct node **ret)
{
	return parse_chain(p, TK_OR, N_CMP_OR, parse_cmp_and, ret);
}

/* ---- observation expressions ---- */

/* A positive int (or float when allowed) for WITHIN / REPEATS. */
static int parse_count(struct parser *p, bool allow_float, const char **ret)
{
	bool ok = p->tok.kind == TK_INT_POS || (allow_float && p->tok.kind == TK_FLOAT_POS);
	if (!ok)
		return fail_expected(p, allow_float ? "a positive number" : "a positive integer");
	/* Zero (in any spelling) is not positive; the text is digits, '+' and '.'. */
	bool nonzero = false;
	for (size_t i = 0; i < p->tok.len; i++) {
		char ch = p->src[p->tok.off + i];
		nonzero |= ch >= '1' && ch <= '9';
	}
	if (!nonzero)
		return pat_error(p->lx.err, p->lx.errlen, p->tok.off, "expected a positive number");
	if (!(*ret = tok_text(p)))
		return -ENOMEM;
	return advance(p);
}

static int parse_qualifier(struct parser *p, struct qualifier *q)
{
	int r;
	size_t off = p->tok.off;
	switch (p->tok.kind) {
	case TK_WITHIN:
		q->kind = Q_WITHIN;
		if ((r = advance(p)) < 0 || (r = parse_count(p, true, &q->number)) < 0)
			return r;
		return expect(p, TK_SECONDS);
	case TK_REPEATS:
		q->kind = Q_REPEATS;
		if ((r = advance(p)) < 0 || (r = parse_count(p, false, &q->number)) < 0)
			return r;
		return expect(p, TK_TIMES);
	default:
		q->kind = Q_STARTSTOP;
		if ((r = advance(p)) < 0)
			return r;
		if (p->tok.kind != TK_TIMESTAMP)
			return fail_expected(p, "a timestamp t'...'");
		q->start = p->tok.ts;
		if (!(q->start_text = tok_text(p)))
			return -ENOMEM;
		if ((r = advance(p)) < 0 || (r = expect(p, TK_STOP)) < 0)
			return r;
		if (p->tok.kind != TK_TIMESTAMP)
			return fail_expected(p, "a timestamp t'...'");
		q->stop = p->tok.ts;
		if (!(q->stop_text = tok_text(p)))
			return -ENOMEM;
		if (yg_stix_time_cmp(&q->stop, &q->start) <= 0)
			return pat_error(p->lx.err, p->lx.errlen, off,
			                 "STOP must be later than START");
		return advance(p);
	}
}

static int parse_obs_fby(struct parser *p, struct node **ret);

static int parse_obs_unit(struct parser *p, struct node **ret)
{
	int r;
	struct node *n;
	if (p->tok.kind == TK_LBRACK) {
		if ((r = enter(p)) < 0)
			return r;
		n = new_node(p, N_OBS);
		if (!n)
			return -ENOMEM;
		p->pat->n_obs++;
		if ((r = advance(p)) < 0 || (r = parse_cmp_or(p, &n->child)) < 0)
			return r;
		if ((r = expect(p, TK_RBRACK)) < 0)
			return r;
		p->depth--;
	} else if (p->tok.kind == TK_LPAREN) {
		if ((r = enter(p)) < 0 || (r = advance(p)) < 0 || (r = parse_obs_fby(p, &n)) < 0)
			return r;
		if ((r = expect(p, TK_RPAREN)) < 0)
			return r;
		p->depth--;
	} else {
		return fail_expected(p, "'[' or '('");
	}

	struct qualifier **tail = &n->quals;
	while (*tail)
		tail = &(*tail)->next;
	while (p->tok.kind == TK_WITHIN || p->tok.kind == TK_REPEATS || p->tok.kind == TK_START) {
		struct qualifier *q = pat_alloc(&p->pat->arena, sizeof *q);
		if (!q)
			return -ENOMEM;
		memset(q, 0, sizeof *q);
		if ((r = parse_qualifier(p, q)) < 0)
			return r;
		*tail = q;
		tail = &q->next;
		p->pat->has_quals = true;
	}
	*ret = n;
	return 0;
}

static int parse_obs_and(struct parser *p, struct node **ret)
{
	return parse_chain(p, TK_AND, N_OBS_AND, parse_obs_unit, ret);
}

static int parse_obs_or(struct parser *p, struct node **ret)
{
	return parse_chain(p, TK_OR, N_OBS_OR, parse_obs_and, ret);
}

static int parse_obs_fby(struct parser *p, struct node **ret)
{
	return parse_chain(p, TK_FOLLOWEDBY, N_OBS_FBY, parse_obs_or, ret);
}

int yg_stix_pattern_parse(const char *s, size_t len, struct yg_stix_pattern **ret, char *err,
                          size_t errlen)
{
	struct parser p = {0};
	int r;

	if (err && errlen > 0)
		err[0] = '\0';
	if (!s || !ret)
		return -EINVAL;
	if (len > YG_STIX_PATTERN_MAX_LEN) {
		pat_error_write(err, errlen, 0, "pattern longer than %d bytes",
		                YG_STIX_PATTERN_MAX_LEN);
		return -E2BIG;
	}
	p.pat = calloc(1, sizeof *p.pat);
	if (!p.pat)
		return -ENOMEM;
	p.src = s;
	p.srclen = len;
	p.scratch = malloc(len + 1);
	if (!p.scratch) {
		r = -ENOMEM;
		goto out;
	}
	p.cmp_tail = &p.pat->first_cmp;
	yg_cur_init(&p.lx.c, (const uint8_t *)s, len);
	p.lx.arena = &p.pat->arena;
	p.lx.err = err;
	p.lx.errlen = errlen;

	if ((r = advance(&p)) < 0)
		goto out;
	if (p.tok.kind == TK_EOF) {
		r = pat_error(err, errlen, p.tok.off, "empty pattern");
		goto out;
	}
	if ((r = parse_obs_fby(&p, &p.pat->root)) < 0)
		goto out;
	if (p.tok.kind != TK_EOF) {
		r = pat_error(
		    err, errlen, p.tok.off,
		    "expected AND, OR, FOLLOWEDBY, a qualifier or end of pattern, found %s",
		    pat_tok_name(p.tok.kind));
		goto out;
	}
	*ret = p.pat;
	p.pat = NULL;
	r = 0;
out:
	if (r == -ENOMEM && err && errlen > 0)
		pat_error_write(err, errlen, p.tok.off, "out of memory");
	yg_stix_pattern_free(p.pat);
	free(p.scratch);
	free(p.vals);
	return r;
}

void yg_stix_pattern_free(struct yg_stix_pattern *p)
{
	if (!p)
		return;
	pat_arena_release(&p->arena);
	free(p);
}

int yg_stix_pattern_walk(const struct yg_stix_pattern *p,
                         int (*fn)(void *ud, const struct yg_stix_comparison *c), void *ud)
{
	if (!p || !fn)
		return 0;
	for (const struct node *n = p->first_cmp; n; n = n->next_cmp) {
		int r = fn(ud, &n->cmp);
		if (r)
			return r;
	}
	return 0;
}

/* A comparison expression made of '=' string tests joined by OR only. */
static bool cmp_simple(const struct node *n)
{
	if (n->kind == N_CMP)
		return strcmp(n->cmp.op, "=") == 0 && !n->cmp.negated && n->cmp.value_is_string;
	if (n->kind != N_CMP_OR)
		return false;
	for (const struct node *c = n->child; c; c = c->next)
		if (!cmp_simple(c))
			return false;
	return true;
}

static bool obs_simple(const struct node *n)
{
	if (n->quals)
		return false;
	if (n->kind == N_OBS)
		return cmp_simple(n->child);
	if (n->kind != N_OBS_OR)
		return false;
	for (const struct node *c = n->child; c; c = c->next)
		if (!obs_simple(c))
			return false;
	return true;
}

bool yg_stix_pattern_is_simple(const struct yg_stix_pattern *p)
{
	return p && p->root && obs_simple(p->root);
}

size_t yg_stix_pattern_comparisons(const struct yg_stix_pattern *p)
{
	return p ? p->n_cmp : 0;
}

size_t yg_stix_pattern_observations(const struct yg_stix_pattern *p)
{
	return p ? p->n_obs : 0;
}

bool yg_stix_pattern_has_qualifiers(const struct yg_stix_pattern *p)
{
	return p && p->has_quals;
}
