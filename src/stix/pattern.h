/*
 * STIX 2.1 patterning language (STIX 2.1 specification, section 9;
 * grammar STIXPattern.g4): parsed to a tree.
 *
 * Covers observation expressions joined by AND / OR / FOLLOWEDBY,
 * qualifiers (WITHIN n SECONDS, REPEATS n TIMES, START t STOP t),
 * comparison expressions joined by AND / OR with parentheses, operators
 * = != > < >= <= IN LIKE MATCHES ISSUBSET ISSUPERSET EXISTS with NOT, and
 * constants (strings with \' and \\ escapes, integers, floats, booleans,
 * t'timestamp', h'hex', b'base64', lists).
 */
#ifndef YG_STIX_PATTERN_H
#define YG_STIX_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

struct yg_stix_pattern;

/*
 * Parses a pattern. On failure returns -EINVAL and writes to err (when
 * errlen > 0) a message naming the byte offset and what was expected,
 * e.g. "offset 17: expected ']'". Caller frees *ret with
 * yg_stix_pattern_free. Nesting depth and length are bounded (-E2BIG).
 */
int yg_stix_pattern_parse(const char *s, size_t len, struct yg_stix_pattern **ret, char *err,
			  size_t errlen);

void yg_stix_pattern_free(struct yg_stix_pattern *p);

/* What a comparison compares against (added beside `value` for callers
 * that need more than strings; `value_is_string` stays the quick test). */
enum yg_stix_value_kind {
	YG_STIX_VALUE_NONE,      /* EXISTS */
	YG_STIX_VALUE_STRING,    /* 'text': decoded */
	YG_STIX_VALUE_INT,       /* 42, -1, +7: as written */
	YG_STIX_VALUE_FLOAT,     /* 1.5, -.5: as written */
	YG_STIX_VALUE_BOOL,      /* true, false */
	YG_STIX_VALUE_TIMESTAMP, /* t'2016-01-01T00:00:00Z': as written */
	YG_STIX_VALUE_HEX,       /* h'0a1b': as written */
	YG_STIX_VALUE_BINARY,    /* b'AAE=': as written */
	YG_STIX_VALUE_LIST,      /* ('a', 'b'): see list / list_len */
};

/* One member of an IN list (never itself a list). */
struct yg_stix_value {
	enum yg_stix_value_kind kind;
	const char *text; /* same conventions as yg_stix_comparison.value */
};

/* One comparison, as visited by yg_stix_pattern_walk. Every pointer is owned
 * by the pattern and lives until yg_stix_pattern_free. Strings never hold an
 * embedded NUL (the parser rejects NUL bytes). */
struct yg_stix_comparison {
	const char *object_type; /* "ipv4-addr" */
	const char *path;        /* "value", "hashes.'SHA-256'", "extensions.x.y[0]" as written after ':' */
	const char *op;          /* "=", "!=", "IN", "LIKE", "MATCHES", "EXISTS", ... */
	bool negated;            /* NOT before the operator */
	const char *value;       /* string constant's decoded text, or the literal text of other constants; NULL for EXISTS and lists */
	bool value_is_string;
	/* Appended to the original fields, so existing callers are unaffected: */
	enum yg_stix_value_kind kind;
	const struct yg_stix_value *list; /* IN members, in order; NULL otherwise */
	size_t list_len;
	size_t observation; /* 0-based index of the enclosing [ ... ], in source order */
	size_t offset;      /* byte offset of the comparison in the pattern text */
};

/* Calls fn for every comparison in order; stops early when fn returns non-zero
 * and returns that value. */
int yg_stix_pattern_walk(const struct yg_stix_pattern *p,
			 int (*fn)(void *ud, const struct yg_stix_comparison *c), void *ud);

/*
 * Whether the pattern is "simple" for sensor matching: only '=' comparisons
 * on string values, not negated, joined by OR (within and between
 * observations), with no qualifiers. Each comparison of such a pattern is
 * then an indicator value on its own.
 */
bool yg_stix_pattern_is_simple(const struct yg_stix_pattern *p);

/*
 * Writes a canonical text of the pattern to buf (always NUL-terminated when
 * buflen > 0): every AND / OR / FOLLOWEDBY group in parentheses, single
 * spaces between tokens, '==' and '<>' written '=' and '!=', comments
 * dropped. Parsing the result gives the same text again. Returns 0, or
 * -ENOBUFS when buf is too small (it then holds a truncated prefix).
 */
int yg_stix_pattern_format(const struct yg_stix_pattern *p, char *buf, size_t buflen);

/* Limits enforced by yg_stix_pattern_parse (-E2BIG beyond them). */
#define YG_STIX_PATTERN_MAX_LEN   (64 * 1024) /* bytes of pattern text */
#define YG_STIX_PATTERN_MAX_DEPTH 64          /* nested '(' and '[' */

/* Number of comparisons and of observation expressions ([ ... ]). */
size_t yg_stix_pattern_comparisons(const struct yg_stix_pattern *p);
size_t yg_stix_pattern_observations(const struct yg_stix_pattern *p);

/* Whether the pattern uses WITHIN, REPEATS or START/STOP anywhere. */
bool yg_stix_pattern_has_qualifiers(const struct yg_stix_pattern *p);

#endif
