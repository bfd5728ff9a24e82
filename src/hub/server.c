/*
 * HTTP(S) front of the hub on libmicrohttpd (see server.h).
 *
 * A request arrives in several calls of on_request: the first with headers
 * only (we check Content-Length against the cap here and answer 413 at
 * once), then once per body chunk (appended up to the cap, dropped beyond
 * it), then a last call with no data, where the hub answers.
 * on_completed logs the request and frees its context.
 *
 * Many connections (issue 19). libmicrohttpd runs each worker as an epoll
 * loop, so a connection costs a descriptor and its memory pool, not a
 * thread; a parked long-poll is a suspended connection that no loop looks
 * at until the ticker resumes it. The connection limit is therefore set
 * far above the number of workers (server.h max_conns), and guard.h
 * decides who may use it: on_accept refuses an address with too many
 * connections that owe a request, on_connection and the request callbacks
 * tell the guard when a request is owed and when it is in, the ticker
 * shuts down connections past their deadline, and park() asks the guard
 * before a long-poll parks (429 with Retry-After beyond a cap).
 *
 * Event streams (GET /api/v1/events, Server-Sent Events). A stream is a
 * response of unknown length whose content reader copies out the events
 * the broadcaster (events.h) holds past the stream's cursor; when there
 * are none it suspends the connection and returns 0, so an idle stream
 * costs a descriptor and a little memory, no thread and no polling. The
 * ticker resumes it when a newer event exists, every HEARTBEAT_US (a
 * comment line, which also finds clients that went away: a suspended
 * socket is not read) and when the server stops (the stream then ends).
 * A stream takes a long-poll place from the guard for its whole life, so
 * the per-token, per-organization and hub-wide caps and the reserve hold
 * for streams too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "hub/buf.h"
#include "hub/events.h"
#include "hub/guard.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/server.h"
#include "hub/tls_peer.h"

struct yg_server {
	struct MHD_Daemon *d;
	struct yg_hub *hub;
	struct yg_server_config cfg;
	struct yg_guard *guard;
	atomic_int inflight;
	uint16_t port;
	bool tls;
	bool client_ca; /* TLS clients are asked for a certificate (tls_peer.h) */
	/* Parked long-polls (hub.h hold_until_us) and the ticker that wakes
	 * them: on a commit anywhere, every five seconds, at their deadline. */
	pthread_mutex_t wlock;
	struct reqctx *waiters;
	pthread_t ticker;
	bool ticker_started;
	atomic_bool stopping;
	atomic_bool ticker_stop;
	struct stream *streams; /* event streams, under wlock */
};

/* One event stream (see the top of this file); freed with its response. */
struct stream {
	struct yg_server *s;
	struct MHD_Connection *conn;
	uint64_t cursor;
	int64_t org;
	enum yg_role role;
	char *pending; /* bytes not yet handed to MHD */
	size_t plen, poff;
	bool suspended;
	int64_t last_write_us;
	struct stream *next, *prev;
};

struct reqctx {
	int64_t start_us;
	char *body;
	size_t len, cap;
	bool too_big;
	uint64_t discarded;
	bool answered;
	int status;
	size_t bytes;
	int64_t org_id;
	char org_name[YG_STORE_NAME_MAX + 1];
	char method[16];
	char path[512];
	struct MHD_Connection *conn; /* while parked */
	int fd;                      /* its socket, while parked */
	bool peer_gone;              /* the client closed while parked */
	int64_t hold_until_us;       /* 0 until the hub first held it */
	uint64_t hold_gen;
	int64_t parked_us;
	struct reqctx *wnext, *wprev;
	bool keep_alive; /* the connection stays open for another request */
	/* A parked long-poll counted by the guard until the request ends. */
	bool poll_taken, poll_priv;
	struct stream *stream; /* an event stream, freed in on_completed */
	uint64_t poll_token;
	int64_t poll_org;
};

/* Deadlines of the guard run on a monotonic clock: a wall clock set back
 * would keep a half-sent request alive. */
static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct yg_guard_conn *conn_guard(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct yg_server *s = cls;
	/* A stopping server takes no new connection: this is how it stops
	 * listening, since MHD_quiesce_daemon on an epoll daemon with its own
	 * threads races the workers' own removal of the listen socket from
	 * their epoll sets and can abort the process (an open libmicrohttpd
	 * defect: "Failed to remove listen FD from epoll set"). */
	if (atomic_load(&s->stopping))
		return MHD_NO;
	return yg_guard_admit(s->guard, addr, addrlen) ? MHD_YES : MHD_NO;
}

/* libmicrohttpd notifies CLOSED before it closes the socket (daemon.c,
 * MHD_cleanup_connections in 0.9.75), which yg_guard_expire relies on. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct yg_server *s = cls;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		yg_guard_close(s->guard, *socket_context);
		*socket_context = NULL;
		return;
	}
	/* STARTED comes before the TLS handshake (libmicrohttpd 0.9.75 makes
	 * the session, with GNUTLS_CERT_REQUEST, then notifies), so the
	 * request can still become a requirement. */
	if (s->client_ca && s->cfg.tls_client_required) {
		const union MHD_ConnectionInfo *tls =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		yg_tls_peer_require(tls ? tls->tls_session : NULL);
	}
	const union MHD_ConnectionInfo *fd =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *addr =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct yg_guard_conn *gc = NULL;
	/* Without memory for its record the connection is served, untracked. */
	if (fd && addr && addr->client_addr)
		(void)yg_guard_open(s->guard, addr->client_addr,
				    addr->client_addr->sa_family == AF_INET6
					? (socklen_t)sizeof(struct sockaddr_in6)
					: (socklen_t)sizeof(struct sockaddr_in),
				    fd->connect_fd, mono_us(), &gc);
	*socket_context = gc;
}

int yg_server_tls_available(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon;
	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host)
			return -EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof *v6;
	} else {
		return -EINVAL;
	}
	return 0;
}

static enum MHD_Result queue(struct yg_server *s, struct MHD_Connection *c, struct reqctx *rc,
			       struct yg_resp *r)
{
	/* The body is never copied. A cached answer that is also in a file
	 * goes out with sendfile on plain HTTP, as a static file server sends
	 * its files (MHD closes its own duplicate of the descriptor); other
	 * lent bodies go back to their owner when MHD is done with them. */
	struct MHD_Response *resp = NULL;
	size_t len = r->len;
	int fd = !s->tls && r->body_in_fd ? fcntl(r->body_fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (fd >= 0) {
		resp = MHD_create_response_from_fd64(r->len, fd);
		if (!resp)
			close(fd);
		else
			yg_resp_release(r);
	}
	if (!resp)
		resp = r->body_free ? MHD_create_response_from_buffer_with_free_callback_cls(
					      r->len, r->body, r->body_free, r->body_cls)
				    : MHD_create_response_from_buffer(r->len, r->body,
								      MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		yg_resp_release(r);
		return MHD_NO;
	}
	r->body = NULL; /* owned by the response now */
	r->body_free = NULL;
	r->body_cls = NULL;
	r->body_in_fd = false;
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (size_t i = 0; i < r->n_hdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	rc->status = r->status;
	rc->bytes = len;
	rc->org_id = r->org_id;
	memcpy(rc->org_name, r->org_name, sizeof rc->org_name);
	rc->answered = true;
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result too_large(struct yg_server *s, struct MHD_Connection *c, struct reqctx *rc,
				   size_t max)
{
	struct yg_resp r = {0};
	char msg[96];
	snprintf(msg, sizeof msg, "request bodies are limited to %zu bytes", max);
	json_t *j = json_pack("{s:s, s:s, s:s}", "title", "request entity too large",
			      "http_status", "413", "description", msg);
	r.body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!r.body)
		return MHD_NO;
	r.len = strlen(r.body);
	r.status = 413;
	r.content_type = "application/taxii+json;version=2.1";
	free(rc->body);
	rc->body = NULL;
	rc->len = rc->cap = 0;
	return queue(s, c, rc, &r);
}

/* A long-poll beyond a cap of guard.h: 429 with Retry-After, spread over
 * a few seconds so that refused pollers do not all come back at once. */
static enum MHD_Result too_many_polls(struct yg_server *s, struct MHD_Connection *c,
				      struct reqctx *rc, const struct yg_resp *held,
				      enum yg_guard_cap cap)
{
	static atomic_uint spread;
	struct yg_resp r = {0};
	char after[16];
	const char *why = cap == YG_GUARD_CAP_TOKEN ? "this token has too many long-polls waiting"
			  : cap == YG_GUARD_CAP_ORG ? "this organization has too many long-polls waiting"
						    : "the hub has too many long-polls waiting";
	yg_resp_error(&r, 429, "too many requests", why);
	r.content_type = YG_REST_MEDIA;
	snprintf(after, sizeof after, "%u", 5 + atomic_fetch_add(&spread, 1) % 10);
	yg_resp_header(&r, "Retry-After", after);
	yg_resp_header(&r, "Cache-Control", "no-store");
	r.org_id = held->org_id; /* for the log: who was refused */
	memcpy(r.org_name, held->org_name, sizeof r.org_name);
	if (!r.body)
		return MHD_NO;
	return queue(s, c, rc, &r);
}

struct arg_collect {
	struct yg_req *req;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct yg_req *req = cls;
	if (req->n_args >= YG_HUB_MAX_ARGS) {
		req->args_overflow = true;
		return MHD_NO;
	}
	req->args[req->n_args].key = key;
	req->args[req->n_args].value = value ? value : "";
	req->n_args++;
	return MHD_YES;
}

#define TICK_US   50000
#define RECHECK_US 5000000 /* time alone expires and decays indicators */
#define HEARTBEAT_US 15000000
#define STREAM_BLOCK 16384

static void unpark(struct yg_server *s, struct reqctx *rc)
{
	if (rc->wprev)
		rc->wprev->wnext = rc->wnext;
	else
		s->waiters = rc->wnext;
	if (rc->wnext)
		rc->wnext->wprev = rc->wprev;
	rc->wnext = rc->wprev = NULL;
	MHD_resume_connection(rc->conn);
}

/* Suspends the connection until the ticker resumes it; false when the
 * server is stopping (then the request is answered at once). */
static bool park(struct yg_server *s, struct MHD_Connection *c, struct reqctx *rc,
		 const struct yg_resp *r)
{
	pthread_mutex_lock(&s->wlock);
	if (atomic_load(&s->stopping)) {
		pthread_mutex_unlock(&s->wlock);
		return false;
	}
	const union MHD_ConnectionInfo *fd =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	rc->conn = c;
	rc->fd = fd ? fd->connect_fd : -1;
	rc->hold_until_us = r->hold_until_us;
	rc->hold_gen = r->hold_gen;
	rc->parked_us = yg_now_us();
	rc->wprev = NULL;
	rc->wnext = s->waiters;
	if (s->waiters)
		s->waiters->wprev = rc;
	s->waiters = rc;
	MHD_suspend_connection(c);
	pthread_mutex_unlock(&s->wlock);
	return true;
}

static void *ticker(void *arg)
{
	struct yg_server *s = arg;
	while (!atomic_load(&s->ticker_stop)) {
		usleep(TICK_US);
		uint64_t gen = 0;
		bool gen_ok = yg_hub_feed_generation(s->hub, &gen) == 0;
		int64_t now = yg_now_us();
		bool all = atomic_load(&s->stopping);
		pthread_mutex_lock(&s->wlock);
		for (struct reqctx *rc = s->waiters, *next; rc; rc = next) {
			next = rc->wnext;
			bool recheck = now - rc->parked_us >= RECHECK_US;
			if (!(all || !gen_ok || gen != rc->hold_gen || now >= rc->hold_until_us ||
			      recheck))
				continue;
			/* A suspended connection is not read, so a client that went
			 * away would hold its long-poll place until the wait ends;
			 * at each recheck a peek (the socket stays open while the
			 * connection is suspended) lets it be answered at once. */
			char b;
			ssize_t n = recheck && rc->fd >= 0
					? recv(rc->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT)
					: 1;
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
				rc->peer_gone = true;
			unpark(s, rc);
		}
		uint64_t last = yg_hub_events_last(s->hub);
		for (struct stream *st = s->streams; st; st = st->next)
			if (st->suspended && (all || last > st->cursor ||
					      now - st->last_write_us >= HEARTBEAT_US)) {
				st->suspended = false;
				MHD_resume_connection(st->conn);
			}
		pthread_mutex_unlock(&s->wlock);
		yg_guard_expire(s->guard, mono_us());
	}
	return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct stream *st = cls;
	struct yg_server *s = st->s;
	if (st->poff == st->plen) {
		free(st->pending);
		st->pending = NULL;
		st->plen = st->poff = 0;
		struct yg_buf b;
		yg_buf_init(&b, (size_t)YG_EVENTS_DATA_MAX * 2);
		yg_hub_events_read(s->hub, &st->cursor, st->org, st->role, &b, max);
		if (!b.len && yg_now_us() - st->last_write_us >= HEARTBEAT_US)
			yg_buf_adds(&b, ": keep-alive\n\n");
		if (b.len)
			st->pending = yg_buf_take(&b, &st->plen);
		else
			yg_buf_release(&b);
		if (!st->pending)
			st->plen = 0;
	}
	if (st->poff < st->plen) {
		size_t n = st->plen - st->poff < max ? st->plen - st->poff : max;
		memcpy(buf, st->pending + st->poff, n);
		st->poff += n;
		st->last_write_us = yg_now_us();
		return (ssize_t)n;
	}
	pthread_mutex_lock(&s->wlock);
	if (atomic_load(&s->stopping)) {
		pthread_mutex_unlock(&s->wlock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* An event published since the read above is seen by the ticker,
	 * which resumes the stream at its next tick. */
	st->suspended = true;
	MHD_suspend_connection(st->conn);
	pthread_mutex_unlock(&s->wlock);
	return 0;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;
	struct yg_server *s = st->s;
	pthread_mutex_lock(&s->wlock);
	if (st->prev)
		st->prev->next = st->next;
	else
		s->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	pthread_mutex_unlock(&s->wlock);
	free(st->pending);
	free(st);
}

static void resume_streams(struct yg_server *s)
{
	for (struct stream *st = s->streams; st; st = st->next)
		if (st->suspended) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
		}
}

/* Answers with an event stream: r->body is its first bytes. */
static enum MHD_Result stream_start(struct yg_server *s, struct MHD_Connection *c,
				    struct reqctx *rc, struct yg_resp *r)
{
	if (!rc->poll_taken) {
		bool priv = r->role == YG_ROLE_ADMIN || r->role == YG_ROLE_ANALYST;
		enum yg_guard_cap cap;
		if (yg_guard_poll_take(s->guard, r->token_key, r->org_id, priv, &cap) < 0) {
			struct yg_resp held = *r;
			held.body = NULL;
			yg_resp_release(r);
			return cap == YG_GUARD_CAP_NONE ? MHD_NO : too_many_polls(s, c, rc, &held, cap);
		}
		rc->poll_taken = true;
		rc->poll_priv = priv;
		rc->poll_token = r->token_key;
		rc->poll_org = r->org_id;
	}
	struct stream *st = calloc(1, sizeof *st);
	if (!st) {
		yg_resp_release(r);
		return MHD_NO;
	}
	st->s = s;
	st->conn = c;
	st->cursor = r->stream_cursor;
	st->org = r->org_id;
	st->role = r->role;
	st->pending = r->body; /* handed over (a malloc'ed body) */
	st->plen = r->len;
	st->last_write_us = yg_now_us();
	r->body = NULL;
	r->len = 0;
	struct MHD_Response *mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
								    stream_read, st, NULL);
	if (!mr) {
		free(st->pending);
		free(st);
		return MHD_NO;
	}
	if (r->content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (size_t i = 0; i < r->n_hdr; i++)
		MHD_add_response_header(mr, r->hdr_name[i], r->hdr_value[i]);
	pthread_mutex_lock(&s->wlock);
	st->next = s->streams;
	if (s->streams)
		s->streams->prev = st;
	s->streams = st;
	pthread_mutex_unlock(&s->wlock);
	/* Heartbeats find dead peers; an idle timeout would cut quiet streams. */
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
	rc->status = r->status;
	rc->org_id = r->org_id;
	memcpy(rc->org_name, r->org_name, sizeof rc->org_name);
	rc->answered = true;
	rc->stream = st;
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct yg_server *s = cls;
	struct reqctx *rc = *con_cls;
	if (!rc) {
		rc = calloc(1, sizeof *rc);
		if (!rc)
			return MHD_NO;
		rc->start_us = yg_now_us();
		snprintf(rc->method, sizeof rc->method, "%s", method);
		snprintf(rc->path, sizeof rc->path, "%s", url);
		*con_cls = rc;
		atomic_fetch_add(&s->inflight, 1);
		const char *conn_hdr =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONNECTION);
		rc->keep_alive = !strcmp(version, MHD_HTTP_VERSION_1_1) &&
				 !(conn_hdr && strcasestr(conn_hdr, "close"));
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		unsigned long long n = 0;
		if (cl) {
			char *end;
			errno = 0;
			n = strtoull(cl, &end, 10);
			if (errno || *end || n > s->cfg.max_body) {
				rc->too_big = true;
				return too_large(s, c, rc, s->cfg.max_body);
			}
		}
		yg_guard_headers(s->guard, conn_guard(c), n, mono_us());
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		/* Past the cap the body is read and dropped, so the client (still
		 * sending) gets to read the 413; a sender that goes on beyond four
		 * times the cap is cut off with it. */
		if (rc->too_big) {
			rc->discarded += n;
			if (!rc->answered && rc->discarded > 4 * (uint64_t)s->cfg.max_body)
				return too_large(s, c, rc, s->cfg.max_body);
			return MHD_YES;
		}
		if (n > s->cfg.max_body - rc->len) {
			rc->too_big = true;
			rc->discarded = rc->len + n;
			free(rc->body);
			rc->body = NULL;
			rc->len = rc->cap = 0;
			return MHD_YES;
		}
		if (rc->len + n + 1 > rc->cap) {
			size_t cap = rc->cap ? rc->cap : 4096;
			while (cap < rc->len + n + 1)
				cap *= 2;
			char *p = realloc(rc->body, cap);
			if (!p)
				return MHD_NO;
			rc->body = p;
			rc->cap = cap;
		}
		memcpy(rc->body + rc->len, upload_data, n);
		rc->len += n;
		rc->body[rc->len] = '\0';
		return MHD_YES;
	}
	/* The whole request is in (also when a parked one comes back). */
	yg_guard_received(s->guard, conn_guard(c));
	if (rc->answered)
		return MHD_YES;
	if (rc->too_big)
		return too_large(s, c, rc, s->cfg.max_body);
	struct yg_req req = {
		.method = method,
		.path = url,
		.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
		.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_CONTENT_TYPE),
		.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_AUTHORIZATION),
		.anonymous = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Yagura-Anonymous"),
		.share_with = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Yagura-Share-With"),
		.yagura_hub = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Yagura-Hub"),
		.if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_IF_NONE_MATCH),
		.last_event_id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID"),
		.cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
		.csrf_token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token"),
		.sec_fetch_mode = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Mode"),
		.client = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Yagura-Client"),
		.tls = s->tls,
		.body = rc->body,
		.body_len = rc->len,
	};
	if (s->client_ca) {
		const union MHD_ConnectionInfo *tls =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		req.client_cert =
		    yg_tls_peer_check(tls ? tls->tls_session : NULL, req.client_cert_fp);
	}
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &req);
	req.wait_deadline_us = rc->hold_until_us;
	req.no_wait = atomic_load(&s->stopping) || rc->peer_gone;
	struct yg_resp resp = {0};
	for (;;) {
		if (yg_hub_handle(s->hub, &req, &resp) < 0) {
			yg_resp_release(&resp);
			return MHD_NO;
		}
		if (!resp.hold_until_us)
			break;
		yg_resp_release(&resp);
		if (!rc->poll_taken && !atomic_load(&s->stopping)) {
			bool priv = resp.role == YG_ROLE_ADMIN || resp.role == YG_ROLE_ANALYST;
			enum yg_guard_cap cap;
			if (yg_guard_poll_take(s->guard, resp.token_key, resp.org_id, priv, &cap) < 0)
				return cap == YG_GUARD_CAP_NONE ? MHD_NO
								: too_many_polls(s, c, rc, &resp, cap);
			rc->poll_taken = true;
			rc->poll_priv = priv;
			rc->poll_token = resp.token_key;
			rc->poll_org = resp.org_id;
		}
		if (park(s, c, rc, &resp))
			return MHD_YES;
		req.no_wait = true;
		resp = (struct yg_resp){0};
	}
	if (resp.stream && !atomic_load(&s->stopping))
		return stream_start(s, c, rc, &resp);
	return queue(s, c, rc, &resp);
}

/* One JSON line per request: written by hand, since building it with
 * jansson cost more than serving a cached page. Strings are escaped by
 * yg_buf_add_json_string (always valid JSON, whatever the client sent). */
static void log_request(struct yg_server *s, const struct reqctx *rc, int status, int64_t dur,
			bool completed)
{
	char t[YG_TIME_US_LEN + 1], num[96];
	struct yg_buf b;
	yg_buf_init(&b, 8192);
	if (yg_time_format_us(rc->start_us, t) < 0)
		return;
	yg_buf_adds(&b, "{\"time\":");
	yg_buf_add_json_string(&b, t);
	yg_buf_adds(&b, ",\"method\":");
	yg_buf_add_json_string(&b, rc->method);
	yg_buf_adds(&b, ",\"path\":");
	yg_buf_add_json_string(&b, rc->path);
	if (dur < 0)
		dur = 0;
	snprintf(num, sizeof num,
		 ",\"status\":%d,\"bytes\":%zu,\"duration_ms\":%lld.%03lld,\"completed\":%s", status,
		 rc->bytes, (long long)(dur / 1000), (long long)(dur % 1000),
		 completed ? "true" : "false");
	yg_buf_adds(&b, num);
	if (rc->org_id) {
		yg_buf_adds(&b, ",\"org\":");
		yg_buf_add_json_string(&b, rc->org_name);
	}
	yg_buf_adds(&b, "}");
	char *line = yg_buf_take(&b, NULL);
	if (line)
		s->cfg.log(s->cfg.log_ud, line);
	free(line);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct yg_server *s = cls;
	struct reqctx *rc = *con_cls;
	if (!rc)
		return;
	/* A kept-alive connection now owes its next request; one that closes
	 * is left out of its address's count at once. */
	if (rc->keep_alive && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		yg_guard_idle(s->guard, conn_guard(c), mono_us());
	*con_cls = NULL;
	if (rc->poll_taken)
		yg_guard_poll_put(s->guard, rc->poll_token, rc->poll_org, rc->poll_priv);
	if (rc->stream)
		stream_free(rc->stream);
	int64_t dur = yg_now_us() - rc->start_us;
	int status = rc->answered ? rc->status : 0;
	yg_hub_observe(s->hub, status, dur);
	if (s->cfg.log)
		log_request(s, rc, status, dur, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	free(rc->body);
	free(rc);
	atomic_fetch_sub(&s->inflight, 1);
}

void yg_server_stats(struct yg_server *s, struct yg_guard_stats *ret)
{
	yg_guard_stats(s->guard, ret);
}

static void front_stats(void *ud, struct yg_guard_stats *ret)
{
	yg_server_stats(ud, ret);
}

int yg_server_start(const struct yg_server_config *cfg, struct yg_hub *h,
		    struct yg_server **ret)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	if (parse_listen(cfg->listen, &ss, &slen) < 0)
		return -EINVAL;
	bool tls = cfg->tls_cert && cfg->tls_key;
	if (tls && !yg_server_tls_available())
		return -ENOTSUP;
	struct yg_server *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->hub = h;
	s->cfg = *cfg;
	s->tls = tls;
	s->client_ca = tls && cfg->tls_client_ca;
	if (!tls && cfg->tls_client_ca) {
		free(s);
		return -EINVAL;
	}
	if (!s->cfg.max_body)
		s->cfg.max_body = YG_HUB_MAX_BODY_DEFAULT;
	if (!s->cfg.max_conns)
		s->cfg.max_conns = YG_SERVER_MAX_CONNS_DEFAULT;
	if (!s->cfg.max_pending_per_addr)
		s->cfg.max_pending_per_addr = YG_SERVER_PENDING_PER_ADDR_DEFAULT;
	if (!s->cfg.request_timeout_ms)
		s->cfg.request_timeout_ms = YG_SERVER_REQUEST_TIMEOUT_MS_DEFAULT;
	struct yg_guard_config gcfg = {
		.max_conns = s->cfg.max_conns,
		.reserve = yg_server_reserve(s->cfg.max_conns),
		.max_pending_per_addr = s->cfg.max_pending_per_addr,
		.request_timeout_ms = s->cfg.request_timeout_ms,
		.max_polls_per_token = s->cfg.max_polls_per_token,
		.max_polls_per_org = s->cfg.max_polls_per_org,
	};
	int r = yg_guard_new(&gcfg, &s->guard);
	if (r < 0) {
		free(s);
		return r;
	}
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls)
		flags |= MHD_USE_TLS;
	unsigned threads = cfg->threads ? cfg->threads : 1;
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_SOCK_ADDR, 0, &ss},
		{MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)(cfg->timeout_s ? cfg->timeout_s : 30),
		 NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
		/* Per connection, and zeroed by libmicrohttpd for every request
		 * (at 64 KiB that memset was a tenth of serving a cached page):
		 * 32 KiB holds any sane request head, e.g. a URL with 100 ids,
		 * 100 types and 100 versions. */
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->cfg.max_conns, NULL},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s},
		{tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cfg->tls_cert},
		{tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)cfg->tls_key},
		{s->client_ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0,
		 (void *)cfg->tls_client_ca},
		{MHD_OPTION_END, 0, NULL},
	};
	yg_hub_set_front(h, front_stats, s);
	s->d = MHD_start_daemon(flags, 0, on_accept, s, on_request, s, MHD_OPTION_ARRAY, opts,
				MHD_OPTION_END);
	if (!s->d) {
		yg_hub_set_front(h, NULL, NULL);
		yg_guard_free(s->guard);
		free(s);
		return -EADDRINUSE;
	}
	pthread_mutex_init(&s->wlock, NULL);
	if (pthread_create(&s->ticker, NULL, ticker, s) != 0) {
		MHD_stop_daemon(s->d);
		pthread_mutex_destroy(&s->wlock);
		yg_hub_set_front(h, NULL, NULL);
		yg_guard_free(s->guard);
		free(s);
		return -EAGAIN;
	}
	s->ticker_started = true;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*ret = s;
	return 0;
}

unsigned yg_server_reserve(unsigned max_conns)
{
	unsigned r = max_conns / 16;
	if (r < 32)
		r = 32;
	return r < max_conns / 2 ? r : max_conns / 2;
}

uint16_t yg_server_port(const struct yg_server *s)
{
	return s->port;
}

void yg_server_stop(struct yg_server *s, unsigned grace_ms)
{
	if (!s)
		return;
	/* Parked long-polls answer at once from now on (never hang a stop). */
	atomic_store(&s->stopping, true);
	pthread_mutex_lock(&s->wlock);
	while (s->waiters)
		unpark(s, s->waiters);
	resume_streams(s);
	pthread_mutex_unlock(&s->wlock);
	for (unsigned waited = 0; atomic_load(&s->inflight) > 0 && waited < grace_ms; waited += 10)
		usleep(10000);
	atomic_store(&s->ticker_stop, true);
	if (s->ticker_started)
		pthread_join(s->ticker, NULL);
	pthread_mutex_lock(&s->wlock);
	while (s->waiters)
		unpark(s, s->waiters);
	resume_streams(s);
	pthread_mutex_unlock(&s->wlock);
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->wlock);
	yg_hub_set_front(s->hub, NULL, NULL);
	yg_guard_free(s->guard);
	free(s);
}
