/*
 * The hub's HTTP(S) server on libmicrohttpd: a pool of worker threads each
 * with its own epoll loop, TLS (GnuTLS inside libmicrohttpd) when a
 * certificate is given, a request body cap checked while the body streams
 * in (413 beyond it, before reading it when Content-Length already says
 * so), an idle-connection timeout, and one JSON access-log line per
 * request handed to cfg.log (never the token, never the query string).
 *
 * Protection against many connections (issue 19, guard.h): a connection
 * limit far above the number of threads (a parked long-poll costs no
 * thread), a deadline for each request's headers and body, a cap on the
 * connections of one address that owe a request, caps on parked long-polls
 * per token, per organization and in all (429 with Retry-After beyond
 * them), and a reserve of connections that long-polls never take, kept for
 * /healthz, /metrics, admins, analysts and sensors between two polls.
 */
#ifndef YG_HUB_SERVER_H
#define YG_HUB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/guard.h"
#include "hub/hub.h"

#define YG_SERVER_MAX_CONNS_DEFAULT          16384
/* A kept-alive connection between two requests owes one, so a client with
 * 64 connections in use (a load generator, a proxy's upstream pool) must
 * fit; 128 such connections from one address are still a small part of
 * the limit. */
#define YG_SERVER_PENDING_PER_ADDR_DEFAULT   128
#define YG_SERVER_REQUEST_TIMEOUT_MS_DEFAULT 10000

struct yg_server_config {
	const char *listen;   /* "127.0.0.1:8443", "[::1]:8443"; port 0 = any */
	unsigned threads;     /* worker threads (>= 1) */
	size_t max_body;      /* bytes */
	unsigned timeout_s;   /* idle connection timeout */
	/* Limits of guard.h; 0 = the default above. The caller keeps
	 * max_conns below its descriptor limit (RLIMIT_NOFILE). */
	unsigned max_conns;
	unsigned max_pending_per_addr;
	unsigned request_timeout_ms;
	unsigned max_polls_per_token; /* 0 = no cap */
	unsigned max_polls_per_org;   /* 0 = no cap */
	const char *tls_cert; /* PEM text (not a path), or NULL for plain HTTP */
	const char *tls_key;
	/* PEM text of the CA(s) that issue client certificates, or NULL: then
	 * no certificate is asked for. With it every TLS client is asked for
	 * one and each request carries the verdict (tls_peer.h); with
	 * tls_client_required too, a handshake without one fails. */
	const char *tls_client_ca;
	bool tls_client_required;
	void (*log)(void *ud, const char *line); /* one access-log line, no newline */
	void *log_ud;
};

struct yg_server;

/* Whether this libmicrohttpd was built with TLS. */
int yg_server_tls_available(void);

/* Starts serving hub h (borrowed; outlives the server). -EADDRINUSE,
 * -EINVAL (bad listen address), -ENOTSUP (TLS wanted but not built in). */
int yg_server_start(const struct yg_server_config *cfg, struct yg_hub *h,
		    struct yg_server **ret);

/* The connections kept from long-polls out of max_conns: a sixteenth, at
 * least 32, at most half. Long-polls of sensors and readers may use
 * max_conns minus this, those of admins and analysts max_conns minus half
 * of it. */
unsigned yg_server_reserve(unsigned max_conns);

/* Counters of the guard (connections, pending, parked polls, refusals). */
void yg_server_stats(struct yg_server *s, struct yg_guard_stats *ret);

/* The bound port (useful with port 0). */
uint16_t yg_server_port(const struct yg_server *s);

/* Stops accepting, waits up to grace_ms for requests in flight to finish,
 * then stops the daemon and frees s (NULL is fine). */
void yg_server_stop(struct yg_server *s, unsigned grace_ms);

#endif
