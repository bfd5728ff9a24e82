/*
 * Linux "cooked" capture headers (libpcap's LINKTYPE_LINUX_SLL and
 * LINKTYPE_LINUX_SLL2, https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
 * and .../LINKTYPE_LINUX_SLL2.html), written by captures on "any".
 *
 * SLL (v1), 16 bytes:
 *
 *    0          2          4          6                    14         16
 *   +----------+----------+----------+--------------------+----------+
 *   | pkt type | ARPHRD   | addr len | link address (8)   | protocol |
 *   +----------+----------+----------+--------------------+----------+
 *
 * SLL2, 20 bytes:
 *
 *    0          2          4          8        10   11   12            20
 *   +----------+----------+----------+--------+----+----+-------------+
 *   | protocol | reserved | ifindex  | ARPHRD |type|alen| address (8) |
 *   +----------+----------+----------+--------+----+----+-------------+
 *
 * The protocol field is an ethertype, except for netlink captures where it
 * is a netlink family: those carry no IP and are left alone.
 */
#include "decode/decode-int.h"

#define SLL_HLEN       16
#define SLL2_HLEN      20
#define ARPHRD_NETLINK 824

void yg_decode_sll(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < SLL_HLEN) {
		yg_dec_trunc(pkt, YG_ANOM_SLL_TRUNC);
		return;
	}
	if (yg_load_be16(p + 2) == ARPHRD_NETLINK)
		return;
	yg_decode_ethertype(pkt, yg_load_be16(p + 14), p + SLL_HLEN, len - SLL_HLEN, 0);
}

void yg_decode_sll2(struct yg_packet *pkt, const uint8_t *p, uint32_t len)
{
	if (len < SLL2_HLEN) {
		yg_dec_trunc(pkt, YG_ANOM_SLL_TRUNC);
		return;
	}
	if (yg_load_be16(p + 8) == ARPHRD_NETLINK)
		return;
	yg_decode_ethertype(pkt, yg_load_be16(p), p + SLL2_HLEN, len - SLL2_HLEN, 0);
}
