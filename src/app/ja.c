/*
 * TLS client fingerprints from a parsed ClientHello.
 *
 * JA3 (Salesforce, github.com/salesforce/ja3):
 *   SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats
 *   decimal values, '-' inside a field, GREASE (RFC 8701) values left out
 *   of every list; SSLVersion is ClientHello.legacy_version. The hash is
 *   the lower-case hex MD5 of that string.
 *     "771,4865-4866-4867,0-23-65281-10-11,29-23-24,0"
 *
 * JA4 (FoxIO, github.com/FoxIO-LLC/ja4, technical_details/JA4.md):
 *   t13d1516h2_8daaf6152771_e5627efa2ab1
 *   |||  | | |  |            `- sha256("sorted extensions without 0000 and
 *   |||  | | |  |                0010" "_" "signature algorithms in order")[:12]
 *   |||  | | |  `- sha256(sorted ciphers)[:12]; lists are 4-digit lower-case
 *   |||  | | |     hex joined by ','; an empty list gives 000000000000
 *   |||  | | `- first and last character of the first ALPN value ("00": none)
 *   |||  | `- number of extensions (GREASE left out, SNI and ALPN counted), max 99
 *   |||  `- number of ciphers (GREASE left out), max 99
 *   ||`- 'd' with a server_name extension, 'i' without
 *   |`- version: highest supported_versions entry, else legacy_version
 *   `- 't' (TLS over TCP)
 *   GREASE is left out everywhere, signature algorithms included. With no
 *   signature algorithms the c string ends without the '_'.
 *
 * Lists are streamed into the digests in small chunks, so a ClientHello
 * with thousands of ciphers is hashed whole without a large buffer.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app/tls-int.h"
#include "common/cursor.h"

#define MAX_U16 (YG_TLS_HELLO_MAX / 2)

static const char hex[] = "0123456789abcdef";

/* Fetched once: an implicit fetch on every digest costs more than MD5 of
 * a JA3 string. Never freed; the process keeps them. */
static EVP_MD *md5_alg, *sha256_alg;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_algs(void)
{
	md5_alg = EVP_MD_fetch(NULL, "MD5", NULL);
	sha256_alg = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Text fed to a digest in chunks, optionally also kept in a string. */
struct sink {
	EVP_MD_CTX *ctx;
	bool failed;
	size_t n;
	char *keep; /* NULL, or keep_cap bytes of which the last is for NUL */
	size_t keep_cap, keep_len;
	char buf[256];
};

static void sink_start(struct sink *s, EVP_MD_CTX *ctx, const EVP_MD *md, char *keep,
                       size_t keep_cap)
{
	s->ctx = ctx;
	s->failed = !md || !EVP_DigestInit_ex(ctx, md, NULL);
	s->n = 0;
	s->keep = keep;
	s->keep_cap = keep_cap;
	s->keep_len = 0;
}

static void sink_flush(struct sink *s)
{
	if (s->n && !s->failed && !EVP_DigestUpdate(s->ctx, s->buf, s->n))
		s->failed = true;
	s->n = 0;
}

static void sink_put(struct sink *s, const char *p, size_t n)
{
	if (s->keep) {
		size_t k = s->keep_cap - 1 - s->keep_len;
		if (k > n)
			k = n;
		memcpy(s->keep + s->keep_len, p, k);
		s->keep_len += k;
	}
	if (n > sizeof s->buf - s->n)
		sink_flush(s);
	memcpy(s->buf + s->n, p, n); /* callers put at most a few bytes */
	s->n += n;
}

static void sink_char(struct sink *s, char c)
{
	sink_put(s, &c, 1);
}

/* Finishes the digest into out (lower-case hex, out_hex characters and a
 * NUL). Returns false when OpenSSL failed. */
static bool sink_end(struct sink *s, char *out, size_t out_hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	sink_flush(s);
	if (s->keep)
		s->keep[s->keep_len] = '\0';
	if (s->failed || !EVP_DigestFinal_ex(s->ctx, md, &mdlen) || mdlen * 2 < out_hex)
		return false;
	for (size_t i = 0; i < out_hex; i++)
		out[i] = hex[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[out_hex] = '\0';
	return true;
}

static void put_dec(struct sink *s, unsigned v)
{
	char b[6];
	size_t i = sizeof b;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sink_put(s, b + i, sizeof b - i);
}

static void put_hex4(struct sink *s, uint16_t v)
{
	char b[4] = {hex[v >> 12], hex[(v >> 8) & 0xf], hex[(v >> 4) & 0xf], hex[v & 0xf]};
	sink_put(s, b, 4);
}

/* Appends the non-GREASE 16-bit values of a list span, '-' separated. */
static void ja3_list16(struct sink *s, struct yg_span l)
{
	bool first = true;
	for (size_t i = 0; i + 1 < l.len; i += 2) {
		uint16_t v = yg_load_be16(l.p + i);
		if (yg_tls_grease(v))
			continue;
		if (!first)
			sink_char(s, '-');
		put_dec(s, v);
		first = false;
	}
}

/* The extension types of an extension block in wire order, GREASE left out,
 * decimal (JA3, JA3S) or as four hex digits (JA4S), joined by sep; returns
 * how many were written. */
static size_t put_ext_types(struct sink *s, struct yg_span exts, char sep, bool as_hex)
{
	size_t n = 0;
	for (size_t i = 0; i + 4 <= exts.len;) {
		uint16_t t = yg_load_be16(exts.p + i);
		i += 4u + yg_load_be16(exts.p + i + 2);
		if (yg_tls_grease(t))
			continue;
		if (n++)
			sink_char(s, sep);
		if (as_hex)
			put_hex4(s, t);
		else
			put_dec(s, t);
	}
	return n;
}

static void ja3(struct sink *s, const struct yg_tls_raw *h)
{
	put_dec(s, h->legacy_version);
	sink_char(s, ',');
	ja3_list16(s, h->ciphers);
	sink_char(s, ',');
	put_ext_types(s, h->exts, '-', false);
	sink_char(s, ',');
	ja3_list16(s, h->groups);
	sink_char(s, ',');
	for (size_t i = 0; i < h->formats.len; i++) {
		if (i)
			sink_char(s, '-');
		put_dec(s, h->formats.p[i]);
	}
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void sort_u16(uint16_t *v, size_t n)
{
	/* Real hellos carry a few dozen values: insertion sort wins there;
	 * qsort keeps a crafted hello of thousands from being quadratic. */
	if (n > 64) {
		qsort(v, n, sizeof *v, cmp_u16);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint16_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void put_list_hex(struct sink *s, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sink_char(s, ',');
		put_hex4(s, v[i]);
	}
}

static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304:
		return "13";
	case 0x0303:
		return "12";
	case 0x0302:
		return "11";
	case 0x0301:
		return "10";
	case 0x0300:
		return "s3";
	case 0x0002:
		return "s2";
	case 0xfeff:
		return "d1";
	case 0xfefd:
		return "d2";
	case 0xfefc:
		return "d3";
	default:
		return "00";
	}
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void ja4_alpn(struct yg_span a, char out[2])
{
	if (!a.len) {
		out[0] = out[1] = '0';
		return;
	}
	uint8_t f = a.p[0], l = a.p[a.len - 1];
	if (is_alnum(f) && is_alnum(l)) {
		out[0] = (char)f;
		out[1] = (char)l;
	} else {
		/* first and last character of the value's hex form */
		out[0] = hex[f >> 4];
		out[1] = hex[l & 0xf];
	}
}

static void two_digits(char *out, size_t n)
{
	if (n > 99)
		n = 99;
	out[0] = (char)('0' + n / 10);
	out[1] = (char)('0' + n % 10);
}

static int ja4(EVP_MD_CTX *ctx, const struct yg_tls_raw *h, char *out)
{
	uint16_t v[MAX_U16];
	size_t nc = 0, ne = 0, ns = 0;
	struct sink s;

	for (size_t i = 0; i + 1 < h->ciphers.len && nc < MAX_U16; i += 2) {
		uint16_t c = yg_load_be16(h->ciphers.p + i);
		if (!yg_tls_grease(c))
			v[nc++] = c;
	}
	memcpy(out, "t", 1);
	memcpy(out + 1, ja4_version(h->version), 2);
	out[3] = h->has_sni ? 'd' : 'i';
	two_digits(out + 4, nc);
	ja4_alpn(h->alpn0, out + 8);
	out[10] = '_';
	if (nc) {
		sort_u16(v, nc);
		sink_start(&s, ctx, sha256_alg, NULL, 0);
		put_list_hex(&s, v, nc);
		if (!sink_end(&s, out + 11, 12))
			return -ENOMEM;
	} else {
		memcpy(out + 11, "000000000000", 13);
	}
	out[23] = '_';

	size_t all = 0;
	for (size_t i = 0; i + 4 <= h->exts.len && ne < MAX_U16;) {
		uint16_t t = yg_load_be16(h->exts.p + i);
		i += 4u + yg_load_be16(h->exts.p + i + 2);
		if (yg_tls_grease(t))
			continue;
		all++;
		if (t != 0x0000 && t != 0x0010)
			v[ne++] = t;
	}
	two_digits(out + 6, all);
	if (ne) {
		sort_u16(v, ne);
		sink_start(&s, ctx, sha256_alg, NULL, 0);
		put_list_hex(&s, v, ne);
		for (size_t i = 0; i + 1 < h->sigalgs.len; i += 2) {
			uint16_t a = yg_load_be16(h->sigalgs.p + i);
			if (yg_tls_grease(a))
				continue;
			sink_char(&s, ns++ ? ',' : '_');
			put_hex4(&s, a);
		}
		if (!sink_end(&s, out + 24, 12))
			return -ENOMEM;
	} else {
		memcpy(out + 24, "000000000000", 13);
	}
	return 0;
}

int yg_tls_fingerprint(const struct yg_tls_raw *h, struct yg_tls_client_hello *ret)
{
	int r = -ENOMEM;
	/* The sink keeps its text in ret->ja3 and tests its keep pointer for
	 * NULL; that test is about the ja4 sinks, never about ret. */
	assert(h && ret);
	pthread_once(&fetch_once, fetch_algs);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		goto out;
	struct sink s;
	sink_start(&s, ctx, md5_alg, ret->ja3, sizeof ret->ja3);
	ja3(&s, h);
	if (!sink_end(&s, ret->ja3_hash, 32))
		goto out;
	r = ja4(ctx, h, ret->ja4);
out:
	EVP_MD_CTX_free(ctx);
	if (r < 0) {
		ret->ja3[0] = ret->ja3_hash[0] = ret->ja4[0] = '\0';
	}
	return r;
}

/* JA3S and JA4S: definitions in tls_server.h. */
int yg_tls_server_fingerprint(const struct yg_tls_raw_server *h, struct yg_tls_server_hello *ret)
{
	int r = -ENOMEM;
	assert(h && ret);
	pthread_once(&fetch_once, fetch_algs);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		goto out;
	struct sink s;
	sink_start(&s, ctx, md5_alg, ret->ja3s, sizeof ret->ja3s);
	put_dec(&s, h->legacy_version);
	sink_char(&s, ',');
	put_dec(&s, h->cipher);
	sink_char(&s, ',');
	size_t all = put_ext_types(&s, h->exts, '-', false);
	if (!sink_end(&s, ret->ja3s_hash, 32))
		goto out;

	char *o = ret->ja4s;
	o[0] = 't';
	memcpy(o + 1, ja4_version(h->version), 2);
	two_digits(o + 3, all);
	ja4_alpn(h->alpn, o + 5);
	o[7] = '_';
	for (int k = 0; k < 4; k++)
		o[8 + k] = hex[(h->cipher >> (12 - 4 * k)) & 0xf];
	o[12] = '_';
	if (all) {
		sink_start(&s, ctx, sha256_alg, NULL, 0);
		put_ext_types(&s, h->exts, ',', true);
		if (!sink_end(&s, o + 13, 12))
			goto out;
	} else {
		memcpy(o + 13, "000000000000", 13);
	}
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	if (r < 0)
		ret->ja3s[0] = ret->ja3s_hash[0] = ret->ja4s[0] = '\0';
	return r;
}
