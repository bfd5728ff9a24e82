/*
 * A bounded fetch from a JetStream pull subscription (nats_hub.c).
 *
 * Why not natsSubscription_Fetch(batch) as such: libnats up to 3.9 (Debian
 * ships 3.4.1) writes past the array it allocates for the batch when the
 * subscription already holds some messages (late deliveries of an earlier
 * pull that expired on the client first, which a loaded hub sees) but
 * fewer than the batch, and at least as many as the rest: it lowers
 * the batch by what it took and then waits for exactly that many more,
 * so every further delivery until the timeout goes past the end (nats.c
 * pull request 749, fixed in 3.10). That was the hub's heap corruption
 * under NATS ingestion (issue 19). A fetch of one message can never
 * overflow, so the batch is gathered one message at a time: the first
 * waits, the others are asked with no_wait and end the batch as soon as
 * the stream has none at hand.
 */
#ifndef YG_HUB_NATS_FETCH_H
#define YG_HUB_NATS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

/*
 * Up to max (>= 1) messages of sub into ret_msgs[0 .. *ret_n), each then
 * the caller's (natsMsg_Destroy), waiting at most wait_ms for the first.
 * Returns NATS_OK with *ret_n >= 1, or with *ret_n == 0 what the wait for
 * the first ended with (NATS_TIMEOUT: none came; other statuses as
 * natsSubscription_Fetch's).
 */
natsStatus yg_hub_nats_fetch(natsSubscription *sub, natsMsg **ret_msgs, size_t max,
                             int64_t wait_ms, size_t *ret_n);

#endif
