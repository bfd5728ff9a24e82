/*
 * Drives a TCP ICS parser the way the sensor frames its streams
 * (src/sensor/app_ics.c): the framing function cuts the input into PDUs,
 * each whole PDU goes to the harness's parse callback, a PDU cut short
 * ends the stream, and a framing error must name its anomaly (the sensor
 * counts it) before the stream is given up.
 *
 * For the harnesses of parsers framed by a length in their header
 * (IEC 104's APCI, S7comm's TPKT); DNP3 resynchronises on 05 64 and
 * keeps its own loop.
 */
#ifndef YG_FUZZ_ICS_DRIVE_H
#define YG_FUZZ_ICS_DRIVE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/anomaly.h"

/* yg_iec104_apdu_len, yg_tpkt_len. */
typedef int (*ics_frame_fn)(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom);

static inline void ics_drive(const uint8_t *data, size_t size, ics_frame_fn frame,
			     void (*parse)(const uint8_t *p, size_t len))
{
	const uint8_t *p = data;
	size_t n = size;
	while (n) {
		size_t len = 0;
		enum yg_anomaly an = YG_ANOM__COUNT;
		int r = frame(p, n, &len, &an);
		if (r == -EAGAIN || (r == 0 && len > n))
			return;
		if (r < 0) {
			if (an >= YG_ANOM__COUNT)
				abort();
			return;
		}
		if (len == 0)
			abort(); /* a frame of nothing would never end the stream */
		parse(p, len);
		p += len;
		n -= len;
	}
}

#endif
