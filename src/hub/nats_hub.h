/*
 * The hub's side of NATS JetStream (README, "Running at national scale";
 * subjects in common/natsconn.h).
 *
 * Reports: a few handler threads per kind (sightings, beacons, darknet;
 * --nats-handlers) pull from the stream YG_NATS_STREAM through the durable
 * consumer "hubs-<kind>", which every hub shares: JetStream hands each
 * message to one of them. Each thread fetches a small batch and answers
 * each message exactly as the POST of its body by a sensor of the
 * organization its subject names, the batch's in one write transaction
 * (yg_hub_handle_batch_on, through the thread's own store connection),
 * and acknowledges each only after that committed, without waiting for
 * the server's answer to the ack; so several messages are in flight at
 * once. While a batch is being written the hub tells the server it is in
 * progress every quarter of ack_wait, so a slow store does not make the
 * server deliver it again elsewhere. A hub that dies before its ack
 * leaves the message to be delivered again (after ack_wait) to whichever
 * hub asks next; the second delivery is a duplicate, not a second count
 * (sighting ids; a telescope window's organization, sensor and minute; a
 * beacon's evidence already held). A message the hub refuses (malformed, unknown
 * organization: 4xx) is terminated, never retried; while the store is
 * away (5xx) it is handed back with a delay.
 *
 * The stream (subjects yagura.{sightings,beacons,darknet}.*, work-queue
 * retention: a message leaves once a hub took it) and the consumers are
 * created by the first hub that finds them missing; hubs with the same
 * settings agree.
 *
 * Changes: after a write that may have changed indicators the hub
 * publishes an empty-content notice on YG_NATS_CHANGES (hub.h,
 * yg_hub_set_on_change); sensors following with --hub-feed nats then ask
 * the HTTP change feed, which alone decides what each may see.
 */
#ifndef YG_HUB_NATS_HUB_H
#define YG_HUB_NATS_HUB_H

#include <stdint.h>

#include "hub/hub.h"

struct yg_hub_nats;

struct yg_hub_nats_config {
	const char *url;
	const char *creds_file; /* NULL: none */
	unsigned ack_wait_ms;   /* redelivery after a silent hub; 0 = 5000 */
	unsigned handlers;      /* threads per kind; 0 = 4, at most 32 */
	void (*log)(void *ud, const char *msg); /* from the hub's NATS threads; may be NULL */
	void *ud;
};

struct yg_hub_nats_stats {
	uint64_t taken;   /* messages handled */
	uint64_t acked;   /* committed and acknowledged */
	uint64_t refused; /* terminated: the hub refused them (4xx) */
	uint64_t retried; /* handed back: the store was away (5xx) */
	uint64_t notices; /* change notices published */
	uint64_t in_progress; /* "in progress" told for messages of a batch being written */
};

/* Connects and starts the threads (the stream is set up by them, so a
 * NATS server that is not up yet is no error). Caller stops with
 * yg_hub_nats_stop before freeing h. */
int yg_hub_nats_start(struct yg_hub *h, const struct yg_hub_nats_config *cfg,
		      struct yg_hub_nats **ret, char *err, size_t errlen);
void yg_hub_nats_stop(struct yg_hub_nats *n, struct yg_hub_nats_stats *ret_stats);

/*
 * Splits a report subject yagura.<kind>.<org id> into the POST path of
 * that kind and the organization id. Returns 0 or -EINVAL (any other
 * subject, an id that is not 1..15 digits). The subject is outside input
 * (fuzz/fuzz_nats_subject.c).
 */
int yg_hub_nats_subject(const char *subj, size_t len, const char **ret_path, int64_t *ret_org);

#endif
