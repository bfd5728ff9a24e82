/*
 * The flow table against a reference model: a long pseudo-random run of
 * packets (both directions, TCP/UDP/ICMP, VLANs, flags that close flows),
 * expiry calls and app-memory charges on a small memory cap, checking
 * after every step that the table agrees with the model about which
 * flows exist, their ids and counters, and that it stays under the cap.
 * It drives the pool (chunk release and reuse), the incremental rehash,
 * the LRU lists and eviction together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

#define S       1000000ull
#define NKEYS   40000u
#define SERVER  0xc0a80001u
#define CLIENT0 0x0a000000u

struct model {
	bool live[NKEYS];
	uint64_t id[NKEYS];
	uint64_t pkts[NKEYS];
	uint64_t active;
	uint64_t ended[4];
	uint32_t reused_key; /* the key of the last flow ended by TCP reuse */
	struct yg_flow_table *t;
	long app_each; /* app bytes charged per flow that has app set */
	long app_now;
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static uint32_t be32(const struct yg_addr *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 | a->b[3];
}

/* The key index of a flow: its client-side address (whichever side is not
 * the server address), as packets are built below. */
static uint32_t key_of(const struct yg_flow *f)
{
	uint32_t c = be32(&f->cli), s = be32(&f->srv);
	return (c == SERVER ? s : c) - CLIENT0;
}

static void on_end(void *ud, struct yg_flow *f, enum yg_flow_end why)
{
	struct model *m = ud;
	uint32_t k = key_of(f);
	assert_true(k < NKEYS);
	assert_true(m->live[k]);
	assert_int_equal(m->id[k], f->flow_id);
	assert_int_equal(f->pkts_ts + f->pkts_tc, m->pkts[k]);
	m->live[k] = false;
	m->active--;
	m->ended[why]++;
	if (why == YG_FLOW_END_TCP_REUSE)
		m->reused_key = k;
	if (f->app) {
		free(f->app);
		f->app = NULL;
		assert_int_equal(yg_flow_charge(m->t, -m->app_each), 0);
		m->app_now -= m->app_each;
	}
}

static void set_addr(struct yg_addr *a, uint32_t v)
{
	memset(a, 0, sizeof *a);
	a->b[0] = (uint8_t)(v >> 24);
	a->b[1] = (uint8_t)(v >> 16);
	a->b[2] = (uint8_t)(v >> 8);
	a->b[3] = (uint8_t)v;
}

/* Key k: a fixed protocol, ports and VLAN derived from k. */
static void make(struct yg_packet *p, uint32_t k, bool reply, uint64_t ts)
{
	memset(p, 0, sizeof *p);
	p->ts_us = ts;
	p->wirelen = 64 + k % 1000;
	p->family = 4;
	p->l4_ok = true;
	static const uint8_t protos[] = {6, 6, 6, 17, 17, 1, 47};
	p->proto = protos[k % sizeof protos];
	uint16_t cport = (uint16_t)(1024 + k % 50000), sport = (uint16_t)(k % 3 ? 443 : 53);
	/* Every fifth key on a VLAN of its own. */
	uint32_t cli = CLIENT0 + k;
	if (k % 5 == 0) {
		p->vlan_n = 1;
		p->vlan[0] = (uint16_t)(k % 4095);
	}
	set_addr(reply ? &p->src : &p->dst, SERVER);
	set_addr(reply ? &p->dst : &p->src, cli);
	p->sport = reply ? sport : cport;
	p->dport = reply ? cport : sport;
	if (p->proto == 6) {
		static const uint8_t fl[] = {YG_TCP_SYN,
		                             YG_TCP_ACK,
		                             YG_TCP_ACK | YG_TCP_PSH,
		                             YG_TCP_SYN | YG_TCP_ACK,
		                             YG_TCP_FIN | YG_TCP_ACK,
		                             YG_TCP_ACK,
		                             YG_TCP_ACK,
		                             YG_TCP_RST};
		p->tcp_flags = fl[rnd(sizeof fl)];
	}
}

static void run(uint64_t seed, size_t memcap, unsigned steps)
{
	rng_state = seed;
	struct model *m = calloc(1, sizeof *m);
	assert_non_null(m);
	struct yg_flow_config c = {.memcap = memcap};
	assert_int_equal(yg_flow_table_new(&c, 1, on_end, m, &m->t), 0);
	m->app_each = 300;
	uint64_t ts = 1700000000ull * S, next_id = 1, created = 0;
	for (unsigned i = 0; i < steps; i++) {
		/* Mostly small steps; now and then a long silence. */
		ts += rnd(100000) == 0 ? rnd(400) * S : rnd(400);
		uint32_t op = rnd(100);
		if (op < 2) {
			yg_flow_expire(m->t, ts);
		} else {
			/* A hot set of keys and a long tail. */
			uint32_t k = rnd(2) ? rnd(NKEYS / 10) : rnd(NKEYS);
			struct yg_packet p;
			make(&p, k, rnd(2), ts);
			bool toserver, cr;
			bool was = m->live[k];
			uint64_t reused = m->ended[YG_FLOW_END_TCP_REUSE];
			m->reused_key = NKEYS;
			struct yg_flow *f = yg_flow_packet(m->t, &p, &toserver, &cr);
			assert_non_null(f); /* app memory stays far below the cap */
			assert_int_equal(key_of(f), k);
			assert_int_equal(f->vlan, p.vlan_n ? p.vlan[0] : 0);
			if (cr) {
				/* Eviction to make room may not end this very key; a
				 * SYN on its closed flow may (TCP port reuse). */
				if (was) {
					assert_int_equal(m->ended[YG_FLOW_END_TCP_REUSE], reused + 1);
					assert_int_equal(m->reused_key, k);
					assert_int_equal(p.proto, 6);
					assert_int_equal(p.tcp_flags, YG_TCP_SYN);
				}
				assert_false(m->live[k]);
				m->live[k] = true;
				m->id[k] = next_id++;
				m->pkts[k] = 0;
				m->active++;
				created++;
			}
			assert_true(m->live[k]);
			assert_int_equal(f->flow_id, m->id[k]);
			m->pkts[k]++;
			assert_int_equal(f->pkts_ts + f->pkts_tc, m->pkts[k]);
			/* The sender is the client unless toserver says otherwise. */
			assert_int_equal(be32(toserver ? &f->cli : &f->srv), be32(&p.src));
			if (cr && rnd(3) == 0 && yg_flow_charge(m->t, m->app_each) == 0) {
				f->app = malloc(8);
				assert_non_null(f->app);
				m->app_now += m->app_each;
			}
		}
		assert_true(yg_flow_table_memory(m->t) <= memcap);
		struct yg_flow_stats st;
		yg_flow_table_stats(m->t, &st);
		assert_int_equal(st.active, m->active);
		assert_int_equal(st.created, created);
	}
	/* Every live flow is still found, from both sides. */
	for (uint32_t k = 0; k < NKEYS; k++) {
		if (!m->live[k])
			continue;
		struct yg_packet p;
		make(&p, k, k & 1, ts);
		p.tcp_flags = 0;
		bool toserver, cr;
		struct yg_flow *f = yg_flow_packet(m->t, &p, &toserver, &cr);
		assert_non_null(f);
		assert_false(cr);
		assert_int_equal(f->flow_id, m->id[k]);
		m->pkts[k]++;
	}
	struct yg_flow_stats st;
	yg_flow_table_stats(m->t, &st);
	assert_int_equal(st.ended_timeout, m->ended[YG_FLOW_END_TIMEOUT]);
	assert_int_equal(st.ended_evicted, m->ended[YG_FLOW_END_EVICTED]);
	assert_int_equal(st.ended_tcp_reuse, m->ended[YG_FLOW_END_TCP_REUSE]);
	assert_true(st.ended_timeout > 0);
	print_message("created %llu, active max %llu, timed out %llu, evicted %llu\n",
	              (unsigned long long)st.created, (unsigned long long)st.active_max,
	              (unsigned long long)st.ended_timeout, (unsigned long long)st.ended_evicted);
	yg_flow_table_free(m->t);
	assert_int_equal(m->active, 0);
	assert_int_equal(m->app_now, 0);
	assert_int_equal(m->ended[YG_FLOW_END_SHUTDOWN], st.active);
	free(m);
}

/* Cap far above the key space: no eviction, rehash from 1024 buckets. */
static void model_roomy(void **state)
{
	(void)state;
	run(0x1234567887654321ull, (size_t)64 << 20, 300000);
}

/* Cap for a few hundred flows: constant eviction. */
static void model_tight(void **state)
{
	(void)state;
	run(0x0badc0ffee0ddf00ull, 96 * 1024, 300000);
}

/* Cap around a few thousand flows: partial chunks, bucket reserve. */
static void model_medium(void **state)
{
	(void)state;
	run(0x5eed5eed5eed5eedull, 600 * 1024, 300000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(model_roomy),
	    cmocka_unit_test(model_tight),
	    cmocka_unit_test(model_medium),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
