/*
 * The sighting spool: batches waiting for the hub, oldest first, kept on
 * disk so that neither a dead hub nor a restart of the sensor loses one.
 *
 * A batch is written to DIR/sightings-<seq>.json before it is ever posted
 * (write a temporary file, fsync it, rename it, fsync the folder), and
 * removed only after the hub took it. A batch is sent with the same bytes
 * (the same sighting ids) every time, so the hub counts it once.
 *
 * Bounds: the batches held (disk and memory) never exceed max_bytes; a
 * batch that does not fit is refused (-ENOSPC) and the older ones are kept.
 * When the folder cannot be written, batches are held in memory (at most
 * YG_SPOOL_MEM_MAX bytes) and the folder is tried again at the next put.
 *
 * Not thread-safe: one thread (the sighting sender) owns a spool.
 */
#ifndef YG_SENSOR_SPOOL_H
#define YG_SENSOR_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_SPOOL_MEM_MAX   (16u << 20)
#define YG_SPOOL_BATCH_MAX (16u << 20) /* bytes of one batch file */
#define YG_SPOOL_FILES_MAX 100000

struct yg_spool;

struct yg_spool_stats {
	uint64_t batches, bytes; /* held now (disk + memory) */
	uint64_t in_memory;      /* batches of those held only in memory */
	uint64_t loaded;         /* batches found on disk at open */
	uint64_t write_errors;   /* puts that could not reach the disk */
	uint64_t bad_files;      /* unreadable or malformed files set aside */
};

/* What a spool holds: the file prefix and the check of files found on
 * disk. Both kinds may share a folder. */
enum yg_spool_kind {
	YG_SPOOL_SIGHTINGS = 0, /* sightings-<seq>.json: STIX bundles of sightings */
	YG_SPOOL_DARKNET,       /* darknet-<seq>.json: telescope windows (darknet/window.c) */
	YG_SPOOL_BEACONS,       /* beacons-<seq>.json: beacon reports (sighting_post.c) */
};

/*
 * Opens (creates) dir and indexes the batches a previous run left there;
 * stray temporary files are removed. dir NULL: memory only. A folder that
 * cannot be created or listed is not fatal: the spool starts memory-only
 * for now, err says why, and the return is 0 with *ret set. Returns
 * -ENOMEM or -EINVAL (max_bytes 0) otherwise. Caller frees with
 * yg_spool_free (which leaves the files).
 */
int yg_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen,
                  struct yg_spool **ret);
/* The same for a kind of batch; yg_spool_open is the sightings kind. */
int yg_spool_open_kind(const char *dir, enum yg_spool_kind kind, uint64_t max_bytes, char *err,
                       size_t errlen, struct yg_spool **ret);
void yg_spool_free(struct yg_spool *s);

/*
 * Stores a copy of one batch behind the others. Returns 0 when it is on
 * disk; 1 when it is held in memory only (the folder failed: err says why);
 * -ENOSPC when it does not fit within max_bytes (or the memory bound) and
 * was not stored; -E2BIG for a batch over YG_SPOOL_BATCH_MAX; -ENOMEM.
 */
int yg_spool_put(struct yg_spool *s, const char *data, size_t len, char *err, size_t errlen);

/*
 * The oldest batch: *ret_data (caller frees, NUL-terminated), its length,
 * and a handle for _remove. Returns 0, -ENOENT when empty, or -EBADMSG when
 * the file could not be read or is not a sighting bundle (it is moved aside
 * as .bad and dropped from the queue; call again for the next one).
 * *ret_replay tells whether it came from a previous run's files.
 */
int yg_spool_oldest(struct yg_spool *s, char **ret_data, size_t *ret_len, uint64_t *ret_handle,
                    bool *ret_replay);

/* Drops the batch (deletes its file). Returns 0 or -ENOENT. */
int yg_spool_remove(struct yg_spool *s, uint64_t handle);

void yg_spool_stats(const struct yg_spool *s, struct yg_spool_stats *ret);

/*
 * Whether data is a batch the spool may hold and send: a JSON object with
 * "type":"bundle" and an "objects" array of 1..1000 objects of type
 * "sighting". Returns 0 or -EBADMSG. (For files found on disk.)
 */
int yg_spool_check_batch(const char *data, size_t len);

/* Whether data is a telescope window body: an object with "sensor",
 * "window_start", and "ports", "sources", "victims" arrays. 0 or -EBADMSG. */
int yg_spool_check_darknet(const char *data, size_t len);

/* Whether data is a beacon body: an object with a "beacons" array of
 * 1..1000 objects. 0 or -EBADMSG. */
int yg_spool_check_beacons(const char *data, size_t len);

#endif
