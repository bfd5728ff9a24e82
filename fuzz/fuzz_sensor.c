/*
 * The whole sensor on one input: the bytes are a pcap/pcapng file that
 * libpcap reads, then decode -> flow -> app layer -> detection (against a
 * small fixed indicator set), beacon detection -> EVE (to /dev/null).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <urcu.h>

#include "asan_quarantine.h"
#include "capture/capture.h"
#include "detect/beacon.h"
#include "sensor/engine.h"
#include "sensor/intel_live.h"
#include "sensor_fuzz_world.h"

static struct yg_intel_live *live;
static struct yg_eve_sink *sink;
static struct yg_homenet home;
static struct yg_beacon *beacons;
static struct yg_engine *engine;

/*
 * The engine and its beacon table are built once per process and reset
 * after every input (yg_engine_reset, yg_beacon_reset): each input then
 * runs on the state of a new engine, so a crash replays alone, without
 * the per-input worker, flow table chunk and read-ahead batch that were
 * most of an input's time (each above ASan's 128 KiB mmap threshold).
 *
 * A 256 KiB flow cap: the flow table's buckets and its first chunk of
 * flows are sized by it. Not lower: at 120 KiB the chunk leaves the app
 * layer no memory and the seeds lose a quarter of their coverage (HTTP,
 * TLS, DNS over TCP). It still holds ~1,900 flows, more than a fuzz input
 * of a few KiB can make, and hitting the cap stays reachable. The beacon
 * table at its 1 MiB minimum (buckets of 8 KiB).
 */
static void setup(void)
{
	yg_fuzz_sensor_world(&live, &sink, &home);
	struct yg_beacon_config bc = {.memcap = YG_BEACON_MEMCAP_MIN};
	if (yg_beacon_new(&bc, &beacons) < 0)
		abort();
	struct yg_engine_config ec = {
		.workers = 1,
		.worker = {.flow = {.memcap = 256 << 10}, .home = &home, .intel = live,
			   .sink = sink, .log_flows = true, .log_dns = true,
			   .log_http = true, .log_tls = true, .beacon = beacons,
			   .log_beacon = true},
	};
	if (yg_engine_new(&ec, &engine) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!engine)
		setup();
	int fd = memfd_create("pcap", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64], err[256];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct yg_capture *cap;
	if (yg_capture_open_file(path, err, sizeof err, &cap) == 0) {
		struct yg_engine_result res;
		yg_engine_run(engine, cap, &res);
		yg_capture_close(cap);
		yg_engine_reset(engine);
		yg_beacon_reset(beacons);
	}
	close(fd);
	return 0;
}
