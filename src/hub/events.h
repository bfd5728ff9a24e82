/*
 * The hub's in-process event broadcaster, behind GET /api/v1/events
 * (Server-Sent Events). Producers (the alert level; the telescope, a
 * "darknet" event per stored window; campaigns and notifications can
 * publish the same way) call
 * yg_events_publish; each stream keeps a cursor (the last event id it
 * sent) and reads what came after it.
 *
 * Why a ring and cursors rather than a queue per client: a publisher never
 * waits for, or allocates for, slow readers; a reader that fell more than
 * YG_EVENTS_RING events behind skips to the oldest one kept (and its next
 * id shows the gap). Event ids grow by one from 1, so a client resumes
 * with Last-Event-ID.
 *
 * Audience: an event names who may read it: every authenticated caller,
 * one organization, and/or a set of roles. Thread-safe (one mutex); the
 * newest id is also readable without it.
 */
#ifndef YG_HUB_EVENTS_H
#define YG_HUB_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/buf.h"
#include "store/store.h"

#define YG_EVENTS_RING 256
#define YG_EVENTS_DATA_MAX (256 * 1024)

struct yg_events;

int yg_events_new(struct yg_events **ret);
void yg_events_free(struct yg_events *ev);

/* Publishes one event: type is a short name ("level"), data one JSON text
 * (no newline: jansson's compact output). org 0 = every organization;
 * roles 0 = every role (else enum yg_role bits). Returns its id, or 0
 * when data was too large or memory ran out (nothing published). */
uint64_t yg_events_publish(struct yg_events *ev, const char *type, const char *data,
                           int64_t org, unsigned roles);

/* The newest id (0 before the first event). */
uint64_t yg_events_last(const struct yg_events *ev);

/* Appends, as SSE frames ("id: N\nevent: T\ndata: J\n\n"), the events
 * after *cursor that the caller (org, role) may read, up to about max
 * bytes, and moves *cursor past every event looked at. Returns how many
 * frames were appended. */
size_t yg_events_read(struct yg_events *ev, uint64_t *cursor, int64_t org, unsigned role,
                      struct yg_buf *out, size_t max);

#endif
