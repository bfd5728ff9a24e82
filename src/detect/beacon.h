/*
 * Beacon detection: per (internal host, external destination) pair, the
 * start times of the host's connections, scored for regularity
 * (beacon_score.h) each time a new beat arrives.
 *
 * A pair is (host, destination, protocol, destination port), where the
 * destination is the name the connection carried (TLS SNI, HTTP Host,
 * DNS query name) when there is one, else the server's address: a beacon
 * to a name that resolves to changing addresses is still one pair.
 *
 * Bounds: each pair keeps its last YG_BEACON_RING starts (a sorted ring
 * of millisecond offsets); all pairs together stay within memcap. Pairs
 * idle for idle_us are dropped (expired). When the cap is reached, the
 * least recently updated pair goes, taken first from pairs with fewer
 * than three beats (a segmented LRU): a sweep over many one-off
 * destinations then evicts its own kind, not the few pairs with a
 * history. Every drop is counted.
 *
 * A pair found to beacon is reported once, then again at most once per
 * renotify_us of packet time while it keeps beaconing.
 *
 * Thread safety: any thread may call yg_beacon_observe; the table is cut
 * into stripes by pair hash, each under its own mutex (held for a lookup,
 * an insertion into a 32-slot ring, and now and then a score).
 */
#ifndef YG_DETECT_BEACON_H
#define YG_DETECT_BEACON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "detect/beacon_score.h"

#define YG_BEACON_RING     32
#define YG_BEACON_NAME_MAX 253
#define YG_BEACON_MEMCAP_MIN (1u << 20)

struct yg_beacon;

struct yg_beacon_config {
	size_t memcap;          /* bytes for every pair; 0 = 64 MiB; >= YG_BEACON_MEMCAP_MIN */
	uint64_t renotify_us;   /* 0 = one hour */
	uint64_t idle_us;       /* 0 = 12 hours */
	struct yg_beacon_params score; /* zeros: beacon_score.h's defaults */
};

/* One connection start. Addresses and name are borrowed. */
struct yg_beacon_obs {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;  /* 6 or 17 */
	uint16_t dport;
	const struct yg_addr *host, *dest;
	const char *name; /* NULL or empty: the pair is keyed by dest */
	size_t name_len;
	uint64_t start_us;
};

/* A pair reported as beaconing. */
struct yg_beacon_hit {
	uint8_t family, proto;
	uint16_t dport;
	struct yg_addr host, dest; /* dest: of the latest connection */
	char name[YG_BEACON_NAME_MAX + 1]; /* lowercase; "" when keyed by address */
	uint64_t first_us, last_us; /* first and last start in the ring */
	uint64_t connections;       /* connections counted for the pair */
	uint32_t reports;           /* this report's number for the pair, from 1 */
	struct yg_beacon_verdict v;
};

struct yg_beacon_stats {
	uint64_t observed;      /* connection starts taken */
	uint64_t merged;        /* starts within a beat of another (not a new beat) */
	uint64_t pairs;         /* held now */
	uint64_t pairs_created;
	uint64_t evicted;       /* dropped to stay within memcap */
	uint64_t expired;       /* dropped after idle_us */
	uint64_t no_memory;     /* starts lost: no room and nothing to evict, or malloc failed */
	uint64_t scored;        /* times a pair was scored */
	uint64_t detections;    /* reports made */
	uint64_t beacons;       /* distinct pairs reported */
	uint64_t memory, memcap;
};

/* Caller frees with yg_beacon_free. -EINVAL for a memcap below the minimum. */
int yg_beacon_new(const struct yg_beacon_config *cfg, struct yg_beacon **ret);
void yg_beacon_free(struct yg_beacon *b);

/* Forgets every pair and zeroes the counters, keeping the bucket arrays
 * and the hash seed: afterwards the same starts give the same reports as
 * on a new table. Not while another thread observes. */
void yg_beacon_reset(struct yg_beacon *b);

/*
 * Takes one connection start. Returns true and fills *ret when the pair is
 * to be reported now (a new beat made it score as a beacon, and it was
 * not reported within renotify_us). Never allocates more than the cap.
 */
bool yg_beacon_observe(struct yg_beacon *b, const struct yg_beacon_obs *o,
		       struct yg_beacon_hit *ret);

void yg_beacon_stats(struct yg_beacon *b, struct yg_beacon_stats *ret);

#endif
