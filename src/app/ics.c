/* Names of the ICS operation classes and protocols (ics.h): data in
 * tables, so adding a class is one row. */
#include "app/ics.h"

#include <string.h>

static const char *const op_names[YG_ICS_OP__COUNT] = {
    "none", "read", "write", "operate", "restart", "download", "stop",
};

static const char *const proto_names[YG_ICS_PROTO__COUNT] = {
    "modbus", "dnp3", "iec104", "s7comm",
};

const char *yg_ics_op_name(enum yg_ics_op op)
{
	return (unsigned)op < YG_ICS_OP__COUNT ? op_names[op] : "none";
}

static bool lookup(const char *const *names, unsigned n_names, const char *s, size_t n,
		   unsigned *ret)
{
	for (unsigned i = 0; i < n_names; i++)
		if (strlen(names[i]) == n && !memcmp(names[i], s, n)) {
			*ret = i;
			return true;
		}
	return false;
}

bool yg_ics_op_parse(const char *s, size_t n, enum yg_ics_op *ret)
{
	unsigned i;
	/* "none" is not a class a rule can allow. */
	if (!lookup(op_names, YG_ICS_OP__COUNT, s, n, &i) || i == YG_ICS_OP_NONE)
		return false;
	*ret = (enum yg_ics_op)i;
	return true;
}

const char *yg_ics_proto_name(enum yg_ics_proto p)
{
	return (unsigned)p < YG_ICS_PROTO__COUNT ? proto_names[p] : "unknown";
}

bool yg_ics_proto_parse(const char *s, size_t n, enum yg_ics_proto *ret)
{
	unsigned i;
	if (!lookup(proto_names, YG_ICS_PROTO__COUNT, s, n, &i))
		return false;
	*ret = (enum yg_ics_proto)i;
	return true;
}
