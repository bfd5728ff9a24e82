/*
 * Kinds of malformed or suspicious input the sensor counts. Malformed
 * traffic is not an error of the program: a decoder records the anomaly on
 * the packet (or returns it) and the engine counts it in the stats event
 * under "decoder.<name>" or "app.<name>".
 *
 * To add a kind, add one X line; names are stable EVE counter names.
 */
#ifndef YG_COMMON_ANOMALY_H
#define YG_COMMON_ANOMALY_H

#define YG_ANOMALY_LIST(X)                                                     \
	/* capture / link layer */                                             \
	X(PKT_EMPTY, "decoder.pkt_empty")                                      \
	X(PKT_TRUNCATED_CAPTURE, "decoder.pkt_truncated_capture")              \
	X(LINKTYPE_UNSUPPORTED, "decoder.linktype_unsupported")                \
	X(ETH_TRUNC, "decoder.eth_truncated")                                  \
	X(VLAN_TRUNC, "decoder.vlan_truncated")                                \
	X(VLAN_TOO_MANY, "decoder.vlan_too_many_layers")                       \
	X(SLL_TRUNC, "decoder.sll_truncated")                                  \
	X(NULL_TRUNC, "decoder.null_truncated")                                \
	X(ETHERTYPE_UNKNOWN, "decoder.ethertype_unknown")                      \
	X(NULL_UNKNOWN_AF, "decoder.null_unknown_family")                      \
	X(MPLS_TRUNC, "decoder.mpls_truncated")                                \
	X(MPLS_BAD, "decoder.mpls_malformed")                                  \
	X(PPPOE_TRUNC, "decoder.pppoe_truncated")                              \
	X(DCE_TRUNC, "decoder.dce_truncated")                                  \
	/* IPv4 */                                                             \
	X(IPV4_TRUNC, "decoder.ipv4_truncated")                                \
	X(IPV4_BAD_VERSION, "decoder.ipv4_bad_version")                        \
	X(IPV4_BAD_HLEN, "decoder.ipv4_bad_header_length")                     \
	X(IPV4_BAD_TOTLEN, "decoder.ipv4_bad_total_length")                    \
	X(IPV4_BAD_OPTION, "decoder.ipv4_bad_option")                          \
	X(IPV4_FRAG, "decoder.ipv4_fragment")                                  \
	/* IPv6 */                                                             \
	X(IPV6_TRUNC, "decoder.ipv6_truncated")                                \
	X(IPV6_BAD_VERSION, "decoder.ipv6_bad_version")                        \
	X(IPV6_BAD_PLEN, "decoder.ipv6_bad_payload_length")                    \
	X(IPV6_EXTHDR_TRUNC, "decoder.ipv6_exthdr_truncated")                  \
	X(IPV6_EXTHDR_TOO_MANY, "decoder.ipv6_exthdr_too_many")                \
	X(IPV6_FRAG, "decoder.ipv6_fragment")                                  \
	X(IPPROTO_UNKNOWN, "decoder.ipproto_unknown")                          \
	/* tunnels */                                                          \
	X(TUNNEL_TOO_DEEP, "decoder.tunnel_too_deep")                          \
	X(TEREDO_BAD, "decoder.teredo_malformed")                              \
	X(GRE_TRUNC, "decoder.gre_truncated")                                  \
	X(GRE_BAD_VERSION, "decoder.gre_bad_version")                          \
	X(ERSPAN_TRUNC, "decoder.erspan_truncated")                            \
	X(ERSPAN_BAD_VERSION, "decoder.erspan_bad_version")                    \
	X(GTPU_TRUNC, "decoder.gtpu_truncated")                                \
	X(GTPU_BAD, "decoder.gtpu_malformed")                                  \
	X(GENEVE_TRUNC, "decoder.geneve_truncated")                            \
	X(GENEVE_UNKNOWN_PAYLOAD, "decoder.geneve_unknown_payload")            \
	X(IPIP_TRUNC, "decoder.ipip_truncated")                                \
	/* L4 */                                                               \
	X(TCP_TRUNC, "decoder.tcp_truncated")                                  \
	X(TCP_BAD_HLEN, "decoder.tcp_bad_header_length")                       \
	X(TCP_BAD_OPTION, "decoder.tcp_bad_option")                            \
	X(UDP_TRUNC, "decoder.udp_truncated")                                  \
	X(UDP_BAD_LEN, "decoder.udp_bad_length")                               \
	X(ICMP_TRUNC, "decoder.icmpv4_truncated")                              \
	X(ICMPV6_TRUNC, "decoder.icmpv6_truncated")                            \
	X(ICMP_QUOTE_TRUNC, "decoder.icmpv4_quote_truncated")                  \
	X(ICMPV6_QUOTE_TRUNC, "decoder.icmpv6_quote_truncated")                \
	/* app layer */                                                        \
	X(DNS_MALFORMED, "app.dns_malformed")                                  \
	X(DNS_PTR_LOOP, "app.dns_pointer_loop")                                \
	X(DNS_PTR_OOB, "app.dns_pointer_out_of_bounds")                        \
	X(DNS_NAME_TOO_LONG, "app.dns_name_too_long")                          \
	X(DNS_NAME_TRUNCATED, "app.dns_name_truncated")                        \
	X(HTTP_MALFORMED, "app.http_malformed")                                \
	X(HTTP_TOO_LONG, "app.http_header_too_long")                           \
	X(TLS_MALFORMED, "app.tls_malformed")                                  \
	X(TLS_HELLO_TOO_BIG, "app.tls_client_hello_too_big")                   \
	X(TLS_CERT_INVALID, "app.tls_certificate_invalid")                     \
	X(TLS_HANDSHAKE_TOO_BIG, "app.tls_handshake_too_big")                  \
	X(HTTP2_BAD_FRAME, "app.http2_invalid_frame")                          \
	X(HTTP2_FRAME_TOO_LONG, "app.http2_frame_too_long")                    \
	X(HTTP2_HPACK, "app.http2_header_decompression_failed")                \
	X(HTTP2_TOO_MANY_STREAMS, "app.http2_too_many_streams")                \
		X(STREAM_GAP, "app.stream_gap")                                        \
	/* ICS (src/app/modbus.c, dnp3.c, iec104.c, s7comm.c) */               \
	X(MODBUS_BAD_PROTOCOL, "app.modbus_invalid_protocol_id")               \
	X(MODBUS_BAD_LENGTH, "app.modbus_invalid_length")                      \
	X(MODBUS_BAD_FUNCTION, "app.modbus_invalid_function_code")             \
	X(MODBUS_BAD_VALUE, "app.modbus_invalid_value")                        \
	X(MODBUS_BAD_EXCEPTION, "app.modbus_invalid_exception_code")           \
	X(MODBUS_UNSOLICITED, "app.modbus_unsolicited_response")               \
	X(DNP3_BAD_LINK, "app.dnp3_malformed_link")                            \
	X(DNP3_BAD_CRC, "app.dnp3_bad_link_crc")                               \
	X(DNP3_BAD_TRANSPORT, "app.dnp3_bad_transport_sequence")               \
	X(DNP3_TOO_LONG, "app.dnp3_fragment_too_long")                         \
	X(DNP3_BAD_APP, "app.dnp3_malformed_application")                      \
	X(DNP3_UNKNOWN_OBJECT, "app.dnp3_unknown_object")                      \
	X(IEC104_MALFORMED, "app.iec104_malformed")                            \
	X(IEC104_BAD_ASDU, "app.iec104_malformed_asdu")                        \
	X(S7_MALFORMED, "app.s7comm_malformed")                                \
	X(S7_BAD_COTP, "app.s7comm_bad_cotp")

enum yg_anomaly {
#define YG_X_ENUM(id, name) YG_ANOM_##id,
	YG_ANOMALY_LIST(YG_X_ENUM)
#undef YG_X_ENUM
	YG_ANOM__COUNT
};

/* The stable counter name ("decoder.ipv4_truncated"); "unknown" if out of range. */
const char *yg_anomaly_name(unsigned kind);

/* Suricata's name for the same decoder event ("ipv4.pkt_too_small", as in
 * stats.decoder.event and anomaly events), or NULL when Suricata has no
 * event of that meaning (then only yagura's name is used). */
const char *yg_anomaly_suricata_name(unsigned kind);

#endif
