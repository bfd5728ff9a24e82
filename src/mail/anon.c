/*
 * Anonymization of a mail report (see anon.h).
 *
 * Recipient headers read from the raw message (RFC 5322 section 3.6.3
 * destination fields, RFC 5321 section 4.4 trace fields):
 *
 *   Delivered-To: taro@corp.example          (one per local delivery)
 *   X-Original-To: taro@corp.example
 *   Bcc: Taro <taro@corp.example>
 *   Received: from mx.evil.example (mx.evil.example [203.0.113.5])
 *           by mx1.corp.example with ESMTP id 4ab; for <taro@corp.example>;
 *           Fri, 1 Mar 2024 10:00:00 +0900
 *   ^ folded lines begin with SP or HTAB; the header block ends at the
 *     first empty line.
 *
 * Each string of the report is rewritten once per rule, in this order:
 * recipient addresses, recipient names, internal host names, own domains,
 * internal IP literals, PII patterns. Placeholders are ASCII and contain
 * '[', so later rules never rebuild a removed value.
 */
#include <assert.h>
#include <arpa/inet.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/anon.h"
#include "mail/mail-int.h"

#define HEADER_SCAN_MAX (1u << 20) /* bytes of the header block scanned */
#define STR_GROW_MAX    (64u << 20)

struct yg_mail_anon {
	char *domains[YG_MAIL_ANON_MAX_DOMAINS];
	size_t n_domains;
	regex_t re[YG_MAIL_ANON_MAX_PII];
	size_t n_re;
};

struct lit {
	char *needle;
	char repl[32];
	bool words; /* only where not inside a longer word */
};

struct ctx {
	const struct yg_mail_anon *a;
	struct lit *lits;
	size_t n_lits, cap_lits;
	size_t n_rcpt, n_names, n_hosts;
	bool capped;
};

int yg_mail_anon_pattern_ok(const char *pattern)
{
	if (!pattern || !*pattern || strlen(pattern) > YG_MAIL_ANON_PII_LEN)
		return -EINVAL;
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_ICASE))
		return -EINVAL;
	regfree(&re);
	return 0;
}

void yg_mail_anon_free(struct yg_mail_anon *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_domains; i++)
		free(a->domains[i]);
	for (size_t i = 0; i < a->n_re; i++)
		regfree(&a->re[i]);
	free(a);
}

int yg_mail_anon_new(const struct yg_mail_anon_cfg *cfg, struct yg_mail_anon **ret)
{
	if (!cfg)
		return -EINVAL;
	if (cfg->n_own_domains > YG_MAIL_ANON_MAX_DOMAINS || cfg->n_pii > YG_MAIL_ANON_MAX_PII)
		return -E2BIG;
	struct yg_mail_anon *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < cfg->n_own_domains; i++) {
		const char *d = cfg->own_domains[i];
		size_t n = d ? strlen(d) : 0;
		if (n == 0 || n > 253 || strchr(d, '[')) {
			r = -EINVAL;
			goto out;
		}
		if (!(a->domains[a->n_domains] = yg_mail_strdup(d))) {
			r = -ENOMEM;
			goto out;
		}
		a->n_domains++;
	}
	for (size_t i = 0; i < cfg->n_pii; i++) {
		const char *p = cfg->pii[i];
		if (!p || !*p || strlen(p) > YG_MAIL_ANON_PII_LEN ||
		    regcomp(&a->re[a->n_re], p, REG_EXTENDED | REG_ICASE)) {
			r = -EINVAL;
			goto out;
		}
		a->n_re++;
	}
out:
	if (r < 0) {
		yg_mail_anon_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

bool yg_mail_anon_is_scrubbed(const char *s)
{
	static const char *const marks[] = {"[recipient", "[own-domain]", "[internal-ip]",
					    "[internal-host", "[pii]"};
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
		if (strstr(s, marks[i]))
			return true;
	return false;
}

/* ---- string rewriting ---- */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (unsigned char)c >= 0x80;
}

static bool is_host(char c)
{
	return is_alnum(c) || c == '-' || c == '.';
}

static bool is_local(char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~.-", c));
}

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 64;
		while (nc < o->len + n + 1)
			nc *= 2;
		char *p = nc <= STR_GROW_MAX ? realloc(o->p, nc) : NULL;
		if (!p) {
			o->failed = true;
			return;
		}
		o->p = p;
		o->cap = nc;
	}
	/* An empty o (cap 0) always grew above, even for n == 0. */
	assert(o->p);
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* Replaces *s by o's bytes when anything changed. */
static int commit(char **s, struct out *o, bool changed)
{
	if (o->failed) {
		free(o->p);
		return -ENOMEM;
	}
	if (!changed) {
		free(o->p);
		return 0;
	}
	free(*s);
	*s = o->p;
	return 0;
}

/* One rewrite of src: the bytes before run are already in o (kept or
 * replaced), the rest still to look at. */
struct edit {
	struct out o;
	const char *src;
	size_t run;
	bool changed;
};

/* Puts repl in place of the n bytes of src at offset at (at >= run). */
static void edit_replace(struct edit *e, size_t at, size_t n, const char *repl, size_t rlen)
{
	out_add(&e->o, e->src + e->run, at - e->run);
	out_add(&e->o, repl, rlen);
	e->changed = true;
	e->run = at + n;
}

/* Keeps the rest of src and replaces *s when anything changed. */
static int edit_commit(struct edit *e, char **s)
{
	if (e->changed)
		out_add(&e->o, e->src + e->run, strlen(e->src + e->run));
	return commit(s, &e->o, e->changed);
}

/* Case-insensitive needle search; with at_as_pct also matches the needle
 * with its '@' written as "%40" (addresses inside URLs). Returns the match
 * length or 0. */
static size_t match_at(const char *s, const char *needle, bool at_as_pct)
{
	size_t i = 0, j = 0;
	while (needle[j]) {
		if (!s[i])
			return 0;
		if (needle[j] == '@' && at_as_pct && s[i] == '%' && s[i + 1] == '4' && s[i + 2] == '0') {
			i += 3;
			j++;
			continue;
		}
		char a = s[i], b = needle[j];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
		i++;
		j++;
	}
	return i;
}

static int replace_lit(char **s, const struct lit *l)
{
	if (!*s || !**s)
		return 0;
	struct edit e = {.src = *s};
	bool addr = strchr(l->needle, '@') != NULL;
	const char *p = *s;
	size_t i = 0;
	while (p[i]) {
		size_t m = (p[i] | 0x20) == (l->needle[0] | 0x20) || (addr && p[i] == '%')
				   ? match_at(p + i, l->needle, addr)
				   : 0;
		if (m && l->words &&
		    ((i > 0 && (is_alnum(p[i - 1]) || (addr && strchr("._+-", p[i - 1])))) ||
		     is_alnum(p[i + m]) || (addr && p[i + m] == '.' && is_alnum(p[i + m + 1]))))
			m = 0;
		if (!m) {
			i++;
			continue;
		}
		edit_replace(&e, i, m, l->repl, strlen(l->repl));
		i += m;
	}
	return edit_commit(&e, s);
}

/* The domain d and every host name under it, as one label run. */
static int replace_domain(char **s, const char *d)
{
	if (!*s || !**s)
		return 0;
	struct edit e = {.src = *s};
	const char *p = *s;
	size_t dn = strlen(d), i = 0;
	while (p[i]) {
		if (strncasecmp(p + i, d, dn) || (i > 0 && p[i - 1] != '.' && is_host(p[i - 1])) ||
		    is_alnum(p[i + dn]) || p[i + dn] == '-' ||
		    (p[i + dn] == '.' && is_alnum(p[i + dn + 1]))) {
			i++;
			continue;
		}
		size_t start = i;
		while (start > e.run && is_host(p[start - 1]))
			start--;
		edit_replace(&e, start, i + dn - start, "[own-domain]", 12);
		i += dn;
	}
	return edit_commit(&e, s);
}

static bool v4_internal(const uint8_t b[4])
{
	return b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
	       (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
	       (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] == 0;
}

static bool ip_internal(const char *s)
{
	uint8_t b[16];
	if (inet_pton(AF_INET, s, b) == 1)
		return v4_internal(b);
	if (inet_pton(AF_INET6, s, b) != 1)
		return false;
	static const uint8_t lo[16] = {[15] = 1};
	if (!memcmp(b, lo, 16))
		return true;
	if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
		return true;
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	return !memcmp(b, mapped, 12) && v4_internal(b + 12);
}

/* Parses a dotted quad at p; its length or 0. */
static size_t v4_at(const char *p, uint8_t b[4])
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		unsigned v = 0, nd = 0;
		while (p[i] >= '0' && p[i] <= '9' && nd < 4) {
			v = v * 10 + (unsigned)(p[i] - '0');
			i++;
			nd++;
		}
		if (nd == 0 || nd > 3 || v > 255)
			return 0;
		b[k] = (uint8_t)v;
		if (k < 3) {
			if (p[i] != '.')
				return 0;
			i++;
		}
	}
	if ((p[i] >= '0' && p[i] <= '9') || (p[i] == '.' && p[i + 1] >= '0' && p[i + 1] <= '9'))
		return 0;
	return i;
}

static int replace_v4(char **s)
{
	if (!*s || !**s)
		return 0;
	struct edit e = {.src = *s};
	const char *p = *s;
	size_t i = 0;
	while (p[i]) {
		uint8_t b[4];
		size_t m = 0;
		if (p[i] >= '0' && p[i] <= '9' &&
		    (i == 0 || !((p[i - 1] >= '0' && p[i - 1] <= '9') || p[i - 1] == '.')))
			m = v4_at(p + i, b);
		if (!m || !v4_internal(b)) {
			i += m ? m : 1;
			continue;
		}
		edit_replace(&e, i, m, "[internal-ip]", 13);
		i += m;
	}
	return edit_commit(&e, s);
}

static int replace_re(char **s, const regex_t *re)
{
	if (!*s || !**s)
		return 0;
	struct out o = {0};
	bool changed = false;
	const char *p = *s;
	regmatch_t m;
	int flags = 0;
	/* Bounded: every round consumes at least one byte. */
	while (*p && regexec(re, p, 1, &m, flags) == 0) {
		size_t so = (size_t)m.rm_so, eo = (size_t)m.rm_eo;
		/* Whole UTF-8 sequences only: a byte-wise pattern must not leave
		 * half a character behind. */
		while (so > 0 && ((unsigned char)p[so] & 0xc0) == 0x80)
			so--;
		while (eo > so && ((unsigned char)p[eo] & 0xc0) == 0x80)
			eo++;
		out_add(&o, p, so);
		if (eo > so) {
			out_add(&o, "[pii]", 5);
			changed = true;
			p += eo;
		} else {
			out_add(&o, p + so, 1);
			p += so + 1;
		}
		flags = REG_NOTBOL;
	}
	if (changed)
		out_add(&o, p, strlen(p));
	return commit(s, &o, changed);
}

static int scrub(struct ctx *c, char **s)
{
	if (!*s || !**s)
		return 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < c->n_lits; i++)
		r = replace_lit(s, &c->lits[i]);
	for (size_t i = 0; r == 0 && i < c->a->n_domains; i++)
		r = replace_domain(s, c->a->domains[i]);
	if (r == 0)
		r = replace_v4(s);
	for (size_t i = 0; r == 0 && i < c->a->n_re; i++)
		r = replace_re(s, &c->a->re[i]);
	return r;
}

/* ---- what to replace ---- */

static int add_lit(struct ctx *c, const char *s, size_t n, const char *kind, size_t *counter,
		   bool words)
{
	if (n < 3 || memchr(s, '[', n))
		return 0;
	for (size_t i = 0; i < c->n_lits; i++)
		if (strlen(c->lits[i].needle) == n && !strncasecmp(c->lits[i].needle, s, n))
			return 0;
	if (c->n_lits >= 3 * YG_MAIL_ANON_MAX_RCPT) {
		c->capped = true;
		return 0;
	}
	int r = yg_mail_grow((void **)&c->lits, &c->cap_lits, c->n_lits, sizeof *c->lits,
			     3 * YG_MAIL_ANON_MAX_RCPT);
	if (r < 0)
		return r;
	struct lit *l = &c->lits[c->n_lits];
	if (!(l->needle = yg_mail_strndup(s, n)))
		return -ENOMEM;
	snprintf(l->repl, sizeof l->repl, "[%s-%zu]", kind, ++*counter);
	l->words = words;
	c->n_lits++;
	return 0;
}

static int add_rcpt(struct ctx *c, const char *addr, size_t n)
{
	while (n && (addr[n - 1] == '.' || addr[n - 1] == '>'))
		n--;
	while (n && (*addr == '<' || *addr == '.')) {
		addr++;
		n--;
	}
	const char *at = memchr(addr, '@', n);
	if (!at || at == addr || at == addr + n - 1)
		return 0;
	if (c->n_rcpt >= YG_MAIL_ANON_MAX_RCPT) {
		c->capped = true;
		return 0;
	}
	return add_lit(c, addr, n, "recipient", &c->n_rcpt, true);
}

/* Every address-shaped token of a header value. */
static int rcpts_in(struct ctx *c, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] != '@')
			continue;
		size_t a = i, b = i + 1;
		while (a > 0 && is_local(v[a - 1]))
			a--;
		while (b < n && is_host(v[b]))
			b++;
		int r = add_rcpt(c, v + a, b - a);
		if (r < 0)
			return r;
		i = b;
	}
	return 0;
}

/* The display names of "Name <addr>" entries of a header value, when
 * plain text (encoded words are left to the report's decoded To/Cc). */
static int names_in(struct ctx *c, const char *v, size_t n)
{
	size_t start = 0;
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			quoted = !quoted;
		if (quoted)
			continue;
		if (v[i] == ',' || v[i] == ':' || v[i] == ';') {
			start = i + 1;
			continue;
		}
		if (v[i] != '<')
			continue;
		size_t a = start, b = i;
		while (a < b && (v[a] == ' ' || v[a] == '\t' || v[a] == '\r' || v[a] == '\n' ||
				 v[a] == '"'))
			a++;
		while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t' || v[b - 1] == '"'))
			b--;
		if (b - a >= 3 && !memchr(v + a, '@', b - a) && !memmem(v + a, b - a, "=?", 2) &&
		    !memchr(v + a, '\n', b - a)) {
			int r = add_lit(c, v + a, b - a, "recipient-name", &c->n_names, true);
			if (r < 0)
				return r;
		}
		start = i + 1;
	}
	return 0;
}

static bool name_is(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && !strncasecmp(p, lit, n);
}

/* The recipient headers of the raw message, unfolded line by line: their
 * addresses, or (names) their display names. */
static int scan_headers(struct ctx *c, const uint8_t *raw, size_t len, bool names)
{
	const char *p = (const char *)raw;
	if (len > HEADER_SCAN_MAX)
		len = HEADER_SCAN_MAX;
	size_t i = 0;
	while (i < len) {
		size_t eol = i;
		while (eol < len && p[eol] != '\n')
			eol++;
		size_t ll = eol - i;
		if (ll && p[i + ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break; /* end of the header block */
		size_t next = eol < len ? eol + 1 : len;
		/* The field's value runs over its continuation lines. */
		size_t vend = next;
		while (vend < len && (p[vend] == ' ' || p[vend] == '\t')) {
			while (vend < len && p[vend] != '\n')
				vend++;
			if (vend < len)
				vend++;
		}
		const char *colon = memchr(p + i, ':', ll);
		if (colon && p[i] != ' ' && p[i] != '\t') {
			size_t nn = (size_t)(colon - (p + i));
			const char *v = colon + 1;
			size_t vn = (size_t)(p + vend - v);
			int r = 0;
			if (name_is(p + i, nn, "to") || name_is(p + i, nn, "cc") ||
			    name_is(p + i, nn, "bcc") || name_is(p + i, nn, "delivered-to") ||
			    name_is(p + i, nn, "x-original-to") || name_is(p + i, nn, "envelope-to") ||
			    name_is(p + i, nn, "x-envelope-to") || name_is(p + i, nn, "resent-to") ||
			    name_is(p + i, nn, "resent-cc") || name_is(p + i, nn, "x-rcpt-to")) {
				r = names ? names_in(c, v, vn) : rcpts_in(c, v, vn);
			} else if (!names && name_is(p + i, nn, "received")) {
				for (size_t k = 0; k + 4 < vn; k++) {
					if ((k == 0 || v[k - 1] == ' ' || v[k - 1] == '\t' ||
					     v[k - 1] == '\n') &&
					    !strncasecmp(v + k, "for", 3) &&
					    (v[k + 3] == ' ' || v[k + 3] == '\t')) {
						size_t e = k + 4;
						while (e < vn && v[e] != ';' && v[e] != '\n')
							e++;
						r = rcpts_in(c, v + k + 4, e - k - 4);
						break;
					}
				}
			}
			if (r < 0)
				return r;
		}
		i = vend;
	}
	return 0;
}

static bool dotless(const char *h)
{
	return h && *h && !strchr(h, '.') && !strchr(h, ':') && !strchr(h, '[');
}

static int collect(struct ctx *c, const uint8_t *raw, size_t len, struct yg_mail_report *r)
{
	int e = 0;
	const struct yg_mail_addrs *lists[] = {&r->to, &r->cc};
	for (size_t l = 0; e == 0 && l < 2; l++)
		for (size_t i = 0; e == 0 && i < lists[l]->n; i++) {
			const struct yg_mail_addr *ad = &lists[l]->v[i];
			if (ad->address)
				e = add_rcpt(c, ad->address, strlen(ad->address));
		}
	for (size_t i = 0; e == 0 && i < r->n_hops; i++)
		if (r->hops[i].for_addr)
			e = rcpts_in(c, r->hops[i].for_addr, strlen(r->hops[i].for_addr));
	if (e == 0 && raw)
		e = scan_headers(c, raw, len, false);
	/* Names after every address: a name inside an address must not break
	 * the address's match. */
	for (size_t l = 0; e == 0 && l < 2; l++)
		for (size_t i = 0; e == 0 && i < lists[l]->n; i++) {
			const char *nm = lists[l]->v[i].name;
			if (nm && !strchr(nm, '@'))
				e = add_lit(c, nm, strlen(nm), "recipient-name", &c->n_names, true);
		}
	if (e == 0 && raw)
		e = scan_headers(c, raw, len, true);
	/* Hosts of internal hops: the sender side when its IP is internal or
	 * its name has no dot, the receiving side when dotless. */
	for (size_t i = 0; e == 0 && i < r->n_hops; i++) {
		const struct yg_mail_hop *h = &r->hops[i];
		bool internal = h->from_ip && ip_internal(h->from_ip);
		if (h->from_host && (internal || dotless(h->from_host)) &&
		    strcasecmp(h->from_host, "localhost"))
			e = add_lit(c, h->from_host, strlen(h->from_host), "internal-host", &c->n_hosts,
				    true);
		if (e == 0 && dotless(h->by_host) && strcasecmp(h->by_host, "localhost"))
			e = add_lit(c, h->by_host, strlen(h->by_host), "internal-host", &c->n_hosts,
				    true);
		for (size_t k = 0; e == 0 && k < h->ips.n; k++)
			if (strchr(h->ips.v[k], ':') && ip_internal(h->ips.v[k])) {
				size_t before = c->n_hosts;
				e = add_lit(c, h->ips.v[k], strlen(h->ips.v[k]), "internal-ip",
					    &c->n_hosts, true);
				if (e == 0 && c->n_lits) {
					/* One placeholder for every internal IP. */
					snprintf(c->lits[c->n_lits - 1].repl, sizeof c->lits[0].repl,
						 "[internal-ip]");
					c->n_hosts = before;
				}
			}
	}
	return e;
}

static int scrub_addrs(struct ctx *c, struct yg_mail_addrs *l)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		struct yg_mail_addr *a = &l->v[i];
		r = scrub(c, &a->name);
		if (r == 0)
			r = scrub(c, &a->address);
		if (r == 0)
			r = scrub(c, &a->domain);
		if (r == 0)
			r = scrub(c, &a->reg_domain);
	}
	return r;
}

/* To and Cc become placeholders only; their domains go. */
static int scrub_rcpts(struct ctx *c, struct yg_mail_addrs *l)
{
	int r = scrub_addrs(c, l);
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		struct yg_mail_addr *a = &l->v[i];
		free(a->domain);
		free(a->reg_domain);
		a->domain = a->reg_domain = NULL;
		if (a->name && !yg_mail_anon_is_scrubbed(a->name)) {
			free(a->name);
			a->name = yg_mail_strdup("[recipient-name]");
			r = a->name ? 0 : -ENOMEM;
		}
		if (r == 0 && a->address && !yg_mail_anon_is_scrubbed(a->address)) {
			free(a->address);
			a->address = yg_mail_strdup("[recipient]");
			r = a->address ? 0 : -ENOMEM;
		}
	}
	return r;
}

static int scrub_all(struct ctx *c, struct yg_mail_report *r)
{
	int e = scrub_addrs(c, &r->from);
	if (e == 0)
		e = scrub_addrs(c, &r->sender);
	if (e == 0)
		e = scrub_addrs(c, &r->reply_to);
	if (e == 0)
		e = scrub_rcpts(c, &r->to);
	if (e == 0)
		e = scrub_rcpts(c, &r->cc);
	char **top[] = {&r->file,       &r->return_path, &r->subject, &r->date, &r->message_id,
			&r->x_mailer,   &r->user_agent,  &r->sending_ip, &r->spf, &r->dkim,
			&r->dmarc};
	for (size_t i = 0; e == 0 && i < sizeof top / sizeof *top; i++)
		e = scrub(c, top[i]);
	for (size_t i = 0; e == 0 && i < r->n_hops; i++) {
		struct yg_mail_hop *h = &r->hops[i];
		char **f[] = {&h->from_host, &h->from_ip, &h->by_host, &h->with,
			      &h->id,        &h->for_addr, &h->date};
		for (size_t k = 0; e == 0 && k < sizeof f / sizeof *f; k++)
			e = scrub(c, f[k]);
		for (size_t k = 0; e == 0 && k < h->ips.n; k++)
			e = scrub(c, &h->ips.v[k]);
	}
	for (size_t i = 0; e == 0 && i < r->n_bodies; i++) {
		e = scrub(c, &r->bodies[i].excerpt);
		if (e == 0)
			e = scrub(c, &r->bodies[i].charset);
	}
	for (size_t i = 0; e == 0 && i < r->n_urls; i++) {
		struct yg_mail_url *u = &r->urls[i];
		e = scrub(c, &u->url);
		if (e == 0)
			e = scrub(c, &u->host);
		if (e == 0)
			e = scrub(c, &u->reg_domain);
		if (e == 0)
			e = scrub(c, &u->link_text);
	}
	for (size_t i = 0; e == 0 && i < r->n_files; i++) {
		e = scrub(c, &r->files[i].path);
		if (e == 0)
			e = scrub(c, &r->files[i].filename);
	}
	for (size_t i = 0; e == 0 && i < r->n_spoofs; i++)
		e = scrub(c, &r->spoofs[i].detail);
	for (size_t i = 0; e == 0 && i < r->n_reasons; i++)
		e = scrub(c, &r->reasons[i].detail);
	return e;
}

int yg_mail_anon_apply(const struct yg_mail_anon *a, const uint8_t *raw, size_t len,
		       struct yg_mail_report *r)
{
	if (!a || !r)
		return -EINVAL;
	struct ctx c = {.a = a};
	int e = collect(&c, raw, len, r);
	if (e == 0)
		e = scrub_all(&c, r);
	if (e == 0 && c.capped)
		e = yg_mail_strv_add_unique(&r->anomalies, "anon_recipient_cap");
	for (size_t i = 0; i < c.n_lits; i++)
		free(c.lits[i].needle);
	free(c.lits);
	return e;
}
