/* Private to src/sensor/: what a flow of an ICS protocol remembers
 * between its messages (ics_flow.c). */
#ifndef YG_SENSOR_ICS_FLOW_H
#define YG_SENSOR_ICS_FLOW_H

#include "app/dnp3.h"
#include "app/modbus.h"

struct yg_worker;
struct yg_flow;

/* Modbus requests waiting for their response, per flow. A client may
 * pipeline several (the transaction id pairs them); more than this are
 * written unanswered, oldest first. */
#define ICS_MODBUS_PENDING 8

struct ics_pending {
	struct yg_modbus_msg m;
	uint64_t ts_us;
};

struct ics_flow {
	uint64_t tx_id;    /* transactions logged on the flow (Suricata's modbus.id) */
	uint8_t n_pending;
	struct ics_pending pending[ICS_MODBUS_PENDING];
	/* DNP3 transport reassembly per direction, allocated (and charged)
	 * only when a fragment spans several segments. */
	struct yg_dnp3_reasm *dnp3[2];
	/* Framing lost per direction (app_ics.c): resynchronised at the next
	 * segment up to ICS_FRAMING_MAX times, then the direction is left. */
	uint8_t framing_lost[2];
};

#define ICS_FRAMING_MAX 16

/* Writes one modbus event of a request and/or a response (eve_modbus.c). */
void yg_worker_modbus_event(struct yg_worker *w, struct yg_flow *f, uint64_t ts_us,
			    uint64_t tx_id, const struct yg_modbus_msg *req,
			    const struct yg_modbus_msg *resp);

/* The reassembly buffer of one direction, created on first need
 * (charged); NULL when the memory cap is reached. */
struct yg_dnp3_reasm *yg_worker_dnp3_reasm(struct yg_worker *w, struct yg_flow *f, bool toserver);

#endif
