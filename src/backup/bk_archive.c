/*
 * Reader and writer of a backup's plain content (bk_archive.h). The reader
 * trusts nothing in the stream: the stream was authenticated, but a key
 * may have been given away, and a restore must not be the way to write
 * outside its folder or to exhaust the machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/bk_archive.h"

#define COPY_BUF (64u << 10)

static bool comp_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._+@=,-", c) != NULL;
}

bool yg_bk_name_ok(const char *name, size_t n)
{
	if (!name || n == 0 || n > YG_BK_NAME_MAX)
		return false;
	size_t depth = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && name[i] != '/') {
			if (!name[i] || !comp_char((unsigned char)name[i]))
				return false;
			continue;
		}
		/* A component ends at i: not empty, not hidden ("." and ".."
		 * are hidden too). */
		if (i == start || name[start] == '.' || ++depth > YG_BK_DEPTH_MAX)
			return false;
		start = i + 1;
	}
	return true;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	uint8_t *p = realloc(*buf, need);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = need;
	return 0;
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Reads an entry's name (u16 length, bytes) into a NUL-terminated buffer. */
static int read_name(const struct yg_bk_src *src, char name[YG_BK_NAME_MAX + 1], char *where,
                     size_t wn, uint64_t entry)
{
	uint8_t l[2];
	int r = src->read(src->ud, l, 2);
	if (r < 0)
		return r;
	size_t n = (size_t)be(l, 2);
	if (n == 0 || n > YG_BK_NAME_MAX) {
		snprintf(where, wn, "entry %llu: a name of %zu bytes", (unsigned long long)entry,
		         n);
		return -EBADMSG;
	}
	r = src->read(src->ud, name, n);
	if (r < 0)
		return r;
	name[n] = '\0';
	if (!yg_bk_name_ok(name, n)) {
		snprintf(where, wn, "entry %llu: a name the format does not allow",
		         (unsigned long long)entry);
		return -EBADMSG;
	}
	return 0;
}

int yg_bk_archive_read(const struct yg_bk_src *src, const struct yg_bk_sink *sink, char *where,
                       size_t wn)
{
	char name[YG_BK_NAME_MAX + 1];
	/* Grown to the largest piece met (a manifest, a file's first bytes),
	 * at most COPY_BUF or the manifest's cap. */
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint64_t files = 0, bytes = 0, entry = 0;
	bool manifest = false;
	int r = 0;
	snprintf(where, wn, "%s", "");
	while (r == 0) {
		uint8_t kind, h[16];
		r = src->read(src->ud, &kind, 1);
		if (r < 0)
			break;
		r = -EBADMSG;
		if (entry >= YG_BK_ENTRIES_MAX) {
			snprintf(where, wn, "more than %u entries", YG_BK_ENTRIES_MAX);
			break;
		}
		if (!manifest && kind != 'M') {
			snprintf(where, wn, "entry 0: not the manifest");
			break;
		}
		switch (kind) {
		case 'M': {
			if (manifest) {
				snprintf(where, wn, "entry %llu: a second manifest",
				         (unsigned long long)entry);
				break;
			}
			if ((r = src->read(src->ud, h, 4)) < 0)
				break;
			size_t n = (size_t)be(h, 4);
			if (n > YG_BK_MANIFEST_MAX) {
				snprintf(where, wn, "manifest of %zu bytes", n);
				r = -EBADMSG;
				break;
			}
			if ((r = grow(&buf, &cap, n + 1)) < 0 ||
			    (r = src->read(src->ud, buf, n)) < 0)
				break;
			buf[n] = '\0';
			manifest = true;
			r = sink->manifest ? sink->manifest(sink->ud, (const char *)buf, n) : 0;
			break;
		}
		case 'D':
			if ((r = read_name(src, name, where, wn, entry)) < 0 ||
			    (r = src->read(src->ud, h, 4)) < 0)
				break;
			r = sink->dir ? sink->dir(sink->ud, name, (uint32_t)be(h, 4) & 07777) : 0;
			break;
		case 'F': {
			if ((r = read_name(src, name, where, wn, entry)) < 0 ||
			    (r = src->read(src->ud, h, 12)) < 0)
				break;
			uint64_t size = be(h + 4, 8);
			if (size > UINT64_MAX - bytes) {
				snprintf(where, wn, "entry %llu: a size beyond any disk",
				         (unsigned long long)entry);
				r = -EBADMSG;
				break;
			}
			r = sink->file_begin
			        ? sink->file_begin(sink->ud, name, (uint32_t)be(h, 4) & 07777, size)
			        : 0;
			for (uint64_t left = size; r == 0 && left;) {
				size_t take = left < COPY_BUF ? (size_t)left : COPY_BUF;
				r = grow(&buf, &cap, take);
				if (r == 0)
					r = src->read(src->ud, buf, take);
				if (r == 0 && sink->file_data)
					r = sink->file_data(sink->ud, buf, take);
				left -= take;
			}
			if (r == 0 && sink->file_end)
				r = sink->file_end(sink->ud);
			files++;
			bytes += size;
			break;
		}
		case 'Z':
			if ((r = src->read(src->ud, h, 16)) < 0)
				break;
			if (be(h, 8) != files || be(h + 8, 8) != bytes) {
				snprintf(where, wn,
				         "the trailer counts %llu files of %llu bytes, the archive "
				         "held %llu of %llu",
				         (unsigned long long)be(h, 8),
				         (unsigned long long)be(h + 8, 8),
				         (unsigned long long)files, (unsigned long long)bytes);
				r = -EBADMSG;
				break;
			}
			free(buf);
			return 0;
		default:
			snprintf(where, wn, "entry %llu: unknown kind 0x%02x",
			         (unsigned long long)entry, kind);
			break;
		}
		entry++;
	}
	if (r == -EBADMSG && !*where)
		snprintf(where, wn, "entry %llu: cut short", (unsigned long long)entry);
	free(buf);
	return r;
}

static int put_named(const struct yg_bk_put *o, char kind, const char *name, uint32_t mode,
                     const uint64_t *size)
{
	size_t n = name ? strlen(name) : 0;
	if (!yg_bk_name_ok(name, n))
		return -EINVAL;
	uint8_t h[1 + 2 + 4 + 8];
	h[0] = (uint8_t)kind;
	put_be(h + 1, n, 2);
	int r = o->write(o->ud, h, 3);
	if (r == 0)
		r = o->write(o->ud, name, n);
	put_be(h, mode & 07777, 4);
	if (size)
		put_be(h + 4, *size, 8);
	if (r == 0)
		r = o->write(o->ud, h, size ? 12 : 4);
	return r;
}

int yg_bk_put_manifest(const struct yg_bk_put *o, const char *json, size_t n)
{
	if (n > YG_BK_MANIFEST_MAX)
		return -E2BIG;
	uint8_t h[5] = {'M'};
	put_be(h + 1, n, 4);
	int r = o->write(o->ud, h, sizeof h);
	return r < 0 ? r : o->write(o->ud, json, n);
}

int yg_bk_put_dir(const struct yg_bk_put *o, const char *name, uint32_t mode)
{
	return put_named(o, 'D', name, mode, NULL);
}

int yg_bk_put_file(const struct yg_bk_put *o, const char *name, uint32_t mode, uint64_t size)
{
	return put_named(o, 'F', name, mode, &size);
}

int yg_bk_put_end(const struct yg_bk_put *o, uint64_t files, uint64_t bytes)
{
	uint8_t h[17] = {'Z'};
	put_be(h + 1, files, 8);
	put_be(h + 9, bytes, 8);
	return o->write(o->ud, h, sizeof h);
}
