/*
 * Fuzzes both sides of a TLS handshake: records, handshake messages
 * gathered over records, ServerHello (JA3S/JA4S), CertificateRequest, the
 * leaf certificate handed to OpenSSL (d2i_X509) and formatted for EVE, and
 * the certificates kept for EVE's base64 chain.
 *
 * The input is the server's stream. It is fed whole, then again in two
 * pieces cut where its first byte says (keeping what was not consumed,
 * as app_stream.c's buffer does); both ways must end in the same state
 * and the same certificate fields. Strings must be NUL-terminated in
 * their fields; every certificate kept must lie inside what was kept.
 * Then the same bytes are read as the client's stream (ClientHello passed
 * over, its Certificate kept). Seeds: fuzz/seeds/app.py writes fuzz/corpus/tls_server/
 * (server flights around certificates made with the openssl command).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/tls_server.h"

static struct yg_x509_info c1, c2;

static long run(const uint8_t *p, size_t n, size_t cut, bool client, struct yg_tls_server *s,
                struct yg_x509_info *c)
{
	memset(s, 0, sizeof *s);
	s->client = client;
	s->keep_chain = true;
	size_t off = 0, pend = 0;
	/* Bytes given so far: [0, cut), then all. */
	size_t stops[2] = {cut, n};
	for (int i = 0; i < 2 && !s->done; i++) {
		size_t have = stops[i] - off;
		long used = yg_tls_server_feed(s, p + off, have, c);
		if (used < 0)
			return used;
		if ((size_t)used > have)
			abort();
		off += (size_t)used;
		pend = stops[i] - off;
		if (pend > YG_TLS_RECORD_MAX + 65536u)
			return 0; /* app_stream.c would stop buffering here */
	}
	return (long)off;
}

static void check(const struct yg_x509_info *c)
{
	if (!memchr(c->subject, 0, sizeof c->subject) ||
	    !memchr(c->issuerdn, 0, sizeof c->issuerdn) ||
	    !memchr(c->serial, 0, sizeof c->serial) || strlen(c->fingerprint) != 59 ||
	    !memchr(c->notbefore, 0, sizeof c->notbefore) || c->n_san > YG_X509_SAN_MAX)
		abort();
	for (unsigned i = 0; i < c->n_san; i++)
		if (!memchr(c->san[i], 0, sizeof c->san[i]))
			abort();
}

/* Every certificate kept lies inside the kept bytes, the leaf first. */
static void check_kept(const struct yg_tls_server *s)
{
	const uint8_t *der;
	size_t n, sum = 0;
	unsigned i = 0;
	for (; yg_tls_server_cert(s, i, &der, &n); i++) {
		if (der < s->certs || der + n > s->certs + s->certs_len)
			abort();
		sum += 3 + n;
	}
	if (sum != s->certs_len || (s->has_cert && !s->certs_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_tls_server a, b, cl;
	long ra = run(data, size, size, false, &a, &c1);
	size_t cut = size ? (size_t)data[0] * size / 256 : 0;
	long rb = run(data, size, cut, false, &b, &c2);
	check_kept(&a);
	(void)run(data, size, cut, true, &cl, &c2);
	check_kept(&cl);
	if (cl.has_cert)
		check(&c2);
	yg_tls_server_release(&cl);
	if (ra >= 0 && rb >= 0 && a.done && b.done) {
		if (a.has_cert != b.has_cert || a.has_hello != b.has_hello || a.error != b.error ||
		    a.n_certs != b.n_certs || a.cert_request != b.cert_request ||
		    a.certs_len != b.certs_len || (a.certs_len && memcmp(a.certs, b.certs, a.certs_len)))
			abort();
		if (a.has_hello &&
		    (strcmp(a.hello.ja3s, b.hello.ja3s) || strcmp(a.hello.ja4s, b.hello.ja4s)))
			abort();
		if (a.has_cert && (strcmp(c1.fingerprint, c2.fingerprint) ||
		                   strcmp(c1.subject, c2.subject) || strcmp(c1.serial, c2.serial)))
			abort();
	}
	if (a.has_cert)
		check(&c1);
	if (a.has_hello && (strlen(a.hello.ja3s_hash) != 32 || strlen(a.hello.ja4s) != 25))
		abort();
	yg_tls_server_release(&a);
	yg_tls_server_release(&b);
	return 0;
}
