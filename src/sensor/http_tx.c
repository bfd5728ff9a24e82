/*
 * HTTP transactions of a flow: a request waits here, copied out of the
 * stream buffer, until its response has been read to the end of its body
 * (or the flow ends), and is then written as one http event with both
 * halves, as Suricata does. Responses pair with requests in order (RFC
 * 9112 section 9.3.2: pipelined responses come back in request order).
 *
 * A flow holds at most HTTP_TX_MAX waiting requests; past that, and when
 * the memcap refuses a copy, the request is written at once without its
 * response rather than dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "sensor/eve_http.h"
#include "sensor/worker-int.h"

#define HTTP_TX_MAX 16

enum { F_METHOD, F_URI, F_VERSION, F_HOST, F_UA, F_REFERER, F_CTYPE, F_LOCATION, F__COUNT };

struct yg_http_tx {
	struct yg_http_tx *next;
	uint64_t ts_us;
	uint64_t length;   /* response body bytes seen */
	size_t size;       /* bytes allocated (and charged to the flow memcap) */
	unsigned status;   /* 0 until the response head */
	bool head;         /* a HEAD request: its response has no body */
	bool connect;      /* a CONNECT request: a 2xx makes a tunnel */
	uint32_t off[F__COUNT], len[F__COUNT];
	char data[];
};

static struct yg_span span(const struct yg_http_tx *t, int i)
{
	return (struct yg_span){(const uint8_t *)t->data + t->off[i], t->len[i]};
}

static void write_event(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us,
			const struct yg_http_view *v)
{
	struct yg_eve_tuple t;
	yg_worker_tuple(w, f, true, &t);
	yg_eve_begin(&w->eve, ts_us, "http", f->flow_id, &t);
	yg_eve_http_object(&w->eve.w, v);
	yg_eve_end(&w->eve);
}

static void write_tx(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us,
		     const struct yg_http_tx *t)
{
	struct yg_http_view v = {
	    .method = span(t, F_METHOD),
	    .uri = span(t, F_URI),
	    .version = span(t, F_VERSION),
	    .host = span(t, F_HOST),
	    .user_agent = span(t, F_UA),
	    .referer = span(t, F_REFERER),
	    .status = t->status,
	    .content_type = span(t, F_CTYPE),
	    .location = span(t, F_LOCATION),
	    .length = t->length,
	};
	write_event(w, f, ts_us, &v);
}

static void free_tx(struct yg_worker *w, struct yg_http_tx *t)
{
	yg_flow_charge(w->ft, -(long)t->size);
	free(t);
}

/* Writes and frees the oldest waiting transaction. */
static void pop(struct yg_worker *w, struct yg_flow *f, struct flow_app *a, uint64_t ts_us)
{
	struct yg_http_tx *t = a->tx_head;
	a->tx_head = t->next;
	if (!a->tx_head)
		a->tx_tail = NULL;
	a->n_tx--;
	write_tx(w, f, ts_us < t->ts_us ? t->ts_us : ts_us, t);
	free_tx(w, t);
}

static void put(struct yg_http_tx *t, int i, struct yg_span s, size_t *at)
{
	t->off[i] = (uint32_t)*at;
	t->len[i] = (uint32_t)s.len;
	if (s.len)
		memcpy(t->data + *at, s.p, s.len);
	*at += s.len;
}

static bool method_is(struct yg_span m, const char *s)
{
	size_t n = strlen(s);
	return m.len == n && memcmp(m.p, s, n) == 0;
}

void yg_http_tx_request(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
			const struct yg_http_request *req)
{
	struct flow_app *a = yg_worker_flow_app(w, f);
	if (a && a->n_tx == HTTP_TX_MAX) {
		w->st.http_unanswered++;
		pop(w, f, a, pkt->ts_us);
	}
	/* Spans of one head: each shorter than YG_HTTP_HEAD_MAX, so are their sums. */
	const struct yg_span fields[] = {req->method, req->uri, req->version,
					 req->host, req->user_agent, req->referer};
	size_t need = sizeof(struct yg_http_tx);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		need += fields[i].len;
	struct yg_http_tx *t = NULL;
	if (a && yg_flow_charge(w->ft, (long)need) == 0) {
		t = calloc(1, need);
		if (!t)
			yg_flow_charge(w->ft, -(long)need);
	}
	if (!t) {
		/* No room to wait for the response: the request alone. */
		w->st.app_memcap_drops++;
		struct yg_http_view v = {.method = req->method, .uri = req->uri,
					 .version = req->version, .host = req->host,
					 .user_agent = req->user_agent, .referer = req->referer};
		write_event(w, f, pkt->ts_us, &v);
		return;
	}
	t->size = need;
	t->ts_us = pkt->ts_us;
	t->head = method_is(req->method, "HEAD");
	t->connect = method_is(req->method, "CONNECT");
	size_t at = 0;
	for (int i = 0; i < F_CTYPE; i++)
		put(t, i, fields[i], &at);
	t->off[F_CTYPE] = t->off[F_LOCATION] = (uint32_t)at;
	if (a->tx_tail)
		a->tx_tail->next = t;
	else
		a->tx_head = t;
	a->tx_tail = t;
	a->n_tx++;
}

/* Adds the response's strings to t (reallocated); false when the memcap
 * refuses, and t is then unchanged. */
static bool add_response(struct yg_worker *w, struct yg_http_tx **tp,
			 const struct yg_http_response *resp)
{
	struct yg_http_tx *t = *tp;
	size_t used = t->off[F_CTYPE];
	size_t more = resp->content_type.len + resp->location.len;
	size_t need = sizeof *t + used + more;
	if (need > t->size) {
		if (yg_flow_charge(w->ft, (long)(need - t->size)) < 0)
			return false;
		struct yg_http_tx *n = realloc(t, need);
		if (!n) {
			yg_flow_charge(w->ft, -(long)(need - t->size));
			return false;
		}
		n->size = need;
		*tp = t = n;
	}
	size_t at = used;
	put(t, F_CTYPE, resp->content_type, &at);
	put(t, F_LOCATION, resp->location, &at);
	return true;
}

enum yg_http_body yg_http_tx_response(struct yg_worker *w, struct yg_flow *f,
				      const struct yg_packet *pkt,
				      const struct yg_http_response *resp)
{
	struct flow_app *a = f->app;
	struct yg_http_tx *t = a ? a->tx_head : NULL;
	/* 1xx other than 101 is interim: the final response is still to come
	 * (RFC 9110 section 15.2), for the same request. */
	if (resp->status < 200 && resp->status != 101)
		return YG_HTTP_BODY_NONE;
	if (!t)
		w->st.http_unrequested++;
	else {
		/* The head is the only one that can be answered: the ones after
		 * it wait for theirs. Relink after a realloc. */
		struct yg_http_tx *old = t;
		if (!add_response(w, &t, resp))
			w->st.app_memcap_drops++;
		if (t != old) {
			a->tx_head = t;
			if (a->tx_tail == old)
				a->tx_tail = t;
		}
		t->status = resp->status;
	}
	bool head = t && t->head;
	bool connect = t && t->connect;
	enum yg_http_body b;
	if (resp->status == 101 || (connect && resp->status < 300))
		b = YG_HTTP_BODY_TUNNEL;
	else if (head || resp->status == 204 || resp->status == 304)
		b = YG_HTTP_BODY_NONE;
	else if (resp->chunked)
		b = YG_HTTP_BODY_CHUNKED;
	else if (resp->has_length)
		b = resp->content_length ? YG_HTTP_BODY_LENGTH : YG_HTTP_BODY_NONE;
	else
		b = YG_HTTP_BODY_CLOSE;
	if (t && (b == YG_HTTP_BODY_NONE || b == YG_HTTP_BODY_TUNNEL))
		pop(w, f, a, pkt->ts_us);
	return b;
}

void yg_http_tx_body(struct yg_flow *f, uint64_t n)
{
	struct flow_app *a = f->app;
	if (a && a->tx_head && a->tx_head->status)
		a->tx_head->length += n;
}

void yg_http_tx_response_end(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us)
{
	struct flow_app *a = f->app;
	if (a && a->tx_head && a->tx_head->status)
		pop(w, f, a, ts_us);
}

void yg_http_tx_flush(struct yg_worker *w, struct yg_flow *f)
{
	struct flow_app *a = f->app;
	while (a && a->tx_head)
		pop(w, f, a, f->last_us);
}

void yg_http_tx_free(struct yg_worker *w, struct flow_app *a)
{
	while (a->tx_head) {
		struct yg_http_tx *t = a->tx_head;
		a->tx_head = t->next;
		free_tx(w, t);
	}
	a->tx_tail = NULL;
	a->n_tx = 0;
}
