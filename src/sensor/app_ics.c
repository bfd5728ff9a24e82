/*
 * The app layer's ICS protocols: framing of each protocol on the TCP
 * stream (app_stream.c buffers a partial frame, up to the protocol's
 * largest), DNP3 over UDP, and the hand-over of each parsed message to
 * its EVE writer and the policy.
 *
 * A frame that cannot be framed (a length out of range, a start byte
 * missing) leaves no length to trust. DNP3 frames start with 05 64, so
 * parsing resumes at the next one. Modbus, IEC 104 and TPKT have no such
 * marker: what is buffered is dropped and parsing resumes with the next
 * segment (senders write one message per segment, and tshark decodes
 * them so), at most ICS_FRAMING_MAX times per direction before the
 * direction is left alone: a stream that is not the protocol at all
 * costs a few anomalies, not one per segment.
 */
#include <errno.h>

#include "sensor/ics_flow.h"
#include "sensor/worker-int.h"

static void anomaly(struct yg_worker *w, enum yg_anomaly a)
{
	w->st.anomalies[a]++;
	if (a == YG_ANOM_DNP3_BAD_CRC)
		w->st.dnp3_bad_crc++;
	if (w->cfg.log_anomaly && w->cur_pkt)
		yg_worker_anomaly_event(w, w->cur_pkt, w->cur_flow, w->cur_toserver, a);
}

static uint8_t port_proto(uint16_t port)
{
	switch (port) {
	case YG_MODBUS_PORT: return APP_MODBUS;
	case YG_DNP3_PORT: return APP_DNP3;
	case YG_IEC104_PORT: return APP_IEC104;
	case YG_S7_PORT: return APP_S7COMM;
	default: return 0;
	}
}

uint8_t yg_worker_ics_port_proto(const struct yg_flow *f)
{
	/* The client's port too: a capture may show the controller's side
	 * opening the connection (or its first packet), as tshark decodes
	 * either direction by port. */
	uint8_t p = port_proto(f->srv_port);
	return p ? p : port_proto(f->cli_port);
}

bool yg_worker_ics_reversed(const struct yg_flow *f)
{
	return !port_proto(f->srv_port) && port_proto(f->cli_port);
}

/* Whether bytes sent toserver come from the master (client) side: the
 * side away from the protocol's port when only the flow's client has it. */
static bool from_master(const struct yg_flow *f, bool toserver, uint16_t port)
{
	return f->srv_port != port && f->cli_port == port ? !toserver : toserver;
}

uint8_t yg_worker_ics_detect(const uint8_t *p, size_t n)
{
	if (yg_modbus_detect(p, n))
		return APP_MODBUS;
	if (yg_dnp3_detect(p, n))
		return APP_DNP3;
	return 0;
}

/* Framing was lost in p[0..n): how many bytes to drop, or -1 to stop. */
static long framing_lost(struct yg_worker *w, struct yg_flow *f, bool toserver, size_t n)
{
	struct ics_flow *s = yg_worker_ics_flow(w, f);
	if (!s || s->framing_lost[toserver ? 0 : 1]++ >= ICS_FRAMING_MAX)
		return -1;
	return (long)n;
}

static long modbus(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		   bool toserver, const uint8_t *p, size_t n)
{
	size_t len;
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = yg_modbus_adu_len(p, n, &len, &an);
	if (r == -EAGAIN || (r == 0 && len > n))
		return 0;
	if (r < 0) {
		anomaly(w, an);
		return framing_lost(w, f, toserver, n);
	}
	bool master = from_master(f, toserver, YG_MODBUS_PORT);
	r = yg_modbus_parse(p, len, master, &w->modbus, &an);
	if (an != YG_ANOM__COUNT)
		anomaly(w, an);
	if (r == 0)
		yg_worker_modbus(w, f, pkt, master, &w->modbus);
	return (long)len;
}

/* One link frame p[0..len): CRCs, transport, application. */
static void dnp3_frame(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		       bool toserver, const uint8_t *p, size_t len)
{
	uint8_t seg[YG_DNP3_SEGMENT_MAX];
	size_t seglen;
	struct yg_dnp3_link link;
	enum yg_anomaly an = YG_ANOM__COUNT;
	if (yg_dnp3_link_parse(p, len, &link, seg, &seglen, &an) < 0) {
		anomaly(w, an);
		return;
	}
	if (!(link.ctrl & 0x40) || seglen == 0)
		return; /* secondary frames (acks, link status) carry no data */
	struct ics_flow *s = f->app ? ((struct flow_app *)f->app)->ics : NULL;
	struct yg_dnp3_reasm *ra = s ? s->dnp3[toserver ? 0 : 1] : NULL;
	const uint8_t *frag;
	size_t fn;
	int r = yg_dnp3_transport(ra, seg, seglen, &frag, &fn, &an);
	if (r == -ENOMEM) {
		ra = yg_worker_dnp3_reasm(w, f, toserver);
		if (!ra)
			return;
		r = yg_dnp3_transport(ra, seg, seglen, &frag, &fn, &an);
	}
	if (r < 0) {
		anomaly(w, an);
		return;
	}
	if (r == 0)
		return;
	an = YG_ANOM__COUNT;
	r = yg_dnp3_app_parse(frag, fn, &w->dnp3, &an);
	if (an != YG_ANOM__COUNT)
		anomaly(w, an);
	if (r < 0)
		return;
	w->dnp3.link = link;
	yg_worker_dnp3(w, f, pkt, toserver, &w->dnp3);
}

static long dnp3(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		 bool toserver, const uint8_t *p, size_t n)
{
	size_t len;
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = yg_dnp3_frame_len(p, n, &len, &an);
	if (r == -EAGAIN || (r == 0 && len > n))
		return 0;
	if (r < 0) {
		/* Every frame starts 05 64: skip to the next start, so one
		 * damaged frame does not end the stream. */
		anomaly(w, an);
		for (size_t k = 1; k + 1 < n; k++)
			if (p[k] == 0x05 && p[k + 1] == 0x64)
				return (long)k;
		return (long)(n > 1 && p[n - 1] == 0x05 ? n - 1 : n);
	}
	dnp3_frame(w, f, pkt, toserver, p, len);
	return (long)len;
}

void yg_worker_dnp3_datagram(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			     bool toserver)
{
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len;
	/* A datagram holds whole frames, one or several. */
	while (n) {
		size_t len;
		enum yg_anomaly an = YG_ANOM__COUNT;
		int r = yg_dnp3_frame_len(p, n, &len, &an);
		if (r == -EAGAIN || (r == 0 && len > n)) {
			anomaly(w, YG_ANOM_DNP3_BAD_LINK);
			return;
		}
		if (r < 0) {
			anomaly(w, an);
			return;
		}
		set_proto(f, APP_DNP3);
		dnp3_frame(w, f, pkt, toserver, p, len);
		p += len;
		n -= len;
	}
}

static long iec104(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		   bool toserver, const uint8_t *p, size_t n)
{
	size_t len;
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = yg_iec104_apdu_len(p, n, &len, &an);
	if (r == -EAGAIN || (r == 0 && len > n))
		return 0;
	if (r < 0) {
		anomaly(w, an);
		return framing_lost(w, f, toserver, n);
	}
	r = yg_iec104_parse(p, len, &w->iec104, &an);
	if (an != YG_ANOM__COUNT)
		anomaly(w, an);
	if (r == 0)
		yg_worker_iec104(w, f, pkt, toserver, &w->iec104);
	return (long)len;
}

static long s7comm(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		   bool toserver, const uint8_t *p, size_t n)
{
	size_t len;
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = yg_tpkt_len(p, n, &len, &an);
	if (r == -EAGAIN || (r == 0 && len > n))
		return 0;
	if (r < 0) {
		anomaly(w, an);
		return framing_lost(w, f, toserver, n);
	}
	r = yg_s7_parse(p, len, &w->s7, &an);
	if (an != YG_ANOM__COUNT)
		anomaly(w, an);
	if (r == 0 && w->s7.kind != YG_S7_COTP_ONLY)
		yg_worker_s7comm(w, f, pkt, toserver, &w->s7);
	return (long)len;
}

long yg_worker_ics_parse(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			 bool toserver, const uint8_t *p, size_t n)
{
	switch (app_proto(f)) {
	case APP_MODBUS: return modbus(w, f, pkt, toserver, p, n);
	case APP_DNP3: return dnp3(w, f, pkt, toserver, p, n);
	case APP_IEC104: return iec104(w, f, pkt, toserver, p, n);
	case APP_S7COMM: return s7comm(w, f, pkt, toserver, p, n);
	default: return -1;
	}
}
