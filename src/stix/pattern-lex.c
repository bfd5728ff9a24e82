/*
 * Lexer for the STIX 2.1 patterning language (STIX 2.1 section 9; tokens
 * of the ANTLR grammar STIXPattern.g4):
 *
 *   [ file:hashes.'SHA-256' = 'ab\'c' ] WITHIN 300 SECONDS
 *   ^ ^   ^^     ^         ^ ^          ^      ^   ^
 *   | |   ||     |         | |          |      |   keyword
 *   | |   ||     |         | |          |      IntPosLiteral
 *   | |   ||     |         | |          keyword
 *   | |   ||     |         | StringLiteral: only \' and \\ escapes
 *   | |   ||     |         EQ ('=' or '==')
 *   | |   ||     StringLiteral as a quoted path step
 *   | |   |DOT
 *   | |   COLON
 *   | IdentifierWithHyphen (object types may hold '-', property names not)
 *   LBRACK
 *
 * Other literals: t'2016-01-01T00:00:00Z' (validated as a date), h'0aff'
 * (even number of hex digits), b'AAE=' (base64 with correct padding),
 * 12 / -3 / +4, 1.5 / -.5, true / false. Whitespace includes the Unicode
 * spaces the grammar lists; /​* *​/ and // comments are skipped. Keywords are
 * case-sensitive: "and" is an identifier.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/pattern-int.h"

struct pat_block {
	struct pat_block *next;
	size_t used, cap;
	_Alignas(max_align_t) unsigned char data[];
};

#define BLOCK_MIN 4096

void *pat_alloc(struct pat_arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	struct pat_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;
		if (cap > PAT_ARENA_CAP || a->total + cap > PAT_ARENA_CAP)
			return NULL;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
		a->total += cap;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void pat_arena_release(struct pat_arena *a)
{
	struct pat_block *b = a->head;
	while (b) {
		struct pat_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

void pat_error_write(char *err, size_t errlen, size_t off, const char *fmt, ...)
{
	if (err && errlen > 0) {
		int n = snprintf(err, errlen, "offset %zu: ", off);
		if (n >= 0 && (size_t)n < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
}

static const struct {
	const char *text;
	enum pat_tok kind;
} keywords[] = {
    {"AND", TK_AND},
    {"OR", TK_OR},
    {"NOT", TK_NOT},
    {"FOLLOWEDBY", TK_FOLLOWEDBY},
    {"LIKE", TK_LIKE},
    {"MATCHES", TK_MATCHES},
    {"ISSUPERSET", TK_ISSUPERSET},
    {"ISSUBSET", TK_ISSUBSET},
    {"EXISTS", TK_EXISTS},
    {"LAST", TK_LAST},
    {"IN", TK_IN},
    {"START", TK_START},
    {"STOP", TK_STOP},
    {"SECONDS", TK_SECONDS},
    {"true", TK_TRUE},
    {"false", TK_FALSE},
    {"WITHIN", TK_WITHIN},
    {"REPEATS", TK_REPEATS},
    {"TIMES", TK_TIMES},
};

const char *pat_tok_name(enum pat_tok k)
{
	switch (k) {
	case TK_EOF:
		return "end of pattern";
	case TK_LBRACK:
		return "'['";
	case TK_RBRACK:
		return "']'";
	case TK_LPAREN:
		return "'('";
	case TK_RPAREN:
		return "')'";
	case TK_COLON:
		return "':'";
	case TK_DOT:
		return "'.'";
	case TK_COMMA:
		return "','";
	case TK_STAR:
		return "'*'";
	case TK_EQ:
		return "'='";
	case TK_NEQ:
		return "'!='";
	case TK_LT:
		return "'<'";
	case TK_LE:
		return "'<='";
	case TK_GT:
		return "'>'";
	case TK_GE:
		return "'>='";
	case TK_IDENT:
	case TK_IDENT_HYPHEN:
		return "an identifier";
	case TK_INT_POS:
	case TK_INT_NEG:
		return "an integer";
	case TK_FLOAT_POS:
	case TK_FLOAT_NEG:
		return "a float";
	case TK_STRING:
		return "a string";
	case TK_HEX:
		return "a hex literal";
	case TK_BINARY:
		return "a binary literal";
	case TK_TIMESTAMP:
		return "a timestamp";
	default:
		break;
	}
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (keywords[i].kind == k)
			return keywords[i].text;
	return "a token";
}

/* Byte k ahead of the cursor, or -1 past the end. */
static int at(const struct yg_cur *c, size_t k)
{
	return yg_cur_left(c) > k ? yg_cur_ptr(c)[k] : -1;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_ident_start(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_ident_char(int ch)
{
	return is_ident_start(ch) || is_digit(ch);
}

static bool is_hex(int ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool is_b64(int ch)
{
	return is_ident_char(ch) && ch != '_' ? true : ch == '+' || ch == '/';
}

/* Length of the whitespace sequence at the cursor (0 if none): ASCII
 * space, \t \n \v \f \r, and the UTF-8 encodings of U+0085, U+00A0,
 * U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. */
static size_t ws_len(const struct yg_cur *c)
{
	int b0 = at(c, 0), b1 = at(c, 1), b2 = at(c, 2);
	if (b0 == ' ' || (b0 >= '\t' && b0 <= '\r'))
		return 1;
	if (b0 == 0xc2 && (b1 == 0x85 || b1 == 0xa0))
		return 2;
	if (b0 == 0xe1 && b1 == 0x9a && b2 == 0x80)
		return 3;
	if (b0 == 0xe2 && b1 == 0x80 &&
	    ((b2 >= 0x80 && b2 <= 0x8a) || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf))
		return 3;
	if (b0 == 0xe2 && b1 == 0x81 && b2 == 0x9f)
		return 3;
	if (b0 == 0xe3 && b1 == 0x80 && b2 == 0x80)
		return 3;
	return 0;
}

static int skip_space(struct pat_lexer *lx)
{
	struct yg_cur *c = &lx->c;
	for (;;) {
		size_t n = ws_len(c);
		if (n) {
			yg_cur_skip(c, n);
			continue;
		}
		if (at(c, 0) == '/' && at(c, 1) == '*') {
			size_t start = c->off;
			yg_cur_skip(c, 2);
			while (!(at(c, 0) == '*' && at(c, 1) == '/')) {
				if (!yg_cur_skip(c, 1))
					return pat_error(lx->err, lx->errlen, start,
					                 "unterminated comment");
			}
			yg_cur_skip(c, 2);
			continue;
		}
		if (at(c, 0) == '/' && at(c, 1) == '/') {
			while (at(c, 0) != -1 && at(c, 0) != '\n' && at(c, 0) != '\r')
				yg_cur_skip(c, 1);
			continue;
		}
		return 0;
	}
}

/* 'text' with \' and \\ escapes, decoded into the arena. */
static int lex_string(struct pat_lexer *lx, struct pat_token *t)
{
	struct yg_cur *c = &lx->c;
	size_t start = c->off, k = 1, n = 0;
	for (;;) {
		int ch = at(c, k);
		if (ch == -1)
			return pat_error(lx->err, lx->errlen, start, "unterminated string");
		if (ch == '\'')
			break;
		if (ch == 0)
			return pat_error(lx->err, lx->errlen, start + k, "NUL byte in string");
		if (ch == '\\') {
			int e = at(c, k + 1);
			if (e != '\'' && e != '\\')
				return pat_error(
				    lx->err, lx->errlen, start + k,
				    "bad escape in string (only \\' and \\\\ are allowed)");
			k++;
		}
		k++;
		n++;
	}
	char *s = pat_alloc(lx->arena, n + 1);
	if (!s)
		return -ENOMEM;
	const uint8_t *p = yg_cur_ptr(c);
	size_t o = 0;
	for (size_t i = 1; i < k; i++) {
		if (p[i] == '\\')
			i++;
		s[o++] = (char)p[i];
	}
	s[o] = '\0';
	t->kind = TK_STRING;
	t->str = s;
	t->len = k + 1;
	return 0;
}

/* x'...' for x in h, b, t: finds the closing quote and checks the body. */
static int lex_prefixed(struct pat_lexer *lx, struct pat_token *t, int prefix)
{
	struct yg_cur *c = &lx->c;
	size_t start = c->off, k = 2;
	const char *what = prefix == 'h'   ? "hex literal"
	                   : prefix == 'b' ? "binary literal"
	                                   : "timestamp";
	while (at(c, k) != '\'') {
		if (at(c, k) == -1)
			return pat_error(lx->err, lx->errlen, start, "unterminated %s", what);
		k++;
	}
	const uint8_t *body = yg_cur_ptr(c) + 2;
	size_t blen = k - 2;
	t->len = k + 1;

	if (prefix == 'h') {
		for (size_t i = 0; i < blen; i++)
			if (!is_hex(body[i]))
				return pat_error(lx->err, lx->errlen, start + 2 + i,
				                 "bad hex literal: not a hex digit");
		if (blen % 2)
			return pat_error(lx->err, lx->errlen, start,
			                 "bad hex literal: odd number of digits");
		t->kind = TK_HEX;
		return 0;
	}
	if (prefix == 'b') {
		if (blen == 0 || blen % 4)
			return pat_error(
			    lx->err, lx->errlen, start,
			    "bad binary literal: base64 length must be a non-zero multiple of 4");
		size_t pad = body[blen - 1] == '=' ? (body[blen - 2] == '=' ? 2 : 1) : 0;
		for (size_t i = 0; i < blen - pad; i++)
			if (!is_b64(body[i]))
				return pat_error(lx->err, lx->errlen, start + 2 + i,
				                 "bad binary literal: not a base64 character");
		t->kind = TK_BINARY;
		return 0;
	}
	if (!yg_stix_timestamp_parse_precise((const char *)body, blen, &t->ts))
		return pat_error(lx->err, lx->errlen, start,
		                 "bad timestamp (want YYYY-MM-DDTHH:MM:SS[.s]Z)");
	t->kind = TK_TIMESTAMP;
	return 0;
}

static int lex_number(struct pat_lexer *lx, struct pat_token *t)
{
	struct yg_cur *c = &lx->c;
	size_t k = 0;
	bool neg = false;
	if (at(c, 0) == '+' || at(c, 0) == '-') {
		neg = at(c, 0) == '-';
		k++;
	}
	size_t int_start = k;
	while (is_digit(at(c, k)))
		k++;
	size_t int_digits = k - int_start;
	if (at(c, k) == '.' && is_digit(at(c, k + 1))) {
		k++;
		while (is_digit(at(c, k)))
			k++;
		t->kind = neg ? TK_FLOAT_NEG : TK_FLOAT_POS;
		t->len = k;
		return 0;
	}
	if (int_digits == 0)
		return pat_error(lx->err, lx->errlen, c->off, "expected a number after '%c'",
		                 at(c, 0));
	if (int_digits > 1 && at(c, int_start) == '0')
		return pat_error(lx->err, lx->errlen, c->off,
		                 "bad integer: leading zeros are not allowed");
	t->kind = neg ? TK_INT_NEG : TK_INT_POS;
	t->len = k;
	return 0;
}

static void lex_word(struct pat_lexer *lx, struct pat_token *t)
{
	struct yg_cur *c = &lx->c;
	size_t k = 1;
	bool hyphen = false;
	while (is_ident_char(at(c, k)) || at(c, k) == '-') {
		hyphen |= at(c, k) == '-';
		k++;
	}
	t->len = k;
	t->kind = hyphen ? TK_IDENT_HYPHEN : TK_IDENT;
	if (hyphen)
		return;
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		if (strlen(keywords[i].text) == k &&
		    memcmp(keywords[i].text, yg_cur_ptr(c), k) == 0) {
			t->kind = keywords[i].kind;
			return;
		}
	}
}

static int lex_one(struct pat_lexer *lx, struct pat_token *t)
{
	struct yg_cur *c = &lx->c;
	int ch = at(c, 0), nx = at(c, 1);
	t->len = 1;
	switch (ch) {
	case -1:
		t->kind = TK_EOF;
		t->len = 0;
		return 0;
	case '[':
		t->kind = TK_LBRACK;
		return 0;
	case ']':
		t->kind = TK_RBRACK;
		return 0;
	case '(':
		t->kind = TK_LPAREN;
		return 0;
	case ')':
		t->kind = TK_RPAREN;
		return 0;
	case ':':
		t->kind = TK_COLON;
		return 0;
	case ',':
		t->kind = TK_COMMA;
		return 0;
	case '*':
		t->kind = TK_STAR;
		return 0;
	case '=':
		t->kind = TK_EQ;
		t->len = nx == '=' ? 2 : 1;
		return 0;
	case '!':
		if (nx != '=')
			break;
		t->kind = TK_NEQ;
		t->len = 2;
		return 0;
	case '<':
		t->kind = nx == '=' ? TK_LE : nx == '>' ? TK_NEQ : TK_LT;
		t->len = nx == '=' || nx == '>' ? 2 : 1;
		return 0;
	case '>':
		t->kind = nx == '=' ? TK_GE : TK_GT;
		t->len = nx == '=' ? 2 : 1;
		return 0;
	case '.':
		if (is_digit(nx))
			return lex_number(lx, t);
		t->kind = TK_DOT;
		return 0;
	case '\'':
		return lex_string(lx, t);
	case '+':
	case '-':
		return lex_number(lx, t);
	default:
		if (is_digit(ch))
			return lex_number(lx, t);
		if ((ch == 'h' || ch == 'b' || ch == 't') && nx == '\'')
			return lex_prefixed(lx, t, ch);
		if (is_ident_start(ch)) {
			lex_word(lx, t);
			return 0;
		}
		break;
	}
	if (ch >= 0x21 && ch < 0x7f)
		return pat_error(lx->err, lx->errlen, c->off, "unexpected character '%c'", ch);
	return pat_error(lx->err, lx->errlen, c->off, "unexpected byte 0x%02x", (unsigned)ch);
}

int pat_lex_next(struct pat_lexer *lx, struct pat_token *t)
{
	int r = skip_space(lx);
	if (r < 0)
		return r;
	memset(t, 0, sizeof *t);
	t->off = lx->c.off;
	r = lex_one(lx, t);
	if (r < 0)
		return r;
	yg_cur_skip(&lx->c, t->len);
	return 0;
}
