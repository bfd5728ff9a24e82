/* Private to src/darknet: the telescope's state, shared by telescope.c
 * (the packet path) and window.c (closing a window: EVE and hub body). */
#ifndef YG_DARKNET_TELESCOPE_INT_H
#define YG_DARKNET_TELESCOPE_INT_H

#include "darknet/telescope.h"

#define SRC_HLL_P  6 /* per source: 64 registers, 13 % standard error */
#define PORT_HLL_P 8 /* per port:  256 registers, 6.5 % standard error */
#define NIL        UINT32_MAX
#define N_PROTO    3 /* tcp, udp, icmp: index by proto_index() */
#define VICTIM_CAP 8192 /* victims per window (open addressing, 2x room) */

struct top_port {
	uint32_t packets;
	uint16_t port;
	uint8_t proto; /* 6, 17, 1; 0 = free */
};

struct src_rec {
	struct yg_addr addr;
	uint32_t next;        /* hash chain */
	uint8_t family;
	uint8_t geo_done, w_new, research;
	char country[3];
	uint8_t protos;       /* bit per proto_index, lifetime */
	uint32_t asn;
	uint64_t first_us, last_us;
	uint64_t packets, bytes; /* lifetime */
	uint64_t w_bytes;
	uint32_t w_packets;
	uint32_t w_class[YG_DN_CLASS__COUNT];
	uint32_t fp[YG_DN_FP_RESEARCH]; /* packets by fingerprint, lifetime */
	struct top_port top[YG_DN_TOP_PORTS];
	uint8_t hll_dst[1 << SRC_HLL_P];
	uint8_t hll_port[1 << SRC_HLL_P];
};

struct port_stat {
	uint32_t packets;
	uint8_t hll_src[1 << PORT_HLL_P];
	uint8_t hll_new[1 << PORT_HLL_P];
};

struct victim {
	struct yg_addr addr;
	uint8_t family, proto, has_port, used;
	uint16_t port;
	uint32_t packets;
	uint64_t last_us;
};

/*
 * A packet's share of its source's record, deferred (telescope.c: why):
 * what account_run() needs, with the two HyperLogLog registers already
 * picked. 48 bytes.
 */
struct dn_ent {
	struct yg_addr src;
	uint64_t ts_us;
	uint32_t wirelen;
	uint32_t port_i; /* the port entry counted at once (for hll_new), or NIL */
	uint8_t family, cls, fp, proto;
	uint8_t dst_idx, dst_rank;   /* hll_dst register and rank */
	uint8_t port_idx, port_rank; /* hll_port register and rank; rank 0: no port */
	uint8_t top_proto;           /* the port the record counts (0: none) */
	uint16_t top_port;
};

#define BATCH_MAX 65536u /* deferred packets at most (memcap may allow fewer) */
#define BATCH_MIN 64u

struct prefix {
	uint8_t family, plen;
	struct yg_addr net;
	uint64_t mask_hi, mask_lo, net_hi, net_lo; /* as two big-endian words */
};

struct yg_darknet {
	struct yg_darknet_config cfg;
	char sensor_name[65];
	struct prefix pfx[YG_DN_PREFIX_MAX];
	unsigned n_pfx;
	uint64_t addresses;
	uint64_t seed;

	/* Source records: a fixed array, chained through buckets. */
	/* The big tables are 2 MiB-aligned inside blocks whose start is in
	 * the *_mem field (telescope.c: huge_table). */
	struct src_rec *rec;
	void *rec_mem, *bucket_mem, *port_mem, *bloom_mem;
	uint32_t *bucket;
	uint32_t n_rec, cap_rec, bucket_mask;
	uint64_t rng;

	/* Per-port counters of the open window: index[proto][port] -> pool. */
	uint32_t *port_index; /* N_PROTO * 65536, NIL when unused */
	struct port_stat *port_pool;
	uint32_t *port_used;  /* the indexes set, to clear at window end */
	uint32_t n_port, cap_port;

	/* Seen-before filter: a Bloom filter of sources, k = 3. */
	uint64_t *bloom;
	uint64_t bloom_bits, bloom_set;

	struct victim *victims; /* VICTIM_CAP * 2 slots */
	uint32_t n_victims;

	uint64_t win_start; /* open window, microseconds; 0: none yet */
	uint64_t w_packets, w_bytes;
	uint64_t w_class[YG_DN_CLASS__COUNT];
	uint64_t w_anom[YG_DN_ANOM__COUNT];

	/* Deferred packets (telescope.c): ent[pos]; keys (source hash's high
	 * 32 bits << 32 | pos) sorted with tmp; mark per pos for the runs
	 * whose source is new in the window. */
	struct dn_ent *ent;
	uint64_t *keys, *tmp;
	uint32_t *mark;
	uint32_t n_ent, cap_ent;
	unsigned bucket_shift; /* bucket: the hash's high 32 bits >> this */

	struct yg_eve eve;
	bool eve_ok;
	struct yg_darknet_stats st;
};

static inline unsigned proto_index(uint8_t proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : 2;
}

static inline uint8_t index_proto(unsigned i)
{
	return i == 0 ? 6 : i == 1 ? 17 : 1;
}

/* window.c: writes the open window out and resets it. */
void yg_dn_window_close(struct yg_darknet *dn);

#endif
