/*
 * Conditional pcap (--pcap-log): the packets of every flow that alerted,
 * from its first one, into the ring of output/pcaplog.h.
 *
 * An alert comes after the packets that led to it (a DNS answer, a TLS
 * certificate, the tenth packet of a beacon), so every flow keeps its
 * frames from the start: whole frames as captured, in the flow's app
 * state, up to YG_WORKER_PCAP_FLOW_MAX bytes. At the flow's first alert
 * they go to the ring, and from then on each frame of the flow is written
 * as it comes, to the flow's end. A flow that ends without an alert
 * takes its frames with it.
 *
 * Decisions:
 *  - A full buffer keeps the start of the flow and drops what follows
 *    until the alert (counted in not_kept): the handshake and the first
 *    requests tell an analyst more than a random middle.
 *  - The buffers have a bound of their own (--pcap-log-memcap, split over
 *    the workers), not the flow memcap: kept frames must never push flows
 *    out of the table.
 *  - The alert names the file that holds its own packet (Suricata's
 *    capture_file); the flow's first packets are in it or the files
 *    before it.
 */
#include <stdlib.h>
#include <string.h>

#include "sensor/worker-int.h"

enum {
	PCAP_BUFFERING = 0, /* keeping frames, waiting for an alert */
	PCAP_FULL,          /* the buffer is full: later frames are dropped */
	PCAP_LOGGING,       /* alerted: frames go to the ring */
};

#define PCAP_BUF_FIRST 2048u

void yg_worker_pcap_free(struct yg_worker *w, struct flow_app *a)
{
	if (!a->pcap_buf)
		return;
	free(a->pcap_buf);
	w->pcap_mem -= a->pcap_cap;
	a->pcap_buf = NULL;
	a->pcap_len = a->pcap_cap = 0;
}

/* Room for need more bytes in a's buffer, within the flow's and the
 * worker's bounds; false when there is none. */
static bool room(struct yg_worker *w, struct flow_app *a, size_t need)
{
	size_t want = (size_t)a->pcap_len + need;
	if (want > YG_WORKER_PCAP_FLOW_MAX)
		return false;
	if (want <= a->pcap_cap)
		return true;
	size_t nc = a->pcap_cap ? a->pcap_cap : PCAP_BUF_FIRST;
	while (nc < want)
		nc *= 2;
	if (nc > YG_WORKER_PCAP_FLOW_MAX)
		nc = YG_WORKER_PCAP_FLOW_MAX;
	if (w->pcap_mem + (nc - a->pcap_cap) > w->cfg.pcap_memcap)
		return false;
	uint8_t *b = realloc(a->pcap_buf, nc);
	if (!b)
		return false;
	w->pcap_mem += nc - a->pcap_cap;
	if (w->pcap_mem > w->st.pcap_memory_max)
		w->st.pcap_memory_max = w->pcap_mem;
	a->pcap_buf = b;
	a->pcap_cap = (uint32_t)nc;
	return true;
}

void yg_worker_pcap_packet(struct yg_worker *w, struct yg_flow *f, const struct yg_packet *pkt,
                           const uint8_t *frame)
{
	w->pcap_file[0] = '\0';
	struct flow_app *a = yg_worker_flow_app(w, f);
	if (!a) {
		w->st.pcap_not_kept++;
		return;
	}
	if (a->pcap_state == PCAP_LOGGING) {
		if (yg_pcaplog_write_frame(w->cfg.pcaplog, pkt->ts_us, pkt->caplen, pkt->wirelen, frame,
		                           w->pcap_file, sizeof w->pcap_file))
			w->st.pcap_written++;
		return;
	}
	size_t need = YG_PCAPLOG_REC_SIZE(pkt->caplen);
	if (a->pcap_state == PCAP_FULL || !room(w, a, need)) {
		a->pcap_state = PCAP_FULL;
		w->st.pcap_not_kept++;
		return;
	}
	struct yg_pcaplog_rec r = {.ts_us = pkt->ts_us, .caplen = pkt->caplen, .wirelen = pkt->wirelen};
	uint8_t *p = a->pcap_buf + a->pcap_len;
	memcpy(p, &r, sizeof r);
	memcpy(p + sizeof r, frame, pkt->caplen);
	memset(p + sizeof r + pkt->caplen, 0, need - sizeof r - pkt->caplen);
	a->pcap_len += (uint32_t)need;
}

void yg_worker_pcap_alert(struct yg_worker *w, struct yg_flow *f)
{
	if (!w->cfg.pcaplog)
		return;
	struct flow_app *a = f->app;
	if (!a)
		return;
	if (a->pcap_state != PCAP_LOGGING) {
		if (a->pcap_len)
			w->st.pcap_written += yg_pcaplog_write(w->cfg.pcaplog, a->pcap_buf, a->pcap_len,
			                                       w->pcap_file, sizeof w->pcap_file);
		a->pcap_state = PCAP_LOGGING;
		yg_worker_pcap_free(w, a);
	}
	if (w->pcap_file[0])
		yg_jsonw_kv_str(&w->eve.w, "capture_file", w->pcap_file);
}
