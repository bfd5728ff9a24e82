/*
 * yagura devices --eve FILE [--json]: the device inventory as the sensor
 * wrote it (EVE "device" events, the latest record of each device wins),
 * printed as a table or as a JSON array.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"

#define LINE_MAX_BYTES (1u << 20)

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura devices --eve FILE [--json]\n"
		     "  --eve FILE   EVE JSON written by 'yagura sensor --devices' (repeatable)\n"
		     "  --json       print a JSON array of device records instead of a table\n");
}

/* Joins the strings of array a with ',' into buf. */
static const char *join(json_t *a, char *buf, size_t n)
{
	size_t k = 0;
	size_t i;
	json_t *v;
	buf[0] = 0;
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);
		char num[16];
		if (!s && json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			s = num;
		}
		if (!s)
			continue;
		int m = snprintf(buf + k, n - k, "%s%s", k ? "," : "", s);
		if (m < 0 || (size_t)m >= n - k)
			break;
		k += (size_t)m;
	}
	return buf[0] ? buf : "-";
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : "-";
}

/* Reads path's device events into devs (id -> record). */
static int load(const char *path, json_t *devs, unsigned long *ret_bad)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "yagura devices: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if ((size_t)n > LINE_MAX_BYTES || !strstr(line, "\"device\""))
			continue;
		json_error_t err;
		json_t *e = json_loadb(line, (size_t)n, 0, &err);
		if (!e) {
			fprintf(stderr, "yagura devices: %s:%lu: %s\n", path, lineno, err.text);
			(*ret_bad)++;
			continue;
		}
		const char *type = json_string_value(json_object_get(e, "event_type"));
		json_t *d = json_object_get(e, "device");
		const char *id = json_string_value(json_object_get(d, "id"));
		/* Workers write events in parallel: the highest version is
		 * the latest record, wherever its line is. */
		json_t *had = id ? json_object_get(devs, id) : NULL;
		if (type && !strcmp(type, "device") && json_is_object(d) && id &&
		    (!had || json_integer_value(json_object_get(d, "version")) >=
				     json_integer_value(json_object_get(had, "version"))))
			json_object_set(devs, id, d);
		json_decref(e);
	}
	free(line);
	fclose(f);
	return 0;
}

int yg_cmd_devices(int argc, char **argv)
{
	static const struct option opts[] = {
		{"eve", required_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *paths[16];
	unsigned n_paths = 0;
	bool as_json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (n_paths == 16) {
				fprintf(stderr, "yagura devices: at most 16 --eve files\n");
				return 2;
			}
			paths[n_paths++] = optarg;
			break;
		case 'j': as_json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!n_paths || optind < argc) {
		usage(stderr);
		return 2;
	}
	json_t *devs = json_object();
	if (!devs)
		return 1;
	unsigned long bad = 0;
	int rc = 0;
	for (unsigned i = 0; i < n_paths; i++)
		if (load(paths[i], devs, &bad) < 0)
			rc = 1;
	const char *id;
	json_t *d;
	if (as_json) {
		json_t *arr = json_array();
		json_object_foreach(devs, id, d) {
			json_array_append(arr, d);
		}
		char *s = json_dumps(arr, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (s) {
			puts(s);
			free(s);
		}
		json_decref(arr);
	} else {
		printf("%-24s %-17s %-15s %-24s %-20s %-28s %s\n", "DEVICE", "MAC", "CLASS", "VENDOR",
		       "HOSTNAME", "ADDRESSES", "EVIDENCE");
		json_object_foreach(devs, id, d) {
			char a4[160], a6[320], addrs[480];
			join(json_object_get(d, "ipv4"), a4, sizeof a4);
			join(json_object_get(d, "ipv6"), a6, sizeof a6);
			snprintf(addrs, sizeof addrs, "%s%s%s", a4, (a4[0] && a6[0]) ? "," : "", a6);
			printf("%-24s %-17s %-15s %-24.24s %-20.20s %-28s %s\n", id, str(d, "mac"),
			       str(d, "class"), str(d, "vendor"), str(d, "hostname"),
			       addrs[0] ? addrs : "-", str(d, "class_evidence"));
		}
	}
	json_decref(devs);
	if (bad)
		fprintf(stderr, "yagura devices: %lu lines could not be read\n", bad);
	return rc;
}
