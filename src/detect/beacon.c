/*
 * The beacon table (see beacon.h for the contract).
 *
 * Why stripes and not one table per worker: workers are chosen by a flow
 * hash over both ports, so the connections of one pair land on every
 * worker. Sixteen stripes, each with its own lock, lists and share of the
 * memory cap, keep contention low; a stripe is touched once per ended
 * flow, not per packet.
 *
 * Why millisecond offsets in a sorted ring: 4 bytes a start instead of 8,
 * and flows end (and are observed) slightly out of start order, so a
 * start is inserted at its place rather than appended.
 */
#include "detect/beacon.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define STRIPES        16
#define PROMOTE_BEATS  3
#define EXPIRE_PER_OBS 8
#define REC_TYPICAL    320 /* bytes, for sizing the buckets */

struct rec {
	struct rec *hnext;       /* bucket chain */
	struct rec *prev, *next; /* LRU list of its segment, newest first */
	uint64_t hash;
	uint64_t base_us;        /* t[] are milliseconds after this */
	uint64_t last_us;        /* latest start */
	uint64_t reported_us;    /* start that made the last report */
	uint64_t conns;
	struct yg_addr host, dest;
	uint32_t t[YG_BEACON_RING];
	uint32_t reports;
	uint16_t dport;
	uint8_t family, proto;
	uint8_t n;        /* starts in t[] */
	uint8_t seg;      /* 0 probation, 1 protected */
	uint8_t name_len; /* 0: keyed by dest */
	uint8_t skip;     /* new beats to wait before scoring again */
	char name[];      /* name_len bytes and a NUL */
};

struct list {
	struct rec *head, *tail;
};

struct stripe {
	pthread_mutex_t lock;
	struct rec **bucket;
	uint64_t mask;
	struct list seg[2];
	size_t mem, cap;
	uint64_t now_us;
	struct yg_beacon_stats st; /* pairs, counters; memory from mem */
} __attribute__((aligned(64)));

struct yg_beacon {
	struct yg_beacon_config cfg;
	uint64_t seed;
	uint32_t merge_ms;
	unsigned min_starts;
	double threshold;
	struct stripe s[STRIPES];
};

static void list_unlink(struct list *l, struct rec *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->prev = r->next = NULL;
}

static void list_push(struct list *l, struct rec *r)
{
	r->prev = NULL;
	r->next = l->head;
	if (l->head)
		l->head->prev = r;
	else
		l->tail = r;
	l->head = r;
}

static size_t rec_size(size_t name_len)
{
	return sizeof(struct rec) + name_len + 1;
}

int yg_beacon_new(const struct yg_beacon_config *cfg, struct yg_beacon **ret)
{
	size_t memcap = cfg->memcap ? cfg->memcap : (size_t)64 << 20;
	if (memcap < YG_BEACON_MEMCAP_MIN)
		return -EINVAL;
	struct yg_beacon *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	b->cfg.memcap = memcap;
	if (!b->cfg.renotify_us)
		b->cfg.renotify_us = 3600ull * 1000000;
	if (!b->cfg.idle_us)
		b->cfg.idle_us = 12ull * 3600 * 1000000;
	double merge = cfg->score.merge_s > 0 ? cfg->score.merge_s : 2.0;
	b->merge_ms = (uint32_t)(merge * 1000);
	b->min_starts = (cfg->score.min_intervals ? cfg->score.min_intervals : 8) + 1;
	b->threshold = cfg->score.threshold > 0 ? cfg->score.threshold : 0.5;
	b->seed = yg_hash_random_seed();
	size_t share = (memcap - sizeof *b) / STRIPES;
	/* A power of two with 1 to 2.5 pairs a bucket when the share is
	 * full (~260 bytes a pair): short chains, and the buckets cost a
	 * few percent of the cap. */
	uint64_t nb = 16;
	while (nb * 2 * REC_TYPICAL <= share)
		nb *= 2;
	for (unsigned i = 0; i < STRIPES; i++) {
		struct stripe *s = &b->s[i];
		pthread_mutex_init(&s->lock, NULL);
		s->bucket = calloc(nb, sizeof *s->bucket);
		if (!s->bucket) {
			yg_beacon_free(b);
			return -ENOMEM;
		}
		s->mask = nb - 1;
		s->cap = share;
		s->mem = nb * sizeof *s->bucket;
	}
	*ret = b;
	return 0;
}

void yg_beacon_free(struct yg_beacon *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < STRIPES; i++) {
		struct stripe *s = &b->s[i];
		for (int g = 0; g < 2; g++)
			for (struct rec *r = s->seg[g].head, *n; r; r = n) {
				n = r->next;
				free(r);
			}
		free(s->bucket);
		pthread_mutex_destroy(&s->lock);
	}
	free(b);
}

void yg_beacon_reset(struct yg_beacon *b)
{
	for (unsigned i = 0; i < STRIPES; i++) {
		struct stripe *s = &b->s[i];
		for (int g = 0; g < 2; g++) {
			for (struct rec *r = s->seg[g].head, *n; r; r = n) {
				n = r->next;
				free(r);
			}
			s->seg[g].head = s->seg[g].tail = NULL;
		}
		memset(s->bucket, 0, (size_t)(s->mask + 1) * sizeof *s->bucket);
		s->mem = (size_t)(s->mask + 1) * sizeof *s->bucket;
		s->now_us = 0;
		memset(&s->st, 0, sizeof s->st);
	}
}

static void rec_drop(struct stripe *s, struct rec *r)
{
	struct rec **pp = &s->bucket[r->hash & s->mask];
	while (*pp != r)
		pp = &(*pp)->hnext;
	*pp = r->hnext;
	list_unlink(&s->seg[r->seg], r);
	s->mem -= rec_size(r->name_len);
	s->st.pairs--;
	free(r);
}

/* Drops pairs idle past idle_us, a few per call. */
static void expire(struct yg_beacon *b, struct stripe *s)
{
	unsigned k = 0;
	for (int g = 0; g < 2; g++) {
		struct rec *r;
		while (k < EXPIRE_PER_OBS && (r = s->seg[g].tail) &&
		       r->last_us + b->cfg.idle_us < s->now_us) {
			rec_drop(s, r);
			s->st.expired++;
			k++;
		}
	}
}

/* Makes room for need more bytes: least recently updated pairs first
 * from probation, then from protected. false when nothing is left. */
static bool make_room(struct stripe *s, size_t need)
{
	while (s->mem + need > s->cap) {
		struct rec *r = s->seg[0].tail ? s->seg[0].tail : s->seg[1].tail;
		if (!r)
			return false;
		rec_drop(s, r);
		s->st.evicted++;
	}
	return true;
}

static bool same_key(const struct rec *r, uint64_t h, const struct yg_beacon_obs *o,
		     const char *name, size_t nl)
{
	if (r->hash != h || r->family != o->family || r->proto != o->proto ||
	    r->dport != o->dport || r->name_len != nl || memcmp(&r->host, o->host, 16))
		return false;
	return nl ? !memcmp(r->name, name, nl) : !memcmp(&r->dest, o->dest, 16);
}

/* Inserts start into r's ring. Returns true when it is a new beat. */
static bool ring_add(const struct yg_beacon *b, struct rec *r, uint64_t start)
{
	if (r->n && start < r->base_us) {
		/* Whole milliseconds, rounded up so that start >= base_us. */
		uint64_t delta = (r->base_us - start + 999) / 1000;
		if ((uint64_t)r->t[r->n - 1] + delta > UINT32_MAX)
			return false;
		for (unsigned i = 0; i < r->n; i++)
			r->t[i] += (uint32_t)delta;
		r->base_us -= delta * 1000;
	}
	if (!r->n || (start - r->base_us) / 1000 > UINT32_MAX) {
		/* First start, or 49 days after the first kept: start over. */
		r->n = 0;
		r->base_us = start;
	}
	uint32_t off = (uint32_t)((start - r->base_us) / 1000);
	unsigned pos = r->n;
	while (pos > 0 && r->t[pos - 1] > off)
		pos--;
	if ((pos > 0 && off - r->t[pos - 1] < b->merge_ms) ||
	    (pos < r->n && r->t[pos] - off < b->merge_ms))
		return false;
	if (r->n == YG_BEACON_RING) {
		if (pos == 0)
			return false; /* older than all the ring holds */
		memmove(r->t, r->t + 1, (YG_BEACON_RING - 1) * sizeof r->t[0]);
		r->n--;
		pos--;
	}
	memmove(r->t + pos + 1, r->t + pos, (r->n - pos) * sizeof r->t[0]);
	r->t[pos] = off;
	r->n++;
	return true;
}

static void fill_hit(const struct rec *r, const struct yg_beacon_verdict *v,
		     struct yg_beacon_hit *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->family = r->family;
	ret->proto = r->proto;
	ret->dport = r->dport;
	ret->host = r->host;
	ret->dest = r->dest;
	memcpy(ret->name, r->name, r->name_len);
	ret->name[r->name_len] = '\0';
	ret->first_us = r->base_us + (uint64_t)r->t[0] * 1000;
	ret->last_us = r->base_us + (uint64_t)r->t[r->n - 1] * 1000;
	ret->connections = r->conns;
	ret->reports = r->reports;
	ret->v = *v;
}

bool yg_beacon_observe(struct yg_beacon *b, const struct yg_beacon_obs *o,
		       struct yg_beacon_hit *ret)
{
	char name[YG_BEACON_NAME_MAX];
	size_t nl = o->name ? o->name_len : 0;
	while (nl && o->name[nl - 1] == '.')
		nl--;
	if (nl > YG_BEACON_NAME_MAX)
		nl = 0; /* not a DNS name: key by address */
	for (size_t i = 0; i < nl; i++) {
		char c = o->name[i];
		name[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	uint8_t key[40];
	memcpy(key, o->host->b, 16);
	size_t kl = 16;
	if (!nl) {
		memcpy(key + 16, o->dest->b, 16);
		kl = 32;
	}
	key[kl] = o->family;
	key[kl + 1] = o->proto;
	key[kl + 2] = (uint8_t)(o->dport >> 8);
	key[kl + 3] = (uint8_t)o->dport;
	uint64_t h = yg_hash64(key, kl + 4, b->seed);
	if (nl)
		h = yg_hash64(name, nl, h);
	struct stripe *s = &b->s[h >> 60];
	bool report = false;

	pthread_mutex_lock(&s->lock);
	s->st.observed++;
	if (o->start_us > s->now_us)
		s->now_us = o->start_us;
	expire(b, s);
	struct rec *r = s->bucket[h & s->mask];
	while (r && !same_key(r, h, o, name, nl))
		r = r->hnext;
	if (!r) {
		size_t sz = rec_size(nl);
		if (!make_room(s, sz) || !(r = calloc(1, sz))) {
			s->st.no_memory++;
			goto out;
		}
		r->hash = h;
		r->family = o->family;
		r->proto = o->proto;
		r->dport = o->dport;
		r->host = *o->host;
		r->name_len = (uint8_t)nl;
		memcpy(r->name, name, nl);
		r->hnext = s->bucket[h & s->mask];
		s->bucket[h & s->mask] = r;
		list_push(&s->seg[0], r);
		s->mem += sz;
		s->st.pairs++;
		s->st.pairs_created++;
	} else {
		list_unlink(&s->seg[r->seg], r);
		list_push(&s->seg[r->seg], r);
	}
	r->dest = *o->dest;
	r->conns++;
	if (o->start_us > r->last_us)
		r->last_us = o->start_us;
	if (!ring_add(b, r, o->start_us)) {
		s->st.merged++;
		goto out;
	}
	if (r->seg == 0 && r->n >= PROMOTE_BEATS) {
		list_unlink(&s->seg[0], r);
		r->seg = 1;
		list_push(&s->seg[1], r);
	}
	if (r->n < b->min_starts ||
	    (r->reports && o->start_us < r->reported_us + b->cfg.renotify_us))
		goto out;
	if (r->skip) {
		r->skip--;
		goto out;
	}
	double t[YG_BEACON_RING];
	for (unsigned i = 0; i < r->n; i++)
		t[i] = r->t[i] / 1000.0;
	struct yg_beacon_verdict v;
	yg_beacon_score(t, r->n, &b->cfg.score, &v);
	s->st.scored++;
	if (!v.beacon) {
		/* A pair far below the threshold cannot reach it in one beat
		 * (a beat moves the score by a few hundredths): wait up to 4
		 * beats, fewer the closer it came. Scoring was the largest
		 * cost of the table on a flow-heavy capture. */
		double gap = b->threshold - v.score;
		r->skip = (uint8_t)(gap > 0.5 ? 4 : gap * 8);
		goto out;
	}
	if (!r->reports)
		s->st.beacons++;
	r->reports++;
	r->reported_us = o->start_us;
	s->st.detections++;
	fill_hit(r, &v, ret);
	report = true;
out:
	pthread_mutex_unlock(&s->lock);
	return report;
}

void yg_beacon_stats(struct yg_beacon *b, struct yg_beacon_stats *ret)
{
	memset(ret, 0, sizeof *ret);
	for (unsigned i = 0; i < STRIPES; i++) {
		struct stripe *s = &b->s[i];
		pthread_mutex_lock(&s->lock);
		const uint64_t *src = (const uint64_t *)&s->st;
		uint64_t *dst = (uint64_t *)ret;
		for (size_t k = 0; k < sizeof *ret / sizeof(uint64_t); k++)
			dst[k] += src[k];
		ret->memory += s->mem;
		pthread_mutex_unlock(&s->lock);
	}
	ret->memory += sizeof *b;
	ret->memcap = b->cfg.memcap;
}
