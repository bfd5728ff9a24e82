/*
 * One TCP connection's byte streams through the sensor's reassembly and
 * app layer, as long as the real ones get. fuzz_flow takes whole frames,
 * so its streams are as long as libFuzzer's inputs (a few KiB): it never
 * grows a stream buffer past the largest slab class or to a protocol's
 * cap (a DNS message of 64 KiB, a TLS server flight of 80 KiB), where a
 * buffer-growth bug once wrote past the end. Here a short input
 * describes long streams, and the harness writes the frames (handshake,
 * consistent sequence numbers, segments cut to an MSS) itself.
 * Input:
 *
 *   byte 0     the server port, an index into ports[] (which parser)
 *   byte 1     bit 0: IPv6; bits 1-2: the end (FIN from the client, RST,
 *              none, FIN from the server); bits 3-5: the MSS, an index
 *              into mss[]
 *   then       chunks: u8 ctl, u16 length (big-endian), bytes
 *              ctl bit 7: from the server; bit 6: each pair of the
 *              chunk's segments swapped (out of order); bits 0-5: the
 *              bytes repeated 1 to 64 times
 *
 * A chunk cut by the end of the input keeps the bytes there are. Streams
 * stop at STREAM_MAX bytes and SEGMENTS_MAX segments an input, so one
 * input stays cheap. One worker serves every input and each input ends
 * with a tick a day later (as fuzz_flow, whose layout this is not).
 * Seeds: fuzz/seeds/stream.py.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "decode/decode.h"
#include "sensor/homenet.h"
#include "sensor/intel_live.h"
#include "sensor_fuzz_world.h"
#include "sensor/worker.h"

#define DAY_US (86400ull * 1000000)
#define STREAM_MAX (256u << 10)
#define SEGMENTS_MAX 1024
#define L2 14
#define FRAME_MAX (L2 + 40 + 20 + 8960)

static const uint16_t ports[] = {53, 80, 443, 8080, 502, 20000, 2404, 102, 5353, 4444, 8443, 25};
static const uint16_t mss[] = {1460, 536, 1, 7, 100, 1448, 8960, 4096};

static struct yg_intel_live *live;
static struct yg_eve_sink *sink;
static struct yg_homenet home;
static struct yg_worker *worker;
static uint64_t clock_us = 1709254800ull * 1000000;

struct conn {
	bool v6;
	uint16_t sport, dport;
	uint32_t seq[2]; /* next sequence number: [0] client, [1] server */
	unsigned segments;
	uint8_t frame[FRAME_MAX];
};

static void setup(void)
{
	yg_fuzz_sensor_world(&live, &sink, &home);
	struct yg_worker_config wc = {.flow = {.memcap = 16 << 20}, .home = &home, .intel = live,
				      .sink = sink, .log_flows = true, .log_dns = true,
				      .log_http = true, .log_tls = true};
	if (yg_worker_new(&wc, &worker) < 0)
		abort();
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* One segment from side (0 client, 1 server) with seq as given. */
static void emit(struct conn *c, int side, uint8_t flags, uint32_t seq, const uint8_t *data,
		 size_t n)
{
	uint8_t *f = c->frame;
	size_t ip_len = c->v6 ? 40 : 20;
	memset(f, 0, L2 + ip_len + 20);
	f[12] = c->v6 ? 0x86 : 0x08;
	f[13] = c->v6 ? 0xdd : 0x00;
	uint8_t *ip = f + L2;
	uint8_t a[16] = {0}, b[16] = {0};
	if (c->v6) {
		a[0] = b[0] = 0xfd;
		a[15] = 5;
		b[15] = 1;
		ip[0] = 0x60;
		put16(ip + 4, (uint32_t)(20 + n));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, side ? b : a, 16);
		memcpy(ip + 24, side ? a : b, 16);
	} else {
		const uint8_t ca[4] = {10, 0, 0, 5}, sa[4] = {192, 0, 2, 1};
		ip[0] = 0x45;
		put16(ip + 2, (uint32_t)(20 + 20 + n));
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, side ? sa : ca, 4);
		memcpy(ip + 16, side ? ca : sa, 4);
	}
	uint8_t *t = ip + ip_len;
	put16(t, side ? c->dport : c->sport);
	put16(t + 2, side ? c->sport : c->dport);
	put32(t + 4, seq);
	put32(t + 8, (flags & 0x10) ? c->seq[!side] : 0);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	if (n)
		memcpy(t + 20, data, n);
	uint32_t len = (uint32_t)(L2 + ip_len + 20 + n);
	struct yg_packet pkt;
	clock_us += 100;
	yg_decode(YG_LINK_ETHERNET, f, len, len, clock_us, &pkt);
	yg_worker_packet(worker, &pkt);
	c->segments++;
}

/* The chunk's bytes (b, n) repeated rep times from side, cut to seg bytes
 * a segment; with swap, each pair of segments goes out second first. */
static void send_chunk(struct conn *c, int side, const uint8_t *b, size_t n, unsigned rep,
		       size_t seg, bool swap, size_t *sent)
{
	static uint8_t stream[2 * 8960];
	size_t total = n * rep, at = 0;
	if (!n)
		return;
	while (at < total && *sent < STREAM_MAX && c->segments + 2 < SEGMENTS_MAX) {
		/* Up to two segments' bytes, from where the repetition is. */
		size_t want = total - at < 2 * seg ? total - at : 2 * seg;
		/* memcpy, not a loop a byte at a time: the harness is traced
		 * too, and a traced compare per byte was an eighth of its time. */
		for (size_t i = 0, from = at % n; i < want;) {
			size_t k = n - from < want - i ? n - from : want - i;
			memcpy(stream + i, b + from, k);
			i += k;
			from = 0;
		}
		size_t first = want < seg ? want : seg;
		uint32_t s0 = c->seq[side];
		if (swap && want > first) {
			emit(c, side, 0x18, s0 + (uint32_t)first, stream + first, want - first);
			emit(c, side, 0x18, s0, stream, first);
		} else {
			emit(c, side, 0x18, s0, stream, first);
			if (want > first)
				emit(c, side, 0x18, s0 + (uint32_t)first, stream + first, want - first);
		}
		c->seq[side] += (uint32_t)want;
		at += want;
		*sent += want;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!worker)
		setup();
	if (size < 2 || size > (1u << 20))
		return 0;
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return 0;
	c->v6 = data[1] & 1;
	c->sport = 40000;
	c->dport = ports[data[0] % (sizeof ports / sizeof ports[0])];
	c->seq[0] = 0x11111111;
	c->seq[1] = 0x77777777;
	size_t seg = mss[(data[1] >> 3) & 7];
	unsigned end = (data[1] >> 1) & 3;
	rcu_read_lock();
	emit(c, 0, 0x02, c->seq[0]++, NULL, 0);
	emit(c, 1, 0x12, c->seq[1]++, NULL, 0);
	emit(c, 0, 0x10, c->seq[0], NULL, 0);
	size_t sent = 0, off = 2;
	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (n > size - off)
			n = size - off;
		send_chunk(c, ctl >> 7, data + off, n, (ctl & 63u) + 1, seg, ctl & 0x40, &sent);
		off += n;
	}
	if (end == 0 || end == 3) {
		int first = end == 3;
		emit(c, first, 0x11, c->seq[first]++, NULL, 0);
		emit(c, !first, 0x11, c->seq[!first]++, NULL, 0);
		emit(c, first, 0x10, c->seq[first], NULL, 0);
	} else if (end == 1) {
		emit(c, 0, 0x14, c->seq[0], NULL, 0);
	}
	clock_us += DAY_US;
	yg_worker_tick(worker, clock_us);
	yg_worker_flush(worker);
	rcu_read_unlock();
	clock_us += 1000000;
	free(c);
	return 0;
}
