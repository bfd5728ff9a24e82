/*
 * The certificate-binding import (issue 21): what `yagura hub admin cert
 * add` reads from a member's PEM file, and the fingerprint both sides
 * agree on.
 *
 * A binding names a certificate by the SHA-256 of its DER encoding, the
 * bytes the client sends in its TLS handshake, so the hub finds the
 * binding of a connection by hashing what GnuTLS hands it (tls_peer.h)
 * without parsing the certificate again. The PEM file is read through
 * OpenSSL (PEM_read_bio_X509), never a DER parser of our own; the file
 * must hold exactly one certificate, so an admin cannot bind a chain's CA
 * by mistake in place of the member's own certificate. Nothing here logs.
 */
#ifndef YG_HUB_CLIENT_CERT_H
#define YG_HUB_CLIENT_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store_certs.h"

/* A PEM file larger than this is refused: one certificate is a few KiB. */
#define YG_CERT_PEM_MAX (64 * 1024)

struct yg_cert_info {
	uint8_t fp[YG_CERT_FP_LEN];
	char fp_hex[YG_CERT_FP_HEX + 1];
	char subject[YG_CERT_SUBJECT_MAX + 1]; /* RFC 2253, cut at the cap */
	int64_t not_before_us;
	int64_t not_after_us;
	bool is_ca; /* basicConstraints CA:TRUE */
};

/* Reads the one certificate of a PEM text (len bytes, not necessarily
 * NUL-terminated; other PEM blocks such as a private key are ignored).
 * -EINVAL with why (size wn) naming what is wrong: no certificate, a
 * broken one, more than one; -E2BIG past YG_CERT_PEM_MAX; -ENOMEM. */
int yg_cert_pem_read(const char *pem, size_t len, struct yg_cert_info *ret, char *why, size_t wn);

/* SHA-256 of a DER certificate. -EIO when the digest fails. */
int yg_cert_der_fingerprint(const uint8_t *der, size_t len, uint8_t ret[YG_CERT_FP_LEN]);

/* Lower-case hex of a fingerprint. */
void yg_cert_fp_hex(const uint8_t fp[YG_CERT_FP_LEN], char ret[YG_CERT_FP_HEX + 1]);

/* A fingerprint or prefix as admins paste it ("AB:CD:..." from openssl
 * x509 -fingerprint, or plain hex, any case) as the store's lower-case
 * hex in ret (size rn). -EINVAL when it is not hex or longer than 64
 * digits. */
int yg_cert_fp_normalize(const char *s, char *ret, size_t rn);

#endif
