/*
 * Backup and restore of a hub's data folder (issue 17, README "Backup and
 * restore"): `yagura hub backup` and `yagura hub restore`.
 *
 * A backup is one file, sealed with a passphrase or a key file
 * (bk_seal.h), holding the store as of one commit (SQLite's online backup
 * API, taken while the hub runs: store_backup.h) and every other file of
 * the folder: the mail key (without which sealed e-mails never open
 * again), level.json, notify.json, guidance/, warninglist.d/,
 * mail-warnlist.txt and whatever else lives there (bk_archive.h).
 * Left out: the live store files (hub.db, -wal, -shm, -journal; the
 * snapshot stands for them), hidden files (temporary files of the hub),
 * and what is not a regular file or folder (noted).
 *
 * A restore writes into a new folder beside the target, checks the store
 * (integrity_check, schema version) and renames it into place only when
 * everything authenticated: the target is either untouched or complete.
 */
#ifndef YG_BACKUP_BACKUP_H
#define YG_BACKUP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backup/bk_seal.h"

/* What a backup or restore tells its caller as it goes: a file taken in or
 * written out (size in bytes), or one left out with the reason. */
typedef void (*yg_backup_note_fn)(void *ud, const char *name, uint64_t size, const char *skipped);

struct yg_backup_result {
	uint64_t files;
	uint64_t bytes;
	int schema;       /* the store's schema version; 0 without a store */
	char store[16];   /* "sqlite", or "none" (files only) */
	char created[32]; /* when the backup was made (RFC 3339, UTC) */
};

/*
 * Writes the backup of dir to out (replaced whole only at the end: a
 * failed backup leaves out as it was). files_only: the folder's files
 * without a store (a PostgreSQL hub, whose data pg_dump or a standby
 * keeps). -ENOENT when dir has no hub.db and !files_only. err (size en)
 * says what failed, naming the file.
 */
int yg_backup_create(const char *dir, const char *out, const struct yg_bk_secret *sec,
                     bool files_only, yg_backup_note_fn note, void *ud,
                     struct yg_backup_result *ret, char *err, size_t en);

/*
 * Restores the backup in into the folder dir, which must not exist or be
 * empty (-EEXIST otherwise). -EKEYREJECTED: wrong passphrase or key file;
 * -ENOKEY: the other kind of secret is needed; -EBADMSG: damaged, cut off
 * or not a backup; -EPROTO: made by a newer yagura. On any failure dir is
 * left as it was. err (size en) says what failed.
 */
int yg_backup_restore(const char *in, const char *dir, const struct yg_bk_secret *sec,
                      yg_backup_note_fn note, void *ud, struct yg_backup_result *ret, char *err,
                      size_t en);

#endif
