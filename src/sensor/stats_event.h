/* The end-of-run EVE "stats" and "yagura_stats" records (stats_event.c). */
#ifndef YG_SENSOR_STATS_EVENT_H
#define YG_SENSOR_STATS_EVENT_H

#include "output/eve.h"
#include "output/eve_out.h"
#include "output/pcaplog.h"
#include "detect/beacon.h"
#include "sensor/engine.h"
#include "sensor/hub_feed.h"
#include "sensor/sighting_post.h"

struct yg_stats_extra {
	size_t intel_indicators;
	size_t intel_memory;
	uint64_t intel_reloads;
	unsigned long intel_rejected;
	uint64_t rss_bytes;
	const struct yg_sighting_stats *sightings; /* NULL: no "sightings" object */
	const struct yg_hub_feed_stats *hub;       /* NULL: no "hub" object */
	const struct yg_beacon_stats *beacon;      /* NULL: no "beacon" object (detection off) */
	const struct yg_eve_sink *sink;            /* its outputs make "outputs"; NULL: none */
	const struct yg_pcaplog_stats *pcap;       /* NULL: no "pcap_log" object (--pcap-log off) */
};

void yg_stats_event_write(struct yg_eve *eve, uint64_t ts_us, const struct yg_engine_result *res,
			  const struct yg_stats_extra *x);

/* Resident set size of this process, from /proc/self/status (0 if unknown). */
uint64_t yg_stats_rss_bytes(void);

#endif
