/*
 * HTTP/2 frames and streams: RFC 9113 sections 3.4 (preface), 4 (frames),
 * 5.1 (stream states), 6 (frame definitions); header blocks through
 * libnghttp2's HPACK inflater (RFC 7541).
 *
 *   client preface: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (24 bytes)
 *
 *   frame:  +-----------------------------------------------+
 *           |                 Length (24)                   |
 *           +---------------+---------------+---------------+
 *           |   Type (8)    |   Flags (8)   |
 *           +-+-------------+---------------+-------------------------------+
 *           |R|                 Stream Identifier (31)                      |
 *           +=+=============================================================+
 *           |                   Frame Payload (Length)                    ...
 *           +---------------------------------------------------------------+
 *
 *   HEADERS payload: [Pad Length (8)] [E|Stream Dependency (31), Weight (8)]
 *                    Header Block Fragment [Padding]
 *
 * A passive reader does not enforce flow control or SETTINGS_MAX_FRAME_SIZE
 * (it never saw the peers agree on it): it reads any frame up to its own
 * cap, and stops following a direction whose framing or HPACK state it has
 * lost, since every later header block would decode wrong.
 */
#include "app/http2.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "common/cursor.h"

#define F_END_STREAM 0x01
#define F_ACK 0x01
#define F_END_HEADERS 0x04
#define F_PADDED 0x08
#define F_PRIORITY 0x20

static const char preface[YG_H2_PREFACE_LEN + 1] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* One direction of the connection. */
struct dir {
	nghttp2_hd_inflater *inf;
	uint64_t skip;        /* DATA (or oversized frame) payload still to pass over */
	bool preface_done;    /* the client's 24 bytes were read (server: always) */
	bool in_block;        /* a header block waits for CONTINUATION */
	uint32_t block_stream;
	bool block_end_stream; /* its HEADERS carried END_STREAM */
	uint32_t table_max;   /* the inflater's current maximum table size */
};

struct yg_h2_conn {
	struct yg_h2_ops ops;
	struct dir d[2]; /* 0: client to server, 1: server to client */
	struct yg_h2_stream *streams[YG_H2_STREAMS_MAX];
	unsigned n_streams;
	struct yg_h2_stream *global; /* stream 0, created on first need */
	bool too_many_said; /* TOO_MANY_STREAMS reported once per connection */
	nghttp2_mem mem;
};

int yg_h2_detect_preface(const uint8_t *p, size_t n)
{
	size_t k = n < YG_H2_PREFACE_LEN ? n : YG_H2_PREFACE_LEN;
	if (!p || memcmp(p, preface, k) != 0)
		return -1;
	return n >= YG_H2_PREFACE_LEN ? 1 : 0;
}

bool yg_h2_frame_header(const uint8_t *p, size_t n, struct yg_h2_frame_hdr *ret)
{
	if (n < YG_H2_FRAME_HDR)
		return false;
	ret->length = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	ret->type = p[3];
	ret->flags = p[4];
	ret->stream_id = yg_load_be32(p + 5) & 0x7fffffffu;
	return true;
}

int yg_h2_detect_server_first(const uint8_t *p, size_t n)
{
	struct yg_h2_frame_hdr h;
	if (!yg_h2_frame_header(p, n, &h))
		return n >= 4 && p[3] != YG_H2_SETTINGS ? -1 : 0;
	bool ok = h.type == YG_H2_SETTINGS && h.stream_id == 0 && h.length % 6 == 0 &&
		  h.length <= 6 * YG_H2_SETTINGS_MAX && !(h.flags & F_ACK);
	return ok ? 1 : -1;
}

/* Names as Suricata spells them (its HTTP2SettingsId, HTTP2ErrorCode). */
const char *yg_h2_settings_name(uint16_t id)
{
	static const char *const names[] = {
	    NULL,
	    "SETTINGSHEADERTABLESIZE",
	    "SETTINGSENABLEPUSH",
	    "SETTINGSMAXCONCURRENTSTREAMS",
	    "SETTINGSINITIALWINDOWSIZE",
	    "SETTINGSMAXFRAMESIZE",
	    "SETTINGSMAXHEADERLISTSIZE",
	};
	return id < sizeof names / sizeof names[0] ? names[id] : NULL;
}

const char *yg_h2_error_name(uint32_t code)
{
	static const char *const names[] = {
	    "NOERROR",       "PROTOCOLERROR",  "INTERNALERROR",   "FLOWCONTROLERROR",
	    "SETTINGSTIMEOUT", "STREAMCLOSED", "FRAMESIZEERROR",  "REFUSEDSTREAM",
	    "CANCEL",        "COMPRESSIONERROR", "CONNECTERROR",  "ENHANCEYOURCALM",
	    "INADEQUATESECURITY", "HTTP11REQUIRED",
	};
	return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

static void anomaly(struct yg_h2_conn *c, enum yg_h2_anomaly a)
{
	if (c->ops.on_anomaly)
		c->ops.on_anomaly(c->ops.ctx, a);
}

static int charge(struct yg_h2_conn *c, long delta)
{
	return c->ops.charge ? c->ops.charge(c->ops.ctx, delta) : 0;
}

/* libnghttp2's allocations, charged like the rest: each block carries its
 * size in front so free and realloc can give the charge back. */
#define MEM_HDR 16

static void *mem_malloc(size_t size, void *ud)
{
	struct yg_h2_conn *c = ud;
	if (size > YG_H2_TABLE_MAX * 4 || charge(c, (long)(size + MEM_HDR)) < 0)
		return NULL;
	uint8_t *b = malloc(size + MEM_HDR);
	if (!b) {
		charge(c, -(long)(size + MEM_HDR));
		return NULL;
	}
	memcpy(b, &size, sizeof size);
	return b + MEM_HDR;
}

static void mem_free(void *ptr, void *ud)
{
	if (!ptr)
		return;
	uint8_t *b = (uint8_t *)ptr - MEM_HDR;
	size_t size;
	memcpy(&size, b, sizeof size);
	charge(ud, -(long)(size + MEM_HDR));
	free(b);
}

static void *mem_calloc(size_t nmemb, size_t size, void *ud)
{
	if (size && nmemb > (YG_H2_TABLE_MAX * 4) / size)
		return NULL;
	void *p = mem_malloc(nmemb * size, ud);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

static void *mem_realloc(void *ptr, size_t size, void *ud)
{
	if (!ptr)
		return mem_malloc(size, ud);
	size_t old;
	memcpy(&old, (uint8_t *)ptr - MEM_HDR, sizeof old);
	void *n = mem_malloc(size, ud);
	if (!n)
		return NULL;
	memcpy(n, ptr, old < size ? old : size);
	mem_free(ptr, ud);
	return n;
}

/* Caller frees with yg_h2_conn_free. */
struct yg_h2_conn *yg_h2_conn_new(const struct yg_h2_ops *ops)
{
	struct yg_h2_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ops = *ops;
	if (charge(c, (long)sizeof *c) < 0) {
		free(c);
		return NULL;
	}
	c->mem = (nghttp2_mem){c, mem_malloc, mem_free, mem_calloc, mem_realloc};
	for (int i = 0; i < 2; i++) {
		if (nghttp2_hd_inflate_new2(&c->d[i].inf, &c->mem) != 0) {
			yg_h2_conn_free(c);
			return NULL;
		}
		c->d[i].table_max = 4096; /* RFC 9113 section 6.5.2's initial value */
	}
	c->d[1].preface_done = true;
	return c;
}

static void stream_free(struct yg_h2_conn *c, struct yg_h2_stream *s)
{
	if (!s)
		return;
	charge(c, -(long)sizeof *s);
	if (c->ops.stream_release)
		c->ops.stream_release(c->ops.ctx, s);
	else
		free(s);
}

void yg_h2_conn_free(struct yg_h2_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++)
		if (c->d[i].inf)
			nghttp2_hd_inflate_del(c->d[i].inf);
	for (unsigned i = 0; i < c->n_streams; i++)
		stream_free(c, c->streams[i]);
	stream_free(c, c->global);
	charge(c, -(long)sizeof *c);
	free(c);
}

/* A new stream, charged; NULL when refused. Caller frees with stream_free. */
static struct yg_h2_stream *stream_new(struct yg_h2_conn *c, uint32_t id, uint64_t ts_us)
{
	if (charge(c, (long)sizeof(struct yg_h2_stream)) < 0)
		return NULL;
	/* Not zeroed whole: each half's byte arena (4 KiB) is written before
	 * it is read (fields point only at bytes below used), so only what
	 * precedes the arenas is zeroed. Zeroing the whole 9 KiB for every
	 * stream was the largest cost of short HTTP/2 connections. */
	struct yg_h2_stream *s =
	    c->ops.stream_alloc ? c->ops.stream_alloc(c->ops.ctx) : malloc(sizeof *s);
	if (!s) {
		charge(c, -(long)sizeof *s);
		return NULL;
	}
	memset(s, 0, offsetof(struct yg_h2_stream, half));
	for (size_t i = 0; i < 2; i++)
		memset(&s->half[i], 0, offsetof(struct yg_h2_half, bytes));
	s->id = id;
	s->first_us = ts_us;
	return s;
}

/* The stream with id, created when create is set and there is room;
 * NULL otherwise. */
static struct yg_h2_stream *stream_get(struct yg_h2_conn *c, uint32_t id, bool create,
				       uint64_t ts_us)
{
	if (id == 0) {
		if (!c->global && create)
			c->global = stream_new(c, 0, ts_us);
		return c->global;
	}
	for (unsigned i = 0; i < c->n_streams; i++)
		if (c->streams[i]->id == id)
			return c->streams[i];
	if (!create)
		return NULL;
	if (c->n_streams == YG_H2_STREAMS_MAX) {
		if (!c->too_many_said)
			anomaly(c, YG_H2_ANOM_TOO_MANY_STREAMS);
		c->too_many_said = true;
		return NULL;
	}
	struct yg_h2_stream *s = stream_new(c, id, ts_us);
	if (!s)
		return NULL;
	/* A pushed stream (even id, RFC 9113 section 8.4) has no client half:
	 * its request was the PUSH_PROMISE. */
	if (id % 2 == 0)
		s->half[0].end_stream = true;
	c->streams[c->n_streams++] = s;
	return s;
}

/* Hands stream s (not stream 0) to on_stream and frees it. */
static void stream_done(struct yg_h2_conn *c, struct yg_h2_stream *s)
{
	for (unsigned i = 0; i < c->n_streams; i++) {
		if (c->streams[i] != s)
			continue;
		c->streams[i] = c->streams[--c->n_streams];
		break;
	}
	if (c->ops.on_stream)
		c->ops.on_stream(c->ops.ctx, s);
	stream_free(c, s);
}

void yg_h2_conn_flush(struct yg_h2_conn *c)
{
	if (!c)
		return;
	/* In the order the streams were opened. */
	while (c->n_streams) {
		unsigned low = 0;
		for (unsigned i = 1; i < c->n_streams; i++)
			if (c->streams[i]->id < c->streams[low]->id)
				low = i;
		stream_done(c, c->streams[low]);
	}
	if (c->global) {
		if (c->ops.on_stream)
			c->ops.on_stream(c->ops.ctx, c->global);
		stream_free(c, c->global);
		c->global = NULL;
	}
}

/* Keeps one decoded field in h, within the caps. */
static void keep_field(struct yg_h2_half *h, const nghttp2_nv *nv)
{
	size_t need = nv->namelen + nv->valuelen;
	if (h->n_fields == YG_H2_FIELDS_MAX || need > (size_t)(YG_H2_FIELD_BYTES - h->used)) {
		h->cut = true;
		return;
	}
	struct yg_h2_field *f = &h->fields[h->n_fields++];
	f->off = h->used;
	f->name_len = (uint16_t)nv->namelen;
	f->value_len = (uint16_t)nv->valuelen;
	f->size_update = false;
	memcpy(h->bytes + h->used, nv->name, nv->namelen);
	memcpy(h->bytes + h->used + nv->namelen, nv->value, nv->valuelen);
	h->used = (uint16_t)(h->used + need);
}

/* Decodes a header block fragment into h (NULL: decode only, so the
 * dynamic table stays in step). Returns 0, or -1 when HPACK failed. */
static int inflate(struct dir *d, struct yg_h2_half *h, const uint8_t *in, size_t n, bool final)
{
	for (;;) {
		nghttp2_nv nv;
		int flags = 0;
		ssize_t r = nghttp2_hd_inflate_hd2(d->inf, &nv, &flags, in, n, final);
		if (r < 0)
			return -1;
		in += r;
		n -= (size_t)r;
		if ((flags & NGHTTP2_HD_INFLATE_EMIT) && h)
			keep_field(h, &nv);
		if (flags & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(d->inf);
			return 0;
		}
		/* Nothing emitted and nothing (more) taken: the rest of the
		 * block is in the next fragment. */
		if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && (n == 0 || r == 0))
			return 0;
	}
}

static void set_priority(struct yg_h2_half *h, uint8_t weight)
{
	if (h->has_priority) {
		h->multiple_priority = true;
		return;
	}
	h->has_priority = true;
	h->priority = weight;
}

static void set_error(struct yg_h2_half *h, uint32_t code)
{
	if (h->has_error) {
		h->multiple_error = true;
		return;
	}
	h->has_error = true;
	h->error_code = code;
}

/* The stream is finished when both ends sent END_STREAM. */
static void maybe_done(struct yg_h2_conn *c, struct yg_h2_stream *s)
{
	if (s && s->id && s->half[0].end_stream && s->half[1].end_stream)
		stream_done(c, s);
}

/* A header block fragment of stream id from direction di. */
static int block(struct yg_h2_conn *c, int di, uint32_t id, const uint8_t *p, size_t n,
		 bool end_headers, bool create, uint64_t ts_us)
{
	struct dir *d = &c->d[di];
	struct yg_h2_stream *s = stream_get(c, id, create, ts_us);
	if (inflate(d, s ? &s->half[di] : NULL, p, n, end_headers) < 0) {
		anomaly(c, YG_H2_ANOM_HPACK);
		return -1;
	}
	d->in_block = !end_headers;
	d->block_stream = id;
	if (!end_headers)
		return 0;
	if (s && d->block_end_stream)
		s->half[di].end_stream = true;
	d->block_end_stream = false;
	/* The request is its first block; a later one carries trailers. */
	if (s && di == 0 && !s->request_seen) {
		s->request_seen = true;
		if (c->ops.on_request)
			c->ops.on_request(c->ops.ctx, s);
	}
	maybe_done(c, s);
	return 0;
}

/* Strips the padding of a PADDED frame: false when it does not fit. */
static bool unpad(const struct yg_h2_frame_hdr *h, const uint8_t **p, size_t *n)
{
	if (!(h->flags & F_PADDED))
		return true;
	if (*n < 1 || (size_t)(*p)[0] + 1 > *n)
		return false;
	size_t pad = (*p)[0];
	*p += 1;
	*n -= 1 + pad;
	return true;
}

static void settings(struct yg_h2_conn *c, int di, const uint8_t *p, size_t n, uint64_t ts_us)
{
	struct yg_h2_stream *g = stream_get(c, 0, true, ts_us);
	for (size_t i = 0; i + 6 <= n; i += 6) {
		uint16_t id = yg_load_be16(p + i);
		uint32_t v = yg_load_be32(p + i + 2);
		if (g && g->half[di].n_settings < YG_H2_SETTINGS_MAX) {
			struct yg_h2_half *h = &g->half[di];
			h->settings[h->n_settings].id = id;
			h->settings[h->n_settings].value = v;
			h->n_settings++;
		}
		/* One end's SETTINGS_HEADER_TABLE_SIZE bounds the table the
		 * other end's encoder may use (RFC 7541 section 4.2): the
		 * inflater of the other direction may then grow, to our cap. */
		if (id == 1) {
			struct dir *o = &c->d[1 - di];
			uint32_t want = v < YG_H2_TABLE_MAX ? v : YG_H2_TABLE_MAX;
			if (want > o->table_max &&
			    nghttp2_hd_inflate_change_table_size(o->inf, want) == 0)
				o->table_max = want;
		}
	}
}

/* One whole frame (header h, payload p[0..n)) of direction di, not DATA.
 * Returns 0, or -1 when the direction cannot be followed. */
static int frame(struct yg_h2_conn *c, int di, const struct yg_h2_frame_hdr *h, const uint8_t *p,
		 size_t n, uint64_t ts_us)
{
	struct dir *d = &c->d[di];
	switch (h->type) {
	case YG_H2_HEADERS: {
		if (h->stream_id == 0 || !unpad(h, &p, &n))
			goto bad;
		struct yg_h2_stream *s = stream_get(c, h->stream_id, true, ts_us);
		if (h->flags & F_PRIORITY) {
			if (n < 5)
				goto bad;
			if (s)
				set_priority(&s->half[di], p[4]);
			p += 5;
			n -= 5;
		}
		d->block_end_stream = h->flags & F_END_STREAM;
		return block(c, di, h->stream_id, p, n, h->flags & F_END_HEADERS, true, ts_us);
	}
	case YG_H2_CONTINUATION:
		if (!d->in_block)
			goto bad;
		return block(c, di, h->stream_id, p, n, h->flags & F_END_HEADERS, false, ts_us);
	case YG_H2_PUSH_PROMISE:
		/* The promised request's headers, on the stream that caused
		 * them: kept with that stream's response, as Suricata does. */
		if (h->stream_id == 0 || di == 0 || !unpad(h, &p, &n) || n < 4)
			goto bad;
		d->block_end_stream = false;
		return block(c, di, h->stream_id, p + 4, n - 4, h->flags & F_END_HEADERS, false,
			     ts_us);
	case YG_H2_PRIORITY: {
		if (h->stream_id == 0 || n != 5)
			goto bad;
		struct yg_h2_stream *s = stream_get(c, h->stream_id, false, ts_us);
		if (s)
			set_priority(&s->half[di], p[4]);
		return 0;
	}
	case YG_H2_RST_STREAM: {
		if (h->stream_id == 0 || n != 4)
			goto bad;
		struct yg_h2_stream *s = stream_get(c, h->stream_id, false, ts_us);
		if (s) {
			set_error(&s->half[di], yg_load_be32(p));
			stream_done(c, s);
		}
		return 0;
	}
	case YG_H2_SETTINGS:
		if (h->stream_id != 0 || n % 6 != 0 || ((h->flags & F_ACK) && n))
			goto bad;
		settings(c, di, p, n, ts_us);
		return 0;
	case YG_H2_PING:
		if (h->stream_id != 0 || n != 8)
			goto bad;
		return 0;
	case YG_H2_GOAWAY: {
		if (h->stream_id != 0 || n < 8)
			goto bad;
		struct yg_h2_stream *g = stream_get(c, 0, true, ts_us);
		if (g)
			set_error(&g->half[di], yg_load_be32(p + 4));
		return 0;
	}
	case YG_H2_WINDOW_UPDATE:
		if (n != 4)
			goto bad;
		return 0;
	default:
		return 0; /* extension frames are ignored (RFC 9113 section 5.5) */
	}
bad:
	anomaly(c, YG_H2_ANOM_BAD_FRAME);
	return -1;
}

/* A DATA frame's header and what of its payload is at p[0..n): counts
 * the payload and passes over it. Returns bytes used, 0 to wait, -1. */
static long data_frame(struct yg_h2_conn *c, int di, const struct yg_h2_frame_hdr *h,
		       const uint8_t *p, size_t n, uint64_t ts_us)
{
	struct dir *d = &c->d[di];
	if (h->stream_id == 0) {
		anomaly(c, YG_H2_ANOM_BAD_FRAME);
		return -1;
	}
	uint64_t body = h->length;
	if (h->flags & F_PADDED) {
		if (h->length < 1) {
			anomaly(c, YG_H2_ANOM_BAD_FRAME);
			return -1;
		}
		if (n < YG_H2_FRAME_HDR + 1)
			return 0;
		uint8_t pad = p[YG_H2_FRAME_HDR];
		if ((uint32_t)pad + 1 > h->length) {
			anomaly(c, YG_H2_ANOM_BAD_FRAME);
			return -1;
		}
		body = h->length - 1 - pad;
	}
	struct yg_h2_stream *s = stream_get(c, h->stream_id, false, ts_us);
	if (s) {
		s->half[di].data_bytes += body;
		if (h->flags & F_END_STREAM)
			s->half[di].end_stream = true;
	}
	d->skip = h->length;
	maybe_done(c, s);
	return YG_H2_FRAME_HDR;
}

long yg_h2_conn_feed(struct yg_h2_conn *c, bool toserver, const uint8_t *p, size_t n,
		     uint64_t ts_us)
{
	if (!c || !p || !n)
		return 0;
	int di = toserver ? 0 : 1;
	struct dir *d = &c->d[di];
	if (!d->preface_done) {
		int r = yg_h2_detect_preface(p, n);
		if (r < 0) {
			anomaly(c, YG_H2_ANOM_BAD_FRAME);
			return -1;
		}
		if (r == 0)
			return 0;
		d->preface_done = true;
		return YG_H2_PREFACE_LEN;
	}
	if (d->skip) {
		size_t k = n < d->skip ? n : (size_t)d->skip;
		d->skip -= k;
		return (long)k;
	}
	struct yg_h2_frame_hdr h;
	if (!yg_h2_frame_header(p, n, &h))
		return 0;
	/* RFC 9113 section 6.10: nothing may come between a header block's
	 * frames. */
	if (d->in_block && (h.type != YG_H2_CONTINUATION || h.stream_id != d->block_stream)) {
		anomaly(c, YG_H2_ANOM_BAD_FRAME);
		return -1;
	}
	if (h.type == YG_H2_DATA)
		return data_frame(c, di, &h, p, n, ts_us);
	if (h.length > YG_H2_FRAME_READ_MAX) {
		anomaly(c, YG_H2_ANOM_FRAME_TOO_LONG);
		/* A header block cannot be passed over: HPACK would lose step. */
		if (h.type == YG_H2_HEADERS || h.type == YG_H2_CONTINUATION ||
		    h.type == YG_H2_PUSH_PROMISE)
			return -1;
		d->skip = h.length;
		return YG_H2_FRAME_HDR;
	}
	if (n < YG_H2_FRAME_HDR + (size_t)h.length)
		return 0;
	if (frame(c, di, &h, p + YG_H2_FRAME_HDR, h.length, ts_us) < 0)
		return -1;
	return (long)(YG_H2_FRAME_HDR + h.length);
}
