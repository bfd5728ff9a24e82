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
 *                                         "count",
 *                                         "points": [{"prefix", "index",
 *                                                     "state", ...}]}],
 *                            "complete": true},
 *            "iin": {"indicators": ["device_restart"]}}
 *
 * The tuple is the flow's client to server, for requests and responses
 * alike, as Suricata writes it. Points carry the fields of their layout
 * (app/dnp3_points.c) under Suricata's names; "complete" is false when
 * object headers were left out (too many, or points of a size not known).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sensor/worker-int.h"

struct bit_key {
	const char *name;
	unsigned mask;
};

/* A control octet as Suricata logs it: named bits, then the function
 * code in the bits under the lowest named one. */
static void control(struct yg_jsonw *j, uint8_t v, const struct bit_key *keys, size_t n,
		    const char *low_key, unsigned low_mask)
{
	yg_jsonw_key(j, "control");
	yg_jsonw_obj_open(j);
	for (size_t i = 0; i < n; i++)
		yg_jsonw_kv_bool(j, keys[i].name, v & keys[i].mask);
	yg_jsonw_kv_u64(j, low_key, v & low_mask);
	yg_jsonw_obj_close(j);
}

static const struct bit_key link_bits[] = {
    {"dir", 0x80}, {"pri", 0x40}, {"fcb", 0x20}, {"fcv", 0x10}};
static const struct bit_key app_bits[] = {
    {"fir", 0x80}, {"fin", 0x40}, {"con", 0x20}, {"uns", 0x10}};

/* A double as JSON: NaN and infinities have no JSON spelling (null). */
static void kv_double(struct yg_jsonw *j, const char *key, uint64_t bits)
{
	double d;
	char buf[40];
	memcpy(&d, &bits, sizeof d);
	yg_jsonw_key(j, key);
	if (!isfinite(d)) {
		yg_jsonw_null(j);
		return;
	}
	int n = snprintf(buf, sizeof buf, "%.17g", d);
	/* "1" would read back as an integer: Suricata writes reals as reals. */
	if (n > 0 && (size_t)n < sizeof buf - 2 && !strpbrk(buf, ".eEn"))
		memcpy(buf + n, ".0", 3);
	yg_jsonw_raw(j, buf, strlen(buf));
}

static void point_field(struct yg_jsonw *j, const struct yg_dnp3_field *fl, uint64_t v)
{
	if (fl->bits) {
		for (const struct yg_dnp3_bits *b = fl->bits; b->name; b++)
			yg_jsonw_kv_u64(j, b->name, (v >> b->shift) & ((1u << b->width) - 1));
		return;
	}
	switch (fl->type) {
	case YG_DNP3_F_I16:
	case YG_DNP3_F_I32:
		yg_jsonw_key(j, fl->name);
		yg_jsonw_i64(j, (int64_t)v);
		break;
	case YG_DNP3_F_F32:
	case YG_DNP3_F_F64:
		kv_double(j, fl->name, v);
		break;
	default:
		yg_jsonw_kv_u64(j, fl->name, v);
	}
}

static void points(struct yg_jsonw *j, const struct yg_dnp3_msg *m, const struct yg_dnp3_object *o)
{
	const struct yg_dnp3_layout *l = yg_dnp3_layout(o->group, o->variation);
	if (!l || !o->n_points)
		return;
	yg_jsonw_key(j, "points");
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < o->n_points; i++) {
		const struct yg_dnp3_point *pt = &m->points[o->first_point + i];
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "prefix", pt->prefix);
		yg_jsonw_kv_u64(j, "index", pt->index);
		for (unsigned k = 0; k < l->n_fields; k++)
			point_field(j, &l->fields[k], pt->v[k]);
		yg_jsonw_obj_close(j);
	}
	yg_jsonw_arr_close(j);
}

static void dnp3_object(struct yg_jsonw *j, const struct yg_dnp3_msg *m)
{
	const struct yg_dnp3_link *l = &m->link;
	const char *type = m->function == 130 ? "unsolicited_response"
			   : m->response	  ? "response"
						  : "request";
	yg_jsonw_key(j, "dnp3");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_plain(j, "type", type);
	control(j, l->ctrl, link_bits, 4, "function_code", 0x0f);
	yg_jsonw_kv_u64(j, "src", l->src);
	yg_jsonw_kv_u64(j, "dst", l->dst);
	yg_jsonw_key(j, "application");
	yg_jsonw_obj_open(j);
	control(j, m->app_control, app_bits, 4, "sequence", 0x0f);
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
			points(j, m, o);
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
