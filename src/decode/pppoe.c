/*
 * PPPoE session stage, RFC 2516 section 4 (ethertype 0x8864), carrying
 * PPP, RFC 1661 section 2, whose protocol field names the payload
 * (0x0021 IPv4, 0x0057 IPv6, RFC 1332 / RFC 5072).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  VER  | TYPE  |      CODE     |          SESSION_ID           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |            LENGTH             |   PPP protocol (1 or 2 bytes) |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * LENGTH counts the PPP frame (protocol field included) and bounds it,
 * which trims Ethernet padding. A protocol field with its low bit set in
 * the first byte is the compressed one-byte form (RFC 1661 section 6.5).
 * PPP control protocols (LCP, IPCP, ...) are not IP and not anomalies.
 */
#include "decode/decode-int.h"

#define PPPOE_HLEN 6

void yg_decode_pppoe(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len < PPPOE_HLEN + 1) {
		yg_dec_trunc(pkt, YG_ANOM_PPPOE_TRUNC);
		return;
	}
	uint32_t plen = yg_load_be16(p + 4);
	const uint8_t *q = p + PPPOE_HLEN;
	uint32_t n = len - PPPOE_HLEN;
	if (plen < n)
		n = plen;
	uint16_t proto;
	if (n >= 1 && (q[0] & 1)) {
		proto = q[0];
		q++;
		n--;
	} else if (n >= 2) {
		proto = yg_load_be16(q);
		q += 2;
		n -= 2;
	} else {
		yg_dec_trunc(pkt, YG_ANOM_PPPOE_TRUNC);
		return;
	}
	if (proto == 0x0021)
		yg_decode_ipv4(pkt, q, n, depth);
	else if (proto == 0x0057)
		yg_decode_ipv6(pkt, q, n, depth);
}
