/*
 * The sighting spool (see spool.h): a queue of batch files in one folder.
 *
 * Crash safety: a batch exists under its final name only once its bytes
 * are on disk (temporary name, fsync, rename, fsync of the folder); a
 * crash leaves either nothing or a whole batch, never a torn one. Stray
 * temporary files are removed at open.
 */
#include "sensor/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUFFIX ".json"

struct item {
	uint64_t seq;
	uint64_t size;
	char *data; /* memory-only batch; NULL when on disk */
	bool replay;
};

struct yg_spool {
	char *dir;
	const char *prefix; /* "sightings-", "darknet-" or "beacons-" (a literal) */
	int (*check)(const char *data, size_t len);
	uint64_t max_bytes;
	struct item *v;
	size_t head, n, cap; /* queue v[head .. head+n) */
	uint64_t next_seq;
	uint64_t bytes, mem_bytes;
	struct yg_spool_stats st;
};

static void errf(char *err, size_t len, const char *what, const char *path, int e)
{
	if (err && len)
		snprintf(err, len, "%s %s: %s", what, path, strerror(e));
}

static void file_name(const struct yg_spool *s, uint64_t seq, bool tmp, char *out, size_t size)
{
	if (tmp)
		snprintf(out, size, "%s/.%s%016llx.tmp", s->dir, s->prefix, (unsigned long long)seq);
	else
		snprintf(out, size, "%s/%s%016llx%s", s->dir, s->prefix, (unsigned long long)seq,
		         SUFFIX);
}

static int push(struct yg_spool *s, const struct item *it)
{
	if (s->head + s->n == s->cap) {
		if (s->head) {
			memmove(s->v, s->v + s->head, s->n * sizeof *s->v);
			s->head = 0;
		} else {
			size_t nc = s->cap ? s->cap * 2 : 64;
			struct item *v = realloc(s->v, nc * sizeof *v);
			if (!v)
				return -ENOMEM;
			s->v = v;
			s->cap = nc;
		}
	}
	s->v[s->head + s->n++] = *it;
	s->bytes += it->size;
	if (it->data)
		s->mem_bytes += it->size;
	return 0;
}

/* "<prefix><16 hex>.json" -> seq. */
static bool parse_name(const struct yg_spool *s, const char *name, uint64_t *ret)
{
	size_t pl = strlen(s->prefix), sl = strlen(SUFFIX), n = strlen(name);
	if (n != pl + 16 + sl || strncmp(name, s->prefix, pl) || strcmp(name + pl + 16, SUFFIX))
		return false;
	uint64_t v = 0;
	for (size_t i = pl; i < pl + 16; i++) {
		char c = name[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*ret = v;
	return true;
}

static int cmp_item(const void *a, const void *b)
{
	uint64_t x = ((const struct item *)a)->seq, y = ((const struct item *)b)->seq;
	return x < y ? -1 : x > y;
}

static int scan(struct yg_spool *s, char *err, size_t errlen)
{
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST) {
		errf(err, errlen, "cannot create the spool folder", s->dir, errno);
		return -errno;
	}
	DIR *d = opendir(s->dir);
	if (!d) {
		errf(err, errlen, "cannot read the spool folder", s->dir, errno);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[4200];
		uint64_t seq;
		if (de->d_name[0] == '.' &&
		    strncmp(de->d_name + 1, s->prefix, strlen(s->prefix)) == 0) {
			snprintf(path, sizeof path, "%s/%s", s->dir, de->d_name);
			unlink(path); /* a batch a crash interrupted: never acknowledged */
			continue;
		}
		if (!parse_name(s, de->d_name, &seq) || s->n >= YG_SPOOL_FILES_MAX)
			continue;
		snprintf(path, sizeof path, "%s/%s", s->dir, de->d_name);
		struct stat stt;
		if (stat(path, &stt) < 0 || !S_ISREG(stt.st_mode))
			continue;
		struct item it = {.seq = seq, .size = (uint64_t)stt.st_size, .replay = true};
		r = push(s, &it);
		if (r < 0)
			break;
		if (seq >= s->next_seq)
			s->next_seq = seq + 1;
	}
	closedir(d);
	if (r == 0) {
		if (s->n)
			qsort(s->v + s->head, s->n, sizeof *s->v, cmp_item);
		s->st.loaded = s->n;
	}
	return r;
}

int yg_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen,
                  struct yg_spool **ret)
{
	return yg_spool_open_kind(dir, YG_SPOOL_SIGHTINGS, max_bytes, err, errlen, ret);
}

int yg_spool_open_kind(const char *dir, enum yg_spool_kind kind, uint64_t max_bytes, char *err,
                       size_t errlen, struct yg_spool **ret)
{
	if (!max_bytes)
		return -EINVAL;
	if (err && errlen)
		err[0] = '\0';
	struct yg_spool *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	switch (kind) {
	case YG_SPOOL_DARKNET:
		s->prefix = "darknet-";
		s->check = yg_spool_check_darknet;
		break;
	case YG_SPOOL_BEACONS:
		s->prefix = "beacons-";
		s->check = yg_spool_check_beacons;
		break;
	default:
		s->prefix = "sightings-";
		s->check = yg_spool_check_batch;
	}
	s->max_bytes = max_bytes;
	s->next_seq = 1;
	if (dir) {
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		if (n > 4000 || !(s->dir = strndup(dir, n))) {
			free(s);
			return n > 4000 ? -EINVAL : -ENOMEM;
		}
		if (scan(s, err, errlen) == -ENOMEM) {
			yg_spool_free(s);
			return -ENOMEM;
		}
	}
	*ret = s;
	return 0;
}

void yg_spool_free(struct yg_spool *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[s->head + i].data);
	free(s->v);
	free(s->dir);
	free(s);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The durable write of one batch file. */
static int write_file(struct yg_spool *s, uint64_t seq, const char *data, size_t len, char *err,
                      size_t errlen)
{
	char tmp[4200], fin[4200];
	file_name(s, seq, true, tmp, sizeof tmp);
	file_name(s, seq, false, fin, sizeof fin);
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		errf(err, errlen, "cannot create the spool folder", s->dir, e);
		return -e;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		errf(err, errlen, "cannot write to the spool folder", s->dir, e);
		return -e;
	}
	int r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, fin) < 0)
		r = -errno;
	if (r < 0) {
		errf(err, errlen, "cannot write a batch to the spool folder", s->dir, -r);
		unlink(tmp);
		return r;
	}
	int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		/* The rename is durable only once the folder is. */
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int yg_spool_put(struct yg_spool *s, const char *data, size_t len, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (len > YG_SPOOL_BATCH_MAX)
		return -E2BIG;
	if (s->bytes + len > s->max_bytes) {
		if (err && errlen)
			snprintf(err, errlen, "spool full (%llu of %llu bytes held)",
			         (unsigned long long)s->bytes, (unsigned long long)s->max_bytes);
		return -ENOSPC;
	}
	uint64_t seq = s->next_seq;
	struct item it = {.seq = seq, .size = len};
	int disk = s->dir ? write_file(s, seq, data, len, err, errlen) : -ENOENT;
	if (disk < 0) {
		if (disk != -ENOENT || s->dir)
			s->st.write_errors++;
		if (s->mem_bytes + len > YG_SPOOL_MEM_MAX) {
			if (err && errlen && !err[0])
				snprintf(err, errlen, "memory queue full (%llu bytes)",
				         (unsigned long long)s->mem_bytes);
			return -ENOSPC;
		}
		it.data = malloc(len + 1);
		if (!it.data)
			return -ENOMEM;
		memcpy(it.data, data, len);
		it.data[len] = '\0';
	}
	int r = push(s, &it);
	if (r < 0) {
		if (!it.data) {
			char fin[4200];
			file_name(s, seq, false, fin, sizeof fin);
			unlink(fin);
		}
		free(it.data);
		return r;
	}
	s->next_seq++;
	return disk < 0 ? 1 : 0;
}

static void drop_head(struct yg_spool *s)
{
	struct item *it = &s->v[s->head];
	s->bytes -= it->size;
	if (it->data)
		s->mem_bytes -= it->size;
	free(it->data);
	s->head++;
	s->n--;
	if (!s->n)
		s->head = 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = 0;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > YG_SPOOL_BATCH_MAX) {
		r = -EBADMSG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = -EBADMSG;
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

int yg_spool_oldest(struct yg_spool *s, char **ret_data, size_t *ret_len, uint64_t *ret_handle,
                    bool *ret_replay)
{
	if (!s->n)
		return -ENOENT;
	struct item *it = &s->v[s->head];
	char *data = NULL;
	size_t len = 0;
	if (it->data) {
		data = malloc(it->size + 1);
		if (!data)
			return -ENOMEM;
		memcpy(data, it->data, it->size + 1);
		len = it->size;
	} else {
		char path[4200];
		file_name(s, it->seq, false, path, sizeof path);
		int r = read_file(path, &data, &len);
		if (r == -ENOMEM)
			return r;
		if (r == 0 && s->check(data, len) < 0) {
			free(data);
			r = -EBADMSG;
		}
		if (r < 0) {
			/* Set aside, not deleted: someone may want to look at it. */
			char bad[4300];
			snprintf(bad, sizeof bad, "%s.bad", path);
			if (rename(path, bad) < 0)
				unlink(path);
			s->st.bad_files++;
			drop_head(s);
			return -EBADMSG;
		}
	}
	*ret_data = data;
	*ret_len = len;
	*ret_handle = it->seq;
	*ret_replay = it->replay;
	return 0;
}

int yg_spool_remove(struct yg_spool *s, uint64_t handle)
{
	if (!s->n || s->v[s->head].seq != handle)
		return -ENOENT;
	if (!s->v[s->head].data) {
		char path[4200];
		file_name(s, handle, false, path, sizeof path);
		unlink(path);
	}
	drop_head(s);
	return 0;
}

void yg_spool_stats(const struct yg_spool *s, struct yg_spool_stats *ret)
{
	*ret = s->st;
	ret->batches = s->n;
	ret->bytes = s->bytes;
	ret->in_memory = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[s->head + i].data)
			ret->in_memory++;
}

int yg_spool_check_batch(const char *data, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
	int r = -EBADMSG;
	if (!j || !json_is_object(j))
		goto out;
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *objs = json_object_get(j, "objects");
	if (!type || strcmp(type, "bundle") || !json_is_array(objs) || json_array_size(objs) == 0 ||
	    json_array_size(objs) > 1000)
		goto out;
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o)
	{
		const char *t = json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!t || strcmp(t, "sighting") || !id || strncmp(id, "sighting--", 10))
			goto out;
	}
	r = 0;
out:
	json_decref(j);
	return r;
}

int yg_spool_check_darknet(const char *data, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
	int r = -EBADMSG;
	if (j && json_is_object(j) && json_is_string(json_object_get(j, "window_start")) &&
	    json_is_string(json_object_get(j, "sensor")) &&
	    json_is_array(json_object_get(j, "ports")) &&
	    json_is_array(json_object_get(j, "sources")) &&
	    json_is_array(json_object_get(j, "victims")))
		r = 0;
	json_decref(j);
	return r;
}

int yg_spool_check_beacons(const char *data, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
	json_t *a = json_object_get(j, "beacons");
	int r = -EBADMSG;
	if (!json_is_object(j) || !json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > 1000)
		goto out;
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		if (!json_is_object(o))
			goto out;
	}
	r = 0;
out:
	json_decref(j);
	return r;
}
