/*
 * GRE, ERSPAN I/II/III, GTP-U, Geneve, IP in IP and ICMP error quotes:
 * each inner packet decoded, the tunnel named with its outer header and
 * identifier, and bad headers recorded without reading past the frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

static const uint8_t IN4_SRC[4] = {10, 1, 2, 3};
static const uint8_t IN4_DST[4] = {203, 0, 113, 9};

/* Inner IPv4/UDP 40000 -> 53 with a 12-byte payload. */
static void put_inner4(struct frame *f)
{
	uint32_t ip = f_ipv4_opts(f, 17, IN4_SRC, IN4_DST, 33, 0, NULL, 0);
	uint32_t u = f_udp(f, 40000, 53);
	f_fill(f, 0xab, 12);
	f_udp_end(f, u);
	f_ipv4_end(f, ip);
}

static void put_inner6(struct frame *f)
{
	uint32_t ip = f_ipv6(f, 17, 44);
	uint32_t u = f_udp(f, 40000, 53);
	f_fill(f, 0xab, 12);
	f_udp_end(f, u);
	f_ipv6_end(f, ip);
}

static void check_inner4(const struct yg_packet *pkt)
{
	assert_int_equal(pkt->family, 4);
	assert_int_equal(pkt->proto, 17);
	assert_int_equal(pkt->ttl, 33);
	assert_memory_equal(pkt->src.b, IN4_SRC, 4);
	assert_memory_equal(pkt->dst.b, IN4_DST, 4);
	assert_true(pkt->l4_ok);
	assert_int_equal(pkt->sport, 40000);
	assert_int_equal(pkt->dport, 53);
	assert_int_equal(pkt->payload_len, 12);
}

static void check_inner6(const struct yg_packet *pkt)
{
	assert_int_equal(pkt->family, 6);
	assert_int_equal(pkt->ttl, 44);
	assert_memory_equal(pkt->src.b, A6_SRC, 16);
	assert_true(pkt->l4_ok);
	assert_int_equal(pkt->dport, 53);
	assert_int_equal(pkt->payload_len, 12);
}

/* The outer header recorded as the tunnel's (IPv4 A4_SRC -> A4_DST). */
static void check_outer4(const struct yg_packet *pkt, uint8_t proto, uint16_t sport,
                         uint16_t dport)
{
	assert_int_equal(pkt->tun.family, 4);
	assert_int_equal(pkt->tun.proto, proto);
	assert_memory_equal(pkt->tun.src.b, A4_SRC, 4);
	assert_memory_equal(pkt->tun.dst.b, A4_DST, 4);
	assert_int_equal(pkt->tun.sport, sport);
	assert_int_equal(pkt->tun.dport, dport);
	assert_int_equal(pkt->tun.depth, 1);
}

static void gre_hdr(struct frame *f, uint16_t flags, uint16_t proto, uint32_t key, uint32_t seq)
{
	f_be16(f, flags);
	f_be16(f, proto);
	if (flags & 0x8000)
		f_be32(f, 0);
	if (flags & 0x2000)
		f_be32(f, key);
	if (flags & 0x1000)
		f_be32(f, seq);
}

static void gre_variants(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	/* Key and sequence number, IPv4 inside. */
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 47, 64);
	gre_hdr(&f, 0x3000, 0x0800, 0xcafe01, 7);
	put_inner4(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_GRE);
	check_inner4(&pkt);
	check_outer4(&pkt, 47, 0, 0);
	assert_true(pkt.tun.has_id);
	assert_int_equal(pkt.tun.id, 0xcafe01);
	assert_false(pkt.has_mac); /* inner IP is not on the outer link */
	assert_string_equal(yg_tunnel_name(pkt.tunnel), "gre");

	/* Checksum present, IPv6 inside, no key. */
	f.n = 0;
	f_eth(&f, 0x0800);
	ip = f_ipv4(&f, 47, 64);
	gre_hdr(&f, 0x8000, 0x86dd, 0, 0);
	put_inner6(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	check_inner6(&pkt);
	assert_false(pkt.tun.has_id);

	/* Transparent Ethernet Bridging: the inner frame's MACs are kept. */
	f.n = 0;
	f_eth(&f, 0x0800);
	ip = f_ipv4(&f, 47, 64);
	gre_hdr(&f, 0x0000, 0x6558, 0, 0);
	static const uint8_t inner_eth[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	f_bytes(&f, inner_eth, 12);
	f_be16(&f, 0x0800);
	put_inner4(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	check_inner4(&pkt);
	assert_true(pkt.has_mac);
	assert_memory_equal(pkt.mac_src, inner_eth + 6, 6);

	/* Cut in the key: GRE_TRUNC, outer packet kept. */
	f.n = 0;
	f_eth(&f, 0x0800);
	ip = f_ipv4(&f, 47, 64);
	gre_hdr(&f, 0x2000, 0x0800, 0x11223344, 0);
	f.n -= 2;
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_GRE_TRUNC));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.proto, 47);

	/* Version 3: not GRE we know. Version 1 (PPTP): silent. */
	f.n = 0;
	f_eth(&f, 0x0800);
	ip = f_ipv4(&f, 47, 64);
	gre_hdr(&f, 0x0003, 0x0800, 0, 0);
	put_inner4(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_GRE_BAD_VERSION));
	f.b[14 + 20 + 1] = 0x01;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
}

/* ERSPAN of the given type over GRE; returns the frame. */
static void build_erspan(struct frame *f, unsigned type, bool platform)
{
	f->n = 0;
	f_eth(f, 0x0800);
	uint32_t ip = f_ipv4(f, 47, 64);
	if (type == 1) {
		gre_hdr(f, 0x0000, 0x88be, 0, 0);
	} else if (type == 2) {
		gre_hdr(f, 0x1000, 0x88be, 0, 42);
		f_be16(f, 0x1000 | 5);        /* ver 1, vlan 5 */
		f_be16(f, 0x0000 | 0x123);    /* session 0x123 */
		f_be32(f, 0);
	} else {
		gre_hdr(f, 0x1000, 0x22eb, 0, 42);
		f_be16(f, 0x2000);
		f_be16(f, 0x0155);            /* session 0x155 */
		f_be32(f, 0xdeadbeef);        /* timestamp */
		f_be16(f, 0);
		f_be16(f, platform ? 1 : 0);  /* O bit */
		if (platform)
			f_fill(f, 0, 8);
	}
	f_eth(f, 0x0800);
	put_inner4(f);
	f_ipv4_end(f, ip);
}

static void erspan_types(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f;
	static const struct {
		unsigned type;
		bool platform;
		bool has_id;
		uint32_t id;
	} cases[] = {{1, false, false, 0}, {2, false, true, 0x123}, {3, false, true, 0x155},
	             {3, true, true, 0x155}};
	for (unsigned i = 0; i < 4; i++) {
		build_erspan(&f, cases[i].type, cases[i].platform);
		assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
		assert_int_equal(pkt.n_anom, 0);
		assert_int_equal(pkt.tunnel, YG_TUNNEL_ERSPAN);
		check_inner4(&pkt);
		check_outer4(&pkt, 47, 0, 0);
		assert_int_equal(pkt.tun.has_id, cases[i].has_id);
		assert_int_equal(pkt.tun.id, cases[i].id);
		assert_true(pkt.has_mac);
	}
	/* Type II header with version 2: unsupported. */
	build_erspan(&f, 2, false);
	f.b[14 + 20 + 8] = 0x20;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_ERSPAN_BAD_VERSION));
	/* Type III cut inside its 12 octets. */
	build_erspan(&f, 3, false);
	assert_true(decode_exact(YG_LINK_ETHERNET, f.b, 14 + 20 + 8 + 10, f.n, &pkt));
	assert_true(has_anom(&pkt, YG_ANOM_ERSPAN_TRUNC));
	assert_true(has_anom(&pkt, YG_ANOM_PKT_TRUNCATED_CAPTURE));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
}

/* GTP-U G-PDU over UDP 2152 with n_ext extension headers of one unit each. */
static void build_gtp(struct frame *f, uint8_t type, unsigned n_ext, bool v6)
{
	f->n = 0;
	f_eth(f, 0x0800);
	uint32_t ip = f_ipv4(f, 17, 64);
	uint32_t u = f_udp(f, 2152, 2152);
	uint32_t g = f->n;
	f_u8(f, (uint8_t)(0x30 | (n_ext ? 0x04 : 0)));
	f_u8(f, type);
	f_be16(f, 0);
	f_be32(f, 0x0badcafe);
	if (n_ext) {
		f_be16(f, 0);               /* sequence */
		f_u8(f, 0);                 /* N-PDU */
		f_u8(f, 0x85);              /* next: PDU session container */
		for (unsigned i = 0; i < n_ext; i++) {
			f_u8(f, 1);
			f_u8(f, 0x10);
			f_u8(f, 0x09);
			f_u8(f, i + 1 < n_ext ? 0x85 : 0);
		}
	}
	if (type == 0xff) {
		if (v6)
			put_inner6(f);
		else
			put_inner4(f);
	}
	f_set_be16(f, g + 2, (uint16_t)(f->n - g - 8));
	f_udp_end(f, u);
	f_ipv4_end(f, ip);
}

static void gtpu(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f;
	for (unsigned ext = 0; ext < 3; ext++) {
		build_gtp(&f, 0xff, ext, ext == 1);
		assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
		assert_int_equal(pkt.n_anom, 0);
		assert_int_equal(pkt.tunnel, YG_TUNNEL_GTPU);
		if (ext == 1)
			check_inner6(&pkt);
		else
			check_inner4(&pkt);
		check_outer4(&pkt, 17, 2152, 2152);
		assert_true(pkt.tun.has_id);
		assert_int_equal(pkt.tun.id, 0x0badcafe);
		assert_false(pkt.has_mac);
	}
	/* Echo request: GTP-U without a user packet, the UDP stays. */
	build_gtp(&f, 1, 0, false);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.dport, 2152);
	/* Nine extension headers: past the bound. */
	build_gtp(&f, 0xff, 9, false);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_GTPU_BAD));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	/* An extension header of length 0. */
	build_gtp(&f, 0xff, 1, false);
	f.b[14 + 20 + 8 + 12] = 0;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_GTPU_BAD));
	/* Cut inside the extension header. */
	build_gtp(&f, 0xff, 1, false);
	assert_true(decode_exact(YG_LINK_ETHERNET, f.b, 14 + 20 + 8 + 14, f.n, &pkt));
	assert_true(has_anom(&pkt, YG_ANOM_GTPU_TRUNC));
	/* Version 2 (GTP-C) on the port: plain UDP. */
	build_gtp(&f, 0xff, 0, false);
	f.b[14 + 20 + 8] = 0x48;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
}

static void build_geneve(struct frame *f, uint16_t proto, bool opts)
{
	f->n = 0;
	f_eth(f, 0x0800);
	uint32_t ip = f_ipv4(f, 17, 64);
	uint32_t u = f_udp(f, 50000, 6081);
	f_u8(f, opts ? 3 : 0); /* 12 octets of options */
	f_u8(f, 0);
	f_be16(f, proto);
	f_be32(f, 0x00abcd00);
	if (opts) {
		f_be16(f, 0x0102); /* class */
		f_u8(f, 0x80);     /* type */
		f_u8(f, 1);        /* one unit of data */
		f_be32(f, 0x11111111);
		f_be16(f, 0x0103);
		f_u8(f, 0x01);
		f_u8(f, 0);        /* no data */
	}
	if (proto == 0x6558)
		f_eth(f, 0x0800);
	put_inner4(f);
	f_udp_end(f, u);
	f_ipv4_end(f, ip);
}

static void geneve(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f;
	for (unsigned i = 0; i < 3; i++) {
		build_geneve(&f, i == 2 ? 0x0800 : 0x6558, i > 0);
		assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
		assert_int_equal(pkt.n_anom, 0);
		assert_int_equal(pkt.tunnel, YG_TUNNEL_GENEVE);
		check_inner4(&pkt);
		check_outer4(&pkt, 17, 50000, 6081);
		assert_int_equal(pkt.tun.id, 0xabcd);
		assert_int_equal(pkt.has_mac, i < 2);
	}
	build_geneve(&f, 0x1234, false);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_GENEVE_UNKNOWN_PAYLOAD));
	/* Options that overrun Opt Len: not Geneve, plain UDP. */
	build_geneve(&f, 0x6558, true);
	f.b[14 + 20 + 8 + 8 + 3] = 5;
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.dport, 6081);
}

static void ipip(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	/* IPv4 in IPv4. */
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 4, 64);
	put_inner4(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_IPIP);
	check_inner4(&pkt);
	check_outer4(&pkt, 4, 0, 0);

	/* IPv4 in IPv6. */
	f.n = 0;
	f_eth(&f, 0x86dd);
	ip = f_ipv6(&f, 4, 64);
	put_inner4(&f);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_IPIP);
	check_inner4(&pkt);
	assert_int_equal(pkt.tun.family, 6);
	assert_memory_equal(pkt.tun.src.b, A6_SRC, 16);

	/* IPv6 in IPv6. */
	f.n = 0;
	f_eth(&f, 0x86dd);
	ip = f_ipv6(&f, 41, 64);
	put_inner6(&f);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_IPIP);
	check_inner6(&pkt);
	assert_int_equal(pkt.tun.proto, 41);

	/* An IPv6 header where IPv4 was promised: not followed. */
	f.n = 0;
	f_eth(&f, 0x0800);
	ip = f_ipv4(&f, 4, 64);
	put_inner6(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPIP_TRUNC));
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_int_equal(pkt.proto, 4);
}

/* IPv4 in IPv4 nested n times: followed up to the bound, then TUNNEL_TOO_DEEP. */
static void depth_bound(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 6; n++) {
		struct frame f = {0};
		uint32_t at[8];
		f_eth(&f, 0x0800);
		for (unsigned i = 0; i < n; i++)
			at[i] = f_ipv4(&f, 4, 64);
		put_inner4(&f);
		for (unsigned i = n; i-- > 0;)
			f_ipv4_end(&f, at[i]);
		struct yg_packet pkt;
		assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
		if (n <= 4) {
			assert_int_equal(pkt.n_anom, 0);
			check_inner4(&pkt);
			assert_int_equal(pkt.tun.depth, n);
		} else {
			assert_true(only_anom(&pkt, YG_ANOM_TUNNEL_TOO_DEEP));
			assert_int_equal(pkt.tun.depth, 4);
			assert_int_equal(pkt.proto, 4);
		}
	}
}

static void icmp_quotes(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	/* Port unreachable quoting the inner UDP datagram. */
	f_eth(&f, 0x0800);
	uint32_t ip = f_ipv4(&f, 1, 64);
	f_icmp(&f, 3, 3);
	put_inner4(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.tunnel, YG_TUNNEL_NONE);
	assert_memory_equal(pkt.src.b, A4_SRC, 4); /* the ICMP's own */
	assert_int_equal(pkt.quote.family, 4);
	assert_int_equal(pkt.quote.proto, 17);
	assert_memory_equal(pkt.quote.src.b, IN4_SRC, 4);
	assert_memory_equal(pkt.quote.dst.b, IN4_DST, 4);
	assert_int_equal(pkt.quote.sport, 40000);
	assert_int_equal(pkt.quote.dport, 53);

	/* Cut quote: only the quote's anomaly. */
	f.n = 14 + 20 + 8 + 12;
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_ICMP_QUOTE_TRUNC));
	assert_int_equal(pkt.quote.family, 0);

	/* Echo: nothing quoted. */
	f.n = 0;
	f_eth(&f, 0x0800);
	ip = f_ipv4(&f, 1, 64);
	f_icmp(&f, 8, 0);
	put_inner4(&f);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.quote.family, 0);

	/* ICMPv6 time exceeded. */
	f.n = 0;
	f_eth(&f, 0x86dd);
	ip = f_ipv6(&f, 58, 64);
	f_icmp(&f, 3, 0);
	put_inner6(&f);
	f_ipv6_end(&f, ip);
	assert_true(decode_frame(YG_LINK_ETHERNET, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.quote.family, 6);
	assert_int_equal(pkt.quote.proto, 17);
	assert_int_equal(pkt.quote.dport, 53);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gre_variants), cmocka_unit_test(erspan_types),
	    cmocka_unit_test(gtpu),         cmocka_unit_test(geneve),
	    cmocka_unit_test(ipip),         cmocka_unit_test(depth_bound),
	    cmocka_unit_test(icmp_quotes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
