/*
 * Is a series of connection start times a beacon? The pure scoring rule
 * (no state, no I/O), kept apart from the table that collects the starts
 * (beacon.h) so that it can be tested and tuned on its own.
 *
 * Malware that calls home sleeps a fixed period, usually with a random
 * jitter added (Cobalt Strike's "jitter" percentage), and misses a beat
 * now and then (a laptop lid, a lost packet). Benign software that looks
 * periodic is rarely that regular: retries back off exponentially, people
 * browse in bursts, and arrivals of independent requests are Poisson.
 *
 * The rule, on the sorted starts t[0..n-1] (seconds):
 *
 *   1. Starts closer than merge_s to the previous kept start are one beat
 *      (a page load opens several connections at once).
 *   2. Intervals d_i between beats; fewer than min_intervals: no verdict.
 *   3. P = median(d). An interval within tol of an integer multiple
 *      k = 2..kmax of P is k beats with k-1 missed: it stands as d_i / k.
 *      An interval below P/2, or above 1.5 P and not near a multiple, is
 *      irregular.
 *   4. jitter = mean over the (folded) intervals of min(1, |d_i - m| / m),
 *      m their median: a mean absolute deviation relative to the period,
 *      each interval weighing at most 1 so one outlier cannot dominate.
 *      Uniform jitter of +-j gives jitter ~ j/2; Poisson arrivals ~ 0.8.
 *   5. score = max(0, 1 - jitter / jitter_max)   (regularity)
 *            * (1 - irregular / intervals)     (coverage)
 *            * intervals / (intervals + 4)     (confidence in few samples)
 *      A beacon when score >= threshold and P >= min_period_s.
 *
 * With the defaults (jitter_max 0.5, threshold 0.5) the score falls about
 * linearly with jitter: ~0.9 at +-10 %, ~0.8 at +-20 %, ~0.65 at +-30 %,
 * ~0.55 at +-40 %, so detection degrades from certain at +-30 % to most
 * at +-40 % and few at +-50 %; Poisson arrivals score below 0.3 on
 * average, and the confidence factor keeps short random series (8-12
 * intervals, where chance regularity is likeliest) under the threshold.
 */
#ifndef YG_DETECT_BEACON_SCORE_H
#define YG_DETECT_BEACON_SCORE_H

#include <stdbool.h>
#include <stddef.h>

struct yg_beacon_params {
	unsigned min_intervals; /* 0 = 8 */
	unsigned kmax;          /* largest multiple read as missed beats; 0 = 4 */
	double merge_s;         /* 0 = 2.0 */
	double tol;             /* how near a multiple, in periods; 0 = 0.25 */
	double jitter_max;      /* jitter at which regularity reaches 0; 0 = 0.5 */
	double threshold;       /* 0 = 0.5 */
	double min_period_s;    /* 0 = 5.0 */
};

struct yg_beacon_verdict {
	unsigned beats;     /* starts after merging */
	unsigned intervals; /* beats - 1 */
	unsigned missed;    /* beats missed inside the folded intervals */
	unsigned irregular; /* intervals that are neither beats nor missed beats */
	double period_s;    /* median of the folded intervals */
	double jitter;      /* see above; 0 = perfectly regular */
	double score;       /* 0..1 */
	bool beacon;
};

/* The most starts yg_beacon_score reads (the table keeps fewer). */
#define YG_BEACON_SCORE_MAX 256

/*
 * Scores the starts t[0..n-1] (seconds, ascending; n <= YG_BEACON_SCORE_MAX,
 * more are ignored) under p (NULL: the defaults). Always fills *ret; too
 * few intervals give score 0 and beacon false.
 */
void yg_beacon_score(const double *t, size_t n, const struct yg_beacon_params *p,
		     struct yg_beacon_verdict *ret);

#endif
