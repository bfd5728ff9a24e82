/*
 * IEC 60870-5-104: APCI (I, S and U frames) and the ASDU header of I
 * frames (IEC 60870-5-101 section 7: type id, variable structure
 * qualifier, cause of transmission, addresses, first information object
 * address).
 */
#ifndef YG_APP_IEC104_H
#define YG_APP_IEC104_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ics.h"
#include "common/anomaly.h"

#define YG_IEC104_APDU_MAX 255u /* start + length(<= 253) + 253 */

struct yg_iec104_apdu {
	char format;              /* 'I', 'S' or 'U' */
	uint16_t send_seq, recv_seq; /* I: both; S: recv_seq */
	uint8_t u_function;       /* U: 0x07 STARTDT act, 0x0b con, 0x13/0x23 STOPDT, 0x43/0x83 TESTFR */
	bool has_asdu;            /* I frame with a whole ASDU header */
	uint8_t type_id;
	uint8_t count;            /* number of information objects (VSQ & 0x7f) */
	bool sequence;            /* VSQ SQ bit */
	uint8_t cause;            /* COT & 0x3f */
	bool negative, test;
	uint8_t originator;
	uint16_t common_address;
	uint32_t ioa;             /* first information object address; valid with count */
	enum yg_ics_op op;        /* from the controlling station */
};

/* Length of the APDU at p: -EAGAIN for fewer than 2 bytes; -EBADMSG
 * (*ret_anom) when it does not start with 0x68 or its length is < 4. */
int yg_iec104_apdu_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom);

/* Parses one whole APDU p[0..len). 0, or -EBADMSG (*ret_anom). An I frame
 * whose ASDU is cut short is returned with has_asdu false and the anomaly. */
int yg_iec104_parse(const uint8_t *p, size_t len, struct yg_iec104_apdu *ret,
		    enum yg_anomaly *ret_anom);

/* "C_SC_NA_1", ...; NULL when not assigned. */
const char *yg_iec104_type_name(uint8_t type_id);
/* "act", "actcon", "spont", ...; NULL when not assigned. */
const char *yg_iec104_cause_name(uint8_t cause);
/* "STARTDT_ACT", ...; NULL otherwise. */
const char *yg_iec104_u_name(uint8_t u);

#endif
