/*
 * Modbus/TCP: Modbus Application Protocol Specification V1.1b3 and Modbus
 * Messaging on TCP/IP Implementation Guide V1.0b (MBAP header).
 *
 *   ADU:  +----------------+-------------+--------+---------+----------+
 *         | transaction id | protocol id | length | unit id | PDU      |
 *         | 2              | 2 (0)       | 2      | 1       | length-1 |
 *         +----------------+-------------+--------+---------+----------+
 *   PDU:  function code (1) | data (0..252)
 *         a response with function | 0x80 is an exception: code (1)
 *
 *   reads    (1-4)   request: address(2) quantity(2)
 *                    response: byte count(1) values
 *   write    (5, 6)  address(2) value(2), echoed by the response
 *   writes   (15,16) request: address(2) quantity(2) byte count(1) values
 *                    response: address(2) quantity(2)
 *   mask     (22)    address(2) and-mask(2) or-mask(2)
 *   rd/wr    (23)    read address, read quantity, write address,
 *                    write quantity, byte count, values
 *   diag     (8)     sub-function(2) data
 *   MEI      (43)    type(1); type 14 (read device id): code(1) object(1)
 *   UMAS     (90)    Schneider's engineering protocol: session(1) code(1)
 *
 * Decisions:
 *  - Names are Suricata's (sawp-modbus): "RdHoldRegs", "PUBLIC_ASSIGNED",
 *    "READ | HOLDING", so rules and dashboards written for Suricata's
 *    modbus events read ours.
 *  - A PDU that breaks its function's rules (quantity out of range, byte
 *    count not matching) is still reported with what was read, and the
 *    anomaly counted: an attacker's malformed write is exactly what a
 *    defender wants to see.
 *  - Each request has an operation class (ics.h). Functions whose effect
 *    is unknown (unassigned, user-defined) count as writes: a policy that
 *    allows only reads must not let them through.
 */
#include "app/modbus.h"

#include <errno.h>
#include <string.h>

#include "common/cursor.h"

/* Access flags, printed as sawp-modbus prints its AccessType. */
#define A_READ     0x01u
#define A_WRITE    0x02u
#define A_DISCRETE 0x04u
#define A_COILS    0x08u
#define A_INPUT    0x10u
#define A_HOLDING  0x20u
#define A_SINGLE   0x40u
#define A_MULTIPLE 0x80u

enum cat { C_UNASSIGNED, C_ASSIGNED, C_USER, C_RESERVED };

struct func {
	const char *name;
	uint8_t access;
	uint8_t op; /* enum yg_ics_op of a request */
};

/* Indexed by function code; unnamed rows are not assigned. */
static const struct func funcs[128] = {
    [1] = {"RdCoils", A_READ | A_COILS, YG_ICS_OP_READ},
    [2] = {"RdDiscreteInputs", A_READ | A_DISCRETE, YG_ICS_OP_READ},
    [3] = {"RdHoldRegs", A_READ | A_HOLDING, YG_ICS_OP_READ},
    [4] = {"RdInputRegs", A_READ | A_INPUT, YG_ICS_OP_READ},
    [5] = {"WrSingleCoil", A_WRITE | A_SINGLE | A_COILS, YG_ICS_OP_WRITE},
    [6] = {"WrSingleReg", A_WRITE | A_SINGLE | A_HOLDING, YG_ICS_OP_WRITE},
    [7] = {"RdExcStatus", 0, YG_ICS_OP_READ},
    [8] = {"Diagnostic", 0, YG_ICS_OP_READ},
    [9] = {"Program484", 0, YG_ICS_OP_DOWNLOAD},
    [10] = {"Poll484", 0, YG_ICS_OP_READ},
    [11] = {"GetCommEventCtr", 0, YG_ICS_OP_READ},
    [12] = {"GetCommEventLog", 0, YG_ICS_OP_READ},
    [13] = {"ProgramController", 0, YG_ICS_OP_DOWNLOAD},
    [14] = {"PollController", 0, YG_ICS_OP_READ},
    [15] = {"WrMultCoils", A_WRITE | A_MULTIPLE | A_COILS, YG_ICS_OP_WRITE},
    [16] = {"WrMultRegs", A_WRITE | A_MULTIPLE | A_HOLDING, YG_ICS_OP_WRITE},
    [17] = {"ReportServerID", 0, YG_ICS_OP_READ},
    [18] = {"Program884", 0, YG_ICS_OP_DOWNLOAD},
    [19] = {"ResetCommLink", 0, YG_ICS_OP_RESTART},
    [20] = {"RdFileRec", 0, YG_ICS_OP_READ},
    [21] = {"WrFileRec", 0, YG_ICS_OP_WRITE},
    [22] = {"MaskWrReg", A_WRITE | A_SINGLE | A_HOLDING, YG_ICS_OP_WRITE},
    [23] = {"RdWrMultRegs", A_READ | A_WRITE | A_MULTIPLE | A_HOLDING, YG_ICS_OP_WRITE},
    [24] = {"RdFIFOQueue", A_READ | A_HOLDING, YG_ICS_OP_READ},
    [43] = {"MEI", 0, YG_ICS_OP_READ},
    [90] = {"UMAS", 0, YG_ICS_OP_READ},
};

static enum cat category(uint8_t f)
{
	f &= 0x7f;
	if ((f >= 65 && f <= 72) || (f >= 100 && f <= 110))
		return C_USER;
	if (f == 9 || f == 10 || f == 13 || f == 14 || f == 41 || f == 42 || f == 90 ||
	    f == 91 || f == 125 || f == 126 || f == 127)
		return C_RESERVED;
	if (funcs[f].name)
		return C_ASSIGNED;
	return C_UNASSIGNED;
}

const char *yg_modbus_function_name(uint8_t function)
{
	const char *n = funcs[function & 0x7f].name;
	return n ? n : "Unknown";
}

const char *yg_modbus_category_name(uint8_t function)
{
	static const char *const names[] = {"PUBLIC_UNASSIGNED", "PUBLIC_ASSIGNED",
					    "USER_DEFINED", "RESERVED"};
	return names[category(function)];
}

const char *yg_modbus_access_name(uint8_t function)
{
	/* Every combination the table uses, spelled once. */
	switch (funcs[function & 0x7f].access) {
	case A_READ | A_COILS: return "READ | COILS";
	case A_READ | A_DISCRETE: return "READ | DISCRETES";
	case A_READ | A_HOLDING: return "READ | HOLDING";
	case A_READ | A_INPUT: return "READ | INPUT";
	case A_WRITE | A_SINGLE | A_COILS: return "WRITE | SINGLE | COILS";
	case A_WRITE | A_SINGLE | A_HOLDING: return "WRITE | SINGLE | HOLDING";
	case A_WRITE | A_MULTIPLE | A_COILS: return "WRITE | MULTIPLE | COILS";
	case A_WRITE | A_MULTIPLE | A_HOLDING: return "WRITE | MULTIPLE | HOLDING";
	case A_READ | A_WRITE | A_MULTIPLE | A_HOLDING: return "READ | WRITE | MULTIPLE | HOLDING";
	default: return "NONE";
	}
}

const char *yg_modbus_exception_name(uint8_t code)
{
	switch (code) {
	case 1: return "IllegalFunction";
	case 2: return "IllegalDataAddr";
	case 3: return "IllegalDataValue";
	case 4: return "ServerDeviceFail";
	case 5: return "Ack";
	case 6: return "ServerDeviceBusy";
	case 8: return "MemParityErr";
	case 10: return "GatewayPathUnavailable";
	case 11: return "GatewayTargetFailToResp";
	default: return "Unknown";
	}
}

const char *yg_modbus_diag_name(uint16_t sub)
{
	static const char *const names[] = {
	    [0] = "RetQueryData",          [1] = "RestartCommOpt",
	    [2] = "RetDiagReg",            [3] = "ChangeInputDelimiter",
	    [4] = "ForceListenOnlyMode",   [10] = "ClearCtrDiagReg",
	    [11] = "RetBusMsgCount",       [12] = "RetBusCommErrCount",
	    [13] = "RetBusExcErrCount",    [14] = "RetServerMsgCount",
	    [15] = "RetServerNoRespCount", [16] = "RetServerNAKCount",
	    [17] = "RetServerBusyCount",   [18] = "RetBusCharOverrunCount",
	    [20] = "ClearOverrunCounterFlag",
	};
	if (sub < sizeof names / sizeof names[0] && names[sub])
		return names[sub];
	return "Reserved";
}

const char *yg_modbus_mei_name(uint8_t type)
{
	switch (type) {
	case 13: return "CANOpenGenReqResp";
	case 14: return "RdDevId";
	default: return "Unknown";
	}
}

static void note(enum yg_anomaly *an, enum yg_anomaly a)
{
	if (*an == YG_ANOM__COUNT)
		*an = a;
}

/* Keeps the first YG_MODBUS_DATA_MAX bytes of what is left in c. */
static void keep_data(struct yg_modbus_msg *m, struct yg_cur *c)
{
	size_t n = yg_cur_left(c);
	size_t k = n < YG_MODBUS_DATA_MAX ? n : YG_MODBUS_DATA_MAX;
	memcpy(m->data, yg_cur_ptr(c), k);
	m->data_len = (uint8_t)k;
	m->data_cut = n > k;
	m->has |= YG_MODBUS_HAS_DATA;
	c->off = c->len;
}

/* Diagnostics that restart or silence the device are not reads. */
static enum yg_ics_op diag_op(uint16_t sub)
{
	switch (sub) {
	case 1: return YG_ICS_OP_RESTART;
	case 4: return YG_ICS_OP_STOP;
	case 10:
	case 20: return YG_ICS_OP_WRITE; /* clears counters */
	default: return YG_ICS_OP_READ;
	}
}

/* UMAS codes (Schneider Electric's Unity engineering protocol inside
 * function 90): the strategy transfers from the PC to the PLC, start and
 * stop are what matters to a policy. */
static enum yg_ics_op umas_op(uint8_t code)
{
	switch (code) {
	case 0x30: case 0x31: case 0x32: return YG_ICS_OP_DOWNLOAD;
	case 0x40: return YG_ICS_OP_RESTART;
	case 0x41: return YG_ICS_OP_STOP;
	case 0x23: case 0x25: return YG_ICS_OP_WRITE;
	default: return YG_ICS_OP_READ;
	}
}

/* Quantities a request may name (Modbus Application Protocol v1.1b3,
 * section 6): at least one, at most what fits a 253-byte PDU. */
static bool qty_in(uint16_t q, uint16_t max)
{
	return q >= 1 && q <= max;
}

static bool qty_ok(uint8_t f, uint16_t q)
{
	switch (f) {
	case 1: case 2: return qty_in(q, 2000);
	case 3: case 4: return qty_in(q, 125);
	case 15: return qty_in(q, 1968);
	case 16: return qty_in(q, 123);
	default: return true;
	}
}

/*
 * The parts requests and responses share: a single write (functions 5
 * and 6: address, value; a response echoes the request), a diagnostic's
 * sub-function and a UMAS code, each with what follows kept. False when
 * the PDU is too short for them.
 */
static bool single_write(struct yg_modbus_msg *m, struct yg_cur *c)
{
	if (!yg_cur_be16(c, &m->write_address) || !yg_cur_be16(c, &m->write_value))
		return false;
	m->write_quantity = 1;
	m->has |= YG_MODBUS_HAS_WRITE | YG_MODBUS_HAS_VALUE;
	return true;
}

static bool diagnostic(struct yg_modbus_msg *m, struct yg_cur *c)
{
	if (!yg_cur_be16(c, &m->diag_sub))
		return false;
	m->has |= YG_MODBUS_HAS_DIAG;
	keep_data(m, c);
	return true;
}

static bool umas(struct yg_modbus_msg *m, struct yg_cur *c)
{
	uint8_t session;
	if (!yg_cur_u8(c, &session) || !yg_cur_u8(c, &m->umas_code))
		return false;
	m->has |= YG_MODBUS_HAS_UMAS;
	keep_data(m, c);
	return true;
}

/* request() and response() read the PDU after the function code; false
 * when it is too short for its function. The caller checks what is left. */
static bool request(struct yg_modbus_msg *m, struct yg_cur *c, enum yg_anomaly *an)
{
	uint8_t f = m->function;
	uint8_t bc;
	m->op = funcs[f].name ? (enum yg_ics_op)funcs[f].op : YG_ICS_OP_WRITE;
	switch (f) {
	case 1: case 2: case 3: case 4:
		if (!yg_cur_be16(c, &m->read_address) || !yg_cur_be16(c, &m->read_quantity))
			goto short_pdu;
		m->has |= YG_MODBUS_HAS_READ;
		if (!qty_ok(f, m->read_quantity))
			note(an, YG_ANOM_MODBUS_BAD_VALUE);
		break;
	case 5: case 6:
		if (!single_write(m, c))
			goto short_pdu;
		if (f == 5 && m->write_value != 0 && m->write_value != 0xff00)
			note(an, YG_ANOM_MODBUS_BAD_VALUE);
		break;
	case 15: case 16:
		if (!yg_cur_be16(c, &m->write_address) || !yg_cur_be16(c, &m->write_quantity) ||
		    !yg_cur_u8(c, &bc))
			goto short_pdu;
		m->has |= YG_MODBUS_HAS_WRITE;
		if (!qty_ok(f, m->write_quantity) ||
		    bc != (f == 15 ? (m->write_quantity + 7u) / 8u : m->write_quantity * 2u))
			note(an, YG_ANOM_MODBUS_BAD_VALUE);
		if (yg_cur_left(c) != bc)
			note(an, YG_ANOM_MODBUS_BAD_LENGTH);
		keep_data(m, c);
		break;
	case 22:
		if (!yg_cur_be16(c, &m->write_address) || yg_cur_left(c) < 4)
			goto short_pdu;
		m->write_quantity = 1;
		m->has |= YG_MODBUS_HAS_WRITE;
		keep_data(m, c); /* and-mask, or-mask */
		break;
	case 23:
		if (!yg_cur_be16(c, &m->read_address) || !yg_cur_be16(c, &m->read_quantity) ||
		    !yg_cur_be16(c, &m->write_address) || !yg_cur_be16(c, &m->write_quantity) ||
		    !yg_cur_u8(c, &bc))
			goto short_pdu;
		m->has |= YG_MODBUS_HAS_READ | YG_MODBUS_HAS_WRITE;
		if (!qty_in(m->read_quantity, 125) || !qty_in(m->write_quantity, 121) ||
		    bc != m->write_quantity * 2u)
			note(an, YG_ANOM_MODBUS_BAD_VALUE);
		keep_data(m, c);
		break;
	case 8:
		if (!diagnostic(m, c))
			goto short_pdu;
		m->op = diag_op(m->diag_sub);
		break;
	case 43:
		if (!yg_cur_u8(c, &m->mei_type))
			goto short_pdu;
		m->has |= YG_MODBUS_HAS_MEI;
		if (m->mei_type == 14) {
			if (!yg_cur_u8(c, &m->devid_code) || !yg_cur_u8(c, &m->devid_object))
				goto short_pdu;
			if (m->devid_code < 1 || m->devid_code > 4)
				note(an, YG_ANOM_MODBUS_BAD_VALUE);
		} else {
			m->op = YG_ICS_OP_WRITE; /* CANopen requests may write */
			keep_data(m, c);
		}
		break;
	case 90:
		if (!umas(m, c))
			goto short_pdu;
		m->op = umas_op(m->umas_code);
		break;
	case 7: case 11: case 12: case 17:
		break;
	case 24:
		if (!yg_cur_be16(c, &m->read_address))
			goto short_pdu;
		m->has |= YG_MODBUS_HAS_READ;
		break;
	default:
		if (!funcs[f].name && category(f) != C_USER)
			note(an, YG_ANOM_MODBUS_BAD_FUNCTION);
		keep_data(m, c);
		break;
	}
	return true;
short_pdu:
	return false;
}

static bool response(struct yg_modbus_msg *m, struct yg_cur *c, enum yg_anomaly *an)
{
	uint8_t f = m->function;
	uint8_t bc;
	if (m->exception) {
		if (!yg_cur_u8(c, &m->exception_code))
			return false;
		if (!strcmp(yg_modbus_exception_name(m->exception_code), "Unknown"))
			note(an, YG_ANOM_MODBUS_BAD_EXCEPTION);
		return true;
	}
	switch (f) {
	case 1: case 2: case 3: case 4: case 23:
		if (!yg_cur_u8(c, &bc))
			goto short_pdu;
		if (yg_cur_left(c) != bc)
			note(an, YG_ANOM_MODBUS_BAD_LENGTH);
		keep_data(m, c);
		break;
	case 5: case 6:
		if (!single_write(m, c))
			goto short_pdu;
		break;
	case 15: case 16:
		if (!yg_cur_be16(c, &m->write_address) || !yg_cur_be16(c, &m->write_quantity))
			goto short_pdu;
		m->has |= YG_MODBUS_HAS_WRITE;
		break;
	case 8:
		if (!diagnostic(m, c))
			goto short_pdu;
		break;
	case 43:
		if (!yg_cur_u8(c, &m->mei_type))
			goto short_pdu;
		m->has |= YG_MODBUS_HAS_MEI;
		if (m->mei_type == 14 &&
		    (!yg_cur_u8(c, &m->devid_code) || !yg_cur_u8(c, &m->devid_object)))
			goto short_pdu;
		keep_data(m, c);
		break;
	case 90:
		if (!umas(m, c))
			goto short_pdu;
		break;
	default:
		keep_data(m, c);
		break;
	}
	return true;
short_pdu:
	return false;
}

int yg_modbus_adu_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom)
{
	if (n < YG_MODBUS_MBAP_LEN)
		return -EAGAIN;
	uint16_t proto = yg_load_be16(p + 2), len = yg_load_be16(p + 4);
	if (proto != 0 || len < 2 || len > YG_MODBUS_ADU_MAX - 6) {
		if (ret_anom)
			*ret_anom = proto != 0 ? YG_ANOM_MODBUS_BAD_PROTOCOL : YG_ANOM_MODBUS_BAD_LENGTH;
		return -EBADMSG;
	}
	*ret_len = 6u + len;
	return 0;
}

int yg_modbus_parse(const uint8_t *p, size_t len, bool is_request, struct yg_modbus_msg *ret,
		    enum yg_anomaly *ret_anom)
{
	enum yg_anomaly an = YG_ANOM__COUNT;
	struct yg_cur c;
	size_t adu;
	int r = yg_modbus_adu_len(p, len, &adu, &an);
	if (r == -EAGAIN)
		an = YG_ANOM_MODBUS_BAD_LENGTH;
	if (r < 0 || adu != len) {
		if (r == 0)
			an = YG_ANOM_MODBUS_BAD_LENGTH;
		if (ret_anom)
			*ret_anom = an;
		return -EBADMSG;
	}
	bool whole;
	memset(ret, 0, sizeof *ret);
	yg_cur_init(&c, p, len);
	/* The MBAP header and function code are there: len >= 8. */
	(void)yg_cur_be16(&c, &ret->transaction_id);
	(void)yg_cur_be16(&c, &ret->protocol_id);
	(void)yg_cur_be16(&c, &ret->length);
	(void)yg_cur_u8(&c, &ret->unit_id);
	(void)yg_cur_u8(&c, &ret->function_raw);
	ret->function = ret->function_raw & 0x7f;
	if (is_request) {
		if (ret->function_raw & 0x80 || ret->function == 0)
			note(&an, YG_ANOM_MODBUS_BAD_FUNCTION);
		whole = request(ret, &c, &an);
	} else {
		ret->exception = ret->function_raw & 0x80;
		whole = response(ret, &c, &an);
	}
	if (!whole || yg_cur_left(&c))
		note(&an, YG_ANOM_MODBUS_BAD_LENGTH);
	if (ret_anom)
		*ret_anom = an;
	return 0;
}

bool yg_modbus_detect(const uint8_t *p, size_t n)
{
	/* Strict off port 502: a whole ADU of an assigned function in the
	 * first segment, so text protocols are not taken for Modbus. */
	if (n < YG_MODBUS_MBAP_LEN + 1)
		return false;
	size_t adu;
	if (yg_modbus_adu_len(p, n, &adu, NULL) < 0 || adu != n)
		return false;
	uint8_t f = p[7];
	return f < 0x80 && funcs[f].name != NULL && category(f) == C_ASSIGNED;
}
