#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

static void tcp_with_opts(struct frame *f, const uint8_t *opts, uint32_t optlen)
{
	f->n = 0;
	uint32_t ip = f_ipv4(f, 6, 64);
	f_tcp_opts(f, 443, 51000, 7, 8, YG_TCP_SYN, 65535, opts, optlen);
	f_bytes(f, "P", 1);
	f_ipv4_end(f, ip);
}

static void tcp_options(void **state)
{
	(void)state;
	/* A typical SYN: MSS, SACK permitted, timestamps, NOP, window scale. */
	static const uint8_t syn[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
	                              0, 1, 0,    0,    0, 0, 1, 3,  3, 7};
	static const uint8_t sack[] = {1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};
	static const uint8_t eol_then_junk[] = {1, 0, 0xff, 0xff};
	static const uint8_t unknown_kind[] = {99, 4, 0, 0};
	const uint8_t *good[] = {syn, sack, eol_then_junk, unknown_kind};
	const uint32_t good_len[] = {sizeof syn, sizeof sack, 4, 4};
	struct frame f;
	struct yg_packet pkt;
	for (unsigned i = 0; i < 4; i++) {
		tcp_with_opts(&f, good[i], good_len[i]);
		assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
		assert_int_equal(pkt.n_anom, 0);
		assert_true(pkt.l4_ok);
		assert_int_equal(pkt.payload_len, 1);
		assert_int_equal(pkt.payload[0], 'P');
		assert_int_equal(pkt.tcp_win, 65535);
	}

	static const uint8_t mss_len[] = {2, 3, 0, 1};
	static const uint8_t ws_len[] = {3, 4, 7, 0};
	static const uint8_t ts_len[] = {8, 8, 0, 0, 0, 0, 0, 0};
	static const uint8_t zero_len[] = {30, 0, 0, 0};
	static const uint8_t overrun[] = {1, 1, 99, 9};
	static const uint8_t no_len[] = {1, 1, 1, 5};
	static const uint8_t sack_odd[] = {5, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	const uint8_t *bad[] = {mss_len, ws_len, ts_len, zero_len, overrun, no_len, sack_odd};
	const uint32_t bad_len[] = {4, 4, 8, 4, 4, 4, 12};
	for (unsigned i = 0; i < 7; i++) {
		tcp_with_opts(&f, bad[i], bad_len[i]);
		assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_TCP_BAD_OPTION));
		assert_true(pkt.l4_ok);
		assert_int_equal(pkt.sport, 443);
		assert_int_equal(pkt.tcp_flags, YG_TCP_SYN);
	}
}

static void tcp_header_length(void **state)
{
	(void)state;
	struct frame f;
	struct yg_packet pkt;
	tcp_with_opts(&f, NULL, 0);
	f.b[20 + 12] = 0x40; /* 16 bytes: below the minimum */
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_TCP_BAD_HLEN));
	assert_false(pkt.l4_ok);
	assert_int_equal(pkt.sport, 0);

	f.b[20 + 12] = 0xf0; /* 60 bytes in a 21-byte segment */
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_TCP_TRUNC));
	assert_false(pkt.l4_ok);

	/* All flag bits, CWR and ECE included, come through. */
	f.b[20 + 12] = 0x50;
	f.b[20 + 13] = 0xff;
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_int_equal(pkt.tcp_flags, 0xff);
}

static void udp_lengths(void **state)
{
	(void)state;
	struct frame f = {0};
	struct yg_packet pkt;
	uint32_t ip = f_ipv6(&f, 17, 64);
	uint32_t u = f_udp(&f, 5000, 6000);
	f_bytes(&f, "0123456789", 10);
	f_udp_end(&f, u);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.payload_len, 10);

	/* Shorter than the IP payload: the rest is the UDP options area. */
	f_set_be16(&f, u + 4, 12);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.payload_len, 4);
	assert_memory_equal(pkt.payload, "0123", 4);

	/* Shorter than its own header. */
	f_set_be16(&f, u + 4, 5);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_UDP_BAD_LEN));
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.payload_len, 10);

	/* Longer than the datagram. */
	f_set_be16(&f, u + 4, 19);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_UDP_BAD_LEN));
	assert_int_equal(pkt.payload_len, 10);

	/* Longer than captured, but the capture was cut: fine. */
	f_set_be16(&f, 4, 30);
	f_set_be16(&f, u + 4, 30);
	assert_true(decode_exact(YG_LINK_IPV6, f.b, f.n, f.n + 12, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.payload_len, 10);

	/* Cut inside the UDP header. */
	assert_true(decode_exact(YG_LINK_IPV6, f.b, 45, 45, &pkt));
	assert_true(has_anom(&pkt, YG_ANOM_UDP_TRUNC));
	assert_false(pkt.l4_ok);
}

static void icmp_both(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	uint32_t ip = f_ipv4(&f, 1, 64);
	f_icmp(&f, 3, 13);
	f_fill(&f, 0x45, 28);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.proto, 1);
	assert_int_equal(pkt.icmp_type, 3);
	assert_int_equal(pkt.icmp_code, 13);
	assert_int_equal(pkt.sport, 3);
	assert_int_equal(pkt.dport, 13);
	assert_int_equal(pkt.payload_len, 28);
	/* The quoted packet is not decoded: the addresses are the outer ones. */
	assert_memory_equal(pkt.src.b, A4_SRC, 4);

	f.n = 0;
	ip = f_ipv6(&f, 58, 255);
	f_icmp(&f, 135, 0);
	f_fill(&f, 0, 16);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.proto, 58);
	assert_int_equal(pkt.icmp_type, 135);
	assert_int_equal(pkt.sport, 135);
	assert_int_equal(pkt.payload_len, 16);

	/* Cut ICMP headers. */
	f.n = 0;
	ip = f_ipv4(&f, 1, 64);
	f_be32(&f, 0x08000000);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_ICMP_TRUNC));
	assert_false(pkt.l4_ok);

	f.n = 0;
	ip = f_ipv6(&f, 58, 64);
	f_be16(&f, 0x8000);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_ICMPV6_TRUNC));

	/* ICMPv4 inside IPv6 is not a thing. */
	f.n = 0;
	ip = f_ipv6(&f, 1, 64);
	f_icmp(&f, 8, 0);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPPROTO_UNKNOWN));
	assert_false(pkt.l4_ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tcp_options),
	    cmocka_unit_test(tcp_header_length),
	    cmocka_unit_test(udp_lengths),
	    cmocka_unit_test(icmp_both),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
