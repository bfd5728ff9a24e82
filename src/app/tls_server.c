/*
 * The server's handshake flight: RFC 5246 sections 6.2.1 (records), 7.4
 * (handshake), 7.4.1.3 (ServerHello), 7.4.2 (Certificate); RFC 8446
 * section 4.1.3 (ServerHello, supported_versions); RFC 7301 (ALPN).
 *
 *   record:     type(1) version(2)=0x03xx length(2) fragment[length]
 *   handshake:  msg_type(1) length(3) body[length]   (may span records,
 *               and one record may hold several)
 *   ServerHello (2):
 *     legacy_version(2) random(32) session_id<0..32> (1-byte length)
 *     cipher_suite(2) compression_method(1)
 *     extensions<0..2^16-1> (2-byte length; absent in old hellos):
 *       type(2) length(2) data[length]
 *         43 supported_versions: selected_version(2)
 *         16 ALPN: list(2) { name(1-byte length) }  (exactly one)
 *   Certificate (11), TLS <= 1.2:
 *     certificate_list<0..2^24-1> (3-byte length):
 *       { cert_data<1..2^24-1> (3-byte length, DER) }   leaf first
 *   CertificateRequest (13): noted, not read
 *   ServerHelloDone (14): empty
 *   Client's side: ClientHello (1) passed over; Certificate (11) as above;
 *   CertificateVerify (15), ClientKeyExchange (16): its part is over
 *
 * Decisions:
 *  - Only whole records are read, so a split record costs the caller one
 *    buffer of at most YG_TLS_RECORD_MAX; handshake messages are read in
 *    place when one record holds them and gathered (one allocation of the
 *    message's size, at most YG_TLS_SRV_MSG_MAX) only when they span.
 *  - The first record that is not a handshake ends the server's part:
 *    after ChangeCipherSpec everything is encrypted, and an alert or
 *    application data means the handshake is over or broken.
 *  - Of the chain only the leaf is parsed (the fields Suricata writes);
 *    the others are counted, and kept as they came for EVE's chain.
 */
#include "app/tls_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app-int.h"
#include "app/tls-int.h"
#include "common/cursor.h"

#define REC_HDR         5
#define HS_HDR          4
#define CT_CCS          20
#define CT_HANDSHAKE    22
#define CT_APPDATA      23
#define HS_SERVER_HELLO 2
#define HS_CLIENT_HELLO 1
#define HS_CERTIFICATE  11
#define HS_CERT_REQUEST 13
#define HS_HELLO_DONE   14

static uint32_t be24(const uint8_t *p)
{
	return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

/* Whether the version makes the rest of the handshake encrypted. */
static bool is_tls13(uint16_t v)
{
	return v == 0x0304 || (v >> 8) == 0x7f || v == 0xfb17 || v == 0xfb1a;
}

int yg_tls_server_hello_parse(const uint8_t *p, size_t len, struct yg_tls_server_hello *ret)
{
	struct yg_tls_raw_server h = {0};
	struct yg_cur c;
	uint8_t sid_len;
	if (!p || !ret)
		return -EINVAL;
	yg_cur_init(&c, p, len);
	if (!yg_cur_be16(&c, &h.legacy_version) || !yg_cur_skip(&c, 32) ||
	    !yg_cur_u8(&c, &sid_len) || sid_len > 32 || !yg_cur_skip(&c, sid_len) ||
	    !yg_cur_be16(&c, &h.cipher) || !yg_cur_skip(&c, 1))
		return -EBADMSG;
	if (yg_cur_left(&c)) {
		uint16_t ext_len;
		if (!yg_cur_be16(&c, &ext_len) || !yg_cur_bytes(&c, ext_len, &h.exts.p))
			return -EBADMSG;
		h.exts.len = ext_len;
	}
	h.version = h.legacy_version;
	ret->alpn[0] = '\0';
	struct yg_cur e;
	yg_cur_init(&e, h.exts.p, h.exts.len);
	while (yg_cur_left(&e)) {
		uint16_t type, elen;
		struct yg_cur d;
		if (!yg_cur_be16(&e, &type) || !yg_cur_be16(&e, &elen) || !yg_cur_sub(&e, elen, &d))
			return -EBADMSG;
		if (type == 43) {
			uint16_t v;
			if (yg_cur_be16(&d, &v))
				h.version = v;
		} else if (type == 16 && !h.alpn.p) {
			/* Read leniently, as in the ClientHello: a broken ALPN
			 * body is left out, its type still counts. */
			uint16_t list;
			uint8_t n;
			const uint8_t *name;
			if (yg_cur_be16(&d, &list) && yg_cur_u8(&d, &n) &&
			    yg_cur_bytes(&d, n, &name)) {
				h.alpn = (struct yg_span){name, n};
				ret->alpn[yg_app_text_put(ret->alpn, sizeof ret->alpn - 1, name, n,
				                          0, NULL)] = '\0';
			}
		}
	}
	ret->legacy_version = h.legacy_version;
	ret->version = h.version;
	ret->cipher = h.cipher;
	return yg_tls_server_fingerprint(&h, ret);
}

static void finish(struct yg_tls_server *s, enum yg_tls_srv_error e)
{
	s->done = true;
	s->error = (uint8_t)e;
}

static void certificate(struct yg_tls_server *s, const uint8_t *p, size_t len,
                        struct yg_x509_info *cert)
{
	struct yg_cur c, l;
	const uint8_t *lp;
	yg_cur_init(&c, p, len);
	if (!yg_cur_bytes(&c, 3, &lp) || !yg_cur_sub(&c, be24(lp), &l) || yg_cur_left(&c)) {
		finish(s, YG_TLS_SRV_MALFORMED);
		return;
	}
	const uint8_t *leaf = NULL, *list = l.p + l.off;
	size_t leaf_len = 0, list_len = yg_cur_left(&l);
	while (yg_cur_left(&l)) {
		const uint8_t *np, *der;
		size_t n;
		if (!yg_cur_bytes(&l, 3, &np) || (n = be24(np)) == 0 ||
		    !yg_cur_bytes(&l, n, &der)) {
			finish(s, YG_TLS_SRV_MALFORMED);
			return;
		}
		if (!leaf) {
			leaf = der;
			leaf_len = n;
		}
		if (s->n_certs < UINT16_MAX)
			s->n_certs++;
	}
	/* The client's part needs nothing after its certificate. */
	if (!leaf) {
		/* An empty list (anonymous, or a client without one). */
		if (s->client)
			finish(s, YG_TLS_SRV_OK);
		return;
	}
	(void)leaf;
	(void)cert;
	/* Kept as it came; the leaf is parsed once the side's part is over
	 * (leaf()), so that a flight split over segments is parsed once. */
	size_t keep = s->keep_chain ? list_len : 3 + leaf_len;
	free(s->certs);
	s->certs_len = 0;
	s->certs = malloc(keep);
	if (!s->certs) {
		finish(s, YG_TLS_SRV_OK);
		return;
	}
	memcpy(s->certs, list, keep);
	s->certs_len = keep;
	if (s->client)
		finish(s, YG_TLS_SRV_OK);
}

/* The side's part is over: its leaf, if one was kept, read by OpenSSL. */
static void leaf(struct yg_tls_server *s, struct yg_x509_info *cert)
{
	const uint8_t *der;
	size_t n;
	if (s->has_cert || !yg_tls_server_cert(s, 0, &der, &n))
		return;
	int r = yg_x509_parse(der, n, cert);
	if (r == 0)
		s->has_cert = true;
	else if (r != -ENOMEM)
		s->error = YG_TLS_SRV_BAD_CERT;
}

bool yg_tls_server_cert(const struct yg_tls_server *s, unsigned i, const uint8_t **ret_der,
                        size_t *ret_len)
{
	size_t off = 0;
	while (s->certs && s->certs_len - off >= 3) {
		size_t n = be24(s->certs + off);
		if (n > s->certs_len - off - 3)
			return false;
		if (i-- == 0) {
			*ret_der = s->certs + off + 3;
			*ret_len = n;
			return true;
		}
		off += 3 + n;
	}
	return false;
}

static void client_message(struct yg_tls_server *s, uint8_t type, const uint8_t *p, size_t len,
                           struct yg_x509_info *cert)
{
	switch (type) {
	case HS_CLIENT_HELLO: /* read by tls.c */
		break;
	case HS_CERTIFICATE:
		certificate(s, p, len, cert);
		break;
	default: /* ClientKeyExchange, CertificateVerify: no certificate came */
		finish(s, YG_TLS_SRV_OK);
		break;
	}
}

static void message(struct yg_tls_server *s, uint8_t type, const uint8_t *p, size_t len,
                    struct yg_x509_info *cert)
{
	if (s->client) {
		client_message(s, type, p, len, cert);
		return;
	}
	switch (type) {
	case HS_SERVER_HELLO:
		if (s->has_hello)
			break; /* a second hello is not followed */
		if (yg_tls_server_hello_parse(p, len, &s->hello) < 0) {
			finish(s, YG_TLS_SRV_MALFORMED);
			break;
		}
		s->has_hello = true;
		if (is_tls13(s->hello.version))
			finish(s, YG_TLS_SRV_OK);
		break;
	case HS_CERTIFICATE:
		if (!s->certs)
			certificate(s, p, len, cert);
		break;
	case HS_CERT_REQUEST:
		s->cert_request = true;
		break;
	case HS_HELLO_DONE:
		finish(s, YG_TLS_SRV_OK);
		break;
	default:
		break;
	}
}

static void drop_msg(struct yg_tls_server *s)
{
	free(s->msg);
	s->msg = NULL;
	s->msg_len = s->msg_want = 0;
	s->hdr_len = 0;
}

/* The handshake bytes of one record. Returns -ENOMEM, else 0. */
static int fragment(struct yg_tls_server *s, const uint8_t *p, size_t n, struct yg_x509_info *cert)
{
	while (n && !s->done) {
		if (s->msg) {
			size_t k = s->msg_want - s->msg_len;
			if (k > n)
				k = n;
			memcpy(s->msg + s->msg_len, p, k);
			s->msg_len += k;
			p += k;
			n -= k;
			if (s->msg_len == s->msg_want) {
				message(s, s->msg[0], s->msg + HS_HDR, s->msg_want - HS_HDR, cert);
				drop_msg(s);
			}
			continue;
		}
		const uint8_t *h = p;
		if (s->hdr_len || n < HS_HDR) {
			size_t k = HS_HDR - s->hdr_len;
			if (k > n)
				k = n;
			memcpy(s->hdr + s->hdr_len, p, k);
			s->hdr_len = (uint8_t)(s->hdr_len + k);
			p += k;
			n -= k;
			if (s->hdr_len < HS_HDR)
				return 0;
			h = s->hdr;
		} else {
			p += HS_HDR;
			n -= HS_HDR;
		}
		size_t body = be24(h + 1);
		if (HS_HDR + body > YG_TLS_SRV_MSG_MAX) {
			finish(s, YG_TLS_SRV_TOO_BIG);
			return 0;
		}
		if (body <= n && !s->hdr_len) {
			/* Common case: the whole message in this record. */
			message(s, h[0], p, body, cert);
			p += body;
			n -= body;
			continue;
		}
		s->msg = malloc(HS_HDR + body);
		if (!s->msg) {
			finish(s, YG_TLS_SRV_OK);
			return -ENOMEM;
		}
		memcpy(s->msg, h, HS_HDR);
		s->msg_len = HS_HDR;
		s->msg_want = HS_HDR + body;
		s->hdr_len = 0;
		if (body == 0) {
			message(s, s->msg[0], s->msg + HS_HDR, 0, cert);
			drop_msg(s);
		}
	}
	return 0;
}

long yg_tls_server_feed(struct yg_tls_server *s, const uint8_t *p, size_t len,
                        struct yg_x509_info *cert)
{
	size_t off = 0;
	if (!s || (!p && len) || !cert)
		return -EINVAL;
	while (!s->done && len - off >= REC_HDR) {
		const uint8_t *r = p + off;
		size_t rlen = yg_load_be16(r + 3);
		if (r[0] < CT_CCS || r[0] > CT_APPDATA || r[1] != 3 ||
		    REC_HDR + rlen > YG_TLS_RECORD_MAX) {
			finish(s, YG_TLS_SRV_MALFORMED);
			break;
		}
		if (len - off < REC_HDR + rlen)
			break;
		off += REC_HDR + rlen;
		if (r[0] != CT_HANDSHAKE) {
			finish(s, YG_TLS_SRV_OK);
			break;
		}
		if (fragment(s, r + REC_HDR, rlen, cert) < 0)
			return -ENOMEM;
	}
	if (s->done && s->msg)
		drop_msg(s);
	if (s->done && s->error == YG_TLS_SRV_OK)
		leaf(s, cert);
	return (long)off;
}

size_t yg_tls_server_held(const struct yg_tls_server *s)
{
	return s ? (s->msg ? s->msg_want : 0) + s->certs_len : 0;
}

void yg_tls_server_release(struct yg_tls_server *s)
{
	if (!s)
		return;
	drop_msg(s);
	free(s->certs);
	s->certs = NULL;
	s->certs_len = 0;
}
