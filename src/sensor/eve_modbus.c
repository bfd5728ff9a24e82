/*
 * EVE "modbus" events in Suricata's layout:
 *
 *   "modbus": {"id": 1,
 *              "request":  {"transaction_id", "protocol_id", "unit_id",
 *                           "function_raw", "function_code", "access_type",
 *                           "category", "error_flags",
 *                           "read": {"address", "quantity"},
 *                           "write": {"address", "data"},
 *                           "diagnostic" | "mei": {"raw", "code", "data"},
 *                           "data"},
 *              "response": {... , "exception": {"raw", "code"},
 *                           "read": {"data"}}}
 *
 * One event per transaction: the request waits for the response with the
 * same transaction id (ics_flow.h); a request never answered is written
 * alone when the flow ends, a response nobody asked for alone at once.
 * Byte strings (written values, response data) are lower-case hex, at most
 * YG_MODBUS_DATA_MAX bytes of them. Suricata's schema has no quantity for
 * a multiple write: its values are in "data", the quantity is their count.
 */
#include <string.h>

#include "sensor/ics_flow.h"
#include "sensor/worker-int.h"

static void hex(struct yg_jsonw *j, const char *key, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 * YG_MODBUS_DATA_MAX];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 2 <= sizeof buf; i++) {
		buf[k++] = digits[p[i] >> 4];
		buf[k++] = digits[p[i] & 15];
	}
	yg_jsonw_key(j, key);
	yg_jsonw_strn_plain(j, buf, k);
}

static void msg_fields(struct yg_jsonw *j, const struct yg_modbus_msg *m, bool request)
{
	yg_jsonw_kv_u64(j, "transaction_id", m->transaction_id);
	yg_jsonw_kv_u64(j, "protocol_id", m->protocol_id);
	yg_jsonw_kv_u64(j, "unit_id", m->unit_id);
	yg_jsonw_kv_u64(j, "function_raw", m->function_raw);
	yg_jsonw_kv_plain(j, "function_code", yg_modbus_function_name(m->function));
	yg_jsonw_kv_plain(j, "access_type", yg_modbus_access_name(m->function));
	yg_jsonw_kv_plain(j, "category", yg_modbus_category_name(m->function));
	yg_jsonw_kv_plain(j, "error_flags", "NONE");
	if (m->exception) {
		yg_jsonw_key(j, "exception");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "raw", m->exception_code);
		yg_jsonw_kv_plain(j, "code", yg_modbus_exception_name(m->exception_code));
		yg_jsonw_obj_close(j);
		return;
	}
	if (m->has & YG_MODBUS_HAS_DIAG) {
		yg_jsonw_key(j, "diagnostic");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "raw", m->diag_sub);
		yg_jsonw_kv_plain(j, "code", yg_modbus_diag_name(m->diag_sub));
		hex(j, "data", m->data, m->data_len);
		yg_jsonw_obj_close(j);
		return;
	}
	if ((m->has & YG_MODBUS_HAS_MEI) && request) {
		yg_jsonw_key(j, "mei");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "raw", m->mei_type);
		yg_jsonw_kv_plain(j, "code", yg_modbus_mei_name(m->mei_type));
		uint8_t d[2] = {m->devid_code, m->devid_object};
		if (m->mei_type == 14)
			hex(j, "data", d, 2);
		else
			hex(j, "data", m->data, m->data_len);
		yg_jsonw_obj_close(j);
		return;
	}
	if (m->has & YG_MODBUS_HAS_READ) {
		yg_jsonw_key(j, "read");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "address", m->read_address);
		if (m->function != 24)
			yg_jsonw_kv_u64(j, "quantity", m->read_quantity);
		yg_jsonw_obj_close(j);
	} else if (!request && m->has & YG_MODBUS_HAS_DATA && m->function >= 1 && m->function <= 4) {
		yg_jsonw_key(j, "read");
		yg_jsonw_obj_open(j);
		hex(j, "data", m->data, m->data_len);
		yg_jsonw_obj_close(j);
		return;
	}
	if (m->has & YG_MODBUS_HAS_WRITE) {
		yg_jsonw_key(j, "write");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "address", m->write_address);
		if (m->has & YG_MODBUS_HAS_VALUE)
			yg_jsonw_kv_u64(j, "data", m->write_value);
		yg_jsonw_obj_close(j);
	}
	if (m->has & YG_MODBUS_HAS_DATA)
		hex(j, "data", m->data, m->data_len);
}

void yg_worker_modbus_event(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us,
			    uint64_t tx_id, const struct yg_modbus_msg *req,
			    const struct yg_modbus_msg *resp)
{
	struct yg_jsonw *j = &w->eve.w;
	struct yg_eve_tuple t;
	yg_worker_tuple(w, f, true, &t);
	yg_eve_begin(&w->eve, ts_us, "modbus", f->flow_id, &t);
	yg_jsonw_key(j, "modbus");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "id", tx_id);
	if (req) {
		yg_jsonw_key(j, "request");
		yg_jsonw_obj_open(j);
		msg_fields(j, req, true);
		yg_jsonw_obj_close(j);
	}
	if (resp) {
		yg_jsonw_key(j, "response");
		yg_jsonw_obj_open(j);
		msg_fields(j, resp, false);
		yg_jsonw_obj_close(j);
	}
	yg_jsonw_obj_close(j);
	yg_eve_end(&w->eve);
}

/* The request alone, for an alert. */
static void alert_object(struct yg_jsonw *j, const void *msg)
{
	yg_jsonw_key(j, "modbus");
	yg_jsonw_obj_open(j);
	yg_jsonw_key(j, "request");
	yg_jsonw_obj_open(j);
	msg_fields(j, msg, true);
	yg_jsonw_obj_close(j);
	yg_jsonw_obj_close(j);
}

void yg_worker_modbus(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      bool toserver, const struct yg_modbus_msg *m)
{
	w->st.modbus_msgs++;
	if (toserver)
		yg_worker_ics_op(w, f, pkt, YG_ICS_MODBUS, m->op, yg_modbus_function_name(m->function),
				 alert_object, m);
	if (!w->cfg.log_modbus)
		return;
	struct ics_flow *s = yg_worker_ics_flow(w, f);
	if (!s) {
		yg_worker_modbus_event(w, f, pkt->ts_us, 0, toserver ? m : NULL, toserver ? NULL : m);
		return;
	}
	if (toserver) {
		if (s->n_pending == ICS_MODBUS_PENDING) {
			/* The oldest has waited longest: written unanswered. */
			yg_worker_modbus_event(w, f, s->pending[0].ts_us, ++s->tx_id, &s->pending[0].m,
					       NULL);
			memmove(&s->pending[0], &s->pending[1],
				(ICS_MODBUS_PENDING - 1) * sizeof s->pending[0]);
			s->n_pending--;
		}
		s->pending[s->n_pending].m = *m;
		s->pending[s->n_pending].ts_us = pkt->ts_us;
		s->n_pending++;
		return;
	}
	for (unsigned i = 0; i < s->n_pending; i++) {
		if (s->pending[i].m.transaction_id != m->transaction_id)
			continue;
		yg_worker_modbus_event(w, f, pkt->ts_us, ++s->tx_id, &s->pending[i].m, m);
		memmove(&s->pending[i], &s->pending[i + 1],
			(s->n_pending - i - 1) * sizeof s->pending[0]);
		s->n_pending--;
		return;
	}
	w->st.anomalies[YG_ANOM_MODBUS_UNSOLICITED]++;
	yg_worker_modbus_event(w, f, pkt->ts_us, ++s->tx_id, NULL, m);
}
