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

/* One comparison, as visited by yg_stix_pattern_walk. */
struct yg_stix_comparison {
	const char *object_type; /* "ipv4-addr" */
	const char *path;        /* "value", "hashes.'SHA-256'", "extensions.x.y[0]" as written after ':' */
	const char *op;          /* "=", "!=", "IN", "LIKE", "MATCHES", "EXISTS", ... */
	bool negated;            /* NOT before the operator */
	const char *value;       /* string constant's decoded text, or the literal text of other constants; NULL for EXISTS and lists */
	bool value_is_string;
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

#endif
