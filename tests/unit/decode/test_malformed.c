#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

/* Ethernet / IPv4 (router alert option) / TCP (NOP NOP timestamps) / 6 bytes. */
static void build_tcp4(struct frame *f)
{
	static const uint8_t ra[] = {148, 4, 0, 0};
	static const uint8_t ts[] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	f->n = 0;
	f_eth(f, 0x0800);
	uint32_t ip = f_ipv4_opts(f, 6, A4_SRC, A4_DST, 64, 0, ra, sizeof ra);
	f_tcp_opts(f, 1025, 80, 1, 2, YG_TCP_ACK, 100, ts, sizeof ts);
	f_bytes(f, "abcdef", 6);
	f_ipv4_end(f, ip);
}
#define TCP4_IP  14
#define TCP4_TCP (14 + 24)
#define TCP4_PAY (14 + 24 + 32)

/* Ethernet / IPv6 / destination options / UDP / 6 bytes. */
static void build_udp6(struct frame *f)
{
	f->n = 0;
	f_eth(f, 0x86dd);
	uint32_t ip = f_ipv6(f, 60, 64);
	f_ext(f, 17, 0);
	uint32_t u = f_udp(f, 1025, 53);
	f_bytes(f, "abcdef", 6);
	f_udp_end(f, u);
	f_ipv6_end(f, ip);
}
#define UDP6_IP  14
#define UDP6_EXT (14 + 40)
#define UDP6_UDP (14 + 48)
#define UDP6_PAY (14 + 56)

static enum yg_anomaly tcp4_layer(uint32_t n)
{
	if (n < TCP4_IP)
		return YG_ANOM_ETH_TRUNC;
	if (n < TCP4_TCP)
		return YG_ANOM_IPV4_TRUNC;
	return YG_ANOM_TCP_TRUNC;
}

static enum yg_anomaly udp6_layer(uint32_t n)
{
	if (n < UDP6_IP)
		return YG_ANOM_ETH_TRUNC;
	if (n < UDP6_EXT)
		return YG_ANOM_IPV6_TRUNC;
	if (n < UDP6_UDP)
		return YG_ANOM_IPV6_EXTHDR_TRUNC;
	return YG_ANOM_UDP_TRUNC;
}

/* Cut at every offset; the frame claims to be whole (caplen == wirelen). */
static void tcp4_cut_everywhere_whole(void **state)
{
	(void)state;
	struct frame f;
	build_tcp4(&f);
	assert_int_equal(f.n, TCP4_PAY + 6);
	struct yg_packet pkt;
	for (uint32_t n = 0; n < f.n; n++) {
		decode_exact(YG_LINK_ETHERNET, f.b, n, n, &pkt);
		assert_true(pkt.n_anom >= 1);
		assert_false(has_anom(&pkt, YG_ANOM_PKT_TRUNCATED_CAPTURE));
		if (n == 0)
			assert_true(only_anom(&pkt, YG_ANOM_PKT_EMPTY));
		else if (n < TCP4_TCP)
			assert_true(only_anom(&pkt, tcp4_layer(n)));
		else if (n < TCP4_PAY)
			assert_true(has_anom(&pkt, YG_ANOM_IPV4_BAD_TOTLEN) &&
			            has_anom(&pkt, YG_ANOM_TCP_TRUNC) && pkt.n_anom == 2);
		else
			assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_TOTLEN));
		assert_int_equal(pkt.l4_ok, n >= TCP4_PAY);
		assert_int_equal(pkt.family, n >= TCP4_TCP ? 4 : 0);
		if (pkt.l4_ok)
			assert_int_equal(pkt.payload_len, n - TCP4_PAY);
	}
	decode_frame(YG_LINK_ETHERNET, &f, &pkt);
	assert_int_equal(pkt.n_anom, 0);
}

/* Cut at every offset by the snap length (wirelen is the whole frame). */
static void tcp4_cut_everywhere_snaplen(void **state)
{
	(void)state;
	struct frame f;
	build_tcp4(&f);
	struct yg_packet pkt;
	for (uint32_t n = 1; n < f.n; n++) {
		decode_exact(YG_LINK_ETHERNET, f.b, n, f.n, &pkt);
		if (n < TCP4_PAY) {
			assert_int_equal(pkt.n_anom, 2);
			assert_true(has_anom(&pkt, tcp4_layer(n)));
			assert_true(has_anom(&pkt, YG_ANOM_PKT_TRUNCATED_CAPTURE));
			/* Options cut by the snap length: the fixed TCP header still counts. */
			assert_int_equal(pkt.l4_ok, n >= TCP4_TCP + 20);
			if (pkt.l4_ok) {
				assert_int_equal(pkt.sport, 1025);
				assert_int_equal(pkt.tcp_flags, YG_TCP_ACK);
				assert_null(pkt.payload);
			}
		} else {
			/* Only payload is missing: not an anomaly. */
			assert_int_equal(pkt.n_anom, 0);
			assert_true(pkt.l4_ok);
			assert_int_equal(pkt.ip_len, f.n - 14);
			assert_int_equal(pkt.payload_len, n - TCP4_PAY);
		}
	}
}

static void udp6_cut_everywhere_whole(void **state)
{
	(void)state;
	struct frame f;
	build_udp6(&f);
	assert_int_equal(f.n, UDP6_PAY + 6);
	struct yg_packet pkt;
	for (uint32_t n = 1; n < f.n; n++) {
		decode_exact(YG_LINK_ETHERNET, f.b, n, n, &pkt);
		assert_true(pkt.n_anom >= 1);
		if (n < UDP6_EXT) {
			assert_true(only_anom(&pkt, udp6_layer(n)));
		} else if (n < UDP6_PAY) {
			assert_int_equal(pkt.n_anom, 2);
			assert_true(has_anom(&pkt, YG_ANOM_IPV6_BAD_PLEN));
			assert_true(has_anom(&pkt, udp6_layer(n)));
		} else {
			assert_int_equal(pkt.n_anom, 2);
			assert_true(has_anom(&pkt, YG_ANOM_IPV6_BAD_PLEN));
			assert_true(has_anom(&pkt, YG_ANOM_UDP_BAD_LEN));
			assert_int_equal(pkt.payload_len, n - UDP6_PAY);
		}
		assert_int_equal(pkt.l4_ok, n >= UDP6_PAY);
	}
}

static void udp6_cut_everywhere_snaplen(void **state)
{
	(void)state;
	struct frame f;
	build_udp6(&f);
	struct yg_packet pkt;
	for (uint32_t n = 1; n < f.n; n++) {
		decode_exact(YG_LINK_ETHERNET, f.b, n, f.n, &pkt);
		if (n < UDP6_PAY) {
			assert_int_equal(pkt.n_anom, 2);
			assert_true(has_anom(&pkt, udp6_layer(n)));
			assert_true(has_anom(&pkt, YG_ANOM_PKT_TRUNCATED_CAPTURE));
		} else {
			assert_int_equal(pkt.n_anom, 0);
			assert_int_equal(pkt.dport, 53);
			assert_int_equal(pkt.payload_len, n - UDP6_PAY);
		}
	}
}

/* xorshift32: a fixed sequence, so a failure reproduces. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void check_invariants(const struct yg_packet *pkt, const uint8_t *b, uint32_t caplen)
{
	assert_true(pkt->n_anom <= YG_PKT_MAX_ANOM);
	for (unsigned i = 0; i < pkt->n_anom; i++)
		assert_true(pkt->anom[i] < YG_ANOM__COUNT);
	assert_true(pkt->family == 0 || pkt->family == 4 || pkt->family == 6);
	if (pkt->l4_ok)
		assert_true(pkt->family != 0);
	if (pkt->payload) {
		assert_true(pkt->payload >= b);
		assert_true(pkt->payload + pkt->payload_len <= b + caplen);
	} else {
		assert_int_equal(pkt->payload_len, 0);
	}
	assert_true(pkt->tunnel < YG_TUNNEL__COUNT);
	assert_true(pkt->tun.depth <= 4);
	assert_true(pkt->quote.family == 0 || pkt->quote.family == 4 || pkt->quote.family == 6);
}

/*
 * Mutated frames of every link type and tunnel: random byte changes and
 * random cuts must never crash (ASan watches the exact-size copies) and
 * must keep the packet's invariants.
 */
static void mutations_keep_invariants(void **state)
{
	(void)state;
	struct frame base[8];
	int link[8];
	unsigned nb = 0;
	build_tcp4(&base[nb]);
	link[nb++] = YG_LINK_ETHERNET;
	build_udp6(&base[nb]);
	link[nb++] = YG_LINK_ETHERNET;

	struct frame *f = &base[nb];
	f->n = 0;
	f_eth(f, 0x88a8);
	f_vlan(f, 1, 0x8100);
	f_vlan(f, 2, 0x8847);
	f_be32(f, (16u << 12) | 0x100 | 1);
	uint32_t ip = f_ipv4(f, 41, 64);
	uint32_t ip6 = f_ipv6(f, 0, 64);
	f_ext(f, 44, 0);
	f_frag6(f, 17, 0, true);
	uint32_t u = f_udp(f, 3544, 3544);
	f_bytes(f, "\x00\x01\x01\x01xy\x01\x02\x03\x04\x05\x06\x07\x08\x00", 15);
	f_bytes(f, "\x00\x00\x12\x34\x56\x78\x9a\xbc", 8);
	uint32_t in = f_ipv6(f, 58, 64);
	f_icmp(f, 128, 0);
	f_ipv6_end(f, in);
	f_udp_end(f, u);
	f_ipv6_end(f, ip6);
	f_ipv4_end(f, ip);
	link[nb++] = YG_LINK_ETHERNET;

	f = &base[nb];
	f->n = 0;
	f_be16(f, 0x0800);
	f_be16(f, 0);
	f_be32(f, 1);
	f_be16(f, 1);
	f_u8(f, 0);
	f_u8(f, 6);
	f_fill(f, 0, 8);
	ip = f_ipv4(f, 17, 64);
	u = f_udp(f, 1, 4789);
	f_be32(f, 0x08000000);
	f_be32(f, 0x100);
	f_eth(f, 0x86dd);
	in = f_ipv6(f, 6, 3);
	f_tcp(f, 7, 8, 0);
	f_ipv6_end(f, in);
	f_udp_end(f, u);
	f_ipv4_end(f, ip);
	link[nb++] = YG_LINK_SLL2;

	f = &base[nb];
	f->n = 0;
	f_bytes(f, "\x18\x00\x00\x00", 4);
	in = f_ipv6(f, 6, 3);
	f_tcp(f, 7, 8, 0);
	f_ipv6_end(f, in);
	link[nb++] = YG_LINK_NULL;

	f = &base[nb];
	f->n = 0;
	f_fill(f, 0, 14);
	f_be16(f, 0x0800);
	ip = f_ipv4(f, 1, 64);
	f_icmp(f, 8, 0);
	f_ipv4_end(f, ip);
	link[nb++] = YG_LINK_SLL;

	f = &base[nb];
	*f = base[0];
	memmove(f->b, f->b + 14, f->n - 14);
	f->n -= 14;
	link[nb++] = YG_LINK_RAW;

	uint32_t seed = 0x9e3779b9;
	uint8_t buf[sizeof base[0].b];
	for (unsigned iter = 0; iter < 200000; iter++) {
		unsigned k = rnd(&seed) % nb;
		uint32_t n = base[k].n;
		memcpy(buf, base[k].b, n);
		unsigned flips = 1 + rnd(&seed) % 4;
		for (unsigned j = 0; j < flips; j++) {
			uint32_t at = rnd(&seed) % n;
			uint32_t how = rnd(&seed);
			buf[at] =
			    (how & 0x100) ? (uint8_t)how : (uint8_t)(buf[at] ^ (1u << (how % 8)));
		}
		uint32_t caplen = (rnd(&seed) % 3 == 0) ? rnd(&seed) % (n + 1) : n;
		uint32_t wirelen = (rnd(&seed) & 1) ? n : caplen;
		struct yg_packet pkt;
		decode_exact(link[k], buf, caplen, wirelen, &pkt);
		check_invariants(&pkt, buf, caplen);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tcp4_cut_everywhere_whole),
	    cmocka_unit_test(tcp4_cut_everywhere_snaplen),
	    cmocka_unit_test(udp6_cut_everywhere_whole),
	    cmocka_unit_test(udp6_cut_everywhere_snaplen),
	    cmocka_unit_test(mutations_keep_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
