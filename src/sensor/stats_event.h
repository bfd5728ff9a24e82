/* The end-of-run EVE "stats" record. */
#ifndef YG_SENSOR_STATS_EVENT_H
#define YG_SENSOR_STATS_EVENT_H

#include "output/eve.h"
#include "sensor/engine.h"

struct yg_stats_extra {
	size_t intel_indicators;
	size_t intel_memory;
	uint64_t intel_reloads;
	unsigned long intel_rejected;
	uint64_t rss_bytes;
};

void yg_stats_event_write(struct yg_eve *eve, uint64_t ts_us, const struct yg_engine_result *res,
			  const struct yg_stats_extra *x);

/* Resident set size of this process, from /proc/self/status (0 if unknown). */
uint64_t yg_stats_rss_bytes(void);

#endif
