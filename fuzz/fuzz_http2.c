/*
 * Fuzzes the HTTP/2 frame and stream parser (src/app/http2.c) with its
 * HPACK decoding through libnghttp2, fed as the sensor feeds it: the
 * input is a list of segments, each
 *
 *   +---------+----------------+------------------+
 *   | dir (1) | length (2, BE) | bytes (length)   |
 *   +---------+----------------+------------------+
 *   dir bit 0: 0 client to server, 1 server to client
 *
 * and each direction keeps what the parser did not use yet, as
 * app_stream.c does. Besides crashes it checks the contract the sensor
 * relies on: a result never exceeds what was given, nothing more than one
 * frame is ever waited for, the fields handed over lie inside their
 * stream's arena, and every byte charged is given back.
 * Seeds: fuzz/seeds/http2.py writes fuzz/corpus/http2/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/http2.h"

#define PEND_MAX (YG_H2_FRAME_HDR + YG_H2_FRAME_READ_MAX)

static long charged;
static uint8_t pend[2][PEND_MAX];

static void check_half(const struct yg_h2_half *h)
{
	if (h->n_fields > YG_H2_FIELDS_MAX || h->used > YG_H2_FIELD_BYTES ||
	    h->n_settings > YG_H2_SETTINGS_MAX)
		abort();
	for (unsigned i = 0; i < h->n_fields; i++) {
		const struct yg_h2_field *f = &h->fields[i];
		if ((size_t)f->off + f->name_len + f->value_len > h->used)
			abort();
	}
}

static void on_stream(void *ctx, const struct yg_h2_stream *s)
{
	(void)ctx;
	check_half(&s->half[0]);
	check_half(&s->half[1]);
}

static void on_request(void *ctx, const struct yg_h2_stream *s)
{
	on_stream(ctx, s);
}

static void on_anomaly(void *ctx, enum yg_h2_anomaly a)
{
	(void)ctx;
	if ((unsigned)a > YG_H2_ANOM_TOO_MANY_STREAMS)
		abort();
}

static int on_charge(void *ctx, long delta)
{
	(void)ctx;
	/* A flow's share of the memcap: refusals are part of what is fuzzed. */
	if (delta > 0 && charged + delta > 400000)
		return -1;
	charged += delta;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_h2_ops ops = {NULL, on_request, on_stream, on_anomaly, on_charge};
	struct yg_h2_conn *c = yg_h2_conn_new(&ops);
	if (!c)
		abort();
	size_t have[2] = {0, 0};
	bool dead[2] = {false, false};
	size_t off = 0;
	while (off + 3 <= size) {
		int d = data[off] & 1;
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (n > size - off)
			n = size - off;
		const uint8_t *p = data + off;
		off += n;
		if (dead[d])
			continue;
		if (have[d] + n > PEND_MAX) {
			dead[d] = true; /* the sensor stops the direction here too */
			continue;
		}
		memcpy(pend[d] + have[d], p, n);
		have[d] += n;
		size_t used = 0;
		while (used < have[d]) {
			long r = yg_h2_conn_feed(c, d == 0, pend[d] + used, have[d] - used, off);
			if (r < 0) {
				dead[d] = true;
				break;
			}
			if ((size_t)r > have[d] - used)
				abort();
			if (r == 0)
				break;
			used += (size_t)r;
		}
		memmove(pend[d], pend[d] + used, have[d] - used);
		have[d] -= used;
	}
	yg_h2_conn_flush(c);
	yg_h2_conn_free(c);
	if (charged != 0)
		abort();
	return 0;
}
