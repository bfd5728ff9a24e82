/*
 * Domain helpers for spoofing signs: registrable domains (Public Suffix
 * List through libpsl, RFC 3492 punycode through libidn2), edit distance,
 * a small confusables skeleton (after Unicode TR #39 section 4, reduced to
 * the Latin look-alikes seen in phishing) and IDN homograph detection.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

#define CP_MAX 256

/* UTF-8 to code points; an invalid byte becomes U+FFFD. Returns count. */
static size_t decode_utf8(const char *s, uint32_t *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p && n < max) {
		uint32_t cp;
		size_t k;
		if (p[0] < 0x80) {
			cp = p[0];
			k = 1;
		} else if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
			cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
			k = 2;
		} else if ((p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 &&
		           (p[2] & 0xc0) == 0x80) {
			cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
			     (p[2] & 0x3f);
			k = 3;
		} else if ((p[0] & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 &&
		           (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
			cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
			     ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
			k = 4;
		} else {
			cp = 0xfffd;
			k = 1;
		}
		out[n++] = cp;
		p += k;
	}
	return n;
}

static bool is_ip_literal(const char *h)
{
	unsigned char b[16];
	return h[0] == '[' || inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

/* Host with xn-- labels decoded; caller frees. */
static char *to_unicode(const char *host)
{
	char *u = NULL;
	if (strstr(host, "xn--") && idn2_to_unicode_8z8z(host, &u, 0) == IDN2_OK && u)
		return u;
	if (u)
		idn2_free(u);
	return yg_mail_strdup(host);
}

char *yg_mail_reg_domain(const char *host)
{
	if (!host || !host[0] || is_ip_literal(host) || strlen(host) > 253)
		return NULL;
	char *u = to_unicode(host);
	if (!u)
		return NULL;
	char *lower = NULL;
	char *ret = NULL;
	bool ascii = true;
	for (const unsigned char *c = (const unsigned char *)host; *c; c++)
		ascii = ascii && *c < 0x80;
	if (psl_str_to_utf8lower(u, "utf-8", NULL, &lower) == PSL_SUCCESS && lower) {
		size_t n = strlen(lower);
		while (n && lower[n - 1] == '.')
			lower[--n] = '\0';
		const char *rd = psl_registrable_domain(psl_builtin(), lower);
		if (rd && rd[0]) {
			/* answer in the form the host was written in */
			char *a = NULL;
			if (ascii && strcmp(rd, lower) != 0 &&
			    idn2_to_ascii_8z(rd, &a, IDN2_NONTRANSITIONAL) == IDN2_OK)
				ret = a;
			else if (ascii && idn2_to_ascii_8z(rd, &a, IDN2_NONTRANSITIONAL) == IDN2_OK)
				ret = a;
			else {
				free(a);
				ret = yg_mail_strdup(rd);
			}
		}
		psl_free_string(lower);
	}
	/* idn2 allocations are malloc()ed; to_unicode's fallback is ours */
	free(u);
	return ret;
}

unsigned yg_mail_edit_distance(const char *a, const char *b, unsigned max)
{
	uint32_t *x = malloc(CP_MAX * sizeof *x), *y = malloc(CP_MAX * sizeof *y);
	unsigned *row = malloc((CP_MAX + 1) * sizeof *row);
	unsigned res = max + 1;
	if (!x || !y || !row)
		goto out;
	size_t n = decode_utf8(a, x, CP_MAX), m = decode_utf8(b, y, CP_MAX);
	if ((n > m ? n - m : m - n) > max)
		goto out;
	for (size_t j = 0; j <= m; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		unsigned best = row[0];
		for (size_t j = 1; j <= m; j++) {
			unsigned up = row[j];
			unsigned v = diag + (x[i - 1] != y[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			goto out;
	}
	res = row[m] > max ? max + 1 : row[m];
out:
	free(x);
	free(y);
	free(row);
	return res;
}

/* The ASCII look-alikes. */
static uint32_t fold_ascii(uint32_t c)
{
	switch (c) {
	case '0':
		return 'o';
	case '1':
	case 'i':
	case '|':
		return 'l';
	case '5':
		return 's';
	case '3':
		return 'e';
	default:
		return c;
	}
}

static uint32_t fold_cp(uint32_t c)
{
	static const struct {
		uint32_t from;
		char to;
	} map[] = {
	    /* Cyrillic */
	    {0x0430, 'a'},
	    {0x0435, 'e'},
	    {0x043e, 'o'},
	    {0x0440, 'p'},
	    {0x0441, 'c'},
	    {0x0443, 'y'},
	    {0x0445, 'x'},
	    {0x0456, 'l'},
	    {0x0458, 'j'},
	    {0x0455, 's'},
	    {0x0501, 'd'},
	    {0x04cf, 'l'},
	    {0x04bb, 'h'},
	    {0x051b, 'q'},
	    {0x051d, 'w'},
	    {0x0432, 'b'},
	    {0x043a, 'k'},
	    {0x043c, 'm'},
	    {0x043d, 'h'},
	    {0x0442, 't'},
	    {0x0457, 'l'},
	    {0x0491, 'r'},
	    /* Greek */
	    {0x03bf, 'o'},
	    {0x03b1, 'a'},
	    {0x03bd, 'v'},
	    {0x03b9, 'l'},
	    {0x03c1, 'p'},
	    {0x03ba, 'k'},
	    {0x03c4, 't'},
	    {0x03c5, 'u'},
	    {0x03c7, 'x'},
	    {0x03b5, 'e'},
	    /* Latin variants */
	    {0x0131, 'l'},
	    {0x0261, 'g'},
	    {0x0251, 'a'},
	    {0x00e0, 'a'},
	    {0x00e1, 'a'},
	    {0x00e2, 'a'},
	    {0x00e3, 'a'},
	    {0x00e4, 'a'},
	    {0x00e5, 'a'},
	    {0x00e7, 'c'},
	    {0x00e8, 'e'},
	    {0x00e9, 'e'},
	    {0x00ea, 'e'},
	    {0x00eb, 'e'},
	    {0x00ec, 'l'},
	    {0x00ed, 'l'},
	    {0x00ee, 'l'},
	    {0x00ef, 'l'},
	    {0x00f1, 'n'},
	    {0x00f2, 'o'},
	    {0x00f3, 'o'},
	    {0x00f4, 'o'},
	    {0x00f5, 'o'},
	    {0x00f6, 'o'},
	    {0x00f8, 'o'},
	    {0x00f9, 'u'},
	    {0x00fa, 'u'},
	    {0x00fb, 'u'},
	    {0x00fc, 'u'},
	    {0x00fd, 'y'},
	    {0x00ff, 'y'},
	};
	/* ASCII, nearly every code point of a domain, without the table's
	 * scan: it was most of the look-alike check, which runs for every
	 * protected domain against every sender, Reply-To and URL domain. */
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			c += 32;
		return fold_ascii(c);
	}
	if (c >= 0x0410 && c <= 0x042f)
		c += 0x20; /* Cyrillic capitals */
	else if (c >= 0x0391 && c <= 0x03a9)
		c += 0x20; /* Greek capitals */
	else if (c >= 0xff01 && c <= 0xff5e)
		return fold_ascii(c - 0xfee0); /* fullwidth ASCII, case kept */
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].from == c)
			return (uint32_t)(unsigned char)map[i].to;
	return c;
}

char *yg_mail_confusable_fold(const char *s)
{
	uint32_t cps[CP_MAX];
	size_t n = decode_utf8(s, cps, CP_MAX);
	char *out = malloc(n * 4 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = fold_cp(cps[i]);
		uint32_t next = i + 1 < n ? fold_cp(cps[i + 1]) : 0;
		if (c == 'r' && next == 'n') { /* rn -> m */
			c = 'm';
			i++;
		} else if (c == 'v' && next == 'v') { /* vv -> w */
			c = 'w';
			i++;
		}
		if (c < 0x80) {
			out[o++] = (char)c;
		} else { /* re-encode */
			char tmp[8];
			size_t k;
			if (c < 0x800) {
				tmp[0] = (char)(0xc0 | (c >> 6));
				tmp[1] = (char)(0x80 | (c & 0x3f));
				k = 2;
			} else if (c < 0x10000) {
				tmp[0] = (char)(0xe0 | (c >> 12));
				tmp[1] = (char)(0x80 | ((c >> 6) & 0x3f));
				tmp[2] = (char)(0x80 | (c & 0x3f));
				k = 3;
			} else {
				tmp[0] = (char)(0xf0 | (c >> 18));
				tmp[1] = (char)(0x80 | ((c >> 12) & 0x3f));
				tmp[2] = (char)(0x80 | ((c >> 6) & 0x3f));
				tmp[3] = (char)(0x80 | (c & 0x3f));
				k = 4;
			}
			memcpy(out + o, tmp, k);
			o += k;
		}
	}
	out[o] = '\0';
	return out;
}

bool yg_mail_lookalike(const char *reg_domain, const char *protect)
{
	if (!reg_domain || !protect || !strcmp(reg_domain, protect))
		return false;
	char *u = to_unicode(reg_domain);
	char *a = u ? yg_mail_confusable_fold(u) : NULL;
	char *b = yg_mail_confusable_fold(protect);
	bool hit = false;
	if (a && b) {
		if (!strcmp(a, b)) {
			hit = true;
		} else {
			/* distance 2 is too loose on short names ("ab.jp" / "cd.jp") */
			uint32_t tmp[CP_MAX];
			size_t plen = decode_utf8(protect, tmp, CP_MAX);
			unsigned max = plen >= 8 ? 2 : 1;
			hit = yg_mail_edit_distance(u, protect, max) <= max;
		}
	}
	free(u);
	free(a);
	free(b);
	return hit;
}

enum script { S_OTHER = 0, S_LATIN = 1, S_CYRILLIC = 2, S_GREEK = 4 };

static unsigned script_of(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7))
		return S_LATIN;
	if (c >= 0x400 && c <= 0x52f)
		return S_CYRILLIC;
	if (c >= 0x370 && c <= 0x3ff)
		return S_GREEK;
	return S_OTHER;
}

bool yg_mail_idn_homograph(const char *host)
{
	if (!host)
		return false;
	for (const unsigned char *c = (const unsigned char *)host; *c; c++) {
		if (*c >= 0x80) { /* a UTF-8 host: judge its A-label form */
			char *a = NULL;
			bool res = false;
			if (idn2_to_ascii_8z(host, &a, IDN2_NONTRANSITIONAL) == IDN2_OK && a &&
			    strstr(a, "xn--"))
				res = yg_mail_idn_homograph(a);
			free(a);
			return res;
		}
	}
	if (!strstr(host, "xn--"))
		return false;
	bool hit = false;
	const char *p = host;
	while (*p && !hit) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n > 4 && n < 64 && !strncasecmp(p, "xn--", 4)) {
			char label[64];
			memcpy(label, p, n);
			label[n] = '\0';
			char *u = NULL;
			if (idn2_to_unicode_8z8z(label, &u, 0) == IDN2_OK && u) {
				uint32_t cps[64];
				size_t k = decode_utf8(u, cps, 64);
				unsigned seen = 0;
				bool all_fold = true;
				for (size_t i = 0; i < k; i++) {
					unsigned sc = script_of(cps[i]);
					seen |= sc;
					if (sc != S_LATIN && !(cps[i] >= '0' && cps[i] <= '9') &&
					    cps[i] != '-' && fold_cp(cps[i]) >= 0x80)
						all_fold = false;
				}
				bool mixed = (seen & S_LATIN) && (seen & (S_CYRILLIC | S_GREEK));
				bool whole = !(seen & S_LATIN) && (seen & (S_CYRILLIC | S_GREEK)) &&
				             all_fold;
				hit = mixed || (seen & S_CYRILLIC && seen & S_GREEK) || whole;
			}
			free(u);
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return hit;
}
