/*
 * The mail analyzer's last stages on a fuzzed report, without MIME in
 * front of them: the assessment (spoofing signs, look-alike and homograph
 * domains, the risk score) and both writers (the JSON report and the STIX
 * bundle). fuzz_mail reaches them only through GMime, which decides most
 * of what a report can hold; here any value reaches any field.
 *
 * Input: one field a line, a tag byte then the value (any bytes but NUL,
 * which ends the value as C strings end):
 *   f s r t c  an address of From, Sender, Reply-To, To, Cc: "name|address"
 *              (no '|': address alone); domain and registrable domain are
 *              derived as the analyzer derives them
 *   p j d m x a  Return-Path, Subject, Date, Message-ID, X-Mailer, User-Agent
 *   h          a Received header, through the analyzer's Received parser
 *   S K M      spf, dkim, dmarc results
 *   b          a body: first byte even = text/plain, odd = text/html, the
 *              rest its excerpt
 *   u          a URL "url|link text", normalized as the extractor does
 *              (refused URLs are dropped); a link text that shows another
 *              host marks it text_mismatch
 *   F          a file: two bytes of flags (enum yg_mail_flag), one of
 *              depth, then "path|yara rule|yara rule..."
 *   n          an anomaly name
 * Lines with another tag are skipped. At most MAX_EACH entries of a list.
 *
 * Checked: the assessment succeeds with a score in 0..100 and a reason
 * for every point, and both writers give a document that serializes.
 * Seeds: fuzz/seeds/mail_report.py.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asan_quarantine.h"
#include "mail/mail-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EACH 16

static char *dupn(const char *s, size_t n)
{
	char *d = yg_mail_strndup(s, n);
	if (!d)
		abort();
	return d;
}

static char *lower(char *s)
{
	for (char *p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static void addr(struct yg_mail_addrs *l, const char *v, size_t n)
{
	if (l->n >= MAX_EACH)
		return;
	struct yg_mail_addr *a = realloc(l->v, (l->n + 1) * sizeof *a);
	if (!a)
		abort();
	l->v = a;
	a = &a[l->n++];
	memset(a, 0, sizeof *a);
	const char *bar = memchr(v, '|', n);
	if (bar) {
		a->name = dupn(v, (size_t)(bar - v));
		n -= (size_t)(bar + 1 - v);
		v = bar + 1;
	}
	a->address = dupn(v, n);
	const char *at = strrchr(a->address, '@');
	if (at && at[1]) {
		a->domain = lower(dupn(at + 1, strlen(at + 1)));
		a->reg_domain = yg_mail_reg_domain(a->domain);
	}
}

static void text(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = dupn(v, n);
}

static void hop(struct yg_mail_report *r, const char *v, size_t n)
{
	if (r->n_hops >= MAX_EACH)
		return;
	struct yg_mail_hop *h = realloc(r->hops, (r->n_hops + 1) * sizeof *h);
	if (!h)
		abort();
	r->hops = h;
	if (yg_mail_received_parse(v, n, &h[r->n_hops]) < 0)
		abort();
	if (h[r->n_hops].external && h[r->n_hops].from_ip && !r->sending_ip)
		r->sending_ip = dupn(h[r->n_hops].from_ip, strlen(h[r->n_hops].from_ip));
	r->n_hops++;
}

static void body(struct yg_mail_report *r, const char *v, size_t n)
{
	if (r->n_bodies >= MAX_EACH || n < 1)
		return;
	struct yg_mail_body *b = realloc(r->bodies, (r->n_bodies + 1) * sizeof *b);
	if (!b)
		abort();
	r->bodies = b;
	b = &b[r->n_bodies++];
	memset(b, 0, sizeof *b);
	const char *type = v[0] & 1 ? "text/html" : "text/plain";
	b->type = dupn(type, strlen(type));
	b->charset = v[0] & 2 ? dupn("iso-2022-jp", 11) : NULL;
	b->excerpt = dupn(v + 1, n - 1);
	b->size = n - 1;
}

static void url(struct yg_mail_report *r, const char *v, size_t n)
{
	if (r->n_urls >= MAX_EACH)
		return;
	const char *bar = memchr(v, '|', n);
	char *host = NULL;
	char *u = yg_mail_url_normalize(v, bar ? (size_t)(bar - v) : n, &host);
	if (!u) {
		free(host);
		return;
	}
	struct yg_mail_url *e = realloc(r->urls, (r->n_urls + 1) * sizeof *e);
	if (!e)
		abort();
	r->urls = e;
	e = &e[r->n_urls++];
	memset(e, 0, sizeof *e);
	e->url = u;
	e->host = host;
	e->reg_domain = host ? yg_mail_reg_domain(host) : NULL;
	e->sources = YG_MAIL_URL_TEXT;
	if (bar) {
		e->sources |= YG_MAIL_URL_HREF;
		e->link_text = dupn(bar + 1, n - (size_t)(bar + 1 - v));
		char *th = NULL;
		char *tu = yg_mail_url_normalize(e->link_text, strlen(e->link_text), &th);
		e->text_mismatch = tu && th && host && strcmp(th, host);
		free(tu);
		free(th);
	}
}

static void file(struct yg_mail_report *r, const char *v, size_t n)
{
	if (r->n_files >= MAX_EACH || n < 4)
		return;
	struct yg_mail_file *f = realloc(r->files, (r->n_files + 1) * sizeof *f);
	if (!f)
		abort();
	r->files = f;
	f = &f[r->n_files++];
	memset(f, 0, sizeof *f);
	f->flags = ((unsigned)(uint8_t)v[0] | (unsigned)(uint8_t)v[1] << 8) &
		   ((1u << YG_MAIL_F_COUNT) - 1);
	f->depth = (uint8_t)v[2] % (YG_MAIL_ARCHIVE_DEPTH + 1);
	f->truncated = v[2] & 0x80;
	v += 3;
	n -= 3;
	const char *bar = memchr(v, '|', n);
	size_t pn = bar ? (size_t)(bar - v) : n;
	f->path = dupn(v, pn);
	const char *slash = memrchr(v, '/', pn);
	f->filename = slash ? dupn(slash + 1, pn - (size_t)(slash + 1 - v)) : dupn(v, pn);
	f->declared_type = f->depth ? NULL : dupn("application/octet-stream", 24);
	f->sniffed_type = yg_mail_magic((const uint8_t *)v, n);
	f->size = n;
	if (f->flags & 1) { /* hashed (an unreadable part is not) */
		memset(f->md5, 'a', 32);
		memset(f->sha1, 'b', 40);
		memset(f->sha256, 'c', 64);
		f->ssdeep = dupn("3:a:b", 5);
	}
	while (bar) {
		v = bar + 1;
		n -= pn + 1;
		bar = memchr(v, '|', n);
		pn = bar ? (size_t)(bar - v) : n;
		if (f->yara.n < MAX_EACH && yg_mail_strv_addn(&f->yara, v, pn) < 0)
			abort();
	}
}

static void check_json(json_t *j, const char *what)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!s) {
		fprintf(stderr, "fuzz_mail_report: the %s does not serialize\n", what);
		abort();
	}
	free(s);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protect[] = {"paypal.com", "example-bank.jp", NULL};
	struct yg_mail_opts opts = {NULL, protect};
	if (size > (64u << 10))
		return 0;
	struct yg_mail_report *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	r->size = size;
	r->date_unix = -1;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le > p) {
			const char *v = p + 1;
			const char *z = memchr(v, '\0', (size_t)(le - v));
			size_t n = (size_t)((z ? z : le) - v);
			switch (p[0]) {
			case 'f': addr(&r->from, v, n); break;
			case 's': addr(&r->sender, v, n); break;
			case 'r': addr(&r->reply_to, v, n); break;
			case 't': addr(&r->to, v, n); break;
			case 'c': addr(&r->cc, v, n); break;
			case 'p': text(&r->return_path, v, n); break;
			case 'j': text(&r->subject, v, n); break;
			case 'd':
				text(&r->date, v, n);
				r->date_unix = yg_mail_date_parse(v, n);
				break;
			case 'm': text(&r->message_id, v, n); break;
			case 'x': text(&r->x_mailer, v, n); break;
			case 'a': text(&r->user_agent, v, n); break;
			case 'h': hop(r, v, n); break;
			case 'S': text(&r->spf, v, n); break;
			case 'K': text(&r->dkim, v, n); break;
			case 'M': text(&r->dmarc, v, n); break;
			case 'b': body(r, v, n); break;
			case 'u': url(r, v, n); break;
			case 'F': file(r, v, n); break;
			case 'n':
				if (r->anomalies.n < MAX_EACH) {
					char *a = dupn(v, n);
					if (yg_mail_strv_add_unique(&r->anomalies, a) < 0)
						abort();
					free(a);
				}
				break;
			default: break;
			}
		}
		p = le + 1;
	}
	if (yg_mail_assess(r, &opts) < 0)
		abort();
	int sum = 0;
	for (size_t i = 0; i < r->n_reasons; i++)
		sum += r->reasons[i].points;
	if (r->score < 0 || r->score > 100 || r->score != (sum > 100 ? 100 : sum)) {
		fprintf(stderr, "fuzz_mail_report: score %d from reasons worth %d\n", r->score, sum);
		abort();
	}
	check_json(yg_mail_report_json(r), "JSON report");
	check_json(yg_mail_report_stix(r, 1709254800000), "STIX bundle");
	yg_mail_report_free(r);
	return 0;
}
