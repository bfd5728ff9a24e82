/*
 * Fuzzes the IEC 60870-5-104 parser on a stream of APDUs, as the sensor
 * frames them (ics_drive.h). Checks: formats I, S or U only; an operation
 * class in range; an anomaly with every failure. Seeds: fuzz/seeds/ics.py
 * writes fuzz/corpus/iec104/.
 */
#include <stdint.h>
#include <stdlib.h>

#include "app/iec104.h"
#include "ics_drive.h"

static void apdu(const uint8_t *p, size_t len)
{
	struct yg_iec104_apdu a;
	enum yg_anomaly an = YG_ANOM__COUNT;
	if (yg_iec104_parse(p, len, &a, &an) != 0)
		abort();
	if ((a.format != 'I' && a.format != 'S' && a.format != 'U') || a.op >= YG_ICS_OP__COUNT ||
	    (a.has_asdu && a.format != 'I') || a.count > 127 || a.ioa > 0xffffff)
		abort();
	(void)yg_iec104_type_name(a.type_id);
	(void)yg_iec104_cause_name(a.cause);
	(void)yg_iec104_u_name(a.u_function);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ics_drive(data, size, yg_iec104_apdu_len, apdu);
	return 0;
}
