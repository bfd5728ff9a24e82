/*
 * Owner import file parser (owner_csv.h). Pure: no store, no I/O, so the
 * fuzzer drives it alone. Every field is copied into a fixed buffer after
 * its length was checked; what goes on into e-mail headers and URLs is
 * checked here too, so a CR or LF can never reach an SMTP envelope.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "darknet/research.h"
#include "hub/owner_csv.h"

#define FIELDS 5

struct field {
	char v[YG_HOST_URL_MAX + 1];
	size_t n;
	bool too_long;
};

static bool printable(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

int yg_owner_email_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return 1;
	if (n > YG_HOST_EMAIL_MAX)
		return 0;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || !at[1] || !strchr(at + 1, '.'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* No space, no header or address-list syntax. */
		if (!printable(c) || c >= 0x80 || strchr(" <>()[],;:\"\\", c))
			return 0;
	}
	return 1;
}

int yg_owner_url_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return 1;
	if (n > YG_HOST_URL_MAX)
		return 0;
	size_t skip = !strncmp(s, "https://", 8) ? 8 : !strncmp(s, "http://", 7) ? 7 : 0;
	if (!skip || n == skip)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!printable(c) || c >= 0x80 || c == ' ' || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* Splits one line into fields; false (why set) on bad quoting or too
 * many fields. */
static bool split(const char *l, size_t n, struct field *f, size_t *ret_n, const char **why)
{
	size_t k = 0, i = 0;
	for (;;) {
		if (k == FIELDS) {
			*why = "more than 5 fields";
			return false;
		}
		struct field *cur = &f[k++];
		cur->n = 0;
		cur->too_long = false;
		bool quoted = i < n && l[i] == '"';
		if (quoted)
			i++;
		for (;;) {
			if (i == n) {
				if (quoted) {
					*why = "unterminated quote";
					return false;
				}
				break;
			}
			char c = l[i];
			if (quoted && c == '"') {
				if (i + 1 < n && l[i + 1] == '"') {
					i++;
				} else {
					i++;
					if (i < n && l[i] != ',') {
						*why = "text after a closing quote";
						return false;
					}
					break;
				}
			} else if (!quoted && c == ',') {
				break;
			} else if (!quoted && c == '"') {
				*why = "quote inside an unquoted field";
				return false;
			}
			if (cur->n < sizeof cur->v - 1)
				cur->v[cur->n++] = c;
			else
				cur->too_long = true;
			i++;
		}
		cur->v[cur->n] = '\0';
		if (i == n)
			break;
		i++; /* the comma; a line ending in one has an empty last field */
	}
	*ret_n = k;
	return true;
}

static void trim(struct field *f)
{
	size_t a = 0, b = f->n;
	while (a < b && (f->v[a] == ' ' || f->v[a] == '\t'))
		a++;
	while (b > a && (f->v[b - 1] == ' ' || f->v[b - 1] == '\t'))
		b--;
	memmove(f->v, f->v + a, b - a);
	f->n = b - a;
	f->v[f->n] = '\0';
}

/* Checks one line's fields into *r; NULL or why not. */
static const char *check(struct field *f, size_t nf, struct yg_owner_row *r)
{
	if (nf < 2)
		return "needs at least cidr and owner";
	for (size_t i = 0; i < nf; i++) {
		if (f[i].too_long)
			return "a field is too long";
		trim(&f[i]);
		for (size_t k = 0; k < f[i].n; k++)
			if (!printable((unsigned char)f[i].v[k]))
				return "control characters in a field";
	}
	for (size_t i = nf; i < FIELDS; i++)
		f[i].v[0] = '\0', f[i].n = 0;
	struct yg_addr a;
	if (yg_dn_cidr_parse(f[0].v, f[0].n, &r->family, &a, &r->len) < 0)
		return "not a network (CIDR without host bits)";
	memcpy(r->addr, a.b, 16);
	char text[INET6_ADDRSTRLEN];
	inet_ntop(r->family == 4 ? AF_INET : AF_INET6, a.b, text, sizeof text);
	snprintf(r->cidr, sizeof r->cidr, "%s/%u", text, r->len);
	if (f[1].n == 0 || f[1].n > YG_HOST_OWNER_MAX)
		return "owner must be 1..128 bytes";
	memcpy(r->owner, f[1].v, f[1].n + 1);
	if (!yg_owner_email_ok(f[2].v))
		return "not an e-mail address";
	memcpy(r->email, f[2].v, f[2].n + 1);
	if (!yg_owner_url_ok(f[3].v))
		return "webhook must be an http or https URL";
	memcpy(r->webhook, f[3].v, f[3].n + 1);
	if (f[4].n == 0)
		snprintf(r->lang, sizeof r->lang, "en");
	else if ((f[4].n == 2 && (!strcmp(f[4].v, "ja") || !strcmp(f[4].v, "en"))))
		memcpy(r->lang, f[4].v, 3);
	else
		return "language must be ja or en";
	return NULL;
}

long yg_owner_csv_parse(const char *data, size_t len, const struct yg_owner_csv_cb *cb)
{
	if (len > YG_OWNER_CSV_MAX)
		return -E2BIG;
	static _Thread_local struct field f[FIELDS];
	long good = 0;
	unsigned long line = 0, rows = 0;
	size_t i = 0;
	/* A UTF-8 byte order mark is not part of the first field. */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *l = data + i;
		size_t n = end - i;
		i = end + 1;
		line++;
		if (n && l[n - 1] == '\r')
			n--;
		size_t lead = 0;
		while (lead < n && (l[lead] == ' ' || l[lead] == '\t'))
			lead++;
		if (lead == n || l[lead] == '#')
			continue;
		if (line == 1 && n >= 4 && !strncmp(l, "cidr", 4))
			continue;
		if (++rows > YG_HOST_PREFIXES_MAX)
			return -E2BIG;
		const char *why = NULL;
		size_t nf = 0;
		struct yg_owner_row r;
		memset(&r, 0, sizeof r);
		r.line = line;
		if (n > YG_OWNER_LINE_MAX)
			why = "line longer than 4096 bytes";
		else if (memchr(l, '\0', n))
			why = "NUL byte in the line";
		else if (split(l, n, f, &nf, &why))
			why = check(f, nf, &r);
		if (why) {
			if (cb->bad)
				cb->bad(cb->ud, line, why);
			continue;
		}
		int rc = cb->row ? cb->row(cb->ud, &r) : 0;
		if (rc < 0)
			return rc;
		good++;
	}
	return good;
}
