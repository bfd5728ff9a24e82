/*
 * Indicator values: type inference and the one normalized text form per
 * value, so that duplicates collapse and lookups compare like with like.
 *
 *   ip      "192.0.2.1", "192.0.2.0/24" (host bits cleared), "2001:db8::/32"
 *           (RFC 5952 text); "ip:port" and "[v6]:port" keep the address
 *   domain  lower-case A-labels (IDNA 2008 via libidn2), no trailing dot,
 *           a leading "*." or "." dropped
 *   url     host[:port]/path[?query]: scheme, userinfo, fragment and the
 *           ports 80/443 dropped, host lower-cased, empty path = "/";
 *           "/path" alone (no host) matches that path on any host
 *   md5/sha1/sha256/ja3   lower-case hex; 32 hex guessed as MD5 unless the
 *           source name holds "ja3" or a CSV column or type says so (MD5
 *           and JA3 lookups answer for each other: see match.c)
 *   ja4     lower-case "t13d1516h2_8daaf6152771_e5627efa2ab1"
 *   cert_sha1, ja3s  lower-case hex (a fingerprint's colons dropped); 40
 *           hex is guessed as a certificate when the source name says
 *           "ssl", "x509" or "cert", 32 hex as JA3S when it says "ja3s"
 *   ja4s    lower-case "t130200_1301_a56c5b993250"
 */
#include "intel/intel-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <idn2.h>
#include <stdio.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum_lc(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z');
}

bool yg_intel_parse_ip4(const char *s, size_t len, uint32_t *ret)
{
	uint32_t a = 0;
	unsigned parts = 0;
	size_t i = 0;
	while (parts < 4) {
		size_t start = i;
		unsigned v = 0;
		while (i < len && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		size_t nd = i - start;
		if (nd == 0 || v > 255 || (nd > 1 && s[start] == '0'))
			return false;
		a = (a << 8) | v;
		parts++;
		if (parts < 4) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	if (i != len)
		return false;
	*ret = a;
	return true;
}

static bool parse_ip6(const char *s, size_t len, uint8_t out[16])
{
	char buf[64];
	if (len == 0 || len >= sizeof buf || memchr(s, '%', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	return inet_pton(AF_INET6, buf, out) == 1;
}

static bool parse_uint(const char *s, size_t len, unsigned max, unsigned *ret)
{
	unsigned v = 0;
	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

bool yg_intel_is_addr(const char *s, size_t len)
{
	uint32_t a4;
	uint8_t a6[16];
	const char *zone = memchr(s, '%', len); /* fe80::1%lo0 in hosts files */
	if (zone)
		len = (size_t)(zone - s);
	return yg_intel_parse_ip4(s, len, &a4) || parse_ip6(s, len, a6);
}

bool yg_intel_is_local_name(const char *s, size_t len)
{
	static const char *const exact[] = {"local", "broadcasthost", "0.0.0.0"};
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (strlen(exact[i]) == len && strncasecmp(s, exact[i], len) == 0)
			return true;
	if (len >= 9 && strncasecmp(s, "localhost", 9) == 0)
		return true;
	return len >= 4 && strncasecmp(s, "ip6-", 4) == 0;
}

static size_t fmt_u(char *out, unsigned v)
{
	char tmp[12];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static void fmt_ip4(struct yg_norm *nv, uint32_t a, unsigned plen)
{
	char *o = nv->text;
	for (int i = 3; i >= 0; i--) {
		o += fmt_u(o, (a >> (i * 8)) & 0xff);
		if (i)
			*o++ = '.';
	}
	if (plen < 32) {
		*o++ = '/';
		o += fmt_u(o, plen);
	}
	*o = 0;
	nv->len = (size_t)(o - nv->text);
}

static void set_ip4(struct yg_norm *nv, uint32_t a, unsigned plen)
{
	if (plen < 32)
		a &= plen ? ~(uint32_t)0 << (32 - plen) : 0;
	nv->type = YG_IND_IP;
	nv->family = 4;
	nv->plen = (uint8_t)plen;
	memset(nv->addr, 0, sizeof nv->addr);
	nv->addr[0] = (uint8_t)(a >> 24);
	nv->addr[1] = (uint8_t)(a >> 16);
	nv->addr[2] = (uint8_t)(a >> 8);
	nv->addr[3] = (uint8_t)a;
	fmt_ip4(nv, a, plen);
}

static void set_ip6(struct yg_norm *nv, const uint8_t a[16], unsigned plen)
{
	nv->type = YG_IND_IP;
	nv->family = 6;
	nv->plen = (uint8_t)plen;
	memcpy(nv->addr, a, 16);
	for (unsigned bit = plen; bit < 128; bit++)
		nv->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	inet_ntop(AF_INET6, nv->addr, nv->text, sizeof nv->text);
	nv->len = strlen(nv->text);
	if (plen < 128) {
		nv->text[nv->len++] = '/';
		nv->len += fmt_u(nv->text + nv->len, plen);
		nv->text[nv->len] = 0;
	}
}

/* "a.b.c.d", "a.b.c.d/n", "a.b.c.d:port", "v6", "v6/n", "[v6]", "[v6]:port". */
static int norm_ip(const char *v, size_t len, struct yg_norm *nv, const char **why)
{
	*why = "not an IP address or CIDR";
	if (len == 0)
		return -EINVAL;
	const char *slash = memchr(v, '/', len);
	size_t alen = slash ? (size_t)(slash - v) : len;
	unsigned plen = 0;
	bool has_plen = false;
	if (slash) {
		if (!parse_uint(slash + 1, len - alen - 1, 128, &plen)) {
			*why = "bad CIDR prefix length";
			return -EINVAL;
		}
		has_plen = true;
	}
	uint32_t a4;
	uint8_t a6[16];
	unsigned port;
	if (v[0] == '[') {
		const char *rb = memchr(v, ']', alen);
		if (!rb || has_plen)
			return -EINVAL;
		size_t after = alen - (size_t)(rb - v) - 1;
		if (after && (rb[1] != ':' || !parse_uint(rb + 2, after - 1, 65535, &port)))
			return -EINVAL;
		if (!parse_ip6(v + 1, (size_t)(rb - v) - 1, a6))
			return -EINVAL;
		set_ip6(nv, a6, 128);
		return 0;
	}
	if (yg_intel_parse_ip4(v, alen, &a4)) {
		if (has_plen && plen > 32) {
			*why = "bad CIDR prefix length";
			return -EINVAL;
		}
		set_ip4(nv, a4, has_plen ? plen : 32);
		return 0;
	}
	const char *colon = memchr(v, ':', alen);
	if (colon && !has_plen && yg_intel_parse_ip4(v, (size_t)(colon - v), &a4)) {
		if (!parse_uint(colon + 1, alen - (size_t)(colon - v) - 1, 65535, &port)) {
			*why = "bad port after IPv4 address";
			return -EINVAL;
		}
		set_ip4(nv, a4, 32);
		return 0;
	}
	if (parse_ip6(v, alen, a6)) {
		set_ip6(nv, a6, has_plen ? plen : 128);
		return 0;
	}
	return -EINVAL;
}

/* Checks an ASCII lower-case name: labels of [a-z0-9_-], 1..63 bytes, at
 * most 253 in all, and a last label that is not all digits (so that
 * "1.2.3.999" is not taken for a name). */
static bool valid_name(const char *s, size_t len, bool need_dot)
{
	if (len == 0 || len > 253)
		return false;
	size_t lab = 0;
	bool all_digits = true, dot = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '.') {
			if (lab == 0)
				return false;
			lab = 0;
			all_digits = true;
			dot = true;
			continue;
		}
		if (!(is_alnum_lc(c) || c == '-' || c == '_'))
			return false;
		if (!is_digit(c))
			all_digits = false;
		if (++lab > 63)
			return false;
	}
	return lab > 0 && !all_digits && (dot || !need_dot);
}

/* Normalizes a host name into out (cap bytes); returns its length or -EINVAL. */
static long norm_name(const char *v, size_t len, bool need_dot, char *out, size_t cap,
                      const char **why)
{
	*why = "not a valid domain name";
	if (len >= 2 && v[0] == '*' && v[1] == '.') {
		v += 2;
		len -= 2;
	} else if (len >= 1 && v[0] == '.') {
		v++;
		len--;
	}
	if (len && v[len - 1] == '.')
		len--;
	if (len == 0 || len > 1024)
		return -EINVAL;
	bool ascii = true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] >= 0x80)
			ascii = false;
	size_t n;
	if (ascii) {
		if (len >= cap)
			return -EINVAL;
		for (size_t i = 0; i < len; i++)
			out[i] = yg_lc(v[i]);
		n = len;
	} else {
		char in[1028];
		memcpy(in, v, len);
		in[len] = 0;
		char *a = NULL;
		int rc = idn2_to_ascii_8z(in, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK)
			rc = idn2_to_ascii_8z(in, &a, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
		if (rc != IDN2_OK || !a) {
			idn2_free(a);
			*why = "not a valid internationalized domain name";
			return -EINVAL;
		}
		n = strlen(a);
		if (n >= cap) {
			idn2_free(a);
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++)
			out[i] = yg_lc(a[i]);
		idn2_free(a);
	}
	out[n] = 0;
	if (!valid_name(out, n, need_dot))
		return -EINVAL;
	return (long)n;
}

static int norm_domain(const char *v, size_t len, bool need_dot, struct yg_norm *nv,
                       const char **why)
{
	long n = norm_name(v, len, need_dot, nv->text, sizeof nv->text, why);
	if (n < 0)
		return (int)n;
	nv->type = YG_IND_DOMAIN;
	nv->len = (size_t)n;
	return 0;
}

static size_t scheme_len(const char *v, size_t len)
{
	if (len < 4 || !((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z'))
		return 0;
	for (size_t i = 1; i + 2 < len && i < 32; i++) {
		char c = v[i];
		if (c == ':')
			return (v[i + 1] == '/' && v[i + 2] == '/') ? i + 3 : 0;
		if (!(is_alnum_lc(yg_lc(c)) || c == '+' || c == '-' || c == '.'))
			return 0;
	}
	return 0;
}

static bool url_char_ok(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

static int norm_url(const char *v, size_t len, bool need_dot, struct yg_norm *nv, const char **why)
{
	*why = "not a valid URL";
	if (len > YG_INTEL_MAX_URL) {
		*why = "URL too long";
		return -EINVAL;
	}
	size_t sl = scheme_len(v, len);
	const char *p = v + sl, *end = v + len;
	char *o = nv->text;
	char *oend = nv->text + sizeof nv->text - 1;
	if (p < end && *p == '/') {
		if (sl)
			return -EINVAL; /* "http:///x" */
	} else {
		const char *a = p;
		while (p < end && *p != '/' && *p != '?' && *p != '#')
			p++;
		const char *aend = p;
		for (const char *q = a; q < aend; q++)
			if (*q == '@')
				a = q + 1;
		const char *hend = aend, *port = NULL;
		if (a < aend && *a == '[') {
			const char *rb = memchr(a, ']', (size_t)(aend - a));
			if (!rb)
				return -EINVAL;
			uint8_t a6[16];
			if (!parse_ip6(a + 1, (size_t)(rb - a) - 1, a6))
				return -EINVAL;
			hend = rb + 1;
			if (hend < aend) {
				if (*hend != ':')
					return -EINVAL;
				port = hend + 1;
			}
			char t[INET6_ADDRSTRLEN];
			inet_ntop(AF_INET6, a6, t, sizeof t);
			*o++ = '[';
			size_t tl = strlen(t);
			memcpy(o, t, tl);
			o += tl;
			*o++ = ']';
		} else {
			const char *c = memchr(a, ':', (size_t)(aend - a));
			if (c) {
				hend = c;
				port = c + 1;
			}
			uint32_t a4;
			if (yg_intel_parse_ip4(a, (size_t)(hend - a), &a4)) {
				memcpy(o, a, (size_t)(hend - a));
				o += hend - a;
			} else {
				const char *w;
				long n = norm_name(a, (size_t)(hend - a), need_dot, o,
				                   (size_t)(oend - o), &w);
				if (n < 0) {
					*why = "URL host is not a valid name or address";
					return -EINVAL;
				}
				o += n;
			}
		}
		if (port && port < aend) {
			unsigned pv;
			if (!parse_uint(port, (size_t)(aend - port), 65535, &pv)) {
				*why = "bad port in URL";
				return -EINVAL;
			}
			if (pv != 80 && pv != 443) {
				*o++ = ':';
				o += fmt_u(o, pv);
			}
		}
	}
	/* p is at the path, query, fragment or end. */
	const char *frag = memchr(p, '#', (size_t)(end - p));
	if (frag)
		end = frag;
	const char *q = memchr(p, '?', (size_t)(end - p));
	const char *pend = q ? q : end;
	if (q && q + 1 == end)
		end = q; /* an empty query is none */
	if (p == pend) {
		if (sl == 0 && o == nv->text)
			return -EINVAL;
		*o++ = '/';
	}
	if ((size_t)(end - p) > (size_t)(oend - o))
		return -EINVAL;
	for (const char *s = p; s < end; s++) {
		if (!url_char_ok((unsigned char)*s)) {
			*why = "URL contains spaces or control characters";
			return -EINVAL;
		}
		*o++ = *s;
	}
	*o = 0;
	nv->len = (size_t)(o - nv->text);
	if (nv->text[0] == '/' && nv->len < 2) {
		*why = "a bare \"/\" would match every request";
		return -EINVAL;
	}
	nv->type = YG_IND_URL;
	return 0;
}

static int norm_hex(enum yg_ind_type type, const char *v, size_t len, struct yg_norm *nv,
                    const char **why)
{
	size_t want = type == YG_IND_SHA1 || type == YG_IND_CERT_SHA1 ? 40
	              : type == YG_IND_SHA256                        ? 64
	                                                             : 32;
	*why = "not a hex digest of the right length";
	if (len != want)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!is_hex(v[i]))
			return -EINVAL;
		nv->text[i] = yg_lc(v[i]);
	}
	nv->text[len] = 0;
	nv->len = len;
	nv->type = type;
	return 0;
}

/* JA4 (FoxIO): a_b_c with a = [tqd] version(2) [di] ciphers(2) exts(2)
 * alpn(2), b and c the first 12 hex of SHA-256 hashes. */
static int norm_ja4(const char *v, size_t len, struct yg_norm *nv, const char **why)
{
	*why = "not a JA4 fingerprint";
	if (len != 36)
		return -EINVAL;
	char t[37];
	for (size_t i = 0; i < len; i++)
		t[i] = yg_lc(v[i]);
	t[36] = 0;
	if (!(t[0] == 't' || t[0] == 'q' || t[0] == 'd') || !is_alnum_lc(t[1]) ||
	    !is_alnum_lc(t[2]) || !(t[3] == 'd' || t[3] == 'i'))
		return -EINVAL;
	for (int i = 4; i < 8; i++)
		if (!is_digit(t[i]))
			return -EINVAL;
	if (!is_alnum_lc(t[8]) || !is_alnum_lc(t[9]) || t[10] != '_' || t[23] != '_')
		return -EINVAL;
	for (int i = 11; i < 36; i++)
		if (i != 23 && !(is_digit(t[i]) || (t[i] >= 'a' && t[i] <= 'f')))
			return -EINVAL;
	memcpy(nv->text, t, 37);
	nv->len = 36;
	nv->type = YG_IND_JA4;
	return 0;
}

/* JA4S (FoxIO): [tqd] version(2) exts(2) alpn(2) '_' cipher(4 hex) '_'
 * 12 hex. */
static int norm_ja4s(const char *v, size_t len, struct yg_norm *nv, const char **why)
{
	*why = "not a JA4S fingerprint";
	if (len != 25)
		return -EINVAL;
	char t[26];
	for (size_t i = 0; i < len; i++)
		t[i] = yg_lc(v[i]);
	t[25] = 0;
	if (!(t[0] == 't' || t[0] == 'q' || t[0] == 'd') || !is_alnum_lc(t[1]) ||
	    !is_alnum_lc(t[2]) || !is_digit(t[3]) || !is_digit(t[4]) || !is_alnum_lc(t[5]) ||
	    !is_alnum_lc(t[6]) || t[7] != '_' || t[12] != '_')
		return -EINVAL;
	for (int i = 8; i < 25; i++)
		if (i != 12 && !(is_digit(t[i]) || (t[i] >= 'a' && t[i] <= 'f')))
			return -EINVAL;
	memcpy(nv->text, t, 26);
	nv->len = 25;
	nv->type = YG_IND_JA4S;
	return 0;
}

int yg_intel_norm(enum yg_ind_type type, const char *v, size_t len, struct yg_norm *nv,
                  const char **why)
{
	nv->family = 0;
	nv->plen = 0;
	nv->hashed = false;
	switch (type) {
	case YG_IND_IP:
		return norm_ip(v, len, nv, why);
	case YG_IND_DOMAIN: {
		/* "name:port" from a typed column keeps the name. */
		const char *c = memchr(v, ':', len);
		unsigned port;
		if (c && parse_uint(c + 1, len - (size_t)(c - v) - 1, 65535, &port))
			len = (size_t)(c - v);
		return norm_domain(v, len, false, nv, why);
	}
	case YG_IND_URL:
		return norm_url(v, len, false, nv, why);
	case YG_IND_MD5:
	case YG_IND_SHA1:
	case YG_IND_SHA256:
	case YG_IND_JA3:
	case YG_IND_JA3S:
	case YG_IND_CERT_SHA1: {
		/* A certificate fingerprint may be written "aa:bb:..." (as EVE
		 * and openssl x509 -fingerprint do). */
		char hex[41];
		size_t n = 0;
		if (type == YG_IND_CERT_SHA1 && len == 59) {
			for (size_t i = 0; i < len && n < 40; i++)
				if (v[i] != ':')
					hex[n++] = v[i];
			if (n == 40) {
				v = hex;
				len = n;
			}
		}
		return norm_hex(type, v, len, nv, why);
	}
	case YG_IND_JA4:
		return norm_ja4(v, len, nv, why);
	case YG_IND_JA4S:
		return norm_ja4s(v, len, nv, why);
	default:
		*why = "unknown indicator type";
		return -EINVAL;
	}
}

/* The bytes an address norm_ip accepts may hold: hex digits, '.', ':',
 * '/' and the brackets of "[v6]:port" (inet_pton takes no others). */
static bool ip_text_byte(char c)
{
	return is_hex(c) || c == '.' || c == ':' || c == '/' || c == '[' || c == ']';
}

static bool all_hex(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_hex(v[i]))
			return false;
	return true;
}

int yg_intel_norm_guess(const char *v, size_t len, unsigned hints, struct yg_norm *nv,
                        const char **why)
{
	nv->family = 0;
	nv->plen = 0;
	nv->hashed = false;
	*why = "not an indicator (IP, CIDR, domain, URL, hash or JA4)";
	if (len == 0)
		return -EINVAL;
	if (scheme_len(v, len) || v[0] == '/')
		return norm_url(v, len, false, nv, why);
	/* Most values of a big list are names: a byte that no address text
	 * holds (a letter past 'f', '-', '_') rules out the address parsers,
	 * inet_pton among them, which cost a third of normalizing a name. */
	bool maybe_ip = true;
	for (size_t i = 0; i < len; i++)
		if (!ip_text_byte(v[i])) {
			maybe_ip = false;
			break;
		}
	const char *w;
	if (maybe_ip && norm_ip(v, len, nv, &w) == 0)
		return 0;
	if ((len == 32 || len == 40 || len == 64) && all_hex(v, len)) {
		enum yg_ind_type t = len == 40 ? ((hints & YG_GUESS_CERT) ? YG_IND_CERT_SHA1
		                                                          : YG_IND_SHA1)
		                     : len == 64               ? YG_IND_SHA256
		                     : (hints & YG_GUESS_JA3S) ? YG_IND_JA3S
		                     : (hints & YG_GUESS_JA3)  ? YG_IND_JA3
		                                               : YG_IND_MD5;
		return norm_hex(t, v, len, nv, why);
	}
	if (len == 36 && memchr(v, '_', len))
		return norm_ja4(v, len, nv, why);
	if (len == 25 && v[7] == '_' && v[12] == '_')
		return norm_ja4s(v, len, nv, why);
	for (size_t i = 0; i < len; i++)
		if (v[i] == '/' || v[i] == '?')
			return norm_url(v, len, true, nv, why);
	const char *c = memchr(v, ':', len);
	unsigned port;
	if (c && parse_uint(c + 1, len - (size_t)(c - v) - 1, 65535, &port))
		len = (size_t)(c - v);
	return norm_domain(v, len, true, nv, why);
}
