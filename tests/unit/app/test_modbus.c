#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "app/modbus.h"

static struct yg_modbus_msg m;

static int parse(const uint8_t *p, size_t n, bool req, enum yg_anomaly *an)
{
	*an = 0;
	return yg_modbus_parse(p, n, req, &m, an);
}

static void read_holding(void **state)
{
	(void)state;
	const uint8_t req[] = {0x00, 0x07, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6b, 0x00, 0x03};
	enum yg_anomaly an;
	size_t len;
	assert_int_equal(yg_modbus_adu_len(req, sizeof req, &len, &an), 0);
	assert_int_equal(len, sizeof req);
	assert_int_equal(parse(req, sizeof req, true, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(m.transaction_id, 7);
	assert_int_equal(m.unit_id, 0x11);
	assert_int_equal(m.function, 3);
	assert_true(m.has & YG_MODBUS_HAS_READ);
	assert_int_equal(m.read_address, 0x6b);
	assert_int_equal(m.read_quantity, 3);
	assert_int_equal(m.op, YG_ICS_OP_READ);
	assert_string_equal(yg_modbus_function_name(3), "RdHoldRegs");
	assert_string_equal(yg_modbus_access_name(3), "READ | HOLDING");
	assert_string_equal(yg_modbus_category_name(3), "PUBLIC_ASSIGNED");
	const uint8_t resp[] = {0x00, 0x07, 0x00, 0x00, 0x00, 0x09, 0x11, 0x03, 0x06,
				0x02, 0x2b, 0x00, 0x00, 0x00, 0x64};
	assert_int_equal(parse(resp, sizeof resp, false, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(m.data_len, 6);
	assert_int_equal(m.data[1], 0x2b);
	assert_int_equal(m.op, YG_ICS_OP_NONE);
}

static void writes(void **state)
{
	(void)state;
	enum yg_anomaly an;
	const uint8_t coil[] = {0, 1, 0, 0, 0, 6, 1, 0x05, 0x00, 0xac, 0xff, 0x00};
	assert_int_equal(parse(coil, sizeof coil, true, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(m.write_address, 0xac);
	assert_int_equal(m.write_value, 0xff00);
	assert_int_equal(m.op, YG_ICS_OP_WRITE);
	/* A coil value other than 0000 or FF00 is reported and counted. */
	const uint8_t badcoil[] = {0, 1, 0, 0, 0, 6, 1, 0x05, 0x00, 0xac, 0x12, 0x34};
	assert_int_equal(parse(badcoil, sizeof badcoil, true, &an), 0);
	assert_int_equal(an, YG_ANOM_MODBUS_BAD_VALUE);
	assert_int_equal(m.write_value, 0x1234);
	const uint8_t regs[] = {0, 2, 0, 0, 0, 11, 1, 0x10, 0x00, 0x01, 0x00, 0x02, 0x04,
				0x00, 0x0a, 0x01, 0x02};
	assert_int_equal(parse(regs, sizeof regs, true, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(m.write_address, 1);
	assert_int_equal(m.write_quantity, 2);
	assert_int_equal(m.data_len, 4);
	/* Byte count that does not match the quantity. */
	const uint8_t regs_bad[] = {0, 2, 0, 0, 0, 9, 1, 0x10, 0x00, 0x01, 0x00, 0x02, 0x02, 0x00, 0x0a};
	assert_int_equal(parse(regs_bad, sizeof regs_bad, true, &an), 0);
	assert_int_equal(an, YG_ANOM_MODBUS_BAD_VALUE);
}

static void values_are_bounded(void **state)
{
	(void)state;
	uint8_t req[7 + 6 + 246];
	const uint8_t hdr[] = {0, 3, 0, 0, 0, 253, 1, 0x10, 0x00, 0x00, 0x00, 123, 246};
	memcpy(req, hdr, sizeof hdr);
	memset(req + sizeof hdr, 0xab, sizeof req - sizeof hdr);
	enum yg_anomaly an;
	assert_int_equal(parse(req, sizeof req, true, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(m.data_len, YG_MODBUS_DATA_MAX);
	assert_true(m.data_cut);
}

static void exception_and_diag_and_devid(void **state)
{
	(void)state;
	enum yg_anomaly an;
	const uint8_t exc[] = {0, 4, 0, 0, 0, 3, 1, 0x83, 0x02};
	assert_int_equal(parse(exc, sizeof exc, false, &an), 0);
	assert_true(m.exception);
	assert_int_equal(m.function, 3);
	assert_int_equal(m.exception_code, 2);
	assert_string_equal(yg_modbus_exception_name(2), "IllegalDataAddr");
	const uint8_t exc_bad[] = {0, 4, 0, 0, 0, 3, 1, 0x83, 0x09};
	assert_int_equal(parse(exc_bad, sizeof exc_bad, false, &an), 0);
	assert_int_equal(an, YG_ANOM_MODBUS_BAD_EXCEPTION);
	const uint8_t listen[] = {0, 5, 0, 0, 0, 6, 1, 0x08, 0x00, 0x04, 0x00, 0x00};
	assert_int_equal(parse(listen, sizeof listen, true, &an), 0);
	assert_int_equal(m.diag_sub, 4);
	assert_int_equal(m.op, YG_ICS_OP_STOP);
	assert_string_equal(yg_modbus_diag_name(4), "ForceListenOnlyMode");
	const uint8_t restart[] = {0, 5, 0, 0, 0, 6, 1, 0x08, 0x00, 0x01, 0x00, 0x00};
	assert_int_equal(parse(restart, sizeof restart, true, &an), 0);
	assert_int_equal(m.op, YG_ICS_OP_RESTART);
	const uint8_t devid[] = {0, 6, 0, 0, 0, 5, 1, 0x2b, 0x0e, 0x01, 0x00};
	assert_int_equal(parse(devid, sizeof devid, true, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(m.mei_type, 14);
	assert_int_equal(m.devid_code, 1);
	assert_int_equal(m.op, YG_ICS_OP_READ);
}

static void umas_classes(void **state)
{
	(void)state;
	enum yg_anomaly an;
	uint8_t req[] = {0, 9, 0, 0, 0, 4, 0, 0x5a, 0x00, 0x30};
	assert_int_equal(parse(req, sizeof req, true, &an), 0);
	assert_int_equal(m.op, YG_ICS_OP_DOWNLOAD);
	req[9] = 0x41;
	assert_int_equal(parse(req, sizeof req, true, &an), 0);
	assert_int_equal(m.op, YG_ICS_OP_STOP);
	req[9] = 0x40;
	assert_int_equal(parse(req, sizeof req, true, &an), 0);
	assert_int_equal(m.op, YG_ICS_OP_RESTART);
	req[9] = 0x22;
	assert_int_equal(parse(req, sizeof req, true, &an), 0);
	assert_int_equal(m.op, YG_ICS_OP_READ);
}

static void framing(void **state)
{
	(void)state;
	enum yg_anomaly an = 0;
	size_t len = 0;
	const uint8_t shortb[] = {0, 1, 0, 0, 0};
	assert_int_equal(yg_modbus_adu_len(shortb, sizeof shortb, &len, &an), -EAGAIN);
	const uint8_t proto[] = {0, 1, 0, 7, 0, 6, 1, 3, 0, 0, 0, 1};
	assert_int_equal(yg_modbus_adu_len(proto, sizeof proto, &len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_MODBUS_BAD_PROTOCOL);
	const uint8_t big[] = {0, 1, 0, 0, 1, 0, 1, 3};
	assert_int_equal(yg_modbus_adu_len(big, sizeof big, &len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_MODBUS_BAD_LENGTH);
	/* A PDU shorter than its function needs keeps what was read. */
	const uint8_t cut[] = {0, 1, 0, 0, 0, 4, 1, 3, 0, 5};
	assert_int_equal(parse(cut, sizeof cut, true, &an), 0);
	assert_int_equal(an, YG_ANOM_MODBUS_BAD_LENGTH);
	assert_int_equal(m.function, 3);
	/* Unknown functions are writes for a policy, and counted. */
	const uint8_t unk[] = {0, 1, 0, 0, 0, 2, 1, 0x30};
	assert_int_equal(parse(unk, sizeof unk, true, &an), 0);
	assert_int_equal(an, YG_ANOM_MODBUS_BAD_FUNCTION);
	assert_int_equal(m.op, YG_ICS_OP_WRITE);
	assert_string_equal(yg_modbus_function_name(0x30), "Unknown");
	/* Detection: a whole ADU of an assigned function, nothing else. */
	const uint8_t ok[] = {0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1};
	assert_true(yg_modbus_detect(ok, sizeof ok));
	assert_false(yg_modbus_detect((const uint8_t *)"GET / HTTP/1.1\r\n", 16));
	assert_false(yg_modbus_detect(ok, sizeof ok - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(read_holding),
	    cmocka_unit_test(writes),
	    cmocka_unit_test(values_are_bounded),
	    cmocka_unit_test(exception_and_diag_and_devid),
	    cmocka_unit_test(umas_classes),
	    cmocka_unit_test(framing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
