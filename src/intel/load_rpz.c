/*
 * DNS Response Policy Zone files (draft-vixie-dnsop-dns-rpz; a zone in
 * RFC 1035 master-file syntax). Owner names are the triggers:
 *
 *   $TTL 300                                   directives: $ORIGIN kept
 *   @ IN SOA localhost. root.localhost. ( 1 3600 600 86400 300 )
 *   @ IN NS  localhost.                        the apex: skipped
 *   bad.example        CNAME .                 QNAME trigger -> domain
 *   *.bad.example      CNAME .                 its subdomains -> the same domain
 *   bad.example.rpz.example.  300 IN A 0.0.0.0 absolute: the zone origin cut off
 *   32.7.2.0.192.rpz-ip          CNAME .       response IP 192.0.2.7/32 -> ip
 *   48.zz.db8.2001.rpz-ip        CNAME .       2001:db8::/48 ("zz" is "::")
 *   ns.bad.example.rpz-nsdname   CNAME .       name server name -> domain
 *   32.1.2.0.192.rpz-nsip        CNAME .       name server address -> ip
 *   24.0.2.0.192.rpz-client-ip   CNAME .       a client, not an indicator: skipped
 *   ok.example         CNAME rpz-passthru.     an exception: skipped
 *   ; comment
 *
 * A line that starts with a blank continues the previous owner; records
 * in parentheses may span lines. The origin is $ORIGIN's, else the SOA
 * owner's when it is written out.
 */
#include "intel/intel-int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct rpz {
	char origin[256];
	size_t olen;
	int paren; /* open parentheses carried over from earlier lines */
};

static bool is_num(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && strncasecmp(s, w, n) == 0;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

/* "<plen>.<reversed labels>" of an rpz-ip trigger to "addr/plen" text. */
static bool rpz_ip(const char *s, size_t n, char *out, size_t cap)
{
	const char *lab[10];
	size_t len[10], k = 0;
	const char *p = s, *end = s + n;
	for (;;) {
		if (k == 10)
			return false;
		const char *d = memchr(p, '.', (size_t)(end - p));
		const char *le = d ? d : end;
		lab[k] = p;
		len[k++] = (size_t)(le - p);
		if (!d)
			break;
		p = d + 1;
	}
	if (k < 2 || !is_num(lab[0], len[0]) || len[0] > 3)
		return false;
	bool v4 = k == 5;
	for (size_t i = 1; v4 && i < k; i++)
		v4 = is_num(lab[i], len[i]) && len[i] <= 3;
	if (v4) {
		int w =
		    snprintf(out, cap, "%.*s.%.*s.%.*s.%.*s/%.*s", (int)len[4], lab[4], (int)len[3],
		             lab[3], (int)len[2], lab[2], (int)len[1], lab[1], (int)len[0], lab[0]);
		return w > 0 && (size_t)w < cap;
	}
	/* IPv6: groups most significant last, "zz" for the zero run; joined
	 * with ':' a "zz" becomes the empty group of "::" */
	char t[64];
	size_t o = 0;
	bool zz = false;
	for (size_t i = k - 1; i >= 1; i--) {
		bool z = word_is(lab[i], len[i], "zz");
		if (z ? zz : (len[i] == 0 || len[i] > 4))
			return false;
		zz |= z;
		if (o + len[i] + 2 >= sizeof t)
			return false;
		if (i != k - 1)
			t[o++] = ':';
		if (!z) {
			memcpy(t + o, lab[i], len[i]);
			o += len[i];
		}
	}
	t[o] = 0;
	const char *pre = (o == 0 || t[0] == ':') ? ":" : "";
	const char *post = (o == 0 || t[o - 1] == ':') ? ":" : "";
	int w = snprintf(out, cap, "%s%s%s/%.*s", pre, t, post, (int)len[0], lab[0]);
	return w > 0 && (size_t)w < cap;
}

static void set_origin(struct rpz *z, const char *v, size_t n)
{
	if (n && v[n - 1] == '.')
		n--;
	if (n >= sizeof z->origin)
		n = 0;
	for (size_t i = 0; i < n; i++)
		z->origin[i] = yg_lc(v[i]);
	z->origin[n] = 0;
	z->olen = n;
}

static int trigger(struct yg_intel_emit *e, struct rpz *z, const char *o, size_t n)
{
	/* absolute names lose the origin; relative ones are relative to it */
	if (n && o[n - 1] == '.') {
		n--;
		if (z->olen && n > z->olen && o[n - z->olen - 1] == '.' &&
		    strncasecmp(o + n - z->olen, z->origin, z->olen) == 0)
			n -= z->olen + 1;
		else if (z->olen && n == z->olen && strncasecmp(o, z->origin, n) == 0)
			return 0; /* the apex */
	}
	if (ends_with(o, n, ".rpz-client-ip"))
		return 0;
	char ipt[96];
	const char *suf[] = {".rpz-ip", ".rpz-nsip"};
	for (size_t i = 0; i < 2; i++)
		if (ends_with(o, n, suf[i])) {
			size_t k = n - strlen(suf[i]);
			struct yg_norm nv;
			const char *why;
			if (!rpz_ip(o, k, ipt, sizeof ipt) ||
			    yg_intel_norm(YG_IND_IP, ipt, strlen(ipt), &nv, &why) < 0) {
				yg_intel_emit_reject(e, "malformed rpz-ip trigger", o, n);
				return 0;
			}
			return yg_intel_emit(e, YG_IND_IP, ipt, strlen(ipt));
		}
	if (ends_with(o, n, ".rpz-nsdname"))
		n -= strlen(".rpz-nsdname");
	return yg_intel_emit(e, YG_IND_DOMAIN, o, n);
}

static int rpz_line(struct yg_intel_emit *e, const char *s, size_t n, void *ctx)
{
	struct rpz *z = ctx;
	const char *end = s + n;
	const char *semi = memchr(s, ';', n);
	if (semi)
		end = semi;
	int open = 0;
	for (const char *q = s; q < end; q++)
		open += *q == '(' ? 1 : *q == ')' ? -1 : 0;
	bool cont = z->paren > 0;
	z->paren += open;
	if (z->paren < 0)
		z->paren = 0;
	if (cont)
		return 0; /* inside a record's parentheses (the SOA's numbers) */
	const char *p = s, *w;
	size_t wn = yg_intel_word(&p, end, &w);
	if (wn == 0)
		return 0;
	if (*w == '$') {
		if (word_is(w, wn, "$ORIGIN")) {
			const char *v;
			size_t vn = yg_intel_word(&p, end, &v);
			set_origin(z, v, vn);
		}
		return 0;
	}
	const char *owner = NULL;
	size_t on = 0;
	if (!e->indented) {
		owner = w;
		on = wn;
		wn = yg_intel_word(&p, end, &w);
	}
	/* [ttl] [class] type, in either order */
	for (int i = 0; i < 2 && wn; i++)
		if (is_num(w, wn) || word_is(w, wn, "IN") || word_is(w, wn, "CH") ||
		    word_is(w, wn, "HS"))
			wn = yg_intel_word(&p, end, &w);
	if (wn == 0) {
		yg_intel_emit_reject(e, "zone record without a type", s, n);
		return 0;
	}
	const char *rd;
	size_t rn = yg_intel_word(&p, end, &rd);
	if (word_is(w, wn, "SOA")) {
		if (owner && !word_is(owner, on, "@") && owner[on - 1] == '.')
			set_origin(z, owner, on);
		return 0;
	}
	if (!owner || word_is(owner, on, "@") || word_is(w, wn, "NS"))
		return 0; /* the apex, or a record of the previous owner */
	if (word_is(w, wn, "CNAME") &&
	    (ends_with(rd, rn, "rpz-passthru.") || ends_with(rd, rn, "rpz-passthru")))
		return 0;
	return trigger(e, z, owner, on);
}

long yg_intel_load_rpz(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                       unsigned hints)
{
	struct rpz z = {0};
	return yg_intel_each_line(b, source, p, len, hints, ";", rpz_line, &z);
}
