/*
 * EVE "anomaly" events (--eve-types ...,anomaly), in Suricata's layout:
 *
 *   decoder:   "anomaly": {"type": "decode", "event": "decoder.ipv4.pkt_too_small"}
 *   stream:    "anomaly": {"type": "stream", "event": "stream.reassembly_seq_gap"}
 *   app layer: "anomaly": {"app_proto": "dns", "type": "applayer",
 *                          "event": "MALFORMED_DATA", "layer": "proto_parser"}
 *
 * Suricata's event names where Suricata has an event of the same meaning
 * (decoder names from anomaly.c, app-layer names from its parsers' event
 * tables below); yagura's own counter name otherwise ("decoder.pkt_empty",
 * "app.dns_name_truncated"), so every event names its cause.
 *
 * Off by default, as Suricata's decoder anomalies are: broken traffic can
 * make one event per packet.
 */
#include <stdio.h>
#include <string.h>

#include "sensor/worker-int.h"

struct app_name {
	const char *proto, *event; /* NULL event: yagura's name */
};

static const struct app_name app_names[YG_ANOM__COUNT] = {
    [YG_ANOM_DNS_MALFORMED] = {"dns", "MALFORMED_DATA"},
    [YG_ANOM_DNS_PTR_LOOP] = {"dns", "INFINITE_LOOP"},
    [YG_ANOM_DNS_PTR_OOB] = {"dns", "MALFORMED_DATA"},
    [YG_ANOM_DNS_NAME_TOO_LONG] = {"dns", "NAME_TOO_LONG"},
    [YG_ANOM_DNS_NAME_TRUNCATED] = {"dns", NULL},
    [YG_ANOM_HTTP_MALFORMED] = {"http", NULL},
    [YG_ANOM_HTTP_TOO_LONG] = {"http", "REQUEST_FIELD_TOO_LONG"},
    [YG_ANOM_TLS_MALFORMED] = {"tls", "INVALID_HANDSHAKE_MESSAGE"},
    [YG_ANOM_TLS_HELLO_TOO_BIG] = {"tls", NULL},
    [YG_ANOM_TLS_CERT_INVALID] = {"tls", "INVALID_CERTIFICATE"},
    [YG_ANOM_TLS_HANDSHAKE_TOO_BIG] = {"tls", NULL},
    [YG_ANOM_HTTP2_BAD_FRAME] = {"http2", "INVALID_FRAME_HEADER"},
    [YG_ANOM_HTTP2_FRAME_TOO_LONG] = {"http2", "INVALID_FRAME_LENGTH"},
    [YG_ANOM_HTTP2_HPACK] = {"http2", "FAILED_DECOMPRESSION"},
    [YG_ANOM_HTTP2_TOO_MANY_STREAMS] = {"http2", "TOO_MANY_STREAMS"},
    [YG_ANOM_MODBUS_BAD_PROTOCOL] = {"modbus", "INVALID_PROTOCOL_ID"},
    [YG_ANOM_MODBUS_BAD_LENGTH] = {"modbus", "INVALID_LENGTH"},
    [YG_ANOM_MODBUS_BAD_FUNCTION] = {"modbus", "INVALID_FUNCTION_CODE"},
    [YG_ANOM_MODBUS_BAD_VALUE] = {"modbus", "INVALID_VALUE"},
    [YG_ANOM_MODBUS_BAD_EXCEPTION] = {"modbus", "INVALID_EXCEPTION_CODE"},
    [YG_ANOM_MODBUS_UNSOLICITED] = {"modbus", "UNSOLICITED_RESPONSE"},
    [YG_ANOM_DNP3_BAD_LINK] = {"dnp3", "MALFORMED"},
    [YG_ANOM_DNP3_BAD_CRC] = {"dnp3", "BAD_LINK_CRC"},
    [YG_ANOM_DNP3_BAD_TRANSPORT] = {"dnp3", NULL},
    [YG_ANOM_DNP3_TOO_LONG] = {"dnp3", NULL},
    [YG_ANOM_DNP3_BAD_APP] = {"dnp3", "MALFORMED"},
    [YG_ANOM_DNP3_UNKNOWN_OBJECT] = {"dnp3", "UNKNOWN_OBJECT"},
    [YG_ANOM_IEC104_MALFORMED] = {"iec104", NULL},
    [YG_ANOM_IEC104_BAD_ASDU] = {"iec104", NULL},
    [YG_ANOM_S7_MALFORMED] = {"s7comm", NULL},
    [YG_ANOM_S7_BAD_COTP] = {"s7comm", NULL},
};

static void packet_tuple(const struct yg_packet *pkt, struct yg_eve_tuple *t)
{
	memset(t, 0, sizeof *t);
	t->family = pkt->family == 4 || pkt->family == 6 ? pkt->family : 0;
	t->proto = pkt->proto;
	t->vlan = pkt->vlan_n ? pkt->vlan[0] : 0;
	t->vlan_inner = pkt->vlan_n > 1 ? pkt->vlan[1] : 0;
	t->src = &pkt->src;
	t->dst = &pkt->dst;
	t->has_ports = pkt->l4_ok && (pkt->proto == 6 || pkt->proto == 17);
	t->sport = pkt->sport;
	t->dport = pkt->dport;
	if (pkt->tunnel) {
		t->tunnel = &pkt->tun;
		t->tunnel_kind = pkt->tunnel;
	}
}

void yg_worker_anomaly_event(struct yg_worker *w, const struct yg_packet *pkt, struct yg_flow *f,
                             bool toserver, enum yg_anomaly a)
{
	struct yg_jsonw *j = &w->eve.w;
	struct yg_eve_tuple t;
	if (f)
		yg_worker_tuple(w, f, toserver, &t);
	else
		packet_tuple(pkt, &t);
	yg_eve_begin(&w->eve, pkt->ts_us, "anomaly", f ? f->flow_id : 0, &t);
	yg_jsonw_key(j, "anomaly");
	yg_jsonw_obj_open(j);
	const char *name = yg_anomaly_name(a);
	if (a == YG_ANOM_STREAM_GAP) {
		yg_jsonw_kv_plain(j, "type", "stream");
		yg_jsonw_kv_plain(j, "event", "stream.reassembly_seq_gap");
	} else if (!strncmp(name, "decoder.", 8)) {
		const char *s = yg_anomaly_suricata_name(a);
		char ev[80];
		if (s)
			snprintf(ev, sizeof ev, "decoder.%s", s);
		yg_jsonw_kv_plain(j, "type", "decode");
		yg_jsonw_kv_plain(j, "event", s ? ev : name);
	} else {
		const struct app_name *n = &app_names[a];
		if (n->proto)
			yg_jsonw_kv_plain(j, "app_proto", n->proto);
		yg_jsonw_kv_plain(j, "type", "applayer");
		yg_jsonw_kv_plain(j, "event", n->event ? n->event : name);
		yg_jsonw_kv_plain(j, "layer", "proto_parser");
	}
	yg_jsonw_obj_close(j);
	yg_eve_end(&w->eve);
}
