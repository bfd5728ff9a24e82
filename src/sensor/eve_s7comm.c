/*
 * EVE "s7comm" events (yagura's own type), one per S7 PDU, in the
 * direction it was sent:
 *
 *   "s7comm": {"protocol": "s7comm", "rosctr": "job", "rosctr_raw": 1,
 *              "pdu_ref": 3, "function": "write_var", "function_raw": 5,
 *              "item_count": 1}
 *   ack_data adds "error_class" and "error_code"; a PI service job adds
 *   "pi_service" ("P_PROGRAM", "_INSE", ...).
 *   "s7comm": {"protocol": "s7comm-plus", "version": 3, "opcode": 49,
 *              "function": "SetMultiVariables", "function_raw": 1346}
 *
 * Schema: src/output/eve-yagura.schema.json.
 */
#include "sensor/worker-int.h"

static void s7_object(struct yg_jsonw *j, const struct yg_s7_msg *m)
{
	yg_jsonw_key(j, "s7comm");
	yg_jsonw_obj_open(j);
	if (m->kind == YG_S7_PLUS) {
		const char *fn = yg_s7plus_function_name(m->plus_function);
		yg_jsonw_kv_plain(j, "protocol", "s7comm-plus");
		yg_jsonw_kv_u64(j, "version", m->plus_version);
		yg_jsonw_kv_u64(j, "opcode", m->plus_opcode);
		if (m->plus_opcode >= 0x31 && m->plus_opcode <= 0x33) {
			yg_jsonw_kv_plain(j, "function", fn ? fn : "unknown");
			yg_jsonw_kv_u64(j, "function_raw", m->plus_function);
		}
	} else {
		const char *r = yg_s7_rosctr_name(m->rosctr);
		yg_jsonw_kv_plain(j, "protocol", "s7comm");
		yg_jsonw_kv_plain(j, "rosctr", r ? r : "unknown");
		yg_jsonw_kv_u64(j, "rosctr_raw", m->rosctr);
		yg_jsonw_kv_u64(j, "pdu_ref", m->pdu_ref);
		if (m->rosctr == 1 || m->rosctr == 3) {
			const char *fn = yg_s7_function_name(m->function);
			yg_jsonw_kv_plain(j, "function", fn ? fn : "unknown");
			yg_jsonw_kv_u64(j, "function_raw", m->function);
		}
		if (m->function == 0x04 || m->function == 0x05)
			yg_jsonw_kv_u64(j, "item_count", m->item_count);
		if (m->pi_service[0])
			yg_jsonw_kv_plain(j, "pi_service", m->pi_service);
		if (m->rosctr == 2 || m->rosctr == 3) {
			yg_jsonw_kv_u64(j, "error_class", m->error_class);
			yg_jsonw_kv_u64(j, "error_code", m->error_code);
		}
	}
	yg_jsonw_obj_close(j);
}

void yg_worker_s7comm(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      bool toserver, const struct yg_s7_msg *m)
{
	w->st.s7comm_msgs++;
	if (toserver) {
		const char *fn = m->kind == YG_S7_PLUS ? yg_s7plus_function_name(m->plus_function)
						       : yg_s7_function_name(m->function);
		if (m->pi_service[0])
			fn = m->pi_service;
		/* No s7comm object in the alert: Suricata's alert schema has
		 * no such key; the metadata names the function. */
		yg_worker_ics_op(w, f, pkt, YG_ICS_S7COMM, m->op, fn ? fn : "unknown", NULL, NULL);
	}
	if (!w->cfg.log_s7comm)
		return;
	struct yg_eve_tuple t;
	yg_worker_tuple(w, f, toserver, &t);
	yg_eve_begin(&w->eve, pkt->ts_us, "s7comm", f->flow_id, &t);
	s7_object(&w->eve.w, m);
	yg_eve_end(&w->eve);
}
