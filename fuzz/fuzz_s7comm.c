/*
 * Fuzzes the TPKT/COTP/S7comm parser on a stream of TPKTs, as the sensor
 * frames them (ics_drive.h). Checks: the PI service name NUL-terminated
 * inside its field and printable (it goes to EVE unescaped), an operation
 * class in range, an anomaly with every failure. Seeds: fuzz/seeds/ics.py
 * writes fuzz/corpus/s7comm/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/s7comm.h"
#include "ics_drive.h"

static void tpkt(const uint8_t *p, size_t len)
{
	struct yg_s7_msg m;
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = yg_s7_parse(p, len, &m, &an);
	if (r < 0 && an >= YG_ANOM__COUNT)
		abort();
	if (r == 0) {
		const char *end = memchr(m.pi_service, 0, sizeof m.pi_service);
		if (!end || m.op >= YG_ICS_OP__COUNT)
			abort();
		for (const char *c = m.pi_service; c < end; c++)
			if (*c < 0x21 || *c > 0x7e || *c == '"' || *c == '\\')
				abort();
	}
	(void)yg_s7_rosctr_name(m.rosctr);
	(void)yg_s7_function_name(m.function);
	(void)yg_s7plus_function_name(m.plus_function);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ics_drive(data, size, yg_tpkt_len, tpkt);
	return 0;
}
