/*
 * One packet-processing pipeline: flow -> app layer -> detect -> EVE.
 * Each worker thread owns one (its own flow table and output buffer), so
 * the packet path takes no locks.
 */
#ifndef YG_SENSOR_WORKER_H
#define YG_SENSOR_WORKER_H

#include "decode/packet.h"
#include "flow/flow.h"
#include "output/eve.h"
#include "sensor/homenet.h"
#include "sensor/intel_live.h"
#include "sensor/stats.h"

struct yg_devices;

struct yg_worker;
struct yg_sighting_agg;
struct yg_beacon;
struct yg_beacon_hit;
struct yg_ics_policy;
struct yg_ics_learn;

struct yg_worker_config {
	unsigned id;                  /* 0.. ; flow ids are disjoint per worker */
	struct yg_flow_config flow;
	const struct yg_homenet *home; /* borrowed */
	struct yg_intel_live *intel;  /* borrowed; may be NULL (no detection) */
	struct yg_eve_sink *sink;     /* borrowed */
	bool log_flows, log_dns, log_http, log_tls;
	uint32_t tls_fields;          /* sensor/eve_tls.h YG_TLS_F_*; 0: Suricata's extended set */
	bool log_anomaly;             /* "anomaly" events (off by default) */
	unsigned dns_version;         /* EVE dns layout: 3 (0 means 3) or 2 */
	uint16_t community_id_seed;   /* seed of the Community ID (default 0) */
	uint16_t dns_tcp_port;        /* a TCP port carrying DNS besides 53, 5353; 0: none */
	/* Alerts on hub indicators are also counted here (sighting.h); borrowed,
	 * may be NULL. */
	struct yg_sighting_agg *sightings;
	/* Beacon detection (detect/beacon.h): every ended flow from a home
	 * host to an outside one is a connection start. Borrowed; NULL = off.
	 * log_beacon writes the "beacon" events; on_beacon (may be NULL) gets
	 * every report too, from the worker's thread (for the hub). */
	struct yg_beacon *beacon;
	bool log_beacon;
	void (*on_beacon)(void *ud, const struct yg_beacon_hit *hit);
	void *beacon_ud;
	/* Passive device inventory (detect/devices.h): borrowed; NULL = off.
	 * log_devices writes the "device" events; ics_net (borrowed, may be
	 * NULL) are the ICS networks whose unexpected device classes alert. */
	struct yg_devices *devices;
	bool log_devices;
	const struct yg_homenet *ics_net;
	/* ICS: events of each protocol, the site policy (detect/ics_policy.h;
	 * borrowed, NULL applies the defaults: download and stop alert) and
	 * the policy learner (borrowed, NULL when not learning). */
	bool log_modbus, log_dnp3, log_iec104, log_s7comm;
	const struct yg_ics_policy *ics_policy;
	struct yg_ics_learn *ics_learn;
	/* Conditional pcap (output/pcaplog.h): borrowed, NULL = off. Each
	 * flow keeps its first YG_WORKER_PCAP_FLOW_MAX bytes of frames until
	 * it alerts (then they, and every later frame of it, go to the ring)
	 * or ends; pcap_memcap bounds what this worker's flows hold (the
	 * engine splits the sensor's bound over the workers). Only frames
	 * handed in with yg_worker_packets_frames are kept. */
	struct yg_pcaplog *pcaplog;
	size_t pcap_memcap;
};

/* Frame bytes (with a 16-byte header each) a flow keeps before it alerts. */
#define YG_WORKER_PCAP_FLOW_MAX (64u << 10)

/* Caller frees with yg_worker_free (which ends remaining flows). */
int yg_worker_new(const struct yg_worker_config *cfg, struct yg_worker **ret);
void yg_worker_free(struct yg_worker *w);

/* Processes one decoded packet. Must be called inside rcu_read_lock()
 * when cfg->intel is set. Packet time drives flow timeouts. */
void yg_worker_packet(struct yg_worker *w, const struct yg_packet *pkt);

#define YG_WORKER_BATCH_MAX 256

/* Whether the worker reads pkt's payload bytes: the app layer reads TCP,
 * and UDP to or from a DNS port or DNP3's (20000), nothing else. A packet handed between
 * threads may leave the rest behind (payload NULL, payload_len kept). */
bool yg_worker_reads_payload(const struct yg_packet *pkt);

/* Processes n (<= YG_WORKER_BATCH_MAX) packets in order, as many calls of
 * yg_worker_packet would, but hides flow-table memory latency by
 * prefetching. Same locking rule as yg_worker_packet. */
void yg_worker_packets(struct yg_worker *w, const struct yg_packet *pkts, unsigned n);

/* yg_worker_packets for --pcap-log: frames[i] is the frame pkts[i] was
 * decoded from (pkts[i].caplen bytes), read during the call only. */
void yg_worker_packets_frames(struct yg_worker *w, const struct yg_packet *pkts,
			      const uint8_t *const *frames, unsigned n);

/* Ends idle flows at time now_us (for live captures with no packets). */
void yg_worker_tick(struct yg_worker *w, uint64_t now_us);

/* Ends every flow now (end of capture); call inside rcu_read_lock().
 * The worker takes no more packets until yg_worker_reset. */
void yg_worker_finish(struct yg_worker *w);

/*
 * Back to the state of a new worker with the same configuration, keeping
 * its allocations (flow table, output buffer, slabs): flows still open are
 * dropped without events, buffered output that was not flushed is
 * dropped, counters start from zero and flow ids from the first again.
 * The same packets afterwards give the same events byte for byte as on a
 * new worker. What the configuration borrows (intel set, sink, beacon
 * table, devices, sightings, pcap ring) is the caller's to reset.
 */
void yg_worker_reset(struct yg_worker *w);

void yg_worker_flush(struct yg_worker *w);

/* Snapshot of the counters. */
void yg_worker_stats(const struct yg_worker *w, struct yg_sensor_stats *ret);

#endif
