#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "app/tls.h"
#include "hello.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct yg_tls_client_hello h;

static int parse(const uint8_t *p, size_t n, size_t *need)
{
	uint8_t *d = mb_dup(p, n);
	int r = yg_tls_client_hello_parse(d, n, &h, need);
	free(d);
	return r;
}

static const uint16_t grease_ciphers[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0x00ff};

/* Extensions of the main test hello, GREASE at both ends. */
static struct mb main_exts(const void *sni, size_t sni_len, const void *alpn, size_t alpn_len)
{
	struct mb e = {0};
	ext_raw(&e, 0x1a1a, NULL, 0);
	if (sni)
		ext_sni(&e, sni, sni_len);
	static const uint16_t groups[] = {0x2a2a, 0x001d, 0x0017};
	ext_u16_list(&e, 10, groups, N(groups));
	static const uint8_t fmts[] = {0};
	ext_formats(&e, fmts, 1);
	static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401};
	ext_u16_list(&e, 13, sigs, N(sigs));
	if (alpn)
		ext_alpn(&e, alpn, alpn_len);
	static const uint16_t vers[] = {0x3a3a, 0x0304, 0x0303};
	ext_versions(&e, vers, N(vers));
	ext_raw(&e, 0x0015, "\0\0\0", 3);
	ext_raw(&e, 0x4a4a, "\0", 1);
	return e;
}

#define ALPN_H2_H11 "\x02h2\x08http/1.1"

static struct mb main_hello(void)
{
	struct mb e = main_exts("example.com", 11, ALPN_H2_H11, sizeof ALPN_H2_H11 - 1);
	struct mb hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
	struct mb r = records(&hs, 0x0301, NULL, 0);
	mb_free(&e);
	mb_free(&hs);
	return r;
}

static void check_main(void)
{
	assert_int_equal(h.record_version, 0x0301);
	assert_int_equal(h.legacy_version, 0x0303);
	assert_int_equal(h.version, 0x0304);
	assert_string_equal(h.sni, "example.com");
	assert_int_equal(h.n_alpn, 2);
	assert_string_equal(h.alpn[0], "h2");
	assert_string_equal(h.alpn[1], "http/1.1");
	/* expected values computed independently (Python hashlib) */
	assert_string_equal(h.ja3, "771,4865-4866-4867-49195-255,0-10-11-13-16-43-21,29-23,0");
	assert_string_equal(h.ja3_hash, "397294ac84f60e9b649f66b722405d73");
	assert_string_equal(h.ja4, "t13d0507h2_30218df08eda_80b502bd4a54");
}

static void main_fields_and_grease(void **state)
{
	(void)state;
	struct mb m = main_hello();
	size_t need = 0;
	assert_int_equal(parse(m.b, m.len, &need), 0);
	check_main();
	/* bytes after the hello (the next record) are ignored */
	mb_bytes(&m, "\x14\x03\x03\x00\x01\x01", 6);
	assert_int_equal(parse(m.b, m.len, &need), 0);
	check_main();
	mb_free(&m);
}

/* Every prefix: -EAGAIN with a need beyond the prefix and not beyond the
 * whole; the whole: the same result. */
static void split_everywhere(void **state)
{
	(void)state;
	struct mb m = main_hello();
	for (size_t k = 0; k < m.len; k++) {
		size_t need = 0;
		int r = parse(m.b, k, &need);
		if (r != -EAGAIN || need <= k || need > m.len)
			fail_msg("cut at %zu of %zu: r %d need %zu", k, m.len, r, need);
	}
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	check_main();
	mb_free(&m);
}

/* The handshake message over several records, its 4-byte header split
 * too; then every prefix of that stream. */
static void split_over_records(void **state)
{
	(void)state;
	struct mb e = main_exts("example.com", 11, ALPN_H2_H11, sizeof ALPN_H2_H11 - 1);
	struct mb hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
	static const size_t cuts[][4] = {{2, 50, 1, 0}, {1, 1, 1, 1}, {4, 0, 0, 0}, {100, 0, 0, 0}};
	for (size_t c = 0; c < N(cuts); c++) {
		size_t n = 0;
		while (n < 4 && cuts[c][n])
			n++;
		struct mb m = records(&hs, 0x0301, cuts[c], n);
		assert_int_equal(parse(m.b, m.len, NULL), 0);
		check_main();
		for (size_t k = 0; k < m.len; k++) {
			size_t need = 0;
			int r = parse(m.b, k, &need);
			if (r != -EAGAIN || need <= k || need > m.len)
				fail_msg("cuts %zu, prefix %zu of %zu: r %d need %zu", c, k, m.len,
				         r, need);
		}
		mb_free(&m);
	}
	/* one byte per record: the worst case the parser must still handle */
	size_t ones[512];
	for (size_t i = 0; i < N(ones); i++)
		ones[i] = 1;
	struct mb m = records(&hs, 0x0303, ones, N(ones));
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_int_equal(h.record_version, 0x0303);
	assert_string_equal(h.ja4, "t13d0507h2_30218df08eda_80b502bd4a54");
	mb_free(&m);
	mb_free(&hs);
	mb_free(&e);
}

/* The example of FoxIO's JA4 spec (technical_details/JA4.md). */
static void ja4_spec_example(void **state)
{
	(void)state;
	static const uint16_t cs[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
	                              0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
	                              0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
	static const uint16_t order[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
	                                 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
	                                 0xff01, 0x000b, 0x000a, 0x0015};
	static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0503,
	                                0x0805, 0x0501, 0x0806, 0x0601};
	static const uint16_t vers[] = {0x0304, 0x0303};
	struct mb e = {0};
	for (size_t i = 0; i < N(order); i++) {
		switch (order[i]) {
		case 0x0000:
			ext_sni(&e, "example.com", 11);
			break;
		case 0x0010:
			ext_alpn(&e, ALPN_H2_H11, sizeof ALPN_H2_H11 - 1);
			break;
		case 0x000d:
			ext_u16_list(&e, 13, sigs, N(sigs));
			break;
		case 0x002b:
			ext_versions(&e, vers, N(vers));
			break;
		default:
			ext_raw(&e, order[i], NULL, 0);
			break;
		}
	}
	struct mb hs = hello_msg(0x0303, cs, N(cs), &e);
	struct mb m = records(&hs, 0x0301, NULL, 0);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_string_equal(h.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	mb_free(&m);
	mb_free(&hs);
	mb_free(&e);
}

static void no_sni_no_extensions(void **state)
{
	(void)state;
	static const uint16_t cs[] = {0x002f, 0x0035};
	struct mb hs = hello_msg(0x0301, cs, N(cs), NULL);
	struct mb m = records(&hs, 0x0301, NULL, 0);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_int_equal(h.version, 0x0301);
	assert_string_equal(h.sni, "");
	assert_int_equal(h.n_alpn, 0);
	assert_string_equal(h.ja3, "769,47-53,,,");
	assert_string_equal(h.ja3_hash, "dac4920d4335e769327dbf4e1b759e15");
	assert_string_equal(h.ja4, "t10i020000_f54dd463d39b_000000000000");
	mb_free(&m);
	mb_free(&hs);

	/* extensions, but no SNI: 'i' */
	struct mb e = main_exts(NULL, 0, ALPN_H2_H11, sizeof ALPN_H2_H11 - 1);
	hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
	m = records(&hs, 0x0301, NULL, 0);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_string_equal(h.sni, "");
	assert_memory_equal(h.ja4, "t13i0506h2_30218df08eda_80b502bd4a54", 37);
	mb_free(&m);
	mb_free(&hs);
	mb_free(&e);
}

static void sni_forms(void **state)
{
	(void)state;
	static const struct {
		const char *wire;
		const char *want;
	} cases[] = {
	    {"xn--r8jz45g.xn--zckzah", "xn--r8jz45g.xn--zckzah"}, /* IDN as sent: A-labels */
	    {"\xe4\xbe\x8b\xe3\x81\x88.jp", "\xe4\xbe\x8b\xe3\x81\x88.jp"}, /* raw UTF-8 kept */
	    {"a\xff.b", "a\\255.b"},                                        /* not UTF-8 */
	    {"evil.com\x01", "evil.com\\001"},
	    {"back\\slash", "back\\\\slash"},
	    {"", ""},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct mb e = main_exts(cases[i].wire, strlen(cases[i].wire), ALPN_H2_H11,
		                        sizeof ALPN_H2_H11 - 1);
		struct mb hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
		struct mb m = records(&hs, 0x0301, NULL, 0);
		assert_int_equal(parse(m.b, m.len, NULL), 0);
		assert_string_equal(h.sni, cases[i].want);
		assert_int_equal(h.ja4[3], 'd');
		mb_free(&m);
		mb_free(&hs);
		mb_free(&e);
	}
	/* an SNI longer than the field keeps its rightmost labels */
	char big[600];
	size_t n = 0;
	while (n < 500) {
		memcpy(big + n, "abcdefghi.", 10);
		n += 10;
	}
	memcpy(big + n, "evil.example", 12);
	n += 12;
	struct mb e = main_exts(big, n, NULL, 0);
	struct mb hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
	struct mb m = records(&hs, 0x0301, NULL, 0);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	size_t got = strlen(h.sni);
	assert_true(got <= YG_TLS_SNI_MAX - 1 && got > 200);
	assert_string_equal(h.sni + got - 12, "evil.example");
	assert_memory_equal(h.sni, "abcdefghi.", 10);
	mb_free(&m);
	mb_free(&hs);
	mb_free(&e);
}

/* JA4's ALPN characters, with the non-alphanumeric rule of the spec. */
static void ja4_alpn_rule(void **state)
{
	(void)state;
	static const struct {
		const char *list;
		size_t n;
		const char *want;
	} cases[] = {
	    {"\x02h2", 3, "h2"},
	    {"\x08http/1.1\x02h2", 12, "h1"},
	    {"\x01\xab", 2, "ab"},
	    {"\x02\xab\xcd", 3, "ad"},
	    {"\x02\x30\xab", 3, "3b"},
	    {"\x04\x30\x31\xab\xcd", 5, "3d"},
	    {"\x04\x30\xab\xcd\x31", 5, "01"},
	    {"\x01q", 2, "qq"},
	    {"\x00\x02h2", 4, "00"}, /* empty first value */
	    {"", 0, "00"},           /* empty list */
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct mb e = main_exts("a.b", 3, cases[i].list, cases[i].n);
		struct mb hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
		struct mb m = records(&hs, 0x0301, NULL, 0);
		assert_int_equal(parse(m.b, m.len, NULL), 0);
		if (memcmp(h.ja4 + 8, cases[i].want, 2) != 0)
			fail_msg("case %zu: %s", i, h.ja4);
		mb_free(&m);
		mb_free(&hs);
		mb_free(&e);
	}
}

/* supported_versions of GREASE only: the legacy version stands. */
static void grease_only_versions(void **state)
{
	(void)state;
	static const uint16_t cs[] = {0x1301};
	static const uint16_t vers[] = {0x5a5a};
	struct mb e = {0};
	ext_versions(&e, vers, 1);
	struct mb hs = hello_msg(0x0303, cs, 1, &e);
	struct mb m = records(&hs, 0x0301, NULL, 0);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_int_equal(h.version, 0x0303);
	assert_memory_equal(h.ja4, "t12i010100_", 11);
	assert_string_equal(h.ja3, "771,4865,43,,");
	mb_free(&m);
	mb_free(&hs);
	mb_free(&e);
}

/* Thousands of ciphers: the JA3 string is cut to the field, its hash
 * covers all of it; JA4 counts stop at 99. */
static void huge_cipher_list(void **state)
{
	(void)state;
	size_t nc = 7000;
	uint16_t *cs = malloc(nc * sizeof *cs);
	assert_non_null(cs);
	struct mb full = {0};
	mb_str(&full, "771,");
	for (size_t i = 0; i < nc; i++) {
		cs[i] = (uint16_t)(0x1000 + i); /* 0x1a1a and 0x2a2a among them */
		if ((cs[i] & 0x0f0f) == 0x0a0a && (cs[i] >> 8) == (cs[i] & 0xff))
			continue;
		char b[8];
		snprintf(b, sizeof b, i ? "-%u" : "%u", cs[i]);
		mb_str(&full, b);
	}
	mb_str(&full, ",,,");
	struct mb hs = hello_msg(0x0303, cs, nc, NULL);
	size_t cuts[2] = {10000, 0};
	struct mb m = records(&hs, 0x0303, cuts, 1);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_int_equal(strlen(h.ja3), YG_TLS_JA3_MAX - 1);
	assert_memory_equal(h.ja3, full.b, YG_TLS_JA3_MAX - 1);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	assert_true(EVP_Digest(full.b, full.len, md, &mdlen, EVP_md5(), NULL));
	char hex[33];
	for (unsigned i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(h.ja3_hash, hex);
	assert_memory_equal(h.ja4, "t12i990000_", 11);
	free(cs);
	mb_free(&full);
	mb_free(&hs);
	mb_free(&m);
}

/* A 70 KB hello is refused from its first 9 bytes, never buffered. */
static void oversized_hello(void **state)
{
	(void)state;
	size_t n = 70000;
	uint8_t *b = calloc(1, n + 9);
	assert_non_null(b);
	memcpy(b, "\x16\x03\x01\x40\x00\x01", 6);
	b[6] = (uint8_t)(n >> 16);
	b[7] = (uint8_t)(n >> 8);
	b[8] = (uint8_t)n;
	size_t need = 0;
	assert_int_equal(parse(b, 8, &need), -EAGAIN);
	assert_int_equal(parse(b, 9, &need), -E2BIG);
	assert_int_equal(parse(b, n + 9, &need), -E2BIG);
	/* just at the limit is waited for */
	size_t lim = YG_TLS_HELLO_MAX;
	b[3] = 0x40;
	b[4] = 0x00;
	b[6] = (uint8_t)(lim >> 16);
	b[7] = (uint8_t)(lim >> 8);
	b[8] = (uint8_t)lim;
	assert_int_equal(parse(b, 9, &need), -EAGAIN);
	assert_true(need >= 9 + lim);
	lim++;
	b[7] = (uint8_t)(lim >> 8);
	b[8] = (uint8_t)lim;
	assert_int_equal(parse(b, 9, &need), -E2BIG);
	/* its header split over two records: still refused early */
	static const uint8_t split[] = {0x16, 3, 1, 0, 2, 1, 1, 0x16, 3, 1, 0, 2, 0x11, 0x70};
	assert_int_equal(parse(split, sizeof split, &need), -E2BIG);
	free(b);
}

static void not_a_client_hello(void **state)
{
	(void)state;
	struct mb m = main_hello();
	assert(m.b); /* main_hello writes a whole record */
	size_t need;
	static const struct {
		size_t off;
		uint8_t v;
	} pokes[] = {
	    {0, 0x17}, /* application data record */
	    {1, 0x02}, /* record major version */
	    {5, 0x02}, /* ServerHello */
	};
	for (size_t i = 0; i < N(pokes); i++) {
		uint8_t keep = m.b[pokes[i].off];
		m.b[pokes[i].off] = pokes[i].v;
		assert_int_equal(parse(m.b, m.len, &need), -EBADMSG);
		assert_int_equal(parse(m.b, pokes[i].off + 1, &need), -EBADMSG);
		m.b[pokes[i].off] = keep;
	}
	assert_int_equal(parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &need), -EBADMSG);
	static const uint8_t empty_rec[] = {0x16, 3, 1, 0, 0, 0x16, 3, 1, 0, 4, 1, 0, 0, 0};
	assert_int_equal(parse(empty_rec, sizeof empty_rec, &need), -EBADMSG);
	static const uint8_t zero_hello[] = {0x16, 3, 1, 0, 4, 1, 0, 0, 0};
	assert_int_equal(parse(zero_hello, sizeof zero_hello, &need), -EBADMSG);
	/* an alert between the fragments */
	struct mb e = main_exts("example.com", 11, NULL, 0);
	struct mb hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
	size_t cuts[1] = {20};
	struct mb two = records(&hs, 0x0301, cuts, 1);
	assert(two.b && two.len > 25); /* two records: the cut is inside the hello */
	struct mb bad = {0};
	mb_bytes(&bad, two.b, 25);
	mb_bytes(&bad, "\x15\x03\x01\x00\x02\x02\x28", 7);
	mb_bytes(&bad, two.b + 25, two.len - 25);
	assert_int_equal(parse(bad.b, bad.len, &need), -EBADMSG);
	mb_free(&bad);
	mb_free(&two);
	mb_free(&hs);
	mb_free(&e);
	mb_free(&m);
}

static void malformed_bodies(void **state)
{
	(void)state;
	struct mb e = main_exts("example.com", 11, ALPN_H2_H11, sizeof ALPN_H2_H11 - 1);
	struct mb hs = hello_msg(0x0303, grease_ciphers, N(grease_ciphers), &e);
	/* offsets in the handshake message */
	size_t sid = 4 + 2 + 32, cs = sid + 1 + 32, ext = cs + 2 + 2 * N(grease_ciphers) + 2;
	static const struct {
		int which;
		uint8_t v;
	} pokes[] = {{0, 33}, {1, 0x0b}, {2, 0xff}};
	for (size_t i = 0; i < N(pokes); i++) {
		struct mb c = {0};
		mb_bytes(&c, hs.b, hs.len);
		size_t at = pokes[i].which == 0 ? sid : pokes[i].which == 1 ? cs + 1 : ext;
		c.b[at] = pokes[i].v;
		struct mb m = records(&c, 0x0301, NULL, 0);
		assert_int_equal(parse(m.b, m.len, NULL), -EBADMSG);
		mb_free(&m);
		mb_free(&c);
	}
	/* an extension whose length runs past the block */
	struct mb c = {0};
	mb_bytes(&c, hs.b, hs.len);
	c.b[ext + 2 + 2] = 0x7f; /* the first extension's length */
	struct mb m = records(&c, 0x0301, NULL, 0);
	assert_int_equal(parse(m.b, m.len, NULL), -EBADMSG);
	mb_free(&m);
	mb_free(&c);
	mb_free(&hs);
	mb_free(&e);

	/* a broken server_name body is ignored, the hello still fingerprinted */
	e = (struct mb){0};
	ext_raw(&e, 0,
	        "\x00\x09\x00\x00\x05"
	        "ab",
	        7);
	static const uint16_t one[] = {0x1301};
	hs = hello_msg(0x0303, one, 1, &e);
	m = records(&hs, 0x0301, NULL, 0);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_string_equal(h.sni, "");
	assert_memory_equal(h.ja4, "t12d010100_", 11);
	assert_string_equal(h.ja3, "771,4865,0,,");
	mb_free(&m);
	mb_free(&hs);
	mb_free(&e);
}

static void version_names(void **state)
{
	(void)state;
	assert_string_equal(yg_tls_version_name(0x0300), "SSLv3");
	assert_string_equal(yg_tls_version_name(0x0301), "TLSv1");
	assert_string_equal(yg_tls_version_name(0x0302), "TLS 1.1");
	assert_string_equal(yg_tls_version_name(0x0303), "TLS 1.2");
	assert_string_equal(yg_tls_version_name(0x0304), "TLS 1.3");
	assert_string_equal(yg_tls_version_name(0x7f1c), "TLS 1.3 draft-28");
	assert_string_equal(yg_tls_version_name(0x7f12), "TLS 1.3 draft-18");
	assert_string_equal(yg_tls_version_name(0x7f40), "UNDETERMINED");
	assert_string_equal(yg_tls_version_name(0x0a0a), "UNDETERMINED");
	assert_true(yg_tls_looks_like_handshake((const uint8_t *)"\x16\x03\x01", 3));
	assert_false(yg_tls_looks_like_handshake((const uint8_t *)"\x16\x03", 2));
	assert_false(yg_tls_looks_like_handshake((const uint8_t *)"\x17\x03\x03", 3));
	assert_false(yg_tls_looks_like_handshake((const uint8_t *)"\x16\x03\x09", 3));
	assert_false(yg_tls_looks_like_handshake(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(main_fields_and_grease), cmocka_unit_test(split_everywhere),
	    cmocka_unit_test(split_over_records),     cmocka_unit_test(ja4_spec_example),
	    cmocka_unit_test(no_sni_no_extensions),   cmocka_unit_test(sni_forms),
	    cmocka_unit_test(ja4_alpn_rule),          cmocka_unit_test(grease_only_versions),
	    cmocka_unit_test(huge_cipher_list),       cmocka_unit_test(oversized_hello),
	    cmocka_unit_test(not_a_client_hello),     cmocka_unit_test(malformed_bodies),
	    cmocka_unit_test(version_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
