/*
 * The `tls` object of tls and alert events, in Suricata's layout: from the
 * ClientHello `sni`, `version`, `ja3`, `ja4`, `client_alpns`; from the
 * server `ja3s`, `server_alpns` and the leaf certificate's `subject`,
 * `issuerdn`, `serial`, `fingerprint`, `notbefore`, `notafter`,
 * `subjectaltname`. `version` is the server's choice once its hello is
 * seen (what was negotiated), the client's highest offer before.
 */
#ifndef YG_SENSOR_EVE_TLS_H
#define YG_SENSOR_EVE_TLS_H

#include "app/tls.h"
#include "app/tls_server.h"
#include "app/x509.h"
#include "output/jsonw.h"

/* One handshake as far as it was seen; any part may be NULL. */
struct yg_tls_view {
	const struct yg_tls_client_hello *ch;
	const struct yg_tls_server_hello *sh;
	const struct yg_x509_info *cert;
};

/* Writes "tls":{...} for v. */
void yg_eve_tls_object(struct yg_jsonw *j, const struct yg_tls_view *v);

#endif
