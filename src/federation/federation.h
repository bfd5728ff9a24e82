/*
 * Federation between hubs over TAXII 2.1 (README, "Federation"): a
 * supervisor thread that reads the peer configuration (peer.h) every
 * round and keeps one worker thread per peer, started, restarted when its
 * configuration changes and stopped when it is removed. A worker, every
 * round:
 *
 *   pull  follows the peer's chosen collections with added_after through
 *         the one TAXII client (src/taxii/client.h), every object type,
 *         and stores what comes through ingest.h as the peer's organization
 *         into our default collection; the client's cursors are kept in
 *         the store's settings ("federation.pull.NAME") after each round
 *         that reached the end, so a restart asks only for what is new;
 *   push  reads each of our collections named in the peer's push list
 *         after its push cursor (the added_us of the last row the peer
 *         acknowledged, kept in the store's settings), keeps what the
 *         federation rule lets the peer see (rule.h), and POSTs it in
 *         batches to the peer's collection of that entry; then our
 *         members' sightings as per-day counts (sight.h).
 *
 * Why the push outbox is a cursor over the store and not a queue of its
 * own: every object to send is already durable in the store, in commit
 * order (added_us is handed out under the write lock, so it grows with
 * commits); a cursor that moves only after the peer answers with a status
 * resource loses nothing across a restart and doubles nothing (the
 * receiver keeps a version once), and costs one setting per peer.
 *
 * Failures (no answer, an HTTP error, a malformed answer) back off: the
 * wait doubles from one round up to 16 rounds (at most a minute), and a
 * Retry-After from the peer is honoured up to that cap.
 */
#ifndef YG_FEDERATION_FEDERATION_H
#define YG_FEDERATION_FEDERATION_H

#include <stdint.h>

#include <jansson.h>

struct yg_fed_config {
	const char *data_dir;     /* the store (copied) */
	const char *pg;           /* PostgreSQL conninfo or NULL (copied) */
	const char *self_id;      /* this hub's identity (copied) */
	const char *default_coll; /* the uuid of the collection objects come and go through */
	unsigned every_ms;        /* round interval; 0 = 5000 */
	/* Called (from a worker or a request thread, no lock held) with the
	 * highest level among the peers' latest advisories (rule.h) whenever
	 * one arrives, and the peer that has it: the hub sets its level signal
	 * "federation.advisory_level". May be NULL. */
	void (*advisory)(void *ud, int level, const char *peer);
	void *ud;
};

struct yg_fed;

/* Caller frees with yg_fed_free. 0, -EINVAL, -ENOMEM. */
int yg_fed_new(const struct yg_fed_config *cfg, struct yg_fed **ret);

/* Starts the supervisor (once). 0 or -EAGAIN / a store error. */
int yg_fed_start(struct yg_fed *f);

/* Stops every thread and frees (NULL is fine). */
void yg_fed_free(struct yg_fed *f);

/* Counts objects a peer pushed to us (the TAXII POST path) on the worker
 * of the peer whose organization is org; none when no worker has it. */
void yg_fed_note_in(struct yg_fed *f, int64_t org, uint64_t taken, uint64_t refused);

/* Takes an advisory (level 1..5) from the peer whose organization is org
 * and calls cfg->advisory with the highest current one. */
void yg_fed_note_advisory(struct yg_fed *f, int64_t org, int level);

/*
 * Every configured peer's state as the API shows it (a new array):
 * {name, url, state, pull, push, tlp_max, share_as, peer_hub, objects_in,
 *  objects_out, refused_in, refused_out, lag_s, last_ok, last_error}.
 * Never the token. NULL without memory.
 */
json_t *yg_fed_status(struct yg_fed *f);

#endif
