/*
 * The recipient-and-template inputs of fuzz_anon_scan and fuzz_mail_anon:
 * "R:<recipient>\n<template>", random text around embedded encodings of
 * a recipient. Bytes 0x01..0x0b of the template stand for the recipient
 * written in one form each (plain, upper-case, %40, %2540, &#64;, &#x40;,
 * &commat;, =40 with a soft break, hex, base64 inside a blob at the
 * alignment and alphabet the next template byte picks, the local part).
 * One text, two stages: the needle scan alone (fuzz_anon_scan, fast) and
 * a whole message through analysis and anonymization (fuzz_mail_anon).
 *
 * Include it from exactly one harness (static functions). Not named
 * fuzz_*.c/h so the build does not take it for a harness.
 */
#ifndef YG_FUZZ_ANON_FUZZ_TEXT_H
#define YG_FUZZ_ANON_FUZZ_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Room enough for many forms; bigger texts only slow the fuzzer down. */
#define TEXT_MAX (4u << 10)

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

/* Reads the recipient of an "R:" input (data starts with "R:") into rc
 * (NUL-terminated; its length in *ret_n) and returns where the template
 * starts. The recipient: the first line, printable ASCII without what
 * would change the header's structure, and without the characters that
 * start an escape ('%', '&', '=', '+'): a value holding one is found
 * escaped only where it does not itself read as an escape (anon-int.h).
 * A line that leaves no address gives taro.yamada@corp.example. */
static const uint8_t *aft_recipient(const uint8_t *data, size_t size, char rc[81], size_t *ret_n)
{
	const uint8_t *nl = memchr(data + 2, '\n', size - 2);
	size_t rn = nl ? (size_t)(nl - data - 2) : 0;
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
	*ret_n = k;
	return nl ? nl + 1 : data + size;
}

#endif
