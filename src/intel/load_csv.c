/*
 * CSV (RFC 4180) indicator files with a header row.
 *
 *   # optional comment lines
 *   "first_seen","dst_ip","port"          <- header: one value column
 *   "2024-01-02","192.0.2.7","443"           (value/indicator/ioc or a typed
 *   ...                                       name: ip, domain, url, md5, ja3...)
 *
 * Fields may be quoted; "" inside quotes is a quote; quoted fields may hold
 * commas and newlines. An optional type column (type, ioc_type, ...) types
 * each row ("ip:port", "domain", "url", "md5_hash", "sha256", "ja3", ...).
 * The header may also be the last comment line before the data, as
 * abuse.ch writes it ("# id,dateadded,url,..."). Tab separates fields when
 * the header has tabs and no commas.
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define GUESS (-1)

struct cols {
	char delim;
	int value_col, type_col;
	int col_type; /* GUESS or an enum yg_ind_type */
	unsigned hints;
};

struct name_map {
	const char *name;
	int type;
	bool generic;
};

static const struct name_map names[] = {
    {"value", GUESS, true},
    {"indicator", GUESS, true},
    {"ioc", GUESS, true},
    {"ioc_value", GUESS, true},
    {"indicator_value", GUESS, true},
    {"observable", GUESS, true},
    {"observable_value", GUESS, true},
    {"ip", YG_IND_IP, false},
    {"ip_address", YG_IND_IP, false},
    {"ipaddress", YG_IND_IP, false},
    {"ip_addr", YG_IND_IP, false},
    {"ipv4", YG_IND_IP, false},
    {"ipv6", YG_IND_IP, false},
    {"dst_ip", YG_IND_IP, false},
    {"dstip", YG_IND_IP, false},
    {"ip_dst", YG_IND_IP, false},
    {"destination_ip", YG_IND_IP, false},
    {"cidr", YG_IND_IP, false},
    {"network", YG_IND_IP, false},
    {"domain", YG_IND_DOMAIN, false},
    {"domain_name", YG_IND_DOMAIN, false},
    {"hostname", YG_IND_DOMAIN, false},
    {"host", YG_IND_DOMAIN, false},
    {"fqdn", YG_IND_DOMAIN, false},
    {"url", YG_IND_URL, false},
    {"uri", YG_IND_URL, false},
    {"hash", GUESS, false},
    {"md5", YG_IND_MD5, false},
    {"md5_hash", YG_IND_MD5, false},
    {"sha1", YG_IND_SHA1, false},
    {"sha_1", YG_IND_SHA1, false},
    {"sha1_hash", YG_IND_SHA1, false},
    {"sha256", YG_IND_SHA256, false},
    {"sha_256", YG_IND_SHA256, false},
    {"sha256_hash", YG_IND_SHA256, false},
    {"ja3", YG_IND_JA3, false},
    {"ja3_hash", YG_IND_JA3, false},
    {"ja3_md5", YG_IND_JA3, false},
    {"ja3_fingerprint", YG_IND_JA3, false},
    {"ja3s", YG_IND_JA3S, false},
    {"ja3s_hash", YG_IND_JA3S, false},
    {"ja3s_md5", YG_IND_JA3S, false},
    {"ja4s", YG_IND_JA4S, false},
    {"cert_sha1", YG_IND_CERT_SHA1, false},
    {"x509_sha1", YG_IND_CERT_SHA1, false},
    {"ssl_sha1", YG_IND_CERT_SHA1, false},
    {"fingerprint_sha1", YG_IND_CERT_SHA1, false},
    {"ja4", YG_IND_JA4, false},
    {"ja4_fingerprint", YG_IND_JA4, false},
};

static const char *const type_cols[] = {"type", "ioc_type", "indicator_type", "observable_type",
                                        "kind"};

/* One record: the (unescaped) text of up to two wanted columns. */
struct rec {
	int want[2];
	char buf[2][YG_INTEL_VALUE_MAX];
	size_t len[2];
	bool got[2];
	bool too_long, bad_quote;
	size_t nfields;
};

static void add(struct rec *r, int k, char c)
{
	if (k < 0)
		return;
	if (r->len[k] + 1 < sizeof r->buf[k])
		r->buf[k][r->len[k]++] = c;
	else
		r->too_long = true;
}

/* Reads the record at p; returns where the next one starts. */
static const char *read_record(const char *p, const char *end, char delim, struct rec *r,
                               unsigned long *lines)
{
	r->nfields = 0;
	r->too_long = r->bad_quote = false;
	r->got[0] = r->got[1] = false;
	for (int f = 0;; f++) {
		int k = f == r->want[0] ? 0 : f == r->want[1] ? 1 : -1;
		if (k >= 0) {
			r->len[k] = 0;
			r->got[k] = true;
		}
		r->nfields++;
		if (p < end && *p == '"') {
			p++;
			for (;;) {
				if (p == end) {
					r->bad_quote = true;
					return end;
				}
				char c = *p++;
				if (c == '"') {
					if (p < end && *p == '"')
						p++;
					else
						break;
				} else if (c == '\n') {
					(*lines)++;
				}
				add(r, k, c);
			}
			while (p < end && *p != delim && *p != '\n')
				p++; /* stray bytes after the closing quote */
		} else {
			while (p < end && *p != delim && *p != '\n')
				add(r, k, *p++);
		}
		if (p == end)
			return end;
		if (*p == '\n') {
			(*lines)++;
			return p + 1;
		}
		p++; /* delimiter */
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

/* Lower-cased name with blanks, quotes and '-'/' ' as '_' tidied. */
static size_t norm_col(const char *s, size_t n, char *out, size_t cap)
{
	trim(&s, &n);
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		char c = yg_lc(s[i]);
		if (c == '"')
			continue;
		out[o++] = (c == '-' || c == ' ') ? '_' : c;
	}
	out[o] = 0;
	return o;
}

static bool parse_header(const char *p, const char *le, struct cols *c)
{
	size_t n = (size_t)(le - p);
	if (memchr(p, ',', n))
		c->delim = ',';
	else if (memchr(p, '\t', n))
		c->delim = '\t';
	else
		return false;
	c->value_col = c->type_col = -1;
	c->col_type = GUESS;
	c->hints = 0;
	bool generic = false;
	int col = 0;
	const char *f = p;
	while (f <= le) {
		const char *fe = memchr(f, c->delim, (size_t)(le - f));
		if (!fe)
			fe = le;
		char name[64];
		norm_col(f, (size_t)(fe - f), name, sizeof name);
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			if (strcmp(name, names[i].name) != 0)
				continue;
			/* a generic value column wins over typed ones; else the first */
			if (c->value_col < 0 || (names[i].generic && !generic)) {
				c->value_col = col;
				c->col_type = names[i].type;
				generic = names[i].generic;
			}
			if (strstr(name, "ja3"))
				c->hints |= strstr(name, "ja3s") ? YG_GUESS_JA3S : YG_GUESS_JA3;
		}
		for (size_t i = 0; i < sizeof type_cols / sizeof type_cols[0]; i++)
			if (c->type_col < 0 && strcmp(name, type_cols[i]) == 0)
				c->type_col = col;
		col++;
		f = fe + 1;
	}
	if (c->value_col < 0)
		return false;
	if (!generic)
		c->type_col = -1; /* the column's name already says the type */
	return true;
}

static int row_type(const char *t, size_t n)
{
	char s[48];
	n = norm_col(t, n, s, sizeof s);
	if (n == 0)
		return GUESS;
	if (strstr(s, "ja3s"))
		return YG_IND_JA3S;
	if (strstr(s, "ja3"))
		return YG_IND_JA3;
	if (strstr(s, "ja4s"))
		return YG_IND_JA4S;
	if (strstr(s, "ja4"))
		return YG_IND_JA4;
	if (strstr(s, "x509") || strstr(s, "cert") || strstr(s, "ssl"))
		return YG_IND_CERT_SHA1;
	if (strstr(s, "sha256") || strstr(s, "sha_256"))
		return YG_IND_SHA256;
	if (strstr(s, "sha1") || strstr(s, "sha_1"))
		return YG_IND_SHA1;
	if (strstr(s, "md5"))
		return YG_IND_MD5;
	if (strstr(s, "url") || strstr(s, "uri") || strcmp(s, "link") == 0)
		return YG_IND_URL;
	if (strstr(s, "domain") || strstr(s, "hostname") || strcmp(s, "fqdn") == 0)
		return YG_IND_DOMAIN;
	if (strncmp(s, "ip", 2) == 0 || strstr(s, "cidr"))
		return YG_IND_IP;
	return GUESS;
}

static const char *line_end(const char *p, const char *end)
{
	const char *e = memchr(p, '\n', (size_t)(end - p));
	return e ? e : end;
}

static int add_value(struct yg_intel_builder *b, const char *source, unsigned long line,
                     const struct cols *c, struct rec *r, long *added)
{
	if (r->bad_quote) {
		yg_intel_reject(b, source, line, "unterminated quoted field");
		return 0;
	}
	if (r->too_long) {
		yg_intel_reject(b, source, line, "field too long");
		return 0;
	}
	if (!r->got[0]) {
		yg_intel_reject(b, source, line, "row has no value column");
		return 0;
	}
	const char *v = r->buf[0];
	size_t n = r->len[0];
	trim(&v, &n);
	if (n == 0) {
		yg_intel_reject(b, source, line, "empty value");
		return 0;
	}
	int type = c->col_type;
	if (type == GUESS && r->got[1])
		type = row_type(r->buf[1], r->len[1]);
	if (type == GUESS)
		return yg_intel_add_token(b, source, line, v, n, c->hints, added);
	struct yg_norm nv;
	const char *why;
	if (yg_intel_norm((enum yg_ind_type)type, v, n, &nv, &why) < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s: \"%.*s\"", why, (int)(n > 60 ? 60 : n), v);
		yg_intel_reject(b, source, line, msg);
		return 0;
	}
	int k = yg_intel_builder_put(b, &nv, source, line, NULL);
	if (k == -E2BIG) {
		yg_intel_reject(b, source, line, "too many indicators or sources; skipped");
		return 0;
	}
	if (k < 0)
		return k;
	*added += k;
	return 0;
}

/* Finds the header: the first line that is not blank or a comment, or the
 * comment line just before it. Returns where the data starts (*line: the
 * lines before it), or NULL when there is no header naming a value column. */
static const char *find_header(const char *p, const char *end, struct cols *c,
                               unsigned long *ret_line)
{
	const char *comment = NULL, *comment_end = NULL;
	unsigned long line = 0;
	for (;;) {
		if (p >= end)
			return NULL;
		const char *le = line_end(p, end);
		const char *s = p;
		while (s < le && is_blank(*s))
			s++;
		line++;
		if (s == le) {
			p = le + (le < end);
			continue;
		}
		if (*s == '#') {
			comment = s + 1;
			comment_end = le;
			p = le + (le < end);
			continue;
		}
		if ((size_t)(le - s) > YG_INTEL_MAX_LINE)
			return NULL;
		if (parse_header(s, le, c)) {
			*ret_line = line;
			return le + (le < end);
		}
		if (comment && (size_t)(comment_end - comment) <= YG_INTEL_MAX_LINE &&
		    parse_header(comment, comment_end, c) &&
		    memchr(s, c->delim, (size_t)(le - s))) {
			*ret_line = line - 1; /* this line is data */
			return p;
		}
		return NULL;
	}
}

bool yg_intel_csv_sniff(const char *p, size_t len)
{
	struct cols c;
	unsigned long line;
	return find_header(p, p + len, &c, &line) != NULL;
}

long yg_intel_load_csv(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                       const struct yg_intel_format *f, unsigned hints)
{
	const char *end = p + len;
	unsigned long line = 0;
	struct cols c;
	if (f && f->column) {
		/* a mapping for a file without a header: its rows start at once */
		c = (struct cols){.delim = f->delim ? f->delim : ',',
		                  .value_col = (int)f->column - 1,
		                  .type_col = -1,
		                  .col_type = f->type,
		                  .hints = 0};
		if (f->header) {
			const char *le = line_end(p, end);
			p = le + (le < end);
			line++;
		}
	} else {
		p = find_header(p, end, &c, &line);
		if (!p)
			return -ENOENT;
		if (f && f->type >= 0) {
			c.col_type = f->type;
			c.type_col = -1;
		}
	}
	c.hints |= hints;
	struct rec r;
	r.want[0] = c.value_col;
	r.want[1] = c.type_col;
	long added = 0;
	while (p < end) {
		const char *le = line_end(p, end);
		const char *s = p;
		while (s < le && is_blank(*s))
			s++;
		if (s == le || *s == '#') {
			line++;
			p = le + (le < end);
			continue;
		}
		unsigned long start = line + 1;
		p = read_record(p, end, c.delim, &r, &line);
		int k = add_value(b, source, start, &c, &r, &added);
		if (k < 0)
			return k;
	}
	return added;
}
