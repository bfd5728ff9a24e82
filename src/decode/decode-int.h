/*
 * Private to src/decode: the per-layer decoders that yg_decode() chains.
 *
 * Every layer takes (pkt, p, len): p points at the first byte of its
 * header and len is how many bytes of the frame are captured from there
 * on (already bounded by the enclosing lengths: IP total length, UDP
 * length). A layer checks len before every read, records an anomaly on
 * pkt and returns when its header is not all there, and otherwise fills
 * its fields and hands the rest to the next layer.
 *
 * Conventions shared by the layers:
 * - A header cut short records the layer's *_TRUNC anomaly; when the
 *   capture itself was cut (caplen < wirelen) PKT_TRUNCATED_CAPTURE is
 *   recorded too. Bytes cut by the snap length are not a length error:
 *   a length field may exceed what is captured by up to the cut.
 * - pkt->frag set means we are inside the first fragment of a datagram:
 *   the inner length fields describe the whole datagram, so they may
 *   exceed what this fragment carries; L4 headers that do not fit are
 *   skipped without an anomaly (the fragment anomaly is already there)
 *   unless the capture was cut too.
 * - "depth" counts tunnels crossed (6in4, Teredo, VXLAN, Ethernet over
 *   MPLS, GRE, ERSPAN, GTP-U, Geneve, IP in IP); every recursion passes depth + 1 and stops at
 *   YG_DECODE_MAX_TUNNEL with TUNNEL_TOO_DEEP, so stack use is bounded.
 * - family/addresses/ttl/ip_len are written only once an IP header is
 *   complete; a broken inner header leaves the outer IP fields in place.
 */
#ifndef YG_DECODE_DECODE_INT_H
#define YG_DECODE_DECODE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"
#include "decode/packet.h"

#define YG_DECODE_MAX_TUNNEL 4 /* nested tunnels followed */
#define YG_DECODE_MAX_TAGS   8 /* VLAN / VN-Tag headers walked in one frame */
#define YG_DECODE_MAX_EXTHDR 8 /* IPv6 extension headers walked */
#define YG_DECODE_MAX_MPLS   8 /* MPLS labels walked */

#define YG_ETHERTYPE_IPV4 0x0800
#define YG_ETHERTYPE_IPV6 0x86dd

/* Bytes of the frame on the wire beyond what was captured. */
static inline uint32_t yg_dec_cut(const struct yg_packet *pkt)
{
	return pkt->wirelen > pkt->caplen ? pkt->wirelen - pkt->caplen : 0;
}

/* A header is cut short: the layer's anomaly, plus the capture's if it was cut. */
static inline void yg_dec_trunc(struct yg_packet *pkt, enum yg_anomaly a)
{
	yg_packet_anomaly(pkt, a);
	if (pkt->caplen < pkt->wirelen)
		yg_packet_anomaly(pkt, YG_ANOM_PKT_TRUNCATED_CAPTURE);
}

/*
 * An L4 header cut short: silent inside a first fragment that was captured
 * whole, since then the fragmentation cut it (see above).
 */
static inline void yg_dec_l4_trunc(struct yg_packet *pkt, enum yg_anomaly a)
{
	if (!pkt->frag || pkt->caplen < pkt->wirelen)
		yg_dec_trunc(pkt, a);
}

/*
 * Forgets the L4 fields of an outer layer before decoding a tunnel's inner
 * packet. proto stays until an inner IP header replaces it, so a broken
 * inner packet still shows the outer protocol.
 */
static inline void yg_dec_reset_l4(struct yg_packet *pkt)
{
	pkt->l4_ok = false;
	pkt->sport = pkt->dport = 0;
	pkt->tcp_flags = 0;
	pkt->tcp_seq = pkt->tcp_ack = 0;
	pkt->tcp_win = 0;
	pkt->icmp_type = pkt->icmp_code = 0;
	pkt->payload = NULL;
	pkt->payload_len = 0;
}

/* Whether one more tunnel may be entered; records TUNNEL_TOO_DEEP if not. */
static inline bool yg_dec_tunnel_enter(struct yg_packet *pkt, unsigned depth, enum yg_tunnel kind)
{
	if (depth + 1 > YG_DECODE_MAX_TUNNEL) {
		yg_packet_anomaly(pkt, YG_ANOM_TUNNEL_TOO_DEEP);
		return false;
	}
	if (pkt->tunnel == YG_TUNNEL_NONE) {
		/* The outer header as it stands: what EVE's tunnel object names. */
		pkt->tunnel = (uint8_t)kind;
		pkt->tun.family = pkt->family;
		pkt->tun.proto = pkt->proto;
		pkt->tun.src = pkt->src;
		pkt->tun.dst = pkt->dst;
		if (pkt->l4_ok && (pkt->proto == 6 || pkt->proto == 17)) {
			pkt->tun.sport = pkt->sport;
			pkt->tun.dport = pkt->dport;
		}
	}
	pkt->tun.depth++;
	yg_dec_reset_l4(pkt);
	return true;
}

/* eth.c: Ethernet II and the ethertype dispatch (tags walked by vlan.c). */
void yg_decode_eth(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
void yg_decode_ethertype(struct yg_packet *pkt, uint16_t type, const uint8_t *p, uint32_t len,
                         unsigned depth);

/*
 * vlan.c: one 802.1Q/802.1ad tag or VN-Tag at *p. On success advances
 * *p and *len past it, sets *type to the encapsulated ethertype and returns
 * true; on a cut tag records VLAN_TRUNC and returns false.
 */
bool yg_decode_vlan_tag(struct yg_packet *pkt, uint16_t *type, const uint8_t **p, uint32_t *len);
bool yg_decode_vntag(struct yg_packet *pkt, uint16_t *type, const uint8_t **p, uint32_t *len);
/* fabricpath.c: the rest of a FabricPath outer header and the inner
 * frame's MACs (they become the packet's), as above; DCE_TRUNC when cut. */
bool yg_decode_fabricpath(struct yg_packet *pkt, uint16_t *type, const uint8_t **p, uint32_t *len);

/* sll.c: Linux cooked capture v1 and v2. */
void yg_decode_sll(struct yg_packet *pkt, const uint8_t *p, uint32_t len);
void yg_decode_sll2(struct yg_packet *pkt, const uint8_t *p, uint32_t len);

/* null.c: BSD loopback; the AF word is read in either byte order. */
void yg_decode_null(struct yg_packet *pkt, const uint8_t *p, uint32_t len);

/* mpls.c: an MPLS label stack, then IPv4/IPv6 (or Ethernet over a pseudowire). */
void yg_decode_mpls(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);

/* pppoe.c: PPPoE session header and PPP protocol field, then IPv4/IPv6. */
void yg_decode_pppoe(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);

/* ipv4.c / ipv6.c */
void yg_decode_ipv4(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
void yg_decode_ipv6(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
/* IPv4 or IPv6 by the version nibble (raw link types, MPLS); neither: IPV4_BAD_VERSION. */
void yg_decode_ip_guess(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);

/* decode.c: hands an IP payload to the decoder of its protocol. */
void yg_decode_l4(struct yg_packet *pkt, uint8_t proto, const uint8_t *p, uint32_t len,
                  unsigned depth);

/* tcp.c, udp.c, icmp.c */
void yg_decode_tcp(struct yg_packet *pkt, const uint8_t *p, uint32_t len);
void yg_decode_udp(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
void yg_decode_icmpv4(struct yg_packet *pkt, const uint8_t *p, uint32_t len);
void yg_decode_icmpv6(struct yg_packet *pkt, const uint8_t *p, uint32_t len);

/* A tunnel's own identifier (TEID, key, VNI): the outermost one that has one is kept. */
static inline void yg_dec_tunnel_id(struct yg_packet *pkt, uint32_t id)
{
	if (!pkt->tun.has_id) {
		pkt->tun.id = id;
		pkt->tun.has_id = true;
	}
}

/* An IP-level tunnel: the inner addresses are not those of the link's MACs. */
static inline void yg_dec_forget_macs(struct yg_packet *pkt)
{
	pkt->has_mac = false;
}

/* tunnel.c */
void yg_decode_6in4(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
/* IP protocol 4 (IPv4 inside) or 41 inside IPv6 (IPv6 inside). */
void yg_decode_ipip(struct yg_packet *pkt, uint8_t proto, const uint8_t *p, uint32_t len,
                    unsigned depth);
/* gre.c: IP protocol 47; hands ERSPAN to erspan.c. */
void yg_decode_gre(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
/* erspan.c: the GRE payload of protocol 0x88be (type I or II, by the GRE
 * sequence bit) or 0x22eb (type III). */
void yg_decode_erspan(struct yg_packet *pkt, uint16_t gre_proto, bool gre_seq, const uint8_t *p,
                      uint32_t len, unsigned depth);
/* gtp.c: UDP payload to or from port 2152: true when it was a GTP-U G-PDU
 * and its inner packet was decoded. */
bool yg_decode_gtpu(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
/* geneve.c: UDP payload to port 6081: true when it was Geneve. */
bool yg_decode_geneve(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
/* icmp.c: the quoted header of an ICMP/ICMPv6 error into pkt->quote. */
void yg_decode_icmp_quote(struct yg_packet *pkt, const uint8_t *p, uint32_t len);
/* UDP payload to or from port 3544: true when it was Teredo and its inner packet was decoded. */
bool yg_decode_teredo(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);
/* UDP payload to port 4789: true when it was VXLAN and its inner frame was decoded. */
bool yg_decode_vxlan(struct yg_packet *pkt, const uint8_t *p, uint32_t len, unsigned depth);

#endif
