/*
 * TLS ClientHello parser (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2,
 * RFC 6066 SNI, RFC 7301 ALPN) with JA3 and JA4 fingerprints.
 *
 * Input is the client's first bytes on the stream: one or more TLS records
 * carrying a handshake message. A ClientHello split over several records is
 * put back together here (copied only then); one split over TCP segments
 * is handled by the caller buffering and calling again (-EAGAIN).
 *
 * sni and alpn are escaped like DNS names (see dns.h; '.' stays a plain
 * dot): printable, NUL-free, valid UTF-8. An SNI longer than the field
 * keeps its rightmost labels. JA3/JA4 definitions: see ja.c.
 */
#ifndef YG_APP_TLS_H
#define YG_APP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_TLS_HELLO_MAX 16384 /* bigger ClientHellos are rejected (-E2BIG) */
#define YG_TLS_SNI_MAX   256
#define YG_TLS_ALPN_MAX  8
#define YG_TLS_JA3_MAX   2048

struct yg_tls_client_hello {
	uint16_t record_version; /* record layer version */
	uint16_t legacy_version; /* ClientHello.legacy_version */
	uint16_t version; /* highest non-GREASE supported_versions entry, else legacy_version */
	char sni[YG_TLS_SNI_MAX]; /* server_name host_name, "" if absent */
	uint8_t n_alpn;
	char alpn[YG_TLS_ALPN_MAX][64]; /* protocol names in order, truncated to 63 */
	char ja3[YG_TLS_JA3_MAX];       /* "771,4865-4866,0-23-65281,29-23,0"; cut if longer */
	char ja3_hash[33];              /* MD5 of the whole JA3 string, lower-case hex */
	char ja4[40];                   /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */
};

/* Whether these first bytes look like a TLS handshake record (0x16 0x03 x). */
bool yg_tls_looks_like_handshake(const uint8_t *p, size_t len);

/*
 * Parses a ClientHello from the client's first stream bytes. Returns 0 when
 * parsed (ret filled); -EAGAIN when more bytes are needed and
 * *ret_need (when not NULL) is how many bytes in total it needs at least
 * (exact unless the hello is split over records not yet seen); -E2BIG when
 * the ClientHello is larger than YG_TLS_HELLO_MAX (known from its 4-byte
 * header, before the rest arrives); -EBADMSG when malformed or not a
 * ClientHello; -ENOMEM when OpenSSL could not allocate a digest context.
 * Bytes after the ClientHello are ignored. On failure *ret is unspecified.
 * The JA4 prefix is always 't' (TLS over TCP).
 */
int yg_tls_client_hello_parse(const uint8_t *p, size_t len, struct yg_tls_client_hello *ret,
                              size_t *ret_need);

/* Name for a TLS version number ("TLS 1.2", "TLS 1.3", "SSLv3"), or "UNDETERMINED". */
const char *yg_tls_version_name(uint16_t version);

#endif
