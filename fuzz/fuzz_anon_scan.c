/*
 * The anonymizer's needle scan (anon_match.c) on its own, the fast stage
 * of fuzz_mail_anon (issue 23: stage harnesses plus one end-to-end one).
 * The input is "R:<recipient>\n<template>" (anon_fuzz_text.h); the text
 * is scanned with the recipient's needles: the spans are sorted, disjoint
 * and in bounds, and once they are replaced, scanning again finds nothing
 * outside the placeholders. Other inputs are scanned for the default
 * recipient as they are (no template markers expanded).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anon_fuzz_text.h"
#include "mail/anon-int.h"
#include "mail/mail-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rc[81];
	size_t k;
	struct text t = {.p = malloc(TEXT_MAX)};
	if (!t.p)
		abort();
	if (size >= 2 && !memcmp(data, "R:", 2)) {
		const uint8_t *tp = aft_recipient(data, size, rc, &k);
		expand(&t, tp, (size_t)(data + size - tp), rc, k);
	} else {
		memcpy(rc, "taro.yamada@corp.example", 25);
		k = 24;
		t.n = size < TEXT_MAX ? size : TEXT_MAX;
		memcpy(t.p, data, t.n);
	}
	direct(rc, k, &t);
	free(t.p);
	return 0;
}
