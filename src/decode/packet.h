/*
 * One decoded packet: the result of the decode stage, read by flow, app
 * and detect. All pointers borrow the capture buffer; nothing is copied.
 */
#ifndef YG_DECODE_PACKET_H
#define YG_DECODE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "common/anomaly.h"

/* Link types we decode (values are libpcap DLT_ / LINKTYPE_ numbers). */
#define YG_LINK_NULL 0        /* BSD loopback, host-order AF_ word */
#define YG_LINK_ETHERNET 1
#define YG_LINK_RAW 101       /* raw IPv4 or IPv6 (LINKTYPE_RAW) */
#define YG_LINK_LOOP 108      /* OpenBSD loopback, network-order AF word */
#define YG_LINK_SLL 113       /* Linux cooked v1 */
#define YG_LINK_IPV4 228
#define YG_LINK_IPV6 229
#define YG_LINK_SLL2 276      /* Linux cooked v2 */
#define YG_LINK_DLT_RAW1 12   /* DLT_RAW on most BSDs/Linux pcap files */
#define YG_LINK_DLT_RAW2 14   /* DLT_RAW on OpenBSD */

/* IPv4 addresses live in the first 4 bytes of b, the rest zero. */
struct yg_addr {
	uint8_t b[16];
};

enum yg_tunnel {
	YG_TUNNEL_NONE = 0,
	YG_TUNNEL_6IN4 = 1,   /* IPv6 in IPv4, protocol 41 */
	YG_TUNNEL_TEREDO = 2, /* IPv6 in UDP/3544 (RFC 4380) */
	YG_TUNNEL_VXLAN = 3,  /* Ethernet in UDP/4789 (RFC 7348) */
	YG_TUNNEL_GRE = 4,    /* IPv4, IPv6 or Ethernet in GRE, protocol 47 (RFC 2784, 2890) */
	YG_TUNNEL_ERSPAN = 5, /* mirrored Ethernet in GRE, ERSPAN type I, II or III */
	YG_TUNNEL_GTPU = 6,   /* IP in GTP-U, UDP/2152 (3GPP TS 29.281) */
	YG_TUNNEL_GENEVE = 7, /* Ethernet or IP in UDP/6081 (RFC 8926) */
	YG_TUNNEL_IPIP = 8,   /* IPv4 in IPv4 or IPv6, IPv6 in IPv6 (RFC 2003, 2473) */
	YG_TUNNEL__COUNT
};

/* "6in4", "teredo", "vxlan", "gre", "erspan", "gtp-u", "geneve", "ipip"; NULL for none. */
const char *yg_tunnel_name(unsigned kind);

/*
 * The outermost tunnel a packet came through: the outer IP header and L4
 * ports as they were when the tunnel was entered (Suricata's EVE "tunnel"
 * object), and the tunnel's own identifier when it has one.
 */
struct yg_packet_tunnel {
	struct yg_addr src, dst;
	uint32_t id;          /* GTP-U TEID, GRE key, VXLAN/Geneve VNI, ERSPAN session */
	uint16_t sport, dport;
	uint8_t family;       /* 0: no tunnel */
	uint8_t proto;        /* outer IP protocol: 17, 47, 4, 41 */
	uint8_t depth;        /* tunnels crossed */
	bool has_id;
};

/*
 * The header an ICMP or ICMPv6 error quotes (RFC 792, RFC 4443 section
 * 2.4): the packet that caused the error, decoded for what it names and
 * never as a flow of its own.
 */
struct yg_packet_quote {
	struct yg_addr src, dst;
	uint16_t sport, dport; /* 0 unless the quote holds them */
	uint8_t family;        /* 0: no quote decoded */
	uint8_t proto;
};

#define YG_PKT_MAX_ANOM 6
#define YG_PKT_MAX_VLAN 2

/* TCP flag bits as on the wire. */
#define YG_TCP_FIN 0x01
#define YG_TCP_SYN 0x02
#define YG_TCP_RST 0x04
#define YG_TCP_PSH 0x08
#define YG_TCP_ACK 0x10
#define YG_TCP_URG 0x20

struct yg_packet {
	uint64_t ts_us;    /* capture time, microseconds since the epoch */
	uint32_t caplen;   /* bytes captured */
	uint32_t wirelen;  /* bytes on the wire */
	int linktype;

	uint16_t vlan[YG_PKT_MAX_VLAN]; /* outer first */
	uint8_t vlan_n;

	uint8_t family;    /* 4 or 6 for the innermost IP header; 0 = no IP */
	uint8_t proto;     /* IP protocol of the L4 header (6, 17, 1, 58, ...) */
	uint8_t tunnel;    /* enum yg_tunnel: outermost tunnel crossed */
	bool frag;         /* IP fragment: L4 fields are unset unless first fragment */
	bool l4_ok;        /* L4 header decoded: ports/flags/icmp fields valid */
	uint8_t ttl;       /* TTL / hop limit of the innermost IP header */
	struct yg_addr src, dst;
	uint8_t n_anom; /* here: it fills the hole before sport */

	uint16_t sport, dport;   /* TCP/UDP; ICMP: type and code */
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint8_t icmp_type, icmp_code;

	const uint8_t *payload;  /* L4 payload (bounded by IP/UDP lengths and caplen) */
	uint32_t payload_len;
	uint32_t ip_len;         /* innermost IP datagram length as on the wire */

	uint8_t anom[YG_PKT_MAX_ANOM]; /* enum yg_anomaly, first ones recorded */
	/* Identification of the innermost IPv4 header (0 for IPv6): scanner
	 * fingerprints read it (src/darknet/classify.c). Fits the padding. */
	uint16_t ip_id;
	struct yg_packet_tunnel tun;
	struct yg_packet_quote quote;
	/* Source and destination MAC of the innermost Ethernet header on the
	 * same link as the IP addresses (has_mac false without one, or once an
	 * IP-level tunnel is entered): the device inventory reads them. Copies,
	 * since packets travel between threads without the capture buffer. */
	uint8_t mac_src[6], mac_dst[6];
	bool has_mac;
	/* quote holds the whole transport header (TCP 20 octets, UDP 8), the
	 * condition for an ICMP error to count in the flow it quotes
	 * (yg_flow_icmp_error). Here, not in quote: it fits the padding. */
	bool quote_l4_whole;
};

/* Records an anomaly on the packet (the first YG_PKT_MAX_ANOM are kept). */
static inline void yg_packet_anomaly(struct yg_packet *pkt, enum yg_anomaly a)
{
	if (pkt->n_anom < YG_PKT_MAX_ANOM)
		pkt->anom[pkt->n_anom++] = (uint8_t)a;
}

#endif
