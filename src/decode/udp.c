/*
 * UDP, RFC 768.
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |   Source Port   | Destination Port|
 *   +--------+--------+--------+--------+
 *   |     Length      |    Checksum     |
 *   +--------+--------+--------+--------+
 *   |  data octets ...
 *   +------------------------------------
 *
 * The payload ends at the UDP length. A length shorter than the IP payload
 * is allowed (the surplus is the UDP options area of RFC 9868); one shorter
 * than the header, or longer than what the IP datagram carries on the wire,
 * is UDP_BAD_LEN, and the payload then ends with the IP datagram. Teredo
 * (port 3544 either side) and VXLAN (destination port 4789) are handed to
 * tunnel.c, GTP-U (2152 either side) to gtp.c, Geneve (destination 6081)
 * to geneve.c; anything there that is not well-formed stays plain UDP.
 */
#include "decode/decode-int.h"

#define UDP_HLEN    8
#define TEREDO_PORT 3544
#define VXLAN_PORT  4789
#define GTPU_PORT   2152
#define GENEVE_PORT 6081

void yg_decode_udp(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len < UDP_HLEN) {
		yg_dec_l4_trunc(pkt, YG_ANOM_UDP_TRUNC);
		return;
	}
	uint32_t ulen = yg_load_be16(p + 4);
	uint32_t n = len;
	bool ok = true;
	if (ulen < UDP_HLEN) {
		ok = false;
	} else if (ulen <= len) {
		n = ulen;
	} else if (ulen > len + yg_dec_cut(pkt) && !pkt->frag) {
		ok = false;
	}
	if (!ok)
		yg_packet_anomaly(pkt, YG_ANOM_UDP_BAD_LEN);

	pkt->sport = yg_load_be16(p);
	pkt->dport = yg_load_be16(p + 2);
	pkt->l4_ok = true;
	pkt->payload = p + UDP_HLEN;
	pkt->payload_len = n - UDP_HLEN;
	if (!ok)
		return;
	if (pkt->sport == TEREDO_PORT || pkt->dport == TEREDO_PORT)
		yg_decode_teredo(pkt, p + UDP_HLEN, n - UDP_HLEN, depth);
	else if (pkt->dport == VXLAN_PORT)
		yg_decode_vxlan(pkt, p + UDP_HLEN, n - UDP_HLEN, depth);
	else if (pkt->dport == GTPU_PORT || pkt->sport == GTPU_PORT)
		yg_decode_gtpu(pkt, p + UDP_HLEN, n - UDP_HLEN, depth);
	else if (pkt->dport == GENEVE_PORT)
		yg_decode_geneve(pkt, p + UDP_HLEN, n - UDP_HLEN, depth);
}
