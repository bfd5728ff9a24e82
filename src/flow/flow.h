/*
 * Bidirectional 5-tuple flow table with timeouts, a memory cap and
 * eviction. One table per worker thread: no locks.
 *
 * The client is the side that sent the first packet seen, except when
 * that packet is a TCP SYN+ACK (then its receiver is the client).
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

enum yg_flow_end {
	YG_FLOW_END_TIMEOUT = 0,
	YG_FLOW_END_EVICTED = 1,  /* pushed out to stay under the memory cap */
	YG_FLOW_END_SHUTDOWN = 2, /* end of capture / table freed */
};

struct yg_flow {
	/* Public, read-only outside flow/ except app/app_flags. */
	struct yg_addr cli, srv;
	uint16_t cli_port, srv_port;  /* ICMP: 0 */
	uint8_t proto;
	uint8_t family;
	uint16_t vlan;                /* outer VLAN id, 0 if none */
	uint8_t state;                /* enum yg_flow_state */
	uint8_t tcp_flags_ts, tcp_flags_tc; /* OR of flags seen each way */
	uint8_t app_flags;            /* free for the engine */
	uint64_t flow_id;             /* unique within the run, never 0 */
	uint64_t first_us, last_us;
	uint64_t pkts_ts, pkts_tc;    /* to server / to client */
	uint64_t bytes_ts, bytes_tc;  /* wire bytes */
	void *app;                    /* engine-owned; freed by the engine's end callback */

	/* Private to flow/. */
	struct yg_flow *hnext;
	struct yg_flow *lru_prev, *lru_next;
	uint32_t hash;
};

struct yg_flow_config {
	size_t memcap;           /* bytes for flows + buckets + charged app memory; 0 = 1 GiB */
	uint32_t timeout_new;    /* seconds idle before a NEW flow ends; 0 = defaults below */
	uint32_t timeout_est;
	uint32_t timeout_closed;
	uint32_t timeout_udp;
	uint32_t timeout_icmp;
};

/* Called for every flow that ends; the callback must free f->app. The flow
 * itself is freed by the table right after the callback returns. */
typedef void (*yg_flow_end_fn)(void *ud, struct yg_flow *f, enum yg_flow_end why);

struct yg_flow_stats {
	uint64_t created;
	uint64_t ended_timeout;
	uint64_t ended_evicted;
	uint64_t ended_shutdown;
	uint64_t no_memory;  /* packets that got no flow (memcap with nothing evictable) */
	uint64_t active;
	uint64_t active_max;
};

struct yg_flow_table;

/* id_base: flow ids start from here (workers use disjoint ranges). Caller
 * frees with yg_flow_table_free. */
int yg_flow_table_new(const struct yg_flow_config *cfg, uint64_t id_base, yg_flow_end_fn end,
		      void *ud, struct yg_flow_table **ret);

/* Ends every remaining flow (YG_FLOW_END_SHUTDOWN callbacks) and frees. */
void yg_flow_table_free(struct yg_flow_table *t);

/*
 * Finds or creates the flow of pkt (which must have family != 0) and
 * accounts the packet in it (counters, flags, state, last_us). Sets
 * *ret_toserver. Returns NULL when the memory cap leaves no room even after
 * evicting the least recently used flow (counted in no_memory).
 * *ret_created (may be NULL) tells whether the flow is new.
 */
struct yg_flow *yg_flow_packet(struct yg_flow_table *t, const struct yg_packet *pkt,
			       bool *ret_toserver, bool *ret_created);

/* Ends flows idle past their timeout at time now_us (packet time). */
void yg_flow_expire(struct yg_flow_table *t, uint64_t now_us);

/*
 * Charges (delta > 0) or releases (delta < 0) app-layer memory against the
 * cap. Returns 0, or -ENOMEM when charging would exceed the cap (nothing
 * charged then).
 */
int yg_flow_charge(struct yg_flow_table *t, long delta);

void yg_flow_table_stats(const struct yg_flow_table *t, struct yg_flow_stats *ret);

/* Bytes currently used (flows, buckets, charged app memory). */
size_t yg_flow_table_memory(const struct yg_flow_table *t);

#endif
