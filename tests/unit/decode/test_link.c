#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

/* Appends an IPv4/UDP 1.2.3.4-style datagram (ports 1111 -> 2222). */
static void put_ipv4_udp(struct frame *f)
{
	uint32_t ip = f_ipv4(f, 17, 33);
	uint32_t u = f_udp(f, 1111, 2222);
	f_bytes(f, "xyz", 3);
	f_udp_end(f, u);
	f_ipv4_end(f, ip);
}

static void put_ipv6_tcp(struct frame *f)
{
	uint32_t ip = f_ipv6(f, 6, 44);
	f_tcp(f, 3333, 4444, YG_TCP_PSH | YG_TCP_ACK);
	f_ipv6_end(f, ip);
}

static void check_ipv4_udp(const struct yg_packet *pkt)
{
	assert_int_equal(pkt->n_anom, 0);
	assert_int_equal(pkt->family, 4);
	assert_int_equal(pkt->ttl, 33);
	assert_memory_equal(pkt->src.b, A4_SRC, 4);
	assert_memory_equal(pkt->dst.b, A4_DST, 4);
	assert_int_equal(pkt->proto, 17);
	assert_int_equal(pkt->sport, 1111);
	assert_int_equal(pkt->dport, 2222);
	assert_int_equal(pkt->payload_len, 3);
	assert_memory_equal(pkt->payload, "xyz", 3);
}

static void check_ipv6_tcp(const struct yg_packet *pkt)
{
	assert_int_equal(pkt->n_anom, 0);
	assert_int_equal(pkt->family, 6);
	assert_int_equal(pkt->ttl, 44);
	assert_memory_equal(pkt->src.b, A6_SRC, 16);
	assert_memory_equal(pkt->dst.b, A6_DST, 16);
	assert_int_equal(pkt->sport, 3333);
	assert_int_equal(pkt->dport, 4444);
	assert_int_equal(pkt->tcp_flags, YG_TCP_PSH | YG_TCP_ACK);
	assert_int_equal(pkt->ip_len, 60);
}

static void sll_v1(void **state)
{
	(void)state;
	struct frame f = {0};
	f_be16(&f, 0);       /* packet to us */
	f_be16(&f, 1);       /* ARPHRD_ETHER */
	f_be16(&f, 6);       /* address length */
	f_fill(&f, 0xaa, 8); /* address, padded */
	f_be16(&f, 0x0800);
	put_ipv4_udp(&f);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_SLL, &f, &pkt));
	check_ipv4_udp(&pkt);
	assert_int_equal(pkt.linktype, YG_LINK_SLL);

	/* VLAN tag kept in a cooked frame. */
	f.n = 14;
	f_be16(&f, 0x8100);
	f_vlan(&f, 12, 0x86dd);
	put_ipv6_tcp(&f);
	assert_true(decode_frame(YG_LINK_SLL, &f, &pkt));
	check_ipv6_tcp(&pkt);
	assert_int_equal(pkt.vlan_n, 1);
	assert_int_equal(pkt.vlan[0], 12);

	/* Netlink capture: no IP, no anomaly. */
	f.n = 0;
	f_be16(&f, 4);
	f_be16(&f, 824);
	f_be16(&f, 0);
	f_fill(&f, 0, 8);
	f_be16(&f, 0);
	f_fill(&f, 0x45, 30);
	assert_false(decode_frame(YG_LINK_SLL, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);

	for (uint32_t n = 1; n < 16; n++) {
		assert_false(decode_exact(YG_LINK_SLL, f.b, n, n, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_SLL_TRUNC));
	}
}

static void sll_v2(void **state)
{
	(void)state;
	struct frame f = {0};
	f_be16(&f, 0x86dd);
	f_be16(&f, 0);
	f_be32(&f, 3); /* ifindex */
	f_be16(&f, 1); /* ARPHRD_ETHER */
	f_u8(&f, 4);   /* outgoing */
	f_u8(&f, 6);
	f_fill(&f, 0xbb, 8);
	put_ipv6_tcp(&f);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_SLL2, &f, &pkt));
	check_ipv6_tcp(&pkt);
	for (uint32_t n = 1; n < 20; n++) {
		assert_false(decode_exact(YG_LINK_SLL2, f.b, n, n, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_SLL_TRUNC));
	}
}

static void null_and_loop(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	/* Little-endian writer, AF_INET. */
	f_bytes(&f, "\x02\x00\x00\x00", 4);
	put_ipv4_udp(&f);
	assert_true(decode_frame(YG_LINK_NULL, &f, &pkt));
	check_ipv4_udp(&pkt);
	/* Big-endian writer of a NULL file, and LOOP (network order). */
	memcpy(f.b, "\x00\x00\x00\x02", 4);
	assert_true(decode_frame(YG_LINK_NULL, &f, &pkt));
	check_ipv4_udp(&pkt);
	assert_true(decode_frame(YG_LINK_LOOP, &f, &pkt));
	check_ipv4_udp(&pkt);

	/* AF_INET6 as the BSDs number it, in both byte orders. */
	static const uint8_t afs[] = {24, 28, 30};
	for (unsigned i = 0; i < 3; i++) {
		f.n = 0;
		f_u8(&f, afs[i]);
		f_fill(&f, 0, 3);
		put_ipv6_tcp(&f);
		assert_true(decode_frame(YG_LINK_NULL, &f, &pkt));
		check_ipv6_tcp(&pkt);
		f.b[0] = 0;
		f.b[3] = afs[i];
		assert_true(decode_frame(YG_LINK_LOOP, &f, &pkt));
		check_ipv6_tcp(&pkt);
	}

	f.n = 0;
	f_bytes(&f, "\x07\x00\x00\x00", 4);
	put_ipv4_udp(&f);
	assert_false(decode_frame(YG_LINK_NULL, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_NULL_UNKNOWN_AF));

	for (uint32_t n = 1; n < 4; n++) {
		assert_false(decode_exact(YG_LINK_NULL, f.b, n, n, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_NULL_TRUNC));
	}
}

static void raw_ip(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame v4 = {0}, v6 = {0};
	put_ipv4_udp(&v4);
	put_ipv6_tcp(&v6);
	static const int guessing[] = {YG_LINK_RAW, YG_LINK_DLT_RAW1, YG_LINK_DLT_RAW2};
	for (unsigned i = 0; i < 3; i++) {
		assert_true(decode_frame(guessing[i], &v4, &pkt));
		check_ipv4_udp(&pkt);
		assert_true(decode_frame(guessing[i], &v6, &pkt));
		check_ipv6_tcp(&pkt);
		uint8_t junk[30] = {0x50};
		assert_false(decode_exact(guessing[i], junk, sizeof junk, sizeof junk, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_VERSION));
	}
	assert_true(decode_frame(YG_LINK_IPV4, &v4, &pkt));
	check_ipv4_udp(&pkt);
	assert_true(decode_frame(YG_LINK_IPV6, &v6, &pkt));
	check_ipv6_tcp(&pkt);
	/* The version-specific link types do not guess. */
	assert_false(decode_frame(YG_LINK_IPV4, &v6, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_VERSION));
	assert_false(decode_frame(YG_LINK_IPV6, &v4, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_BAD_VERSION));
}

static void empty_and_unsupported(void **state)
{
	(void)state;
	struct yg_packet pkt;
	memset(&pkt, 0xff, sizeof pkt); /* everything must be reset */
	assert_false(yg_decode(YG_LINK_ETHERNET, NULL, 0, 60, 5, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_PKT_EMPTY));
	assert_int_equal(pkt.family, 0);
	assert_int_equal(pkt.vlan_n, 0);
	assert_null(pkt.payload);
	assert_int_equal(pkt.ts_us, 5);
	assert_int_equal(pkt.wirelen, 60);

	uint8_t b[64] = {0};
	assert_false(decode_exact(105, b, sizeof b, sizeof b, &pkt)); /* 802.11 */
	assert_true(only_anom(&pkt, YG_ANOM_LINKTYPE_UNSUPPORTED));

	static const int ok[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
	for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_true(yg_decode_linktype_supported(ok[i]));
	assert_false(yg_decode_linktype_supported(105));
	assert_false(yg_decode_linktype_supported(-1));
	assert_false(yg_decode_linktype_supported(127));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sll_v1),
	    cmocka_unit_test(sll_v2),
	    cmocka_unit_test(null_and_loop),
	    cmocka_unit_test(raw_ip),
	    cmocka_unit_test(empty_and_unsupported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
