/*
 * X.509 certificate fields for EVE (RFC 5280 section 4.1), through
 * OpenSSL: d2i_X509 reads the DER, X509_NAME_print_ex writes the names.
 *
 * Decisions:
 *  - Names use ", " between RDNs and " + " inside one, short attribute
 *    names, no RFC 2253 escaping of ',' or '+': the form Suricata writes
 *    ("O=GitHub, Inc."), which SIEM rules compare against verbatim.
 *  - The serial is the INTEGER's content octets as they are encoded (a
 *    leading 00 of a positive serial whose top bit is set stays), as
 *    Suricata prints them; OpenSSL's ASN1_INTEGER keeps only the magnitude,
 *    so the octets are taken from its re-encoding.
 *  - The fingerprint is SHA-1 over the DER bytes as they came: the value
 *    public SSL blacklists (abuse.ch SSLBL) list.
 *  - Times are converted with ASN1_TIME_to_tm, which reads both UTCTime
 *    and GeneralizedTime.
 *  - Certificates are decoded in a library context that holds only
 *    OpenSSL's "null" provider. d2i_X509 in the default context also
 *    decodes the public key through the provider decoders, which cost
 *    nine tenths of the parse (about 550 us of 600 on a loaded bench
 *    machine, half the sensor's time on the real-traffic bench mix);
 *    none of the fields written here needs the key. Where the null
 *    provider cannot be loaded, the default context is used.
 *  - SHA-1 is fetched once: EVP_sha1() fetches it again, under the
 *    provider store's lock, at every digest.
 */
#include "app/x509.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

void yg_x509_colon_hex(const uint8_t *p, size_t n, int upper, char *out)
{
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 0xf];
	}
	out[o] = '\0';
}

/* Ends s at len, or before a UTF-8 sequence that len would cut in two. */
static void cut_utf8(char *s, size_t len)
{
	size_t i = len;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
		if (len - (i - 1) < want)
			len = i - 1;
	}
	s[len] = '\0';
}

static int print_name(const X509_NAME *name, char *out, size_t cap)
{
	static const unsigned long base = XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
	                                  ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_DUMP_UNKNOWN |
	                                  ASN1_STRFLGS_DUMP_DER;
	out[0] = '\0';
	if (!name)
		return 0;
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return -ENOMEM;
	/* UTF-8 first; a string OpenSSL cannot convert makes the print fail,
	 * and then every byte above 0x7f is escaped instead. */
	int n = X509_NAME_print_ex(b, name, 0, base | ASN1_STRFLGS_UTF8_CONVERT);
	if (n < 0) {
		(void)BIO_reset(b);
		n = X509_NAME_print_ex(b, name, 0, base | ASN1_STRFLGS_ESC_MSB);
	}
	if (n >= 0) {
		char *p;
		long len = BIO_get_mem_data(b, &p);
		size_t k = len > 0 ? (size_t)len : 0;
		if (k > cap - 1)
			k = cap - 1;
		memcpy(out, p, k);
		cut_utf8(out, k);
		/* A NUL inside a name would end the C string early: OpenSSL's
		 * ESC_CTRL already wrote it as \00. */
	}
	BIO_free(b);
	return 0;
}

static void put_time(const ASN1_TIME *t, char out[20])
{
	struct tm tm;
	out[0] = '\0';
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return;
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return;
	strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm);
}

static int put_serial(const X509 *x, char *out, size_t cap)
{
	out[0] = '\0';
	const ASN1_INTEGER *s = X509_get0_serialNumber(x);
	unsigned char *der = NULL;
	int n = s ? i2d_ASN1_INTEGER(s, &der) : 0;
	if (n < 0)
		return -ENOMEM;
	if (n < 2) {
		OPENSSL_free(der);
		return 0;
	}
	/* Skip the tag and the (short or long form) length. */
	size_t off = 2;
	if (der[1] & 0x80)
		off += der[1] & 0x7f;
	if (off < (size_t)n) {
		size_t k = (size_t)n - off;
		if (k > cap / 3)
			k = cap / 3;
		yg_x509_colon_hex(der + off, k, 1, out);
	}
	OPENSSL_free(der);
	return 0;
}

static void put_sans(X509 *x, struct yg_x509_info *ret)
{
	ret->n_san = 0;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (!gens)
		return;
	int n = sk_GENERAL_NAME_num(gens);
	for (int i = 0; i < n && ret->n_san < YG_X509_SAN_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char *o = ret->san[ret->n_san];
		if (g->type == GEN_DNS) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int dl = ASN1_STRING_length(g->d.dNSName);
			size_t k = 0;
			/* IA5String: printable ASCII kept, anything else left out. */
			for (int j = 0; j < dl && k < YG_X509_SAN_LEN - 1; j++)
				if (d[j] >= 0x20 && d[j] < 0x7f)
					o[k++] = (char)d[j];
			o[k] = '\0';
			if (k)
				ret->n_san++;
		} else if (g->type == GEN_IPADD) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.iPAddress);
			int dl = ASN1_STRING_length(g->d.iPAddress);
			if (dl == 4) {
				snprintf(o, YG_X509_SAN_LEN, "%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
				ret->n_san++;
			} else if (dl == 16) {
				size_t k = 0;
				for (int j = 0; j < 16; j += 2)
					k += (size_t)snprintf(o + k, YG_X509_SAN_LEN - k, "%s%x",
					                      j ? ":" : "", (d[j] << 8) | d[j + 1]);
				ret->n_san++;
			}
		}
	}
	GENERAL_NAMES_free(gens);
}

/* Process-wide, made once and kept until exit (reachable, so not a
 * leak): the keyless context and the fetched SHA-1. */
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *keyless;
static EVP_MD *sha1;

static void setup(void)
{
	OSSL_LIB_CTX *c = OSSL_LIB_CTX_new();
	if (c && OSSL_PROVIDER_load(c, "null"))
		keyless = c;
	else
		OSSL_LIB_CTX_free(c);
	sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

static int parse_der(const uint8_t *der, size_t len, struct yg_x509_info *ret)
{
	const unsigned char *p = der;
	X509 *x = X509_new_ex(keyless, NULL);
	if (!x)
		return -ENOMEM;
	/* On failure d2i frees x and sets it to NULL. */
	if (!d2i_X509(&x, &p, (long)len)) {
		X509_free(x);
		return -EBADMSG;
	}
	int r = -EBADMSG;
	if ((size_t)(p - der) != len)
		goto out;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	r = -ENOMEM;
	if (!EVP_Digest(der, len, md, &mdlen, sha1 ? sha1 : EVP_sha1(), NULL) || mdlen != 20)
		goto out;
	yg_x509_colon_hex(md, 20, 0, ret->fingerprint);
	r = print_name(X509_get_subject_name(x), ret->subject, sizeof ret->subject);
	if (r < 0)
		goto out;
	r = print_name(X509_get_issuer_name(x), ret->issuerdn, sizeof ret->issuerdn);
	if (r < 0)
		goto out;
	r = put_serial(x, ret->serial, sizeof ret->serial);
	if (r < 0)
		goto out;
	put_time(X509_get0_notBefore(x), ret->notbefore);
	put_time(X509_get0_notAfter(x), ret->notafter);
	put_sans(x, ret);
	r = 0;
out:
	X509_free(x);
	return r;
}

/*
 * Parsed certificates, shared by all workers: a network sees the same few
 * server certificates over and over (its own servers, the big clouds), and
 * even a keyless decode costs tens of microseconds of ASN.1 allocations
 * against about one for a copy of the answer. Direct-mapped on a hash of
 * the DER; a hit compares the whole DER, so a hit is never a different
 * certificate. Static storage (about 600 KiB, touched only as slots fill):
 * nothing to free. The lock is taken once per certificate, not per packet.
 */
#define CACHE_SLOTS   64
#define CACHE_DER_MAX 4096 /* bigger certificates are parsed every time */

struct cache_slot {
	uint64_t hash;
	uint32_t len; /* 0: empty */
	int rc;       /* what parse_der returned: 0 or -EBADMSG */
	uint8_t der[CACHE_DER_MAX];
	struct yg_x509_info info;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_slot cache[CACHE_SLOTS];

int yg_x509_parse(const uint8_t *der, size_t len, struct yg_x509_info *ret)
{
	if (!der || !ret)
		return -EINVAL;
	if (len > YG_X509_DER_MAX)
		return -E2BIG;
	pthread_once(&setup_once, setup);
	if (len == 0 || len > CACHE_DER_MAX)
		return parse_der(der, len, ret);
	uint64_t h = yg_hash64(der, len, 0x7835303963616368ull);
	struct cache_slot *e = &cache[h % CACHE_SLOTS];
	pthread_mutex_lock(&cache_lock);
	if (e->len == len && e->hash == h && memcmp(e->der, der, len) == 0) {
		int rc = e->rc;
		if (rc == 0)
			*ret = e->info;
		pthread_mutex_unlock(&cache_lock);
		return rc;
	}
	pthread_mutex_unlock(&cache_lock);
	int r = parse_der(der, len, ret);
	if (r != 0 && r != -EBADMSG)
		return r;
	pthread_mutex_lock(&cache_lock);
	e->hash = h;
	e->len = (uint32_t)len;
	e->rc = r;
	memcpy(e->der, der, len);
	if (r == 0)
		e->info = *ret;
	pthread_mutex_unlock(&cache_lock);
	return r;
}
