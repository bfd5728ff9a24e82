/*
 * Closing a telescope window (telescope.h): the EVE events and the hub
 * body of one minute, then the reset of the window's counters.
 *
 * Hub body (POST /api/v1/darknet, one window per body):
 *   {"sensor": name, "telescope_addresses": N, "window_start":
 *    "YYYY-MM-DDTHH:MM:00Z", "window_seconds": 60,
 *    "ports":   [{"proto","port","packets","sources","new_sources"}],   all,
 *               by packets, up to 7 MiB of them (the hub takes 8 MiB)
 *    "sources": [{"ip","class","fingerprint","research_name"?,"packets",
 *                 "bytes","dest_count","ports":[<=10],"country"?,"asn"?}],
 *               the top YG_DN_HUB_SOURCES by packets
 *    "victims": [{"ip","proto","port"?,"packets","est_pps"}]}  <= 1000
 * ICMP "ports" are ICMP types (ICMPv6 types for IPv6). sources and
 * new_sources are HyperLogLog estimates (telescope-int.h: 6.5 %).
 *
 * est_pps, the attack's packet rate: a victim of a flood with uniformly
 * spoofed IPv4 sources answers every address alike, so the telescope sees
 * the share telescope_addresses / 2^32 of its replies:
 *   est_pps = backscatter packets / 60 s * 2^32 / telescope_addresses.
 * The same formula is applied to IPv6 victims (with the /64 count of an
 * IPv6-only telescope); spoofing across IPv6 is not uniform, so there the
 * figure is a rough upper bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darknet/hll.h"
#include "darknet/telescope-int.h"

#define EVE_PORTS_MAX 1000 /* ports in one darknet_stats event, by packets */
#define HUB_PORTS_BYTES (7u << 20) /* the ports of a hub body stop past this */

static unsigned argmax(const uint32_t *v, unsigned n)
{
	unsigned best = 0;
	for (unsigned i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

/* The window's packets by class: those like its first packet are the
 * ones not counted in cold (telescope-int.h). */
static void rec_classes(const struct src_hot *r, const struct src_cold *c, uint32_t *out)
{
	uint32_t dev = 0;
	for (unsigned i = 0; i < YG_DN_CLASS__COUNT; i++) {
		out[i] = c->dev_cls[i];
		dev += c->dev_cls[i];
	}
	if (hot_class(r) < YG_DN_CLASS__COUNT)
		out[hot_class(r)] += r->w_packets - dev;
}

static unsigned rec_class(const struct src_hot *r, const struct src_cold *c)
{
	uint32_t cls[YG_DN_CLASS__COUNT];
	rec_classes(r, c, cls);
	return argmax(cls, YG_DN_CLASS__COUNT);
}

/* Once the window's counts are folded in (fold_window). */
static unsigned rec_fp(const struct src_cold *c)
{
	return c->research ? YG_DN_FP_RESEARCH : argmax(c->fp, YG_DN_FP_RESEARCH);
}

/* The window's counts into the lifetime ones, before the events. */
static void fold_window(struct yg_darknet *dn, const struct src_hot *r, struct src_cold *c)
{
	uint32_t dev = 0;
	for (unsigned i = 0; i < YG_DN_CLASS__COUNT; i++)
		dev += c->dev_cls[i];
	if (hot_class(r) != YG_DN_OTHER && hot_fp(r) < YG_DN_FP_RESEARCH)
		c->fp[hot_fp(r)] += r->w_packets - dev;
	c->packets += r->w_packets;
	c->bytes += (uint64_t)c->w_bytes_hi << 32 | r->w_bytes;
	c->last_us = dn->win_start + r->last_off;
}

static uint64_t rec_bytes(const struct src_hot *r, const struct src_cold *c)
{
	return (uint64_t)c->w_bytes_hi << 32 | r->w_bytes;
}

static uint64_t rec_port_count(const struct src_hot *r, const struct src_cold *c)
{
	if (r->flags & HOT_MULTI)
		return yg_hll_count(c->hll_port, SRC_HLL_P);
	return r->top0_proto ? 1 : 0;
}

/* The record's top ports, by packets, into out (YG_DN_TOP_PORTS). */
static unsigned rec_ports(const struct src_hot *r, const struct src_cold *c, struct top_port *out)
{
	unsigned n = 0;
	if (!(r->flags & HOT_MULTI)) {
		if (!r->top0_proto)
			return 0;
		out[0].proto = r->top0_proto;
		out[0].port = r->top0_port;
		out[0].packets = c->top0_hi * 65536u + r->top0_cnt;
		return 1;
	}
	for (unsigned i = 0; i < YG_DN_TOP_PORTS; i++)
		if (c->top[i].proto)
			out[n++] = c->top[i];
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && out[k].packets > out[k - 1].packets; k--) {
			struct top_port t = out[k];
			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	return n;
}

static void addr_text(uint8_t family, const struct yg_addr *a, char *buf, size_t n)
{
	yg_eve_format_addr(family, a, buf, n);
}

static void window_text(uint64_t start_us, char out[24])
{
	char t[32];
	yg_eve_format_time(start_us, t, sizeof t);
	/* "2024-05-06T07:08:09.123456+0000" -> "2024-05-06T07:08:00Z" */
	memcpy(out, t, 17);
	memcpy(out + 17, "00Z", 4);
}

static void kv_double(struct yg_jsonw *j, const char *key, double v)
{
	char b[48];
	int n = snprintf(b, sizeof b, "%.3f", v);
	yg_jsonw_key(j, key);
	yg_jsonw_raw(j, b, (size_t)n);
}

static void geo_fill(struct yg_darknet *dn, struct src_cold *r)
{
	if (r->geo_done || !dn->cfg.geo)
		return;
	struct yg_geo_result g;
	yg_geo_lookup(dn->cfg.geo, r->family, &r->addr, &g);
	memcpy(r->country, g.country, 3);
	r->asn = g.asn;
	r->geo_done = 1;
}

static void source_event(struct yg_darknet *dn, uint32_t ri, const char *win)
{
	const struct src_hot *h = &dn->hot[ri];
	const struct src_cold *r = &dn->cold[ri];
	struct yg_jsonw *j = &dn->eve.w;
	char a[64], ts[32];
	yg_eve_begin(&dn->eve, r->last_us, "darknet", 0, NULL);
	yg_eve_format_addr_full(r->family, &r->addr, a, sizeof a);
	yg_jsonw_kv_str(j, "src_ip", a);
	yg_jsonw_kv_u64(j, "ip_v", r->family);
	yg_jsonw_key(j, "darknet");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_plain(j, "window_start", win);
	yg_jsonw_kv_u64(j, "window_seconds", YG_DN_WINDOW_US / 1000000);
	uint32_t cls[YG_DN_CLASS__COUNT];
	rec_classes(h, r, cls);
	yg_jsonw_kv_plain(j, "class", yg_dn_class_name(argmax(cls, YG_DN_CLASS__COUNT)));
	unsigned fp = rec_fp(r);
	yg_jsonw_kv_plain(j, "fingerprint", yg_dn_fp_name(fp));
	if (fp == YG_DN_FP_RESEARCH) {
		const char *nm = yg_dn_research_lookup(dn->cfg.research, r->family, &r->addr);
		if (nm)
			yg_jsonw_kv_str(j, "research_name", nm);
	}
	yg_jsonw_kv_u64(j, "packets", h->w_packets);
	yg_jsonw_kv_u64(j, "bytes", rec_bytes(h, r));
	yg_jsonw_kv_u64(j, "dest_count", yg_hll4_count(h->dst, SRC_HLL_P));
	yg_jsonw_kv_u64(j, "port_count", rec_port_count(h, r));
	struct top_port tp[YG_DN_TOP_PORTS];
	unsigned n = rec_ports(h, r, tp);
	yg_jsonw_key(j, "ports");
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < n; i++)
		yg_jsonw_u64(j, tp[i].port);
	yg_jsonw_arr_close(j);
	yg_jsonw_key(j, "protocols");
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < N_PROTO; i++)
		if (h->flags & (HOT_PROTO0 << i)) {
			yg_jsonw_strn_plain(j, yg_dn_proto_name(index_proto(i)),
			                    strlen(yg_dn_proto_name(index_proto(i))));
		}
	yg_jsonw_arr_close(j);
	yg_jsonw_key(j, "classes");
	yg_jsonw_obj_open(j);
	for (unsigned i = 0; i < YG_DN_CLASS__COUNT; i++)
		if (cls[i])
			yg_jsonw_kv_u64(j, yg_dn_class_name(i), cls[i]);
	yg_jsonw_obj_close(j);
	yg_eve_format_time(r->first_us, ts, sizeof ts);
	yg_jsonw_key(j, "first_seen");
	yg_jsonw_strn_plain(j, ts, YG_EVE_TIME_LEN);
	yg_eve_format_time(r->last_us, ts, sizeof ts);
	yg_jsonw_key(j, "last_seen");
	yg_jsonw_strn_plain(j, ts, YG_EVE_TIME_LEN);
	yg_jsonw_kv_u64(j, "total_packets", r->packets);
	yg_jsonw_obj_close(j);
	if (r->country[0] || r->asn) {
		yg_jsonw_key(j, "geo");
		yg_jsonw_obj_open(j);
		if (r->country[0])
			yg_jsonw_kv_plain(j, "country", r->country);
		if (r->asn)
			yg_jsonw_kv_u64(j, "asn", r->asn);
		yg_jsonw_obj_close(j);
	}
	yg_eve_end(&dn->eve);
}

static double est_pps(const struct yg_darknet *dn, uint32_t packets)
{
	return (double)packets / (double)(YG_DN_WINDOW_US / 1000000) * 4294967296.0 /
	       (double)dn->addresses;
}

static void victim_event(struct yg_darknet *dn, const struct victim *v, const char *win)
{
	struct yg_jsonw *j = &dn->eve.w;
	char a[64];
	yg_eve_begin(&dn->eve, v->last_us, "darknet_victim", 0, NULL);
	yg_eve_format_addr_full(v->family, &v->addr, a, sizeof a);
	yg_jsonw_kv_str(j, "src_ip", a);
	yg_jsonw_kv_u64(j, "ip_v", v->family);
	yg_jsonw_key(j, "darknet_victim");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_plain(j, "window_start", win);
	yg_jsonw_kv_u64(j, "window_seconds", YG_DN_WINDOW_US / 1000000);
	yg_jsonw_kv_plain(j, "proto", yg_dn_proto_name(v->proto));
	if (v->has_port)
		yg_jsonw_kv_u64(j, "port", v->port);
	yg_jsonw_kv_u64(j, "packets", v->packets);
	kv_double(j, "est_pps", est_pps(dn, v->packets));
	yg_jsonw_kv_u64(j, "telescope_addresses", dn->addresses);
	yg_jsonw_obj_close(j);
	yg_eve_end(&dn->eve);
}

static int cmp_port_desc(const void *a, const void *b, void *ud)
{
	const struct port_stat *pool = ud;
	uint32_t x = pool[*(const uint32_t *)a].packets, y = pool[*(const uint32_t *)b].packets;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void port_obj(struct yg_jsonw *j, const struct yg_darknet *dn, uint32_t i)
{
	const struct port_stat *ps = &dn->port_pool[i];
	uint32_t k = dn->port_used[i];
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_plain(j, "proto", yg_dn_proto_name(index_proto(k / 65536)));
	yg_jsonw_kv_u64(j, "port", k % 65536);
	yg_jsonw_kv_u64(j, "packets", ps->packets);
	uint64_t s = yg_hll_count(ps->hll_src, PORT_HLL_P);
	uint64_t nw = yg_hll_count(ps->hll_new, PORT_HLL_P);
	yg_jsonw_kv_u64(j, "sources", s ? s : 1);
	yg_jsonw_kv_u64(j, "new_sources", nw > s ? s : nw);
	yg_jsonw_obj_close(j);
}

static void stats_event(struct yg_darknet *dn, const char *win, const uint32_t *order)
{
	struct yg_jsonw *j = &dn->eve.w;
	yg_eve_begin(&dn->eve, dn->win_start + YG_DN_WINDOW_US - 1, "darknet_stats", 0, NULL);
	yg_jsonw_key(j, "darknet_stats");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_plain(j, "window_start", win);
	yg_jsonw_kv_u64(j, "window_seconds", YG_DN_WINDOW_US / 1000000);
	yg_jsonw_kv_u64(j, "telescope_addresses", dn->addresses);
	yg_jsonw_kv_u64(j, "packets", dn->w_packets);
	yg_jsonw_kv_u64(j, "bytes", dn->w_bytes);
	yg_jsonw_key(j, "classes");
	yg_jsonw_obj_open(j);
	for (unsigned i = 0; i < YG_DN_CLASS__COUNT; i++)
		yg_jsonw_kv_u64(j, yg_dn_class_name(i), dn->w_class[i]);
	yg_jsonw_obj_close(j);
	yg_jsonw_key(j, "anomalies");
	yg_jsonw_obj_open(j);
	for (unsigned i = 1; i < YG_DN_ANOM__COUNT; i++)
		yg_jsonw_kv_u64(j, yg_dn_anom_name(i), dn->w_anom[i]);
	yg_jsonw_obj_close(j);
	yg_jsonw_kv_u64(j, "ports_total", dn->n_port);
	yg_jsonw_key(j, "ports");
	yg_jsonw_arr_open(j);
	for (uint32_t i = 0; i < dn->n_port && i < EVE_PORTS_MAX; i++)
		port_obj(j, dn, order[i]);
	yg_jsonw_arr_close(j);
	yg_jsonw_key(j, "dropped");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "sources_evicted", dn->st.sources_evicted);
	yg_jsonw_kv_u64(j, "packets_unattributed", dn->st.packets_unattributed);
	yg_jsonw_kv_u64(j, "ports", dn->st.ports_dropped);
	yg_jsonw_kv_u64(j, "victims", dn->st.victims_dropped);
	yg_jsonw_obj_close(j);
	yg_jsonw_obj_close(j);
	yg_eve_end(&dn->eve);
}

/* Min-heap of record indexes by window packets: the top n sources. */
static void heap_down(const struct src_hot *rec, uint32_t *h, unsigned n, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		if (l < n && rec[h[l]].w_packets < rec[h[m]].w_packets)
			m = l;
		if (l + 1 < n && rec[h[l + 1]].w_packets < rec[h[m]].w_packets)
			m = l + 1;
		if (m == i)
			return;
		uint32_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int cmp_rec_desc(const void *a, const void *b, void *ud)
{
	const struct src_hot *rec = ud;
	uint32_t x = rec[*(const uint32_t *)a].w_packets, y = rec[*(const uint32_t *)b].w_packets;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void hub_body(struct yg_darknet *dn, const char *win, const uint32_t *port_order,
                     const uint32_t *top, unsigned n_top)
{
	struct yg_jsonw j;
	if (yg_jsonw_init(&j, 65536) < 0)
		return;
	char a[64];
	yg_jsonw_obj_open(&j);
	yg_jsonw_kv_str(&j, "sensor", dn->sensor_name);
	yg_jsonw_kv_u64(&j, "telescope_addresses", dn->addresses);
	yg_jsonw_kv_plain(&j, "window_start", win);
	yg_jsonw_kv_u64(&j, "window_seconds", YG_DN_WINDOW_US / 1000000);
	yg_jsonw_key(&j, "ports");
	yg_jsonw_arr_open(&j);
	/* Most packets first, and no more than fits the hub's 8 MiB bound
	 * beside 1000 sources and 1000 victims (every port of TCP and UDP
	 * would take about 9 MB). */
	for (uint32_t i = 0; i < dn->n_port && j.len < HUB_PORTS_BYTES; i++)
		port_obj(&j, dn, port_order[i]);
	yg_jsonw_arr_close(&j);
	yg_jsonw_key(&j, "sources");
	yg_jsonw_arr_open(&j);
	for (unsigned i = 0; i < n_top; i++) {
		const struct src_hot *h = &dn->hot[top[i]];
		const struct src_cold *r = &dn->cold[top[i]];
		yg_jsonw_obj_open(&j);
		addr_text(r->family, &r->addr, a, sizeof a);
		yg_jsonw_kv_str(&j, "ip", a);
		yg_jsonw_kv_plain(&j, "class", yg_dn_class_name(rec_class(h, r)));
		unsigned fp = rec_fp(r);
		yg_jsonw_kv_plain(&j, "fingerprint", yg_dn_fp_name(fp));
		if (fp == YG_DN_FP_RESEARCH) {
			const char *nm = yg_dn_research_lookup(dn->cfg.research, r->family, &r->addr);
			if (nm)
				yg_jsonw_kv_str(&j, "research_name", nm);
		}
		yg_jsonw_kv_u64(&j, "packets", h->w_packets);
		yg_jsonw_kv_u64(&j, "bytes", rec_bytes(h, r));
		yg_jsonw_kv_u64(&j, "dest_count", yg_hll4_count(h->dst, SRC_HLL_P));
		struct top_port tp[YG_DN_TOP_PORTS];
		unsigned n = rec_ports(h, r, tp);
		yg_jsonw_key(&j, "ports");
		yg_jsonw_arr_open(&j);
		for (unsigned k = 0; k < n; k++)
			yg_jsonw_u64(&j, tp[k].port);
		yg_jsonw_arr_close(&j);
		if (r->country[0])
			yg_jsonw_kv_plain(&j, "country", r->country);
		if (r->asn)
			yg_jsonw_kv_u64(&j, "asn", r->asn);
		yg_jsonw_obj_close(&j);
	}
	yg_jsonw_arr_close(&j);
	yg_jsonw_key(&j, "victims");
	yg_jsonw_arr_open(&j);
	unsigned nv = 0;
	for (uint32_t i = 0; i < VICTIM_CAP * 2 && nv < YG_DN_HUB_VICTIMS; i++) {
		const struct victim *v = &dn->victims[i];
		if (!v->used)
			continue;
		nv++;
		yg_jsonw_obj_open(&j);
		addr_text(v->family, &v->addr, a, sizeof a);
		yg_jsonw_kv_str(&j, "ip", a);
		yg_jsonw_kv_plain(&j, "proto", yg_dn_proto_name(v->proto));
		if (v->has_port)
			yg_jsonw_kv_u64(&j, "port", v->port);
		yg_jsonw_kv_u64(&j, "packets", v->packets);
		kv_double(&j, "est_pps", est_pps(dn, v->packets));
		yg_jsonw_obj_close(&j);
	}
	yg_jsonw_arr_close(&j);
	yg_jsonw_obj_close(&j);
	if (yg_jsonw_ok(&j))
		dn->cfg.on_window(dn->cfg.ud, j.buf, j.len);
	yg_jsonw_release(&j);
}

void yg_dn_window_close(struct yg_darknet *dn)
{
	char win[24];
	window_text(dn->win_start, win);
	dn->st.windows++;
	bool eve = dn->eve_ok;
	/* Ports by packets, for the stats event and the hub body. */
	uint32_t *order = malloc(((size_t)dn->n_port + 1) * sizeof *order);
	uint32_t *top = malloc(YG_DN_HUB_SOURCES * sizeof *top);
	unsigned n_top = 0;
	if (order) {
		for (uint32_t i = 0; i < dn->n_port; i++)
			order[i] = i;
		qsort_r(order, dn->n_port, sizeof *order, cmp_port_desc, dn->port_pool);
	}
	for (uint32_t i = 0; i < dn->n_rec; i++) {
		const struct src_hot *r = &dn->hot[i];
		if (!r->w_packets)
			continue;
		fold_window(dn, r, &dn->cold[i]);
		geo_fill(dn, &dn->cold[i]);
		if (eve && dn->cfg.log_sources)
			source_event(dn, i, win);
		if (!top)
			continue;
		if (n_top < YG_DN_HUB_SOURCES) {
			top[n_top++] = i;
			if (n_top == YG_DN_HUB_SOURCES)
				for (int k = YG_DN_HUB_SOURCES / 2 - 1; k >= 0; k--)
					heap_down(dn->hot, top, n_top, (unsigned)k);
		} else if (r->w_packets > dn->hot[top[0]].w_packets) {
			top[0] = i;
			heap_down(dn->hot, top, n_top, 0);
		}
	}
	if (top)
		qsort_r(top, n_top, sizeof *top, cmp_rec_desc, dn->hot);
	if (eve && dn->cfg.log_victims)
		for (uint32_t i = 0; i < VICTIM_CAP * 2; i++)
			if (dn->victims[i].used)
				victim_event(dn, &dn->victims[i], win);
	if (eve && dn->cfg.log_stats && order)
		stats_event(dn, win, order);
	if (eve)
		yg_eve_flush(&dn->eve);
	if (dn->cfg.on_window && order && top && dn->w_packets)
		hub_body(dn, win, order, top, n_top);
	free(order);
	free(top);

	/* Reset the window. */
	for (uint32_t i = 0; i < dn->n_rec; i++) {
		struct src_hot *r = &dn->hot[i];
		if (!r->w_packets)
			continue;
		if (r->flags & HOT_DIRTY) {
			struct src_cold *c = &dn->cold[i];
			c->w_bytes_hi = c->top0_hi = 0;
			memset(c->dev_cls, 0, sizeof c->dev_cls);
			memset(c->top, 0, sizeof c->top);
			memset(c->hll_port, 0, sizeof c->hll_port);
		}
		r->w_packets = 0;
		r->w_bytes = 0;
		r->last_off = 0;
		r->flags &= (uint8_t)~(HOT_NEW | HOT_MULTI | HOT_DIRTY);
		r->cf0 = 0;
		r->top0_proto = 0;
		r->top0_port = 0;
		r->top0_cnt = 0;
		memset(r->dst, 0, sizeof r->dst);
	}
	for (uint32_t i = 0; i < dn->n_port; i++)
		dn->port_index[dn->port_used[i]] = NIL;
	dn->n_port = 0;
	memset(dn->victims, 0, VICTIM_CAP * 2 * sizeof *dn->victims);
	memset(dn->vtag, 0, VICTIM_CAP * 2 * sizeof *dn->vtag);
	dn->n_victims = 0;
	dn->w_packets = dn->w_bytes = 0;
	memset(dn->w_class, 0, sizeof dn->w_class);
	memset(dn->w_anom, 0, sizeof dn->w_anom);
	dn->win_start = 0;
}
