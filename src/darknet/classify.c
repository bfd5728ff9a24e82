/*
 * Classes and fingerprints of telescope packets (see classify.h).
 *
 * Fingerprints, each the rule by which the tool builds its probes:
 *   - Mirai: its scanner (mirai/bot/scanner.c in the published source)
 *     sets the SYN's sequence number to the destination address,
 *     "tcph->seq = iph->daddr"; so do its many forks.
 *   - ZMap: every probe's IP header is made by make_ip_header()
 *     (src/probe_modules/packet.c), which sets "iph->ip_id = htons(54321)".
 *   - Masscan: tcp_create_packet() (src/templ-pkt.c) sets the IP ID to
 *     "ip_them ^ port_them ^ seqno", truncated to the 16-bit field, where
 *     ip_them and port_them are the probe's destination.
 * An unrelated packet matches ZMap's or Masscan's rule by chance once in
 * 65,536 packets, Mirai's once in 2^32; a source's fingerprint is the
 * one most of its packets carry (telescope.c), so chance matches do not
 * stick to it.
 *
 * Checksums are verified only here, on telescope packets: a scanner that
 * builds raw packets with a wrong checksum is worth knowing, and nothing
 * else in the sensor pays for it. A packet captured in part cannot be
 * checked and is not held against its sender.
 */
#include "darknet/classify.h"

#include <string.h>

#include "common/cursor.h"

static const char *const class_names[YG_DN_CLASS__COUNT] = {
    "scan-tcp", "scan-udp", "scan-icmp", "backscatter", "other"};
static const char *const fp_names[YG_DN_FP__COUNT] = {"unknown", "mirai", "zmap", "masscan",
                                                      "research"};
static const char *const anom_names[YG_DN_ANOM__COUNT] = {
    "none", "truncated", "fragment", "bad_checksum", "bad_flags", "other_protocol"};

const char *yg_dn_class_name(unsigned cls)
{
	return cls < YG_DN_CLASS__COUNT ? class_names[cls] : "other";
}

const char *yg_dn_fp_name(unsigned fp)
{
	return fp < YG_DN_FP__COUNT ? fp_names[fp] : "unknown";
}

const char *yg_dn_anom_name(unsigned a)
{
	return a < YG_DN_ANOM__COUNT ? anom_names[a] : "none";
}

const char *yg_dn_proto_name(uint8_t proto)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	default: return "icmp";
	}
}

/* RFC 1071 one's complement sum, not yet folded. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i = 0;
	for (; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		s += (uint32_t)p[i] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * The IP header of pkt inside frame, when the whole datagram was captured
 * and the header holds the decoded addresses (else NULL: not checkable).
 * The decoder keeps no pointer to it: it sits ip_len - payload_len bytes
 * before the payload, which the header itself then confirms.
 */
static const uint8_t *ip_header(const struct yg_packet *pkt, const uint8_t *frame, size_t len)
{
	if (!pkt->payload || pkt->ip_len < pkt->payload_len)
		return NULL;
	size_t back = pkt->ip_len - pkt->payload_len;
	if (pkt->payload < frame || (size_t)(pkt->payload - frame) < back ||
	    (size_t)(pkt->payload - frame) + pkt->payload_len > len)
		return NULL;
	const uint8_t *h = pkt->payload - back;
	if (pkt->family == 4) {
		if (back < 20 || (h[0] >> 4) != 4 || yg_load_be16(h + 2) != pkt->ip_len ||
		    memcmp(h + 12, pkt->src.b, 4) || memcmp(h + 16, pkt->dst.b, 4))
			return NULL;
		return h;
	}
	if (back < 40 || (h[0] >> 4) != 6 || memcmp(h + 8, pkt->src.b, 16) ||
	    memcmp(h + 24, pkt->dst.b, 16) || yg_load_be16(h + 4) + 40u != pkt->ip_len)
		return NULL;
	return h;
}

/* false when a checksum the whole packet lets us check is wrong. */
static bool checksums_ok(const struct yg_packet *pkt, const uint8_t *frame, size_t len)
{
	const uint8_t *h = ip_header(pkt, frame, len);
	if (!h)
		return true;
	const uint8_t *l4;
	size_t l4len;
	uint32_t s = 0;
	if (pkt->family == 4) {
		size_t hl = (size_t)(h[0] & 15) * 4;
		if (hl < 20 || hl > pkt->ip_len)
			return true;
		if (fold(sum16(h, hl, 0)) != 0xffff)
			return false;
		l4 = h + hl;
		l4len = pkt->ip_len - hl;
		if (pkt->proto != 1) {
			s = sum16(h + 12, 8, 0);
			s += pkt->proto;
			s += (uint32_t)l4len;
		}
	} else {
		/* Extension headers stand between: leave those unchecked. */
		if (h[6] != pkt->proto)
			return true;
		l4 = h + 40;
		l4len = pkt->ip_len - 40;
		s = sum16(h + 8, 32, 0);
		s += pkt->proto;
		s += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	}
	if (pkt->proto == 17 && pkt->family == 4 && l4len >= 8 && yg_load_be16(l4 + 6) == 0)
		return true; /* RFC 768: no checksum sent */
	if (pkt->proto != 6 && pkt->proto != 17 && pkt->proto != 1 && pkt->proto != 58)
		return true;
	return fold(sum16(l4, l4len, s)) == 0xffff;
}

/*
 * An ICMP error's quoted header: backscatter when its source is the
 * telescope address the error came to. Fills the victim from the quote.
 */
static bool quoted(const struct yg_packet *pkt, struct yg_dn_info *ret)
{
	struct yg_cur c;
	yg_cur_init(&c, pkt->payload, pkt->payload ? pkt->payload_len : 0);
	const uint8_t *q;
	uint8_t proto;
	size_t hl;
	if (pkt->family == 4) {
		if (!yg_cur_bytes(&c, 20, &q) || (q[0] >> 4) != 4)
			return false;
		hl = (size_t)(q[0] & 15) * 4;
		if (hl < 20 || memcmp(q + 12, pkt->dst.b, 4))
			return false;
		proto = q[9];
		ret->victim_family = 4;
		memset(&ret->victim, 0, sizeof ret->victim);
		memcpy(ret->victim.b, q + 16, 4);
		if (!yg_cur_skip(&c, hl - 20))
			hl = 0; /* options cut: no port */
	} else {
		if (!yg_cur_bytes(&c, 40, &q) || (q[0] >> 4) != 6 || memcmp(q + 8, pkt->dst.b, 16))
			return false;
		proto = q[6];
		ret->victim_family = 6;
		memcpy(ret->victim.b, q + 24, 16);
		hl = 40;
	}
	ret->victim_proto = proto == 6 || proto == 17 ? proto : 1;
	uint16_t sp, dp;
	if (hl && (proto == 6 || proto == 17) && yg_cur_be16(&c, &sp) && yg_cur_be16(&c, &dp)) {
		ret->victim_has_port = true;
		ret->victim_port = dp;
	}
	return true;
}

static void classify_tcp(const struct yg_packet *pkt, struct yg_dn_info *ret)
{
	uint8_t f = pkt->tcp_flags & 0x3f;
	bool syn = f & YG_TCP_SYN, ack = f & YG_TCP_ACK, rst = f & YG_TCP_RST,
	     fin = f & YG_TCP_FIN;
	if (f == 0 || (syn && (fin || rst))) {
		ret->anom = YG_DN_ANOM_BAD_FLAGS;
		return;
	}
	if (syn && !ack) {
		ret->cls = YG_DN_SCAN_TCP;
		uint32_t dst = yg_load_be32(pkt->dst.b);
		if (pkt->family == 4 && pkt->tcp_seq == dst)
			ret->fp = YG_DN_FP_MIRAI;
		else if (pkt->family == 4 && pkt->ip_id == 54321)
			ret->fp = YG_DN_FP_ZMAP;
		else if (pkt->family == 4 &&
		         pkt->ip_id == (uint16_t)((dst ^ pkt->dport ^ pkt->tcp_seq) & 0xffff))
			ret->fp = YG_DN_FP_MASSCAN;
		return;
	}
	if ((syn && ack) || rst) {
		ret->cls = YG_DN_BACKSCATTER;
		ret->victim_proto = 6;
		ret->victim_has_port = true;
		ret->victim_port = pkt->sport;
	}
}

static void classify_icmp(const struct yg_packet *pkt, struct yg_dn_info *ret)
{
	uint8_t t = pkt->icmp_type;
	bool v4 = pkt->proto == 1;
	if (t == (v4 ? 8 : 128)) {
		ret->cls = YG_DN_SCAN_ICMP;
		if (v4 && pkt->ip_id == 54321)
			ret->fp = YG_DN_FP_ZMAP;
		return;
	}
	if (t == (v4 ? 0 : 129)) {
		ret->cls = YG_DN_BACKSCATTER;
		ret->victim_proto = 1;
		return;
	}
	/* Errors: v4 unreachable, source quench, redirect, time exceeded,
	 * parameter problem; v6 types 1-4 (RFC 4443). */
	bool err = v4 ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) : (t >= 1 && t <= 4);
	if (err && quoted(pkt, ret))
		ret->cls = YG_DN_BACKSCATTER;
}

void yg_dn_classify(const struct yg_packet *pkt, const uint8_t *frame, size_t frame_len,
                    struct yg_dn_info *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->cls = YG_DN_OTHER;
	uint8_t p = pkt->proto;
	ret->proto = p == 6 || p == 17 ? p : 1;
	if (p != 6 && p != 17 && p != 1 && p != 58) {
		ret->anom = YG_DN_ANOM_OTHER_PROTO;
		ret->proto = 0;
		return;
	}
	if (pkt->frag) {
		ret->anom = YG_DN_ANOM_FRAGMENT;
		return;
	}
	if (!pkt->l4_ok) {
		ret->anom = YG_DN_ANOM_TRUNCATED;
		return;
	}
	ret->port = p == 6 || p == 17 ? pkt->dport : pkt->icmp_type;
	if (!checksums_ok(pkt, frame, frame_len)) {
		ret->anom = YG_DN_ANOM_BAD_CHECKSUM;
		return;
	}
	if (p == 6)
		classify_tcp(pkt, ret);
	else if (p == 17)
		ret->cls = YG_DN_SCAN_UDP;
	else
		classify_icmp(pkt, ret);
	if (ret->cls == YG_DN_BACKSCATTER && !ret->victim_family) {
		ret->victim_family = pkt->family;
		ret->victim = pkt->src;
	}
	if (ret->cls != YG_DN_BACKSCATTER) {
		ret->victim_proto = 0;
		ret->victim_has_port = false;
		ret->victim_port = 0;
		ret->victim_family = 0;
	}
}
