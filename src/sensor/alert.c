/*
 * Detection against the indicator sets and the EVE records of the app
 * layer: dns, http, tls, and alert. One alert per flow per indicator:
 * repeated hits on the same flow are counted, not logged (no alert storms).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "sensor/eve_dns.h"
#include "sensor/eve_http.h"
#include "sensor/eve_tls.h"
#include "sensor/sighting.h"
#include "sensor/worker-int.h"

/* What an alert carries besides the indicator: the protocol record. */
enum rec_kind { REC_NONE, REC_DNS, REC_HTTP, REC_TLS };

struct rec {
	enum rec_kind kind;
	const void *obj;
	unsigned dns_index; /* query index for DNS queries */
};

static unsigned dns_version(const struct yg_worker *w)
{
	return w->cfg.dns_version == 2 ? 2 : 3;
}

static void rec_object(const struct yg_worker *w, struct yg_jsonw *j, const struct rec *r)
{
	switch (r->kind) {
	case REC_DNS: yg_eve_dns_object(j, r->obj, dns_version(w), r->dns_index); break;
	case REC_HTTP: {
		const struct yg_http_request *q = r->obj;
		struct yg_http_view v = {.method = q->method, .uri = q->uri, .version = q->version,
					 .host = q->host, .user_agent = q->user_agent,
					 .referer = q->referer};
		yg_eve_http_object(j, &v);
		break;
	}
	case REC_TLS: yg_eve_tls_object(j, r->obj); break;
	default: break;
	}
}

/* Records that idx alerted on flow f; false when it already had. */
bool yg_worker_first_alert(struct yg_worker *w, struct yg_flow *f, uint32_t key)
{
	struct flow_app *a = yg_worker_flow_app(w, f);
	if (!a)
		return true; /* no memory to remember: alert rather than stay silent */
	unsigned inl = a->n_alerts < FLOW_ALERTS_INLINE ? a->n_alerts : FLOW_ALERTS_INLINE;
	for (unsigned i = 0; i < inl; i++)
		if (a->alerts[i] == key)
			return false;
	for (unsigned i = 0; i < a->n_more; i++)
		if (a->more[i] == key)
			return false;
	if (a->n_alerts < FLOW_ALERTS_INLINE) {
		a->alerts[a->n_alerts++] = key;
		return true;
	}
	if ((unsigned)FLOW_ALERTS_INLINE + a->n_more >= FLOW_ALERTS_MAX)
		return false;
	if (a->n_more == a->cap_more) {
		uint16_t nc = a->cap_more ? (uint16_t)(a->cap_more * 2) : 8;
		if (yg_flow_charge(w->ft, (long)(nc - a->cap_more) * (long)sizeof(uint32_t)) < 0)
			return true;
		uint32_t *m = realloc(a->more, nc * sizeof *m);
		if (!m) {
			yg_flow_charge(w->ft, -(long)(nc - a->cap_more) * (long)sizeof(uint32_t));
			return true;
		}
		a->more = m;
		a->cap_more = nc;
	}
	a->more[a->n_more++] = key;
	if (a->n_alerts < 255)
		a->n_alerts++;
	return true;
}

static uint32_t alert_sid(const struct yg_indicator_info *in)
{
	uint64_t h = yg_hash64(in->value, strlen(in->value), (uint64_t)in->type + 0x5f1d);
	/* Suricata signature ids are 32-bit; keep them positive and clear of
	 * the ranges public rule sets use (below 9,000,000). */
	return 10000000u + (uint32_t)(h % 2000000000u);
}

/* An alert on a hub indicator becomes part of a sighting. The host is the
 * side of the flow inside the home network (hashed later unless the member
 * shares hosts); the aggregator only takes a short lock, never does I/O. */
static void sighting(struct yg_worker *w, const struct yg_flow *f, const struct yg_packet *pkt,
		     const struct yg_indicator_info *in)
{
	char host[64];
	const char *hp = NULL;
	const struct yg_addr *side = NULL;
	if (!w->cfg.home)
		side = NULL;
	else if (yg_homenet_contains(w->cfg.home, f->family, &f->cli))
		side = &f->cli;
	else if (yg_homenet_contains(w->cfg.home, f->family, &f->srv))
		side = &f->srv;
	if (side) {
		yg_eve_format_addr(f->family, side, host, sizeof host);
		hp = host;
	}
	yg_sighting_agg_add(w->cfg.sightings, in->stix_id, pkt->ts_us, hp);
}

static void alert(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		  bool toserver, uint32_t idx, const char *matched_on, const char *matched_value,
		  const struct rec *r)
{
	struct yg_indicator_info in;
	yg_intel_describe(w->set, idx, &in);
	uint64_t kh = yg_hash64(in.value, strlen(in.value), (uint64_t)in.type);
	if (!yg_worker_first_alert(w, f, (uint32_t)(kh ^ (kh >> 32)))) {
		w->st.alerts_suppressed++;
		return;
	}
	w->st.alerts++;
	if (w->cfg.sightings && in.stix_id && in.source && !strcmp(in.source, "hub"))
		sighting(w, f, pkt, &in);
	struct yg_jsonw *j = &w->eve.w;
	struct yg_eve_tuple t;
	yg_worker_tuple(w, f, toserver, &t);
	yg_eve_begin(&w->eve, pkt->ts_us, "alert", f->flow_id, &t);
	yg_worker_pcap_alert(w, f);
	if (t.tunnel)
		yg_jsonw_kv_plain(j, "pkt_src", yg_eve_tunnel_pkt_src(t.tunnel_kind, t.tunnel->family));
	yg_jsonw_kv_str(j, "direction", toserver ? "to_server" : "to_client");
	const char *app = app_proto(f) == APP_FAILED ? NULL : yg_worker_app_name(app_proto(f));
	if (app)
		yg_jsonw_kv_str(j, "app_proto", app);
	const char *type = yg_ind_type_name(in.type);
	char sig[600];
	snprintf(sig, sizeof sig, "YAGURA intel %s match: %.500s", type, in.value);
	yg_jsonw_key(j, "alert");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_str(j, "action", "allowed");
	yg_jsonw_kv_u64(j, "gid", 1);
	yg_jsonw_kv_u64(j, "signature_id", alert_sid(&in));
	yg_jsonw_kv_u64(j, "rev", 1);
	yg_jsonw_kv_str(j, "signature", sig);
	yg_jsonw_kv_str(j, "category", "Known Bad Indicator");
	yg_jsonw_kv_u64(j, "severity", 2);
	yg_jsonw_key(j, "metadata");
	yg_jsonw_obj_open(j);
	/* Suricata writes metadata values as lists of strings. */
#define META(k, v)                                                                                 \
	do {                                                                                       \
		yg_jsonw_key(j, k);                                                                \
		yg_jsonw_arr_open(j);                                                              \
		yg_jsonw_str(j, v);                                                                \
		yg_jsonw_arr_close(j);                                                             \
	} while (0)
	META("indicator", in.value);
	META("indicator_type", type);
	META("source", in.source ? in.source : "");
	if (in.line) {
		char ln[24];
		snprintf(ln, sizeof ln, "%lu", in.line);
		META("source_line", ln);
	}
	if (in.stix_id)
		META("stix_id", in.stix_id);
	META("matched_on", matched_on);
	META("matched_value", matched_value);
	META("direction", yg_homenet_direction(w->cfg.home, f->family, &f->cli, &f->srv));
#undef META
	yg_jsonw_obj_close(j);
	yg_jsonw_obj_close(j);
	if (r)
		rec_object(w, j, r);
	yg_eve_end(&w->eve);
}

/* Alerts on each of two addresses that is an indicator, naming where it was
 * seen (a flow's ends, or the ends an ICMP error quotes). */
static void match_pair(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		       bool toserver, int family, const struct yg_addr *dst, const char *dst_field,
		       const struct yg_addr *src, const char *src_field)
{
	char txt[64];
	uint32_t idx = yg_intel_match_ip(w->set, family, dst->b);
	if (idx != YG_INTEL_NONE) {
		yg_eve_format_addr(family, dst, txt, sizeof txt);
		alert(w, f, pkt, toserver, idx, dst_field, txt, NULL);
	}
	idx = yg_intel_match_ip(w->set, family, src->b);
	if (idx != YG_INTEL_NONE) {
		yg_eve_format_addr(family, src, txt, sizeof txt);
		alert(w, f, pkt, toserver, idx, src_field, txt, NULL);
	}
}

void yg_worker_match_flow(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			  bool toserver)
{
	match_pair(w, f, pkt, toserver, f->family, &f->srv, "flow.dest_ip", &f->cli,
		   "flow.src_ip");
}

void yg_worker_match_quote(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver)
{
	const struct yg_packet_quote *q = &pkt->quote;
	match_pair(w, f, pkt, toserver, q->family, &q->dst, "icmp.quote.dest_ip", &q->src,
		   "icmp.quote.src_ip");
}

void yg_worker_dns(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		   bool toserver, const struct yg_dns_msg *m)
{
	struct yg_eve_tuple t;
	if (w->cfg.devices)
		yg_worker_devices_dns(w, f, pkt, toserver, m);
	if (w->cfg.beacon && !m->response && m->n_queries)
		yg_worker_beacon_name(w, f, m->queries[0].name, strlen(m->queries[0].name));
	if (w->cfg.log_dns && dns_version(w) == 3) {
		/* One event per message, from its sender. */
		yg_worker_tuple(w, f, toserver, &t);
		yg_eve_begin(&w->eve, pkt->ts_us, "dns", f->flow_id, &t);
		yg_eve_dns_object(&w->eve.w, m, 3, 0);
		yg_eve_end(&w->eve);
	} else if (w->cfg.log_dns) {
		/* Version 2: client to server always, one event per question. */
		yg_worker_tuple(w, f, true, &t);
		unsigned n = m->response ? 1 : m->n_queries;
		for (unsigned q = 0; q < n; q++) {
			yg_eve_begin(&w->eve, pkt->ts_us, "dns", f->flow_id, &t);
			yg_eve_dns_object(&w->eve.w, m, 2, q);
			yg_eve_end(&w->eve);
		}
	}
	if (!w->set)
		return;
	for (unsigned q = 0; q < m->n_queries; q++) {
		const char *name = m->queries[q].name;
		uint32_t idx = yg_intel_match_domain(w->set, name, strlen(name));
		if (idx != YG_INTEL_NONE) {
			struct rec r = {REC_DNS, m, q};
			alert(w, f, pkt, toserver, idx, "dns.query", name, &r);
		}
	}
	for (unsigned i = 0; i < m->n_answers; i++) {
		const struct yg_dns_answer *a = &m->answers[i];
		uint32_t idx = YG_INTEL_NONE;
		const char *on = NULL;
		if (a->addr_family) {
			idx = yg_intel_match_ip(w->set, a->addr_family, a->addr);
			on = "dns.answer.address";
		} else if (a->data[0] && (a->type == 5 /* CNAME */)) {
			idx = yg_intel_match_domain(w->set, a->data, strlen(a->data));
			on = "dns.answer.cname";
		}
		if (idx != YG_INTEL_NONE) {
			struct rec r = {REC_DNS, m, 0};
			alert(w, f, pkt, toserver, idx, on, a->data, &r);
		}
	}
}

/* Whether text is an IP literal; fills addr and returns the family. */
static int ip_literal(const uint8_t *p, size_t n, uint8_t addr[16])
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return 0;
	if (p[0] == '[' && n > 2 && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	memcpy(buf, p, n);
	buf[n] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return 6;
	return 0;
}

void yg_worker_http(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		    bool toserver, const struct yg_http_request *req)
{
	if (w->cfg.log_http)
		yg_http_tx_request(w, f, pkt, req);
	yg_worker_http_seen(w, f, pkt, toserver, req);
}

void yg_worker_http_seen(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			 bool toserver, const struct yg_http_request *req)
{
	struct rec r = {REC_HTTP, req, 0};
	if (w->cfg.devices && req->user_agent.len)
		yg_worker_devices_app(w, f, pkt, toserver, (const char *)req->user_agent.p,
				      req->user_agent.len, NULL);
	if (w->cfg.beacon && req->host.len) {
		size_t bl = 0;
		unsigned bport;
		yg_http_split_host(&req->host, &bl, &bport);
		yg_worker_beacon_name(w, f, (const char *)req->host.p, bl);
	}
	if (!w->set)
		return;
	size_t hl = 0;
	unsigned port;
	char host[256] = "";
	if (req->host.len) {
		yg_http_split_host(&req->host, &hl, &port);
		if (hl >= sizeof host)
			hl = sizeof host - 1;
		memcpy(host, req->host.p, hl);
		host[hl] = 0;
		uint8_t addr[16];
		int fam = ip_literal(req->host.p, hl, addr);
		uint32_t idx = fam ? yg_intel_match_ip(w->set, fam, addr)
				   : yg_intel_match_domain(w->set, host, hl);
		if (idx != YG_INTEL_NONE)
			alert(w, f, pkt, toserver, idx, "http.hostname", host, &r);
	}
	/* The whole Host value: match_url drops default ports itself and a
	 * listed URL with another port must still match. */
	uint32_t idx = yg_intel_match_url(w->set, (const char *)req->host.p, req->host.len,
					  (const char *)req->uri.p, req->uri.len);
	if (idx != YG_INTEL_NONE) {
		char url[512];
		snprintf(url, sizeof url, "%s%.*s", host, (int)(req->uri.len > 400 ? 400 : req->uri.len),
			 (const char *)req->uri.p);
		alert(w, f, pkt, toserver, idx, "http.url", url, &r);
	}
}

void yg_worker_tls(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		   bool toserver, const struct yg_tls_client_hello *h)
{
	struct yg_tls_view v = {h, NULL, NULL};
	struct rec r = {REC_TLS, &v, 0};
	if (w->cfg.devices && h->ja4[0])
		yg_worker_devices_app(w, f, pkt, toserver, NULL, 0, h->ja4);
	if (w->cfg.beacon && h->sni[0])
		yg_worker_beacon_name(w, f, h->sni, strlen(h->sni));
	/* The event waits for the server's certificate, unless there is no
	 * memory to keep the hello until then. With neither tls events nor
	 * indicators there is nothing to wait for. */
	const struct flow_app *fa = f->app;
	if (!(fa && fa->tls_logged) && (!(w->cfg.log_tls || w->set) || !yg_worker_tls_keep(w, f, h)))
		yg_worker_tls_event(w, f, pkt->ts_us, &v);
	if (!w->set)
		return;
	if (h->sni[0]) {
		uint32_t idx = yg_intel_match_domain(w->set, h->sni, strlen(h->sni));
		if (idx != YG_INTEL_NONE)
			alert(w, f, pkt, toserver, idx, "tls.sni", h->sni, &r);
	}
	uint32_t idx = yg_intel_match_token(w->set, YG_IND_JA3, h->ja3_hash, strlen(h->ja3_hash));
	if (idx != YG_INTEL_NONE)
		alert(w, f, pkt, toserver, idx, "tls.ja3.hash", h->ja3_hash, &r);
	idx = yg_intel_match_token(w->set, YG_IND_JA4, h->ja4, strlen(h->ja4));
	if (idx != YG_INTEL_NONE)
		alert(w, f, pkt, toserver, idx, "tls.ja4", h->ja4, &r);
}

void yg_worker_tls_server_match(struct yg_worker *w, struct yg_flow *f,
				const struct yg_packet *pkt, const struct yg_tls_view *v)
{
	struct rec r = {REC_TLS, v, 0};
	uint32_t idx;
	if (v->sh) {
		const struct yg_tls_server_hello *sh = v->sh;
		idx = yg_intel_match_token(w->set, YG_IND_JA3S, sh->ja3s_hash, strlen(sh->ja3s_hash));
		if (idx != YG_INTEL_NONE)
			alert(w, f, pkt, false, idx, "tls.ja3s.hash", sh->ja3s_hash, &r);
		idx = yg_intel_match_token(w->set, YG_IND_JA4S, sh->ja4s, strlen(sh->ja4s));
		if (idx != YG_INTEL_NONE)
			alert(w, f, pkt, false, idx, "tls.ja4s", sh->ja4s, &r);
	}
	if (v->cert) {
		/* Lists write the fingerprint as bare hex: match on that form. */
		char hex[41];
		size_t n = 0;
		for (const char *p = v->cert->fingerprint; *p && n < 40; p++)
			if (*p != ':')
				hex[n++] = *p;
		hex[n] = '\0';
		idx = yg_intel_match_token(w->set, YG_IND_CERT_SHA1, hex, n);
		if (idx != YG_INTEL_NONE)
			alert(w, f, pkt, false, idx, "tls.fingerprint", v->cert->fingerprint, &r);
	}
}
