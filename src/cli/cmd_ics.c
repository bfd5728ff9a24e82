/*
 * yagura ics learn -r FILE.pcap: the ICS policy a training capture
 * implies, on stdout, for people to review, edit and give back to
 * `yagura sensor --ics-policy`. Runs the sensor's own pipeline (same
 * decoders, same operation classes) with every event type off, so what
 * is learned is exactly what the sensor will check.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "cli/commands.h"
#include "decode/decode.h"
#include "detect/ics_policy.h"
#include "sensor/engine.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura ics learn -r FILE.pcap [-r FILE.pcap]... [--workers N] > policy\n"
		     "\n"
		     "Writes the ICS policy the captures imply: one 'allow CLIENT CONTROLLER\n"
		     "PROTO OPS' rule per client, controller and protocol seen, with every\n"
		     "operation class used (read, write, operate, restart, download, stop).\n"
		     "Review it before use: a capture with an attack in it teaches the attack.\n"
		     "Exit status: 0 done; 1 a capture was damaged; 2 usage or fatal error.\n");
}

#define MAX_FILES 64

static int learn_file(const char *path, unsigned workers, struct yg_ics_learn *l,
		      struct yg_eve_sink *sink, bool *ret_damaged)
{
	char err[256];
	struct yg_capture *cap = NULL;
	struct yg_engine *eng = NULL;
	int r = yg_capture_open_file(path, err, sizeof err, &cap);
	if (r < 0) {
		fprintf(stderr, "yagura ics learn: %s: %s\n", path, err);
		return r;
	}
	struct yg_engine_config ec = {
	    .workers = workers,
	    .worker = {.sink = sink, .ics_learn = l},
	};
	r = yg_engine_new(&ec, &eng);
	if (r < 0) {
		fprintf(stderr, "yagura ics learn: %s\n", strerror(-r));
		goto out;
	}
	struct yg_engine_result res;
	r = yg_engine_run(eng, cap, &res);
	if (r < 0) {
		fprintf(stderr, "yagura ics learn: %s: %s\n", path, strerror(-r));
		goto out;
	}
	if (res.capture_error) {
		fprintf(stderr, "yagura ics learn: %s: capture stopped early: %s\n", path,
			res.capture_err);
		*ret_damaged = true;
	}
out:
	yg_engine_free(eng);
	yg_capture_close(cap);
	return r;
}

static int learn(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"read", required_argument, NULL, 'r'},
	    {"workers", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *files[MAX_FILES];
	unsigned n_files = 0, workers = 1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (n_files == MAX_FILES) {
				fprintf(stderr, "yagura ics learn: at most %d captures\n", MAX_FILES);
				return 2;
			}
			files[n_files++] = optarg;
			break;
		case 'w': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 64) {
				fprintf(stderr, "yagura ics learn: --workers wants 1..64\n");
				return 2;
			}
			workers = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!n_files || optind < argc) {
		usage(stderr);
		return 2;
	}
	struct yg_ics_learn *l = NULL;
	struct yg_eve_sink *sink = NULL;
	bool damaged = false;
	int code = 2;
	int r = yg_ics_learn_new(&l);
	if (r < 0)
		goto out;
	/* Every event type is off; stats and alerts go nowhere. */
	r = yg_eve_sink_open("/dev/null", &sink);
	if (r < 0) {
		fprintf(stderr, "yagura ics learn: /dev/null: %s\n", strerror(-r));
		goto out;
	}
	rcu_register_thread();
	for (unsigned i = 0; i < n_files && r == 0; i++)
		r = learn_file(files[i], workers, l, sink, &damaged);
	rcu_unregister_thread();
	if (r < 0)
		goto out;
	uint64_t dropped = yg_ics_learn_write(l, stdout);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "yagura ics learn: writing the policy failed\n");
		goto out;
	}
	if (dropped)
		fprintf(stderr, "yagura ics learn: %llu pairs left out (more than %u)\n",
			(unsigned long long)dropped, YG_ICS_LEARN_MAX);
	code = damaged ? 1 : 0;
out:
	yg_eve_sink_free(sink);
	yg_ics_learn_free(l);
	return code;
}

int yg_cmd_ics(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "learn"))
		return learn(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
