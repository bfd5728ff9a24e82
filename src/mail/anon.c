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
 * Every value to remove (recipient addresses, their local parts, their
 * display names, internal host names, the member's own domains) becomes a
 * set of needles, one per form it can be written in (anon_forms.c), all
 * searched at once over each string of the report (anon_match.c): so a
 * string costs a few linear passes whatever the number of recipients.
 * Then internal IP literals and the PII patterns. Placeholders are ASCII
 * and contain '[', so later rules never rebuild a removed value.
 */
#include <assert.h>
#include <arpa/inet.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/anon-int.h"
#include "mail/anon.h"
#include "mail/mail-int.h"

#define HEADER_SCAN_MAX (1u << 20) /* bytes of the header block scanned */
#define STR_GROW_MAX    (64u << 20)

struct yg_mail_anon {
	char *domains[YG_MAIL_ANON_MAX_DOMAINS];
	size_t n_domains;
	/* The own domains' needles, the same for every message: built once.
	 * Their owner is placeholder 0 of every message, "[own-domain]". */
	struct yg_anon_set *own;
	regex_t re[YG_MAIL_ANON_MAX_PII];
	size_t n_re;
};

/* One value to remove, before its forms are made. */
struct base {
	char *s;
	size_t n;
	uint8_t kind;   /* enum yg_mail_redact_kind */
	unsigned forms; /* enum yg_anon_forms */
	bool words;
	uint32_t owner; /* index into ctx.repl */
};

struct ctx {
	const struct yg_mail_anon *a;
	struct base *bases;
	size_t n_bases, cap_bases;
	char (*repl)[32]; /* placeholder of each owner */
	size_t n_repl, cap_repl;
	size_t n_rcpt, n_names, n_hosts;
	uint32_t own_owner, ip_owner;
	struct yg_anon_set *set;
	struct yg_anon_scratch scratch; /* reused by every string's scan */
	struct yg_mail_report *r;       /* where the counts go */
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
	yg_anon_set_free(a->own);
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
	r = yg_anon_set_new(&a->own);
	for (size_t i = 0; r == 0 && i < a->n_domains; i++) {
		struct yg_anon_tag t = {.kind = YG_MAIL_RK_OWN_DOMAIN, .owner = 0};
		r = yg_anon_forms(a->domains[i], strlen(a->domains[i]), YG_ANON_F_ALL, &t,
				  yg_anon_set_add_form, a->own);
	}
	if (r == 0)
		r = yg_anon_set_build(a->own);
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
	return s && yg_anon_has_mark(s, strlen(s));
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
	/* Nothing to add leaves o as it is, also a NULL o->p (memcpy's
	 * arguments must never be NULL, even for 0 bytes). */
	if (o->failed || n == 0)
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

/* The spans the needle search found, each replaced by its value's
 * placeholder and counted. */
static int replace_spans(struct ctx *c, char **s)
{
	const struct yg_anon_span *sp = NULL;
	size_t n = 0;
	const struct yg_anon_set *sets[] = {c->set, c->a->own};
	int r = yg_anon_scan_into(sets, 2, *s, strlen(*s), &c->scratch, &sp, &n);
	if (r < 0 || n == 0)
		return r;
	struct edit e = {.src = *s};
	for (size_t i = 0; i < n; i++) {
		const char *repl = c->repl[sp[i].tag.owner];
		edit_replace(&e, sp[i].beg, sp[i].end - sp[i].beg, repl, strlen(repl));
		c->r->redactions[sp[i].tag.kind][sp[i].enc]++;
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

static int replace_v4(char **s, uint32_t *count)
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
		++*count;
		i += m;
	}
	return edit_commit(&e, s);
}

static int replace_re(char **s, const regex_t *re, uint32_t *count)
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
			++*count;
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
	uint32_t(*k)[YG_MAIL_RE_COUNT] = c->r->redactions;
	int r = replace_spans(c, s);
	if (r == 0)
		r = replace_v4(s, &k[YG_MAIL_RK_INTERNAL_IP][YG_MAIL_RE_PLAIN]);
	for (size_t i = 0; r == 0 && i < c->a->n_re; i++)
		r = replace_re(s, &c->a->re[i], &k[YG_MAIL_RK_PII][YG_MAIL_RE_PLAIN]);
	return r;
}

/* ---- what to replace ---- */

/* A placeholder "[name-num]", or "[name]" for num 0. */
static int new_owner(struct ctx *c, const char *name, size_t num, uint32_t *ret)
{
	int r = yg_mail_grow((void **)&c->repl, &c->cap_repl, c->n_repl, sizeof *c->repl,
			     8 * YG_MAIL_ANON_MAX_RCPT);
	if (r < 0)
		return r;
	if (num)
		snprintf(c->repl[c->n_repl], sizeof *c->repl, "[%s-%zu]", name, num);
	else
		snprintf(c->repl[c->n_repl], sizeof *c->repl, "[%s]", name);
	*ret = (uint32_t)c->n_repl++;
	return 0;
}

/* Registers s[0..n) as a value to remove unless already known (any kind,
 * any case: the first registration keeps it). *ret_new tells whether it
 * was new. */
static int add_base(struct ctx *c, const char *s, size_t n, uint8_t kind, unsigned forms,
		    bool words, uint32_t owner, bool *ret_new)
{
	if (ret_new)
		*ret_new = false;
	if (n == 0 || n > YG_ANON_MAX_BASE || memchr(s, '[', n) || memchr(s, '\0', n))
		return 0;
	for (size_t i = 0; i < c->n_bases; i++)
		if (c->bases[i].n == n && !strncasecmp(c->bases[i].s, s, n))
			return 0;
	int r = yg_mail_grow((void **)&c->bases, &c->cap_bases, c->n_bases, sizeof *c->bases,
			     8 * YG_MAIL_ANON_MAX_RCPT);
	if (r == -E2BIG) {
		c->capped = true;
		return 0;
	}
	if (r < 0)
		return r;
	struct base *b = &c->bases[c->n_bases];
	if (!(b->s = yg_mail_strndup(s, n)))
		return -ENOMEM;
	b->n = n;
	b->kind = kind;
	b->forms = forms;
	b->words = words;
	b->owner = owner;
	c->n_bases++;
	if (ret_new)
		*ret_new = true;
	return 0;
}

/* A value that is not a recipient's: its own placeholder "[kind-N]",
 * numbered in order of appearance. */
static int add_numbered(struct ctx *c, const char *s, size_t n, uint8_t kind, const char *name,
			size_t *counter, unsigned forms, bool words)
{
	if (n < 3)
		return 0;
	for (size_t i = 0; i < c->n_bases; i++)
		if (c->bases[i].n == n && !strncasecmp(c->bases[i].s, s, n))
			return 0;
	uint32_t owner = 0;
	int r = new_owner(c, name, *counter + 1, &owner);
	bool added = false;
	if (r == 0)
		r = add_base(c, s, n, kind, forms, words, owner, &added);
	if (r == 0 && added)
		++*counter;
	else if (r == 0)
		c->n_repl--; /* not used */
	return r;
}

/* A recipient address: the address itself (any form), its local part
 * alone when long and personal enough, and the address with its domain cut
 * to the first label ("taro@corp" for taro@corp.example: how internal and
 * test systems write it). */
static int add_rcpt(struct ctx *c, const char *addr, size_t n)
{
	while (n && (addr[n - 1] == '.' || addr[n - 1] == '>'))
		n--;
	while (n && (*addr == '<' || *addr == '.')) {
		addr++;
		n--;
	}
	const char *at = memchr(addr, '@', n);
	if (!at || at == addr || at == addr + n - 1 || n < 3 || n > YG_ANON_MAX_BASE)
		return 0;
	for (size_t i = 0; i < c->n_bases; i++)
		if (c->bases[i].n == n && !strncasecmp(c->bases[i].s, addr, n))
			return 0;
	if (c->n_rcpt >= YG_MAIL_ANON_MAX_RCPT) {
		c->capped = true;
		return 0;
	}
	uint32_t owner = 0;
	int r = new_owner(c, "recipient", c->n_rcpt + 1, &owner);
	bool added = false;
	if (r == 0)
		r = add_base(c, addr, n, YG_MAIL_RK_RECIPIENT, YG_ANON_F_ALL, false, owner, &added);
	if (r < 0 || !added)
		return r;
	c->n_rcpt++;
	size_t ln = (size_t)(at - addr);
	if (yg_anon_local_ok(addr, ln))
		r = add_base(c, addr, ln, YG_MAIL_RK_LOCAL, YG_ANON_F_ALL, false, owner, NULL);
	const char *dot = memchr(at + 1, '.', (size_t)(addr + n - at - 1));
	if (r == 0 && dot && dot > at + 1)
		r = add_base(c, addr, (size_t)(dot - addr), YG_MAIL_RK_RECIPIENT, YG_ANON_F_PLAIN,
			     false, owner, NULL);
	return r;
}

static int add_name(struct ctx *c, const char *s, size_t n)
{
	if (!yg_anon_name_ok(s, n))
		return 0;
	if (c->n_names >= YG_MAIL_ANON_MAX_RCPT) {
		c->capped = true;
		return 0;
	}
	return add_numbered(c, s, n, YG_MAIL_RK_NAME, "recipient-name", &c->n_names,
			    YG_ANON_F_ALL, false);
}

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
			int r = add_name(c, v + a, b - a);
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
				e = add_name(c, nm, strlen(nm));
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
			e = add_numbered(c, h->from_host, strlen(h->from_host),
					 YG_MAIL_RK_INTERNAL_HOST, "internal-host", &c->n_hosts,
					 YG_ANON_F_PLAIN, true);
		if (e == 0 && dotless(h->by_host) && strcasecmp(h->by_host, "localhost"))
			e = add_numbered(c, h->by_host, strlen(h->by_host), YG_MAIL_RK_INTERNAL_HOST,
					 "internal-host", &c->n_hosts, YG_ANON_F_PLAIN, true);
		/* IPv6 literals: one placeholder for every internal IP (IPv4 ones
		 * are found by shape, replace_v4). */
		for (size_t k = 0; e == 0 && k < h->ips.n; k++)
			if (strchr(h->ips.v[k], ':') && ip_internal(h->ips.v[k]))
				e = add_base(c, h->ips.v[k], strlen(h->ips.v[k]),
					     YG_MAIL_RK_INTERNAL_IP, YG_ANON_F_PLAIN, true,
					     c->ip_owner, NULL);
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
		/* What the search left (a name too short to search for
		 * everywhere, an address past the recipient cap) still goes here. */
		if (a->name && !yg_mail_anon_is_scrubbed(a->name)) {
			free(a->name);
			a->name = yg_mail_strdup("[recipient-name]");
			r = a->name ? 0 : -ENOMEM;
			c->r->redactions[YG_MAIL_RK_NAME][YG_MAIL_RE_PLAIN]++;
		}
		if (r == 0 && a->address && !yg_mail_anon_is_scrubbed(a->address)) {
			free(a->address);
			a->address = yg_mail_strdup("[recipient]");
			r = a->address ? 0 : -ENOMEM;
			c->r->redactions[YG_MAIL_RK_RECIPIENT][YG_MAIL_RE_PLAIN]++;
		}
	}
	return r;
}

/* An excerpt cut in the middle of a value ("Dear taro.yam") ends with its
 * beginning: that goes too. */
static int scrub_tail(struct ctx *c, struct yg_mail_body *b)
{
	size_t n = b->excerpt ? strlen(b->excerpt) : 0, cut = 0;
	struct yg_anon_tag t;
	const struct yg_anon_set *sets[] = {c->set, c->a->own};
	if (n == 0 || n >= b->size || !yg_anon_tail(sets, 2, b->excerpt, n, &cut, &t))
		return 0;
	const char *repl = c->repl[t.owner];
	size_t rn = strlen(repl);
	char *p = malloc(n - cut + rn + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, b->excerpt, n - cut);
	memcpy(p + n - cut, repl, rn + 1);
	free(b->excerpt);
	b->excerpt = p;
	c->r->redactions[t.kind][t.enc]++;
	return 0;
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
			e = scrub_tail(c, &r->bodies[i]);
		if (e == 0)
			e = scrub(c, &r->bodies[i].charset);
		if (e == 0)
			e = scrub(c, &r->bodies[i].type);
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
		/* Other members still match the page: its URL without the
		 * victim's part is the indicator. */
		free(u->ioc);
		u->ioc = NULL;
		if (e == 0)
			e = yg_anon_url_indicator(u->url, &u->ioc);
	}
	for (size_t i = 0; e == 0 && i < r->n_files; i++) {
		e = scrub(c, &r->files[i].path);
		if (e == 0)
			e = scrub(c, &r->files[i].filename);
		if (e == 0)
			e = scrub(c, &r->files[i].declared_type);
	}
	for (size_t i = 0; e == 0 && i < r->n_spoofs; i++)
		e = scrub(c, &r->spoofs[i].detail);
	for (size_t i = 0; e == 0 && i < r->n_reasons; i++)
		e = scrub(c, &r->reasons[i].detail);
	return e;
}

/* The needles of every value collected, most important kind first (an
 * equal needle of a later kind is dropped: the address beats a name
 * spelled the same). */
static int build(struct ctx *c)
{
	int e = yg_anon_set_new(&c->set);
	for (uint8_t k = 0; e == 0 && k < YG_MAIL_RK_COUNT; k++)
		for (size_t i = 0; e == 0 && i < c->n_bases; i++) {
			const struct base *b = &c->bases[i];
			if (b->kind != k)
				continue;
			struct yg_anon_tag t = {.kind = b->kind, .words = b->words, .owner = b->owner};
			e = yg_anon_forms(b->s, b->n, b->forms, &t, yg_anon_set_add_form, c->set);
			if (e == -EINVAL)
				e = 0; /* nothing to search for */
		}
	if (e == -E2BIG) {
		/* Beyond the needle budget only what is in stays searched
		 * for; the anomaly says so. Unreachable with valid addresses
		 * within YG_MAIL_ANON_MAX_RCPT. */
		c->capped = true;
		e = 0;
	}
	if (e == 0)
		e = yg_anon_set_build(c->set);
	return e;
}

int yg_mail_anon_apply(const struct yg_mail_anon *a, const uint8_t *raw, size_t len,
		       struct yg_mail_report *r)
{
	if (!a || !r)
		return -EINVAL;
	struct ctx c = {.a = a, .r = r};
	memset(r->redactions, 0, sizeof r->redactions);
	/* Placeholder 0: the owner of the configuration's own-domain needles. */
	int e = new_owner(&c, "own-domain", 0, &c.own_owner);
	if (e == 0)
		e = new_owner(&c, "internal-ip", 0, &c.ip_owner);
	if (e == 0)
		e = collect(&c, raw, len, r);
	if (e == 0)
		e = build(&c);
	if (e == 0)
		e = scrub_all(&c, r);
	if (e == 0 && c.capped)
		e = yg_mail_strv_add_unique(&r->anomalies, "anon_recipient_cap");
	for (size_t i = 0; i < c.n_bases; i++)
		free(c.bases[i].s);
	free(c.bases);
	free(c.repl);
	yg_anon_set_free(c.set);
	yg_anon_scratch_release(&c.scratch);
	return e;
}
