/*
 * The whole sensor on one input: the bytes are a pcap/pcapng file that
 * libpcap reads, then decode -> flow -> app layer -> detection (against a
 * small fixed indicator set), beacon detection -> EVE (to /dev/null). One
 * engine serves every input, reset after each to the state of a new one.
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

/* Built once per process (sensor_fuzz_world.h says why and how). */
static void setup(void)
{
	yg_fuzz_sensor_world(&live, &sink, &home);
	engine = yg_fuzz_sensor_engine(live, sink, &home, &beacons);
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
		yg_fuzz_sensor_engine_reset(engine, beacons);
	}
	close(fd);
	return 0;
}
