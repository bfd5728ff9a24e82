#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

/* A full Ethernet / IPv4 / TCP frame with 5 payload bytes; every field checked. */
static void eth_ipv4_tcp_fields(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 6, 63);
	f_tcp_opts(&f, 40000, 443, 0x01020304, 0x0a0b0c0d, YG_TCP_SYN | YG_TCP_ACK, 0xfaf0, NULL,
	           0);
	uint32_t pay = f.n;
	f_bytes(&f, "hello", 5);
	f_ipv4_end(&f, ip);

	struct yg_packet pkt;
	assert_true(yg_decode(YG_LINK_ETHERNET, f.b, f.n, f.n + 0, 1234567, &pkt));
	assert_int_equal(pkt.ts_us, 1234567);
	assert_int_equal(pkt.caplen, f.n);
	assert_int_equal(pkt.wirelen, f.n);
	assert_int_equal(pkt.linktype, YG_LINK_ETHERNET);
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.vlan_n, 0);
	assert_int_equal(pkt.family, 4);
	assert_int_equal(pkt.proto, 6);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_false(pkt.frag);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.ttl, 63);
	assert_memory_equal(pkt.src.b, A4_SRC, 4);
	assert_memory_equal(pkt.dst.b, A4_DST, 4);
	static const uint8_t zero[12];
	assert_memory_equal(pkt.src.b + 4, zero, 12);
	assert_memory_equal(pkt.dst.b + 4, zero, 12);
	assert_int_equal(pkt.sport, 40000);
	assert_int_equal(pkt.dport, 443);
	assert_int_equal(pkt.tcp_flags, YG_TCP_SYN | YG_TCP_ACK);
	assert_int_equal(pkt.tcp_seq, 0x01020304);
	assert_int_equal(pkt.tcp_ack, 0x0a0b0c0d);
	assert_int_equal(pkt.tcp_win, 0xfaf0);
	assert_ptr_equal(pkt.payload, f.b + pay);
	assert_int_equal(pkt.payload_len, 5);
	assert_int_equal(pkt.ip_len, 20 + 20 + 5);
}

/* Ethernet padding after a short datagram is not payload. */
static void eth_padding_is_trimmed(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 17, 64);
	uint32_t u = f_udp(&f, 53, 5353);
	f_bytes(&f, "ab", 2);
	f_udp_end(&f, u);
	f_ipv4_end(&f, ip);
	f_fill(&f, 0, 60 - f.n); /* minimum frame size */
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.ip_len, 30);
	assert_int_equal(pkt.payload_len, 2);
	assert_memory_equal(pkt.payload, "ab", 2);
}

static void single_vlan(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x8100);
	f_vlan(&f, 0xe000 | 100, 0x0800); /* PCP 7 must not leak into the id */
	uint32_t ip = f_ipv4(&f, 6, 64);
	f_tcp(&f, 1, 2, YG_TCP_RST);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.vlan_n, 1);
	assert_int_equal(pkt.vlan[0], 100);
	assert_int_equal(pkt.vlan[1], 0);
	assert_int_equal(pkt.sport, 1);
	assert_int_equal(pkt.tcp_flags, YG_TCP_RST);
}

static void qinq_both_tpids(void **state)
{
	(void)state;
	static const uint16_t outer_tpids[] = {0x88a8, 0x9100, 0x8100};
	for (unsigned i = 0; i < 3; i++) {
		struct frame f = {0};
		f_eth(&f, outer_tpids[i]);
		f_vlan(&f, 10, 0x8100);
		f_vlan(&f, 4095, 0x86dd);
		uint32_t ip = f_ipv6(&f, 17, 7);
		uint32_t u = f_udp(&f, 1000, 2000);
		f_udp_end(&f, u);
		f_ipv6_end(&f, ip);
		struct yg_packet pkt;
		assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
		assert_int_equal(pkt.n_anom, 0);
		assert_int_equal(pkt.vlan_n, 2);
		assert_int_equal(pkt.vlan[0], 10);
		assert_int_equal(pkt.vlan[1], 4095);
		assert_int_equal(pkt.family, 6);
		assert_int_equal(pkt.ttl, 7);
		assert_int_equal(pkt.dport, 2000);
		assert_int_equal(pkt.payload_len, 0);
	}
}

/* A third tag is counted and flagged once; decoding goes on to the IP inside. */
static void three_tags_counted(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x88a8);
	f_vlan(&f, 1, 0x8100);
	f_vlan(&f, 2, 0x8100);
	f_vlan(&f, 3, 0x0800);
	uint32_t ip = f_ipv4(&f, 6, 64);
	f_tcp(&f, 5, 6, 0);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_VLAN_TOO_MANY));
	assert_int_equal(pkt.vlan_n, 3);
	assert_int_equal(pkt.vlan[0], 1);
	assert_int_equal(pkt.vlan[1], 2);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.dport, 6);
}

/* A long stack of tags stops at the walk bound. */
static void tag_stack_is_bounded(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x8100);
	for (int i = 0; i < 40; i++)
		f_vlan(&f, (uint16_t)i, 0x8100);
	f_vlan(&f, 99, 0x0800);
	uint32_t ip = f_ipv4(&f, 6, 64);
	f_tcp(&f, 5, 6, 0);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_VLAN_TOO_MANY));
	assert_int_equal(pkt.vlan_n, 8);
	assert_int_equal(pkt.family, 0);
}

static void vlan_truncated(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x8100);
	f_be16(&f, 5);
	f_u8(&f, 0x08);
	struct yg_packet pkt;
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_VLAN_TRUNC));
	/* The same cut by the snap length also says the capture was cut. */
	assert_false(decode_exact(YG_LINK_ETHERNET, f.b, f.n, 100, &pkt));
	assert_int_equal(pkt.n_anom, 2);
	assert_true(has_anom(&pkt, YG_ANOM_VLAN_TRUNC));
	assert_true(has_anom(&pkt, YG_ANOM_PKT_TRUNCATED_CAPTURE));
}

/* Cisco FabricPath: the outer header (switch MACs, 0x8903, FTag/TTL),
 * then the host's frame; its MACs become the packet's. */
static void fabricpath_inner_frame(void **state)
{
	(void)state;
	static const uint8_t inner_dst[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};
	static const uint8_t inner_src[6] = {0x00, 0x25, 0xb3, 0x00, 0x00, 0x42};
	struct frame f = {0};
	f_eth(&f, 0x8903);
	f_be16(&f, (1 << 6) | 32);
	f_bytes(&f, inner_dst, 6);
	f_bytes(&f, inner_src, 6);
	f_be16(&f, 0x8100);
	f_vlan(&f, 12, 0x0800);
	uint32_t ip = f_ipv4(&f, 17, 64);
	uint32_t u = f_udp(&f, 5000, 53);
	f_udp_end(&f, u);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.family, 4);
	assert_int_equal(pkt.dport, 53);
	assert_int_equal(pkt.vlan_n, 1);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_memory_equal(pkt.mac_src, inner_src, 6);
	assert_memory_equal(pkt.mac_dst, inner_dst, 6);

	/* Cut inside the inner MACs. */
	struct frame g = {0};
	f_eth(&g, 0x8903);
	f_be16(&g, 0x0041);
	f_bytes(&g, inner_dst, 6);
	assert_false(decode_frame(YG_LINK_ETHERNET, &g, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_DCE_TRUNC));
}

static void vntag_then_vlan(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x8926);
	f_be32(&f, 0x80010002);
	f_be16(&f, 0x8100);
	f_vlan(&f, 33, 0x0800);
	uint32_t ip = f_ipv4(&f, 17, 64);
	uint32_t u = f_udp(&f, 7, 8);
	f_udp_end(&f, u);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.vlan_n, 1);
	assert_int_equal(pkt.vlan[0], 33);
	assert_int_equal(pkt.sport, 7);

	struct frame g = {0};
	f_eth(&g, 0x8926);
	f_be32(&g, 0);
	f_u8(&g, 0x08);
	assert_false(decode_frame(YG_LINK_ETHERNET, &g, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_VLAN_TRUNC));
}

static void non_ip_ethertypes(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	f_eth(&f, 0x0806); /* ARP: normal, no anomaly */
	f_fill(&f, 0, 28);
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.family, 0);

	f.n = 0;
	f_eth(&f, 46); /* 802.3 length: LLC frame */
	f_fill(&f, 0x42, 46);
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);

	f.n = 0;
	f_eth(&f, 0x1234);
	f_fill(&f, 0, 10);
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_ETHERTYPE_UNKNOWN));
}

static void eth_truncated(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x0800);
	struct yg_packet pkt;
	for (uint32_t n = 1; n < 14; n++) {
		assert_false(decode_exact(YG_LINK_ETHERNET, f.b, n, n, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_ETH_TRUNC));
	}
	/* Exactly an Ethernet header announcing IPv4: the IPv4 header is missing. */
	assert_false(decode_exact(YG_LINK_ETHERNET, f.b, 14, 14, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_TRUNC));
}

/* MPLS: explicit-null labels, guessed payloads, pseudowire Ethernet, bounds. */
static void mpls_stacks(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	f_eth(&f, 0x8847);
	f_be32(&f, (1000u << 12) | 64);         /* label 1000 */
	f_be32(&f, (2000u << 12) | 0x100 | 64); /* label 2000, bottom */
	uint32_t ip = f_ipv4(&f, 6, 9);
	f_tcp(&f, 80, 8080, YG_TCP_FIN);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.family, 4);
	assert_int_equal(pkt.ttl, 9);
	assert_int_equal(pkt.dport, 8080);

	f.n = 0;
	f_eth(&f, 0x8847);
	f_be32(&f, (2u << 12) | 0x100 | 64); /* IPv6 explicit null */
	ip = f_ipv6(&f, 17, 3);
	uint32_t u = f_udp(&f, 9, 10);
	f_udp_end(&f, u);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.family, 6);
	assert_int_equal(pkt.sport, 9);

	/* Pseudowire: control word, then a whole Ethernet frame with a VLAN. */
	f.n = 0;
	f_eth(&f, 0x8847);
	f_be32(&f, (77u << 12) | 0x100 | 64);
	f_be32(&f, 0);
	f_eth(&f, 0x8100);
	f_vlan(&f, 55, 0x0800);
	ip = f_ipv4(&f, 6, 1);
	f_tcp(&f, 11, 12, 0);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.vlan_n, 1);
	assert_int_equal(pkt.vlan[0], 55);
	assert_int_equal(pkt.sport, 11);

	/* No bottom of stack within the bound. */
	f.n = 0;
	f_eth(&f, 0x8847);
	for (int i = 0; i < 12; i++)
		f_be32(&f, (5u << 12) | 64);
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_MPLS_BAD));

	/* Cut in the stack. */
	f.n = 0;
	f_eth(&f, 0x8847);
	f_be32(&f, (5u << 12) | 64);
	f_be16(&f, 0);
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_MPLS_TRUNC));

	/* Bottom label then something that is neither IP nor a control word. */
	f.n = 0;
	f_eth(&f, 0x8847);
	f_be32(&f, (5u << 12) | 0x100 | 64);
	f_fill(&f, 0x99, 20);
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_MPLS_BAD));
}

/* PPPoE session in QinQ, as ISP access links carry it. */
static void pppoe_session(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	f_eth(&f, 0x8100);
	f_vlan(&f, 421, 0x8100);
	f_vlan(&f, 785, 0x8864);
	f_u8(&f, 0x11);
	f_u8(&f, 0);
	f_be16(&f, 0x0042);
	uint32_t len_at = f.n;
	f_be16(&f, 0);
	f_be16(&f, 0x0021);
	uint32_t ip = f_ipv4(&f, 17, 64);
	uint32_t u = f_udp(&f, 53, 1053);
	f_bytes(&f, "q", 1);
	f_udp_end(&f, u);
	f_ipv4_end(&f, ip);
	f_set_be16(&f, len_at, (uint16_t)(f.n - len_at - 2));
	f_fill(&f, 0, 10); /* Ethernet padding, outside the PPPoE length */
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.vlan_n, 2);
	assert_int_equal(pkt.vlan[0], 421);
	assert_int_equal(pkt.vlan[1], 785);
	assert_int_equal(pkt.family, 4);
	assert_int_equal(pkt.dport, 1053);
	assert_int_equal(pkt.payload_len, 1);

	/* Compressed one-byte protocol field, IPv6. */
	f.n = 0;
	f_eth(&f, 0x8864);
	f_be32(&f, 0x11000001);
	len_at = f.n;
	f_be16(&f, 0);
	f_u8(&f, 0x57);
	ip = f_ipv6(&f, 6, 64);
	f_tcp(&f, 1, 2, 0);
	f_ipv6_end(&f, ip);
	f_set_be16(&f, len_at, (uint16_t)(f.n - len_at - 2));
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.family, 6);
	assert_int_equal(pkt.dport, 2);

	/* LCP: not IP, not an anomaly. */
	f.b[len_at + 2] = 0xc0;
	f.b[len_at + 3] = 0x21;
	assert_false(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);

	for (uint32_t n = 14; n < 14 + 7; n++) {
		assert_false(decode_exact(YG_LINK_ETHERNET, f.b, n, n, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_PPPOE_TRUNC));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(eth_ipv4_tcp_fields), cmocka_unit_test(eth_padding_is_trimmed),
	    cmocka_unit_test(single_vlan),         cmocka_unit_test(qinq_both_tpids),
	    cmocka_unit_test(three_tags_counted),  cmocka_unit_test(tag_stack_is_bounded),
	    cmocka_unit_test(vlan_truncated),      cmocka_unit_test(vntag_then_vlan),
	    cmocka_unit_test(fabricpath_inner_frame),
	    cmocka_unit_test(non_ip_ethertypes),   cmocka_unit_test(eth_truncated),
	    cmocka_unit_test(mpls_stacks),         cmocka_unit_test(pppoe_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
