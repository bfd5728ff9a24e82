/*
 * TLS ClientHello parser: RFC 8446 sections 4.1.2 (ClientHello) and 5.1
 * (record layer), RFC 5246 section 7.4.1.2, RFC 6066 section 3 (SNI),
 * RFC 7301 (ALPN), RFC 8422 (supported_groups, ec_point_formats), RFC 8701
 * (GREASE). Fingerprints are in ja.c.
 *
 *   record:     type(1)=22 version(2)=0x03xx length(2) fragment[length]
 *   handshake:  msg_type(1)=1 length(3) body[length]   (may span records)
 *   ClientHello body:
 *     legacy_version(2) random(32) session_id<0..32> (1-byte length)
 *     cipher_suites<2..2^16-2> (2-byte length, 2 bytes each)
 *     compression_methods<1..2^8-1> (1-byte length)
 *     extensions<8..2^16-1> (2-byte length; absent in old hellos):
 *       type(2) length(2) data[length]
 *         0  server_name:  list(2) { name_type(1)=0 host_name(2-byte length) }
 *        16  ALPN:         list(2) { name(1-byte length) }
 *        43  supported_versions: list(1) { version(2) }
 *        10  supported_groups:   list(2) { group(2) }
 *        11  ec_point_formats:   list(1) { format(1) }
 *        13  signature_algorithms: list(2) { scheme(2) }
 *
 * Decisions:
 *  - Records other than handshake between the fragments of the hello, a
 *    record longer than 2^14 + 2048 or empty, or a first handshake message
 *    other than ClientHello: -EBADMSG.
 *  - A handshake length above YG_TLS_HELLO_MAX is -E2BIG as soon as its 4
 *    header bytes are seen, so an oversized hello is never buffered.
 *  - The framing of the hello and of its extension block must be exact;
 *    the inside of a single extension is read leniently: a malformed
 *    server_name or ALPN body is ignored (the type still counts in JA3/JA4)
 *    so that odd clients, malware among them, still get fingerprints.
 *  - SNI and ALPN names are escaped as in app-int.h. An SNI too long for
 *    the field keeps its rightmost labels (domain indicators match on
 *    suffixes); ALPN names are cut to 63 bytes.
 *  - The hello is read straight from the caller's bytes when one record
 *    holds it; only a hello split over records is copied (bounded by
 *    YG_TLS_HELLO_MAX).
 */
#include "app/tls.h"

#include <errno.h>
#include <string.h>

#include "app/app-int.h"
#include "app/tls-int.h"
#include "common/cursor.h"

#define REC_HDR         5
#define HS_HDR          4
#define REC_MAX         (16384 + 2048)
#define CT_HANDSHAKE    22
#define HS_CLIENT_HELLO 1

bool yg_tls_looks_like_handshake(const uint8_t *p, size_t len)
{
	return p && len >= 3 && p[0] == CT_HANDSHAKE && p[1] == 3 && p[2] <= 4;
}

const char *yg_tls_version_name(uint16_t v)
{
	/* Suricata's EVE names, so that SIEM rules written for it still work. */
#define D(n) "TLS 1.3 draft-" #n
	static const char *const drafts[] = {
	    D(0),  D(1),  D(2),  D(3),  D(4),  D(5),  D(6),  D(7),  D(8),  D(9),
	    D(10), D(11), D(12), D(13), D(14), D(15), D(16), D(17), D(18), D(19),
	    D(20), D(21), D(22), D(23), D(24), D(25), D(26), D(27), D(28),
	};
#undef D
	switch (v) {
	case 0x0002:
		return "SSLv2";
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1";
	case 0x0302:
		return "TLS 1.1";
	case 0x0303:
		return "TLS 1.2";
	case 0x0304:
		return "TLS 1.3";
	case 0xfeff:
		return "DTLS 1.0";
	case 0xfefd:
		return "DTLS 1.2";
	case 0xfefc:
		return "DTLS 1.3";
	case 0xfb17:
		return "TLS 1.3 draft-fb23";
	case 0xfb1a:
		return "TLS 1.3 draft-fb26";
	default:
		break;
	}
	if ((v >> 8) == 0x7f && (v & 0xff) < sizeof drafts / sizeof drafts[0])
		return drafts[v & 0xff];
	return "UNDETERMINED";
}

/* SNI into ret->sni; keeps the rightmost labels when it does not fit. */
static void put_sni(char *out, const uint8_t *p, size_t n)
{
	const size_t room = YG_TLS_SNI_MAX - 1;
	while (n && yg_app_text_len(p, n, 0) > room) {
		const uint8_t *dot = memchr(p, '.', n);
		if (!dot || dot == p + n - 1)
			break;
		n -= (size_t)(dot - p) + 1;
		p = dot + 1;
	}
	size_t o = yg_app_text_put(out, room, p, n, 0, NULL);
	out[o] = '\0';
}

static void ext_sni(struct yg_cur c, struct yg_tls_client_hello *ret)
{
	uint16_t list;
	struct yg_cur l;
	if (!yg_cur_be16(&c, &list) || !yg_cur_sub(&c, list, &l))
		return;
	while (yg_cur_left(&l)) {
		uint8_t type;
		uint16_t n;
		const uint8_t *name;
		if (!yg_cur_u8(&l, &type) || !yg_cur_be16(&l, &n) || !yg_cur_bytes(&l, n, &name))
			return;
		if (type == 0) {
			put_sni(ret->sni, name, n);
			return;
		}
	}
}

static void ext_alpn(struct yg_cur c, struct yg_tls_client_hello *ret, struct yg_tls_raw *h)
{
	uint16_t list;
	struct yg_cur l;
	if (!yg_cur_be16(&c, &list) || !yg_cur_sub(&c, list, &l))
		return;
	while (yg_cur_left(&l)) {
		uint8_t n;
		const uint8_t *name;
		if (!yg_cur_u8(&l, &n) || !yg_cur_bytes(&l, n, &name))
			return;
		if (ret->n_alpn == 0 && h->alpn0.p == NULL)
			h->alpn0 = (struct yg_span){name, n};
		if (ret->n_alpn < YG_TLS_ALPN_MAX) {
			char *o = ret->alpn[ret->n_alpn++];
			o[yg_app_text_put(o, sizeof ret->alpn[0] - 1, name, n, 0, NULL)] = '\0';
		}
	}
}

/* A list with a length prefix of w bytes and items of item bytes. */
static bool ext_list(struct yg_cur c, unsigned w, unsigned item, struct yg_span *ret)
{
	uint16_t n16 = 0;
	uint8_t n8 = 0;
	if (w == 2 ? !yg_cur_be16(&c, &n16) : !yg_cur_u8(&c, &n8))
		return false;
	size_t n = w == 2 ? n16 : n8;
	const uint8_t *p;
	if (n % item || !yg_cur_bytes(&c, n, &p))
		return false;
	*ret = (struct yg_span){p, n};
	return true;
}

/* Parses the ClientHello body b[0..n). */
static int parse_hello(const uint8_t *b, size_t n, struct yg_tls_client_hello *ret)
{
	struct yg_tls_raw h = {0};
	struct yg_cur c;
	uint8_t sid_len, comp_len;
	uint16_t cs_len;

	yg_cur_init(&c, b, n);
	if (!yg_cur_be16(&c, &h.legacy_version) || !yg_cur_skip(&c, 32) ||
	    !yg_cur_u8(&c, &sid_len) || sid_len > 32 || !yg_cur_skip(&c, sid_len) ||
	    !yg_cur_be16(&c, &cs_len) || cs_len % 2 || !yg_cur_bytes(&c, cs_len, &h.ciphers.p) ||
	    !yg_cur_u8(&c, &comp_len) || !yg_cur_skip(&c, comp_len))
		return -EBADMSG;
	h.ciphers.len = cs_len;
	if (yg_cur_left(&c)) {
		uint16_t ext_len;
		if (!yg_cur_be16(&c, &ext_len) || !yg_cur_bytes(&c, ext_len, &h.exts.p))
			return -EBADMSG;
		h.exts.len = ext_len;
	}

	ret->sni[0] = '\0';
	ret->n_alpn = 0;
	ret->legacy_version = h.legacy_version;
	h.version = h.legacy_version;
	bool seen_versions = false;
	struct yg_cur e;
	yg_cur_init(&e, h.exts.p, h.exts.len);
	while (yg_cur_left(&e)) {
		uint16_t type, len;
		struct yg_cur d;
		if (!yg_cur_be16(&e, &type) || !yg_cur_be16(&e, &len) || !yg_cur_sub(&e, len, &d))
			return -EBADMSG;
		struct yg_span l;
		switch (type) {
		case 0:
			if (!h.has_sni)
				ext_sni(d, ret);
			h.has_sni = true;
			break;
		case 10:
			if (!h.groups.p)
				ext_list(d, 2, 2, &h.groups);
			break;
		case 11:
			if (!h.formats.p)
				ext_list(d, 1, 1, &h.formats);
			break;
		case 13:
			if (!h.sigalgs.p)
				ext_list(d, 2, 2, &h.sigalgs);
			break;
		case 16:
			if (!h.alpn0.p && ret->n_alpn == 0)
				ext_alpn(d, ret, &h);
			break;
		case 43: {
			bool any = false;
			if (seen_versions || !ext_list(d, 1, 2, &l))
				break;
			seen_versions = true;
			for (size_t i = 0; i < l.len; i += 2) {
				uint16_t v = yg_load_be16(l.p + i);
				if (yg_tls_grease(v) || (any && v <= h.version))
					continue;
				h.version = v;
				any = true;
			}
			break;
		}
		default:
			break;
		}
	}
	ret->version = h.version;
	return yg_tls_fingerprint(&h, ret);
}

/* Checks the record header at p (5 bytes there). */
static bool record(const uint8_t *p, size_t *ret_len)
{
	size_t n = yg_load_be16(p + 3);
	if (p[0] != CT_HANDSHAKE || p[1] != 3 || n == 0 || n > REC_MAX)
		return false;
	*ret_len = n;
	return true;
}

/* Whether the len < 5 bytes at p can start a handshake record. */
static bool record_prefix(const uint8_t *p, size_t len)
{
	return (len < 1 || p[0] == CT_HANDSHAKE) && (len < 2 || p[1] == 3);
}

static int need(size_t *ret_need, size_t n)
{
	if (ret_need)
		*ret_need = n;
	return -EAGAIN;
}

/* Checks the handshake header at p (4 bytes); *ret_len its body length. */
static int hs_header(const uint8_t *p, size_t *ret_len)
{
	if (p[0] != HS_CLIENT_HELLO)
		return -EBADMSG;
	size_t n = ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
	if (n > YG_TLS_HELLO_MAX)
		return -E2BIG;
	*ret_len = n;
	return 0;
}

/* The hello spans records: copy its pieces together. */
static int gather(const uint8_t *p, size_t len, struct yg_tls_client_hello *ret, size_t *ret_need)
{
	uint8_t buf[HS_HDR + YG_TLS_HELLO_MAX];
	size_t got = 0, want = HS_HDR, off = 0;
	bool known = false;

	for (;;) {
		if (len - off < REC_HDR) {
			if (!record_prefix(p + off, len - off))
				return -EBADMSG;
			return need(ret_need, off + REC_HDR + (want - got));
		}
		size_t rlen;
		if (!record(p + off, &rlen))
			return -EBADMSG;
		size_t pay = off + REC_HDR;
		size_t avail = len - pay < rlen ? len - pay : rlen;
		size_t i = 0;
		while (i < avail && got < want) {
			size_t k = avail - i < want - got ? avail - i : want - got;
			memcpy(buf + got, p + pay + i, k);
			got += k;
			i += k;
			if (buf[0] != HS_CLIENT_HELLO)
				return -EBADMSG;
			if (!known && got == HS_HDR) {
				size_t hl;
				int r = hs_header(buf, &hl);
				if (r < 0)
					return r;
				want = HS_HDR + hl;
				known = true;
			}
		}
		if (known && got == want)
			return parse_hello(buf + HS_HDR, want - HS_HDR, ret);
		if (avail < rlen) {
			size_t rest = want - got, in_rec = rlen - avail;
			if (rest <= in_rec)
				return need(ret_need, pay + avail + rest);
			return need(ret_need, pay + rlen + REC_HDR + (rest - in_rec));
		}
		off = pay + rlen;
	}
}

int yg_tls_client_hello_parse(const uint8_t *p, size_t len, struct yg_tls_client_hello *ret,
                              size_t *ret_need)
{
	if ((!p && len) || !ret)
		return -EINVAL;
	if (len < REC_HDR) {
		if (!record_prefix(p, len))
			return -EBADMSG;
		return need(ret_need, REC_HDR + HS_HDR);
	}
	size_t rlen;
	if (!record(p, &rlen))
		return -EBADMSG;
	ret->record_version = yg_load_be16(p + 1);
	/* Common case: the whole hello in the first record, read in place. */
	if (len >= REC_HDR + HS_HDR && rlen >= HS_HDR) {
		size_t hl;
		int r = hs_header(p + REC_HDR, &hl);
		if (r < 0)
			return r;
		if (HS_HDR + hl <= rlen) {
			if (len < REC_HDR + HS_HDR + hl)
				return need(ret_need, REC_HDR + HS_HDR + hl);
			return parse_hello(p + REC_HDR + HS_HDR, hl, ret);
		}
	}
	return gather(p, len, ret, ret_need);
}
