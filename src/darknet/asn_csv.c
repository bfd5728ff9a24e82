/*
 * Range tables for asn_csv.h: one sorted array per family, searched by the
 * greatest first address not above the one asked. IPv4 rows are 12 bytes,
 * IPv6 rows 36: the public table of about 500,000 ranges holds in 9 MB.
 */
#include "darknet/asn_csv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct r4 {
	uint32_t lo, hi, asn; /* host order */
};

struct r6 {
	uint8_t lo[16], hi[16];
	uint32_t asn;
};

struct yg_asn_table {
	struct r4 *v4;
	size_t n4, cap4;
	struct r6 *v6;
	size_t n6, cap6;
};

int yg_asn_table_new(struct yg_asn_table **ret)
{
	*ret = calloc(1, sizeof **ret);
	return *ret ? 0 : -ENOMEM;
}

void yg_asn_table_free(struct yg_asn_table *t)
{
	if (!t)
		return;
	free(t->v4);
	free(t->v6);
	free(t);
}

size_t yg_asn_table_rows(const struct yg_asn_table *t)
{
	return t ? t->n4 + t->n6 : 0;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 4096;
	void *q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* The next comma-separated field of [*p, end) into out (NUL-terminated);
 * false when it does not fit. */
static bool field(const char **p, const char *end, char *out, size_t n)
{
	const char *s = *p, *c = memchr(s, ',', (size_t)(end - s));
	const char *e = c ? c : end;
	size_t l = (size_t)(e - s);
	while (l && (s[l - 1] == '\r' || s[l - 1] == ' '))
		l--;
	while (l && *s == ' ') {
		s++;
		l--;
	}
	if (l >= n)
		return false;
	memcpy(out, s, l);
	out[l] = 0;
	*p = c ? c + 1 : end;
	return true;
}

static bool as_number(const char *s, uint32_t *ret)
{
	if (!*s || strlen(s) > 10)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* One row; NULL when added, else why it is bad. */
static const char *row(struct yg_asn_table *t, const char *s, const char *end, int *err)
{
	char a[64], b[64], n[16];
	uint32_t asn;
	if (!field(&s, end, a, sizeof a) || !field(&s, end, b, sizeof b) ||
	    !field(&s, end, n, sizeof n))
		return "expected first,last,as_number";
	struct in6_addr lo, hi;
	bool v4 = inet_pton(AF_INET, a, &lo) == 1 && inet_pton(AF_INET, b, &hi) == 1;
	if (!v4 && (inet_pton(AF_INET6, a, &lo) != 1 || inet_pton(AF_INET6, b, &hi) != 1))
		return "not two addresses of one family";
	if (memcmp(&lo, &hi, v4 ? 4 : 16) > 0)
		return "the first address is after the last";
	if (!as_number(n, &asn))
		return "the AS number is not 1..4294967295";
	if (v4) {
		if ((*err = grow((void **)&t->v4, &t->cap4, t->n4, sizeof *t->v4)) < 0)
			return "out of memory";
		uint32_t l, h;
		memcpy(&l, &lo, 4);
		memcpy(&h, &hi, 4);
		t->v4[t->n4++] = (struct r4){ntohl(l), ntohl(h), asn};
		return NULL;
	}
	if ((*err = grow((void **)&t->v6, &t->cap6, t->n6, sizeof *t->v6)) < 0)
		return "out of memory";
	struct r6 *r = &t->v6[t->n6++];
	memcpy(r->lo, &lo, 16);
	memcpy(r->hi, &hi, 16);
	r->asn = asn;
	return NULL;
}

int yg_asn_table_parse(struct yg_asn_table *t, const char *name, const char *buf, size_t len,
		       struct yg_asn_load_result *res)
{
	const char *p = buf, *end = buf + len;
	unsigned long line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		line++;
		const char *why = NULL;
		int err = 0;
		bool skip = e == p || (e - p == 1 && *p == '\r') || *p == '#';
		if (skip)
			; /* blank or a comment */
		else if (yg_asn_table_rows(t) >= YG_ASN_ROWS_MAX)
			err = -E2BIG;
		else if (e - p > YG_ASN_LINE_MAX)
			why = "line too long";
		else
			why = row(t, p, e, &err);
		if (err < 0) {
			snprintf(res->first_bad, sizeof res->first_bad, "%.100s:%lu: %s", name, line,
				 err == -E2BIG ? "too many ranges" : "out of memory");
			return err;
		}
		if (why && !res->bad++)
			snprintf(res->first_bad, sizeof res->first_bad, "%.100s:%lu: %s", name, line,
				 why);
		else if (!why && !skip)
			res->rows++;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int yg_asn_table_load(struct yg_asn_table *t, const char *path, struct yg_asn_load_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat sb;
	int r = fstat(fd, &sb) < 0 ? -errno : 0;
	if (r == 0 && sb.st_size == 0) {
		close(fd);
		return 0;
	}
	void *m = r == 0 ? mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (r < 0)
		return r;
	if (m == MAP_FAILED)
		return -errno;
	const char *base = strrchr(path, '/');
	r = yg_asn_table_parse(t, base ? base + 1 : path, m, (size_t)sb.st_size, res);
	munmap(m, (size_t)sb.st_size);
	return r;
}

static int cmp4(const void *a, const void *b)
{
	const struct r4 *x = a, *y = b;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

static int cmp6(const void *a, const void *b)
{
	return memcmp(((const struct r6 *)a)->lo, ((const struct r6 *)b)->lo, 16);
}

void yg_asn_table_finish(struct yg_asn_table *t)
{
	size_t w = 0;
	if (t->n4)
		qsort(t->v4, t->n4, sizeof *t->v4, cmp4);
	for (size_t i = 0; i < t->n4; i++)
		if (!w || t->v4[i].lo > t->v4[w - 1].hi)
			t->v4[w++] = t->v4[i];
	t->n4 = w;
	w = 0;
	if (t->n6)
		qsort(t->v6, t->n6, sizeof *t->v6, cmp6);
	for (size_t i = 0; i < t->n6; i++)
		if (!w || memcmp(t->v6[i].lo, t->v6[w - 1].hi, 16) > 0)
			t->v6[w++] = t->v6[i];
	t->n6 = w;
}

uint32_t yg_asn_table_lookup(const struct yg_asn_table *t, uint8_t family, const uint8_t *addr)
{
	if (!t)
		return 0;
	size_t lo = 0, hi;
	if (family == 4) {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
			     (uint32_t)addr[2] << 8 | addr[3];
		hi = t->n4;
		while (lo < hi) { /* first range starting after a */
			size_t mid = lo + (hi - lo) / 2;
			if (t->v4[mid].lo <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo && a <= t->v4[lo - 1].hi ? t->v4[lo - 1].asn : 0;
	}
	hi = t->n6;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(t->v6[mid].lo, addr, 16) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && memcmp(addr, t->v6[lo - 1].hi, 16) <= 0 ? t->v6[lo - 1].asn : 0;
}
