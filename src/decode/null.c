/*
 * BSD loopback encapsulation: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108),
 * https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html
 *
 *    0                               4
 *   +-------------------------------+------------------
 *   | address family (32 bits)      | IPv4 / IPv6 packet
 *   +-------------------------------+------------------
 *
 * NULL writes the family in the byte order of the host that captured,
 * which need not be ours, and LOOP in network order; since every family
 * value fits in 16 bits, a word with bits in its upper half was written
 * the other way round (tcpdump does the same). AF_INET is 2 everywhere;
 * AF_INET6 is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly) or
 * 30 (Darwin).
 */
#include "decode/decode-int.h"

void yg_decode_null(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < 4) {
		yg_dec_trunc(pkt, YG_ANOM_NULL_TRUNC);
		return;
	}
	uint32_t af = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	              ((uint32_t)p[3] << 24);
	if (af & 0xffff0000u)
		af = yg_load_be32(p);
	switch (af) {
	case 2:
		yg_decode_ipv4(pkt, p + 4, len - 4, 0);
		break;
	case 24:
	case 28:
	case 30:
		yg_decode_ipv6(pkt, p + 4, len - 4, 0);
		break;
	default:
		yg_packet_anomaly(pkt, YG_ANOM_NULL_UNKNOWN_AF);
		break;
	}
}
