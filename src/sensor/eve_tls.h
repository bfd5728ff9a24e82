/*
 * The `tls` object of tls and alert events, in Suricata's layout: from the
 * ClientHello `sni`, `version`, `ja3`, `ja4`, `client_alpns`; from the
 * server `ja3s`, `server_alpns` and the leaf certificate's `subject`,
 * `issuerdn`, `serial`, `fingerprint`, `notbefore`, `notafter`,
 * `subjectaltname`. `version` is the server's choice once its hello is
 * seen (what was negotiated), the client's highest offer before.
 *
 * Which fields a tls event has is Suricata's eve `tls.custom` list, by the
 * same names (--eve-tls-custom): by default Suricata 8's `extended` set,
 * which has the client's certificate fields under `client` (subject,
 * issuerdn, fingerprint, serial, notbefore, notafter; TLS <= 1.2, when
 * the client sent one). `certificate` (the server's leaf) and `chain`
 * (every certificate it sent, leaf first) are base64 of the DER, only when
 * asked for; so are `client_certificate` and `client_chain`, written
 * inside `client`. Alerts always carry the extended set.
 */
#ifndef YG_SENSOR_EVE_TLS_H
#define YG_SENSOR_EVE_TLS_H

#include "app/tls.h"
#include "app/tls_server.h"
#include "app/x509.h"
#include "output/jsonw.h"

/* The fields of --eve-tls-custom, by Suricata's names. */
enum {
	YG_TLS_F_VERSION = 1u << 0,      /* "version" */
	YG_TLS_F_SUBJECT = 1u << 1,      /* "subject" */
	YG_TLS_F_ISSUER = 1u << 2,       /* "issuer" (written as issuerdn) */
	YG_TLS_F_SERIAL = 1u << 3,       /* "serial" */
	YG_TLS_F_FINGERPRINT = 1u << 4,  /* "fingerprint" */
	YG_TLS_F_NOTBEFORE = 1u << 5,    /* "not_before" (written as notbefore) */
	YG_TLS_F_NOTAFTER = 1u << 6,     /* "not_after" */
	YG_TLS_F_SNI = 1u << 7,          /* "sni" */
	YG_TLS_F_CERTIFICATE = 1u << 8,  /* "certificate" */
	YG_TLS_F_CHAIN = 1u << 9,        /* "chain" */
	YG_TLS_F_JA3 = 1u << 10,         /* "ja3" */
	YG_TLS_F_JA3S = 1u << 11,        /* "ja3s" */
	YG_TLS_F_JA4 = 1u << 12,         /* "ja4" */
	YG_TLS_F_SAN = 1u << 13,         /* "subjectaltname" */
	YG_TLS_F_CLIENT = 1u << 14,      /* "client" */
	YG_TLS_F_CLIENT_CERT = 1u << 15, /* "client_certificate" */
	YG_TLS_F_CLIENT_CHAIN = 1u << 16, /* "client_chain" */
	YG_TLS_F_CLIENT_ALPNS = 1u << 17, /* "client_alpns" */
	YG_TLS_F_SERVER_ALPNS = 1u << 18, /* "server_alpns" */
};
/* Suricata 8's extended set: everything but the base64 ones. */
#define YG_TLS_F_EXTENDED                                                                        \
	(YG_TLS_F_VERSION | YG_TLS_F_SUBJECT | YG_TLS_F_ISSUER | YG_TLS_F_SERIAL |              \
	 YG_TLS_F_FINGERPRINT | YG_TLS_F_NOTBEFORE | YG_TLS_F_NOTAFTER | YG_TLS_F_SNI |          \
	 YG_TLS_F_JA3 | YG_TLS_F_JA3S | YG_TLS_F_JA4 | YG_TLS_F_SAN | YG_TLS_F_CLIENT |           \
	 YG_TLS_F_CLIENT_ALPNS | YG_TLS_F_SERVER_ALPNS)

/* Parses a comma list of Suricata's names into *ret. Returns 0, or
 * -EINVAL with *ret_bad (a pointer into list) and *ret_len naming the
 * first name that is not one. */
int yg_eve_tls_fields(const char *list, uint32_t *ret, const char **ret_bad, size_t *ret_len);

/* One handshake as far as it was seen; any part may be NULL. */
struct yg_tls_view {
	const struct yg_tls_client_hello *ch;
	const struct yg_tls_server_hello *sh;
	const struct yg_x509_info *cert;
	/* Only in tls events: the client's leaf, and the DER the base64
	 * fields come from. */
	const struct yg_x509_info *client;
	const struct yg_tls_server *srv_certs, *cli_certs;
	uint32_t fields; /* YG_TLS_F_*; 0 is YG_TLS_F_EXTENDED */
};

/* Writes "tls":{...} for v. */
void yg_eve_tls_object(struct yg_jsonw *j, const struct yg_tls_view *v);

#endif
