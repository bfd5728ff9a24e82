#include "sensor/intel_live.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <urcu.h>

#include "common/hash.h"

struct yg_intel_live {
	struct yg_intel_set *cur; /* RCU-protected */
	char **paths;
	unsigned n;
	yg_intel_error_fn errfn;
	void *ud;
	const struct yg_intel_warn *warn; /* values on it held back; may be NULL */
	yg_intel_held_fn heldfn;
	uint64_t fingerprint;     /* of the files' names, sizes and mtimes */
	char *buf_name;           /* the in-memory source, or NULL */
	uint8_t *buf;
	size_t buf_len;
	uint64_t generation;
	pthread_mutex_t reload_lock;
};

static uint64_t mix_stat(uint64_t h, const char *name, const struct stat *st)
{
	h = yg_hash64(name, strlen(name), h);
	uint64_t v[3] = {(uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
			 (uint64_t)st->st_mtim.tv_nsec};
	return yg_hash64(v, sizeof v, h);
}

/* A hash over what the paths hold now; a changed file changes it. */
static uint64_t fingerprint(const struct yg_intel_live *l)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	for (unsigned i = 0; i < l->n; i++) {
		struct stat st;
		const char *path = yg_intel_spec_path(l->paths[i]);
		if (stat(path, &st) < 0) {
			h = yg_hash64("missing", 7, h ^ i);
			continue;
		}
		h = mix_stat(h, path, &st);
		if (!S_ISDIR(st.st_mode))
			continue;
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		uint64_t acc = 0; /* order-independent: readdir order varies */
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			struct stat fst;
			if (fstatat(dirfd(d), e->d_name, &fst, 0) == 0)
				acc += mix_stat(1, e->d_name, &fst);
		}
		closedir(d);
		h = yg_hash64(&acc, sizeof acc, h);
	}
	return h;
}

static int build(struct yg_intel_live *l, struct yg_intel_set **ret, struct yg_intel_load_result *res)
{
	struct yg_intel_builder *b;
	memset(res, 0, sizeof *res);
	int r = yg_intel_builder_new(&b);
	if (r < 0)
		return r;
	yg_intel_builder_on_error(b, l->errfn, l->ud);
	if (l->warn)
		yg_intel_builder_set_warn(b, l->warn, l->heldfn, l->ud);
	for (unsigned i = 0; i < l->n; i++)
		if (yg_intel_load_spec(b, l->paths[i]) < 0)
			res->unreadable++;
	if (l->buf && yg_intel_load_buffer(b, l->buf_name, l->buf, l->buf_len) < 0)
		res->unreadable++;
	res->rejected = yg_intel_builder_rejected(b);
	res->held = yg_intel_builder_held(b);
	struct yg_intel_set *s;
	r = yg_intel_builder_build(b, &s);
	if (r < 0)
		return r;
	res->indicators = yg_intel_set_count(s);
	res->memory = yg_intel_set_memory(s);
	*ret = s;
	return 0;
}

int yg_intel_live_new(const char *const *paths, unsigned n, yg_intel_error_fn errfn, void *ud,
		      struct yg_intel_live **ret, struct yg_intel_load_result *ret_res)
{
	return yg_intel_live_new_warned(paths, n, errfn, ud, NULL, NULL, ret, ret_res);
}

int yg_intel_live_new_warned(const char *const *paths, unsigned n, yg_intel_error_fn errfn,
			     void *ud, const struct yg_intel_warn *warn, yg_intel_held_fn heldfn,
			     struct yg_intel_live **ret, struct yg_intel_load_result *ret_res)
{
	int r = -ENOMEM;
	struct yg_intel_live *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->reload_lock, NULL);
	l->errfn = errfn;
	l->ud = ud;
	l->warn = warn;
	l->heldfn = heldfn;
	l->paths = calloc(n ? n : 1, sizeof *l->paths);
	if (!l->paths)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		l->paths[i] = strdup(paths[i]);
		if (!l->paths[i])
			goto fail;
		l->n++;
	}
	l->fingerprint = fingerprint(l);
	r = build(l, &l->cur, ret_res);
	if (r < 0)
		goto fail;
	l->generation = 1;
	*ret = l;
	return 0;
fail:
	yg_intel_live_free(l);
	return r;
}

void yg_intel_live_free(struct yg_intel_live *l)
{
	if (!l)
		return;
	yg_intel_set_free(l->cur);
	free(l->buf);
	free(l->buf_name);
	/* n counts the paths copied so far, so it is 0 until paths exists. */
	assert(l->paths || l->n == 0);
	for (unsigned i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	pthread_mutex_destroy(&l->reload_lock);
	free(l);
}

int yg_intel_live_reload(struct yg_intel_live *l, struct yg_intel_load_result *ret_res)
{
	struct yg_intel_set *s;
	pthread_mutex_lock(&l->reload_lock);
	uint64_t fp = fingerprint(l);
	int r = build(l, &s, ret_res);
	if (r < 0)
		goto out;
	if (ret_res->unreadable) {
		yg_intel_set_free(s);
		r = -EIO;
		goto out;
	}
	struct yg_intel_set *old = rcu_xchg_pointer(&l->cur, s);
	/* Readers that still hold old finish their packet, then it goes. */
	synchronize_rcu();
	yg_intel_set_free(old);
	l->fingerprint = fp;
	__atomic_add_fetch(&l->generation, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&l->reload_lock);
	return r;
}

int yg_intel_live_set_buffer(struct yg_intel_live *l, const char *name, const uint8_t *data,
			     size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	char *n = strdup(name);
	if (!copy || !n) {
		free(copy);
		free(n);
		return -ENOMEM;
	}
	if (len)
		memcpy(copy, data, len);
	pthread_mutex_lock(&l->reload_lock);
	free(l->buf);
	free(l->buf_name);
	l->buf = copy;
	l->buf_len = len;
	l->buf_name = n;
	pthread_mutex_unlock(&l->reload_lock);
	return 0;
}

bool yg_intel_live_changed(struct yg_intel_live *l)
{
	return fingerprint(l) != l->fingerprint;
}

const struct yg_intel_set *yg_intel_live_get(struct yg_intel_live *l)
{
	return rcu_dereference(l->cur);
}

uint64_t yg_intel_live_generation(const struct yg_intel_live *l)
{
	return __atomic_load_n(&l->generation, __ATOMIC_ACQUIRE);
}
