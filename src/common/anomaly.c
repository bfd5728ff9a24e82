#include "common/anomaly.h"

#include <stddef.h>

static const char *const names[] = {
#define YG_X_NAME(id, name) name,
	YG_ANOMALY_LIST(YG_X_NAME)
#undef YG_X_NAME
};

const char *yg_anomaly_name(unsigned kind)
{
	return kind < YG_ANOM__COUNT ? names[kind] : "unknown";
}

/* Suricata's decoder event names (decode-events.c), where one means the
 * same thing. Left out on purpose: yagura's capture-level kinds (empty
 * packet, snap length, link type), MPLS_BAD (Suricata splits it by label),
 * IPPROTO_UNKNOWN (Suricata names it per family: ipv4.unknown_protocol,
 * ipv6.unknown_next_header), IPIP_TRUNC (likewise per pair of families),
 * GTP-U (Suricata has no GTP decoder events) and every app-layer kind (Suricata counts
 * those per protocol, not in stats). */
static const char *const suricata_names[YG_ANOM__COUNT] = {
    [YG_ANOM_ETH_TRUNC] = "ethernet.pkt_too_small",
    [YG_ANOM_VLAN_TRUNC] = "vlan.header_too_small",
    [YG_ANOM_VLAN_TOO_MANY] = "vlan.too_many_layers",
    [YG_ANOM_SLL_TRUNC] = "sll.pkt_too_small",
    [YG_ANOM_NULL_TRUNC] = "ltnull.pkt_too_small",
    [YG_ANOM_ETHERTYPE_UNKNOWN] = "ethernet.unknown_ethertype",
    [YG_ANOM_NULL_UNKNOWN_AF] = "ltnull.unsupported_type",
    [YG_ANOM_MPLS_TRUNC] = "mpls.pkt_too_small",
    [YG_ANOM_PPPOE_TRUNC] = "pppoe.pkt_too_small",
    [YG_ANOM_DCE_TRUNC] = "dce.pkt_too_small",
    [YG_ANOM_IPV4_TRUNC] = "ipv4.pkt_too_small",
    [YG_ANOM_IPV4_BAD_VERSION] = "ipv4.wrong_ip_version",
    [YG_ANOM_IPV4_BAD_HLEN] = "ipv4.hlen_too_small",
    [YG_ANOM_IPV4_BAD_TOTLEN] = "ipv4.trunc_pkt",
    [YG_ANOM_IPV4_BAD_OPTION] = "ipv4.opt_malformed",
    [YG_ANOM_IPV6_TRUNC] = "ipv6.pkt_too_small",
    [YG_ANOM_IPV6_BAD_VERSION] = "ipv6.wrong_ip_version",
    [YG_ANOM_IPV6_BAD_PLEN] = "ipv6.trunc_pkt",
    [YG_ANOM_IPV6_EXTHDR_TRUNC] = "ipv6.trunc_exthdr",
    [YG_ANOM_TCP_TRUNC] = "tcp.pkt_too_small",
    [YG_ANOM_TCP_BAD_HLEN] = "tcp.hlen_too_small",
    [YG_ANOM_TCP_BAD_OPTION] = "tcp.invalid_optlen",
    [YG_ANOM_UDP_TRUNC] = "udp.pkt_too_small",
    [YG_ANOM_UDP_BAD_LEN] = "udp.len_invalid",
    [YG_ANOM_ICMP_TRUNC] = "icmpv4.pkt_too_small",
    [YG_ANOM_ICMPV6_TRUNC] = "icmpv6.pkt_too_small",
    [YG_ANOM_ICMP_QUOTE_TRUNC] = "icmpv4.ipv4_trunc_pkt",
    [YG_ANOM_ICMPV6_QUOTE_TRUNC] = "icmpv6.ipv6_trunc_pkt",
    [YG_ANOM_GRE_TRUNC] = "gre.pkt_too_small",
    [YG_ANOM_GRE_BAD_VERSION] = "gre.wrong_version",
    [YG_ANOM_ERSPAN_TRUNC] = "erspan.header_too_small",
    [YG_ANOM_ERSPAN_BAD_VERSION] = "erspan.unsupported_version",
    [YG_ANOM_GENEVE_UNKNOWN_PAYLOAD] = "geneve.unknown_payload_type",
};

const char *yg_anomaly_suricata_name(unsigned kind)
{
	return kind < YG_ANOM__COUNT ? suricata_names[kind] : NULL;
}
