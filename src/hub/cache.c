/*
 * The hub's answer cache (see cache.h): a chained hash table under one
 * mutex, an LRU list, and entries whose bodies are reference counted so
 * that responses keep sending them after the cache let them go.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/hash.h"
#include "hub/cache.h"

struct ent {
	struct ent *hnext;       /* bucket chain */
	struct ent *prev, *next; /* LRU list, most recent first */
	uint64_t hash;
	atomic_uint refs; /* one for the cache while linked, one per response */
	size_t klen;
	size_t len;
	char *body; /* malloc'ed, or mapped from fd */
	int fd;     /* a sealed memfd holding the body, or -1 */
	int status;
	const char *content_type; /* static strings only (the hub's media types) */
	size_t n_hdr;
	/* Shaped as yg_resp's own, so that every header goes in and out whole
	 * (a table of other widths lost the third header's value on hits). */
	char hdr_name[YG_HUB_MAX_HEADERS][sizeof ((struct yg_resp *)0)->hdr_name[0]];
	char hdr_value[YG_HUB_MAX_HEADERS][sizeof ((struct yg_resp *)0)->hdr_value[0]];
	unsigned char key[];
};

struct yg_cache {
	pthread_mutex_t lock;
	struct ent **buckets;
	size_t mask;
	struct ent *head, *tail;
	size_t entries, bytes;
	size_t max_entries, max_bytes;
	uint64_t gen;
	uint64_t seed;
	uint64_t hits, misses, inserts, flushes;
	unsigned max_memfds;
};

/* Answers in files: at most this many descriptors (and an eighth of the
 * process's limit), so that the cache never starves the server of
 * sockets; smaller answers are cheap enough to copy. */
#define MEMFD_MAX 256
#define MEMFD_MIN_BYTES 4096

static atomic_uint open_memfds; /* of every cache, lent ones included */

static size_t ent_cost(const struct ent *e)
{
	return sizeof *e + e->klen + e->len;
}

static void ent_unref(void *cls)
{
	struct ent *e = cls;
	if (atomic_fetch_sub(&e->refs, 1) == 1) {
		if (e->fd >= 0) {
			munmap(e->body, e->len);
			close(e->fd);
			atomic_fetch_sub(&open_memfds, 1);
		} else {
			free(e->body);
		}
		free(e);
	}
}

/* Moves body into a sealed memfd mapped read-only, so that the server can
 * sendfile it (no copy per request, as a static file server does): returns
 * the mapping and sets *ret_fd, or NULL (the body stays in memory). */
static char *to_memfd(struct yg_cache *c, const char *body, size_t len, int *ret_fd)
{
	if (len < MEMFD_MIN_BYTES)
		return NULL;
	if (atomic_fetch_add(&open_memfds, 1) >= c->max_memfds) {
		atomic_fetch_sub(&open_memfds, 1);
		return NULL;
	}
	int fd = memfd_create("yagura-answer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		atomic_fetch_sub(&open_memfds, 1);
		return NULL;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, body + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail;
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	*ret_fd = fd;
	return p;
fail:
	close(fd);
	atomic_fetch_sub(&open_memfds, 1);
	return NULL;
}

int yg_cache_new(size_t max_bytes, size_t max_entries, struct yg_cache **ret)
{
	if (!max_bytes || !max_entries || max_entries > (1u << 24))
		return -EINVAL;
	struct yg_cache *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	size_t n = 16;
	while (n < 2 * max_entries)
		n *= 2;
	c->buckets = calloc(n, sizeof *c->buckets);
	if (!c->buckets) {
		free(c);
		return -ENOMEM;
	}
	c->mask = n - 1;
	struct rlimit rl;
	c->max_memfds = MEMFD_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 8 < MEMFD_MAX)
		c->max_memfds = (unsigned)(rl.rlim_cur / 8);
	c->max_entries = max_entries;
	c->max_bytes = max_bytes;
	c->seed = yg_hash_random_seed();
	pthread_mutex_init(&c->lock, NULL);
	*ret = c;
	return 0;
}

static void lru_unlink(struct yg_cache *c, struct ent *e)
{
	/* The list's ends have nothing past them: unlinking the tail moves
	 * c->tail, so the eviction and free loops (while c->tail: drop it)
	 * never see a freed entry again. */
	assert(e != c->head || !e->prev);
	assert(e != c->tail || !e->next);
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct yg_cache *c, struct ent *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

/* Unlinks e from its bucket and the list and drops the cache's reference. */
static void drop(struct yg_cache *c, struct ent *e)
{
	struct ent **pp = &c->buckets[e->hash & c->mask];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->entries--;
	c->bytes -= ent_cost(e);
	ent_unref(e);
}

static void flush(struct yg_cache *c)
{
	while (c->tail)
		drop(c, c->tail);
	c->flushes++;
}

/* Brings the cache to gen: false when gen is older than the cache's. */
static bool at_gen(struct yg_cache *c, uint64_t gen)
{
	if (gen == c->gen)
		return true;
	if (gen < c->gen)
		return false;
	flush(c);
	c->gen = gen;
	return true;
}

/* Points resp at e's body; the reference resp holds is already counted. */
static void lend(struct ent *e, struct yg_resp *resp)
{
	resp->body = e->body;
	resp->len = e->len;
	resp->body_free = ent_unref;
	resp->body_cls = e;
	resp->body_in_fd = e->fd >= 0;
	resp->body_fd = e->fd;
}

static struct ent *find(struct yg_cache *c, uint64_t h, const void *key, size_t klen)
{
	for (struct ent *e = c->buckets[h & c->mask]; e; e = e->hnext)
		if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen))
			return e;
	return NULL;
}

bool yg_cache_get(struct yg_cache *c, uint64_t gen, const void *key, size_t klen,
		  struct yg_resp *resp)
{
	if (!c || klen > YG_CACHE_KEY_MAX)
		return false;
	uint64_t h = yg_hash64(key, klen, c->seed);
	pthread_mutex_lock(&c->lock);
	struct ent *e = at_gen(c, gen) ? find(c, h, key, klen) : NULL;
	if (!e) {
		c->misses++;
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	c->hits++;
	lru_unlink(c, e);
	lru_push_front(c, e);
	atomic_fetch_add(&e->refs, 1);
	pthread_mutex_unlock(&c->lock);
	resp->status = e->status;
	resp->content_type = e->content_type;
	resp->n_hdr = e->n_hdr;
	_Static_assert(sizeof resp->hdr_name == sizeof e->hdr_name &&
	                   sizeof resp->hdr_value == sizeof e->hdr_value,
	               "the entry keeps headers as yg_resp holds them");
	memcpy(resp->hdr_name, e->hdr_name, sizeof e->hdr_name);
	memcpy(resp->hdr_value, e->hdr_value, sizeof e->hdr_value);
	lend(e, resp);
	return true;
}

int yg_cache_put(struct yg_cache *c, uint64_t gen, const void *key, size_t klen,
		 struct yg_resp *resp)
{
	if (!c || !resp->body || resp->body_free || klen > YG_CACHE_KEY_MAX ||
	    resp->n_hdr > YG_HUB_MAX_HEADERS)
		return -EINVAL;
	if (resp->len > c->max_bytes / 8)
		return -E2BIG;
	struct ent *e = malloc(sizeof *e + klen);
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof *e);
	e->fd = -1;
	e->hash = yg_hash64(key, klen, c->seed);
	memcpy(e->key, key, klen);
	e->klen = klen;
	e->len = resp->len;
	e->status = resp->status;
	e->content_type = resp->content_type;
	e->n_hdr = resp->n_hdr;
	memcpy(e->hdr_name, resp->hdr_name, sizeof e->hdr_name);
	memcpy(e->hdr_value, resp->hdr_value, sizeof e->hdr_value);
	if (ent_cost(e) > c->max_bytes) {
		free(e);
		return -E2BIG;
	}
	char *mapped = to_memfd(c, resp->body, resp->len, &e->fd);
	pthread_mutex_lock(&c->lock);
	if (!at_gen(c, gen)) {
		pthread_mutex_unlock(&c->lock);
		if (mapped) {
			munmap(mapped, e->len);
			close(e->fd);
			atomic_fetch_sub(&open_memfds, 1);
		}
		free(e);
		return -ESTALE;
	}
	struct ent *old = find(c, e->hash, key, klen);
	if (old)
		drop(c, old);
	while (c->tail && (c->entries + 1 > c->max_entries ||
			   c->bytes + ent_cost(e) > c->max_bytes))
		drop(c, c->tail);
	/* Past the last failure: the body changes hands, before any other
	 * thread can find the entry. */
	e->body = mapped ? mapped : resp->body;
	atomic_init(&e->refs, 2); /* the cache and resp */
	size_t b = e->hash & c->mask;
	e->hnext = c->buckets[b];
	c->buckets[b] = e;
	lru_push_front(c, e);
	c->entries++;
	c->bytes += ent_cost(e);
	c->inserts++;
	pthread_mutex_unlock(&c->lock);
	if (mapped)
		free(resp->body);
	lend(e, resp);
	return 0;
}

void yg_cache_stats(struct yg_cache *c, struct yg_cache_stats *ret)
{
	memset(ret, 0, sizeof *ret);
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	ret->hits = c->hits;
	ret->misses = c->misses;
	ret->inserts = c->inserts;
	ret->flushes = c->flushes;
	ret->entries = c->entries;
	ret->bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

void yg_cache_free(struct yg_cache *c)
{
	if (!c)
		return;
	while (c->tail)
		drop(c, c->tail);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
