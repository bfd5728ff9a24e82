/*
 * The sensor's world for the harnesses that run packets through it
 * (fuzz_sensor, fuzz_flow, fuzz_stream): one indicator list with every
 * kind of value, an EVE sink to /dev/null, the default home net; for
 * fuzz_sensor also the engine and its beacon table. Built once per
 * process; aborts when it cannot be built (nothing can be fuzzed then).
 */
#ifndef YG_FUZZ_SENSOR_WORLD_H
#define YG_FUZZ_SENSOR_WORLD_H

#include <stdlib.h>
#include <unistd.h>
#include <urcu.h>

#include "detect/beacon.h"
#include "output/eve.h"
#include "sensor/engine.h"
#include "sensor/homenet.h"
#include "sensor/intel_live.h"

static inline void yg_fuzz_sensor_world(struct yg_intel_live **ret_live,
					struct yg_eve_sink **ret_sink, struct yg_homenet *ret_home)
{
	char path[] = "/tmp/yg-fuzz-intel-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	const char list[] = "10.0.0.0/8\nevil.example\nhttp://malware.example/x\n192.0.2.1\n"
			    "2001:db8::/32\nd41d8cd98f00b204e9800998ecf8427e\n";
	if (write(fd, list, sizeof list - 1) != (ssize_t)(sizeof list - 1))
		abort();
	close(fd);
	const char *paths[] = {path};
	struct yg_intel_load_result res;
	if (yg_intel_live_new(paths, 1, NULL, NULL, ret_live, &res) < 0)
		abort();
	unlink(path);
	if (yg_eve_sink_open("/dev/null", ret_sink) < 0)
		abort();
	yg_homenet_default(ret_home);
	rcu_register_thread();
}

/*
 * The whole sensor for fuzz_sensor, built once: one worker on the reading
 * thread, every event type on, beacon detection into *ret_beacons.
 * yg_fuzz_sensor_engine_reset after every input puts both back to the
 * state of new ones (yg_engine_reset, yg_beacon_reset): no input sees
 * what the one before left, and the per-input worker, flow table chunk
 * and read-ahead batch (each above ASan's 128 KiB mmap threshold, most
 * of an input's time) are made once.
 *
 * A 256 KiB flow cap: the flow table's buckets and its first chunk of
 * flows are sized by it. Not lower: at 120 KiB the chunk leaves the app
 * layer no memory and the seeds lose a quarter of their coverage (HTTP,
 * TLS, DNS over TCP). It still holds ~1,900 flows, more than a fuzz input
 * of a few KiB can make, and hitting the cap stays reachable. The beacon
 * table at its 1 MiB minimum (buckets of 8 KiB).
 */
static inline struct yg_engine *yg_fuzz_sensor_engine(struct yg_intel_live *live,
						      struct yg_eve_sink *sink,
						      const struct yg_homenet *home,
						      struct yg_beacon **ret_beacons)
{
	struct yg_beacon_config bc = {.memcap = YG_BEACON_MEMCAP_MIN};
	if (yg_beacon_new(&bc, ret_beacons) < 0)
		abort();
	struct yg_engine_config ec = {
		.workers = 1,
		.worker = {.flow = {.memcap = 256 << 10}, .home = home, .intel = live,
			   .sink = sink, .log_flows = true, .log_dns = true,
			   .log_http = true, .log_tls = true, .beacon = *ret_beacons,
			   .log_beacon = true},
	};
	struct yg_engine *e;
	if (yg_engine_new(&ec, &e) < 0)
		abort();
	return e;
}

static inline void yg_fuzz_sensor_engine_reset(struct yg_engine *e, struct yg_beacon *beacons)
{
	yg_engine_reset(e);
	yg_beacon_reset(beacons);
}

#endif
