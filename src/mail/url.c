/*
 * URLs in message bodies: RFC 3986 absolute URIs of the http, https and ftp
 * schemes, found two ways:
 *
 *   <a href="https://evil.example/x">https://bank.example</a>
 *            \_____ href target ____/ \__ link text ____/   -> mismatch
 *   ... visit www.example.com/login, or http://b.example/.   -> bare URLs
 *
 * Bare URLs are scanned in the text with HTML character references decoded
 * (the same rule tests/e2e/test_mail.py applies with Python's html and re):
 * a scheme at a word start (or "www."), then every byte up to white space
 * or one of < > " ' `, minus trailing prose punctuation and unbalanced
 * closing brackets.
 *
 * Normal form: scheme and host lower-case, default port dropped, an empty
 * fragment dropped; the rest is kept byte for byte.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "mail/mail-int.h"

#define LINK_TEXT_MAX 256

static bool url_byte(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return false;
	return !strchr("<>\"'`", c);
}

static size_t trim_tail(const char *s, size_t n)
{
	for (;;) {
		if (n == 0)
			return 0;
		char c = s[n - 1];
		if (strchr(".,;:!?*", c)) {
			n--;
			continue;
		}
		if (c == ')' || c == ']' || c == '}') {
			char open = c == ')' ? '(' : c == ']' ? '[' : '{';
			size_t o = 0, cl = 0;
			for (size_t i = 0; i < n; i++) {
				o += s[i] == open;
				cl += s[i] == c;
			}
			if (cl > o) {
				n--;
				continue;
			}
		}
		return n;
	}
}

char *yg_mail_url_normalize(const char *s, size_t len, char **ret_host)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	size_t sl;
	unsigned defport;
	if (len > 7 && !strncasecmp(s, "http://", 7)) {
		sl = 4;
		defport = 80;
	} else if (len > 8 && !strncasecmp(s, "https://", 8)) {
		sl = 5;
		defport = 443;
	} else if (len > 6 && !strncasecmp(s, "ftp://", 6)) {
		sl = 3;
		defport = 21;
	} else {
		return NULL;
	}
	const char *auth = s + sl + 3;
	size_t rest = len - sl - 3;
	size_t an = 0;
	while (an < rest && !strchr("/?#", auth[an]))
		an++;
	/* host = authority minus userinfo@ and :port */
	const char *h = auth;
	size_t hn = an;
	const char *at = memrchr(auth, '@', an);
	if (at) {
		hn -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	size_t hostlen = hn;
	const char *port = NULL;
	size_t portlen = 0;
	if (hn && h[0] == '[') {
		const char *rb = memchr(h, ']', hn);
		hostlen = rb ? (size_t)(rb - h) + 1 : hn;
	} else {
		const char *colon = memchr(h, ':', hn);
		if (colon)
			hostlen = (size_t)(colon - h);
	}
	if (hostlen < hn && h[hostlen] == ':') {
		port = h + hostlen + 1;
		portlen = hn - hostlen - 1;
	}
	if (hostlen == 0)
		return NULL;
	bool drop_port = false;
	if (port) {
		unsigned pv = 0;
		size_t i = 0;
		for (; i < portlen && i < 6 && isdigit((unsigned char)port[i]); i++)
			pv = pv * 10 + (unsigned)(port[i] - '0');
		drop_port = portlen == 0 || (i == portlen && pv == defport);
	}
	size_t tail_len = rest - an;
	const char *tail = auth + an;
	if (tail_len == 1 && tail[0] == '#')
		tail_len = 0;
	else if (tail_len >= 2 && tail[tail_len - 1] == '#')
		tail_len--;

	size_t cap = len + 2;
	char *out = malloc(cap);
	char *host = malloc(hostlen + 1);
	if (!out || !host) {
		free(out);
		free(host);
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < sl; i++)
		out[o++] = (char)tolower((unsigned char)s[i]);
	memcpy(out + o, "://", 3);
	o += 3;
	size_t ui = (size_t)(h - auth);
	memcpy(out + o, auth, ui);
	o += ui;
	for (size_t i = 0; i < hostlen; i++) {
		unsigned char c = (unsigned char)h[i];
		host[i] = (char)(c < 0x80 ? tolower(c) : c);
		out[o++] = host[i];
	}
	host[hostlen] = '\0';
	while (hostlen > 1 && host[hostlen - 1] == '.') /* FQDN dot */
		host[--hostlen] = '\0';
	if (port && !drop_port) {
		out[o++] = ':';
		memcpy(out + o, port, portlen);
		o += portlen;
	}
	memcpy(out + o, tail, tail_len);
	o += tail_len;
	out[o] = '\0';
	if (ret_host)
		*ret_host = host;
	else
		free(host);
	return out;
}

/* The dedupe index: a power-of-two table at most half full, so a body of
 * repeated URLs costs one probe per URL, not a scan of the set. */
#define IDX_CAP 8192u /* a power of two above 2 * YG_MAIL_MAX_URLS */
_Static_assert(IDX_CAP > 2 * YG_MAIL_MAX_URLS && (IDX_CAP & (IDX_CAP - 1)) == 0,
               "dedupe index size");

static size_t slot_of(const struct yg_mail_urlset *set, const char *url)
{
	size_t mask = set->idx_cap - 1;
	size_t i = (size_t)yg_hash64(url, strlen(url), set->seed) & mask;
	while (set->idx[i] && strcmp(set->v[set->idx[i] - 1].url, url))
		i = (i + 1) & mask;
	return i;
}

static struct yg_mail_url *find(struct yg_mail_urlset *set, const char *url)
{
	if (!set->idx)
		return NULL;
	size_t i = slot_of(set, url);
	return set->idx[i] ? &set->v[set->idx[i] - 1] : NULL;
}

static int index_add(struct yg_mail_urlset *set, size_t pos)
{
	if (!set->idx) {
		set->idx_cap = IDX_CAP;
		set->idx = calloc(set->idx_cap, sizeof *set->idx);
		if (!set->idx)
			return -ENOMEM;
		set->seed = yg_hash_random_seed();
	}
	set->idx[slot_of(set, set->v[pos].url)] = (uint32_t)pos + 1;
	return 0;
}

/* Adds (or merges into) the set; *ret gets the entry or NULL when the URL
 * is not absolute or the set is full. */
static int add_url(struct yg_mail_urlset *set, const char *s, size_t len, unsigned src,
                   struct yg_mail_url **ret)
{
	char *host = NULL;
	if (ret)
		*ret = NULL;
	if (set->capped) /* full: later URLs are neither added nor merged */
		return 0;
	char *u = yg_mail_url_normalize(s, len, &host);
	if (!u)
		return 0;
	struct yg_mail_url *e = find(set, u);
	if (e) {
		free(u);
		free(host);
		e->sources |= src;
		if (ret)
			*ret = e;
		return 0;
	}
	int r = yg_mail_grow((void **)&set->v, &set->cap, set->n, sizeof *set->v, YG_MAIL_MAX_URLS);
	if (r < 0) {
		free(u);
		free(host);
		if (r == -E2BIG) {
			set->capped = true;
			return 0;
		}
		return r;
	}
	e = &set->v[set->n++];
	memset(e, 0, sizeof *e);
	e->url = u;
	e->host = host;
	e->sources = src;
	e->reg_domain = yg_mail_reg_domain(host);
	if (ret)
		*ret = e;
	return index_add(set, set->n - 1);
}

/* Bare URL scan of UTF-8 text. */
static int scan_text(struct yg_mail_urlset *set, const char *s, size_t len, unsigned src)
{
	size_t i = 0;
	while (i < len) {
		/* Every scheme and "www." starts with h, f or w: most bytes are
		 * rejected here without the four comparisons. */
		unsigned char c0 = (unsigned char)s[i] | 0x20;
		if (c0 != 'h' && c0 != 'f' && c0 != 'w') {
			i++;
			continue;
		}
		size_t rem = len - i;
		size_t pre = 0;
		bool www = false;
		if (rem > 7 && !strncasecmp(s + i, "http://", 7))
			pre = 7;
		else if (rem > 8 && !strncasecmp(s + i, "https://", 8))
			pre = 8;
		else if (rem > 6 && !strncasecmp(s + i, "ftp://", 6))
			pre = 6;
		else if (rem > 4 && !strncasecmp(s + i, "www.", 4)) {
			pre = 4;
			www = true;
		}
		if (!pre ||
		    (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_' ||
		               (www && (s[i - 1] == '/' || s[i - 1] == '.' || s[i - 1] == '@'))))) {
			i++;
			continue;
		}
		size_t j = i + pre;
		while (j < len && url_byte((unsigned char)s[j]))
			j++;
		size_t n = trim_tail(s + i, j - i);
		if (n > pre) {
			int r;
			if (www) {
				char *tmp = malloc(n + 8);
				if (!tmp)
					return -ENOMEM;
				memcpy(tmp, "http://", 7);
				memcpy(tmp + 7, s + i, n);
				r = add_url(set, tmp, n + 7, src, NULL);
				free(tmp);
			} else {
				r = add_url(set, s + i, n, src, NULL);
			}
			if (r < 0)
				return r;
		}
		i = j > i ? j : i + 1;
	}
	return 0;
}

int yg_mail_urls_from_text(struct yg_mail_urlset *set, const char *s, size_t len)
{
	return scan_text(set, s, len, YG_MAIL_URL_TEXT);
}

/* ---- HTML character references (HTML5 section 13.2.5.72, the common subset) ---- */

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes one reference at s[0] == '&'; returns bytes consumed (0: not a
 * reference) and writes the UTF-8 to o (at most 4 bytes). */
static size_t entity(const char *s, size_t len, char *o, size_t *olen)
{
	static const struct {
		const char *n;
		uint32_t cp;
	} named[] = {{"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
	             {"apos", '\''},     {"nbsp", 0xa0},    {"copy", 0xa9},    {"reg", 0xae},
	             {"hellip", 0x2026}, {"ndash", 0x2013}, {"mdash", 0x2014}, {"rsquo", 0x2019},
	             {"lsquo", 0x2018},  {"rdquo", 0x201d}, {"ldquo", 0x201c}, {"sol", '/'},
	             {"colon", ':'},     {"period", '.'},   {"quest", '?'},    {"equals", '='},
	             {"num", '#'},       {"percnt", '%'},   {"commat", '@'},   {"lpar", '('},
	             {"rpar", ')'},      {"zwnj", 0x200c},  {"zwj", 0x200d},   {"shy", 0xad}};
	if (len < 3)
		return 0;
	if (s[1] == '#') {
		size_t i = 2;
		bool hex = i < len && (s[i] == 'x' || s[i] == 'X');
		if (hex)
			i++;
		uint32_t cp = 0;
		size_t digits = 0;
		while (i < len &&
		       (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))) {
			int d = isdigit((unsigned char)s[i])
			            ? s[i] - '0'
			            : (tolower((unsigned char)s[i]) - 'a' + 10);
			if (cp < 0x110000)
				cp = cp * (hex ? 16 : 10) + (uint32_t)d;
			i++;
			digits++;
		}
		if (!digits)
			return 0;
		if (i < len && s[i] == ';')
			i++;
		*olen = put_utf8(o, cp);
		return i;
	}
	for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
		size_t nl = strlen(named[k].n);
		if (len >= nl + 2 && !memcmp(s + 1, named[k].n, nl) && s[1 + nl] == ';') {
			*olen = put_utf8(o, named[k].cp);
			return nl + 2;
		}
	}
	return 0;
}

char *yg_mail_html_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1); /* a reference never grows: "&#N;" >= its UTF-8 */
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		if (s[i] == '&') {
			char buf[4];
			size_t bl = 0;
			size_t used = entity(s + i, len - i, buf, &bl);
			if (used && bl <= used) {
				memcpy(out + o, buf, bl);
				o += bl;
				i += used;
				continue;
			}
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
	return out;
}

/* ---- HTML walk: tags, anchors, visible text ---- */

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc < b->n + n + 1)
			nc *= 2;
		char *p = realloc(b->p, nc);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = nc;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static bool name_is(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && !strncasecmp(s, want, n);
}

/* Finds attribute `want` in tag body s[0..n); the value is borrowed. */
static bool tag_attr(const char *s, size_t n, const char *want, const char **v, size_t *vn)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (isspace((unsigned char)s[i]) || s[i] == '/'))
			i++;
		size_t an = i;
		while (i < n && !isspace((unsigned char)s[i]) && s[i] != '=' && s[i] != '/')
			i++;
		size_t alen = i - an;
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		const char *val = NULL;
		size_t vl = 0;
		if (i < n && s[i] == '=') {
			i++;
			while (i < n && isspace((unsigned char)s[i]))
				i++;
			if (i < n && (s[i] == '"' || s[i] == '\'')) {
				char q = s[i++];
				val = s + i;
				while (i < n && s[i] != q)
					i++;
				vl = (size_t)(s + i - val);
				if (i < n)
					i++;
			} else {
				val = s + i;
				while (i < n && !isspace((unsigned char)s[i]))
					i++;
				vl = (size_t)(s + i - val);
			}
		}
		if (alen == 0 && i < n && !val) {
			i++;
			continue;
		}
		if (val && name_is(s + an, alen, want)) {
			*v = val;
			*vn = vl;
			return true;
		}
	}
	return false;
}

/* The domain a link text shows: a URL in it, else a dotted token. */
static char *shown_domain(const char *t)
{
	struct yg_mail_urlset tmp = {0};
	char *rd = NULL;
	if (scan_text(&tmp, t, strlen(t), YG_MAIL_URL_TEXT) == 0 && tmp.n > 0 &&
	    tmp.v[0].reg_domain) {
		rd = yg_mail_strdup(tmp.v[0].reg_domain);
	} else {
		/* a bare domain like "paypal.com" or "login.bank.example" */
		const char *p = t;
		while (*p) {
			while (*p && (isspace((unsigned char)*p) || strchr("<>()[]\"'", *p)))
				p++;
			const char *st = p;
			while (*p && !isspace((unsigned char)*p) && !strchr("<>()[]\"'/", *p))
				p++;
			size_t n = (size_t)(p - st);
			while (n && strchr(".,;:!?", st[n - 1]))
				n--;
			if (n > 3 && memchr(st, '.', n) && !memchr(st, '@', n)) {
				char *tok = yg_mail_strndup(st, n);
				if (tok) {
					for (char *c = tok; *c; c++)
						*c = (char)((unsigned char)*c < 0x80
						                ? tolower((unsigned char)*c)
						                : *c);
					rd = yg_mail_reg_domain(tok);
					free(tok);
				}
				if (rd)
					break;
			}
			while (*p && !isspace((unsigned char)*p))
				p++;
		}
	}
	yg_mail_urlset_release(&tmp);
	return rd;
}

static void squeeze_spaces(char *s)
{
	char *o = s;
	bool sp = true;
	for (char *p = s; *p; p++) {
		bool ws = isspace((unsigned char)*p);
		if (ws && sp)
			continue;
		*o++ = ws ? ' ' : *p;
		sp = ws;
	}
	if (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
}

/* One pass over the markup: collects hrefs with their link text into set
 * (when set is non-NULL) and the visible text into vis. */
static int html_walk(struct yg_mail_urlset *set, const char *s, size_t len, struct buf *vis)
{
	int r = 0;
	struct yg_mail_url *anchor = NULL;
	struct buf atext = {0};
	bool in_anchor = false;
	size_t i = 0;
	while (i < len) {
		if (s[i] != '<') {
			const char *lt = memchr(s + i, '<', len - i);
			size_t n = lt ? (size_t)(lt - (s + i)) : len - i;
			if ((r = buf_add(vis, s + i, n)) < 0)
				goto out;
			if (in_anchor && atext.n < LINK_TEXT_MAX * 4 &&
			    (r = buf_add(&atext, s + i, n)) < 0)
				goto out;
			i += n;
			continue;
		}
		if (len - i >= 4 && !memcmp(s + i, "<!--", 4)) {
			const char *e = memmem(s + i + 4, len - i - 4, "-->", 3);
			i = e ? (size_t)(e - s) + 3 : len;
			continue;
		}
		size_t st = i + 1;
		size_t j = st;
		char q = 0;
		while (j < len) { /* the tag ends at '>' outside quotes */
			if (q) {
				if (s[j] == q)
					q = 0;
			} else if (s[j] == '"' || s[j] == '\'') {
				if (j > st && s[j - 1] == '=')
					q = s[j];
			} else if (s[j] == '>') {
				break;
			}
			j++;
		}
		const char *tag = s + st;
		size_t tn = j - st;
		i = j < len ? j + 1 : len;
		bool closing = tn && tag[0] == '/';
		size_t nm = closing ? 1 : 0;
		while (nm < tn && (isalnum((unsigned char)tag[nm]) || tag[nm] == '!'))
			nm++;
		const char *name = tag + (closing ? 1 : 0);
		size_t namelen = nm - (closing ? 1 : 0);
		if ((r = buf_add(vis, " ", 1)) < 0)
			goto out;
		if (!closing &&
		    (name_is(name, namelen, "script") || name_is(name, namelen, "style"))) {
			char endtag[9] = "</";
			memcpy(endtag + 2, name, namelen);
			size_t el = 2 + namelen;
			size_t k = i;
			while (k + el <= len && strncasecmp(s + k, endtag, el))
				k++;
			i = k + el <= len ? k : len;
			continue;
		}
		if (name_is(name, namelen, "a") || (name_is(name, namelen, "area") && !closing)) {
			if (in_anchor && anchor && atext.p) {
				char *t = yg_mail_html_unescape(atext.p, atext.n);
				if (!t) {
					r = -ENOMEM;
					goto out;
				}
				squeeze_spaces(t);
				if (t[0] && !anchor->link_text) {
					if (strlen(t) > LINK_TEXT_MAX)
						t[LINK_TEXT_MAX] =
						    '\0'; /* may cut a UTF-8 sequence: JSON encoder
						             replaces */
					char *rd = shown_domain(t);
					if (rd && anchor->reg_domain &&
					    strcmp(rd, anchor->reg_domain))
						anchor->text_mismatch = true;
					free(rd);
					anchor->link_text = t;
				} else {
					free(t);
				}
			}
			in_anchor = false;
			anchor = NULL;
			atext.n = 0;
			if (closing)
				continue;
			const char *v;
			size_t vn;
			if (set && tag_attr(tag + nm, tn - nm, "href", &v, &vn)) {
				char *hv = yg_mail_html_unescape(v, vn);
				if (!hv) {
					r = -ENOMEM;
					goto out;
				}
				r = add_url(set, hv, strlen(hv), YG_MAIL_URL_HREF, &anchor);
				free(hv);
				if (r < 0)
					goto out;
				in_anchor = anchor && name_is(name, namelen, "a");
			}
		}
	}
	if (in_anchor && anchor && atext.p && !anchor->link_text) {
		char *t = yg_mail_html_unescape(atext.p, atext.n);
		if (t) {
			squeeze_spaces(t);
			if (strlen(t) > LINK_TEXT_MAX)
				t[LINK_TEXT_MAX] = '\0';
			char *rd = shown_domain(t);
			if (rd && anchor->reg_domain && strcmp(rd, anchor->reg_domain))
				anchor->text_mismatch = true;
			free(rd);
			if (t[0])
				anchor->link_text = t;
			else
				free(t);
		}
	}
out:
	free(atext.p);
	return r;
}

int yg_mail_urls_from_html(struct yg_mail_urlset *set, const char *s, size_t len)
{
	struct buf vis = {0};
	int r = html_walk(set, s, len, &vis);
	free(vis.p);
	if (r < 0)
		return r;
	/* Bare URLs anywhere in the decoded markup: visible text, and also
	 * img src, CSS url(), form actions, which are intel as well. */
	char *all = yg_mail_html_unescape(s, len);
	if (!all)
		return -ENOMEM;
	r = scan_text(set, all, strlen(all), YG_MAIL_URL_TEXT);
	free(all);
	return r;
}

char *yg_mail_html_text(const char *s, size_t len)
{
	struct buf vis = {0};
	int r = html_walk(NULL, s, len, &vis);
	if (r < 0 || !vis.p) {
		free(vis.p);
		return r < 0 ? NULL : yg_mail_strdup("");
	}
	char *t = yg_mail_html_unescape(vis.p, vis.n);
	free(vis.p);
	if (t)
		squeeze_spaces(t);
	return t;
}

void yg_mail_urlset_release(struct yg_mail_urlset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].url);
		free(set->v[i].host);
		free(set->v[i].reg_domain);
		free(set->v[i].link_text);
		free(set->v[i].ioc);
	}
	free(set->v);
	free(set->idx);
	memset(set, 0, sizeof *set);
}
