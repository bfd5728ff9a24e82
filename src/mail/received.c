/*
 * Received trace fields: RFC 5321 section 4.4 (and RFC 5322 section 3.6.7),
 * plus RFC 5322 section 3.3 dates.
 *
 *   Received: from helo.example (rdns.example [203.0.113.5])
 *             \__/ \__________/ \__________________________/
 *             kw    from_host    comment: TCP-info, the IP the receiver saw
 *       by mx.example.org (Postfix) with ESMTPS id 4LkQ2 for <a@b.example>
 *       \____________________/      \_________/ \______/ \_______________/
 *       ; Tue, 1 Mar 2022 10:00:00 +0900 (JST)
 *         \________________________________/ date after the last ';'
 *
 * Real headers bend every rule (missing clauses, "(HELO x)", "[IPv6:...]",
 * qmail's "from unknown (HELO x) (1.2.3.4)"), so the parser is a tolerant
 * tokenizer: words, (nested comments) and [literals], attributed to the
 * clause keyword that precedes them. It never fails on text.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/mail-int.h"

enum clause { C_NONE, C_FROM, C_BY, C_VIA, C_WITH, C_ID, C_FOR };

static enum clause keyword(const char *w, size_t n)
{
	static const struct {
		const char *s;
		enum clause c;
	} kw[] = {{"from", C_FROM}, {"by", C_BY}, {"via", C_VIA},
	          {"with", C_WITH}, {"id", C_ID}, {"for", C_FOR}};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (strlen(kw[i].s) == n && !strncasecmp(w, kw[i].s, n))
			return kw[i].c;
	return C_NONE;
}

/* Copies an IP literal candidate s[0..n) (an optional "IPv6:" prefix
 * dropped) into buf if inet_pton accepts it. */
static bool ip_literal(const char *s, size_t n, char *buf, size_t buflen)
{
	if (n > 5 && !strncasecmp(s, "IPv6:", 5)) {
		s += 5;
		n -= 5;
	}
	if (n == 0 || n >= buflen)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	unsigned char bin[16];
	if (inet_pton(AF_INET, buf, bin) == 1)
		return true;
	return strchr(buf, ':') && inet_pton(AF_INET6, buf, bin) == 1;
}

/* Every IP literal in s[0..len): maximal runs of [0-9a-fA-F.:] (after an
 * optional IPv6: prefix) that inet_pton accepts. */
static int collect_ips(const char *s, size_t len, struct yg_mail_strv *ips, char *first,
                       size_t firstlen)
{
	size_t i = 0;
	while (i < len) {
		size_t st = i;
		if (len - i > 5 && !strncasecmp(s + i, "IPv6:", 5))
			i += 5;
		size_t j = i;
		while (j < len && (isxdigit((unsigned char)s[j]) || s[j] == '.' || s[j] == ':'))
			j++;
		if (j == i) {
			i = st + 1;
			continue;
		}
		/* A run glued to letters is part of a host name, not an IP. */
		bool glued = (st > 0 && (isalnum((unsigned char)s[st - 1]) || s[st - 1] == '-')) ||
		             (j < len && (isalnum((unsigned char)s[j]) || s[j] == '-'));
		size_t n = j - i;
		while (n > 0 && (s[i + n - 1] == '.' || s[i + n - 1] == ':'))
			n--; /* trailing punctuation of prose */
		char buf[INET6_ADDRSTRLEN + 8];
		if (!glued && ip_literal(s + i, n, buf, sizeof buf)) {
			if (first && !first[0] && strlen(buf) < firstlen)
				memcpy(first, buf, strlen(buf) + 1);
			if (ips->n < 16) {
				int r = yg_mail_strv_add_unique(ips, buf);
				if (r < 0)
					return r;
			}
		}
		i = j > st ? j : st + 1;
	}
	return 0;
}

static int set_field(char **f, const char *s, size_t n)
{
	if (*f || n == 0)
		return 0;
	while (n > 0 && (s[n - 1] == ',' || s[n - 1] == ';'))
		n--;
	if (n > 1 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	if (n == 0)
		return 0;
	*f = yg_mail_strndup(s, n);
	return *f ? 0 : -ENOMEM;
}

int yg_mail_received_parse(const char *s, size_t len, struct yg_mail_hop *hop)
{
	int r = 0;
	memset(hop, 0, sizeof *hop);
	hop->date_unix = -1;

	/* The date follows the last ';' outside comments. */
	size_t body_len = len;
	int depth = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth > 0)
			depth--;
		else if (s[i] == ';' && depth == 0)
			body_len = i;
	}
	if (body_len < len) {
		const char *d = s + body_len + 1;
		size_t dn = len - body_len - 1;
		while (dn && isspace((unsigned char)*d)) {
			d++;
			dn--;
		}
		while (dn && isspace((unsigned char)d[dn - 1]))
			dn--;
		if (dn) {
			hop->date = yg_mail_strndup(d, dn);
			if (!hop->date)
				return -ENOMEM;
			hop->date_unix = yg_mail_date_parse(d, dn);
		}
	}

	char from_ip[INET6_ADDRSTRLEN + 8] = "";
	char from_lit[INET6_ADDRSTRLEN + 8] = "";
	enum clause cur = C_NONE;
	size_t i = 0;
	while (i < body_len) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c)) {
			i++;
			continue;
		}
		if (c == '(') { /* comment, possibly nested */
			size_t st = i;
			int dep = 0;
			for (; i < body_len; i++) {
				if (s[i] == '(')
					dep++;
				else if (s[i] == ')' && --dep == 0) {
					i++;
					break;
				}
			}
			r = collect_ips(s + st, i - st, &hop->ips, cur == C_FROM ? from_ip : NULL,
			                sizeof from_ip);
			if (r < 0)
				goto out;
			continue;
		}
		size_t st = i;
		if (c == '[') {
			while (i < body_len && s[i] != ']')
				i++;
			if (i < body_len)
				i++;
		} else {
			while (i < body_len && !isspace((unsigned char)s[i]) && s[i] != '(')
				i++;
		}
		const char *w = s + st;
		size_t wn = i - st;
		enum clause k = keyword(w, wn);
		if (k != C_NONE) {
			cur = k;
			continue;
		}
		if (w[0] == '[') {
			char buf[INET6_ADDRSTRLEN + 8];
			size_t in = wn >= 2 && w[wn - 1] == ']' ? wn - 2 : wn - 1;
			if (ip_literal(w + 1, in, buf, sizeof buf)) {
				if (cur == C_FROM && !from_lit[0])
					memcpy(from_lit, buf, strlen(buf) + 1);
				if (hop->ips.n < 16 &&
				    (r = yg_mail_strv_add_unique(&hop->ips, buf)) < 0)
					goto out;
			}
		}
		switch (cur) {
		case C_FROM:
			r = set_field(&hop->from_host, w, wn);
			break;
		case C_BY:
			r = set_field(&hop->by_host, w, wn);
			break;
		case C_WITH:
			r = set_field(&hop->with, w, wn);
			break;
		case C_ID:
			r = set_field(&hop->id, w, wn);
			break;
		case C_FOR:
			r = set_field(&hop->for_addr, w, wn);
			break;
		default:
			break;
		}
		if (r < 0)
			goto out;
	}
	/* The TCP-info comment is what the receiver saw; a literal in the
	 * HELO position is what the sender claimed, used only without one. */
	const char *ip = from_ip[0] ? from_ip : from_lit;
	if (ip[0]) {
		hop->from_ip = yg_mail_strdup(ip);
		if (!hop->from_ip) {
			r = -ENOMEM;
			goto out;
		}
		hop->external = yg_mail_ip_is_public(ip);
	}
out:
	if (r < 0)
		yg_mail_hop_release(hop);
	return r;
}

void yg_mail_hop_release(struct yg_mail_hop *hop)
{
	if (!hop)
		return;
	free(hop->from_host);
	free(hop->from_ip);
	free(hop->by_host);
	free(hop->with);
	free(hop->id);
	free(hop->for_addr);
	free(hop->date);
	yg_mail_strv_release(&hop->ips);
	memset(hop, 0, sizeof *hop);
	hop->date_unix = -1;
}

static bool v4_in(uint32_t a, uint32_t net, unsigned bits)
{
	uint32_t mask = bits ? ~0u << (32 - bits) : 0;
	return (a & mask) == net;
}

bool yg_mail_ip_is_public(const char *ip)
{
	unsigned char b[16];
	if (!ip)
		return false;
	if (inet_pton(AF_INET, ip, b) == 1) {
		uint32_t a =
		    ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
		static const struct {
			uint32_t net;
			unsigned bits;
		} priv[] = {
		    {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
		    {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
		    {0xc0a80000, 16}, {0xc6120000, 15}, {0xc6336400, 24}, {0xcb007100, 24},
		    {0xe0000000, 4},  {0xf0000000, 4},
		};
		for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
			if (v4_in(a, priv[i].net, priv[i].bits))
				return false;
		return true;
	}
	if (inet_pton(AF_INET6, ip, b) == 1) {
		static const unsigned char zero[16];
		if (!memcmp(b, zero, 15)) /* :: and ::1 */
			return false;
		if (!memcmp(b, zero, 10) && b[10] == 0xff && b[11] == 0xff) { /* v4-mapped */
			char v4[INET_ADDRSTRLEN];
			return inet_ntop(AF_INET, b + 12, v4, sizeof v4) &&
			       yg_mail_ip_is_public(v4);
		}
		if ((b[0] & 0xe0) != 0x20) /* only 2000::/3 is global unicast */
			return false;
		if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d &&
		    b[3] == 0xb8) /* 2001:db8::/32 */
			return false;
		return true;
	}
	return false;
}

/* ---- RFC 5322 section 3.3 date-time (with the obsolete forms of 4.3) ---- */

static bool take_int(const char **p, const char *end, int maxdig, int *ret)
{
	const char *s = *p;
	int v = 0, n = 0;
	while (s < end && n < maxdig && isdigit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n == 0)
		return false;
	*p = s;
	*ret = v;
	return true;
}

static void skip_cfws(const char **p, const char *end)
{
	const char *s = *p;
	for (;;) {
		while (s < end && (isspace((unsigned char)*s) || *s == ','))
			s++;
		if (s < end && *s == '(') {
			int d = 0;
			for (; s < end; s++) {
				if (*s == '(')
					d++;
				else if (*s == ')' && --d == 0) {
					s++;
					break;
				}
			}
			continue;
		}
		break;
	}
	*p = s;
}

int64_t yg_mail_date_parse(const char *str, size_t len)
{
	static const char mon[][4] = {"jan", "feb", "mar", "apr", "may", "jun",
	                              "jul", "aug", "sep", "oct", "nov", "dec"};
	const char *p = str, *end = str + len;
	skip_cfws(&p, end);
	if (p < end && isalpha((unsigned char)*p)) { /* day-of-week */
		while (p < end && isalpha((unsigned char)*p))
			p++;
		skip_cfws(&p, end);
	}
	int day, year, hh, mm, ss = 0, m = -1;
	if (!take_int(&p, end, 2, &day))
		return -1;
	skip_cfws(&p, end);
	if (end - p < 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (!strncasecmp(p, mon[i], 3))
			m = i;
	if (m < 0)
		return -1;
	while (p < end && isalpha((unsigned char)*p))
		p++;
	skip_cfws(&p, end);
	const char *ys = p;
	if (!take_int(&p, end, 4, &year))
		return -1;
	if (p - ys == 2)
		year += year < 50 ? 2000 : 1900;
	else if (p - ys == 3)
		year += 1900;
	skip_cfws(&p, end);
	if (!take_int(&p, end, 2, &hh) || p >= end || *p != ':')
		return -1;
	p++;
	if (!take_int(&p, end, 2, &mm))
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (!take_int(&p, end, 2, &ss))
			return -1;
	}
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1900 || year > 9999)
		return -1;
	skip_cfws(&p, end);
	long off = 0;
	if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p == '-' ? -1 : 1, z;
		const char *zs = ++p;
		if (!take_int(&p, end, 4, &z) || p - zs != 4)
			return -1;
		off = sign * ((z / 100) * 3600L + (z % 100) * 60L);
	} else if (p < end && isalpha((unsigned char)*p)) {
		static const struct {
			const char *n;
			int h;
		} zones[] = {{"UT", 0},   {"GMT", 0},  {"Z", 0},    {"EST", -5},
		             {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7},
		             {"MDT", -6}, {"PST", -8}, {"PDT", -7}, {"JST", 9}};
		size_t zn = 0;
		while (p + zn < end && isalpha((unsigned char)p[zn]))
			zn++;
		for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
			if (strlen(zones[i].n) == zn && !strncasecmp(p, zones[i].n, zn))
				off = zones[i].h * 3600L;
	}
	struct tm tm = {0};
	tm.tm_year = year - 1900;
	tm.tm_mon = m;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return (int64_t)t - off;
}
