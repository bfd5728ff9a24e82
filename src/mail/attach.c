/*
 * Attachments and archive members: streaming hashes (MD5, SHA-1, SHA-256,
 * ssdeep), type sniffing, risk flags, Office macro detection and descent
 * into archives with libarchive (zip, rar, 7z, gzip, bzip2, xz, tar, cab,
 * iso) within a depth, byte and entry budget per message, so that a zip
 * bomb costs at most YG_MAIL_ARCHIVE_BUDGET bytes of work.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fuzzy.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail-int.h"

#define CHUNK 65536
#define KEEP_MIN 4096

/* Fetched once, as src/app/ja.c and x509.c do: EVP_md5() and the like
 * fetch the algorithm again, under the provider store's lock, at every
 * digest's start, three for every attachment and one for every STIX id.
 * Never freed; the process keeps them. NULL where a fetch failed: then
 * the implicit fetch is used. */
static EVP_MD *md5_alg, *sha1_alg, *sha256_alg;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_algs(void)
{
	md5_alg = EVP_MD_fetch(NULL, "MD5", NULL);
	sha1_alg = EVP_MD_fetch(NULL, "SHA1", NULL);
	sha256_alg = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *yg_mail_sha1(void)
{
	pthread_once(&fetch_once, fetch_algs);
	return sha1_alg ? sha1_alg : EVP_sha1();
}

int yg_mail_hasher_init(struct yg_mail_hasher *h, size_t keep_max)
{
	memset(h, 0, sizeof *h);
	h->keep_max = keep_max;
	pthread_once(&fetch_once, fetch_algs);
	EVP_MD_CTX *m5 = EVP_MD_CTX_new(), *s1 = EVP_MD_CTX_new(), *s2 = EVP_MD_CTX_new();
	h->md5 = m5;
	h->sha1 = s1;
	h->sha256 = s2;
	if (!m5 || !s1 || !s2 || !EVP_DigestInit_ex(m5, md5_alg ? md5_alg : EVP_md5(), NULL) ||
	    !EVP_DigestInit_ex(s1, yg_mail_sha1(), NULL) ||
	    !EVP_DigestInit_ex(s2, sha256_alg ? sha256_alg : EVP_sha256(), NULL)) {
		yg_mail_hasher_release(h);
		return -ENOMEM;
	}
	return 0;
}

/* The part outgrew the kept prefix: from now on ssdeep streams, starting
 * with the prefix (which is all that came so far). */
static void fuzzy_start(struct yg_mail_hasher *h)
{
	h->fuzzy = fuzzy_new();
	if (!h->fuzzy || (h->kept && fuzzy_update(h->fuzzy, h->keep, h->kept) != 0)) {
		if (h->fuzzy)
			fuzzy_free(h->fuzzy);
		h->fuzzy = NULL;
		h->fuzzy_failed = true;
	}
}

int yg_mail_hasher_update(struct yg_mail_hasher *h, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (h->borrowed)
		return -EINVAL;
	/* Three contexts over the same chunk while it is hot in the cache. */
	if (!EVP_DigestUpdate(h->md5, p, n) || !EVP_DigestUpdate(h->sha1, p, n) ||
	    !EVP_DigestUpdate(h->sha256, p, n))
		return -ENOMEM;
	h->size += n;
	/* Bytes written where yg_mail_hasher_room pointed: that room was
	 * allocated before it was handed out, so they need no growth (which
	 * would free them) and no copy. */
	const bool in_place = h->keep && (const uint8_t *)p == h->keep + h->kept;
	size_t take = 0;
	if (h->kept < h->keep_max) {
		take = h->keep_max - h->kept < n ? h->keep_max - h->kept : n;
		/* No buffer means no capacity (keep_cap is 0 then); said
		 * here too so that the copy below never sees a NULL keep. */
		if (!h->keep || h->kept + take > h->keep_cap) {
			if (in_place)
				return -EINVAL; /* more than the room handed out */
			/* From a page, doubling: most parts are a few hundred
			 * bytes, and a 64 KiB buffer for each of them cost
			 * more to allocate than to hash them (fresh memory
			 * for every part under ASan, page faults without). */
			size_t nc = h->keep_cap ? h->keep_cap : KEEP_MIN;
			while (nc < h->kept + take)
				nc *= 2;
			if (nc > h->keep_max)
				nc = h->keep_max;
			uint8_t *k = realloc(h->keep, nc);
			if (!k)
				return -ENOMEM;
			h->keep = k;
			h->keep_cap = nc;
		}
		if (!in_place)
			memcpy(h->keep + h->kept, p, take);
		h->kept += take;
	}
	if (take == n || h->fuzzy_failed)
		return 0;
	if (!h->fuzzy)
		fuzzy_start(h);
	if (h->fuzzy && fuzzy_update(h->fuzzy, (const uint8_t *)p + take, n - take) != 0) {
		fuzzy_free(h->fuzzy); /* e.g. over ssdeep's size limit: no ssdeep */
		h->fuzzy = NULL;
		h->fuzzy_failed = true;
	}
	return 0;
}

int yg_mail_hasher_whole(struct yg_mail_hasher *h, const uint8_t *p, size_t n)
{
	if (h->size || h->kept || h->borrowed || n > h->keep_max)
		return -EINVAL;
	/* Three contexts chunk by chunk, each chunk still in the cache. */
	for (size_t off = 0; off < n; off += CHUNK) {
		size_t k = n - off < CHUNK ? n - off : CHUNK;
		if (!EVP_DigestUpdate(h->md5, p + off, k) || !EVP_DigestUpdate(h->sha1, p + off, k) ||
		    !EVP_DigestUpdate(h->sha256, p + off, k))
			return -ENOMEM;
	}
	h->size = n;
	/* Never written through: hasher_update refuses a borrowed keep. */
	h->keep = (uint8_t *)(uintptr_t)p;
	h->kept = h->keep_cap = n;
	h->borrowed = true;
	return 0;
}

uint8_t *yg_mail_hasher_room(struct yg_mail_hasher *h, size_t want, uint64_t expect,
                             size_t *room)
{
	if (h->borrowed || h->kept >= h->keep_max || want == 0)
		return NULL;
	size_t n = h->keep_max - h->kept < want ? h->keep_max - h->kept : want;
	if (h->kept + n > h->keep_cap) {
		size_t nc = h->keep_cap ? h->keep_cap : KEEP_MIN;
		while (nc < h->kept + n)
			nc *= 2;
		/* the announced size, plus one byte: the read that finds the
		 * end then needs no growth */
		if (expect < h->keep_max && expect + 1 > nc)
			nc = (size_t)expect + 1;
		if (nc > h->keep_max)
			nc = h->keep_max;
		uint8_t *k = realloc(h->keep, nc);
		if (!k)
			return NULL;
		h->keep = k;
		h->keep_cap = nc;
	}
	*room = h->keep_cap - h->kept < n ? h->keep_cap - h->kept : n;
	return h->keep + h->kept;
}

static void hex(const unsigned char *d, unsigned n, char *out)
{
	static const char x[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int yg_mail_hasher_final(struct yg_mail_hasher *h, struct yg_mail_file *f)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n;
	if (!EVP_DigestFinal_ex(h->md5, d, &n))
		return -ENOMEM;
	hex(d, n, f->md5);
	if (!EVP_DigestFinal_ex(h->sha1, d, &n))
		return -ENOMEM;
	hex(d, n, f->sha1);
	if (!EVP_DigestFinal_ex(h->sha256, d, &n))
		return -ENOMEM;
	hex(d, n, f->sha256);
	f->size = h->size;
	f->truncated = h->size > h->kept;
	char buf[FUZZY_MAX_RESULT];
	if (h->fuzzy) {
		if (fuzzy_digest(h->fuzzy, buf, 0) == 0)
			f->ssdeep = yg_mail_strdup(buf);
	} else if (!h->fuzzy_failed) {
		/* The whole part is in hand: libfuzzy's one-shot hash knows the
		 * length up front and computes only the block sizes that can
		 * make the digest, several times faster than streaming. */
		if (fuzzy_hash_buf(h->keep, (uint32_t)h->kept, buf) == 0)
			f->ssdeep = yg_mail_strdup(buf);
	}
	return 0;
}

void yg_mail_hasher_release(struct yg_mail_hasher *h)
{
	EVP_MD_CTX_free(h->md5);
	EVP_MD_CTX_free(h->sha1);
	EVP_MD_CTX_free(h->sha256);
	if (h->fuzzy)
		fuzzy_free(h->fuzzy);
	if (!h->borrowed)
		free(h->keep);
	memset(h, 0, sizeof *h);
}

/* ---- names ---- */

static bool in_list(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (!strcasecmp(ext, *list))
			return true;
	return false;
}

static const char *const exe_ext[] = {"exe", "scr", "com", "pif", "dll",  "cpl",  "msi",
                                      "msp", "jar", "sys", "ocx", "appx", "msix", NULL};
static const char *const script_ext[] = {"js",  "jse", "vbs", "vbe", "ps1", "psm1", "hta", "bat",
                                         "cmd", "wsf", "wsh", "wsc", "sh",  "vb",   "reg", "py",
                                         "pl",  "msc", "sct", "chm", "xll", "iqy",  "slk", NULL};
static const char *const shortcut_ext[] = {"lnk",     "url", "scf", "settingcontent-ms",
                                           "desktop", NULL};
static const char *const decoy_ext[] = {"pdf",  "doc", "docx", "xls",  "xlsx", "ppt", "pptx",
                                        "txt",  "rtf", "jpg",  "jpeg", "png",  "gif", "htm",
                                        "html", "csv", "zip",  "mp3",  "mp4",  "odt", NULL};

/* Extension of name[0..n) into buf (lower-case, trailing dots/spaces off). */
static bool ext_of(const char *name, size_t n, char *buf, size_t buflen, size_t *ret_dot)
{
	while (n && (name[n - 1] == ' ' || name[n - 1] == '.'))
		n--;
	const char *dot = NULL;
	for (size_t i = n; i > 0; i--)
		if (name[i - 1] == '.') {
			dot = name + i - 1;
			break;
		} else if (name[i - 1] == '/' || name[i - 1] == '\\') {
			break;
		}
	if (!dot)
		return false;
	size_t el = (size_t)(name + n - dot - 1);
	if (el == 0 || el >= buflen)
		return false;
	for (size_t i = 0; i < el; i++)
		buf[i] = (char)tolower((unsigned char)dot[1 + i]);
	buf[el] = '\0';
	*ret_dot = (size_t)(dot - name);
	return true;
}

unsigned yg_mail_name_flags(const char *name)
{
	unsigned fl = 0;
	if (!name)
		return 0;
	/* U+202E RLO, U+202D LRO, U+2066..2069 isolates: E2 80 AE/AD, E2 81 A6..A9 */
	for (const unsigned char *p = (const unsigned char *)name; p[0] && p[1] && p[2]; p++)
		if (p[0] == 0xe2 && ((p[1] == 0x80 && (p[2] == 0xae || p[2] == 0xad)) ||
		                     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
			fl |= YG_MAIL_F_RLO;
	char ext[24], ext2[24];
	size_t dot, dot2;
	if (!ext_of(name, strlen(name), ext, sizeof ext, &dot))
		return fl;
	bool danger = false;
	if (in_list(ext, exe_ext)) {
		fl |= YG_MAIL_F_EXECUTABLE;
		danger = true;
	}
	if (in_list(ext, script_ext)) {
		fl |= YG_MAIL_F_SCRIPT;
		danger = true;
	}
	if (in_list(ext, shortcut_ext)) {
		fl |= YG_MAIL_F_SHORTCUT;
		danger = true;
	}
	if (danger && ext_of(name, dot, ext2, sizeof ext2, &dot2) && in_list(ext2, decoy_ext))
		fl |= YG_MAIL_F_DOUBLE_EXT;
	return fl;
}

/* What a sniffed type may be declared as: MIME type prefixes and
 * extensions. */
static const struct {
	const char *sniff;
	const char *mimes[6];
	const char *exts[8];
} expect[] = {
    {"pdf", {"application/pdf", "application/x-pdf"}, {"pdf"}},
    {"png", {"image/png"}, {"png"}},
    {"jpeg", {"image/jpeg", "image/jpg", "image/pjpeg"}, {"jpg", "jpeg", "jpe", "jfif"}},
    {"gif", {"image/gif"}, {"gif"}},
    {"zip",
     {"application/zip", "application/x-zip", "application/x-zip-compressed"},
     {"zip", "jar", "apk", "xpi"}},
    {"ooxml",
     {"application/vnd.openxmlformats", "application/vnd.ms-", "application/zip"},
     {"docx", "docm", "xlsx", "xlsm", "pptx", "pptm", "dotm", "xlam"}},
    {"ole",
     {"application/msword", "application/vnd.ms-", "application/x-msi",
      "application/x-ole-storage"},
     {"doc", "xls", "ppt", "msi", "msg", "dot", "xlt", "pub"}},
    {"pe",
     {"application/x-msdownload", "application/x-dosexec", "application/x-msdos-program",
      "application/vnd.microsoft.portable-executable", "application/x-ms"},
     {"exe", "dll", "scr", "com", "sys", "cpl", "ocx", "pif"}},
    {"rar", {"application/x-rar", "application/vnd.rar"}, {"rar"}},
    {"7z", {"application/x-7z"}, {"7z"}},
    {"gzip", {"application/gzip", "application/x-gzip", "application/x-tar"}, {"gz", "tgz"}},
    {"rtf", {"application/rtf", "text/rtf", "application/msword"}, {"rtf", "doc"}},
    {"lnk", {"application/x-ms-shortcut"}, {"lnk"}},
};

static bool claims(size_t i, const char *declared, const char *ext)
{
	for (size_t k = 0; declared && k < 6 && expect[i].mimes[k]; k++)
		if (!strncasecmp(declared, expect[i].mimes[k], strlen(expect[i].mimes[k])))
			return true;
	for (size_t k = 0; ext && k < 8 && expect[i].exts[k]; k++)
		if (!strcmp(ext, expect[i].exts[k]))
			return true;
	return false;
}

static bool compatible(const char *sniffed, const char *claimed)
{
	static const char *const pairs[][2] = {
	    {"zip", "ooxml"}, {"ooxml", "zip"}, {"ole", "rtf"}, {"rtf", "ole"}, {"tar", "gzip"}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (!strcmp(sniffed, pairs[i][0]) && !strcmp(claimed, pairs[i][1]))
			return true;
	return false;
}

bool yg_mail_type_mismatch(const char *declared, const char *name, const char *sniffed)
{
	char ext[24];
	size_t dot;
	const char *e = name && ext_of(name, strlen(name), ext, sizeof ext, &dot) ? ext : NULL;
	if (!sniffed)
		return false;
	/* a claim by the sniffed type's own entry (or a compatible one) is
	 * honest; a claim only by other formats is a lie */
	bool honest = false, other = false;
	bool known_sniff = false;
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		bool own =
		    !strcmp(expect[i].sniff, sniffed) || compatible(sniffed, expect[i].sniff);
		known_sniff |= !strcmp(expect[i].sniff, sniffed);
		if (claims(i, declared, e)) {
			if (own)
				honest = true;
			else
				other = true;
		}
	}
	/* an executable wearing any known non-executable extension */
	if (yg_mail_magic_is_executable(sniffed) && e && !honest && other)
		return true;
	if (yg_mail_magic_is_executable(sniffed) && e && !honest && yg_mail_name_flags(name) == 0)
		return true;
	return known_sniff && other && !honest;
}

/* ---- archives ---- */

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcasecmp(s + n - k, suffix);
}

static int descend(struct yg_mail_ctx *ctx, size_t idx, const uint8_t *p, size_t n, unsigned depth,
                   bool ooxml, bool raw);

static char *join_path(const char *parent, const char *name)
{
	size_t a = strlen(parent), b = strlen(name);
	char *s = malloc(a + b + 2);
	if (!s)
		return NULL;
	memcpy(s, parent, a);
	s[a] = '/';
	memcpy(s + a + 1, name, b + 1);
	return s;
}

static int add_encrypted_member(struct yg_mail_ctx *ctx, const char *path, const char *name,
                                int64_t size, unsigned depth)
{
	struct yg_mail_report *r = ctx->r;
	int e = yg_mail_grow((void **)&r->files, &ctx->files_cap, r->n_files, sizeof *r->files,
	                     YG_MAIL_MAX_FILES);
	if (e == -E2BIG)
		return yg_mail_anomaly(ctx, "too_many_files");
	if (e < 0)
		return e;
	struct yg_mail_file *f = &r->files[r->n_files++];
	memset(f, 0, sizeof *f);
	f->path = yg_mail_strdup(path);
	f->filename = yg_mail_strdup(name);
	f->depth = depth;
	f->size = size > 0 ? (uint64_t)size : 0;
	f->sniffed_type = "encrypted";
	f->flags = YG_MAIL_F_ENCRYPTED | yg_mail_name_flags(name);
	f->truncated = true;
	return f->path && f->filename ? 0 : -ENOMEM;
}

static int descend(struct yg_mail_ctx *ctx, size_t idx, const uint8_t *p, size_t n, unsigned depth,
                   bool ooxml, bool raw)
{
	int r = 0;
	struct archive *a = archive_read_new();
	uint8_t *buf = malloc(CHUNK);
	char *parent = yg_mail_strdup(ctx->r->files[idx].path);
	size_t seen = 0;
	if (!a || !buf || !parent) {
		r = -ENOMEM;
		goto out;
	}
	archive_read_support_filter_all(a);
	if (raw) { /* a lone compressed file: its payload is the one member */
		archive_read_support_format_raw(a);
	} else {
		archive_read_support_format_all(a);
	}
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		r = yg_mail_anomaly(ctx, "archive_unreadable");
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		int rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			const char *msg = archive_error_string(a);
			if (msg && (strcasestr(msg, "encrypt") || strcasestr(msg, "passphrase")))
				ctx->r->files[idx].flags |= YG_MAIL_F_ENCRYPTED;
			else if (seen == 0 && !ooxml)
				r = yg_mail_anomaly(ctx, "archive_unreadable");
			else
				r = yg_mail_anomaly(ctx, "archive_truncated");
			break;
		}
		if (ctx->entries_left == 0) {
			ctx->r->files[idx].flags |= YG_MAIL_F_BUDGET_EXCEEDED;
			break;
		}
		ctx->entries_left--;
		seen++;
		if (archive_entry_filetype(e) != AE_IFREG && !raw)
			continue;
		const char *name = archive_entry_pathname_utf8(e);
		if (!name)
			name = archive_entry_pathname(e);
		if (!name || !name[0])
			name = "data";
		if (ooxml) {
			if (ends_with_ci(name, "vbaProject.bin"))
				ctx->r->files[idx].flags |= YG_MAIL_F_MACRO;
			continue; /* the parts of an Office document are not attachments */
		}
		const char *base = strrchr(name, '/');
		base = base ? base + 1 : name;
		char *path = join_path(parent, name);
		if (!path) {
			r = -ENOMEM;
			break;
		}
		if (archive_entry_is_encrypted(e)) {
			ctx->r->files[idx].flags |= YG_MAIL_F_ENCRYPTED;
			r = add_encrypted_member(ctx, path, base, archive_entry_size(e), depth + 1);
			free(path);
			if (r < 0)
				break;
			continue;
		}
		struct yg_mail_hasher h;
		size_t keep = ctx->budget_left < YG_MAIL_KEEP_BYTES ? (size_t)ctx->budget_left
		                                                    : YG_MAIL_KEEP_BYTES;
		if ((r = yg_mail_hasher_init(&h, keep)) < 0) {
			free(path);
			break;
		}
		bool enc = false, cut = false;
		uint64_t hint =
		    archive_entry_size_is_set(e) && archive_entry_size(e) > 0
		        ? (uint64_t)archive_entry_size(e)
		        : 0;
		for (;;) {
			/* inflated straight into the kept prefix while it has room */
			size_t room = CHUNK;
			uint8_t *dst = yg_mail_hasher_room(&h, CHUNK, hint, &room);
			if (!dst) {
				dst = buf;
				room = CHUNK;
			}
			la_ssize_t got = archive_read_data(a, dst, room);
			if (got == 0)
				break;
			if (got < 0) {
				const char *msg = archive_error_string(a);
				if (msg &&
				    (strcasestr(msg, "encrypt") || strcasestr(msg, "passphrase")))
					enc = true;
				else
					r = yg_mail_anomaly(ctx, "archive_member_corrupt");
				break;
			}
			if ((uint64_t)got >= ctx->budget_left) {
				/* a member that reaches the budget is cut, even at
				 * its exact end: the next byte could not be read */
				ctx->r->files[idx].flags |= YG_MAIL_F_BUDGET_EXCEEDED;
				got = (la_ssize_t)ctx->budget_left;
				cut = true;
			}
			ctx->budget_left -= (uint64_t)got;
			if ((r = yg_mail_hasher_update(&h, dst, (size_t)got)) < 0)
				break;
			if (ctx->budget_left == 0)
				break;
		}
		if (r < 0) {
			yg_mail_hasher_release(&h);
			free(path);
			break;
		}
		if (enc) {
			yg_mail_hasher_release(&h);
			ctx->r->files[idx].flags |= YG_MAIL_F_ENCRYPTED;
			r = add_encrypted_member(ctx, path, base, archive_entry_size(e), depth + 1);
			free(path);
			if (r < 0)
				break;
			continue;
		}
		size_t child = ctx->r->n_files;
		r = yg_mail_file_add(ctx, path, base, NULL, depth + 1, &h);
		free(path);
		if (r < 0)
			break;
		if (child < ctx->r->n_files && (ctx->r->files[child].flags & YG_MAIL_F_ARCHIVE))
			ctx->r->files[idx].flags |= YG_MAIL_F_NESTED_ARCHIVE;
		if (child < ctx->r->n_files && cut)
			ctx->r->files[child].truncated = true;
		if (ctx->budget_left == 0)
			break;
	}
out:
	if (a)
		archive_read_free(a);
	free(buf);
	free(parent);
	return r;
}

int yg_mail_file_add(struct yg_mail_ctx *ctx, const char *path, const char *filename,
                     const char *declared, unsigned depth, struct yg_mail_hasher *h)
{
	struct yg_mail_report *rep = ctx->r;
	int r = yg_mail_grow((void **)&rep->files, &ctx->files_cap, rep->n_files,
	                     sizeof *rep->files, YG_MAIL_MAX_FILES);
	if (r < 0) {
		yg_mail_hasher_release(h);
		return r == -E2BIG ? yg_mail_anomaly(ctx, "too_many_files") : r;
	}
	size_t idx = rep->n_files++;
	struct yg_mail_file *f = &rep->files[idx];
	memset(f, 0, sizeof *f);
	f->depth = depth;
	f->path = yg_mail_strdup(path);
	f->filename = yg_mail_strdup(filename);
	f->declared_type = yg_mail_strdup(declared);
	if (!f->path || (filename && !f->filename) || (declared && !f->declared_type)) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = yg_mail_hasher_final(h, f)) < 0)
		goto out;
	const char *t = yg_mail_magic(h->keep, h->kept);
	f->sniffed_type = t;
	unsigned fl = yg_mail_name_flags(filename);
	if (yg_mail_magic_is_executable(t))
		fl |= YG_MAIL_F_EXECUTABLE;
	if (!strcmp(t, "script"))
		fl |= YG_MAIL_F_SCRIPT;
	if (!strcmp(t, "lnk"))
		fl |= YG_MAIL_F_SHORTCUT;
	if (!strcmp(t, "ole") && yg_mail_ole_has_vba(h->keep, h->kept))
		fl |= YG_MAIL_F_MACRO;
	if (yg_mail_type_mismatch(declared, filename, t))
		fl |= YG_MAIL_F_TYPE_MISMATCH;
	bool arch = yg_mail_magic_is_archive(t);
	if (arch)
		fl |= YG_MAIL_F_ARCHIVE;
	f->flags = fl;
	if (ctx->opts && ctx->opts->yara && h->kept) {
		r = yg_mail_yara_scan(ctx->opts->yara, h->keep, h->kept, &f->yara);
		if (r == -ENOMEM)
			goto out;
		if (r < 0)
			r = yg_mail_anomaly(ctx, "yara_scan_failed");
		if (f->yara.n)
			f->flags |= YG_MAIL_F_YARA;
	}
	if (!strcmp(t, "ooxml")) {
		r = descend(ctx, idx, h->keep, h->kept, depth, true, false);
	} else if (arch && depth < YG_MAIL_ARCHIVE_DEPTH && h->kept) {
		bool raw = !strcmp(t, "gzip") || !strcmp(t, "bzip2") || !strcmp(t, "xz");
		/* a .tar.gz is a tar behind a filter, not a lone file */
		if (raw && h->kept > 0) {
			struct archive *probe = archive_read_new();
			if (probe) {
				struct archive_entry *e;
				archive_read_support_filter_all(probe);
				archive_read_support_format_tar(probe);
				if (archive_read_open_memory(probe, h->keep, h->kept) ==
				        ARCHIVE_OK &&
				    archive_read_next_header(probe, &e) == ARCHIVE_OK)
					raw = false;
				archive_read_free(probe);
			}
		}
		r = descend(ctx, idx, h->keep, h->kept, depth, false, raw);
	} else if (arch && h->kept) {
		rep->files[idx].flags |= YG_MAIL_F_NESTED_ARCHIVE;
		r = yg_mail_anomaly(ctx, "archive_too_deep");
	}
out:
	yg_mail_hasher_release(h);
	return r;
}
