/*
 * The research-scanner list (research.h): one sorted array per (family,
 * prefix length), searched longest length first, so a lookup is a few
 * binary searches whatever the list's size.
 */
#include "darknet/research.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct net {
	struct yg_addr a; /* masked */
	char name[YG_DN_RESEARCH_NAME];
};

struct level {
	uint8_t family, plen;
	struct net *v;
	size_t n, cap;
};

struct yg_dn_research {
	struct level lv[2 * 129]; /* family 4: [plen], family 6: [129 + plen] */
	size_t count;
};

static void mask(struct yg_addr *a, unsigned plen, unsigned bits)
{
	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned keep = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;
		a->b[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int yg_dn_cidr_parse(const char *s, size_t n, uint8_t *ret_family, struct yg_addr *ret_net,
                     uint8_t *ret_plen)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *slash = strchr(buf, '/');
	unsigned long plen = 0;
	if (slash) {
		*slash = 0;
		char *end;
		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || *end)
			return -EINVAL;
	}
	struct yg_addr a = {{0}};
	uint8_t fam;
	if (inet_pton(AF_INET, buf, a.b) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, buf, a.b) == 1)
		fam = 6;
	else
		return -EINVAL;
	unsigned bits = fam == 4 ? 32 : 128;
	if (!slash)
		plen = bits;
	if (plen > bits)
		return -EINVAL;
	struct yg_addr m = a;
	mask(&m, (unsigned)plen, bits);
	if (memcmp(&m, &a, sizeof a))
		return -EINVAL; /* host bits set */
	*ret_family = fam;
	*ret_net = a;
	*ret_plen = (uint8_t)plen;
	return 0;
}

static int cmp_net(const void *x, const void *y)
{
	return memcmp(((const struct net *)x)->a.b, ((const struct net *)y)->a.b, 16);
}

static void errf(char *err, size_t errlen, const char *name, unsigned long line, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s:%lu: %s", name, line, what);
}

int yg_dn_research_parse(const char *data, size_t len, const char *name,
                         struct yg_dn_research **ret, char *err, size_t errlen)
{
	struct yg_dn_research *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	int rc = 0;
	unsigned long line = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *l = data + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		pos += ll + (nl ? 1 : 0);
		line++;
		while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' ' || l[ll - 1] == '\t'))
			ll--;
		size_t i = 0;
		while (i < ll && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i == ll || l[i] == '#')
			continue;
		size_t c0 = i;
		while (i < ll && l[i] != ' ' && l[i] != '\t' && l[i] != ',')
			i++;
		size_t c1 = i;
		while (i < ll && (l[i] == ' ' || l[i] == '\t' || l[i] == ','))
			i++;
		struct net nt = {0};
		uint8_t fam, plen;
		if (yg_dn_cidr_parse(l + c0, c1 - c0, &fam, &nt.a, &plen) < 0) {
			errf(err, errlen, name, line, "not a network (CIDR with no host bits)");
			rc = -EBADMSG;
			goto fail;
		}
		if (i == ll) {
			errf(err, errlen, name, line, "no scanner name after the network");
			rc = -EBADMSG;
			goto fail;
		}
		size_t nl2 = ll - i;
		if (nl2 >= sizeof nt.name)
			nl2 = sizeof nt.name - 1;
		for (size_t k = 0; k < nl2; k++) {
			unsigned char ch = (unsigned char)l[i + k];
			nt.name[k] = ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\' ? '_' : (char)ch;
		}
		if (r->count == YG_DN_RESEARCH_MAX) {
			errf(err, errlen, name, line, "too many networks");
			rc = -E2BIG;
			goto fail;
		}
		struct level *lv = &r->lv[(fam == 4 ? 0 : 129) + plen];
		if (lv->n == lv->cap) {
			size_t nc = lv->cap ? lv->cap * 2 : 16;
			struct net *nv = realloc(lv->v, nc * sizeof *nv);
			if (!nv) {
				rc = -ENOMEM;
				goto fail;
			}
			lv->v = nv;
			lv->cap = nc;
		}
		lv->family = fam;
		lv->plen = plen;
		lv->v[lv->n++] = nt;
		r->count++;
	}
	for (unsigned k = 0; k < 2 * 129; k++)
		if (r->lv[k].n > 1)
			qsort(r->lv[k].v, r->lv[k].n, sizeof *r->lv[k].v, cmp_net);
	*ret = r;
	return 0;
fail:
	yg_dn_research_free(r);
	return rc;
}

int yg_dn_research_load(const char *path, struct yg_dn_research **ret, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= (64u << 20)) {
				snprintf(err, errlen, "%s: larger than 64 MB", path);
				rc = -E2BIG;
				goto out;
			}
			size_t nc = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, nc);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = nc;
		}
		size_t k = fread(buf + len, 1, cap - len, f);
		len += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -EIO;
		goto out;
	}
	rc = yg_dn_research_parse(buf, len, path, ret, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

void yg_dn_research_free(struct yg_dn_research *r)
{
	if (!r)
		return;
	for (unsigned k = 0; k < 2 * 129; k++)
		free(r->lv[k].v);
	free(r);
}

size_t yg_dn_research_count(const struct yg_dn_research *r)
{
	return r ? r->count : 0;
}

const char *yg_dn_research_lookup(const struct yg_dn_research *r, uint8_t family,
                                  const struct yg_addr *addr)
{
	if (!r || (family != 4 && family != 6))
		return NULL;
	unsigned bits = family == 4 ? 32 : 128, base = family == 4 ? 0 : 129;
	for (int plen = (int)bits; plen >= 0; plen--) {
		const struct level *lv = &r->lv[base + (unsigned)plen];
		if (!lv->n)
			continue;
		struct net key = {0};
		key.a = *addr;
		mask(&key.a, (unsigned)plen, bits);
		const struct net *hit = bsearch(&key, lv->v, lv->n, sizeof *lv->v, cmp_net);
		if (hit)
			return hit->name;
	}
	return NULL;
}
