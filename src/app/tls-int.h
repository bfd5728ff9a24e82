/*
 * Private to src/app: what tls.c hands ja.c. Spans borrow the ClientHello
 * body (the packet, or tls.c's reassembly buffer) and are only valid
 * during the call.
 */
#ifndef YG_APP_TLS_INT_H
#define YG_APP_TLS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "app/tls.h"
#include "app/tls_server.h"
#include "common/span.h"

struct yg_tls_raw {
	uint16_t legacy_version;
	uint16_t version; /* for JA4: highest non-GREASE supported_versions entry, else legacy */
	struct yg_span ciphers; /* cipher_suites body: 2 bytes each */
	struct yg_span exts;    /* extensions block: framing already checked */
	struct yg_span groups;  /* supported_groups list: 2 bytes each */
	struct yg_span formats; /* ec_point_formats list: 1 byte each */
	struct yg_span sigalgs; /* signature_algorithms list: 2 bytes each */
	struct yg_span alpn0;   /* first ALPN protocol name */
	bool has_sni;           /* the server_name extension is present */
};

/* What tls_server.c hands ja.c from a ServerHello. */
struct yg_tls_raw_server {
	uint16_t legacy_version;
	uint16_t version;     /* supported_versions if present, else legacy */
	uint16_t cipher;
	struct yg_span exts;  /* extensions block: framing already checked */
	struct yg_span alpn;  /* the chosen ALPN name, empty if none */
};

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static inline bool yg_tls_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/*
 * Fills ret->ja3, ret->ja3_hash and ret->ja4 from h. Returns 0, or -ENOMEM
 * when OpenSSL could not allocate a digest context.
 */
int yg_tls_fingerprint(const struct yg_tls_raw *h, struct yg_tls_client_hello *ret);

/* Fills ret->ja3s, ret->ja3s_hash and ret->ja4s from h; returns as above. */
int yg_tls_server_fingerprint(const struct yg_tls_raw_server *h, struct yg_tls_server_hello *ret);

#endif
