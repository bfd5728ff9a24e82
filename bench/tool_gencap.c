/*
 * Writes the benchmark capture and its indicator list, made from scratch.
 *
 *   tool_gencap OUT.pcap NPACKETS NFLOWS [SEED]
 *   tool_gencap --intel OUT.txt N [SEED]
 *   tool_gencap --darknet OUT.pcap NPACKETS NSOURCES [SEED]
 *
 * --darknet writes telescope traffic only (the darknet path's bench): every
 * packet goes to 100.64.0.0/16 from one of NSOURCES scanners (each with a
 * fixed kind: Mirai, ZMap, Masscan or unknown SYN scanners, UDP and ICMP
 * echo scanners, and SYN-ACK/RST backscatter), picked at random with a
 * skew (a quarter of the sources send most packets), 20 microseconds
 * apart (50,000 packets a second).
 *
 * The capture (classic pcap, microseconds, Ethernet) holds NPACKETS frames
 * spread over NFLOWS flow slots. Each packet goes to a slot picked at random;
 * the slot emits the next packet of its current session (a DNS lookup, an
 * HTTP/1.1 or TLS connection, other TCP or UDP, pings), and starts a new
 * session (new client port) when that one ends. So about NFLOWS sessions are
 * open at any time and many more 5-tuples appear over the file. Slots start
 * at a random point of their first session, as a capture begins mid-traffic.
 * TCP sessions have consistent seq/ack numbers, delayed ACKs every second
 * segment, FIN or RST teardown; every checksum is valid.
 *
 * The indicator list holds N lines: IPv4 addresses 40%, IPv4 CIDRs 10%,
 * IPv6 5%, domains 35%, URLs 5%, MD5/SHA-1/SHA-256 hashes 5%. With the same
 * SEED, about 1% of the capture's sessions go to a "bad" target (one of
 * NBAD, derived from the seed) whose address, CIDR, domain, URL or IPv6
 * address is in the list; nothing else in the capture matches any line.
 *
 * Address plan (so that the two never collide by chance):
 *   clients 10.0.0.0/8 and fd00::/64; resolvers 10.255.0.53-56, fd00::35
 *   servers 172.16.0.0/12 and 2001:db8:1::/64, names <sub>.<word><n>.<tld>
 *   bad     198.18.0.0/15 and 2001:db8:bad::/64, names *.b<n>-cc.net,
 *           dl<n>.files-host.net
 *   random indicators: other first octets, 2a00::/12, letters-only names
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUT_BUF      (16u << 20)
#define MAX_REC      (16 + 14 + 4 + 40 + 32 + 1460 + 64)
#define POOL_BYTES   (1u << 20)
#define MSS          1460
#define NNAMES       100000u
#define NBAD         4096u
#define BAD_PERMILLE 10
#define T0_SEC       1704067200ull /* 2024-01-01T00:00:00Z */
#define SCRATCH      2048

enum kind { K_DNS, K_HTTP, K_TLS, K_TCP, K_UDP, K_ICMP, K__COUNT };
static const char *const kind_names[K__COUNT] = {"dns", "http", "tls", "tcp", "udp", "icmp"};

/* Bad targets: category = b % 5. */
enum bad_cat { BAD_IP, BAD_CIDR, BAD_DOMAIN, BAD_URL, BAD_IP6, BAD__COUNT };

enum phase {
	PH_SYN,
	PH_SYNACK,
	PH_ACK,
	PH_REQ,
	PH_REQACK,
	PH_RESP,
	PH_RESPACK,
	PH_FIN1,
	PH_FIN2,
	PH_LASTACK,
	PH_RST,
	PH_DNSQ,
	PH_DNSR,
	PH_UDP,
	PH_PING,
	PH_PONG,
	PH_DONE,
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

struct flow {
	uint32_t id, gen;
	uint32_t cseq, sseq;
	uint32_t left;  /* bytes of the current response not yet sent */
	uint32_t name;  /* name index, or the bad index */
	uint32_t total; /* size of the current response */
	uint16_t cport, sport;
	uint16_t ipid, vlan, rounds, count, round;
	uint8_t kind, phase, v6, bad, unacked, rst, profile, reqack;
	uint8_t caddr[16], saddr[16];
};

struct gen {
	FILE *out;
	uint8_t *buf;
	size_t len;
	uint64_t seed, rng, ts_us;
	uint8_t *pool;
	bool silent;
	uint64_t packets, bytes, file_bytes, sessions, bad_sessions;
	uint64_t size_small, size_mid, size_large; /* <=100, 101-1000, >1000 */
	uint64_t kind_pkts[K__COUNT], kind_sessions[K__COUNT];
};

/* ---- randomness ---- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t derive(uint64_t seed, uint64_t a, uint64_t b)
{
	return mix64(seed ^ mix64(a ^ mix64(b + 0x51ed27)));
}

static uint64_t rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return mix64(*s);
}

/* Uniform in [0, n) (n > 0), by multiply-high. */
static uint32_t below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rnd(s) & 0xffffffffu) * (uint64_t)n) >> 32);
}

static uint32_t range32(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return lo + below(s, hi - lo + 1);
}

/* ---- names and targets shared by the capture and the indicator list ---- */

static const char *const subs[8] = {"www", "api", "cdn", "img", "static", "mail", "login", "app"};
static const char *const words[16] = {"shop",   "news",  "cloud",  "media",  "bank",  "game",
                                      "social", "video", "search", "travel", "music", "photo",
                                      "health", "sport", "data",   "maps"};
static const char *const tlds[6] = {"com", "net", "org", "io", "jp", "de"};
static const char *const agents[5] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
    "curl/7.88.1",
    "Microsoft-CryptoAPI/10.0",
};

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put16be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void set_v4(uint8_t *a, uint32_t v)
{
	memset(a, 0, 16);
	put32be(a, v);
}

static void set_v6(uint8_t *a, const uint8_t prefix[8], uint64_t low)
{
	memcpy(a, prefix, 8);
	for (int i = 0; i < 8; i++)
		a[8 + i] = (uint8_t)(low >> (56 - 8 * i));
}

static const uint8_t pfx_client6[8] = {0xfd, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t pfx_server6[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0};
static const uint8_t pfx_bad6[8] = {0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, 0, 0};

static uint32_t server_v4(uint32_t name)
{
	return 0xac100000u | (uint32_t)(mix64(name) & 0xfffffu);
}

static uint32_t bad_v4(uint32_t b)
{
	switch (b % BAD__COUNT) {
	case BAD_IP:
		return 0xc6120000u + b; /* 198.18.0.0 - 198.18.15.255, listed */
	case BAD_CIDR:
		return 0xc6130000u + b * 16 + 5; /* inside the listed 198.19.x.y/28 */
	case BAD_DOMAIN:
		return 0xc6124000u + b; /* 198.18.64.0/18, not listed */
	default:
		return 0xc6128000u + b; /* 198.18.128.0/17, not listed */
	}
}

/* The host name a session talks to; returns its length. */
static int target_name(const struct flow *f, char *out, size_t cap)
{
	if (f->bad == 1 + BAD_DOMAIN)
		return snprintf(out, cap, "%s.b%" PRIu32 "-cc.net", subs[f->gen % 8], f->name);
	if (f->bad == 1 + BAD_URL)
		return snprintf(out, cap, "dl%" PRIu32 ".files-host.net", f->name);
	uint32_t i = f->bad ? (uint32_t)(mix64(f->name) % NNAMES) : f->name;
	return snprintf(out, cap, "%s.%s%" PRIu32 ".%s", subs[i % 8], words[(i / 8) % 16], i / 128,
	                tlds[(i * 7) % 6]);
}

static int target_url(const struct flow *f, uint32_t round, char *out, size_t cap)
{
	if (f->bad == 1 + BAD_URL)
		return snprintf(out, cap, "/get/%" PRIu32 ".bin", f->name);
	uint32_t r = (uint32_t)derive(f->name, f->gen, round);
	switch (r % 5) {
	case 0:
		return snprintf(out, cap, "/");
	case 1:
		return snprintf(out, cap, "/index.html");
	case 2:
		return snprintf(out, cap, "/static/js/app.%08" PRIx32 ".js", r);
	case 3:
		return snprintf(out, cap, "/api/v1/items?id=%" PRIu32 "&page=%u", r >> 8, r % 7);
	default:
		return snprintf(out, cap, "/images/%" PRIu32 ".jpg", r >> 4);
	}
}

/* ---- output ---- */

static int flush_out(struct gen *g)
{
	if (g->len && fwrite(g->buf, 1, g->len, g->out) != g->len)
		return -EIO;
	g->file_bytes += g->len;
	g->len = 0;
	return 0;
}

/* One's-complement sum (RFC 1071) of n bytes in native order. */
static uint64_t csum_add(uint64_t acc, const uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		acc += w;
		if (acc < w)
			acc++;
		p += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
		if (acc < w)
			acc++;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		if (acc < w)
			acc++;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint16_t w = 0;
		memcpy(&w, p, 1);
		acc += w;
		if (acc < w)
			acc++;
	}
	return acc;
}

static uint16_t csum_fold(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* A frame being built in the output buffer. */
struct frame {
	uint8_t *rec, *l3, *l4, *pay;
	size_t l4len, paylen;
	uint8_t proto;
	bool v6, c2s;
};

/* Reserves room and lays out link, IP and an l4len-byte transport header
 * for paylen payload bytes; returns where the payload goes. */
static uint8_t *frame_begin(struct gen *g, const struct flow *f, bool c2s, uint8_t proto,
                            size_t l4len, size_t paylen, struct frame *fr)
{
	uint8_t *p = g->buf + g->len;
	fr->rec = p;
	fr->proto = proto;
	fr->v6 = f->v6;
	fr->c2s = c2s;
	fr->l4len = l4len;
	fr->paylen = paylen;
	p += 16;
	/* Clients sit behind one router: its MAC on the server side. */
	static const uint8_t router[6] = {0x02, 0xff, 0x00, 0x00, 0x00, 0x01};
	uint8_t host[6] = {0x02,
	                   0x00,
	                   f->caddr[f->v6 ? 12 : 0],
	                   f->caddr[f->v6 ? 13 : 1],
	                   f->caddr[f->v6 ? 14 : 2],
	                   f->caddr[f->v6 ? 15 : 3]};
	memcpy(p, c2s ? router : host, 6);
	memcpy(p + 6, c2s ? host : router, 6);
	p += 12;
	if (f->vlan) {
		put16be(p, 0x8100);
		put16be(p + 2, f->vlan);
		p += 4;
	}
	put16be(p, f->v6 ? 0x86dd : 0x0800);
	p += 2;
	fr->l3 = p;
	const uint8_t *src = c2s ? f->caddr : f->saddr, *dst = c2s ? f->saddr : f->caddr;
	size_t l4total = l4len + paylen;
	if (f->v6) {
		put32be(p, 0x60000000u);
		put16be(p + 4, (uint32_t)l4total);
		p[6] = proto;
		p[7] = c2s ? 64 : 54;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		p += 40;
	} else {
		p[0] = 0x45;
		p[1] = 0;
		put16be(p + 2, (uint32_t)(20 + l4total));
		put16be(p + 4, f->ipid);
		put16be(p + 6, proto == 6 ? 0x4000 : 0);
		p[8] = c2s ? 64 : 54;
		p[9] = proto;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		put16be(p + 10, 0);
		uint16_t c = csum_fold(csum_add(0, p, 20));
		memcpy(p + 10, &c, 2);
		p += 20;
	}
	fr->l4 = p;
	fr->pay = p + l4len;
	return fr->pay;
}

/* Checksums the transport header (at checksum offset ck, or none when
 * ck < 0), pads to 60 bytes, writes the record header, commits. */
static int frame_end(struct gen *g, struct flow *f, struct frame *fr, int ck)
{
	size_t l4total = fr->l4len + fr->paylen;
	if (ck >= 0) {
		uint8_t pseudo[40];
		size_t plen;
		const uint8_t *ip = fr->l3;
		if (fr->v6) {
			memcpy(pseudo, ip + 8, 32);
			put32be(pseudo + 32, (uint32_t)l4total);
			put32be(pseudo + 36, fr->proto);
			plen = 40;
		} else {
			memcpy(pseudo, ip + 12, 8);
			pseudo[8] = 0;
			pseudo[9] = fr->proto;
			put16be(pseudo + 10, (uint32_t)l4total);
			plen = 12;
		}
		fr->l4[ck] = fr->l4[ck + 1] = 0;
		uint16_t c = csum_fold(csum_add(csum_add(0, pseudo, plen), fr->l4, l4total));
		if (c == 0 && fr->proto == 17)
			c = 0xffff;
		memcpy(fr->l4 + ck, &c, 2);
	}
	size_t flen = (size_t)(fr->l4 + l4total - (fr->rec + 16));
	if (flen < 60) {
		memset(fr->rec + 16 + flen, 0, 60 - flen);
		flen = 60;
	}
	f->ipid++;
	if (g->silent)
		return 0;
	uint32_t hdr[4] = {(uint32_t)(T0_SEC + g->ts_us / 1000000), (uint32_t)(g->ts_us % 1000000),
	                   (uint32_t)flen, (uint32_t)flen};
	memcpy(fr->rec, hdr, 16); /* pcap records are in the writer's byte order */
	g->len += 16 + flen;
	g->ts_us += 1 + below(&g->rng, 19);
	g->packets++;
	g->bytes += flen;
	g->kind_pkts[f->kind]++;
	if (flen <= 100)
		g->size_small++;
	else if (flen <= 1000)
		g->size_mid++;
	else
		g->size_large++;
	if (OUT_BUF - g->len < MAX_REC)
		return flush_out(g);
	return 0;
}

/* Opaque payloads start with 0xff bytes: no tshark 4.0 heuristic (RTP/RTCP,
 * CLTP/R-GOOSE, Thrift, STUN, ...) takes that for its header, so the
 * payload stays plain data. */
static void lead_in(uint8_t *p, size_t n)
{
	memset(p, 0xff, n < 4 ? n : 4);
}

/* ---- transport ---- */

static uint8_t *tcp_begin(struct gen *g, const struct flow *f, bool c2s, bool syn, size_t paylen,
                          struct frame *fr)
{
	return frame_begin(g, f, c2s, 6, syn ? 32 : 20, paylen, fr);
}

static int tcp_end(struct gen *g, struct flow *f, struct frame *fr, uint8_t flags)
{
	uint8_t *t = fr->l4;
	bool c2s = fr->c2s;
	put16be(t, c2s ? f->cport : f->sport);
	put16be(t + 2, c2s ? f->sport : f->cport);
	put32be(t + 4, c2s ? f->cseq : f->sseq);
	put32be(t + 8, (flags & TH_ACK) ? (c2s ? f->sseq : f->cseq) : 0);
	t[12] = (uint8_t)((fr->l4len / 4) << 4);
	t[13] = flags;
	put16be(t + 14, (flags & TH_SYN) ? 64240 : 502); /* 502 << wscale 7 after the SYNs */
	put16be(t + 18, 0);
	if (fr->l4len == 32) {
		/* MSS 1460, NOP, wscale 7, NOP, NOP, SACK permitted */
		static const uint8_t opts[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2};
		memcpy(t + 20, opts, 12);
	}
	uint32_t adv = (uint32_t)fr->paylen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	if (c2s)
		f->cseq += adv;
	else
		f->sseq += adv;
	return frame_end(g, f, fr, 16);
}

static int tcp_ctl(struct gen *g, struct flow *f, bool c2s, uint8_t flags)
{
	struct frame fr;
	tcp_begin(g, f, c2s, flags & TH_SYN, 0, &fr);
	return tcp_end(g, f, &fr, flags);
}

static int tcp_data(struct gen *g, struct flow *f, bool c2s, const uint8_t *data, size_t n,
                    uint8_t flags)
{
	struct frame fr;
	memcpy(tcp_begin(g, f, c2s, false, n, &fr), data, n);
	return tcp_end(g, f, &fr, flags);
}

static int udp_send(struct gen *g, struct flow *f, bool c2s, const uint8_t *data, size_t n)
{
	struct frame fr;
	uint8_t *p = frame_begin(g, f, c2s, 17, 8, n, &fr);
	if (data) {
		memcpy(p, data, n);
	} else {
		memcpy(p, g->pool + below(&g->rng, POOL_BYTES - MSS), n);
		lead_in(p, n);
	}
	put16be(fr.l4, c2s ? f->cport : f->sport);
	put16be(fr.l4 + 2, c2s ? f->sport : f->cport);
	put16be(fr.l4 + 4, (uint32_t)(8 + n));
	return frame_end(g, f, &fr, 6);
}

static int ping_send(struct gen *g, struct flow *f, bool c2s)
{
	struct frame fr;
	uint8_t proto = f->v6 ? 58 : 1;
	uint8_t *p = frame_begin(g, f, c2s, proto, 8, 56, &fr);
	for (int i = 0; i < 56; i++)
		p[i] = (uint8_t)(0x10 + i);
	uint8_t *h = fr.l4;
	h[0] = f->v6 ? (c2s ? 128 : 129) : (c2s ? 8 : 0);
	h[1] = 0;
	put16be(h + 4, f->cport);
	put16be(h + 6, f->count);
	if (f->v6)
		return frame_end(g, f, &fr, 2);
	h[2] = h[3] = 0;
	uint16_t c = csum_fold(csum_add(0, h, 64));
	memcpy(h + 2, &c, 2);
	return frame_end(g, f, &fr, -1);
}

/* ---- application payloads ---- */

/* A small bounds-checked writer over a scratch buffer. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
};

static void w8(struct wbuf *w, uint32_t v)
{
	if (w->len < w->cap)
		w->p[w->len++] = (uint8_t)v;
}

static void w16(struct wbuf *w, uint32_t v)
{
	w8(w, v >> 8);
	w8(w, v);
}

static void wmem(struct wbuf *w, const void *d, size_t n)
{
	if (n > w->cap - w->len)
		n = w->cap - w->len;
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void wlen16_at(struct wbuf *w, size_t at)
{
	put16be(w->p + at, (uint32_t)(w->len - at - 2));
}

static size_t dns_msg(const struct flow *f, bool response, uint8_t *out, size_t cap)
{
	struct wbuf w = {out, 0, cap};
	char name[128];
	int nl = target_name(f, name, sizeof name);
	uint32_t nans = response ? 1 + (uint32_t)(derive(f->name, f->gen, 7) % 3) : 0;
	w16(&w, f->cport ^ 0x5a5a);
	w16(&w, response ? 0x8180 : 0x0100);
	w16(&w, 1);
	w16(&w, nans);
	w16(&w, 0);
	w16(&w, 0);
	const char *lab = name;
	while (lab < name + nl) {
		const char *dot = memchr(lab, '.', (size_t)(name + nl - lab));
		size_t ll = dot ? (size_t)(dot - lab) : (size_t)(name + nl - lab);
		w8(&w, (uint32_t)ll);
		wmem(&w, lab, ll);
		lab += ll + 1;
	}
	w8(&w, 0);
	uint32_t qtype = f->v6 ? 28 : 1;
	w16(&w, qtype);
	w16(&w, 1);
	for (uint32_t i = 0; i < nans; i++) {
		w16(&w, 0xc00c);
		w16(&w, qtype);
		w16(&w, 1);
		w16(&w, 0);
		w16(&w, 300);
		w16(&w, f->v6 ? 16 : 4);
		uint8_t a[16];
		if (f->v6) {
			set_v6(a, pfx_server6, f->name);
			a[15] = (uint8_t)(a[15] + i);
		} else {
			uint32_t v = (f->bad ? bad_v4(f->name) : server_v4(f->name)) + i;
			put32be(a, v);
		}
		wmem(&w, a, f->v6 ? 16 : 4);
	}
	return w.len;
}

static size_t http_request(const struct flow *f, uint8_t *out, size_t cap)
{
	char host[128], url[96];
	target_name(f, host, sizeof host);
	target_url(f, f->round, url, sizeof url);
	int n = snprintf((char *)out, cap,
	                 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
	                 "Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US,en;q=0.5\r\n"
	                 "Connection: keep-alive\r\n\r\n",
	                 url, host, agents[f->profile % 5]);
	return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* The head of an HTTP response whose head and body are *total bytes. The
 * Content-Length's own digits change the head's length, and just below a
 * power of ten no length fits: then *total drops by one. */
static size_t http_response_head(uint32_t *total, uint8_t *out, size_t cap)
{
	static const char fmt[] = "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
	                          "Content-Type: application/octet-stream\r\n"
	                          "Content-Length: %" PRIu32 "\r\nConnection: keep-alive\r\n\r\n";
	int base = snprintf((char *)out, cap, fmt, (uint32_t)0) - 1; /* without the digits */
	for (int tries = 0; tries < 2; tries++) {
		for (int d = 1; d <= 10; d++) {
			if (*total < (uint32_t)(base + d))
				break;
			uint32_t body = *total - (uint32_t)(base + d);
			char digits[16];
			if (snprintf(digits, sizeof digits, "%" PRIu32, body) == d) {
				int n = snprintf((char *)out, cap, fmt, body);
				return n < 0 ? 0 : (size_t)n;
			}
		}
		(*total)--;
	}
	return 0;
}

static const uint16_t ciphers_chrome[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                          0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                          0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t ciphers_firefox[] = {0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9,
                                           0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013,
                                           0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t ciphers_old[] = {0xc02f, 0xc030, 0xc027, 0xc028, 0x009c,
                                       0x009d, 0x002f, 0x0035, 0x000a};

static size_t tls_client_hello(const struct flow *f, uint64_t *rng, uint8_t *out, size_t cap)
{
	struct wbuf w = {out, 0, cap};
	char sni[128];
	int sl = target_name(f, sni, sizeof sni);
	unsigned prof = f->profile % 4;
	bool grease = prof == 0, tls13 = prof != 3;
	const uint16_t *cs = prof == 1 ? ciphers_firefox : prof == 3 ? ciphers_old : ciphers_chrome;
	size_t ncs = prof == 1   ? sizeof ciphers_firefox / 2
	             : prof == 3 ? sizeof ciphers_old / 2
	                         : sizeof ciphers_chrome / 2;
	uint32_t gv = 0x0a0a + 0x1010 * (uint32_t)(f->gen % 16);

	w8(&w, 22);
	w16(&w, 0x0301);
	size_t rec = w.len;
	w16(&w, 0);
	w8(&w, 1);
	size_t hs = w.len;
	w8(&w, 0);
	w16(&w, 0);
	w16(&w, 0x0303);
	for (int i = 0; i < 32; i++)
		w8(&w, (uint32_t)rnd(rng));
	w8(&w, 32);
	for (int i = 0; i < 32; i++)
		w8(&w, (uint32_t)rnd(rng));
	w16(&w, (uint32_t)(2 * (ncs + grease)));
	if (grease)
		w16(&w, gv);
	for (size_t i = 0; i < ncs; i++)
		w16(&w, cs[i]);
	w8(&w, 1);
	w8(&w, 0);
	size_t exts = w.len;
	w16(&w, 0);
	if (grease) {
		w16(&w, gv ^ 0x1010);
		w16(&w, 0);
	}
	w16(&w, 0); /* server_name */
	w16(&w, (uint32_t)sl + 5);
	w16(&w, (uint32_t)sl + 3);
	w8(&w, 0);
	w16(&w, (uint32_t)sl);
	wmem(&w, sni, (size_t)sl);
	w16(&w, 23); /* extended_master_secret */
	w16(&w, 0);
	w16(&w, 0xff01); /* renegotiation_info */
	w16(&w, 1);
	w8(&w, 0);
	w16(&w, 10); /* supported_groups */
	w16(&w, grease ? 10 : 8);
	w16(&w, grease ? 8 : 6);
	if (grease)
		w16(&w, gv);
	w16(&w, 29);
	w16(&w, 23);
	w16(&w, 24);
	w16(&w, 11); /* ec_point_formats */
	w16(&w, 2);
	w8(&w, 1);
	w8(&w, 0);
	w16(&w, 35); /* session_ticket */
	w16(&w, 0);
	if (prof != 3) {
		w16(&w, 16); /* ALPN h2, http/1.1 */
		w16(&w, 14);
		w16(&w, 12);
		wmem(&w, "\x02h2\x08http/1.1", 12);
	}
	w16(&w, 13); /* signature_algorithms */
	w16(&w, 18);
	w16(&w, 16);
	static const uint16_t sigs[8] = {0x0403, 0x0804, 0x0401, 0x0503,
	                                 0x0805, 0x0501, 0x0806, 0x0601};
	for (int i = 0; i < 8; i++)
		w16(&w, sigs[i]);
	if (tls13) {
		w16(&w, 51); /* key_share: x25519 */
		w16(&w, 38);
		w16(&w, 36);
		w16(&w, 29);
		w16(&w, 32);
		for (int i = 0; i < 32; i++)
			w8(&w, (uint32_t)rnd(rng));
		w16(&w, 43); /* supported_versions */
		w16(&w, grease ? 7 : 5);
		w8(&w, grease ? 6 : 4);
		if (grease)
			w16(&w, gv);
		w16(&w, 0x0304);
		w16(&w, 0x0303);
	}
	if (grease) {
		w16(&w, gv ^ 0x2020);
		w16(&w, 1);
		w8(&w, 0);
		/* Chrome pads the hello to 512 bytes (RFC 7685). */
		size_t now = w.len - hs + 1 + 4;
		if (now < 508) {
			size_t pad = 508 - now;
			w16(&w, 21);
			w16(&w, (uint32_t)pad);
			for (size_t i = 0; i < pad; i++)
				w8(&w, 0);
		}
	}
	wlen16_at(&w, exts);
	size_t hlen = w.len - hs - 3;
	w.p[hs] = (uint8_t)(hlen >> 16);
	put16be(w.p + hs + 1, (uint32_t)hlen);
	wlen16_at(&w, rec);
	return w.len;
}

/* ServerHello (TLS 1.3 style) + ChangeCipherSpec + one application_data
 * record filling the rest of n bytes (n >= 160). */
static void tls_server_flight(const struct flow *f, uint8_t *p, size_t n, const uint8_t *pool)
{
	struct wbuf w = {p, 0, n};
	w8(&w, 22);
	w16(&w, 0x0303);
	size_t rec = w.len;
	w16(&w, 0);
	w8(&w, 2);
	w8(&w, 0);
	size_t hl = w.len;
	w16(&w, 0);
	w16(&w, 0x0303);
	wmem(&w, pool, 32);
	w8(&w, 32);
	wmem(&w, pool + 32, 32);
	w16(&w, f->profile % 4 == 3 ? 0xc02f : 0x1301);
	w8(&w, 0);
	size_t exts = w.len;
	w16(&w, 0);
	if (f->profile % 4 != 3) {
		w16(&w, 43);
		w16(&w, 2);
		w16(&w, 0x0304);
		w16(&w, 51);
		w16(&w, 36);
		w16(&w, 29);
		w16(&w, 32);
		wmem(&w, pool + 64, 32);
	}
	wlen16_at(&w, exts);
	wlen16_at(&w, hl);
	wlen16_at(&w, rec);
	wmem(&w, "\x14\x03\x03\x00\x01\x01", 6);
	size_t rest = n - w.len - 5;
	w8(&w, 23);
	w16(&w, 0x0303);
	w16(&w, (uint32_t)rest);
	wmem(&w, pool + 96, rest);
}

/* ---- sessions ---- */

/* Response sizes: mostly small, some pages, a few downloads. */
static uint32_t response_size(uint64_t *r)
{
	uint32_t p = below(r, 1000);
	uint32_t n = p < 650   ? range32(r, 200, 1400)
	             : p < 930 ? range32(r, 1400, 8000)
	             : p < 995 ? range32(r, 8000, 40000)
	                       : range32(r, 40000, 150000);
	return n;
}

/* Ports of "other" TCP and UDP sessions are ones that tshark (4.0) maps
 * to no dissector, so that it shows them as plain data. */
static const uint16_t tcp_other_ports[8] = {21000, 23000, 25000, 26000, 28000, 31000, 33000, 35000};

static void session_new(struct gen *g, struct flow *f, uint32_t nflows)
{
	f->gen++;
	uint64_t r = derive(g->seed, f->id, f->gen);
	uint32_t hosts = nflows / 4 ? nflows / 4 : 1;
	uint32_t host = (uint32_t)(derive(g->seed, f->id, 0) % hosts);
	uint32_t cli = 0x0a000000u | (uint32_t)(mix64(host ^ g->seed) & 0xfffffeu);
	if ((cli & 0xffff0000u) == 0x0aff0000u)
		cli ^= 0x00010000u; /* keep clear of the resolvers' 10.255/16 */
	f->vlan = (host % 20 == 0) ? (uint16_t)(100 + host % 16) : 0;
	f->cport = (uint16_t)range32(&r, 49152, 65000);
	f->cseq = (uint32_t)rnd(&r);
	f->sseq = (uint32_t)rnd(&r);
	f->ipid = (uint16_t)rnd(&r);
	f->profile = (uint8_t)below(&r, 5);
	f->round = 0;
	f->left = f->total = 0;
	f->unacked = 0;
	f->rst = below(&r, 100) < 5;
	f->reqack = below(&r, 100) < 50;
	f->v6 = below(&r, 100) < 15;
	f->bad = 0;
	uint32_t k = below(&r, 100);
	f->kind = k < 30   ? K_DNS
	          : k < 52 ? K_HTTP
	          : k < 84 ? K_TLS
	          : k < 90 ? K_TCP
	          : k < 97 ? K_UDP
	                   : K_ICMP;
	f->name = below(&r, NNAMES);
	if (below(&r, 1000) < BAD_PERMILLE) {
		uint32_t b = below(&r, NBAD);
		f->bad = (uint8_t)(1 + b % BAD__COUNT);
		f->name = b;
		switch (b % BAD__COUNT) {
		case BAD_URL:
			f->kind = K_HTTP;
			break;
		case BAD_DOMAIN:
			f->kind = f->kind == K_DNS || f->kind == K_HTTP ? f->kind : K_TLS;
			break;
		case BAD_IP6:
			f->v6 = 1;
			/* fall through */
		default:
			if (f->kind == K_DNS)
				f->kind = K_TLS;
		}
		if (b % BAD__COUNT != BAD_IP6)
			f->v6 = 0;
		g->bad_sessions += !g->silent;
	}
	if (f->v6)
		set_v6(f->caddr, pfx_client6, cli);
	else
		set_v4(f->caddr, cli);
	if (f->kind == K_DNS) {
		if (f->v6)
			set_v6(f->saddr, pfx_client6, 0x35);
		else
			set_v4(f->saddr, 0x0aff0035u + host % 4);
		f->sport = 53;
		f->phase = PH_DNSQ;
	} else {
		if (f->bad == 1 + BAD_IP6)
			set_v6(f->saddr, pfx_bad6, f->name);
		else if (f->v6)
			set_v6(f->saddr, pfx_server6, f->name);
		else
			set_v4(f->saddr, f->bad ? bad_v4(f->name) : server_v4(f->name));
		f->phase = PH_SYN;
		f->rounds = (uint16_t)(below(&r, 100) < 60 ? 0 : range32(&r, 1, 6));
		switch (f->kind) {
		case K_HTTP:
			f->sport = 80;
			break;
		case K_TLS:
			f->sport = 443;
			break;
		case K_TCP:
			f->sport = tcp_other_ports[below(&r, 8)];
			f->cport = (uint16_t)range32(&r, 61000, 64999);
			f->rounds = (uint16_t)range32(&r, 5, 40);
			break;
		case K_UDP:
			f->sport = (uint16_t)(33000 + below(&r, 10) * 100);
			f->cport = (uint16_t)range32(&r, 61000, 64999);
			f->count = (uint16_t)range32(&r, 10, 120);
			f->phase = PH_UDP;
			break;
		default:
			f->count = (uint16_t)range32(&r, 1, 6);
			f->phase = PH_PING;
		}
	}
	if (!g->silent) {
		g->sessions++;
		g->kind_sessions[f->kind]++;
	}
}

static void start_response(struct gen *g, struct flow *f)
{
	uint64_t r = derive(g->seed ^ 0x7e57, f->id, ((uint64_t)f->gen << 16) | f->round);
	if (f->kind == K_TCP)
		f->total = range32(&r, 40, below(&r, 4) ? 400 : 1460);
	else if (f->kind == K_TLS && f->round == 0)
		f->total = range32(&r, 1500, 4500); /* certificates */
	else
		f->total = response_size(&r);
	if (f->total % MSS && f->total % MSS < 160)
		f->total += 160; /* every segment can hold a record header and then some */
	f->left = f->total;
}

/* Emits the next packet of f's session. */
static int step(struct gen *g, struct flow *f)
{
	uint8_t scratch[SCRATCH];
	size_t n;
	int r;
	switch (f->phase) {
	case PH_SYN:
		f->phase = PH_SYNACK;
		return tcp_ctl(g, f, true, TH_SYN);
	case PH_SYNACK:
		f->phase = PH_ACK;
		return tcp_ctl(g, f, false, TH_SYN | TH_ACK);
	case PH_ACK:
		f->phase = PH_REQ;
		return tcp_ctl(g, f, true, TH_ACK);
	case PH_REQ:
		if (f->kind == K_HTTP) {
			n = http_request(f, scratch, sizeof scratch);
		} else if (f->kind == K_TLS && f->round == 0) {
			n = tls_client_hello(f, &g->rng, scratch, sizeof scratch);
		} else {
			n = f->kind == K_TLS ? range32(&g->rng, 40, 900) : range32(&g->rng, 1, 300);
			memcpy(scratch, g->pool + below(&g->rng, POOL_BYTES - SCRATCH), n);
			if (f->kind == K_TLS) {
				memcpy(scratch, "\x17\x03\x03", 3);
				put16be(scratch + 3, (uint32_t)(n - 5));
			} else {
				lead_in(scratch, n);
			}
		}
		start_response(g, f);
		f->phase = f->reqack ? PH_REQACK : PH_RESP;
		return tcp_data(g, f, true, scratch, n, TH_PSH | TH_ACK);
	case PH_REQACK:
		f->phase = PH_RESP;
		return tcp_ctl(g, f, false, TH_ACK);
	case PH_RESP: {
		struct frame fr;
		bool first = f->left == f->total;
		size_t h = 0;
		if (f->kind == K_HTTP && first) {
			h = http_response_head(&f->total, scratch, sizeof scratch);
			f->left = f->total;
		}
		n = f->left < MSS ? f->left : MSS;
		uint8_t *p = tcp_begin(g, f, false, false, n, &fr);
		const uint8_t *src = g->pool + below(&g->rng, POOL_BYTES - 2 * MSS);
		if (f->kind == K_HTTP && first) {
			h = h < n ? h : n;
			memcpy(p, scratch, h);
			memcpy(p + h, src, n - h);
		} else if (f->kind == K_TLS && first && f->round == 0) {
			tls_server_flight(f, p, n, src);
		} else if (f->kind == K_TLS) {
			memcpy(p, "\x17\x03\x03", 3);
			put16be(p + 3, (uint32_t)(n - 5));
			memcpy(p + 5, src, n - 5);
		} else {
			memcpy(p, src, n);
			lead_in(p, n);
		}
		f->left -= (uint32_t)n;
		f->unacked++;
		if (f->left == 0 || f->unacked == 2)
			f->phase = PH_RESPACK;
		return tcp_end(g, f, &fr, f->left ? TH_ACK : TH_PSH | TH_ACK);
	}
	case PH_RESPACK:
		f->unacked = 0;
		if (f->left)
			f->phase = PH_RESP;
		else if (f->round < f->rounds) {
			f->round++;
			f->phase = PH_REQ;
		} else
			f->phase = f->rst ? PH_RST : PH_FIN1;
		return tcp_ctl(g, f, true, TH_ACK);
	case PH_FIN1:
		f->phase = PH_FIN2;
		return tcp_ctl(g, f, true, TH_FIN | TH_ACK);
	case PH_FIN2:
		f->phase = PH_LASTACK;
		return tcp_ctl(g, f, false, TH_FIN | TH_ACK);
	case PH_LASTACK:
		f->phase = PH_DONE;
		return tcp_ctl(g, f, true, TH_ACK);
	case PH_RST:
		f->phase = PH_DONE;
		return tcp_ctl(g, f, true, TH_RST | TH_ACK);
	case PH_DNSQ:
		n = dns_msg(f, false, scratch, sizeof scratch);
		f->phase = PH_DNSR;
		return udp_send(g, f, true, scratch, n);
	case PH_DNSR:
		n = dns_msg(f, true, scratch, sizeof scratch);
		f->phase = PH_DONE;
		return udp_send(g, f, false, scratch, n);
	case PH_UDP:
		if (--f->count == 0)
			f->phase = PH_DONE;
		n = below(&g->rng, 4) ? range32(&g->rng, 160, 1300) : range32(&g->rng, 20, 120);
		return udp_send(g, f, below(&g->rng, 10) < 7, NULL, n);
	case PH_PING:
		f->phase = PH_PONG;
		return ping_send(g, f, true);
	case PH_PONG:
		r = ping_send(g, f, false);
		f->phase = --f->count ? PH_PING : PH_DONE;
		return r;
	default:
		return -EINVAL;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_capture(const char *path, uint64_t npackets, uint32_t nflows, uint64_t seed)
{
	int r = 0;
	struct gen g = {.seed = seed, .rng = seed ^ 0xcafef00dull};
	struct flow *flows = calloc(nflows, sizeof *flows);
	g.buf = malloc(OUT_BUF);
	g.pool = malloc(POOL_BYTES);
	if (!flows || !g.buf || !g.pool) {
		r = -ENOMEM;
		goto out;
	}
	g.out = fopen(path, "wb");
	if (!g.out) {
		r = -errno;
		goto out;
	}
	double t0 = now_s();
	uint64_t pr = seed;
	for (size_t i = 0; i < POOL_BYTES; i += 8) {
		uint64_t v = rnd(&pr);
		memcpy(g.pool + i, &v, 8);
	}
	/* pcap file header in the writer's byte order (the magic tells readers):
	 * magic, version 2.4, thiszone, sigfigs, snaplen, LINKTYPE_ETHERNET. */
	uint32_t magic = 0xa1b2c3d4u, rest[4] = {0, 0, 65535, 1};
	uint16_t ver[2] = {2, 4};
	memcpy(g.buf, &magic, 4);
	memcpy(g.buf + 4, ver, 4);
	memcpy(g.buf + 8, rest, 16);
	g.len = 24;
	/* Each slot starts somewhere inside its first session. */
	g.silent = true;
	for (uint32_t i = 0; i < nflows; i++) {
		flows[i].id = i;
		session_new(&g, &flows[i], nflows);
		struct flow *f = &flows[i];
		uint32_t k = below(&g.rng, 24);
		/* Never start inside an HTTP body: a reader would take it for a head. */
		while (k > 0 || (f->kind == K_HTTP && f->left && f->left != f->total &&
		                 (f->phase == PH_RESP || f->phase == PH_RESPACK))) {
			step(&g, f);
			if (f->phase == PH_DONE)
				session_new(&g, f, nflows);
			if (k)
				k--;
		}
	}
	g.silent = false;
	for (uint64_t i = 0; i < npackets; i++) {
		struct flow *f = &flows[below(&g.rng, nflows)];
		if (f->phase == PH_DONE)
			session_new(&g, f, nflows);
		r = step(&g, f);
		if (r < 0)
			goto out;
	}
	r = flush_out(&g);
	if (r < 0)
		goto out;
	if (fclose(g.out) != 0) {
		g.out = NULL;
		r = -EIO;
		goto out;
	}
	g.out = NULL;
	double secs = now_s() - t0;
	printf("wrote %s: %" PRIu64 " packets, %" PRIu64 " bytes of frames, file %" PRIu64
	       " bytes, %.2f s (%.0f packets/s, %.0f MB/s)\n",
	       path, g.packets, g.bytes, g.file_bytes, secs, (double)g.packets / secs,
	       (double)g.file_bytes / secs / 1e6);
	printf("flows: %" PRIu32 " slots, %" PRIu64 " sessions started, %" PRIu64
	       " to bad targets (%.2f%%), capture spans %.1f s\n",
	       nflows, g.sessions, g.bad_sessions,
	       g.sessions ? 100.0 * (double)g.bad_sessions / (double)g.sessions : 0.0,
	       (double)g.ts_us / 1e6);
	double np = g.packets ? (double)g.packets : 1;
	printf("sizes: <=100 %.1f%%, 101-1000 %.1f%%, >1000 %.1f%%, mean %.0f bytes\n",
	       100.0 * (double)g.size_small / np, 100.0 * (double)g.size_mid / np,
	       100.0 * (double)g.size_large / np, (double)g.bytes / np);
	printf("kinds (sessions/packets):");
	for (int k = 0; k < K__COUNT; k++)
		printf(" %s %" PRIu64 "/%" PRIu64, kind_names[k], g.kind_sessions[k],
		       g.kind_pkts[k]);
	printf("\n");
out:
	if (g.out)
		fclose(g.out);
	free(flows);
	free(g.buf);
	free(g.pool);
	return r;
}

/* ---- indicators ---- */

enum ind_type { I_IP4, I_CIDR, I_IP6, I_DOMAIN, I_URL, I_HASH, I__COUNT };
static const unsigned ind_pct[I__COUNT] = {40, 10, 5, 35, 5, 5};
static const char *const ind_names[I__COUNT] = {"ipv4", "cidr", "ipv6", "domain", "url", "hash"};
/* Which bad category each indicator type lists (-1: none). */
static const int ind_bad_cat[I__COUNT] = {BAD_IP, BAD_CIDR, BAD_IP6, BAD_DOMAIN, BAD_URL, -1};

#define ENTRY_BAD (1u << 27)

/* A first octet that no capture address uses. */
static uint32_t free_octet(uint64_t *r)
{
	for (;;) {
		uint32_t a = range32(r, 1, 223);
		/* Not private, loopback, link-local or CGNAT space either: the
		 * real-traffic mix (tool_realmix) talks in 192.168/16 and
		 * 169.254/16, which no threat list names. */
		if (a != 10 && a != 127 && a != 172 && a != 198 && a != 100 && a != 192 && a != 169)
			return a;
	}
}

static int letters(uint64_t *r, char *out, int lo, int hi)
{
	int n = (int)range32(r, (uint32_t)lo, (uint32_t)hi);
	for (int i = 0; i < n; i++)
		out[i] = (char)('a' + below(r, 26));
	out[n] = 0;
	return n;
}

static int random_domain(uint64_t *r, char *out, size_t cap)
{
	char a[16], b[16];
	letters(r, a, 4, 12);
	const char *tld = tlds[below(r, 6)];
	if (below(r, 3) == 0) {
		letters(r, b, 2, 8);
		return snprintf(out, cap, "%s.%s.%s", b, a, tld);
	}
	return snprintf(out, cap, "%s.%s", a, tld);
}

static int format_indicator(uint64_t seed, uint32_t e, char *out, size_t cap)
{
	unsigned t = e >> 28;
	uint32_t idx = e & (ENTRY_BAD - 1);
	if (e & ENTRY_BAD) {
		uint32_t b = idx;
		switch (t) {
		case I_IP4: {
			uint32_t v = bad_v4(b);
			return snprintf(out, cap, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255,
			                (v >> 8) & 255, v & 255);
		}
		case I_CIDR: {
			uint32_t v = 0xc6130000u + b * 16;
			return snprintf(out, cap, "%u.%u.%u.%u/28", v >> 24, (v >> 16) & 255,
			                (v >> 8) & 255, v & 255);
		}
		case I_IP6:
			return snprintf(out, cap, "2001:db8:bad::%x", b);
		case I_DOMAIN:
			return snprintf(out, cap, "b%" PRIu32 "-cc.net", b);
		default:
			return snprintf(out, cap,
			                "http://dl%" PRIu32 ".files-host.net/get/%" PRIu32 ".bin",
			                b, b);
		}
	}
	uint64_t r = derive(seed ^ 0x1d1d, t, idx);
	char d[64];
	switch (t) {
	case I_IP4:
		return snprintf(out, cap, "%u.%u.%u.%u", free_octet(&r), below(&r, 256),
		                below(&r, 256), range32(&r, 1, 254));
	case I_CIDR: {
		/* /16 to /28: shorter ones at this count (25,000 of them) would cover
		 * a third of the IPv4 space, and every real flow would alert. */
		uint32_t len = below(&r, 4) ? 24 : range32(&r, 16, 28);
		uint32_t v = (free_octet(&r) << 24) | (uint32_t)(rnd(&r) & 0xffffff);
		v &= ~0u << (32 - len);
		return snprintf(out, cap, "%u.%u.%u.%u/%u", v >> 24, (v >> 16) & 255,
		                (v >> 8) & 255, v & 255, len);
	}
	case I_IP6:
		if (below(&r, 5) == 0)
			return snprintf(out, cap, "2a0%x:%x:%x::/48", below(&r, 16),
			                below(&r, 65536), below(&r, 65536));
		return snprintf(out, cap, "2a0%x:%x:%x:%x::%x", below(&r, 16), below(&r, 65536),
		                below(&r, 65536), below(&r, 65536), range32(&r, 1, 65535));
	case I_DOMAIN:
		return random_domain(&r, out, cap);
	case I_URL: {
		random_domain(&r, d, sizeof d);
		char p[16];
		letters(&r, p, 3, 10);
		return snprintf(out, cap, "%s://%s/%s/%s.php", below(&r, 2) ? "http" : "https", d,
		                p, below(&r, 2) ? "login" : "gate");
	}
	default: {
		static const int lens[3] = {32, 40, 64};
		int n = lens[below(&r, 3)];
		static const char hex[] = "0123456789abcdef";
		for (int i = 0; i < n && (size_t)i + 1 < cap; i++)
			out[i] = hex[below(&r, 16)];
		out[n] = 0;
		return n;
	}
	}
}

static int write_intel(const char *path, uint32_t n, uint64_t seed)
{
	int r = 0;
	uint32_t count[I__COUNT], bad[I__COUNT], sum = 0;
	for (int t = 0; t < I__COUNT; t++) {
		count[t] = t == I__COUNT - 1 ? n - sum : (uint32_t)((uint64_t)n * ind_pct[t] / 100);
		sum += count[t];
		uint32_t nb = ind_bad_cat[t] < 0 ? 0 : NBAD / BAD__COUNT;
		bad[t] = nb < count[t] ? nb : count[t];
	}
	uint32_t *e = malloc((size_t)(n ? n : 1) * sizeof *e);
	FILE *f = NULL;
	if (!e)
		return -ENOMEM;
	uint32_t k = 0, hit = 0;
	for (uint32_t t = 0; t < I__COUNT; t++) {
		for (uint32_t i = 0; i < count[t]; i++) {
			if (i < bad[t])
				/* The i-th bad target of the type's category. */
				e[k++] = (t << 28) | ENTRY_BAD |
				         (i * BAD__COUNT + (uint32_t)ind_bad_cat[t]);
			else
				e[k++] = (t << 28) | i;
		}
		hit += bad[t];
	}
	uint64_t rs = seed ^ 0x5eedull;
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = below(&rs, i);
		uint32_t x = e[i - 1];
		e[i - 1] = e[j];
		e[j] = x;
	}
	double t0 = now_s();
	f = fopen(path, "w");
	if (!f) {
		r = -errno;
		goto out;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	fprintf(f,
	        "# yagura benchmark indicators: %" PRIu32 " (seed %" PRIu64
	        "), made by tool_gencap;\n"
	        "# %" PRIu32
	        " of them are targets of ~1%% of the sessions in captures of the same seed.\n",
	        n, seed, hit);
	char line[160];
	for (uint32_t i = 0; i < n; i++) {
		int len = format_indicator(seed, e[i], line, sizeof line - 1);
		if (len < 0 || (size_t)len >= sizeof line - 1) {
			r = -EINVAL;
			goto out;
		}
		line[len] = '\n';
		fwrite(line, 1, (size_t)len + 1, f);
	}
	if (fclose(f) != 0) {
		f = NULL;
		r = -EIO;
		goto out;
	}
	f = NULL;
	printf("wrote %s: %" PRIu32 " indicators in %.2f s (", path, n, now_s() - t0);
	for (int t = 0; t < I__COUNT; t++)
		printf("%s%s %" PRIu32, t ? ", " : "", ind_names[t], count[t]);
	printf("); %" PRIu32 " match capture sessions of seed %" PRIu64 "\n", hit, seed);
out:
	if (f)
		fclose(f);
	free(e);
	return r;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return false;
	*ret = v;
	return true;
}

/* ---- telescope traffic (--darknet) ---- */

#define DN_NET 0x64400000u /* 100.64.0.0/16 */

static int write_darknet(const char *path, uint64_t npackets, uint32_t nsources, uint64_t seed)
{
	FILE *out = fopen(path, "wb");
	if (!out)
		return -errno;
	uint8_t *buf = malloc(OUT_BUF);
	if (!buf) {
		fclose(out);
		return -ENOMEM;
	}
	size_t len = 0;
	uint32_t hdr[6] = {0xa1b2c3d4u, 2 | (4u << 16), 0, 0, 65535, 1};
	memcpy(buf, hdr, sizeof hdr);
	len = sizeof hdr;
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 13;
	uint64_t ts = T0_SEC * 1000000ull;
	int r = 0;
	for (uint64_t i = 0; i < npackets; i++) {
		if (OUT_BUF - len < 128) {
			if (fwrite(buf, 1, len, out) != len) {
				r = -EIO;
				goto out;
			}
			len = 0;
		}
		/* Skew: half the packets from the first quarter of the sources. */
		uint32_t q = nsources / 4 ? nsources / 4 : 1;
		uint32_t sidx = (rnd(&rng) & 1) ? below(&rng, q) : below(&rng, nsources);
		uint64_t h = mix64(seed ^ sidx);
		uint32_t src = 0x0b000000u + (uint32_t)(h % 0xd0000000u);
		uint32_t dst = DN_NET | below(&rng, 65536);
		unsigned kind = (unsigned)(h >> 40) % 10; /* 0-5 SYN, 6 UDP, 7 ICMP, 8-9 backscatter */
		uint8_t *rec = buf + len, *eth = rec + 16, *ip = eth + 14, *l4 = ip + 20;
		memcpy(eth, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
		memset(ip, 0, 20);
		uint8_t proto = kind <= 5 || kind >= 8 ? 6 : kind == 6 ? 17 : 1;
		size_t l4len = proto == 6 ? 20 : proto == 17 ? 8 + 16 : 8 + 24;
		memset(l4, 0, l4len);
		uint32_t seq = (uint32_t)rnd(&rng);
		uint16_t dport = (uint16_t)(kind <= 5 ? (h >> 8) % 4 == 0 ? 23 : (h >> 8) % 4 == 1
		                                           ? 445 : (h >> 8) % 4 == 2 ? 22 : 37215
		                                     : range32(&rng, 1024, 65535));
		uint16_t id = (uint16_t)rnd(&rng);
		if (proto == 6) {
			uint8_t flags = 0x02;
			uint16_t sport = (uint16_t)range32(&rng, 1024, 65535);
			if (kind == 0)
				seq = dst; /* Mirai */
			else if (kind == 1)
				id = 54321; /* ZMap */
			else if (kind == 2)
				id = (uint16_t)((dst ^ dport ^ seq) & 0xffff); /* Masscan */
			else if (kind >= 8) {
				flags = kind == 8 ? 0x12 : 0x14;
				sport = kind == 8 ? 80 : 443;
			}
			put16be(l4, sport);
			put16be(l4 + 2, dport);
			put32be(l4 + 4, seq);
			l4[12] = 5 << 4;
			l4[13] = flags;
			put16be(l4 + 14, 1024);
		} else if (proto == 17) {
			put16be(l4, 5060);
			put16be(l4 + 2, (h >> 8) & 1 ? 5060 : 53);
			put16be(l4 + 4, (uint32_t)l4len);
			memcpy(l4 + 8, "scan-probe-0123.", 16);
		} else {
			l4[0] = 8;
			put16be(l4 + 4, (uint16_t)sidx);
			put16be(l4 + 6, (uint16_t)i);
		}
		ip[0] = 0x45;
		put16be(ip + 2, (uint32_t)(20 + l4len));
		put16be(ip + 4, id);
		ip[8] = 64;
		ip[9] = proto;
		put32be(ip + 12, src);
		put32be(ip + 16, dst);
		uint16_t ck = csum_fold(csum_add(0, ip, 20));
		memcpy(ip + 10, &ck, 2);
		uint64_t acc = 0;
		if (proto != 1) {
			uint8_t ph[12];
			memcpy(ph, ip + 12, 8);
			ph[8] = 0;
			ph[9] = proto;
			put16be(ph + 10, (uint32_t)l4len);
			acc = csum_add(0, ph, 12);
		}
		ck = csum_fold(csum_add(acc, l4, l4len));
		if (proto == 17 && ck == 0)
			ck = 0xffff;
		memcpy(l4 + (proto == 6 ? 16 : proto == 17 ? 6 : 2), &ck, 2);
		uint32_t caplen = (uint32_t)(14 + 20 + l4len);
		uint32_t rh[4] = {(uint32_t)(ts / 1000000), (uint32_t)(ts % 1000000), caplen, caplen};
		memcpy(rec, rh, 16);
		len += 16 + caplen;
		ts += 20;
	}
	if (len && fwrite(buf, 1, len, out) != len)
		r = -EIO;
out:
	free(buf);
	if (fclose(out) != 0 && r == 0)
		r = -EIO;
	return r;
}

static int usage(void)
{
	fprintf(stderr, "usage: tool_gencap OUT.pcap NPACKETS NFLOWS [SEED]\n"
	                "       tool_gencap --intel OUT.txt N [SEED]\n"
	                "       tool_gencap --darknet OUT.pcap NPACKETS NSOURCES [SEED]\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t a, b = 0, seed = 1;
	if (argc >= 2 && strcmp(argv[1], "--intel") == 0) {
		if (argc < 4 || argc > 5 || !parse_u64(argv[3], (1u << 27) - 1, &a) ||
		    (argc == 5 && !parse_u64(argv[4], UINT64_MAX, &seed)))
			return usage();
		int r = write_intel(argv[2], (uint32_t)a, seed);
		if (r < 0) {
			fprintf(stderr, "tool_gencap: %s: %s\n", argv[2], strerror(-r));
			return 1;
		}
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--darknet") == 0) {
		if (argc < 5 || argc > 6 || !parse_u64(argv[3], UINT64_MAX, &a) ||
		    !parse_u64(argv[4], UINT32_MAX, &b) || b == 0 ||
		    (argc == 6 && !parse_u64(argv[5], UINT64_MAX, &seed)))
			return usage();
		int r = write_darknet(argv[2], a, (uint32_t)b, seed);
		if (r < 0) {
			fprintf(stderr, "tool_gencap: %s: %s\n", argv[2], strerror(-r));
			return 1;
		}
		return 0;
	}
	if (argc < 4 || argc > 5 || !parse_u64(argv[2], UINT64_MAX, &a) ||
	    !parse_u64(argv[3], UINT32_MAX, &b) || b == 0 ||
	    (argc == 5 && !parse_u64(argv[4], UINT64_MAX, &seed)))
		return usage();
	int r = write_capture(argv[1], a, (uint32_t)b, seed);
	if (r < 0) {
		fprintf(stderr, "tool_gencap: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}
