/*
 * The sensor's world for the harnesses that run packets through it
 * (fuzz_sensor, fuzz_flow): one indicator list with every kind of value,
 * an EVE sink to /dev/null, the default home net. Built once per process;
 * aborts when it cannot be built (nothing can be fuzzed then).
 */
#ifndef YG_FUZZ_SENSOR_WORLD_H
#define YG_FUZZ_SENSOR_WORLD_H

#include <stdlib.h>
#include <unistd.h>
#include <urcu.h>

#include "output/eve.h"
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

#endif
