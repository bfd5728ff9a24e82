/*
 * The needle forms of one value to remove (see anon-int.h).
 *
 * Base64 inside a longer blob (RFC 4648 section 4; base64url section 5):
 * a value p starting at byte offset k of the blob is encoded, by 6-bit
 * characters, as
 *
 *   k = 0:  |p0 p1 p2|p3 ...         chars:  [p][p][p][p] ...
 *   k = 1:  |x  p0 p1|p2 ...         chars:  [x][xp][p][p] ...
 *   k = 2:  |x  x  p0|p1 ...         chars:  [x][x][xp][p] ...
 *
 * where [xp] mixes bits of the neighbour x with p's: so of each of the three
 * shifts only the middle run of characters fully made of p's bits is the
 * same wherever p stands; that run is the needle, and its matches take the
 * mixed character on either side too (pre/post). The end is the same: the
 * last character is mixed unless p ends on a 6-bit boundary. Padding never
 * matters since only full characters are compared.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "mail/anon-int.h"

static const char *const kind_names[YG_MAIL_RK_COUNT] = {
    [YG_MAIL_RK_RECIPIENT] = "recipient",
    [YG_MAIL_RK_LOCAL] = "recipient-local",
    [YG_MAIL_RK_NAME] = "recipient-name",
    [YG_MAIL_RK_INTERNAL_HOST] = "internal-host",
    [YG_MAIL_RK_OWN_DOMAIN] = "own-domain",
    [YG_MAIL_RK_INTERNAL_IP] = "internal-ip",
    [YG_MAIL_RK_PII] = "pii",
};

static const char *const enc_names[YG_MAIL_RE_COUNT] = {
    [YG_MAIL_RE_PLAIN] = "plain",         [YG_MAIL_RE_PERCENT] = "percent",
    [YG_MAIL_RE_PERCENT2] = "percent2",   [YG_MAIL_RE_ENTITY] = "html-entity",
    [YG_MAIL_RE_QP] = "quoted-printable", [YG_MAIL_RE_HEX] = "hex",
    [YG_MAIL_RE_BASE64] = "base64",       [YG_MAIL_RE_BASE64URL] = "base64url",
};

const char *yg_mail_redact_kind_name(unsigned kind)
{
	return kind < YG_MAIL_RK_COUNT ? kind_names[kind] : "unknown";
}

const char *yg_mail_redact_enc_name(unsigned enc)
{
	return enc < YG_MAIL_RE_COUNT ? enc_names[enc] : "unknown";
}

/* Role accounts name a function, not a person: their local part alone is
 * left in the text (the whole address still goes). Same list in
 * tests/e2e/anonforms.py. */
static const char *const roles[] = {
    "abuse", "admin",     "billing",    "contact", "hello",    "help",   "hostmaster",
    "info",  "marketing", "newsletter", "noreply", "no-reply", "office", "postmaster",
    "root",  "sales",     "security",   "service", "support",  "team",   "webmaster",
};

bool yg_anon_local_ok(const char *s, size_t n)
{
	if (!s || n < YG_ANON_MIN_LOCAL || n > YG_ANON_MAX_BASE)
		return false;
	for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
		if (strlen(roles[i]) == n && !strncasecmp(roles[i], s, n))
			return false;
	return true;
}

bool yg_anon_name_ok(const char *s, size_t n)
{
	return s && n >= YG_ANON_MIN_NAME && n <= YG_ANON_MAX_BASE;
}

size_t yg_anon_b64_stable(const uint8_t *p, size_t n, unsigned shift, bool url, char *out,
                          size_t cap, uint8_t *ret_pre, uint8_t *ret_post)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char web[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *al = url ? web : std;
	if (shift > 2 || n == 0)
		return 0;
	/* Bits of p in the blob's bit stream: [8 shift, 8 (shift + n)). */
	size_t lo = 8 * (size_t)shift, hi = 8 * ((size_t)shift + n);
	size_t first = (lo + 5) / 6, last = hi / 6; /* full characters [first, last) */
	if (last <= first || last - first > cap)
		return 0;
	for (size_t c = first; c < last; c++) {
		unsigned v = 0;
		for (size_t b = 6 * c; b < 6 * c + 6; b++) {
			size_t byte = b / 8 - shift; /* b >= lo here */
			v = (v << 1) | ((p[byte] >> (7 - b % 8)) & 1u);
		}
		out[c - first] = al[v];
	}
	*ret_pre = lo % 6 != 0;
	*ret_post = hi % 6 != 0;
	return last - first;
}

static int hex_form(const uint8_t *p, size_t n, const struct yg_anon_tag *tag, yg_anon_form_fn fn,
                    void *arg)
{
	static const char hx[] = "0123456789abcdef";
	char buf[2 * YG_ANON_MAX_BASE];
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	struct yg_anon_tag t = *tag;
	t.enc = YG_MAIL_RE_HEX;
	t.exact = false;
	t.words = false;
	return fn(arg, buf, 2 * n, &t);
}

static int b64_forms(const uint8_t *p, size_t n, const struct yg_anon_tag *tag, yg_anon_form_fn fn,
                     void *arg)
{
	char std[YG_ANON_MAX_BASE * 2], web[YG_ANON_MAX_BASE * 2];
	for (unsigned shift = 0; shift < 3; shift++) {
		uint8_t pre = 0, post = 0;
		size_t m = yg_anon_b64_stable(p, n, shift, false, std, sizeof std, &pre, &post);
		if (m < YG_ANON_MIN_B64)
			continue;
		yg_anon_b64_stable(p, n, shift, true, web, sizeof web, &pre, &post);
		struct yg_anon_tag t = *tag;
		t.exact = true;
		t.words = false;
		t.pre = pre;
		t.post = post;
		t.enc = YG_MAIL_RE_BASE64;
		int r = fn(arg, std, m, &t);
		if (r == 0 && memcmp(std, web, m)) {
			t.enc = YG_MAIL_RE_BASE64URL;
			r = fn(arg, web, m, &t);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int yg_anon_forms(const char *base, size_t n, unsigned which, const struct yg_anon_tag *tag,
                  yg_anon_form_fn fn, void *arg)
{
	if (!base || n == 0 || n > YG_ANON_MAX_BASE || !tag || !fn)
		return -EINVAL;
	uint8_t lower[YG_ANON_MAX_BASE];
	bool has_upper = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)base[i];
		has_upper |= c >= 'A' && c <= 'Z';
		lower[i] = c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
	}
	int r = 0;
	if (which & YG_ANON_F_PLAIN) {
		struct yg_anon_tag t = *tag;
		t.enc = YG_MAIL_RE_PLAIN;
		t.exact = false;
		t.pre = t.post = 0;
		r = fn(arg, (const char *)lower, n, &t);
	}
	/* Hex and base64 encode bytes, so the case a kit wrote matters: the
	 * value as the headers spell it and lower-cased (what kits' target
	 * lists mostly hold). */
	const uint8_t *variants[2] = {lower, (const uint8_t *)base};
	for (size_t v = 0; r == 0 && v < (has_upper ? 2u : 1u); v++) {
		if (which & YG_ANON_F_HEX)
			r = hex_form(variants[v], n, tag, fn, arg);
		if (r == 0 && (which & YG_ANON_F_B64))
			r = b64_forms(variants[v], n, tag, fn, arg);
	}
	return r;
}
