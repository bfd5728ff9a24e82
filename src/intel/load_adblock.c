/*
 * Adblock Plus / uBlock Origin / AdGuard filter lists, as phishing and
 * malware block lists publish them (the network rules that name a host):
 *
 *   [Adblock Plus 2.0]                 header           skipped
 *   ! Title: ...                       comment          skipped
 *   ||phish.example^                   a host and its subdomains -> domain
 *   ||phish.example^$third-party,important   options do not change the host
 *   ||*.cdn.example^                   the same, written as a wildcard
 *   ||bad.example/login.php            a host and path -> URL
 *   |https://bad.example/x|            an anchored address -> URL
 *   phish.example  /  phish.example^   a bare host (AdGuard DNS syntax) -> domain
 *   @@||good.example^                  an exception: not an indicator, skipped
 *   example.com##.banner               element hiding (cosmetic): skipped
 *   ||x.example^$badfilter             withdraws a rule: skipped
 *   /ads[0-9]+\./                      a regular expression: rejected
 *
 * A host with a '*' inside it cannot be one indicator and is rejected.
 */
#include "intel/intel-int.h"

#include <string.h>

static bool has(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return true;
	return false;
}

static int adblock_line(struct yg_intel_emit *e, const char *s, size_t n, void *ctx)
{
	(void)ctx;
	if (*s == '[' || (n >= 2 && s[0] == '@' && s[1] == '@'))
		return 0;
	if (has(s, n, "##") || has(s, n, "#@#") || has(s, n, "#?#") || has(s, n, "#$#") ||
	    has(s, n, "#%#"))
		return 0;
	if (*s == '#') /* a hosts-style comment some lists carry */
		return 0;
	if (n >= 2 && s[0] == '/' && s[n - 1] == '/') {
		yg_intel_emit_reject(e, "adblock regular expression rule, not a host", s, n);
		return 0;
	}
	/* the options after the last '$' */
	const char *opt = memchr(s, '$', n);
	size_t body = opt ? (size_t)(opt - s) : n;
	if (opt && has(opt, n - body, "badfilter"))
		return 0;
	const char *v = s;
	if (body >= 2 && s[0] == '|' && s[1] == '|') {
		v += 2;
		body -= 2;
	} else if (body >= 1 && s[0] == '|') {
		v++;
		body--;
	}
	/* trailing separators and end anchors: '^', '|' */
	while (body && (v[body - 1] == '^' || v[body - 1] == '|'))
		body--;
	if (body == 0) {
		yg_intel_emit_reject(e, "adblock rule without a host", s, n);
		return 0;
	}
	const char *star = memchr(v, '*', body);
	if (star && !(star == v && body > 2 && v[1] == '.' && !memchr(v + 1, '*', body - 1))) {
		yg_intel_emit_reject(e, "adblock wildcard rule, not one host", s, n);
		return 0;
	}
	const char *slash = memchr(v, '/', body);
	if (slash || memchr(v, ':', body))
		return yg_intel_emit(e, YG_IND_URL, v, body);
	return yg_intel_emit(e, YG_IND_DOMAIN, v, body);
}

long yg_intel_load_adblock(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, unsigned hints)
{
	return yg_intel_each_line(b, source, p, len, hints, "!", adblock_line, NULL);
}
