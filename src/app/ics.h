/*
 * What an industrial-control message asks a controller to do, in the
 * classes a site policy speaks of (detect/ics_policy.h). Every ICS parser
 * (modbus.c, dnp3.c, iec104.c, s7comm.c) maps its function codes onto
 * these, so the policy and its alerts need not know any protocol.
 *
 * Ordered from harmless to drastic; a message has exactly one class, the
 * most drastic thing it does.
 */
#ifndef YG_APP_ICS_H
#define YG_APP_ICS_H

#include <stdbool.h>
#include <stddef.h>

enum yg_ics_op {
	YG_ICS_OP_NONE = 0, /* a response, or nothing a policy controls */
	YG_ICS_OP_READ,     /* read values, identification, upload of a program */
	YG_ICS_OP_WRITE,    /* change a value in the controller's memory */
	YG_ICS_OP_OPERATE,  /* drive an output: select/operate, commands, set points */
	YG_ICS_OP_RESTART,  /* cold/warm restart, reset process, comm restart */
	YG_ICS_OP_DOWNLOAD, /* program, firmware or file download to the controller */
	YG_ICS_OP_STOP,     /* stop the controller (PLC stop, listen-only mode) */
	YG_ICS_OP__COUNT
};

/* "read", "write", ... ; "none" for YG_ICS_OP_NONE. */
const char *yg_ics_op_name(enum yg_ics_op op);

/* Parses a class name (exact, lower case) from s[0..n); false if unknown. */
bool yg_ics_op_parse(const char *s, size_t n, enum yg_ics_op *ret);

/* The ICS protocols, for policies and alerts. */
enum yg_ics_proto {
	YG_ICS_MODBUS,
	YG_ICS_DNP3,
	YG_ICS_IEC104,
	YG_ICS_S7COMM,
	YG_ICS_PROTO__COUNT
};

const char *yg_ics_proto_name(enum yg_ics_proto p);
bool yg_ics_proto_parse(const char *s, size_t n, enum yg_ics_proto *ret);

#endif
