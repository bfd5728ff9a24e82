/*
 * Writes the "real mix" benchmark capture: every given capture replayed
 * many times, as if many networks like the ones they were taken on shared
 * one link.
 *
 *   tool_realmix OUT.pcap NPACKETS IN.pcap...
 *
 * Each input (classic pcap or pcapng, Ethernet, BSD loopback, Linux
 * cooked or raw IP) is read once into a template; its frames become
 * Ethernet frames (a made-up Ethernet header in front of loopback, cooked
 * and raw IP packets; frames longer than 65535 bytes are left out and
 * counted). Copy c of every template then plays at its own start time
 * (copies spread evenly over the file at about 100,000 packets a second,
 * each template within a copy at its own offset), keeping the template's
 * spacing with gaps cut to 100 ms (a capture that idles for hours would
 * otherwise stretch the file to years). All copies are merged by time, so
 * they interleave. Copy c XORs c's low byte into the third octet and
 * its high byte into the second octet of every IPv4 address, and c into
 * bytes 12-13 of every IPv6 address (outer and inner:
 * VLAN, QinQ, MPLS, VN-Tag, IP-in-IP, 6in4, VXLAN without UDP checksum),
 * with the IP, TCP, UDP and ICMPv6 checksums updated incrementally
 * (RFC 1624), so every copy's flows are distinct and a checksum that was
 * wrong stays wrong. Copies are made until NPACKETS frames are written
 * (the last copy may be cut short).
 *
 * The output is classic pcap, microseconds, LINKTYPE_ETHERNET.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GAP_MAX_US  100000u
#define RATE_PPS    100000u
#define FRAME_MAX   65535u
#define T0_US       (1704067200ull * 1000000ull) /* 2024-01-01T00:00:00Z */
#define PARSE_DEPTH 4

struct rec {
	uint64_t t_us; /* from the template's start */
	uint32_t len;
	uint8_t *data;
};

struct tmpl {
	struct rec *recs;
	size_t n;
	uint64_t span_us;
};

/* One (copy, template) stream in the merge heap. */
struct stream {
	uint64_t next_us;
	uint32_t copy;
	uint32_t tmpl;
	size_t pos;
};

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), summed over changed words. */
static void csum_fix(uint8_t *ck, const uint16_t *was, const uint16_t *now, int n)
{
	uint32_t s = (uint16_t)~get16(ck);
	for (int i = 0; i < n; i++)
		s += (uint16_t)~was[i] + (uint32_t)now[i];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(ck, (uint16_t)~s);
}

static void frame_shift(uint8_t *p, size_t len, uint16_t k, int depth);

/* Shifts the addresses of the IP packet at p and what it carries. */
static void ip_shift(uint8_t *p, size_t len, uint16_t k, int depth)
{
	if (depth > PARSE_DEPTH || len < 1)
		return;
	uint16_t was[4], now[4];
	uint8_t proto;
	size_t hl, off;
	int nw;
	bool first = true; /* first fragment: the transport header is here */
	if (p[0] >> 4 == 4) {
		if (len < 20)
			return;
		hl = (size_t)(p[0] & 15) * 4;
		if (hl < 20 || hl > len)
			return;
		/* Octet 3 takes k's low byte, octet 2 its high byte: hosts of
		 * one capture mostly differ in octet 4, so copies never swap
		 * them (the first octet stays: 10/8 stays 10/8). */
		for (int i = 0; i < 2; i++) {
			uint8_t *w = p + 12 + 4 * i;
			was[2 * i] = get16(w);
			was[2 * i + 1] = get16(w + 2);
			now[2 * i] = was[2 * i] ^ (uint16_t)(k >> 8);
			now[2 * i + 1] = was[2 * i + 1] ^ (uint16_t)((k & 0xff) << 8);
			put16(w, now[2 * i]);
			put16(w + 2, now[2 * i + 1]);
		}
		nw = 4;
		csum_fix(p + 10, was, now, nw);
		proto = p[9];
		first = (get16(p + 6) & 0x1fff) == 0;
		off = hl;
	} else if (p[0] >> 4 == 6) {
		if (len < 40)
			return;
		/* Bytes 12-13: inside the interface identifier, above the
		 * bytes where one capture's hosts differ. */
		for (int i = 0; i < 2; i++) {
			uint8_t *w = p + 8 + 12 + 16 * i;
			was[i] = get16(w);
			now[i] = was[i] ^ k;
			put16(w, now[i]);
		}
		nw = 2;
		proto = p[6];
		off = 40;
		/* Extension headers before the transport header. */
		for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60 || proto == 44);
		     i++) {
			if (off + 8 > len)
				return;
			if (proto == 44) {
				first = (get16(p + off + 2) & 0xfff8) == 0;
				proto = p[off];
				off += 8;
			} else {
				size_t el = ((size_t)p[off + 1] + 1) * 8;
				proto = p[off];
				off += el;
			}
		}
		if (off > len)
			return;
	} else {
		return;
	}
	if (!first)
		return;
	uint8_t *l4 = p + off;
	size_t l4len = len - off;
	switch (proto) {
	case 6:
		if (l4len >= 18)
			csum_fix(l4 + 16, was, now, nw);
		break;
	case 17:
		if (l4len < 8)
			break;
		if (get16(l4 + 6) != 0 || p[0] >> 4 == 6) {
			csum_fix(l4 + 6, was, now, nw);
			if (get16(l4 + 6) == 0)
				put16(l4 + 6, 0xffff);
		} else if (get16(l4 + 2) == 4789 && l4len >= 16 + 14) {
			/* VXLAN without a UDP checksum: the inner frame too. */
			frame_shift(l4 + 16, l4len - 16, k, depth + 1);
		}
		break;
	case 58:
		if (l4len >= 4)
			csum_fix(l4 + 2, was, now, nw);
		break;
	case 4:
	case 41:
		ip_shift(l4, l4len, k, depth + 1);
		break;
	default:
		break;
	}
}

/* Shifts the addresses in the Ethernet frame at p. */
static void frame_shift(uint8_t *p, size_t len, uint16_t k, int depth)
{
	size_t off = 12;
	for (int i = 0; i < 8; i++) {
		if (off + 2 > len)
			return;
		uint16_t et = get16(p + off);
		off += 2;
		switch (et) {
		case 0x8100:
		case 0x88a8:
		case 0x9100:
			off += 2;
			continue;
		case 0x8926: /* VN-Tag */
			off += 4;
			continue;
		case 0x8847:
		case 0x8848:
			/* MPLS labels down to the bottom of the stack, then IP. */
			while (off + 4 <= len && !(p[off + 2] & 1))
				off += 4;
			off += 4;
			if (off < len)
				ip_shift(p + off, len - off, k, depth);
			return;
		case 0x0800:
		case 0x86dd:
			if (off < len)
				ip_shift(p + off, len - off, k, depth);
			return;
		default:
			return;
		}
	}
}

/* The Ethernet frame for one captured packet of link type dlt, in a new
 * buffer the caller frees; NULL when the link type is unknown. */
static uint8_t *to_ether(int dlt, const uint8_t *d, uint32_t caplen, uint32_t *ret_len)
{
	size_t skip;
	uint16_t et;
	switch (dlt) {
	case DLT_EN10MB:
		skip = 0;
		et = 0;
		break;
	case DLT_NULL:
	case DLT_LOOP: {
		if (caplen < 4)
			return NULL;
		uint32_t af;
		memcpy(&af, d, 4);
		if (af > 0xffff)
			af = __builtin_bswap32(af);
		et = af == 2 ? 0x0800 : 0x86dd;
		skip = 4;
		break;
	}
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return NULL;
		et = get16(d + 14);
		skip = 16;
		break;
	case DLT_RAW:
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		if (caplen < 1)
			return NULL;
		et = d[0] >> 4 == 6 ? 0x86dd : 0x0800;
		skip = 0;
		break;
	default:
		return NULL;
	}
	size_t hdr = dlt == DLT_EN10MB ? 0 : 14;
	size_t n = hdr + caplen - skip;
	uint8_t *out = malloc(n ? n : 1);
	if (!out)
		return NULL;
	if (hdr) {
		memcpy(out, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
		put16(out + 12, et);
	}
	memcpy(out + hdr, d + skip, caplen - skip);
	*ret_len = (uint32_t)n;
	return out;
}

static int tmpl_load(const char *path, struct tmpl *t, uint64_t *skipped)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "tool_realmix: %s: %s\n", path, err);
		return -EINVAL;
	}
	int dlt = pcap_datalink(p);
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t cap = 0;
	uint64_t last = 0, t_rel = 0;
	int r = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint32_t n;
		if (h->caplen > FRAME_MAX) {
			(*skipped)++;
			continue;
		}
		uint8_t *f = to_ether(dlt, d, h->caplen, &n);
		if (!f || n > FRAME_MAX) {
			free(f);
			(*skipped)++;
			continue;
		}
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		if (t->n) {
			uint64_t gap = ts > last ? ts - last : 0;
			t_rel += gap > GAP_MAX_US ? GAP_MAX_US : gap;
		}
		last = ts;
		if (t->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct rec *nr = realloc(t->recs, nc * sizeof *nr);
			if (!nr) {
				free(f);
				r = -ENOMEM;
				break;
			}
			t->recs = nr;
			cap = nc;
		}
		t->recs[t->n++] = (struct rec){.t_us = t_rel, .len = n, .data = f};
	}
	t->span_us = t_rel;
	pcap_close(p);
	return r;
}

static bool earlier(const struct stream *a, const struct stream *b)
{
	return a->next_us < b->next_us;
}

static void sift_down(struct stream *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && earlier(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && earlier(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct stream x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: tool_realmix OUT.pcap NPACKETS IN.pcap...\n");
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long long want = strtoull(argv[2], &end, 10);
	if (errno || *end || want == 0) {
		fprintf(stderr, "tool_realmix: NPACKETS: not a positive number: %s\n", argv[2]);
		return 2;
	}
	int rc = 1;
	size_t nt = (size_t)argc - 3, per_copy = 0;
	uint64_t skipped = 0, written = 0, bytes = 0;
	struct tmpl *t = calloc(nt, sizeof *t);
	struct stream *heap = NULL;
	uint8_t *buf = NULL;
	FILE *out = NULL;
	if (!t)
		goto out;
	for (size_t i = 0; i < nt; i++) {
		if (tmpl_load(argv[3 + i], &t[i], &skipped) < 0)
			goto out;
		per_copy += t[i].n;
	}
	if (!per_copy) {
		fprintf(stderr, "tool_realmix: no usable packet in the inputs\n");
		goto out;
	}
	uint64_t copies = (want + per_copy - 1) / per_copy;
	if (copies > 65536) {
		fprintf(stderr, "tool_realmix: %llu packets need %llu copies; at most 65536\n",
		        want, (unsigned long long)copies);
		goto out;
	}
	/* Copy c starts at c * step: about RATE_PPS packets a second overall. */
	uint64_t step = (uint64_t)per_copy * 1000000u / RATE_PPS;
	size_t nh = 0;
	heap = malloc((size_t)copies * nt * sizeof *heap);
	buf = malloc(FRAME_MAX);
	if (!heap || !buf)
		goto out;
	for (uint64_t c = 0; c < copies; c++)
		for (size_t i = 0; i < nt; i++) {
			if (!t[i].n)
				continue;
			uint64_t jit = mix64(c << 16 | i) % (step ? step : 1);
			heap[nh++] = (struct stream){.next_us = c * step + jit + t[i].recs[0].t_us,
			                             .copy = (uint32_t)c,
			                             .tmpl = (uint32_t)i};
		}
	for (size_t i = nh / 2; i-- > 0;)
		sift_down(heap, nh, i);
	out = fopen(argv[1], "wb");
	if (!out) {
		fprintf(stderr, "tool_realmix: %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	setvbuf(out, NULL, _IOFBF, 4u << 20);
	uint32_t fh[6] = {0xa1b2c3d4u, 2 | (4u << 16), 0, 0, FRAME_MAX, 1};
	fwrite(fh, 1, sizeof fh, out);
	while (nh && written < want) {
		struct stream *s = &heap[0];
		const struct tmpl *tp = &t[s->tmpl];
		const struct rec *rr = &tp->recs[s->pos];
		memcpy(buf, rr->data, rr->len);
		frame_shift(buf, rr->len, (uint16_t)s->copy, 0);
		uint64_t ts = T0_US + s->next_us;
		uint32_t rh[4] = {(uint32_t)(ts / 1000000u), (uint32_t)(ts % 1000000u), rr->len,
		                  rr->len};
		fwrite(rh, 1, sizeof rh, out);
		fwrite(buf, 1, rr->len, out);
		written++;
		bytes += rr->len;
		if (++s->pos < tp->n) {
			s->next_us += tp->recs[s->pos].t_us - rr->t_us;
		} else {
			heap[0] = heap[--nh];
		}
		sift_down(heap, nh, 0);
	}
	if (fclose(out) != 0) {
		out = NULL;
		fprintf(stderr, "tool_realmix: %s: write failed\n", argv[1]);
		goto out;
	}
	out = NULL;
	printf("wrote %s: %" PRIu64 " packets, %" PRIu64 " bytes of frames, %llu copies of %zu "
	       "captures (%zu packets a copy; %" PRIu64 " input frames left out)\n",
	       argv[1], written, bytes, (unsigned long long)copies, nt, per_copy, skipped);
	rc = 0;
out:
	if (out)
		fclose(out);
	for (size_t i = 0; t && i < nt; i++) {
		for (size_t j = 0; j < t[i].n; j++)
			free(t[i].recs[j].data);
		free(t[i].recs);
	}
	free(t);
	free(heap);
	free(buf);
	return rc;
}
