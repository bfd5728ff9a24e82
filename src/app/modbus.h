/*
 * Modbus/TCP parser (Modbus Application Protocol V1.1b3; Modbus Messaging
 * on TCP/IP Implementation Guide V1.0b): one ADU (MBAP header and PDU) at
 * a time, from either side. Results are copied into the fixed-size struct,
 * so nothing borrows the packet afterwards.
 *
 * Write values and response data are kept up to YG_MODBUS_DATA_MAX bytes
 * (data_cut says more were on the wire): enough to see what was written,
 * bounded whatever the sender claims.
 */
#ifndef YG_APP_MODBUS_H
#define YG_APP_MODBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ics.h"
#include "common/anomaly.h"

#define YG_MODBUS_MBAP_LEN 7u
#define YG_MODBUS_ADU_MAX  260u /* MBAP (7) + PDU (253) */
#define YG_MODBUS_DATA_MAX 32u

/* Which of the optional fields below a message carries. */
#define YG_MODBUS_HAS_READ   0x01u /* read_address, read_quantity */
#define YG_MODBUS_HAS_WRITE  0x02u /* write_address, write_quantity */
#define YG_MODBUS_HAS_VALUE  0x04u /* write_value: a single coil/register write, or a mask */
#define YG_MODBUS_HAS_DIAG   0x08u /* diag_sub (function 8) */
#define YG_MODBUS_HAS_MEI    0x10u /* mei_type, devid_code, devid_object (function 43) */
#define YG_MODBUS_HAS_DATA   0x20u /* data[]: written values, or a response's data */
#define YG_MODBUS_HAS_UMAS   0x40u /* umas_code (function 90, Schneider UMAS) */

struct yg_modbus_msg {
	uint16_t transaction_id, protocol_id, length;
	uint8_t unit_id;
	uint8_t function_raw; /* as on the wire, exception bit included */
	uint8_t function;     /* without the exception bit */
	bool exception;       /* a response with the 0x80 bit set */
	uint8_t exception_code;
	uint8_t has;          /* YG_MODBUS_HAS_* */
	uint16_t read_address, read_quantity;
	uint16_t write_address, write_quantity, write_value;
	uint16_t diag_sub;
	uint8_t mei_type, devid_code, devid_object;
	uint8_t umas_code;
	uint8_t data_len;     /* bytes in data[] */
	bool data_cut;        /* the message had more than YG_MODBUS_DATA_MAX bytes */
	uint8_t data[YG_MODBUS_DATA_MAX];
	enum yg_ics_op op;    /* requests only; YG_ICS_OP_NONE for responses */
};

/*
 * Length of the ADU at p[0..n): -EAGAIN when fewer than 7 bytes are there,
 * -EBADMSG (and *ret_anom) when the MBAP header cannot be Modbus (protocol
 * id not 0, length under 2 or over 254), else 0 with *ret_len = 6 + length.
 */
int yg_modbus_adu_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom);

/*
 * Parses one whole ADU p[0..len) (len from yg_modbus_adu_len) sent by the
 * client (request) or the server. Returns 0 when it is Modbus; oddities
 * that still leave a usable message (a quantity out of range, an unknown
 * exception code, a PDU shorter than its function needs) set *ret_anom
 * (the first one) and keep the fields that were read. -EBADMSG when the
 * header is not Modbus. ret_anom may be NULL; YG_ANOM__COUNT when clean.
 */
int yg_modbus_parse(const uint8_t *p, size_t len, bool request, struct yg_modbus_msg *ret,
		    enum yg_anomaly *ret_anom);

/* Whether the client's first bytes look like a Modbus/TCP request: for
 * detection off port 502. */
bool yg_modbus_detect(const uint8_t *p, size_t n);

/* Suricata's names: "RdCoils", ...; "Unknown" when not assigned. */
const char *yg_modbus_function_name(uint8_t function);
/* "PUBLIC_ASSIGNED", "PUBLIC_UNASSIGNED", "USER_DEFINED", "RESERVED". */
const char *yg_modbus_category_name(uint8_t function);
/* "READ | COILS", ...; "NONE" when the function touches no data model. */
const char *yg_modbus_access_name(uint8_t function);
/* "IllegalFunction", ...; "Unknown" otherwise. */
const char *yg_modbus_exception_name(uint8_t code);
/* Diagnostic sub-function names ("RetQueryData", ...); "Reserved" otherwise. */
const char *yg_modbus_diag_name(uint16_t sub);
/* MEI types: "CANOpenGenReqResp", "RdDevId"; "Unknown" otherwise. */
const char *yg_modbus_mei_name(uint8_t type);

#endif
