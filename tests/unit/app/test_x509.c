/*
 * The server certificate path: a certificate made here with OpenSSL's API
 * (fields chosen to hit Suricata's formats: a serial with its top bit set
 * keeps its leading 00, an organization with a comma stays unescaped, a
 * UTF-8 name, DNS and IP SANs), wrapped in a TLS 1.2 server flight
 * (ServerHello, Certificate, ServerHelloDone) and fed to tls_server.c
 * whole, split over records, and a byte at a time. Expected JA3S/JA4S
 * worked out by hand from the definitions in tls_server.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "app/tls_server.h"
#include "app/x509.h"

struct buf {
	uint8_t *p;
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->n + n);
	assert_non_null(b->p);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put24(struct buf *b, size_t v)
{
	uint8_t x[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	put(b, x, 3);
}

static uint8_t *der;
static int der_len;
static char want_fp[60];

/* A self-signed EC certificate; the DER goes to der/der_len. */
static int setup(void **state)
{
	(void)state;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(k);
	assert_non_null(x);
	X509_set_version(x, 2);
	BIGNUM *bn = NULL;
	BN_hex2bn(&bn, "C7D4288B80E01E25");
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	ASN1_TIME_set_string(X509_getm_notBefore(x), "20180414205527Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), "20500514205527Z");
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"GitHub, Inc.", -1,
	                           -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	                           (const unsigned char *)"\xe6\xab\x93.example", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
	                                        "DNS:a.example,IP:192.0.2.7,DNS:b.example");
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	der = NULL;
	der_len = i2d_X509(x, &der);
	assert_true(der_len > 0);
	unsigned char md[20];
	unsigned mdl = 0;
	X509_digest(x, EVP_sha1(), md, &mdl);
	yg_x509_colon_hex(md, 20, 0, want_fp);
	X509_free(x);
	EVP_PKEY_free(k);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	OPENSSL_free(der);
	return 0;
}

static void fields(void **state)
{
	(void)state;
	struct yg_x509_info c;
	assert_int_equal(yg_x509_parse(der, (size_t)der_len, &c), 0);
	assert_string_equal(c.subject, "C=US, O=GitHub, Inc., CN=\xe6\xab\x93.example");
	assert_string_equal(c.issuerdn, c.subject);
	assert_string_equal(c.serial, "00:C7:D4:28:8B:80:E0:1E:25");
	assert_string_equal(c.fingerprint, want_fp);
	assert_int_equal(strlen(c.fingerprint), 59);
	assert_string_equal(c.notbefore, "2018-04-14T20:55:27");
	assert_string_equal(c.notafter, "2050-05-14T20:55:27");
	assert_int_equal(c.n_san, 3);
	assert_string_equal(c.san[0], "a.example");
	assert_string_equal(c.san[1], "192.0.2.7");
	assert_string_equal(c.san[2], "b.example");
}

static void bad_der(void **state)
{
	(void)state;
	struct yg_x509_info c;
	uint8_t *d = malloc((size_t)der_len + 1);
	memcpy(d, der, (size_t)der_len);
	d[der_len] = 0;
	/* trailing byte, cut short, garbage */
	assert_int_equal(yg_x509_parse(d, (size_t)der_len + 1, &c), -EBADMSG);
	assert_int_equal(yg_x509_parse(d, (size_t)der_len - 1, &c), -EBADMSG);
	assert_int_equal(yg_x509_parse((const uint8_t *)"\x30\x03\x02\x01\x01", 5, &c), -EBADMSG);
	assert_int_equal(yg_x509_parse(d, YG_X509_DER_MAX + 1, &c), -E2BIG);
	free(d);
}

/* Parses are cached (x509.c): a repeat is answered from the cache, and a
 * certificate of the same length that differs in one byte is not taken
 * for it, in either order; a rejected one stays rejected. */
static void cached(void **state)
{
	(void)state;
	struct yg_x509_info a, b, c;
	uint8_t *d = malloc((size_t)der_len);
	memcpy(d, der, (size_t)der_len);
	d[der_len - 1] ^= 0x01; /* in the signature: still well-formed */
	for (int round = 0; round < 3; round++) {
		memset(&a, 0x5a, sizeof a);
		memset(&b, 0x5a, sizeof b);
		assert_int_equal(yg_x509_parse(der, (size_t)der_len, &a), 0);
		assert_int_equal(yg_x509_parse(d, (size_t)der_len, &b), 0);
		assert_string_equal(a.fingerprint, want_fp);
		assert_string_not_equal(b.fingerprint, want_fp);
		assert_string_equal(b.subject, a.subject);
		assert_int_equal(b.n_san, 3);
		assert_string_equal(a.san[2], "b.example");
		assert_int_equal(yg_x509_parse(d, (size_t)der_len - 1, &c), -EBADMSG);
	}
	free(d);
}

/* ServerHello, Certificate (leaf + one more), ServerHelloDone as one
 * handshake stream. */
static struct buf flight(void)
{
	struct buf hs = {0}, sh = {0}, ex = {0}, ce = {0};
	static const uint8_t exts[] = {0xff, 0x01, 0x00, 0x01, 0x00, /* renegotiation_info */
	                               0x00, 0x00, 0x00, 0x00,       /* server_name, empty */
	                               0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2'};
	put(&ex, exts, sizeof exts);
	static const uint8_t head[] = {0x03, 0x03};
	put(&sh, head, 2);
	uint8_t rnd[32] = {0};
	put(&sh, rnd, 32);
	static const uint8_t mid[] = {0x00, 0xc0, 0x2f, 0x00};
	put(&sh, mid, sizeof mid);
	uint8_t el[2] = {0, (uint8_t)ex.n};
	put(&sh, el, 2);
	put(&sh, ex.p, ex.n);
	uint8_t t = 2;
	put(&hs, &t, 1);
	put24(&hs, sh.n);
	put(&hs, sh.p, sh.n);

	put24(&ce, (size_t)der_len);
	put(&ce, der, (size_t)der_len);
	put24(&ce, 3);
	put(&ce, "\x30\x01\x00", 3); /* the second one is never parsed */
	t = 11;
	put(&hs, &t, 1);
	put24(&hs, ce.n + 3);
	put24(&hs, ce.n);
	put(&hs, ce.p, ce.n);
	static const uint8_t done[] = {14, 0, 0, 0};
	put(&hs, done, 4);
	free(sh.p);
	free(ex.p);
	free(ce.p);
	return hs;
}

/* The handshake stream hs cut into records of at most rec bytes. */
static struct buf records(const struct buf *hs, size_t rec)
{
	struct buf r = {0};
	for (size_t o = 0; o < hs->n; o += rec) {
		size_t k = hs->n - o < rec ? hs->n - o : rec;
		uint8_t h[5] = {22, 3, 3, (uint8_t)(k >> 8), (uint8_t)k};
		put(&r, h, 5);
		put(&r, hs->p + o, k);
	}
	return r;
}

static void check_done(const struct yg_tls_server *s, const struct yg_x509_info *c)
{
	assert_true(s->done);
	assert_int_equal(s->error, YG_TLS_SRV_OK);
	assert_true(s->has_hello);
	assert_true(s->has_cert);
	assert_int_equal(s->n_certs, 2);
	assert_int_equal(s->hello.version, 0x0303);
	assert_int_equal(s->hello.cipher, 0xc02f);
	assert_string_equal(s->hello.alpn, "h2");
	assert_string_equal(s->hello.ja3s, "771,49199,65281-0-16");
	assert_string_equal(s->hello.ja3s_hash, "7554747c64df99ef4b45f1b1172df217");
	assert_string_equal(s->hello.ja4s, "t1203h2_c02f_f327236ead93");
	assert_string_equal(c->fingerprint, want_fp);
	assert_null(s->msg);
}

/* Feeds stream bytes as they would arrive, step bytes at a time, keeping
 * what was not consumed (as app_stream.c's buffer does). */
static void feed_in_steps(const struct buf *st, size_t step)
{
	struct yg_tls_server s = {0};
	struct yg_x509_info c;
	struct buf pend = {0};
	for (size_t o = 0; o < st->n && !s.done; o += step) {
		size_t k = st->n - o < step ? st->n - o : step;
		put(&pend, st->p + o, k);
		long used = yg_tls_server_feed(&s, pend.p, pend.n, &c);
		assert_true(used >= 0 && (size_t)used <= pend.n);
		memmove(pend.p, pend.p + used, pend.n - (size_t)used);
		pend.n -= (size_t)used;
	}
	check_done(&s, &c);
	yg_tls_server_release(&s);
	free(pend.p);
}

static void server_flight(void **state)
{
	(void)state;
	struct buf hs = flight();
	size_t recs[] = {16384, 700, 3, 1};
	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		struct buf st = records(&hs, recs[i]);
		feed_in_steps(&st, st.n);
		feed_in_steps(&st, 1);
		feed_in_steps(&st, 97);
		free(st.p);
	}
	free(hs.p);
}

static void server_ends(void **state)
{
	(void)state;
	struct yg_tls_server s = {0};
	struct yg_x509_info c;
	/* ChangeCipherSpec first (a resumed session): over, nothing parsed */
	static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
	assert_int_equal(yg_tls_server_feed(&s, ccs, sizeof ccs, &c), (long)sizeof ccs);
	assert_true(s.done);
	assert_false(s.has_hello);
	/* a record type that is not TLS */
	struct yg_tls_server s2 = {0};
	static const uint8_t junk[] = {'H', 'T', 'T', 'P', '/', '1'};
	assert_int_equal(yg_tls_server_feed(&s2, junk, sizeof junk, &c), 0);
	assert_true(s2.done);
	assert_int_equal(s2.error, YG_TLS_SRV_MALFORMED);
	/* a handshake message over the cap, known from its header */
	struct yg_tls_server s3 = {0};
	static const uint8_t big[] = {22, 3, 3, 0, 4, 11, 0x10, 0, 0};
	assert_int_equal(yg_tls_server_feed(&s3, big, sizeof big, &c), (long)sizeof big);
	assert_int_equal(s3.error, YG_TLS_SRV_TOO_BIG);
	assert_null(s3.msg);
	/* a certificate OpenSSL rejects */
	struct yg_tls_server s4 = {0};
	static const uint8_t bad[] = {22, 3, 3, 0, 17, 11, 0, 0, 9, 0, 0, 6, 0, 0, 3, 0x30, 1, 0,
	                              14, 0, 0, 0};
	assert_int_equal(yg_tls_server_feed(&s4, bad, sizeof bad, &c), (long)sizeof bad);
	assert_int_equal(s4.error, YG_TLS_SRV_BAD_CERT);
	yg_tls_server_release(&s4);
	/* TLS 1.3: done at the ServerHello (the certificate is encrypted) */
	static const uint8_t sh13[] = {22, 3, 3, 0, 50, 2, 0,  0, 46, 3, 3, 0, 0,  0, 0, 0, 0, 0, 0,
	                               0,  0, 0, 0, 0,  0, 0,  0, 0,  0, 0, 0, 0,  0, 0, 0, 0, 0, 0,
	                               0,  0, 0, 0, 0,  0, 19, 1, 0,  0, 6, 0, 43, 0, 2, 3, 4};
	struct yg_tls_server s5 = {0};
	assert_int_equal(yg_tls_server_feed(&s5, sh13, sizeof sh13, &c), (long)sizeof sh13);
	assert_true(s5.done);
	assert_true(s5.has_hello);
	assert_int_equal(s5.hello.version, 0x0304);
	assert_string_equal(s5.hello.ja3s, "771,4865,43");
	assert_string_equal(s5.hello.ja4s, "t130100_1301_b9a491fefe05");
}

/* The client's side: its ClientHello passed over, its Certificate (two
 * certificates) kept whole, over at once; a server's CertificateRequest
 * is noted and does not end its part. */
static void client_side(void **state)
{
	(void)state;
	struct buf hs = {0}, ce = {0};
	static const uint8_t hello[] = {1, 0, 0, 41, 3, 3, [38] = 0, 0, 2, 0xc0, 0x2f, 1, 0};
	put(&hs, hello, sizeof hello);
	put24(&ce, (size_t)der_len);
	put(&ce, der, (size_t)der_len);
	put24(&ce, (size_t)der_len);
	put(&ce, der, (size_t)der_len);
	uint8_t t = 11;
	put(&hs, &t, 1);
	put24(&hs, ce.n + 3);
	put24(&hs, ce.n);
	put(&hs, ce.p, ce.n);
	static const uint8_t cke[] = {16, 0, 0, 2, 1, 4};
	put(&hs, cke, sizeof cke);
	struct buf st = records(&hs, 300);
	struct yg_tls_server s = {.client = true, .keep_chain = true};
	struct yg_x509_info c;
	assert_int_equal(yg_tls_server_feed(&s, st.p, st.n, &c), (long)st.n);
	assert_true(s.done);
	assert_true(s.has_cert);
	assert_int_equal(s.error, YG_TLS_SRV_OK);
	assert_string_equal(c.fingerprint, want_fp);
	const uint8_t *d;
	size_t n;
	for (unsigned i = 0; i < 2; i++) {
		assert_true(yg_tls_server_cert(&s, i, &d, &n));
		assert_int_equal(n, (size_t)der_len);
		assert_memory_equal(d, der, n);
	}
	assert_false(yg_tls_server_cert(&s, 2, &d, &n));
	assert_int_equal(yg_tls_server_held(&s), 2 * (3 + (size_t)der_len));
	yg_tls_server_release(&s);
	assert_int_equal(yg_tls_server_held(&s), 0);
	/* Without keep_chain only the leaf is kept. */
	struct yg_tls_server s2 = {.client = true};
	assert_int_equal(yg_tls_server_feed(&s2, st.p, st.n, &c), (long)st.n);
	assert_true(yg_tls_server_cert(&s2, 0, &d, &n));
	assert_false(yg_tls_server_cert(&s2, 1, &d, &n));
	yg_tls_server_release(&s2);
	/* A server's CertificateRequest before ServerHelloDone. */
	static const uint8_t req[] = {22, 3, 3, 0, 19, 13, 0, 0, 11, 2, 1, 64, 0, 4, 4, 3, 8, 4,
	                              0, 0, 14, 0, 0, 0};
	struct yg_tls_server s3 = {0};
	assert_int_equal(yg_tls_server_feed(&s3, req, sizeof req - 1, &c), 0);
	assert_int_equal(yg_tls_server_feed(&s3, req, sizeof req, &c), (long)sizeof req);
	assert_true(s3.cert_request);
	assert_true(s3.done);
	free(st.p);
	free(hs.p);
	free(ce.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fields),
	    cmocka_unit_test(bad_der),
	    cmocka_unit_test(cached),
	    cmocka_unit_test(server_flight),
	    cmocka_unit_test(server_ends),
	    cmocka_unit_test(client_side),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
