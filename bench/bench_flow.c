/*
 * Flow table benchmark: 1,000,000 concurrent flows under a 256 MiB cap.
 * Prints key=value lines:
 *   flow_bytes_per_flow   yg_flow_table_memory / flows
 *   flow_table_mb_1m      yg_flow_table_memory in MiB
 *   flow_rss_mb_1m        the process's VmRSS growth while creating them
 *   flow_creates_per_s    creation rate (includes incremental rehashing)
 *   flow_lookups_per_s    packets on existing flows in random order (1M
 *                         flows: mostly cache misses)
 *   flow_lookups_per_s_10k  the same over 10,000 flows (cache-resident)
 *   mem_miss_ns           baseline: one dependent random read in a buffer as
 *                         large as the 1M-flow table (a DRAM + TLB miss)
 *   ratio_flow_lookup_vs_miss  1M-flow lookup time in such misses (the
 *                         floor is 2: the bucket, then the flow)
 * Usage: bench_flow [FLOWS]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"

#define MIB (1024.0 * 1024.0)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS in KiB, 0 when unreadable. */
static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	char line[256];
	long kib = 0;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			char *end;
			kib = strtol(line + 6, &end, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

/* Flow i: client 10.x.y.z:port -> one of 16 servers on 443. */
static void make_pkt(struct yg_packet *p, uint32_t i, uint64_t ts, bool reply)
{
	uint32_t cli = 0x0a000000u + (i >> 4);
	uint16_t cport = (uint16_t)(20000 + (i & 15));
	uint32_t srv = 0xc0a80000u + (i * 2654435761u >> 28);
	uint32_t s = reply ? srv : cli, d = reply ? cli : srv;
	for (int k = 0; k < 4; k++) {
		p->src.b[k] = (uint8_t)(s >> (24 - 8 * k));
		p->dst.b[k] = (uint8_t)(d >> (24 - 8 * k));
	}
	p->sport = reply ? 443 : cport;
	p->dport = reply ? cport : 443;
	p->tcp_flags = reply ? (YG_TCP_SYN | YG_TCP_ACK) : YG_TCP_SYN;
	p->ts_us = ts;
}

static void init_pkt(struct yg_packet *p)
{
	memset(p, 0, sizeof *p);
	p->family = 4;
	p->proto = 6;
	p->l4_ok = true;
	p->wirelen = p->caplen = 60;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint32_t *shuffled(uint32_t n)
{
	uint32_t *a = malloc((size_t)n * sizeof *a);
	if (!a)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		a[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rng() % (i + 1));
		uint32_t x = a[i];
		a[i] = a[j];
		a[j] = x;
	}
	return a;
}

/* Packets per second on existing flows of t (flows 0..n-1), random order,
 * rounds passes over the shuffled list. Returns -1 on a missing flow. */
static double lookups(struct yg_flow_table *t, uint32_t n, unsigned rounds, uint64_t ts)
{
	uint32_t *order = shuffled(n);
	if (!order)
		return -1;
	struct yg_packet p;
	init_pkt(&p);
	double best = 0;
	for (unsigned r = 0; r < rounds; r++) {
		double t0 = now_s();
		for (uint32_t k = 0; k < n; k++) {
			make_pkt(&p, order[k], ts, k & 1);
			bool toserver, created;
			struct yg_flow *f = yg_flow_packet(t, &p, &toserver, &created);
			if (!f || created) {
				free(order);
				return -1;
			}
		}
		double rate = n / (now_s() - t0);
		if (rate > best)
			best = rate;
	}
	free(order);
	return best;
}

static int run(uint32_t n, size_t memcap, bool report_memory, double *ret_rate)
{
	struct yg_flow_config cfg = {.memcap = memcap};
	struct yg_flow_table *t = NULL;
	long rss0 = rss_kib();
	int r = yg_flow_table_new(&cfg, 1, NULL, NULL, &t);
	if (r < 0)
		return r;
	struct yg_packet p;
	init_pkt(&p);
	const uint64_t ts = 1700000000ull * 1000000u;
	double t0 = now_s();
	for (uint32_t i = 0; i < n; i++) {
		make_pkt(&p, i, ts, false);
		bool toserver, created;
		if (!yg_flow_packet(t, &p, &toserver, &created) || !created) {
			r = -ENOSPC;
			goto out;
		}
	}
	double create_s = now_s() - t0;
	long rss1 = rss_kib();
	struct yg_flow_stats st;
	yg_flow_table_stats(t, &st);
	if (st.active != n || st.ended_evicted) {
		r = -ENOSPC;
		goto out;
	}
	size_t mem = yg_flow_table_memory(t);
	if (report_memory) {
		printf("flow_count=%" PRIu32 "\n", n);
		printf("flow_memcap_mb=%.0f\n", (double)memcap / MIB);
		printf("flow_bytes_per_flow=%.1f\n", (double)mem / n);
		printf("flow_table_mb_1m=%.1f\n", (double)mem / MIB * (1000000.0 / n));
		printf("flow_rss_mb_1m=%.1f\n", (double)(rss1 - rss0) / 1024.0 * (1000000.0 / n));
		printf("flow_creates_per_s=%.0f\n", n / create_s);
	}
	double rate = lookups(t, n, n < 100000 ? 300 : 3, ts + 1000000);
	if (rate < 0) {
		r = -ENOENT;
		goto out;
	}
	*ret_rate = rate;
	r = 0;
out:
	yg_flow_table_free(t);
	return r;
}

/* Nanoseconds per dependent random read over bytes of memory: a pointer
 * chase through a random cycle of 128-byte cells (one per flow). */
static double miss_ns(size_t cells)
{
	uint32_t *order = shuffled((uint32_t)cells);
	uint8_t *mem = aligned_alloc(64, cells * 128);
	if (!order || !mem) {
		free(order);
		free(mem);
		return -1;
	}
	for (size_t i = 0; i < cells; i++)
		memcpy(mem + (size_t)order[i] * 128, &order[(i + 1) % cells], sizeof(uint32_t));
	uint32_t c = order[0];
	double t0 = now_s();
	for (size_t i = 0; i < cells; i++)
		memcpy(&c, mem + (size_t)c * 128, sizeof c);
	double ns = (now_s() - t0) / (double)cells * 1e9;
	free(order);
	free(mem);
	return c < cells ? ns : -1;
}

int main(int argc, char **argv)
{
	uint32_t n = 1000000;
	if (argc > 1) {
		char *end;
		unsigned long v = strtoul(argv[1], &end, 10);
		if (*end || v == 0 || v > 100000000) {
			fprintf(stderr, "usage: %s [FLOWS]\n", argv[0]);
			return 2;
		}
		n = (uint32_t)v;
	}
	double big, small;
	int r = run(n, (size_t)256 << 20, true, &big);
	if (r < 0) {
		fprintf(stderr, "bench_flow: %u flows under 256 MiB: %s\n", n, strerror(-r));
		return 1;
	}
	printf("flow_lookups_per_s=%.0f\n", big);
	printf("flow_lookup_ns=%.1f\n", 1e9 / big);
	r = run(10000, (size_t)256 << 20, false, &small);
	if (r < 0) {
		fprintf(stderr, "bench_flow: 10000 flows: %s\n", strerror(-r));
		return 1;
	}
	printf("flow_lookups_per_s_10k=%.0f\n", small);
	printf("flow_lookup_ns_10k=%.1f\n", 1e9 / small);
	double miss = miss_ns(n);
	if (miss > 0) {
		printf("mem_miss_ns=%.1f\n", miss);
		printf("ratio_flow_lookup_vs_miss=%.2f (floor 2)\n", 1e9 / big / miss);
	}
	return 0;
}
