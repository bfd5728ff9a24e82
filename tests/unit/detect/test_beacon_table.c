/*
 * The beacon table (detect/beacon.c): reports once, then once per
 * re-detection window; merges bursts; takes starts out of order; keys by
 * name over changing addresses; stays within its memcap under a flood of
 * one-off pairs while a pair with a history survives; expires idle pairs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "detect/beacon.h"

#define S 1000000ull /* microseconds in a second */
#define T0 (1767225600ull * S)

static struct yg_addr addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct yg_addr x = {{0}};
	x.b[0] = a;
	x.b[1] = b;
	x.b[2] = c;
	x.b[3] = d;
	return x;
}

static bool obs(struct yg_beacon *b, const struct yg_addr *host, const struct yg_addr *dest,
		const char *name, uint64_t at, struct yg_beacon_hit *hit)
{
	struct yg_beacon_obs o = {.family = 4, .proto = 6, .dport = 443, .host = host,
				  .dest = dest, .name = name, .name_len = name ? strlen(name) : 0,
				  .start_us = at};
	return yg_beacon_observe(b, &o, hit);
}

static void memcap_minimum(void **state)
{
	(void)state;
	struct yg_beacon *b = NULL;
	struct yg_beacon_config c = {.memcap = YG_BEACON_MEMCAP_MIN - 1};
	assert_int_equal(yg_beacon_new(&c, &b), -EINVAL);
	assert_null(b);
}

/* 120 beats a minute apart: reported at the 9th, then at the first beat an
 * hour after that report (the 69th), and not in between. */
static void report_once_per_window(void **state)
{
	(void)state;
	struct yg_beacon *b;
	struct yg_beacon_config c = {0};
	assert_int_equal(yg_beacon_new(&c, &b), 0);
	struct yg_addr h = addr4(10, 0, 0, 5), d = addr4(203, 0, 113, 9);
	struct yg_beacon_hit hit;
	unsigned at[4], n = 0;
	for (unsigned i = 0; i < 120; i++)
		if (obs(b, &h, &d, NULL, T0 + i * 60 * S, &hit)) {
			assert_true(n < 4);
			at[n++] = i;
			assert_int_equal(hit.reports, n);
			assert_true(hit.v.period_s > 59.9 && hit.v.period_s < 60.1);
			assert_int_equal(hit.last_us, T0 + i * 60 * S);
			assert_int_equal(hit.connections, i + 1);
			assert_string_equal(hit.name, "");
		}
	assert_int_equal(n, 2);
	assert_int_equal(at[0], 8);
	assert_int_equal(at[1], 68);
	struct yg_beacon_stats st;
	yg_beacon_stats(b, &st);
	assert_int_equal(st.observed, 120);
	assert_int_equal(st.detections, 2);
	assert_int_equal(st.beacons, 1);
	assert_int_equal(st.pairs, 1);
	yg_beacon_free(b);
}

/* Three connections per beat (within 2 s) are one beat; a name keys the
 * pair whatever the address, case aside; starts may come out of order. */
static void bursts_names_order(void **state)
{
	(void)state;
	struct yg_beacon *b;
	struct yg_beacon_config c = {0};
	assert_int_equal(yg_beacon_new(&c, &b), 0);
	struct yg_addr h = addr4(10, 0, 0, 6);
	struct yg_beacon_hit hit;
	bool got = false;
	/* Beats 0..11 every 300 s, each beat's connections given in reverse
	 * order and beats pairwise swapped. */
	for (unsigned k = 0; k < 12; k++) {
		unsigned i = k ^ 1;
		for (int c3 = 2; c3 >= 0; c3--) {
			struct yg_addr d = addr4(198, 51, 100, (uint8_t)(1 + (i + c3) % 3));
			const char *nm = c3 == 1 ? "C2.Example." : "c2.example";
			if (obs(b, &h, &d, nm, T0 + i * 300 * S + (uint64_t)c3 * 500000, &hit)) {
				assert_false(got);
				got = true;
				assert_string_equal(hit.name, "c2.example");
				assert_int_equal(hit.v.beats, 9 + (k >= 9));
			}
		}
	}
	assert_true(got);
	struct yg_beacon_stats st;
	yg_beacon_stats(b, &st);
	assert_int_equal(st.pairs, 1);
	assert_int_equal(st.observed, 36);
	assert_int_equal(st.merged, 24);
	yg_beacon_free(b);
}

/* 1 MB, a beacon with a history, then 100,000 one-off pairs between its
 * beats: memory stays under the cap, the flood evicts its own kind, and
 * the beacon is reported with all its connections. */
static void memcap_and_protected_pairs(void **state)
{
	(void)state;
	struct yg_beacon *b;
	struct yg_beacon_config c = {.memcap = 1u << 20};
	assert_int_equal(yg_beacon_new(&c, &b), 0);
	struct yg_addr h = addr4(10, 0, 0, 7), d = addr4(203, 0, 113, 7);
	struct yg_beacon_hit hit;
	unsigned reported = 0;
	uint64_t flood = 0;
	for (unsigned i = 0; i < 12; i++) {
		uint64_t at = T0 + i * 120 * S;
		reported += obs(b, &h, &d, NULL, at, &hit);
		for (unsigned k = 0; i >= 3 && k < 20000; k++, flood++) {
			struct yg_addr fh = addr4(10, 1, (uint8_t)(flood >> 8), (uint8_t)flood);
			struct yg_addr fd = addr4(100, 64, (uint8_t)(flood >> 16), (uint8_t)(flood >> 8));
			assert_false(obs(b, &fh, &fd, NULL, at + 1 + k, &hit));
		}
		struct yg_beacon_stats st;
		yg_beacon_stats(b, &st);
		assert_true(st.memory <= st.memcap);
	}
	assert_int_equal(reported, 1);
	struct yg_beacon_stats st;
	yg_beacon_stats(b, &st);
	assert_true(st.evicted > 150000);
	assert_int_equal(st.no_memory, 0);
	assert_int_equal(st.pairs + st.evicted, st.pairs_created);
	assert_int_equal(st.beacons, 1);
	yg_beacon_free(b);
}

/* A pair idle past 12 hours is dropped when its stripe is next used. */
static void idle_pairs_expire(void **state)
{
	(void)state;
	struct yg_beacon *b;
	struct yg_beacon_config c = {0};
	assert_int_equal(yg_beacon_new(&c, &b), 0);
	struct yg_beacon_hit hit;
	for (unsigned k = 0; k < 64; k++) {
		struct yg_addr h = addr4(10, 2, 0, (uint8_t)k), d = addr4(203, 0, 113, 1);
		obs(b, &h, &d, NULL, T0, &hit);
	}
	for (unsigned k = 0; k < 256; k++) {
		struct yg_addr h = addr4(10, 3, 0, (uint8_t)k), d = addr4(203, 0, 113, 1);
		obs(b, &h, &d, NULL, T0 + 13 * 3600 * S, &hit);
	}
	struct yg_beacon_stats st;
	yg_beacon_stats(b, &st);
	assert_int_equal(st.expired, 64);
	assert_int_equal(st.pairs, 256);
	yg_beacon_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(memcap_minimum),
	    cmocka_unit_test(report_once_per_window),
	    cmocka_unit_test(bursts_names_order),
	    cmocka_unit_test(memcap_and_protected_pairs),
	    cmocka_unit_test(idle_pairs_expire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
