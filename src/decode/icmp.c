/*
 * ICMP, RFC 792, and ICMPv6, RFC 4443: both start with the same 8 octets.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     rest of header (identifier/sequence, MTU, pointer, unused)|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     data (for errors: the offending packet's IP header + 8 octets)
 *
 * Every message type has those 8 octets, so fewer is truncation. As flows
 * key on ports, sport carries the type and dport the code. The quoted
 * packet inside an error is payload: it is not decoded here, so the
 * packet's addresses stay those of the ICMP message itself.
 */
#include "decode/decode-int.h"

#define ICMP_HLEN 8

static inline void icmp_fill(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	pkt->icmp_type = p[0];
	pkt->icmp_code = p[1];
	pkt->sport = p[0];
	pkt->dport = p[1];
	pkt->l4_ok = true;
	pkt->payload = p + ICMP_HLEN;
	pkt->payload_len = len - ICMP_HLEN;
}

void yg_decode_icmpv4(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < ICMP_HLEN) {
		yg_dec_l4_trunc(pkt, YG_ANOM_ICMP_TRUNC);
		return;
	}
	icmp_fill(pkt, p, len);
}

void yg_decode_icmpv6(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < ICMP_HLEN) {
		yg_dec_l4_trunc(pkt, YG_ANOM_ICMPV6_TRUNC);
		return;
	}
	icmp_fill(pkt, p, len);
}
