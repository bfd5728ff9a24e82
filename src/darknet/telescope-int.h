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

/*
 * A source's record in two parts, indexed alike (hot[i], cold[i]).
 *
 * The hot part is one cache line and is all that a packet of a source
 * that keeps to one class, one fingerprint and one port touches: with
 * 200,000 sources nearly every run of a source's packets misses the cache,
 * and one line instead of five was most of the darknet path's time.
 * Window counters that usually repeat are kept as "like the window's
 * first packet" (cf0, top0) and only packets unlike it reach the cold
 * part; 16-bit and 32-bit window counters carry into it. The destinations
 * are 64 HyperLogLog registers of 4 bits (hll.h: yg_hll4_*).
 */
struct src_hot {
	uint64_t key;       /* IPv4: the address's 4 bytes; IPv6: its hash (cold.addr decides) */
	uint32_t next;      /* hash chain */
	uint32_t w_packets;
	uint32_t last_off;  /* the last packet, microseconds after win_start */
	uint32_t w_bytes;   /* low 32 bits (cold.w_bytes_hi) */
	uint8_t flags;      /* HOT_* */
	uint8_t cf0;        /* class | fingerprint << 4 of the window's first packet */
	uint16_t top0_port; /* the window's first port, until HOT_MULTI */
	uint8_t top0_proto; /* 0: none yet */
	uint8_t pad;
	uint16_t top0_cnt;  /* its packets, low 16 bits (cold.top0_hi) */
	uint8_t dst[1 << (SRC_HLL_P - 1)]; /* 64 4-bit registers */
};

_Static_assert(sizeof(struct src_hot) == 64, "a source's hot part is one cache line");

#define HOT_V6     0x01
#define HOT_NEW    0x02 /* new in the window (the Bloom filter said so) */
#define HOT_MULTI  0x04 /* a second port: the ports are counted in cold */
#define HOT_DIRTY  0x08 /* cold holds window counters to clear */
#define HOT_PROTO0 0x10 /* protocols seen, lifetime: HOT_PROTO0 << proto_index */

/* The rest: written when a source is made, when a packet is unlike the
 * window's first, when a counter carries, and when the window closes. */
struct src_cold {
	/* What a record's creation writes, first: a new record (zero from
	 * the kernel) then dirties one or two lines, not all four. */
	struct yg_addr addr;
	uint64_t first_us;
	uint8_t family, research, geo_done;
	char country[3];
	uint64_t last_us;             /* as of the last closed window */
	uint64_t packets, bytes;      /* lifetime, up to the last closed window */
	uint32_t asn;
	uint32_t w_bytes_hi, top0_hi; /* carries: 2^32 bytes, 2^16 packets */
	uint32_t dev_cls[YG_DN_CLASS__COUNT]; /* window packets unlike cf0, by class */
	uint32_t fp[YG_DN_FP_RESEARCH];       /* packets by fingerprint, lifetime */
	struct top_port top[YG_DN_TOP_PORTS]; /* with HOT_MULTI */
	uint8_t hll_port[1 << SRC_HLL_P];     /* with HOT_MULTI */
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

/* Deferred packets at most (memcap may allow fewer). 4096: the batch
 * (272 KiB with its keys) stays in the core's L2 cache between its
 * writes and the flush; 65536 (4.25 MiB) had left it, and each packet
 * paid a miss to write its entry and another to read it back, more than
 * the longer sort runs saved. */
#define BATCH_MAX 4096u
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
	struct src_hot *hot;
	struct src_cold *cold;
	void *hot_mem, *cold_mem, *bucket_mem, *port_mem, *bloom_mem;
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
	/* Per slot 0 (free) or a 16-bit tag of the victim's hash: a probe
	 * reads these 32 KiB (cached) and a victim's 40 bytes only on a
	 * matching tag. Most backscatter packets of a full table belong to
	 * no victim in it; each probed a 640 KiB table at random. */
	uint16_t *vtag;
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

static inline unsigned hot_class(const struct src_hot *r)
{
	return r->cf0 & 15;
}

static inline unsigned hot_fp(const struct src_hot *r)
{
	return r->cf0 >> 4;
}

/* window.c: writes the open window out and resets it. */
void yg_dn_window_close(struct yg_darknet *dn);

#endif
