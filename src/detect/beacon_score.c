/* The beacon scoring rule; see beacon_score.h for the rule and its reasons. */
#include "detect/beacon_score.h"

#include <math.h>
#include <string.h>

/* Median of v[0..n-1] (n >= 1); reorders v. An insertion sort: the
 * table scores 31 intervals at a time, often nearly sorted already, where
 * qsort's indirect calls cost several times more (this runs on a packet
 * worker for a good share of ended flows). */
static double median(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void defaults(const struct yg_beacon_params *p, struct yg_beacon_params *ret)
{
	static const struct yg_beacon_params none;
	if (!p)
		p = &none;
	ret->min_intervals = p->min_intervals ? p->min_intervals : 8;
	ret->kmax = p->kmax ? p->kmax : 4;
	ret->merge_s = p->merge_s > 0 ? p->merge_s : 2.0;
	ret->tol = p->tol > 0 ? p->tol : 0.25;
	ret->jitter_max = p->jitter_max > 0 ? p->jitter_max : 0.5;
	ret->threshold = p->threshold > 0 ? p->threshold : 0.5;
	ret->min_period_s = p->min_period_s > 0 ? p->min_period_s : 5.0;
}

void yg_beacon_score(const double *t, size_t n, const struct yg_beacon_params *params,
		     struct yg_beacon_verdict *ret)
{
	struct yg_beacon_params p;
	defaults(params, &p);
	memset(ret, 0, sizeof *ret);
	if (n > YG_BEACON_SCORE_MAX)
		n = YG_BEACON_SCORE_MAX;
	double d[YG_BEACON_SCORE_MAX], f[YG_BEACON_SCORE_MAX], s[YG_BEACON_SCORE_MAX];
	size_t nd = 0;
	double last = 0;
	unsigned beats = 0;
	for (size_t i = 0; i < n; i++) {
		if (beats && t[i] - last < p.merge_s)
			continue;
		if (beats)
			d[nd++] = t[i] - last;
		last = t[i];
		beats++;
	}
	ret->beats = beats;
	ret->intervals = (unsigned)nd;
	if (nd < p.min_intervals)
		return;
	memcpy(s, d, nd * sizeof *d);
	double P = median(s, nd);
	if (!(P > 0))
		return;
	unsigned irregular = 0, missed = 0, folded = 0;
	for (size_t i = 0; i < nd; i++) {
		double r = d[i] / P;
		double k = floor(r + 0.5);
		f[i] = d[i];
		if (r < 0.5) {
			irregular++;
		} else if (k >= 2) {
			if (k <= p.kmax && fabs(r - k) <= p.tol) {
				f[i] = d[i] / k;
				missed += (unsigned)k - 1;
				folded++;
			} else {
				irregular++;
			}
		}
	}
	memcpy(s, f, nd * sizeof *f);
	double m = median(s, nd);
	double dev = 0;
	for (size_t i = 0; i < nd; i++) {
		double e = fabs(f[i] - m) / m;
		dev += e < 1 ? e : 1;
	}
	double jitter = dev / (double)nd;
	double reg = 1 - jitter / p.jitter_max;
	if (reg < 0)
		reg = 0;
	/* A folded interval is weaker evidence than a seen beat: random
	 * arrivals land near some multiple by chance. It counts half. */
	double cover = 1 - ((double)irregular + 0.5 * folded) / (double)nd;
	double conf = (double)nd / ((double)nd + 4);
	ret->missed = missed;
	ret->irregular = irregular;
	ret->period_s = m;
	ret->jitter = jitter;
	ret->score = reg * cover * conf;
	ret->beacon = ret->score >= p.threshold && m >= p.min_period_s;
}
