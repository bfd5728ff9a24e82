/*
 * Early warning from network-telescope series (issue 13): the surge score
 * of one port in one minute, and a short forecast of its hourly counts
 * with the forecast's error measured by a backtest. Pure arithmetic on
 * arrays the caller filled from the store: no store, no I/O, no
 * allocation; src/hub/darknet_eval.c feeds it.
 *
 * Surge (yg_ew_surge_eval). The expected count of a minute is the median
 * of the port's previous YG_EW_HISTORY_MINUTES minutes that any telescope
 * sensor reported (a minute nobody reported is left out, not counted as
 * zero), and its spread 1.4826 * MAD of the same, floored at the Poisson
 * spread sqrt(expected) and at 1 (a flat series has MAD 0). Median and MAD
 * ignore up to half the history being outliers, so a past surge or a
 * burst does not lift the baseline. score = (observed - expected) / spread.
 * With at least YG_EW_SEASONAL_DAYS days of hourly history the history is
 * first divided by a seasonal factor (hour of day times day of week, each
 * the median ratio over the history, yg_ew_season_fit) and the expected
 * count multiplied back by the factor of the scored minute.
 *   A minute is a packet surge when score >= YG_EW_SURGE_SCORE, observed
 *   >= YG_EW_SURGE_RATIO * expected and observed - expected >=
 *   YG_EW_SURGE_MIN_PACKETS; a new-sources surge by the same rule on the
 *   sum of new distinct sources with YG_EW_SURGE_MIN_NEW (a new worm is
 *   many new sources, not more packets from old ones). Below
 *   YG_EW_MIN_HISTORY reported minutes nothing is scored.
 *
 * Forecast (yg_ew_forecast): hourly counts, horizon 1..YG_EW_HORIZON_MAX
 * hours: level * hour-of-day profile, the level the median of the last six
 * hours divided by their profile factors, the profile the median ratio of
 * each hour to its trailing 24-hour mean. Needs YG_EW_FORECAST_MIN_HOURS.
 *
 * Backtest (yg_ew_backtest): the forecast replayed from up to
 * YG_EW_BACKTEST_ORIGINS past origins on the stored history, each using
 * only the hours before it, and scored as the mean absolute scaled error
 * (Hyndman and Koehler 2006): MAE over every origin and horizon divided by
 * the in-sample MAE of the one-step naive seasonal forecast (y[t-24]) over
 * the whole series. The naive seasonal forecast (y[t+h-24]) is replayed
 * from the same origins and scored the same way; beats_naive says whether
 * the model's MASE is lower. A series the naive forecast predicts exactly
 * has scale 0: MASE is then undefined (NAN) and the model does not beat it.
 */
#ifndef YG_EARLYWARN_EARLYWARN_H
#define YG_EARLYWARN_EARLYWARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_EW_HISTORY_MINUTES    360 /* six hours of minutes */
#define YG_EW_MIN_HISTORY        60  /* reported minutes before anything is scored */
#define YG_EW_SURGE_SCORE        6.0
#define YG_EW_SURGE_RATIO        2.0
#define YG_EW_SURGE_MIN_PACKETS  20.0
#define YG_EW_SURGE_MIN_NEW      10.0
#define YG_EW_SEASONAL_DAYS      14
#define YG_EW_SEASON             24  /* hours: period of the naive seasonal forecast */
#define YG_EW_HORIZON_MAX        6
#define YG_EW_FORECAST_MIN_HOURS 48
#define YG_EW_FORECAST_MAX_HOURS (28 * 24) /* history a forecast reads */
#define YG_EW_BACKTEST_ORIGINS   168

/* The median of v[0..n) (n > 0); v is reordered. */
double yg_ew_median(double *v, size_t n);

/* Seasonal profile of an hourly series: factors with mean 1, clamped to
 * [0.1, 10]. ready only with YG_EW_SEASONAL_DAYS days of history (for the
 * surge) or, with hod_only, two days (for the forecast). */
struct yg_ew_season {
	bool ready;
	bool hod_only;
	double hod[24];
	double dow[7]; /* 0 = Sunday; all 1 when hod_only */
};

/* Fits the profile to y[0..n), y[i] the count of hour first_hour + i
 * (hours since the Unix epoch). */
void yg_ew_season_fit(const double *y, size_t n, int64_t first_hour, bool hod_only,
		      struct yg_ew_season *ret);

/* The factor of an hour since the epoch (1 when s is NULL or not ready). */
double yg_ew_season_factor(const struct yg_ew_season *s, int64_t hour);

/* One minute of one port, scored against its history. */
struct yg_ew_surge {
	bool scored;   /* enough history */
	bool seasonal; /* the seasonal profile was used */
	double expected, spread, score;
	double expected_new, spread_new, new_score;
	bool surge_packets, surge_new;
};

/* hist_packets/hist_new[i] are the counts of minute minutes[i] (minutes
 * since the epoch, before minute; at most YG_EW_HISTORY_MINUTES are read,
 * the last ones); season may be NULL. Fills *ret. */
void yg_ew_surge_eval(const double *hist_packets, const double *hist_new, const int64_t *minutes,
		      size_t n, double packets, double new_sources, int64_t minute,
		      const struct yg_ew_season *season, struct yg_ew_surge *ret);

/* Forecast of hours first_hour + n .. + n + horizon - 1 from y[0..n):
 * -EINVAL for a horizon outside 1..YG_EW_HORIZON_MAX, -ENODATA with fewer
 * than YG_EW_FORECAST_MIN_HOURS hours. ret[0..horizon) untouched on error. */
int yg_ew_forecast(const double *y, size_t n, int64_t first_hour, unsigned horizon, double *ret);

/* In-sample MAE of the one-step naive seasonal forecast y[t-m] over
 * y[0..n); NAN when n <= m. */
double yg_ew_naive_scale(const double *y, size_t n, size_t m);

/* Mean absolute scaled error of pred against actual: mean |a - p| / scale;
 * NAN when n is 0 or scale is not above 0. */
double yg_ew_mase(const double *actual, const double *pred, size_t n, double scale);

struct yg_ew_backtest {
	size_t origins;
	double scale;      /* naive seasonal in-sample MAE */
	double mae;        /* the model's, over every origin and horizon */
	double mae_h[YG_EW_HORIZON_MAX];
	double mase;       /* NAN when scale is 0 */
	double mase_naive; /* the naive seasonal forecast's, same origins */
	bool beats_naive;
};

/* Replays the forecast over y[0..n) (see the top). -EINVAL for a bad
 * horizon, -ENODATA when no origin has YG_EW_FORECAST_MIN_HOURS hours
 * before it and horizon hours after. */
int yg_ew_backtest(const double *y, size_t n, int64_t first_hour, unsigned horizon,
		   struct yg_ew_backtest *ret);

#endif
