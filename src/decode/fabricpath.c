/*
 * Cisco FabricPath (DCE) encapsulation: a frame switched across a
 * FabricPath core carries an outer header of 16 octets, then the host's
 * own Ethernet frame, unchanged.
 *
 *    0             6             12      14          16
 *   +-------------+-------------+-------+-----------+-------------+-------------+------+-----
 *   | outer DA    | outer SA    | 8903  | FTag|TTL  | inner DA    | inner SA    | type | ...
 *   | (switch ids)|             |       | 10b | 6b  |             |             |      |
 *   +-------------+-------------+-------+-----------+-------------+-------------+------+-----
 *
 * The outer addresses name switches (switch id, sub-switch id, port id),
 * not hosts: the inner addresses replace them, so the device inventory
 * sees the hosts. Cisco has published no RFC; the layout is the one
 * Wireshark and Suricata decode (Suricata: ETHERNET_TYPE_DCE, 16-octet
 * header).
 *
 * Walked inside the ethertype loop like a VLAN tag, not by recursion:
 * FabricPath inside FabricPath costs a loop turn, bounded by
 * YG_DECODE_MAX_TAGS.
 */
#include <string.h>

#include "decode/decode-int.h"

/* The rest of the outer header after its ethertype, then the inner MACs. */
#define FP_TAG_REST 2
#define INNER_MACS 12

bool yg_decode_fabricpath(struct yg_packet *pkt, uint16_t *type, const uint8_t **p, uint32_t *len)
{
	const uint8_t *b = *p;
	if (*len < FP_TAG_REST + INNER_MACS + 2) {
		yg_dec_trunc(pkt, YG_ANOM_DCE_TRUNC);
		return false;
	}
	memcpy(pkt->mac_dst, b + FP_TAG_REST, 6);
	memcpy(pkt->mac_src, b + FP_TAG_REST + 6, 6);
	*type = yg_load_be16(b + FP_TAG_REST + INNER_MACS);
	*p = b + FP_TAG_REST + INNER_MACS + 2;
	*len -= FP_TAG_REST + INNER_MACS + 2;
	return true;
}
