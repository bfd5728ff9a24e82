/*
 * Tunnels whose inner packet the sensor follows: after one, the packet's
 * addresses, ports and TTL are the inner ones and pkt->tunnel names the
 * outermost tunnel crossed.
 *
 * 6in4, RFC 4213 section 3.5: an IPv6 packet is the payload of IPv4
 * protocol 41.
 *
 * IP in IP: IPv4 in IPv4 or IPv6 (protocol 4, RFC 2003 and RFC 2473) and
 * IPv6 in IPv6 (protocol 41, RFC 2473). An inner header too short for its
 * version, or of the other version, is IPIP_TRUNC and not followed.
 *
 * Teredo, RFC 4380 section 5.1.1: IPv6 in UDP to or from port 3544, with
 * up to two indicators before it, authentication first:
 *
 *   Authentication indicator            Origin indication
 *   +------+------+-------+-------+     +------+------+---------------+
 *   | 0x00 | 0x01 | ID-len| AU-len|     | 0x00 | 0x00 | origin port   |
 *   +------+------+-------+-------+     +------+------+---------------+
 *   | client identifier (ID-len)  |     | origin IPv4 address         |
 *   | authentication value (AU-len)     +-----------------------------+
 *   | nonce (8)                   |     (port and address obfuscated:
 *   | confirmation (1)            |      XOR 0xffff / 0xffffffff)
 *   +-----------------------------+
 *
 * The IPv6 packet must then fill the UDP payload exactly (40 + payload
 * length), as Suricata also demands: a UDP payload on port 3544 that is
 * not shaped so is plain UDP. Indicators that are cut or not followed by
 * such an IPv6 packet raise TEREDO_BAD.
 *
 * VXLAN, RFC 7348 section 5: Ethernet in UDP to port 4789.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|R|R|R|I|R|R|R|            Reserved                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Only frames with the I flag set (a valid VNI) are taken as VXLAN.
 */
#include "decode/decode-int.h"

#define IPV6_HLEN  40
#define VXLAN_HLEN 8
#define ETH_HLEN   14

void yg_decode_6in4(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_6IN4))
		return;
	yg_dec_forget_macs(pkt);
	yg_decode_ipv6(pkt, p, len, depth + 1);
}

void yg_decode_ipip(struct yg_packet *pkt, uint8_t proto, const uint8_t *p, uint32_t len,
                    unsigned depth)
{
	unsigned want = proto == 4 ? 4 : 6;
	/* Too short or the wrong version: not followed, the outer packet stays. */
	if (len < (want == 4 ? 20u : 40u) || (unsigned)(p[0] >> 4) != want) {
		if (!pkt->frag || pkt->caplen < pkt->wirelen)
			yg_dec_trunc(pkt, YG_ANOM_IPIP_TRUNC);
		return;
	}
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_IPIP))
		return;
	yg_dec_forget_macs(pkt);
	if (want == 4)
		yg_decode_ipv4(pkt, p, len, depth + 1);
	else
		yg_decode_ipv6(pkt, p, len, depth + 1);
}

/* Skips the Teredo indicators; false when one is cut. */
static bool teredo_skip_indicators(struct yg_cur *c, bool *ret_seen)
{
	const uint8_t *b = yg_cur_ptr(c);
	if (yg_cur_left(c) >= 2 && b[0] == 0 && b[1] == 1) {
		uint8_t id_len, au_len;
		*ret_seen = true;
		if (!yg_cur_skip(c, 2) || !yg_cur_u8(c, &id_len) || !yg_cur_u8(c, &au_len) ||
		    !yg_cur_skip(c, (size_t)id_len + au_len + 8 + 1))
			return false;
		b = yg_cur_ptr(c);
	}
	if (yg_cur_left(c) >= 2 && b[0] == 0 && b[1] == 0) {
		*ret_seen = true;
		if (!yg_cur_skip(c, 8))
			return false;
	}
	return true;
}

bool yg_decode_teredo(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	struct yg_cur c;
	bool indicators = false;
	yg_cur_init(&c, p, len);
	if (!teredo_skip_indicators(&c, &indicators))
		goto bad;

	const uint8_t *q = yg_cur_ptr(&c);
	uint32_t n = (uint32_t)yg_cur_left(&c);
	if (n < IPV6_HLEN || (q[0] >> 4) != 6)
		goto bad;
	uint32_t want = IPV6_HLEN + yg_load_be16(q + 4);
	/* A cut capture or a first fragment may hold less than the whole packet. */
	if (want < n || (want > n && !pkt->frag && want > n + yg_dec_cut(pkt)))
		goto bad;
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_TEREDO))
		return false;
	yg_decode_ipv6(pkt, q, n, depth + 1);
	return true;
bad:
	if (indicators)
		yg_packet_anomaly(pkt, YG_ANOM_TEREDO_BAD);
	return false;
}

bool yg_decode_vxlan(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len < VXLAN_HLEN + ETH_HLEN || !(p[0] & 0x08))
		return false;
	if (!yg_dec_tunnel_enter(pkt, depth, YG_TUNNEL_VXLAN))
		return false;
	yg_dec_tunnel_id(pkt, yg_load_be32(p + 4) >> 8);
	yg_decode_eth(pkt, p + VXLAN_HLEN, len - VXLAN_HLEN, depth + 1);
	return true;
}
