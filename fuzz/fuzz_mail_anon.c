/*
 * Mail anonymization (issues 5 and 18) end to end, two ways in:
 *
 * Input "R:<recipient>\n<template>" (anon_fuzz_text.h): random text around
 * embedded encodings of a recipient, sent as the body of a message to the
 * recipient, through analysis and anonymization: no recipient address of
 * the parsed message is left anywhere in the report's JSON. The same text
 * scanned with the recipient's needles alone is fuzz_anon_scan's stage.
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

#include "anon_fuzz_text.h"
#include "asan_quarantine.h"
#include "correlate/correlate.h"
#include "mail/anon-int.h"
#include "mail/mail-int.h"
#include "mail/anon.h"
#include "mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	char rc[81];
	size_t k;
	const uint8_t *tp = aft_recipient(data, size, rc, &k);
	struct text t = {.p = malloc(TEXT_MAX)};
	if (!t.p)
		abort();
	expand(&t, tp, (size_t)(data + size - tp), rc, k);
	mail(rc, k, &t, anon, warn);
	free(t.p);
	return 0;
}
