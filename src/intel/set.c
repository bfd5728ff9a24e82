/*
 * The immutable set: built from a builder (which it consumes), described,
 * measured and freed. The lookups are in match.c.
 */
#include "common/bigalloc.h"
#include "intel/intel-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *yg_ind_type_name(enum yg_ind_type t)
{
	static const char *const names[YG_IND__COUNT] = {
	    [YG_IND_IP] = "ip",   [YG_IND_DOMAIN] = "domain", [YG_IND_URL] = "url",
	    [YG_IND_MD5] = "md5", [YG_IND_SHA1] = "sha1",     [YG_IND_SHA256] = "sha256",
	    [YG_IND_JA3] = "ja3", [YG_IND_JA4] = "ja4",
	    [YG_IND_CERT_SHA1] = "cert_sha1", [YG_IND_JA3S] = "ja3s", [YG_IND_JA4S] = "ja4s",
	};
	return (unsigned)t < YG_IND__COUNT ? names[t] : "unknown";
}

/* Hands a builder array over at its final size. */
static void *take(void **p, size_t bytes)
{
	void *q = *p;
	*p = NULL;
	if (!q)
		return NULL;
	if (bytes == 0) {
		free(q);
		return NULL;
	}
	void *r = realloc(q, bytes);
	if (r)
		q = r;
	return q;
}

static int string_table(struct yg_intel_set *s, const struct yg_intel_builder *b)
{
	size_t nstr = b->n - b->n4 - b->n6;
	if (nstr == 0)
		return 0;
	size_t cap = 16;
	/* load <= 3/4: a miss (the usual case on the wire) stays short */
	while (cap * 3 < nstr * 4)
		cap *= 2;
	s->slots = yg_big_calloc(cap, sizeof *s->slots);
	if (!s->slots)
		return -ENOMEM;
	s->smask = cap - 1;
	for (size_t i = 0; i < b->n; i++) {
		if (b->inds[i].type == YG_IND_IP)
			continue;
		uint64_t h = b->hashes[i];
		size_t pos = h & s->smask;
		while (s->slots[pos].idx)
			pos = (pos + 1) & s->smask;
		s->slots[pos] = (struct yg_slot){(uint32_t)(h >> 32), (uint32_t)i + 1};
	}
	return 0;
}

static int domain_bloom(struct yg_intel_set *s, const struct yg_intel_builder *b)
{
	size_t nd = 0;
	for (size_t i = 0; i < b->n; i++)
		nd += b->inds[i].type == YG_IND_DOMAIN;
	if (nd == 0)
		return 0;
	size_t bits = 512;
	while (bits < nd * 16)
		bits *= 2;
	s->dbloom = yg_big_calloc(bits / 64, sizeof *s->dbloom);
	if (!s->dbloom)
		return -ENOMEM;
	s->dbloom_mask = bits - 1;
	for (size_t i = 0; i < b->n; i++)
		if (b->inds[i].type == YG_IND_DOMAIN)
			yg_intel_dbloom_add(s->dbloom, s->dbloom_mask, b->hashes[i]);
	return 0;
}

int yg_intel_builder_build(struct yg_intel_builder *b, struct yg_intel_set **ret)
{
	struct yg_intel_set *s = NULL;
	int r;
	if (!b)
		return -EINVAL;
	if (b->failed) {
		r = b->failed;
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	s->seed = b->seed;
	/* Each builder array goes as soon as the set no longer needs it
	 * (the dedup table at once): builder and set both live here, and
	 * without this the build would be the sensor's peak, about 15 bytes
	 * per indicator above the end of loading on the 1M bench list. */
	free(b->slots);
	b->slots = NULL;
	b->smask = b->sused = 0;
	r = yg_intel_lpm4_build(b->ip4, b->n4, &s->host4, &s->range4);
	if (r < 0)
		goto out;
	free(b->ip4);
	b->ip4 = NULL;
	b->cap4 = 0;
	r = yg_intel_lpm6_build(b->ip6, b->n6, &s->host6, &s->range6);
	if (r < 0)
		goto out;
	free(b->ip6);
	b->ip6 = NULL;
	b->cap6 = 0;
	r = string_table(s, b);
	if (r < 0)
		goto out;
	r = domain_bloom(s, b);
	if (r < 0)
		goto out;
	free(b->hashes);
	b->hashes = NULL;
	void *p = b->inds;
	b->inds = NULL;
	s->n = b->n;
	s->inds = take(&p, b->n * sizeof *s->inds);
	p = b->arena;
	b->arena = NULL;
	s->alen = b->alen;
	s->arena = take(&p, b->alen);
	p = b->stix;
	b->stix = NULL;
	s->nstix = b->nstix;
	s->stix = take(&p, b->nstix * sizeof *s->stix);
	p = b->srcs;
	b->srcs = NULL;
	s->nsrc = b->nsrc;
	s->srcs = take(&p, b->nsrc * sizeof *s->srcs);
	s->memory = sizeof *s + s->n * sizeof *s->inds + s->alen +
	            (s->slots ? (s->smask + 1) * sizeof *s->slots : 0) +
	            (s->dbloom ? (s->dbloom_mask + 1) / 8 : 0) + yg_intel_lpm4_memory(&s->host4) +
	            yg_intel_lpm4_memory(&s->range4) + yg_intel_lpm6_memory(&s->host6) +
	            yg_intel_lpm6_memory(&s->range6) + s->nstix * sizeof *s->stix +
	            s->nsrc * sizeof *s->srcs;
	*ret = s;
	s = NULL;
	r = 0;
out:
	yg_intel_builder_free(b);
	yg_intel_set_free(s);
	return r;
}

void yg_intel_set_free(struct yg_intel_set *s)
{
	if (!s)
		return;
	free(s->inds);
	free(s->arena);
	free(s->slots);
	free(s->dbloom);
	yg_intel_lpm4_release(&s->host4);
	yg_intel_lpm4_release(&s->range4);
	yg_intel_lpm6_release(&s->host6);
	yg_intel_lpm6_release(&s->range6);
	free(s->stix);
	free(s->srcs);
	free(s);
}

size_t yg_intel_set_count(const struct yg_intel_set *s)
{
	return s ? s->n : 0;
}

size_t yg_intel_set_memory(const struct yg_intel_set *s)
{
	return s ? s->memory : 0;
}

void yg_intel_describe(const struct yg_intel_set *s, uint32_t idx, struct yg_indicator_info *ret)
{
	*ret = (struct yg_indicator_info){.type = YG_IND_IP, .value = "", .source = ""};
	if (!s || idx >= s->n)
		return;
	const struct yg_ind *in = &s->inds[idx];
	ret->type = (enum yg_ind_type)in->type;
	ret->value = s->arena + in->val;
	ret->source = in->src < s->nsrc ? s->arena + s->srcs[in->src] : "";
	ret->line = in->line;
	size_t lo = 0, hi = s->nstix;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->stix[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nstix && s->stix[lo].idx == idx)
		ret->stix_id = s->arena + s->stix[lo].off;
}
