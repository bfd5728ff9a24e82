/*
 * The hourly forecast and its backtest (see earlywarn.h).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "earlywarn/earlywarn.h"

#define LEVEL_HOURS 6

/* The forecast from y[0..n) without the argument checks; n >= 2 days. */
static void forecast(const double *y, size_t n, int64_t first_hour, unsigned horizon, double *ret)
{
	if (n > YG_EW_FORECAST_MAX_HOURS) {
		first_hour += (int64_t)(n - YG_EW_FORECAST_MAX_HOURS);
		y += n - YG_EW_FORECAST_MAX_HOURS;
		n = YG_EW_FORECAST_MAX_HOURS;
	}
	struct yg_ew_season s;
	yg_ew_season_fit(y, n, first_hour, true, &s);
	double lv[LEVEL_HOURS];
	for (size_t i = 0; i < LEVEL_HOURS; i++) {
		size_t t = n - LEVEL_HOURS + i;
		lv[i] = y[t] / yg_ew_season_factor(&s, first_hour + (int64_t)t);
	}
	double level = yg_ew_median(lv, LEVEL_HOURS);
	for (unsigned h = 0; h < horizon; h++)
		ret[h] = level * yg_ew_season_factor(&s, first_hour + (int64_t)n + h);
}

int yg_ew_forecast(const double *y, size_t n, int64_t first_hour, unsigned horizon, double *ret)
{
	if (horizon < 1 || horizon > YG_EW_HORIZON_MAX)
		return -EINVAL;
	if (n < YG_EW_FORECAST_MIN_HOURS)
		return -ENODATA;
	forecast(y, n, first_hour, horizon, ret);
	return 0;
}

double yg_ew_naive_scale(const double *y, size_t n, size_t m)
{
	if (n <= m)
		return NAN;
	double sum = 0;
	for (size_t t = m; t < n; t++)
		sum += fabs(y[t] - y[t - m]);
	return sum / (double)(n - m);
}

double yg_ew_mase(const double *actual, const double *pred, size_t n, double scale)
{
	if (n == 0 || !(scale > 0))
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += fabs(actual[i] - pred[i]);
	return sum / (double)n / scale;
}

int yg_ew_backtest(const double *y, size_t n, int64_t first_hour, unsigned horizon,
		   struct yg_ew_backtest *ret)
{
	if (horizon < 1 || horizon > YG_EW_HORIZON_MAX)
		return -EINVAL;
	if (n < YG_EW_FORECAST_MIN_HOURS + horizon)
		return -ENODATA;
	size_t last = n - horizon; /* the latest origin: forecasts y[last..n) */
	size_t first = YG_EW_FORECAST_MIN_HOURS;
	if (last - first + 1 > YG_EW_BACKTEST_ORIGINS)
		first = last + 1 - YG_EW_BACKTEST_ORIGINS;
	double err = 0, err_naive = 0, err_h[YG_EW_HORIZON_MAX] = {0};
	size_t origins = 0;
	for (size_t t = first; t <= last; t++) {
		double p[YG_EW_HORIZON_MAX];
		forecast(y, t, first_hour, horizon, p);
		for (unsigned h = 0; h < horizon; h++) {
			double e = fabs(y[t + h] - p[h]);
			err += e;
			err_h[h] += e;
			/* The naive seasonal forecast of hour t+h: the same hour a
			 * season earlier, known at origin t since h < season. */
			err_naive += fabs(y[t + h] - y[t + h - YG_EW_SEASON]);
		}
		origins++;
	}
	struct yg_ew_backtest b = {.origins = origins};
	double cnt = (double)origins * horizon;
	b.scale = yg_ew_naive_scale(y, n, YG_EW_SEASON);
	b.mae = err / cnt;
	for (unsigned h = 0; h < horizon; h++)
		b.mae_h[h] = err_h[h] / (double)origins;
	b.mase = b.scale > 0 ? b.mae / b.scale : NAN;
	b.mase_naive = b.scale > 0 ? err_naive / cnt / b.scale : NAN;
	b.beats_naive = b.scale > 0 && b.mase < b.mase_naive;
	*ret = b;
	return 0;
}
