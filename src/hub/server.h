/*
 * The hub's HTTP(S) server on libmicrohttpd: a pool of worker threads each
 * with its own epoll loop, TLS (GnuTLS inside libmicrohttpd) when a
 * certificate is given, a request body cap checked while the body streams
 * in (413 beyond it, before reading it when Content-Length already says
 * so), an idle-connection timeout, and one JSON access-log line per
 * request handed to cfg.log (never the token, never the query string).
 */
#ifndef YG_HUB_SERVER_H
#define YG_HUB_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "hub/hub.h"

struct yg_server_config {
	const char *listen;   /* "127.0.0.1:8443", "[::1]:8443"; port 0 = any */
	unsigned threads;     /* worker threads (>= 1) */
	size_t max_body;      /* bytes */
	unsigned timeout_s;   /* idle connection timeout */
	const char *tls_cert; /* PEM text (not a path), or NULL for plain HTTP */
	const char *tls_key;
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

/* The bound port (useful with port 0). */
uint16_t yg_server_port(const struct yg_server *s);

/* Stops accepting, waits up to grace_ms for requests in flight to finish,
 * then stops the daemon and frees s (NULL is fine). */
void yg_server_stop(struct yg_server *s, unsigned grace_ms);

#endif
