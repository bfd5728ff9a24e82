/*
 * Per-organization rings of delivery delays (load_times.h). Organizations
 * are few (hundreds) and found by a linear scan of a sorted array: cheaper
 * than a hash table at this size and never resized after the first growth.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hub/load_times.h"

struct sample {
	int64_t at_us, delay_us;
};

struct org {
	int64_t org_id;
	unsigned next, n; /* ring position, samples held */
	struct sample s[YG_LOAD_SAMPLES];
};

struct yg_load_times {
	pthread_mutex_t lock;
	struct org **orgs; /* sorted by org_id */
	size_t n, cap;
};

int yg_load_times_new(struct yg_load_times **ret)
{
	struct yg_load_times *lt = calloc(1, sizeof *lt);
	if (!lt)
		return -ENOMEM;
	pthread_mutex_init(&lt->lock, NULL);
	*ret = lt;
	return 0;
}

void yg_load_times_free(struct yg_load_times *lt)
{
	if (!lt)
		return;
	for (size_t i = 0; i < lt->n; i++)
		free(lt->orgs[i]);
	free(lt->orgs);
	pthread_mutex_destroy(&lt->lock);
	free(lt);
}

/* Index of org_id, or where it would go (*found false). */
static size_t find(const struct yg_load_times *lt, int64_t org_id, bool *found)
{
	size_t lo = 0, hi = lt->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lt->orgs[mid]->org_id < org_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < lt->n && lt->orgs[lo]->org_id == org_id;
	return lo;
}

/* The ring of org_id, made when missing; NULL when full or out of memory.
 * Under lt->lock. */
static struct org *org_of(struct yg_load_times *lt, int64_t org_id)
{
	bool found;
	size_t i = find(lt, org_id, &found);
	if (found)
		return lt->orgs[i];
	if (lt->n == YG_LOAD_ORGS_MAX)
		return NULL;
	if (lt->n == lt->cap) {
		size_t cap = lt->cap ? lt->cap * 2 : 16;
		struct org **o = realloc(lt->orgs, cap * sizeof *o);
		if (!o)
			return NULL;
		lt->orgs = o;
		lt->cap = cap;
	}
	struct org *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->org_id = org_id;
	memmove(lt->orgs + i + 1, lt->orgs + i, (lt->n - i) * sizeof *lt->orgs);
	lt->orgs[i] = o;
	lt->n++;
	return o;
}

void yg_load_times_add(struct yg_load_times *lt, int64_t org_id, int64_t stored_us,
		       int64_t now_us)
{
	if (!lt)
		return;
	pthread_mutex_lock(&lt->lock);
	struct org *o = org_of(lt, org_id);
	if (o) {
		o->s[o->next] = (struct sample){now_us, now_us > stored_us ? now_us - stored_us : 0};
		o->next = (o->next + 1) % YG_LOAD_SAMPLES;
		if (o->n < YG_LOAD_SAMPLES)
			o->n++;
	}
	pthread_mutex_unlock(&lt->lock);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The value at quantile q of n sorted values (nearest rank). */
static int64_t rank(const int64_t *v, unsigned n, unsigned pct)
{
	unsigned k = (n * pct + 99) / 100;
	return v[k ? k - 1 : 0];
}

bool yg_load_times_get(struct yg_load_times *lt, int64_t org_id, int64_t now_us,
		       struct yg_load_stat *ret)
{
	int64_t d[YG_LOAD_SAMPLES];
	unsigned n = 0;
	if (!lt)
		return false;
	pthread_mutex_lock(&lt->lock);
	bool found;
	size_t i = find(lt, org_id, &found);
	for (unsigned k = 0; found && k < lt->orgs[i]->n; k++) {
		const struct sample *s = &lt->orgs[i]->s[k];
		if (now_us - s->at_us <= YG_LOAD_WINDOW_US)
			d[n++] = s->delay_us;
	}
	pthread_mutex_unlock(&lt->lock);
	if (!n)
		return false;
	qsort(d, n, sizeof *d, cmp_i64);
	*ret = (struct yg_load_stat){.n = n, .p50_us = rank(d, n, 50), .p95_us = rank(d, n, 95),
				     .max_us = d[n - 1]};
	return true;
}
