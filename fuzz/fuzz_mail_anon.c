/*
 * Mail anonymization (issues 5 and 18), two ways in:
 *
 * Input "R:<recipient>\n<template>": random text around embedded encodings
 * of a recipient. Bytes 0x01..0x0b of the template stand for the
 * recipient written in one form each (plain, upper-case, %40, %2540,
 * &#64;, &#x40;, &commat;, =40 with a soft break, hex, base64 inside a
 * blob at the alignment and alphabet the next template byte picks, the
 * local part). The text is then
 *   - scanned directly with the recipient's needles: the spans are sorted,
 *     disjoint and in bounds, and once they are replaced, scanning again
 *     finds nothing outside the placeholders;
 *   - sent as the body of a message to the recipient, through analysis
 *     and anonymization: no recipient address of the parsed message is
 *     left anywhere in the report's JSON.
 * Any other input is a raw message: whatever it is, the recipients of
 * To/Cc end up as placeholders and no extracted observable carries one
 * (subject templates aside, where a placeholder stands for any recipient).
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate/correlate.h"
#include "mail/anon-int.h"
#include "mail/mail-int.h"
#include "mail/anon.h"
#include "mail/mail.h"

/* Room enough for many forms; bigger texts only slow the fuzzer down. */
#define TEXT_MAX (4u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct text {
	char *p;
	size_t n;
};

static void add(struct text *t, const void *s, size_t n)
{
	if (t->n + n > TEXT_MAX)
		return;
	memcpy(t->p + t->n, s, n);
	t->n += n;
}

static void add_b64(struct text *t, const char *rc, size_t rn, uint8_t sel)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char web[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *al = (sel & 4) ? web : std;
	uint8_t blob[300];
	size_t n = 0;
	for (unsigned k = 0; k < sel % 3; k++)
		blob[n++] = (uint8_t)(sel * 37 + k);
	memcpy(blob + n, rc, rn);
	n += rn;
	for (unsigned k = 0; k < (sel >> 3) % 3; k++)
		blob[n++] = (uint8_t)(sel * 11 + k);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)blob[i] << 16 |
		             (i + 1 < n ? (unsigned)blob[i + 1] << 8 : 0) |
		             (i + 2 < n ? blob[i + 2] : 0);
		char q[4] = {al[v >> 18], al[(v >> 12) & 63], al[(v >> 6) & 63], al[v & 63]};
		size_t k = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;
		add(t, q, k);
		if (k < 4 && (sel & 32))
			add(t, "==", 4 - k);
	}
}

/* The template with each marker byte replaced by a form of rc. */
static void expand(struct text *t, const uint8_t *tp, size_t tn, const char *rc, size_t rn)
{
	static const char hx[] = "0123456789ABCDEF";
	const char *at = memchr(rc, '@', rn);
	size_t ln = at ? (size_t)(at - rc) : rn;
	for (size_t i = 0; i < tn; i++) {
		char buf[8];
		switch (tp[i]) {
		case 1:
			add(t, rc, rn);
			break;
		case 2:
			for (size_t k = 0; k < rn; k++) {
				char c = rc[k] >= 'a' && rc[k] <= 'z' ? (char)(rc[k] - 32) : rc[k];
				add(t, &c, 1);
			}
			break;
		case 3:
		case 4:
		case 5:
		case 6:
		case 7:
		case 8: {
			static const char *const at_as[] = {"%40",    "%2540",    "&#64;",
			                                    "&#x40;", "&commat;", "=40"};
			const char *a = at_as[tp[i] - 3];
			add(t, rc, ln);
			if (at) {
				add(t, a, strlen(a));
				size_t rest = rn - ln - 1;
				if (tp[i] == 8 && rest > 2) {
					add(t, at + 1, 2);
					add(t, "=\r\n", 3);
					add(t, at + 3, rest - 2);
				} else {
					add(t, at + 1, rest);
				}
			}
			break;
		}
		case 9:
			for (size_t k = 0; k < rn; k++) {
				buf[0] = hx[(uint8_t)rc[k] >> 4];
				buf[1] = hx[(uint8_t)rc[k] & 15];
				add(t, buf, 2);
			}
			break;
		case 10:
			add_b64(t, rc, rn, i + 1 < tn ? tp[++i] : 0);
			break;
		case 11:
			add(t, rc, ln);
			break;
		default:
			add(t, &tp[i], 1);
		}
	}
}

/* Whether [b, e) meets one of the placeholder ranges. */
static bool in_marks(const size_t *mk, size_t nm, size_t b, size_t e)
{
	for (size_t i = 0; i < nm; i++)
		if (b < mk[2 * i + 1] && mk[2 * i] < e)
			return true;
	return false;
}

static void direct(const char *rc, size_t rn, const struct text *t)
{
	struct yg_anon_set *s = NULL;
	if (yg_anon_set_new(&s) < 0)
		abort();
	struct yg_anon_tag tag = {.kind = YG_MAIL_RK_RECIPIENT};
	int r = yg_anon_forms(rc, rn, YG_ANON_F_ALL, &tag, yg_anon_set_add_form, s);
	const char *at = memchr(rc, '@', rn);
	tag.kind = YG_MAIL_RK_LOCAL;
	if (r == 0 && at && yg_anon_local_ok(rc, (size_t)(at - rc)))
		r = yg_anon_forms(rc, (size_t)(at - rc), YG_ANON_F_ALL, &tag, yg_anon_set_add_form,
		                  s);
	if (r < 0 || yg_anon_set_build(s) < 0) {
		yg_anon_set_free(s);
		return;
	}
	struct yg_anon_span *sp = NULL;
	size_t n = 0;
	if (yg_anon_set_scan(s, t->p, t->n, &sp, &n) < 0)
		abort();
	/* Replace, remembering where the placeholders went. */
	static const char ph[] = "[recipient-1]";
	char *out = malloc(t->n + n * sizeof ph + 1);
	size_t *mk = malloc((2 * n + 1) * sizeof *mk);
	if (!out || !mk)
		abort();
	size_t o = 0, prev = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].beg < prev || sp[i].end <= sp[i].beg || sp[i].end > t->n)
			abort();
		memcpy(out + o, t->p + prev, sp[i].beg - prev);
		o += sp[i].beg - prev;
		mk[2 * i] = o;
		memcpy(out + o, ph, sizeof ph - 1);
		o += sizeof ph - 1;
		mk[2 * i + 1] = o;
		prev = sp[i].end;
	}
	memcpy(out + o, t->p + prev, t->n - prev);
	o += t->n - prev;
	free(sp);
	sp = NULL;
	size_t n2 = 0;
	if (yg_anon_set_scan(s, out, o, &sp, &n2) < 0)
		abort();
	for (size_t i = 0; i < n2; i++)
		if (!in_marks(mk, n, sp[i].beg, sp[i].end)) {
			fprintf(stderr, "found again at %zu..%zu: '%.*s' in '%.*s'\n", sp[i].beg,
				sp[i].end, (int)(sp[i].end - sp[i].beg), out + sp[i].beg, (int)o, out);
			abort();
		}
	free(sp);
	free(mk);
	free(out);
	yg_anon_set_free(s);
}

static void check_json_lacks(const struct yg_mail_report *r, char **addrs, size_t na)
{
	if (yg_mail_strv_has(&r->anomalies, "anon_recipient_cap"))
		return;
	json_t *j = yg_mail_report_json(r);
	char *js = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	for (size_t i = 0; js && i < na; i++) {
		if (strcasestr(js, addrs[i])) {
			fprintf(stderr, "recipient %s left in %s\n", addrs[i], js);
			abort();
		}
	}
	free(js);
}

static void mail(const char *rc, size_t rn, const struct text *t, struct yg_mail_anon *anon,
                 struct yg_corr_warn *warn)
{
	size_t cap = t->n + rn + 256;
	char *msg = malloc(cap);
	if (!msg)
		abort();
	int h = snprintf(msg, cap,
	                 "From: x@evil.example\r\nTo: <%.*s>\r\nSubject: s\r\n"
	                 "Content-Type: text/%s; charset=utf-8\r\n\r\n",
	                 (int)rn, rc, t->n && (t->p[0] & 1) ? "html" : "plain");
	memcpy(msg + h, t->p, t->n);
	size_t len = (size_t)h + t->n;
	struct yg_mail_opts opts = {0};
	struct yg_mail_report *r = NULL;
	if (yg_mail_analyze((const uint8_t *)msg, len, &opts, &r) == 0) {
		/* The addresses as parsed, before they are replaced. */
		char *addrs[8];
		size_t na = 0;
		for (size_t i = 0; i < r->to.n && na < 8; i++) {
			const char *a = r->to.v[i].address;
			size_t an = a ? strlen(a) : 0;
			if (an >= 3 && an <= YG_ANON_MAX_BASE && strchr(a, '@') && a[0] != '@' &&
			    a[an - 1] != '@' && !strpbrk(a, "\"\\<>[]") && a[0] != '.' &&
			    a[an - 1] != '.')
				addrs[na++] = strdup(a);
		}
		if (yg_mail_anon_apply(anon, (const uint8_t *)msg, len, r) == 0) {
			check_json_lacks(r, addrs, na);
			struct yg_corr_obs *o = NULL;
			size_t n = 0;
			if (yg_corr_extract(r, warn, &o, &n) == 0)
				yg_corr_obs_free(o, n);
		}
		for (size_t i = 0; i < na; i++)
			free(addrs[i]);
	}
	yg_mail_report_free(r);
	free(msg);
}

static void raw_message(const uint8_t *data, size_t size, struct yg_mail_anon *anon,
                        struct yg_corr_warn *warn)
{
	struct yg_mail_opts opts = {0};
	struct yg_mail_report *r = NULL;
	if (yg_mail_analyze(data, size, &opts, &r) < 0)
		return;
	if (yg_mail_anon_apply(anon, data, size, r) == 0) {
		for (size_t i = 0; i < r->to.n; i++)
			if (r->to.v[i].address && !yg_mail_anon_is_scrubbed(r->to.v[i].address))
				abort();
		struct yg_corr_obs *o = NULL;
		size_t n = 0;
		if (yg_corr_extract(r, warn, &o, &n) == 0) {
			for (size_t i = 0; i < n; i++)
				if (o[i].type != YG_CORR_SUBJECT &&
				    yg_mail_anon_is_scrubbed(o[i].value))
					abort();
			json_decref(yg_corr_indicators_json(o, n));
			yg_corr_obs_free(o, n);
		}
		json_decref(yg_mail_report_json(r));
	}
	yg_mail_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct yg_mail_anon *anon;
	static struct yg_corr_warn *warn;
	if (!anon) {
		const char *dom[] = {"corp.example", "victim.example.org"};
		const char *pii[] = {"EMP-[0-9]{6}", "[0-9]{3}-[0-9]{4}-[0-9]{4}"};
		struct yg_mail_anon_cfg cfg = {dom, 2, pii, 2};
		if (yg_mail_anon_new(&cfg, &anon) < 0 || yg_corr_warn_new(NULL, &warn) < 0)
			abort();
	}
	if (size < 2 || memcmp(data, "R:", 2)) {
		raw_message(data, size, anon, warn);
		return 0;
	}
	/* The recipient: the first line, printable ASCII without what would
	 * change the header's structure, and without the characters that
	 * start an escape ('%', '&', '=', '+'): a value holding one is found
	 * escaped only where it does not itself read as an escape (anon-int.h). */
	const uint8_t *nl = memchr(data + 2, '\n', size - 2);
	size_t rn = nl ? (size_t)(nl - data - 2) : 0;
	char rc[81];
	size_t k = 0;
	for (size_t i = 0; i < rn && k < 80; i++) {
		uint8_t c = data[2 + i];
		if (c > 0x20 && c < 0x7f && !strchr("<>\"\\[](),;:%&=+", c))
			rc[k++] = (char)c;
	}
	if (k < 3 || !memchr(rc, '@', k) || rc[0] == '@' || rc[k - 1] == '@') {
		memcpy(rc, "taro.yamada@corp.example", 24);
		k = 24;
	}
	rc[k] = '\0';
	const uint8_t *tp = nl ? nl + 1 : data + size;
	struct text t = {.p = malloc(TEXT_MAX)};
	if (!t.p)
		abort();
	expand(&t, tp, (size_t)(data + size - tp), rc, k);
	direct(rc, k, &t);
	mail(rc, k, &t, anon, warn);
	free(t.p);
	return 0;
}
