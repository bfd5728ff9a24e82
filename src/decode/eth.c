/*
 * Ethernet II (IEEE 802.3, RFC 894 for IP over Ethernet) and the
 * ethertype dispatch every link layer ends in.
 *
 *    0                   6                  12      14
 *   +-------------------+------------------+-------+---------
 *   | destination MAC   | source MAC       | type  | payload
 *   +-------------------+------------------+-------+---------
 *
 * type <= 1500 is an 802.3 length (LLC frames: STP, CDP, ...): not IP, not
 * an anomaly. Tags (802.1Q, 802.1ad, VN-Tag) and FabricPath's outer
 * header (fabricpath.c) are walked in a loop here,
 * bounded by YG_DECODE_MAX_TAGS, so a frame of stacked tags costs no
 * recursion.
 */
#include <string.h>

#include "decode/decode-int.h"

#define ETH_HLEN 14

void yg_decode_eth(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len < ETH_HLEN) {
		yg_dec_trunc(pkt, YG_ANOM_ETH_TRUNC);
		return;
	}
	memcpy(pkt->mac_dst, p, 6);
	memcpy(pkt->mac_src, p + 6, 6);
	pkt->has_mac = true;
	yg_decode_ethertype(pkt, yg_load_be16(p + 12), p + ETH_HLEN, len - ETH_HLEN, depth);
}

/* Ethertypes that are not IP but normal on a LAN: no anomaly for them. */
static bool ethertype_known(uint16_t type)
{
	switch (type) {
	case 0x0806: /* ARP */
	case 0x0842: /* Wake-on-LAN */
	case 0x22f0: /* AVTP */
	case 0x22f3: /* TRILL */
	case 0x6002: /* DEC MOP */
	case 0x8035: /* RARP */
	case 0x809b: /* AppleTalk */
	case 0x80f3: /* AARP */
	case 0x8137: /* IPX */
	case 0x8808: /* Ethernet flow control */
	case 0x8809: /* slow protocols (LACP) */
	case 0x8863: /* PPPoE discovery */
	case 0x886d: /* Intel ANS */
	case 0x8874: /* Broadcom */
	case 0x888e: /* EAPOL */
	case 0x8892: /* PROFINET */
	case 0x889a: /* HyperSCSI */
	case 0x88a2: /* ATA over Ethernet */
	case 0x88a4: /* EtherCAT */
	case 0x88b8: /* GOOSE */
	case 0x88b9: /* GSE */
	case 0x88ba: /* Sampled values */
	case 0x88cc: /* LLDP */
	case 0x88cd: /* SERCOS III */
	case 0x88e1: /* HomePlug */
	case 0x88e3: /* MRP */
	case 0x88e5: /* MACsec */
	case 0x88e7: /* PBB (802.1ah) */
	case 0x88f7: /* PTP */
	case 0x88fb: /* PRP */
	case 0x8902: /* CFM */
	case 0x8906: /* FCoE */
	case 0x8914: /* FIP */
	case 0x8915: /* RoCE */
	case 0x891d: /* TTEthernet */
	case 0x892f: /* HSR */
	case 0x893a: /* IEEE 1905 */
	case 0x9000: /* loopback test */
		return true;
	default:
		return false;
	}
}

/* Past 2 VLAN tags vlan.c has already said so; say it once. */
static void too_many_tags(struct yg_packet *pkt)
{
	if (pkt->vlan_n <= YG_PKT_MAX_VLAN)
		yg_packet_anomaly(pkt, YG_ANOM_VLAN_TOO_MANY);
}

/* A header walked in the loop below: advances past itself, names the next
 * ethertype; false (anomaly recorded) when cut. */
typedef bool (*tag_fn)(struct yg_packet *pkt, uint16_t *type, const uint8_t **p, uint32_t *len);

void yg_decode_ethertype(struct yg_packet *pkt, uint16_t type, const uint8_t *p, uint32_t len,
                         unsigned depth)
{
	for (unsigned tags = 0;; tags++) {
		tag_fn walk;
		switch (type) {
		case YG_ETHERTYPE_IPV4:
			yg_decode_ipv4(pkt, p, len, depth);
			return;
		case YG_ETHERTYPE_IPV6:
			yg_decode_ipv6(pkt, p, len, depth);
			return;
		case 0x8100: /* 802.1Q */
		case 0x88a8: /* 802.1ad service tag */
		case 0x9100: /* pre-standard QinQ */
			walk = yg_decode_vlan_tag;
			break;
		case 0x8926: /* VN-Tag (802.1Qbh) */
			walk = yg_decode_vntag;
			break;
		case 0x8903: /* Cisco FabricPath (DCE) */
			walk = yg_decode_fabricpath;
			break;
		case 0x8864: /* PPPoE session */
			yg_decode_pppoe(pkt, p, len, depth);
			return;
		case 0x8847: /* MPLS unicast */
		case 0x8848: /* MPLS multicast */
			yg_decode_mpls(pkt, p, len, depth);
			return;
		default:
			if (type > 1500 && !ethertype_known(type))
				yg_packet_anomaly(pkt, YG_ANOM_ETHERTYPE_UNKNOWN);
			return;
		}
		if (tags >= YG_DECODE_MAX_TAGS) {
			too_many_tags(pkt);
			return;
		}
		if (!walk(pkt, &type, &p, &len))
			return;
	}
}
