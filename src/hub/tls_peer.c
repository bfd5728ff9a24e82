/*
 * TLS client certificates on libmicrohttpd's GnuTLS sessions (tls_peer.h).
 */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hub/client_cert.h"
#include "hub/tls_peer.h"

void yg_tls_peer_require(void *session)
{
	if (session)
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
}

enum yg_client_cert yg_tls_peer_check(void *session, uint8_t ret_fp[32])
{
	if (!session || gnutls_certificate_type_get(session) != GNUTLS_CRT_X509)
		return YG_CLIENT_CERT_NONE;
	unsigned int n = 0;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
	if (!peers || n == 0 || !peers[0].data || peers[0].size == 0)
		return YG_CLIENT_CERT_NONE;
	/* The fingerprint first: even a refused certificate is named by it
	 * (never logged; the reason alone goes to the client). */
	if (yg_cert_der_fingerprint(peers[0].data, peers[0].size, ret_fp) < 0)
		return YG_CLIENT_CERT_INVALID;
	gnutls_typed_vdata_st purpose = {
	    .type = GNUTLS_DT_KEY_PURPOSE_OID,
	    .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	unsigned int status = 0;
	if (gnutls_certificate_verify_peers(session, &purpose, 1, &status) < 0)
		return YG_CLIENT_CERT_INVALID;
	if (status == 0)
		return YG_CLIENT_CERT_OK;
	/* Another CA's certificate says so first, whatever its dates. */
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA |
	              GNUTLS_CERT_SIGNATURE_FAILURE))
		return YG_CLIENT_CERT_UNTRUSTED;
	if (status & GNUTLS_CERT_EXPIRED)
		return YG_CLIENT_CERT_EXPIRED;
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return YG_CLIENT_CERT_NOT_YET;
	return YG_CLIENT_CERT_INVALID;
}
