/*
 * TLS events: one per connection, as Suricata writes it, once the
 * server's handshake flight is over (its certificate, ServerHelloDone,
 * encrypted records, or the ServerHello of TLS 1.3, whose certificate is
 * encrypted), or when the flow ends first.
 *
 * Between the ClientHello and then, the hello waits in the flow's app
 * state (struct tls_state, charged to the flow memcap). When the memcap
 * refuses it, the event is written at once with the client's half, as
 * before certificates were read: an event is never lost to a full table.
 *
 * JA4S has no place in Suricata 8's tls object (its schema closes it), so
 * it is written as a flow variable in the event's `metadata.flowvars`
 * ({"key": "ja4s", "value": ...}), where Suricata puts values its rules
 * compute; alerts on a JA4S indicator name it in `matched_on`.
 */
#include "sensor/eve_tls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/worker-int.h"

void yg_eve_tls_object(struct yg_jsonw *j, const struct yg_tls_view *v)
{
	const struct yg_tls_client_hello *h = v->ch;
	const struct yg_tls_server_hello *sh = v->sh;
	const struct yg_x509_info *c = v->cert;
	yg_jsonw_key(j, "tls");
	yg_jsonw_obj_open(j);
	if (c) {
		yg_jsonw_kv_str(j, "subject", c->subject);
		yg_jsonw_kv_str(j, "issuerdn", c->issuerdn);
		if (c->serial[0])
			yg_jsonw_kv_plain(j, "serial", c->serial);
		yg_jsonw_kv_plain(j, "fingerprint", c->fingerprint);
	}
	if (h && h->sni[0])
		yg_jsonw_kv_str(j, "sni", h->sni);
	if (sh)
		yg_jsonw_kv_str(j, "version", yg_tls_version_name(sh->version));
	else if (h)
		yg_jsonw_kv_str(j, "version", yg_tls_version_name(h->version));
	if (c) {
		if (c->notbefore[0])
			yg_jsonw_kv_plain(j, "notbefore", c->notbefore);
		if (c->notafter[0])
			yg_jsonw_kv_plain(j, "notafter", c->notafter);
		if (c->n_san) {
			yg_jsonw_key(j, "subjectaltname");
			yg_jsonw_arr_open(j);
			for (unsigned i = 0; i < c->n_san; i++)
				yg_jsonw_str(j, c->san[i]);
			yg_jsonw_arr_close(j);
		}
	}
	if (h) {
		yg_jsonw_key(j, "ja3");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_str(j, "hash", h->ja3_hash);
		yg_jsonw_kv_str(j, "string", h->ja3);
		yg_jsonw_obj_close(j);
	}
	if (sh && sh->ja3s_hash[0]) {
		yg_jsonw_key(j, "ja3s");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_str(j, "hash", sh->ja3s_hash);
		yg_jsonw_kv_str(j, "string", sh->ja3s);
		yg_jsonw_obj_close(j);
	}
	if (h)
		yg_jsonw_kv_str(j, "ja4", h->ja4);
	if (h && h->n_alpn) {
		yg_jsonw_key(j, "client_alpns");
		yg_jsonw_arr_open(j);
		for (unsigned i = 0; i < h->n_alpn; i++)
			yg_jsonw_str(j, h->alpn[i]);
		yg_jsonw_arr_close(j);
	}
	if (sh && sh->alpn[0]) {
		yg_jsonw_key(j, "server_alpns");
		yg_jsonw_arr_open(j);
		yg_jsonw_str(j, sh->alpn);
		yg_jsonw_arr_close(j);
	}
	yg_jsonw_obj_close(j);
}

void yg_worker_tls_event(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us,
                         const struct yg_tls_view *v)
{
	struct yg_eve_tuple t;
	struct yg_jsonw *j = &w->eve.w;
	struct flow_app *a = f->app;
	if (a)
		a->tls_logged = true;
	if (!w->cfg.log_tls)
		return;
	yg_worker_tuple(w, f, true, &t);
	yg_eve_begin(&w->eve, ts_us, "tls", f->flow_id, &t);
	yg_eve_tls_object(j, v);
	if (v->sh && v->sh->ja4s[0]) {
		yg_jsonw_key(j, "metadata");
		yg_jsonw_obj_open(j);
		yg_jsonw_key(j, "flowvars");
		yg_jsonw_arr_open(j);
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_plain(j, "key", "ja4s");
		yg_jsonw_kv_str(j, "value", v->sh->ja4s);
		yg_jsonw_obj_close(j);
		yg_jsonw_arr_close(j);
		yg_jsonw_obj_close(j);
	}
	yg_eve_end(&w->eve);
}

bool yg_worker_tls_keep(struct yg_worker *w, struct yg_flow *f, const struct yg_tls_client_hello *h)
{
	struct flow_app *a = yg_worker_flow_app(w, f);
	if (!a)
		return false;
	if (a->tls) /* a second hello on the flow: the first one's event stands */
		return true;
	if (yg_flow_charge(w->ft, (long)sizeof *a->tls) < 0) {
		w->st.app_memcap_drops++;
		return false;
	}
	struct tls_state *t = calloc(1, sizeof *t);
	if (!t) {
		yg_flow_charge(w->ft, -(long)sizeof *t);
		w->st.app_memcap_drops++;
		return false;
	}
	t->ch = *h;
	a->tls = t;
	return true;
}

void yg_worker_tls_free(struct yg_worker *w, struct flow_app *a)
{
	struct tls_state *t = a->tls;
	if (!t)
		return;
	yg_tls_server_release(&t->srv);
	yg_flow_charge(w->ft, -(long)(sizeof *t + t->charged));
	free(t);
	a->tls = NULL;
}

static void view_of(const struct tls_state *t, const struct yg_x509_info *cert,
                    struct yg_tls_view *ret)
{
	ret->ch = &t->ch;
	ret->sh = t->srv.has_hello ? &t->srv.hello : NULL;
	ret->cert = cert;
}

long yg_worker_tls_server(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
                          const uint8_t *p, size_t n)
{
	struct flow_app *a = f->app;
	struct tls_state *t = a ? a->tls : NULL;
	if (!t || a->tls_logged)
		return -1;
	bool had_hello = t->srv.has_hello;
	long used = yg_tls_server_feed(&t->srv, p, n, &w->x509);
	/* The gather buffer is charged after the fact: it is bounded by
	 * YG_TLS_SRV_MSG_MAX, and a refused charge ends the parsing. */
	size_t held = yg_tls_server_held(&t->srv);
	if (held != t->charged) {
		long d = (long)held - (long)t->charged;
		if (yg_flow_charge(w->ft, d) < 0) {
			w->st.app_memcap_drops++;
			yg_tls_server_release(&t->srv);
			yg_flow_charge(w->ft, -(long)t->charged);
			t->charged = 0;
			t->srv.done = true;
		} else {
			t->charged = held;
		}
	}
	if (used == -ENOMEM)
		w->st.app_memcap_drops++;
	if (!had_hello && t->srv.has_hello) {
		w->st.tls_server_hellos++;
		if (w->set) {
			struct yg_tls_view v = {&t->ch, &t->srv.hello, NULL};
			yg_worker_tls_server_match(w, f, pkt, &v);
		}
	}
	if (!t->srv.done)
		return used > 0 ? used : 0;
	switch (t->srv.error) {
	case YG_TLS_SRV_MALFORMED:
		yg_worker_app_anomaly(w, YG_ANOM_TLS_MALFORMED);
		break;
	case YG_TLS_SRV_TOO_BIG:
		yg_worker_app_anomaly(w, YG_ANOM_TLS_HANDSHAKE_TOO_BIG);
		break;
	case YG_TLS_SRV_BAD_CERT:
		yg_worker_app_anomaly(w, YG_ANOM_TLS_CERT_INVALID);
		break;
	default:
		break;
	}
	if (t->srv.has_cert)
		w->st.tls_certs++;
	struct yg_tls_view v;
	view_of(t, t->srv.has_cert ? &w->x509 : NULL, &v);
	yg_worker_tls_event(w, f, pkt->ts_us, &v);
	if (w->set && v.cert) {
		struct yg_tls_view m = {&t->ch, NULL, v.cert};
		yg_worker_tls_server_match(w, f, pkt, &m);
	}
	yg_worker_tls_free(w, a);
	return -1;
}

void yg_worker_tls_flush(struct yg_worker *w, struct yg_flow *f)
{
	struct flow_app *a = f->app;
	if (!a || !a->tls || a->tls_logged)
		return;
	struct yg_tls_view v;
	view_of(a->tls, NULL, &v);
	yg_worker_tls_event(w, f, f->last_us, &v);
	yg_worker_tls_free(w, a);
}
