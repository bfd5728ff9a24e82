/*
 * Indicator files: reading a file, a folder or a MISP feed, choosing the
 * format (named by the caller, else detect.c), handing the text to that
 * format's loader (load_*.c, one file per format), and judging the file as
 * a whole when it is done.
 *
 * The verdict: a line-based file where more than half of the entries were
 * rejected was not understood (a wrong format, a page of HTML, a feed that changed
 * its layout). Reporting each of its 100,000 lines would bury the one line
 * that matters, and keeping the few entries that happened to parse would
 * load garbage; so everything it added is taken back and one report says
 * "format not recognized", with the count and the first bad entry's line.
 * Otherwise bad entries are reported one by one (the first 20 a file, then
 * a count) and skipped. Binary files are refused as a whole, with one
 * message.
 */
#include "intel/intel-int.h"

#include "common/bigalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* NUL bytes, or more than 1 in 20 bytes a control character, in the first
 * 64 KiB: not a text list. */
static bool looks_binary(const unsigned char *p, size_t len)
{
	size_t n = len < 65536 ? len : 65536, ctl = 0;
	if (memchr(p, 0, n))
		return true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') ||
		    c == 0x7f)
			ctl++;
	}
	return ctl * 20 > n;
}

bool yg_intel_text_screen(const char **p, size_t *len)
{
	if (*len >= 3 && memcmp(*p, "\xef\xbb\xbf", 3) == 0) {
		*p += 3;
		*len -= 3;
	}
	return !*len || !looks_binary((const unsigned char *)*p, *len);
}

static long dispatch(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                     const struct yg_intel_format *f, unsigned hints)
{
	switch (f->kind) {
	case YG_FMT_STIX:
		return yg_intel_load_stix(b, source, p, len);
	case YG_FMT_MISP:
		return yg_intel_load_misp(b, source, p, len);
	case YG_FMT_DROP_JSON:
		return yg_intel_load_drop_json(b, source, p, len);
	case YG_FMT_ADBLOCK:
		return yg_intel_load_adblock(b, source, p, len, hints);
	case YG_FMT_DNSMASQ:
		return yg_intel_load_dnsmasq(b, source, p, len, hints);
	case YG_FMT_UNBOUND:
		return yg_intel_load_unbound(b, source, p, len, hints);
	case YG_FMT_RPZ:
		return yg_intel_load_rpz(b, source, p, len, hints);
	case YG_FMT_DATASET:
		return yg_intel_load_dataset(b, source, p, len, f, hints);
	case YG_FMT_CSV: {
		long r = yg_intel_load_csv(b, source, p, len, f, hints);
		if (r != -ENOENT)
			return r;
		yg_intel_reject(b, source, 1,
		                "no CSV header naming a value column (name one: csv,column=N)");
		return 0;
	}
	case YG_FMT_AUTO:
	case YG_FMT_PLAIN:
	case YG_FMT_HOSTS:
	case YG_FMT_NETSET:
	case YG_FMT__COUNT:
		break;
	}
	return yg_intel_load_plain(b, source, p, len, f, hints);
}

long yg_intel_load_buffer_as(struct yg_intel_builder *b, const char *source, const uint8_t *data,
                             size_t len, const struct yg_intel_format *fmt)
{
	if (!b || (!data && len))
		return -EINVAL;
	if (!source)
		source = "";
	if (b->failed)
		return b->failed;
	yg_intel_file_begin(b);
	if (len > YG_INTEL_MAX_FILE) {
		b->rejected++;
		yg_intel_report(b, source, 0, "file too large");
		return -EFBIG;
	}
	if (len == 0)
		return 0;
	const char *p = (const char *)data;
	if (!yg_intel_text_screen(&p, &len)) {
		b->rejected++;
		yg_intel_report(
		    b, source, 0,
		    "binary file (NUL or control bytes), not an indicator list; skipped");
		return -EBADMSG;
	}
	struct yg_intel_format f = {.kind = YG_FMT_AUTO, .type = -1};
	if (fmt)
		f = *fmt;
	if (f.kind == YG_FMT_AUTO)
		f.kind = yg_intel_detect((const uint8_t *)p, len);
	unsigned hints = yg_intel_source_hints(source);
	if (f.kind != YG_FMT_STIX && f.kind != YG_FMT_MISP) {
		/* Lines counted in the first MiB and scaled to the file: a
		 * whole pass of its own cost a tenth of loading a big list, and
		 * the tables still grow where the guess falls short. */
		size_t lines = 1, sample = len < (1u << 20) ? len : (1u << 20);
		for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + sample - q))); q++)
			lines++;
		if (sample < len)
			lines = (size_t)((double)lines * ((double)len / (double)sample)) + 1;
		/* up to 8M lines ahead; beyond that the tables grow as they go,
		 * so a file of comments cannot make us reserve gigabytes */
		if (lines > 4096)
			yg_intel_builder_reserve(b, lines < (8u << 20) ? lines : (8u << 20), len);
	}
	long r = dispatch(b, source, p, len, &f, hints);
	if (r == -ENOMEM || b->failed)
		return b->failed ? b->failed : r;
	/* A STIX bundle or MISP event that parsed is understood even when most
	 * of its entries are of kinds this matcher cannot use (non-simple
	 * patterns, attribute types): those are reported one by one. */
	bool judge = f.kind != YG_FMT_STIX && f.kind != YG_FMT_MISP;
	if (yg_intel_file_end(b, source, yg_intel_format_name(f.kind), judge) != 0)
		return b->failed ? b->failed : 0;
	return r;
}

long yg_intel_load_buffer(struct yg_intel_builder *b, const char *source, const uint8_t *data,
                          size_t len)
{
	return yg_intel_load_buffer_as(b, source, data, len, NULL);
}

/* Reads a whole regular file; *ret_buf (caller frees) holds *ret_len bytes. */
static long read_all(const char *path, uint8_t **ret_buf, size_t *ret_len)
{
	long r = 0;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > YG_INTEL_MAX_FILE) {
		r = -EFBIG;
		goto out;
	}
	size_t n = (size_t)st.st_size;
	buf = malloc(n ? n : 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	yg_big_advise(buf, n); /* a big list: a fault per 2 MiB, not per 4 KiB */
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break; /* shrank while we read: take what is there */
		got += (size_t)k;
	}
	*ret_buf = buf;
	*ret_len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

static long load_file(struct yg_intel_builder *b, const char *path,
                      const struct yg_intel_format *fmt)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	long r = read_all(path, &buf, &n);
	if (r < 0)
		return r;
	r = yg_intel_load_buffer_as(b, path, buf, n, fmt);
	free(buf);
	return r;
}

/* "dir/name" (caller frees), without doubling a trailing slash of dir. */
static char *join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), pl = dl + strlen(name) + 2;
	char *full = malloc(pl);
	if (full)
		snprintf(full, pl, "%.*s/%s", (int)(dl > 1 && dir[dl - 1] == '/' ? dl - 1 : dl),
		         dir, name);
	return full;
}

/* Reports a file of a folder that could not be read; -ENOMEM goes up. */
static long note_unreadable(struct yg_intel_builder *b, const char *path, long k)
{
	if (k == -ENOMEM)
		return k;
	if (k != -EBADMSG) {
		char msg[128];
		snprintf(msg, sizeof msg, "cannot read: %s", strerror((int)-k));
		yg_intel_report(b, path, 0, msg);
	}
	return 0;
}

struct misp_feed {
	struct yg_intel_builder *b;
	const char *dir;
	long total;
	int err;
};

static void misp_event(void *ud, const char *uuid)
{
	struct misp_feed *m = ud;
	if (m->err)
		return;
	char name[48];
	snprintf(name, sizeof name, "%s.json", uuid);
	char *full = join(m->dir, name);
	if (!full) {
		m->err = -ENOMEM;
		return;
	}
	static const struct yg_intel_format misp = {.kind = YG_FMT_MISP, .type = -1};
	long k = load_file(m->b, full, &misp);
	if (k >= 0)
		m->total += k;
	else
		m->err = (int)note_unreadable(m->b, full, k);
	free(full);
}

/* A MISP feed: the events its manifest lists. -ENOENT when the folder has
 * no manifest.json that is a MISP manifest (then it is a folder of lists). */
static long load_misp_feed(struct yg_intel_builder *b, const char *dir)
{
	char *mpath = join(dir, "manifest.json");
	if (!mpath)
		return -ENOMEM;
	uint8_t *buf = NULL;
	size_t n = 0;
	long r = read_all(mpath, &buf, &n);
	if (r < 0) {
		r = r == -ENOMEM ? r : -ENOENT;
		goto out;
	}
	const char *why;
	if (yg_intel_misp_manifest((const char *)buf, n, NULL, NULL, &why) < 0) {
		r = -ENOENT;
		goto out;
	}
	struct misp_feed m = {.b = b, .dir = dir};
	yg_intel_misp_manifest((const char *)buf, n, misp_event, &m, &why);
	r = m.err ? m.err : m.total;
out:
	free(buf);
	free(mpath);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long load_dir(struct yg_intel_builder *b, const char *path,
                     const struct yg_intel_format *fmt)
{
	if (!fmt || fmt->kind == YG_FMT_AUTO || fmt->kind == YG_FMT_MISP) {
		long m = load_misp_feed(b, path);
		if (m != -ENOENT)
			return m;
	}
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long total = 0, r = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n >= YG_INTEL_MAX_DIR_FILES) {
			yg_intel_report(b, path, 0, "too many files in folder; the rest skipped");
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **q = realloc(names, nc * sizeof *q);
			if (!q) {
				r = -ENOMEM;
				goto out;
			}
			names = q;
			cap = nc;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n > 1) /* names is NULL in an empty folder, and qsort wants an array */
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *full = join(path, names[i]);
		if (!full) {
			r = -ENOMEM;
			goto out;
		}
		struct stat st;
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue; /* sub-folders and specials are not indicator files */
		}
		long k = load_file(b, full, fmt);
		if (k >= 0)
			total += k;
		else
			k = note_unreadable(b, full, k);
		free(full);
		if (k < 0) {
			r = k;
			goto out;
		}
	}
	r = total;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

long yg_intel_load_path_as(struct yg_intel_builder *b, const char *path,
                           const struct yg_intel_format *fmt)
{
	if (!b || !path)
		return -EINVAL;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return load_dir(b, path, fmt);
	/* a MISP feed given by its manifest */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strcmp(base, "manifest.json") == 0 &&
	    (!fmt || fmt->kind == YG_FMT_AUTO || fmt->kind == YG_FMT_MISP)) {
		size_t dl = (size_t)(base - path);
		char *dir = dl ? strndup(path, dl) : strdup(".");
		if (!dir)
			return -ENOMEM;
		long m = load_misp_feed(b, dir);
		free(dir);
		if (m != -ENOENT)
			return m;
	}
	return load_file(b, path, fmt);
}

long yg_intel_load_path(struct yg_intel_builder *b, const char *path)
{
	return yg_intel_load_path_as(b, path, NULL);
}

/* The format a spec names (kind AUTO when none) and where its path starts. */
static const char *split_spec(const char *spec, struct yg_intel_format *ret)
{
	const char *colon = strchr(spec, ':');
	struct stat st;
	if (colon && stat(spec, &st) < 0 &&
	    yg_intel_format_parse(spec, (size_t)(colon - spec), ret) == 0)
		return colon + 1;
	*ret = (struct yg_intel_format){.kind = YG_FMT_AUTO, .type = -1};
	return spec;
}

const char *yg_intel_spec_path(const char *spec)
{
	struct yg_intel_format f;
	return split_spec(spec, &f);
}

long yg_intel_load_spec(struct yg_intel_builder *b, const char *spec)
{
	if (!b || !spec)
		return -EINVAL;
	struct yg_intel_format f;
	const char *path = split_spec(spec, &f);
	return yg_intel_load_path_as(b, path, &f);
}
