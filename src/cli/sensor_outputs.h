/*
 * The sensor's EVE outputs besides the file (README, "EVE output"):
 *   --eve-socket [unix_stream:|unix_dgram:]PATH   a Unix socket (stream by default)
 *   --eve-socket-types LIST                       event types it gets (default all)
 *   --eve-syslog FACILITY                         syslog, RFC 5424 (local0..7, daemon, user, ...)
 *   --eve-syslog-socket PATH                      the syslog socket (default /dev/log)
 *   --eve-syslog-types LIST                       event types it gets (default all)
 *   --eve-queue MB                                queue bound of each (default 16)
 *   --eve-file-types LIST                         event types the file gets (default all)
 */
#ifndef YG_CLI_SENSOR_OUTPUTS_H
#define YG_CLI_SENSOR_OUTPUTS_H

#include <stdbool.h>

#include "output/eve.h"
#include "output/eve_out.h"

struct yg_sensor_outputs {
	const char *socket_path;
	enum yg_eve_out_kind socket_kind;
	const char *socket_types;
	int syslog_facility; /* -1: no syslog */
	const char *syslog_path;
	const char *syslog_types;
	const char *file_types;
	unsigned long queue_mb;
};

void yg_sensor_outputs_init(struct yg_sensor_outputs *o);

/* When name (a long option without "--") is an output option, records
 * arg and returns 1; 0 when it is another option; -1 after printing what
 * is wrong. */
int yg_sensor_outputs_opt(struct yg_sensor_outputs *o, const char *name, const char *arg);

/* Starts the outputs and adds them to sink, and sets the file's types.
 * -1 after printing why not. */
int yg_sensor_outputs_start(const struct yg_sensor_outputs *o, struct yg_eve_sink *sink);

#endif
