/*
 * IEEE 802.1Q VLAN tags, 802.1ad (QinQ) service tags, and the VN-Tag of
 * IEEE 802.1Qbh / Cisco FEX. Called by the ethertype loop in eth.c once the
 * tag's ethertype (0x8100, 0x88a8, 0x9100 / 0x8926) has been read.
 *
 * 802.1Q / 802.1ad, after the TPID:
 *
 *    0       3 4                  16                 32
 *   +-------+-+-------------------+-------------------+
 *   |  PCP  |D|   VLAN id (12)    | next ethertype    |
 *   +-------+-+-------------------+-------------------+
 *
 * VN-Tag, after the TPID 0x8926:
 *
 *    0 1 2             16 17 18  20            32                48
 *   +-+-+---------------+--+--+---+-------------+----------------+
 *   |d|p| dest VIF id   |l |r |ver| src VIF id  | next ethertype |
 *   +-+-+---------------+--+--+---+-------------+----------------+
 *
 * The first YG_PKT_MAX_VLAN VLAN ids are kept (outer first); vlan_n counts
 * every VLAN tag seen, and a third one raises VLAN_TOO_MANY once.
 */
#include "decode/decode-int.h"

bool yg_decode_vlan_tag(struct yg_packet *pkt, uint16_t *type, const uint8_t **p, uint32_t *len)
{
	const uint8_t *b = *p;
	if (*len < 4) {
		yg_dec_trunc(pkt, YG_ANOM_VLAN_TRUNC);
		return false;
	}
	uint16_t vid = yg_load_be16(b) & 0x0fff;
	if (pkt->vlan_n < YG_PKT_MAX_VLAN)
		pkt->vlan[pkt->vlan_n] = vid;
	else if (pkt->vlan_n == YG_PKT_MAX_VLAN)
		yg_packet_anomaly(pkt, YG_ANOM_VLAN_TOO_MANY);
	if (pkt->vlan_n < UINT8_MAX)
		pkt->vlan_n++;
	*type = yg_load_be16(b + 2);
	*p = b + 4;
	*len -= 4;
	return true;
}

bool yg_decode_vntag(struct yg_packet *pkt, uint16_t *type, const uint8_t **p, uint32_t *len)
{
	const uint8_t *b = *p;
	if (*len < 6) {
		yg_dec_trunc(pkt, YG_ANOM_VLAN_TRUNC);
		return false;
	}
	*type = yg_load_be16(b + 4);
	*p = b + 6;
	*len -= 6;
	return true;
}
