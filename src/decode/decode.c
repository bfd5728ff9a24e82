/*
 * The decode entry point: picks the first layer by link type, and the
 * IP-payload dispatch shared by IPv4 and IPv6.
 *
 * Link types (libpcap LINKTYPE_/DLT_ numbers, see
 * https://www.tcpdump.org/linktypes.html):
 *
 *   0 NULL, 108 LOOP     4-byte address family word, then IP   (null.c)
 *   1 ETHERNET           Ethernet II / 802.3                   (eth.c)
 *   113 LINUX_SLL        16-byte cooked header                 (sll.c)
 *   276 LINUX_SLL2       20-byte cooked header                 (sll.c)
 *   101, 12, 14 RAW      IPv4 or IPv6, told apart by the version nibble
 *   228 IPV4, 229 IPV6   IP of one version only
 */
#include <string.h>

#include "decode/decode.h"
#include "decode/decode-int.h"

const char *yg_tunnel_name(unsigned kind)
{
	static const char *const names[YG_TUNNEL__COUNT] = {
	    [YG_TUNNEL_6IN4] = "6in4",     [YG_TUNNEL_TEREDO] = "teredo", [YG_TUNNEL_VXLAN] = "vxlan",
	    [YG_TUNNEL_GRE] = "gre",       [YG_TUNNEL_ERSPAN] = "erspan", [YG_TUNNEL_GTPU] = "gtp-u",
	    [YG_TUNNEL_GENEVE] = "geneve", [YG_TUNNEL_IPIP] = "ipip",
	};
	return kind < YG_TUNNEL__COUNT ? names[kind] : NULL;
}

bool yg_decode_linktype_supported(int linktype)
{
	switch (linktype) {
	case YG_LINK_NULL:
	case YG_LINK_ETHERNET:
	case YG_LINK_RAW:
	case YG_LINK_LOOP:
	case YG_LINK_SLL:
	case YG_LINK_IPV4:
	case YG_LINK_IPV6:
	case YG_LINK_SLL2:
	case YG_LINK_DLT_RAW1:
	case YG_LINK_DLT_RAW2:
		return true;
	default:
		return false;
	}
}

bool yg_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint64_t ts_us,
               struct yg_packet *pkt)
{
	/* Copied from a zero packet rather than memset: GCC turns the memset
	 * into rep stos, which costs more than the rest of a TCP/IPv4 decode. */
	static const struct yg_packet zero;
	*pkt = zero;
	pkt->ts_us = ts_us;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->linktype = linktype;

	if (caplen == 0 || !data) {
		yg_packet_anomaly(pkt, YG_ANOM_PKT_EMPTY);
		return false;
	}

	switch (linktype) {
	case YG_LINK_ETHERNET:
		yg_decode_eth(pkt, data, caplen, 0);
		break;
	case YG_LINK_RAW:
	case YG_LINK_DLT_RAW1:
	case YG_LINK_DLT_RAW2:
		yg_decode_ip_guess(pkt, data, caplen, 0);
		break;
	case YG_LINK_IPV4:
		yg_decode_ipv4(pkt, data, caplen, 0);
		break;
	case YG_LINK_IPV6:
		yg_decode_ipv6(pkt, data, caplen, 0);
		break;
	case YG_LINK_SLL:
		yg_decode_sll(pkt, data, caplen);
		break;
	case YG_LINK_SLL2:
		yg_decode_sll2(pkt, data, caplen);
		break;
	case YG_LINK_NULL:
	case YG_LINK_LOOP:
		yg_decode_null(pkt, data, caplen);
		break;
	default:
		yg_packet_anomaly(pkt, YG_ANOM_LINKTYPE_UNSUPPORTED);
		break;
	}
	return pkt->family != 0;
}

void yg_decode_ip_guess(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len < 1) {
		yg_dec_trunc(pkt, YG_ANOM_IPV4_TRUNC);
		return;
	}
	switch (p[0] >> 4) {
	case 4:
		yg_decode_ipv4(pkt, p, len, depth);
		break;
	case 6:
		yg_decode_ipv6(pkt, p, len, depth);
		break;
	default:
		yg_packet_anomaly(pkt, YG_ANOM_IPV4_BAD_VERSION);
		break;
	}
}

/*
 * IP protocols that are legitimate but not decoded further: they count
 * as known so that only numbers nobody assigned raise IPPROTO_UNKNOWN.
 */
static bool proto_known(uint8_t proto)
{
	switch (proto) {
	case 0:   /* IPv6 hop-by-hop seen where IPv4 carries it */
	case 2:   /* IGMP */
	case 43:  /* IPv6 routing, when the chain walk stopped */
	case 44:  /* IPv6 fragment, ditto */
	case 46:  /* RSVP */
	case 50:  /* ESP */
	case 51:  /* AH */
	case 59:  /* IPv6 no next header */
	case 60:  /* IPv6 destination options */
	case 88:  /* EIGRP */
	case 89:  /* OSPF */
	case 94:  /* IPIP (old) */
	case 97:  /* EtherIP */
	case 103: /* PIM */
	case 112: /* VRRP */
	case 115: /* L2TPv3 */
	case 132: /* SCTP */
	case 135: /* IPv6 mobility */
	case 136: /* UDP-Lite */
	case 137: /* MPLS in IP */
	case 139: /* HIP */
	case 140: /* shim6 */
	case 143: /* Ethernet (SRv6) */
	case 253: /* experimentation (RFC 3692) */
	case 254:
		return true;
	default:
		return false;
	}
}

void yg_decode_l4(struct yg_packet *pkt, uint8_t proto, const uint8_t *p, uint32_t len,
                  unsigned depth)
{
	pkt->proto = proto;
	switch (proto) {
	case 6:
		yg_decode_tcp(pkt, p, len);
		break;
	case 17:
		yg_decode_udp(pkt, p, len, depth);
		break;
	case 1:
		if (pkt->family == 4)
			yg_decode_icmpv4(pkt, p, len);
		else
			yg_packet_anomaly(pkt, YG_ANOM_IPPROTO_UNKNOWN);
		break;
	case 58:
		if (pkt->family == 6)
			yg_decode_icmpv6(pkt, p, len);
		else
			yg_packet_anomaly(pkt, YG_ANOM_IPPROTO_UNKNOWN);
		break;
	case 41:
		if (pkt->family == 4)
			yg_decode_6in4(pkt, p, len, depth);
		else
			yg_decode_ipip(pkt, proto, p, len, depth);
		break;
	case 4:
		yg_decode_ipip(pkt, proto, p, len, depth);
		break;
	case 47:
		yg_decode_gre(pkt, p, len, depth);
		break;
	default:
		if (!proto_known(proto))
			yg_packet_anomaly(pkt, YG_ANOM_IPPROTO_UNKNOWN);
		break;
	}
}
