#include "capture/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_BUFFER (1u << 20)

struct yg_capture {
	pcap_t *p;
	char *iobuf; /* stdio buffer of a file capture; freed after pcap_close */
	bool live;
	bool nsec;
	atomic_bool stop;
	uint64_t size;
};

int yg_capture_open_file(const char *path, char *err, size_t errlen, struct yg_capture **ret)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct yg_capture *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	/* We open the file so it can get a big stdio buffer before libpcap's
	 * first read: with the default 4 KiB one, reading costs a system call
	 * every few packets. */
	FILE *f = fopen(path, "rbe");
	if (!f) {
		int r = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		free(c);
		return r;
	}
	/* A file smaller than the buffer is read whole by the first read
	 * anyway: its size (plus one byte, for the read that sees the end)
	 * is enough, and spares a small capture a 1 MiB allocation. */
	size_t bufsz = FILE_BUFFER;
	struct stat fst;
	if (fstat(fileno(f), &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_size >= 0 &&
	    (uint64_t)fst.st_size < FILE_BUFFER)
		bufsz = (size_t)fst.st_size + 1 < BUFSIZ ? BUFSIZ : (size_t)fst.st_size + 1;
	c->iobuf = malloc(bufsz);
	if (c->iobuf)
		setvbuf(f, c->iobuf, _IOFBF, bufsz);
	/* Only the reading thread touches f: each of libpcap's two freads a
	 * packet need not take the stream's lock once workers exist. */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	/* Nanosecond precision keeps pcapng/nsec files exact; we round to us.
	 * On success libpcap owns f and closes it. */
	c->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!c->p) {
		snprintf(err, errlen, "%s", ebuf);
		fclose(f);
		free(c->iobuf);
		free(c);
		return -EBADMSG;
	}
	c->nsec = true;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		c->size = (uint64_t)st.st_size;
	*ret = c;
	return 0;
}

int yg_capture_open_live(const char *iface, const char *bpf, char *err, size_t errlen,
			 struct yg_capture **ret)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int r = -EIO;
	struct yg_capture *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->live = true;
	c->p = pcap_create(iface, ebuf);
	if (!c->p) {
		snprintf(err, errlen, "%s", ebuf);
		goto fail;
	}
	pcap_set_snaplen(c->p, 65535);
	pcap_set_promisc(c->p, 1);
	pcap_set_timeout(c->p, 100);
	pcap_set_buffer_size(c->p, 64 << 20);
	if (pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO) == 0)
		c->nsec = true;
	int a = pcap_activate(c->p);
	if (a < 0) {
		snprintf(err, errlen, "%s: %s", pcap_statustostr(a), pcap_geterr(c->p));
		goto fail;
	}
	if (bpf && *bpf && yg_capture_set_filter(c, bpf, err, errlen) < 0) {
		r = -EINVAL;
		goto fail;
	}
	/* With TPACKET_V3 a blocking read may wait forever on an idle link
	 * (the timeout starts with the first packet of a block); read without
	 * blocking and wait in poll() so idle time is seen and acted on. */
	if (pcap_setnonblock(c->p, 1, ebuf) < 0 || pcap_get_selectable_fd(c->p) < 0) {
		snprintf(err, errlen, "cannot poll %s: %s", iface, ebuf);
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	if (c->p)
		pcap_close(c->p);
	free(c);
	return r;
}

int yg_capture_set_filter(struct yg_capture *c, const char *bpf, char *err, size_t errlen)
{
	struct bpf_program prog;
	if (pcap_compile(c->p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "bad BPF filter '%s': %s", bpf, pcap_geterr(c->p));
		return -EINVAL;
	}
	int r = 0;
	if (pcap_setfilter(c->p, &prog) < 0) {
		snprintf(err, errlen, "cannot set BPF filter: %s", pcap_geterr(c->p));
		r = -EINVAL;
	}
	pcap_freecode(&prog);
	return r;
}

void yg_capture_close(struct yg_capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c->iobuf);
	free(c);
}

int yg_capture_linktype(const struct yg_capture *c)
{
	return pcap_datalink(c->p);
}

bool yg_capture_is_live(const struct yg_capture *c)
{
	return c->live;
}

int yg_capture_next(struct yg_capture *c, struct yg_raw_packet *ret, char *err, size_t errlen)
{
	if (atomic_load_explicit(&c->stop, memory_order_relaxed))
		return 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	int r = pcap_next_ex(c->p, &h, &d);
	if (r == 0 && c->live) {
		struct pollfd pfd = {.fd = pcap_get_selectable_fd(c->p), .events = POLLIN};
		if (poll(&pfd, 1, 100) > 0)
			r = pcap_next_ex(c->p, &h, &d);
	}
	switch (r) {
	case 1: {
		uint64_t frac = (uint64_t)h->ts.tv_usec;
		if (c->nsec)
			frac /= 1000;
		ret->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + frac;
		ret->caplen = h->caplen;
		ret->wirelen = h->len;
		ret->data = d;
		return 1;
	}
	case 0:
		return -EAGAIN;
	case PCAP_ERROR_BREAK:
		return 0;
	default:
		snprintf(err, errlen, "%s", pcap_geterr(c->p));
		return c->live ? -EIO : -EBADMSG;
	}
}

void yg_capture_break(struct yg_capture *c)
{
	atomic_store(&c->stop, true);
	if (c->live)
		pcap_breakloop(c->p);
}

void yg_capture_progress(const struct yg_capture *c, uint64_t *ret_pos, uint64_t *ret_size)
{
	*ret_pos = 0;
	*ret_size = c->size;
	if (c->live)
		return;
	FILE *f = pcap_file(c->p);
	if (f) {
		long pos = ftell(f);
		if (pos > 0)
			*ret_pos = (uint64_t)pos;
	}
}

void yg_capture_kernel_stats(struct yg_capture *c, uint64_t *ret_recv, uint64_t *ret_drop)
{
	struct pcap_stat st;
	*ret_recv = *ret_drop = 0;
	if (c->live && pcap_stats(c->p, &st) == 0) {
		*ret_recv = st.ps_recv;
		*ret_drop = (uint64_t)st.ps_drop + st.ps_ifdrop;
	}
}
