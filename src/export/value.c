/*
 * Value checks shared by the export formats. Every format re-derives what
 * it writes from these (an IP is parsed and printed again, a domain is
 * checked label by label), so that a hostile value can only be skipped,
 * never spliced into the target syntax.
 */
#include "export/export-int.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <string.h>

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

long yg_exp_domain(const char *v, size_t max_len, char out[256])
{
	if (!v)
		return -1;
	size_t len = strlen(v);
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
		return -1;
	bool ascii = true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] >= 0x80)
			ascii = false;
	size_t n;
	if (ascii) {
		if (len > YG_EXP_NAME_MAX)
			return -1;
		for (size_t i = 0; i < len; i++)
			out[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] | 0x20) : v[i];
		n = len;
	} else {
		char in[1028];
		memcpy(in, v, len);
		in[len] = 0;
		char *a = NULL;
		int rc = idn2_to_ascii_8z(in, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK || !a || strlen(a) > YG_EXP_NAME_MAX) {
			idn2_free(a);
			return -1;
		}
		n = strlen(a);
		for (size_t i = 0; i < n; i++)
			out[i] = (a[i] >= 'A' && a[i] <= 'Z') ? (char)(a[i] | 0x20) : a[i];
		idn2_free(a);
	}
	out[n] = 0;
	if (n > max_len)
		return -1;
	size_t lab = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
			continue;
		}
		if (!name_char(out[i]) || ++lab > 63)
			return -1;
	}
	return lab ? (long)n : -1;
}

static bool parse_plen(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

bool yg_exp_ip_parse(const char *v, struct yg_exp_ip *ret)
{
	char a[64];
	if (!v)
		return false;
	const char *slash = strchr(v, '/');
	size_t alen = slash ? (size_t)(slash - v) : strlen(v);
	if (alen == 0 || alen >= sizeof a)
		return false;
	memcpy(a, v, alen);
	a[alen] = 0;
	struct yg_exp_ip ip = {0};
	if (inet_pton(AF_INET, a, ip.addr) == 1) {
		ip.family = 4;
		ip.plen = 32;
	} else if (inet_pton(AF_INET6, a, ip.addr) == 1) {
		ip.family = 6;
		ip.plen = 128;
	} else {
		return false;
	}
	if (slash && !parse_plen(slash + 1, ip.plen, &ip.plen))
		return false;
	unsigned bits = ip.family == 4 ? 32 : 128;
	for (unsigned bit = ip.plen; bit < bits; bit++)
		ip.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	*ret = ip;
	return true;
}

void yg_exp_ip_text(const struct yg_exp_ip *ip, char out[64])
{
	inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->addr, out, 64);
	unsigned bits = ip->family == 4 ? 32 : 128;
	if (ip->plen < bits) {
		size_t n = strlen(out);
		out[n++] = '/';
		if (ip->plen >= 100)
			out[n++] = (char)('0' + ip->plen / 100);
		if (ip->plen >= 10)
			out[n++] = (char)('0' + ip->plen / 10 % 10);
		out[n++] = (char)('0' + ip->plen % 10);
		out[n] = 0;
	}
}

bool yg_exp_text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		size_t k;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += k + 1;
	}
	return true;
}
