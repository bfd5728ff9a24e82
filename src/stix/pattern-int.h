/*
 * Internals shared by the STIX pattern lexer (pattern-lex.c) and parser
 * (pattern.c). Not a public header.
 */
#ifndef YG_STIX_PATTERN_INT_H
#define YG_STIX_PATTERN_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"
#include "stix/pattern.h"
#include "stix/timestamp.h"

/*
 * Arena: every node and string of one pattern lives in a chain of blocks
 * freed together. Total size is capped (a pattern is at most 64 KiB of
 * text, so the cap is never reached by valid input; it bounds surprises).
 */
#define PAT_ARENA_CAP (8u << 20)

struct pat_block;

struct pat_arena {
	struct pat_block *head;
	size_t total;
};

void *pat_alloc(struct pat_arena *a, size_t n);
void pat_arena_release(struct pat_arena *a);

enum pat_tok {
	TK_EOF,
	TK_LBRACK,
	TK_RBRACK,
	TK_LPAREN,
	TK_RPAREN,
	TK_COLON,
	TK_DOT,
	TK_COMMA,
	TK_STAR,
	TK_EQ,
	TK_NEQ,
	TK_LT,
	TK_LE,
	TK_GT,
	TK_GE,
	/* keywords, in the grammar's order */
	TK_AND,
	TK_OR,
	TK_NOT,
	TK_FOLLOWEDBY,
	TK_LIKE,
	TK_MATCHES,
	TK_ISSUPERSET,
	TK_ISSUBSET,
	TK_EXISTS,
	TK_LAST,
	TK_IN,
	TK_START,
	TK_STOP,
	TK_SECONDS,
	TK_TRUE,
	TK_FALSE,
	TK_WITHIN,
	TK_REPEATS,
	TK_TIMES,
	/* identifiers and literals */
	TK_IDENT,        /* [a-zA-Z_][a-zA-Z0-9_]* */
	TK_IDENT_HYPHEN, /* the same with at least one '-' */
	TK_INT_POS,
	TK_INT_NEG,
	TK_FLOAT_POS,
	TK_FLOAT_NEG,
	TK_STRING,
	TK_HEX,
	TK_BINARY,
	TK_TIMESTAMP,
};

struct pat_token {
	enum pat_tok kind;
	size_t off;             /* byte offset of the first byte */
	size_t len;             /* raw length */
	char *str;              /* TK_STRING: decoded text (arena, NUL-terminated) */
	struct yg_stix_time ts; /* TK_TIMESTAMP */
};

struct pat_lexer {
	struct yg_cur c;
	struct pat_arena *arena;
	char *err;
	size_t errlen;
};

/* Reads the next token into *t. Returns 0, or -EINVAL / -ENOMEM with the
 * message written to lx->err. */
int pat_lex_next(struct pat_lexer *lx, struct pat_token *t);

/* Writes "offset N: <message>" to err. */
void pat_error_write(char *err, size_t errlen, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes the message and answers -EINVAL. A macro rather than a function
 * that returns it, so that every caller (and the static analyzer, which
 * reads one file at a time) sees that a parse error is negative: parsers
 * set their ret_ node only on success and rely on that. */
#define pat_error(...) (pat_error_write(__VA_ARGS__), -EINVAL)

/* How a token is named in messages: "']'", "'AND'", "a string", "end of pattern". */
const char *pat_tok_name(enum pat_tok k);

/* ---- the tree (pattern.c builds it, pattern-format.c prints it) ---- */

enum node_kind {
	N_OBS,     /* [ ... ]: child is the comparison expression */
	N_OBS_AND, /* children joined by AND */
	N_OBS_OR,
	N_OBS_FBY,
	N_CMP_AND,
	N_CMP_OR,
	N_CMP, /* leaf: cmp */
};

enum qual_kind { Q_WITHIN, Q_REPEATS, Q_STARTSTOP };

struct qualifier {
	enum qual_kind kind;
	struct qualifier *next;
	const char *number; /* WITHIN / REPEATS, as written */
	struct yg_stix_time start, stop;
	const char *start_text, *stop_text; /* t'...' as written */
};

struct node {
	enum node_kind kind;
	struct node *child;            /* first child */
	struct node *next;             /* next sibling */
	struct qualifier *quals;       /* observation-level nodes only */
	struct yg_stix_comparison cmp; /* N_CMP */
	struct node *next_cmp;         /* N_CMP: next comparison in source order */
};

struct yg_stix_pattern {
	struct pat_arena arena;
	struct node *root;
	struct node *first_cmp;
	size_t n_cmp, n_obs;
	bool has_quals;
};

#endif
