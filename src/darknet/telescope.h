/*
 * The network telescope: packets whose destination is in a darknet
 * prefix are classified (classify.h), counted per source, per (protocol,
 * port) and per backscatter victim, in windows of one minute of packet
 * time, and each closed window is written out: EVE events "darknet" (one
 * per source), "darknet_victim" (one per victim) and "darknet_stats" (the
 * port series), and a JSON body for the hub (on_window).
 *
 * Memory is bounded by memcap, split once at start:
 *   the port index (768 KiB) and the victims (672 KiB) first, then 2 %
 *   of the rest (at most 4096 packets, 272 KiB) for the packets whose
 *   sources are counted in a batch, then of the rest 65 % source records
 *   (320 bytes each: hot and cold parts, telescope-int.h, and buckets),
 *   20 % per-port counters of the open window, 15 % the seen-before
 *   filter (a Bloom filter).
 * When the source records are full, a new source takes the place of the
 * record with the fewest packets in the open window among 8 picked at
 * random (ties: the one seen least recently): one-packet sources, the
 * bulk of a spoofed flood or a wide sweep, go first and heavy hitters
 * stay, as in space-saving top-K (Metwally et al. 2005) but O(1). Every
 * such eviction is counted (sources_evicted), and packets of the window
 * that lose their source record with it are counted too
 * (packets_unattributed); their port counts stay. A port entry that does
 * not fit is counted (ports_dropped), and so is a victim (victims_dropped).
 *
 * Not thread-safe: the sensor's reading thread owns it.
 */
#ifndef YG_DARKNET_TELESCOPE_H
#define YG_DARKNET_TELESCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darknet/classify.h"
#include "darknet/geo.h"
#include "darknet/research.h"
#include "decode/packet.h"
#include "output/eve.h"

#define YG_DN_PREFIX_MAX    64
#define YG_DN_WINDOW_US     60000000ull
#define YG_DN_HUB_SOURCES   1000 /* top sources in a hub body */
#define YG_DN_HUB_VICTIMS   1000
#define YG_DN_TOP_PORTS     10   /* per source */
#define YG_DN_MEMCAP_MIN    (4u << 20)

struct yg_darknet;

struct yg_darknet_config {
	/* "CIDR[,CIDR...]" lists, as given to --darknet (borrowed). */
	const char *const *prefix_lists;
	unsigned n_lists;
	size_t memcap; /* bytes, >= YG_DN_MEMCAP_MIN */
	const struct yg_dn_research *research; /* borrowed, may be NULL */
	const struct yg_geo *geo;              /* borrowed, may be NULL */
	struct yg_eve_sink *sink;              /* borrowed, may be NULL: no EVE */
	bool log_sources, log_victims, log_stats; /* which event types */
	const char *sensor_name; /* for the hub body; copied; NULL: "sensor" */
	/* Called with the hub body of every closed window that saw packets
	 * (borrowed for the call). May be NULL. */
	void (*on_window)(void *ud, const char *json, size_t len);
	void *ud;
	/* Packets whose sources are counted together (telescope.c: why);
	 * 0: as many as memcap allows, at most 4096; 1: each at once. The
	 * output is the same whatever the number, as long as no record is
	 * evicted for room. */
	unsigned batch;
	uint64_t seed; /* of the hashes; 0: random (tests fix it to compare runs) */
};

struct yg_darknet_stats {
	uint64_t packets, bytes;
	uint64_t classes[YG_DN_CLASS__COUNT];
	uint64_t anomalies[YG_DN_ANOM__COUNT];
	uint64_t fingerprints[YG_DN_FP__COUNT]; /* packets by their own fingerprint */
	uint64_t windows;
	uint64_t sources;              /* records made */
	uint64_t sources_evicted;      /* records dropped for room */
	uint64_t packets_unattributed; /* window packets whose record went */
	uint64_t ports_dropped;        /* packets whose port entry did not fit */
	uint64_t victims_dropped;      /* backscatter packets whose victim did not fit */
	uint64_t source_capacity;      /* records memcap allows */
	uint64_t memory;               /* bytes reserved (at most memcap) */
};

/* Parses the prefixes; err says which one is bad. Caller frees. */
int yg_darknet_new(const struct yg_darknet_config *cfg, struct yg_darknet **ret, char *err,
                   size_t errlen);
/* Closes the open window (yg_darknet_finish) first. */
void yg_darknet_free(struct yg_darknet *dn);

/* Whether pkt's destination is in a darknet prefix (pkt decoded to IP). */
bool yg_darknet_match(const struct yg_darknet *dn, const struct yg_packet *pkt);

/* Counts one telescope packet; frame/len: the captured bytes pkt borrows. */
void yg_darknet_packet(struct yg_darknet *dn, const struct yg_packet *pkt, const uint8_t *frame,
                       size_t len);

/* Closes the open window when now_us is past its end (idle live links). */
void yg_darknet_tick(struct yg_darknet *dn, uint64_t now_us);
/* Closes the open window, whatever the time (end of a capture). */
void yg_darknet_finish(struct yg_darknet *dn);

/* IPv4 addresses the prefixes cover (overlaps counted once per prefix);
 * for an IPv6-only telescope min(2^32, its /64 count); at least 1. */
uint64_t yg_darknet_addresses(const struct yg_darknet *dn);

void yg_darknet_stats(const struct yg_darknet *dn, struct yg_darknet_stats *ret);

#endif
