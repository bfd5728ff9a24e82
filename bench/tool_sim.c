/*
 * Simulated sensors for bench/sim_sensors.py (issue 19, "National scale";
 * README, "Running at national scale"). One process, one epoll loop, many
 * sensors, so that at 10,000 sensors the hubs, not the simulator, are what
 * is measured. Each sensor does on the wire what `yagura sensor --hub` does:
 *
 *   HTTP set-ups:  a keep-alive long-poll
 *                    GET /api/v1/indicators/changes?since=C&wait=25
 *                  and sightings POSTed on a second keep-alive connection
 *                  (POST /api/v1/sightings, a bundle of --batch sightings);
 *   NATS set-ups:  one NATS connection (the text protocol: CONNECT with the
 *                  member's user, SUB yagura.changes, SUB on the member's
 *                  own reply inboxes) whose notices trigger a GET of the
 *                  feed with wait=0 (and every 25 s without one), and
 *                  sightings published on yagura.sightings.<org> with a
 *                  reply inbox: a batch counts once JetStream's PubAck
 *                  ({"stream":"YAGURA",...}) came back.
 *
 * The NATS protocol is spoken here directly rather than through libnats:
 * libnats runs a reader thread per connection, which at 10,000 connections
 * would make the simulator, not the hubs, the load we measure.
 *
 *   tool_sim CONFIG
 *
 * CONFIG is a text file written by sim_sensors.py, one directive a line:
 *   hub PORT                     (one per hub; sensor i uses hub i % n)
 *   nats PORT                    (absent: HTTP set-up)
 *   org ID TOKEN NATSUSER NATSPASS  (sensor i belongs to org i % n)
 *   indicator STIX-ID            (the time-to-protect indicators, in order)
 *   ingest STIX-ID               (what the sightings are of)
 *   sensors FIRST STEP COUNT     (sensor numbers FIRST, FIRST+STEP, ...)
 *   batch N   seconds S   window W
 *   beacons K                    (every K-th report of a sensor is a beacons
 *                                report, POST /api/v1/beacons or
 *                                yagura.beacons.<org>, in place of a sighting
 *                                batch; absent or 0: sightings only)
 *
 * stdin carries commands: "ingest T0" (epoch seconds: each sensor sends a
 * batch every second from T0 + a random offset below 1 s, for S seconds,
 * then retries what is left for up to 15 s) and "stop" (or EOF).
 * stdout carries results, one a line:
 *   r N               N sensors caught up with the feed (following it)
 *   t K SENSOR TS     sensor SENSOR first held indicator K at TS (epoch s)
 *   i ACKED FAILED UNACKED NATSERR BEACONS   ingestion over (sightings
 *                     acked, failed sends, sightings never acked, -ERR from
 *                     NATS, beacons reports acked)
 * Exit status 0, or 1 with a message on stderr (bad configuration).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HUBS 16
#define MAX_ORGS 256
#define MAX_INDS 4096
/* An answer larger than this is a hub bug here (a feed page is at most
 * 5,000 changes of a few hundred bytes). */
#define MAX_IN (8u << 20)

enum { C_FEED, C_POST, C_NATS };
enum { N_OFF, N_INFO, N_PONG, N_UP };

struct org {
        char *id, *token, *user, *pass;
};

struct conn {
        int fd;
        int kind;
        struct sensor *s;
        char *out;
        size_t olen, ooff, ocap;
        char *in;
        size_t ilen, icap;
        bool busy;        /* a request (HTTP) is in flight */
        bool want_out;    /* EPOLLOUT registered */
        double deadline;  /* of the request in flight; 0 = none */
};

struct sensor {
        int idx;
        struct org *org;
        int port;
        struct conn feed, post, nats;
        char cursor[128];
        bool started, ready, notice;
        int nstate;            /* N_* */
        double feed_at;        /* next feed GET not before */
        double nats_at;        /* next NATS (re)connect not before */
        bool fetching;         /* NATS mode: GETs until !more */
        /* ingestion */
        double next_batch, retry_at;
        int pending;           /* batches due, not yet acked */
        bool inflight;
        char *body;
        size_t blen;
        char reply[96];
        double ack_deadline;
        long acked, failed;
        long made;             /* reports made */
        bool beacon;           /* the report in hand is a beacons report */
        long beacons_acked;
        uint8_t *have;
};

static struct {
        int ports[MAX_HUBS], nports;
        int nats_port;
        struct org orgs[MAX_ORGS];
        int norgs;
        char *inds[MAX_INDS];
        int ninds;
        char *ingest;
        int first, step, count;
        int batch, seconds, window, beacons;
} cfg = { .batch = 5, .seconds = 60, .window = 256 };

static int ep;
static struct sensor *sensors;
static int nready, nstarted, nready_said = -1;
static double t_ingest, t_end, t_grace;
static bool ingesting, ingest_said;
static long nats_errors;
static uint64_t rng[2];

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(void)
{
        /* xorshift128+: sighting ids only need to be unique, not secret. */
        uint64_t x = rng[0], y = rng[1];
        rng[0] = y;
        x ^= x << 23;
        rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
        return rng[1] + y;
}

static void uuid4(char out[37])
{
        uint64_t a = rnd(), b = rnd();
        a = (a & ~0xf000ull) | 0x4000ull;
        b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;
        snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
                 (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xffff),
                 (unsigned)(b >> 48), (unsigned long long)(b & 0xffffffffffffull));
}

static void *xrealloc(void *p, size_t n)
{
        void *q = realloc(p, n);
        if (!q) {
                fprintf(stderr, "tool_sim: out of memory\n");
                exit(1);
        }
        return q;
}

/* ------------------------------------------------------------ connections */

static void conn_events(struct conn *c)
{
        struct epoll_event ev = { .events = EPOLLIN | (c->olen > c->ooff ? EPOLLOUT : 0),
                                  .data.ptr = c };
        bool want = c->olen > c->ooff;
        if (want != c->want_out) {
                c->want_out = want;
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
}

static void conn_close(struct conn *c)
{
        if (c->fd >= 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
        }
        c->fd = -1;
        c->olen = c->ooff = c->ilen = 0;
        c->busy = false;
        c->want_out = false;
        c->deadline = 0;
}

static int conn_open(struct conn *c, int port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
                int r = -errno;
                close(fd);
                return r;
        }
        c->fd = fd;
        c->want_out = true;
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = -errno;
                close(fd);
                c->fd = -1;
                return r;
        }
        return 0;
}

static void conn_write(struct conn *c, const char *p, size_t n)
{
        if (c->olen == c->ooff)
                c->olen = c->ooff = 0;
        if (c->olen + n > c->ocap) {
                c->ocap = (c->olen + n) * 2;
                c->out = xrealloc(c->out, c->ocap);
        }
        memcpy(c->out + c->olen, p, n);
        c->olen += n;
}

/* Writes what the socket takes; < 0 when the connection broke. */
static int conn_flush(struct conn *c)
{
        while (c->ooff < c->olen) {
                ssize_t w = send(c->fd, c->out + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
                if (w < 0) {
                        if (errno == EAGAIN || errno == ENOTCONN)
                                break;
                        return -errno;
                }
                c->ooff += (size_t)w;
        }
        conn_events(c);
        return 0;
}

/* Reads what is there; < 0 on EOF or error. */
static int conn_read(struct conn *c)
{
        for (;;) {
                if (c->icap - c->ilen < 65536) {
                        if (c->icap >= MAX_IN)
                                return -E2BIG;
                        c->icap = c->icap ? c->icap * 2 : 131072;
                        c->in = xrealloc(c->in, c->icap + 1);
                }
                ssize_t r = recv(c->fd, c->in + c->ilen, c->icap - c->ilen, 0);
                if (r == 0)
                        return -EPIPE;
                if (r < 0)
                        return errno == EAGAIN ? 0 : -errno;
                c->ilen += (size_t)r;
        }
}

static void conn_consume(struct conn *c, size_t n)
{
        memmove(c->in, c->in + n, c->ilen - n);
        c->ilen -= n;
}

/* ------------------------------------------------------------ HTTP/1.1 */

struct answer {
        int status;
        const char *body;
        size_t blen;
        bool close;
        int retry_after;
};

/* One complete answer at the start of c->in: 1 (filled, *used set), 0 need
 * more, < 0 malformed. Content-Length bodies only (what the hub sends). */
static int http_parse(struct conn *c, struct answer *a, size_t *used)
{
        c->in[c->ilen] = 0;
        char *end = memmem(c->in, c->ilen, "\r\n\r\n", 4);
        if (!end)
                return c->ilen > 65536 ? -EBADMSG : 0;
        size_t hlen = (size_t)(end - c->in) + 4;
        if (c->ilen < 12 || memcmp(c->in, "HTTP/1.", 7) != 0)
                return -EBADMSG;
        memset(a, 0, sizeof *a);
        a->status = atoi(c->in + 9);
        a->retry_after = 1;
        long cl = 0;
        for (char *l = strstr(c->in, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n")) {
                char *h = l + 2;
                if (!strncasecmp(h, "content-length:", 15))
                        cl = strtol(h + 15, NULL, 10);
                else if (!strncasecmp(h, "connection:", 11))
                        a->close = strncasecmp(h + 11 + strspn(h + 11, " "), "close", 5) == 0;
                else if (!strncasecmp(h, "retry-after:", 12))
                        a->retry_after = atoi(h + 12);
                else if (!strncasecmp(h, "transfer-encoding:", 18))
                        return -EBADMSG;
        }
        if (cl < 0 || (size_t)cl > MAX_IN)
                return -EBADMSG;
        if (c->ilen < hlen + (size_t)cl)
                return 0;
        a->body = c->in + hlen;
        a->blen = (size_t)cl;
        *used = hlen + (size_t)cl;
        return 1;
}

static void http_request(struct conn *c, int port, const char *head, const char *body,
                         size_t blen, double timeout)
{
        if (c->fd < 0 && conn_open(c, port) < 0)
                return; /* busy stays false: the sweep tries again */
        conn_write(c, head, strlen(head));
        if (body)
                conn_write(c, body, blen);
        c->busy = true;
        c->deadline = now() + timeout;
        if (conn_flush(c) < 0)
                conn_close(c);
}

static void feed_get(struct sensor *s, int wait)
{
        char head[1024];
        snprintf(head, sizeof head,
                 "GET /api/v1/indicators/changes?since=%s&wait=%d HTTP/1.1\r\n"
                 "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nAccept: application/json\r\n\r\n",
                 s->cursor, wait, s->org->token);
        http_request(&s->feed, s->port, head, NULL, 0, wait + 35.0);
        if (!s->feed.busy)
                s->feed_at = now() + 1;
}

static int ind_index(const char *id)
{
        for (int k = 0; k < cfg.ninds; k++)
                if (!strcmp(cfg.inds[k], id))
                        return k;
        return -1;
}

/* Applies one feed answer; returns "more", or -1 when it was not a page. */
static int feed_apply(struct sensor *s, const struct answer *a, double t)
{
        json_error_t err;
        json_t *j = json_loadb(a->body, a->blen, 0, &err);
        int more = -1;
        if (!j)
                return -1;
        json_t *cur = json_object_get(j, "cursor");
        if (json_is_string(cur))
                snprintf(s->cursor, sizeof s->cursor, "%s", json_string_value(cur));
        else if (json_is_integer(cur))
                snprintf(s->cursor, sizeof s->cursor, "%lld", (long long)json_integer_value(cur));
        else
                goto out;
        json_t *ch = json_object_get(j, "changes");
        size_t i;
        json_t *e;
        json_array_foreach(ch, i, e) {
                const char *op = json_string_value(json_object_get(e, "op"));
                const char *id = json_string_value(json_object_get(e, "id"));
                if (!op || !id || strcmp(op, "upsert"))
                        continue;
                int k = ind_index(id);
                if (k >= 0 && !(s->have[k >> 3] & (1u << (k & 7)))) {
                        s->have[k >> 3] |= (uint8_t)(1u << (k & 7));
                        printf("t %d %d %.6f\n", k, s->idx, t);
                }
        }
        more = json_is_true(json_object_get(j, "more"));
out:
        json_decref(j);
        return more;
}

static void feed_done(struct sensor *s, const struct answer *a, double t)
{
        int more = a && a->status == 200 ? feed_apply(s, a, t) : -1;
        if (more < 0) {
                int ra = a ? a->retry_after : 1;
                s->feed_at = t + (ra < 1 ? 1 : ra > 5 ? 5 : ra);
                return;
        }
        if (!more && !s->ready) {
                s->ready = true;
                nready++;
        }
        if (cfg.nats_port && s->nstate == N_UP) {
                s->fetching = more || s->notice;
                s->notice = false;
                /* Without a notice the next GET is the 25 s catch-up. */
                s->feed_at = s->fetching ? t : t + 25;
        } else {
                s->feed_at = t;
        }
}

/* ------------------------------------------------------------ sightings */

/* Appends to s->body at *w; the capacity is checked, never assumed. */
static void put(struct sensor *s, size_t cap, size_t *w, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void put(struct sensor *s, size_t cap, size_t *w, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = *w < cap ? vsnprintf(s->body + *w, cap - *w, fmt, ap) : -1;
        va_end(ap);
        if (n < 0 || (size_t)n >= cap - *w) {
                fprintf(stderr, "tool_sim: sighting batch larger than planned\n");
                exit(1);
        }
        *w += (size_t)n;
}

static void make_batch(struct sensor *s)
{
        char ts[40], id[37];
        time_t sec;
        double t = now();
        sec = (time_t)t;
        struct tm tm;
        gmtime_r(&sec, &tm);
        size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(ts + n, sizeof ts - n, ".%03dZ", (int)((t - (double)sec) * 1000) % 1000);
        size_t cap = 256 + (size_t)cfg.batch * (400 + strlen(cfg.ingest)), w = 0;
        s->body = xrealloc(s->body, cap);
        s->beacon = cfg.beacons > 0 && ++s->made % cfg.beacons == 0;
        if (s->beacon) {
                /* One beacon of the sensor's own host to one of a few
                 * destinations, so that reports both add evidence and
                 * repeat what is held (the hub's hosts path). */
                char first[40];
                time_t f = sec - 3600;
                gmtime_r(&f, &tm);
                strftime(first, sizeof first, "%Y-%m-%dT%H:%M:%SZ", &tm);
                put(s, cap, &w,
                    "{\"sensor\":\"sim-%d\",\"beacons\":[{\"host\":\"10.%d.%d.%d\","
                    "\"dest\":\"192.0.2.%ld\",\"dst_port\":443,\"proto\":\"tcp\","
                    "\"interval_s\":60.0,\"count\":24,\"score\":0.95,"
                    "\"first_seen\":\"%s\",\"last_seen\":\"%.19sZ\"}]}",
                    s->idx, (s->idx >> 16) & 255, (s->idx >> 8) & 255, s->idx & 255,
                    1 + s->made / cfg.beacons % 8, first, ts);
                s->blen = w;
                return;
        }
        uuid4(id);
        put(s, cap, &w, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", id);
        for (int i = 0; i < cfg.batch; i++) {
                uuid4(id);
                put(s, cap, &w,
                    "%s{\"type\":\"sighting\",\"spec_version\":\"2.1\","
                    "\"id\":\"sighting--%s\",\"created\":\"%s\",\"modified\":\"%s\","
                    "\"sighting_of_ref\":\"%s\",\"count\":1,\"first_seen\":\"%s\","
                    "\"last_seen\":\"%s\"}",
                    i ? "," : "", id, ts, ts, cfg.ingest, ts, ts);
        }
        put(s, cap, &w, "]}");
        s->blen = w;
}

static void send_done(struct sensor *s, bool ok, double t)
{
        s->inflight = false;
        s->ack_deadline = 0;
        if (ok) {
                if (s->beacon)
                        s->beacons_acked++;
                else
                        s->acked += cfg.batch;
                s->pending--;
                free(s->body);
                s->body = NULL;
        } else {
                s->failed++;
                s->retry_at = t + 0.5;
        }
}

static void nats_connect(struct sensor *s);

static void send_batch(struct sensor *s, double t)
{
        if (!s->body)
                make_batch(s);
        if (cfg.nats_port) {
                if (s->nstate != N_UP) {
                        s->retry_at = t + 0.5;
                        return;
                }
                char head[256];
                snprintf(s->reply, sizeof s->reply, "_INBOX.%s.%d.%llx", s->org->user, s->idx,
                         (unsigned long long)rnd());
                int n = snprintf(head, sizeof head, "PUB yagura.%s.%s %s %zu\r\n",
                                 s->beacon ? "beacons" : "sightings", s->org->id, s->reply,
                                 s->blen);
                conn_write(&s->nats, head, (size_t)n);
                conn_write(&s->nats, s->body, s->blen);
                conn_write(&s->nats, "\r\n", 2);
                s->inflight = true;
                s->ack_deadline = t + 10;
                if (conn_flush(&s->nats) < 0) {
                        conn_close(&s->nats);
                        s->nstate = N_OFF;
                        s->nats_at = t + 0.2;
                        send_done(s, false, t);
                }
                return;
        }
        char head[1024];
        snprintf(head, sizeof head,
                 "POST /api/v1/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Authorization: Bearer %s\r\nAccept: application/json\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                 s->beacon ? "beacons" : "sightings", s->org->token, s->blen);
        http_request(&s->post, s->port, head, s->body, s->blen, 60);
        s->inflight = s->post.busy;
        if (!s->inflight)
                send_done(s, false, t);
}

/* ------------------------------------------------------------ NATS */

static void nats_connect(struct sensor *s)
{
        if (conn_open(&s->nats, cfg.nats_port) < 0) {
                s->nats_at = now() + 0.2;
                return;
        }
        s->nstate = N_INFO;
        s->nats.deadline = now() + 10;
}

static void nats_broke(struct sensor *s, double t)
{
        conn_close(&s->nats);
        s->nstate = N_OFF;
        s->nats_at = t + 0.2;
        if (s->inflight)
                send_done(s, false, t);
}

/* Handles what arrived; < 0 when the connection must go. */
static int nats_input(struct sensor *s, double t)
{
        struct conn *c = &s->nats;
        size_t off = 0;
        int r = 0;
        c->in[c->ilen] = 0;
        for (;;) {
                char *l = c->in + off;
                char *eol = memmem(l, c->ilen - off, "\r\n", 2);
                if (!eol)
                        break;
                size_t llen = (size_t)(eol - l);
                if (!strncmp(l, "MSG ", 4)) {
                        /* MSG <subject> <sid> [reply-to] <#bytes> */
                        char subj[256];
                        const char *sp = memchr(l + 4, ' ', llen - 4);
                        const char *last = memrchr(l, ' ', llen);
                        if (!sp || !last || (size_t)(sp - l - 4) >= sizeof subj) {
                                r = -EBADMSG;
                                break;
                        }
                        memcpy(subj, l + 4, (size_t)(sp - l - 4));
                        subj[sp - l - 4] = 0;
                        long n = strtol(last + 1, NULL, 10);
                        if (n < 0 || (size_t)n > MAX_IN) {
                                r = -EBADMSG;
                                break;
                        }
                        size_t need = llen + 2 + (size_t)n + 2;
                        if (c->ilen - off < need)
                                break;
                        const char *data = eol + 2;
                        if (!strcmp(subj, "yagura.changes")) {
                                if (s->fetching || s->feed.busy || s->nstate != N_UP)
                                        s->notice = true;
                                else
                                        feed_get(s, 0);
                        } else if (s->inflight && !strcmp(subj, s->reply)) {
                                bool ok = memmem(data, (size_t)n, "\"stream\":\"YAGURA\"", 17) &&
                                          !memmem(data, (size_t)n, "\"error\"", 7);
                                send_done(s, ok, t);
                        }
                        off += need;
                        continue;
                }
                if (!strncmp(l, "PING", 4)) {
                        conn_write(c, "PONG\r\n", 6);
                } else if (!strncmp(l, "PONG", 4)) {
                        if (s->nstate == N_PONG) {
                                s->nstate = N_UP;
                                c->deadline = 0;
                                /* Catch up with the feed now it is followed. */
                                s->fetching = true;
                                s->feed_at = t;
                        }
                } else if (!strncmp(l, "INFO", 4)) {
                        if (s->nstate == N_INFO) {
                                char cmd[1024];
                                int n = snprintf(cmd, sizeof cmd,
                                                 "CONNECT {\"verbose\":false,\"pedantic\":false,"
                                                 "\"user\":\"%s\",\"pass\":\"%s\",\"protocol\":1,"
                                                 "\"name\":\"sim-sensor\"}\r\n"
                                                 "SUB yagura.changes 1\r\nSUB _INBOX.%s.%d.* 2\r\n"
                                                 "PING\r\n",
                                                 s->org->user, s->org->pass, s->org->user, s->idx);
                                conn_write(c, cmd, (size_t)n);
                                s->nstate = N_PONG;
                        }
                } else if (!strncmp(l, "-ERR", 4)) {
                        nats_errors++;
                        if (s->nstate != N_UP) {
                                r = -EACCES;
                                off += llen + 2;
                                break;
                        }
                }
                off += llen + 2;
        }
        conn_consume(c, off);
        if (r == 0 && conn_flush(c) < 0)
                r = -EPIPE;
        return r;
}

/* ------------------------------------------------------------ the loop */

static void on_event(struct conn *c, uint32_t ev, double t)
{
        struct sensor *s = c->s;
        int r = 0;
        if (ev & EPOLLOUT)
                r = conn_flush(c);
        if (r == 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                r = conn_read(c);
        if (c->kind == C_NATS) {
                if (c->ilen && nats_input(s, t) < 0)
                        r = -EPIPE;
                if (r < 0)
                        nats_broke(s, t);
                return;
        }
        for (;;) {
                struct answer a;
                size_t used = 0;
                int p = c->ilen ? http_parse(c, &a, &used) : 0;
                if (p < 0) {
                        r = p;
                        break;
                }
                if (p == 0)
                        break;
                bool was = c->busy;
                c->busy = false;
                c->deadline = 0;
                if (c->kind == C_FEED && was)
                        feed_done(s, &a, t);
                else if (c->kind == C_POST && was)
                        send_done(s, a.status == 200 && memmem(a.body, a.blen, "\"accepted\"", 10), t);
                conn_consume(c, used);
                if (a.close) {
                        conn_close(c);
                        return;
                }
        }
        if (r < 0) {
                bool was = c->busy;
                conn_close(c);
                if (was && c->kind == C_FEED)
                        feed_done(s, NULL, t);
                else if (was && c->kind == C_POST)
                        send_done(s, false, t);
        }
}

static void sensor_start(struct sensor *s, double t)
{
        s->started = true;
        nstarted++;
        if (cfg.nats_port)
                nats_connect(s);
        else
                s->feed_at = t;
}

/* Timers: everything a sensor does on its own clock. */
static void sweep(double t)
{
        int connecting = nstarted - nready;
        for (int i = 0; i < cfg.count; i++) {
                struct sensor *s = &sensors[i];
                if (!s->started) {
                        if (connecting >= cfg.window)
                                continue;
                        sensor_start(s, t);
                        connecting++;
                }
                if (cfg.nats_port) {
                        if (s->nstate == N_OFF && t >= s->nats_at)
                                nats_connect(s);
                        else if (s->nstate != N_OFF && s->nats.deadline && t > s->nats.deadline)
                                nats_broke(s, t);
                }
                if (s->feed.busy && t > s->feed.deadline) {
                        conn_close(&s->feed);
                        feed_done(s, NULL, t);
                }
                bool feed_on = !cfg.nats_port || s->nstate == N_UP;
                if (feed_on && !s->feed.busy && s->feed_at && t >= s->feed_at) {
                        s->feed_at = 0;
                        /* The first GET catches up; then HTTP sensors park. */
                        feed_get(s, cfg.nats_port || !s->ready ? 0 : 25);
                }
                if (!ingesting)
                        continue;
                if (s->inflight) {
                        double dl = cfg.nats_port ? s->ack_deadline : s->post.deadline;
                        if (dl && t > dl) {
                                if (!cfg.nats_port)
                                        conn_close(&s->post);
                                send_done(s, false, t);
                        }
                        continue;
                }
                while (t >= s->next_batch && s->next_batch < t_end) {
                        s->pending++;
                        s->next_batch += 1;
                }
                if (s->pending > 0 && t >= s->retry_at && t < t_grace)
                        send_batch(s, t);
        }
        if (nready != nready_said) {
                nready_said = nready;
                printf("r %d\n", nready);
        }
        if (ingesting && !ingest_said && t >= t_end) {
                long acked = 0, failed = 0, unacked = 0, beacons = 0;
                bool busy = false;
                for (int i = 0; i < cfg.count; i++) {
                        acked += sensors[i].acked;
                        beacons += sensors[i].beacons_acked;
                        failed += sensors[i].failed;
                        unacked += (long)sensors[i].pending * cfg.batch;
                        busy |= sensors[i].pending > 0;
                }
                if (!busy || t >= t_grace) {
                        ingest_said = true;
                        printf("i %ld %ld %ld %ld %ld\n", acked, failed, unacked, nats_errors,
                               beacons);
                }
        }
}

/* A command on stdin; false to stop. */
static bool command(void)
{
        static char buf[256];
        static size_t n;
        ssize_t r = read(0, buf + n, sizeof buf - 1 - n);
        if (r <= 0)
                return false;
        n += (size_t)r;
        buf[n] = 0;
        char *nl;
        while ((nl = strchr(buf, '\n'))) {
                *nl = 0;
                if (!strncmp(buf, "ingest ", 7)) {
                        t_ingest = strtod(buf + 7, NULL);
                        t_end = t_ingest + cfg.seconds;
                        t_grace = t_end + 15;
                        for (int i = 0; i < cfg.count; i++)
                                sensors[i].next_batch = t_ingest + (double)(rnd() % 1000000) / 1e6;
                        ingesting = true;
                } else if (!strcmp(buf, "stop")) {
                        return false;
                }
                size_t used = (size_t)(nl - buf) + 1;
                memmove(buf, nl + 1, n - used + 1);
                n -= used;
        }
        if (n >= sizeof buf - 1)
                n = 0;
        return true;
}

static char *dup_word(const char *w)
{
        char *p = strdup(w);
        if (!p) {
                fprintf(stderr, "tool_sim: out of memory\n");
                exit(1);
        }
        return p;
}

static int load_config(const char *path)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return -errno;
        char line[4096], a[1024], b[1024], c[1024], d[1024];
        int r = 0;
        while (fgets(line, sizeof line, f)) {
                int x, y, z;
                if (sscanf(line, "hub %d", &x) == 1 && cfg.nports < MAX_HUBS)
                        cfg.ports[cfg.nports++] = x;
                else if (sscanf(line, "nats %d", &x) == 1)
                        cfg.nats_port = x;
                else if (sscanf(line, "org %1023s %1023s %1023s %1023s", a, b, c, d) == 4 &&
                         cfg.norgs < MAX_ORGS)
                        cfg.orgs[cfg.norgs++] = (struct org){ dup_word(a), dup_word(b),
                                                              dup_word(c), dup_word(d) };
                else if (sscanf(line, "indicator %1023s", a) == 1 && cfg.ninds < MAX_INDS)
                        cfg.inds[cfg.ninds++] = dup_word(a);
                else if (sscanf(line, "ingest %1023s", a) == 1)
                        cfg.ingest = dup_word(a);
                else if (sscanf(line, "sensors %d %d %d", &x, &y, &z) == 3) {
                        cfg.first = x;
                        cfg.step = y;
                        cfg.count = z;
                } else if (sscanf(line, "batch %d", &x) == 1)
                        cfg.batch = x;
                else if (sscanf(line, "seconds %d", &x) == 1)
                        cfg.seconds = x;
                else if (sscanf(line, "window %d", &x) == 1)
                        cfg.window = x;
                else if (sscanf(line, "beacons %d", &x) == 1)
                        cfg.beacons = x;
        }
        fclose(f);
        if (!cfg.nports || !cfg.norgs || !cfg.ingest || cfg.count <= 0 || cfg.step <= 0 ||
            cfg.batch <= 0 || cfg.batch > 1000 || cfg.window <= 0 || cfg.beacons < 0)
                r = -EINVAL;
        return r;
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: tool_sim CONFIG\n");
                return 1;
        }
        int r = load_config(argv[1]);
        if (r < 0) {
                fprintf(stderr, "tool_sim: %s: %s\n", argv[1],
                        r == -EINVAL ? "incomplete configuration" : strerror(-r));
                return 1;
        }
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        if (getrandom(rng, sizeof rng, 0) != sizeof rng || !(rng[0] | rng[1]))
                rng[0] = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull | 1;
        static char obuf[1 << 16];
        setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
        ep = epoll_create1(EPOLL_CLOEXEC);
        sensors = calloc((size_t)cfg.count, sizeof *sensors);
        if (ep < 0 || !sensors) {
                fprintf(stderr, "tool_sim: %s\n", strerror(errno));
                return 1;
        }
        for (int i = 0; i < cfg.count; i++) {
                struct sensor *s = &sensors[i];
                s->idx = cfg.first + i * cfg.step;
                s->org = &cfg.orgs[s->idx % cfg.norgs];
                s->port = cfg.ports[s->idx % cfg.nports];
                strcpy(s->cursor, "0");
                s->have = calloc((size_t)cfg.ninds / 8 + 1, 1);
                if (!s->have) {
                        fprintf(stderr, "tool_sim: out of memory\n");
                        return 1;
                }
                struct conn *cs[] = { &s->feed, &s->post, &s->nats };
                for (int k = 0; k < 3; k++) {
                        cs[k]->fd = -1;
                        cs[k]->kind = k;
                        cs[k]->s = s;
                }
        }
        struct epoll_event in = { .events = EPOLLIN, .data.ptr = NULL };
        epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
        struct epoll_event evs[512];
        double last_sweep = 0;
        bool run = true;
        while (run) {
                int n = epoll_wait(ep, evs, 512, 10);
                double t = now();
                for (int i = 0; i < n; i++) {
                        if (!evs[i].data.ptr)
                                run = command();
                        else
                                on_event(evs[i].data.ptr, evs[i].events, t);
                }
                if (t - last_sweep >= 0.01) {
                        last_sweep = t;
                        sweep(t);
                }
                fflush(stdout);
        }
        for (int i = 0; i < cfg.count; i++) {
                struct sensor *s = &sensors[i];
                struct conn *cs[] = { &s->feed, &s->post, &s->nats };
                for (int k = 0; k < 3; k++) {
                        conn_close(cs[k]);
                        free(cs[k]->in);
                        free(cs[k]->out);
                }
                free(s->body);
                free(s->have);
        }
        free(sensors);
        for (int k = 0; k < cfg.norgs; k++) {
                free(cfg.orgs[k].id);
                free(cfg.orgs[k].token);
                free(cfg.orgs[k].user);
                free(cfg.orgs[k].pass);
        }
        for (int k = 0; k < cfg.ninds; k++)
                free(cfg.inds[k]);
        free(cfg.ingest);
        close(ep);
        return 0;
}
