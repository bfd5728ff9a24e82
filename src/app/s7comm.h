/*
 * S7comm (Siemens S7 communication) over ISO-on-TCP: TPKT (RFC 1006),
 * COTP (ISO 8073 class 0), then the S7 PDU; S7comm-plus (S7-1200/1500)
 * is recognised by its protocol id and reported as such.
 */
#ifndef YG_APP_S7COMM_H
#define YG_APP_S7COMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ics.h"
#include "common/anomaly.h"

#define YG_TPKT_MAX 8192u /* S7 negotiates PDUs of at most 960 bytes; room to spare */

enum yg_s7_kind {
	YG_S7_COTP_ONLY, /* connection request/confirm or a COTP PDU with no S7 */
	YG_S7_CLASSIC,   /* protocol id 0x32 */
	YG_S7_PLUS,      /* protocol id 0x72 */
};

struct yg_s7_msg {
	enum yg_s7_kind kind;
	uint8_t cotp_type;    /* 0xe0 CR, 0xd0 CC, 0xf0 DT, ... */
	uint16_t src_tsap, dst_tsap; /* CR/CC: from the parameters, 0 if absent */
	/* S7comm */
	uint8_t rosctr;       /* 1 job, 2 ack, 3 ack_data, 7 userdata */
	uint16_t pdu_ref;
	uint8_t function;     /* first parameter byte (job, ack_data) */
	uint8_t item_count;   /* read/write var */
	uint8_t error_class, error_code; /* ack, ack_data */
	char pi_service[12];  /* PI service name (function 0x28), "" otherwise */
	/* S7comm-plus */
	uint8_t plus_version, plus_opcode;
	uint16_t plus_function;
	enum yg_ics_op op;    /* jobs only */
};

/* Length of the TPKT at p: -EAGAIN for fewer than 4 bytes; -EBADMSG
 * (*ret_anom) when not version 3 or the length is < 7 or over YG_TPKT_MAX. */
int yg_tpkt_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom);

/* Parses one whole TPKT p[0..len). 0, or -EBADMSG (*ret_anom). */
int yg_s7_parse(const uint8_t *p, size_t len, struct yg_s7_msg *ret, enum yg_anomaly *ret_anom);

/* "job", "ack", "ack_data", "userdata"; NULL otherwise. */
const char *yg_s7_rosctr_name(uint8_t r);
/* "read_var", "write_var", "request_download", "plc_stop", ...; NULL. */
const char *yg_s7_function_name(uint8_t f);
/* "GetMultiVariables", ...; NULL when not known. */
const char *yg_s7plus_function_name(uint16_t f);

#endif
