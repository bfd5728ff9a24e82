/*
 * The event broadcaster (see events.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/events.h"

struct ev {
	uint64_t id; /* 0: empty slot */
	char type[32];
	char *data;
	int64_t org;
	unsigned roles;
};

struct yg_events {
	pthread_mutex_t lock;
	struct ev ring[YG_EVENTS_RING];
	atomic_ullong last;
};

int yg_events_new(struct yg_events **ret)
{
	struct yg_events *ev = calloc(1, sizeof *ev);
	if (!ev)
		return -ENOMEM;
	pthread_mutex_init(&ev->lock, NULL);
	*ret = ev;
	return 0;
}

void yg_events_free(struct yg_events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < YG_EVENTS_RING; i++)
		free(ev->ring[i].data);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

uint64_t yg_events_publish(struct yg_events *ev, const char *type, const char *data,
			   int64_t org, unsigned roles)
{
	size_t n = strlen(data);
	if (n > YG_EVENTS_DATA_MAX || strchr(data, '\n') || strlen(type) >= sizeof ev->ring[0].type ||
	    strchr(type, '\n'))
		return 0;
	char *copy = malloc(n + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, n + 1);
	pthread_mutex_lock(&ev->lock);
	uint64_t id = atomic_load(&ev->last) + 1;
	struct ev *e = &ev->ring[id % YG_EVENTS_RING];
	free(e->data);
	e->id = id;
	snprintf(e->type, sizeof e->type, "%s", type);
	e->data = copy;
	e->org = org;
	e->roles = roles;
	atomic_store(&ev->last, id);
	pthread_mutex_unlock(&ev->lock);
	return id;
}

uint64_t yg_events_last(const struct yg_events *ev)
{
	return atomic_load(&((struct yg_events *)ev)->last);
}

size_t yg_events_read(struct yg_events *ev, uint64_t *cursor, int64_t org, unsigned role,
		      struct yg_buf *out, size_t max)
{
	size_t frames = 0, start = out->len;
	pthread_mutex_lock(&ev->lock);
	uint64_t last = atomic_load(&ev->last);
	uint64_t c = *cursor;
	if (c > last)
		c = last; /* an id from before a restart */
	if (last - c > YG_EVENTS_RING)
		c = last - YG_EVENTS_RING;
	while (c < last && out->len - start < max) {
		const struct ev *e = &ev->ring[(c + 1) % YG_EVENTS_RING];
		c++;
		if (e->id != c)
			continue;
		if ((e->org && e->org != org) || (e->roles && !(e->roles & role)))
			continue;
		char head[96];
		snprintf(head, sizeof head, "id: %llu\nevent: %s\ndata: ", (unsigned long long)e->id,
			 e->type);
		yg_buf_adds(out, head);
		yg_buf_adds(out, e->data);
		yg_buf_adds(out, "\n\n");
		frames++;
	}
	pthread_mutex_unlock(&ev->lock);
	*cursor = c;
	return frames;
}
