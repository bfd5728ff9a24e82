#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "app/iec104.h"
#include "app/s7comm.h"

static void iec104_frames(void **state)
{
	(void)state;
	struct yg_iec104_apdu a;
	enum yg_anomaly an = 0;
	size_t len;
	const uint8_t u[] = {0x68, 4, 0x07, 0, 0, 0};
	assert_int_equal(yg_iec104_apdu_len(u, sizeof u, &len, &an), 0);
	assert_int_equal(len, 6);
	assert_int_equal(yg_iec104_parse(u, sizeof u, &a, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(a.format, 'U');
	assert_string_equal(yg_iec104_u_name(a.u_function), "STARTDT_ACT");
	const uint8_t s[] = {0x68, 4, 0x01, 0, 0x0a, 0};
	assert_int_equal(yg_iec104_parse(s, sizeof s, &a, &an), 0);
	assert_int_equal(a.format, 'S');
	assert_int_equal(a.recv_seq, 5);
	/* Single command, act, CA 1, IOA 0x0102a0, select/execute byte. */
	const uint8_t sc[] = {0x68, 14, 0x04, 0x00, 0x06, 0x00, 45, 1, 6, 0, 1, 0, 0xa0, 0x02, 0x01, 0x81};
	assert_int_equal(yg_iec104_parse(sc, sizeof sc, &a, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(a.format, 'I');
	assert_int_equal(a.send_seq, 2);
	assert_int_equal(a.recv_seq, 3);
	assert_true(a.has_asdu);
	assert_int_equal(a.type_id, 45);
	assert_string_equal(yg_iec104_type_name(45), "C_SC_NA_1");
	assert_int_equal(a.cause, 6);
	assert_string_equal(yg_iec104_cause_name(6), "act");
	assert_int_equal(a.common_address, 1);
	assert_int_equal(a.ioa, 0x0102a0);
	assert_int_equal(a.op, YG_ICS_OP_OPERATE);
	/* The same type confirmed by the station is no command. */
	uint8_t con[sizeof sc];
	memcpy(con, sc, sizeof sc);
	con[8] = 7;
	assert_int_equal(yg_iec104_parse(con, sizeof con, &a, &an), 0);
	assert_int_equal(a.op, YG_ICS_OP_NONE);
	/* Reset process and clock sync. */
	con[6] = 105;
	con[8] = 6;
	assert_int_equal(yg_iec104_parse(con, sizeof con, &a, &an), 0);
	assert_int_equal(a.op, YG_ICS_OP_RESTART);
	con[6] = 103;
	assert_int_equal(yg_iec104_parse(con, sizeof con, &a, &an), 0);
	assert_int_equal(a.op, YG_ICS_OP_WRITE);
	/* An ASDU cut short, a bad start byte, a bad length. */
	const uint8_t cut[] = {0x68, 6, 0, 0, 0, 0, 45, 1};
	assert_int_equal(yg_iec104_parse(cut, sizeof cut, &a, &an), 0);
	assert_int_equal(an, YG_ANOM_IEC104_BAD_ASDU);
	assert_false(a.has_asdu);
	const uint8_t bad[] = {0x69, 4, 0, 0, 0, 0};
	assert_int_equal(yg_iec104_apdu_len(bad, sizeof bad, &len, &an), -EBADMSG);
	const uint8_t small[] = {0x68, 2, 0, 0};
	assert_int_equal(yg_iec104_apdu_len(small, sizeof small, &len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_IEC104_MALFORMED);
}

static size_t tpkt(uint8_t *out, const uint8_t *s7, size_t n)
{
	size_t len = 4 + 3 + n;
	out[0] = 3;
	out[1] = 0;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[4] = 2;
	out[5] = 0xf0;
	out[6] = 0x80;
	memcpy(out + 7, s7, n);
	return len;
}

static void s7_jobs(void **state)
{
	(void)state;
	struct yg_s7_msg m;
	enum yg_anomaly an = 0;
	uint8_t buf[256];
	/* Connection request: TSAPs. */
	const uint8_t cr[] = {3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0, 0xc1, 2, 0x01, 0x00, 0xc2, 2,
			      0x01, 0x02, 0xc0, 1, 0x0a};
	assert_int_equal(yg_s7_parse(cr, sizeof cr, &m, &an), 0);
	assert_int_equal(m.kind, YG_S7_COTP_ONLY);
	assert_int_equal(m.cotp_type, 0xe0);
	assert_int_equal(m.src_tsap, 0x0100);
	assert_int_equal(m.dst_tsap, 0x0102);
	/* Write var job with one item. */
	const uint8_t wr[] = {0x32, 1, 0, 0, 0, 7, 0, 14, 0, 6, 0x05, 1, 0x12, 0x0a, 0x10, 0x02,
			      0, 2, 0, 1, 0x84, 0, 0, 0, 0, 4, 0, 16, 0x12, 0x34};
	size_t n = tpkt(buf, wr, sizeof wr);
	assert_int_equal(yg_s7_parse(buf, n, &m, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(m.kind, YG_S7_CLASSIC);
	assert_int_equal(m.rosctr, 1);
	assert_int_equal(m.pdu_ref, 7);
	assert_int_equal(m.function, 0x05);
	assert_int_equal(m.item_count, 1);
	assert_int_equal(m.op, YG_ICS_OP_WRITE);
	assert_string_equal(yg_s7_function_name(0x05), "write_var");
	/* PLC stop, download, PI start. */
	const uint8_t stop[] = {0x32, 1, 0, 0, 0, 8, 0, 16, 0, 0, 0x29, 0, 0, 0, 0, 0, 9, 'P', '_',
				'P', 'R', 'O', 'G', 'R', 'A', 'M'};
	n = tpkt(buf, stop, sizeof stop);
	assert_int_equal(yg_s7_parse(buf, n, &m, &an), 0);
	assert_int_equal(m.op, YG_ICS_OP_STOP);
	const uint8_t dl[] = {0x32, 1, 0, 0, 0, 9, 0, 2, 0, 0, 0x1a, 0};
	n = tpkt(buf, dl, sizeof dl);
	assert_int_equal(yg_s7_parse(buf, n, &m, &an), 0);
	assert_int_equal(m.op, YG_ICS_OP_DOWNLOAD);
	const uint8_t pi[] = {0x32, 1, 0, 0, 0, 10, 0, 21, 0, 0, 0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0, 0,
			      9, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M'};
	n = tpkt(buf, pi, sizeof pi);
	assert_int_equal(yg_s7_parse(buf, n, &m, &an), 0);
	assert_string_equal(m.pi_service, "P_PROGRAM");
	assert_int_equal(m.op, YG_ICS_OP_RESTART);
	/* Ack data with an error. */
	const uint8_t ack[] = {0x32, 3, 0, 0, 0, 7, 0, 2, 0, 0, 0x81, 0x04, 0x05, 1};
	n = tpkt(buf, ack, sizeof ack);
	assert_int_equal(yg_s7_parse(buf, n, &m, &an), 0);
	assert_int_equal(m.error_class, 0x81);
	assert_int_equal(m.error_code, 0x04);
	assert_int_equal(m.op, YG_ICS_OP_NONE);
	/* Parameters longer than the PDU: counted, what is there kept. */
	const uint8_t cut[] = {0x32, 1, 0, 0, 0, 1, 0, 40, 0, 0, 0x04, 2};
	n = tpkt(buf, cut, sizeof cut);
	assert_int_equal(yg_s7_parse(buf, n, &m, &an), 0);
	assert_int_equal(an, YG_ANOM_S7_MALFORMED);
	assert_int_equal(m.function, 0x04);
}

static void s7plus_and_framing(void **state)
{
	(void)state;
	struct yg_s7_msg m;
	enum yg_anomaly an = 0;
	uint8_t buf[64];
	const uint8_t plus[] = {0x72, 1, 0, 10, 0x31, 0, 0, 0x05, 0x42, 0, 0, 0, 1, 0x72, 1, 0, 0};
	size_t n = tpkt(buf, plus, sizeof plus);
	assert_int_equal(yg_s7_parse(buf, n, &m, &an), 0);
	assert_int_equal(m.kind, YG_S7_PLUS);
	assert_int_equal(m.plus_function, 0x0542);
	assert_string_equal(yg_s7plus_function_name(0x0542), "SetMultiVariables");
	assert_int_equal(m.op, YG_ICS_OP_WRITE);
	size_t len;
	const uint8_t bad[] = {3, 1, 0, 10};
	assert_int_equal(yg_tpkt_len(bad, sizeof bad, &len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_S7_BAD_COTP);
	const uint8_t huge[] = {3, 0, 0xff, 0xff};
	assert_int_equal(yg_tpkt_len(huge, sizeof huge, &len, &an), -EBADMSG);
	const uint8_t part[] = {3, 0};
	assert_int_equal(yg_tpkt_len(part, sizeof part, &len, &an), -EAGAIN);
	/* A TPKT whose COTP length runs past it. */
	const uint8_t cotp[] = {3, 0, 0, 7, 9, 0xf0, 0x80};
	assert_int_equal(yg_s7_parse(cotp, sizeof cotp, &m, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_S7_BAD_COTP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(iec104_frames),
	    cmocka_unit_test(s7_jobs),
	    cmocka_unit_test(s7plus_and_framing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
