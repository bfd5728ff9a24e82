/*
 * The plain content of a hub backup (inside bk_seal.h's sealed stream): a
 * manifest, then the data folder's directories and files, then a trailer
 * with their counts. Integers big-endian.
 *
 *   'M' | u32 n | n bytes of JSON (the manifest, at most YG_BK_MANIFEST_MAX)
 *   'D' | u16 n | name (n bytes) | u32 mode                  a directory
 *   'F' | u16 n | name (n bytes) | u32 mode | u64 size | data  a file
 *   'Z' | u64 files | u64 bytes                              the end
 *
 * The manifest comes first and once; directories come before what they
 * hold. Names are relative to the data folder: components of
 * [A-Za-z0-9._+@=,-] separated by '/', none empty, none starting with '.',
 * at most YG_BK_DEPTH_MAX deep and YG_BK_NAME_MAX long, so a restore can
 * never write outside its folder. Modes keep the permission bits only.
 */
#ifndef YG_BACKUP_BK_ARCHIVE_H
#define YG_BACKUP_BK_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_BK_MANIFEST_MAX (64u << 10)
#define YG_BK_NAME_MAX     1024
#define YG_BK_DEPTH_MAX    16
#define YG_BK_ENTRIES_MAX  1000000u

/* Whether name is a name the format allows (above). */
bool yg_bk_name_ok(const char *name, size_t n);

/* Where the archive's bytes come from: read exactly n bytes into p, 0 or a
 * negative errno (a short stream is -EBADMSG). */
struct yg_bk_src {
	int (*read)(void *ud, void *p, size_t n);
	void *ud;
};

/* What the reader hands on, in order. A callback's negative answer stops
 * the read with that error. Names are NUL-terminated and live until the
 * callback returns; file_data comes in pieces that add up to size. */
struct yg_bk_sink {
	int (*manifest)(void *ud, const char *json, size_t n);
	int (*dir)(void *ud, const char *name, uint32_t mode);
	int (*file_begin)(void *ud, const char *name, uint32_t mode, uint64_t size);
	int (*file_data)(void *ud, const uint8_t *p, size_t n);
	int (*file_end)(void *ud);
	void *ud;
};

/* Reads one archive from src up to its trailer. -EBADMSG when it breaks
 * the format (where, size wn, then says what and at which entry), else a
 * callback's or src's error. The trailer's counts must match what came. */
int yg_bk_archive_read(const struct yg_bk_src *src, const struct yg_bk_sink *sink, char *where,
                       size_t wn);

/* The writer's side: each emits one entry through put (the sealed stream's
 * writer). */
struct yg_bk_put {
	int (*write)(void *ud, const void *p, size_t n);
	void *ud;
};
int yg_bk_put_manifest(const struct yg_bk_put *o, const char *json, size_t n);
int yg_bk_put_dir(const struct yg_bk_put *o, const char *name, uint32_t mode);
/* The header of a file entry; exactly size bytes of data must follow
 * through o->write. */
int yg_bk_put_file(const struct yg_bk_put *o, const char *name, uint32_t mode, uint64_t size);
int yg_bk_put_end(const struct yg_bk_put *o, uint64_t files, uint64_t bytes);

#endif
