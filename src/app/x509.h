/*
 * The server certificate of a TLS handshake, read with OpenSSL (d2i_X509)
 * and turned into the text Suricata's EVE writes for it:
 *
 *   subject      "C=US, ST=California, O=GitHub, Inc., CN=www.github.com"
 *   issuerdn     the same for the issuer
 *   serial       "08:3A:84:59:..." the INTEGER's content octets as encoded,
 *                upper-case, a leading 00 kept
 *   fingerprint  "cc:aa:48:..." SHA-1 of the DER, lower-case
 *   notbefore    "2017-03-23T00:00:00" (UTC)
 *   notafter
 *   san[]        subjectAltName DNS names and IP addresses, in order
 *
 * Never a DER parser of our own: every byte of the certificate is read by
 * OpenSSL. Names come out as UTF-8 with control characters escaped
 * (OpenSSL's \XX); a name OpenSSL cannot print as UTF-8 is printed with
 * every non-ASCII byte escaped instead.
 */
#ifndef YG_APP_X509_H
#define YG_APP_X509_H

#include <stddef.h>
#include <stdint.h>

#define YG_X509_DER_MAX  (64u << 10) /* bigger certificates are not parsed (-E2BIG) */
#define YG_X509_NAME_MAX 512         /* subject/issuer text, cut on a character */
#define YG_X509_SAN_MAX  16          /* more names are left out */
#define YG_X509_SAN_LEN  256

struct yg_x509_info {
	char subject[YG_X509_NAME_MAX];
	char issuerdn[YG_X509_NAME_MAX];
	char serial[3 * 32];      /* up to 32 content octets; longer serials are cut */
	char fingerprint[3 * 20]; /* "aa:bb:...", 59 characters and a NUL */
	char notbefore[20];       /* "YYYY-MM-DDTHH:MM:SS"; "" when OpenSSL cannot read it */
	char notafter[20];
	uint8_t n_san;
	char san[YG_X509_SAN_MAX][YG_X509_SAN_LEN];
};

/*
 * Parses one DER certificate der[0..len) (exactly one: trailing bytes are
 * an error). Returns 0 with *ret filled; -EBADMSG when OpenSSL rejects it
 * or bytes follow it; -E2BIG above YG_X509_DER_MAX; -ENOMEM. On failure
 * *ret is unspecified.
 */
int yg_x509_parse(const uint8_t *der, size_t len, struct yg_x509_info *ret);

/* "aa:bb:.." of n bytes into out (3n bytes with the NUL), lower or upper case. */
void yg_x509_colon_hex(const uint8_t *p, size_t n, int upper, char *out);

#endif
