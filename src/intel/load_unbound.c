/*
 * Unbound configuration lines that block names (unbound.conf(5)):
 *
 *   server:                                   a section header: skipped
 *   local-zone: "bad.example" always_nxdomain  the zone: a domain indicator
 *   local-zone: bad.example. static           quotes and the final dot optional
 *   local-data: "bad.example A 0.0.0.0"       the record's owner name
 *   local-data: "bad.example. 3600 IN AAAA ::"
 *   # comment
 *
 * A local-zone of type transparent, typetransparent, nodefault or
 * always_transparent answers normally, so it names no indicator: skipped.
 * local-data-ptr and other "key:" lines of a section are not indicators:
 * skipped when they end a section header, rejected otherwise so that a
 * file of something else is reported.
 */
#include "intel/intel-int.h"

#include <string.h>
#include <strings.h>

static const char *const passing[] = {"transparent", "typetransparent", "nodefault",
                                      "always_transparent", "inform"};

static bool key_is(const char *s, size_t n, const char *key, const char **ret_rest)
{
	size_t k = strlen(key);
	if (n < k || strncasecmp(s, key, k) != 0)
		return false;
	*ret_rest = s + k;
	return true;
}

/* The first word of rest, without quotes; "quoted" says it was in quotes
 * (then it runs to the closing quote's first blank). */
static size_t first_word(const char *p, const char *end, const char **ret, const char **ret_next)
{
	while (p < end && yg_intel_is_blank(*p))
		p++;
	bool q = p < end && *p == '"';
	if (q)
		p++;
	const char *t = p;
	while (t < end && !yg_intel_is_blank(*t) && *t != '"')
		t++;
	*ret = p;
	*ret_next = t < end && *t == '"' ? t + 1 : t;
	return (size_t)(t - p);
}

static int unbound_line(struct yg_intel_emit *e, const char *s, size_t n, void *ctx)
{
	(void)ctx;
	const char *end = s + n, *rest, *v, *next;
	if (s[n - 1] == ':') /* server:, forward-zone:, ... */
		return 0;
	if (key_is(s, n, "local-zone:", &rest)) {
		size_t vn = first_word(rest, end, &v, &next);
		const char *t;
		size_t tn = yg_intel_word(&next, end, &t);
		for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++)
			if (tn == strlen(passing[i]) && strncasecmp(t, passing[i], tn) == 0)
				return 0;
		if (vn == 0) {
			yg_intel_emit_reject(e, "local-zone without a name", s, n);
			return 0;
		}
		return yg_intel_emit(e, YG_IND_DOMAIN, v, vn);
	}
	if (key_is(s, n, "local-data:", &rest)) {
		size_t vn = first_word(rest, end, &v, &next);
		if (vn == 0) {
			yg_intel_emit_reject(e, "local-data without a name", s, n);
			return 0;
		}
		return yg_intel_emit(e, YG_IND_DOMAIN, v, vn);
	}
	if (key_is(s, n, "local-data-ptr:", &rest) || key_is(s, n, "include:", &rest))
		return 0;
	yg_intel_emit_reject(e, "not an unbound local-zone/local-data line", s, n);
	return 0;
}

long yg_intel_load_unbound(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, unsigned hints)
{
	return yg_intel_each_line(b, source, p, len, hints, "#", unbound_line, NULL);
}
