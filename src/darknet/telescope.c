/*
 * The telescope's packet path (telescope.h). Per packet: one prefix test
 * (done by the caller), the classification, its port counters and victim,
 * and a 48-byte entry in a batch; per batch (flush): a sort by source and
 * one hash lookup per run of a source's packets (why: before flush()).
 * Nothing is allocated on the packet
 * path: every table is sized from memcap at start, and the big ones are
 * left to the kernel to back with pages as they fill (calloc of large
 * blocks maps zero pages lazily), in 2 MiB pages where it can
 * (huge_table), so a small telescope costs little RSS and none costs
 * more than memcap.
 */
#include "darknet/telescope-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/cursor.h"
#include "common/hash.h"
#include "darknet/hll.h"

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void prefix_masks(struct prefix *p)
{
	unsigned bits = p->family == 4 ? 32 : 128;
	unsigned hi = p->plen > 64 ? 64 : p->plen, lo = p->plen > 64 ? p->plen - 64 : 0;
	(void)bits;
	p->mask_hi = hi ? ~0ull << (64 - hi) : 0;
	p->mask_lo = lo ? ~0ull << (64 - lo) : 0;
	p->net_hi = be64(p->net.b) & p->mask_hi;
	p->net_lo = be64(p->net.b + 8) & p->mask_lo;
}

static int parse_prefixes(struct yg_darknet *dn, char *err, size_t errlen)
{
	uint64_t v4 = 0, v6_64 = 0;
	for (unsigned i = 0; i < dn->cfg.n_lists; i++) {
		const char *s = dn->cfg.prefix_lists[i];
		while (*s) {
			const char *e = strchr(s, ',');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			if (n) {
				if (dn->n_pfx == YG_DN_PREFIX_MAX) {
					snprintf(err, errlen, "at most %d darknet prefixes",
					         YG_DN_PREFIX_MAX);
					return -E2BIG;
				}
				struct prefix *p = &dn->pfx[dn->n_pfx];
				if (yg_dn_cidr_parse(s, n, &p->family, &p->net, &p->plen) < 0) {
					snprintf(err, errlen, "'%.*s' is not a network (CIDR, no host bits)",
					         (int)(n > 60 ? 60 : n), s);
					return -EINVAL;
				}
				prefix_masks(p);
				if (p->family == 4)
					v4 += 1ull << (32 - p->plen);
				else
					v6_64 += p->plen >= 64 ? 1 : p->plen <= 32 ? (1ull << 32)
					                                           : 1ull << (64 - p->plen);
				dn->n_pfx++;
			}
			s += n;
			if (*s == ',')
				s++;
		}
	}
	if (!dn->n_pfx) {
		snprintf(err, errlen, "no darknet prefix given");
		return -EINVAL;
	}
	if (v4 > (1ull << 32))
		v4 = 1ull << 32;
	if (v6_64 > (1ull << 32))
		v6_64 = 1ull << 32;
	dn->addresses = v4 ? v4 : v6_64 ? v6_64 : 1;
	return 0;
}

/*
 * A zeroed table probed at random on the packet path (the source records
 * and their buckets, the port counters, the Bloom filter). In 4 KiB pages
 * nearly every packet paid a page walk on top of each cache miss (and in
 * a virtual machine a walk is two-dimensional), and every new 4 KiB of
 * records a page fault; in 2 MiB pages the translations stay cached and
 * a fault brings 512 times as much. The table starts 2 MiB-aligned and
 * only its whole huge pages are marked, so it never becomes resident
 * past its own size: memcap holds. Not touched here: calloc of a block
 * this size maps fresh zero pages, so the resident size grows with what
 * is used (the records are taken in order), not with memcap. Returns the
 * table; *ret_base is what free() takes (NULL on failure).
 */
static void *huge_table(size_t n, size_t size, void **ret_base)
{
	const size_t huge = (size_t)2 << 20;
	*ret_base = NULL;
	if (size && n > (SIZE_MAX - huge) / size)
		return NULL;
	size_t bytes = n * size;
	uint8_t *base = calloc(1, bytes + huge);
	if (!base)
		return NULL;
	uint8_t *p = base + (huge - (uintptr_t)base % huge) % huge;
#ifdef MADV_HUGEPAGE
	if (bytes >= huge) /* a hint: failure is harmless */
		(void)madvise(p, bytes & ~(huge - 1), MADV_HUGEPAGE);
#endif
	*ret_base = base;
	return p;
}

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 1;
	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

int yg_darknet_new(const struct yg_darknet_config *cfg, struct yg_darknet **ret, char *err,
                   size_t errlen)
{
	if (cfg->memcap < YG_DN_MEMCAP_MIN) {
		snprintf(err, errlen, "darknet memcap below %u MB", YG_DN_MEMCAP_MIN >> 20);
		return -EINVAL;
	}
	struct yg_darknet *dn = calloc(1, sizeof *dn);
	if (!dn)
		return -ENOMEM;
	dn->cfg = *cfg;
	int r = parse_prefixes(dn, err, errlen);
	if (r < 0)
		goto fail;
	snprintf(dn->sensor_name, sizeof dn->sensor_name, "%s",
	         cfg->sensor_name && cfg->sensor_name[0] ? cfg->sensor_name : "sensor");
	dn->cfg.sensor_name = dn->sensor_name;
	dn->seed = cfg->seed ? cfg->seed : yg_hash_random_seed();
	dn->rng = dn->seed | 1;

	/* Fixed parts first (the port index and the victims), then the rest
	 * split: 65 % source records, 20 % port counters, 15 % Bloom filter. */
	size_t index_bytes = (size_t)N_PROTO * 65536 * sizeof(uint32_t);
	size_t fixed = index_bytes + VICTIM_CAP * 2 * (sizeof(struct victim) + sizeof(uint16_t)) +
	               sizeof *dn;
	size_t mem = cfg->memcap - fixed; /* > 2 MB: memcap >= 4 MB */
	/* The deferred packets: 2 % of it, within BATCH_MIN..BATCH_MAX. */
	size_t per_ent = sizeof(struct dn_ent) + 2 * sizeof(uint64_t) + sizeof(uint32_t);
	size_t nent = cfg->batch ? cfg->batch : mem * 2 / 100 / per_ent;
	nent = nent < BATCH_MIN && !cfg->batch ? BATCH_MIN : nent > BATCH_MAX ? BATCH_MAX : nent;
	if (nent * per_ent > mem / 4)
		nent = mem / 4 / per_ent;
	dn->cap_ent = nent ? (uint32_t)nent : 1;
	nent = dn->cap_ent;
	mem -= nent * per_ent;
	/* Sources: a record (hot and cold parts) and up to two bucket words each. */
	uint64_t nrec = (uint64_t)(mem * 65 / 100) /
	                (sizeof(struct src_hot) + sizeof(struct src_cold) + 2 * sizeof(uint32_t));
	if (nrec > (1u << 30))
		nrec = 1u << 30;
	dn->cap_rec = (uint32_t)nrec;
	uint32_t nb = pow2_at_least(nrec);
	if (nb > nrec * 2)
		nb /= 2;
	dn->bucket_mask = nb - 1;
	dn->bucket_shift = 32;
	for (uint32_t b = nb; b > 1; b >>= 1)
		dn->bucket_shift--;
	size_t per_port = sizeof(struct port_stat) + sizeof(uint32_t);
	uint64_t nport = (uint64_t)(mem * 20 / 100) / per_port;
	if (nport > N_PROTO * 65536)
		nport = N_PROTO * 65536;
	dn->cap_port = (uint32_t)nport;
	dn->bloom_bits = ((uint64_t)(mem * 15 / 100) * 8) & ~511ull; /* whole blocks */
	if (dn->bloom_bits < 512)
		dn->bloom_bits = 512;

	dn->hot = huge_table(dn->cap_rec, sizeof *dn->hot, &dn->hot_mem);
	dn->cold = huge_table(dn->cap_rec, sizeof *dn->cold, &dn->cold_mem);
	dn->bucket = huge_table(nb, sizeof *dn->bucket, &dn->bucket_mem);
	dn->port_index = malloc(index_bytes);
	dn->port_pool = huge_table(dn->cap_port, sizeof *dn->port_pool, &dn->port_mem);
	dn->port_used = calloc(dn->cap_port, sizeof *dn->port_used);
	dn->bloom = huge_table(dn->bloom_bits / 64, sizeof(uint64_t), &dn->bloom_mem);
	dn->victims = calloc(VICTIM_CAP * 2, sizeof *dn->victims);
	dn->vtag = calloc(VICTIM_CAP * 2, sizeof *dn->vtag);
	dn->ent = malloc(nent * sizeof *dn->ent);
	dn->keys = malloc(nent * sizeof *dn->keys);
	dn->tmp = malloc(nent * sizeof *dn->tmp);
	dn->mark = calloc(nent, sizeof *dn->mark);
	r = -ENOMEM;
	if (!dn->hot || !dn->cold || !dn->bucket || !dn->port_index || !dn->port_pool || !dn->port_used ||
	    !dn->bloom || !dn->victims || !dn->vtag || !dn->ent || !dn->keys || !dn->tmp || !dn->mark)
		goto fail;
	memset(dn->bucket, 0xff, (size_t)nb * sizeof *dn->bucket);
	memset(dn->port_index, 0xff, index_bytes);
	if (cfg->sink) {
		r = yg_eve_init(&dn->eve, cfg->sink);
		if (r < 0)
			goto fail;
		dn->eve_ok = true;
	}
	dn->st.source_capacity = dn->cap_rec;
	dn->st.memory = (uint64_t)dn->cap_rec * (sizeof *dn->hot + sizeof *dn->cold) + (uint64_t)nb * 4 + index_bytes +
	                (uint64_t)dn->cap_port * per_port + dn->bloom_bits / 8 +
	                VICTIM_CAP * 2 * (sizeof *dn->victims + sizeof *dn->vtag) +
	                (uint64_t)nent * per_ent + sizeof *dn;
	*ret = dn;
	return 0;
fail:
	yg_darknet_free(dn);
	return r;
}

void yg_darknet_free(struct yg_darknet *dn)
{
	if (!dn)
		return;
	if (dn->hot && dn->cold && dn->port_index && dn->ent)
		yg_darknet_finish(dn);
	if (dn->eve_ok)
		yg_eve_release(&dn->eve);
	free(dn->hot_mem);
	free(dn->cold_mem);
	free(dn->bucket_mem);
	free(dn->port_index);
	free(dn->port_mem);
	free(dn->port_used);
	free(dn->bloom_mem);
	free(dn->victims);
	free(dn->vtag);
	free(dn->ent);
	free(dn->keys);
	free(dn->tmp);
	free(dn->mark);
	free(dn);
}

bool yg_darknet_match(const struct yg_darknet *dn, const struct yg_packet *pkt)
{
	if (pkt->family == 4) {
		uint64_t a = (uint64_t)yg_load_be32(pkt->dst.b) << 32;
		for (unsigned i = 0; i < dn->n_pfx; i++) {
			const struct prefix *p = &dn->pfx[i];
			if (p->family == 4 && (a & p->mask_hi) == p->net_hi)
				return true;
		}
		return false;
	}
	if (pkt->family != 6)
		return false;
	uint64_t hi = be64(pkt->dst.b), lo = be64(pkt->dst.b + 8);
	for (unsigned i = 0; i < dn->n_pfx; i++) {
		const struct prefix *p = &dn->pfx[i];
		if (p->family == 6 && (hi & p->mask_hi) == p->net_hi && (lo & p->mask_lo) == p->net_lo)
			return true;
	}
	return false;
}

uint64_t yg_darknet_addresses(const struct yg_darknet *dn)
{
	return dn->addresses;
}

static uint64_t addr_hash(const struct yg_darknet *dn, const struct yg_addr *a)
{
	uint64_t x, y;
	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	return yg_hash_mix64(x ^ dn->seed) ^ yg_hash_mix64(y + 0x9e3779b97f4a7c15ULL);
}

/* A source's bucket: the top bits of its hash's high half, the sort key
 * of the deferred packets, so a sorted batch walks the buckets upwards. */
static uint32_t bucket_of(const struct yg_darknet *dn, uint64_t h)
{
	return (uint32_t)((h >> 32) >> dn->bucket_shift);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/*
 * The Bloom filter is blocked (Putze et al. 2007): a source's 3 bits lie
 * in one 512-bit block, the cache line its hash picks (Lemire's fast
 * range, not a 64-bit division), so a new source costs one miss, not
 * three. The false positive rate at a fill f is a little above a plain
 * filter's f^3 (the blocks fill unevenly); the filter starts over at
 * half its bits set, as before.
 */
static uint64_t bloom_block(const struct yg_darknet *dn, uint64_t h)
{
	return (uint64_t)((unsigned __int128)h * (dn->bloom_bits / 512) >> 64);
}

/* The k-th bit (k < 3) inside the block: 9 bits each of the mixed hash. */
static unsigned bloom_in_block(uint64_t h2, unsigned k)
{
	return (unsigned)(h2 >> (9 * k)) & 511;
}

/* Whether the source was seen before (and now it is). */
static bool bloom_test_set(struct yg_darknet *dn, uint64_t h)
{
	/* Half the bits set: the false positive rate (0.125 at k = 3) starts
	 * to hide new sources; start over (every source looks new once more). */
	if (dn->bloom_set * 2 > dn->bloom_bits) {
		memset(dn->bloom, 0, dn->bloom_bits / 8);
		dn->bloom_set = 0;
	}
	uint64_t *blk = dn->bloom + bloom_block(dn, h) * 8;
	uint64_t h2 = yg_hash_mix64(h);
	bool seen = true;
	for (unsigned k = 0; k < 3; k++) {
		unsigned bit = bloom_in_block(h2, k);
		uint64_t m = 1ull << (bit & 63);
		if (!(blk[bit >> 6] & m)) {
			seen = false;
			blk[bit >> 6] |= m;
			dn->bloom_set++;
		}
	}
	return seen;
}

static void unlink_rec(struct yg_darknet *dn, uint32_t i)
{
	uint32_t b = bucket_of(dn, addr_hash(dn, &dn->cold[i].addr));
	uint32_t *pp = &dn->bucket[b];
	while (*pp != NIL && *pp != i)
		pp = &dn->hot[*pp].next;
	if (*pp == i)
		*pp = dn->hot[i].next;
}

/* When the record's source was last seen (for the eviction's ties). */
static uint64_t rec_last_us(const struct yg_darknet *dn, uint32_t i)
{
	return dn->hot[i].w_packets ? dn->win_start + dn->hot[i].last_off : dn->cold[i].last_us;
}

/* The record to give up: fewest packets in the window among 8 sampled. */
static uint32_t victim_slot(struct yg_darknet *dn)
{
	uint32_t best = (uint32_t)(xorshift(&dn->rng) % dn->n_rec);
	for (unsigned k = 1; k < 8; k++) {
		uint32_t c = (uint32_t)(xorshift(&dn->rng) % dn->n_rec);
		const struct src_hot *a = &dn->hot[c], *b = &dn->hot[best];
		if (a->w_packets < b->w_packets ||
		    (a->w_packets == b->w_packets && rec_last_us(dn, c) < rec_last_us(dn, best)))
			best = c;
	}
	return best;
}

/* A source's key in its hot record: IPv4 addresses as they are, IPv6
 * ones by their hash h (then the cold record's address decides). */
static uint64_t hot_key(const struct yg_addr *a, uint8_t family, uint64_t h)
{
	return family == 6 ? h : yg_load_be32(a->b);
}

/* The record of a source, or NIL when it has none. */
static uint32_t lookup(const struct yg_darknet *dn, const struct dn_ent *e, uint64_t h)
{
	uint64_t key = hot_key(&e->src, e->family, h);
	uint8_t v6 = e->family == 6 ? HOT_V6 : 0;
	for (uint32_t i = dn->bucket[bucket_of(dn, h)]; i != NIL; i = dn->hot[i].next) {
		const struct src_hot *r = &dn->hot[i];
		if (r->key == key && (r->flags & HOT_V6) == v6 &&
		    (!v6 || !memcmp(dn->cold[i].addr.b, e->src.b, 16)))
			return i;
	}
	return NIL;
}

/* The record of a source, made (or taken from another) when it has none;
 * NIL only when there is no room for any record. */
static uint32_t source(struct yg_darknet *dn, const struct dn_ent *e, uint64_t h)
{
	uint32_t i = lookup(dn, e, h);
	if (i != NIL || !dn->cap_rec)
		return i;
	uint32_t b = bucket_of(dn, h);
	struct src_hot *r;
	struct src_cold *c;
	if (dn->n_rec < dn->cap_rec) {
		/* Never used: zero since the table was mapped (huge_table). */
		i = dn->n_rec++;
		r = &dn->hot[i];
		c = &dn->cold[i];
	} else {
		i = victim_slot(dn);
		unlink_rec(dn, i);
		dn->st.sources_evicted++;
		dn->st.packets_unattributed += dn->hot[i].w_packets;
		r = &dn->hot[i];
		c = &dn->cold[i];
		memset(r, 0, sizeof *r);
		memset(c, 0, sizeof *c);
	}
	r->key = hot_key(&e->src, e->family, h);
	r->flags = e->family == 6 ? HOT_V6 : 0;
	c->addr = e->src;
	c->family = e->family;
	c->first_us = e->ts_us;
	r->next = dn->bucket[b];
	dn->bucket[b] = i;
	dn->st.sources++;
	if (dn->cfg.research && yg_dn_research_lookup(dn->cfg.research, e->family, &e->src))
		c->research = 1;
	return i;
}

/* The port counters' entry of (proto, port) in the open window, made if
 * new; NIL when there is no room. */
static uint32_t port_stat(struct yg_darknet *dn, uint8_t proto, uint16_t port)
{
	uint32_t k = (uint32_t)proto_index(proto) * 65536 + port;
	uint32_t i = dn->port_index[k];
	if (i != NIL)
		return i;
	if (dn->n_port == dn->cap_port)
		return NIL;
	i = dn->n_port++;
	dn->port_index[k] = i;
	dn->port_used[i] = k;
	memset(&dn->port_pool[i], 0, sizeof dn->port_pool[i]);
	return i;
}

static void add_top_port(struct src_cold *r, uint8_t proto, uint16_t port)
{
	unsigned min = 0;
	for (unsigned i = 0; i < YG_DN_TOP_PORTS; i++) {
		struct top_port *t = &r->top[i];
		if (t->proto == proto && t->port == port) {
			t->packets++;
			return;
		}
		if (!t->proto) {
			t->proto = proto;
			t->port = port;
			t->packets = 1;
			return;
		}
		if (t->packets < r->top[min].packets)
			min = i;
	}
	/* Space-saving (k = 10): the newcomer takes the smallest count + 1. */
	struct top_port *t = &r->top[min];
	t->proto = proto;
	t->port = port;
	t->packets++;
}

static uint64_t victim_hash(const struct yg_darknet *dn, const struct yg_dn_info *in)
{
	return yg_hash64(in->victim.b, 16, dn->seed ^ in->victim_proto) ^
	       yg_hash_mix64((uint64_t)in->victim_port << 1 | in->victim_has_port);
}

static void add_victim(struct yg_darknet *dn, const struct yg_dn_info *in, uint64_t h, uint64_t ts)
{
	uint32_t mask = VICTIM_CAP * 2 - 1;
	uint16_t tag = (uint16_t)((h >> 48) | 1); /* never 0: 0 marks a free slot */
	for (uint32_t k = 0, i = (uint32_t)h & mask; k <= mask; k++, i = (i + 1) & mask) {
		uint16_t t = dn->vtag[i];
		if (t && t != tag)
			continue; /* another victim (equal victims have equal tags) */
		struct victim *v = &dn->victims[i];
		if (!t) {
			if (dn->n_victims == VICTIM_CAP)
				break;
			dn->vtag[i] = tag;
			v->used = 1;
			v->addr = in->victim;
			v->family = in->victim_family;
			v->proto = in->victim_proto;
			v->has_port = in->victim_has_port;
			v->port = in->victim_port;
			dn->n_victims++;
		} else if (v->family != in->victim_family || v->proto != in->victim_proto ||
		           v->has_port != in->victim_has_port || v->port != in->victim_port ||
		           memcmp(v->addr.b, in->victim.b, 16)) {
			continue;
		}
		v->packets++;
		v->last_us = ts;
		return;
	}
	dn->st.victims_dropped++;
}

/* An HLL register and the rank an item of hash h sets there (hll.h). */
static void hll_pick(unsigned p, uint64_t h, uint8_t *ret_idx, uint8_t *ret_rank)
{
	*ret_idx = (uint8_t)(h >> (64 - p));
	*ret_rank = (uint8_t)(__builtin_clzll((h << p) | ((uint64_t)1 << (p - 1))) + 1);
}

static void hll_set(uint8_t *reg, uint8_t idx, uint8_t rank)
{
	if (rank > reg[idx])
		reg[idx] = rank;
}

/* The source's ports go to its cold record (a second port): the first
 * port's count and register come along. */
static void promote_ports(struct src_hot *r, struct src_cold *c)
{
	r->flags |= HOT_MULTI | HOT_DIRTY;
	c->top[0].proto = r->top0_proto;
	c->top[0].port = r->top0_port;
	c->top[0].packets = c->top0_hi * 65536u + r->top0_cnt;
	uint8_t idx, rank;
	hll_pick(SRC_HLL_P, yg_hash_mix64((uint64_t)r->top0_proto << 16 | r->top0_port), &idx, &rank);
	hll_set(c->hll_port, idx, rank);
}

/*
 * Why deferred: per packet the source's record (its bucket, then the
 * record: two cache misses in a row with many sources, and the Bloom
 * filter on a source's first packet of a window) was most of the path's
 * time, and a prefetch pipeline of 32 packets still waited for them on a
 * loaded machine. Now a packet's port counters and victim (small tables
 * that stay in cache) are counted at once, and its share of the record
 * is written to a batch (struct dn_ent). A full batch, or the end of a
 * window, is sorted by the source hash's high 32 bits, which the bucket
 * index is the top of: the buckets are then read upwards (the hardware
 * prefetcher follows), the records are known long before they are needed
 * (software prefetch without a chain), and every run of one source's
 * packets costs one lookup.
 *
 * The same records as packet by packet: the sort is stable, so a
 * source's packets are applied in their order (its top ports, a
 * space-saving count, depend on it; its sums, maxima and registers do
 * not); the runs of sources that are new in the window (no record, or no
 * packet in it yet) are applied last, in the order of their first
 * packets, so records are made and the Bloom filter is asked (its false
 * positives and its clearing depend on the order) in the same order as
 * packet by packet. Only when records are evicted for room may another
 * record go than would have packet by packet; every eviction and lost
 * packet is still counted.
 */
static void account_run(struct yg_darknet *dn, uint32_t ri, uint64_t h, const uint64_t *keys,
                        uint32_t n)
{
	struct src_hot *r = &dn->hot[ri];
	struct src_cold *c = &dn->cold[ri]; /* touched only when needed */
	if (!r->w_packets) {
		const struct dn_ent *e0 = &dn->ent[(uint32_t)keys[0]];
		r->flags = (uint8_t)((r->flags & ~HOT_NEW) | (bloom_test_set(dn, h) ? 0 : HOT_NEW));
		r->cf0 = (uint8_t)(e0->cls | e0->fp << 4);
	}
	bool is_new = r->flags & HOT_NEW;
	uint64_t bytes = 0;
	for (uint32_t k = 0; k < n; k++) {
		const struct dn_ent *e = &dn->ent[(uint32_t)keys[k]];
		bytes += e->wirelen;
		if ((e->cls | e->fp << 4) != r->cf0) {
			r->flags |= HOT_DIRTY;
			c->dev_cls[e->cls]++;
			if (e->fp < YG_DN_FP_RESEARCH && e->cls != YG_DN_OTHER)
				c->fp[e->fp]++;
		}
		if (e->proto)
			r->flags |= (uint8_t)(HOT_PROTO0 << proto_index(e->proto));
		yg_hll4_set(r->dst, e->dst_idx, e->dst_rank);
		if (e->top_proto) {
			if (!(r->flags & HOT_MULTI)) {
				if (!r->top0_proto) {
					r->top0_proto = e->top_proto;
					r->top0_port = e->top_port;
				}
				if (r->top0_proto == e->top_proto && r->top0_port == e->top_port) {
					if (++r->top0_cnt == 0) {
						c->top0_hi++;
						r->flags |= HOT_DIRTY;
					}
				} else {
					promote_ports(r, c);
				}
			}
			if (r->flags & HOT_MULTI) {
				hll_set(c->hll_port, e->port_idx, e->port_rank);
				add_top_port(c, e->top_proto, e->top_port);
			}
		}
		if (is_new && e->port_i != NIL)
			yg_hll_add(dn->port_pool[e->port_i].hll_new, PORT_HLL_P, h);
	}
	r->w_packets += n;
	uint64_t wb = (uint64_t)r->w_bytes + bytes;
	r->w_bytes = (uint32_t)wb;
	if (wb >> 32) {
		c->w_bytes_hi += (uint32_t)(wb >> 32);
		r->flags |= HOT_DIRTY;
	}
	uint64_t ts = dn->ent[(uint32_t)keys[n - 1]].ts_us;
	r->last_off = ts > dn->win_start ? (uint32_t)(ts - dn->win_start) : 0;
}

/* Sorts v[0..n) by bits 32..63, stably: 3 passes of 11 bits (LSD). */
static void radix_sort(uint64_t *v, uint64_t *tmp, uint32_t n)
{
	uint64_t *src = v, *dst = tmp;
	for (unsigned shift = 32; shift < 64; shift += 11) {
		uint32_t count[2048] = {0};
		for (uint32_t i = 0; i < n; i++)
			count[(src[i] >> shift) & 2047]++;
		uint32_t sum = 0;
		for (unsigned d = 0; d < 2048; d++) {
			uint32_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 2047]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v) /* an odd number of passes */
		memcpy(v, src, (size_t)n * sizeof *v);
}

/* Where the run of one source that starts at keys[i] ends. */
static uint32_t run_end(const struct yg_darknet *dn, const uint64_t *keys, uint32_t i, uint32_t n)
{
	const struct dn_ent *a = &dn->ent[(uint32_t)keys[i]];
	uint32_t j = i + 1;
	while (j < n && keys[j] >> 32 == keys[i] >> 32) {
		const struct dn_ent *b = &dn->ent[(uint32_t)keys[j]];
		if (b->family != a->family || memcmp(b->src.b, a->src.b, 16))
			break;
		j++;
	}
	return j;
}

/* Sorted packets between a record's prefetch and its use (a bucket's is
 * twice as far): memory answers slowly on a loaded machine. */
#define AHEAD 24

/* Applies the batch to the source records (see account_run). */
static void flush(struct yg_darknet *dn)
{
	uint32_t n = dn->n_ent;
	if (!n)
		return;
	dn->n_ent = 0;
	uint64_t *keys = dn->keys;
	radix_sort(keys, dn->tmp, n);
	/* Known sources first, in sorted order; a new one's run is marked
	 * at its first packet (the smallest position: the sort is stable). */
	bool any_new = false;
	for (uint32_t i = 0; i < n;) {
		if (i + 2 * AHEAD < n)
			__builtin_prefetch(&dn->bucket[(keys[i + 2 * AHEAD] >> 32) >> dn->bucket_shift]);
		if (i + AHEAD < n) {
			__builtin_prefetch(&dn->ent[(uint32_t)keys[i + AHEAD]]);
			uint32_t ri = dn->bucket[(keys[i + AHEAD] >> 32) >> dn->bucket_shift];
			if (ri != NIL)
				__builtin_prefetch(&dn->hot[ri], 1);
		}
		uint32_t j = run_end(dn, keys, i, n);
		const struct dn_ent *e = &dn->ent[(uint32_t)keys[i]];
		uint64_t h = addr_hash(dn, &e->src);
		uint32_t ri = lookup(dn, e, h);
		if (ri != NIL && dn->hot[ri].w_packets) {
			account_run(dn, ri, h, keys + i, j - i);
		} else {
			dn->mark[(uint32_t)keys[i]] = i + 1;
			any_new = true;
		}
		i = j;
	}
	if (!any_new)
		return;
	/* New in the window: in the order of their first packets. */
	uint32_t m = 0;
	for (uint32_t pos = 0; pos < n; pos++)
		if (dn->mark[pos]) {
			dn->tmp[m++] = dn->mark[pos] - 1;
			dn->mark[pos] = 0;
		}
	for (uint32_t k = 0; k < m; k++) {
		/* In three steps: the key, then its packet, then the bucket
		 * and Bloom lines that packet's hash names. */
		if (k + 2 * AHEAD < m)
			__builtin_prefetch(&keys[dn->tmp[k + 2 * AHEAD]]);
		if (k + AHEAD < m)
			__builtin_prefetch(&dn->ent[(uint32_t)keys[dn->tmp[k + AHEAD]]]);
		if (k + AHEAD / 2 < m) {
			const struct dn_ent *f = &dn->ent[(uint32_t)keys[dn->tmp[k + AHEAD / 2]]];
			uint64_t fh = addr_hash(dn, &f->src);
			__builtin_prefetch(&dn->bucket[bucket_of(dn, fh)]);
			__builtin_prefetch(&dn->bloom[bloom_block(dn, fh) * 8], 1);
		}
		uint32_t i = (uint32_t)dn->tmp[k];
		uint32_t j = run_end(dn, keys, i, n);
		const struct dn_ent *e = &dn->ent[(uint32_t)keys[i]];
		uint64_t h = addr_hash(dn, &e->src);
		uint32_t ri = source(dn, e, h);
		if (ri != NIL)
			account_run(dn, ri, h, keys + i, j - i);
		else
			dn->st.packets_unattributed += j - i;
	}
}

void yg_darknet_tick(struct yg_darknet *dn, uint64_t now_us)
{
	if (dn->win_start && now_us >= dn->win_start + YG_DN_WINDOW_US) {
		flush(dn);
		yg_dn_window_close(dn);
	}
}

void yg_darknet_finish(struct yg_darknet *dn)
{
	flush(dn);
	if (dn->win_start)
		yg_dn_window_close(dn);
}

void yg_darknet_packet(struct yg_darknet *dn, const struct yg_packet *pkt, const uint8_t *frame,
                       size_t len)
{
	if (dn->win_start && pkt->ts_us >= dn->win_start + YG_DN_WINDOW_US) {
		flush(dn);
		yg_dn_window_close(dn);
	}
	if (!dn->win_start)
		dn->win_start = pkt->ts_us - pkt->ts_us % YG_DN_WINDOW_US;
	if (!dn->win_start)
		dn->win_start = YG_DN_WINDOW_US; /* a capture of 1970's first minute */

	struct yg_dn_info in;
	yg_dn_classify(pkt, frame, len, &in);
	dn->st.packets++;
	dn->st.bytes += pkt->wirelen;
	dn->st.classes[in.cls]++;
	dn->st.anomalies[in.anom]++;
	dn->st.fingerprints[in.fp]++;
	dn->w_packets++;
	dn->w_bytes += pkt->wirelen;
	dn->w_class[in.cls]++;
	dn->w_anom[in.anom]++;

	uint64_t h = addr_hash(dn, &pkt->src);
	uint32_t pos = dn->n_ent++;
	struct dn_ent *e = &dn->ent[pos];
	dn->keys[pos] = (h >> 32) << 32 | pos;
	e->src = pkt->src;
	e->family = pkt->family;
	e->wirelen = pkt->wirelen;
	e->ts_us = pkt->ts_us;
	e->cls = in.cls;
	e->fp = in.fp;
	e->proto = in.proto;
	hll_pick(SRC_HLL_P, yg_hash_mix64(be64(pkt->dst.b) ^ be64(pkt->dst.b + 8) * 31), &e->dst_idx,
	         &e->dst_rank);
	/* A victim's ports are the attacked ones, not where its replies
	 * landed. */
	uint8_t pp = in.proto;
	uint16_t port = in.port;
	if (in.cls == YG_DN_BACKSCATTER) {
		pp = in.victim_has_port ? in.victim_proto : 0;
		port = in.victim_port;
	}
	e->top_proto = pp;
	e->top_port = port;
	if (pp)
		hll_pick(SRC_HLL_P, yg_hash_mix64((uint64_t)pp << 16 | port), &e->port_idx,
		         &e->port_rank);
	/* The port series is of what scanners aim at: backscatter lands on
	 * whatever port the spoofer picked, and is counted by victim. */
	e->port_i = NIL;
	if (in.proto && in.anom == YG_DN_ANOM_NONE && in.cls != YG_DN_BACKSCATTER) {
		uint32_t pi = port_stat(dn, in.proto, in.port);
		if (pi != NIL) {
			struct port_stat *ps = &dn->port_pool[pi];
			ps->packets++;
			yg_hll_add(ps->hll_src, PORT_HLL_P, h);
			e->port_i = pi; /* hll_new when the source is known new */
		} else {
			dn->st.ports_dropped++;
		}
	}
	if (in.cls == YG_DN_BACKSCATTER)
		add_victim(dn, &in, victim_hash(dn, &in), pkt->ts_us);
	if (dn->n_ent == dn->cap_ent)
		flush(dn);
}

void yg_darknet_stats(const struct yg_darknet *dn, struct yg_darknet_stats *ret)
{
	*ret = dn->st;
}
