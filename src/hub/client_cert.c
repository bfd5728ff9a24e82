/*
 * The certificate-binding import (client_cert.h) through OpenSSL.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hub/client_cert.h"

int yg_cert_der_fingerprint(const uint8_t *der, size_t len, uint8_t ret[YG_CERT_FP_LEN])
{
	unsigned int n = 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	if (!EVP_Digest(der, len, md, &n, EVP_sha256(), NULL) || n != YG_CERT_FP_LEN)
		return -EIO;
	memcpy(ret, md, YG_CERT_FP_LEN);
	return 0;
}

void yg_cert_fp_hex(const uint8_t fp[YG_CERT_FP_LEN], char ret[YG_CERT_FP_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < YG_CERT_FP_LEN; i++) {
		ret[2 * i] = hex[fp[i] >> 4];
		ret[2 * i + 1] = hex[fp[i] & 15];
	}
	ret[YG_CERT_FP_HEX] = '\0';
}

int yg_cert_fp_normalize(const char *s, char *ret, size_t rn)
{
	size_t n = 0;
	if (!s || rn < YG_CERT_FP_HEX + 1)
		return -EINVAL;
	for (; *s; s++) {
		char c = *s;
		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n >= YG_CERT_FP_HEX)
			return -EINVAL;
		ret[n++] = c;
	}
	ret[n] = '\0';
	return n ? 0 : -EINVAL;
}

/* ASN1_TIME as Unix microseconds; false when OpenSSL cannot read it. */
static bool asn1_us(const ASN1_TIME *t, int64_t *ret)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return false;
	time_t s = timegm(&tm);
	if (s == (time_t)-1)
		return false;
	*ret = (int64_t)s * 1000000;
	return true;
}

static void subject_text(X509 *x, char *dst, size_t n)
{
	dst[0] = '\0';
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
		int k = BIO_read(b, dst, (int)n - 1);
		dst[k > 0 ? k : 0] = '\0';
	}
	BIO_free(b);
}

int yg_cert_pem_read(const char *pem, size_t len, struct yg_cert_info *ret, char *why, size_t wn)
{
	X509 *x = NULL, *extra = NULL;
	BIO *b = NULL;
	uint8_t *der = NULL;
	int r = -EINVAL;
	struct yg_cert_info info = {0};
	if (len > YG_CERT_PEM_MAX) {
		snprintf(why, wn, "larger than %d bytes: not one certificate", YG_CERT_PEM_MAX);
		return -E2BIG;
	}
	b = BIO_new_mem_buf(pem, (int)len);
	if (!b) {
		r = -ENOMEM;
		goto out;
	}
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (!x) {
		snprintf(why, wn,
		         "no readable certificate (a \"-----BEGIN CERTIFICATE-----\" block with "
		         "a DER X.509 certificate in base64)");
		goto out;
	}
	/* What follows may be a private key or nothing; another certificate
	 * makes the file ambiguous. */
	extra = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (extra) {
		snprintf(why, wn,
		         "more than one certificate: give the member's own certificate alone, "
		         "without its chain");
		goto out;
	}
	int n = i2d_X509(x, &der);
	if (n <= 0) {
		snprintf(why, wn, "the certificate cannot be encoded again as DER");
		goto out;
	}
	r = yg_cert_der_fingerprint(der, (size_t)n, info.fp);
	if (r < 0) {
		snprintf(why, wn, "SHA-256 failed");
		goto out;
	}
	if (!asn1_us(X509_get0_notBefore(x), &info.not_before_us) ||
	    !asn1_us(X509_get0_notAfter(x), &info.not_after_us)) {
		snprintf(why, wn, "the certificate's validity dates cannot be read");
		r = -EINVAL;
		goto out;
	}
	yg_cert_fp_hex(info.fp, info.fp_hex);
	subject_text(x, info.subject, sizeof info.subject);
	info.is_ca = X509_check_ca(x) == 1;
	*ret = info;
	r = 0;
out:
	/* The reasons OpenSSL queued are ours to drop: why says what failed. */
	ERR_clear_error();
	OPENSSL_free(der);
	X509_free(extra);
	X509_free(x);
	BIO_free(b);
	return r;
}
