#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

static void plain_fields(void **state)
{
	(void)state;
	struct frame f = {0};
	f_eth(&f, 0x86dd);
	uint32_t ip = f_ipv6(&f, 17, 255);
	uint32_t u = f_udp(&f, 546, 547);
	f_bytes(&f, "dhcp6", 5);
	f_udp_end(&f, u);
	f_ipv6_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.family, 6);
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.ttl, 255);
	assert_memory_equal(pkt.src.b, A6_SRC, 16);
	assert_memory_equal(pkt.dst.b, A6_DST, 16);
	assert_int_equal(pkt.ip_len, 40 + 13);
	assert_int_equal(pkt.sport, 546);
	assert_int_equal(pkt.dport, 547);
	assert_int_equal(pkt.payload_len, 5);
	assert_memory_equal(pkt.payload, "dhcp6", 5);
}

/* Hop-by-hop, routing, destination options, AH, then TCP. */
static void extension_chain(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 0, 64);
	f_ext(&f, 43, 0);
	f_ext(&f, 60, 1);
	f_ext(&f, 51, 0);
	/* AH: next header, payload length 4 (=> 24 bytes), then SPI, sequence, ICV. */
	f_u8(&f, 6);
	f_u8(&f, 4);
	f_fill(&f, 0, 22);
	f_tcp(&f, 22, 50000, YG_TCP_ACK);
	f_ipv6_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.proto, 6);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.sport, 22);
	assert_int_equal(pkt.dport, 50000);
	assert_int_equal(pkt.payload_len, 0);
	assert_int_equal(pkt.ip_len, f.n);
}

static void first_fragment_with_udp(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 0, 64);
	f_ext(&f, 44, 0);
	f_frag6(&f, 17, 0, true);
	uint32_t u = f_udp(&f, 53, 40000);
	f_fill(&f, 1, 24);
	f_set_be16(&f, u + 4, 3000); /* the reassembled length */
	f_ipv6_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_FRAG));
	assert_true(pkt.frag);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.sport, 53);
	assert_int_equal(pkt.payload_len, 24);
}

static void later_fragment(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 44, 64);
	f_frag6(&f, 17, 181, false);
	f_fill(&f, 7, 40);
	f_ipv6_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_FRAG));
	assert_true(pkt.frag);
	assert_false(pkt.l4_ok);
	assert_int_equal(pkt.proto, 17);
	assert_null(pkt.payload);
}

static void atomic_fragment(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 44, 64);
	f_frag6(&f, 6, 0, false);
	f_tcp(&f, 1, 2, 0);
	f_ipv6_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_false(pkt.frag);
	assert_true(pkt.l4_ok);
}

static void chain_ends(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 60, 64);
	f_ext(&f, 50, 0);
	f_fill(&f, 0x33, 16); /* ESP: opaque */
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.proto, 50);
	assert_false(pkt.l4_ok);

	f.n = 0;
	ip = f_ipv6(&f, 59, 64);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.proto, 59);
	assert_int_equal(pkt.ip_len, 40);
}

static void too_many_extension_headers(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 60, 64);
	for (int i = 0; i < 20; i++)
		f_ext(&f, 60, 0);
	f_ipv6_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_EXTHDR_TOO_MANY));
	assert_false(pkt.l4_ok);
}

static void extension_header_cut(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 43, 64);
	f_u8(&f, 6);
	f_u8(&f, 3); /* says 32 bytes */
	f_fill(&f, 0, 14);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_EXTHDR_TRUNC));

	f.n = 0;
	ip = f_ipv6(&f, 44, 64);
	f_fill(&f, 0, 5);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_EXTHDR_TRUNC));
}

static void payload_length_cases(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	uint32_t ip = f_ipv6(&f, 6, 64);
	f_tcp(&f, 1, 2, 0);
	f_ipv6_end(&f, ip);

	f_set_be16(&f, 4, 200);
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_BAD_PLEN));
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.ip_len, 60);

	/* Cut by the snap length only. */
	assert_true(decode_exact(YG_LINK_IPV6, f.b, f.n, 240, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.ip_len, 240);

	f_set_be16(&f, 4, 0); /* segmentation offload */
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_BAD_PLEN));
	assert_true(pkt.l4_ok);

	/* Jumbogram: zero payload length behind a hop-by-hop header is legal. */
	struct frame j = {0};
	f_ipv6(&j, 0, 64);
	f_u8(&j, 6);
	f_u8(&j, 0);
	f_bytes(&j, "\xc2\x04\x00\x01\x00\x00", 6); /* jumbo payload option */
	f_tcp(&j, 9, 10, 0);
	assert_true(decode_frame(YG_LINK_IPV6, &j, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.dport, 10);

	f_set_be16(&f, 4, 10); /* shorter than the TCP header */
	assert_true(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_TCP_TRUNC));
	assert_false(pkt.l4_ok);
	assert_int_equal(pkt.ip_len, 50);

	f.b[0] = 0x70;
	assert_false(decode_frame(YG_LINK_IPV6, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV6_BAD_VERSION));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_fields),
	    cmocka_unit_test(extension_chain),
	    cmocka_unit_test(first_fragment_with_udp),
	    cmocka_unit_test(later_fragment),
	    cmocka_unit_test(atomic_fragment),
	    cmocka_unit_test(chain_ends),
	    cmocka_unit_test(too_many_extension_headers),
	    cmocka_unit_test(extension_header_cut),
	    cmocka_unit_test(payload_length_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
