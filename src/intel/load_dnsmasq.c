/*
 * dnsmasq configuration lines that block or divert names (dnsmasq(8),
 * --address, --server, --local):
 *
 *   address=/bad.example/0.0.0.0        the name and its subdomains answer a sink
 *   address=/a.example/b.example/        several names; no address: NXDOMAIN
 *   server=/bad.example/                 names sent nowhere (or to a resolver)
 *   local=/bad.example/
 *   # comment
 *
 * Each name between the slashes is a domain indicator; the address or
 * resolver after the last slash is where the name goes, not an indicator.
 * "#" alone between slashes means every name and is rejected, as is any
 * other directive.
 */
#include "intel/intel-int.h"

#include <string.h>

static const char *const directives[] = {"address=/", "server=/", "local=/", "rebind-domain-ok=/"};

static int dnsmasq_line(struct yg_intel_emit *e, const char *s, size_t n, void *ctx)
{
	(void)ctx;
	size_t skip = 0;
	for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++) {
		size_t k = strlen(directives[i]);
		if (n >= k && memcmp(s, directives[i], k) == 0) {
			skip = k;
			break;
		}
	}
	if (!skip) {
		yg_intel_emit_reject(e, "not a dnsmasq address=/server=/local= line", s, n);
		return 0;
	}
	const char *p = s + skip, *end = s + n;
	const char *last = p;
	for (const char *q = p; q < end; q++)
		if (*q == '/')
			last = q;
	if (last == p && (p == end || *p != '/')) {
		yg_intel_emit_reject(e, "dnsmasq line without a closing '/'", s, n);
		return 0;
	}
	bool any = false;
	while (p < last) {
		const char *sl = memchr(p, '/', (size_t)(last - p));
		const char *ne = sl ? sl : last;
		size_t k = (size_t)(ne - p);
		if (k == 1 && *p == '#') {
			yg_intel_emit_reject(e, "dnsmasq rule for every name", s, n);
			return 0;
		}
		if (k) {
			int r = yg_intel_emit(e, YG_IND_DOMAIN, p, k);
			if (r < 0)
				return r;
			any = true;
		}
		p = ne + 1;
	}
	if (!any)
		yg_intel_emit_reject(e, "dnsmasq line without a name", s, n);
	return 0;
}

long yg_intel_load_dnsmasq(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, unsigned hints)
{
	return yg_intel_each_line(b, source, p, len, hints, "#", dnsmasq_line, NULL);
}
