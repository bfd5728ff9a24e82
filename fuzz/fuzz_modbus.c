/*
 * Fuzzes the Modbus/TCP parser as the sensor drives it: the input after
 * its first byte is a stream of ADUs from the client (first byte even) or
 * the server, framed by yg_modbus_adu_len and parsed one by one. Checks
 * the promises of modbus.h: kept data within YG_MODBUS_DATA_MAX, an
 * operation class in range, names for every function, an anomaly with
 * every failure. Seeds: fuzz/seeds/ics.py writes fuzz/corpus/modbus/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "app/modbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool request = !(data[0] & 1);
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	while (n) {
		size_t len = 0;
		enum yg_anomaly an = YG_ANOM__COUNT;
		int r = yg_modbus_adu_len(p, n, &len, &an);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			if (an >= YG_ANOM__COUNT)
				abort();
			break;
		}
		if (len > n)
			break;
		if (len < YG_MODBUS_MBAP_LEN + 1 || len > YG_MODBUS_ADU_MAX)
			abort();
		struct yg_modbus_msg m;
		an = YG_ANOM__COUNT;
		r = yg_modbus_parse(p, len, request, &m, &an);
		if (r != 0 || m.data_len > YG_MODBUS_DATA_MAX || m.op >= YG_ICS_OP__COUNT ||
		    (!request && m.op != YG_ICS_OP_NONE) || (request && m.exception))
			abort();
		if (!yg_modbus_function_name(m.function_raw) || !yg_modbus_access_name(m.function) ||
		    !yg_modbus_category_name(m.function) || !yg_modbus_exception_name(m.exception_code) ||
		    !yg_modbus_diag_name(m.diag_sub) || !yg_modbus_mei_name(m.mei_type))
			abort();
		(void)yg_modbus_detect(p, len);
		p += len;
		n -= len;
	}
	return 0;
}
