#include "cli/sensor_outputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "yagura sensor"

static const char *const known_types[] = {
    "alert",  "dns",     "http",           "tls",           "flow",  "anomaly",
    "beacon", "darknet", "darknet_victim", "darknet_stats", "stats", "yagura_stats",
    "device", "modbus",  "dnp3",           "iec104",        "s7comm",
};

void yg_sensor_outputs_init(struct yg_sensor_outputs *o)
{
	memset(o, 0, sizeof *o);
	o->socket_kind = YG_EVE_OUT_UNIX_STREAM;
	o->syslog_facility = -1;
	o->syslog_path = "/dev/log";
	o->queue_mb = 16;
}

/* Splits a comma list into types[0..*ret_n) (pointers into buf, a copy the
 * caller frees), at most max. Returns -1 after printing a bad name. */
static int split_list(const char *opt, const char *list, char **buf, const char **types,
                      unsigned max, unsigned *ret_n)
{
	unsigned n = 0;
	*ret_n = 0;
	*buf = NULL;
	if (!list)
		return 0;
	*buf = strdup(list);
	if (!*buf)
		return -1;
	for (char *t = *buf, *next; t; t = next) {
		next = strchr(t, ',');
		if (next)
			*next++ = '\0';
		if (!*t)
			continue;
		bool ok = false;
		for (size_t i = 0; i < sizeof known_types / sizeof known_types[0]; i++)
			ok |= !strcmp(t, known_types[i]);
		if (!ok || n == max) {
			fprintf(stderr,
			        PROG
			        ": --%s: '%s' is not an event type (alert, dns, http, tls, "
			        "flow, anomaly, beacon, device, darknet, darknet_victim, "
			        "darknet_stats, modbus, dnp3, iec104, s7comm, stats, "
			        "yagura_stats)\n",
			        opt, t);
			return -1;
		}
		types[n++] = t;
	}
	*ret_n = n;
	return 0;
}

static int split_types(const char *opt, const char *list, char **buf, struct yg_eve_out_config *cfg)
{
	return split_list(opt, list, buf, cfg->types, YG_EVE_OUT_TYPES_MAX, &cfg->n_types);
}

int yg_sensor_outputs_opt(struct yg_sensor_outputs *o, const char *name, const char *arg)
{
	if (!strcmp(name, "eve-socket")) {
		o->socket_kind = YG_EVE_OUT_UNIX_STREAM;
		if (!strncmp(arg, "unix_stream:", 12)) {
			arg += 12;
		} else if (!strncmp(arg, "unix_dgram:", 11)) {
			o->socket_kind = YG_EVE_OUT_UNIX_DGRAM;
			arg += 11;
		}
		if (!*arg) {
			fprintf(stderr,
			        PROG ": --eve-socket wants [unix_stream:|unix_dgram:]PATH\n");
			return -1;
		}
		o->socket_path = arg;
		return 1;
	}
	if (!strcmp(name, "eve-syslog")) {
		o->syslog_facility = yg_eve_out_facility(arg);
		if (o->syslog_facility < 0) {
			fprintf(stderr,
			        PROG
			        ": --eve-syslog: '%s' is not a syslog facility (local0..local7, "
			        "daemon, user, auth, ...)\n",
			        arg);
			return -1;
		}
		return 1;
	}
	if (!strcmp(name, "eve-syslog-socket")) {
		o->syslog_path = arg;
		return 1;
	}
	if (!strcmp(name, "eve-socket-types") || !strcmp(name, "eve-syslog-types") ||
	    !strcmp(name, "eve-file-types")) {
		const char *types[YG_EVE_SINK_TYPES_MAX];
		unsigned n;
		char *buf;
		int r = split_list(name, arg, &buf, types, YG_EVE_SINK_TYPES_MAX, &n);
		free(buf);
		if (r < 0)
			return -1;
		if (!strcmp(name, "eve-socket-types"))
			o->socket_types = arg;
		else if (!strcmp(name, "eve-syslog-types"))
			o->syslog_types = arg;
		else
			o->file_types = arg;
		return 1;
	}
	if (!strcmp(name, "eve-queue")) {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);
		if (!*arg || *end || v < 1 || v > 4096) {
			fprintf(stderr, PROG ": --eve-queue wants MB 1..4096\n");
			return -1;
		}
		o->queue_mb = v;
		return 1;
	}
	return 0;
}

static int start_one(struct yg_eve_sink *sink, struct yg_eve_out_config *cfg, const char *opt,
                     const char *types)
{
	char *buf = NULL;
	struct yg_eve_out *out = NULL;
	int r = split_types(opt, types, &buf, cfg);
	if (r < 0)
		goto out;
	r = yg_eve_out_new(cfg, &out);
	if (r < 0) {
		fprintf(stderr, PROG ": --%s %s: %s\n", opt, cfg->path,
		        r == -EINVAL ? "path too long for a Unix socket" : strerror(-r));
		goto out;
	}
	r = yg_eve_sink_add_output(sink, out);
	if (r < 0) {
		yg_eve_out_free(out);
		fprintf(stderr, PROG ": too many EVE outputs\n");
	}
out:
	free(buf); /* the output copied the type names */
	return r < 0 ? -1 : 0;
}

int yg_sensor_outputs_start(const struct yg_sensor_outputs *o, struct yg_eve_sink *sink)
{
	if (o->file_types) {
		const char *types[YG_EVE_SINK_TYPES_MAX];
		unsigned n;
		char *buf;
		int r = split_list("eve-file-types", o->file_types, &buf, types,
		                   YG_EVE_SINK_TYPES_MAX, &n);
		if (r == 0)
			r = yg_eve_sink_set_types(sink, n, types); /* copies the names */
		free(buf);
		if (r < 0)
			return -1;
	}
	if (o->socket_path) {
		struct yg_eve_out_config c = {.kind = o->socket_kind,
		                              .path = o->socket_path,
		                              .queue_max = (size_t)o->queue_mb << 20};
		if (start_one(sink, &c, "eve-socket", o->socket_types) < 0)
			return -1;
	}
	if (o->syslog_facility >= 0) {
		struct yg_eve_out_config c = {.kind = YG_EVE_OUT_SYSLOG,
		                              .path = o->syslog_path,
		                              .facility = o->syslog_facility,
		                              .queue_max = (size_t)o->queue_mb << 20};
		if (start_one(sink, &c, "eve-syslog", o->syslog_types) < 0)
			return -1;
	}
	return 0;
}
