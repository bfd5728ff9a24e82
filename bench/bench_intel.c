/*
 * Indicator sets: load rate, memory per indicator and lookup rate.
 *
 *   bench_intel [N]   (N indicators, default 1,000,000; env BENCH_INDICATORS)
 *
 * Writes a mixed plain list of N lines to a temp file (40% IPv4 addresses,
 * 10% IPv4 CIDRs, 5% IPv6, 35% domains, 5% URLs, 5% hashes), times
 * yg_intel_load_path + yg_intel_builder_build, then times lookups of a mix
 * of hits and misses. Targets: >= 2,000,000 indicators/s, <= 64 bytes per
 * indicator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "intel/intel.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this (single) thread: the figure that survives a busy machine. */
static double cpu(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static const char *const tlds[] = {"com", "net", "org", "ru", "xyz", "top", "info", "co.uk"};

static void word(char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('a' + next() % 26);
	out[n] = 0;
}

static void domain(char *out, size_t cap, uint64_t k)
{
	char w[24];
	word(w, 6 + k % 10);
	snprintf(out, cap, "%s%llu.%s", w, (unsigned long long)(k % 1000), tlds[k % 8]);
}

static void line(FILE *f, unsigned i)
{
	unsigned r = i % 100;
	uint64_t x = next();
	char d[64];
	if (r < 40) {
		fprintf(f, "%u.%u.%u.%u\n", (unsigned)(x >> 24) & 255, (unsigned)(x >> 16) & 255,
		        (unsigned)(x >> 8) & 255, (unsigned)x & 255);
	} else if (r < 50) {
		unsigned len = 16 + (unsigned)(x % 13);
		fprintf(f, "%u.%u.%u.0/%u\n", (unsigned)(x >> 24) & 255, (unsigned)(x >> 16) & 255,
		        (unsigned)(x >> 8) & 255, len);
	} else if (r < 55) {
		fprintf(f, "2001:db8:%x:%x::%x%s\n", (unsigned)(x >> 48) & 0xffff,
		        (unsigned)(x >> 32) & 0xffff, (unsigned)x & 0xffff, (x & 1) ? "" : "/64");
	} else if (r < 90) {
		domain(d, sizeof d, x);
		fprintf(f, "%s\n", d);
	} else if (r < 95) {
		domain(d, sizeof d, x);
		char w[16];
		word(w, 8);
		fprintf(f, "http://%s/%s/gate.php?id=%u\n", d, w, (unsigned)(x >> 40));
	} else {
		unsigned n = (x & 1) ? 32 : 64;
		for (unsigned k = 0; k < n; k++)
			fputc("0123456789abcdef"[next() & 15], f);
		fputc('\n', f);
	}
}

int main(int argc, char **argv)
{
	unsigned long n = 1000000;
	const char *env = getenv("BENCH_INDICATORS");
	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	else if (env)
		n = strtoul(env, NULL, 10);
	char path[] = "/tmp/yg-bench-intel-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	FILE *f = fdopen(fd, "w");
	for (unsigned long i = 0; i < n; i++)
		line(f, (unsigned)i);
	fclose(f);
	/* warm the page cache: the load, not the disk, is measured */
	f = fopen(path, "r");
	char buf[1 << 16];
	while (fread(buf, 1, sizeof buf, f) > 0)
		;
	fclose(f);

	double t0 = now(), c0 = cpu();
	struct yg_intel_builder *b;
	struct yg_intel_set *s;
	if (yg_intel_builder_new(&b) < 0)
		return 1;
	long added = yg_intel_load_path(b, path);
	double t1 = now();
	if (added < 0 || yg_intel_builder_build(b, &s) < 0) {
		fprintf(stderr, "load failed: %ld\n", added);
		unlink(path);
		return 1;
	}
	double t2 = now(), c2 = cpu();
	unlink(path);
	size_t count = yg_intel_set_count(s);
	size_t mem = yg_intel_set_memory(s);
	printf("intel_lines=%lu intel_indicators=%zu\n", n, count);
	printf("intel_load_s=%.3f intel_build_s=%.3f\n", t1 - t0, t2 - t1);
	printf("intel_load_rate_per_s=%.0f (target >= 2000000)\n", (double)n / (t2 - t0));
	printf("intel_load_rate_per_cpu_s=%.0f\n", (double)n / (c2 - c0));
	printf("intel_memory_bytes=%zu\n", mem);
	printf("intel_bytes_per_indicator=%.1f (target <= 64)\n",
	       count ? (double)mem / (double)count : 0.0);

	/* Lookups: the same generator replayed gives hits; a second seed misses. */
	enum { Q = 2000000 };
	double tl = 0, cl = 0;
	unsigned long hits = 0, lookups = 0;
	for (int pass = 0; pass < 2; pass++) {
		rng = pass ? 0x123456789abcdefULL : 0x9e3779b97f4a7c15ULL;
		double ta = now(), ca = cpu();
		for (unsigned i = 0; i < Q / 2; i++) {
			unsigned r = i % 100;
			uint64_t x = next();
			uint32_t idx;
			char d[64];
			if (r < 50) {
				uint8_t a[4] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16),
				                (uint8_t)(x >> 8), (uint8_t)x};
				idx = yg_intel_match_ip(s, 4, a);
			} else if (r < 55) {
				uint8_t a[16] = {0x20,
				                 0x01,
				                 0x0d,
				                 0xb8,
				                 (uint8_t)(x >> 56),
				                 (uint8_t)(x >> 48),
				                 (uint8_t)(x >> 40),
				                 (uint8_t)(x >> 32)};
				a[14] = (uint8_t)(x >> 8);
				a[15] = (uint8_t)x;
				idx = yg_intel_match_ip(s, 6, a);
			} else if (r < 90) {
				char w[24];
				word(w, 6 + x % 10);
				int k = snprintf(d, sizeof d, "www.%s%llu.%s", w,
				                 (unsigned long long)(x % 1000), tlds[x % 8]);
				idx = yg_intel_match_domain(s, d, (size_t)k);
			} else if (r < 95) {
				domain(d, sizeof d, x);
				char w[16], t[64];
				word(w, 8);
				int k = snprintf(t, sizeof t, "/%s/gate.php?id=%u", w,
				                 (unsigned)(x >> 40));
				idx = yg_intel_match_url(s, d, strlen(d), t, (size_t)k);
			} else {
				char h[65];
				unsigned hn = (x & 1) ? 32 : 64;
				for (unsigned k = 0; k < hn; k++)
					h[k] = "0123456789abcdef"[next() & 15];
				idx = yg_intel_match_token(s, hn == 32 ? YG_IND_MD5 : YG_IND_SHA256,
				                           h, hn);
			}
			hits += idx != YG_INTEL_NONE;
			lookups++;
		}
		tl += now() - ta;
		cl += cpu() - ca;
	}
	printf("intel_lookups=%lu intel_lookup_hits=%lu\n", lookups, hits);
	printf("intel_lookups_per_s=%.0f\n", (double)lookups / tl);
	printf("intel_lookups_per_cpu_s=%.0f\n", (double)lookups / cl);
	yg_intel_set_free(s);
	return 0;
}
