/*
 * yg_backup_create and yg_backup_restore (backup.h): the folder walk, the
 * store snapshot, and the all-or-nothing restore.
 *
 * Where plain copies live for a moment: the snapshot of the store is made
 * inside the data folder itself (a hidden file, gone when the backup ends),
 * never beside the output, which may sit on a removable disk; the restore
 * writes into a hidden sibling of the target folder and renames it into
 * place last.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backup/backup.h"
#include "backup/bk_archive.h"
#include "store/store.h"
#include "store/store_backup.h"

#define STORE_FILE "hub.db"
#define COPY_BUF   (256u << 10)

/* The live store's files: the snapshot stands for them. */
static bool live_store_file(const char *rel)
{
	static const char *const names[] = {"hub.db", "hub.db-wal", "hub.db-shm", "hub.db-journal"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(rel, names[i]))
			return true;
	return false;
}

struct bk {
	const char *dir;
	struct yg_bk_writer *w;
	struct yg_bk_put put;
	yg_backup_note_fn note;
	void *ud;
	dev_t out_dev, old_dev;
	ino_t out_ino, old_ino;
	uint64_t files, bytes;
	uint8_t *buf;
	char *err;
	size_t en;
};

static int put_write(void *ud, const void *p, size_t n)
{
	return yg_bk_write(ud, p, n);
}

/* Streams the file at path into the backup as name. */
static int put_file(struct bk *b, const char *path, const char *name, mode_t mode)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		snprintf(b->err, b->en, "cannot read %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	uint64_t size = (uint64_t)st.st_size;
	int r = yg_bk_put_file(&b->put, name, (uint32_t)mode, size);
	/* Exactly size bytes, as the entry said, even if the file changes
	 * under us (a file that shrank is an error, not a short entry). */
	for (uint64_t left = size; r == 0 && left;) {
		size_t want = left < COPY_BUF ? (size_t)left : COPY_BUF;
		ssize_t got = read(fd, b->buf, want);
		if (got <= 0) {
			r = got < 0 ? -errno : -EIO;
			snprintf(b->err, b->en, "%s changed while it was read", path);
			break;
		}
		r = yg_bk_write(b->w, b->buf, (size_t)got);
		left -= (uint64_t)got;
	}
	close(fd);
	if (r == 0) {
		b->files++;
		b->bytes += size;
		if (b->note)
			b->note(b->ud, name, size, NULL);
	} else if (!*b->err) {
		snprintf(b->err, b->en, "writing the backup: %s", strerror(-r));
	}
	return r;
}

/* Every entry of dir/rel (rel "" for the top), sorted, folders first in
 * the order they are met. */
static int walk(struct bk *b, const char *rel, int depth)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s%s%s", b->dir, *rel ? "/" : "", rel);
	struct dirent **list = NULL;
	int n = scandir(path, &list, NULL, alphasort);
	if (n < 0) {
		int e = errno;
		snprintf(b->err, b->en, "cannot list %s: %s", path, strerror(e));
		return -e;
	}
	int r = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = list[i]->d_name;
		char sub[PATH_MAX], full[PATH_MAX];
		if (r < 0 || nm[0] == '.')
			continue;
		int sl = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", nm);
		int fl = snprintf(full, sizeof full, "%s/%s", b->dir, sub);
		struct stat st;
		if (sl < 0 || (size_t)sl >= sizeof sub || fl < 0 || (size_t)fl >= sizeof full ||
		    lstat(full, &st) < 0)
			continue;
		if (!*rel && live_store_file(sub))
			continue;
		if ((st.st_dev == b->out_dev && st.st_ino == b->out_ino) ||
		    (st.st_dev == b->old_dev && st.st_ino == b->old_ino))
			continue; /* the backup being written, or the one it replaces */
		const char *skip = NULL;
		if (!yg_bk_name_ok(sub, strlen(sub)))
			skip = "a name a backup cannot carry";
		else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			skip = "not a regular file or folder";
		else if (S_ISDIR(st.st_mode) && depth + 1 >= YG_BK_DEPTH_MAX)
			skip = "folders nested too deep";
		if (skip) {
			if (b->note)
				b->note(b->ud, sub, 0, skip);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			r = yg_bk_put_dir(&b->put, sub, st.st_mode);
			if (r == 0)
				r = walk(b, sub, depth + 1);
		} else {
			r = put_file(b, full, sub, st.st_mode);
		}
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return r;
}

static void now_rfc3339(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int put_manifest(struct bk *b, const struct yg_backup_result *res)
{
	json_t *m = json_pack("{s:i, s:s, s:s, s:i}", "format", 1, "created", res->created, "store",
	                      res->store, "schema", res->schema);
	char *text = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(m);
	if (!text)
		return -ENOMEM;
	int r = yg_bk_put_manifest(&b->put, text, strlen(text));
	free(text);
	return r;
}

/* Removes a snapshot file and whatever journal SQLite left beside it. */
static void unlink_db(const char *path)
{
	static const char *const tails[] = {"", "-journal", "-wal", "-shm"};
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, tails[i]);
		unlink(p);
	}
}

static int fsync_parent(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	int fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int yg_backup_create(const char *dir, const char *out, const struct yg_bk_secret *sec,
                     bool files_only, yg_backup_note_fn note, void *ud,
                     struct yg_backup_result *ret, char *err, size_t en)
{
	struct bk b = {.dir = dir, .note = note, .ud = ud, .err = err, .en = en};
	struct yg_backup_result res = {0};
	char snap[PATH_MAX] = "", tmp[PATH_MAX] = "";
	FILE *f = NULL;
	int r;
	snprintf(err, en, "%s", "");
	now_rfc3339(res.created, sizeof res.created);
	snprintf(res.store, sizeof res.store, "%s", files_only ? "none" : "sqlite");
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		r = -ENOTDIR;
		snprintf(err, en, "%s is not a folder", dir);
		return r;
	}
	b.buf = malloc(COPY_BUF);
	if (!b.buf)
		return -ENOMEM;
	if (!files_only) {
		int n = snprintf(snap, sizeof snap, "%s/.backup-XXXXXX", dir);
		int fd = n > 0 && (size_t)n < sizeof snap ? mkostemp(snap, O_CLOEXEC) : -1;
		if (fd < 0) {
			r = -errno;
			snprintf(err, en, "cannot make the snapshot file in %s: %s", dir,
			         strerror(-r));
			snap[0] = '\0';
			goto out;
		}
		close(fd);
		r = yg_store_sqlite_snapshot(dir, snap, &res.schema);
		if (r < 0) {
			snprintf(err, en,
			         r == -ENOENT ? "%s has no store (hub.db)"
			                      : "cannot copy the store of %s: %s",
			         dir, strerror(-r));
			goto out;
		}
	}
	/* The output goes to a hidden file beside it, renamed at the end. */
	{
		char d[PATH_MAX], base[PATH_MAX];
		snprintf(d, sizeof d, "%s", out);
		snprintf(base, sizeof base, "%s", out);
		int n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dirname(d), basename(base));
		int fd = n > 0 && (size_t)n < sizeof tmp ? mkostemp(tmp, O_CLOEXEC) : -1;
		if (fd < 0) {
			r = -errno;
			snprintf(err, en, "cannot write beside %s: %s", out, strerror(-r));
			tmp[0] = '\0';
			goto out;
		}
		struct stat os;
		if (fstat(fd, &os) == 0) {
			b.out_dev = os.st_dev;
			b.out_ino = os.st_ino;
		}
		f = fdopen(fd, "wb");
		if (!f) {
			r = -errno;
			close(fd);
			goto out;
		}
	}
	r = yg_bk_writer_new(f, sec, &b.w);
	if (r < 0) {
		snprintf(err, en, "cannot start the sealed stream: %s", strerror(-r));
		goto out;
	}
	b.put = (struct yg_bk_put){.write = put_write, .ud = b.w};
	r = put_manifest(&b, &res);
	if (r == 0 && !files_only)
		r = put_file(&b, snap, STORE_FILE, 0600);
	if (r == 0) {
		/* A backup replacing an older one in the folder skips it too. */
		struct stat old;
		if (stat(out, &old) == 0) {
			b.old_dev = old.st_dev;
			b.old_ino = old.st_ino;
		}
		r = walk(&b, "", 0);
	}
	if (r == 0)
		r = yg_bk_put_end(&b.put, b.files, b.bytes);
	if (r == 0)
		r = yg_bk_writer_finish(b.w);
	if (r == 0 && (fflush(f) != 0 || fsync(fileno(f)) < 0))
		r = -errno;
	if (r < 0) {
		if (!*err)
			snprintf(err, en, "writing %s: %s", out, strerror(-r));
		goto out;
	}
	r = fclose(f) == 0 ? 0 : -errno;
	f = NULL;
	if (r == 0 && rename(tmp, out) < 0)
		r = -errno;
	if (r < 0) {
		snprintf(err, en, "cannot put the backup at %s: %s", out, strerror(-r));
		goto out;
	}
	tmp[0] = '\0';
	fsync_parent(out);
	res.files = b.files;
	res.bytes = b.bytes;
	if (ret)
		*ret = res;
out:
	if (f)
		fclose(f);
	if (tmp[0])
		unlink(tmp);
	if (snap[0])
		unlink_db(snap);
	yg_bk_writer_free(b.w);
	free(b.buf);
	return r;
}

/* ---- restore ---- */

struct rs {
	struct yg_bk_reader *rd;
	int root; /* the folder being filled */
	int fd;   /* the file being written, or -1 */
	const char *name;
	yg_backup_note_fn note;
	void *ud;
	struct yg_backup_result *res;
	bool got_store;
	uint64_t size;
	char *err;
	size_t en;
};

static int rs_read(void *ud, void *p, size_t n)
{
	return yg_bk_read(ud, p, n);
}

static int rs_manifest(void *ud, const char *text, size_t n)
{
	struct rs *s = ud;
	json_error_t je;
	json_t *m = json_loadb(text, n, 0, &je);
	const char *store = NULL, *created = NULL;
	json_int_t format = 0, schema = 0;
	int ok = m && json_unpack(m, "{s:I, s:s, s:s, s:I}", "format", &format, "created", &created,
	                          "store", &store, "schema", &schema) == 0;
	if (ok && (format != 1 || (strcmp(store, "sqlite") && strcmp(store, "none")) ||
	           schema < 0 || schema > 1000000))
		ok = 0;
	if (ok) {
		snprintf(s->res->store, sizeof s->res->store, "%s", store);
		snprintf(s->res->created, sizeof s->res->created, "%s", created);
		s->res->schema = (int)schema;
	}
	json_decref(m);
	if (!ok)
		snprintf(s->err, s->en, "the backup's manifest is not one this build reads");
	return ok ? 0 : -EBADMSG;
}

static int rs_dir(void *ud, const char *name, uint32_t mode)
{
	struct rs *s = ud;
	/* The owner keeps rwx whatever the mode said: the restore fills it. */
	if (mkdirat(s->root, name, (mode & 0777) | 0700) < 0) {
		int e = errno;
		snprintf(s->err, s->en, "cannot make the folder %s: %s", name, strerror(e));
		return -e;
	}
	return 0;
}

static int rs_file_begin(void *ud, const char *name, uint32_t mode, uint64_t size)
{
	struct rs *s = ud;
	/* O_EXCL: a name twice in one backup is refused, never overwritten. */
	s->fd = openat(s->root, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	               (mode & 0777) | 0600);
	if (s->fd < 0) {
		int e = errno;
		snprintf(s->err, s->en, "cannot write %s: %s", name, strerror(e));
		return e == EEXIST || e == ENOENT ? -EBADMSG : -e;
	}
	s->name = name;
	s->size = size;
	if (!strcmp(name, STORE_FILE))
		s->got_store = true;
	return 0;
}

static int rs_file_data(void *ud, const uint8_t *p, size_t n)
{
	struct rs *s = ud;
	while (n) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			snprintf(s->err, s->en, "cannot write %s: %s", s->name, strerror(e));
			return -e;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int rs_file_end(void *ud)
{
	struct rs *s = ud;
	int r = fsync(s->fd) < 0 ? -errno : 0;
	if (close(s->fd) < 0 && r == 0)
		r = -errno;
	s->fd = -1;
	if (r < 0) {
		snprintf(s->err, s->en, "cannot write %s: %s", s->name, strerror(-r));
		return r;
	}
	s->res->files++;
	s->res->bytes += s->size;
	if (s->note)
		s->note(s->ud, s->name, s->size, NULL);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* The target must be absent or an empty folder. */
static int target_free(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = -EEXIST;
	closedir(d);
	return r;
}

static const char *open_error(int r)
{
	switch (r) {
	case -EKEYREJECTED:
		return "wrong passphrase or key file: it is not the one this backup was made with";
	case -ENOKEY:
		return "this backup was sealed with the other kind of secret "
		       "(--passphrase-file vs --key-file)";
	case -EPROTO:
		return "this backup was made by a newer yagura (format or key derivation unknown)";
	case -EBADMSG:
		return "not a yagura backup";
	default:
		return NULL;
	}
}

int yg_backup_restore(const char *in, const char *dir, const struct yg_bk_secret *sec,
                      yg_backup_note_fn note, void *ud, struct yg_backup_result *ret, char *err,
                      size_t en)
{
	struct yg_backup_result res = {0};
	struct rs s = {
	    .root = -1, .fd = -1, .note = note, .ud = ud, .res = &res, .err = err, .en = en};
	char target[PATH_MAX], tmp[PATH_MAX] = "";
	FILE *f = NULL;
	int r;
	snprintf(err, en, "%s", "");
	/* "new/" and "new" are one target; the sibling goes beside it. */
	size_t tl = strlen(dir);
	while (tl > 1 && dir[tl - 1] == '/')
		tl--;
	if (tl == 0 || tl >= sizeof target - 32)
		return -ENAMETOOLONG;
	memcpy(target, dir, tl);
	target[tl] = '\0';
	r = target_free(target);
	if (r < 0) {
		snprintf(err, en,
		         r == -EEXIST ? "%s is not empty: restore into a new folder"
		                      : "cannot use %s as the target: %s",
		         target, strerror(-r));
		return r;
	}
	f = fopen(in, "rbe");
	if (!f) {
		r = -errno;
		snprintf(err, en, "cannot read %s: %s", in, strerror(-r));
		return r;
	}
	r = yg_bk_reader_new(f, sec, &s.rd);
	if (r < 0) {
		const char *why = open_error(r);
		snprintf(err, en, "%s: %s", in, why ? why : strerror(-r));
		goto out;
	}
	{
		char d[PATH_MAX], base[PATH_MAX];
		snprintf(d, sizeof d, "%s", target);
		snprintf(base, sizeof base, "%s", target);
		snprintf(tmp, sizeof tmp, "%s/.%s.restore-XXXXXX", dirname(d), basename(base));
	}
	if (!mkdtemp(tmp)) {
		r = -errno;
		snprintf(err, en, "cannot make a folder beside %s: %s", target, strerror(-r));
		tmp[0] = '\0';
		goto out;
	}
	s.root = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.root < 0) {
		r = -errno;
		goto out;
	}
	struct yg_bk_src src = {.read = rs_read, .ud = s.rd};
	struct yg_bk_sink sink = {.manifest = rs_manifest,
	                          .dir = rs_dir,
	                          .file_begin = rs_file_begin,
	                          .file_data = rs_file_data,
	                          .file_end = rs_file_end,
	                          .ud = &s};
	char where[256];
	r = yg_bk_archive_read(&src, &sink, where, sizeof where);
	if (r == 0)
		r = yg_bk_reader_end(s.rd);
	if (r < 0) {
		if (!*err)
			snprintf(err, en, "%s: %s%s%s", in,
			         r == -EBADMSG ? "damaged, cut off or altered" : strerror(-r),
			         *where ? ": " : "", where);
		goto out;
	}
	if (!strcmp(res.store, "sqlite")) {
		char db[PATH_MAX + 16], why[256];
		int v = 0;
		snprintf(db, sizeof db, "%s/%s", tmp, STORE_FILE);
		r = s.got_store ? yg_store_sqlite_verify(db, &v, why, sizeof why) : -EBADMSG;
		if (r < 0) {
			snprintf(err, en, "%s: the store in it fails its check: %s", in,
			         s.got_store ? why : "no hub.db");
			goto out;
		}
	}
	if (fsync(s.root) < 0 || rename(tmp, target) < 0) {
		r = -errno;
		snprintf(err, en, "cannot put the restored folder at %s: %s", target, strerror(-r));
		goto out;
	}
	tmp[0] = '\0';
	fsync_parent(target);
	if (ret)
		*ret = res;
out:
	if (s.fd >= 0)
		close(s.fd);
	if (s.root >= 0)
		close(s.root);
	if (tmp[0])
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	yg_bk_reader_free(s.rd);
	if (f)
		fclose(f);
	return r;
}
