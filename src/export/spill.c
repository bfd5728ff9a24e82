/*
 * Sorting an export larger than memory should hold (export.h,
 * yg_export_spill_*): an external merge sort over temporary files.
 *
 * Why runs and a merge: the hub builds an export from every indicator a
 * member may read (300,000 and more); sorted and de-duplicated in memory
 * that cost over a gigabyte. Batches of a bounded size are sorted in
 * memory (yg_export_items_sort) and written as runs; the merge reads one
 * record per run at a time. At most SPILL_FANIN runs are open: the
 * FANIN-th run folds every run so far into one, so memory stays the same
 * for any number of items (the cost is reading the folded run again, once
 * per FANIN batches).
 *
 * A run is a sequence of records: the type as one byte, then value,
 * source and id, each as a 4-byte length (0xffffffff for NULL) and its
 * bytes. The files are unlinked at creation: nothing is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/export.h"

#define SPILL_FANIN 16
#define STR_MAX     (1u << 20) /* a value longer than this is not an indicator */
#define NO_STR      0xffffffffu

struct rec {
	int type;
	char *s[3]; /* value, source, id; NULL when absent */
	size_t cap[3];
	bool has;
};

struct run {
	FILE *f;
	struct rec cur;
};

struct yg_export_spill {
	struct run runs[SPILL_FANIN];
	size_t n;
	struct rec out; /* the item last handed out */
	bool started;
};

int yg_export_tmpfd(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	char path[4096];
	snprintf(path, sizeof path, "%s/yagura-export-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int yg_export_spill_new(struct yg_export_spill **ret)
{
	struct yg_export_spill *sp = calloc(1, sizeof *sp);
	if (!sp)
		return -ENOMEM;
	*ret = sp;
	return 0;
}

static void rec_release(struct rec *r)
{
	for (int k = 0; k < 3; k++)
		free(r->s[k]);
	memset(r, 0, sizeof *r);
}

void yg_export_spill_free(struct yg_export_spill *sp)
{
	if (!sp)
		return;
	for (size_t i = 0; i < sp->n; i++) {
		fclose(sp->runs[i].f);
		rec_release(&sp->runs[i].cur);
	}
	rec_release(&sp->out);
	free(sp);
}

static int put_str(FILE *f, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : NO_STR;
	if (s && strlen(s) >= STR_MAX)
		return -E2BIG;
	if (fwrite(&n, sizeof n, 1, f) != 1 || (s && n && fwrite(s, 1, n, f) != n))
		return -EIO;
	return 0;
}

static int put_item(FILE *f, int type, const char *const s[3])
{
	unsigned char t = (unsigned char)type;
	if (fwrite(&t, 1, 1, f) != 1)
		return -EIO;
	for (int k = 0; k < 3; k++) {
		int r = put_str(f, s[k]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The run's next record into r->cur; r->cur.has false at its end. */
static int run_read(struct run *r)
{
	struct rec *c = &r->cur;
	unsigned char t;
	c->has = false;
	if (fread(&t, 1, 1, r->f) != 1)
		return ferror(r->f) ? -EIO : 0;
	c->type = t;
	for (int k = 0; k < 3; k++) {
		uint32_t n;
		if (fread(&n, sizeof n, 1, r->f) != 1)
			return -EIO;
		if (n == NO_STR) {
			free(c->s[k]);
			c->s[k] = NULL;
			c->cap[k] = 0;
			continue;
		}
		if (n >= STR_MAX)
			return -EIO;
		if (n + 1 > c->cap[k]) {
			char *p = realloc(c->s[k], n + 1);
			if (!p)
				return -ENOMEM;
			c->s[k] = p;
			c->cap[k] = n + 1;
		}
		if (n && fread(c->s[k], 1, n, r->f) != n)
			return -EIO;
		c->s[k][n] = 0;
	}
	c->has = true;
	return 0;
}

static int cmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* The order of yg_export_items_sort. */
static int rec_cmp(const struct rec *a, const struct rec *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	for (int k = 0; k < 3; k++) {
		int c = cmp0(a->s[k], b->s[k]);
		if (c)
			return c;
	}
	return 0;
}

static int copy_rec(struct rec *dst, const struct rec *src)
{
	dst->type = src->type;
	for (int k = 0; k < 3; k++) {
		if (!src->s[k]) {
			free(dst->s[k]);
			dst->s[k] = NULL;
			dst->cap[k] = 0;
			continue;
		}
		size_t n = strlen(src->s[k]);
		if (n + 1 > dst->cap[k]) {
			char *p = realloc(dst->s[k], n + 1);
			if (!p)
				return -ENOMEM;
			dst->s[k] = p;
			dst->cap[k] = n + 1;
		}
		memcpy(dst->s[k], src->s[k], n + 1);
	}
	dst->has = true;
	return 0;
}

static int merge_rewind(void *ud)
{
	struct yg_export_spill *sp = ud;
	for (size_t i = 0; i < sp->n; i++) {
		if (fseek(sp->runs[i].f, 0, SEEK_SET) < 0)
			return -EIO;
		int r = run_read(&sp->runs[i]);
		if (r < 0)
			return r;
	}
	sp->started = true;
	return 0;
}

/* The smallest current record of every run, once per (type, value): the
 * runs whose current record has the same type and value step past it. */
static int merge_next(void *ud, struct yg_export_item *ret)
{
	struct yg_export_spill *sp = ud;
	if (!sp->started) {
		int r = merge_rewind(sp);
		if (r < 0)
			return r;
	}
	struct run *best = NULL;
	for (size_t i = 0; i < sp->n; i++)
		if (sp->runs[i].cur.has && (!best || rec_cmp(&sp->runs[i].cur, &best->cur) < 0))
			best = &sp->runs[i];
	if (!best)
		return 0;
	int r = copy_rec(&sp->out, &best->cur);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sp->n; i++) {
		struct rec *c = &sp->runs[i].cur;
		if (c->has && c->type == sp->out.type && !cmp0(c->s[0], sp->out.s[0])) {
			r = run_read(&sp->runs[i]);
			if (r < 0)
				return r;
		}
	}
	*ret = (struct yg_export_item){.type = (enum yg_ind_type)sp->out.type,
	                               .value = sp->out.s[0],
	                               .source = sp->out.s[1],
	                               .id = sp->out.s[2]};
	return 1;
}

static FILE *new_run_file(int *ret_err)
{
	int fd = yg_export_tmpfd();
	if (fd < 0) {
		*ret_err = fd;
		return NULL;
	}
	FILE *f = fdopen(fd, "w+");
	if (!f) {
		*ret_err = -errno;
		close(fd);
	}
	return f;
}

/* Folds every run into one. */
static int fold(struct yg_export_spill *sp)
{
	int r = 0;
	FILE *f = new_run_file(&r);
	if (!f)
		return r;
	sp->started = false;
	struct yg_export_item it;
	while ((r = merge_next(sp, &it)) > 0) {
		const char *s[3] = {it.value, it.source, it.id};
		r = put_item(f, (int)it.type, s);
		if (r < 0)
			break;
	}
	if (r == 0 && fflush(f) != 0)
		r = -EIO;
	if (r < 0) {
		fclose(f);
		return r;
	}
	for (size_t i = 0; i < sp->n; i++) {
		fclose(sp->runs[i].f);
		rec_release(&sp->runs[i].cur);
	}
	memset(sp->runs, 0, sizeof sp->runs);
	sp->runs[0].f = f;
	sp->n = 1;
	sp->started = false;
	return 0;
}

int yg_export_spill_add(struct yg_export_spill *sp, const struct yg_export_item *items, size_t n)
{
	if (n == 0)
		return 0;
	if (sp->n == SPILL_FANIN) {
		int r = fold(sp);
		if (r < 0)
			return r;
	}
	int r = 0;
	FILE *f = new_run_file(&r);
	if (!f)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *s[3] = {items[i].value, items[i].source, items[i].id};
		r = put_item(f, (int)items[i].type, s);
	}
	if (r == 0 && fflush(f) != 0)
		r = -EIO;
	if (r < 0) {
		fclose(f);
		return r;
	}
	sp->runs[sp->n++] = (struct run){.f = f};
	sp->started = false;
	return 0;
}

void yg_export_spill_source(struct yg_export_spill *sp, struct yg_export_src *ret)
{
	sp->started = false;
	*ret = (struct yg_export_src){.next = merge_next, .rewind = merge_rewind, .ud = sp};
}
