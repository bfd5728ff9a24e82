/*
 * HTTP/2 flows: feeds the flow's two directions to the frame and stream
 * parser (src/app/http2.c), matches each request's :authority (or Host)
 * and :path against indicators as an HTTP/1 request's Host and target are
 * matched (yg_worker_http_seen), and writes one http event per stream the
 * way Suricata 8 writes HTTP/2:
 *
 *   "app_proto": "http2",
 *   "http": {"hostname", "url", "http_user_agent", "http_method",
 *            "protocol": "HTTP/2", "status", "length", "version": "2",
 *            "request_headers": [{"name", "value"}, ...],
 *            "response_headers": [...],
 *            "http2": {"stream_id", "request": {"settings", "error_code",
 *                      "priority"}, "response": {...}}}
 *
 * Stream 0 (the connection's SETTINGS and GOAWAY) is one event, written
 * when the flow ends. "length" is the response's Content-Length as
 * Suricata logs it, else the DATA bytes seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/eve_http.h"
#include "sensor/worker-int.h"

struct h2_flow {
	struct yg_worker *w;
	struct yg_flow *f;
	const struct yg_packet *pkt; /* the packet being read; NULL at flush */
	bool toserver;
	struct yg_h2_conn *conn;
};

static const enum yg_anomaly anomalies[] = {
    [YG_H2_ANOM_BAD_FRAME] = YG_ANOM_HTTP2_BAD_FRAME,
    [YG_H2_ANOM_FRAME_TOO_LONG] = YG_ANOM_HTTP2_FRAME_TOO_LONG,
    [YG_H2_ANOM_HPACK] = YG_ANOM_HTTP2_HPACK,
    [YG_H2_ANOM_TOO_MANY_STREAMS] = YG_ANOM_HTTP2_TOO_MANY_STREAMS,
};

/* Streams come from the worker's slab: short connections open and close
 * them by the thousand (see yg_h2_ops). */
static void *stream_alloc(void *ctx)
{
	struct h2_flow *h = ctx;
	return yg_slab_get_dirty(&h->w->h2_slab);
}

static void stream_release(void *ctx, void *p)
{
	struct h2_flow *h = ctx;
	yg_slab_put(&h->w->h2_slab, p);
}

static void on_anomaly(void *ctx, enum yg_h2_anomaly a)
{
	struct h2_flow *h = ctx;
	yg_worker_app_anomaly(h->w, anomalies[a]);
}

static int on_charge(void *ctx, long delta)
{
	struct h2_flow *h = ctx;
	int r = yg_flow_charge(h->w->ft, delta);
	if (r < 0)
		h->w->st.app_memcap_drops++;
	return r;
}

static bool name_is(const struct yg_h2_half *hf, unsigned i, const char *s)
{
	size_t n = strlen(s);
	if (hf->fields[i].name_len != n)
		return false;
	const uint8_t *p = yg_h2_field_name(hf, i);
	for (size_t k = 0; k < n; k++) {
		uint8_t c = p[k] >= 'A' && p[k] <= 'Z' ? (uint8_t)(p[k] + 32) : p[k];
		if (c != (uint8_t)s[k])
			return false;
	}
	return true;
}

/* The value of the last field called name in hf (Suricata keeps the last
 * one); an empty span when none. */
static struct yg_span field(const struct yg_h2_half *hf, const char *name)
{
	struct yg_span v = {NULL, 0};
	for (unsigned i = 0; i < hf->n_fields; i++)
		if (!hf->fields[i].size_update && name_is(hf, i, name))
			v = (struct yg_span){yg_h2_field_value(hf, i), hf->fields[i].value_len};
	return v;
}

static const struct yg_span version = {(const uint8_t *)"HTTP/2", 6};

/* The request a stream's client half makes, in HTTP/1's terms: the host
 * is :authority, or Host when there is none. Spans borrow s. */
static void request_of(const struct yg_h2_stream *s, struct yg_http_request *ret)
{
	const struct yg_h2_half *q = &s->half[0];
	memset(ret, 0, sizeof *ret);
	ret->method = field(q, ":method");
	ret->uri = field(q, ":path");
	ret->version = version;
	ret->host = field(q, ":authority");
	if (!ret->host.len)
		ret->host = field(q, "host");
	ret->user_agent = field(q, "user-agent");
	ret->referer = field(q, "referer");
	ret->content_type = field(q, "content-type");
}

static void on_request(void *ctx, const struct yg_h2_stream *s)
{
	struct h2_flow *h = ctx;
	struct yg_http_request req;
	request_of(s, &req);
	if (!req.method.len)
		return; /* trailers, or a block without a request line */
	h->w->st.http_reqs++;
	yg_worker_http_seen(h->w, h->f, h->pkt, h->toserver, &req);
}

/* A decimal header value; false when it is not one. */
static bool decimal(struct yg_span v, uint64_t *ret)
{
	uint64_t x = 0;
	if (!v.len || v.len > 19)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	*ret = x;
	return true;
}

static void headers(struct yg_jsonw *j, const char *key, const struct yg_h2_half *hf)
{
	if (!hf->n_fields)
		return;
	yg_jsonw_key(j, key);
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < hf->n_fields; i++) {
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_strn(j, "name", yg_h2_field_name(hf, i), hf->fields[i].name_len);
		yg_jsonw_kv_strn(j, "value", yg_h2_field_value(hf, i), hf->fields[i].value_len);
		yg_jsonw_obj_close(j);
	}
	yg_jsonw_arr_close(j);
}

/* "request" or "response" of the http2 object: left out when empty (the
 * schema wants at least one property). */
static void frames(struct yg_jsonw *j, const char *key, const struct yg_h2_half *hf,
		   bool priority)
{
	bool pri = priority && hf->has_priority;
	if (!hf->n_settings && !hf->has_error && !pri)
		return;
	yg_jsonw_key(j, key);
	yg_jsonw_obj_open(j);
	if (hf->n_settings) {
		yg_jsonw_key(j, "settings");
		yg_jsonw_arr_open(j);
		for (unsigned i = 0; i < hf->n_settings; i++) {
			char unknown[32];
			const char *name = yg_h2_settings_name(hf->settings[i].id);
			if (!name) {
				snprintf(unknown, sizeof unknown, "%u", hf->settings[i].id);
				name = unknown;
			}
			yg_jsonw_obj_open(j);
			yg_jsonw_kv_str(j, "settings_id", name);
			yg_jsonw_kv_u64(j, "settings_value", hf->settings[i].value);
			yg_jsonw_obj_close(j);
		}
		yg_jsonw_arr_close(j);
	}
	if (hf->has_error) {
		char num[16];
		const char *name = yg_h2_error_name(hf->error_code);
		if (!name) {
			snprintf(num, sizeof num, "%u", hf->error_code);
			name = num;
		}
		yg_jsonw_kv_str(j, "error_code", name);
	}
	if (pri)
		yg_jsonw_kv_u64(j, "priority", hf->priority);
	if (hf->multiple_error || (pri && hf->multiple_priority))
		yg_jsonw_kv_str(j, "has_multiple", hf->multiple_error ? "error_code" : "priority");
	yg_jsonw_obj_close(j);
}

static void on_stream(void *ctx, const struct yg_h2_stream *s)
{
	struct h2_flow *h = ctx;
	struct yg_worker *w = h->w;
	const struct yg_h2_half *q = &s->half[0], *r = &s->half[1];
	if (!w->cfg.log_http)
		return;
	if (s->id == 0 && !q->n_settings && !r->n_settings && !q->has_error && !r->has_error)
		return; /* nothing Suricata would log */
	struct yg_http_request req;
	request_of(s, &req);
	uint64_t status = 0, length = r->data_bytes;
	decimal(field(r, ":status"), &status);
	decimal(field(r, "content-length"), &length);
	struct yg_span ctype = field(r, "content-type");
	struct yg_span location = field(r, "location");

	struct yg_eve_tuple t;
	yg_worker_tuple(w, h->f, true, &t);
	uint64_t ts = h->pkt ? h->pkt->ts_us : h->f->last_us;
	yg_eve_begin(&w->eve, ts < s->first_us ? s->first_us : ts, "http", h->f->flow_id, &t);
	struct yg_jsonw *j = &w->eve.w;
	yg_jsonw_kv_plain(j, "app_proto", "http2");
	yg_jsonw_key(j, "http");
	yg_jsonw_obj_open(j);
	if (s->id) {
		if (req.host.len) {
			size_t hl;
			unsigned port;
			yg_http_split_host(&req.host, &hl, &port);
			yg_jsonw_kv_strn(j, "hostname", req.host.p, hl);
			if (port)
				yg_jsonw_kv_u64(j, "http_port", port);
		}
		if (req.uri.len)
			yg_jsonw_kv_strn(j, "url", req.uri.p, req.uri.len);
		if (req.user_agent.len)
			yg_jsonw_kv_strn(j, "http_user_agent", req.user_agent.p, req.user_agent.len);
		if (ctype.len)
			yg_jsonw_kv_strn(j, "http_content_type", ctype.p, ctype.len);
		if (req.referer.len)
			yg_jsonw_kv_strn(j, "http_refer", req.referer.p, req.referer.len);
		if (req.method.len)
			yg_jsonw_kv_strn(j, "http_method", req.method.p, req.method.len);
		yg_jsonw_kv_plain(j, "protocol", "HTTP/2");
		if (status)
			yg_jsonw_kv_u64(j, "status", status);
		if (location.len)
			yg_jsonw_kv_strn(j, "redirect", location.p, location.len);
		yg_jsonw_kv_u64(j, "length", length);
	}
	yg_jsonw_kv_plain(j, "version", "2");
	headers(j, "request_headers", q);
	headers(j, "response_headers", r);
	yg_jsonw_key(j, "http2");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "stream_id", s->id);
	frames(j, "request", q, true);
	frames(j, "response", r, false); /* the schema has no response priority */
	yg_jsonw_obj_close(j);
	yg_jsonw_obj_close(j);
	yg_eve_end(&w->eve);
	if (s->id && status)
		w->st.http_resps++;
}

/* The flow's HTTP/2 state, created on first need (charged); NULL when the
 * memory cap is reached. Freed by yg_worker_http2_free. */
static struct h2_flow *h2_get(struct yg_worker *w, struct yg_flow *f)
{
	struct flow_app *a = f->app;
	if (!a)
		return NULL;
	if (a->h2)
		return a->h2;
	struct h2_flow *h = yg_worker_calloc_charged(w, sizeof *h);
	if (!h)
		return NULL;
	h->w = w;
	h->f = f;
	struct yg_h2_ops ops = {.ctx = h,
	                        .on_request = on_request,
	                        .on_stream = on_stream,
	                        .on_anomaly = on_anomaly,
	                        .charge = on_charge,
	                        .stream_alloc = stream_alloc,
	                        .stream_release = stream_release};
	h->conn = yg_h2_conn_new(&ops);
	if (!h->conn) {
		free(h);
		yg_flow_charge(w->ft, -(long)sizeof *h);
		return NULL;
	}
	a->h2 = h;
	return h;
}

long yg_worker_http2_parse(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			   bool toserver, const uint8_t *p, size_t n)
{
	struct h2_flow *h = h2_get(w, f);
	if (!h)
		return -1;
	h->pkt = pkt;
	h->toserver = toserver;
	long r = yg_h2_conn_feed(h->conn, toserver, p, n, pkt->ts_us);
	h->pkt = NULL;
	return r;
}

void yg_worker_http2_flush(struct yg_worker *w, struct yg_flow *f)
{
	(void)w;
	struct flow_app *a = f->app;
	if (a && a->h2)
		yg_h2_conn_flush(a->h2->conn);
}

void yg_worker_http2_free(struct yg_worker *w, struct flow_app *a)
{
	if (!a->h2)
		return;
	yg_h2_conn_free(a->h2->conn);
	free(a->h2);
	a->h2 = NULL;
	yg_flow_charge(w->ft, -(long)sizeof(struct h2_flow));
}
