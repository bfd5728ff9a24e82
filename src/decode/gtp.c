/*
 * GTP-U, 3GPP TS 29.281 section 5: user-plane IP packets of a mobile
 * core network in UDP to or from port 2152.
 *
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-----+-+-+-+-+-+---------------+-------------------------------+
 *   | Ver |P|R|E|S|N| Message Type  |            Length             |
 *   +-----+-+-+-+-+-+---------------+-------------------------------+
 *   |               Tunnel Endpoint Identifier (TEID)               |
 *   +-------------------------------+---------------+---------------+
 *   | Sequence Number (if E|S|N)    | N-PDU (if ...) | Next Ext Type |
 *   +-------------------------------+---------------+---------------+
 *
 * Each extension header (section 5.2) is a length octet counting 4-octet
 * units, its contents, and the type of the next one in its last octet;
 * type 0 ends the chain. At most YG_GTP_MAX_EXT are walked.
 *
 * Taken as GTP-U: version 1 with the protocol type bit set (version 0 or
 * GTP' is not GTP-U; such datagrams stay plain UDP). Only the G-PDU (type
 * 255) carries a user packet, IPv4 or IPv6 by its version nibble; echo,
 * error indication and end marker are GTP-U without an inner packet.
 * The Length counts the octets after the first 8 and bounds the inner
 * packet. The TEID is kept as the tunnel's identifier.
 */
#include "decode/decode-int.h"

#define GTP_HLEN     8
#define GTP_OPT_LEN  4
#define GTP_E        0x04
#define GTP_S        0x02
#define GTP_PN       0x01
#define GTP_GPDU     0xff
#define YG_GTP_MAX_EXT 8

bool yg_decode_gtpu(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len < GTP_HLEN || (p[0] >> 5) != 1 || !(p[0] & 0x10))
		return false;
	uint8_t flags = p[0];
	uint8_t type = p[1];
	uint32_t glen = yg_load_be16(p + 2);
	uint32_t teid = yg_load_be32(p + 4);
	/* The message may go on past a cut capture or a first fragment. */
	uint32_t n = len - GTP_HLEN;
	if (glen < n)
		n = glen;
	else if (glen > n && !pkt->frag && glen > n + yg_dec_cut(pkt)) {
		yg_packet_anomaly(pkt, YG_ANOM_GTPU_BAD);
		return true;
	}
	struct yg_cur c;
	yg_cur_init(&c, p + GTP_HLEN, n);
	if (flags & (GTP_E | GTP_S | GTP_PN)) {
		uint8_t next = 0;
		if (!yg_cur_skip(&c, 3) || !yg_cur_u8(&c, &next))
			goto trunc;
		if (flags & GTP_E) {
			for (unsigned i = 0; next; i++) {
				uint8_t units;
				if (i >= YG_GTP_MAX_EXT) {
					yg_packet_anomaly(pkt, YG_ANOM_GTPU_BAD);
					return true;
				}
				if (!yg_cur_u8(&c, &units))
					goto trunc;
				if (units == 0) {
					yg_packet_anomaly(pkt, YG_ANOM_GTPU_BAD);
					return true;
				}
				/* units * 4 octets in all: the length octet, the
				 * contents, then the next type. */
				if (!yg_cur_skip(&c, (size_t)units * 4 - 2) || !yg_cur_u8(&c, &next))
					goto trunc;
			}
		}
	}
	if (type != GTP_GPDU)
		return true;
	const uint8_t *q = yg_cur_ptr(&c);
	uint32_t m = (uint32_t)yg_cur_left(&c);
	if (m == 0)
		goto trunc;
	if ((q[0] >> 4) != 4 && (q[0] >> 4) != 6) {
		yg_packet_anomaly(pkt, YG_ANOM_GTPU_BAD);
		return true;
	}
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_GTPU))
		return true;
	yg_dec_tunnel_id(pkt, teid);
	yg_dec_forget_macs(pkt);
	yg_decode_ip_guess(pkt, q, m, depth + 1);
	return true;
trunc:
	yg_dec_l4_trunc(pkt, YG_ANOM_GTPU_TRUNC);
	return true;
}
