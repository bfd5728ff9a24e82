/*
 * TLS events: one per connection, as Suricata writes it, once the
 * server's handshake flight is over (ServerHelloDone, encrypted records,
 * or the ServerHello of TLS 1.3, whose certificate is encrypted) and,
 * when the server sent a CertificateRequest, once the client's reply is
 * seen (its Certificate, or the ClientKeyExchange of a client without
 * one); or when the flow ends first.
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

#include <openssl/evp.h>

#include "sensor/worker-int.h"

static const struct {
	const char *name;
	uint32_t bit;
} field_names[] = {
    {"version", YG_TLS_F_VERSION},
    {"subject", YG_TLS_F_SUBJECT},
    {"issuer", YG_TLS_F_ISSUER},
    {"serial", YG_TLS_F_SERIAL},
    {"fingerprint", YG_TLS_F_FINGERPRINT},
    {"not_before", YG_TLS_F_NOTBEFORE},
    {"not_after", YG_TLS_F_NOTAFTER},
    {"sni", YG_TLS_F_SNI},
    {"certificate", YG_TLS_F_CERTIFICATE},
    {"chain", YG_TLS_F_CHAIN},
    {"ja3", YG_TLS_F_JA3},
    {"ja3s", YG_TLS_F_JA3S},
    {"ja4", YG_TLS_F_JA4},
    {"subjectaltname", YG_TLS_F_SAN},
    {"client", YG_TLS_F_CLIENT},
    {"client_certificate", YG_TLS_F_CLIENT_CERT},
    {"client_chain", YG_TLS_F_CLIENT_CHAIN},
    {"client_alpns", YG_TLS_F_CLIENT_ALPNS},
    {"server_alpns", YG_TLS_F_SERVER_ALPNS},
};

int yg_eve_tls_fields(const char *list, uint32_t *ret, const char **ret_bad, size_t *ret_len)
{
	uint32_t m = 0;
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool ok = n == 0;
		for (size_t i = 0; i < sizeof field_names / sizeof field_names[0] && !ok; i++)
			if (strlen(field_names[i].name) == n && !strncmp(p, field_names[i].name, n)) {
				m |= field_names[i].bit;
				ok = true;
			}
		if (!ok) {
			*ret_bad = p;
			*ret_len = n;
			return -EINVAL;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	*ret = m;
	return 0;
}

/* "..." of der as base64 (no newlines: Suricata's form), or nothing when
 * memory is refused. Certificates are at most YG_TLS_SRV_MSG_MAX bytes. */
static void put_base64(struct yg_jsonw *j, const char *key, const uint8_t *der, size_t n)
{
	char *b = malloc(4 * ((n + 2) / 3) + 1);
	if (!b)
		return;
	int k = EVP_EncodeBlock((unsigned char *)b, der, (int)n);
	if (k >= 0) {
		if (key)
			yg_jsonw_key(j, key);
		yg_jsonw_strn_plain(j, b, (size_t)k);
	}
	free(b);
}

/* certificate (the leaf) and chain (every one kept) of one side. */
static void put_certs(struct yg_jsonw *j, const struct yg_tls_server *r, bool cert, bool chain)
{
	const uint8_t *der;
	size_t n;
	if (!r || !yg_tls_server_cert(r, 0, &der, &n))
		return;
	if (cert)
		put_base64(j, "certificate", der, n);
	if (chain) {
		yg_jsonw_key(j, "chain");
		yg_jsonw_arr_open(j);
		for (unsigned i = 0; yg_tls_server_cert(r, i, &der, &n); i++)
			put_base64(j, NULL, der, n);
		yg_jsonw_arr_close(j);
	}
}

void yg_eve_tls_object(struct yg_jsonw *j, const struct yg_tls_view *v)
{
	const struct yg_tls_client_hello *h = v->ch;
	const struct yg_tls_server_hello *sh = v->sh;
	const struct yg_x509_info *c = v->cert;
	uint32_t fl = v->fields ? v->fields : YG_TLS_F_EXTENDED;
	yg_jsonw_key(j, "tls");
	yg_jsonw_obj_open(j);
	if (c) {
		if (fl & YG_TLS_F_SUBJECT)
			yg_jsonw_kv_str(j, "subject", c->subject);
		if (fl & YG_TLS_F_ISSUER)
			yg_jsonw_kv_str(j, "issuerdn", c->issuerdn);
		if ((fl & YG_TLS_F_SERIAL) && c->serial[0])
			yg_jsonw_kv_plain(j, "serial", c->serial);
		if (fl & YG_TLS_F_FINGERPRINT)
			yg_jsonw_kv_plain(j, "fingerprint", c->fingerprint);
	}
	if ((fl & YG_TLS_F_SNI) && h && h->sni[0])
		yg_jsonw_kv_str(j, "sni", h->sni);
	if (fl & YG_TLS_F_VERSION) {
		if (sh)
			yg_jsonw_kv_str(j, "version", yg_tls_version_name(sh->version));
		else if (h)
			yg_jsonw_kv_str(j, "version", yg_tls_version_name(h->version));
	}
	if (c) {
		if ((fl & YG_TLS_F_NOTBEFORE) && c->notbefore[0])
			yg_jsonw_kv_plain(j, "notbefore", c->notbefore);
		if ((fl & YG_TLS_F_NOTAFTER) && c->notafter[0])
			yg_jsonw_kv_plain(j, "notafter", c->notafter);
		if ((fl & YG_TLS_F_SAN) && c->n_san) {
			yg_jsonw_key(j, "subjectaltname");
			yg_jsonw_arr_open(j);
			for (unsigned i = 0; i < c->n_san; i++)
				yg_jsonw_str(j, c->san[i]);
			yg_jsonw_arr_close(j);
		}
		put_certs(j, v->srv_certs, fl & YG_TLS_F_CERTIFICATE, fl & YG_TLS_F_CHAIN);
	}
	if ((fl & YG_TLS_F_JA3) && h) {
		yg_jsonw_key(j, "ja3");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_str(j, "hash", h->ja3_hash);
		yg_jsonw_kv_str(j, "string", h->ja3);
		yg_jsonw_obj_close(j);
	}
	if ((fl & YG_TLS_F_JA3S) && sh && sh->ja3s_hash[0]) {
		yg_jsonw_key(j, "ja3s");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_str(j, "hash", sh->ja3s_hash);
		yg_jsonw_kv_str(j, "string", sh->ja3s);
		yg_jsonw_obj_close(j);
	}
	if ((fl & YG_TLS_F_JA4) && h)
		yg_jsonw_kv_str(j, "ja4", h->ja4);
	if ((fl & YG_TLS_F_CLIENT_ALPNS) && h && h->n_alpn) {
		yg_jsonw_key(j, "client_alpns");
		yg_jsonw_arr_open(j);
		for (unsigned i = 0; i < h->n_alpn; i++)
			yg_jsonw_str(j, h->alpn[i]);
		yg_jsonw_arr_close(j);
	}
	if ((fl & YG_TLS_F_SERVER_ALPNS) && sh && sh->alpn[0]) {
		yg_jsonw_key(j, "server_alpns");
		yg_jsonw_arr_open(j);
		yg_jsonw_str(j, sh->alpn);
		yg_jsonw_arr_close(j);
	}
	const struct yg_x509_info *cc = v->client;
	if ((fl & YG_TLS_F_CLIENT) && cc) {
		/* Suricata's JsonTlsLogClientCert: no subjectaltname. */
		yg_jsonw_key(j, "client");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_str(j, "subject", cc->subject);
		yg_jsonw_kv_str(j, "issuerdn", cc->issuerdn);
		yg_jsonw_kv_plain(j, "fingerprint", cc->fingerprint);
		if (cc->serial[0])
			yg_jsonw_kv_plain(j, "serial", cc->serial);
		if (cc->notbefore[0])
			yg_jsonw_kv_plain(j, "notbefore", cc->notbefore);
		if (cc->notafter[0])
			yg_jsonw_kv_plain(j, "notafter", cc->notafter);
		put_certs(j, v->cli_certs, fl & YG_TLS_F_CLIENT_CERT, fl & YG_TLS_F_CLIENT_CHAIN);
		yg_jsonw_obj_close(j);
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

/* The fields tls events write. */
static uint32_t fields_of(const struct yg_worker *w)
{
	return w->cfg.tls_fields ? w->cfg.tls_fields : YG_TLS_F_EXTENDED;
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
	struct tls_state *t = yg_slab_get(&w->tls_slab);
	if (!t) {
		yg_flow_charge(w->ft, -(long)sizeof *t);
		w->st.app_memcap_drops++;
		return false;
	}
	t->ch = *h;
	uint32_t fl = fields_of(w);
	/* Whole chains are kept only when an event will write them. */
	t->srv.keep_chain = w->cfg.log_tls && (fl & YG_TLS_F_CHAIN);
	t->cli.client = true;
	t->cli.keep_chain = w->cfg.log_tls && (fl & YG_TLS_F_CLIENT) && (fl & YG_TLS_F_CLIENT_CHAIN);
	a->tls = t;
	return true;
}

void yg_worker_tls_free(struct yg_worker *w, struct flow_app *a)
{
	struct tls_state *t = a->tls;
	if (!t)
		return;
	yg_tls_server_release(&t->srv);
	yg_tls_server_release(&t->cli);
	yg_flow_charge(w->ft, -(long)(sizeof *t + t->charged + t->cli_charged));
	yg_slab_put(&w->tls_slab, t);
	a->tls = NULL;
}

/* Charges what reader r holds now (after a feed); a refused charge ends
 * its parsing and drops what it holds. */
static void recharge(struct yg_worker *w, struct yg_tls_server *r, size_t *charged)
{
	size_t held = yg_tls_server_held(r);
	if (held == *charged)
		return;
	if (yg_flow_charge(w->ft, (long)held - (long)*charged) < 0) {
		w->st.app_memcap_drops++;
		yg_tls_server_release(r);
		yg_flow_charge(w->ft, -(long)*charged);
		*charged = 0;
		r->done = true;
		return;
	}
	*charged = held;
}

/* The leaf r kept, parsed into out: fresh when out already holds it (it
 * was parsed during this call). NULL without one. */
static const struct yg_x509_info *leaf(const struct yg_tls_server *r, bool fresh,
                                       struct yg_x509_info *out)
{
	const uint8_t *der;
	size_t n;
	if (!r->has_cert)
		return NULL;
	if (fresh)
		return out;
	if (!yg_tls_server_cert(r, 0, &der, &n) || yg_x509_parse(der, n, out) < 0)
		return NULL;
	return out;
}

/* Writes the event (and matches the server's certificate) with what was
 * seen, and frees the state. pkt may be NULL at the flow's end. */
static void finish_event(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
                         uint64_t ts_us, bool srv_fresh, bool cli_fresh)
{
	struct flow_app *a = f->app;
	struct tls_state *t = a->tls;
	struct yg_tls_view v = {
	    .ch = &t->ch,
	    .sh = t->srv.has_hello ? &t->srv.hello : NULL,
	    .cert = leaf(&t->srv, srv_fresh, &w->x509),
	    .client = leaf(&t->cli, cli_fresh, &w->x509_cli),
	    .srv_certs = &t->srv,
	    .cli_certs = &t->cli,
	    .fields = fields_of(w),
	};
	if (t->srv.has_cert)
		w->st.tls_certs++;
	yg_worker_tls_event(w, f, ts_us, &v);
	if (w->set && v.cert) {
		struct yg_packet end = {.ts_us = ts_us};
		struct yg_tls_view m = {.ch = &t->ch, .cert = v.cert};
		yg_worker_tls_server_match(w, f, pkt ? pkt : &end, &m);
	}
	yg_worker_tls_free(w, a);
}

/* The event is due once the server's part is over and, when it asked for
 * the client's certificate, the client's part too (or its side is lost). */
static void maybe_event(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
                        bool srv_fresh, bool cli_fresh)
{
	const struct tls_state *t = ((struct flow_app *)f->app)->tls;
	if (!t->srv.done)
		return;
	if (t->srv.cert_request && !t->cli.done && !(f->app_flags & APP_DONE_TS))
		return;
	finish_event(w, f, pkt, pkt->ts_us, srv_fresh, cli_fresh);
}

long yg_worker_tls_server(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
                          const uint8_t *p, size_t n)
{
	struct flow_app *a = f->app;
	struct tls_state *t = a ? a->tls : NULL;
	if (!t || a->tls_logged || t->srv.done)
		return -1;
	bool had_hello = t->srv.has_hello, had_cert = t->srv.has_cert;
	long used = yg_tls_server_feed(&t->srv, p, n, &w->x509);
	/* The buffers are charged after the fact: they are bounded by
	 * YG_TLS_SRV_MSG_MAX, and a refused charge ends the parsing. */
	recharge(w, &t->srv, &t->charged);
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
	maybe_event(w, f, pkt, !had_cert && t->srv.has_cert, false);
	return -1;
}

long yg_worker_tls_client(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
                          const uint8_t *p, size_t n)
{
	struct flow_app *a = f->app;
	struct tls_state *t = a ? a->tls : NULL;
	if (!t || a->tls_logged || t->cli.done)
		return -1;
	/* A server that asked for nothing leaves nothing to read here. */
	if (t->srv.done && !t->srv.cert_request)
		return -1;
	bool had_cert = t->cli.has_cert;
	long used = yg_tls_server_feed(&t->cli, p, n, &w->x509_cli);
	recharge(w, &t->cli, &t->cli_charged);
	if (used == -ENOMEM)
		w->st.app_memcap_drops++;
	if (!t->cli.done)
		return used > 0 ? used : 0;
	if (t->cli.error == YG_TLS_SRV_BAD_CERT)
		yg_worker_app_anomaly(w, YG_ANOM_TLS_CERT_INVALID);
	maybe_event(w, f, pkt, false, !had_cert && t->cli.has_cert);
	return -1;
}

void yg_worker_tls_flush(struct yg_worker *w, struct yg_flow *f)
{
	struct flow_app *a = f->app;
	if (!a || !a->tls || a->tls_logged)
		return;
	finish_event(w, f, NULL, f->last_us, false, false);
}
