/*
 * The sensor's side of beacon detection (detect/beacon.h): which flows are
 * connection starts of a home host, the name that keys them, and the
 * "beacon" event.
 *
 * A flow counts when its client is in the home network and its server is
 * outside it and not multicast, broadcast or link-local; over TCP only
 * when the client's SYN was seen (a connection picked up midstream has no
 * known start). NTP (UDP 123) is left out: a time client at a steady
 * poll interval is as regular as a beacon, by design.
 *
 * The start is taken when the flow ends, when its name (SNI, Host, query)
 * is known and its start time is final. The event is written like an
 * alert on the flow whose start completed the pattern: that flow's
 * header (flow_id, ports, community_id) lets a SIEM pivot to its tls,
 * http or dns events; the "beacon" object describes the pair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/beacon.h"
#include "sensor/worker-int.h"

static bool outside_unicast(uint8_t family, const struct yg_addr *a)
{
	const uint8_t *b = a->b;
	if (family == 4)
		return b[0] != 0 && b[0] != 127 && b[0] < 224 && !(b[0] == 169 && b[1] == 254);
	static const uint8_t zero[15];
	if (b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
		return false;
	return memcmp(b, zero, 15) != 0 || b[15] > 1; /* :: and ::1 */
}

static bool counts(const struct yg_worker *w, const struct yg_flow *f)
{
	if ((f->proto != 6 && f->proto != 17) || !w->cfg.home)
		return false;
	if (f->proto == 6 && !(f->tcp_flags_ts & 0x02))
		return false;
	if (f->proto == 17 && f->srv_port == 123)
		return false;
	return outside_unicast(f->family, &f->srv) &&
	       yg_homenet_contains(w->cfg.home, f->family, &f->cli) &&
	       !yg_homenet_contains(w->cfg.home, f->family, &f->srv);
}

void yg_worker_beacon_name(struct yg_worker *w, struct yg_flow *f, const char *name, size_t len)
{
	struct flow_app *a = f->app;
	if (!len || len > YG_BEACON_NAME_MAX || (a && a->beacon_name) || !counts(w, f))
		return;
	a = yg_worker_flow_app(w, f);
	if (!a || yg_flow_charge(w->ft, (long)len + 1) < 0)
		return;
	a->beacon_name = malloc(len + 1);
	if (!a->beacon_name) {
		yg_flow_charge(w->ft, -((long)len + 1));
		return;
	}
	memcpy(a->beacon_name, name, len);
	a->beacon_name[len] = '\0';
}

/* v with digits decimals (finite: the score's quotients never divide by 0). */
static void kv_fixed(struct yg_jsonw *j, const char *key, double v, int digits)
{
	char b[48];
	int n = snprintf(b, sizeof b, "%.*f", digits, v);
	yg_jsonw_key(j, key);
	yg_jsonw_raw(j, b, (size_t)n);
}

static void kv_time(struct yg_jsonw *j, const char *key, uint64_t us)
{
	char ts[32];
	yg_eve_format_time(us, ts, sizeof ts);
	yg_jsonw_key(j, key);
	yg_jsonw_strn_plain(j, ts, YG_EVE_TIME_LEN);
}

static void beacon_event(struct yg_worker *w, struct yg_flow *f, const struct yg_beacon_hit *h)
{
	struct yg_eve_tuple t;
	struct yg_jsonw *j = &w->eve.w;
	yg_worker_tuple(w, f, true, &t);
	yg_eve_begin(&w->eve, h->last_us, "beacon", f->flow_id, &t);
	yg_jsonw_key(j, "beacon");
	yg_jsonw_obj_open(j);
	if (h->name[0])
		yg_jsonw_kv_str(j, "name", h->name);
	kv_fixed(j, "interval_s", h->v.period_s, 3);
	yg_jsonw_kv_u64(j, "count", h->v.beats);
	yg_jsonw_kv_u64(j, "connections", h->connections);
	yg_jsonw_kv_u64(j, "missed", h->v.missed);
	yg_jsonw_kv_u64(j, "irregular", h->v.irregular);
	kv_fixed(j, "jitter", h->v.jitter, 4);
	kv_fixed(j, "score", h->v.score, 4);
	kv_time(j, "first_seen", h->first_us);
	kv_time(j, "last_seen", h->last_us);
	yg_jsonw_kv_u64(j, "report", h->reports);
	yg_jsonw_obj_close(j);
	yg_eve_end(&w->eve);
}

void yg_worker_beacon_flow(struct yg_worker *w, struct yg_flow *f)
{
	if (!counts(w, f))
		return;
	const struct flow_app *a = f->app;
	const char *name = a ? a->beacon_name : NULL;
	struct yg_beacon_obs o = {
	    .family = f->family,
	    .proto = f->proto,
	    .dport = f->srv_port,
	    .host = &f->cli,
	    .dest = &f->srv,
	    .name = name,
	    .name_len = name ? strlen(name) : 0,
	    .start_us = f->first_us,
	};
	struct yg_beacon_hit hit;
	if (!yg_beacon_observe(w->cfg.beacon, &o, &hit))
		return;
	w->st.beacons++;
	if (w->cfg.log_beacon)
		beacon_event(w, f, &hit);
	if (w->cfg.on_beacon)
		w->cfg.on_beacon(w->cfg.beacon_ud, &hit);
}
