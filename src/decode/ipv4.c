/*
 * IPv4, RFC 791 (options: RFC 791 section 3.1, RFC 2113 router alert).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options (IHL > 5)          |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The datagram is bounded by min(total length, captured bytes); the tail
 * beyond the total length (Ethernet padding) is not payload. A total
 * length of 0 is what a capture on a host with TCP segmentation offload
 * shows: it is flagged, and the captured bytes are used as Wireshark does.
 * Checksums are not verified (offload makes them unreliable on capture).
 */
#include <string.h>

#include "decode/decode-int.h"

#define IPV4_HLEN    20
#define IPV4_MF      0x2000
#define IPV4_OFFMASK 0x1fff

/* Walks the options; false on the first malformed one. */
static bool options_ok(const uint8_t *p, uint32_t len)
{
	struct yg_cur c;
	yg_cur_init(&c, p, len);
	uint8_t type, olen, ptr;
	while (yg_cur_u8(&c, &type)) {
		if (type == 0) /* end of option list */
			return true;
		if (type == 1) /* no-operation */
			continue;
		if (!yg_cur_u8(&c, &olen) || olen < 2 || olen - 2u > yg_cur_left(&c))
			return false;
		switch (type) {
		case 7:   /* record route */
		case 131: /* loose source route */
		case 137: /* strict source route */
			if (olen < 3 || (olen - 3) % 4 != 0 || !yg_cur_u8(&c, &ptr) || ptr < 4)
				return false;
			yg_cur_skip(&c, olen - 3u);
			break;
		case 68: /* timestamp */
			if (olen < 4 || !yg_cur_u8(&c, &ptr) || ptr < 5)
				return false;
			yg_cur_skip(&c, olen - 3u);
			break;
		case 136: /* stream id */
		case 148: /* router alert */
			if (olen != 4)
				return false;
			yg_cur_skip(&c, 2);
			break;
		default:
			yg_cur_skip(&c, olen - 2u);
			break;
		}
	}
	return true;
}

void yg_decode_ipv4(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth)
{
	if (len >= 1 && (p[0] >> 4) != 4) {
		yg_packet_anomaly(pkt, YG_ANOM_IPV4_BAD_VERSION);
		return;
	}
	if (len < IPV4_HLEN) {
		yg_dec_trunc(pkt, YG_ANOM_IPV4_TRUNC);
		return;
	}
	uint32_t hlen = (uint32_t)(p[0] & 0x0f) * 4;
	uint32_t tot = yg_load_be16(p + 2);
	if (hlen < IPV4_HLEN) {
		yg_packet_anomaly(pkt, YG_ANOM_IPV4_BAD_HLEN);
		return;
	}
	if (hlen > len) {
		if (tot >= IPV4_HLEN && hlen > tot)
			yg_packet_anomaly(pkt, YG_ANOM_IPV4_BAD_HLEN);
		else
			yg_dec_trunc(pkt, YG_ANOM_IPV4_TRUNC);
		return;
	}

	/* Inside an outer first fragment the datagram may go on past the frame. */
	bool partial = pkt->frag;
	uint32_t wire = len + yg_dec_cut(pkt);
	uint32_t dlen = tot;
	bool l4 = true;
	if (tot < hlen) {
		yg_packet_anomaly(pkt, YG_ANOM_IPV4_BAD_TOTLEN);
		if (tot == 0) {
			dlen = len;
		} else {
			dlen = hlen;
			l4 = false;
		}
	} else if (tot > len) {
		if (tot > wire && !partial)
			yg_packet_anomaly(pkt, YG_ANOM_IPV4_BAD_TOTLEN);
		dlen = len;
	}

	pkt->family = 4;
	pkt->ttl = p[8];
	pkt->proto = p[9];
	pkt->ip_id = yg_load_be16(p + 4);
	/* Each address written whole, in one store: the flow hash reads it
	 * back 8 bytes at a time at once, and a read spanning several
	 * narrower stores waits for them to reach the cache. */
	struct yg_addr a = {{0}};
	memcpy(a.b, p + 12, 4);
	pkt->src = a;
	memcpy(a.b, p + 16, 4);
	pkt->dst = a;
	pkt->ip_len = tot >= hlen ? (tot < wire ? tot : wire) : dlen;

	if (hlen > IPV4_HLEN && !options_ok(p + IPV4_HLEN, hlen - IPV4_HLEN))
		yg_packet_anomaly(pkt, YG_ANOM_IPV4_BAD_OPTION);

	uint16_t fo = yg_load_be16(p + 6);
	if (fo & (IPV4_MF | IPV4_OFFMASK)) {
		pkt->frag = true;
		yg_packet_anomaly(pkt, YG_ANOM_IPV4_FRAG);
		if (fo & IPV4_OFFMASK)
			return;
	}
	if (l4)
		yg_decode_l4(pkt, p[9], p + hlen, dlen - hlen, depth);
}
