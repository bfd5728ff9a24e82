/*
 * Packet sources: pcap/pcapng files and live interfaces, both via libpcap.
 */
#ifndef YG_CAPTURE_CAPTURE_H
#define YG_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct yg_capture;

struct yg_raw_packet {
	uint64_t ts_us;
	uint32_t caplen;
	uint32_t wirelen;
	const uint8_t *data; /* borrowed until the next yg_capture_next */
};

/* Opens a pcap or pcapng file. On failure returns a negative errno and
 * writes libpcap's reason to err. Caller frees with yg_capture_close. */
int yg_capture_open_file(const char *path, char *err, size_t errlen, struct yg_capture **ret);

/* Opens a live interface (promiscuous, snaplen 65535, 100 ms read timeout).
 * bpf may be NULL. */
int yg_capture_open_live(const char *iface, const char *bpf, char *err, size_t errlen,
			 struct yg_capture **ret);

/* Applies a BPF filter (files too). */
int yg_capture_set_filter(struct yg_capture *c, const char *bpf, char *err, size_t errlen);

void yg_capture_close(struct yg_capture *c);

int yg_capture_linktype(const struct yg_capture *c);

/*
 * Next packet: 1 with *ret filled, 0 at end of file (or after
 * yg_capture_break), -EAGAIN when a live read timed out with nothing,
 * -EBADMSG when the file is damaged (err says how; packets before it were
 * delivered), other negative errno on read errors.
 */
int yg_capture_next(struct yg_capture *c, struct yg_raw_packet *ret, char *err, size_t errlen);

/* Makes the next yg_capture_next return 0 (async-signal-safe for live). */
void yg_capture_break(struct yg_capture *c);

/* For files: bytes read so far and total size (0 when unknown). */
void yg_capture_progress(const struct yg_capture *c, uint64_t *ret_pos, uint64_t *ret_size);

/* Kernel counters for live captures (0 for files). */
void yg_capture_kernel_stats(struct yg_capture *c, uint64_t *ret_recv, uint64_t *ret_drop);

bool yg_capture_is_live(const struct yg_capture *c);

#endif
