/*
 * The hub's answer cache: finished 200 answers of read-only requests (the
 * TAXII listings), shared by every server thread.
 *
 * Validity is by generation, never by time. The caller reads the store's
 * data_version (store.h) BEFORE it reads anything an answer is built from
 * and keeps the answer under that generation; a lookup under another
 * generation misses, and the first lookup or insert under a newer one
 * drops every entry. Any commit (another hub thread, another organization,
 * the admin CLI in another process) so retires every answer at once: an
 * answer never outlives a revoked token, a withdrawn grant, a deleted or a
 * newly shared object. Generations only grow.
 *
 * Keys are opaque bytes that must hold everything an answer depends on
 * (for listings: organization, role, route, collection, object id and the
 * parsed filters; taxii.c builds them). The cache never looks inside.
 *
 * Bodies are shared, not copied: an entry's body is reference counted and
 * lent to each response through yg_resp.body_free, so a hit costs a lookup
 * and no copy; an entry dropped while responses still send it lives on
 * until the last of them is released. Answers of 4 KiB and more are kept
 * in sealed memfds (yg_resp.body_in_fd; at most 256 of them, and an eighth
 * of RLIMIT_NOFILE, in the whole process), which the server sends with
 * sendfile as a static file server would.
 *
 * Limits: at most max_bytes of bodies and keys and max_entries entries,
 * least recently used first out; an answer above max_bytes / 8 or a key
 * above YG_CACHE_KEY_MAX is not kept.
 */
#ifndef YG_HUB_CACHE_H
#define YG_HUB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/hub.h"

#define YG_CACHE_KEY_MAX 16384

struct yg_cache;

/* max_entries >= 1 and max_bytes >= 1, else -EINVAL. Caller frees. */
int yg_cache_new(size_t max_bytes, size_t max_entries, struct yg_cache **ret);

/* Frees the cache; bodies still lent to responses stay valid until those
 * are released. NULL is fine. */
void yg_cache_free(struct yg_cache *c);

/* On a hit under gen, fills *resp (status, content type, headers and the
 * shared body, whose reference yg_resp_release drops) and returns true;
 * resp->body must be NULL. On a miss returns false, resp untouched. */
bool yg_cache_get(struct yg_cache *c, uint64_t gen, const void *key, size_t klen,
		  struct yg_resp *resp);

/* Keeps resp (a 200 whose body is malloc'ed, not lent) under key and gen:
 * the entry takes the body over and resp is pointed at the shared one, so
 * the caller sends resp as before. Returns 0; or, resp untouched, -E2BIG
 * (too large), -ESTALE (gen older than the cache's), -EINVAL, -ENOMEM. An
 * entry already under key is replaced. */
int yg_cache_put(struct yg_cache *c, uint64_t gen, const void *key, size_t klen,
		 struct yg_resp *resp);

struct yg_cache_stats {
	uint64_t hits, misses, inserts, flushes;
	size_t entries, bytes;
};

void yg_cache_stats(struct yg_cache *c, struct yg_cache_stats *ret);

#endif
