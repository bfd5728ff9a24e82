/*
 * ICS policy: parsing, checking, learning (ics_policy.h).
 *
 * Why a list scanned in order rather than an index: a site's policy is a
 * few dozen rules written by people, and it is consulted once per ICS
 * request (not per packet); the scan keeps "the rule broken" simply the
 * first rule that matched the pair, which is what an operator reading the
 * alert expects to find in the file.
 */
#include "detect/ics_policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (64u << 20)

struct net {
	uint8_t family; /* 0: any */
	uint8_t bits;
	uint8_t addr[16];
};

struct rule {
	struct net cli, srv;
	uint8_t proto; /* enum yg_ics_proto, or YG_ICS_PROTO__COUNT for any */
	uint8_t ops;   /* bit 1 << op */
	unsigned line;
	char text[YG_ICS_RULE_TEXT_MAX];
};

struct yg_ics_policy {
	struct rule *rules;
	unsigned n, cap;
};

__attribute__((format(printf, 3, 4))) static void errf(char *err, size_t errlen,
							const char *fmt, ...);

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool parse_net(const char *s, size_t n, struct net *ret)
{
	char buf[64];
	if (n == 3 && !memcmp(s, "any", 3)) {
		memset(ret, 0, sizeof *ret);
		return true;
	}
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		*slash = 0;
		const char *d = slash + 1;
		if (!*d || strlen(d) > 3)
			return false;
		bits = 0;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return false;
			bits = bits * 10 + (*d - '0');
		}
	}
	struct net r = {0};
	if (inet_pton(AF_INET, buf, r.addr) == 1)
		r.family = 4;
	else if (inet_pton(AF_INET6, buf, r.addr) == 1)
		r.family = 6;
	else
		return false;
	long max = r.family == 4 ? 32 : 128;
	if (bits > max)
		return false;
	r.bits = (uint8_t)(bits < 0 ? max : bits);
	/* Clear host bits so matching compares prefixes only. */
	for (unsigned i = r.bits; i < (unsigned)max; i++)
		r.addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	*ret = r;
	return true;
}

static bool net_match(const struct net *n, uint8_t family, const uint8_t *a)
{
	if (!n->family)
		return true;
	if (n->family != family)
		return false;
	unsigned full = n->bits / 8u, rest = n->bits % 8u;
	if (memcmp(n->addr, a, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);
		if ((a[full] & mask) != n->addr[full])
			return false;
	}
	return true;
}

static bool parse_ops(const char *s, size_t n, uint8_t *ret, const char **ret_bad, size_t *ret_badlen)
{
	uint8_t ops = 0;
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		enum yg_ics_op op;
		if (!yg_ics_op_parse(s + i, j - i, &op)) {
			*ret_bad = s + i;
			*ret_badlen = j - i;
			return false;
		}
		ops |= (uint8_t)(1u << op);
		i = j + 1;
	}
	*ret = ops;
	return true;
}

/* Parses one line (no newline). Returns 0, 1 when blank, or -EINVAL. */
static int parse_line(const char *s, size_t n, unsigned lineno, struct rule *r, char *err,
		      size_t errlen)
{
	static const char *const field_names[] = {"keyword", "client", "controller", "protocol",
						  "operations"};
	const char *f[6];
	size_t fl[6];
	unsigned nf = 0;
	const char *hash = memchr(s, '#', n);
	if (hash)
		n = (size_t)(hash - s);
	for (size_t i = 0; i < n;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i == n)
			break;
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			i++;
		if (nf == 5) {
			errf(err, errlen, "line %u, field 6: unexpected '%.*s' after the operations",
			     lineno, (int)(i - st > 40 ? 40 : i - st), s + st);
			return -EINVAL;
		}
		f[nf] = s + st;
		fl[nf++] = i - st;
	}
	if (nf == 0)
		return 1;
	if (nf < 5) {
		errf(err, errlen, "line %u, field %u (%s): missing; a rule is 'allow CLIENT "
				  "CONTROLLER PROTO OPS'", lineno, nf + 1, field_names[nf]);
		return -EINVAL;
	}
	if (fl[0] != 5 || memcmp(f[0], "allow", 5)) {
		errf(err, errlen, "line %u, field 1 (keyword): '%.*s' is not 'allow'", lineno,
		     (int)(fl[0] > 40 ? 40 : fl[0]), f[0]);
		return -EINVAL;
	}
	memset(r, 0, sizeof *r);
	for (unsigned k = 1; k <= 2; k++) {
		if (!parse_net(f[k], fl[k], k == 1 ? &r->cli : &r->srv)) {
			errf(err, errlen, "line %u, field %u (%s): '%.*s' is not an address, a "
					  "CIDR prefix or 'any'", lineno, k + 1, field_names[k],
			     (int)(fl[k] > 60 ? 60 : fl[k]), f[k]);
			return -EINVAL;
		}
	}
	enum yg_ics_proto proto;
	if (fl[3] == 3 && !memcmp(f[3], "any", 3)) {
		r->proto = YG_ICS_PROTO__COUNT;
	} else if (yg_ics_proto_parse(f[3], fl[3], &proto)) {
		r->proto = (uint8_t)proto;
	} else {
		errf(err, errlen, "line %u, field 4 (protocol): '%.*s' is not modbus, dnp3, "
				  "iec104, s7comm or any", lineno, (int)(fl[3] > 40 ? 40 : fl[3]), f[3]);
		return -EINVAL;
	}
	const char *bad;
	size_t badlen;
	if (!parse_ops(f[4], fl[4], &r->ops, &bad, &badlen)) {
		errf(err, errlen, "line %u, field 5 (operations): '%.*s' is not one of read, "
				  "write, operate, restart, download, stop", lineno,
		     (int)(badlen > 40 ? 40 : badlen), bad);
		return -EINVAL;
	}
	r->line = lineno;
	/* The rule as the alert names it: fields joined by single spaces. */
	int w = snprintf(r->text, sizeof r->text, "line %u: allow", lineno);
	for (unsigned k = 1; k < 5 && w > 0 && (size_t)w < sizeof r->text; k++)
		w += snprintf(r->text + w, sizeof r->text - (size_t)w, " %.*s", (int)fl[k], f[k]);
	return 0;
}

int yg_ics_policy_parse(const char *text, size_t len, struct yg_ics_policy **ret, char *err,
			size_t errlen)
{
	struct yg_ics_policy *p = calloc(1, sizeof *p);
	int r = 0;
	unsigned lineno = 0;
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		if (n > YG_ICS_POLICY_LINE_MAX) {
			errf(err, errlen, "line %u: longer than %u bytes", lineno,
			     YG_ICS_POLICY_LINE_MAX);
			r = -EINVAL;
			goto fail;
		}
		if (memchr(text + i, '\0', n)) {
			errf(err, errlen, "line %u: contains a NUL byte", lineno);
			r = -EINVAL;
			goto fail;
		}
		struct rule rule;
		r = parse_line(text + i, n, lineno, &rule, err, errlen);
		if (r < 0)
			goto fail;
		if (r == 0) {
			if (p->n == YG_ICS_POLICY_RULES_MAX) {
				errf(err, errlen, "line %u: more than %u rules", lineno,
				     YG_ICS_POLICY_RULES_MAX);
				r = -E2BIG;
				goto fail;
			}
			if (p->n == p->cap) {
				unsigned nc = p->cap ? p->cap * 2 : 16;
				struct rule *nr = realloc(p->rules, nc * sizeof *nr);
				if (!nr) {
					r = -ENOMEM;
					errf(err, errlen, "out of memory");
					goto fail;
				}
				p->rules = nr;
				p->cap = nc;
			}
			p->rules[p->n++] = rule;
		}
		i += n + 1;
	}
	*ret = p;
	return 0;
fail:
	yg_ics_policy_free(p);
	return r < 0 ? r : -EINVAL;
}

int yg_ics_policy_load(const char *path, struct yg_ics_policy **ret, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;
	FILE *f = fopen(path, "rb");
	if (!f) {
		r = -errno;
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	buf = malloc(FILE_MAX + 1u);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	len = fread(buf, 1, FILE_MAX + 1u, f);
	if (ferror(f)) {
		r = -EIO;
		errf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (len > FILE_MAX) {
		r = -E2BIG;
		errf(err, errlen, "%s: larger than %u MiB", path, FILE_MAX >> 20);
		goto out;
	}
	char e2[400] = "";
	r = yg_ics_policy_parse(buf, len, ret, e2, sizeof e2);
	if (r < 0)
		errf(err, errlen, "%s: %s", path, e2);
out:
	free(buf);
	fclose(f);
	return r;
}

void yg_ics_policy_free(struct yg_ics_policy *p)
{
	if (!p)
		return;
	free(p->rules);
	free(p);
}

unsigned yg_ics_policy_rules(const struct yg_ics_policy *p)
{
	return p ? p->n : 0;
}

bool yg_ics_policy_allows(const struct yg_ics_policy *p, uint8_t family, const uint8_t *cli,
			  const uint8_t *srv, enum yg_ics_proto proto, enum yg_ics_op op,
			  struct yg_ics_verdict *ret)
{
	if (op == YG_ICS_OP_NONE)
		return true;
	if (!p) {
		if (op != YG_ICS_OP_DOWNLOAD && op != YG_ICS_OP_STOP)
			return true;
		ret->line = 0;
		snprintf(ret->rule, sizeof ret->rule, "default: %s alerts without a policy",
			 op == YG_ICS_OP_DOWNLOAD ? "program download" : "controller stop");
		return false;
	}
	const struct rule *first = NULL;
	for (unsigned i = 0; i < p->n; i++) {
		const struct rule *r = &p->rules[i];
		if (r->proto != YG_ICS_PROTO__COUNT && r->proto != proto)
			continue;
		if (!net_match(&r->cli, family, cli) || !net_match(&r->srv, family, srv))
			continue;
		if (r->ops & (1u << op))
			return true;
		if (!first)
			first = r;
	}
	if (first) {
		ret->line = first->line;
		memcpy(ret->rule, first->text, sizeof ret->rule);
	} else {
		ret->line = 0;
		snprintf(ret->rule, sizeof ret->rule, "default: no rule allows this client %s to "
						      "this controller", yg_ics_proto_name(proto));
	}
	return false;
}

/* Learning. */

struct pair {
	uint8_t used, family, proto, ops;
	uint8_t cli[16], srv[16];
};

struct yg_ics_learn {
	pthread_mutex_t mu;
	struct pair *tab;
	size_t cap, n; /* cap a power of two, at most half full */
	uint64_t dropped;
};

int yg_ics_learn_new(struct yg_ics_learn **ret)
{
	struct yg_ics_learn *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->cap = 256;
	l->tab = calloc(l->cap, sizeof *l->tab);
	if (!l->tab) {
		free(l);
		return -ENOMEM;
	}
	pthread_mutex_init(&l->mu, NULL);
	*ret = l;
	return 0;
}

void yg_ics_learn_free(struct yg_ics_learn *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->mu);
	free(l->tab);
	free(l);
}

static size_t pair_hash(const struct pair *k)
{
	uint64_t h = 1469598103934665603u ^ ((uint64_t)k->family << 8 | k->proto);
	for (int i = 0; i < 16; i++)
		h = (h ^ k->cli[i]) * 1099511628211u;
	for (int i = 0; i < 16; i++)
		h = (h ^ k->srv[i]) * 1099511628211u;
	return (size_t)(h ^ (h >> 29));
}

static struct pair *slot(struct pair *tab, size_t cap, const struct pair *k)
{
	size_t i = pair_hash(k) & (cap - 1);
	while (tab[i].used && (tab[i].family != k->family || tab[i].proto != k->proto ||
			       memcmp(tab[i].cli, k->cli, 16) || memcmp(tab[i].srv, k->srv, 16)))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static bool grow(struct yg_ics_learn *l)
{
	size_t nc = l->cap * 2;
	struct pair *nt = calloc(nc, sizeof *nt);
	if (!nt)
		return false;
	for (size_t i = 0; i < l->cap; i++)
		if (l->tab[i].used)
			*slot(nt, nc, &l->tab[i]) = l->tab[i];
	free(l->tab);
	l->tab = nt;
	l->cap = nc;
	return true;
}

void yg_ics_learn_add(struct yg_ics_learn *l, uint8_t family, const uint8_t *cli,
		      const uint8_t *srv, enum yg_ics_proto proto, enum yg_ics_op op)
{
	if (op == YG_ICS_OP_NONE || (family != 4 && family != 6))
		return;
	struct pair k = {.used = 1, .family = family, .proto = (uint8_t)proto};
	size_t alen = family == 4 ? 4 : 16;
	memcpy(k.cli, cli, alen);
	memcpy(k.srv, srv, alen);
	pthread_mutex_lock(&l->mu);
	struct pair *s = slot(l->tab, l->cap, &k);
	if (!s->used) {
		if (l->n >= YG_ICS_LEARN_MAX || (2 * (l->n + 1) > l->cap && !grow(l))) {
			l->dropped++;
			goto out;
		}
		s = slot(l->tab, l->cap, &k);
		*s = k;
		l->n++;
	}
	s->ops |= (uint8_t)(1u << op);
out:
	pthread_mutex_unlock(&l->mu);
}

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->family != y->family)
		return x->family - y->family;
	int c = memcmp(x->cli, y->cli, 16);
	if (c)
		return c;
	c = memcmp(x->srv, y->srv, 16);
	if (c)
		return c;
	return x->proto - y->proto;
}

uint64_t yg_ics_learn_write(struct yg_ics_learn *l, FILE *out)
{
	pthread_mutex_lock(&l->mu);
	struct pair *v = malloc((l->n ? l->n : 1) * sizeof *v);
	size_t n = 0;
	if (v)
		for (size_t i = 0; i < l->cap; i++)
			if (l->tab[i].used)
				v[n++] = l->tab[i];
	uint64_t dropped = l->dropped + (v ? 0 : l->n);
	pthread_mutex_unlock(&l->mu);
	fprintf(out, "# yagura ICS policy, learned from traffic: review before use.\n"
		     "# allow CLIENT CONTROLLER PROTO OPS (ops: read, write, operate, restart,\n"
		     "# download, stop). An operation no rule allows is an alert.\n");
	if (!v)
		return dropped;
	qsort(v, n, sizeof *v, pair_cmp);
	for (size_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		int af = v[i].family == 4 ? AF_INET : AF_INET6;
		inet_ntop(af, v[i].cli, a, sizeof a);
		inet_ntop(af, v[i].srv, b, sizeof b);
		fprintf(out, "allow %s %s %s ", a, b, yg_ics_proto_name((enum yg_ics_proto)v[i].proto));
		const char *sep = "";
		for (unsigned op = YG_ICS_OP_READ; op < YG_ICS_OP__COUNT; op++)
			if (v[i].ops & (1u << op)) {
				fprintf(out, "%s%s", sep, yg_ics_op_name((enum yg_ics_op)op));
				sep = ",";
			}
		fputc('\n', out);
	}
	free(v);
	return dropped;
}
