/*
 * Robust statistics, the seasonal profile and the surge score (see
 * earlywarn.h for the rules and thresholds).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "earlywarn/earlywarn.h"

#define MAD_TO_SD   1.4826 /* MAD of a normal sample times this is its sd */
#define FACTOR_MIN  0.1
#define FACTOR_MAX  10.0

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double yg_ew_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double clamp_factor(double f)
{
	if (!(f > FACTOR_MIN))
		return FACTOR_MIN;
	return f > FACTOR_MAX ? FACTOR_MAX : f;
}

static void normalize(double *f, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += f[i];
	for (size_t i = 0; i < n; i++)
		f[i] = sum > 0 ? clamp_factor(f[i] * (double)n / sum) : 1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static unsigned hour_of_day(int64_t hour)
{
	return (unsigned)(hour - floor_div(hour, 24) * 24);
}

/* 1970-01-01 was a Thursday (4 with Sunday 0). */
static unsigned day_of_week(int64_t hour)
{
	int64_t day = floor_div(hour, 24) + 4;
	return (unsigned)(day - floor_div(day, 7) * 7);
}

void yg_ew_season_fit(const double *y, size_t n, int64_t first_hour, bool hod_only,
		      struct yg_ew_season *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->hod_only = hod_only;
	for (size_t k = 0; k < 24; k++)
		ret->hod[k] = 1;
	for (size_t k = 0; k < 7; k++)
		ret->dow[k] = 1;
	size_t need = hod_only ? 2 * 24 : (size_t)YG_EW_SEASONAL_DAYS * 24;
	if (n < need)
		return;
	/* Hour of day: the median over the history of each hour's ratio to
	 * its trailing 24-hour mean (which holds every hour of the day once,
	 * so the day-to-day level cancels out). */
	static _Thread_local double ratios[24][YG_EW_FORECAST_MAX_HOURS / 24 + 64];
	size_t cnt[24] = {0};
	size_t cap = sizeof ratios[0] / sizeof ratios[0][0];
	double run = 0;
	for (size_t t = 0; t < n; t++) {
		run += y[t];
		if (t >= 24)
			run -= y[t - 24];
		if (t < 23)
			continue;
		double mean = run / 24;
		unsigned k = hour_of_day(first_hour + (int64_t)t);
		if (mean > 0 && cnt[k] < cap)
			ratios[k][cnt[k]++] = y[t] / mean;
	}
	bool any = false;
	for (size_t k = 0; k < 24; k++) {
		ret->hod[k] = cnt[k] ? yg_ew_median(ratios[k], cnt[k]) : 1;
		any |= cnt[k] > 0;
	}
	if (!any)
		return;
	normalize(ret->hod, 24);
	if (!hod_only) {
		/* Day of week: each complete day's total over the mean of all
		 * complete days, median per weekday. */
		double totals[YG_EW_FORECAST_MAX_HOURS / 24 + 64];
		unsigned wd[sizeof totals / sizeof totals[0]];
		size_t nd = 0;
		size_t start = (24 - hour_of_day(first_hour)) % 24;
		for (size_t t = start; t + 24 <= n && nd < sizeof totals / sizeof totals[0]; t += 24) {
			double s = 0;
			for (size_t i = 0; i < 24; i++)
				s += y[t + i];
			totals[nd] = s;
			wd[nd++] = day_of_week(first_hour + (int64_t)t);
		}
		double mean = 0;
		for (size_t d = 0; d < nd; d++)
			mean += totals[d];
		mean = nd ? mean / (double)nd : 0;
		for (unsigned w = 0; w < 7 && mean > 0; w++) {
			double r[sizeof totals / sizeof totals[0]];
			size_t m = 0;
			for (size_t d = 0; d < nd; d++)
				if (wd[d] == w)
					r[m++] = totals[d] / mean;
			ret->dow[w] = m ? yg_ew_median(r, m) : 1;
		}
		normalize(ret->dow, 7);
	}
	ret->ready = true;
}

double yg_ew_season_factor(const struct yg_ew_season *s, int64_t hour)
{
	if (!s || !s->ready)
		return 1;
	return s->hod[hour_of_day(hour)] * (s->hod_only ? 1 : s->dow[day_of_week(hour)]);
}

/* Median and spread of h[0..n) after dividing each by its factor. */
static void robust(const double *h, const double *factor, size_t n, double *ret_med,
		   double *ret_mad)
{
	double v[YG_EW_HISTORY_MINUTES];
	for (size_t i = 0; i < n; i++)
		v[i] = h[i] / factor[i];
	double med = yg_ew_median(v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = fabs(h[i] / factor[i] - med);
	*ret_med = med;
	*ret_mad = yg_ew_median(v, n);
}

static void score_one(const double *h, const double *factor, size_t n, double observed, double f,
		      double *ret_expected, double *ret_spread, double *ret_score)
{
	double med, mad;
	robust(h, factor, n, &med, &mad);
	double expected = med * f;
	double spread = MAD_TO_SD * mad * f;
	if (spread < sqrt(expected))
		spread = sqrt(expected);
	if (spread < 1)
		spread = 1;
	*ret_expected = expected;
	*ret_spread = spread;
	*ret_score = (observed - expected) / spread;
}

static bool surge_rule(double observed, double expected, double score, double min_excess)
{
	return score >= YG_EW_SURGE_SCORE && observed >= YG_EW_SURGE_RATIO * expected &&
	       observed - expected >= min_excess;
}

void yg_ew_surge_eval(const double *hist_packets, const double *hist_new, const int64_t *minutes,
		      size_t n, double packets, double new_sources, int64_t minute,
		      const struct yg_ew_season *season, struct yg_ew_surge *ret)
{
	memset(ret, 0, sizeof *ret);
	if (n > YG_EW_HISTORY_MINUTES) {
		size_t skip = n - YG_EW_HISTORY_MINUTES;
		hist_packets += skip;
		hist_new += skip;
		minutes += skip;
		n = YG_EW_HISTORY_MINUTES;
	}
	if (n < YG_EW_MIN_HISTORY)
		return;
	double factor[YG_EW_HISTORY_MINUTES];
	bool seasonal = season && season->ready;
	for (size_t i = 0; i < n; i++)
		factor[i] = seasonal ? yg_ew_season_factor(season, floor_div(minutes[i], 60)) : 1;
	double f = seasonal ? yg_ew_season_factor(season, floor_div(minute, 60)) : 1;
	ret->scored = true;
	ret->seasonal = seasonal;
	score_one(hist_packets, factor, n, packets, f, &ret->expected, &ret->spread, &ret->score);
	score_one(hist_new, factor, n, new_sources, f, &ret->expected_new, &ret->spread_new,
		  &ret->new_score);
	ret->surge_packets = surge_rule(packets, ret->expected, ret->score, YG_EW_SURGE_MIN_PACKETS);
	ret->surge_new =
	    surge_rule(new_sources, ret->expected_new, ret->new_score, YG_EW_SURGE_MIN_NEW);
}
