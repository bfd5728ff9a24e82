/*
 * ICS policy alerts: every request of an ICS protocol is checked against
 * the site policy (detect/ics_policy.h), or without one against the
 * defaults (program download and controller stop alert). An operation
 * not allowed is an alert whose alert.metadata.ics names the rule broken:
 *
 *   "metadata": {"ics": ["line 3: allow 10.0.0.5 10.0.2.0/24 modbus read"],
 *                "ics_protocol": ["modbus"], "ics_operation": ["write"],
 *                "ics_function": ["WrSingleReg"], "direction": [...]}
 *
 * One alert per flow per (protocol, class, rule): a client writing a
 * thousand registers it may not is one alert, counted once more per
 * repeat in alerts_suppressed.
 */
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "detect/ics_policy.h"
#include "sensor/worker-int.h"

/* Signature ids: one per protocol and class, clear of the intel alerts'
 * range (from 10,000,000) and of public rule sets (below 9,000,000). */
#define ICS_SID_BASE 9900000u

void yg_worker_ics_op(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
		      enum yg_ics_proto proto, enum yg_ics_op op, const char *function,
		      yg_ics_object_fn obj, const void *msg)
{
	if (op == YG_ICS_OP_NONE)
		return;
	/* The master's and the controller's addresses, whichever side
	 * opened the connection. */
	bool rev = yg_worker_ics_reversed(f);
	const struct yg_addr *cli = rev ? &f->srv : &f->cli, *srv = rev ? &f->cli : &f->srv;
	if (w->cfg.ics_learn) {
		/* Learning: everything seen is what the policy will allow. */
		yg_ics_learn_add(w->cfg.ics_learn, f->family, cli->b, srv->b, proto, op);
		return;
	}
	struct yg_ics_verdict v;
	if (yg_ics_policy_allows(w->cfg.ics_policy, f->family, cli->b, srv->b, proto, op, &v))
		return;
	uint32_t key = (uint32_t)yg_hash64(v.rule, strlen(v.rule), 0x1c5u + proto * 16u + op);
	if (!yg_worker_first_alert(w, f, key)) {
		w->st.alerts_suppressed++;
		return;
	}
	w->st.alerts++;
	w->st.ics_alerts++;
	const char *pname = yg_ics_proto_name(proto), *oname = yg_ics_op_name(op);
	struct yg_jsonw *j = &w->eve.w;
	struct yg_eve_tuple t;
	yg_worker_tuple(w, f, !rev, &t);
	yg_eve_begin(&w->eve, pkt->ts_us, "alert", f->flow_id, &t);
	yg_worker_pcap_alert(w, f);
	yg_jsonw_kv_str(j, "direction", rev ? "to_client" : "to_server");
	yg_jsonw_kv_str(j, "app_proto", pname);
	char sig[200];
	snprintf(sig, sizeof sig, "YAGURA ICS %s %s not allowed: %s", pname, oname, function);
	bool drastic = op == YG_ICS_OP_DOWNLOAD || op == YG_ICS_OP_STOP || op == YG_ICS_OP_RESTART;
	yg_jsonw_key(j, "alert");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_str(j, "action", "allowed");
	yg_jsonw_kv_u64(j, "gid", 1);
	yg_jsonw_kv_u64(j, "signature_id", ICS_SID_BASE + proto * 10u + op);
	yg_jsonw_kv_u64(j, "rev", 1);
	yg_jsonw_kv_str(j, "signature", sig);
	yg_jsonw_kv_str(j, "category", "ICS Policy Violation");
	yg_jsonw_kv_u64(j, "severity", drastic ? 1 : 2);
	yg_jsonw_key(j, "metadata");
	yg_jsonw_obj_open(j);
#define META(k, val)                                                                               \
	do {                                                                                       \
		yg_jsonw_key(j, k);                                                                \
		yg_jsonw_arr_open(j);                                                              \
		yg_jsonw_str(j, val);                                                              \
		yg_jsonw_arr_close(j);                                                             \
	} while (0)
	META("ics", v.rule);
	META("ics_protocol", pname);
	META("ics_operation", oname);
	META("ics_function", function);
	if (w->cfg.home)
		META("direction", yg_homenet_direction(w->cfg.home, f->family, cli, srv));
#undef META
	yg_jsonw_obj_close(j);
	yg_jsonw_obj_close(j);
	if (obj)
		obj(j, msg);
	yg_eve_end(&w->eve);
}
