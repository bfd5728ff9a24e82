/*
 * The surge and forecast arithmetic of src/earlywarn on synthetic series
 * with known truth: where a surge starts, that a noisy flat series never
 * surges, and MASE against values worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "earlywarn/earlywarn.h"

/* A fixed pseudo-random stream (xorshift), so every run sees the same noise. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* Approximately normal (sum of 12 uniforms). */
static double normal(double mean, double sd)
{
	double s = 0;
	for (int i = 0; i < 12; i++)
		s += uniform();
	return mean + (s - 6) * sd;
}

/* Poisson-like counts: normal with sd sqrt(mean), never negative. */
static double count(double mean)
{
	double v = round(normal(mean, sqrt(mean)));
	return v < 0 ? 0 : v;
}

#define N_MIN (24 * 60)

static double pk[N_MIN], nw[N_MIN];
static int64_t mins[N_MIN];

/* Scores minute m against minutes [m-360, m); returns the evaluation. */
static struct yg_ew_surge eval_at(size_t m, const struct yg_ew_season *season)
{
	size_t from = m > YG_EW_HISTORY_MINUTES ? m - YG_EW_HISTORY_MINUTES : 0;
	struct yg_ew_surge e;
	yg_ew_surge_eval(pk + from, nw + from, mins + from, m - from, pk[m], nw[m], mins[m], season,
			 &e);
	return e;
}

static void fill_flat(double mean_pk, double mean_new)
{
	for (size_t i = 0; i < N_MIN; i++) {
		mins[i] = 29000000 + (int64_t)i; /* some minute in 2025 */
		pk[i] = count(mean_pk);
		nw[i] = count(mean_new);
	}
}

static void median_of_known_values(void **state)
{
	(void)state;
	double a[] = {5, 1, 4, 2, 3};
	assert_true(yg_ew_median(a, 5) == 3);
	double b[] = {10, 1, 7, 3};
	assert_true(yg_ew_median(b, 4) == 5);
}

static void surge_flagged_at_its_first_minute(void **state)
{
	(void)state;
	fill_flat(100, 3);
	const size_t start = 700;
	for (size_t i = start; i < start + 30; i++)
		pk[i] = count(600);
	size_t first = 0, flagged = 0;
	for (size_t m = 0; m < start + 30; m++) {
		struct yg_ew_surge e = eval_at(m, NULL);
		if (m < YG_EW_MIN_HISTORY)
			assert_false(e.scored);
		if (e.surge_packets && !flagged++)
			first = m;
	}
	assert_int_equal(first, start);
	assert_int_equal(flagged, 30); /* every surge minute, nothing before */
	struct yg_ew_surge e = eval_at(start, NULL);
	assert_true(fabs(e.expected - 100) < 5);
	assert_true(e.score > 20);
	assert_false(e.surge_new);
}

static void flat_noisy_series_never_surges(void **state)
{
	(void)state;
	for (int round_ = 0; round_ < 3; round_++) {
		fill_flat(round_ == 0 ? 100 : round_ == 1 ? 5 : 2000, round_ == 2 ? 40 : 2);
		for (size_t m = 0; m < N_MIN; m++) {
			struct yg_ew_surge e = eval_at(m, NULL);
			if (e.surge_packets || e.surge_new)
				fail_msg("false surge at minute %zu of round %d (score %.2f, new %.2f)",
					 m, round_, e.score, e.new_score);
		}
	}
}

static void new_sources_jump_is_a_surge_of_its_own(void **state)
{
	(void)state;
	fill_flat(500, 2);
	const size_t start = 400;
	for (size_t i = start; i < start + 10; i++)
		nw[i] = count(60); /* same packets, many new sources */
	size_t first = 0;
	bool any = false;
	for (size_t m = 0; m < start + 10; m++) {
		struct yg_ew_surge e = eval_at(m, NULL);
		assert_false(e.surge_packets);
		if (e.surge_new && !any) {
			any = true;
			first = m;
		}
	}
	assert_true(any);
	assert_int_equal(first, start);
}

static void baseline_ignores_outliers(void **state)
{
	(void)state;
	fill_flat(100, 3);
	/* A fifth of the history ten times higher (earlier bursts). */
	for (size_t i = 300; i < 660; i += 5)
		pk[i] = 1000;
	pk[660] = 110;
	struct yg_ew_surge e = eval_at(660, NULL);
	assert_true(e.scored);
	assert_true(e.expected > 90 && e.expected < 115);
	assert_false(e.surge_packets);
}

/* 20 days of minutes reduced to hours, with a strong hour-of-day shape:
 * hours 0-5 carry a tenth of the traffic of the rest. */
static double shaped(int64_t hour)
{
	int64_t h = hour % 24;
	return h < 6 ? 10 : 100;
}

static void seasonal_profile_keeps_the_daily_peak_from_surging(void **state)
{
	(void)state;
	enum { DAYS = 20 };
	static double hourly[DAYS * 24];
	int64_t first_hour = 490000 - 490000 % 24; /* midnight UTC */
	for (size_t i = 0; i < DAYS * 24; i++)
		hourly[i] = 60 * shaped(first_hour + (int64_t)i);
	struct yg_ew_season s;
	yg_ew_season_fit(hourly, 13 * 24, first_hour, false, &s);
	assert_false(s.ready); /* under two weeks */
	yg_ew_season_fit(hourly, DAYS * 24, first_hour, false, &s);
	assert_true(s.ready);
	assert_true(s.hod[3] < 0.2 && s.hod[12] > 1.0);
	/* Scored: 06:00 of the next day, history the six quiet hours before. */
	int64_t day = first_hour + DAYS * 24;
	for (size_t i = 0; i < 360; i++) {
		mins[i] = day * 60 + (int64_t)i;
		pk[i] = count(10);
		nw[i] = 0;
	}
	mins[360] = day * 60 + 360;
	pk[360] = 100;
	nw[360] = 0;
	struct yg_ew_surge plain, seasonal;
	yg_ew_surge_eval(pk, nw, mins, 360, pk[360], 0, mins[360], NULL, &plain);
	yg_ew_surge_eval(pk, nw, mins, 360, pk[360], 0, mins[360], &s, &seasonal);
	assert_true(plain.surge_packets);     /* the usual morning rise looks like a surge */
	assert_true(seasonal.seasonal);
	assert_false(seasonal.surge_packets); /* the profile expects it */
	assert_true(fabs(seasonal.expected - 100) < 15);
}

static void mase_of_known_series(void **state)
{
	(void)state;
	double actual[] = {3, 5, 7}, pred[] = {2, 5, 9};
	assert_true(fabs(yg_ew_mase(actual, pred, 3, 2.0) - 0.5) < 1e-12);
	assert_true(isnan(yg_ew_mase(actual, pred, 3, 0)));
	assert_true(isnan(yg_ew_mase(actual, pred, 0, 1)));
	double y[] = {1, 3, 2, 4, 4};
	/* m = 2: |2-1| + |4-3| + |4-2| = 4 over 3 */
	assert_true(fabs(yg_ew_naive_scale(y, 5, 2) - 4.0 / 3) < 1e-12);
	assert_true(isnan(yg_ew_naive_scale(y, 2, 2)));
}

/* A daily shape on a growing level: the naive seasonal forecast lags the
 * growth by a day, the level of the last hours does not. */
static void backtest_mase_matches_replay_and_beats_naive(void **state)
{
	(void)state;
	enum { N = 10 * 24 };
	static double y[N];
	int64_t first = 480000;
	for (size_t t = 0; t < N; t++)
		y[t] = (100 + 2.0 * (double)t) * (shaped(first + (int64_t)t) / 77.5) + normal(0, 2);
	struct yg_ew_backtest bt;
	assert_int_equal(yg_ew_backtest(y, N, first, 6, &bt), 0);
	/* Replay by hand: every origin from the last 168, horizons 1..6. */
	size_t last = N - 6, from = last + 1 - YG_EW_BACKTEST_ORIGINS;
	double err = 0, err_naive = 0;
	size_t cnt = 0;
	for (size_t t = from; t <= last; t++) {
		double p[6];
		assert_int_equal(yg_ew_forecast(y, t, first, 6, p), 0);
		for (size_t h = 0; h < 6; h++, cnt++) {
			err += fabs(y[t + h] - p[h]);
			err_naive += fabs(y[t + h] - y[t + h - 24]);
		}
	}
	double scale = yg_ew_naive_scale(y, N, 24);
	assert_int_equal(bt.origins, YG_EW_BACKTEST_ORIGINS);
	assert_true(fabs(bt.scale - scale) < 1e-9);
	assert_true(fabs(bt.mase - err / (double)cnt / scale) < 1e-9);
	assert_true(fabs(bt.mase_naive - err_naive / (double)cnt / scale) < 1e-9);
	assert_true(bt.mase < bt.mase_naive);
	assert_true(bt.beats_naive);
}

static void forecast_that_does_not_beat_naive_says_so(void **state)
{
	(void)state;
	enum { N = 6 * 24 };
	static double y[N];
	/* Exactly periodic: the naive seasonal forecast is perfect, MASE has
	 * no scale, nothing beats it. */
	for (size_t t = 0; t < N; t++)
		y[t] = (double)((t % 24) * 7 % 24) + 1;
	struct yg_ew_backtest bt;
	assert_int_equal(yg_ew_backtest(y, N, 480000, 3, &bt), 0);
	assert_true(bt.scale == 0);
	assert_true(isnan(bt.mase));
	assert_false(bt.beats_naive);
	/* A jagged period-24 pattern with noise: a smooth level cannot follow
	 * the jumps the naive forecast copies from yesterday. */
	for (size_t t = 0; t < N; t++)
		y[t] = (double)((t % 24) * 7 % 24) * 10 + 5 + normal(0, 1);
	assert_int_equal(yg_ew_backtest(y, N, 480000, 3, &bt), 0);
	assert_true(isfinite(bt.mase));
	assert_true(bt.mase >= bt.mase_naive);
	assert_false(bt.beats_naive);
}

static void forecast_needs_history_and_a_valid_horizon(void **state)
{
	(void)state;
	double y[YG_EW_FORECAST_MIN_HOURS] = {0}, p[6];
	assert_int_equal(yg_ew_forecast(y, YG_EW_FORECAST_MIN_HOURS - 1, 0, 6, p), -ENODATA);
	assert_int_equal(yg_ew_forecast(y, YG_EW_FORECAST_MIN_HOURS, 0, 0, p), -EINVAL);
	assert_int_equal(yg_ew_forecast(y, YG_EW_FORECAST_MIN_HOURS, 0, 7, p), -EINVAL);
	for (size_t i = 0; i < YG_EW_FORECAST_MIN_HOURS; i++)
		y[i] = 50;
	assert_int_equal(yg_ew_forecast(y, YG_EW_FORECAST_MIN_HOURS, 0, 6, p), 0);
	for (size_t h = 0; h < 6; h++)
		assert_true(fabs(p[h] - 50) < 1e-9);
	struct yg_ew_backtest bt;
	assert_int_equal(yg_ew_backtest(y, YG_EW_FORECAST_MIN_HOURS + 5, 0, 6, &bt), -ENODATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(median_of_known_values),
		cmocka_unit_test(surge_flagged_at_its_first_minute),
		cmocka_unit_test(flat_noisy_series_never_surges),
		cmocka_unit_test(new_sources_jump_is_a_surge_of_its_own),
		cmocka_unit_test(baseline_ignores_outliers),
		cmocka_unit_test(seasonal_profile_keeps_the_daily_peak_from_surging),
		cmocka_unit_test(mase_of_known_series),
		cmocka_unit_test(backtest_mase_matches_replay_and_beats_naive),
		cmocka_unit_test(forecast_that_does_not_beat_naive_says_so),
		cmocka_unit_test(forecast_needs_history_and_a_valid_horizon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
