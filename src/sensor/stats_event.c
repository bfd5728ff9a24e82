/*
 * The end-of-run counters, in two events:
 *
 *  - "stats": what Suricata's EVE schema has a place for, under Suricata's
 *    names (decoder packets and protocols, decoder events as
 *    decoder.event.<layer>.<name>, flows, alerts), so that dashboards built
 *    for Suricata's stats read it and the record validates;
 *  - "yagura_stats": every counter only yagura has, in the same nesting
 *    the stats event had before (capture.queue_drops, decoder.tunnel,
 *    decoder.event.<yagura name>, app_layer.dns, memory, sightings, hub,
 *    ...), so a reader that merges the two objects sees one tree.
 *
 * yagura_stats comes first, so that stats stays the last line of a run.
 */
#include "sensor/stats_event.h"

#include <stdio.h>
#include <string.h>

uint64_t yg_stats_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	char line[256];
	uint64_t kb = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "VmRSS:", 6)) {
			for (const char *p = line + 6; *p; p++)
				if (*p >= '0' && *p <= '9')
					kb = kb * 10 + (uint64_t)(*p - '0');
			break;
		}
	}
	fclose(f);
	return kb * 1024;
}

/* yagura's own anomaly counters (every kind, by yagura's name) under
 * decoder.event or app_layer.event, by prefix. */
static void anomalies(struct yg_jsonw *j, const struct yg_sensor_stats *s, const char *prefix)
{
	size_t pl = strlen(prefix);
	yg_jsonw_key(j, "event");
	yg_jsonw_obj_open(j);
	for (unsigned i = 0; i < YG_ANOM__COUNT; i++) {
		const char *n = yg_anomaly_name(i);
		if (strncmp(n, prefix, pl))
			continue;
		yg_jsonw_kv_u64(j, n + pl, s->anomalies[i]);
	}
	yg_jsonw_obj_close(j);
}

/* decoder.event.<layer>.<name> for the kinds Suricata has a name for,
 * grouped by layer in the order of first appearance (a few dozen kinds,
 * once per run: the quadratic scan costs nothing). */
static void suricata_anomalies(struct yg_jsonw *j, const struct yg_sensor_stats *s)
{
	yg_jsonw_key(j, "event");
	yg_jsonw_obj_open(j);
	for (unsigned i = 0; i < YG_ANOM__COUNT; i++) {
		const char *n = yg_anomaly_suricata_name(i);
		if (!n)
			continue;
		size_t ll = (size_t)(strchr(n, '.') - n);
		bool seen = false;
		for (unsigned k = 0; k < i && !seen; k++) {
			const char *o = yg_anomaly_suricata_name(k);
			seen = o && !strncmp(o, n, ll + 1);
		}
		if (seen)
			continue;
		yg_jsonw_keyn(j, n, ll);
		yg_jsonw_obj_open(j);
		for (unsigned k = i; k < YG_ANOM__COUNT; k++) {
			const char *o = yg_anomaly_suricata_name(k);
			if (o && !strncmp(o, n, ll + 1))
				yg_jsonw_kv_u64(j, o + ll + 1, s->anomalies[k]);
		}
		yg_jsonw_obj_close(j);
	}
	yg_jsonw_obj_close(j);
}

static void suricata_stats(struct yg_eve *eve, uint64_t ts_us, const struct yg_engine_result *res)
{
	const struct yg_sensor_stats *s = &res->stats;
	struct yg_jsonw *j = &eve->w;
	yg_eve_begin(eve, ts_us, "stats", 0, NULL);
	yg_jsonw_key(j, "stats");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "uptime", (uint64_t)res->seconds);

	yg_jsonw_key(j, "capture");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "kernel_packets", res->kernel_recv);
	yg_jsonw_kv_u64(j, "kernel_drops", res->kernel_drop);
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "decoder");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "pkts", s->pkts);
	yg_jsonw_kv_u64(j, "bytes", s->bytes);
	yg_jsonw_kv_u64(j, "ipv4", s->ipv4);
	yg_jsonw_kv_u64(j, "ipv6", s->ipv6);
	yg_jsonw_kv_u64(j, "tcp", s->tcp);
	yg_jsonw_kv_u64(j, "udp", s->udp);
	yg_jsonw_kv_u64(j, "icmpv4", s->icmpv4);
	yg_jsonw_kv_u64(j, "icmpv6", s->icmpv6);
	yg_jsonw_kv_u64(j, "vlan", s->vlan);
	suricata_anomalies(j, s);
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "flow");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "total", s->flows_created);
	yg_jsonw_kv_u64(j, "memuse", s->flow_memory);
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "detect");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "alert", s->alerts);
	yg_jsonw_kv_u64(j, "alerts_suppressed", s->alerts_suppressed);
	yg_jsonw_obj_close(j);

	yg_jsonw_obj_close(j);
	yg_eve_end(eve);
}

static void yagura_stats(struct yg_eve *eve, uint64_t ts_us, const struct yg_engine_result *res,
			 const struct yg_stats_extra *x)
{
	const struct yg_sensor_stats *s = &res->stats;
	struct yg_jsonw *j = &eve->w;
	yg_eve_begin(eve, ts_us, "yagura_stats", 0, NULL);
	yg_jsonw_key(j, "yagura_stats");
	yg_jsonw_obj_open(j);

	yg_jsonw_key(j, "capture");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "queue_drops", res->queue_drops);
	yg_jsonw_kv_bool(j, "file_error", res->capture_error);
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "decoder");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "other_l4", s->other_l4);
	yg_jsonw_kv_u64(j, "non_ip", s->non_ip);
	yg_jsonw_kv_u64(j, "tunnel", s->tunnel);
	yg_jsonw_kv_u64(j, "fragments", s->fragments);
	anomalies(j, s, "decoder.");
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "flow");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "ended", s->flows_ended);
	yg_jsonw_kv_u64(j, "evicted", s->flows_evicted);
	yg_jsonw_kv_u64(j, "no_memory", s->flow_no_memory);
	yg_jsonw_kv_u64(j, "active_max", s->flow_active_max);
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "app_layer");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "dns", s->dns_msgs);
	yg_jsonw_kv_u64(j, "http", s->http_reqs);
	yg_jsonw_kv_u64(j, "http_responses", s->http_resps);
	yg_jsonw_kv_u64(j, "http_unanswered", s->http_unanswered);
	yg_jsonw_kv_u64(j, "http_unrequested", s->http_unrequested);
	yg_jsonw_kv_u64(j, "tls", s->tls_hellos);
	yg_jsonw_kv_u64(j, "tls_server_hellos", s->tls_server_hellos);
	yg_jsonw_kv_u64(j, "tls_certificates", s->tls_certs);
	yg_jsonw_kv_u64(j, "anomaly_events_suppressed", s->anomaly_events_suppressed);
	yg_jsonw_kv_u64(j, "modbus", s->modbus_msgs);
	yg_jsonw_kv_u64(j, "dnp3", s->dnp3_msgs);
	yg_jsonw_kv_u64(j, "iec104", s->iec104_apdus);
	yg_jsonw_kv_u64(j, "s7comm", s->s7comm_msgs);
	yg_jsonw_kv_u64(j, "ics_alerts", s->ics_alerts);
	yg_jsonw_kv_u64(j, "memcap_drops", s->app_memcap_drops);
	anomalies(j, s, "app.");
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "detect");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "indicators", x->intel_indicators);
	yg_jsonw_kv_u64(j, "intel_rejected", x->intel_rejected);
	yg_jsonw_kv_u64(j, "intel_reloads", x->intel_reloads);
	yg_jsonw_obj_close(j);

	yg_jsonw_key(j, "memory");
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "flow", s->flow_memory);
	yg_jsonw_kv_u64(j, "intel", x->intel_memory);
	yg_jsonw_kv_u64(j, "rss", x->rss_bytes);
	yg_jsonw_obj_close(j);
	if (x->sightings) {
		const struct yg_sighting_stats *g = x->sightings;
		yg_jsonw_key(j, "sightings");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "made", g->made);
		yg_jsonw_kv_u64(j, "posted", g->posted);
		yg_jsonw_kv_u64(j, "duplicates", g->duplicates);
		yg_jsonw_kv_u64(j, "rejected", g->rejected);
		yg_jsonw_kv_u64(j, "spooled", g->spooled);
		yg_jsonw_kv_u64(j, "replayed", g->replayed);
		yg_jsonw_kv_u64(j, "dropped_spool_full", g->dropped_spool_full);
		yg_jsonw_kv_u64(j, "post_failures", g->post_failures);
		yg_jsonw_kv_u64(j, "spool_batches", g->spool_batches);
		yg_jsonw_kv_u64(j, "spool_write_errors", g->spool_write_errors);
		yg_jsonw_kv_u64(j, "alerts_dropped", g->alerts_dropped);
		yg_jsonw_kv_u64(j, "beacons", g->beacons);
		yg_jsonw_kv_u64(j, "beacons_posted", g->beacons_posted);
		yg_jsonw_kv_u64(j, "beacons_rejected", g->beacons_rejected);
		yg_jsonw_kv_u64(j, "beacons_dropped", g->beacons_dropped);
		yg_jsonw_kv_u64(j, "beacons_waiting", g->beacons_waiting);
		yg_jsonw_obj_close(j);
	}
	if (x->beacon) {
		const struct yg_beacon_stats *b = x->beacon;
		yg_jsonw_key(j, "beacon");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "observed", b->observed);
		yg_jsonw_kv_u64(j, "merged", b->merged);
		yg_jsonw_kv_u64(j, "pairs", b->pairs);
		yg_jsonw_kv_u64(j, "pairs_created", b->pairs_created);
		yg_jsonw_kv_u64(j, "evicted", b->evicted);
		yg_jsonw_kv_u64(j, "expired", b->expired);
		yg_jsonw_kv_u64(j, "no_memory", b->no_memory);
		yg_jsonw_kv_u64(j, "scored", b->scored);
		yg_jsonw_kv_u64(j, "detections", b->detections);
		yg_jsonw_kv_u64(j, "beacons", b->beacons);
		yg_jsonw_kv_u64(j, "memory", b->memory);
		yg_jsonw_kv_u64(j, "memcap", b->memcap);
		yg_jsonw_obj_close(j);
	}
	if (x->hub) {
		const struct yg_hub_feed_stats *h = x->hub;
		yg_jsonw_key(j, "hub");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_str(j, "mode", yg_hub_feed_mode_name(h->mode));
		yg_jsonw_kv_u64(j, "requests", h->polls);
		yg_jsonw_kv_u64(j, "updates", h->updates);
		yg_jsonw_kv_u64(j, "not_modified", h->not_modified);
		yg_jsonw_kv_u64(j, "failures", h->failures);
		yg_jsonw_kv_u64(j, "changes", h->changes);
		yg_jsonw_kv_u64(j, "resets", h->resets);
		yg_jsonw_kv_u64(j, "malformed", h->malformed);
		yg_jsonw_kv_u64(j, "indicators", h->indicators);
		yg_jsonw_kv_u64(j, "taxii_polls", h->taxii_polls);
		yg_jsonw_kv_u64(j, "taxii_incremental", h->taxii_incremental);
		yg_jsonw_obj_close(j);
	}

	if (x->pcap) {
		yg_jsonw_key(j, "pcap_log");
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_u64(j, "written", s->pcap_written);
		yg_jsonw_kv_u64(j, "not_kept", s->pcap_not_kept);
		yg_jsonw_kv_u64(j, "memory_max", s->pcap_memory_max);
		yg_jsonw_kv_u64(j, "files", x->pcap->files);
		yg_jsonw_kv_u64(j, "deleted", x->pcap->deleted);
		yg_jsonw_kv_u64(j, "bytes", x->pcap->bytes);
		yg_jsonw_kv_u64(j, "dropped", x->pcap->dropped);
		yg_jsonw_obj_close(j);
	}
	const struct yg_eve_out *o0 = x->sink ? yg_eve_sink_output(x->sink, 0) : NULL;
	if (o0) {
		/* Counted when this event is written: lines still queued then
		 * (this one among them) are in neither count. */
		yg_jsonw_key(j, "outputs");
		yg_jsonw_arr_open(j);
		struct yg_eve_out *o;
		for (unsigned i = 0; (o = yg_eve_sink_output(x->sink, i)); i++) {
			struct yg_eve_out_stats os;
			yg_eve_out_stats(o, &os);
			yg_jsonw_obj_open(j);
			yg_jsonw_kv_plain(j, "type", yg_eve_out_kind_name(yg_eve_out_kind(o)));
			yg_jsonw_kv_u64(j, "lines", os.lines);
			yg_jsonw_kv_u64(j, "bytes", os.bytes);
			yg_jsonw_kv_u64(j, "dropped", os.dropped);
			yg_jsonw_kv_u64(j, "connects", os.reconnects);
			yg_jsonw_obj_close(j);
		}
		yg_jsonw_arr_close(j);
	}
	yg_jsonw_kv_u64(j, "drops", res->kernel_drop + res->queue_drops + s->flow_no_memory);
	yg_jsonw_kv_u64(j, "events", s->events);
	yg_jsonw_obj_close(j);
	yg_eve_end(eve);
}

void yg_stats_event_write(struct yg_eve *eve, uint64_t ts_us, const struct yg_engine_result *res,
			  const struct yg_stats_extra *x)
{
	yagura_stats(eve, ts_us, res, x);
	suricata_stats(eve, ts_us, res);
}
