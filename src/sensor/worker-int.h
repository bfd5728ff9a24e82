/* Private to src/sensor/: the worker's state and the per-flow app state. */
#ifndef YG_SENSOR_WORKER_INT_H
#define YG_SENSOR_WORKER_INT_H

#include "app/dns.h"
#include "app/dnp3.h"
#include "app/iec104.h"
#include "app/modbus.h"
#include "app/s7comm.h"
#include "app/smtp.h"
#include "app/http.h"
#include "app/http_chunked.h"
#include "app/http2.h"
#include "app/tls.h"
#include "app/tls_server.h"
#include "app/x509.h"
#include "common/slab.h"
#include "detect/devices.h"
#include "output/community_id.h"
#include "output/pcaplog.h"
#include "sensor/worker.h"

enum app_proto {
	APP_UNKNOWN = 0,
	APP_DNS,
	APP_HTTP,
	APP_TLS,
	APP_SMTP,   /* recognised only: app_proto, nothing parsed */
	APP_FAILED, /* looked at the first bytes and recognised nothing */
	APP_HTTP2,  /* cleartext HTTP/2 (prior knowledge): http2_flow.c */
	/* The ICS protocols last: app_stream.c tells them by >= APP_MODBUS. */
	APP_MODBUS,
	APP_DNP3,
	APP_IEC104,
	APP_S7COMM,
};

/* "dns", "modbus", ... ; NULL for none (worker.c). */
const char *yg_worker_app_name(uint8_t app);

/* struct yg_flow.app_flags: the protocol in the low bits, and whether each
 * direction is finished (so its packets skip the app layer untouched). */
#define APP_MASK 0x0f
#define APP_DONE_TS 0x40
#define APP_DONE_TC 0x80

static inline uint8_t app_proto(const struct yg_flow *f)
{
	return f->app_flags & APP_MASK;
}

/* Whether the app layer is finished with the directions in dirs
 * (APP_DONE_TS, APP_DONE_TC or both): it reads nothing more of them. */
static inline bool app_done(const struct yg_flow *f, uint8_t dirs)
{
	return app_proto(f) == APP_FAILED || (f->app_flags & dirs) == dirs;
}

static inline void set_proto(struct yg_flow *f, uint8_t proto)
{
	f->app_flags = (uint8_t)((f->app_flags & ~APP_MASK) | proto);
}

/* One direction of a TCP connection, as far as the app layer follows it. */
/* Stream buffer size classes: 512 B to 32 KiB in powers of two. */
#define YG_STREAM_BUF_CLASSES 7
#define YG_STREAM_BUF_SLAB_MAX (512u << (YG_STREAM_BUF_CLASSES - 1))

struct stream {
	uint32_t next_seq;
	uint32_t len, cap;   /* buffered bytes not yet parsed */
	uint64_t skip;       /* body bytes still to pass over (YG_HTTP_BODY_LENGTH) */
	uint8_t *buf;
	bool seq_known;
	bool done;           /* nothing more to parse in this direction */
	uint8_t body;        /* enum yg_http_body of the message being passed over */
	struct yg_http_chunked ck; /* with YG_HTTP_BODY_CHUNKED */
};

/* A TLS connection between its ClientHello and the end of the
 * handshake: the tls event waits for the server's certificate, and for
 * the client's when the server asked for one (eve_tls.c). Charged to the
 * flow memcap; given back to the worker's tls_slab once the event is
 * written. */
struct tls_state {
	struct yg_tls_client_hello ch;
	struct yg_tls_server srv, cli;
	size_t charged, cli_charged; /* bytes charged for each reader's buffers */
	bool srv_cert_now; /* w->x509 holds srv's leaf (parsed in this call) */
};

#define FLOW_ALERTS_INLINE 6
#define FLOW_ANOMALY_EVENTS_MAX 8 /* anomaly events per flow; more are counted only */
#define FLOW_ALERTS_MAX 256 /* per flow; more are counted, not logged */

struct flow_app {
	uint8_t n_alerts;
	uint16_t n_more, cap_more;
	uint32_t alerts[FLOW_ALERTS_INLINE]; /* hashes of indicators alerted on */
	uint32_t *more;
	uint16_t vlan_inner; /* second VLAN id of the flow's first packet, 0 if none */
	uint8_t icmp_type, icmp_code; /* of an ICMP flow's first packet (Community ID) */
	uint8_t tun_kind;    /* enum yg_tunnel of the flow's first packet, 0 if none */
	struct yg_packet_tunnel tun; /* its outer header, for EVE's tunnel object */
	char community_id[YG_COMMUNITY_ID_SIZE]; /* "" until first needed */
	struct stream s[2];  /* 0: to server, 1: to client */
	struct yg_http_tx *tx_head, *tx_tail; /* requests waiting for responses */
	uint8_t n_tx;
	char *beacon_name; /* first SNI, Host or query name (eve_beacon.c); charged */
	struct tls_state *tls; /* NULL unless a tls event waits for the server */
	bool tls_logged;       /* the flow's tls event is written */
	uint8_t anomaly_events; /* anomaly events written for this flow */
	struct ics_flow *ics; /* ICS state (ics_flow.c); charged */
	struct h2_flow *h2;   /* HTTP/2 state (http2_flow.c); charged */
	/* --pcap-log (pcap_flow.c): the flow's frames until it alerts, as
	 * struct yg_pcaplog_rec records; counted against the worker's
	 * pcap_memcap, not the flow memcap. */
	uint8_t *pcap_buf;
	uint32_t pcap_len, pcap_cap;
	uint8_t pcap_state; /* enum in pcap_flow.c */
};

struct yg_worker {
	struct yg_worker_config cfg;
	struct yg_flow_table *ft;
	struct yg_eve eve;
	struct yg_sensor_stats st;
	const struct yg_intel_set *set; /* for the packet being processed */
	uint64_t last_expire_us;
	/* Scratch results, too big for the stack of a hot function. */
	struct yg_dns_msg dns;
	struct yg_tls_client_hello tls;
	struct yg_x509_info x509, x509_cli;
	/* Decoder anomaly events (no flow yet): at most ANOMALY_EVENTS_PER_SEC
	 * per second of packet time; more are counted only. */
	uint64_t anom_sec;
	unsigned anom_in_sec;
	struct yg_modbus_msg modbus;
	struct yg_dnp3_msg dnp3;
	struct yg_iec104_apdu iec104;
	struct yg_s7_msg s7;
	/* The packet the app layer is reading, for its anomaly events. */
	const struct yg_packet *cur_pkt;
	struct yg_flow *cur_flow;
	bool cur_toserver;
	struct yg_community_id *cid; /* hasher with the configured seed */
	/* The Community ID of a flow with no app state to cache it in. */
	char community_id[YG_COMMUNITY_ID_SIZE];
	struct yg_device_view dev_view; /* a device's record for its event */
	/* --pcap-log: buffer bytes the worker's flows hold, and the file the
	 * current packet went into ("" when it went into none). */
	size_t pcap_mem;
	char pcap_file[YG_PCAPLOG_PATH_MAX];
	/* Where struct flow_app and struct tls_state come from (slab.h says
	 * why not malloc). Objects in use are charged to the flow memcap as
	 * before; freed with the flow table in yg_worker_finish. */
	struct yg_slab app_slab, tls_slab;
	struct yg_slab h2_slab; /* HTTP/2 streams (http2_flow.c) */
	/* Stream buffers (struct stream's buf) of 512 << i bytes, up to
	 * YG_STREAM_BUF_SLAB_MAX; larger ones from malloc (app_stream.c). */
	struct yg_slab buf_slab[YG_STREAM_BUF_CLASSES];
	/* yg_worker_finish ended every flow: the table stays (for
	 * yg_worker_reset) but takes no more packets. */
	bool finished;
	/* yg_worker_reset is ending flows: their app state is freed and
	 * nothing else (no events, no beacon starts). */
	bool discarding;
};

/* The flow's app state, created on first need (charged to the flow memcap).
 * NULL when the memory cap is reached. */
struct flow_app *yg_worker_flow_app(struct yg_worker *w, struct yg_flow *f);

/* A zeroed block of SIZE bytes charged to the flow memcap, or NULL (the
 * refusal counted in app_memcap_drops). The caller owns it: free() it and
 * release the charge with yg_flow_charge(w->ft, -SIZE). */
void *yg_worker_calloc_charged(struct yg_worker *w, size_t size);

/* App layer (app_stream.c). */
void yg_worker_app_udp(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		       bool toserver);
void yg_worker_app_tcp(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		       bool toserver);
void yg_worker_app_free(struct yg_worker *w, struct flow_app *a);

/* HTTP transactions (http_tx.c): a request waits for its response, then
 * both are written as one http event. What follows a response head: */
enum yg_http_body {
	YG_HTTP_BODY_NONE,    /* nothing: the next message follows */
	YG_HTTP_BODY_LENGTH,  /* Content-Length bytes */
	YG_HTTP_BODY_CHUNKED,
	YG_HTTP_BODY_CLOSE,   /* everything until the connection closes */
	YG_HTTP_BODY_TUNNEL,  /* not HTTP any more (101, CONNECT 2xx) */
};
struct yg_http_tx;
/* Queues req (copied) for its response; log_http only. */
void yg_http_tx_request(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			const struct yg_http_request *req);
/* Pairs resp with the oldest waiting request and says what body follows;
 * writes the event at once when none does. */
enum yg_http_body yg_http_tx_response(struct yg_worker *w, struct yg_flow *f,
				      const struct yg_packet *pkt,
				      const struct yg_http_response *resp);
/* n response body bytes of the transaction being answered. */
void yg_http_tx_body(struct yg_flow *f, uint64_t n);
/* The response body ended: writes the event. */
void yg_http_tx_response_end(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us);
/* The flow ends: writes what waits, with what was seen of it. */
void yg_http_tx_flush(struct yg_worker *w, struct yg_flow *f);
void yg_http_tx_free(struct yg_worker *w, struct flow_app *a);

/* HTTP/2 (http2_flow.c): parses p[0..n) of the flow's direction;
 * returns bytes used (> 0), 0 when more are needed, -1 when the
 * direction is finished. */
long yg_worker_http2_parse(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver, const uint8_t *p, size_t n);
/* The flow ends: writes the streams still open, and stream 0's event. */
void yg_worker_http2_flush(struct yg_worker *w, struct yg_flow *f);
void yg_worker_http2_free(struct yg_worker *w, struct flow_app *a);
/* What an HTTP request (of either version) tells beside its event:
 * devices, beacon name, indicators on its host and URL (alert.c). */
void yg_worker_http_seen(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			 bool toserver, const struct yg_http_request *req);

/* ICS (ics_flow.c, eve_modbus.c, eve_dnp3.c, eve_iec104.c, eve_s7comm.c,
 * ics_alert.c). The flow's ICS state, created on first need (charged);
 * NULL when the memory cap is reached. */
struct ics_flow *yg_worker_ics_flow(struct yg_worker *w, struct yg_flow *f);
void yg_worker_ics_free(struct yg_worker *w, struct flow_app *a);
/* The flow ends: writes requests still waiting for a response. */
void yg_worker_ics_flush(struct yg_worker *w, struct yg_flow *f);
/* One parsed message of each protocol: its EVE event, and for a request
 * the policy check (and learning). */
void yg_worker_modbus(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      bool toserver, const struct yg_modbus_msg *m);
void yg_worker_dnp3(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		    bool toserver, const struct yg_dnp3_msg *m);
void yg_worker_iec104(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      bool toserver, const struct yg_iec104_apdu *a);
void yg_worker_s7comm(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      bool toserver, const struct yg_s7_msg *m);
/* Well-known ports: Modbus/TCP 502, DNP3 20000, IEC 104 2404, ISO-TSAP 102. */
#define YG_MODBUS_PORT 502
#define YG_DNP3_PORT   20000
#define YG_IEC104_PORT 2404
#define YG_S7_PORT     102
/* The ICS protocol of a flow by its server port, else 0 (app_ics.c). */
uint8_t yg_worker_ics_port_proto(const struct yg_flow *f);
/* Whether the flow's client is the controller (it has the well-known
 * port, its server does not): requests then come from the server. */
bool yg_worker_ics_reversed(const struct yg_flow *f);
/* The ICS protocol the client's first bytes show off the well-known
 * ports (Modbus, DNP3), else 0. */
uint8_t yg_worker_ics_detect(const uint8_t *p, size_t n);
/* Parses one message of the flow's ICS protocol from p[0..n): bytes used
 * (> 0), 0 when more are needed, -1 when the direction is finished. */
long yg_worker_ics_parse(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			 bool toserver, const uint8_t *p, size_t n);
/* A UDP datagram to or from port 20000: DNP3 link frames. */
void yg_worker_dnp3_datagram(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			     bool toserver);
/* Writes the protocol's object of a request into an alert. */
typedef void (*yg_ics_object_fn)(struct yg_jsonw *j, const void *msg);
/* A request of class op: checks the policy, alerts (once per flow per
 * rule and class) and feeds the learner. */
void yg_worker_ics_op(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      enum yg_ics_proto proto, enum yg_ics_op op, const char *function,
		      yg_ics_object_fn obj, const void *msg);
/* Records that key alerted on flow f; false when it already had (alert.c). */
bool yg_worker_first_alert(struct yg_worker *w, struct yg_flow *f, uint32_t key);

/* Conditional pcap (pcap_flow.c). Keeps or writes the frame of the
 * packet being processed for its flow f. */
void yg_worker_pcap_packet(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   const uint8_t *frame);
/* An alert on f is being written: the flow's kept frames go to the ring
 * (its later ones will follow), and the event gets "capture_file", the
 * file that holds the alert's packet. No-op without --pcap-log. */
void yg_worker_pcap_alert(struct yg_worker *w, struct yg_flow *f);
void yg_worker_pcap_free(struct yg_worker *w, struct flow_app *a);

/* Detection and alerts (alert.c). */
void yg_worker_match_flow(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			  bool toserver);
/* An ICMP error's quoted packet (pkt->quote) names an indicator: the
 * packet that caused the error went to or came from it. */
void yg_worker_match_quote(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver);
void yg_worker_dns(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		   bool toserver, const struct yg_dns_msg *m);
void yg_worker_http(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		    bool toserver, const struct yg_http_request *req);
void yg_worker_tls(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		   bool toserver, const struct yg_tls_client_hello *h);
/* Alerts on the server's JA3S and JA4S (v->sh) and on its certificate's
 * SHA-1 (v->cert), each when not NULL. */
struct yg_tls_view;
void yg_worker_tls_server_match(struct yg_worker *w, struct yg_flow *f,
				const struct yg_packet *pkt, const struct yg_tls_view *v);

/* TLS events (eve_tls.c). After a ClientHello: keeps it (copied, charged)
 * so the event can wait for the server; false when memory is refused
 * (the caller writes the event at once then). */
bool yg_worker_tls_keep(struct yg_worker *w, struct yg_flow *f, const struct yg_tls_client_hello *h);
/* Writes one tls event of flow f (to_server direction). */
void yg_worker_tls_event(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us,
			 const struct yg_tls_view *v);
/* Server stream bytes of a kept TLS flow: returns bytes used, 0 when more
 * are needed, -1 when the server's part is over. */
long yg_worker_tls_server(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			  const uint8_t *p, size_t n);
/* The client's stream bytes of a kept TLS flow from its ClientHello on
 * (for the certificate it may send): returns as above. */
long yg_worker_tls_client(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			  const uint8_t *p, size_t n);
/* The flow ends: writes the event that still waits. */
void yg_worker_tls_flush(struct yg_worker *w, struct yg_flow *f);
void yg_worker_tls_free(struct yg_worker *w, struct flow_app *a);

/* Counts anomaly a of the packet the app layer is reading and writes its
 * event (when anomaly events are on and the flow is under its limit). */
void yg_worker_app_anomaly(struct yg_worker *w, enum yg_anomaly a);
/* Whether a decoder anomaly event of a packet at ts_us may be written
 * (a per-worker rate limit); counts the ones that may not. */
bool yg_worker_decoder_anomaly_allowed(struct yg_worker *w, uint64_t ts_us);

/* Beacon detection (eve_beacon.c). The first name a flow carries (TLS
 * SNI, HTTP Host without its port, DNS query name) keys its beacon pair;
 * kept only for flows from a home host to an outside one. */
void yg_worker_beacon_name(struct yg_worker *w, struct yg_flow *f, const char *name, size_t len);
/* The flow ended: its start goes to the beacon table, and a report
 * becomes a "beacon" event (and goes to on_beacon). */
void yg_worker_beacon_flow(struct yg_worker *w, struct yg_flow *f);

/* Device inventory (eve_device.c), with cfg.devices set: a flow's first
 * packet and first answer; DHCP and NetBIOS datagrams; mDNS and DNS PTR
 * answers; a request's User-Agent (ua, ua_len) or a ClientHello's JA4. */
void yg_worker_devices_packet(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			      bool toserver, bool created);
void yg_worker_devices_udp(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver);
void yg_worker_devices_dns(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver, const struct yg_dns_msg *m);
void yg_worker_devices_app(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver, const char *ua, size_t ua_len, const char *ja4);

/* Writes one "anomaly" event (eve_anomaly.c) for anomaly a of pkt; f is
 * the packet's flow, NULL for a decoder anomaly seen before the flow. */
void yg_worker_anomaly_event(struct yg_worker *w, const struct yg_packet *pkt,
			     struct yg_flow *f, bool toserver, enum yg_anomaly a);

/* The event tuple of a packet of flow f in its direction, with the flow's
 * Community ID: computed on the flow's first event and cached in its app
 * state (created for it), so later events of the flow reuse it. The
 * tuple's strings are valid until the next call. */
void yg_worker_tuple(struct yg_worker *w, struct yg_flow *f, bool toserver,
		     struct yg_eve_tuple *ret);

#endif
