/*
 * A sensor's reports to NATS JetStream (README, "Running at national
 * scale"): one body (the same text it would POST to the hub) published to
 * yagura.<kind>.<org> (common/natsconn.h), and a success only once
 * JetStream's PubAck says the stream stored it. Until then the caller
 * keeps the body in its spool: a down server, a missing stream, a refused
 * subject all look the same to it (try again later).
 *
 * Each message carries Nats-Msg-Id = SHA-256 of its body, so a body sent
 * again after a lost PubAck is stored once within the stream's duplicate
 * window; past it, the hub's sighting ids still make it count once.
 *
 * One thread (the sighting sender) uses a publisher.
 */
#ifndef YG_SENSOR_NATS_PUB_H
#define YG_SENSOR_NATS_PUB_H

#include <stddef.h>
#include <stdint.h>

#include "common/natsconn.h"

struct yg_nats_pub;

/* Connects (in the background when the server is away). Caller frees with
 * yg_nats_pub_free. Returns 0 or a negative errno with err filled. */
int yg_nats_pub_new(const struct yg_nats_config *cfg, struct yg_nats_pub **ret, char *err,
                    size_t errlen);
void yg_nats_pub_free(struct yg_nats_pub *p);

/* The organization id of the subjects: the credentials file's org=, else
 * what the caller learnt from the hub (set_org; ignored when the file
 * named one). 0 while unknown. */
int64_t yg_nats_pub_org(const struct yg_nats_pub *p);
void yg_nats_pub_set_org(struct yg_nats_pub *p, int64_t org);

/*
 * Publishes data to yagura.<kind>.<org> and waits (at most 5 s) for the
 * PubAck. Returns 0 once stored; -ENXIO (no organization id yet),
 * -ENOTCONN (not connected), -ETIMEDOUT or -EIO (no PubAck: no stream,
 * a refused subject, a server going away), with err saying which.
 */
int yg_nats_pub_send(struct yg_nats_pub *p, const char *kind, const char *data, size_t len,
                     char *err, size_t errlen);

#endif
