/*
 * Lookups on the hot path: no allocation (except for the rare non-ASCII
 * name, converted to punycode first), no locks, bounded stack buffers.
 */
#include "intel/intel-int.h"

#include <idn2.h>
#include <string.h>

#include "common/cursor.h"

/* Probes the table for t whose hash h the caller computed. */
static uint32_t find_str_h(const struct yg_intel_set *s, enum yg_ind_type type, const char *t,
                           size_t len, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	size_t pos = h & s->smask;
	for (;;) {
		const struct yg_slot *sl = &s->slots[pos];
		if (!sl->idx)
			return YG_INTEL_NONE;
		if (sl->tag == tag) {
			const struct yg_ind *in = &s->inds[sl->idx - 1];
			const char *v = s->arena + in->val;
			if (in->type == type && memcmp(v, t, len) == 0 && v[len] == 0)
				return sl->idx - 1;
		}
		pos = (pos + 1) & s->smask;
	}
}

static uint32_t find_str(const struct yg_intel_set *s, enum yg_ind_type type, const char *t,
                         size_t len)
{
	if (!s->slots)
		return YG_INTEL_NONE;
	return find_str_h(s, type, t, len, yg_intel_hash(s->seed, type, t, len));
}

static uint32_t match4(const struct yg_intel_set *s, uint32_t a)
{
	long i = yg_intel_lpm4_floor(&s->host4, a);
	if (i >= 0 && s->host4.keys[i] == a)
		return s->host4.vals[i];
	i = yg_intel_lpm4_floor(&s->range4, a);
	return i >= 0 ? s->range4.vals[i] : YG_INTEL_NONE;
}

uint32_t yg_intel_match_ip(const struct yg_intel_set *s, int family, const uint8_t *addr)
{
	if (!s || !addr)
		return YG_INTEL_NONE;
	if (family == 4)
		return match4(s, yg_load_be32(addr));
	if (family != 6)
		return YG_INTEL_NONE;
	yg_u128 a = 0;
	for (int i = 0; i < 16; i++)
		a = (a << 8) | addr[i];
	long i = yg_intel_lpm6_floor(&s->host6, a);
	if (i >= 0 && s->host6.keys[i] == a)
		return s->host6.vals[i];
	i = yg_intel_lpm6_floor(&s->range6, a);
	uint32_t r = i >= 0 ? s->range6.vals[i] : YG_INTEL_NONE;
	/* ::ffff:a.b.c.d is an IPv4 peer seen through an IPv6 socket */
	if (r == YG_INTEL_NONE && (a >> 32) == 0xffff)
		r = match4(s, (uint32_t)a);
	return r;
}

/* n <= 255: at most 128 suffixes (every other byte a dot). */
#define MAX_SUFFIXES 128

/* The name and each parent suffix, longest first. The table is far larger
 * than the caches and most probes miss: hash every suffix and prefetch all
 * their slots before probing, so the misses overlap instead of queueing. */
static uint32_t match_lc_name(const struct yg_intel_set *s, const char *buf, size_t n)
{
	uint8_t off[MAX_SUFFIXES];
	uint64_t h[MAX_SUFFIXES];
	size_t k = 0, p = 0;
	while (p < n && k < MAX_SUFFIXES) {
		off[k] = (uint8_t)p;
		h[k] = yg_intel_hash(s->seed, YG_IND_DOMAIN, buf + p, n - p);
		/* A suffix the bloom filter rules out is in no list: no probe. */
		if (!s->dbloom || yg_intel_dbloom_has(s->dbloom, s->dbloom_mask, h[k])) {
			__builtin_prefetch(&s->slots[h[k] & s->smask], 0, 3);
			k++;
		}
		const char *dot = memchr(buf + p, '.', n - p);
		if (!dot)
			break;
		p = (size_t)(dot - buf) + 1;
	}
	for (size_t i = 0; i < k; i++) {
		uint32_t idx = find_str_h(s, YG_IND_DOMAIN, buf + off[i], n - off[i], h[i]);
		if (idx != YG_INTEL_NONE)
			return idx;
	}
	return YG_INTEL_NONE;
}

static uint32_t match_idn(const struct yg_intel_set *s, const char *name, size_t len)
{
	char in[1024];
	if (len >= sizeof in)
		return YG_INTEL_NONE;
	memcpy(in, name, len);
	in[len] = 0;
	char *a = NULL;
	uint32_t r = YG_INTEL_NONE;
	if (idn2_to_ascii_8z(in, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) == IDN2_OK ||
	    (idn2_free(a), a = NULL,
	     idn2_to_ascii_8z(in, &a, IDN2_NFC_INPUT | IDN2_TRANSITIONAL) == IDN2_OK)) {
		size_t n = strlen(a);
		for (size_t i = 0; i < n; i++)
			a[i] = yg_lc(a[i]);
		if (n <= 255)
			r = match_lc_name(s, a, n);
	}
	idn2_free(a);
	return r;
}

uint32_t yg_intel_match_domain(const struct yg_intel_set *s, const char *name, size_t len)
{
	if (!s || !s->slots || !name)
		return YG_INTEL_NONE;
	while (len && name[len - 1] == '.')
		len--;
	/* DNS names are at most 255 bytes; of a longer Host only the
	 * labels in the last 255 bytes can hold a listed name. */
	while (len > 255) {
		const char *dot = memchr(name, '.', len);
		if (!dot)
			return YG_INTEL_NONE;
		len -= (size_t)(dot - name) + 1;
		name = dot + 1;
	}
	char buf[256];
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)name[i] >= 0x80)
			return match_idn(s, name, len);
		buf[i] = yg_lc(name[i]);
	}
	return match_lc_name(s, buf, len);
}

/* Appends [p, p+n) to the key; false when it does not fit. */
static bool put(char *key, size_t cap, size_t *kl, const char *p, size_t n)
{
	if (n > cap - *kl)
		return false;
	memcpy(key + *kl, p, n);
	*kl += n;
	return true;
}

uint32_t yg_intel_match_url(const struct yg_intel_set *s, const char *host, size_t host_len,
                            const char *target, size_t target_len)
{
	if (!s || !s->slots || !target)
		return YG_INTEL_NONE;
	const char *t = target, *end = target + target_len;
	if (!host)
		host_len = 0;
	/* absolute-form: the target's authority names the host */
	const char *sep = target_len > 3 && t[0] != '/'
	                      ? memchr(t, ':', target_len < 16 ? target_len : 16)
	                      : NULL;
	if (sep && end - sep > 3 && sep[1] == '/' && sep[2] == '/') {
		const char *a = sep + 3, *ae = a;
		while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
			ae++;
		for (const char *q = a; q < ae; q++)
			if (*q == '@')
				a = q + 1;
		host = a;
		host_len = (size_t)(ae - a);
		t = ae;
	} else if (t < end && *t != '/') {
		return YG_INTEL_NONE; /* "*" or authority-form: no path to match */
	}
	char hb[300];
	size_t hl = 0;
	if (host_len >= sizeof hb)
		return YG_INTEL_NONE;
	for (size_t i = 0; i < host_len; i++)
		hb[hl++] = yg_lc(host[i]);
	/* default ports and a trailing dot are not part of the listed form */
	const char *colon = hl && hb[0] != '[' ? memchr(hb, ':', hl) : NULL;
	if (hl && hb[0] == '[') {
		const char *rb = memchr(hb, ']', hl);
		if (rb && (size_t)(rb - hb) + 1 < hl && rb[1] == ':')
			colon = rb + 1;
	}
	if (colon) {
		size_t pl = hl - (size_t)(colon - hb) - 1;
		if ((pl == 2 && memcmp(colon + 1, "80", 2) == 0) ||
		    (pl == 3 && memcmp(colon + 1, "443", 3) == 0) || pl == 0)
			hl = (size_t)(colon - hb);
	}
	size_t hostend = colon ? (size_t)(colon - hb) : hl;
	if (hostend && hb[hostend - 1] == '.') {
		memmove(hb + hostend - 1, hb + hostend, hl - hostend);
		hl--;
	}
	const char *frag = memchr(t, '#', (size_t)(end - t));
	if (frag)
		end = frag;
	const char *q = memchr(t, '?', (size_t)(end - t));
	const char *pend = q ? q : end;
	char key[YG_INTEL_MAX_URL + 320];
	size_t kl = 0;
	uint32_t idx;
	if (hl) {
		put(key, sizeof key, &kl, hb, hl);
		bool ok = t == pend ? put(key, sizeof key, &kl, "/", 1)
		                    : put(key, sizeof key, &kl, t, (size_t)(pend - t));
		size_t base = kl;
		if (ok && q && put(key, sizeof key, &kl, q, (size_t)(end - q))) {
			idx = find_str(s, YG_IND_URL, key, kl);
			if (idx != YG_INTEL_NONE)
				return idx;
		}
		if (ok) {
			idx = find_str(s, YG_IND_URL, key, base);
			if (idx != YG_INTEL_NONE)
				return idx;
		}
	}
	/* path-only entries ("/gate.php") match on any host */
	if (t == pend)
		return YG_INTEL_NONE;
	if (q) {
		idx = find_str(s, YG_IND_URL, t, (size_t)(end - t));
		if (idx != YG_INTEL_NONE)
			return idx;
	}
	return find_str(s, YG_IND_URL, t, (size_t)(pend - t));
}

uint32_t yg_intel_match_token(const struct yg_intel_set *s, enum yg_ind_type type,
                              const char *value, size_t len)
{
	if (!s || !s->slots || !value || len == 0 || len > 64)
		return YG_INTEL_NONE;
	char buf[64];
	for (size_t i = 0; i < len; i++)
		buf[i] = yg_lc(value[i]);
	uint32_t idx;
	switch (type) {
	case YG_IND_MD5:
	case YG_IND_JA3:
		/* A plain list cannot tell a JA3 from an MD5 (both 32 hex): the
		 * two tables answer for each other, each preferring its own. */
		idx = find_str(s, type, buf, len);
		if (idx == YG_INTEL_NONE)
			idx = find_str(s, type == YG_IND_MD5 ? YG_IND_JA3 : YG_IND_MD5, buf, len);
		return idx;
	case YG_IND_JA3S:
		idx = find_str(s, YG_IND_JA3S, buf, len);
		if (idx == YG_INTEL_NONE)
			idx = find_str(s, YG_IND_JA3, buf, len);
		if (idx == YG_INTEL_NONE)
			idx = find_str(s, YG_IND_MD5, buf, len);
		return idx;
	case YG_IND_CERT_SHA1:
		idx = find_str(s, YG_IND_CERT_SHA1, buf, len);
		if (idx == YG_INTEL_NONE)
			idx = find_str(s, YG_IND_SHA1, buf, len);
		return idx;
	case YG_IND_SHA1:
	case YG_IND_SHA256:
	case YG_IND_JA4:
	case YG_IND_JA4S:
		return find_str(s, type, buf, len);
	default:
		return YG_INTEL_NONE;
	}
}
