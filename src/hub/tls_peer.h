/*
 * TLS client certificates at the hub's server (issue 21), on the GnuTLS
 * session libmicrohttpd runs (MHD_CONNECTION_INFO_GNUTLS_SESSION).
 *
 * libmicrohttpd asks every TLS client for a certificate once it is given
 * a trust list (MHD_OPTION_HTTPS_MEM_TRUST: the --tls-client-ca file), but
 * GnuTLS on a server checks nothing by itself: the handshake succeeds with
 * any certificate or none. So each request verifies the peer here, against
 * that same trust list, with the validity dates at the time of the request
 * (a certificate that expires under a kept-alive connection stops working)
 * and, when the certificate names its purposes, the TLS client purpose.
 * The verdict and the SHA-256 of the certificate's DER go into the
 * request; the hub maps the fingerprint to a binding (hub.c).
 *
 * Sessions are passed as void * so that callers need no GnuTLS header.
 */
#ifndef YG_HUB_TLS_PEER_H
#define YG_HUB_TLS_PEER_H

#include <stdint.h>

#include "hub/hub.h"

/* Makes the handshake of session fail when the client sends no
 * certificate (--tls-client-required). Called before the handshake. */
void yg_tls_peer_require(void *session);

/* The verdict on the client's certificate of session (NONE when it sent
 * none) and, unless NONE, the SHA-256 of its DER in ret_fp. */
enum yg_client_cert yg_tls_peer_check(void *session, uint8_t ret_fp[32]);

#endif
