/*
 * The worker's side of the passive device inventory (detect/devices.h):
 * what each packet, DHCP message, mDNS/NetBIOS/DNS record, User-Agent and
 * JA4 says about a device goes to the shared table; the table says when to
 * write a "device" event (first seen, class changed) or an alert (a
 * printer or controller talking to the internet, a class not expected on
 * an ICS network).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/dhcp.h"
#include "app/nbns.h"
#include "sensor/worker-int.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define NBNS_PORT 137
#define MDNS_PORT 5353

#define SID_INTERNET 9100001u
#define SID_ICS_CLASS 9100002u

static void put_addrs(struct yg_jsonw *j, const struct yg_device_view *v)
{
	char buf[64];
	yg_jsonw_key(j, "ipv4");
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < v->n_v4; i++) {
		struct yg_addr a = {{0}};
		memcpy(a.b, v->v4[i], 4);
		yg_eve_format_addr(4, &a, buf, sizeof buf);
		yg_jsonw_str(j, buf);
	}
	yg_jsonw_arr_close(j);
	yg_jsonw_key(j, "ipv6");
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < v->n_v6; i++) {
		struct yg_addr a;
		memcpy(a.b, v->v6[i], 16);
		yg_eve_format_addr(6, &a, buf, sizeof buf);
		yg_jsonw_str(j, buf);
	}
	yg_jsonw_arr_close(j);
}

static const char *name_src(uint8_t s)
{
	switch (s) {
	case YG_DEV_NAME_DHCP: return "dhcp";
	case YG_DEV_NAME_MDNS: return "mdns";
	case YG_DEV_NAME_NETBIOS: return "netbios";
	case YG_DEV_NAME_DNS_PTR: return "dns-ptr";
	default: return NULL;
	}
}

static void str_list(struct yg_jsonw *j, const char *key, const char *base, size_t stride, unsigned n)
{
	yg_jsonw_key(j, key);
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < n; i++)
		yg_jsonw_str(j, base + i * stride);
	yg_jsonw_arr_close(j);
}

/* The "device" object of events and of alerts. */
static void device_object(struct yg_jsonw *j, const struct yg_device_view *v)
{
	char buf[32];
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_str(j, "id", v->id);
	yg_jsonw_kv_u64(j, "version", v->version);
	if (v->has_mac) {
		snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
			 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
		yg_jsonw_kv_str(j, "mac", buf);
	}
	if (v->vendor)
		yg_jsonw_kv_str(j, "vendor", v->vendor);
	yg_jsonw_kv_str(j, "class", yg_device_class_name(v->cls));
	if (v->evidence[0])
		yg_jsonw_kv_str(j, "class_evidence", v->evidence);
	if (v->hostname[0]) {
		yg_jsonw_kv_str(j, "hostname", v->hostname);
		yg_jsonw_kv_plain(j, "hostname_source", name_src(v->hostname_src));
	}
	if (v->os[0])
		yg_jsonw_kv_str(j, "os", v->os);
	if (v->prl[0])
		yg_jsonw_kv_str(j, "dhcp_prl", v->prl);
	put_addrs(j, v);
	str_list(j, "user_agents", v->ua[0], sizeof v->ua[0], v->n_ua);
	str_list(j, "ja4", v->ja4[0], sizeof v->ja4[0], v->n_ja4);
	str_list(j, "mdns_services", v->mdns[0], sizeof v->mdns[0], v->n_mdns);
	yg_jsonw_key(j, "served_ports");
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < v->n_ports; i++)
		yg_jsonw_u64(j, v->ports[i]);
	yg_jsonw_arr_close(j);
	if (v->ics)
		yg_jsonw_kv_bool(j, "ics_network", true);
	yg_eve_format_time(v->first_us, buf, sizeof buf);
	yg_jsonw_kv_str(j, "first_seen", buf);
	yg_eve_format_time(v->last_us, buf, sizeof buf);
	yg_jsonw_kv_str(j, "last_seen", buf);
	yg_jsonw_obj_close(j);
}

static void device_event(struct yg_worker *w, const struct yg_device_view *v, unsigned ev,
			 uint64_t ts)
{
	struct yg_jsonw *j = &w->eve.w;
	yg_eve_begin(&w->eve, ts, "device", 0, NULL);
	const char *why = (ev & YG_DEV_EV_NEW) ? "new" : (ev & YG_DEV_EV_CLASS) ? "class_change" : "update";
	yg_jsonw_kv_plain(j, "reason", why);
	if (ev & YG_DEV_EV_CLASS && !(ev & YG_DEV_EV_NEW))
		yg_jsonw_kv_str(j, "previous_class", yg_device_class_name(v->prev_cls));
	yg_jsonw_key(j, "device");
	device_object(j, v);
	yg_eve_end(&w->eve);
}

/* An alert on flow f, or on contact c when it is set: a flow that came
 * before (perhaps another worker's), named by its tuple as seen then. */
static void device_alert(struct yg_worker *w, struct yg_flow *f, bool toserver, uint64_t ts,
			 const struct yg_device_contact *c, const struct yg_device_view *v,
			 uint32_t sid, const char *sig)
{
	struct yg_jsonw *j = &w->eve.w;
	struct yg_eve_tuple t;
	uint64_t flow_id = f->flow_id;
	w->st.alerts++;
	if (c) {
		t = (struct yg_eve_tuple){.family = c->family, .proto = c->proto, .src = &c->src,
					  .dst = &c->dst, .sport = c->sport, .dport = c->dport,
					  .has_ports = c->proto == 6 || c->proto == 17};
		toserver = c->toserver;
		flow_id = c->flow_id;
		ts = c->ts_us;
	} else {
		yg_worker_tuple(w, f, toserver, &t);
	}
	yg_eve_begin(&w->eve, ts, "alert", flow_id, &t);
	/* An earlier contact's flow may be gone: only this flow's packets are
	 * kept for the pcap log. */
	if (!c)
		yg_worker_pcap_alert(w, f);
	yg_jsonw_kv_str(j, "direction", toserver ? "to_server" : "to_client");
	yg_jsonw_key(j, "alert");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_str(j, "action", "allowed");
	yg_jsonw_kv_u64(j, "gid", 1);
	yg_jsonw_kv_u64(j, "signature_id", sid);
	yg_jsonw_kv_u64(j, "rev", 1);
	yg_jsonw_kv_str(j, "signature", sig);
	yg_jsonw_kv_str(j, "category", "Device Policy Violation");
	yg_jsonw_kv_u64(j, "severity", 2);
	yg_jsonw_key(j, "metadata");
	yg_jsonw_obj_open(j);
	yg_jsonw_key(j, "device_id");
	yg_jsonw_arr_open(j);
	yg_jsonw_str(j, v->id);
	yg_jsonw_arr_close(j);
	yg_jsonw_key(j, "device_class");
	yg_jsonw_arr_open(j);
	yg_jsonw_str(j, yg_device_class_name(v->cls));
	yg_jsonw_arr_close(j);
	yg_jsonw_obj_close(j);
	yg_jsonw_obj_close(j);
	yg_eve_end(&w->eve);
}

static void report(struct yg_worker *w, struct yg_flow *f, bool toserver, uint64_t ts,
		   unsigned ev, const struct yg_device_view *v)
{
	if ((ev & (YG_DEV_EV_NEW | YG_DEV_EV_CLASS | YG_DEV_EV_UPDATE)) && w->cfg.log_devices)
		device_event(w, v, ev, ts);
	if (ev & YG_DEV_EV_INTERNET) {
		char sig[96];
		snprintf(sig, sizeof sig, "YAGURA device %s talking to the internet",
			 yg_device_class_name(v->cls));
		for (unsigned i = 0; i < v->n_contacts; i++) {
			const struct yg_device_contact *c = &v->contacts[i];
			/* This flow's own contact is named with all it has. */
			bool own = c->flow_id == f->flow_id && c->ts_us == ts;
			device_alert(w, f, toserver, ts, own ? NULL : c, v, SID_INTERNET, sig);
		}
	}
	if (ev & YG_DEV_EV_ICS) {
		char sig[96];
		snprintf(sig, sizeof sig, "YAGURA device class %s new on an ICS network",
			 yg_device_class_name(v->cls));
		device_alert(w, f, toserver, ts, NULL, v, SID_ICS_CLASS, sig);
	}
}

/* Fills the address part of an observation of addr (with the packet's
 * MAC when mac is set) and hands it to the table. */
static void observe(struct yg_worker *w, struct yg_flow *f, bool toserver,
		    struct yg_device_obs *o)
{
	struct yg_device_view *v = &w->dev_view;
	if (o->family) {
		o->home = w->cfg.home && yg_homenet_contains(w->cfg.home, o->family, o->addr);
		o->ics = w->cfg.ics_net && yg_homenet_contains(w->cfg.ics_net, o->family, o->addr);
	}
	unsigned ev = yg_devices_observe(w->cfg.devices, o, v);
	if (ev)
		report(w, f, toserver, o->ts_us, ev, v);
}

static bool internet(const struct yg_worker *w, uint8_t family, const struct yg_addr *a)
{
	return !yg_devices_addr_local(family, a) &&
	       !(w->cfg.home && yg_homenet_contains(w->cfg.home, family, a));
}

void yg_worker_devices_packet(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			      bool toserver, bool created)
{
	/* The flow's first packet tells of its client; the first answer, of
	 * its server and the port it serves. */
	bool first_answer = !toserver && f->pkts_tc == 1;
	if (!created && !first_answer)
		return;
	struct yg_device_contact c = {
	    .ts_us = pkt->ts_us, .flow_id = f->flow_id, .family = pkt->family, .proto = pkt->proto,
	    .toserver = toserver, .sport = pkt->sport, .dport = pkt->dport, .src = pkt->src,
	    .dst = pkt->dst,
	};
	struct yg_device_obs o = {
	    .ts_us = pkt->ts_us,
	    .mac = pkt->has_mac ? pkt->mac_src : NULL,
	    .family = pkt->family,
	    .addr = &pkt->src,
	    .peer = &pkt->dst,
	    .peer_family = pkt->family,
	    .peer_internet = internet(w, pkt->family, &pkt->dst),
	    .contact = &c,
	};
	if (first_answer && pkt->l4_ok && (pkt->proto == 6 || pkt->proto == 17)) {
		/* A TCP server answers with SYN-ACK or data; a RST is no service. */
		if (pkt->proto == 17 || !(pkt->tcp_flags & YG_TCP_RST)) {
			o.served_port = pkt->sport;
			o.served_proto = pkt->proto;
		}
	}
	observe(w, f, toserver, &o);
}

static void dhcp(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt, bool toserver)
{
	struct yg_dhcp_msg m;
	if (yg_dhcp_parse(pkt->payload, pkt->payload_len, &m, NULL) < 0) {
		w->st.dhcp_malformed++;
		return;
	}
	w->st.dhcp_msgs++;
	if (!m.has_chaddr)
		return;
	struct yg_addr a = {{0}};
	struct yg_device_obs o = {.ts_us = pkt->ts_us, .mac = m.chaddr};
	/* The client's address: a server's ACK (type 5) gives it; a client
	 * names the one it has or asks for. */
	const uint8_t *ip = NULL;
	static const uint8_t zero[4];
	if (m.op == 2 && m.type == 5 && memcmp(m.yiaddr, zero, 4))
		ip = m.yiaddr;
	else if (m.op == 1 && memcmp(m.ciaddr, zero, 4))
		ip = m.ciaddr;
	else if (m.op == 1 && m.has_requested)
		ip = m.requested;
	if (ip) {
		memcpy(a.b, ip, 4);
		o.family = 4;
		o.addr = &a;
	}
	if (m.op == 1) {
		o.hostname = m.hostname[0] ? m.hostname : (m.fqdn[0] ? m.fqdn : NULL);
		o.hostname_src = YG_DEV_NAME_DHCP;
		o.dhcp_vendor = m.vendor_class;
		o.dhcp_prl = m.prl;
	}
	observe(w, f, toserver, &o);
}

static void nbns(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt, bool toserver)
{
	enum yg_anomaly an;
	if (yg_dns_parse(pkt->payload, pkt->payload_len, &w->dns, &an) < 0)
		return;
	const struct yg_dns_msg *m = &w->dns;
	/* A registration (5) or refresh (8, 9) names the sender. */
	if (m->response || (m->opcode != 5 && m->opcode != 8 && m->opcode != 9) || !m->n_queries)
		return;
	char name[16];
	unsigned suffix;
	if (!yg_nbns_decode_name(m->queries[0].name, name, &suffix) || (suffix != 0 && suffix != 0x20))
		return;
	struct yg_device_obs o = {
	    .ts_us = pkt->ts_us,
	    .mac = pkt->has_mac ? pkt->mac_src : NULL,
	    .family = pkt->family,
	    .addr = &pkt->src,
	    .hostname = name,
	    .hostname_src = YG_DEV_NAME_NETBIOS,
	};
	observe(w, f, toserver, &o);
}

void yg_worker_devices_udp(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver)
{
	if (!pkt->payload || !pkt->payload_len)
		return;
	if ((pkt->sport == DHCP_CLIENT_PORT && pkt->dport == DHCP_SERVER_PORT) ||
	    (pkt->sport == DHCP_SERVER_PORT && pkt->dport == DHCP_CLIENT_PORT))
		dhcp(w, f, pkt, toserver);
	else if (pkt->sport == NBNS_PORT && pkt->dport == NBNS_PORT)
		nbns(w, f, pkt, toserver);
}

/* "_ipp._tcp.local" from "_ipp._tcp.local" or "Printer._ipp._tcp.local". */
static const char *service_type(const char *name)
{
	const char *p = strstr(name, "._tcp.");
	if (!p)
		p = strstr(name, "._udp.");
	if (!p)
		return NULL;
	/* Back to the "_" that starts the service label. */
	const char *s = p;
	while (s > name && s[-1] != '.')
		s--;
	return *s == '_' ? s : NULL;
}

/* "host" from "host.local". */
static bool local_host(const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	if (len < 7 || strcasecmp(name + len - 6, ".local") || len - 6 >= n)
		return false;
	memcpy(out, name, len - 6);
	out[len - 6] = 0;
	return strchr(out, '.') == NULL;
}

/* "10.0.0.5" from "5.0.0.10.in-addr.arpa". */
static bool ptr_addr(const char *name, struct yg_addr *ret)
{
	unsigned o[4];
	char tail[16];
	if (sscanf(name, "%3u.%3u.%3u.%3u.%15s", &o[0], &o[1], &o[2], &o[3], tail) != 5 ||
	    strcasecmp(tail, "in-addr.arpa"))
		return false;
	memset(ret, 0, sizeof *ret);
	for (unsigned i = 0; i < 4; i++) {
		if (o[i] > 255)
			return false;
		ret->b[3 - i] = (uint8_t)o[i];
	}
	return true;
}

void yg_worker_devices_dns(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver, const struct yg_dns_msg *m)
{
	if (!m->response)
		return;
	bool mdns = pkt->sport == MDNS_PORT;
	for (unsigned i = 0; i < m->n_answers; i++) {
		const struct yg_dns_answer *a = &m->answers[i];
		struct yg_device_obs o = {
		    .ts_us = pkt->ts_us,
		    .mac = pkt->has_mac ? pkt->mac_src : NULL,
		    .family = pkt->family,
		    .addr = &pkt->src,
		};
		char host[64];
		struct yg_addr pa;
		if (mdns && a->type == 12) {
			/* The responder announces a service it offers. */
			o.mdns_service = service_type(a->name);
			if (!o.mdns_service)
				o.mdns_service = service_type(a->data);
			if (!o.mdns_service)
				continue;
		} else if (mdns && (a->type == 1 || a->type == 28) && local_host(a->name, host, sizeof host)) {
			o.hostname = host;
			o.hostname_src = YG_DEV_NAME_MDNS;
		} else if (!mdns && a->type == 12 && ptr_addr(a->name, &pa) && a->data[0]) {
			/* A DNS PTR answer names the address it was asked about. */
			o.mac = NULL;
			o.family = 4;
			o.addr = &pa;
			o.hostname = a->data;
			o.hostname_src = YG_DEV_NAME_DNS_PTR;
		} else {
			continue;
		}
		observe(w, f, toserver, &o);
	}
}

void yg_worker_devices_app(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver, const char *user_agent, size_t ua_len, const char *ja4)
{
	if (!toserver)
		return;
	char ua[YG_DEV_STR];
	struct yg_device_obs o = {
	    .ts_us = pkt->ts_us,
	    .mac = pkt->has_mac ? pkt->mac_src : NULL,
	    .family = pkt->family,
	    .addr = &pkt->src,
	    .ja4 = ja4,
	};
	if (user_agent && ua_len) {
		size_t n = ua_len < sizeof ua - 1 ? ua_len : sizeof ua - 1;
		memcpy(ua, user_agent, n);
		ua[n] = 0;
		o.user_agent = ua;
	}
	observe(w, f, toserver, &o);
}
