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

/* A classified packet waiting for its source's record (telescope.c). */
struct dn_pend {
	struct yg_addr src;
	uint8_t family;
	uint32_t wirelen;
	uint32_t rec_hint; /* the record its bucket named at PIPE_REC, or NIL */
	uint64_t ts_us, h, dst_h;
	uint64_t victim_h; /* backscatter: the victim's slot hash */
	struct yg_dn_info in;
};

/* The pipeline's stages, in packets after a packet is queued: its bucket
 * is prefetched at once, its record PIPE_REC later, the Bloom filter's
 * lines PIPE_NEW later when the record has no packet in the window yet,
 * and it is accounted PIPE_LEN - 1 later. */
#define PIPE_LEN 32
#define PIPE_REC 12
#define PIPE_NEW 22

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

	struct dn_pend pipe[PIPE_LEN];
	unsigned pipe_head, pipe_n;

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
