/*
 * Indicator file format names and the "NAME[,KEY=VALUE]..." form a caller
 * names a format in (--intel FORMAT:PATH, a feed's --format).
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Canonical names first (indexed by kind), then aliases. */
static const struct {
	const char *name;
	enum yg_intel_format_kind kind;
} names[] = {
    {"auto", YG_FMT_AUTO},
    {"plain", YG_FMT_PLAIN},
    {"hosts", YG_FMT_HOSTS},
    {"netset", YG_FMT_NETSET},
    {"adblock", YG_FMT_ADBLOCK},
    {"dnsmasq", YG_FMT_DNSMASQ},
    {"unbound", YG_FMT_UNBOUND},
    {"rpz", YG_FMT_RPZ},
    {"csv", YG_FMT_CSV},
    {"suricata-dataset", YG_FMT_DATASET},
    {"drop-json", YG_FMT_DROP_JSON},
    {"stix", YG_FMT_STIX},
    {"misp", YG_FMT_MISP},
    {"list", YG_FMT_PLAIN},
    {"txt", YG_FMT_PLAIN},
    {"firehol", YG_FMT_NETSET},
    {"ipset", YG_FMT_NETSET},
    {"drop", YG_FMT_NETSET},
    {"ublock", YG_FMT_ADBLOCK},
    {"adguard", YG_FMT_ADBLOCK},
    {"dataset", YG_FMT_DATASET},
    {"tsv", YG_FMT_CSV},
    {"stix2", YG_FMT_STIX},
};

static const struct {
	const char *name;
	int type;
} type_names[] = {
    {"ip", YG_IND_IP},   {"ipv4", YG_IND_IP},       {"ipv6", YG_IND_IP},
    {"cidr", YG_IND_IP}, {"domain", YG_IND_DOMAIN}, {"url", YG_IND_URL},
    {"md5", YG_IND_MD5}, {"sha1", YG_IND_SHA1},     {"sha256", YG_IND_SHA256},
    {"ja3", YG_IND_JA3}, {"ja4", YG_IND_JA4},       {"string", -1},
    {"ja3s", YG_IND_JA3S}, {"ja4s", YG_IND_JA4S},   {"cert_sha1", YG_IND_CERT_SHA1},
    {"x509_sha1", YG_IND_CERT_SHA1}, {"ssl_sha1", YG_IND_CERT_SHA1},
    {"auto", -1},
};

const char *yg_intel_format_name(enum yg_intel_format_kind k)
{
	if ((unsigned)k >= YG_FMT__COUNT)
		return "unknown";
	return names[k].name;
}

static bool is(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && strncasecmp(s, w, n) == 0;
}

static int parse_opt(const char *k, size_t kn, const char *v, size_t vn, struct yg_intel_format *f)
{
	if (is(k, kn, "type")) {
		for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
			if (is(v, vn, type_names[i].name)) {
				f->type = type_names[i].type;
				return 0;
			}
		return -EINVAL;
	}
	if (is(k, kn, "column")) {
		unsigned c = 0;
		if (vn == 0 || vn > 3)
			return -EINVAL;
		for (size_t i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -EINVAL;
			c = c * 10 + (unsigned)(v[i] - '0');
		}
		if (c == 0)
			return -EINVAL;
		f->column = c;
		return 0;
	}
	if (is(k, kn, "delim")) {
		static const char *const dn[] = {"comma", "tab", "semicolon", "pipe"};
		static const char dc[] = {',', '\t', ';', '|'};
		for (size_t i = 0; i < 4; i++)
			if (is(v, vn, dn[i])) {
				f->delim = dc[i];
				return 0;
			}
		return -EINVAL;
	}
	if (is(k, kn, "header")) {
		if (is(v, vn, "yes") || is(v, vn, "true") || is(v, vn, "1"))
			f->header = true;
		else if (is(v, vn, "no") || is(v, vn, "false") || is(v, vn, "0"))
			f->header = false;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int yg_intel_format_parse(const char *spec, size_t len, struct yg_intel_format *ret)
{
	struct yg_intel_format f = {.kind = YG_FMT_AUTO, .type = -1};
	const char *end = spec + len, *comma = memchr(spec, ',', len);
	size_t nl = comma ? (size_t)(comma - spec) : len;
	bool found = false;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (is(spec, nl, names[i].name)) {
			f.kind = names[i].kind;
			found = true;
			break;
		}
	if (!found)
		return -EINVAL;
	const char *p = comma ? comma + 1 : end;
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *oe = c ? c : end;
		const char *eq = memchr(p, '=', (size_t)(oe - p));
		if (!eq || parse_opt(p, (size_t)(eq - p), eq + 1, (size_t)(oe - eq - 1), &f) < 0)
			return -EINVAL;
		p = c ? c + 1 : end;
	}
	if (f.column && f.kind != YG_FMT_CSV)
		return -EINVAL;
	*ret = f;
	return 0;
}
