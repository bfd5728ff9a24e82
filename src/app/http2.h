/*
 * HTTP/2 over cleartext TCP (RFC 9113), as a passive observer reads it:
 * the client connection preface, frames of both directions, header blocks
 * decoded with libnghttp2's HPACK inflater (RFC 7541; never by hand), and
 * the streams they make, handed to the caller one at a time when each is
 * complete.
 *
 * Bounds (everything the two peers control is capped):
 *  - A frame other than DATA is read whole, at most YG_H2_FRAME_READ_MAX
 *    bytes of payload; DATA payload is only counted, never buffered.
 *  - At most YG_H2_STREAMS_MAX streams are open at once; the header blocks
 *    of more are still decoded (HPACK state must stay in step) but not kept.
 *  - Per stream and direction, YG_H2_FIELDS_MAX fields and
 *    YG_H2_FIELD_BYTES bytes of names and values are kept; the rest is cut.
 *  - The HPACK dynamic table is at most YG_H2_TABLE_MAX bytes per direction.
 */
#ifndef YG_APP_HTTP2_H
#define YG_APP_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_H2_PREFACE_LEN 24
#define YG_H2_FRAME_HDR 9
#define YG_H2_FRAME_READ_MAX 65536u /* payload of a non-DATA frame read whole */
#define YG_H2_STREAMS_MAX 32
#define YG_H2_FIELDS_MAX 48
#define YG_H2_FIELD_BYTES 4096
#define YG_H2_SETTINGS_MAX 16
#define YG_H2_TABLE_MAX 65536u

/* Frame types (RFC 9113 section 6). */
enum {
	YG_H2_DATA = 0,
	YG_H2_HEADERS = 1,
	YG_H2_PRIORITY = 2,
	YG_H2_RST_STREAM = 3,
	YG_H2_SETTINGS = 4,
	YG_H2_PUSH_PROMISE = 5,
	YG_H2_PING = 6,
	YG_H2_GOAWAY = 7,
	YG_H2_WINDOW_UPDATE = 8,
	YG_H2_CONTINUATION = 9,
};

struct yg_h2_frame_hdr {
	uint32_t length; /* 24 bits */
	uint8_t type, flags;
	uint32_t stream_id; /* reserved bit cleared */
};

/* A header field kept: name and value are bytes of the half's arena.
 * A dynamic table size update is kept as an entry with size_update set. */
struct yg_h2_field {
	uint16_t off, name_len, value_len;
	bool size_update;
	uint32_t update; /* the new size, with size_update */
};

/* What one direction of a stream said (request: client; response: server). */
struct yg_h2_half {
	struct yg_h2_field fields[YG_H2_FIELDS_MAX];
	uint16_t n_fields, used;
	bool cut;         /* fields or bytes past the caps were dropped */
	bool end_stream;  /* END_STREAM seen */
	bool has_error;   /* RST_STREAM or GOAWAY seen: error_code is its code */
	bool multiple_error, multiple_priority;
	bool has_priority;
	uint8_t priority; /* weight as sent (0..255) */
	uint32_t error_code;
	uint8_t n_settings;
	struct {
		uint16_t id;
		uint32_t value;
	} settings[YG_H2_SETTINGS_MAX];
	uint64_t data_bytes; /* DATA payload without padding */
	char bytes[YG_H2_FIELD_BYTES];
};

/* One stream (stream 0: the connection's own frames). */
struct yg_h2_stream {
	uint32_t id;
	uint64_t first_us;    /* time of its first frame */
	bool request_seen;    /* on_request was called for it */
	struct yg_h2_half half[2]; /* 0: from the client, 1: from the server */
};

/* The name or value of field i of h as a span of its arena. */
static inline const uint8_t *yg_h2_field_name(const struct yg_h2_half *h, unsigned i)
{
	return (const uint8_t *)h->bytes + h->fields[i].off;
}
static inline const uint8_t *yg_h2_field_value(const struct yg_h2_half *h, unsigned i)
{
	return (const uint8_t *)h->bytes + h->fields[i].off + h->fields[i].name_len;
}

/* What goes wrong in the peers' bytes (one per call of on_anomaly). */
enum yg_h2_anomaly {
	YG_H2_ANOM_BAD_FRAME,    /* a frame that breaks RFC 9113's framing */
	YG_H2_ANOM_FRAME_TOO_LONG,
	YG_H2_ANOM_HPACK,        /* a header block libnghttp2 cannot decode */
	YG_H2_ANOM_TOO_MANY_STREAMS,
};

struct yg_h2_ops {
	void *ctx;
	/* A stream's request headers are complete (END_HEADERS from the
	 * client): the caller may match them against indicators. May be NULL. */
	void (*on_request)(void *ctx, const struct yg_h2_stream *s);
	/* A stream is complete (both ends done, reset, or yg_h2_conn_flush):
	 * the caller writes it; s is freed after the call. */
	void (*on_stream)(void *ctx, const struct yg_h2_stream *s);
	void (*on_anomaly)(void *ctx, enum yg_h2_anomaly a);
	/* Charges delta bytes of memory (negative: releases). Returns 0, or
	 * < 0 when a positive charge is refused. May be NULL (no cap). */
	int (*charge)(void *ctx, long delta);
	/* Storage for one struct yg_h2_stream (its contents need not be
	 * zeroed) and its return. Both NULL: malloc and free. A stream is
	 * 9 KiB and a connection may open one per request, so a caller with
	 * many short connections keeps them in a pool (the sensor: a
	 * per-worker slab), instead of malloc growing and trimming its heap
	 * around every stream. */
	void *(*stream_alloc)(void *ctx);
	void (*stream_release)(void *ctx, void *p);
};

struct yg_h2_conn;

/* Whether p[0..n) starts with the client preface ("PRI * HTTP/2.0...").
 * 1 yes, 0 a proper prefix of it (more bytes needed), -1 no. */
int yg_h2_detect_preface(const uint8_t *p, size_t n);

/* Whether p[0..n) may be a server's first frame, sent before the
 * client's preface arrives (a SETTINGS frame on stream 0, RFC 9113
 * section 3.4): 1 yes, 0 too few bytes, -1 no. */
int yg_h2_detect_server_first(const uint8_t *p, size_t n);

/* Reads a frame header from p[0..n) (n >= YG_H2_FRAME_HDR): false when shorter. */
bool yg_h2_frame_header(const uint8_t *p, size_t n, struct yg_h2_frame_hdr *ret);

/* A new connection; caller frees with yg_h2_conn_free. NULL when out of
 * memory or when ops->charge refuses. ops is copied. */
struct yg_h2_conn *yg_h2_conn_new(const struct yg_h2_ops *ops);
void yg_h2_conn_free(struct yg_h2_conn *c);

/*
 * Reads what it can from p[0..n) of one direction (toserver: the client's
 * bytes, starting with the preface) at time ts_us. Returns the bytes used
 * (> 0), 0 when more bytes are needed to go on (at most
 * YG_H2_FRAME_HDR + YG_H2_FRAME_READ_MAX are ever needed at once), or -1
 * when this direction cannot be followed any further (the anomaly has been
 * reported).
 */
long yg_h2_conn_feed(struct yg_h2_conn *c, bool toserver, const uint8_t *p, size_t n,
		     uint64_t ts_us);

/* Hands every stream still open to on_stream, stream 0 last. */
void yg_h2_conn_flush(struct yg_h2_conn *c);

/* Suricata's name of a SETTINGS identifier ("SETTINGSMAXFRAMESIZE");
 * NULL for an unknown one. */
const char *yg_h2_settings_name(uint16_t id);
/* Suricata's name of an error code ("NOERROR"); NULL for an unknown one. */
const char *yg_h2_error_name(uint32_t code);

#endif
