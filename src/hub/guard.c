/*
 * Admission control for the hub's HTTP front (see guard.h).
 *
 * Why counts by address, token and organization in one kind of table: each
 * is "how many of mine are there now", read on every accept or park and
 * changed by one; a chained hash table of small counters, an entry freed
 * when it falls to zero, keeps the memory proportional to the clients
 * present, not to every client ever seen. The hash is seeded at random so
 * that a client cannot choose addresses that all land in one chain.
 *
 * Why an IPv6 client counts by its /64: one subscriber usually holds a
 * whole /64 and could otherwise open max_pending_per_addr connections from
 * each of 2^64 addresses.
 *
 * Why the pending list is scanned rather than kept sorted: deadlines are
 * not in arrival order (a body extends one), and the scan runs a few times
 * a second over connections that owe a request, which a client can raise
 * only by max_pending_per_addr per address and only for request_timeout.
 *
 * Why shutdown() under the lock: the server calls yg_guard_close before it
 * closes the socket (libmicrohttpd notifies MHD_CONNECTION_NOTIFY_CLOSED
 * and only then closes the descriptor), so while the lock is held and the
 * connection is still listed its fd cannot have been reused by another
 * connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include "hub/guard.h"

#define KEY_LEN 17 /* a kind byte and 16 bytes of address or id */
#define BUCKETS 4096
/* Pending connections per address once the reserve is in use: enough for
 * a browser or a client with a few parallel requests. */
#define RESERVE_PER_ADDR 4

enum { KEY_ADDR4 = 4, KEY_ADDR6 = 6, KEY_TOKEN = 'T', KEY_ORG = 'O' };

struct cent {
	struct cent *next;
	uint8_t key[KEY_LEN];
	unsigned n;
};

struct ctab {
	struct cent *b[BUCKETS];
};

struct yg_guard_conn {
	struct yg_guard_conn *prev, *next; /* in the pending list while pending */
	uint8_t addr[KEY_LEN];
	int fd;
	bool pending;
	bool counted; /* against its address (pending, and memory allowed) */
	bool cut;     /* shut down past its deadline */
	int64_t deadline_us;
};

struct yg_guard {
	struct yg_guard_config cfg;
	pthread_mutex_t lock;
	uint64_t seed;
	struct ctab addrs;  /* pending connections per address */
	struct ctab tokens; /* parked long-polls per token */
	struct ctab orgs;   /* parked long-polls per organization */
	struct yg_guard_conn *pending_head;
	unsigned conns, pending, polls;
	uint64_t refused_conns, expired, refused_polls;
};

static size_t bucket(const struct yg_guard *g, const uint8_t key[KEY_LEN])
{
	uint64_t h = 1469598103934665603ull ^ g->seed;
	for (size_t i = 0; i < KEY_LEN; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)((h ^ (h >> 29)) % BUCKETS);
}

static struct cent **ctab_slot(const struct yg_guard *g, struct ctab *t, const uint8_t key[KEY_LEN])
{
	struct cent **p = &t->b[bucket(g, key)];
	while (*p && memcmp((*p)->key, key, KEY_LEN))
		p = &(*p)->next;
	return p;
}

static unsigned ctab_get(const struct yg_guard *g, struct ctab *t, const uint8_t key[KEY_LEN])
{
	struct cent **p = ctab_slot(g, t, key);
	return *p ? (*p)->n : 0;
}

static int ctab_inc(const struct yg_guard *g, struct ctab *t, const uint8_t key[KEY_LEN])
{
	struct cent **p = ctab_slot(g, t, key);
	if (!*p) {
		struct cent *e = calloc(1, sizeof *e);
		if (!e)
			return -ENOMEM;
		memcpy(e->key, key, KEY_LEN);
		*p = e;
	}
	(*p)->n++;
	return 0;
}

static void ctab_dec(const struct yg_guard *g, struct ctab *t, const uint8_t key[KEY_LEN])
{
	struct cent **p = ctab_slot(g, t, key);
	struct cent *e = *p;
	if (!e)
		return;
	if (--e->n == 0) {
		*p = e->next;
		free(e);
	}
}

static void ctab_release(struct ctab *t)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		while (t->b[i]) {
			struct cent *e = t->b[i];
			t->b[i] = e->next;
			free(e);
		}
	}
}

/* The key an address counts under; an IPv4-mapped IPv6 address counts as
 * its IPv4 address. false for other families (never limited). */
static bool addr_key(const struct sockaddr *sa, socklen_t len, uint8_t key[KEY_LEN])
{
	memset(key, 0, KEY_LEN);
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
		key[0] = KEY_ADDR4;
		memcpy(key + 1, &v4->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
			key[0] = KEY_ADDR4;
			memcpy(key + 1, v6->sin6_addr.s6_addr + 12, 4);
		} else {
			key[0] = KEY_ADDR6;
			memcpy(key + 1, v6->sin6_addr.s6_addr, 8); /* the /64 */
		}
		return true;
	}
	return false;
}

static void id_key(uint8_t kind, uint64_t id, uint8_t key[KEY_LEN])
{
	memset(key, 0, KEY_LEN);
	key[0] = kind;
	memcpy(key + 1, &id, sizeof id);
}

int yg_guard_new(const struct yg_guard_config *cfg, struct yg_guard **ret)
{
	if (!cfg->max_conns || cfg->reserve >= cfg->max_conns || !cfg->max_pending_per_addr ||
	    !cfg->request_timeout_ms)
		return -EINVAL;
	struct yg_guard *g = calloc(1, sizeof *g);
	if (!g)
		return -ENOMEM;
	if (RAND_bytes((unsigned char *)&g->seed, sizeof g->seed) != 1) {
		free(g);
		return -EIO;
	}
	g->cfg = *cfg;
	pthread_mutex_init(&g->lock, NULL);
	*ret = g;
	return 0;
}

void yg_guard_free(struct yg_guard *g)
{
	if (!g)
		return;
	/* Connections still listed belong to a server that is gone. */
	while (g->pending_head) {
		struct yg_guard_conn *c = g->pending_head;
		g->pending_head = c->next;
		free(c);
	}
	ctab_release(&g->addrs);
	ctab_release(&g->tokens);
	ctab_release(&g->orgs);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

bool yg_guard_admit(struct yg_guard *g, const struct sockaddr *sa, socklen_t len)
{
	uint8_t key[KEY_LEN];
	if (!addr_key(sa, len, key))
		return true;
	pthread_mutex_lock(&g->lock);
	unsigned limit = g->cfg.max_pending_per_addr;
	if (g->conns + g->cfg.reserve >= g->cfg.max_conns && limit > RESERVE_PER_ADDR)
		limit = RESERVE_PER_ADDR;
	bool ok = ctab_get(g, &g->addrs, key) < limit;
	if (!ok)
		g->refused_conns++;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

/* Both under the lock. */
static void set_pending(struct yg_guard *g, struct yg_guard_conn *c, int64_t deadline_us)
{
	c->deadline_us = deadline_us;
	if (c->pending)
		return;
	/* Without memory for the address's counter the connection is not
	 * counted against its address, but its deadline still holds. */
	c->counted = c->addr[0] && ctab_inc(g, &g->addrs, c->addr) == 0;
	c->pending = true;
	c->prev = NULL;
	c->next = g->pending_head;
	if (c->next)
		c->next->prev = c;
	g->pending_head = c;
	g->pending++;
}

static void clear_pending(struct yg_guard *g, struct yg_guard_conn *c)
{
	if (!c->pending)
		return;
	if (c->counted)
		ctab_dec(g, &g->addrs, c->addr);
	c->counted = false;
	if (c->prev)
		c->prev->next = c->next;
	else
		g->pending_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->pending = false;
	g->pending--;
}

int yg_guard_open(struct yg_guard *g, const struct sockaddr *sa, socklen_t len, int fd,
                  int64_t now_us, struct yg_guard_conn **ret)
{
	struct yg_guard_conn *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	(void)addr_key(sa, len, c->addr);
	c->fd = fd;
	pthread_mutex_lock(&g->lock);
	g->conns++;
	set_pending(g, c, now_us + (int64_t)g->cfg.request_timeout_ms * 1000);
	pthread_mutex_unlock(&g->lock);
	*ret = c;
	return 0;
}

void yg_guard_close(struct yg_guard *g, struct yg_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	clear_pending(g, c);
	g->conns--;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

void yg_guard_headers(struct yg_guard *g, struct yg_guard_conn *c, uint64_t body_len,
                      int64_t now_us)
{
	if (!c)
		return;
	/* 256 KiB/s: a slow uplink still delivers a big bundle, while a
	 * trickled body ends by the size it announced (at most --max-body). */
	int64_t body_us = (int64_t)(body_len >> 18) * 1000000;
	pthread_mutex_lock(&g->lock);
	if (c->pending && !c->cut)
		c->deadline_us = now_us + (int64_t)g->cfg.request_timeout_ms * 1000 + body_us;
	pthread_mutex_unlock(&g->lock);
}

void yg_guard_received(struct yg_guard *g, struct yg_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	clear_pending(g, c);
	pthread_mutex_unlock(&g->lock);
}

void yg_guard_idle(struct yg_guard *g, struct yg_guard_conn *c, int64_t now_us)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	if (!c->cut)
		set_pending(g, c, now_us + (int64_t)g->cfg.request_timeout_ms * 1000);
	pthread_mutex_unlock(&g->lock);
}

unsigned yg_guard_expire(struct yg_guard *g, int64_t now_us)
{
	unsigned n = 0;
	pthread_mutex_lock(&g->lock);
	for (struct yg_guard_conn *c = g->pending_head; c; c = c->next) {
		if (c->cut || now_us < c->deadline_us)
			continue;
		/* Stays pending (and counted against its address) until the
		 * server closes it. */
		c->cut = true;
		shutdown(c->fd, SHUT_RDWR);
		n++;
	}
	g->expired += n;
	pthread_mutex_unlock(&g->lock);
	return n;
}

int yg_guard_poll_take(struct yg_guard *g, uint64_t token, int64_t org, bool privileged,
                       enum yg_guard_cap *ret_cap)
{
	uint8_t tk[KEY_LEN], ok[KEY_LEN];
	id_key(KEY_TOKEN, token, tk);
	id_key(KEY_ORG, (uint64_t)org, ok);
	enum yg_guard_cap cap = YG_GUARD_CAP_NONE;
	int r = 0;
	pthread_mutex_lock(&g->lock);
	unsigned all = g->cfg.max_conns - (privileged ? g->cfg.reserve / 2 : g->cfg.reserve);
	if (g->polls >= all)
		cap = YG_GUARD_CAP_ALL;
	else if (!privileged && g->cfg.max_polls_per_token &&
	         ctab_get(g, &g->tokens, tk) >= g->cfg.max_polls_per_token)
		cap = YG_GUARD_CAP_TOKEN;
	else if (!privileged && g->cfg.max_polls_per_org &&
	         ctab_get(g, &g->orgs, ok) >= g->cfg.max_polls_per_org)
		cap = YG_GUARD_CAP_ORG;
	if (cap != YG_GUARD_CAP_NONE) {
		g->refused_polls++;
		r = -EBUSY;
		goto out;
	}
	if (!privileged) {
		r = ctab_inc(g, &g->tokens, tk);
		if (r < 0)
			goto out;
		r = ctab_inc(g, &g->orgs, ok);
		if (r < 0) {
			ctab_dec(g, &g->tokens, tk);
			goto out;
		}
	}
	g->polls++;
out:
	pthread_mutex_unlock(&g->lock);
	if (ret_cap)
		*ret_cap = cap;
	return r;
}

void yg_guard_poll_put(struct yg_guard *g, uint64_t token, int64_t org, bool privileged)
{
	uint8_t tk[KEY_LEN], ok[KEY_LEN];
	id_key(KEY_TOKEN, token, tk);
	id_key(KEY_ORG, (uint64_t)org, ok);
	pthread_mutex_lock(&g->lock);
	if (!privileged) {
		ctab_dec(g, &g->tokens, tk);
		ctab_dec(g, &g->orgs, ok);
	}
	if (g->polls)
		g->polls--;
	pthread_mutex_unlock(&g->lock);
}

void yg_guard_stats(struct yg_guard *g, struct yg_guard_stats *ret)
{
	pthread_mutex_lock(&g->lock);
	*ret = (struct yg_guard_stats){
	    .conns = g->conns,
	    .pending = g->pending,
	    .polls = g->polls,
	    .refused_conns = g->refused_conns,
	    .expired = g->expired,
	    .refused_polls = g->refused_polls,
	};
	pthread_mutex_unlock(&g->lock);
}
