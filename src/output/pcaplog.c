/*
 * The conditional pcap ring (pcaplog.h).
 *
 * pcap file format (libpcap's savefile; written by pcap_dump, sized here):
 *
 *   file header  24 bytes: magic, version 2.4, thiszone, sigfigs,
 *                snaplen, linktype
 *   per frame    16 bytes: ts_sec, ts_usec, caplen, len; then caplen bytes
 *
 * Decisions:
 *  - Sizes are counted here from the format rather than asked of the
 *    stdio stream: the bound holds for what is buffered too.
 *  - The ring is the folder's yagura.*.pcap files, sorted by name, so a
 *    restart keeps within the bound the files of the run before.
 *  - Each write call ends with pcap_dump_flush: a live sensor's files can
 *    be read while it runs, and alerting flows are few.
 */
#include "output/pcaplog.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_HDR 24u
#define REC_HDR  16u
#define NAME_MAX_ 64 /* "yagura.<10 digits>.<6+ digits>.pcap" */
#define FILES_PER_RING 10u

struct ring_file {
	char name[NAME_MAX_];
	uint64_t size;
};

struct yg_pcaplog {
	pthread_mutex_t lock;
	char *dir;
	uint64_t max, file_max;
	pcap_t *dead;      /* pcap_open_dead: link type and snaplen for the dumpers */
	pcap_dumper_t *cur; /* NULL until the first frame, or after a failed open */
	unsigned cur_pkts;
	uint64_t seq;
	/* Oldest first; the last one is the current file when cur is set. */
	struct ring_file *files;
	size_t n_files, cap_files;
	uint64_t total; /* bytes of every file in the ring */
	struct yg_pcaplog_stats st;
};

static bool ring_name(const char *n)
{
	size_t len = strlen(n);
	return len > 12 && len < NAME_MAX_ && !strncmp(n, "yagura.", 7) &&
	       !strcmp(n + len - 5, ".pcap");
}

static int name_filter(const struct dirent *d)
{
	return ring_name(d->d_name);
}

static int push_file(struct yg_pcaplog *pl, const char *name, uint64_t size)
{
	if (pl->n_files == pl->cap_files) {
		size_t nc = pl->cap_files ? pl->cap_files * 2 : 16;
		struct ring_file *f = realloc(pl->files, nc * sizeof *f);
		if (!f)
			return -ENOMEM;
		pl->files = f;
		pl->cap_files = nc;
	}
	size_t len = strlen(name);
	if (len >= sizeof pl->files[0].name)
		return -EINVAL; /* ring_name() keeps them shorter */
	struct ring_file *f = &pl->files[pl->n_files++];
	memcpy(f->name, name, len + 1);
	f->size = size;
	pl->total += size;
	return 0;
}

/* Takes in the ring files a run before left in the folder. */
static int scan(struct yg_pcaplog *pl)
{
	struct dirent **list = NULL;
	int n = scandir(pl->dir, &list, name_filter, alphasort);
	if (n < 0)
		return -errno;
	int r = 0;
	for (int i = 0; i < n; i++) {
		char path[YG_PCAPLOG_PATH_MAX];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", pl->dir, list[i]->d_name);
		if (r == 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			r = push_file(pl, list[i]->d_name, (uint64_t)sb.st_size);
		free(list[i]);
	}
	free(list);
	return r;
}

int yg_pcaplog_new(const struct yg_pcaplog_config *cfg, struct yg_pcaplog **ret)
{
	if (!cfg || !cfg->dir || cfg->max_bytes < (64u << 10) || cfg->linktype < 0)
		return -EINVAL;
	struct yg_pcaplog *pl = calloc(1, sizeof *pl);
	if (!pl)
		return -ENOMEM;
	int r = -ENOMEM;
	pthread_mutex_init(&pl->lock, NULL);
	pl->max = cfg->max_bytes;
	pl->file_max = cfg->max_bytes / FILES_PER_RING;
	pl->dir = strdup(cfg->dir);
	if (!pl->dir)
		goto fail;
	pl->dead = pcap_open_dead(cfg->linktype, cfg->snaplen ? (int)cfg->snaplen : 262144);
	if (!pl->dead)
		goto fail;
	r = scan(pl);
	if (r < 0)
		goto fail;
	*ret = pl;
	return 0;
fail:
	yg_pcaplog_free(pl);
	return r;
}

static void close_cur(struct yg_pcaplog *pl)
{
	if (pl->cur)
		pcap_dump_close(pl->cur);
	pl->cur = NULL;
	pl->cur_pkts = 0;
}

void yg_pcaplog_free(struct yg_pcaplog *pl)
{
	if (!pl)
		return;
	close_cur(pl);
	if (pl->dead)
		pcap_close(pl->dead);
	pthread_mutex_destroy(&pl->lock);
	free(pl->files);
	free(pl->dir);
	free(pl);
}

static void path_of(const struct yg_pcaplog *pl, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", pl->dir, name);
}

/* Deletes the oldest files (never the current one) until need more bytes
 * fit within the bound; false when they cannot. */
static bool make_room(struct yg_pcaplog *pl, uint64_t need)
{
	size_t keep = pl->cur ? 1 : 0;
	size_t gone = 0;
	while (pl->total + need > pl->max && pl->n_files - gone > keep) {
		char path[YG_PCAPLOG_PATH_MAX];
		path_of(pl, pl->files[gone].name, path, sizeof path);
		(void)unlink(path); /* already gone is as good */
		pl->total -= pl->files[gone].size;
		pl->st.deleted++;
		gone++;
	}
	if (gone) {
		memmove(pl->files, pl->files + gone, (pl->n_files - gone) * sizeof *pl->files);
		pl->n_files -= gone;
	}
	return pl->total + need <= pl->max;
}

/* Opens the next file of the ring; false when it could not be. */
static bool open_next(struct yg_pcaplog *pl)
{
	close_cur(pl);
	if (!make_room(pl, FILE_HDR))
		return false;
	char name[NAME_MAX_], path[YG_PCAPLOG_PATH_MAX];
	snprintf(name, sizeof name, "yagura.%010llu.%06llu.pcap", (unsigned long long)time(NULL),
	         (unsigned long long)++pl->seq);
	path_of(pl, name, path, sizeof path);
	if (push_file(pl, name, FILE_HDR) < 0)
		return false;
	pl->cur = pcap_dump_open(pl->dead, path);
	if (!pl->cur) {
		pl->n_files--;
		pl->total -= FILE_HDR;
		return false;
	}
	pl->st.files++;
	return true;
}

/* One frame, the lock held. */
static bool write_one(struct yg_pcaplog *pl, uint64_t ts_us, uint32_t caplen, uint32_t wirelen,
                      const uint8_t *data, char *ret_file, size_t cap)
{
	uint64_t need = REC_HDR + (uint64_t)caplen;
	if (!pl->cur || (pl->cur_pkts && pl->files[pl->n_files - 1].size + need > pl->file_max)) {
		if (!open_next(pl)) {
			pl->st.dropped++;
			return false;
		}
	}
	if (!make_room(pl, need)) {
		pl->st.dropped++;
		return false;
	}
	struct pcap_pkthdr h = {
	    .ts = {.tv_sec = (time_t)(ts_us / 1000000u), .tv_usec = (suseconds_t)(ts_us % 1000000u)},
	    .caplen = caplen,
	    .len = wirelen < caplen ? caplen : wirelen,
	};
	pcap_dump((u_char *)pl->cur, &h, data);
	struct ring_file *f = &pl->files[pl->n_files - 1];
	f->size += need;
	pl->total += need;
	pl->cur_pkts++;
	pl->st.pkts++;
	pl->st.bytes += need;
	if (ret_file && cap)
		path_of(pl, f->name, ret_file, cap);
	return true;
}

size_t yg_pcaplog_write(struct yg_pcaplog *pl, const uint8_t *buf, size_t len, char *ret_file,
                        size_t cap)
{
	size_t n = 0, off = 0;
	if (ret_file && cap)
		ret_file[0] = '\0';
	pthread_mutex_lock(&pl->lock);
	while (len - off >= sizeof(struct yg_pcaplog_rec)) {
		struct yg_pcaplog_rec r;
		memcpy(&r, buf + off, sizeof r);
		size_t sz = YG_PCAPLOG_REC_SIZE(r.caplen);
		if (sz > len - off)
			break; /* a caller's bug: never read past its buffer */
		if (write_one(pl, r.ts_us, r.caplen, r.wirelen, buf + off + sizeof r, ret_file, cap))
			n++;
		off += sz;
	}
	if (pl->cur && n)
		pcap_dump_flush(pl->cur);
	pthread_mutex_unlock(&pl->lock);
	return n;
}

size_t yg_pcaplog_write_frame(struct yg_pcaplog *pl, uint64_t ts_us, uint32_t caplen,
                              uint32_t wirelen, const uint8_t *data, char *ret_file, size_t cap)
{
	if (ret_file && cap)
		ret_file[0] = '\0';
	pthread_mutex_lock(&pl->lock);
	bool ok = write_one(pl, ts_us, caplen, wirelen, data, ret_file, cap);
	if (ok)
		pcap_dump_flush(pl->cur);
	pthread_mutex_unlock(&pl->lock);
	return ok ? 1 : 0;
}

void yg_pcaplog_stats(struct yg_pcaplog *pl, struct yg_pcaplog_stats *ret)
{
	pthread_mutex_lock(&pl->lock);
	*ret = pl->st;
	pthread_mutex_unlock(&pl->lock);
}
