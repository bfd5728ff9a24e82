/*
 * The beacon scoring rule (detect/beacon_score.c) on series built here
 * from a fixed-seed generator: a clean period, +-20 % jitter, missed
 * beats and bursts must be flagged; exponential backoff, Poisson arrivals
 * and too few samples must not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>

#include "detect/beacon_score.h"

static uint64_t rng = 88172645463325252ull;

static double uniform(void) /* [0, 1) */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* n starts of a beacon of period P with uniform jitter +-j; every start
 * whose number is in skip (a list ended by -1) is left out. Returns the
 * count written. */
static size_t beacon(double *t, size_t n, double P, double j, const int *skip)
{
	size_t w = 0;
	double at = 1000;
	for (size_t i = 0; i < n; i++) {
		at += P * (1 + j * (2 * uniform() - 1));
		bool skipped = false;
		for (const int *s = skip; s && *s >= 0; s++)
			skipped |= (size_t)*s == i;
		if (!skipped)
			t[w++] = at;
	}
	return w;
}

static void clean_period(void **state)
{
	(void)state;
	double t[20];
	size_t n = beacon(t, 20, 60, 0, NULL);
	struct yg_beacon_verdict v;
	yg_beacon_score(t, n, NULL, &v);
	assert_true(v.beacon);
	assert_int_equal(v.intervals, 19);
	assert_int_equal(v.missed, 0);
	assert_int_equal(v.irregular, 0);
	assert_true(fabs(v.period_s - 60) < 1e-9);
	assert_true(v.jitter < 1e-9);
	assert_true(v.score > 0.8); /* 1 * 1 * 19/23 */
}

/* +-20 % on every interval: every one of 200 series flagged, the period
 * found within 15 %, jitter about j/2. */
static void jitter_20(void **state)
{
	(void)state;
	double t[32];
	for (int k = 0; k < 200; k++) {
		size_t n = beacon(t, 32, 300, 0.2, NULL);
		struct yg_beacon_verdict v;
		yg_beacon_score(t, n, NULL, &v);
		assert_true(v.beacon);
		assert_true(fabs(v.period_s - 300) < 45); /* the median of 31 */
		assert_true(v.jitter > 0.05 && v.jitter < 0.15);
	}
}

/* +-40 %: the score degrades but most series still pass; +-10 % scores
 * above +-30 %, which scores above Poisson. */
static void jitter_degrades(void **state)
{
	(void)state;
	double t[32];
	unsigned hit40 = 0;
	double s10 = 0, s30 = 0;
	for (int k = 0; k < 100; k++) {
		struct yg_beacon_verdict v;
		size_t n = beacon(t, 32, 120, 0.4, NULL);
		yg_beacon_score(t, n, NULL, &v);
		hit40 += v.beacon;
		n = beacon(t, 32, 120, 0.1, NULL);
		yg_beacon_score(t, n, NULL, &v);
		s10 += v.score;
		n = beacon(t, 32, 120, 0.3, NULL);
		yg_beacon_score(t, n, NULL, &v);
		s30 += v.score;
	}
	assert_true(hit40 >= 70);
	assert_true(s10 > s30);
}

/* Beats 5, 12 and 13 missing: intervals of 2 and 3 periods fold back. */
static void missed_beats(void **state)
{
	(void)state;
	double t[30];
	static const int skip[] = {5, 12, 13, -1};
	size_t n = beacon(t, 30, 60, 0.1, skip);
	assert_int_equal(n, 27);
	struct yg_beacon_verdict v;
	yg_beacon_score(t, n, NULL, &v);
	assert_true(v.beacon);
	assert_int_equal(v.missed, 3);
	assert_int_equal(v.irregular, 0);
	assert_true(fabs(v.period_s - 60) < 6);
}

/* Several connections per beat (a page's worth) are one beat. */
static void bursts_merge(void **state)
{
	(void)state;
	double t[60];
	size_t n = 0;
	for (int i = 0; i < 20; i++) {
		double at = 500 + 90.0 * i + 5 * uniform();
		t[n++] = at;
		t[n++] = at + 0.3;
		t[n++] = at + 1.1;
	}
	struct yg_beacon_verdict v;
	yg_beacon_score(t, n, NULL, &v);
	assert_int_equal(v.beats, 20);
	assert_true(v.beacon);
}

/* Exponential backoff (30 s doubling), alone and reset after a success:
 * never a beacon. */
static void backoff(void **state)
{
	(void)state;
	double t[40];
	size_t n = 0;
	double at = 0, b = 30;
	for (int i = 0; i < 14; i++) {
		t[n++] = at;
		at += b;
		b *= 2;
	}
	struct yg_beacon_verdict v;
	yg_beacon_score(t, n, NULL, &v);
	assert_false(v.beacon);
	assert_true(v.score < 0.2);

	n = 0;
	at = 0;
	for (int cycle = 0; cycle < 5; cycle++) {
		b = 30;
		for (int i = 0; i < 6; i++) {
			t[n++] = at;
			at += b * (1 + 0.1 * uniform());
			b *= 2;
		}
		at += 3600; /* success: the next check is an hour later */
	}
	yg_beacon_score(t, n, NULL, &v);
	assert_false(v.beacon);
}

/* Random (Poisson) arrivals: 2000 series of 9..32 starts, none flagged. */
static void poisson(void **state)
{
	(void)state;
	double t[32];
	unsigned flagged = 0;
	double sum = 0;
	for (int k = 0; k < 2000; k++) {
		size_t n = 9 + (size_t)(uniform() * 24);
		double at = 0;
		for (size_t i = 0; i < n; i++) {
			at += -log(1 - uniform()) * 300;
			t[i] = at;
		}
		struct yg_beacon_verdict v;
		yg_beacon_score(t, n, NULL, &v);
		flagged += v.beacon;
		sum += v.score;
	}
	assert_int_equal(flagged, 0);
	assert_true(sum / 2000 < 0.3);
}

/* Eight starts are seven intervals: no verdict, however regular. */
static void too_few(void **state)
{
	(void)state;
	double t[8];
	size_t n = beacon(t, 8, 60, 0, NULL);
	struct yg_beacon_verdict v;
	yg_beacon_score(t, n, NULL, &v);
	assert_false(v.beacon);
	assert_int_equal(v.intervals, 7);
	assert_true(v.score == 0);
	/* Nine are enough. */
	double u[9];
	n = beacon(u, 9, 60, 0, NULL);
	yg_beacon_score(u, n, NULL, &v);
	assert_true(v.beacon);
	/* ... unless the period is below min_period_s. */
	n = beacon(u, 9, 3, 0, NULL);
	yg_beacon_score(u, n, NULL, &v);
	assert_false(v.beacon);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(clean_period), cmocka_unit_test(jitter_20),
	    cmocka_unit_test(jitter_degrades), cmocka_unit_test(missed_beats),
	    cmocka_unit_test(bursts_merge), cmocka_unit_test(backoff),
	    cmocka_unit_test(poisson), cmocka_unit_test(too_few),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
