/*
 * EVE outputs besides the file: a Unix socket (Suricata's `unix_stream`
 * and `unix_dgram` filetypes) and syslog (RFC 5424 over a Unix datagram
 * socket, /dev/log by default).
 *
 * The packet path never waits for a reader: the sink hands each output
 * whole lines in chunks, the output copies them into a bounded queue and
 * returns, and a thread of its own writes them out. When the queue is full
 * the chunk's lines are dropped and counted; so is a line the socket
 * refuses (no listener, a datagram too large). A stream output that loses
 * its reader connects again (every 500 ms) and goes on with the next
 * whole line.
 *
 * One datagram or syslog message per EVE line; a stream gets the lines as
 * they are, newline-terminated.
 */
#ifndef YG_OUTPUT_EVE_OUT_H
#define YG_OUTPUT_EVE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yg_eve_out_kind {
	YG_EVE_OUT_UNIX_STREAM,
	YG_EVE_OUT_UNIX_DGRAM,
	YG_EVE_OUT_SYSLOG,
};

#define YG_EVE_OUT_TYPES_MAX 16

struct yg_eve_out_config {
	enum yg_eve_out_kind kind;
	const char *path; /* socket path (copied) */
	int facility;     /* syslog facility number (0..23), YG_EVE_OUT_SYSLOG only */
	size_t queue_max; /* bytes the queue may hold; 0: 16 MiB */
	/* Event types written (copied); none: every type. */
	unsigned n_types;
	const char *types[YG_EVE_OUT_TYPES_MAX];
};

struct yg_eve_out_stats {
	uint64_t lines;      /* written out */
	uint64_t dropped;    /* lost: queue full, refused by the socket, or left at exit */
	uint64_t bytes;      /* written out */
	uint64_t reconnects; /* connections made (datagram sockets too) */
};

struct yg_eve_out;

/*
 * Starts an output (its thread; the socket is connected by the thread, so
 * a reader that is not there yet is no error). Caller frees with
 * yg_eve_out_free. Returns 0, -EINVAL (path too long for a socket
 * address, too many types), -ENOMEM, or a thread error.
 */
int yg_eve_out_new(const struct yg_eve_out_config *cfg, struct yg_eve_out **ret);

/* Queues the whole lines in p[0..n) (n ends with '\n'); never blocks. */
void yg_eve_out_push(struct yg_eve_out *o, const char *p, size_t n);

/* Counters so far. */
void yg_eve_out_stats(struct yg_eve_out *o, struct yg_eve_out_stats *ret);

const char *yg_eve_out_kind_name(enum yg_eve_out_kind k); /* "unix_stream", ... */
enum yg_eve_out_kind yg_eve_out_kind(const struct yg_eve_out *o);

/* Syslog facility number of a name ("local5", "daemon", "user", ...), or -1. */
int yg_eve_out_facility(const char *name);

/*
 * Writes what is queued (waiting at most about two seconds for a slow
 * reader; what is left then counts as dropped), stops the thread, frees.
 * NULL is fine.
 */
void yg_eve_out_free(struct yg_eve_out *o);

#endif
