/*
 * yg_engine_reset and yg_worker_reset: an engine (or worker) that ran a
 * capture and was reset gives the next capture the same EVE bytes as a
 * new one. The captures are the sensor harness's seeds (DNS, HTTP, TLS,
 * flows to indicators, damaged files), each run after every other, so
 * any state one of them leaves behind (flow ids, counters, flows, app
 * state, unflushed output, beacon pairs) shows as a difference.
 */
#include <dirent.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu.h>
#include <cmocka.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "detect/beacon.h"
#include "output/eve.h"
#include "sensor/engine.h"
#include "sensor/homenet.h"
#include "sensor/intel_live.h"
#include "sensor/worker.h"

#define MAX_CAPS 64

static char caps[MAX_CAPS][1024];
static unsigned n_caps;
static struct yg_intel_live *live;
static struct yg_homenet home;
static char dir[] = "/tmp/yg-test-engine-reset-XXXXXX";

static int setup(void **state)
{
	(void)state;
	const char *src = getenv("YG_SRCDIR");
	char path[512];
	if (snprintf(path, sizeof path, "%s/fuzz/corpus/sensor", src ? src : ".") >=
	    (int)sizeof path)
		return -1;
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)) && n_caps < MAX_CAPS) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(caps[n_caps++], sizeof caps[0], "%s/%s", path, de->d_name);
	}
	closedir(d);
	/* readdir's order is the file system's: sorted, the run is the same
	 * everywhere. */
	qsort(caps, n_caps, sizeof caps[0], (int (*)(const void *, const void *))strcmp);
	if (!mkdtemp(dir))
		return -1;
	char list[64];
	snprintf(list, sizeof list, "%s/intel.txt", dir);
	FILE *f = fopen(list, "w");
	if (!f)
		return -1;
	/* What the harness matches: every kind of indicator. */
	fputs("10.0.0.0/8\nevil.example\nhttp://malware.example/x\n192.0.2.1\n"
	      "2001:db8::/32\nd41d8cd98f00b204e9800998ecf8427e\n",
	      f);
	fclose(f);
	const char *paths[] = {list};
	struct yg_intel_load_result res;
	if (yg_intel_live_new(paths, 1, NULL, NULL, &live, &res) < 0)
		return -1;
	unlink(list);
	yg_homenet_default(&home);
	rcu_register_thread();
	return n_caps >= 2 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	yg_intel_live_free(live);
	rmdir(dir);
	rcu_unregister_thread();
	return 0;
}

/* The whole file at path (NUL-terminated, *ret_len bytes); caller frees. */
static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb)
				free(buf);
			assert_non_null(nb);
			buf = nb;
		}
		size_t k = fread(buf + len, 1, 4096, f);
		len += k;
		if (k == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	*ret_len = len;
	return buf;
}

static struct yg_engine_config config(unsigned workers, size_t memcap, struct yg_eve_sink *sink,
                                      struct yg_beacon *bt)
{
	return (struct yg_engine_config){
	    .workers = workers,
	    .worker = {.flow = {.memcap = memcap},
	               .home = &home,
	               .intel = live,
	               .sink = sink,
	               .log_flows = true,
	               .log_dns = true,
	               .log_http = true,
	               .log_tls = true,
	               .log_anomaly = true,
	               .beacon = bt,
	               .log_beacon = true},
	};
}

/* Runs capture cap through e; a capture libpcap refuses runs nothing. */
static void run(struct yg_engine *e, const char *cap)
{
	char err[256];
	struct yg_capture *c;
	if (yg_capture_open_file(cap, err, sizeof err, &c) < 0)
		return;
	struct yg_engine_result res;
	yg_engine_run(e, c, &res);
	yg_capture_close(c);
}

/* The EVE bytes of captures first then second (NULL: none) on new
 * engines, one after the other into one file: what one reused engine
 * must write. */
static char *fresh_pair(unsigned workers, size_t memcap, const char *first, const char *second,
                        size_t *ret_len)
{
	char out[64];
	snprintf(out, sizeof out, "%s/fresh.json", dir);
	unlink(out);
	struct yg_eve_sink *sink;
	assert_int_equal(yg_eve_sink_open(out, &sink), 0);
	const char *c[2] = {first, second};
	for (int i = 0; i < 2 && c[i]; i++) {
		struct yg_beacon_config bc = {.memcap = YG_BEACON_MEMCAP_MIN};
		struct yg_beacon *bt = NULL;
		/* With threads, which worker's flow end makes a pair's
		 * report depends on their timing: no beacon table then. */
		if (workers == 1)
			assert_int_equal(yg_beacon_new(&bc, &bt), 0);
		struct yg_engine_config ec = config(workers, memcap, sink, bt);
		struct yg_engine *e;
		assert_int_equal(yg_engine_new(&ec, &e), 0);
		run(e, c[i]);
		yg_engine_free(e);
		yg_beacon_free(bt);
	}
	yg_eve_sink_free(sink);
	char *s = slurp(out, ret_len);
	unlink(out);
	return s;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* With several workers the threads' lines interleave in any order:
 * compare them sorted. Sorts s's lines in place (s stays allocated). */
static void sort_lines(char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	char **v = calloc(n + 1, sizeof *v);
	assert_non_null(v);
	size_t k = 0;
	for (char *p = s, *nl; k < n && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		v[k++] = p;
	}
	qsort(v, k, sizeof *v, cmp_line);
	char *out = malloc(len + 1);
	assert_non_null(out);
	size_t o = 0;
	for (size_t i = 0; i < k; i++) {
		size_t l = strlen(v[i]);
		memcpy(out + o, v[i], l);
		out[o + l] = '\n';
		o += l + 1;
	}
	out[o] = '\0';
	memcpy(s, out, o + 1);
	free(out);
	free(v);
}

/* For each of the first n_first captures i and every capture j: i,
 * reset, j, reset, i on one engine gives what new engines give. */
static void same_as_new(unsigned workers, size_t memcap, unsigned n_first)
{
	char out[64];
	snprintf(out, sizeof out, "%s/reused.json", dir);
	unsigned compared = 0;
	for (unsigned i = 0; i < n_caps && i < n_first; i++) {
		unlink(out);
		struct yg_eve_sink *sink;
		assert_int_equal(yg_eve_sink_open(out, &sink), 0);
		struct yg_beacon_config bc = {.memcap = YG_BEACON_MEMCAP_MIN};
		struct yg_beacon *bt = NULL;
		/* With threads, which worker's flow end makes a pair's
		 * report depends on their timing: no beacon table then. */
		if (workers == 1)
			assert_int_equal(yg_beacon_new(&bc, &bt), 0);
		struct yg_engine_config ec = config(workers, memcap, sink, bt);
		struct yg_engine *e;
		assert_int_equal(yg_engine_new(&ec, &e), 0);
		/* One engine through every capture, each after capture i:
		 * the reused file is i, then for each j: j, i again. */
		run(e, caps[i]);
		for (unsigned j = 0; j < n_caps; j++) {
			yg_engine_reset(e);
			if (bt)
				yg_beacon_reset(bt);
			run(e, caps[j]);
			yg_engine_reset(e);
			if (bt)
				yg_beacon_reset(bt);
			run(e, caps[i]);
		}
		yg_engine_free(e);
		yg_beacon_free(bt);
		yg_eve_sink_free(sink);
		size_t got_len;
		char *got = slurp(out, &got_len);

		size_t ci_len, pair_len;
		char *ci = fresh_pair(workers, memcap, caps[i], NULL, &ci_len);
		char *want = malloc(1);
		assert_non_null(want);
		size_t want_len = 0;
		want[0] = '\0';
		for (unsigned j = 0; j <= n_caps; j++) {
			const char *part;
			size_t part_len;
			char *pair = NULL;
			if (j == 0) {
				part = ci;
				part_len = ci_len;
			} else {
				pair = fresh_pair(workers, memcap, caps[j - 1], caps[i], &pair_len);
				part = pair;
				part_len = pair_len;
			}
			assert_non_null(part);
			char *nw = realloc(want, want_len + part_len + 1);
			if (!nw)
				abort(); /* out of memory in a test: nothing to compare */
			want = nw;
			memcpy(want + want_len, part, part_len);
			want_len += part_len;
			want[want_len] = '\0';
			free(pair);
		}
		if (workers > 1) {
			sort_lines(got, got_len);
			sort_lines(want, want_len);
		}
		bool same = got_len == want_len && memcmp(got, want, got_len) == 0;
		compared += got_len > 0;
		free(want);
		free(ci);
		free(got);
		if (!same)
			fail_msg("after %s: the reset engine wrote other events than new ones",
			         caps[i]);
	}
	/* The seeds write events: the comparison was not of empty files. */
	assert_true(compared > 0);
}

/* One worker, the harness's 256 KiB cap. */
static void reset_engine_same_events(void **state)
{
	(void)state;
	same_as_new(1, 256 << 10, n_caps);
}

/* The smallest cap a table takes: flows are evicted and refused, and the
 * table must do so at the same packets after a reset. */
static void reset_engine_same_events_at_cap(void **state)
{
	(void)state;
	same_as_new(1, 24 << 10, n_caps);
}

/* Threaded workers (their queues reopen after a reset), the default cap
 * (the first chunk a full 2 MiB); three first captures, for time. */
static void reset_engine_same_events_threads(void **state)
{
	(void)state;
	same_as_new(3, 0, 3);
}

/* A worker reset in the middle of a capture (flows open, app state and
 * events waiting) drops all of that: the whole capture afterwards gives
 * what a new worker gives. */
static void reset_worker_mid_capture(void **state)
{
	(void)state;
	char out_new[64], out_reused[64];
	snprintf(out_new, sizeof out_new, "%s/new.json", dir);
	snprintf(out_reused, sizeof out_reused, "%s/reused.json", dir);
	unsigned compared = 0;
	for (unsigned i = 0; i < n_caps; i++) {
		for (int reused = 0; reused < 2; reused++) {
			const char *out = reused ? out_reused : out_new;
			unlink(out);
			struct yg_eve_sink *sink;
			assert_int_equal(yg_eve_sink_open(out, &sink), 0);
			struct yg_worker_config wc = config(1, 256 << 10, sink, NULL).worker;
			struct yg_worker *w;
			assert_int_equal(yg_worker_new(&wc, &w), 0);
			for (int pass = reused ? 0 : 1; pass < 2; pass++) {
				char err[256];
				struct yg_capture *c;
				if (yg_capture_open_file(caps[i], err, sizeof err, &c) < 0)
					break;
				struct yg_raw_packet raw;
				unsigned k = 0;
				rcu_read_lock();
				/* The first pass stops after half a dozen packets,
				 * in the middle of its flows. */
				while ((pass == 1 || k < 6) &&
				       yg_capture_next(c, &raw, err, sizeof err) > 0) {
					struct yg_packet pkt;
					yg_decode(yg_capture_linktype(c), raw.data, raw.caplen,
					          raw.wirelen, raw.ts_us, &pkt);
					yg_worker_packet(w, &pkt);
					k++;
				}
				if (pass == 0)
					yg_worker_reset(w);
				else
					yg_worker_finish(w);
				rcu_read_unlock();
				yg_capture_close(c);
			}
			yg_worker_free(w);
			yg_eve_sink_free(sink);
		}
		size_t a_len, b_len;
		char *a = slurp(out_new, &a_len), *b = slurp(out_reused, &b_len);
		if (a_len != b_len || memcmp(a, b, a_len) != 0)
			fail_msg("%s: %zu bytes after a reset, %zu from a new worker", caps[i],
			         b_len, a_len);
		compared += a_len > 0;
		free(a);
		free(b);
	}
	unlink(out_new);
	unlink(out_reused);
	assert_true(compared > 0);
}

/* The counters start from zero again. */
static void reset_worker_counters(void **state)
{
	(void)state;
	struct yg_eve_sink *sink;
	assert_int_equal(yg_eve_sink_open("none", &sink), 0);
	struct yg_worker_config wc = config(1, 256 << 10, sink, NULL).worker;
	struct yg_worker *w;
	assert_int_equal(yg_worker_new(&wc, &w), 0);
	struct yg_sensor_stats first = {0}, again = {0};
	for (int round = 0; round < 2; round++) {
		for (unsigned i = 0; i < n_caps; i++) {
			char err[256];
			struct yg_capture *c;
			if (yg_capture_open_file(caps[i], err, sizeof err, &c) < 0)
				continue;
			struct yg_raw_packet raw;
			rcu_read_lock();
			while (yg_capture_next(c, &raw, err, sizeof err) > 0) {
				struct yg_packet pkt;
				yg_decode(yg_capture_linktype(c), raw.data, raw.caplen, raw.wirelen,
				          raw.ts_us, &pkt);
				yg_worker_packet(w, &pkt);
			}
			rcu_read_unlock();
			yg_capture_close(c);
		}
		rcu_read_lock();
		yg_worker_finish(w);
		rcu_read_unlock();
		yg_worker_stats(w, round ? &again : &first);
		yg_worker_reset(w);
	}
	assert_true(first.pkts > 0);
	assert_int_equal(again.pkts, first.pkts);
	assert_int_equal(again.bytes, first.bytes);
	assert_int_equal(again.flows_created, first.flows_created);
	assert_int_equal(again.flows_ended, first.flows_ended);
	assert_int_equal(again.events, first.events);
	assert_int_equal(again.flow_active_max, first.flow_active_max);
	yg_worker_free(w);
	yg_eve_sink_free(sink);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reset_engine_same_events),
	    cmocka_unit_test(reset_engine_same_events_at_cap),
	    cmocka_unit_test(reset_engine_same_events_threads),
	    cmocka_unit_test(reset_worker_mid_capture),
	    cmocka_unit_test(reset_worker_counters),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
