/*
 * Correlating one new mail submission against a large index.
 *
 *   bench_correlate [N]   (N stored observables, default 1,000,000;
 *                          env BENCH_OBSERVABLES)
 *
 * Fills a fresh SQLite store straight through the store API with N
 * observable occurrences (postings) over N/10 submissions of 10 values each
 * from 3 organizations: per submission a sender address and domain, a
 * sending IP, two URLs and their host, an attachment's MD5/SHA-256 and
 * ssdeep, and a subject template; 2% of the values are drawn from a small
 * pool of "campaign" values shared by many submissions, 3% are warning-list
 * values (gmail.com), the rest are unique. Then times yg_corr_submit of
 * new submissions of 11 observables (two of them already indexed, one
 * ssdeep looked up through the 7-gram index), each in its own
 * transaction, and prints the median and the worst, in milliseconds
 * (target: milliseconds). Also prints the index's size: distinct values and
 * postings, to show it grows with them and not with pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "correlate/correlate.h"
#include "store/store.h"
#include "store/store_mail.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void hex(char *out, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++)
		out[i] = d[next() & 15];
	out[n] = '\0';
}

/* A random-looking ssdeep digest of a common block size. */
static void ssdeep(char *out, size_t outlen, long *ret_bs)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	long bs = 3L << (next() % 12);
	char a[65], b[33];
	size_t na = 20 + next() % 44, nb = 10 + next() % 22;
	for (size_t i = 0; i < na; i++)
		a[i] = b64[next() & 63];
	a[na] = '\0';
	for (size_t i = 0; i < nb; i++)
		b[i] = b64[next() & 63];
	b[nb] = '\0';
	snprintf(out, outlen, "%ld:%s:%s", bs, a, b);
	*ret_bs = bs;
}

/* Fills obs[0..10) for submission k. */
static void make_obs(uint64_t k, struct yg_corr_obs *o, char bufs[10][160])
{
	for (int i = 0; i < 10; i++)
		o[i] = (struct yg_corr_obs){0};
	char h[65];
	uint64_t shared = next() % 100;
	hex(h, 8);
	snprintf(bufs[0], 160, "user%s@sender%llu.example", h, (unsigned long long)(k % 50000));
	o[0].type = YG_CORR_SENDER_ADDR;
	if (shared < 3) {
		snprintf(bufs[1], 160, "gmail.com");
		o[1].warning = true;
	} else {
		snprintf(bufs[1], 160, "sender%llu.example", (unsigned long long)(k % 50000));
	}
	o[1].type = YG_CORR_SENDER_DOMAIN;
	snprintf(bufs[2], 160, "%u.%u.%u.%u", (unsigned)(1 + next() % 220), (unsigned)(next() % 256),
		 (unsigned)(next() % 256), (unsigned)(1 + next() % 254));
	o[2].type = YG_CORR_SENDING_IP;
	hex(h, 12);
	if (shared >= 3 && shared < 5)
		snprintf(bufs[3], 160, "http://campaign%llu.example/login",
			 (unsigned long long)(next() % 200));
	else
		snprintf(bufs[3], 160, "http://site%s.example/p/%llu", h, (unsigned long long)k);
	o[3].type = YG_CORR_URL;
	hex(h, 10);
	snprintf(bufs[4], 160, "https://cdn%s.example/img.png", h);
	o[4].type = YG_CORR_URL;
	snprintf(bufs[5], 160, "cdn%s.example", h);
	o[5].type = YG_CORR_URL_DOMAIN;
	hex(bufs[6], 32);
	o[6].type = YG_CORR_MD5;
	hex(bufs[7], 64);
	o[7].type = YG_CORR_SHA256;
	long bs = 0;
	ssdeep(bufs[8], 160, &bs);
	o[8].type = YG_CORR_SSDEEP;
	o[8].ssdeep_bs = bs;
	snprintf(bufs[9], 160, "invoice # for customer %llu", (unsigned long long)(next() % 100000));
	o[9].type = YG_CORR_SUBJECT;
	for (int i = 0; i < 10; i++)
		o[i].value = bufs[i];
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	if (n <= 0 && getenv("BENCH_OBSERVABLES"))
		n = strtol(getenv("BENCH_OBSERVABLES"), NULL, 10);
	if (n <= 0)
		n = 1000000;
	char dir[] = "/tmp/yg-bench-corr-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	struct yg_store *st = NULL;
	if (yg_store_sqlite_open(dir, &st) < 0)
		return 1;
	const struct yg_store_mail_ops *m = st->ops->mail;
	int64_t orgs[3];
	for (int i = 0; i < 3; i++) {
		char name[16], ident[64];
		snprintf(name, sizeof name, "org%d", i);
		snprintf(ident, sizeof ident, "identity--00000000-0000-4000-8000-00000000000%d", i);
		if (st->ops->org_add(st, name, "energy", "JP", ident, &orgs[i]) < 0)
			return 1;
	}
	static const uint8_t blob[48] = "sealed";
	double t0 = now_s();
	long subs = n / 10;
	char bufs[10][160];
	struct yg_corr_obs o[11];
	st->ops->tx_begin(st);
	for (long k = 0; k < subs; k++) {
		struct yg_mail_sub s = {.org_id = orgs[k % 3], .tlp = YG_TLP_AMBER, .created_us = 1,
					.report = "{}", .indicators = "[]"};
		snprintf(s.uuid, sizeof s.uuid, "00000000-0000-4000-8000-%012ld", k % 1000000000000L);
		int64_t id = 0;
		if (m->sub_put(st, &s, blob, sizeof blob, &id) < 0)
			return 1;
		make_obs((uint64_t)k, o, bufs);
		/* Filled as the index would hold it, without linking (the fill
		 * is not what is measured). */
		for (int i = 0; i < 10; i++) {
			int64_t vid = 0, grams[YG_STORE_GRAMS_MAX];
			int fresh = m->value_intern(st, o[i].type, o[i].value, o[i].warning,
						    o[i].ssdeep_bs, &vid);
			if (fresh < 0 || m->posting_add(st, vid, id) < 0)
				return 1;
			size_t ng = fresh && o[i].type == YG_CORR_SSDEEP
					    ? yg_corr_ssdeep_grams(o[i].value, grams, YG_STORE_GRAMS_MAX)
					    : 0;
			if (ng && m->ssdeep_grams_add(st, vid, grams, ng) < 0)
				return 1;
		}
		if (k % 20000 == 19999) {
			st->ops->tx_commit(st);
			st->ops->tx_begin(st);
		}
	}
	st->ops->tx_commit(st);
	double fill = now_s() - t0;
	int64_t nv = 0, np = 0;
	m->value_count(st, &nv, &np);
	printf("correlate_fill: %lld postings over %lld distinct values, %ld submissions in %.1f s\n",
	       (long long)np, (long long)nv, subs, fill);
	enum { TRIALS = 50 };
	double t[TRIALS];
	size_t linked = 0;
	for (int trial = 0; trial < TRIALS; trial++) {
		make_obs((uint64_t)(subs + trial), o, bufs);
		/* Two values already indexed: a campaign URL and a sender domain. */
		snprintf(bufs[3], 160, "http://campaign%d.example/login", trial % 200);
		snprintf(bufs[1], 160, "sender%d.example", trial * 97 % 50000);
		o[10] = (struct yg_corr_obs){.type = YG_CORR_URL_DOMAIN, .value = "campaign.example"};
		struct yg_mail_sub s = {.org_id = orgs[trial % 3], .tlp = YG_TLP_AMBER,
					.created_us = 1, .report = "{}", .indicators = "[]"};
		snprintf(s.uuid, sizeof s.uuid, "10000000-0000-4000-8000-%012d", trial % 100);
		int64_t id = 0;
		struct yg_corr_result res;
		double a = now_s();
		if (st->ops->tx_begin(st) < 0 || m->sub_put(st, &s, blob, sizeof blob, &id) < 0 ||
		    yg_corr_submit(st, id, o, 11, &res) < 0 || st->ops->tx_commit(st) < 0)
			return 1;
		t[trial] = (now_s() - a) * 1000;
		linked += res.linked;
	}
	qsort(t, TRIALS, sizeof *t, cmp_d);
	printf("correlate_one_submission_ms median=%.2f max=%.2f (against %lld stored observables,"
	       " %zu links found over %d submissions; target: milliseconds)\n",
	       t[TRIALS / 2], t[TRIALS - 1], (long long)np, linked, TRIALS);
	yg_store_close(st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
