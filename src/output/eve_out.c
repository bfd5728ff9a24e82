/*
 * EVE to a Unix socket or to syslog, off the packet path (see eve_out.h).
 *
 * Why a queue of chunks and a thread: a reader that stops reading (a
 * stalled SIEM shipper, a full syslog daemon) must cost lines, never
 * packets. The sink already hands over whole lines in chunks of ~64 KiB,
 * so the queue keeps those chunks as they are (one copy, one allocation
 * each) and the bound is on bytes. The thread owns the socket; only the
 * queue and the counters are shared, under one short lock.
 *
 * Syslog (RFC 5424 section 6):
 *   <PRI>1 TIMESTAMP HOSTNAME yagura PROCID eve - MSG
 *   PRI = facility * 8 + 6 (informational), TIMESTAMP the time of sending
 *   in UTC with microseconds, MSG the EVE line without its newline.
 * sent as one datagram to the local syslog socket, as syslog(3) does,
 * which rsyslog and syslog-ng both read.
 */
#include "output/eve_out.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "output/eve.h"
#include <unistd.h>

#define QUEUE_DEFAULT (16u << 20)
#define RECONNECT_NS  500000000ll
#define DRAIN_NS      2000000000ll
#define TYPE_NAME_MAX 32

struct chunk {
	struct chunk *next;
	size_t n;
	char data[];
};

struct yg_eve_out {
	enum yg_eve_out_kind kind;
	int facility;
	size_t queue_max;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned n_types;
	char types[YG_EVE_OUT_TYPES_MAX][TYPE_NAME_MAX];
	char host[256];
	int pid;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct chunk *head, *tail;
	size_t queued;
	bool stop;
	struct timespec deadline; /* with stop: when waiting for the reader ends */
	struct yg_eve_out_stats st;
	pthread_t tid;

	/* The thread's own. */
	int fd;
	long long last_try_ns;
};

static long long now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (long long)t.tv_sec * 1000000000ll + t.tv_nsec;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t k = 0;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))); q++)
		k++;
	return k;
}

const char *yg_eve_out_kind_name(enum yg_eve_out_kind k)
{
	switch (k) {
	case YG_EVE_OUT_UNIX_STREAM:
		return "unix_stream";
	case YG_EVE_OUT_UNIX_DGRAM:
		return "unix_dgram";
	case YG_EVE_OUT_SYSLOG:
		return "syslog";
	}
	return "unknown";
}

enum yg_eve_out_kind yg_eve_out_kind(const struct yg_eve_out *o)
{
	return o->kind;
}

int yg_eve_out_facility(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} f[] = {
	    {"kern", 0},      {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},
	    {"syslog", 5},    {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},
	    {"authpriv", 10}, {"ftp", 11},    {"local0", 16}, {"local1", 17}, {"local2", 18},
	    {"local3", 19},   {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
	};
	for (size_t i = 0; name && i < sizeof f / sizeof f[0]; i++)
		if (!strcmp(name, f[i].name))
			return f[i].code;
	return -1;
}

static void disconnect(struct yg_eve_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

/* Connects when not connected, at most once per RECONNECT_NS. */
static bool connected(struct yg_eve_out *o)
{
	if (o->fd >= 0)
		return true;
	long long t = now_ns(CLOCK_MONOTONIC);
	if (o->last_try_ns && t - o->last_try_ns < RECONNECT_NS)
		return false;
	o->last_try_ns = t;
	int type = o->kind == YG_EVE_OUT_UNIX_STREAM ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path, o->path, sizeof a.sun_path);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return false;
	}
	o->fd = fd;
	pthread_mutex_lock(&o->lock);
	o->st.reconnects++;
	pthread_mutex_unlock(&o->lock);
	return true;
}

static bool wanted(const struct yg_eve_out *o, const char *line, size_t n)
{
	if (!o->n_types)
		return true;
	const char *v;
	size_t vl;
	if (!yg_eve_line_type(line, n, &v, &vl))
		return false;
	for (unsigned i = 0; i < o->n_types; i++)
		if (strlen(o->types[i]) == vl && !memcmp(o->types[i], v, vl))
			return true;
	return false;
}

static bool stopping_late(struct yg_eve_out *o);

/* Waits for room to send; false once the drain deadline at exit passed
 * (a reader that stopped reading must not hold the sensor's exit). */
static bool wait_room(struct yg_eve_out *o)
{
	struct pollfd pfd = {.fd = o->fd, .events = POLLOUT};
	while (!stopping_late(o)) {
		int r = poll(&pfd, 1, 100);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/* Sends all of p[0..n) on a stream; false when the reader went away. */
static bool send_all(struct yg_eve_out *o, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(o->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!wait_room(o))
				return false;
			continue;
		}
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static bool send_line(struct yg_eve_out *o, const char *line, size_t n)
{
	if (o->kind == YG_EVE_OUT_UNIX_STREAM)
		return send_all(o, line, n + 1);
	struct iovec iov[2];
	int niov = 0;
	char hdr[400];
	if (o->kind == YG_EVE_OUT_SYSLOG) {
		struct timespec t;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &t);
		gmtime_r(&t.tv_sec, &tm);
		char ts[32];
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		int h = snprintf(hdr, sizeof hdr, "<%d>1 %s.%06ldZ %s yagura %d eve - ",
		                 o->facility * 8 + 6, ts, t.tv_nsec / 1000, o->host, o->pid);
		if (h < 0 || (size_t)h >= sizeof hdr)
			return false;
		iov[niov++] = (struct iovec){hdr, (size_t)h};
	}
	iov[niov++] = (struct iovec){(void *)line, n};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)niov};
	ssize_t k;
	for (;;) {
		k = sendmsg(o->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_room(o))
			continue;
		break;
	}
	if (k < 0 && errno != EMSGSIZE && errno != ENOBUFS)
		disconnect(o); /* the listener went away: connect again later */
	return k >= 0;
}

static void count(struct yg_eve_out *o, uint64_t lines, uint64_t bytes, uint64_t dropped)
{
	pthread_mutex_lock(&o->lock);
	o->st.lines += lines;
	o->st.bytes += bytes;
	o->st.dropped += dropped;
	pthread_mutex_unlock(&o->lock);
}

static bool stopping_late(struct yg_eve_out *o)
{
	pthread_mutex_lock(&o->lock);
	bool late =
	    o->stop && now_ns(CLOCK_REALTIME) >=
	                   (long long)o->deadline.tv_sec * 1000000000ll + o->deadline.tv_nsec;
	pthread_mutex_unlock(&o->lock);
	return late;
}

/* Writes one chunk's lines. A stream waits for its reader (until the
 * drain deadline at exit); datagrams to no listener are dropped. */
static void write_chunk(struct yg_eve_out *o, const struct chunk *c)
{
	uint64_t lines = 0, bytes = 0, dropped = 0;
	const char *p = c->data, *end = c->data + c->n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		size_t n = (size_t)(nl - p);
		if (wanted(o, p, n)) {
			bool ok = false;
			for (;;) {
				if (connected(o)) {
					ok = send_line(o, p, n);
					if (ok || o->kind != YG_EVE_OUT_UNIX_STREAM)
						break;
					disconnect(o); /* the line is lost with the reader */
					break;
				}
				if (o->kind != YG_EVE_OUT_UNIX_STREAM || stopping_late(o))
					break;
				struct timespec s = {0, 50000000};
				nanosleep(&s, NULL);
			}
			if (ok) {
				lines++;
				bytes += n + 1;
			} else {
				dropped++;
			}
		}
		p = nl + 1;
	}
	count(o, lines, bytes, dropped);
}

static void *run(void *arg)
{
	struct yg_eve_out *o = arg;
	for (;;) {
		pthread_mutex_lock(&o->lock);
		while (!o->head && !o->stop)
			pthread_cond_wait(&o->cond, &o->lock);
		struct chunk *c = o->head;
		if (c) {
			o->head = c->next;
			if (!o->head)
				o->tail = NULL;
			o->queued -= c->n;
		}
		pthread_mutex_unlock(&o->lock);
		if (!c)
			break;
		if (stopping_late(o))
			count(o, 0, 0, count_lines(c->data, c->n));
		else
			write_chunk(o, c);
		free(c);
	}
	disconnect(o);
	return NULL;
}

int yg_eve_out_new(const struct yg_eve_out_config *cfg, struct yg_eve_out **ret)
{
	if (!cfg || !cfg->path || !ret || cfg->n_types > YG_EVE_OUT_TYPES_MAX)
		return -EINVAL;
	struct yg_eve_out *o = calloc(1, sizeof *o);
	if (!o)
		return -ENOMEM;
	if (strlen(cfg->path) >= sizeof o->path) {
		free(o);
		return -EINVAL;
	}
	memcpy(o->path, cfg->path, strlen(cfg->path) + 1); /* length checked above */
	for (unsigned i = 0; i < cfg->n_types; i++) {
		if (!cfg->types[i] || strlen(cfg->types[i]) >= TYPE_NAME_MAX) {
			free(o);
			return -EINVAL;
		}
		snprintf(o->types[i], TYPE_NAME_MAX, "%s", cfg->types[i]);
	}
	o->n_types = cfg->n_types;
	o->kind = cfg->kind;
	o->facility = cfg->facility;
	o->queue_max = cfg->queue_max ? cfg->queue_max : QUEUE_DEFAULT;
	o->fd = -1;
	o->pid = (int)getpid();
	if (gethostname(o->host, sizeof o->host - 1) < 0 || !o->host[0])
		snprintf(o->host, sizeof o->host, "-");
	for (char *h = o->host; *h; h++) /* RFC 5424 HOSTNAME: PRINTUSASCII, no space */
		if (*h <= ' ' || *h > '~')
			*h = '-';
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	int r = pthread_create(&o->tid, NULL, run, o);
	if (r) {
		pthread_cond_destroy(&o->cond);
		pthread_mutex_destroy(&o->lock);
		free(o);
		return -r;
	}
	*ret = o;
	return 0;
}

void yg_eve_out_push(struct yg_eve_out *o, const char *p, size_t n)
{
	if (!o || !n)
		return;
	struct chunk *c = NULL;
	pthread_mutex_lock(&o->lock);
	bool room = o->queued + n <= o->queue_max;
	pthread_mutex_unlock(&o->lock);
	/* Allocated outside the lock. Pushes come one at a time (under the
	 * sink's lock) and the thread only ever shrinks the queue, so the
	 * room seen above is still there. */
	if (room)
		c = malloc(sizeof *c + n);
	if (!c) {
		uint64_t k = count_lines(p, n);
		pthread_mutex_lock(&o->lock);
		o->st.dropped += k;
		pthread_mutex_unlock(&o->lock);
		return;
	}
	c->next = NULL;
	c->n = n;
	memcpy(c->data, p, n);
	pthread_mutex_lock(&o->lock);
	if (o->tail)
		o->tail->next = c;
	else
		o->head = c;
	o->tail = c;
	o->queued += n;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

void yg_eve_out_stats(struct yg_eve_out *o, struct yg_eve_out_stats *ret)
{
	pthread_mutex_lock(&o->lock);
	*ret = o->st;
	pthread_mutex_unlock(&o->lock);
}

void yg_eve_out_free(struct yg_eve_out *o)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->lock);
	o->stop = true;
	clock_gettime(CLOCK_REALTIME, &o->deadline);
	o->deadline.tv_sec += DRAIN_NS / 1000000000ll;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->tid, NULL);
	pthread_cond_destroy(&o->cond);
	pthread_mutex_destroy(&o->lock);
	free(o);
}
