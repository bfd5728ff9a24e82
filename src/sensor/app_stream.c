/*
 * The app layer's view of a flow: recognises DNS, HTTP and TLS from the
 * first bytes (and ports), SMTP from the server's greeting or the
 * client's EHLO/HELO (app_proto only), and the ICS protocols by port or first bytes
 * (app_ics.c), follows TCP sequence numbers just enough to
 * put a ClientHello or request head split over several segments back
 * together, and hands complete messages to the parsers.
 *
 * No full reassembly: out-of-order data ends parsing of that direction
 * (app.stream_gap); retransmitted bytes are skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "sensor/worker-int.h"

#define UNKNOWN_CAP 64u
#define DNS_TCP_CAP (65535u + 2u)
#define TLS_CAP (YG_TLS_HELLO_MAX + 4096u)
/* The server's records are read whole: one record plus a large (offloaded)
 * segment that ends inside the next one. */
#define TLS_SERVER_CAP (YG_TLS_RECORD_MAX + 65536u)
/* Decoder anomaly events per second of packet time, per worker. */
#define ANOMALY_EVENTS_PER_SEC 100

static bool is_dns_port(uint16_t p)
{
	return p == 53 || p == 5353;
}

/* Whether a TCP flow is DNS by its ports: 53, 5353, or --dns-tcp-port. */
static bool is_dns_tcp(const struct yg_worker *w, const struct yg_flow *f)
{
	uint16_t x = w->cfg.dns_tcp_port;
	return is_dns_port(f->srv_port) || is_dns_port(f->cli_port) ||
	       (x && (f->srv_port == x || f->cli_port == x));
}

/* As process() in worker.c hands packets to the app layer. */
bool yg_worker_reads_payload(const struct yg_packet *pkt)
{
	if (!pkt->l4_ok || !pkt->payload_len)
		return false;
	if (pkt->proto == 6)
		return !pkt->frag;
	if (pkt->proto != 17)
		return false;
	/* DHCP and NetBIOS name service: the device inventory reads them. */
	return is_dns_port(pkt->sport) || is_dns_port(pkt->dport) || pkt->dport == 67 ||
	       pkt->dport == 68 || pkt->dport == 137 || pkt->sport == YG_DNP3_PORT ||
	       pkt->dport == YG_DNP3_PORT;
}

void yg_worker_app_anomaly(struct yg_worker *w, enum yg_anomaly a)
{
	w->st.anomalies[a]++;
	if (!w->cfg.log_anomaly || !w->cur_pkt)
		return;
	/* Broken traffic can repeat an anomaly on every packet of a flow:
	 * the first few name the problem, the rest are counted. */
	struct flow_app *fa = w->cur_flow ? w->cur_flow->app : NULL;
	if (fa && fa->anomaly_events >= FLOW_ANOMALY_EVENTS_MAX) {
		w->st.anomaly_events_suppressed++;
		return;
	}
	if (fa)
		fa->anomaly_events++;
	yg_worker_anomaly_event(w, w->cur_pkt, w->cur_flow, w->cur_toserver, a);
}

bool yg_worker_decoder_anomaly_allowed(struct yg_worker *w, uint64_t ts_us)
{
	uint64_t sec = ts_us / 1000000u;
	if (sec != w->anom_sec) {
		w->anom_sec = sec;
		w->anom_in_sec = 0;
	}
	if (w->anom_in_sec >= ANOMALY_EVENTS_PER_SEC) {
		w->st.anomaly_events_suppressed++;
		return false;
	}
	w->anom_in_sec++;
	return true;
}

static void anomaly(struct yg_worker *w, enum yg_anomaly a)
{
	yg_worker_app_anomaly(w, a);
}

/* The buf_slab class that holds a buffer of cap bytes, -1 for malloc.
 * Why slabs: a short flow's stream buffer is a fresh 512 B .. 16 KiB
 * malloc and realloc (a tenth of the packet path's allocator time on the
 * real mix); a per-worker free list of its size class hands a warm one. */
static int buf_class(size_t cap)
{
	if (cap > YG_STREAM_BUF_SLAB_MAX)
		return -1;
	int c = 0;
	while (((size_t)512 << c) < cap)
		c++;
	return c;
}

static void buf_free(struct yg_worker *w, uint8_t *buf, size_t cap)
{
	int c = buf_class(cap);
	if (c < 0)
		free(buf);
	else
		yg_slab_put(&w->buf_slab[c], buf);
}

/* s's buffer grown to want bytes (s->len kept), NULL when out of memory
 * (s unchanged). */
static uint8_t *buf_grow(struct yg_worker *w, struct stream *s, size_t want)
{
	int c = buf_class(want);
	if (s->buf && c >= 0 && c == buf_class(s->cap))
		return s->buf; /* the slab class already has the room */
	if (c < 0 && s->buf && buf_class(s->cap) < 0)
		return realloc(s->buf, want);
	uint8_t *b = c < 0 ? malloc(want) : yg_slab_get_dirty(&w->buf_slab[c]);
	if (!b)
		return NULL;
	if (s->buf) {
		memcpy(b, s->buf, s->len);
		buf_free(w, s->buf, s->cap);
	}
	return b;
}

static void stream_drop_buf(struct yg_worker *w, struct stream *s)
{
	if (s->buf) {
		buf_free(w, s->buf, s->cap);
		yg_flow_charge(w->ft, -(long)s->cap);
	}
	s->buf = NULL;
	s->len = s->cap = 0;
}

static void stream_done(struct yg_worker *w, struct yg_flow *f, struct stream *s, bool toserver)
{
	s->done = true;
	/* Remembered in the flow's first cache line too, so later packets of
	 * this direction need not touch the app state at all. */
	f->app_flags |= toserver ? APP_DONE_TS : APP_DONE_TC;
	stream_drop_buf(w, s);
}

void yg_worker_app_free(struct yg_worker *w, struct flow_app *a)
{
	yg_http_tx_free(w, a);
	yg_worker_http2_free(w, a);
	yg_worker_tls_free(w, a);
	yg_worker_ics_free(w, a);
	yg_worker_pcap_free(w, a);
	for (int i = 0; i < 2; i++)
		stream_drop_buf(w, &a->s[i]);
	free(a->more);
	if (a->beacon_name) {
		yg_flow_charge(w->ft, -(long)(strlen(a->beacon_name) + 1));
		free(a->beacon_name);
	}
	yg_flow_charge(w->ft, -(long)(sizeof *a + (size_t)a->cap_more * sizeof(uint32_t)));
	yg_slab_put(&w->app_slab, a);
}

void yg_worker_app_udp(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		       bool toserver)
{
	/* A DNS port wins: a resolver's query may leave from port 20000. */
	bool dns = is_dns_port(pkt->sport) || is_dns_port(pkt->dport);
	if (!dns && (pkt->sport == YG_DNP3_PORT || pkt->dport == YG_DNP3_PORT)) {
		yg_worker_dnp3_datagram(w, f, pkt, toserver);
		return;
	}
	if (!dns)
		return;
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = yg_dns_parse(pkt->payload, pkt->payload_len, &w->dns, &an);
	if (an != YG_ANOM__COUNT)
		anomaly(w, an);
	if (r < 0)
		return;
	set_proto(f, APP_DNS);
	w->st.dns_msgs++;
	yg_worker_dns(w, f, pkt, toserver, &w->dns);
}

static unsigned cap_for(uint8_t app, bool toserver)
{
	switch (app) {
	case APP_DNS: return DNS_TCP_CAP;
	case APP_HTTP: return YG_HTTP_HEAD_MAX;
	case APP_HTTP2: return YG_H2_FRAME_HDR + YG_H2_FRAME_READ_MAX;
	case APP_TLS: return toserver ? TLS_CAP : TLS_SERVER_CAP;
	case APP_MODBUS: return YG_MODBUS_ADU_MAX;
	case APP_DNP3: return YG_DNP3_FRAME_MAX;
	case APP_IEC104: return YG_IEC104_APDU_MAX;
	case APP_S7COMM: return YG_TPKT_MAX;
	default: return UNKNOWN_CAP;
	}
}

/* Decides the flow's protocol from the client's first bytes.
 * Returns false when more bytes are needed to decide. */
static bool detect(const struct yg_worker *w, struct yg_flow *f, const uint8_t *p, size_t n)
{
	if (is_dns_tcp(w, f)) {
		set_proto(f, APP_DNS);
		return true;
	}
	/* The controller's port decides at once; a client's port that only
	 * happens to be an ICS port (an ephemeral 20000 or 2404) loses to
	 * what the bytes say, else a TLS or HTTP flow from it would be lost. */
	uint8_t ics = yg_worker_ics_port_proto(f);
	if (ics && !yg_worker_ics_reversed(f)) {
		set_proto(f, ics);
		return true;
	}
	if (yg_tls_looks_like_handshake(p, n)) {
		set_proto(f, APP_TLS);
		return true;
	}
	int h2 = yg_h2_detect_preface(p, n);
	if (h2 > 0) {
		set_proto(f, APP_HTTP2);
		return true;
	}
	int http = yg_http_detect(p, n);
	if (http > 0) {
		set_proto(f, APP_HTTP);
		return true;
	}
	int smtp = yg_smtp_detect_client(p, n);
	if (smtp > 0) {
		set_proto(f, APP_SMTP);
		return true;
	}
	/* A method, the HTTP/2 preface or EHLO cut short ("PROPFI",
	 * "PRI * HT", "EHL"), or a TLS record header cut short. */
	if (http == 0 || h2 == 0 || smtp == 0 || (n < 3 && p[0] == 0x16))
		return false;
	if (!ics)
		ics = yg_worker_ics_detect(p, n);
	if (ics) {
		set_proto(f, ics);
		return true;
	}
	set_proto(f, APP_FAILED);
	return true;
}

static void body_start(struct stream *s, enum yg_http_body b, uint64_t len)
{
	s->body = (uint8_t)b;
	s->skip = len;
	memset(&s->ck, 0, sizeof s->ck);
}

/*
 * Passes over body bytes at p[0..n) (s->body is set). Returns bytes used
 * (> 0), or -1 when the direction cannot be followed any further.
 */
static long body_bytes(struct yg_worker *w, struct yg_flow *f, struct stream *s,
		       const struct yg_packet *pkt, bool toserver, const uint8_t *p, size_t n)
{
	uint64_t data;
	size_t used;
	bool end = false;
	switch (s->body) {
	case YG_HTTP_BODY_LENGTH:
		used = n < s->skip ? n : (size_t)s->skip;
		s->skip -= used;
		data = used;
		end = s->skip == 0;
		break;
	case YG_HTTP_BODY_CHUNKED: {
		uint64_t before = s->ck.body;
		long r = yg_http_chunked_feed(&s->ck, p, n, &end);
		if (r <= 0 && !end) {
			anomaly(w, YG_ANOM_HTTP_MALFORMED);
			if (!toserver)
				yg_http_tx_response_end(w, f, pkt->ts_us);
			return -1;
		}
		used = (size_t)r;
		data = s->ck.body - before;
		break;
	}
	default: /* YG_HTTP_BODY_CLOSE: the flow's end ends it */
		used = n;
		data = n;
		break;
	}
	if (!toserver)
		yg_http_tx_body(f, data);
	if (end) {
		s->body = YG_HTTP_BODY_NONE;
		if (!toserver)
			yg_http_tx_response_end(w, f, pkt->ts_us);
	}
	return (long)used;
}

/* A response head at p, paired with its request; sets up its body. */
static long http_response(struct yg_worker *w, struct yg_flow *f, struct stream *s,
			  const struct yg_packet *pkt, const uint8_t *p, size_t n)
{
	struct yg_http_response resp;
	int r = yg_http_response_parse(p, n, &resp);
	if (r == -EAGAIN)
		return 0;
	if (r < 0) {
		anomaly(w, r == -E2BIG ? YG_ANOM_HTTP_TOO_LONG : YG_ANOM_HTTP_MALFORMED);
		return -1;
	}
	if (resp.status >= 200 || resp.status == 101)
		w->st.http_resps++;
	enum yg_http_body b = yg_http_tx_response(w, f, pkt, &resp);
	if (b == YG_HTTP_BODY_TUNNEL) {
		/* Whatever the two ends say now is not HTTP. */
		struct flow_app *a = f->app;
		stream_done(w, f, &a->s[0], true);
		return -1;
	}
	if (b != YG_HTTP_BODY_NONE)
		body_start(s, b, resp.content_length);
	return (long)resp.head_len;
}

/*
 * Parses what it can from p[0..n). Returns bytes consumed (> 0), 0 when
 * more are needed, -1 when this direction is finished.
 */
static long parse(struct yg_worker *w, struct yg_flow *f, struct stream *s,
		  const struct yg_packet *pkt, bool toserver, const uint8_t *p, size_t n)
{
	if (app_proto(f) == APP_UNKNOWN) {
		if (!toserver) {
			/* A server that speaks first is none of DNS over TCP
			 * (port-detected), HTTP or TLS: stop reading its side,
			 * once its greeting was checked for SMTP's. */
			uint8_t ics = yg_worker_ics_port_proto(f);
			/* An HTTP/2 server may send its SETTINGS before the
			 * client's preface arrives (RFC 9113 section 3.4): kept
			 * (a few bytes) until the client's bytes decide. */
			if (!ics && yg_h2_detect_server_first(p, n) >= 0)
				return 0;
			if (ics) {
				set_proto(f, ics);
			} else if (is_dns_tcp(w, f)) {
				set_proto(f, APP_DNS);
			} else {
				if (yg_smtp_detect_banner(p, n) > 0)
					set_proto(f, APP_SMTP);
				return -1;
			}
		} else if (!detect(w, f, p, n)) {
			return 0;
		}
	}
	switch (app_proto(f)) {
	case APP_DNS: {
		if (n < 2)
			return 0;
		size_t mlen = yg_load_be16(p);
		if (n < 2 + mlen)
			return 0;
		enum yg_anomaly an = YG_ANOM__COUNT;
		int r = yg_dns_parse(p + 2, mlen, &w->dns, &an);
		if (an != YG_ANOM__COUNT)
			anomaly(w, an);
		if (r == 0) {
			w->st.dns_msgs++;
			yg_worker_dns(w, f, pkt, toserver, &w->dns);
		}
		return (long)(2 + mlen);
	}
	case APP_HTTP: {
		if (!toserver)
			return w->cfg.log_http ? http_response(w, f, s, pkt, p, n) : -1;
		struct yg_http_request req;
		int r = yg_http_request_parse(p, n, &req);
		if (r == -EAGAIN)
			return 0;
		if (r == -E2BIG) {
			anomaly(w, YG_ANOM_HTTP_TOO_LONG);
			return -1;
		}
		if (r < 0) {
			anomaly(w, YG_ANOM_HTTP_MALFORMED);
			return -1;
		}
		w->st.http_reqs++;
		yg_worker_http(w, f, pkt, toserver, &req);
		/* The body is passed over so a keep-alive connection's next
		 * request parses (a request has no close-delimited body). */
		if (req.chunked)
			body_start(s, YG_HTTP_BODY_CHUNKED, 0);
		else if (req.content_length)
			body_start(s, YG_HTTP_BODY_LENGTH, req.content_length);
		return (long)req.head_len;
	}
	case APP_TLS: {
		if (!toserver)
			return yg_worker_tls_server(w, f, pkt, p, n);
		/* After the hello: the client's certificate, if it sends one. */
		const struct flow_app *fa = f->app;
		if (fa && fa->tls_logged)
			return -1;
		if (fa && fa->tls)
			return yg_worker_tls_client(w, f, pkt, p, n);
		/* A capture that starts mid-connection may show the server's
		 * handshake first: that is no ClientHello, and not malformed. */
		if (n >= 6 && p[5] != 1)
			return -1;
		size_t need = 0;
		int r = yg_tls_client_hello_parse(p, n, &w->tls, &need);
		if (r == -EAGAIN) {
			if (need > TLS_CAP) {
				anomaly(w, YG_ANOM_TLS_HELLO_TOO_BIG);
				return -1;
			}
			return 0;
		}
		if (r == -E2BIG) {
			anomaly(w, YG_ANOM_TLS_HELLO_TOO_BIG);
			return -1;
		}
		if (r < 0) {
			anomaly(w, YG_ANOM_TLS_MALFORMED);
			return -1;
		}
		w->st.tls_hellos++;
		yg_worker_tls(w, f, pkt, toserver, &w->tls);
		/* Read on from the hello's first record when the event waits
		 * (the reader passes over the hello itself). */
		fa = f->app;
		return fa && fa->tls && !fa->tls_logged ? yg_worker_tls_client(w, f, pkt, p, n) : -1;
	}
	case APP_HTTP2:
		return yg_worker_http2_parse(w, f, pkt, toserver, p, n);
	case APP_MODBUS:
	case APP_DNP3:
	case APP_IEC104:
	case APP_S7COMM:
		return yg_worker_ics_parse(w, f, pkt, toserver, p, n);
	default:
		return -1;
	}
}

static bool stream_append(struct yg_worker *w, struct yg_flow *f, struct stream *s,
			  bool toserver, const uint8_t *p, size_t n)
{
	unsigned cap = cap_for(app_proto(f), toserver);
	if ((size_t)s->len + n > cap)
		return false;
	if (s->len + n > s->cap) {
		/* Grow to what is needed (at most cap), charged to the memcap. */
		size_t want = s->cap ? s->cap : 512;
		while (want < s->len + n)
			want *= 2;
		if (want > cap)
			want = cap;
		if (yg_flow_charge(w->ft, (long)(want - s->cap)) < 0) {
			w->st.app_memcap_drops++;
			return false;
		}
		uint8_t *b = buf_grow(w, s, want);
		if (!b) {
			yg_flow_charge(w->ft, -(long)(want - s->cap));
			w->st.app_memcap_drops++;
			return false;
		}
		s->buf = b;
		s->cap = (uint32_t)want;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += (uint32_t)n;
	return true;
}

/* Feeds in-order bytes to the parser, buffering what it cannot use yet. */
static void feed(struct yg_worker *w, struct yg_flow *f, struct stream *s,
		 const struct yg_packet *pkt, bool toserver, const uint8_t *p, size_t n)
{
	/* Fast path: nothing buffered, parse straight from the packet. */
	while (s->len == 0 && n > 0) {
		long used = s->body ? body_bytes(w, f, s, pkt, toserver, p, n)
				    : parse(w, f, s, pkt, toserver, p, n);
		if (used < 0) {
			stream_done(w, f, s, toserver);
			return;
		}
		if (used == 0)
			break;
		p += used;
		n -= (size_t)used;
	}
	if (n == 0)
		return;
	if (app_proto(f) == APP_UNKNOWN && toserver && s->len > 0) {
		/* Decide on the buffered head plus the new bytes before the
		 * buffer is sized for a protocol. */
		uint8_t head[16];
		size_t k = s->len < sizeof head ? s->len : sizeof head;
		memcpy(head, s->buf, k);
		size_t more = n < sizeof head - k ? n : sizeof head - k;
		memcpy(head + k, p, more);
		detect(w, f, head, k + more);
	}
	if (!stream_append(w, f, s, toserver, p, n)) {
		if (app_proto(f) == APP_TLS)
			anomaly(w, toserver ? YG_ANOM_TLS_HELLO_TOO_BIG : YG_ANOM_TLS_HANDSHAKE_TOO_BIG);
		else if (app_proto(f) == APP_HTTP)
			anomaly(w, YG_ANOM_HTTP_TOO_LONG);
		else if (app_proto(f) == APP_UNKNOWN && toserver)
			set_proto(f, APP_FAILED);
		stream_done(w, f, s, toserver);
		return;
	}
	if (s->len == n) /* the bytes were just tried above; wait for more */
		return;
	size_t off = 0;
	while (off < s->len) {
		long used = s->body ? body_bytes(w, f, s, pkt, toserver, s->buf + off, s->len - off)
				    : parse(w, f, s, pkt, toserver, s->buf + off, s->len - off);
		if (used < 0) {
			stream_done(w, f, s, toserver);
			return;
		}
		if (used == 0)
			break;
		off += (size_t)used;
	}
	if (off) {
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= (uint32_t)off;
	}
	/* Everything parsed: the buffer goes back to its slab at once. Held
	 * until the flow ended, every short flow's buffer was fresh memory
	 * (a huge page fault per 2 MiB of them); given back, the next flow
	 * reuses one still in cache. */
	if (s->len == 0)
		stream_drop_buf(w, s);
}

void yg_worker_app_tcp(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		       bool toserver)
{
	if (app_done(f, toserver ? APP_DONE_TS : APP_DONE_TC))
		return;
	bool syn = pkt->tcp_flags & YG_TCP_SYN;
	if (!pkt->payload_len && !syn)
		return;
	struct flow_app *a = f->app;
	if (!a) {
		if (!pkt->payload_len) {
			/* Remember where the stream starts without allocating:
			 * the first data segment will set it otherwise. */
			return;
		}
		a = yg_worker_flow_app(w, f);
		if (!a)
			return;
	}
	struct stream *s = &a->s[toserver ? 0 : 1];
	if (s->done)
		return;
	if (syn) {
		s->seq_known = true;
		s->next_seq = pkt->tcp_seq + 1;
	}
	if (!pkt->payload_len)
		return;
	const uint8_t *p = pkt->payload;
	size_t n = pkt->payload_len;
	uint32_t seq = pkt->tcp_seq + (syn ? 1u : 0u);
	if (!s->seq_known) {
		s->seq_known = true;
		s->next_seq = seq;
	}
	int32_t d = (int32_t)(seq - s->next_seq);
	if (d > 0) {
		/* A hole: without reassembly the bytes after it cannot be trusted.
		 * ICS masters and controllers send one message per segment, so
		 * for them parsing resumes at the segment after the hole (what
		 * was buffered is dropped; bad framing is bounded in app_ics.c). */
		anomaly(w, YG_ANOM_STREAM_GAP);
		if (app_proto(f) < APP_MODBUS) {
			stream_done(w, f, s, toserver);
			return;
		}
		s->len = 0;
		s->next_seq = seq;
	}
	if (d < 0) {
		size_t overlap = (size_t)(-(int64_t)d);
		if (overlap >= n)
			return; /* a pure retransmission */
		p += overlap;
		n -= overlap;
	}
	s->next_seq += (uint32_t)n;
	feed(w, f, s, pkt, toserver, p, n);
}
