#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/worker-int.h"

/* Flow timeouts are checked in full at most once a second of packet
 * time; in between, each batch ends a slice of the flows that are due, so
 * that flows (and their events) end spread over the packets instead of
 * in a burst of milliseconds that leaves the other workers waiting. */
#define EXPIRE_EVERY_US 1000000u
#define EXPIRE_SLICE    32u

const char *yg_worker_app_name(uint8_t app)
{
	switch (app) {
	case APP_DNS: return "dns";
	case APP_HTTP: return "http";
	case APP_TLS: return "tls";
	case APP_SMTP: return "smtp";
	case APP_FAILED: return "failed";
	case APP_HTTP2: return "http2";
	case APP_MODBUS: return "modbus";
	case APP_DNP3: return "dnp3";
	case APP_IEC104: return "iec104";
	case APP_S7COMM: return "s7comm";
	default: return NULL;
	}
}

static const char *state_name(uint8_t s)
{
	switch (s) {
	case YG_FLOW_ESTABLISHED: return "established";
	case YG_FLOW_CLOSED: return "closed";
	default: return "new";
	}
}

static const char *end_name(enum yg_flow_end why)
{
	switch (why) {
	case YG_FLOW_END_TIMEOUT: return "timeout";
	case YG_FLOW_END_EVICTED: return "forced";
	case YG_FLOW_END_TCP_REUSE: return "tcp_reuse";
	default: return "shutdown";
	}
}

static void tuple(const struct yg_flow *f, bool toserver, struct yg_eve_tuple *ret)
{
	ret->family = f->family;
	ret->proto = f->proto;
	ret->vlan = f->vlan;
	const struct flow_app *a = f->app;
	ret->vlan_inner = a ? a->vlan_inner : 0;
	ret->tunnel = a && a->tun_kind ? &a->tun : NULL;
	ret->tunnel_kind = a ? a->tun_kind : 0;
	ret->has_ports = f->proto == 6 || f->proto == 17;
	if (toserver) {
		ret->src = &f->cli;
		ret->dst = &f->srv;
		ret->sport = f->cli_port;
		ret->dport = f->srv_port;
	} else {
		ret->src = &f->srv;
		ret->dst = &f->cli;
		ret->sport = f->srv_port;
		ret->dport = f->cli_port;
	}
}

/* The flow's Community ID. keep: cache it in the flow's app state,
 * creating that when needed (not worth it for the flow's last event). */
static const char *community_id(struct yg_worker *w, struct yg_flow *f, bool keep)
{
	struct flow_app *a = f->app;
	if (a && a->community_id[0])
		return a->community_id;
	if (!a && keep)
		a = yg_worker_flow_app(w, f);
	struct yg_community_id_flow c = {
	    .family = f->family,
	    .proto = f->proto,
	    .src = f->cli.b,
	    .dst = f->srv.b,
	    .sport = f->cli_port,
	    .dport = f->srv_port,
	    .icmp_type = a ? a->icmp_type : 0,
	    .icmp_code = a ? a->icmp_code : 0,
	    .has_ports = f->proto == 6 || f->proto == 17,
	};
	char *out = a ? a->community_id : w->community_id;
	yg_community_id(w->cid, &c, out);
	return out;
}

void yg_worker_tuple(struct yg_worker *w, struct yg_flow *f, bool toserver,
		     struct yg_eve_tuple *ret)
{
	tuple(f, toserver, ret);
	ret->community_id = community_id(w, f, true);
}

/*
 * The flow event's "flow" and "tcp" objects are laid out here from fixed
 * text with the values patched in, not field by field through the JSON
 * writer: every logged flow ends with one (most flows of real traffic are
 * a few packets long, so this runs about once per ten packets), and the
 * writer's per-field comma and depth bookkeeping and reservations were
 * most of its cost. The text is the same byte for byte.
 */
#define FLOW_OBJ_MAX 512
#define TCP_OBJ_MAX  256

static char *put_lit(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}
#define LIT(o, s) put_lit((o), (s), sizeof(s) - 1)

static char *put_num(char *o, uint64_t v)
{
	return o + yg_jsonw_fmt_u64(o, v);
}

/* A fixed-table name (no escaping needed), quoted. */
static char *put_name(char *o, const char *s)
{
	size_t n = strlen(s);
	*o++ = '"';
	o = put_lit(o, s, n);
	*o++ = '"';
	return o;
}

static char *put_hex2(char *o, uint8_t fl)
{
	static const char hex[] = "0123456789abcdef";
	*o++ = '"';
	*o++ = hex[fl >> 4];
	*o++ = hex[fl & 15];
	*o++ = '"';
	return o;
}

/* The "flow" object at out (at most FLOW_OBJ_MAX bytes); returns its end. */
static char *flow_object(const struct yg_eve *e, const struct yg_flow *f, enum yg_flow_end why,
			 bool alerted, char *out)
{
	char *o = out;
	o = LIT(o, "{\"pkts_toserver\":");
	o = put_num(o, f->pkts_ts);
	o = LIT(o, ",\"pkts_toclient\":");
	o = put_num(o, f->pkts_tc);
	o = LIT(o, ",\"bytes_toserver\":");
	o = put_num(o, f->bytes_ts);
	o = LIT(o, ",\"bytes_toclient\":");
	o = put_num(o, f->bytes_tc);
	o = LIT(o, ",\"start\":\"");
	yg_eve_time_text(e, f->first_us, o);
	o += YG_EVE_TIME_LEN;
	o = LIT(o, "\",\"end\":\"");
	yg_eve_time_text(e, f->last_us, o);
	o += YG_EVE_TIME_LEN;
	/* Suricata's age: whole seconds of the last packet minus those of the
	 * first, not the duration rounded down. */
	o = LIT(o, "\",\"age\":");
	o = put_num(o, f->last_us / 1000000u - f->first_us / 1000000u);
	o = LIT(o, ",\"state\":");
	o = put_name(o, state_name(f->state));
	o = LIT(o, ",\"reason\":");
	o = put_name(o, end_name(why));
	if (alerted)
		o = LIT(o, ",\"alerted\":true}");
	else
		o = LIT(o, ",\"alerted\":false}");
	return o;
}

/* The "tcp" object at out (at most TCP_OBJ_MAX bytes): the flags in hex,
 * then Suricata's EveTcpFlags (one boolean per flag seen, only when set),
 * then the state; returns its end. */
static char *tcp_object(const struct yg_flow *f, char *out)
{
	static const struct {
		uint8_t bit;
		uint8_t len;
		const char *text;
	} bits[] = {
	    {0x02, 11, ",\"syn\":true"}, {0x01, 11, ",\"fin\":true"}, {0x04, 11, ",\"rst\":true"},
	    {0x08, 11, ",\"psh\":true"}, {0x10, 11, ",\"ack\":true"}, {0x20, 11, ",\"urg\":true"},
	    {0x40, 11, ",\"ecn\":true"}, {0x80, 11, ",\"cwr\":true"},
	};
	uint8_t fl = f->tcp_flags_ts | f->tcp_flags_tc;
	char *o = out;
	o = LIT(o, "{\"tcp_flags\":");
	o = put_hex2(o, fl);
	o = LIT(o, ",\"tcp_flags_ts\":");
	o = put_hex2(o, f->tcp_flags_ts);
	o = LIT(o, ",\"tcp_flags_tc\":");
	o = put_hex2(o, f->tcp_flags_tc);
	for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (fl & bits[i].bit)
			o = put_lit(o, bits[i].text, bits[i].len);
	const char *st = yg_tcp_state_name(f->tcp_state);
	if (st) {
		o = LIT(o, ",\"state\":");
		o = put_name(o, st);
	}
	*o++ = '}';
	return o;
}

static void flow_event(struct yg_worker *w, struct yg_flow *f, enum yg_flow_end why)
{
	struct yg_eve_tuple t;
	struct yg_jsonw *j = &w->eve.w;
	char obj[FLOW_OBJ_MAX];
	struct flow_app *a = f->app;
	tuple(f, true, &t);
	t.community_id = community_id(w, f, false);
	yg_eve_begin(&w->eve, f->last_us, "flow", f->flow_id, &t);
	const char *app = yg_worker_app_name(app_proto(f));
	if (app)
		yg_jsonw_kv_plain(j, "app_proto", app);
	yg_jsonw_key(j, "flow");
	char *end = flow_object(&w->eve, f, why, a && a->n_alerts > 0, obj);
	yg_jsonw_raw(j, obj, (size_t)(end - obj));
	if (f->proto == 6) {
		yg_jsonw_key(j, "tcp");
		end = tcp_object(f, obj);
		yg_jsonw_raw(j, obj, (size_t)(end - obj));
	}
	yg_eve_end(&w->eve);
}

static void on_flow_end(void *ud, struct yg_flow *f, enum yg_flow_end why)
{
	struct yg_worker *w = ud;
	if (w->discarding) {
		if (f->app) {
			yg_worker_app_free(w, f->app);
			f->app = NULL;
		}
		return;
	}
	w->st.flows_ended++;
	if (why == YG_FLOW_END_EVICTED)
		w->st.flows_evicted++;
	/* Transactions first, as Suricata writes them before the flow. */
	if (f->app && w->cfg.log_http)
		yg_http_tx_flush(w, f);
	if (f->app)
		yg_worker_http2_flush(w, f);
	if (f->app) {
		yg_worker_tls_flush(w, f);
		yg_worker_ics_flush(w, f);
	}
	if (w->cfg.beacon)
		yg_worker_beacon_flow(w, f);
	if (w->cfg.log_flows)
		flow_event(w, f, why);
	if (f->app) {
		yg_worker_app_free(w, f->app);
		f->app = NULL;
	}
}

void *yg_worker_calloc_charged(struct yg_worker *w, size_t size)
{
	if (yg_flow_charge(w->ft, (long)size) < 0) {
		w->st.app_memcap_drops++;
		return NULL;
	}
	void *p = calloc(1, size);
	if (!p) {
		yg_flow_charge(w->ft, -(long)size);
		w->st.app_memcap_drops++;
	}
	return p;
}

struct flow_app *yg_worker_flow_app(struct yg_worker *w, struct yg_flow *f)
{
	if (f->app)
		return f->app;
	if (yg_flow_charge(w->ft, (long)sizeof(struct flow_app)) < 0) {
		w->st.app_memcap_drops++;
		return NULL;
	}
	struct flow_app *a = yg_slab_get(&w->app_slab);
	if (!a) {
		yg_flow_charge(w->ft, -(long)sizeof(struct flow_app));
		w->st.app_memcap_drops++;
		return NULL;
	}
	f->app = a;
	return a;
}

int yg_worker_new(const struct yg_worker_config *cfg, struct yg_worker **ret)
{
	struct yg_worker *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	yg_slab_init(&w->app_slab, sizeof(struct flow_app));
	yg_slab_init(&w->tls_slab, sizeof(struct tls_state));
	yg_slab_init(&w->h2_slab, sizeof(struct yg_h2_stream));
	for (int i = 0; i < YG_STREAM_BUF_CLASSES; i++)
		yg_slab_init(&w->buf_slab[i], (size_t)512 << i);
	int r = yg_eve_init(&w->eve, cfg->sink);
	if (r < 0)
		goto fail;
	r = yg_community_id_new(cfg->community_id_seed, &w->cid);
	if (r < 0)
		goto fail;
	/* Disjoint id ranges: the worker number in the top bits. */
	r = yg_flow_table_new(&cfg->flow, ((uint64_t)cfg->id << 48) + 1, on_flow_end, w, &w->ft);
	if (r < 0)
		goto fail;
	*ret = w;
	return 0;
fail:
	yg_community_id_free(w->cid);
	yg_eve_release(&w->eve);
	free(w);
	return r;
}

void yg_worker_finish(struct yg_worker *w)
{
	if (w->finished)
		return;
	if (w->cfg.intel)
		w->set = yg_intel_live_get(w->cfg.intel);
	struct yg_flow_stats fs;
	yg_flow_table_stats(w->ft, &fs);
	w->st.flows_created = fs.created;
	w->st.flow_no_memory = fs.no_memory;
	w->st.flow_active_max = fs.active_max;
	w->st.flow_memory = yg_flow_table_memory(w->ft);
	/* The table and the slabs stay: every flow's app state went back to
	 * the slabs with the flows just ended, and an empty slab keeps only
	 * its first (small) block. yg_worker_reset reuses them. */
	yg_flow_table_end_all(w->ft);
	w->finished = true;
	w->set = NULL;
	yg_eve_flush(&w->eve);
}

void yg_worker_reset(struct yg_worker *w)
{
	w->discarding = true;
	yg_flow_table_reset(w->ft);
	w->discarding = false;
	yg_jsonw_reset(&w->eve.w);
	w->eve.events = 0;
	memset(&w->st, 0, sizeof w->st);
	w->set = NULL;
	w->last_expire_us = 0;
	w->anom_sec = 0;
	w->anom_in_sec = 0;
	w->cur_pkt = NULL;
	w->cur_flow = NULL;
	w->cur_toserver = false;
	w->pcap_mem = 0;
	w->pcap_file[0] = '\0';
	w->finished = false;
}

void yg_worker_free(struct yg_worker *w)
{
	if (!w)
		return;
	yg_worker_finish(w);
	yg_flow_table_free(w->ft);
	yg_slab_release(&w->app_slab);
	yg_slab_release(&w->tls_slab);
	yg_slab_release(&w->h2_slab);
	for (int i = 0; i < YG_STREAM_BUF_CLASSES; i++)
		yg_slab_release(&w->buf_slab[i]);
	yg_eve_release(&w->eve);
	yg_community_id_free(w->cid);
	free(w);
}

void yg_worker_flush(struct yg_worker *w)
{
	yg_eve_flush(&w->eve);
}

static void count_packet(struct yg_worker *w, const struct yg_packet *pkt)
{
	struct yg_sensor_stats *st = &w->st;
	st->pkts++;
	st->bytes += pkt->wirelen;
	for (unsigned i = 0; i < pkt->n_anom; i++)
		if (pkt->anom[i] < YG_ANOM__COUNT)
			st->anomalies[pkt->anom[i]]++;
	if (pkt->vlan_n)
		st->vlan++;
	if (pkt->tunnel)
		st->tunnel++;
	if (pkt->frag)
		st->fragments++;
	switch (pkt->family) {
	case 4: st->ipv4++; break;
	case 6: st->ipv6++; break;
	default: st->non_ip++; return;
	}
	switch (pkt->proto) {
	case 6: st->tcp++; break;
	case 17: st->udp++; break;
	case 1: st->icmpv4++; break;
	case 58: st->icmpv6++; break;
	default: st->other_l4++;
	}
}

void yg_worker_tick(struct yg_worker *w, uint64_t now_us)
{
	if (w->finished || now_us - w->last_expire_us < EXPIRE_EVERY_US)
		return;
	w->last_expire_us = now_us;
	if (w->cfg.intel)
		w->set = yg_intel_live_get(w->cfg.intel);
	yg_flow_expire(w->ft, now_us);
}

/*
 * The outer flow of a tunnel, as Suricata logs it beside the inner one:
 * the outermost header's addresses, protocol (UDP, GRE, IPv6, IP-ENCAP)
 * and ports, counted with the whole frame. It is matched against the
 * indicators (a tunnel endpoint can be one) and goes through no app
 * parser. Middle layers of nested tunnels get no flow of their own.
 */
static void outer_flow(struct yg_worker *w, const struct yg_packet *pkt, const uint8_t *frame)
{
	struct yg_packet o = *pkt;
	o.family = pkt->tun.family;
	o.proto = pkt->tun.proto;
	o.src = pkt->tun.src;
	o.dst = pkt->tun.dst;
	o.l4_ok = o.proto == 6 || o.proto == 17;
	o.sport = pkt->tun.sport;
	o.dport = pkt->tun.dport;
	o.tcp_flags = 0;
	o.frag = false;
	o.payload = NULL;
	o.payload_len = 0;
	o.tunnel = YG_TUNNEL_NONE;
	bool toserver, created;
	struct yg_flow *f = yg_flow_packet(w->ft, &o, &toserver, &created);
	if (f && frame)
		yg_worker_pcap_packet(w, f, pkt, frame);
	if (f && created && w->set)
		yg_worker_match_flow(w, f, &o, toserver);
}

/* frame: the packet's whole frame with --pcap-log, else NULL. */
static void process(struct yg_worker *w, const struct yg_packet *pkt, uint32_t h,
		    const uint8_t *frame)
{
	count_packet(w, pkt);
	if (w->cfg.log_anomaly)
		for (unsigned i = 0; i < pkt->n_anom; i++)
			if (pkt->anom[i] < YG_ANOM__COUNT &&
			    yg_worker_decoder_anomaly_allowed(w, pkt->ts_us))
				yg_worker_anomaly_event(w, pkt, NULL, true, pkt->anom[i]);
	if (!pkt->family || w->finished)
		return;
	if (pkt->ts_us - w->last_expire_us >= EXPIRE_EVERY_US) {
		w->last_expire_us = pkt->ts_us;
		yg_flow_expire(w->ft, pkt->ts_us);
	}
	/* Only when the inner IP header was decoded: otherwise the packet's
	 * own fields are the outer header and its flow is the outer flow. */
	bool tunnelled = pkt->tunnel && pkt->tun.family &&
			 (pkt->family != pkt->tun.family || pkt->proto != pkt->tun.proto ||
			  memcmp(&pkt->src, &pkt->tun.src, sizeof pkt->src) ||
			  memcmp(&pkt->dst, &pkt->tun.dst, sizeof pkt->dst));
	if (tunnelled)
		outer_flow(w, pkt, frame);
	bool toserver, created;
	if (yg_flow_icmp_error_quotes(pkt)) {
		/* Counted in the flow it quotes, when this worker holds it;
		 * nothing there parses it. Device contacts skip it: the flow's
		 * first answer must stay its server's. */
		struct yg_flow *qf = yg_flow_icmp_error(w->ft, pkt, &toserver);
		if (qf) {
			if (frame)
				yg_worker_pcap_packet(w, qf, pkt, frame);
			if (w->set)
				yg_worker_match_quote(w, qf, pkt, toserver);
			return;
		}
	}
	struct yg_flow *f = yg_flow_packet_hashed(w->ft, pkt, h, &toserver, &created);
	if (!f)
		return;
	/* Before anything can alert on it: an alert takes its own packet. */
	if (frame)
		yg_worker_pcap_packet(w, f, pkt, frame);
	if (created && (pkt->vlan_n > 1 || tunnelled ||
			((pkt->proto == 1 || pkt->proto == 58) && pkt->l4_ok))) {
		/* The flow key holds the outer VLAN only, and no ICMP type
		 * nor tunnel: the inner VLAN of a QinQ stack (for EVE's
		 * vlan[]), the ICMP type and code (for the Community ID) and
		 * the tunnel (EVE's tunnel object) of the first packet are
		 * kept in the app state. */
		struct flow_app *a = yg_worker_flow_app(w, f);
		if (a) {
			if (pkt->vlan_n > 1)
				a->vlan_inner = pkt->vlan[1];
			a->icmp_type = pkt->icmp_type;
			a->icmp_code = pkt->icmp_code;
			if (tunnelled) {
				a->tun_kind = pkt->tunnel;
				a->tun = pkt->tun;
			}
		}
	}
	if (created && w->set)
		yg_worker_match_flow(w, f, pkt, toserver);
	if (pkt->quote.family && w->set)
		yg_worker_match_quote(w, f, pkt, toserver);
	if (w->cfg.devices) {
		yg_worker_devices_packet(w, f, pkt, toserver, created);
		if (pkt->proto == 17 && pkt->l4_ok && pkt->payload_len)
			yg_worker_devices_udp(w, f, pkt, toserver);
	}
	if (!pkt->l4_ok)
		return;
	/* A first fragment (l4_ok) still carries the start of a DNS message:
	 * the question is worth logging even when the rest never arrives.
	 * TCP fragments would corrupt the stream's sequence tracking. */
	w->cur_pkt = pkt;
	w->cur_flow = f;
	w->cur_toserver = toserver;
	if (pkt->proto == 6 && !pkt->frag)
		yg_worker_app_tcp(w, f, pkt, toserver);
	else if (pkt->proto == 17 && pkt->payload_len)
		yg_worker_app_udp(w, f, pkt, toserver);
	w->cur_pkt = NULL;
	w->cur_flow = NULL;
}

void yg_worker_packet(struct yg_worker *w, const struct yg_packet *pkt)
{
	w->set = w->cfg.intel ? yg_intel_live_get(w->cfg.intel) : NULL;
	uint32_t h = (pkt->family && !w->finished) ? yg_flow_hash(w->ft, pkt) : 0;
	process(w, pkt, h, NULL);
}

/* How many packets ahead the flow itself is prefetched: far enough for the
 * bucket prefetched at the start of the batch to have arrived. */
#define PREFETCH_AHEAD 6
#define BUCKET_AHEAD   12

/* frames: NULL, or each packet's frame (--pcap-log). Inlined into both
 * callers, so the plain path carries no frame at all. */
static inline __attribute__((always_inline)) void
packets(struct yg_worker *w, const struct yg_packet *pkts, const uint8_t *const *frames, unsigned n)
{
	uint32_t h[YG_WORKER_BATCH_MAX];
	if (n > YG_WORKER_BATCH_MAX)
		n = YG_WORKER_BATCH_MAX;
	w->set = w->cfg.intel ? yg_intel_live_get(w->cfg.intel) : NULL;
	if (w->finished) {
		for (unsigned i = 0; i < n; i++)
			count_packet(w, &pkts[i]);
		return;
	}
	uint64_t now = 0;
	/* The flow table is far bigger than the caches: a pipeline fetches
	 * each packet's bucket BUCKET_AHEAD packets before its turn, the flow
	 * the bucket names PREFETCH_AHEAD before, and what that flow points
	 * to half as far ahead. Spread over the batch rather than all at the
	 * start, the fetches do not queue up behind each other. */
	for (unsigned i = 0; i < n; i++) {
		h[i] = pkts[i].family ? yg_flow_hash(w->ft, &pkts[i]) : 0;
		if (i < BUCKET_AHEAD && pkts[i].family)
			yg_flow_prefetch_bucket(w->ft, h[i]);
	}
	for (unsigned i = 0; i < n && i < PREFETCH_AHEAD; i++)
		if (pkts[i].family)
			yg_flow_prefetch_flow(w->ft, h[i]);
	for (unsigned i = 0; i < n; i++) {
		unsigned k = i + BUCKET_AHEAD;
		if (k < n && pkts[k].family)
			yg_flow_prefetch_bucket(w->ft, h[k]);
		k = i + PREFETCH_AHEAD;
		if (k < n && pkts[k].family)
			yg_flow_prefetch_flow(w->ft, h[k]);
		/* Closer to its turn the first flow of the chain is in cache:
		 * fetch its app state, or the next flow when it is not ours. */
		k = i + PREFETCH_AHEAD / 2;
		if (k < n && pkts[k].family) {
			const struct yg_flow *f = yg_flow_peek(w->ft, h[k], pkts[k].ts_us);
			/* Only if the app layer still reads it: a wasted
			 * fetch holds a miss slot the lookups need. */
			if (f && f->app && pkts[k].payload_len &&
			    !app_done(f, APP_DONE_TS | APP_DONE_TC))
				__builtin_prefetch(f->app, 1, 3);
		}
		process(w, &pkts[i], h[i], frames ? frames[i] : NULL);
		if (pkts[i].ts_us > now)
			now = pkts[i].ts_us;
	}
	if (now)
		yg_flow_expire_some(w->ft, now, EXPIRE_SLICE);
}

void yg_worker_packets(struct yg_worker *w, const struct yg_packet *pkts, unsigned n)
{
	packets(w, pkts, NULL, n);
}

void yg_worker_packets_frames(struct yg_worker *w, const struct yg_packet *pkts,
			      const uint8_t *const *frames, unsigned n)
{
	/* Without a ring the frames have nowhere to go. */
	packets(w, pkts, w->cfg.pcaplog ? frames : NULL, n);
}

void yg_worker_stats(const struct yg_worker *w, struct yg_sensor_stats *ret)
{
	*ret = w->st;
	ret->events = w->eve.events;
	if (!w->finished) {
		struct yg_flow_stats fs;
		yg_flow_table_stats(w->ft, &fs);
		ret->flows_created = fs.created;
		ret->flow_no_memory = fs.no_memory;
		ret->flow_active_max = fs.active_max;
		ret->flow_memory = yg_flow_table_memory(w->ft);
	}
}
