/*
 * The line-based indicator formats share this walk: split into lines (LF
 * or CR LF), trim blanks, skip blank lines and the format's comment lines,
 * refuse over-long lines, and hand each remaining line to the format's
 * line function, which emits values or rejects the line.
 *
 * Why values are emitted through a queue: normalizing the next values
 * while one waits lets the builder prefetch the dedup slot of the waiting
 * one, which hides most of a cache miss per value on lists of a million
 * lines (the table is far larger than the caches). One value of lead hid
 * half of it on a loaded virtual machine, whose memory answers slower than
 * one line is parsed; YG_INTEL_EMIT_QUEUE - 1 values of lead hide the
 * rest. Values are added in the order they were read, so the first of two
 * duplicates is the one kept, as without the queue.
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds the oldest waiting value. */
static int flush_one(struct yg_intel_emit *e)
{
	unsigned i = e->head;
	e->head = (e->head + 1) & (YG_INTEL_EMIT_QUEUE - 1);
	e->count--;
	int r = yg_intel_builder_put(e->b, &e->nv[i], e->source, e->nv_line[i], NULL);
	if (r == -E2BIG) {
		yg_intel_reject(e->b, e->source, e->nv_line[i],
		                "too many indicators or sources; skipped");
		return 0;
	}
	if (r < 0)
		return r;
	e->added += r;
	return 0;
}

/* Adds every waiting value. */
static int flush(struct yg_intel_emit *e)
{
	while (e->count) {
		int r = flush_one(e);
		if (r < 0)
			return r;
	}
	return 0;
}

void yg_intel_emit_reject(struct yg_intel_emit *e, const char *what, const char *v, size_t n)
{
	char msg[160];
	if (v)
		snprintf(msg, sizeof msg, "%s: \"%.*s\"", what, (int)(n > 60 ? 60 : n), v);
	else
		snprintf(msg, sizeof msg, "%s", what);
	yg_intel_reject(e->b, e->source, e->line, msg);
}

int yg_intel_emit(struct yg_intel_emit *e, int type, const char *v, size_t n)
{
	int r = 0;
	if (e->count == YG_INTEL_EMIT_QUEUE)
		r = flush_one(e); /* a slot for this value */
	if (r < 0)
		return r;
	unsigned i = (e->head + e->count) & (YG_INTEL_EMIT_QUEUE - 1);
	struct yg_norm *nv = &e->nv[i];
	const char *why;
	r = type < 0 ? yg_intel_norm_guess(v, n, e->hints, nv, &why)
	             : yg_intel_norm((enum yg_ind_type)type, v, n, nv, &why);
	if (r < 0) {
		yg_intel_emit_reject(e, why, v, n);
		return 0;
	}
	yg_intel_builder_prefetch(e->b, nv);
	e->nv_line[i] = e->line;
	e->count++;
	return 0;
}

long yg_intel_each_line(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                        unsigned hints, const char *comments, yg_intel_line_fn fn, void *ctx)
{
	const char *end = p + len;
	/* two normalized values of 4 KiB each: on the heap, not the stack */
	struct yg_intel_emit *e = malloc(sizeof *e);
	if (!e)
		return -ENOMEM;
	/* the values' buffers are written before they are read: not cleared */
	e->b = b;
	e->source = source;
	e->line = 0;
	e->indented = false;
	e->hints = hints;
	e->added = 0;
	e->head = e->count = 0;
	int r = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		const char *s = p;
		p = eol ? eol + 1 : end;
		e->line++;
		e->indented = s < le && yg_intel_is_blank(*s);
		while (s < le && yg_intel_is_blank(*s))
			s++;
		while (le > s && yg_intel_is_blank(le[-1]))
			le--;
		if (s == le || (*s && strchr(comments, *s)))
			continue;
		if ((size_t)(le - s) > YG_INTEL_MAX_LINE) {
			yg_intel_reject(b, source, e->line, "line too long");
			continue;
		}
		r = fn(e, s, (size_t)(le - s), ctx);
		if (r < 0)
			goto out;
	}
	r = flush(e);
out:;
	long added = e->added;
	free(e);
	return r < 0 ? r : added;
}
