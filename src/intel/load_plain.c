/*
 * Plain lists: one value a line, and what publishers put after it.
 *
 *   198.51.100.7                     a value (IP, CIDR, domain, URL, hash, JA4)
 *   198.51.100.7<TAB>12              trailing columns are ignored (ipsum's count)
 *   203.0.113.0/24 ; SBL123456       ';' or '#' after a blank: a comment (DROP)
 *   192.0.2.55:8443, [2001:db8::1]:443   the address is kept (norm.c)
 *   198.51.100.9,100                 "value,rep" (Suricata datarep, CSV without
 *                                    a header): the part before ',' when it is
 *                                    an address or a hash
 *   0.0.0.0 ads.example tracker.example   a hosts line: its names
 *
 * A hosts line is told from "IP<TAB>count" or "IP label" by its second
 * word: a name with a dot, or a localhost-like name, or any name after a
 * sink address (0.0.0.0, 127/8, ::, ::1) that hosts files point names at.
 * The hosts format takes only hosts lines; netset (FireHOL, Spamhaus DROP)
 * only addresses and CIDRs.
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <string.h>

struct plain_ctx {
	enum yg_intel_format_kind kind;
	int type;
};

static bool has_alpha(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')
			return true;
	return false;
}

static bool is_sink(const char *s, size_t n)
{
	uint32_t a;
	if (yg_intel_parse_ip4(s, n, &a))
		return a == 0 || (a >> 24) == 127 || a == 0xffffffffu;
	return (n == 2 && memcmp(s, "::", 2) == 0) || (n == 3 && memcmp(s, "::1", 3) == 0) ||
	       (n >= 4 && (s[0] | 0x20) == 'f' && (s[1] | 0x20) == 'e' && s[2] == '8');
}

static int hosts_names(struct yg_intel_emit *e, const char *p, const char *end)
{
	for (;;) {
		const char *t;
		size_t n = yg_intel_word(&p, end, &t);
		if (n == 0 || *t == '#' || *t == ';')
			return 0;
		if (yg_intel_is_local_name(t, n))
			continue;
		int r = yg_intel_emit(e, YG_IND_DOMAIN, t, n);
		if (r < 0)
			return r;
	}
}

static int plain_line(struct yg_intel_emit *e, const char *s, size_t n, void *ctx)
{
	const struct plain_ctx *c = ctx;
	const char *end = s + n, *p = s, *v, *w;
	size_t vn = yg_intel_word(&p, end, &v);
	const char *after = p;
	size_t wn = yg_intel_word(&p, end, &w);
	bool comment = wn && (*w == '#' || *w == ';');
	if (wn && !comment && yg_intel_is_addr(v, vn) && has_alpha(w, wn) &&
	    (c->kind == YG_FMT_HOSTS || memchr(w, '.', wn) || yg_intel_is_local_name(w, wn) ||
	     is_sink(v, vn)))
		return hosts_names(e, after, end);
	if (c->kind == YG_FMT_HOSTS) {
		yg_intel_emit_reject(e, "not a hosts line (ADDRESS NAME...)", s, n);
		return 0;
	}
	const char *comma = memchr(v, ',', vn);
	if (comma) {
		struct yg_norm nv;
		const char *why;
		size_t k = (size_t)(comma - v);
		if (yg_intel_norm_guess(v, k, e->hints, &nv, &why) == 0 &&
		    (nv.type == YG_IND_IP || nv.type == YG_IND_MD5 || nv.type == YG_IND_SHA1 ||
		     nv.type == YG_IND_SHA256 || nv.type == YG_IND_JA3))
			vn = k;
	}
	int type = c->type;
	if (c->kind == YG_FMT_NETSET)
		type = YG_IND_IP;
	return yg_intel_emit(e, type, v, vn);
}

long yg_intel_load_plain(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                         const struct yg_intel_format *f, unsigned hints)
{
	struct plain_ctx c = {f ? f->kind : YG_FMT_PLAIN, f ? f->type : -1};
	return yg_intel_each_line(b, source, p, len, hints, "#;", plain_line, &c);
}
