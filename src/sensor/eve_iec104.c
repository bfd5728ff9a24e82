/*
 * EVE "iec104" events (yagura's own type; Suricata has none), one per
 * APDU, in the direction it was sent:
 *
 *   "iec104": {"format": "I", "send_seq": 4, "recv_seq": 2,
 *              "type_id": 45, "type": "C_SC_NA_1", "cause_raw": 6,
 *              "cause": "act", "negative": false, "test": false,
 *              "originator": 0, "common_address": 1, "ioa": 100,
 *              "count": 1}
 *   "iec104": {"format": "U", "u_function": "STARTDT_ACT"}
 *   "iec104": {"format": "S", "recv_seq": 7}
 *
 * Schema: src/output/eve-yagura.schema.json.
 */
#include "sensor/worker-int.h"

static void iec104_object(struct yg_jsonw *j, const struct yg_iec104_apdu *a)
{
	char fmt[2] = {a->format, 0};
	yg_jsonw_key(j, "iec104");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_plain(j, "format", fmt);
	if (a->format == 'I')
		yg_jsonw_kv_u64(j, "send_seq", a->send_seq);
	if (a->format != 'U')
		yg_jsonw_kv_u64(j, "recv_seq", a->recv_seq);
	if (a->format == 'U') {
		const char *u = yg_iec104_u_name(a->u_function);
		yg_jsonw_kv_plain(j, "u_function", u ? u : "unknown");
	}
	if (a->has_asdu) {
		const char *t = yg_iec104_type_name(a->type_id);
		const char *c = yg_iec104_cause_name(a->cause);
		yg_jsonw_kv_u64(j, "type_id", a->type_id);
		yg_jsonw_kv_plain(j, "type", t ? t : "unknown");
		yg_jsonw_kv_u64(j, "cause_raw", a->cause);
		yg_jsonw_kv_plain(j, "cause", c ? c : "unknown");
		yg_jsonw_kv_bool(j, "negative", a->negative);
		yg_jsonw_kv_bool(j, "test", a->test);
		yg_jsonw_kv_u64(j, "originator", a->originator);
		yg_jsonw_kv_u64(j, "common_address", a->common_address);
		yg_jsonw_kv_u64(j, "count", a->count);
		if (a->count)
			yg_jsonw_kv_u64(j, "ioa", a->ioa);
	}
	yg_jsonw_obj_close(j);
}

void yg_worker_iec104(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      bool toserver, const struct yg_iec104_apdu *a)
{
	w->st.iec104_apdus++;
	if (toserver && a->has_asdu) {
		const char *t = yg_iec104_type_name(a->type_id);
		/* As for s7comm: the metadata names the type, no object. */
		yg_worker_ics_op(w, f, pkt, YG_ICS_IEC104, a->op, t ? t : "unknown", NULL, NULL);
	}
	if (!w->cfg.log_iec104)
		return;
	struct yg_eve_tuple t;
	yg_worker_tuple(w, f, toserver, &t);
	yg_eve_begin(&w->eve, pkt->ts_us, "iec104", f->flow_id, &t);
	iec104_object(&w->eve.w, a);
	yg_eve_end(&w->eve);
}
