/*
 * Conditional pcap: a ring of pcap files in one folder that holds the
 * packets of the flows that alerted (--pcap-log DIR --pcap-log-max MB).
 * Suricata's conditional pcap-log, written with libpcap (pcap_dump).
 *
 * Files are named yagura.<unix seconds>.<sequence>.pcap, so that their
 * names sort oldest first. A file is closed and the next one opened once
 * it holds about a tenth of the ring's bound; before a frame is written,
 * the oldest files are deleted until the ring (every yagura.*.pcap in the
 * folder, files of earlier runs too) stays within the bound with it. A
 * frame that cannot fit even then (bigger than the whole bound) is
 * dropped and counted.
 *
 * Workers share one ring: every call takes its lock. Only the packets of
 * alerting flows come here, so the lock is rarely contended.
 */
#ifndef YG_OUTPUT_PCAPLOG_H
#define YG_OUTPUT_PCAPLOG_H

#include <stddef.h>
#include <stdint.h>

#define YG_PCAPLOG_PATH_MAX 4096

struct yg_pcaplog_config {
	const char *dir;    /* must exist; copied */
	uint64_t max_bytes; /* bound of the whole ring, at least 64 KiB */
	int linktype;       /* of the capture: the frames are written as they came */
	uint32_t snaplen;   /* written in the file header; 0: 262144 */
};

/* One frame of a flow's buffer: this header, then caplen bytes, then
 * padding to a multiple of 8 (YG_PCAPLOG_REC_SIZE). */
struct yg_pcaplog_rec {
	uint64_t ts_us;
	uint32_t caplen, wirelen;
};
#define YG_PCAPLOG_REC_SIZE(caplen) \
	((sizeof(struct yg_pcaplog_rec) + (size_t)(caplen) + 7u) & ~(size_t)7u)

struct yg_pcaplog_stats {
	uint64_t pkts, bytes;  /* frames written and their file bytes */
	uint64_t files;        /* files opened */
	uint64_t deleted;      /* files deleted to stay within the bound */
	uint64_t dropped;      /* frames lost: an open or write failed, or too big */
};

struct yg_pcaplog;

/* Opens the ring (taking in the yagura.*.pcap files already in dir); the
 * first file is opened on the first frame. Caller frees with
 * yg_pcaplog_free. Returns 0, -EINVAL (bad bound or link type), -ENOENT
 * and other errno values of opendir, -ENOMEM. */
int yg_pcaplog_new(const struct yg_pcaplog_config *cfg, struct yg_pcaplog **ret);

/* Closes the current file (complete, flushed) and frees. NULL is fine. */
void yg_pcaplog_free(struct yg_pcaplog *pl);

/*
 * Writes the records in buf[0..len) (struct yg_pcaplog_rec each, as
 * YG_PCAPLOG_REC_SIZE lays them out), in order, and flushes. ret_file
 * (may be NULL; cap bytes) gets the path of the file the last record went
 * into, "" when none was written. Returns the number of frames written.
 */
size_t yg_pcaplog_write(struct yg_pcaplog *pl, const uint8_t *buf, size_t len, char *ret_file,
                        size_t cap);

/* One frame, not from a buffer: the same as a one-record buffer. */
size_t yg_pcaplog_write_frame(struct yg_pcaplog *pl, uint64_t ts_us, uint32_t caplen,
                              uint32_t wirelen, const uint8_t *data, char *ret_file, size_t cap);

/* Counters so far. */
void yg_pcaplog_stats(struct yg_pcaplog *pl, struct yg_pcaplog_stats *ret);

#endif
