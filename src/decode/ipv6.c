/*
 * IPv6, RFC 8200 (extension headers section 4; AH: RFC 4302; ESP: RFC 4303;
 * mobility: RFC 6275; HIP: RFC 7401; shim6: RFC 5533).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Source Address (16 octets)                   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               Destination Address (16 octets)                 |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension headers with the generic shape (hop-by-hop 0, routing 43,
 * destination options 60, mobility 135, HIP 139, shim6 140):
 *
 *   +---------------+---------------+--------------------------------
 *   |  Next Header  |  Hdr Ext Len  |  (Hdr Ext Len + 1) * 8 octets in all
 *   +---------------+---------------+--------------------------------
 *
 * Fragment (44), 8 octets:
 *
 *   +---------------+---------------+-------------------------+--+-+
 *   |  Next Header  |   Reserved    |      Fragment Offset    |Rs|M|
 *   +---------------+---------------+-------------------------+--+-+
 *   |                         Identification                       |
 *   +---------------+---------------+-------------------------+--+-+
 *
 * AH (51) has the generic shape with (Payload Len + 2) * 4 octets in all.
 * ESP (50) and no-next-header (59) end the walk. At most
 * YG_DECODE_MAX_EXTHDR extension headers are walked. An atomic fragment
 * (offset 0, M clear, RFC 6946) is not a fragment.
 */
#include <string.h>

#include "decode/decode-int.h"

#define IPV6_HLEN 40

void yg_decode_ipv6(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len >= 1 && (p[0] >> 4) != 6) {
		yg_packet_anomaly(pkt, YG_ANOM_IPV6_BAD_VERSION);
		return;
	}
	if (len < IPV6_HLEN) {
		yg_dec_trunc(pkt, YG_ANOM_IPV6_TRUNC);
		return;
	}
	bool partial = pkt->frag;
	uint32_t avail = len - IPV6_HLEN;
	uint32_t wire = avail + yg_dec_cut(pkt);
	uint32_t plen = yg_load_be16(p + 4);
	uint8_t nh = p[6];
	uint32_t dlen = plen;
	if (plen == 0 && avail > 0) {
		/* Segmentation offload; a jumbogram (RFC 2675) has a hop-by-hop header. */
		if (nh != 0)
			yg_packet_anomaly(pkt, YG_ANOM_IPV6_BAD_PLEN);
		dlen = avail;
	} else if (plen > avail) {
		if (plen > wire && !partial)
			yg_packet_anomaly(pkt, YG_ANOM_IPV6_BAD_PLEN);
		dlen = avail;
	}

	pkt->family = 6;
	pkt->ttl = p[7];
	pkt->proto = nh;
	memcpy(pkt->src.b, p + 8, 16);
	memcpy(pkt->dst.b, p + 24, 16);
	pkt->ip_len = IPV6_HLEN + (plen == 0 ? dlen : (plen < wire ? plen : wire));

	const uint8_t *q = p + IPV6_HLEN;
	uint32_t n = dlen;
	for (unsigned i = 0;; i++) {
		uint32_t hl;
		switch (nh) {
		case 0:
		case 43:
		case 60:
		case 135:
		case 139:
		case 140:
		case 51:
			if (i >= YG_DECODE_MAX_EXTHDR) {
				yg_packet_anomaly(pkt, YG_ANOM_IPV6_EXTHDR_TOO_MANY);
				pkt->proto = nh;
				return;
			}
			if (n < 2) {
				yg_dec_trunc(pkt, YG_ANOM_IPV6_EXTHDR_TRUNC);
				return;
			}
			hl = nh == 51 ? ((uint32_t)q[1] + 2) * 4 : ((uint32_t)q[1] + 1) * 8;
			if (hl > n) {
				yg_dec_trunc(pkt, YG_ANOM_IPV6_EXTHDR_TRUNC);
				return;
			}
			nh = q[0];
			q += hl;
			n -= hl;
			break;
		case 44: {
			if (i >= YG_DECODE_MAX_EXTHDR) {
				yg_packet_anomaly(pkt, YG_ANOM_IPV6_EXTHDR_TOO_MANY);
				pkt->proto = nh;
				return;
			}
			if (n < 8) {
				yg_dec_trunc(pkt, YG_ANOM_IPV6_EXTHDR_TRUNC);
				return;
			}
			uint16_t fo = yg_load_be16(q + 2);
			nh = q[0];
			q += 8;
			n -= 8;
			if (fo & 0xfff9) {
				pkt->frag = true;
				yg_packet_anomaly(pkt, YG_ANOM_IPV6_FRAG);
				if (fo & 0xfff8) {
					pkt->proto = nh;
					return;
				}
			}
			break;
		}
		case 50:
		case 59:
			pkt->proto = nh;
			return;
		default:
			yg_decode_l4(pkt, nh, q, n, depth);
			return;
		}
	}
}
