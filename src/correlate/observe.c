/*
 * Observables of a sanitized mail report, the warning list and subject
 * templates (see correlate.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "correlate/correlate.h"
#include "mail/anon.h"

static const char *const type_names[] = {
	[YG_CORR_SENDER_ADDR] = "sender-address",
	[YG_CORR_SENDER_DOMAIN] = "sender-domain",
	[YG_CORR_SENDER_REGDOM] = "sender-registrable-domain",
	[YG_CORR_SENDING_IP] = "sending-ip",
	[YG_CORR_URL] = "url",
	[YG_CORR_URL_DOMAIN] = "url-domain",
	[YG_CORR_MD5] = "md5",
	[YG_CORR_SHA1] = "sha1",
	[YG_CORR_SHA256] = "sha256",
	[YG_CORR_SSDEEP] = "ssdeep",
	[YG_CORR_SUBJECT] = "subject-template",
};

const char *yg_corr_type_name(int type)
{
	return type >= 1 && type <= YG_CORR_TYPE_MAX ? type_names[type] : NULL;
}

bool yg_corr_type_is_indicator(int type)
{
	return type >= YG_CORR_SENDER_ADDR && type <= YG_CORR_SHA256;
}

/* Shared by many unrelated senders: a match on these says nothing. */
static const char *const builtin_warn[] = {
	/* mail providers */
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
	"yahoo.com", "yahoo.co.jp", "ymail.com", "aol.com", "icloud.com", "me.com", "mail.ru",
	"yandex.ru", "gmx.com", "gmx.de", "web.de", "qq.com", "163.com", "126.com",
	"protonmail.com", "proton.me", "zoho.com", "docomo.ne.jp", "ezweb.ne.jp",
	"softbank.ne.jp", "i.softbank.jp", "nifty.com", "biglobe.ne.jp", "ocn.ne.jp",
	"naver.com", "mail.com",
	/* CDNs, hosting and everyday sites linked from signatures */
	"cloudfront.net", "akamaihd.net", "akamai.net", "akamaized.net", "fastly.net",
	"cloudflare.com", "azureedge.net", "googleusercontent.com", "googleapis.com",
	"gstatic.com", "amazonaws.com", "windows.net", "sharepoint.com", "dropbox.com",
	"github.io", "githubusercontent.com", "firebaseapp.com", "web.app", "blogspot.com",
	"wordpress.com", "google.com", "microsoft.com", "office.com", "apple.com",
	"facebook.com", "twitter.com", "x.com", "linkedin.com", "youtube.com", "w3.org",
	/* URL shorteners */
	"bit.ly", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
	"cutt.ly", "t.ly", "shorturl.at", "rb.gy", "tiny.cc", "lnkd.in",
};

struct yg_corr_warn {
	char **slot; /* open addressing, lower-case strings */
	size_t cap, n;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)tolower((unsigned char)s[i]);
		h *= 1099511628211ull;
	}
	return h;
}

static bool warn_find(const struct yg_corr_warn *w, const char *s, size_t n)
{
	if (!w || !w->cap)
		return false;
	for (size_t i = fnv(s, n) & (w->cap - 1);; i = (i + 1) & (w->cap - 1)) {
		const char *e = w->slot[i];
		if (!e)
			return false;
		if (strlen(e) == n && !strncasecmp(e, s, n))
			return true;
	}
}

static int warn_add(struct yg_corr_warn *w, const char *s, size_t n)
{
	if (n == 0 || warn_find(w, s, n))
		return 0;
	if (w->n >= YG_CORR_WARN_MAX)
		return -E2BIG;
	if ((w->n + 1) * 2 > w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 256;
		char **ns = calloc(nc, sizeof *ns);
		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < w->cap; i++) {
			if (!w->slot[i])
				continue;
			size_t k = fnv(w->slot[i], strlen(w->slot[i])) & (nc - 1);
			while (ns[k])
				k = (k + 1) & (nc - 1);
			ns[k] = w->slot[i];
		}
		free(w->slot);
		w->slot = ns;
		w->cap = nc;
	}
	char *d = malloc(n + 1);
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[n] = '\0';
	size_t k = fnv(d, n) & (w->cap - 1);
	while (w->slot[k])
		k = (k + 1) & (w->cap - 1);
	w->slot[k] = d;
	w->n++;
	return 0;
}

void yg_corr_warn_free(struct yg_corr_warn *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->cap; i++)
		free(w->slot[i]);
	free(w->slot);
	free(w);
}

int yg_corr_warn_new(const char *path, struct yg_corr_warn **ret)
{
	struct yg_corr_warn *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof builtin_warn / sizeof *builtin_warn; i++)
		r = warn_add(w, builtin_warn[i], strlen(builtin_warn[i]));
	FILE *f = r == 0 && path ? fopen(path, "re") : NULL;
	if (f) {
		char line[4200];
		while (r == 0 && fgets(line, sizeof line, f)) {
			char *p = line;
			while (*p == ' ' || *p == '\t')
				p++;
			size_t n = strcspn(p, "#\r\n");
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			r = warn_add(w, p, n);
		}
		fclose(f);
	}
	if (r < 0) {
		yg_corr_warn_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

/* A host matches itself and every parent domain on the list. */
static bool host_warned(const struct yg_corr_warn *w, const char *h, size_t n)
{
	for (;;) {
		if (warn_find(w, h, n))
			return true;
		const char *dot = memchr(h, '.', n);
		if (!dot)
			return false;
		n -= (size_t)(dot + 1 - h);
		h = dot + 1;
	}
}

static const char *url_host(const char *url, size_t *ret_n)
{
	const char *p = strstr(url, "://");
	if (!p)
		return NULL;
	p += 3;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	const char *colon = memchr(p, ':', n);
	if (colon && *p != '[')
		n = (size_t)(colon - p);
	*ret_n = n;
	return p;
}

bool yg_corr_warn_has(const struct yg_corr_warn *w, int type, const char *v)
{
	if (!w || !v)
		return false;
	size_t n = strlen(v);
	if (warn_find(w, v, n))
		return true;
	switch (type) {
	case YG_CORR_SENDER_DOMAIN:
	case YG_CORR_SENDER_REGDOM:
	case YG_CORR_URL_DOMAIN:
		return host_warned(w, v, n);
	case YG_CORR_URL: {
		size_t hn = 0;
		const char *h = url_host(v, &hn);
		return h && host_warned(w, h, hn);
	}
	default:
		return false;
	}
}

char *yg_corr_subject_template(const char *subject)
{
	if (!subject)
		return NULL;
	size_t n = strlen(subject);
	if (n > 4096)
		n = 4096;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	const char *p = subject, *end = subject + n;
	/* Reply and forward prefixes, repeated. */
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		size_t k = 0;
		if (end - p >= 3 && !strncasecmp(p, "re:", 3))
			k = 3;
		else if (end - p >= 3 && !strncasecmp(p, "fw:", 3))
			k = 3;
		else if (end - p >= 4 && !strncasecmp(p, "fwd:", 4))
			k = 4;
		if (!k)
			break;
		p += k;
	}
	size_t o = 0;
	bool space = false;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (isspace(c)) {
			space = o > 0;
			p++;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		if (isdigit(c)) {
			while (p < end && isdigit((unsigned char)*p))
				p++;
			out[o++] = '#';
			continue;
		}
		out[o++] = (char)tolower(c);
		p++;
	}
	out[o] = '\0';
	if (!o) {
		free(out);
		return NULL;
	}
	return out;
}

struct obs_list {
	struct yg_corr_obs *v;
	size_t n, cap;
	const struct yg_corr_warn *w;
};

static bool ip_public(const char *s)
{
	uint8_t b[16];
	if (inet_pton(AF_INET, s, b) == 1)
		return !(b[0] == 10 || b[0] == 127 || b[0] == 0 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
			 (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
			 (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] >= 224);
	if (inet_pton(AF_INET6, s, b) == 1)
		return !((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
			 b[0] == 0 || b[0] == 0xff);
	return false;
}

/* Values travel as JSON strings: only well-formed UTF-8 is kept. */
static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2
						  : (c >> 3) == 30 ? 3 : 9;
		if (n == 9 || (n == 1 && c < 0xc2) || (n == 3 && c > 0xf4))
			return false;
		p++;
		for (unsigned i = 0; i < n; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static int obs_add(struct obs_list *l, int type, const char *v)
{
	/* A placeholder makes a value useless as an indicator, but a subject
	 * template keeps it: "[recipient-name-#]" is how it normalizes names. */
	if (!v || !*v || strlen(v) > YG_STORE_VALUE_MAX || !utf8_ok(v) ||
	    (type != YG_CORR_SUBJECT && yg_mail_anon_is_scrubbed(v)))
		return 0;
	if ((type == YG_CORR_SENDING_IP) && !ip_public(v))
		return 0;
	/* An IP literal as URL host: only a public one says anything. */
	uint8_t scratch[16];
	if (type == YG_CORR_URL_DOMAIN && !ip_public(v) &&
	    (inet_pton(AF_INET, v, scratch) == 1 || strchr(v, ':')))
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].type == type && !strcmp(l->v[i].value, v))
			return 0;
	if (l->n >= YG_CORR_MAX_OBS)
		return 0;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		struct yg_corr_obs *p = realloc(l->v, nc * sizeof *p);
		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = nc;
	}
	struct yg_corr_obs *o = &l->v[l->n];
	memset(o, 0, sizeof *o);
	o->type = type;
	if (type == YG_CORR_SUBJECT || type == YG_CORR_SENDER_ADDR ||
	    type == YG_CORR_SENDER_DOMAIN || type == YG_CORR_SENDER_REGDOM ||
	    type == YG_CORR_URL_DOMAIN) {
		o->value = strdup(v);
		for (char *p = o->value; p && *p; p++)
			*p = (char)tolower((unsigned char)*p);
	} else {
		o->value = strdup(v);
	}
	if (!o->value)
		return -ENOMEM;
	o->warning = yg_corr_warn_has(l->w, type, o->value);
	/* A short subject template ("hello", "invoice #") names no campaign. */
	if (type == YG_CORR_SUBJECT && strlen(o->value) < 12)
		o->warning = true;
	if (type == YG_CORR_SSDEEP) {
		char *end = NULL;
		long long bs = strtoll(o->value, &end, 10);
		o->ssdeep_bs = end && *end == ':' && bs > 0 ? bs : 0;
	}
	l->n++;
	return 0;
}

void yg_corr_obs_free(struct yg_corr_obs *o, size_t n)
{
	if (!o)
		return;
	for (size_t i = 0; i < n; i++)
		free(o[i].value);
	free(o);
}

int yg_corr_extract(const struct yg_mail_report *r, const struct yg_corr_warn *w,
		    struct yg_corr_obs **ret, size_t *ret_n)
{
	struct obs_list l = {.w = w};
	int e = 0;
	const struct yg_mail_addrs *senders[] = {&r->from, &r->sender, &r->reply_to};
	for (size_t s = 0; e == 0 && s < 3; s++)
		for (size_t i = 0; e == 0 && i < senders[s]->n; i++) {
			const struct yg_mail_addr *a = &senders[s]->v[i];
			e = obs_add(&l, YG_CORR_SENDER_ADDR, a->address);
			if (e == 0)
				e = obs_add(&l, YG_CORR_SENDER_DOMAIN, a->domain);
			if (e == 0)
				e = obs_add(&l, YG_CORR_SENDER_REGDOM, a->reg_domain);
		}
	if (e == 0)
		e = obs_add(&l, YG_CORR_SENDING_IP, r->sending_ip);
	for (size_t i = 0; e == 0 && i < r->n_urls; i++) {
		/* Without the victim's part when anonymization took one out
		 * (mail/anon.h): the page, as other members see it. */
		e = obs_add(&l, YG_CORR_URL, r->urls[i].ioc ? r->urls[i].ioc : r->urls[i].url);
		if (e == 0 && r->urls[i].host)
			e = obs_add(&l, YG_CORR_URL_DOMAIN, r->urls[i].host);
		if (e == 0 && r->urls[i].reg_domain)
			e = obs_add(&l, YG_CORR_URL_DOMAIN, r->urls[i].reg_domain);
	}
	for (size_t i = 0; e == 0 && i < r->n_files; i++) {
		const struct yg_mail_file *f = &r->files[i];
		if (f->size == 0)
			continue;
		e = obs_add(&l, YG_CORR_MD5, f->md5);
		if (e == 0)
			e = obs_add(&l, YG_CORR_SHA1, f->sha1);
		if (e == 0)
			e = obs_add(&l, YG_CORR_SHA256, f->sha256);
		if (e == 0 && f->ssdeep)
			e = obs_add(&l, YG_CORR_SSDEEP, f->ssdeep);
	}
	if (e == 0 && r->subject) {
		char *t = yg_corr_subject_template(r->subject);
		e = obs_add(&l, YG_CORR_SUBJECT, t);
		free(t);
	}
	if (e < 0) {
		yg_corr_obs_free(l.v, l.n);
		return e;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

json_t *yg_corr_indicators_json(const struct yg_corr_obs *o, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (!yg_corr_type_is_indicator(o[i].type) || o[i].warning)
			continue;
		json_t *j = json_pack("{s:s, s:s}", "type", yg_corr_type_name(o[i].type), "value",
				      o[i].value);
		if (!j || json_array_append_new(a, j)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
