/*
 * Geneve, RFC 8926 section 3.4: Ethernet (or IP) in UDP to port 6081.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Virtual Network Identifier (VNI)       |    Reserved   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Variable-Length Options                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Opt Len counts 4-octet units of options. Each option (section 3.5):
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Option Class         |      Type     |R|R|R| Length  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |       Variable-Option Data (Length * 4 octets)                |
 *
 * The options must fill Opt Len exactly; otherwise, or with a version
 * other than 0, the datagram is not taken as Geneve and stays UDP (so a
 * stray datagram to 6081 costs nothing). Protocol 0x6558 is Ethernet;
 * IPv4 and IPv6 are also followed; any other is
 * GENEVE_UNKNOWN_PAYLOAD. The VNI is kept as the tunnel's identifier.
 */
#include "decode/decode-int.h"

#define GENEVE_HLEN 8
#define GENEVE_TEB  0x6558

/* Whether the options area of olen octets is a whole number of options. */
static bool options_ok(const uint8_t *p, uint32_t olen)
{
	struct yg_cur c;
	yg_cur_init(&c, p, olen);
	while (yg_cur_left(&c)) {
		uint8_t hdr[4];
		if (!yg_cur_copy(&c, hdr, sizeof hdr) || !yg_cur_skip(&c, (size_t)(hdr[3] & 0x1f) * 4))
			return false;
	}
	return true;
}

bool yg_decode_geneve(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len < GENEVE_HLEN || (p[0] >> 6) != 0)
		return false;
	uint32_t olen = (uint32_t)(p[0] & 0x3f) * 4;
	if (len < GENEVE_HLEN + olen) {
		yg_dec_l4_trunc(pkt, YG_ANOM_GENEVE_TRUNC);
		return true;
	}
	if (!options_ok(p + GENEVE_HLEN, olen))
		return false;
	uint16_t proto = yg_load_be16(p + 2);
	uint32_t vni = yg_load_be32(p + 4) >> 8;
	if (proto != GENEVE_TEB && proto != YG_ETHERTYPE_IPV4 && proto != YG_ETHERTYPE_IPV6) {
		yg_packet_anomaly(pkt, YG_ANOM_GENEVE_UNKNOWN_PAYLOAD);
		return true;
	}
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_GENEVE))
		return true;
	yg_dec_tunnel_id(pkt, vni);
	const uint8_t *q = p + GENEVE_HLEN + olen;
	uint32_t n = len - GENEVE_HLEN - olen;
	if (proto == GENEVE_TEB) {
		yg_decode_eth(pkt, q, n, depth + 1);
	} else {
		yg_dec_forget_macs(pkt);
		yg_decode_ethertype(pkt, proto, q, n, depth + 1);
	}
	return true;
}
