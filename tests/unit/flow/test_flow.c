#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow-int.h"

#define S  1000000ull /* one second in microseconds */
#define T0 (1700000000ull * S)

enum { TCP = 6, UDP = 17, ICMP = 1, ICMP6 = 58, GRE = 47 };
enum { SYN = YG_TCP_SYN, ACK = YG_TCP_ACK, FIN = YG_TCP_FIN, RST = YG_TCP_RST, PSH = YG_TCP_PSH };

/* What the end callback saw. */
struct rec {
	unsigned n;
	unsigned why[4];
	uint64_t ids[64];
	uint8_t whys[64];
	struct yg_flow_table *t; /* set to release app charges */
	long app_charge;
};

static void on_end(void *ud, struct yg_flow *f, enum yg_flow_end why)
{
	struct rec *r = ud;
	if (r->n < 64) {
		r->ids[r->n] = f->flow_id;
		r->whys[r->n] = (uint8_t)why;
	}
	r->n++;
	r->why[why]++;
	if (f->app) {
		free(f->app);
		f->app = NULL;
		if (r->t)
			yg_flow_charge(r->t, -r->app_charge);
	}
}

static struct yg_addr v4(uint32_t a)
{
	struct yg_addr x;
	memset(&x, 0, sizeof x);
	x.b[0] = (uint8_t)(a >> 24);
	x.b[1] = (uint8_t)(a >> 16);
	x.b[2] = (uint8_t)(a >> 8);
	x.b[3] = (uint8_t)a;
	return x;
}

static struct yg_packet pkt4(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, uint8_t proto,
                             uint8_t flags, uint64_t ts)
{
	struct yg_packet p;
	memset(&p, 0, sizeof p);
	p.ts_us = ts;
	p.wirelen = p.caplen = 100;
	p.linktype = YG_LINK_ETHERNET;
	p.family = 4;
	p.proto = proto;
	p.l4_ok = true;
	p.src = v4(src);
	p.dst = v4(dst);
	p.sport = sp;
	p.dport = dp;
	p.tcp_flags = proto == TCP ? flags : 0;
	return p;
}

static const uint32_t A = 0x0a000001, B = 0xc0a80101; /* 10.0.0.1, 192.168.1.1 */
static const uint8_t ADDR_A[16] = {10, 0, 0, 1}, ADDR_B[16] = {192, 168, 1, 1};

static struct yg_flow *feed(struct yg_flow_table *t, const struct yg_packet *p, bool *ts,
                            bool *created)
{
	bool tsv, cr;
	struct yg_flow *f = yg_flow_packet(t, p, &tsv, &cr);
	if (ts)
		*ts = tsv;
	if (created)
		*created = cr;
	return f;
}

static struct yg_flow_table *table(size_t memcap, uint64_t id_base, struct rec *r)
{
	struct yg_flow_config c = {.memcap = memcap};
	struct yg_flow_table *t = NULL;
	assert_int_equal(yg_flow_table_new(&c, id_base, r ? on_end : NULL, r, &t), 0);
	assert_non_null(t);
	return t;
}

static void both_directions_one_flow(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(0, 1, &r);
	bool ts, cr;
	struct yg_packet p = pkt4(A, 40000, B, 80, TCP, SYN, T0);
	struct yg_flow *f = feed(t, &p, &ts, &cr);
	assert_non_null(f);
	assert_true(ts);
	assert_true(cr);
	uint64_t id = f->flow_id;
	assert_int_equal(f->state, YG_FLOW_NEW);

	p = pkt4(B, 80, A, 40000, TCP, SYN | ACK, T0 + 1000);
	p.wirelen = 60;
	f = feed(t, &p, &ts, &cr);
	assert_false(ts);
	assert_false(cr);
	assert_int_equal(f->flow_id, id);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);

	p = pkt4(A, 40000, B, 80, TCP, ACK, T0 + 2000);
	assert_non_null(feed(t, &p, &ts, &cr));
	assert_true(ts);
	p = pkt4(B, 80, A, 40000, TCP, PSH | ACK, T0 + 3000);
	p.wirelen = 1500;
	f = feed(t, &p, &ts, &cr);
	assert_false(ts);
	assert_int_equal(f->flow_id, id);

	assert_memory_equal(f->cli.b, ADDR_A, 16);
	assert_memory_equal(f->srv.b, ADDR_B, 16);
	assert_int_equal(f->cli_port, 40000);
	assert_int_equal(f->srv_port, 80);
	assert_int_equal(f->proto, TCP);
	assert_int_equal(f->family, 4);
	assert_int_equal(f->pkts_ts, 2);
	assert_int_equal(f->pkts_tc, 2);
	assert_int_equal(f->bytes_ts, 200);
	assert_int_equal(f->bytes_tc, 1560);
	assert_int_equal(f->tcp_flags_ts, SYN | ACK);
	assert_int_equal(f->tcp_flags_tc, SYN | ACK | PSH);
	assert_int_equal(f->first_us, T0);
	assert_int_equal(f->last_us, T0 + 3000);

	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.active, 1);
	yg_flow_table_free(t);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.why[YG_FLOW_END_SHUTDOWN], 1);
	assert_int_equal(r.ids[0], id);
}

static void synack_first_reverses(void **state)
{
	(void)state;
	struct yg_flow_table *t = table(0, 1, NULL);
	bool ts, cr;
	struct yg_packet p = pkt4(B, 443, A, 51000, TCP, SYN | ACK, T0);
	struct yg_flow *f = feed(t, &p, &ts, &cr);
	assert_true(cr);
	assert_false(ts);
	assert_memory_equal(f->cli.b, ADDR_A, 16);
	assert_int_equal(f->cli_port, 51000);
	assert_int_equal(f->srv_port, 443);
	assert_int_equal(f->pkts_tc, 1);
	assert_int_equal(f->pkts_ts, 0);
	assert_int_equal(f->tcp_flags_tc, SYN | ACK);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);
	p = pkt4(A, 51000, B, 443, TCP, ACK, T0 + 1);
	f = feed(t, &p, &ts, &cr);
	assert_false(cr);
	assert_true(ts);
	assert_int_equal(f->pkts_ts, 1);

	/* A plain first packet from the "server" side keeps sender = client. */
	p = pkt4(B, 443, A, 51001, TCP, ACK, T0);
	f = feed(t, &p, &ts, &cr);
	assert_true(ts);
	assert_int_equal(f->cli_port, 443);
	yg_flow_table_free(t);
}

/* Feeds one packet of the A:port <-> B:22 connection; returns tcp_state. */
static unsigned step(struct yg_flow_table *t, uint16_t port, bool from_a, uint8_t flags,
                     uint64_t ts)
{
	struct yg_packet p = from_a ? pkt4(A, port, B, 22, TCP, flags, ts)
	                            : pkt4(B, 22, A, port, TCP, flags, ts);
	return feed(t, &p, NULL, NULL)->tcp_state;
}

/* Suricata's TCP state names as EVE's tcp.state reports them: named from
 * the server's side, whichever end closes first. */
static void tcp_state_machine(void **state)
{
	(void)state;
	struct yg_flow_table *t = table(0, 1, NULL);
	/* The client closes first. */
	assert_int_equal(step(t, 2000, true, SYN, T0), YG_TCP_SYN_SENT);
	assert_int_equal(step(t, 2000, false, SYN | ACK, T0 + 1), YG_TCP_SYN_RECV);
	assert_int_equal(step(t, 2000, true, ACK, T0 + 2), YG_TCP_ESTABLISHED);
	assert_int_equal(step(t, 2000, true, PSH | ACK, T0 + 3), YG_TCP_ESTABLISHED);
	assert_int_equal(step(t, 2000, true, FIN | ACK, T0 + 4), YG_TCP_CLOSE_WAIT);
	assert_int_equal(step(t, 2000, false, ACK, T0 + 5), YG_TCP_CLOSE_WAIT);
	assert_int_equal(step(t, 2000, false, FIN | ACK, T0 + 6), YG_TCP_LAST_ACK);
	assert_int_equal(step(t, 2000, false, FIN | ACK, T0 + 7), YG_TCP_LAST_ACK); /* retransmit */
	assert_int_equal(step(t, 2000, true, ACK, T0 + 8), YG_TCP_CLOSED);
	/* The server closes first. */
	step(t, 2001, true, SYN, T0);
	step(t, 2001, false, SYN | ACK, T0 + 1);
	step(t, 2001, true, ACK, T0 + 2);
	assert_int_equal(step(t, 2001, false, FIN | ACK, T0 + 3), YG_TCP_FIN_WAIT1);
	assert_int_equal(step(t, 2001, true, ACK, T0 + 4), YG_TCP_FIN_WAIT2);
	assert_int_equal(step(t, 2001, true, FIN | ACK, T0 + 5), YG_TCP_TIME_WAIT);
	assert_int_equal(step(t, 2001, false, ACK, T0 + 6), YG_TCP_CLOSED);
	/* A reset ends any state; a connection without a SYN has none. */
	step(t, 2002, true, SYN, T0);
	assert_int_equal(step(t, 2002, false, RST | ACK, T0 + 1), YG_TCP_CLOSED);
	assert_int_equal(step(t, 2003, true, PSH | ACK, T0), YG_TCP_NONE);
	assert_null(yg_tcp_state_name(YG_TCP_NONE));
	assert_string_equal(yg_tcp_state_name(YG_TCP_LAST_ACK), "last_ack");
	yg_flow_table_free(t);
}

static void tcp_states(void **state)
{
	(void)state;
	struct yg_flow_table *t = table(0, 1, NULL);
	struct yg_packet p = pkt4(A, 1000, B, 22, TCP, SYN, T0);
	struct yg_flow *f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_NEW);
	p = pkt4(A, 1000, B, 22, TCP, SYN, T0 + S); /* retransmit */
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_NEW);
	p = pkt4(B, 22, A, 1000, TCP, SYN | ACK, T0 + 2 * S);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);
	p = pkt4(A, 1000, B, 22, TCP, FIN | ACK, T0 + 3 * S);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);      /* half closed */
	p = pkt4(A, 1000, B, 22, TCP, FIN | ACK, T0 + 3 * S); /* FIN again, same side */
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);
	p = pkt4(B, 22, A, 1000, TCP, FIN | ACK, T0 + 4 * S);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_CLOSED);
	p = pkt4(A, 1000, B, 22, TCP, ACK, T0 + 5 * S);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_CLOSED); /* final */
	assert_int_equal(f->pkts_ts, 5);
	assert_int_equal(f->pkts_tc, 2);

	/* RST closes at once, even a NEW flow. */
	p = pkt4(A, 1001, B, 22, TCP, SYN, T0);
	assert_non_null(feed(t, &p, NULL, NULL));
	p = pkt4(B, 22, A, 1001, TCP, RST | ACK, T0 + 1);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_CLOSED);

	/* Mid-stream pickup: data both ways establishes without a handshake. */
	p = pkt4(A, 1002, B, 22, TCP, PSH | ACK, T0);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_NEW);
	p = pkt4(B, 22, A, 1002, TCP, ACK, T0 + 1);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);
	yg_flow_table_free(t);
}

/* A SYN on a closed flow's tuple is a new connection (port reuse): the
 * closed flow ends with TCP_REUSE and the SYN starts a flow of its own.
 * Anything else on the tuple stays in the closed flow. */
static void tcp_port_reuse(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(0, 1, &r);
	bool cr;
	struct yg_packet p = pkt4(A, 1000, B, 22, TCP, SYN, T0);
	uint64_t first = feed(t, &p, NULL, &cr)->flow_id;
	p = pkt4(B, 22, A, 1000, TCP, RST | ACK, T0 + 1);
	struct yg_flow *f = feed(t, &p, NULL, &cr);
	assert_int_equal(f->state, YG_FLOW_CLOSED);
	p = pkt4(A, 1000, B, 22, TCP, FIN | ACK, T0 + 2); /* late, same connection */
	f = feed(t, &p, NULL, &cr);
	assert_false(cr);
	assert_int_equal(f->flow_id, first);
	p = pkt4(B, 22, A, 1000, TCP, SYN | ACK, T0 + 3); /* not a new connection */
	f = feed(t, &p, NULL, &cr);
	assert_false(cr);
	assert_int_equal(f->flow_id, first);
	assert_int_equal(r.n, 0);

	p = pkt4(A, 1000, B, 22, TCP, SYN, T0 + 4);
	bool ts;
	f = feed(t, &p, &ts, &cr);
	assert_true(cr);
	assert_true(ts);
	assert_int_not_equal(f->flow_id, first);
	assert_int_equal(f->state, YG_FLOW_NEW);
	assert_int_equal(f->pkts_ts, 1);
	assert_int_equal(f->pkts_tc, 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], first);
	assert_int_equal(r.whys[0], YG_FLOW_END_TCP_REUSE);
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.ended_tcp_reuse, 1);
	assert_int_equal(st.active, 1);
	yg_flow_table_free(t);
}

static void udp_icmp_other_states_and_ports(void **state)
{
	(void)state;
	struct yg_flow_table *t = table(0, 1, NULL);
	bool ts, cr;
	struct yg_packet p = pkt4(A, 5353, B, 53, UDP, 0, T0);
	struct yg_flow *f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_NEW);
	assert_int_equal(f->cli_port, 5353);
	p = pkt4(A, 5353, B, 53, UDP, 0, T0 + 1);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_NEW);
	p = pkt4(B, 53, A, 5353, UDP, 0, T0 + 2);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);

	/* ICMP: type/code in sport/dport do not split flows; ports are 0. */
	p = pkt4(A, 8, B, 0, ICMP, 0, T0); /* echo request */
	f = feed(t, &p, &ts, &cr);
	assert_true(cr);
	assert_int_equal(f->cli_port, 0);
	assert_int_equal(f->srv_port, 0);
	uint64_t icmp_id = f->flow_id;
	p = pkt4(B, 0, A, 0, ICMP, 0, T0 + 1); /* echo reply */
	f = feed(t, &p, &ts, &cr);
	assert_false(cr);
	assert_false(ts);
	assert_int_equal(f->flow_id, icmp_id);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);

	/* Other protocols: ports 0 even if something was left in sport. */
	p = pkt4(A, 1234, B, 4321, GRE, 0, T0);
	f = feed(t, &p, &ts, &cr);
	assert_true(cr);
	assert_int_equal(f->cli_port, 0);
	assert_int_equal(f->srv_port, 0);
	assert_int_equal(f->proto, GRE);

	/* A non-first fragment has no L4 header: the port-less flow. */
	p = pkt4(A, 5353, B, 53, UDP, 0, T0 + 3);
	p.frag = true;
	p.l4_ok = false;
	f = feed(t, &p, &ts, &cr);
	assert_true(cr);
	assert_int_equal(f->cli_port, 0);
	assert_int_equal(f->srv_port, 0);
	/* ... and its flags are ignored too. */
	p = pkt4(A, 1, B, 2, TCP, RST, T0 + 3);
	p.frag = true;
	p.l4_ok = false;
	f = feed(t, &p, &ts, &cr);
	assert_true(cr);
	assert_int_equal(f->state, YG_FLOW_NEW);
	assert_int_equal(f->tcp_flags_ts, 0);

	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.created, 5);
	yg_flow_table_free(t);
}

static void timeouts_per_state(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(0, 1, &r);
	struct yg_packet p;
	/* TCP NEW (30 s). */
	p = pkt4(A, 1, B, 80, TCP, SYN, T0);
	uint64_t id_new = feed(t, &p, NULL, NULL)->flow_id;
	/* TCP ESTABLISHED (300 s). */
	p = pkt4(A, 2, B, 80, TCP, SYN, T0);
	uint64_t id_est = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(B, 80, A, 2, TCP, SYN | ACK, T0);
	feed(t, &p, NULL, NULL);
	/* TCP CLOSED (60 s, as Suricata). */
	p = pkt4(A, 3, B, 80, TCP, SYN, T0);
	uint64_t id_closed = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(B, 80, A, 3, TCP, RST, T0);
	feed(t, &p, NULL, NULL);
	/* UDP (60 s), ICMP (30 s), other protocol NEW (30 s). */
	p = pkt4(A, 4, B, 53, UDP, 0, T0);
	uint64_t id_udp = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(A, 8, B, 0, ICMP, 0, T0);
	uint64_t id_icmp = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(A, 0, B, 0, GRE, 0, T0);
	uint64_t id_gre = feed(t, &p, NULL, NULL)->flow_id;

	yg_flow_expire(t, T0 + 30 * S - 1);
	assert_int_equal(r.n, 0);
	yg_flow_expire(t, T0 + 30 * S);
	assert_int_equal(r.n, 3);
	/* Classes are walked in a fixed order: NEW (tcp, gre), CLOSED, UDP, ICMP. */
	assert_int_equal(r.ids[0], id_new);
	assert_int_equal(r.ids[1], id_gre);
	assert_int_equal(r.ids[2], id_icmp);
	assert_int_equal(r.whys[0], YG_FLOW_END_TIMEOUT);

	yg_flow_expire(t, T0 + 60 * S - 1);
	assert_int_equal(r.n, 3);
	yg_flow_expire(t, T0 + 60 * S);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.ids[3], id_closed);
	assert_int_equal(r.ids[4], id_udp);

	yg_flow_expire(t, T0 + 300 * S - 1);
	assert_int_equal(r.n, 5);
	yg_flow_expire(t, T0 + 300 * S);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.ids[5], id_est);
	assert_int_equal(r.why[YG_FLOW_END_TIMEOUT], 6);

	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.ended_timeout, 6);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.active_max, 6);
	yg_flow_table_free(t);
	assert_int_equal(r.n, 6); /* nothing left for shutdown */
}

static void timeouts_configured_and_refreshed(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_config c = {.timeout_udp = 5, .timeout_new = 7};
	struct yg_flow_table *t = NULL;
	assert_int_equal(yg_flow_table_new(&c, 1, on_end, &r, &t), 0);
	struct yg_packet p;
	p = pkt4(A, 1, B, 53, UDP, 0, T0);
	uint64_t ida = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(A, 2, B, 53, UDP, 0, T0 + 1 * S);
	uint64_t idb = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(A, 3, B, 53, UDP, 0, T0 + 2 * S);
	uint64_t idc = feed(t, &p, NULL, NULL)->flow_id;
	/* A packet on flow a (the reply) moves it behind b and c. */
	p = pkt4(B, 53, A, 1, UDP, 0, T0 + 3 * S);
	feed(t, &p, NULL, NULL);
	p = pkt4(A, 9, B, 22, TCP, SYN, T0);
	uint64_t idt = feed(t, &p, NULL, NULL)->flow_id;

	yg_flow_expire(t, T0 + 6 * S);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], idb);
	yg_flow_expire(t, T0 + 7 * S);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ids[1], idt); /* TCP NEW class first */
	assert_int_equal(r.ids[2], idc);
	/* Time going backwards ends nothing. */
	yg_flow_expire(t, T0);
	assert_int_equal(r.n, 3);
	yg_flow_expire(t, T0 + 8 * S);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ids[3], ida);
	yg_flow_table_free(t);
}

static void lru_eviction_order_and_no_memory(void **state)
{
	(void)state;
	struct rec r = {0};
	const size_t cap = 64 * 1024;
	struct yg_flow_table *t = table(cap, 1, &r);
	struct yg_packet p;
	uint64_t ids[2000] = {0};
	unsigned i;
	/* Fill until the first eviction; all in the same second so nothing
	 * is due for a timeout. */
	for (i = 0; i < 2000; i++) {
		p = pkt4(A, (uint16_t)(1000 + i), B, 53, UDP, 0, T0 + i);
		struct yg_flow *f = feed(t, &p, NULL, NULL);
		assert_non_null(f);
		ids[i] = f->flow_id;
		assert_true(yg_flow_table_memory(t) <= cap);
		if (r.n)
			break;
	}
	assert_true(i > 100 && i < 2000); /* a 64 KiB cap holds a few hundred */
	unsigned full = i;                /* flows 0..full-1 filled the cap */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.whys[0], YG_FLOW_END_EVICTED);
	assert_int_equal(r.ids[0], ids[0]); /* the least recently used */

	/* Touch flow 1 (now the oldest) a second later: the next eviction
	 * skips it (recency counts to within about a second). */
	p = pkt4(B, 53, A, 1001, UDP, 0, T0 + 2 * S);
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, ids[1]);
	p = pkt4(A, 60000, B, 53, UDP, 0, T0 + 2 * S + 1);
	assert_non_null(feed(t, &p, NULL, NULL));
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[1], ids[2]);
	/* Across classes too: a TCP flow older than every UDP flow goes first. */
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.ended_evicted, 2);
	assert_int_equal(st.no_memory, 0);
	assert_int_equal(st.active, full);

	/* When a new flow needs room, flows past their timeout end first. */
	p = pkt4(A, 60001, B, 53, UDP, 0, T0 + 3600 * S);
	assert_non_null(feed(t, &p, NULL, NULL));
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.ended_evicted, 2);
	assert_int_equal(st.ended_timeout, full);
	assert_int_equal(st.active, 1);
	yg_flow_table_free(t);
}

/* A flow touched again within its tick stays where it was in its LRU
 * list, behind a flow whose last packet is older: expiry still ends each
 * flow exactly when it is due, never later, never sooner. */
static void expiry_exact_within_a_tick(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(0, 1, &r);
	const uint64_t tick = 1u << 20, t1 = (T0 / tick + 1) * tick, udp = 60 * S;
	struct yg_packet p = pkt4(A, 1000, B, 53, UDP, 0, t1);
	uint64_t ida = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(A, 1001, B, 53, UDP, 0, t1 + 10);
	uint64_t idb = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(B, 53, A, 1000, UDP, 0, t1 + 20); /* a's last packet, same tick */
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, ida);
	yg_flow_expire(t, t1 + 9 + udp);
	assert_int_equal(r.n, 0);
	yg_flow_expire(t, t1 + 10 + udp); /* b is due, a (the tail) is not */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], idb);
	yg_flow_expire(t, t1 + 19 + udp);
	assert_int_equal(r.n, 1);
	yg_flow_expire(t, t1 + 20 + udp);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[1], ida);
	/* A packet in a later tick moves its flow: the expiry walk stops at
	 * the tail without looking at the rest. */
	p = pkt4(A, 2000, B, 53, UDP, 0, t1 + 2 * tick);
	uint64_t idc = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(A, 2001, B, 53, UDP, 0, t1 + 2 * tick + 1);
	uint64_t idd = feed(t, &p, NULL, NULL)->flow_id;
	p = pkt4(A, 2000, B, 53, UDP, 0, t1 + 4 * tick);
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, idc);
	yg_flow_expire(t, t1 + 2 * tick + 1 + udp);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ids[2], idd);
	yg_flow_expire(t, t1 + 4 * tick + udp - 1);
	assert_int_equal(r.n, 3);
	yg_flow_expire(t, t1 + 4 * tick + udp);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ids[3], idc);
	yg_flow_table_free(t);
}

/* The packet path's slice of expiry: at most max flows, oldest first,
 * never past a tail that is not due; the full pass finds the rest. */
static void expire_some_in_slices(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(0, 1, &r);
	const uint64_t tick = 1u << 20, t1 = (T0 / tick + 1) * tick, udp = 60 * S;
	struct yg_packet p;
	uint64_t ids[5];
	for (unsigned i = 0; i < 5; i++) {
		p = pkt4(A, (uint16_t)(3000 + i), B, 53, UDP, 0, t1 + i);
		ids[i] = feed(t, &p, NULL, NULL)->flow_id;
	}
	assert_int_equal(yg_flow_expire_some(t, t1 + udp - 1, 10), 0);
	assert_int_equal(yg_flow_expire_some(t, t1 + 2 + udp, 2), 2);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[0], ids[0]);
	assert_int_equal(r.ids[1], ids[1]);
	assert_int_equal(yg_flow_expire_some(t, t1 + 2 + udp, 2), 1);
	assert_int_equal(r.ids[2], ids[2]);
	/* Flow 3 is touched again in its tick and stays at the tail, not
	 * due; flow 4 behind it is due: only the full pass ends it. */
	p = pkt4(B, 53, A, 3003, UDP, 0, t1 + 10);
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, ids[3]);
	assert_int_equal(yg_flow_expire_some(t, t1 + 4 + udp, 10), 0);
	yg_flow_expire(t, t1 + 4 + udp);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ids[3], ids[4]);
	assert_int_equal(yg_flow_expire_some(t, t1 + 10 + udp, 10), 1);
	assert_int_equal(r.ids[4], ids[3]);
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.ended_timeout, 5);
	assert_int_equal(st.active, 0);
	yg_flow_table_free(t);
}

static void lru_eviction_across_classes(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(64 * 1024, 1, &r);
	struct yg_packet p = pkt4(A, 7, B, 22, TCP, SYN, T0);
	uint64_t tcp_id = feed(t, &p, NULL, NULL)->flow_id;
	for (unsigned i = 0; r.n == 0 && i < 2000; i++) {
		p = pkt4(A, (uint16_t)(1000 + i), B, 53, UDP, 0, T0 + 1 + i);
		assert_non_null(feed(t, &p, NULL, NULL));
	}
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], tcp_id);
	assert_int_equal(r.whys[0], YG_FLOW_END_EVICTED);
	yg_flow_table_free(t);
}

static void charge_release_and_no_memory(void **state)
{
	(void)state;
	struct rec r = {0};
	const size_t cap = 64 * 1024;
	struct yg_flow_table *t = table(cap, 1, &r);
	size_t base = yg_flow_table_memory(t);
	assert_true(base < cap);
	assert_int_equal(yg_flow_charge(t, 1000), 0);
	assert_int_equal(yg_flow_table_memory(t), base + 1000);
	assert_int_equal(yg_flow_charge(t, (long)cap), -ENOMEM);
	assert_int_equal(yg_flow_table_memory(t), base + 1000);
	assert_int_equal(yg_flow_charge(t, -1000), 0);
	assert_int_equal(yg_flow_table_memory(t), base);
	/* Over-release clamps. */
	assert_int_equal(yg_flow_charge(t, -5), 0);
	assert_int_equal(yg_flow_table_memory(t), base);

	/* App memory takes all the room: no flow can be made or evicted. */
	assert_int_equal(yg_flow_charge(t, (long)(cap - base)), 0);
	assert_int_equal(yg_flow_table_memory(t), cap);
	assert_int_equal(yg_flow_charge(t, 1), -ENOMEM);
	struct yg_packet p = pkt4(A, 1, B, 2, UDP, 0, T0);
	bool ts = false, cr = true;
	assert_null(yg_flow_packet(t, &p, &ts, &cr));
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.no_memory, 1);
	assert_int_equal(st.created, 0);
	assert_int_equal(yg_flow_charge(t, -(long)(cap - base)), 0);
	struct yg_flow *f = feed(t, &p, NULL, NULL);
	assert_non_null(f);
	yg_flow_table_free(t);

	/* The end callback releases the app charge of each flow it ends. */
	memset(&r, 0, sizeof r);
	t = table(0, 1, &r);
	f = feed(t, &p, NULL, NULL);
	assert_non_null(f);
	r.t = t;
	r.app_charge = 4096;
	assert_int_equal(yg_flow_charge(t, r.app_charge), 0);
	f->app = malloc(16);
	assert_non_null(f->app);
	size_t with_flow = yg_flow_table_memory(t);
	yg_flow_expire(t, T0 + 3600 * S);
	assert_int_equal(r.n, 1);
	assert_int_equal(yg_flow_table_memory(t), with_flow - 4096);
	yg_flow_table_free(t);
}

/* Sender i of a flood: distinct 5-tuples from distinct sources. */
static struct yg_packet flood_pkt(uint32_t i, uint64_t ts)
{
	return pkt4(0x0b000000 + (i >> 8), (uint16_t)(1024 + (i & 0xff)), B, 443, TCP, SYN, ts);
}

static void many_flows_create_expire_reuse(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(0, 1, &r);
	const uint32_t n = 100000;
	for (uint32_t i = 0; i < n; i++) {
		struct yg_packet p = flood_pkt(i, T0 + i);
		bool cr;
		assert_non_null(feed(t, &p, NULL, &cr));
		assert_true(cr);
	}
	/* Every flow is found again, from either side, after the rehashes. */
	for (uint32_t i = 0; i < n; i++) {
		struct yg_packet p = flood_pkt(i, T0 + n);
		struct yg_packet q = pkt4(B, 443, 0, p.sport, TCP, SYN | ACK, T0 + n);
		q.dst = p.src;
		bool cr, ts;
		struct yg_flow *f = feed(t, &q, &ts, &cr);
		assert_false(cr);
		assert_false(ts);
		assert_int_equal(f->flow_id, 1 + i);
		assert_int_equal(f->state, YG_FLOW_ESTABLISHED);
	}
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.created, n);
	assert_int_equal(st.active, n);
	size_t mem = yg_flow_table_memory(t);
	/* Two cache lines a flow plus 4-byte buckets at load <= 3/4, rounded
	 * up to whole chunks. */
	assert_true(mem < (size_t)n * 160);

	yg_flow_expire(t, T0 + n + 300 * S);
	assert_int_equal(r.why[YG_FLOW_END_TIMEOUT], n);
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.active, 0);
	/* Emptied chunks went back, all but one or two (hysteresis). */
	assert_true(yg_flow_table_memory(t) <
	            mem - (size_t)(n - 2 * YG_FLOW_CHUNK_FLOWS) * sizeof(struct yg_flow));

	/* A second round reuses the pool: no new memory. */
	for (uint32_t i = 0; i < n; i++) {
		struct yg_packet p = flood_pkt(i + n, T0 + 400 * S + i);
		bool cr;
		assert_non_null(feed(t, &p, NULL, &cr));
		assert_true(cr);
	}
	assert_int_equal(yg_flow_table_memory(t), mem);
	yg_flow_table_free(t);
	assert_int_equal(r.why[YG_FLOW_END_SHUTDOWN], n);
	assert_int_equal(r.n, 2 * n);
}

static void flood_stays_under_cap(void **state)
{
	(void)state;
	struct rec r = {0};
	const size_t cap = 1 << 20;
	struct yg_flow_table *t = table(cap, 1, &r);
	const uint32_t n = 50000;
	for (uint32_t i = 0; i < n; i++) {
		struct yg_packet p = flood_pkt(i, T0 + i);
		assert_non_null(feed(t, &p, NULL, NULL));
		assert_true(yg_flow_table_memory(t) <= cap);
	}
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.created, n);
	assert_int_equal(st.no_memory, 0);
	assert_int_equal(st.ended_evicted, n - st.active);
	assert_int_equal(r.why[YG_FLOW_END_EVICTED], n - st.active);
	/* Most of the cap goes to flows. */
	assert_true(st.active * sizeof(struct yg_flow) > cap / 2);
	/* The survivors are the newest. */
	struct yg_packet p = flood_pkt(n - 1, T0 + n);
	bool cr;
	feed(t, &p, NULL, &cr);
	assert_false(cr);
	p = flood_pkt(0, T0 + n);
	feed(t, &p, NULL, &cr);
	assert_true(cr);

	/* Once the flood has timed out, its memory is free for the app layer
	 * again: the emptied chunks were released. */
	yg_flow_expire(t, T0 + n + 3600 * S);
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(yg_flow_charge(t, (long)(cap / 4)), 0);
	/* And flows still come, under the cap. */
	for (uint32_t i = 0; i < 1000; i++) {
		p = flood_pkt(i, T0 + n + 3601 * S + i);
		assert_non_null(feed(t, &p, NULL, NULL));
		assert_true(yg_flow_table_memory(t) <= cap);
	}
	yg_flow_table_free(t);
}

static void ipv6_flows(void **state)
{
	(void)state;
	struct yg_flow_table *t = table(0, 1, NULL);
	struct yg_packet p;
	memset(&p, 0, sizeof p);
	p.ts_us = T0;
	p.wirelen = 80;
	p.family = 6;
	p.proto = TCP;
	p.l4_ok = true;
	const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	const uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	memcpy(p.src.b, s6, 16);
	memcpy(p.dst.b, d6, 16);
	p.sport = 50000;
	p.dport = 443;
	p.tcp_flags = SYN;
	bool ts, cr;
	struct yg_flow *f = feed(t, &p, &ts, &cr);
	uint64_t id = f->flow_id;
	assert_int_equal(f->family, 6);
	assert_memory_equal(f->cli.b, s6, 16);
	assert_memory_equal(f->srv.b, d6, 16);

	struct yg_packet q = p;
	q.src = p.dst;
	q.dst = p.src;
	q.sport = 443;
	q.dport = 50000;
	q.tcp_flags = SYN | ACK;
	f = feed(t, &q, &ts, &cr);
	assert_false(cr);
	assert_false(ts);
	assert_int_equal(f->flow_id, id);
	assert_int_equal(f->pkts_ts, 1);
	assert_int_equal(f->pkts_tc, 1);

	/* Addresses that differ only in their first byte are other flows. */
	q = p;
	q.src.b[0] = 0x30;
	assert_non_null(feed(t, &q, &ts, &cr));
	assert_true(cr);
	/* An IPv4 packet whose 16 address bytes match is another family. */
	q = p;
	q.family = 4;
	assert_non_null(feed(t, &q, &ts, &cr));
	assert_true(cr);
	/* ICMPv6 is port-less. */
	q = p;
	q.proto = ICMP6;
	q.sport = 128;
	f = feed(t, &q, &ts, &cr);
	assert_true(cr);
	assert_int_equal(f->cli_port, 0);
	yg_flow_table_free(t);
}

static void vlan_separation(void **state)
{
	(void)state;
	struct yg_flow_table *t = table(0, 1, NULL);
	struct yg_packet p = pkt4(A, 1111, B, 80, TCP, SYN, T0);
	bool cr;
	struct yg_flow *f = feed(t, &p, NULL, &cr);
	assert_int_equal(f->vlan, 0);
	uint64_t id0 = f->flow_id;
	p.vlan_n = 1;
	p.vlan[0] = 10;
	f = feed(t, &p, NULL, &cr);
	assert_true(cr);
	assert_int_equal(f->vlan, 10);
	uint64_t id10 = f->flow_id;
	p.vlan[0] = 20;
	f = feed(t, &p, NULL, &cr);
	assert_true(cr);
	assert_int_equal(f->vlan, 20);
	/* Only the outer tag counts. */
	p.vlan_n = 2;
	p.vlan[0] = 10;
	p.vlan[1] = 99;
	f = feed(t, &p, NULL, &cr);
	assert_false(cr);
	assert_int_equal(f->flow_id, id10);
	/* The reply on VLAN 10 finds the VLAN 10 flow. */
	struct yg_packet q = pkt4(B, 80, A, 1111, TCP, SYN | ACK, T0 + 1);
	q.vlan_n = 1;
	q.vlan[0] = 10;
	bool ts;
	f = feed(t, &q, &ts, &cr);
	assert_false(cr);
	assert_false(ts);
	assert_int_equal(f->flow_id, id10);
	q.vlan_n = 0;
	f = feed(t, &q, &ts, &cr);
	assert_int_equal(f->flow_id, id0);
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.created, 3);
	yg_flow_table_free(t);
}

static void flow_ids_and_bad_config(void **state)
{
	(void)state;
	struct yg_flow_table *t = table(0, 0, NULL);
	struct yg_packet p = pkt4(A, 1, B, 2, UDP, 0, T0);
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, 1); /* never 0 */
	p.sport = 3;
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, 2);
	yg_flow_table_free(t);

	t = table(0, (7ull << 48) + 1, NULL);
	p.sport = 4;
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, (7ull << 48) + 1);
	p.sport = 5;
	assert_int_equal(feed(t, &p, NULL, NULL)->flow_id, (7ull << 48) + 2);
	yg_flow_table_free(t);

	struct yg_flow_config c = {.memcap = 100};
	t = (struct yg_flow_table *)&c;
	assert_int_equal(yg_flow_table_new(&c, 1, NULL, NULL, &t), -EINVAL);
	assert_ptr_equal(t, (struct yg_flow_table *)&c); /* untouched on failure */
	yg_flow_table_free(NULL);

	/* The smallest cap accepted still holds a flow. */
	for (c.memcap = 100; yg_flow_table_new(&c, 1, NULL, NULL, &t) < 0; c.memcap += 8)
		assert_true(c.memcap < 65536);
	p.sport = 6;
	assert_non_null(feed(t, &p, NULL, NULL));
	assert_true(yg_flow_table_memory(t) <= c.memcap);
	p.sport = 7; /* the second one evicts the first */
	assert_non_null(feed(t, &p, NULL, NULL));
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	assert_int_equal(st.no_memory, 0);
	assert_true(st.active >= 1);
	yg_flow_table_free(t);
}

/* An ICMP destination unreachable from a router (C) to the client, quoting
 * the client's segment to the server. */
static struct yg_packet icmp_unreach(uint32_t from, uint32_t to, uint8_t type, uint8_t qproto,
				     bool whole, uint64_t ts)
{
	struct yg_packet p = pkt4(from, 3, to, 4, ICMP, 0, ts);
	p.icmp_type = type;
	p.icmp_code = 4;
	p.sport = type;
	p.wirelen = 590;
	p.quote.family = 4;
	p.quote.proto = qproto;
	p.quote.src = v4(A);
	p.quote.dst = v4(B);
	p.quote.sport = 40000;
	p.quote.dport = 25;
	p.quote_l4_whole = whole;
	return p;
}

static void icmp_error_counts_in_quoted_flow(void **state)
{
	(void)state;
	struct rec r = {0};
	struct yg_flow_table *t = table(0, 1, &r);
	const uint32_t C = 0xc0000201; /* 192.0.2.1, a router */
	struct yg_packet p = pkt4(A, 40000, B, 25, TCP, SYN, T0);
	struct yg_flow *f = feed(t, &p, NULL, NULL);
	assert_non_null(f);
	uint64_t id = f->flow_id;

	/* No flow of its own: from the router, to the client. */
	bool ts = true;
	p = icmp_unreach(C, A, 3, TCP, true, T0 + 2 * S);
	assert_true(yg_flow_icmp_error_quotes(&p));
	f = yg_flow_icmp_error(t, &p, &ts);
	assert_non_null(f);
	assert_int_equal(f->flow_id, id);
	assert_false(ts);
	assert_int_equal(f->pkts_tc, 1);
	assert_int_equal(f->bytes_tc, 590);
	assert_int_equal(f->pkts_ts, 1);
	assert_int_equal(f->last_us, T0 + 2 * S);
	/* A TCP flow's state is its segments'. */
	assert_int_equal(f->state, YG_FLOW_NEW);

	/* Sent by the client itself: to the server. */
	p = icmp_unreach(A, C, 3, TCP, true, T0 + 3 * S);
	f = yg_flow_icmp_error(t, &p, &ts);
	assert_non_null(f);
	assert_true(ts);
	assert_int_equal(f->pkts_ts, 2);

	/* Not such a message: a time exceeded, a quote cut inside the TCP
	 * header, a quoted UDP datagram no flow holds. */
	p = icmp_unreach(C, A, 11, TCP, true, T0 + 4 * S);
	assert_false(yg_flow_icmp_error_quotes(&p));
	assert_null(yg_flow_icmp_error(t, &p, &ts));
	p = icmp_unreach(C, A, 3, TCP, false, T0 + 4 * S);
	assert_false(yg_flow_icmp_error_quotes(&p));
	assert_null(yg_flow_icmp_error(t, &p, &ts));
	p = icmp_unreach(C, A, 3, UDP, true, T0 + 4 * S);
	assert_true(yg_flow_icmp_error_quotes(&p));
	assert_null(yg_flow_icmp_error(t, &p, &ts));

	/* A UDP flow the error answers is established by it. */
	p = pkt4(A, 40000, B, 25, UDP, 0, T0 + 5 * S);
	f = feed(t, &p, NULL, NULL);
	assert_int_equal(f->state, YG_FLOW_NEW);
	p = icmp_unreach(C, A, 3, UDP, true, T0 + 6 * S);
	f = yg_flow_icmp_error(t, &p, &ts);
	assert_non_null(f);
	assert_int_equal(f->proto, UDP);
	assert_int_equal(f->state, YG_FLOW_ESTABLISHED);
	yg_flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(both_directions_one_flow),
	    cmocka_unit_test(icmp_error_counts_in_quoted_flow),
	    cmocka_unit_test(synack_first_reverses),
	    cmocka_unit_test(tcp_states),
	    cmocka_unit_test(tcp_state_machine),
	    cmocka_unit_test(tcp_port_reuse),
	    cmocka_unit_test(udp_icmp_other_states_and_ports),
	    cmocka_unit_test(timeouts_per_state),
	    cmocka_unit_test(timeouts_configured_and_refreshed),
	    cmocka_unit_test(lru_eviction_order_and_no_memory),
	    cmocka_unit_test(expiry_exact_within_a_tick),
	    cmocka_unit_test(expire_some_in_slices),
	    cmocka_unit_test(lru_eviction_across_classes),
	    cmocka_unit_test(charge_release_and_no_memory),
	    cmocka_unit_test(many_flows_create_expire_reuse),
	    cmocka_unit_test(flood_stays_under_cap),
	    cmocka_unit_test(ipv6_flows),
	    cmocka_unit_test(vlan_separation),
	    cmocka_unit_test(flow_ids_and_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
