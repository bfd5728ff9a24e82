/*
 * Community ID v1 (community_id.h). Computed once per flow by the sensor
 * and cached with the flow, so the hash is not on the per-event path.
 */
#include "output/community_id.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

struct yg_community_id {
	uint16_t seed;
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

int yg_community_id_new(uint16_t seed, struct yg_community_id **ret)
{
	struct yg_community_id *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->seed = seed;
	c->md = EVP_MD_fetch(NULL, "SHA1", NULL);
	c->ctx = EVP_MD_CTX_new();
	/* The context keeps SHA-1 from here on: each flow's hash restarts it
	 * with EVP_DigestInit_ex2(ctx, NULL, NULL), which skips looking the
	 * digest (and an engine for it) up again. */
	if (!c->md || !c->ctx || EVP_DigestInit_ex(c->ctx, c->md, NULL) != 1) {
		yg_community_id_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

void yg_community_id_free(struct yg_community_id *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->ctx);
	EVP_MD_free(c->md);
	free(c);
}

/* ICMP request/reply pairs (spec's "ICMP type mapping"): type -> the
 * counterpart type. Types not listed are one-way. */
static bool icmp4_pair(uint8_t type, uint8_t *ret)
{
	switch (type) {
	case 8:
		*ret = 0;
		return true; /* echo */
	case 0:
		*ret = 8;
		return true; /* echo reply */
	case 13:
		*ret = 14;
		return true; /* timestamp */
	case 14:
		*ret = 13;
		return true;
	case 15:
		*ret = 16;
		return true; /* information */
	case 16:
		*ret = 15;
		return true;
	case 10:
		*ret = 9;
		return true; /* router solicitation */
	case 9:
		*ret = 10;
		return true; /* router advertisement */
	case 17:
		*ret = 18;
		return true; /* address mask */
	case 18:
		*ret = 17;
		return true;
	default:
		return false;
	}
}

static bool icmp6_pair(uint8_t type, uint8_t *ret)
{
	switch (type) {
	case 128:
		*ret = 129;
		return true; /* echo */
	case 129:
		*ret = 128;
		return true;
	case 133:
		*ret = 134;
		return true; /* router solicitation */
	case 134:
		*ret = 133;
		return true;
	case 135:
		*ret = 136;
		return true; /* neighbor solicitation */
	case 136:
		*ret = 135;
		return true;
	case 130:
		*ret = 131;
		return true; /* multicast listener query */
	case 131:
		*ret = 130;
		return true;
	case 144:
		*ret = 145;
		return true; /* home agent address discovery */
	case 145:
		*ret = 144;
		return true;
	default:
		return false;
	}
}

void yg_community_id(struct yg_community_id *c, const struct yg_community_id_flow *f,
                     char out[YG_COMMUNITY_ID_SIZE])
{
	uint16_t seed = c->seed;
	size_t alen = f->family == 6 ? 16 : 4;
	const uint8_t *a = f->src, *b = f->dst;
	uint16_t pa = 0, pb = 0;
	bool ports = false, one_way = false;
	if (f->proto == 1 || f->proto == 58) {
		uint8_t peer;
		bool pair = f->proto == 1 ? icmp4_pair(f->icmp_type, &peer)
		                          : icmp6_pair(f->icmp_type, &peer);
		pa = f->icmp_type;
		pb = pair ? peer : f->icmp_code;
		one_way = !pair;
		ports = true;
	} else if (f->has_ports) {
		pa = f->sport;
		pb = f->dport;
		ports = true;
	}
	int cmp = memcmp(a, b, alen);
	if (!one_way && (cmp > 0 || (cmp == 0 && pa > pb))) {
		const uint8_t *t = a;
		a = b;
		b = t;
		uint16_t tp = pa;
		pa = pb;
		pb = tp;
	}
	uint8_t buf[2 + 16 + 16 + 2 + 4];
	size_t n = 0;
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a, alen);
	n += alen;
	memcpy(buf + n, b, alen);
	n += alen;
	buf[n++] = f->proto;
	buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(pa >> 8);
		buf[n++] = (uint8_t)pa;
		buf[n++] = (uint8_t)(pb >> 8);
		buf[n++] = (uint8_t)pb;
	}
	uint8_t md[SHA_DIGEST_LENGTH];
	unsigned mdlen = 0;
	if (EVP_DigestInit_ex2(c->ctx, NULL, NULL) != 1 || EVP_DigestUpdate(c->ctx, buf, n) != 1 ||
	    EVP_DigestFinal_ex(c->ctx, md, &mdlen) != 1 || mdlen != SHA_DIGEST_LENGTH)
		memset(md, 0, sizeof md); /* cannot happen with a fetched SHA-1 */
	out[0] = '1';
	out[1] = ':';
	/* 20 bytes -> 28 characters (with one '=' of padding) and a NUL. */
	EVP_EncodeBlock((unsigned char *)out + 2, md, SHA_DIGEST_LENGTH);
}
