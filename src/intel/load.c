/*
 * Indicator files: reading (a file, or every file of a folder), telling
 * the format from the content, and the line-based formats.
 *
 *   format          detected by                        a line
 *   STIX 2.1        first byte '{' or '['              (load_stix.c)
 *   CSV             a header naming a value column     (load_csv.c)
 *   hosts           "ADDRESS NAME [NAME...]"           0.0.0.0 ads.example
 *   plain/netset    anything else                      198.51.100.0/24 # note
 *
 * In line formats '#' or ';' starts a comment at the line start or after
 * whitespace; CR LF, blank lines and surrounding blanks are fine. A hosts
 * line yields its names (localhost-like names skipped); any other line its
 * first word. Binary files are refused as a whole, with one message.
 */
#include "intel/intel-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int hosts_names(struct yg_intel_builder *b, const char *source, unsigned long line,
                       const char *p, const char *end, long *added)
{
	while (p < end) {
		while (p < end && is_ws(*p))
			p++;
		if (p == end || *p == '#' || *p == ';')
			break;
		const char *t = p;
		while (p < end && !is_ws(*p))
			p++;
		size_t n = (size_t)(p - t);
		if (yg_intel_is_local_name(t, n))
			continue;
		struct yg_norm nv;
		const char *why;
		if (yg_intel_norm(YG_IND_DOMAIN, t, n, &nv, &why) < 0) {
			char msg[160];
			snprintf(msg, sizeof msg, "hosts entry: %s: \"%.*s\"", why,
			         (int)(n > 60 ? 60 : n), t);
			yg_intel_reject(b, source, line, msg);
			continue;
		}
		int r = yg_intel_builder_put(b, &nv, source, line, NULL);
		if (r == -E2BIG) {
			yg_intel_reject(b, source, line, "too many indicators or sources; skipped");
			continue;
		}
		if (r < 0)
			return r;
		*added += r;
	}
	return 0;
}

/* One normalized value waiting to be added while the next line is parsed. */
struct pending {
	struct yg_norm nv[2];
	int cur;
	bool full;
	unsigned long line;
};

static int flush(struct yg_intel_builder *b, const char *source, struct pending *q, long *added)
{
	if (!q->full)
		return 0;
	q->full = false;
	int r = yg_intel_builder_put(b, &q->nv[q->cur ^ 1], source, q->line, NULL);
	if (r == -E2BIG) {
		yg_intel_reject(b, source, q->line, "too many indicators or sources; skipped");
		return 0;
	}
	if (r < 0)
		return r;
	*added += r;
	return 0;
}

static int add_word(struct yg_intel_builder *b, const char *source, unsigned long line,
                    const char *v, size_t len, unsigned hints, struct pending *q, long *added)
{
	struct yg_norm *nv = &q->nv[q->cur];
	const char *why;
	if (yg_intel_norm_guess(v, len, hints, nv, &why) < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s: \"%.*s\"", why, (int)(len > 60 ? 60 : len), v);
		yg_intel_reject(b, source, line, msg);
		return 0;
	}
	yg_intel_builder_prefetch(b, nv);
	int r = flush(b, source, q, added);
	q->full = true;
	q->line = line;
	q->cur ^= 1;
	return r;
}

long yg_intel_load_lines(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                         unsigned hints)
{
	long added = 0;
	unsigned long line = 0;
	const char *end = p + len;
	struct pending *q = malloc(sizeof *q);
	if (!q)
		return -ENOMEM;
	q->cur = 0;
	q->full = false;
	int r = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		const char *s = p;
		p = eol ? eol + 1 : end;
		line++;
		while (s < le && is_ws(*s))
			s++;
		while (le > s && is_ws(le[-1]))
			le--;
		if (s == le || *s == '#' || *s == ';')
			continue;
		if ((size_t)(le - s) > YG_INTEL_MAX_LINE) {
			yg_intel_reject(b, source, line, "line too long");
			continue;
		}
		const char *t = s;
		while (t < le && !is_ws(*t))
			t++;
		if (t < le && yg_intel_is_addr(s, (size_t)(t - s))) {
			const char *rest = t;
			while (rest < le && is_ws(*rest))
				rest++;
			if (rest < le && *rest != '#' && *rest != ';') {
				r = flush(b, source, q, &added);
				if (r == 0)
					r = hosts_names(b, source, line, rest, le, &added);
				if (r < 0)
					goto out;
				continue;
			}
		}
		r = add_word(b, source, line, s, (size_t)(t - s), hints, q, &added);
		if (r < 0)
			goto out;
	}
	r = flush(b, source, q, &added);
out:
	free(q);
	return r < 0 ? r : added;
}

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

static bool says_ja3(const char *source)
{
	for (const char *p = source; *p; p++)
		if (yg_lc(p[0]) == 'j' && yg_lc(p[1]) == 'a' && p[2] == '3')
			return true;
	return false;
}

long yg_intel_load_buffer(struct yg_intel_builder *b, const char *source, const uint8_t *data,
                          size_t len)
{
	if (!b || (!data && len))
		return -EINVAL;
	if (!source)
		source = "";
	if (b->failed)
		return b->failed;
	if (len > YG_INTEL_MAX_FILE) {
		yg_intel_reject(b, source, 0, "file too large");
		return -EFBIG;
	}
	b->file_errors = 0;
	if (len == 0)
		return 0;
	const char *p = (const char *)data;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		len -= 3;
	}
	if (len && looks_binary((const unsigned char *)p, len)) {
		b->rejected++;
		yg_intel_report(
		    b, source, 0,
		    "binary file (NUL or control bytes), not an indicator list; skipped");
		return -EBADMSG;
	}
	unsigned hints = says_ja3(source) ? YG_GUESS_JA3 : 0;
	size_t i = 0;
	while (i < len && (is_ws(p[i]) || p[i] == '\n'))
		i++;
	/* '[' opens a JSON array only when an object or ']' follows; a plain
	 * list may start with "[2001:db8::1]:443". */
	size_t j = i + 1;
	while (j < len && (is_ws(p[j]) || p[j] == '\n'))
		j++;
	bool json =
	    i < len && (p[i] == '{' || (p[i] == '[' && j < len && (p[j] == '{' || p[j] == ']')));
	long r;
	if (json)
		r = yg_intel_load_stix(b, source, p, len);
	else {
		size_t lines = 1;
		for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + len - q))); q++)
			lines++;
		/* up to 8M lines ahead; beyond that the tables grow as they go,
		 * so a file of comments cannot make us reserve gigabytes */
		if (lines > 4096)
			yg_intel_builder_reserve(b, lines < (8u << 20) ? lines : (8u << 20));
		r = yg_intel_load_csv(b, source, p, len, hints);
		if (r == -ENOENT)
			r = yg_intel_load_lines(b, source, p, len, hints);
	}
	if (b->file_errors > YG_INTEL_MAX_ERRORS_SHOWN) {
		char msg[96];
		snprintf(msg, sizeof msg, "%lu more rejected entries not shown",
		         b->file_errors - YG_INTEL_MAX_ERRORS_SHOWN);
		yg_intel_report(b, source, 0, msg);
	}
	if (r >= 0 && b->failed)
		r = b->failed;
	return r;
}

static long load_file(struct yg_intel_builder *b, const char *path)
{
	long r;
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
	r = yg_intel_load_buffer(b, path, buf, got);
out:
	free(buf);
	close(fd);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long load_dir(struct yg_intel_builder *b, const char *path)
{
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
		size_t pl = strlen(path) + strlen(names[i]) + 2;
		char *full = malloc(pl);
		if (!full) {
			r = -ENOMEM;
			goto out;
		}
		size_t dl = strlen(path);
		snprintf(full, pl, "%.*s/%s", (int)(dl > 1 && path[dl - 1] == '/' ? dl - 1 : dl),
		         path, names[i]);
		struct stat st;
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue; /* sub-folders and specials are not indicator files */
		}
		long k = load_file(b, full);
		if (k >= 0) {
			total += k;
		} else if (k == -ENOMEM) {
			free(full);
			r = k;
			goto out;
		} else if (k != -EBADMSG) {
			char msg[128];
			snprintf(msg, sizeof msg, "cannot read: %s", strerror((int)-k));
			yg_intel_report(b, full, 0, msg);
		}
		free(full);
	}
	r = total;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

long yg_intel_load_path(struct yg_intel_builder *b, const char *path)
{
	if (!b || !path)
		return -EINVAL;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return load_dir(b, path);
	return load_file(b, path);
}
