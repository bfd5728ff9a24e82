/*
 * Frame building for the decode tests: each test writes its frames byte by
 * byte with these helpers, then decodes them from an exact-size heap copy
 * so that AddressSanitizer sees any read past the captured bytes.
 */
#ifndef YG_TEST_DECODE_FRAMES_H
#define YG_TEST_DECODE_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

struct frame {
	uint8_t b[4096];
	uint32_t n;
};

static const uint8_t A4_SRC[4] = {192, 0, 2, 1};
static const uint8_t A4_DST[4] = {198, 51, 100, 2};
static const uint8_t A6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t A6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static inline void f_u8(struct frame *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static inline void f_be16(struct frame *f, uint16_t v)
{
	f_u8(f, (uint8_t)(v >> 8));
	f_u8(f, (uint8_t)v);
}

static inline void f_be32(struct frame *f, uint32_t v)
{
	f_be16(f, (uint16_t)(v >> 16));
	f_be16(f, (uint16_t)v);
}

static inline void f_bytes(struct frame *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static inline void f_fill(struct frame *f, uint8_t v, uint32_t n)
{
	memset(f->b + f->n, v, n);
	f->n += n;
}

static inline void f_set_be16(struct frame *f, uint32_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

/* Ethernet II header with the given ethertype. */
static inline void f_eth(struct frame *f, uint16_t type)
{
	static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	                                 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
	f_bytes(f, macs, sizeof macs);
	f_be16(f, type);
}

/* The 4 bytes after a 0x8100/0x88a8 TPID: TCI then the next ethertype. */
static inline void f_vlan(struct frame *f, uint16_t tci, uint16_t type)
{
	f_be16(f, tci);
	f_be16(f, type);
}

/* IPv4 header (options padded by the caller to a multiple of 4); see f_ipv4_end. */
static inline uint32_t f_ipv4_opts(struct frame *f, uint8_t proto, const uint8_t src[4],
                                   const uint8_t dst[4], uint8_t ttl, uint16_t frag,
                                   const uint8_t *opts, uint32_t optlen)
{
	uint32_t at = f->n;
	f_u8(f, (uint8_t)(0x40 | ((20 + optlen) / 4)));
	f_u8(f, 0);
	f_be16(f, 0); /* total length, set by f_ipv4_end */
	f_be16(f, 0x1234);
	f_be16(f, frag);
	f_u8(f, ttl);
	f_u8(f, proto);
	f_be16(f, 0);
	f_bytes(f, src, 4);
	f_bytes(f, dst, 4);
	if (optlen)
		f_bytes(f, opts, optlen);
	return at;
}

static inline uint32_t f_ipv4(struct frame *f, uint8_t proto, uint8_t ttl)
{
	return f_ipv4_opts(f, proto, A4_SRC, A4_DST, ttl, 0, NULL, 0);
}

/* Sets the total length of the IPv4 header at `at` to reach the end of the frame. */
static inline void f_ipv4_end(struct frame *f, uint32_t at)
{
	f_set_be16(f, at + 2, (uint16_t)(f->n - at));
}

static inline uint32_t f_ipv6_addrs(struct frame *f, uint8_t nh, const uint8_t src[16],
                                    const uint8_t dst[16], uint8_t hlim)
{
	uint32_t at = f->n;
	f_be32(f, 0x60000000);
	f_be16(f, 0); /* payload length, set by f_ipv6_end */
	f_u8(f, nh);
	f_u8(f, hlim);
	f_bytes(f, src, 16);
	f_bytes(f, dst, 16);
	return at;
}

static inline uint32_t f_ipv6(struct frame *f, uint8_t nh, uint8_t hlim)
{
	return f_ipv6_addrs(f, nh, A6_SRC, A6_DST, hlim);
}

static inline void f_ipv6_end(struct frame *f, uint32_t at)
{
	f_set_be16(f, at + 4, (uint16_t)(f->n - at - 40));
}

/* Generic IPv6 extension header of 8 * (units + 1) bytes. */
static inline void f_ext(struct frame *f, uint8_t nh, uint8_t units)
{
	f_u8(f, nh);
	f_u8(f, units);
	f_u8(f, 1); /* PadN ... */
	f_u8(f, (uint8_t)(4 + 8 * units));
	f_fill(f, 0, 4 + 8u * units);
}

static inline void f_frag6(struct frame *f, uint8_t nh, uint16_t offset8, bool more)
{
	f_u8(f, nh);
	f_u8(f, 0);
	f_be16(f, (uint16_t)((offset8 << 3) | (more ? 1 : 0)));
	f_be32(f, 0xdeadbeef);
}

static inline uint32_t f_tcp_opts(struct frame *f, uint16_t sport, uint16_t dport, uint32_t seq,
                                  uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opts,
                                  uint32_t optlen)
{
	uint32_t at = f->n;
	f_be16(f, sport);
	f_be16(f, dport);
	f_be32(f, seq);
	f_be32(f, ack);
	f_u8(f, (uint8_t)(((20 + optlen) / 4) << 4));
	f_u8(f, flags);
	f_be16(f, win);
	f_be16(f, 0);
	f_be16(f, 0);
	if (optlen)
		f_bytes(f, opts, optlen);
	return at;
}

static inline uint32_t f_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	return f_tcp_opts(f, sport, dport, 1000, 2000, flags, 512, NULL, 0);
}

static inline uint32_t f_udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	uint32_t at = f->n;
	f_be16(f, sport);
	f_be16(f, dport);
	f_be16(f, 0); /* length, set by f_udp_end */
	f_be16(f, 0);
	return at;
}

static inline void f_udp_end(struct frame *f, uint32_t at)
{
	f_set_be16(f, at + 4, (uint16_t)(f->n - at));
}

static inline void f_icmp(struct frame *f, uint8_t type, uint8_t code)
{
	f_u8(f, type);
	f_u8(f, code);
	f_be16(f, 0);
	f_be32(f, 0x00010002);
}

/*
 * Decodes caplen bytes of b from an exact-size heap copy; pkt->payload is
 * translated back to point into b so tests can compare it.
 */
static inline bool decode_exact(int link, const uint8_t *b, uint32_t caplen, uint32_t wirelen,
                                struct yg_packet *pkt)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	if (!copy)
		abort();
	if (caplen)
		memcpy(copy, b, caplen);
	bool r = yg_decode(link, caplen ? copy : NULL, caplen, wirelen, 42, pkt);
	if (pkt->payload)
		pkt->payload = b + (pkt->payload - copy);
	free(copy);
	return r;
}

static inline bool decode_frame(int link, const struct frame *f, struct yg_packet *pkt)
{
	return decode_exact(link, f->b, f->n, f->n, pkt);
}

static inline bool has_anom(const struct yg_packet *pkt, enum yg_anomaly a)
{
	for (unsigned i = 0; i < pkt->n_anom; i++)
		if (pkt->anom[i] == a)
			return true;
	return false;
}

/* The only anomaly recorded is a. */
static inline bool only_anom(const struct yg_packet *pkt, enum yg_anomaly a)
{
	return pkt->n_anom == 1 && pkt->anom[0] == a;
}

#endif
