/*
 * TCP, RFC 9293 (options: MSS and window scale RFC 7323 / 9293, SACK
 * RFC 2018, timestamps RFC 7323, MD5 RFC 2385, TCP-AO RFC 5925, MPTCP
 * RFC 8684, Fast Open RFC 7413).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * tcp_flags keeps the whole flags octet (CWR and ECE included). When the
 * snap length cut only the options, the fixed header is still decoded
 * (l4_ok, no payload) besides the TCP_TRUNC anomaly. A bad
 * option is flagged but does not invalidate the header: the ports and
 * flags are still what the endpoints act on.
 */
#include "decode/decode-int.h"

#define TCP_HLEN 20

/* Options whose length is fixed or constrained by their RFC. */
static bool option_len_ok(uint8_t kind, uint8_t olen)
{
	switch (kind) {
	case 2: /* MSS */
		return olen == 4;
	case 3: /* window scale */
		return olen == 3;
	case 4: /* SACK permitted */
		return olen == 2;
	case 5: /* SACK: 1 to 4 blocks of 8 */
		return olen >= 10 && olen <= 34 && (olen - 2) % 8 == 0;
	case 8: /* timestamps */
		return olen == 10;
	case 19: /* MD5 signature */
		return olen == 18;
	case 29: /* TCP-AO */
		return olen >= 4;
	case 30: /* MPTCP */
		return olen >= 3;
	case 34: /* Fast Open cookie */
		return olen == 2 || (olen >= 6 && olen <= 18 && olen % 2 == 0);
	default:
		return olen >= 2;
	}
}

static bool options_ok(const uint8_t *p, uint32_t len)
{
	struct yg_cur c;
	yg_cur_init(&c, p, len);
	uint8_t kind, olen;
	while (yg_cur_u8(&c, &kind)) {
		if (kind == 0) /* end of option list */
			return true;
		if (kind == 1) /* no-operation */
			continue;
		if (!yg_cur_u8(&c, &olen) || !option_len_ok(kind, olen) || olen < 2 ||
		    !yg_cur_skip(&c, olen - 2u))
			return false;
	}
	return true;
}

void yg_decode_tcp(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < TCP_HLEN) {
		yg_dec_l4_trunc(pkt, YG_ANOM_TCP_TRUNC);
		return;
	}
	uint32_t hlen = (uint32_t)(p[12] >> 4) * 4;
	if (hlen < TCP_HLEN) {
		yg_packet_anomaly(pkt, YG_ANOM_TCP_BAD_HLEN);
		return;
	}
	bool opts_cut = false;
	if (hlen > len) {
		yg_dec_l4_trunc(pkt, YG_ANOM_TCP_TRUNC);
		/*
		 * Options cut by the snap length (68 bytes was tcpdump's default)
		 * leave the fixed header good: keep SYNs visible to flow tracking.
		 */
		if (hlen > len + yg_dec_cut(pkt) || pkt->frag)
			return;
		opts_cut = true;
	}
	pkt->sport = yg_load_be16(p);
	pkt->dport = yg_load_be16(p + 2);
	pkt->tcp_seq = yg_load_be32(p + 4);
	pkt->tcp_ack = yg_load_be32(p + 8);
	pkt->tcp_flags = p[13];
	pkt->tcp_win = yg_load_be16(p + 14);
	pkt->l4_ok = true;
	if (opts_cut)
		return;
	if (hlen > TCP_HLEN && !options_ok(p + TCP_HLEN, hlen - TCP_HLEN))
		yg_packet_anomaly(pkt, YG_ANOM_TCP_BAD_OPTION);
	pkt->payload = p + hlen;
	pkt->payload_len = len - hlen;
}
