#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

static const uint8_t IN6_SRC[16] = {0x20, 0x01, 0, 0, 0x4a, 0x7d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11};
static const uint8_t IN6_DST[16] = {0x26, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22};

/* Inner IPv6/TCP 5555 -> 80 with "GET" as payload; returns the IPv6 offset. */
static uint32_t put_inner_tcp(struct frame *f)
{
	uint32_t ip = f_ipv6_addrs(f, 6, IN6_SRC, IN6_DST, 17);
	f_tcp(f, 5555, 80, YG_TCP_PSH | YG_TCP_ACK);
	f_bytes(f, "GET", 3);
	f_ipv6_end(f, ip);
	return ip;
}

static void check_inner_tcp(const struct yg_packet *pkt, const struct frame *f)
{
	assert_int_equal(pkt->family, 6);
	assert_int_equal(pkt->proto, 6);
	assert_int_equal(pkt->ttl, 17);
	assert_memory_equal(pkt->src.b, IN6_SRC, 16);
	assert_memory_equal(pkt->dst.b, IN6_DST, 16);
	assert_true(pkt->l4_ok);
	assert_int_equal(pkt->sport, 5555);
	assert_int_equal(pkt->dport, 80);
	assert_int_equal(pkt->ip_len, 63);
	assert_int_equal(pkt->payload_len, 3);
	assert_ptr_equal(pkt->payload, f->b + f->n - 3);
}

static void sixin4(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 41, 200);
	put_inner_tcp(&f);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_6IN4);
	check_inner_tcp(&pkt, &f);

	/* A cut inner header leaves the outer IPv4 fields and names the tunnel. */
	assert_true(decode_exact(YG_LINK_ETHERNET, f.b, 14 + 20 + 30, 14 + 20 + 30, &pkt));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_6IN4);
	assert_int_equal(pkt.family, 4);
	assert_int_equal(pkt.proto, 41);
	assert_int_equal(pkt.ttl, 200);
	assert_memory_equal(pkt.src.b, A4_SRC, 4);
	assert_true(has_anom(&pkt, YG_ANOM_IPV6_TRUNC));
	assert_true(has_anom(&pkt, YG_ANOM_IPV4_BAD_TOTLEN));
	assert_false(pkt.l4_ok);
}

/* UDP to or from 3544 with the given indicator bytes before the inner packet. */
static void build_teredo(struct frame *f, uint16_t sport, uint16_t dport, const uint8_t *ind,
                         uint32_t ind_len)
{
	f->n = 0;
	f_eth(f, 0x0800);
	uint32_t ip = f_ipv4(f, 17, 100);
	uint32_t u = f_udp(f, sport, dport);
	if (ind_len)
		f_bytes(f, ind, ind_len);
	put_inner_tcp(f);
	f_udp_end(f, u);
	f_ipv4_end(f, ip);
}

static void teredo_variants(void **state)
{
	(void)state;
	static const uint8_t origin[] = {0, 0, 0xf2, 0x3b, 0x3f, 0xff, 0xfd, 0xfe};
	/* Authentication with a 2-byte client id and 3-byte value, then origin. */
	static const uint8_t auth_origin[] = {0, 1, 2,    3,    'i',  'd',  'a',  'u', 'v',
	                                      1, 2, 3,    4,    5,    6,    7,    8,   0,
	                                      0, 0, 0xf2, 0x3b, 0x3f, 0xff, 0xfd, 0xfe};
	static const uint8_t auth_only[] = {0, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0};
	struct {
		uint16_t sport, dport;
		const uint8_t *ind;
		uint32_t ind_len;
	} cases[] = {
	    {3544, 40000, NULL, 0},
	    {40000, 3544, origin, sizeof origin},
	    {3544, 3544, auth_origin, sizeof auth_origin},
	    {51000, 3544, auth_only, sizeof auth_only},
	};
	for (unsigned i = 0; i < 4; i++) {
		struct frame f;
		build_teredo(&f, cases[i].sport, cases[i].dport, cases[i].ind, cases[i].ind_len);
		struct yg_packet pkt;
		assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
		assert_int_equal(pkt.n_anom, 0);
		assert_int_equal(pkt.tunnel, YG_TUNNEL_TEREDO);
		check_inner_tcp(&pkt, &f);
	}
}

static void teredo_malformed(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f;

	/* Origin indication cut short. */
	f.n = 0;
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 17, 100);
	uint32_t u = f_udp(&f, 3544, 1000);
	f_bytes(&f, "\x00\x00\xf2\x3b", 4);
	f_udp_end(&f, u);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_TEREDO_BAD));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.family, 4);
	assert_int_equal(pkt.sport, 3544);
	assert_int_equal(pkt.payload_len, 4);

	/* Authentication whose lengths run past the datagram. */
	static const uint8_t auth_long[] = {0, 1, 200, 200, 0, 0};
	build_teredo(&f, 3544, 1000, auth_long, sizeof auth_long);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_TEREDO_BAD));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);

	/* Indicator followed by something that is not IPv6. */
	static const uint8_t origin[] = {0, 0, 1, 2, 3, 4, 5, 6};
	build_teredo(&f, 3544, 1000, origin, sizeof origin);
	f.b[14 + 20 + 8 + 8] = 0x45;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_TEREDO_BAD));
	assert_int_equal(pkt.dport, 1000);

	/* No indicator and not IPv6: plain UDP on port 3544, no anomaly. */
	f.n = 0;
	f_eth(&f, 0x0800);
	ip = f_ipv4(&f, 17, 100);
	u = f_udp(&f, 3544, 1000);
	f_fill(&f, 0x41, 60);
	f_udp_end(&f, u);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.payload_len, 60);

	/* IPv6 whose payload length does not fill the UDP payload exactly. */
	build_teredo(&f, 3544, 1000, NULL, 0);
	f_set_be16(&f, 14 + 20 + 8 + 4, 10);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.family, 4);
}

/* 6in4 then Teredo inside Teredo ...: stops at the depth bound. */
static void tunnels_nest_to_a_bound(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip4 = f_ipv4(&f, 41, 64);
	uint32_t ip6[8], udp[8];
	unsigned levels = 6;
	for (unsigned i = 0; i < levels; i++) {
		ip6[i] = f_ipv6(&f, 17, (uint8_t)(10 + i));
		udp[i] = f_udp(&f, 3544, (uint16_t)(100 + i));
	}
	uint32_t last = f_ipv6(&f, 59, 99);
	f_ipv6_end(&f, last);
	for (unsigned i = 0; i < levels; i++) {
		f_udp_end(&f, udp[i]);
		f_ipv6_end(&f, ip6[i]);
	}
	f_ipv4_end(&f, ip4);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_TUNNEL_TOO_DEEP));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_6IN4);
	/* 6in4 plus three Teredo layers are followed; the fourth is not. */
	assert_int_equal(pkt.family, 6);
	assert_int_equal(pkt.ttl, 13);
	assert_int_equal(pkt.dport, 103);
	assert_true(pkt.l4_ok);
}

static void vxlan_inner_ethernet(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 17, 64);
	uint32_t u = f_udp(&f, 61000, 4789);
	f_be32(&f, 0x08000000);
	f_be32(&f, 0x00123400); /* VNI 0x1234 */
	f_eth(&f, 0x0800);
	static const uint8_t in_src[4] = {10, 0, 0, 1}, in_dst[4] = {10, 0, 0, 2};
	uint32_t ip2 = f_ipv4_opts(&f, 6, in_src, in_dst, 5, 0, NULL, 0);
	f_tcp(&f, 1234, 22, YG_TCP_SYN);
	f_ipv4_end(&f, ip2);
	f_udp_end(&f, u);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_VXLAN);
	assert_int_equal(pkt.family, 4);
	assert_memory_equal(pkt.src.b, in_src, 4);
	assert_memory_equal(pkt.dst.b, in_dst, 4);
	assert_int_equal(pkt.ttl, 5);
	assert_int_equal(pkt.proto, 6);
	assert_int_equal(pkt.sport, 1234);
	assert_int_equal(pkt.dport, 22);
	assert_int_equal(pkt.ip_len, 40);

	/* Without the I flag it is not VXLAN. */
	f.b[14 + 20 + 8] = 0;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.dport, 4789);
}

/* IPv6 inside an outer first fragment: the inner lengths exceed the fragment. */
static void sixin4_in_first_fragment(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv4_opts(&f, 41, A4_SRC, A4_DST, 64, 0x2000, NULL, 0);
	uint32_t in = put_inner_tcp(&f);
	f_set_be16(&f, in + 4, 1400);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_FRAG));
	assert_true(pkt.frag);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_6IN4);
	assert_int_equal(pkt.family, 6);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.dport, 80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sixin4),
	    cmocka_unit_test(teredo_variants),
	    cmocka_unit_test(teredo_malformed),
	    cmocka_unit_test(tunnels_nest_to_a_bound),
	    cmocka_unit_test(vxlan_inner_ethernet),
	    cmocka_unit_test(sixin4_in_first_fragment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
