/*
 * GRE, RFC 2784 with the key and sequence number of RFC 2890: IP protocol 47.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |C|R|K|S| Reserved0       | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Checksum (optional)      |       Reserved1 (optional)    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Key (optional)                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Sequence Number (optional)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Followed: version 0 with protocol IPv4 (0x0800), IPv6 (0x86dd),
 * Transparent Ethernet Bridging (0x6558, Ethernet inside), MPLS (0x8847)
 * and ERSPAN (0x88be, 0x22eb: erspan.c). Version 1 is PPTP's enhanced GRE
 * (RFC 2637) carrying PPP: known, not followed. The routing bit of RFC
 * 1701 (source routes after the header) is obsolete: such packets are not
 * followed either. Any other version is GRE_BAD_VERSION. The key (when
 * present) is kept as the tunnel's identifier; the sequence number is
 * read past, not tracked.
 */
#include "decode/decode-int.h"

#define GRE_HLEN  4
#define GRE_C     0x8000
#define GRE_R     0x4000
#define GRE_K     0x2000
#define GRE_S     0x1000
#define GRE_VER   0x0007

#define GRE_TEB       0x6558
#define GRE_ERSPAN12  0x88be
#define GRE_ERSPAN3   0x22eb

void yg_decode_gre(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	struct yg_cur c;
	uint16_t flags, proto;
	yg_cur_init(&c, p, len);
	if (!yg_cur_be16(&c, &flags) || !yg_cur_be16(&c, &proto)) {
		yg_dec_l4_trunc(pkt, YG_ANOM_GRE_TRUNC);
		return;
	}
	switch (flags & GRE_VER) {
	case 0:
		break;
	case 1:
		return; /* PPTP */
	default:
		yg_packet_anomaly(pkt, YG_ANOM_GRE_BAD_VERSION);
		return;
	}
	if (flags & GRE_R)
		return;
	uint32_t key = 0;
	if (((flags & GRE_C) && !yg_cur_skip(&c, 4)) || ((flags & GRE_K) && !yg_cur_be32(&c, &key)) ||
	    ((flags & GRE_S) && !yg_cur_skip(&c, 4))) {
		yg_dec_l4_trunc(pkt, YG_ANOM_GRE_TRUNC);
		return;
	}
	const uint8_t *q = yg_cur_ptr(&c);
	uint32_t n = (uint32_t)yg_cur_left(&c);

	switch (proto) {
	case GRE_ERSPAN12:
	case GRE_ERSPAN3:
		yg_decode_erspan(pkt, proto, (flags & GRE_S) != 0, q, n, depth);
		return;
	case YG_ETHERTYPE_IPV4:
	case YG_ETHERTYPE_IPV6:
	case GRE_TEB:
	case 0x8847:
		break;
	default:
		return; /* WCCP, PPP, NVGRE variants we do not follow: GRE it stays */
	}
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_GRE))
		return;
	if (flags & GRE_K)
		yg_dec_tunnel_id(pkt, key);
	if (proto == GRE_TEB) {
		yg_decode_eth(pkt, q, n, depth + 1);
		return;
	}
	yg_dec_forget_macs(pkt);
	yg_decode_ethertype(pkt, proto, q, n, depth + 1);
}
