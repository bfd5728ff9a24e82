/*
 * Admission control for the hub's HTTP front (issue 19): which connections
 * come in, how long a request may take to arrive, and how many long-polls
 * may park, so that no client (with a token or without one) can take the
 * hub away from the others.
 *
 * A connection is "pending" while it owes the hub a request: from accept
 * until its request's headers and body are in, and again from the end of
 * one request until the next one is in (an idle keep-alive connection
 * owes its next request). A pending connection has a deadline; past it,
 * yg_guard_expire shuts its socket down, so a client that trickles a byte
 * now and then cannot hold a connection the way it holds one against an
 * idle timeout. A parked long-poll or a response being sent is not pending.
 *
 * Independent of the HTTP library: the server reports accepts, request
 * progress and closes; tests may drive it directly. Thread-safe (one
 * mutex). Times are microseconds of any monotonic clock.
 */
#ifndef YG_HUB_GUARD_H
#define YG_HUB_GUARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct yg_guard_config {
	unsigned max_conns;            /* the server's connection limit (> reserve) */
	unsigned reserve;              /* of those, kept for what is not a long-poll */
	unsigned max_pending_per_addr; /* pending connections per address (IPv6: per /64) */
	unsigned request_timeout_ms;   /* a request's headers, and its body (see _headers) */
	unsigned max_polls_per_token;  /* parked long-polls; 0 = no cap */
	unsigned max_polls_per_org;    /* 0 = no cap */
};

/* Which cap refused a long-poll. */
enum yg_guard_cap {
	YG_GUARD_CAP_NONE = 0,
	YG_GUARD_CAP_TOKEN,
	YG_GUARD_CAP_ORG,
	YG_GUARD_CAP_ALL, /* the hub-wide cap: max_conns - reserve */
};

struct yg_guard_stats {
	unsigned conns, pending, polls;
	uint64_t refused_conns; /* by yg_guard_admit */
	uint64_t expired;       /* shut down past their deadline */
	uint64_t refused_polls; /* by yg_guard_poll_take */
};

struct yg_guard;
struct yg_guard_conn;

/* -EINVAL when reserve >= max_conns or a limit is 0 where one is needed. */
int yg_guard_new(const struct yg_guard_config *cfg, struct yg_guard **ret);
void yg_guard_free(struct yg_guard *g);

/*
 * Whether to take a new connection from sa. An address may have at most
 * max_pending_per_addr pending connections; once the connections in use
 * reach max_conns - reserve, at most 4 (so the reserve serves /healthz,
 * an analyst or a sensor between two polls, not the few addresses that
 * are filling it).
 */
bool yg_guard_admit(struct yg_guard *g, const struct sockaddr *sa, socklen_t len);

/* A connection came in on fd (borrowed: the caller closes it only after
 * yg_guard_close). It is pending, with a deadline of now +
 * request_timeout. -ENOMEM. */
int yg_guard_open(struct yg_guard *g, const struct sockaddr *sa, socklen_t len, int fd,
                  int64_t now_us, struct yg_guard_conn **ret);

/* The connection is gone; c is freed. Call it before the socket is
 * closed: yg_guard_expire may shut the socket down until then. NULL is
 * fine. */
void yg_guard_close(struct yg_guard *g, struct yg_guard_conn *c);

/* The request's headers are in and announce body_len bytes of body: its
 * deadline becomes now + request_timeout + one second per 256 KiB of body. */
void yg_guard_headers(struct yg_guard *g, struct yg_guard_conn *c, uint64_t body_len,
                      int64_t now_us);

/* The whole request is in: no longer pending. */
void yg_guard_received(struct yg_guard *g, struct yg_guard_conn *c);

/* The request was answered: the connection owes the next one (pending
 * again, deadline now + request_timeout). */
void yg_guard_idle(struct yg_guard *g, struct yg_guard_conn *c, int64_t now_us);

/* Shuts down (SHUT_RDWR) the sockets of pending connections past their
 * deadline; the server then sees them end and closes them. Returns how
 * many. */
unsigned yg_guard_expire(struct yg_guard *g, int64_t now_us);

/*
 * A long-poll wants to park: 0 and counted, or -EBUSY with the cap that
 * refused it in *ret_cap. privileged (admin and analyst tokens): not held
 * to the per-token and per-organization caps, and its hub-wide cap is
 * max_conns - reserve / 2. Each 0 is paired with one yg_guard_poll_put with
 * the same arguments.
 */
int yg_guard_poll_take(struct yg_guard *g, uint64_t token, int64_t org, bool privileged,
                       enum yg_guard_cap *ret_cap);
void yg_guard_poll_put(struct yg_guard *g, uint64_t token, int64_t org, bool privileged);

void yg_guard_stats(struct yg_guard *g, struct yg_guard_stats *ret);

#endif
