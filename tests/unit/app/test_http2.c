#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/http2.h"

/* What the callbacks saw, and the memory charged. */
struct seen {
	int requests, streams, anomalies[4];
	uint32_t ids[64];
	struct yg_h2_stream last; /* copy of the last stream handed over */
	long charged;
	long refuse_above; /* 0: no cap */
};

static void on_request(void *ctx, const struct yg_h2_stream *s)
{
	(void)s;
	((struct seen *)ctx)->requests++;
}

static void on_stream(void *ctx, const struct yg_h2_stream *s)
{
	struct seen *w = ctx;
	if (w->streams < 64)
		w->ids[w->streams] = s->id;
	w->streams++;
	w->last = *s;
}

static void on_anomaly(void *ctx, enum yg_h2_anomaly a)
{
	((struct seen *)ctx)->anomalies[a]++;
}

static int on_charge(void *ctx, long delta)
{
	struct seen *w = ctx;
	if (delta > 0 && w->refuse_above && w->charged + delta > w->refuse_above)
		return -1;
	w->charged += delta;
	return 0;
}

/* A byte string being built. */
struct buf {
	uint8_t b[200000];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof b->b);
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void frame(struct buf *b, uint8_t type, uint8_t flags, uint32_t stream, const void *p,
		  size_t n)
{
	uint8_t h[9] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, type, flags,
			(uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8),
			(uint8_t)stream};
	put(b, h, 9);
	if (n)
		put(b, p, n);
}

/* HPACK "literal header field without indexing, new name" (RFC 7541
 * section 6.2.2), no Huffman; name and value shorter than 127. */
static void lit(struct buf *b, const char *name, const char *value)
{
	uint8_t z = 0, nl = (uint8_t)strlen(name), vl = (uint8_t)strlen(value);
	put(b, &z, 1);
	put(b, &nl, 1);
	put(b, name, nl);
	put(b, &vl, 1);
	put(b, value, vl);
}

static struct yg_h2_conn *conn(struct seen *w)
{
	struct yg_h2_ops ops = {w, on_request, on_stream, on_anomaly, on_charge};
	struct yg_h2_conn *c = yg_h2_conn_new(&ops);
	assert_non_null(c);
	return c;
}

/* Feeds p[0..n) in pieces of step bytes, keeping what the parser did not
 * use as app_stream.c does. Returns the last result (-1 stops). */
static long feed(struct yg_h2_conn *c, bool toserver, const uint8_t *p, size_t n, size_t step)
{
	static uint8_t pend[70000];
	size_t have = 0, off = 0;
	long r = 0;
	while (off < n) {
		size_t k = n - off < step ? n - off : step;
		assert_true(have + k <= sizeof pend);
		memcpy(pend + have, p + off, k);
		have += k;
		off += k;
		size_t used = 0;
		while (used < have) {
			r = yg_h2_conn_feed(c, toserver, pend + used, have - used, 1);
			if (r < 0)
				return r;
			if (r == 0)
				break;
			used += (size_t)r;
		}
		memmove(pend, pend + used, have - used);
		have -= used;
	}
	return r;
}

static void test_preface_and_header(void **state)
{
	(void)state;
	static const char pre[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	assert_int_equal(yg_h2_detect_preface((const uint8_t *)pre, 24), 1);
	assert_int_equal(yg_h2_detect_preface((const uint8_t *)pre, 10), 0);
	assert_int_equal(yg_h2_detect_preface((const uint8_t *)"PRI * HTTP/1.1", 14), -1);
	assert_int_equal(yg_h2_detect_preface((const uint8_t *)"GET / ", 6), -1);

	const uint8_t hdr[9] = {0x00, 0x40, 0x01, 0x01, 0x05, 0x80, 0x00, 0x00, 0x07};
	struct yg_h2_frame_hdr h;
	assert_false(yg_h2_frame_header(hdr, 8, &h));
	assert_true(yg_h2_frame_header(hdr, 9, &h));
	assert_int_equal(h.length, 0x4001);
	assert_int_equal(h.type, YG_H2_HEADERS);
	assert_int_equal(h.flags, 5);
	assert_int_equal(h.stream_id, 7); /* the reserved bit is dropped */

	/* A server's SETTINGS before the client's preface. */
	const uint8_t srv[15] = {0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100};
	assert_int_equal(yg_h2_detect_server_first(srv, 15), 1);
	assert_int_equal(yg_h2_detect_server_first(srv, 3), 0);
	assert_int_equal(yg_h2_detect_server_first((const uint8_t *)"HTTP/1.1 200", 12), -1);
	assert_string_equal(yg_h2_settings_name(4), "SETTINGSINITIALWINDOWSIZE");
	assert_null(yg_h2_settings_name(99));
	assert_string_equal(yg_h2_error_name(8), "CANCEL");
	assert_null(yg_h2_error_name(0x1234));
}

/* A whole exchange, fed in every piece size from 1 byte up: the same
 * stream comes out each time. */
static void test_exchange_any_segmentation(void **state)
{
	(void)state;
	static struct buf cli, srv, block;
	cli.n = srv.n = block.n = 0;
	put(&cli, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	const uint8_t set[6] = {0, 4, 0, 0, 0xff, 0xff};
	frame(&cli, YG_H2_SETTINGS, 0, 0, set, 6);
	lit(&block, ":method", "GET");
	lit(&block, ":path", "/a");
	lit(&block, ":authority", "x.example");
	lit(&block, "user-agent", "ua");
	/* HEADERS with padding and priority, then a CONTINUATION. */
	uint8_t hp[200];
	size_t cut = 10;
	hp[0] = 3; /* pad length */
	memset(hp + 1, 0, 4);
	hp[5] = 200; /* weight byte */
	memcpy(hp + 6, block.b, cut);
	memset(hp + 6 + cut, 0, 3);
	frame(&cli, YG_H2_HEADERS, 0x01 | 0x08 | 0x20, 1, hp, 6 + cut + 3);
	frame(&cli, YG_H2_CONTINUATION, 0x04, 1, block.b + cut, block.n - cut);

	block.n = 0;
	lit(&block, ":status", "200");
	lit(&block, "content-length", "5");
	frame(&srv, YG_H2_HEADERS, 0x04, 1, block.b, block.n);
	uint8_t data[8] = {2, 'h', 'e', 'l', 'l', 'o', 0, 0}; /* padded */
	frame(&srv, YG_H2_DATA, 0x08 | 0x01, 1, data, 8);

	for (size_t step = 1; step <= 64; step++) {
		struct seen w = {0};
		struct yg_h2_conn *c = conn(&w);
		assert_true(feed(c, true, cli.b, cli.n, step) > 0);
		assert_int_equal(w.requests, 1);
		assert_int_equal(w.streams, 0);
		assert_true(feed(c, false, srv.b, srv.n, step) > 0);
		assert_int_equal(w.streams, 1);
		const struct yg_h2_stream *s = &w.last;
		assert_int_equal(s->id, 1);
		assert_int_equal(s->half[0].n_fields, 4);
		assert_int_equal(s->half[0].fields[2].name_len, 10);
		assert_memory_equal(yg_h2_field_name(&s->half[0], 2), ":authority", 10);
		assert_memory_equal(yg_h2_field_value(&s->half[0], 2), "x.example", 9);
		assert_true(s->half[0].has_priority);
		assert_int_equal(s->half[0].priority, 200);
		assert_int_equal(s->half[1].n_fields, 2);
		assert_int_equal(s->half[1].data_bytes, 5);
		yg_h2_conn_flush(c);
		/* Stream 0 carries the client's SETTINGS. */
		assert_int_equal(w.streams, 2);
		assert_int_equal(w.last.id, 0);
		assert_int_equal(w.last.half[0].n_settings, 1);
		assert_int_equal(w.last.half[0].settings[0].value, 65535);
		for (int i = 0; i < 4; i++)
			assert_int_equal(w.anomalies[i], 0);
		yg_h2_conn_free(c);
		assert_int_equal(w.charged, 0);
	}
}

static void test_streams_bounded(void **state)
{
	(void)state;
	static struct buf cli, block;
	cli.n = block.n = 0;
	put(&cli, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	lit(&block, ":method", "GET");
	for (uint32_t i = 0; i < YG_H2_STREAMS_MAX + 5; i++)
		frame(&cli, YG_H2_HEADERS, 0x04 | 0x01, 1 + 2 * i, block.b, block.n);
	struct seen w = {0};
	struct yg_h2_conn *c = conn(&w);
	assert_true(feed(c, true, cli.b, cli.n, 4096) > 0);
	assert_int_equal(w.requests, YG_H2_STREAMS_MAX);
	assert_int_equal(w.anomalies[YG_H2_ANOM_TOO_MANY_STREAMS], 1);
	yg_h2_conn_flush(c);
	assert_int_equal(w.streams, YG_H2_STREAMS_MAX);
	for (int i = 1; i < w.streams; i++)
		assert_true(w.ids[i] > w.ids[i - 1]); /* in the order they opened */
	yg_h2_conn_free(c);
	assert_int_equal(w.charged, 0);
}

static void test_fields_bounded(void **state)
{
	(void)state;
	static struct buf cli, block;
	cli.n = block.n = 0;
	put(&cli, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	char name[16], value[120];
	memset(value, 'v', sizeof value - 1);
	value[sizeof value - 1] = 0;
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "x-h%d", i);
		lit(&block, name, value);
	}
	frame(&cli, YG_H2_HEADERS, 0x04, 1, block.b, block.n);
	struct seen w = {0};
	struct yg_h2_conn *c = conn(&w);
	assert_true(feed(c, true, cli.b, cli.n, 100000) > 0);
	yg_h2_conn_flush(c);
	const struct yg_h2_half *h = &w.last.half[0];
	assert_int_equal(w.last.id, 1);
	assert_true(h->cut);
	assert_true(h->used <= YG_H2_FIELD_BYTES);
	/* Ten fields of 123 bytes and 23 of 124 fit in 4096. */
	assert_int_equal(h->n_fields, 33);
	yg_h2_conn_free(c);
}

static long one_frame(struct seen *w, uint8_t type, uint8_t flags, uint32_t stream, const void *p,
		      size_t n)
{
	static struct buf b;
	b.n = 0;
	put(&b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	frame(&b, type, flags, stream, p, n);
	struct yg_h2_conn *c = conn(w);
	long r = feed(c, true, b.b, b.n, b.n);
	yg_h2_conn_free(c);
	assert_int_equal(w->charged, 0);
	return r;
}

static void test_bad_input(void **state)
{
	(void)state;
	struct seen w = {0};
	/* SETTINGS on a stream, a bad length, a PING of 7 bytes. */
	assert_int_equal(one_frame(&w, YG_H2_SETTINGS, 0, 1, NULL, 0), -1);
	assert_int_equal(one_frame(&w, YG_H2_SETTINGS, 0, 0, "12345", 5), -1);
	assert_int_equal(one_frame(&w, YG_H2_PING, 0, 0, "1234567", 7), -1);
	assert_int_equal(one_frame(&w, YG_H2_DATA, 0, 0, "x", 1), -1);
	/* Padding longer than the frame. */
	assert_int_equal(one_frame(&w, YG_H2_HEADERS, 0x0c, 1, "\x09\x82", 2), -1);
	assert_int_equal(w.anomalies[YG_H2_ANOM_BAD_FRAME], 5);
	/* Entry 100 of an empty dynamic table. */
	assert_int_equal(one_frame(&w, YG_H2_HEADERS, 0x04, 1, "\xe4", 1), -1);
	assert_int_equal(w.anomalies[YG_H2_ANOM_HPACK], 1);
	/* A frame other than CONTINUATION inside a header block. */
	static struct buf b;
	b.n = 0;
	put(&b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	frame(&b, YG_H2_HEADERS, 0, 1, "\x82", 1);
	frame(&b, YG_H2_PING, 0, 0, "12345678", 8);
	struct yg_h2_conn *c = conn(&w);
	assert_int_equal(feed(c, true, b.b, b.n, b.n), -1);
	yg_h2_conn_free(c);
	assert_int_equal(w.anomalies[YG_H2_ANOM_BAD_FRAME], 6);
	/* Not the preface. */
	c = conn(&w);
	assert_int_equal(yg_h2_conn_feed(c, true, (const uint8_t *)"GET / HTTP/1.1\r\n", 16, 1), -1);
	yg_h2_conn_free(c);

	/* A header block too long to read is the end; an unknown frame that
	 * long is passed over. */
	uint8_t big[9] = {0x02, 0x00, 0x00, YG_H2_HEADERS, 0x04, 0, 0, 0, 1};
	c = conn(&w);
	assert_int_equal(yg_h2_conn_feed(c, false, big, 9, 1), -1);
	assert_int_equal(w.anomalies[YG_H2_ANOM_FRAME_TOO_LONG], 1);
	yg_h2_conn_free(c);
	big[3] = 0x42;
	c = conn(&w);
	assert_int_equal(yg_h2_conn_feed(c, false, big, 9, 1), 9);
	static uint8_t zeros[0x20000];
	assert_int_equal(yg_h2_conn_feed(c, false, zeros, sizeof zeros, 1), 0x20000);
	assert_int_equal(yg_h2_conn_feed(c, false, big, 9, 1), 9); /* in step again */
	yg_h2_conn_free(c);
	assert_int_equal(w.charged, 0);
}

/* Trailers are no second request; a pushed stream ends with the
 * server's END_STREAM alone. */
static void test_trailers_and_push(void **state)
{
	(void)state;
	static struct buf cli, srv;
	cli.n = srv.n = 0;
	put(&cli, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	frame(&cli, YG_H2_HEADERS, 0x04, 1, "\x83\x84", 2); /* POST / */
	frame(&cli, YG_H2_DATA, 0, 1, "abc", 3);
	static struct buf tr;
	tr.n = 0;
	lit(&tr, "x-checksum", "1");
	frame(&cli, YG_H2_HEADERS, 0x05, 1, tr.b, tr.n);
	frame(&srv, YG_H2_PUSH_PROMISE, 0x04, 1, "\0\0\0\2\x82\x84", 6);
	frame(&srv, YG_H2_HEADERS, 0x05, 1, "\x88", 1); /* :status 200 */
	frame(&srv, YG_H2_HEADERS, 0x04, 2, "\x88", 1);
	frame(&srv, YG_H2_DATA, 0x01, 2, "css", 3);
	struct seen w = {0};
	struct yg_h2_conn *c = conn(&w);
	assert_true(feed(c, true, cli.b, cli.n, 5) > 0);
	assert_int_equal(w.requests, 1);
	assert_true(feed(c, false, srv.b, srv.n, 5) > 0);
	assert_int_equal(w.streams, 2);
	assert_int_equal(w.ids[0], 1);
	assert_int_equal(w.ids[1], 2);
	assert_int_equal(w.last.half[1].data_bytes, 3);
	yg_h2_conn_free(c);
	assert_int_equal(w.charged, 0);
}

static void test_memory_refused(void **state)
{
	(void)state;
	struct seen w = {.refuse_above = 100};
	struct yg_h2_ops ops = {&w, on_request, on_stream, on_anomaly, on_charge};
	assert_null(yg_h2_conn_new(&ops));
	assert_int_equal(w.charged, 0);
	/* Room for the connection but not for a stream: the block is still
	 * decoded (HPACK stays in step), the stream is not kept. */
	w.refuse_above = 0;
	struct yg_h2_conn *c = yg_h2_conn_new(&ops);
	assert_non_null(c);
	w.refuse_above = w.charged + 100;
	static struct buf b;
	b.n = 0;
	put(&b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	frame(&b, YG_H2_HEADERS, 0x05, 1, "\x82", 1);
	frame(&b, YG_H2_HEADERS, 0x05, 3, "\x82", 1);
	assert_true(feed(c, true, b.b, b.n, b.n) > 0);
	assert_int_equal(w.requests, 0);
	yg_h2_conn_flush(c);
	assert_int_equal(w.streams, 0);
	yg_h2_conn_free(c);
	assert_int_equal(w.charged, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_preface_and_header),
	    cmocka_unit_test(test_exchange_any_segmentation),
	    cmocka_unit_test(test_streams_bounded),
	    cmocka_unit_test(test_fields_bounded),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_trailers_and_push),
	    cmocka_unit_test(test_memory_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
