/*
 * ERSPAN: Cisco's mirrored Ethernet frames in GRE (draft-foschiano-erspan,
 * the form Wireshark and Suricata decode).
 *
 * Type I: GRE protocol 0x88be without a sequence number; the mirrored
 * frame follows the GRE header directly.
 *
 * Type II: GRE protocol 0x88be with a sequence number, then 8 octets:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Ver  |          VLAN         | COS | En|T|    Session ID     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Reserved         |                  Index                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   (Ver = 1)
 *
 * Type III: GRE protocol 0x22eb, then 12 octets (and 8 more when O is set):
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                          Timestamp                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Platform specific sub-header (8 octets, if O)          |
 *   (Ver = 2)
 *
 * The session id is kept as the tunnel's identifier. A version other than
 * the one the GRE protocol promises is ERSPAN_BAD_VERSION.
 */
#include "decode/decode-int.h"

#define GRE_ERSPAN3    0x22eb
#define ERSPAN2_HLEN   8
#define ERSPAN3_HLEN   12
#define ERSPAN3_PLAT   8

void yg_decode_erspan(struct yg_packet *pkt, uint16_t gre_proto, bool gre_seq, const uint8_t *p,
                      uint32_t len, unsigned depth)
{
	uint32_t hlen = 0;
	uint16_t session = 0;
	bool has_session = false;
	if (gre_proto == GRE_ERSPAN3 || gre_seq) {
		unsigned want_ver = gre_proto == GRE_ERSPAN3 ? 2 : 1;
		hlen = want_ver == 2 ? ERSPAN3_HLEN : ERSPAN2_HLEN;
		if (len < hlen) {
			yg_dec_l4_trunc(pkt, YG_ANOM_ERSPAN_TRUNC);
			return;
		}
		if ((unsigned)(p[0] >> 4) != want_ver) {
			yg_packet_anomaly(pkt, YG_ANOM_ERSPAN_BAD_VERSION);
			return;
		}
		if (want_ver == 2 && (p[11] & 1)) {
			hlen += ERSPAN3_PLAT;
			if (len < hlen) {
				yg_dec_l4_trunc(pkt, YG_ANOM_ERSPAN_TRUNC);
				return;
			}
		}
		session = yg_load_be16(p + 2) & 0x03ff;
		has_session = true;
	}
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_ERSPAN))
		return;
	if (has_session)
		yg_dec_tunnel_id(pkt, session);
	yg_decode_eth(pkt, p + hlen, len - hlen, depth + 1);
}
