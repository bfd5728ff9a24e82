/*
 * What one packet to the telescope is: its class, the scanner that sent
 * it (by the tool's published fingerprint), and for backscatter the
 * victim's attacked port. Pure functions of the packet bytes: no state.
 *
 * A telescope address hosts nothing, so every packet to it is unsolicited:
 *   - scan-tcp: a SYN without ACK (someone probing for a listener);
 *   - scan-udp: any UDP datagram; scan-icmp: an echo request;
 *   - backscatter: what a DDoS victim answers to packets whose source was
 *     spoofed as one of our addresses: SYN-ACK, RST, RST-ACK, echo reply,
 *     and ICMP errors whose quoted header has our address as its source.
 *     The victim is the sender; the attacked port is the source port of a
 *     TCP/UDP reply, or the destination port in an ICMP error's quote.
 *   - other: the rest, and every packet we cannot trust (truncated,
 *     fragmented, bad checksum, impossible flags), with the anomaly kind.
 */
#ifndef YG_DARKNET_CLASSIFY_H
#define YG_DARKNET_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

enum yg_dn_class {
	YG_DN_SCAN_TCP = 0,
	YG_DN_SCAN_UDP,
	YG_DN_SCAN_ICMP,
	YG_DN_BACKSCATTER,
	YG_DN_OTHER,
	YG_DN_CLASS__COUNT
};

enum yg_dn_fp {
	YG_DN_FP_UNKNOWN = 0,
	YG_DN_FP_MIRAI,
	YG_DN_FP_ZMAP,
	YG_DN_FP_MASSCAN,
	YG_DN_FP_RESEARCH, /* from the research list, by source address */
	YG_DN_FP__COUNT
};

enum yg_dn_anom {
	YG_DN_ANOM_NONE = 0,
	YG_DN_ANOM_TRUNCATED,   /* an IP or L4 header not all there */
	YG_DN_ANOM_FRAGMENT,    /* an IP fragment: L4 unknown or partial */
	YG_DN_ANOM_BAD_CHECKSUM,/* IPv4 header or TCP/UDP/ICMP checksum wrong */
	YG_DN_ANOM_BAD_FLAGS,   /* TCP flags no stack sends (SYN+FIN, SYN+RST, none) */
	YG_DN_ANOM_OTHER_PROTO, /* neither TCP, UDP nor ICMP */
	YG_DN_ANOM__COUNT
};

struct yg_dn_info {
	uint8_t cls;      /* enum yg_dn_class */
	uint8_t fp;       /* enum yg_dn_fp (never RESEARCH: that is by address) */
	uint8_t anom;     /* enum yg_dn_anom */
	uint8_t proto;    /* 6, 17, 1 (ICMPv6 is reported as 1, "icmp"), or 0 */
	uint16_t port;    /* the port the packet aims at: TCP/UDP dport; ICMP type */
	/* Backscatter only: the attacked service of the victim (the sender). */
	uint8_t victim_proto; /* 6, 17, 1; 0 unknown */
	bool victim_has_port;
	uint16_t victim_port;
	/* The victim's address: the sender, or for an ICMP error the
	 * destination its quote names (the same host for a port unreachable;
	 * a router's error names the victim only in its quote). */
	uint8_t victim_family;
	struct yg_addr victim;
};

/*
 * Classifies a decoded packet. frame/frame_len are the captured bytes the
 * packet was decoded from (pkt's pointers point into them): checksums are
 * verified from there when the whole datagram was captured. Never reads
 * outside the frame.
 */
void yg_dn_classify(const struct yg_packet *pkt, const uint8_t *frame, size_t frame_len,
                    struct yg_dn_info *ret);

const char *yg_dn_class_name(unsigned cls);
const char *yg_dn_fp_name(unsigned fp);
const char *yg_dn_anom_name(unsigned a);
/* "tcp", "udp", "icmp" for the protocol numbers of struct yg_dn_info. */
const char *yg_dn_proto_name(uint8_t proto);

#endif
