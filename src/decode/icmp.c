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
 * key on ports, sport carries the type and dport the code.
 *
 * The packet an error quotes (ICMP destination unreachable 3, source
 * quench 4, redirect 5, time exceeded 11, parameter problem 12; ICMPv6
 * types 1 to 4) is decoded into pkt->quote for what it names: addresses,
 * protocol and, for TCP and UDP, ports. It is not a flow and does not
 * change the packet's own addresses, which stay those of the ICMP message.
 * A quote too short for its IP header (or, for TCP/UDP with a first
 * fragment's offset of 0, its ports) is *_QUOTE_TRUNC; a quote of another
 * IP version than the ICMP's own is not decoded.
 */
#include <string.h>

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

/* The quoted transport ports, when the quote reaches them. */
static void quote_ports(struct yg_packet *pkt, struct yg_packet_quote *q, const uint8_t *p,
			uint32_t len)
{
	if ((q->proto == 6 || q->proto == 17) && len >= 4) {
		q->sport = yg_load_be16(p);
		q->dport = yg_load_be16(p + 2);
		pkt->quote_l4_whole = len >= (q->proto == 6 ? 20u : 8u);
	}
}

void yg_decode_icmp_quote(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	struct yg_packet_quote q = {0};
	if (pkt->family == 4) {
		if (len < 20 || (p[0] >> 4) != 4 || (uint32_t)(p[0] & 0x0f) * 4 < 20 ||
		    (uint32_t)(p[0] & 0x0f) * 4 > len) {
			if (len < 20 || (p[0] >> 4) == 4)
				yg_dec_l4_trunc(pkt, YG_ANOM_ICMP_QUOTE_TRUNC);
			return;
		}
		uint32_t hl = (uint32_t)(p[0] & 0x0f) * 4;
		q.family = 4;
		q.proto = p[9];
		memcpy(q.src.b, p + 12, 4);
		memcpy(q.dst.b, p + 16, 4);
		if ((yg_load_be16(p + 6) & 0x1fff) == 0)
			quote_ports(pkt, &q, p + hl, len - hl);
	} else {
		if (len < 40 || (p[0] >> 4) != 6) {
			if (len < 40 || len == 0 || (p[0] >> 4) == 6)
				yg_dec_l4_trunc(pkt, YG_ANOM_ICMPV6_QUOTE_TRUNC);
			return;
		}
		q.family = 6;
		q.proto = p[6];
		memcpy(q.src.b, p + 8, 16);
		memcpy(q.dst.b, p + 24, 16);
		quote_ports(pkt, &q, p + 40, len - 40);
	}
	pkt->quote = q;
}

void yg_decode_icmpv4(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < ICMP_HLEN) {
		yg_dec_l4_trunc(pkt, YG_ANOM_ICMP_TRUNC);
		return;
	}
	icmp_fill(pkt, p, len);
	switch (p[0]) {
	case 3: case 4: case 5: case 11: case 12:
		yg_decode_icmp_quote(pkt, p + ICMP_HLEN, len - ICMP_HLEN);
		break;
	default:
		break;
	}
}

void yg_decode_icmpv6(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < ICMP_HLEN) {
		yg_dec_l4_trunc(pkt, YG_ANOM_ICMPV6_TRUNC);
		return;
	}
	icmp_fill(pkt, p, len);
	if (p[0] >= 1 && p[0] <= 4)
		yg_decode_icmp_quote(pkt, p + ICMP_HLEN, len - ICMP_HLEN);
}
