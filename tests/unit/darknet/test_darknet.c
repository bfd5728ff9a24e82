/*
 * The telescope's pieces: classification and fingerprints (classify.c) on
 * raw IPv4 packets built here with correct checksums, HyperLogLog error,
 * the research list, and the telescope's memory bound and eviction
 * counting (telescope.c) with many sources and a small memcap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "darknet/classify.h"
#include "darknet/hll.h"
#include "darknet/research.h"
#include "darknet/telescope.h"
#include "decode/decode.h"
#include "output/eve.h"

struct pk {
	uint8_t b[256];
	uint32_t n;
};

static uint16_t csum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* IPv4 header + l4 (len bytes, checksum field at l4_ck or -1). */
static void ipv4(struct pk *k, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                 const uint8_t *l4, size_t len, int l4_ck)
{
	memset(k, 0, sizeof *k);
	uint8_t *h = k->b;
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(20 + len));
	put16(h + 4, id);
	h[8] = 64;
	h[9] = proto;
	put32(h + 12, src);
	put32(h + 16, dst);
	put16(h + 10, csum(h, 20, 0));
	memcpy(h + 20, l4, len);
	if (l4_ck >= 0) {
		uint32_t s = 0;
		if (proto != 1) {
			s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto +
			    (uint32_t)len;
		}
		put16(h + 20 + l4_ck, csum(h + 20, len, s));
	}
	k->n = (uint32_t)(20 + len);
}

static void tcp(struct pk *k, uint32_t src, uint32_t dst, uint16_t id, uint16_t sport,
                uint16_t dport, uint32_t seq, uint8_t flags)
{
	uint8_t t[20] = {0};
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 1024);
	ipv4(k, src, dst, 6, id, t, 20, 16);
}

static void classify(const struct pk *k, struct yg_dn_info *in)
{
	/* An exact-size copy: ASan sees any read past the packet. */
	uint8_t *c = malloc(k->n);
	memcpy(c, k->b, k->n);
	struct yg_packet p;
	yg_decode(YG_LINK_RAW, c, k->n, k->n, 1, &p);
	yg_dn_classify(&p, c, k->n, in);
	free(c);
}

#define SRC 0x3db1ac0au /* 61.177.172.10 */
#define DST 0xc6336405u /* 198.51.100.5 */

static void test_fingerprints(void **st)
{
	(void)st;
	struct pk k;
	struct yg_dn_info in;
	tcp(&k, SRC, DST, 999, 40000, 23, DST, 0x02); /* Mirai: seq == dst */
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_SCAN_TCP);
	assert_int_equal(in.fp, YG_DN_FP_MIRAI);
	assert_int_equal(in.port, 23);
	tcp(&k, SRC, DST, 54321, 40000, 443, 12345, 0x02); /* ZMap */
	classify(&k, &in);
	assert_int_equal(in.fp, YG_DN_FP_ZMAP);
	uint32_t seq = 0xdeadbeef;
	tcp(&k, SRC, DST, (uint16_t)((DST ^ 3389u ^ seq) & 0xffff), 61000, 3389, seq, 0x02);
	classify(&k, &in);
	assert_int_equal(in.fp, YG_DN_FP_MASSCAN);
	tcp(&k, SRC, DST, 4242, 40000, 3389, seq, 0x02);
	classify(&k, &in);
	assert_int_equal(in.fp, YG_DN_FP_UNKNOWN);
	assert_string_equal(yg_dn_fp_name(YG_DN_FP_MASSCAN), "masscan");
}

static void test_classes(void **st)
{
	(void)st;
	struct pk k;
	struct yg_dn_info in;
	tcp(&k, SRC, DST, 1, 80, 50000, 1, 0x12); /* SYN-ACK */
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_BACKSCATTER);
	assert_true(in.victim_has_port);
	assert_int_equal(in.victim_port, 80);
	assert_memory_equal(in.victim.b, "\x3d\xb1\xac\x0a", 4);
	tcp(&k, SRC, DST, 1, 443, 50000, 1, 0x14); /* RST-ACK */
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_BACKSCATTER);
	tcp(&k, SRC, DST, 1, 443, 50000, 1, 0x03); /* SYN+FIN */
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_OTHER);
	assert_int_equal(in.anom, YG_DN_ANOM_BAD_FLAGS);
	tcp(&k, SRC, DST, 1, 443, 50000, 1, 0x10); /* a lone ACK */
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_OTHER);
	assert_int_equal(in.anom, YG_DN_ANOM_NONE);
	tcp(&k, SRC, DST, 1, 443, 50000, 1, 0x02);
	k.b[20 + 16] ^= 0xff; /* bad TCP checksum */
	classify(&k, &in);
	assert_int_equal(in.anom, YG_DN_ANOM_BAD_CHECKSUM);
	tcp(&k, SRC, DST, 1, 443, 50000, 1, 0x02);
	k.n = 30; /* truncated: the IP total length says 40 */
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_OTHER);
	assert_int_equal(in.anom, YG_DN_ANOM_TRUNCATED);

	uint8_t u[12] = {0x13, 0xc4, 0x13, 0xc4, 0, 12, 0, 0, 'a', 'b', 'c', 'd'};
	ipv4(&k, SRC, DST, 17, 5, u, sizeof u, 6);
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_SCAN_UDP);
	assert_int_equal(in.port, 5060);
	uint8_t e[8] = {8, 0, 0, 0, 0, 1, 0, 1};
	ipv4(&k, SRC, DST, 1, 54321, e, sizeof e, 2);
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_SCAN_ICMP);
	assert_int_equal(in.fp, YG_DN_FP_ZMAP);
	e[0] = 0;
	ipv4(&k, SRC, DST, 1, 5, e, sizeof e, 2);
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_BACKSCATTER);

	/* Port unreachable quoting a datagram from the telescope to 9.9.9.9:53. */
	struct pk q;
	uint8_t qu[8] = {0x0d, 0x05, 0, 53, 0, 8, 0, 0};
	ipv4(&q, DST, 0x09090909u, 17, 7, qu, sizeof qu, -1);
	uint8_t m[8 + 28] = {3, 3};
	memcpy(m + 8, q.b, 28);
	ipv4(&k, 0x3e730101u, DST, 1, 6, m, sizeof m, 2);
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_BACKSCATTER);
	assert_int_equal(in.victim_proto, 17);
	assert_int_equal(in.victim_port, 53);
	assert_memory_equal(in.victim.b, "\x09\x09\x09\x09", 4);
	/* The same quoting someone else's packet: not backscatter to us. */
	ipv4(&q, 0x01020304u, 0x09090909u, 17, 7, qu, sizeof qu, -1);
	memcpy(m + 8, q.b, 28);
	ipv4(&k, 0x3e730101u, DST, 1, 6, m, sizeof m, 2);
	classify(&k, &in);
	assert_int_equal(in.cls, YG_DN_OTHER);
}

static void test_hll_error(void **st)
{
	(void)st;
	static const unsigned ns[] = {1, 10, 100, 1000, 10000, 100000};
	for (unsigned p = 6; p <= 7; p++) {
		double se = 1.04 / sqrt((double)(1u << p));
		for (unsigned t = 0; t < sizeof ns / sizeof ns[0]; t++) {
			uint8_t reg[128] = {0};
			for (unsigned i = 0; i < ns[t]; i++)
				yg_hll_add(reg, p, yg_hash_mix64(i * 7919u + p * 1000003u + 1));
			double est = (double)yg_hll_count(reg, p);
			/* Four standard errors: never fails by chance on these fixed inputs. */
			assert_true(fabs(est - ns[t]) <= 4 * se * ns[t] + 1);
		}
	}
	uint8_t reg[64] = {0};
	assert_int_equal(yg_hll_count(reg, 6), 0);
}

/* The sources' 4-bit registers (hll.h: yg_hll4_*): the error bound the
 * README states (13 % standard error at p = 6; four of them here, on
 * fixed inputs) and the exact count for one item. */
static void test_hll4_error(void **st)
{
	(void)st;
	static const unsigned ns[] = {1, 2, 10, 100, 1000, 10000, 100000};
	const double se = 1.04 / 8;
	for (unsigned t = 0; t < sizeof ns / sizeof ns[0]; t++) {
		uint8_t reg[32] = {0}, full[64] = {0};
		for (unsigned i = 0; i < ns[t]; i++) {
			uint64_t h = yg_hash_mix64(i * 7919u + 77);
			unsigned idx = (unsigned)(h >> 58);
			unsigned rank = (unsigned)__builtin_clzll((h << 6) | (1ull << 5)) + 1;
			yg_hll4_set(reg, idx, rank);
			yg_hll_add(full, 6, h);
		}
		double est = (double)yg_hll4_count(reg, 6);
		assert_true(fabs(est - ns[t]) <= 4 * se * ns[t] + 1);
		/* Ranks past 15 are rare: the same estimate as 8-bit registers here. */
		if (ns[t] <= 10000)
			assert_int_equal(yg_hll4_count(reg, 6), yg_hll_count(full, 6));
	}
	assert_int_equal(yg_hll4_count((const uint8_t[32]){0}, 6), 0);
}

struct body_ctx {
	char *body;
};

static void on_keep(void *ud, const char *json, size_t len)
{
	struct body_ctx *c = ud;
	free(c->body);
	c->body = strndup(json, len);
}

/* A source's dest_count in a hub body, by its address; -1: absent. */
static long body_dest_count(const char *body, const char *ip)
{
	char key[64];
	snprintf(key, sizeof key, "\"ip\":\"%s\"", ip);
	const char *p = strstr(body, key);
	if (!p)
		return -1;
	p = strstr(p, "\"dest_count\":");
	return p ? strtol(p + 13, NULL, 10) : -1;
}

/* Through the telescope: sources with known numbers of distinct
 * destinations, each within the stated bound (4 standard errors + 1) and
 * the one-destination source exact. */
static void test_dest_count_error(void **st)
{
	(void)st;
	const char *lists[] = {"100.64.0.0/16"};
	struct body_ctx bc = {0};
	struct yg_darknet_config cfg = {.prefix_lists = lists, .n_lists = 1, .memcap = 16u << 20,
	                                .on_window = on_keep, .ud = &bc, .seed = 0xd15c};
	struct yg_darknet *dn;
	char err[128];
	assert_int_equal(yg_darknet_new(&cfg, &dn, err, sizeof err), 0);
	static const unsigned ks[] = {1, 10, 100, 10000};
	struct pk k;
	struct yg_packet p;
	for (unsigned s = 0; s < sizeof ks / sizeof ks[0]; s++)
		for (unsigned i = 0; i < 2 * ks[s]; i++) { /* each destination twice */
			uint64_t ts = 1700000040ull * 1000000 + i;
			tcp(&k, 0x0b000001u + s, 0x64400000u + (i % ks[s]) * 5u, 1, 40000,
			    (uint16_t)(1000 + i % 7), 7, 0x02);
			yg_decode(YG_LINK_RAW, k.b, k.n, k.n, ts, &p);
			yg_darknet_packet(dn, &p, k.b, k.n);
		}
	yg_darknet_finish(dn);
	assert_non_null(bc.body);
	for (unsigned s = 0; s < sizeof ks / sizeof ks[0]; s++) {
		char ip[32];
		snprintf(ip, sizeof ip, "11.0.0.%u", 1 + s);
		long got = body_dest_count(bc.body, ip);
		assert_true(got >= 0);
		if (ks[s] == 1)
			assert_int_equal(got, 1);
		assert_true(fabs((double)got - ks[s]) <= 4 * (1.04 / 8) * ks[s] + 1);
	}
	free(bc.body);
	yg_darknet_free(dn);
}

/* The estimate as the plain double loop gives it: yg_hll_count sums
 * small ranks as integers and must give the same bits. */
static uint64_t hll_count_ref(const uint8_t *reg, unsigned p)
{
	unsigned m = 1u << p, zeros = 0;
	double sum = 0;
	for (unsigned i = 0; i < m; i++) {
		sum += ldexp(1.0, -(int)reg[i]);
		zeros += !reg[i];
	}
	double alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log((double)m / zeros);
	return (uint64_t)(e + 0.5);
}

static void test_hll_count_exact(void **st)
{
	(void)st;
	uint64_t x = 12345;
	for (unsigned round = 0; round < 4000; round++) {
		unsigned p = 6 + round % 3;
		uint8_t reg[256] = {0};
		/* Sparse to full, and now and then a rank past the integer path. */
		unsigned n = 1u << (round % 12);
		for (unsigned i = 0; i < n; i++)
			yg_hll_add(reg, p, yg_hash_mix64(x++));
		if (round % 7 == 0)
			reg[round % (1u << p)] = (uint8_t)(40 + round % (64 - p - 38));
		assert_int_equal(yg_hll_count(reg, p), hll_count_ref(reg, p));
	}
}

static void test_research(void **st)
{
	(void)st;
	const char *list = "# scanners\n71.6.135.0/24 shodan\n71.6.135.128/25 shodan-b\n"
	                   "2001:db8::/32\tcensys\n\n";
	struct yg_dn_research *r;
	char err[256];
	assert_int_equal(yg_dn_research_parse(list, strlen(list), "t", &r, err, sizeof err), 0);
	assert_int_equal(yg_dn_research_count(r), 3);
	struct yg_addr a = {{71, 6, 135, 31}};
	assert_string_equal(yg_dn_research_lookup(r, 4, &a), "shodan");
	a.b[3] = 200;
	assert_string_equal(yg_dn_research_lookup(r, 4, &a), "shodan-b");
	a.b[2] = 1;
	assert_null(yg_dn_research_lookup(r, 4, &a));
	struct yg_addr b = {{0x20, 0x01, 0x0d, 0xb8, 9}};
	assert_string_equal(yg_dn_research_lookup(r, 6, &b), "censys");
	yg_dn_research_free(r);
	const char *bad = "71.6.135.0/24 ok\n71.6.135.1/24 bad\n";
	assert_int_equal(yg_dn_research_parse(bad, strlen(bad), "t", &r, err, sizeof err), -EBADMSG);
	assert_non_null(strstr(err, "t:2"));
	const char *noname = "71.6.135.0/24\n";
	assert_int_equal(yg_dn_research_parse(noname, strlen(noname), "t", &r, err, sizeof err),
	                 -EBADMSG);
}

struct win_ctx {
	unsigned windows;
	size_t bytes;
};

static void on_window(void *ud, const char *json, size_t len)
{
	struct win_ctx *c = ud;
	c->windows++;
	c->bytes += len;
	assert_true(len > 2 && json[0] == '{' && json[len - 1] == '}');
}

/* 200,000 distinct sources in a 4 MB telescope: the records stay within
 * their share, evictions are counted, and a heavy hitter keeps its record. */
static void test_memcap_and_eviction(void **st)
{
	(void)st;
	const char *lists[] = {"198.51.100.0/24"};
	struct win_ctx wc = {0};
	struct yg_darknet_config cfg = {.prefix_lists = lists, .n_lists = 1,
	                                .memcap = YG_DN_MEMCAP_MIN, .on_window = on_window,
	                                .ud = &wc};
	struct yg_darknet *dn;
	char err[128];
	assert_int_equal(yg_darknet_new(&cfg, &dn, err, sizeof err), 0);
	assert_int_equal(yg_darknet_addresses(dn), 256);
	struct yg_darknet_stats s;
	yg_darknet_stats(dn, &s);
	assert_true(s.memory <= YG_DN_MEMCAP_MIN);
	uint64_t cap = s.source_capacity;
	struct pk k;
	struct yg_packet p;
	const uint32_t n = 200000, heavy = 0x01010101u;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ts = 1700000040ull * 1000000 + i; /* one window */
		tcp(&k, 0x0b000000u + i, DST, 1, 40000, 23, 7, 0x02);
		yg_decode(YG_LINK_RAW, k.b, k.n, k.n, ts, &p);
		assert_true(yg_darknet_match(dn, &p));
		yg_darknet_packet(dn, &p, k.b, k.n);
		tcp(&k, heavy, DST, 1, 40000, 23, 7, 0x02);
		yg_decode(YG_LINK_RAW, k.b, k.n, k.n, ts, &p);
		yg_darknet_packet(dn, &p, k.b, k.n);
	}
	/* The last packets wait in the batch until the window closes. */
	yg_darknet_finish(dn);
	assert_int_equal(wc.windows, 1);
	yg_darknet_stats(dn, &s);
	assert_int_equal(s.packets, 2 * n);
	assert_true(s.sources_evicted >= n - cap);
	assert_int_equal(s.sources, s.sources_evicted + cap);
	assert_true(s.packets_unattributed <= n);
	/* The heavy hitter kept its record: created once. */
	assert_true(s.sources <= n + 1);
	tcp(&k, SRC, 0xc6336505u, 1, 40000, 23, 7, 0x02); /* 198.51.101.5: outside */
	yg_decode(YG_LINK_RAW, k.b, k.n, k.n, 1, &p);
	assert_false(yg_darknet_match(dn, &p));
	yg_darknet_free(dn);

	const char *badl[] = {"198.51.100.0/24,10.1.2.3/8"};
	cfg.prefix_lists = badl;
	assert_int_equal(yg_darknet_new(&cfg, &dn, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "10.1.2.3/8"));
}

struct size_ctx {
	size_t max_len;
	unsigned windows;
};

static void on_body(void *ud, const char *json, size_t len)
{
	(void)json;
	struct size_ctx *c = ud;
	c->windows++;
	if (len > c->max_len)
		c->max_len = len;
}

/* Every TCP and UDP port and ICMP type in one window: the hub body stays
 * within the hub's 8 MiB. */
static void test_hub_body_bound(void **st)
{
	(void)st;
	const char *lists[] = {"198.51.100.0/24"};
	struct size_ctx c = {0};
	struct yg_darknet_config cfg = {.prefix_lists = lists, .n_lists = 1, .memcap = 512u << 20,
	                                .on_window = on_body, .ud = &c};
	struct yg_darknet *dn;
	char err[128];
	assert_int_equal(yg_darknet_new(&cfg, &dn, err, sizeof err), 0);
	struct pk k;
	struct yg_packet p;
	uint64_t ts = 1700000040ull * 1000000;
	for (uint32_t port = 0; port < 65536; port++) {
		tcp(&k, SRC + port, DST, 1, 40000, (uint16_t)port, 7, 0x02);
		yg_decode(YG_LINK_RAW, k.b, k.n, k.n, ts, &p);
		yg_darknet_packet(dn, &p, k.b, k.n);
		uint8_t u[8] = {0x13, 0xc4, (uint8_t)(port >> 8), (uint8_t)port, 0, 8, 0, 0};
		ipv4(&k, SRC + port, DST, 17, 5, u, sizeof u, 6);
		yg_decode(YG_LINK_RAW, k.b, k.n, k.n, ts, &p);
		yg_darknet_packet(dn, &p, k.b, k.n);
	}
	yg_darknet_finish(dn);
	struct yg_darknet_stats s;
	yg_darknet_stats(dn, &s);
	assert_int_equal(s.ports_dropped, 0);
	assert_int_equal(c.windows, 1);
	assert_true(c.max_len <= (8u << 20));
	assert_true(c.max_len > (6u << 20));
	yg_darknet_free(dn);
}

/* ---- deferred accounting: the same output as packet by packet ---- */

static uint64_t mix_rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* One packet of the mix: a scan of every kind and fingerprint, UDP, ICMP
 * echo, backscatter (SYN-ACK, RST) or a bad checksum, to a random
 * telescope address and port. */
static void mix_packet(struct pk *k, uint64_t *rng, uint32_t src)
{
	uint32_t dst = 0xc6336400u | (uint32_t)(mix_rng(rng) & 0xff);
	unsigned kind = (unsigned)(mix_rng(rng) % 9);
	/* Many ports per source now and then: the top-10 space-saving count
	 * depends on the order of a source's packets. */
	uint16_t port = (uint16_t)(mix_rng(rng) % 4 == 0 ? 1 + mix_rng(rng) % 40
	                                                 : (uint32_t[]){23, 445, 22}[mix_rng(rng) % 3]);
	uint32_t seq = (uint32_t)mix_rng(rng);
	uint16_t id = (uint16_t)mix_rng(rng);
	switch (kind) {
	case 0: tcp(k, src, dst, id, 40000, port, dst, 0x02); break; /* mirai */
	case 1: tcp(k, src, dst, 54321, 40000, port, seq, 0x02); break; /* zmap */
	case 2: tcp(k, src, dst, (uint16_t)((dst ^ port ^ seq) & 0xffff), 40000, port, seq, 0x02);
		break; /* masscan */
	case 3: tcp(k, src, dst, id, 40000, port, seq, 0x02); break;
	case 4: {
		uint8_t u[8] = {0x13, 0xc4, (uint8_t)(port >> 8), (uint8_t)port, 0, 8, 0, 0};
		ipv4(k, src, dst, 17, id, u, sizeof u, 6);
		break;
	}
	case 5: {
		uint8_t ic[8] = {8, 0, 0, 0, 0, 1, (uint8_t)(seq >> 8), (uint8_t)seq};
		ipv4(k, src, dst, 1, id, ic, sizeof ic, 2);
		break;
	}
	case 6: tcp(k, src, dst, id, port, 40000, seq, 0x12); break; /* SYN-ACK */
	case 7: tcp(k, src, dst, id, port, 40000, seq, 0x14); break; /* RST-ACK */
	default:
		tcp(k, src, dst, id, 40000, port, seq, 0x02);
		k->b[20 + 16] ^= 0x5a; /* bad TCP checksum: other */
		break;
	}
}

struct cat_ctx {
	char *buf;
	size_t len;
};

static void on_cat(void *ud, const char *json, size_t len)
{
	struct cat_ctx *c = ud;
	char *b = realloc(c->buf, c->len + len + 1);
	assert_non_null(b);
	memcpy(b + c->len, json, len);
	c->len += len;
	b[c->len++] = '\n';
	c->buf = b;
}

static char *read_all(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *b = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap * 2 + 65536;
			char *nb = realloc(b, cap);
			assert_non_null(nb);
			b = nb;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (!r)
			break;
	}
	fclose(f);
	*ret_len = n;
	return b;
}

/* Runs the mix through a telescope counting batch packets together; its
 * EVE lines and hub bodies into *ret_eve and *ret_hub (caller frees). */
static void run_mix(unsigned batch, char **ret_eve, size_t *ret_eve_len, struct cat_ctx *ret_hub,
                    struct yg_darknet_stats *ret_st)
{
	char path[] = "/tmp/yg-test-darknet-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct yg_eve_sink *sink;
	assert_int_equal(yg_eve_sink_open(path, &sink), 0);
	const char *lists[] = {"198.51.100.0/24"};
	memset(ret_hub, 0, sizeof *ret_hub);
	struct yg_darknet_config cfg = {.prefix_lists = lists, .n_lists = 1, .memcap = 64u << 20,
	                                .sink = sink, .log_sources = true, .log_victims = true,
	                                .log_stats = true, .on_window = on_cat, .ud = ret_hub,
	                                .batch = batch, .seed = 0x5eed};
	struct yg_darknet *dn;
	char err[128];
	assert_int_equal(yg_darknet_new(&cfg, &dn, err, sizeof err), 0);
	uint64_t rng = 42, ts = 1700000040ull * 1000000 + 123;
	struct pk k;
	struct yg_packet p;
	uint32_t burst_src = 0, burst_left = 0;
	for (uint32_t i = 0; i < 40000; i++) {
		uint32_t src;
		if (burst_left) {
			/* A run of one source, across batch flushes. */
			src = burst_src;
			burst_left--;
		} else if (mix_rng(&rng) % 50 == 0) {
			burst_src = 0x0b000000u + (uint32_t)(mix_rng(&rng) % 30);
			burst_left = (uint32_t)(mix_rng(&rng) % 400);
			src = burst_src;
		} else if (mix_rng(&rng) & 1) {
			src = 0x0b000000u + (uint32_t)(mix_rng(&rng) % 200); /* hot */
		} else {
			src = 0x0c000000u + (uint32_t)(mix_rng(&rng) % 6000);
		}
		mix_packet(&k, &rng, src);
		ts += 5000; /* 200 s: four windows */
		yg_decode(YG_LINK_RAW, k.b, k.n, k.n, ts, &p);
		assert_true(yg_darknet_match(dn, &p));
		yg_darknet_packet(dn, &p, k.b, k.n);
	}
	yg_darknet_finish(dn);
	yg_darknet_stats(dn, ret_st);
	yg_darknet_free(dn);
	yg_eve_sink_free(sink);
	*ret_eve = read_all(path, ret_eve_len);
	unlink(path);
}

/* Packets counted in batches (sorted by source, runs applied at once)
 * give the same EVE lines, hub bodies and counters as packet by packet,
 * whatever the batch size: runs of one source cross batch flushes and
 * window ends, and HyperLogLog registers, top ports, first/last seen,
 * the Bloom filter's answers and the records' order all agree. */
static void test_batch_same_as_single(void **st)
{
	(void)st;
	char *ref;
	size_t ref_len;
	struct cat_ctx ref_hub;
	struct yg_darknet_stats ref_st;
	run_mix(1, &ref, &ref_len, &ref_hub, &ref_st);
	assert_int_equal(ref_st.packets, 40000);
	assert_int_equal(ref_st.windows, 4);
	assert_int_equal(ref_st.sources_evicted, 0);
	assert_true(ref_st.classes[YG_DN_BACKSCATTER] > 0 && ref_st.classes[YG_DN_OTHER] > 0);
	assert_true(ref_st.fingerprints[YG_DN_FP_MIRAI] > 0 && ref_st.fingerprints[YG_DN_FP_MASSCAN] > 0);
	assert_non_null(strstr(ref, "\"event_type\":\"darknet_victim\""));
	assert_non_null(strstr(ref, "\"fingerprint\":\"zmap\""));
	const unsigned batches[] = {97, 4096, 0};
	for (unsigned b = 0; b < sizeof batches / sizeof batches[0]; b++) {
		char *eve;
		size_t eve_len;
		struct cat_ctx hub;
		struct yg_darknet_stats s;
		run_mix(batches[b], &eve, &eve_len, &hub, &s);
		assert_int_equal(eve_len, ref_len);
		assert_memory_equal(eve, ref, ref_len);
		assert_int_equal(hub.len, ref_hub.len);
		assert_memory_equal(hub.buf, ref_hub.buf, ref_hub.len);
		/* The batch's own size takes from the records' share. */
		s.memory = ref_st.memory;
		s.source_capacity = ref_st.source_capacity;
		assert_memory_equal(&s, &ref_st, sizeof s);
		free(eve);
		free(hub.buf);
	}
	free(ref);
	free(ref_hub.buf);
}

/* Records evicted for room while packets wait in batches: every window
 * packet is either in a source's event or counted as unattributed. */
static void test_batch_eviction_accounting(void **st)
{
	(void)st;
	char path[] = "/tmp/yg-test-darknet-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct yg_eve_sink *sink;
	assert_int_equal(yg_eve_sink_open(path, &sink), 0);
	const char *lists[] = {"198.51.100.0/24"};
	struct yg_darknet_config cfg = {.prefix_lists = lists, .n_lists = 1,
	                                .memcap = YG_DN_MEMCAP_MIN, .sink = sink,
	                                .log_sources = true, .batch = 500};
	struct yg_darknet *dn;
	char err[128];
	assert_int_equal(yg_darknet_new(&cfg, &dn, err, sizeof err), 0);
	struct yg_darknet_stats s;
	yg_darknet_stats(dn, &s);
	assert_true(s.memory <= YG_DN_MEMCAP_MIN);
	const uint32_t n = 3 * (uint32_t)s.source_capacity;
	uint64_t rng = 7, ts = 1700000040ull * 1000000;
	struct pk k;
	struct yg_packet p;
	for (uint32_t i = 0; i < n; i++) {
		/* A heavy hitter among many sources of one to three packets. */
		uint32_t src = i % 3 == 0 ? SRC : 0x0b000000u + (uint32_t)(mix_rng(&rng) % n);
		tcp(&k, src, DST, 1, 40000, 23, 7, 0x02);
		yg_decode(YG_LINK_RAW, k.b, k.n, k.n, ts + i, &p);
		yg_darknet_packet(dn, &p, k.b, k.n);
	}
	yg_darknet_finish(dn);
	yg_darknet_stats(dn, &s);
	yg_darknet_free(dn);
	yg_eve_sink_free(sink);
	assert_true(s.sources_evicted > 0 && s.packets_unattributed > 0);
	size_t len;
	char *eve = read_all(path, &len);
	unlink(path);
	uint64_t in_events = 0, heavy = 0;
	for (const char *q = eve; (q = memmem(q, (size_t)(eve + len - q), "\"packets\":", 10));) {
		q += 10;
		uint64_t v = strtoull(q, NULL, 10);
		in_events += v;
		heavy = v > heavy ? v : heavy;
	}
	free(eve);
	assert_int_equal(in_events + s.packets_unattributed, n);
	assert_true(heavy >= n / 3); /* the heavy hitter kept its record */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fingerprints), cmocka_unit_test(test_classes),
	    cmocka_unit_test(test_hll_error), cmocka_unit_test(test_hll_count_exact),
	    cmocka_unit_test(test_research),
	    cmocka_unit_test(test_hll4_error), cmocka_unit_test(test_dest_count_error),
    cmocka_unit_test(test_memcap_and_eviction), cmocka_unit_test(test_hub_body_bound),
	    cmocka_unit_test(test_batch_same_as_single), cmocka_unit_test(test_batch_eviction_accounting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
