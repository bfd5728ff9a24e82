/*
 * MPLS label stack, RFC 3032 (ethertypes 0x8847 / 0x8848), with the
 * Ethernet pseudowire control word of RFC 4448 section 3.
 *
 * Each label stack entry:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Label                  | TC  |S|      TTL      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * S marks the bottom of the stack. MPLS does not say what it carries: a
 * bottom label 0 (IPv4 explicit null) or 2 (IPv6 explicit null) says it,
 * otherwise the first nibble is guessed as routers and Wireshark do:
 * 4 IPv4, 6 IPv6, 0 a pseudowire control word followed by Ethernet.
 * At most YG_DECODE_MAX_MPLS labels are walked.
 */
#include "decode/decode-int.h"

#define MPLS_LABEL_IPV4_NULL 0
#define MPLS_LABEL_IPV6_NULL 2
#define PW_CW_LEN            4

void yg_decode_mpls(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	uint32_t label = 0;
	for (unsigned i = 0;; i++) {
		if (i >= YG_DECODE_MAX_MPLS) {
			yg_packet_anomaly(pkt, YG_ANOM_MPLS_BAD);
			return;
		}
		if (len < 4) {
			yg_dec_trunc(pkt, YG_ANOM_MPLS_TRUNC);
			return;
		}
		uint32_t e = yg_load_be32(p);
		label = e >> 12;
		p += 4;
		len -= 4;
		if (e & 0x100)
			break;
	}
	if (label == MPLS_LABEL_IPV4_NULL) {
		yg_decode_ipv4(pkt, p, len, depth);
		return;
	}
	if (label == MPLS_LABEL_IPV6_NULL) {
		yg_decode_ipv6(pkt, p, len, depth);
		return;
	}
	if (len < 1) {
		yg_dec_trunc(pkt, YG_ANOM_MPLS_TRUNC);
		return;
	}
	switch (p[0] >> 4) {
	case 4:
		yg_decode_ipv4(pkt, p, len, depth);
		break;
	case 6:
		yg_decode_ipv6(pkt, p, len, depth);
		break;
	case 0:
		if (len < PW_CW_LEN) {
			yg_dec_trunc(pkt, YG_ANOM_MPLS_TRUNC);
			return;
		}
		if (depth + 1 > YG_DECODE_MAX_TUNNEL) {
			yg_packet_anomaly(pkt, YG_ANOM_TUNNEL_TOO_DEEP);
			return;
		}
		yg_decode_eth(pkt, p + PW_CW_LEN, len - PW_CW_LEN, depth + 1);
		break;
	default:
		yg_packet_anomaly(pkt, YG_ANOM_MPLS_BAD);
		break;
	}
}
