#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"

/* Raw IPv4 with the given options, carrying UDP 10 -> 20 with 4 payload bytes. */
static void build_opts(struct frame *f, const uint8_t *opts, uint32_t optlen)
{
	f->n = 0;
	uint32_t ip = f_ipv4_opts(f, 17, A4_SRC, A4_DST, 64, 0, opts, optlen);
	uint32_t u = f_udp(f, 10, 20);
	f_bytes(f, "data", 4);
	f_udp_end(f, u);
	f_ipv4_end(f, ip);
}

static void options_valid(void **state)
{
	(void)state;
	static const uint8_t rr[] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1 /* NOP pad */};
	static const uint8_t ts[] = {68, 12, 5, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t ra[] = {148, 4, 0, 0};
	static const uint8_t nop_eol[] = {1, 1, 0, 0x55}; /* bytes after EOL are padding */
	static const uint8_t lsrr[] = {131, 7, 4, 10, 0, 0, 1, 0};
	const uint8_t *all[] = {rr, ts, ra, nop_eol, lsrr};
	const uint32_t lens[] = {sizeof rr, sizeof ts, sizeof ra, sizeof nop_eol, sizeof lsrr};
	for (unsigned i = 0; i < 5; i++) {
		struct frame f;
		build_opts(&f, all[i], lens[i]);
		struct yg_packet pkt;
		assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
		assert_int_equal(pkt.n_anom, 0);
		assert_true(pkt.l4_ok);
		assert_int_equal(pkt.sport, 10);
		assert_int_equal(pkt.payload_len, 4);
		assert_memory_equal(pkt.payload, "data", 4);
		assert_int_equal(pkt.ip_len, 20 + lens[i] + 12);
	}
}

static void options_malformed(void **state)
{
	(void)state;
	static const uint8_t zero_len[] = {0x83, 0, 0, 0};
	static const uint8_t one_len[] = {0x44, 1, 0, 0};
	static const uint8_t overrun[] = {1, 0x82, 9, 0};
	static const uint8_t ra_len[] = {148, 3, 0, 0};
	static const uint8_t rr_ptr[] = {7, 7, 3, 0, 0, 0, 0, 0};
	static const uint8_t ts_short[] = {68, 3, 5, 0};
	static const uint8_t cut[] = {1, 1, 1, 7};
	const uint8_t *all[] = {zero_len, one_len, overrun, ra_len, rr_ptr, ts_short, cut};
	const uint32_t lens[] = {4, 4, 4, 4, 8, 4, 4};
	for (unsigned i = 0; i < 7; i++) {
		struct frame f;
		build_opts(&f, all[i], lens[i]);
		struct yg_packet pkt;
		assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_OPTION));
		/* A bad option does not hide the transport header. */
		assert_true(pkt.l4_ok);
		assert_int_equal(pkt.dport, 20);
	}
}

static void bad_version_and_header_length(void **state)
{
	(void)state;
	struct frame f;
	build_opts(&f, NULL, 0);
	struct yg_packet pkt;

	f.b[0] = 0x55;
	assert_false(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_VERSION));

	f.b[0] = 0x44; /* IHL 4 */
	assert_false(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_HLEN));

	f.b[0] = 0x4f; /* 60 bytes of header in a 32-byte datagram */
	assert_false(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_HLEN));

	/* The same header with a total length that covers it: just cut short. */
	f_set_be16(&f, 2, 60);
	assert_false(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_TRUNC));
}

static void total_length_cases(void **state)
{
	(void)state;
	struct frame f;
	build_opts(&f, NULL, 0);
	struct yg_packet pkt;

	/* Longer than what was on the wire. */
	f_set_be16(&f, 2, 100);
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(has_anom(&pkt, YG_ANOM_IPV4_BAD_TOTLEN));
	assert_int_equal(pkt.ip_len, 32);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.payload_len, 4);

	/* Longer than captured but not than the wire: a snap length, no anomaly. */
	assert_true(decode_exact(YG_LINK_IPV4, f.b, f.n, 100, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.ip_len, 100);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.payload_len, 4);

	/* Shorter than the header: no transport decoded. */
	f_set_be16(&f, 2, 12);
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_TOTLEN));
	assert_false(pkt.l4_ok);
	assert_int_equal(pkt.family, 4);

	/* Zero (segmentation offload): flagged, the captured bytes are used. */
	f_set_be16(&f, 2, 0);
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_BAD_TOTLEN));
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.ip_len, 32);
	assert_int_equal(pkt.payload_len, 4);

	/* Shorter than the frame: the UDP header's length says more than the IP one. */
	f_set_be16(&f, 2, 30);
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_UDP_BAD_LEN));
	assert_int_equal(pkt.ip_len, 30);
	assert_int_equal(pkt.payload_len, 2);
}

static void first_fragment_decodes_l4(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv4_opts(&f, 17, A4_SRC, A4_DST, 64, 0x2000 /* MF */, NULL, 0);
	uint32_t u = f_udp(&f, 53, 33333);
	f_fill(&f, 0xab, 16);
	f_set_be16(&f, u + 4, 1400); /* the whole datagram's UDP length */
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_FRAG));
	assert_true(pkt.frag);
	assert_true(pkt.l4_ok);
	assert_int_equal(pkt.sport, 53);
	assert_int_equal(pkt.dport, 33333);
	assert_int_equal(pkt.payload_len, 16);
	assert_int_equal(pkt.ip_len, 44);
}

static void later_fragments_skip_l4(void **state)
{
	(void)state;
	static const uint16_t frags[] = {0x2000 | 185, 185, 0x4000 | 1}; /* middle, last, DF+off */
	for (unsigned i = 0; i < 3; i++) {
		struct frame f = {0};
		uint32_t ip = f_ipv4_opts(&f, 6, A4_SRC, A4_DST, 64, frags[i], NULL, 0);
		f_tcp(&f, 1, 2, 0);
		f_ipv4_end(&f, ip);
		struct yg_packet pkt;
		assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
		assert_true(only_anom(&pkt, YG_ANOM_IPV4_FRAG));
		assert_true(pkt.frag);
		assert_false(pkt.l4_ok);
		assert_int_equal(pkt.sport, 0);
		assert_int_equal(pkt.proto, 6);
		assert_null(pkt.payload);
		assert_memory_equal(pkt.src.b, A4_SRC, 4);
	}
}

/* A first fragment too small for the TCP header: skipped, not called truncated. */
static void tiny_first_fragment(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv4_opts(&f, 6, A4_SRC, A4_DST, 64, 0x2000, NULL, 0);
	f_be16(&f, 1234);
	f_be16(&f, 80);
	f_be32(&f, 0);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPV4_FRAG));
	assert_false(pkt.l4_ok);
}

static void dont_fragment_is_not_a_fragment(void **state)
{
	(void)state;
	struct frame f = {0};
	uint32_t ip = f_ipv4_opts(&f, 6, A4_SRC, A4_DST, 64, 0x4000, NULL, 0);
	f_tcp(&f, 1, 2, 0);
	f_ipv4_end(&f, ip);
	struct yg_packet pkt;
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_false(pkt.frag);
	assert_true(pkt.l4_ok);
}

static void unknown_and_known_protocols(void **state)
{
	(void)state;
	struct yg_packet pkt;
	struct frame f = {0};
	uint32_t ip = f_ipv4(&f, 47 /* GRE */, 64);
	f_fill(&f, 0, 8);
	f_ipv4_end(&f, ip);
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_int_equal(pkt.n_anom, 0);
	assert_int_equal(pkt.proto, 47);
	assert_false(pkt.l4_ok);

	f.b[9] = 201;
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPPROTO_UNKNOWN));
	assert_int_equal(pkt.proto, 201);

	f.b[9] = 58; /* ICMPv6 in IPv4 */
	assert_true(decode_frame(YG_LINK_IPV4, &f, &pkt));
	assert_true(only_anom(&pkt, YG_ANOM_IPPROTO_UNKNOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(options_valid),
	    cmocka_unit_test(options_malformed),
	    cmocka_unit_test(bad_version_and_header_length),
	    cmocka_unit_test(total_length_cases),
	    cmocka_unit_test(first_fragment_decodes_l4),
	    cmocka_unit_test(later_fragments_skip_l4),
	    cmocka_unit_test(tiny_first_fragment),
	    cmocka_unit_test(dont_fragment_is_not_a_fragment),
	    cmocka_unit_test(unknown_and_known_protocols),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
