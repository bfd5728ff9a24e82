/*
 * Fuzzes what `yagura hub restore` reads (src/backup/): the first byte
 * picks the layer.
 *   0: the plain archive (bk_archive.c) from memory;
 *   1: a whole sealed backup file (bk_seal.c, then bk_archive.c), opened
 *      with the fixed key file below (the seeds are real backups sealed
 *      with it, so mutations past the header reach the chunk checks and,
 *      intact, the archive).
 *
 * Beyond "no crash": every name handed on passes yg_bk_name_ok; the file
 * bytes handed on add up to the sizes announced; a failure is one of the
 * errors the headers promise; a failed archive read says where.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/bk_archive.h"
#include "backup/bk_seal.h"

/* 31 characters and the terminating NUL: the key file of the seeds. */
static const uint8_t fuzz_key[32] = "yagura-fuzz-backup-key-32-bytes";

struct mem {
	const uint8_t *p;
	size_t n;
};

static int mem_read(void *ud, void *p, size_t n)
{
	struct mem *m = ud;
	if (n > m->n)
		return -EBADMSG;
	memcpy(p, m->p, n);
	m->p += n;
	m->n -= n;
	return 0;
}

static int seal_read(void *ud, void *p, size_t n)
{
	return yg_bk_read(ud, p, n);
}

struct seen {
	uint64_t want, got;
	bool open;
};

static int on_dir(void *ud, const char *name, uint32_t mode)
{
	(void)ud;
	if (!yg_bk_name_ok(name, strlen(name)) || mode > 07777)
		abort();
	return 0;
}

static int on_begin(void *ud, const char *name, uint32_t mode, uint64_t size)
{
	struct seen *s = ud;
	if (!yg_bk_name_ok(name, strlen(name)) || mode > 07777 || s->open)
		abort();
	s->want = size;
	s->got = 0;
	s->open = true;
	return 0;
}

static int on_data(void *ud, const uint8_t *p, size_t n)
{
	struct seen *s = ud;
	(void)p;
	s->got += n;
	if (!s->open || s->got > s->want)
		abort();
	return 0;
}

static int on_end(void *ud)
{
	struct seen *s = ud;
	if (!s->open || s->got != s->want)
		abort();
	s->open = false;
	return 0;
}

static void archive(const struct yg_bk_src *src)
{
	struct seen s = {0};
	struct yg_bk_sink sink = {.dir = on_dir,
	                          .file_begin = on_begin,
	                          .file_data = on_data,
	                          .file_end = on_end,
	                          .ud = &s};
	char where[256];
	int r = yg_bk_archive_read(src, &sink, where, sizeof where);
	if (r == -EBADMSG && !where[0])
		abort();
	if (r < 0 && r != -EBADMSG && r != -ENOMEM && r != -EIO)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] == 0) {
		struct mem m = {data + 1, size - 1};
		struct yg_bk_src src = {.read = mem_read, .ud = &m};
		archive(&src);
		return 0;
	}
	if (size < 2)
		return 0;
	FILE *f = fmemopen((void *)(data + 1), size - 1, "rb");
	if (!f)
		return 0;
	struct yg_bk_secret sec = {.is_keyfile = true, .len = sizeof fuzz_key};
	memcpy(sec.bytes, fuzz_key, sizeof fuzz_key);
	struct yg_bk_reader *rd = NULL;
	int r = yg_bk_reader_new(f, &sec, &rd);
	if (r == 0) {
		struct yg_bk_src src = {.read = seal_read, .ud = rd};
		archive(&src);
		yg_bk_reader_end(rd);
		yg_bk_reader_free(rd);
	} else if (r != -EBADMSG && r != -EPROTO && r != -ENOKEY && r != -EKEYREJECTED &&
	           r != -ENOMEM && r != -EIO) {
		abort();
	}
	fclose(f);
	return 0;
}
