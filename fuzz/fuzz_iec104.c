/*
 * Fuzzes the IEC 60870-5-104 parser on a stream of APDUs, as the sensor
 * frames them. Checks: formats I, S or U only; an operation class in
 * range; an anomaly with every failure. Seeds: fuzz/seeds/ics.py writes
 * fuzz/corpus/iec104/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "app/iec104.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	while (n) {
		size_t len = 0;
		enum yg_anomaly an = YG_ANOM__COUNT;
		int r = yg_iec104_apdu_len(p, n, &len, &an);
		if (r == -EAGAIN || (r == 0 && len > n))
			break;
		if (r < 0) {
			if (an >= YG_ANOM__COUNT)
				abort();
			break;
		}
		struct yg_iec104_apdu a;
		an = YG_ANOM__COUNT;
		if (yg_iec104_parse(p, len, &a, &an) != 0)
			abort();
		if ((a.format != 'I' && a.format != 'S' && a.format != 'U') || a.op >= YG_ICS_OP__COUNT ||
		    (a.has_asdu && a.format != 'I') || a.count > 127 || a.ioa > 0xffffff)
			abort();
		(void)yg_iec104_type_name(a.type_id);
		(void)yg_iec104_cause_name(a.cause);
		(void)yg_iec104_u_name(a.u_function);
		p += len;
		n -= len;
	}
	return 0;
}
