/*
 * Bidirectional 5-tuple flow table with timeouts, a memory cap and
 * eviction. One table per worker thread: no locks.
 *
 * Key: (address, port) of both sides in either order, IP protocol, family
 * and the outer VLAN id (vlan[0] when the packet has a VLAN tag, else 0).
 * Ports are 0 for ICMP/ICMPv6 (one flow per address pair; the echo
 * identifier is not in struct yg_packet), for protocols other than TCP and
 * UDP, and whenever the L4 header was not decoded (l4_ok false): a
 * non-first IP fragment therefore lands in the port-less flow of its
 * address pair, not in the flow of its first fragment.
 *
 * The client is the side that sent the first packet seen, except when
 * that packet is a TCP SYN+ACK (then its receiver is the client).
 *
 * States: NEW until both sides were seen (TCP: or a SYN+ACK), then
 * ESTABLISHED; TCP goes to CLOSED on an RST or once both sides sent a FIN.
 * CLOSED is final: a SYN without ACK on a CLOSED flow's tuple is a new
 * connection reusing the ports (clients and NATs do, well within the
 * CLOSED timeout), so it ends the closed flow (YG_FLOW_END_TCP_REUSE) and
 * starts a flow of its own, as Suricata's stream engine does.
 *
 * Timeouts (seconds of packet time idle; defaults in parentheses):
 *   TCP and other protocols: NEW timeout_new (30), ESTABLISHED timeout_est (300)
 *   UDP, any state:  timeout_udp (60)
 *   ICMP/ICMPv6, any state: timeout_icmp (30)
 *   CLOSED: timeout_closed (60)
 * These are Suricata's defaults (flow-timeouts), CLOSED included: a
 * closed connection's late retransmissions (a FIN resent for a minute, as
 * in suricata-verify's bug-2646) then stay in its flow and its event,
 * where a shorter timeout split them into a second flow.
 *
 * Memory: flows live in a pool of 2 MiB chunks (16384 flows; the last one
 * may be partial to fit the cap) that grows on demand; chunks emptied by
 * ended flows are released, others reuse their free slots; plus a bucket array
 * of 4-byte slots kept at a load factor <= 0.75 by incremental doubling.
 * Everything the table allocates, and the app memory charged with
 * yg_flow_charge, counts against memcap. About 138 bytes per flow at 1M
 * flows (see bench/bench_flow.c).
 */
#ifndef YG_FLOW_FLOW_H
#define YG_FLOW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

enum yg_flow_state {
	YG_FLOW_NEW = 0,         /* seen one side only */
	YG_FLOW_ESTABLISHED = 1, /* both sides seen (TCP: handshake or data both ways) */
	YG_FLOW_CLOSED = 2,      /* TCP FIN from both sides, or RST */
};

/*
 * The TCP connection state, named and moved as Suricata's stream engine
 * does (so EVE's tcp.state reads the same), from the flags alone: yagura
 * does not track sequence numbers, so an ACK is taken to acknowledge the
 * FIN before it. Suricata names the states from the server's side: a FIN
 * from the client leads to CLOSE_WAIT, one from the server to FIN_WAIT1.
 * NONE: no SYN seen (a connection picked up midstream).
 */
enum yg_tcp_state {
	YG_TCP_NONE = 0,
	YG_TCP_SYN_SENT,
	YG_TCP_SYN_RECV,
	YG_TCP_ESTABLISHED,
	YG_TCP_FIN_WAIT1,
	YG_TCP_FIN_WAIT2,
	YG_TCP_TIME_WAIT,
	YG_TCP_LAST_ACK,
	YG_TCP_CLOSE_WAIT,
	YG_TCP_CLOSING,
	YG_TCP_CLOSED,
};

/* "syn_sent", "established", ...; NULL for YG_TCP_NONE. */
const char *yg_tcp_state_name(unsigned s);

enum yg_flow_end {
	YG_FLOW_END_TIMEOUT = 0,
	YG_FLOW_END_EVICTED = 1,  /* pushed out to stay under the memory cap */
	YG_FLOW_END_SHUTDOWN = 2, /* end of capture / table freed */
	YG_FLOW_END_TCP_REUSE = 3, /* a new connection (SYN) on a closed flow's tuple */
};

/*
 * 128 bytes, 64-byte aligned: the lookup reads the key, hash and chain link
 * from the first cache line only; the counters are in the second.
 */
struct yg_flow {
	/* Public, read-only outside flow/ except app/app_flags. */
	struct yg_addr cli, srv;
	uint16_t cli_port, srv_port; /* ICMP, other protocols, no L4 header: 0 */
	uint8_t proto;
	uint8_t family;
	uint16_t vlan;                      /* outer VLAN id, 0 if none */
	/* enum yg_flow_state and enum yg_tcp_state, packed into one byte:
	 * the first cache line is full (see above). */
	uint8_t state : 2;
	uint8_t tcp_state : 4;
	uint8_t tcp_flags_ts, tcp_flags_tc; /* OR of flags seen each way */
	uint8_t app_flags;                  /* free for the engine */

	/* Private to flow/: slot numbers in the table's pool, 0 = none. */
	uint32_t hash;               /* low 32 bits of the key's hash */
	uint32_t hnext;              /* bucket chain; free list when unused */
	uint32_t lru_prev, lru_next; /* the LRU list of the flow's timeout class */
	uint32_t self;               /* this flow's own slot number */

	/* Public. */
	uint64_t flow_id;            /* unique within the run, never 0 */
	uint64_t first_us, last_us;  /* last_us never goes backwards */
	uint64_t pkts_ts, pkts_tc;   /* to server / to client */
	uint64_t bytes_ts, bytes_tc; /* wire bytes */
	void *app;                   /* engine-owned; freed by the engine's end callback */
};

struct yg_flow_config {
	size_t memcap;        /* bytes for flows + buckets + charged app memory; 0 = 1 GiB */
	uint32_t timeout_new; /* seconds idle before a NEW flow ends; 0 = defaults above */
	uint32_t timeout_est;
	uint32_t timeout_closed;
	uint32_t timeout_udp;
	uint32_t timeout_icmp;
};

/* Called for every flow that ends; the callback must free f->app (and may
 * release its charge with yg_flow_charge(t, -n)). The flow itself is
 * recycled by the table right after the callback returns. The callback
 * must not call yg_flow_packet, yg_flow_expire or yg_flow_table_free. */
typedef void (*yg_flow_end_fn)(void *ud, struct yg_flow *f, enum yg_flow_end why);

struct yg_flow_stats {
	uint64_t created;
	uint64_t ended_timeout;
	uint64_t ended_evicted;
	uint64_t ended_shutdown;
	uint64_t ended_tcp_reuse;
	uint64_t no_memory; /* packets that got no flow (memcap with nothing evictable) */
	uint64_t active;
	uint64_t active_max;
};

struct yg_flow_table;

/* id_base: flow ids start from here (workers use disjoint ranges); an id
 * that would be 0 is skipped. end may be NULL. Returns -EINVAL when memcap
 * cannot hold the table itself plus a few flows, -ENOMEM. Caller frees
 * with yg_flow_table_free. */
int yg_flow_table_new(const struct yg_flow_config *cfg, uint64_t id_base, yg_flow_end_fn end,
                      void *ud, struct yg_flow_table **ret);

/* Ends every remaining flow (YG_FLOW_END_SHUTDOWN callbacks) and frees.
 * Accepts NULL. */
void yg_flow_table_free(struct yg_flow_table *t);

/* Ends every remaining flow (YG_FLOW_END_SHUTDOWN callbacks); the table
 * stays usable, its counters and memory as they were. */
void yg_flow_table_end_all(struct yg_flow_table *t);

/*
 * Ends every remaining flow (callbacks as above), then puts the table back
 * in the state of a new one with the same configuration: counters zero,
 * flow ids from id_base again, no charged app memory, the bucket array at
 * its first size. What it keeps is the allocations a new table would make
 * again at once (the bucket array and the pool's first chunk), so that the
 * same packets afterwards give the same flows, ids, evictions and
 * refusals as on a new table. For whoever runs many short captures
 * through one table (the fuzz harnesses): a new table's first chunk is up
 * to 2 MiB, mapped and unmapped per capture. The hash seed is kept: no
 * result depends on it.
 */
void yg_flow_table_reset(struct yg_flow_table *t);

/*
 * Finds or creates the flow of pkt (which must have family != 0) and
 * accounts the packet in it (counters, flags, state, last_us). Sets
 * *ret_toserver. Returns NULL (counted in no_memory) when the memory cap
 * leaves no room even after ending the flows already past their timeout
 * and evicting the least recently used flow (to within about a second,
 * 2^20 us, of packet time). *ret_created (may be NULL) tells whether the
 * flow is new. The pointer stays valid until the next
 * call of yg_flow_packet, yg_flow_expire or yg_flow_table_free.
 */
struct yg_flow *yg_flow_packet(struct yg_flow_table *t, const struct yg_packet *pkt,
                               bool *ret_toserver, bool *ret_created);

/*
 * Batched lookups hide memory latency: hash every packet of a batch with
 * yg_flow_hash, prefetch its bucket, a few packets later prefetch the
 * flow the bucket points to, then call yg_flow_packet_hashed (same
 * contract as yg_flow_packet). h must be yg_flow_hash(t, pkt) of the same
 * table.
 */
uint32_t yg_flow_hash(const struct yg_flow_table *t, const struct yg_packet *pkt);
void yg_flow_prefetch_bucket(struct yg_flow_table *t, uint32_t h);
void yg_flow_prefetch_flow(struct yg_flow_table *t, uint32_t h);
/* Second stage, once yg_flow_prefetch_flow's line has arrived: the first
 * flow in h's bucket if it has h's hash (most often pkt's own flow: a hint
 * for prefetching what it points to, never dereference more than a hint),
 * else NULL after prefetching the second flow of the chain. ts_us: the
 * packet's time, to fetch what accounting it will touch. */
const struct yg_flow *yg_flow_peek(struct yg_flow_table *t, uint32_t h, uint64_t ts_us);
struct yg_flow *yg_flow_packet_hashed(struct yg_flow_table *t, const struct yg_packet *pkt,
				      uint32_t h, bool *ret_toserver, bool *ret_created);

/*
 * An ICMP destination unreachable that quotes a whole TCP or UDP header
 * belongs to the flow it quotes, as in Suricata: it is counted there (to
 * the server when the flow's client sent it, else to the client) and
 * makes no ICMP flow of its own. yg_flow_icmp_error_quotes tells whether
 * pkt is such a message (its worker is the quoted flow's: the sensor's
 * engine picks it by the quote's tuple). yg_flow_icmp_error accounts pkt in the quoted flow and returns it, or returns NULL when
 * the table holds no such flow (pkt then goes its own way, through
 * yg_flow_packet). Same pointer validity as yg_flow_packet.
 */
bool yg_flow_icmp_error_quotes(const struct yg_packet *pkt);
struct yg_flow *yg_flow_icmp_error(struct yg_flow_table *t, const struct yg_packet *pkt,
				   bool *ret_toserver);

/* Ends flows idle past their timeout at time now_us (packet time). Costs
 * O(flows ended + number of timeout classes). */
void yg_flow_expire(struct yg_flow_table *t, uint64_t now_us);

/* A slice of yg_flow_expire for the packet path: ends at most max flows
 * idle past their timeout at now_us, only those at the tail of their
 * class (it never looks past a flow that is not due, which
 * yg_flow_expire does for the ones hidden within a tick). Called after
 * every batch, it spreads the ending of flows (and their events) over the
 * packets instead of a burst every second that stalls the other workers.
 * Returns the number of flows ended. */
unsigned yg_flow_expire_some(struct yg_flow_table *t, uint64_t now_us, unsigned max);

/*
 * Charges (delta > 0) or releases (delta < 0) app-layer memory against the
 * cap. Releases spare (wholly unused) flow chunks first when they stand in
 * the way; never ends a flow. Returns 0, or -ENOMEM when charging would
 * exceed the cap (nothing charged then). Releasing more than was charged
 * clamps at 0.
 */
int yg_flow_charge(struct yg_flow_table *t, long delta);

void yg_flow_table_stats(const struct yg_flow_table *t, struct yg_flow_stats *ret);

/* Bytes currently used (flow pool, buckets, table, charged app memory). */
size_t yg_flow_table_memory(const struct yg_flow_table *t);

#endif
