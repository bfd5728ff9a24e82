/*
 * The flow table: a chained hash of pool slots keyed by the canonical
 * (sorted) 5-tuple + VLAN, one LRU list per timeout class, and the memory
 * cap. See flow.h for the contract.
 *
 * Why one LRU list per timeout class: within a class every flow has the
 * same timeout, so the list (most recent packet at the head) is also
 * sorted by expiry time. yg_flow_expire then pops tails while they are
 * due and stops at the first one that cannot be: O(ended + classes), not
 * a walk over live flows.
 *
 * Why a flow moves to the head only when its packet starts a new tick
 * (2^TICK_SHIFT us of packet time) and not on every packet: unlinking
 * touches the two neighbouring flows, two random cache lines per packet
 * on a table far bigger than the caches. So the list is sorted by the
 * time of each flow's last move, which lies in the tick of its last
 * packet: a flow deeper than F has its last packet no earlier than the
 * start of F's tick. Expiry stays exact by looking past a tail that is
 * not due while its tick could still hide due flows behind it; eviction
 * picks a least recently used flow to within one tick.
 *
 * Why incremental rehash: doubling a million-flow table in one go would
 * stall the packet path for tens of milliseconds. While the old bucket
 * array is being drained, an old bucket below `moved` has been moved to
 * the new array; lookups, inserts and removals pick the array from that.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigalloc.h"
#include "common/hash.h"
#include "flow/flow-int.h"

_Static_assert(sizeof(struct yg_flow) == 128, "struct yg_flow should stay two cache lines");

#define DEFAULT_MEMCAP  ((size_t)1 << 30)
#define US              1000000ull
#define INITIAL_BUCKETS 1024u
#define MIN_BUCKETS     16u
#define MAX_BUCKETS     (1u << 31)
/* Old buckets moved per packet while rehashing: the move must finish
 * before the next doubling is due (another n/2 creations away at least). */
#define REHASH_STEP 8u
/* Old buckets ahead of the move whose first flow is prefetched. */
#define REHASH_AHEAD 8u
/* LRU moves happen at most once per tick of a flow's packets: about a
 * second, the granularity the sensor expires flows at anyway. */
#define TICK_SHIFT 20

enum cls { CL_NEW, CL_EST, CL_CLOSED, CL_UDP, CL_ICMP, CL_N };

struct lru {
	uint32_t head, tail;
};

struct yg_flow_table {
	struct yg_flow_pool pool;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t old_mask;
	uint32_t *old;  /* non-NULL while rehashing */
	uint32_t moved; /* old buckets [0, moved) are drained */
	uint64_t seed;
	struct lru lru[CL_N];
	uint64_t timeout_us[CL_N];
	size_t memcap;
	size_t app_bytes;
	uint64_t next_id;
	uint64_t id_base;  /* for yg_flow_table_reset */
	uint32_t first_nb; /* the bucket array's first size, likewise */
	yg_flow_end_fn end;
	void *ud;
	struct yg_flow_stats st;
};

/* The hashed key: both endpoints in a fixed order, so that either
 * direction of a flow hashes the same. No padding: it is hashed raw. */
struct key {
	struct yg_addr a, b;
	uint16_t pa, pb;
	uint16_t vlan;
	uint8_t proto, family;
};
_Static_assert(sizeof(struct key) == 40, "key must have no padding");

static inline struct yg_flow *at(const struct yg_flow_table *t, uint32_t s)
{
	return yg_flow_pool_at(&t->pool, s);
}

static size_t used(const struct yg_flow_table *t)
{
	size_t b =
	    sizeof *t + t->pool.bytes + ((size_t)t->mask + 1) * sizeof *t->buckets + t->app_bytes;
	if (t->old)
		b += ((size_t)t->old_mask + 1) * sizeof *t->old;
	return b;
}

static size_t room(const struct yg_flow_table *t)
{
	size_t u = used(t);
	return u < t->memcap ? t->memcap - u : 0;
}

static enum cls class_of(const struct yg_flow *f)
{
	if (f->state == YG_FLOW_CLOSED)
		return CL_CLOSED;
	switch (f->proto) {
	case 17:
		return CL_UDP;
	case 1:
	case 58:
		return CL_ICMP;
	default:
		return f->state == YG_FLOW_ESTABLISHED ? CL_EST : CL_NEW;
	}
}

/* ---- LRU lists ---- */

static void lru_unlink(struct yg_flow_table *t, struct yg_flow *f, enum cls c)
{
	struct lru *l = &t->lru[c];
	if (f->lru_prev)
		at(t, f->lru_prev)->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		at(t, f->lru_next)->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = 0;
}

static void lru_push_head(struct yg_flow_table *t, struct yg_flow *f, enum cls c)
{
	struct lru *l = &t->lru[c];
	f->lru_prev = 0;
	f->lru_next = l->head;
	if (l->head)
		at(t, l->head)->lru_prev = f->self;
	else
		l->tail = f->self;
	l->head = f->self;
}

/* ---- buckets ---- */

static uint32_t *bucket_of(struct yg_flow_table *t, uint32_t h)
{
	if (t->old) {
		uint32_t ob = h & t->old_mask;
		if (ob >= t->moved)
			return &t->old[ob];
	}
	return &t->buckets[h & t->mask];
}

static void hash_insert(struct yg_flow_table *t, struct yg_flow *f)
{
	uint32_t *b = bucket_of(t, f->hash);
	f->hnext = *b;
	*b = f->self;
}

static void hash_remove(struct yg_flow_table *t, struct yg_flow *f)
{
	uint32_t *link = bucket_of(t, f->hash);
	while (*link && *link != f->self)
		link = &at(t, *link)->hnext;
	if (*link)
		*link = f->hnext;
	f->hnext = 0;
}

static void rehash_step(struct yg_flow_table *t)
{
	for (unsigned i = 0; i < REHASH_STEP && t->moved <= t->old_mask; i++) {
		/* Moving a flow reads its hash, a miss per flow on a table far
		 * bigger than the caches (a tenth of the lookup's time on the
		 * real mix, where the table doubles a dozen times): fetch the
		 * chain heads of the buckets REHASH_AHEAD further on. */
		if (t->moved + REHASH_AHEAD <= t->old_mask) {
			uint32_t a = t->old[t->moved + REHASH_AHEAD];
			if (a)
				__builtin_prefetch(at(t, a), 1, 3);
		}
		uint32_t s = t->old[t->moved];
		while (s) {
			struct yg_flow *f = at(t, s);
			s = f->hnext;
			uint32_t *b = &t->buckets[f->hash & t->mask];
			f->hnext = *b;
			*b = f->self;
		}
		t->old[t->moved++] = 0;
	}
	if (t->moved > t->old_mask) {
		free(t->old);
		t->old = NULL;
		t->old_mask = 0;
		t->moved = 0;
	}
}

/* Starts doubling the bucket array when the load factor passes 3/4 and
 * the cap has room for both arrays while the move is under way. */
static void maybe_grow(struct yg_flow_table *t)
{
	size_t n = (size_t)t->mask + 1;
	if (t->old || t->st.active <= n / 4 * 3 || n >= MAX_BUCKETS)
		return;
	size_t bytes = 2 * n * sizeof *t->buckets;
	if (bytes > room(t))
		return;
	uint32_t *nb = yg_big_calloc(2 * n, sizeof *nb);
	if (!nb)
		return;
	t->old = t->buckets;
	t->old_mask = t->mask;
	t->moved = 0;
	t->buckets = nb;
	t->mask = (uint32_t)(2 * n - 1);
}

/* ---- ending flows ---- */

static void end_flow(struct yg_flow_table *t, struct yg_flow *f, enum yg_flow_end why)
{
	hash_remove(t, f);
	lru_unlink(t, f, class_of(f));
	if (t->end)
		t->end(t->ud, f, why);
	f->app = NULL;
	switch (why) {
	case YG_FLOW_END_TIMEOUT:
		t->st.ended_timeout++;
		break;
	case YG_FLOW_END_EVICTED:
		t->st.ended_evicted++;
		break;
	case YG_FLOW_END_SHUTDOWN:
		t->st.ended_shutdown++;
		break;
	case YG_FLOW_END_TCP_REUSE:
		t->st.ended_tcp_reuse++;
		break;
	}
	t->st.active--;
	yg_flow_pool_put(&t->pool, f->self);
}

/* Whether a flow last seen at last_us is past timeout to at now_us
 * (packet time never counts backwards). */
static inline bool due(uint64_t now_us, uint64_t last_us, uint64_t to)
{
	return now_us >= last_us && now_us - last_us >= to;
}

/* Ending a flow reads its two lines, its bucket chain and its app state,
 * all cold. f is next to end: fetch its app state and bucket, and the
 * flow after it. */
static void prefetch_ending(struct yg_flow_table *t, const struct yg_flow *f)
{
	if (f->app)
		__builtin_prefetch(f->app, 0, 3);
	__builtin_prefetch(bucket_of(t, f->hash), 1, 3);
	if (f->lru_prev) {
		const char *n = (const char *)at(t, f->lru_prev);
		__builtin_prefetch(n, 1, 3);
		__builtin_prefetch(n + 64, 1, 3);
	}
}

void yg_flow_expire(struct yg_flow_table *t, uint64_t now_us)
{
	if (!t)
		return;
	for (int c = 0; c < CL_N; c++) {
		uint64_t to = t->timeout_us[c];
		/* From the tail towards the head: every flow deeper than f had
		 * its last packet at or after the start of f's tick, so once
		 * that start is not due, nothing deeper is. */
		for (uint32_t s = t->lru[c].tail; s;) {
			struct yg_flow *f = at(t, s);
			s = f->lru_prev;
			if (!due(now_us, f->last_us >> TICK_SHIFT << TICK_SHIFT, to))
				break;
			if (s)
				prefetch_ending(t, at(t, s));
			if (due(now_us, f->last_us, to))
				end_flow(t, f, YG_FLOW_END_TIMEOUT);
		}
	}
}

unsigned yg_flow_expire_some(struct yg_flow_table *t, uint64_t now_us, unsigned max)
{
	unsigned ended = 0;
	if (!t)
		return 0;
	for (int c = 0; c < CL_N && ended < max; c++) {
		uint64_t to = t->timeout_us[c];
		while (ended < max && t->lru[c].tail) {
			struct yg_flow *f = at(t, t->lru[c].tail);
			if (!due(now_us, f->last_us, to))
				break;
			if (f->lru_prev)
				prefetch_ending(t, at(t, f->lru_prev));
			end_flow(t, f, YG_FLOW_END_TIMEOUT);
			ended++;
		}
	}
	return ended;
}

/* Ends the flow whose last packet is the oldest, to within one tick (the
 * tails of the classes); false when none is left. */
static bool evict_lru(struct yg_flow_table *t)
{
	struct yg_flow *victim = NULL;
	for (int c = 0; c < CL_N; c++) {
		if (!t->lru[c].tail)
			continue;
		struct yg_flow *f = at(t, t->lru[c].tail);
		if (!victim || f->last_us < victim->last_us)
			victim = f;
	}
	if (!victim)
		return false;
	end_flow(t, victim, YG_FLOW_END_EVICTED);
	return true;
}

/* Buckets for s flows at a load factor <= 3/4. */
static size_t buckets_for(size_t s)
{
	size_t b = MIN_BUCKETS;
	while (b < MAX_BUCKETS && s > b / 4 * 3)
		b *= 2;
	return b;
}

/* Room the pool may grow into: what is left after keeping enough for the
 * bucket array to follow it (the new array and the old one while moving),
 * so that a pool that reaches the cap does not leave long chains behind. */
static size_t pool_room(const struct yg_flow_table *t)
{
	size_t r = room(t), have = (size_t)t->mask + 1;
	for (size_t n = r / sizeof(struct yg_flow); n; n /= 2) {
		if (n > YG_FLOW_CHUNK_FLOWS)
			n = YG_FLOW_CHUNK_FLOWS;
		size_t want = buckets_for(t->pool.slots + n);
		size_t reserve = want > have ? want * sizeof(uint32_t) * 3 / 2 : 0;
		if (reserve + n * sizeof(struct yg_flow) <= r)
			return r - reserve;
	}
	return 0;
}

/* A free slot, making room under the cap if needed: first by ending the
 * flows already due at now_us, then by evicting least recently used ones. */
static uint32_t alloc_slot(struct yg_flow_table *t, uint64_t now_us)
{
	bool expired = false;
	for (;;) {
		bool spare = t->pool.slots > t->pool.used;
		uint32_t s = yg_flow_pool_get(&t->pool, spare ? 0 : pool_room(t));
		if (s)
			return s;
		if (!expired) {
			expired = true;
			yg_flow_expire(t, now_us);
		} else if (!evict_lru(t)) {
			return 0;
		}
	}
}

/* ---- packets ---- */

static bool addr_eq(const struct yg_addr *x, const struct yg_addr *y)
{
	return memcmp(x->b, y->b, sizeof x->b) == 0;
}

static struct yg_flow *lookup(struct yg_flow_table *t, uint32_t h, const struct key *k,
                              const struct yg_packet *pkt, uint16_t sp, uint16_t dp,
                              bool *ret_toserver)
{
	for (uint32_t s = *bucket_of(t, h); s;) {
		struct yg_flow *f = at(t, s);
		s = f->hnext;
		if (f->hash != h || f->proto != k->proto || f->vlan != k->vlan ||
		    f->family != k->family)
			continue;
		if (f->cli_port == sp && f->srv_port == dp && addr_eq(&f->cli, &pkt->src) &&
		    addr_eq(&f->srv, &pkt->dst)) {
			*ret_toserver = true;
			return f;
		}
		if (f->cli_port == dp && f->srv_port == sp && addr_eq(&f->cli, &pkt->dst) &&
		    addr_eq(&f->srv, &pkt->src)) {
			*ret_toserver = false;
			return f;
		}
	}
	return NULL;
}

static struct yg_flow *create(struct yg_flow_table *t, uint32_t h, const struct key *k,
                              const struct yg_packet *pkt, uint16_t sp, uint16_t dp, uint8_t flags,
                              bool *ret_toserver)
{
	uint32_t s = alloc_slot(t, pkt->ts_us);
	if (!s) {
		t->st.no_memory++;
		return NULL;
	}
	struct yg_flow *f = at(t, s);
	memset(f, 0, sizeof *f);
	f->self = s;
	/* A SYN+ACK first means the SYN was missed: its sender is the server. */
	bool synack = (flags & (YG_TCP_SYN | YG_TCP_ACK)) == (YG_TCP_SYN | YG_TCP_ACK);
	if (synack) {
		f->cli = pkt->dst;
		f->srv = pkt->src;
		f->cli_port = dp;
		f->srv_port = sp;
	} else {
		f->cli = pkt->src;
		f->srv = pkt->dst;
		f->cli_port = sp;
		f->srv_port = dp;
	}
	f->proto = k->proto;
	f->family = k->family;
	f->vlan = k->vlan;
	f->hash = h;
	if (t->next_id == 0)
		t->next_id++;
	f->flow_id = t->next_id++;
	f->first_us = f->last_us = pkt->ts_us;
	hash_insert(t, f);
	lru_push_head(t, f, class_of(f));
	t->st.created++;
	if (++t->st.active > t->st.active_max)
		t->st.active_max = t->st.active;
	maybe_grow(t);
	*ret_toserver = !synack;
	return f;
}

const char *yg_tcp_state_name(unsigned s)
{
	static const char *const names[] = {
	    [YG_TCP_SYN_SENT] = "syn_sent",     [YG_TCP_SYN_RECV] = "syn_recv",
	    [YG_TCP_ESTABLISHED] = "established", [YG_TCP_FIN_WAIT1] = "fin_wait1",
	    [YG_TCP_FIN_WAIT2] = "fin_wait2",   [YG_TCP_TIME_WAIT] = "time_wait",
	    [YG_TCP_LAST_ACK] = "last_ack",     [YG_TCP_CLOSE_WAIT] = "close_wait",
	    [YG_TCP_CLOSING] = "closing",       [YG_TCP_CLOSED] = "closed",
	};
	return s < sizeof names / sizeof names[0] ? names[s] : NULL;
}

/* One step of the TCP state machine (enum yg_tcp_state): a switch on a
 * byte already in cache, no memory touched beyond the flow. */
static uint8_t tcp_step(uint8_t st, uint8_t flags, bool ts)
{
	bool syn = flags & YG_TCP_SYN, ack = flags & YG_TCP_ACK, fin = flags & YG_TCP_FIN;
	if (flags & YG_TCP_RST)
		return YG_TCP_CLOSED;
	switch (st) {
	case YG_TCP_NONE:
		if (syn && !ack && ts)
			return YG_TCP_SYN_SENT;
		return st;
	case YG_TCP_SYN_SENT:
		return syn && ack && !ts ? YG_TCP_SYN_RECV : st;
	case YG_TCP_SYN_RECV:
		return ack && !syn && ts ? YG_TCP_ESTABLISHED : st;
	case YG_TCP_ESTABLISHED:
		if (fin)
			return ts ? YG_TCP_CLOSE_WAIT : YG_TCP_FIN_WAIT1;
		return st;
	case YG_TCP_FIN_WAIT1: /* the server closed first */
		if (ts && fin)
			return ack ? YG_TCP_TIME_WAIT : YG_TCP_CLOSING;
		return ts && ack ? YG_TCP_FIN_WAIT2 : st;
	case YG_TCP_FIN_WAIT2:
		return ts && fin ? YG_TCP_TIME_WAIT : st;
	case YG_TCP_CLOSING:
		return ack ? YG_TCP_TIME_WAIT : st;
	case YG_TCP_TIME_WAIT:
		return !ts && ack ? YG_TCP_CLOSED : st;
	case YG_TCP_CLOSE_WAIT: /* the client closed first */
		return !ts && fin ? YG_TCP_LAST_ACK : st;
	case YG_TCP_LAST_ACK:
		return ts && ack && !fin ? YG_TCP_CLOSED : st;
	default:
		return st;
	}
}

static void update_state(struct yg_flow *f, uint8_t flags, bool tcp, bool ts)
{
	if (tcp)
		f->tcp_state = tcp_step(f->tcp_state, flags, ts) & 0xf;
	if (f->state == YG_FLOW_CLOSED)
		return;
	if (tcp) {
		if ((flags & YG_TCP_RST) ||
		    ((f->tcp_flags_ts & YG_TCP_FIN) && (f->tcp_flags_tc & YG_TCP_FIN))) {
			f->state = YG_FLOW_CLOSED;
			return;
		}
		if ((flags & (YG_TCP_SYN | YG_TCP_ACK)) == (YG_TCP_SYN | YG_TCP_ACK))
			f->state = YG_FLOW_ESTABLISHED;
	}
	if (f->pkts_ts && f->pkts_tc)
		f->state = YG_FLOW_ESTABLISHED;
}

/* The key of pkt (endpoints in a fixed order) and its L4 ports. */
static void make_key(const struct yg_packet *pkt, struct key *k, uint16_t *ret_sp, uint16_t *ret_dp)
{
	bool ports = pkt->l4_ok && (pkt->proto == 6 || pkt->proto == 17);
	uint16_t sp = ports ? pkt->sport : 0, dp = ports ? pkt->dport : 0;
	int cmp = memcmp(pkt->src.b, pkt->dst.b, sizeof pkt->src.b);
	if (cmp < 0 || (cmp == 0 && sp <= dp)) {
		k->a = pkt->src;
		k->b = pkt->dst;
		k->pa = sp;
		k->pb = dp;
	} else {
		k->a = pkt->dst;
		k->b = pkt->src;
		k->pa = dp;
		k->pb = sp;
	}
	k->vlan = pkt->vlan_n ? pkt->vlan[0] : 0;
	k->proto = pkt->proto;
	k->family = pkt->family;
	*ret_sp = sp;
	*ret_dp = dp;
}

uint32_t yg_flow_hash(const struct yg_flow_table *t, const struct yg_packet *pkt)
{
	struct key k;
	uint16_t sp, dp;
	make_key(pkt, &k, &sp, &dp);
	return (uint32_t)yg_hash64(&k, sizeof k, t->seed);
}

void yg_flow_prefetch_bucket(struct yg_flow_table *t, uint32_t h)
{
	__builtin_prefetch(bucket_of(t, h), 0, 3);
}

void yg_flow_prefetch_flow(struct yg_flow_table *t, uint32_t h)
{
	uint32_t s = *bucket_of(t, h);
	if (s) {
		const char *f = (const char *)at(t, s);
		__builtin_prefetch(f, 1, 3);
		__builtin_prefetch(f + 64, 1, 3);
	}
}

const struct yg_flow *yg_flow_peek(struct yg_flow_table *t, uint32_t h, uint64_t ts_us)
{
	uint32_t s = *bucket_of(t, h);
	if (!s)
		return NULL;
	const struct yg_flow *f = at(t, s);
	if (f->hash == h) {
		/* A packet in a new tick moves its flow in its LRU list, which
		 * writes both neighbours: fetch them too. */
		if (ts_us >> TICK_SHIFT != f->last_us >> TICK_SHIFT) {
			if (f->lru_prev)
				__builtin_prefetch(at(t, f->lru_prev), 1, 3);
			if (f->lru_next)
				__builtin_prefetch(at(t, f->lru_next), 1, 3);
		}
		return f;
	}
	/* New flows go to the head of their chain, so an older one is often
	 * second: fetch it now rather than miss on it at lookup. */
	s = f->hnext;
	if (s) {
		const char *n = (const char *)at(t, s);
		__builtin_prefetch(n, 1, 3);
		__builtin_prefetch(n + 64, 1, 3);
	}
	return NULL;
}

struct yg_flow *yg_flow_packet(struct yg_flow_table *t, const struct yg_packet *pkt,
                               bool *ret_toserver, bool *ret_created)
{
	return yg_flow_packet_hashed(t, pkt, yg_flow_hash(t, pkt), ret_toserver, ret_created);
}

struct yg_flow *yg_flow_packet_hashed(struct yg_flow_table *t, const struct yg_packet *pkt,
                                      uint32_t h, bool *ret_toserver, bool *ret_created)
{
	if (t->old)
		rehash_step(t);

	struct key k;
	uint16_t sp, dp;
	make_key(pkt, &k, &sp, &dp);
	bool tcp = pkt->l4_ok && pkt->proto == 6;
	uint8_t flags = tcp ? pkt->tcp_flags : 0;

	bool toserver, created = false;
	struct yg_flow *f = lookup(t, h, &k, pkt, sp, dp, &toserver);
	if (f && f->state == YG_FLOW_CLOSED && (flags & (YG_TCP_SYN | YG_TCP_ACK)) == YG_TCP_SYN) {
		/* Port reuse: the closed connection ends, the SYN starts anew
		 * (see flow.h). */
		end_flow(t, f, YG_FLOW_END_TCP_REUSE);
		f = NULL;
	}
	if (!f) {
		f = create(t, h, &k, pkt, sp, dp, flags, &toserver);
		if (!f)
			return NULL;
		created = true;
	}

	enum cls before = class_of(f);
	uint64_t prev_last = f->last_us;
	if (toserver) {
		f->pkts_ts++;
		f->bytes_ts += pkt->wirelen;
		f->tcp_flags_ts |= flags;
	} else {
		f->pkts_tc++;
		f->bytes_tc += pkt->wirelen;
		f->tcp_flags_tc |= flags;
	}
	if (pkt->ts_us > f->last_us)
		f->last_us = pkt->ts_us;
	update_state(f, flags, pkt->proto == 6, toserver);
	enum cls after = class_of(f);
	if (after != before ||
	    (t->lru[after].head != f->self && f->last_us >> TICK_SHIFT != prev_last >> TICK_SHIFT)) {
		lru_unlink(t, f, before);
		lru_push_head(t, f, after);
	}

	*ret_toserver = toserver;
	if (ret_created)
		*ret_created = created;
	return f;
}

bool yg_flow_icmp_error_quotes(const struct yg_packet *pkt)
{
	const struct yg_packet_quote *q = &pkt->quote;
	return pkt->family == 4 && pkt->proto == 1 && pkt->l4_ok && pkt->icmp_type == 3 &&
	       pkt->icmp_code <= 15 && q->family == 4 && (q->proto == 6 || q->proto == 17) &&
	       pkt->quote_l4_whole;
}

/* The quoted packet as a flow table key sees it: only what make_key and
 * lookup read. */
static void quoted_packet(const struct yg_packet *pkt, struct yg_packet *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->family = pkt->quote.family;
	ret->proto = pkt->quote.proto;
	ret->src = pkt->quote.src;
	ret->dst = pkt->quote.dst;
	ret->sport = pkt->quote.sport;
	ret->dport = pkt->quote.dport;
	ret->l4_ok = true;
	ret->vlan_n = pkt->vlan_n ? 1 : 0;
	ret->vlan[0] = pkt->vlan[0];
}

struct yg_flow *yg_flow_icmp_error(struct yg_flow_table *t, const struct yg_packet *pkt,
				   bool *ret_toserver)
{
	if (!yg_flow_icmp_error_quotes(pkt))
		return NULL;
	if (t->old)
		rehash_step(t);
	struct yg_packet q;
	quoted_packet(pkt, &q);
	struct key k;
	uint16_t sp, dp;
	make_key(&q, &k, &sp, &dp);
	bool quoted_toserver;
	struct yg_flow *f = lookup(t, yg_flow_hash(t, &q), &k, &q, sp, dp, &quoted_toserver);
	if (!f)
		return NULL;
	/* Suricata's rule: from the flow's client, to the server; from any
	 * other sender (a router on the path, the server), to the client. */
	bool toserver = addr_eq(&f->cli, &pkt->src);
	enum cls before = class_of(f);
	uint64_t prev_last = f->last_us;
	if (toserver) {
		f->pkts_ts++;
		f->bytes_ts += pkt->wirelen;
	} else {
		f->pkts_tc++;
		f->bytes_tc += pkt->wirelen;
	}
	if (pkt->ts_us > f->last_us)
		f->last_us = pkt->ts_us;
	/* A TCP flow's state is its segments' (the ICMP message is none); a
	 * UDP flow is established by traffic both ways, this included. */
	if (f->proto == 17)
		update_state(f, 0, false, toserver);
	enum cls after = class_of(f);
	if (after != before ||
	    (t->lru[after].head != f->self && f->last_us >> TICK_SHIFT != prev_last >> TICK_SHIFT)) {
		lru_unlink(t, f, before);
		lru_push_head(t, f, after);
	}
	*ret_toserver = toserver;
	return f;
}

/* ---- table ---- */

static uint64_t timeout_or(uint32_t s, uint32_t dflt)
{
	return (uint64_t)(s ? s : dflt) * US;
}

int yg_flow_table_new(const struct yg_flow_config *cfg, uint64_t id_base, yg_flow_end_fn end,
                      void *ud, struct yg_flow_table **ret)
{
	static const struct yg_flow_config none;
	if (!cfg)
		cfg = &none;
	size_t memcap = cfg->memcap ? cfg->memcap : DEFAULT_MEMCAP;
	uint32_t nb = INITIAL_BUCKETS;
	while (nb > MIN_BUCKETS && (size_t)nb * sizeof(uint32_t) > memcap / 16)
		nb /= 2;
	/* The table, its buckets, the pool's first per-chunk arrays (64 chunks)
	 * and the two slots chunk 0 needs. */
	size_t least = sizeof(struct yg_flow_table) + (size_t)nb * sizeof(uint32_t) +
	               64 * (sizeof(struct yg_flow *) + sizeof(struct yg_flow_chunk_meta) + 1) +
	               2 * sizeof(struct yg_flow);
	if (memcap < least)
		return -EINVAL;

	struct yg_flow_table *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->buckets = yg_big_calloc(nb, sizeof *t->buckets);
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->mask = nb - 1;
	t->seed = yg_hash_random_seed();
	t->memcap = memcap;
	t->next_id = id_base;
	t->id_base = id_base;
	t->first_nb = nb;
	t->end = end;
	t->ud = ud;
	t->timeout_us[CL_NEW] = timeout_or(cfg->timeout_new, 30);
	t->timeout_us[CL_EST] = timeout_or(cfg->timeout_est, 300);
	t->timeout_us[CL_CLOSED] = timeout_or(cfg->timeout_closed, 60);
	t->timeout_us[CL_UDP] = timeout_or(cfg->timeout_udp, 60);
	t->timeout_us[CL_ICMP] = timeout_or(cfg->timeout_icmp, 30);
	*ret = t;
	return 0;
}

void yg_flow_table_end_all(struct yg_flow_table *t)
{
	for (int c = 0; c < CL_N; c++) {
		while (t->lru[c].tail) {
			struct yg_flow *f = at(t, t->lru[c].tail);
			if (f->lru_prev)
				prefetch_ending(t, at(t, f->lru_prev));
			end_flow(t, f, YG_FLOW_END_SHUTDOWN);
		}
	}
}

void yg_flow_table_reset(struct yg_flow_table *t)
{
	yg_flow_table_end_all(t);
	/* A grown or half-moved array goes back to the first size: the
	 * bytes it counts against the cap decide when the table grows and
	 * what the pool may take, as on a new table. */
	if (t->old || t->mask + 1 != t->first_nb) {
		uint32_t *nb = yg_big_calloc(t->first_nb, sizeof *nb);
		if (nb) {
			free(t->buckets);
			t->buckets = nb;
			t->mask = t->first_nb - 1;
		} else {
			/* No memory for the smaller array: keep the big one
			 * (empty), the table still works. */
			memset(t->buckets, 0, ((size_t)t->mask + 1) * sizeof *t->buckets);
		}
		free(t->old);
		t->old = NULL;
		t->old_mask = 0;
		t->moved = 0;
	} else {
		memset(t->buckets, 0, ((size_t)t->mask + 1) * sizeof *t->buckets);
	}
	yg_flow_pool_reset(&t->pool);
	memset(t->lru, 0, sizeof t->lru);
	t->app_bytes = 0;
	t->next_id = t->id_base;
	memset(&t->st, 0, sizeof t->st);
}

void yg_flow_table_free(struct yg_flow_table *t)
{
	if (!t)
		return;
	yg_flow_table_end_all(t);
	yg_flow_pool_release(&t->pool);
	free(t->buckets);
	free(t->old);
	free(t);
}

int yg_flow_charge(struct yg_flow_table *t, long delta)
{
	if (delta >= 0) {
		/* Spare flow chunks give way to the app layer. */
		if ((size_t)delta > room(t) &&
		    (!yg_flow_pool_trim(&t->pool) || (size_t)delta > room(t)))
			return -ENOMEM;
		t->app_bytes += (size_t)delta;
		return 0;
	}
	/* -(delta + 1) + 1 so that LONG_MIN does not overflow. */
	size_t d = (size_t)(-(delta + 1)) + 1;
	t->app_bytes = d > t->app_bytes ? 0 : t->app_bytes - d;
	return 0;
}

void yg_flow_table_stats(const struct yg_flow_table *t, struct yg_flow_stats *ret)
{
	*ret = t->st;
}

size_t yg_flow_table_memory(const struct yg_flow_table *t)
{
	return used(t);
}
