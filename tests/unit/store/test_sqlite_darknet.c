/* The telescope half of the store (migration 6; both backends): a window counted
 * once, aggregates summed over sensors, the retention and the row caps of
 * the sweep, and surge episodes with the in-process signal
 * yg_darknet_surge_max. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/darknet.h"
#include "helpers/store_backend.h"
#include "store/store.h"
#include "store/store_darknet.h"

struct fx {
	char dir[64];
	struct yg_store *st;
	int64_t org;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/yg-darknet-XXXXXX");
	if (!mkdtemp(f->dir) || yg_test_store_open(f->dir, &f->st) < 0 ||
	    f->st->ops->org_add(f->st, "A", "energy", "", "identity--0a000000-0000-4000-8000-000000000001",
				&f->org) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	yg_store_close(f->st);
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	rmdir(f->dir);
	yg_test_store_drop(f->dir);
	free(f);
	return 0;
}

static int put(struct fx *f, const char *sensor, int64_t minute, int64_t packets, const char *src)
{
	struct yg_dn_port p = {.proto = YG_DN_TCP, .port = 23, .packets = packets, .sources = 2,
			       .new_sources = 1};
	struct yg_dn_source s = {.packets = packets, .bytes = 60, .dest_count = 3,
				 .ports = {23}, .n_ports = 1, .asn = -1};
	snprintf(s.ip, sizeof s.ip, "%s", src);
	snprintf(s.cls, sizeof s.cls, "scan-tcp");
	snprintf(s.fingerprint, sizeof s.fingerprint, "mirai");
	struct yg_dn_window w = {.telescope_addresses = 256, .minute = minute, .ports = &p,
				 .n_ports = 1, .sources = &s, .n_sources = 1};
	snprintf(w.sensor, sizeof w.sensor, "%s", sensor);
	return f->st->ops->darknet->window_put(f->st, f->org, &w);
}

static int count_point(void *ud, const struct yg_dn_point *p)
{
	int64_t *sum = ud;
	*sum += p->packets;
	return 1;
}

static int count_src(void *ud, const struct yg_dn_source *s)
{
	(void)s;
	++*(int *)ud;
	return 1;
}

static void windows_counted_once_and_summed(void **state)
{
	struct fx *f = *state;
	const struct yg_store_darknet_ops *dn = f->st->ops->darknet;
	assert_int_equal(put(f, "s1", 1000, 10, "192.0.2.1"), 0);
	assert_int_equal(put(f, "s1", 1000, 10, "192.0.2.1"), 1); /* a retry */
	assert_int_equal(put(f, "s2", 1000, 5, "192.0.2.1"), 0);  /* another sensor */
	int64_t sum = 0;
	assert_int_equal(dn->minutes(f->st, YG_DN_TCP, 23, 1000, 1001, false, count_point, &sum), 0);
	assert_int_equal(sum, 15);
	sum = 0;
	assert_int_equal(dn->hours(f->st, YG_DN_TCP, 23, 1000 / 60, 1000 / 60 + 1, count_point, &sum),
			 0);
	assert_int_equal(sum, 15);
	int64_t last = 0;
	assert_int_equal(dn->last_minute(f->st, &last), 0);
	assert_int_equal(last, 1000);
}

static void sweep_keeps_what_the_retention_says(void **state)
{
	struct fx *f = *state;
	const struct yg_store_darknet_ops *dn = f->st->ops->darknet;
	int64_t day = 1440, base = 200 * day;
	assert_int_equal(put(f, "s1", base, 10, "192.0.2.1"), 0);            /* 10 days old */
	assert_int_equal(put(f, "s1", base + 9 * day, 20, "192.0.2.2"), 0);  /* 1 day old */
	assert_int_equal(dn->sweep(f->st, base + 10 * day, 7, 30), 0);
	int64_t sum = 0;
	assert_int_equal(dn->minutes(f->st, YG_DN_TCP, 23, 0, base + 11 * day, false, count_point,
				     &sum), 0);
	assert_int_equal(sum, 20); /* the old minute is gone */
	sum = 0;
	assert_int_equal(dn->hours(f->st, YG_DN_TCP, 23, 0, (base + 11 * day) / 60, count_point, &sum),
			 0);
	assert_int_equal(sum, 30); /* its hour is kept 30 days */
	int n = 0;
	assert_int_equal(dn->sources_top(f->st, -1, 0, 100, count_src, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(dn->sweep(f->st, base + 45 * day, 7, 30), 0);
	sum = 0;
	assert_int_equal(dn->hours(f->st, YG_DN_TCP, 23, 0, (base + 46 * day) / 60, count_point, &sum),
			 0);
	assert_int_equal(sum, 0);
	assert_int_equal(dn->last_minute(f->st, &sum), -ENOENT);
}

static void sources_are_capped(void **state)
{
	struct fx *f = *state;
	const struct yg_store_darknet_ops *dn = f->st->ops->darknet;
	static struct yg_dn_source src[YG_DN_SOURCES_MAX];
	assert_int_equal(f->st->ops->tx_begin(f->st), 0);
	int made = 0;
	for (int w = 0; made < YG_DN_ROWS_MAX + 5; w++) {
		size_t n = 0;
		for (; n < YG_DN_SOURCES_MAX && made < YG_DN_ROWS_MAX + 5; n++, made++) {
			memset(&src[n], 0, sizeof src[n]);
			snprintf(src[n].ip, sizeof src[n].ip, "10.%d.%d.%d", made >> 16, (made >> 8) & 255,
				 made & 255);
			snprintf(src[n].cls, sizeof src[n].cls, "scan-tcp");
			snprintf(src[n].fingerprint, sizeof src[n].fingerprint, "unknown");
			src[n].packets = made == 3 ? 1000 : 1;
			src[n].asn = -1;
		}
		struct yg_dn_window win = {.sensor = "s", .telescope_addresses = 1, .minute = 5000 + w,
					   .sources = src, .n_sources = n};
		assert_int_equal(dn->window_put(f->st, f->org, &win), 0);
	}
	assert_int_equal(dn->sweep(f->st, 5200, 7, 30), 0);
	assert_int_equal(f->st->ops->tx_commit(f->st), 0);
	int n = 0;
	assert_int_equal(dn->sources_top(f->st, -1, 0, YG_DN_ROWS_MAX + 100, count_src, &n), 0);
	assert_int_equal(n, YG_DN_ROWS_MAX);
}

static void surges_and_the_signal(void **state)
{
	struct fx *f = *state;
	const struct yg_store_darknet_ops *dn = f->st->ops->darknet;
	int64_t now_minute = 30000000;
	struct yg_dn_surge s = {.proto = YG_DN_TCP, .port = 23, .since_minute = now_minute - 5,
				.last_minute = now_minute - 3, .score = 9.5, .new_score = 12.25,
				.peak_score = 12.25, .kind = "both"};
	int64_t id = 0;
	assert_int_equal(dn->surge_put(f->st, &s, &id), 0);
	assert_true(id > 0);
	struct yg_dn_surge old = s;
	old.port = 445;
	old.since_minute = old.last_minute = now_minute - 100;
	old.score = 50;
	assert_int_equal(dn->surge_put(f->st, &old, NULL), 0);
	struct yg_dn_surge got;
	assert_int_equal(dn->surge_open(f->st, YG_DN_TCP, 23, now_minute - 10, &got), 0);
	assert_int_equal(got.id, id);
	assert_string_equal(got.kind, "both");
	assert_int_equal(dn->surge_open(f->st, YG_DN_TCP, 445, now_minute - 10, &got), -ENOENT);
	double max = -1;
	assert_int_equal(yg_darknet_surge_max(f->st, now_minute * 60000000LL, &max), 0);
	assert_true(max == 12.25); /* the old 445 one is no longer current */
	assert_int_equal(yg_darknet_surge_max(f->st, (now_minute + 60) * 60000000LL, &max), 0);
	assert_true(max == 0);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(windows_counted_once_and_summed, setup, teardown),
		cmocka_unit_test_setup_teardown(sweep_keeps_what_the_retention_says, setup, teardown),
		cmocka_unit_test_setup_teardown(sources_are_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(surges_and_the_signal, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
