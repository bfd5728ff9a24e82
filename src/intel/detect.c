/*
 * Telling an indicator file's format from its content.
 *
 *   first byte '{' or '[' + '{'   JSON: the first key says which
 *       "Event", "response"         MISP event (or a REST answer of events)
 *       an event UUID -> object     MISP feed manifest
 *       "cidr"                      Spamhaus DROP JSON lines
 *       anything else               STIX 2.1
 *   otherwise a sample of up to 1000 lines from the first 256 KiB votes:
 *       ||name^, @@..., ##, "!" comments          adblock
 *       address=/ server=/ local=/                 dnsmasq
 *       local-zone: local-data: server:            unbound
 *       $TTL/$ORIGIN, "owner [ttl] [IN] SOA|NS|CNAME|A|AAAA ...", *.rpz-ip   rpz
 *       base64 words that decode to text           Suricata string dataset
 *   and the format with most votes wins when it has more than half of the
 *   lines; "!" comments alone also say adblock (AdGuard DNS lists of bare
 *   names). Failing all that: CSV when a header names a value column, else
 *   a plain list (which also reads hosts files, netsets, DROP, IP:port and
 *   URL lists).
 *
 * Why a vote over many lines rather than the first line: feeds open with
 * headers and banners in every style, and a wrong guess costs the whole
 * file (the verdict in load.c then reports it as not recognized).
 */
#include "intel/intel-int.h"

#include "common/base64.h"

#include <string.h>
#include <strings.h>

#define SAMPLE_LINES 1000
#define SAMPLE_BYTES ((size_t)256 << 10)

static bool prefix(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && strncasecmp(s, w, k) == 0;
}

static bool contains(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, w, k) == 0)
			return true;
	return false;
}

/* The first key of the JSON object at p (p[0] == '{'), into out. */
static size_t first_key(const char *p, const char *end, char *out, size_t cap, const char **after)
{
	p++;
	while (p < end && (yg_intel_is_blank(*p) || *p == '\n'))
		p++;
	if (p == end || *p != '"')
		return 0;
	p++;
	size_t n = 0;
	while (p < end && *p != '"' && *p != '\\' && n + 1 < cap)
		out[n++] = *p++;
	out[n] = 0;
	if (p == end || *p != '"')
		return 0;
	p++;
	while (p < end && (yg_intel_is_blank(*p) || *p == '\n' || *p == ':'))
		p++;
	*after = p;
	return n;
}

static enum yg_intel_format_kind json_kind(const char *p, const char *end)
{
	if (*p == '[') {
		p++;
		while (p < end && (yg_intel_is_blank(*p) || *p == '\n'))
			p++;
		if (p == end || *p != '{')
			return YG_FMT_STIX;
	}
	char k[64];
	const char *after = end;
	size_t n = first_key(p, end, k, sizeof k, &after);
	if (n == 5 && strcmp(k, "Event") == 0)
		return YG_FMT_MISP;
	if (n == 8 && strcmp(k, "response") == 0)
		return YG_FMT_MISP;
	if (n == 4 && strcmp(k, "cidr") == 0)
		return YG_FMT_DROP_JSON;
	if (n == 36 && k[8] == '-' && k[13] == '-' && after < end && *after == '{')
		return YG_FMT_MISP;
	return YG_FMT_STIX;
}

static bool b64_word(const char *s, size_t n)
{
	const char *c = memchr(s, ',', n);
	if (c)
		n = (size_t)(c - s);
	if (n < 8 || n % 4 || memchr(s, '.', n))
		return false;
	char buf[512];
	size_t bl;
	if (yg_base64_decode(s, n, (unsigned char *)buf, sizeof buf, &bl) != 0 || bl == 0)
		return false;
	bool dot = false;
	for (size_t i = 0; i < bl; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch < 0x21 || ch > 0x7e)
			return false;
		dot |= ch == '.' || ch == '/';
	}
	return dot;
}

static bool rpz_record(const char *s, size_t n)
{
	if (prefix(s, n, "$TTL") || prefix(s, n, "$ORIGIN"))
		return true;
	const char *p = s, *end = s + n, *w;
	size_t wn = yg_intel_word(&p, end, &w);
	if (wn > 7 && (strncasecmp(w + wn - 7, ".rpz-ip", 7) == 0))
		return true;
	static const char *const types[] = {"SOA", "NS", "CNAME", "A", "AAAA", "TXT"};
	for (int i = 0; i < 3; i++) {
		wn = yg_intel_word(&p, end, &w);
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
			if (wn == strlen(types[t]) && strncasecmp(w, types[t], wn) == 0)
				return true;
	}
	return false;
}

enum yg_intel_format_kind yg_intel_detect(const uint8_t *data, size_t len)
{
	const char *p = (const char *)data, *end = p + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	const char *i = p;
	while (i < end && (yg_intel_is_blank(*i) || *i == '\n'))
		i++;
	if (i < end && (*i == '{' || *i == '[')) {
		const char *j = i + 1;
		while (j < end && (yg_intel_is_blank(*j) || *j == '\n'))
			j++;
		if (*i == '{' || (j < end && (*j == '{' || *j == ']')))
			return json_kind(i, end);
	}
	if ((size_t)(end - p) > SAMPLE_BYTES)
		end = p + SAMPLE_BYTES;
	unsigned total = 0, bangs = 0, votes[YG_FMT__COUNT] = {0};
	while (p < end && total < SAMPLE_LINES) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		const char *s = p;
		p = eol ? eol + 1 : end;
		while (s < le && yg_intel_is_blank(*s))
			s++;
		while (le > s && yg_intel_is_blank(le[-1]))
			le--;
		size_t n = (size_t)(le - s);
		if (n == 0)
			continue;
		if (*s == '!') {
			bangs++;
			continue;
		}
		if (*s == '#' && !(n >= 2 && (s[1] == '#' || s[1] == '@')))
			continue;
		if (*s == ';')
			continue;
		total++;
		if (prefix(s, n, "||") || prefix(s, n, "@@") || prefix(s, n, "[Adblock") ||
		    prefix(s, n, "|http") || contains(s, n, "##"))
			votes[YG_FMT_ADBLOCK]++;
		else if (prefix(s, n, "address=/") || prefix(s, n, "server=/") ||
		         prefix(s, n, "local=/"))
			votes[YG_FMT_DNSMASQ]++;
		else if (prefix(s, n, "local-zone:") || prefix(s, n, "local-data:") ||
		         prefix(s, n, "server:"))
			votes[YG_FMT_UNBOUND]++;
		else if (rpz_record(s, n))
			votes[YG_FMT_RPZ]++;
		else if (b64_word(s, n))
			votes[YG_FMT_DATASET]++;
	}
	enum yg_intel_format_kind best = YG_FMT_PLAIN;
	unsigned bv = 0;
	for (int k = 0; k < YG_FMT__COUNT; k++)
		if (votes[k] > bv) {
			bv = votes[k];
			best = (enum yg_intel_format_kind)k;
		}
	if (bv * 2 > total)
		return best;
	if (bangs && votes[YG_FMT_ADBLOCK] * 4 >= bv)
		return YG_FMT_ADBLOCK;
	return yg_intel_csv_sniff((const char *)data, len) ? YG_FMT_CSV : YG_FMT_PLAIN;
}
