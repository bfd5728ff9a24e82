/*
 * Per-flow state of the ICS protocols (ics_flow.h): created when a flow
 * first needs it, charged to the flow memory cap like every app buffer,
 * and freed with the flow. Modbus keeps the requests waiting for their
 * responses so one event carries both, as Suricata's does; DNP3 keeps
 * the fragment being reassembled.
 */
#include <stdlib.h>
#include <string.h>

#include "sensor/ics_flow.h"
#include "sensor/worker-int.h"

struct ics_flow *yg_worker_ics_flow(struct yg_worker *w, struct yg_flow *f)
{
	struct flow_app *a = yg_worker_flow_app(w, f);
	if (!a)
		return NULL;
	if (a->ics)
		return a->ics;
	a->ics = yg_worker_calloc_charged(w, sizeof *a->ics);
	return a->ics;
}

struct yg_dnp3_reasm *yg_worker_dnp3_reasm(struct yg_worker *w, struct yg_flow *f, bool toserver)
{
	struct ics_flow *s = yg_worker_ics_flow(w, f);
	if (!s)
		return NULL;
	unsigned dir = toserver ? 0 : 1;
	if (s->dnp3[dir])
		return s->dnp3[dir];
	struct yg_dnp3_reasm *r = yg_worker_calloc_charged(w, sizeof *r);
	if (!r)
		return NULL;
	s->dnp3[dir] = r;
	return r;
}

void yg_worker_ics_flush(struct yg_worker *w, struct yg_flow *f)
{
	struct flow_app *a = f->app;
	if (!a || !a->ics)
		return;
	struct ics_flow *s = a->ics;
	for (unsigned i = 0; i < s->n_pending; i++)
		yg_worker_modbus_event(w, f, s->pending[i].ts_us, ++s->tx_id, &s->pending[i].m, NULL);
	s->n_pending = 0;
}

void yg_worker_ics_free(struct yg_worker *w, struct flow_app *a)
{
	struct ics_flow *s = a->ics;
	if (!s)
		return;
	for (int i = 0; i < 2; i++)
		if (s->dnp3[i]) {
			free(s->dnp3[i]);
			yg_flow_charge(w->ft, -(long)sizeof(struct yg_dnp3_reasm));
		}
	free(s);
	yg_flow_charge(w->ft, -(long)sizeof(struct ics_flow));
	a->ics = NULL;
}
