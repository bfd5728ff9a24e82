/*
 * The server's side of a TLS handshake (RFC 5246 section 7.4, RFC 8446
 * section 4.1.3): ServerHello with JA3S and JA4S, and the leaf of the
 * Certificate message (x509.h), read from the server's stream of records.
 *
 * The caller hands in the stream bytes it has (a TCP direction put back
 * in order); whole records are consumed, so a record split over segments
 * waits in the caller's buffer (at most YG_TLS_RECORD_MAX). A handshake
 * message split over records is gathered here, bounded by
 * YG_TLS_SRV_MSG_MAX (certificate chains of a few certificates fit).
 *
 * The server's part is over (done) at ServerHelloDone, at the first record
 * that is not a handshake (ChangeCipherSpec of a resumed session, an
 * alert, application data), or right after the ServerHello of TLS 1.3,
 * whose certificate is encrypted. A CertificateRequest on the way is
 * noted (cert_request): the client's flight then carries a certificate.
 *
 * The same reader follows the client's side (client set before the first
 * feed), from its first bytes: its ClientHello is passed over (tls.h reads
 * it), its Certificate (TLS <= 1.2, when the server asked for one) kept as
 * the server's is, and the client's part is over at its Certificate,
 * ClientKeyExchange or first record that is not a handshake.
 *
 * The certificates are kept as they came (DER, leaf first; only the leaf
 * unless keep_chain) until the reader is released: EVE's certificate and
 * chain are their base64.
 *
 * JA3S (Salesforce): "SSLVersion,Cipher,Extensions" in decimal, extension
 *   types in order joined by '-', GREASE left out; the hash is its MD5.
 *     "771,49199,65281-0-11-16-23"
 * JA4S (FoxIO, technical_details/JA4S.md):
 *   t130200_1301_a56c5b993250
 *   ||  | |  |    `- sha256(extension types in order, 4-digit hex joined by
 *   ||  | |  |        ',')[:12], 000000000000 with none
 *   ||  | |  `- the chosen cipher, 4 hex digits
 *   ||  | `- first and last character of the chosen ALPN ("00": none)
 *   ||  `- number of extensions, max 99
 *   |`- version: supported_versions if present, else legacy_version
 *   `- 't' (TLS over TCP)
 */
#ifndef YG_APP_TLS_SERVER_H
#define YG_APP_TLS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/x509.h"

#define YG_TLS_RECORD_MAX  (5u + 16384u + 2048u) /* header and the largest fragment accepted */
#define YG_TLS_SRV_MSG_MAX (64u << 10)           /* a bigger handshake message ends parsing */
#define YG_TLS_JA3S_MAX    512

struct yg_tls_server_hello {
	uint16_t legacy_version;
	uint16_t version; /* supported_versions if present, else legacy_version */
	uint16_t cipher;
	char alpn[64];              /* the chosen protocol, "" if none */
	char ja3s[YG_TLS_JA3S_MAX]; /* cut if longer */
	char ja3s_hash[33];
	char ja4s[32];
};

/* Why the server's part ended without a certificate. */
enum yg_tls_srv_error {
	YG_TLS_SRV_OK = 0,
	YG_TLS_SRV_MALFORMED, /* a record or handshake message that does not parse */
	YG_TLS_SRV_TOO_BIG,   /* a handshake message above YG_TLS_SRV_MSG_MAX */
	YG_TLS_SRV_BAD_CERT,  /* the leaf certificate was rejected by OpenSSL */
};

/* One server direction's state. Embed it, zeroed; release with
 * yg_tls_server_release (frees the gather buffer). */
struct yg_tls_server {
	struct yg_tls_server_hello hello;
	bool client;      /* set by the caller: this reads the client's side */
	bool keep_chain;  /* set by the caller: keep every certificate, not the leaf only */
	bool has_hello;
	bool cert_request; /* the server asked the client for a certificate */
	bool has_cert;    /* the caller's cert was filled */
	bool done;        /* nothing more to read from this direction */
	uint8_t error;    /* enum yg_tls_srv_error, set with done */
	uint16_t n_certs; /* certificates in the chain */
	uint8_t hdr[4];   /* a handshake header split over records */
	uint8_t hdr_len;
	uint8_t *msg;             /* a handshake message being gathered over records */
	size_t msg_len, msg_want; /* bytes held of header + body */
	uint8_t *certs;           /* the certificates kept: 3-byte length + DER each */
	size_t certs_len;
};

/*
 * Reads the records at p[0..len): consumes whole records only and returns
 * the bytes consumed (0 when the first record is not complete yet). Sets
 * s->done (and s->error) when the server's part is over; more bytes are
 * then not read. The leaf certificate is parsed into *cert (s->has_cert)
 * by the call that ends the part; a leaf OpenSSL rejects makes error
 * YG_TLS_SRV_BAD_CERT.
 * Returns -ENOMEM when the gather buffer could not be allocated (s->done
 * is set then).
 */
long yg_tls_server_feed(struct yg_tls_server *s, const uint8_t *p, size_t len,
                        struct yg_x509_info *cert);

/* The i-th certificate kept (0: the leaf), DER; false past the last. */
bool yg_tls_server_cert(const struct yg_tls_server *s, unsigned i, const uint8_t **ret_der,
                        size_t *ret_len);

/* Bytes the reader holds now, gather buffer and certificates (for the
 * caller's memory cap: compare before and after a feed). */
size_t yg_tls_server_held(const struct yg_tls_server *s);

/* Frees the gather buffer and the certificates. */
void yg_tls_server_release(struct yg_tls_server *s);

/* Parses a ServerHello body (after the 4-byte handshake header).
 * Returns 0, -EBADMSG, or -ENOMEM (no digest context). */
int yg_tls_server_hello_parse(const uint8_t *p, size_t len, struct yg_tls_server_hello *ret);

#endif
