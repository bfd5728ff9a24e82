/*
 * EVE "dnp3" events in Suricata's layout, one per application fragment:
 *
 *   "dnp3": {"type": "request" | "response" | "unsolicited_response",
 *            "control": {"dir", "pri", "fcb", "fcv", "function_code"},
 *            "src": 1, "dst": 10,
 *            "application": {"control": {"fir", "fin", "con", "uns",
 *                                        "sequence"},
 *                            "function_code": 2,
 *                            "objects": [{"group", "variation",
 *                                         "qualifier", "prefix_code",
 *                                         "range_code", "start", "stop",
 *                                         "count"}],
 *                            "complete": true},
 *            "iin": {"indicators": ["device_restart"]}}
 *
 * The tuple is the flow's client to server, for requests and responses
 * alike, as Suricata writes it. Points are not logged (the schema has
 * them as optional); "complete" is false when object headers were left
 * out (too many, or points of a size not known).
 */
#include "sensor/worker-int.h"

static void dnp3_object(struct yg_jsonw *j, const struct yg_dnp3_msg *m)
{
	const struct yg_dnp3_link *l = &m->link;
	const char *type = m->function == 130 ? "unsolicited_response"
			   : m->response	  ? "response"
						  : "request";
	yg_jsonw_key(j, "dnp3");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_plain(j, "type", type);
	yg_jsonw_key(j, "control");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_bool(j, "dir", l->ctrl & 0x80);
	yg_jsonw_kv_bool(j, "pri", l->ctrl & 0x40);
	yg_jsonw_kv_bool(j, "fcb", l->ctrl & 0x20);
	yg_jsonw_kv_bool(j, "fcv", l->ctrl & 0x10);
	yg_jsonw_kv_u64(j, "function_code", l->ctrl & 0x0f);
	yg_jsonw_obj_close(j);
	yg_jsonw_kv_u64(j, "src", l->src);
	yg_jsonw_kv_u64(j, "dst", l->dst);
	yg_jsonw_key(j, "application");
	yg_jsonw_obj_open(j);
	yg_jsonw_key(j, "control");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_bool(j, "fir", m->app_control & 0x80);
	yg_jsonw_kv_bool(j, "fin", m->app_control & 0x40);
	yg_jsonw_kv_bool(j, "con", m->app_control & 0x20);
	yg_jsonw_kv_bool(j, "uns", m->app_control & 0x10);
	yg_jsonw_kv_u64(j, "sequence", m->app_control & 0x0f);
	yg_jsonw_obj_close(j);
	yg_jsonw_kv_u64(j, "function_code", m->function);
	if (m->n_objects) {
		yg_jsonw_key(j, "objects");
		yg_jsonw_arr_open(j);
		for (unsigned i = 0; i < m->n_objects; i++) {
			const struct yg_dnp3_object *o = &m->objects[i];
			yg_jsonw_obj_open(j);
			yg_jsonw_kv_u64(j, "group", o->group);
			yg_jsonw_kv_u64(j, "variation", o->variation);
			yg_jsonw_kv_u64(j, "qualifier", o->qualifier);
			yg_jsonw_kv_u64(j, "prefix_code", o->prefix_code);
			yg_jsonw_kv_u64(j, "range_code", o->range_code);
			yg_jsonw_kv_u64(j, "start", o->start);
			yg_jsonw_kv_u64(j, "stop", o->stop);
			yg_jsonw_kv_u64(j, "count", o->count);
			yg_jsonw_obj_close(j);
		}
		yg_jsonw_arr_close(j);
	}
	yg_jsonw_kv_bool(j, "complete", !m->objects_cut);
	yg_jsonw_obj_close(j);
	if (m->iin) {
		yg_jsonw_key(j, "iin");
		yg_jsonw_obj_open(j);
		yg_jsonw_key(j, "indicators");
		yg_jsonw_arr_open(j);
		/* IIN1 (high byte) bit 0 first, as Suricata lists them. */
		for (unsigned b = 0; b < 16; b++) {
			unsigned mask = b < 8 ? 0x100u << b : 1u << (b - 8);
			if (m->iin & mask)
				yg_jsonw_str(j, yg_dnp3_iin_name(b));
		}
		yg_jsonw_arr_close(j);
		yg_jsonw_obj_close(j);
	}
	yg_jsonw_obj_close(j);
}

static void alert_object(struct yg_jsonw *j, const void *msg)
{
	dnp3_object(j, msg);
}

void yg_worker_dnp3(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		    bool toserver, const struct yg_dnp3_msg *m)
{
	w->st.dnp3_msgs++;
	if (!m->response)
		yg_worker_ics_op(w, f, pkt, YG_ICS_DNP3, m->op, yg_dnp3_function_name(m->function),
				 alert_object, m);
	(void)toserver;
	/* Link-level confirms of the application (function 0) are not
	 * logged, as Suricata does not: they would double the events. */
	if (!w->cfg.log_dnp3 || (m->function == 0 && !m->response))
		return;
	struct yg_eve_tuple t;
	yg_worker_tuple(w, f, true, &t);
	yg_eve_begin(&w->eve, pkt->ts_us, "dnp3", f->flow_id, &t);
	dnp3_object(&w->eve.w, m);
	yg_eve_end(&w->eve);
}
