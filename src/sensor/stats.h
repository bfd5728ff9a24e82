/* Counters of one worker; summed over workers for the stats event. */
#ifndef YG_SENSOR_STATS_H
#define YG_SENSOR_STATS_H

#include <stdint.h>

#include "common/anomaly.h"

struct yg_sensor_stats {
	uint64_t pkts, bytes;
	uint64_t ipv4, ipv6, tcp, udp, icmpv4, icmpv6, other_l4, non_ip;
	uint64_t tunnel, fragments, vlan;
	uint64_t anomalies[YG_ANOM__COUNT];
	uint64_t dns_msgs, http_reqs, tls_hellos;
	uint64_t dhcp_msgs, dhcp_malformed; /* device inventory only */
	uint64_t http_resps;       /* final responses parsed */
	uint64_t http_unanswered;  /* requests written without waiting: too many waiting */
	uint64_t http_unrequested; /* responses with no request waiting for them */
	uint64_t app_memcap_drops;
	uint64_t modbus_msgs, dnp3_msgs, iec104_apdus, s7comm_msgs; /* ICS messages parsed */
	uint64_t dnp3_bad_crc;     /* DNP3 link frames with a bad CRC */
	uint64_t ics_alerts;       /* ICS policy alerts (also in alerts) */
	uint64_t alerts, alerts_suppressed;
	uint64_t beacons; /* beacon reports (events) */
	uint64_t events;
	uint64_t flows_created, flows_ended, flows_evicted, flow_no_memory;
	uint64_t flow_active_max;
	uint64_t flow_memory;
	uint64_t tls_server_hellos, tls_certs; /* ServerHellos and leaf certificates parsed */
	uint64_t anomaly_events_suppressed;    /* anomaly events over the rate limits */
	/* --pcap-log: frames written to the ring, frames not kept (a flow's
	 * buffer full, or the pcap memcap reached), the most buffer memory
	 * held at once (summed over workers: an upper bound). */
	uint64_t pcap_written, pcap_not_kept, pcap_memory_max;
};

static inline void yg_sensor_stats_add(struct yg_sensor_stats *a, const struct yg_sensor_stats *b)
{
	const uint64_t *src = (const uint64_t *)b;
	uint64_t *dst = (uint64_t *)a;
	for (unsigned i = 0; i < sizeof *a / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

#endif
