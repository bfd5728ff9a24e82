/*
 * DNP3 point layouts, IEEE 1815-2012 annex A (object library): what one
 * point of a group and variation holds, field by field, in wire order
 * (little-endian), and the names Suricata's EVE gives each field.
 *
 *   g1v2 binary input with flags:   | flags |
 *   g20v1 32-bit counter with flag: | flags | count (4) |
 *   g32v7 float analog event+time:  | flags | value (f32) | time (6, ms) |
 *   g12v1 CROB:  | code | count | on-time (4) | off-time (4) | status |
 *   packed (g1v1, g3v1, g10v1, g12v3, g80v1): 1 or 2 bits a point, the
 *                first point in the low bits of the first octet.
 *
 * Decisions:
 *  - Data in one table, not a switch per object: the walker in dnp3.c
 *    takes a point's size from here, and eve_dnp3.c names its fields from
 *    the same row, so the two cannot disagree.
 *  - A flag octet is one field whose bits are named (online, restart, ...)
 *    rather than eight fields: points stay small (YG_DNP3_POINT_FIELDS).
 *  - Counter flags: bit 5 is rollover in every variation; bits 6-7 are
 *    discontinuity/reserved0 for plain counters and reserved0/reserved1
 *    for the obsolete delta ones, as Suricata names them.
 *  - Groups whose points are files, strings or security data (70, 83,
 *    120, ...) are not here: their points are walked by size prefix and
 *    not decoded.
 */
#include <stddef.h>

#include "app/dnp3.h"

#define BIT(n, s, w) {n, s, w}
#define END {NULL, 0, 0}

/* Bits 0-4 of every flag octet; 5-7 differ by kind of point. */
#define FLAGS_0_4                                                              \
	BIT("online", 0, 1), BIT("restart", 1, 1), BIT("comm_lost", 2, 1),   \
	BIT("remote_forced", 3, 1), BIT("local_forced", 4, 1)

static const struct yg_dnp3_bits bi_flags[] = {
    FLAGS_0_4, BIT("chatter_filter", 5, 1), BIT("reserved", 6, 1), BIT("state", 7, 1), END};
static const struct yg_dnp3_bits dbi_flags[] = {
    FLAGS_0_4, BIT("chatter_filter", 5, 1), BIT("state", 6, 2), END};
static const struct yg_dnp3_bits bo_flags[] = {
    FLAGS_0_4, BIT("reserved0", 5, 1), BIT("reserved1", 6, 1), BIT("state", 7, 1), END};
static const struct yg_dnp3_bits cnt_flags[] = {
    FLAGS_0_4, BIT("rollover", 5, 1), BIT("discontinuity", 6, 1), BIT("reserved0", 7, 1), END};
static const struct yg_dnp3_bits delta_flags[] = {
    FLAGS_0_4, BIT("rollover", 5, 1), BIT("reserved0", 6, 1), BIT("reserved1", 7, 1), END};
static const struct yg_dnp3_bits ai_flags[] = {
    FLAGS_0_4, BIT("over_range", 5, 1), BIT("reference_err", 6, 1), BIT("reserved0", 7, 1), END};
static const struct yg_dnp3_bits crob_code[] = {
    BIT("op_type", 0, 4), BIT("qu", 4, 1), BIT("cr", 5, 1), BIT("tcc", 6, 2), END};
static const struct yg_dnp3_bits crob_status[] = {BIT("status_code", 0, 7), BIT("reserved", 7, 1), END};
static const struct yg_dnp3_bits cmd_status[] = {
    BIT("status_code", 0, 7), BIT("commanded_state", 7, 1), END};
static const struct yg_dnp3_bits ao_status[] = {BIT("status_code", 0, 7), BIT("reserved0", 7, 1), END};

#define FL(set) {YG_DNP3_F_U8, NULL, set}
#define F(t, n) {YG_DNP3_F_##t, n, NULL}
#define TIME F(T48, "timestamp")

/* Packed points: size 0, bits per point, the one name. */
#define PACKED(g, v, b, n) {g, v, 0, b, 1, {F(U8, n)}}
/* Variadic, so a field that is itself a macro (TIME) stays one field for
 * every preprocessor (cppcheck's counted its commas). */
#define ROW1(g, v, sz, ...) {g, v, sz, 0, 1, {__VA_ARGS__}}
#define ROW2(g, v, sz, ...) {g, v, sz, 0, 2, {__VA_ARGS__}}
#define ROW3(g, v, sz, ...) {g, v, sz, 0, 3, {__VA_ARGS__}}

/* Analog-like variations 1..8 with flags (events, commands, status). */
#define AEVENTS(g, fl, name)                                                   \
	ROW2(g, 1, 5, FL(fl), F(I32, name)), ROW2(g, 2, 3, FL(fl), F(I16, name)), \
	ROW3(g, 3, 11, FL(fl), F(I32, name), TIME),                                \
	ROW3(g, 4, 9, FL(fl), F(I16, name), TIME), ROW2(g, 5, 5, FL(fl), F(F32, name)), \
	ROW2(g, 6, 9, FL(fl), F(F64, name)), ROW3(g, 7, 11, FL(fl), F(F32, name), TIME), \
	ROW3(g, 8, 15, FL(fl), F(F64, name), TIME)
/* Counter events and frozen counter events, variations 1..8. */
#define CEVENTS(g)                                                                   \
	ROW2(g, 1, 5, FL(cnt_flags), F(U32, "count")),                                \
	ROW2(g, 2, 3, FL(cnt_flags), F(U16, "count")),                                \
	ROW2(g, 3, 5, FL(delta_flags), F(U32, "count")),                              \
	ROW2(g, 4, 3, FL(delta_flags), F(U16, "count")),                              \
	ROW3(g, 5, 11, FL(cnt_flags), F(U32, "count"), TIME),                         \
	ROW3(g, 6, 9, FL(cnt_flags), F(U16, "count"), TIME),                          \
	ROW3(g, 7, 11, FL(delta_flags), F(U32, "count"), TIME),                       \
	ROW3(g, 8, 9, FL(delta_flags), F(U16, "count"), TIME)

static const struct yg_dnp3_layout layouts[] = {
    /* binary inputs and their events */
    PACKED(1, 1, 1, "state"),
    ROW1(1, 2, 1, FL(bi_flags)),
    ROW1(2, 1, 1, F(U8, "state")), /* Suricata logs the whole flag octet */
    ROW2(2, 2, 7, FL(bi_flags), TIME),
    ROW2(2, 3, 3, FL(bi_flags), F(U16, "relative_time_ms")),
    /* double-bit inputs */
    PACKED(3, 1, 2, "state"),
    ROW1(3, 2, 1, FL(dbi_flags)),
    ROW1(4, 1, 1, FL(dbi_flags)),
    ROW2(4, 2, 7, FL(dbi_flags), TIME),
    ROW2(4, 3, 3, FL(dbi_flags), F(U16, "relative_time_ms")),
    /* binary outputs, events, commands */
    PACKED(10, 1, 1, "state"),
    ROW1(10, 2, 1, FL(bo_flags)),
    ROW1(11, 1, 1, FL(bo_flags)),
    ROW2(11, 2, 7, FL(bo_flags), TIME),
    {12, 1, 11, 0, 5, {FL(crob_code), F(U8, "count"), F(U32, "ontime"), F(U32, "offtime"), FL(crob_status)}},
    {12, 2, 11, 0, 5, {FL(crob_code), F(U8, "count"), F(U32, "ontime"), F(U32, "offtime"), FL(crob_status)}},
    PACKED(12, 3, 1, "point"),
    ROW1(13, 1, 1, FL(cmd_status)),
    ROW2(13, 2, 7, FL(cmd_status), TIME),
    /* counters and frozen counters */
    ROW2(20, 1, 5, FL(cnt_flags), F(U32, "count")),
    ROW2(20, 2, 3, FL(cnt_flags), F(U16, "count")),
    ROW2(20, 3, 5, FL(delta_flags), F(U32, "count")),
    ROW2(20, 4, 3, FL(delta_flags), F(U16, "count")),
    ROW1(20, 5, 4, F(U32, "count")),
    ROW1(20, 6, 2, F(U16, "count")),
    ROW1(20, 7, 4, F(U32, "count")),
    ROW1(20, 8, 2, F(U16, "count")),
    CEVENTS(21),
    ROW1(21, 9, 4, F(U32, "count")),
    ROW1(21, 10, 2, F(U16, "count")),
    ROW1(21, 11, 4, F(U32, "count")),
    ROW1(21, 12, 2, F(U16, "count")),
    CEVENTS(22),
    CEVENTS(23),
    /* analog inputs, frozen, events, deadbands */
    ROW2(30, 1, 5, FL(ai_flags), F(I32, "value")),
    ROW2(30, 2, 3, FL(ai_flags), F(I16, "value")),
    ROW1(30, 3, 4, F(I32, "value")),
    ROW1(30, 4, 2, F(I16, "value")),
    ROW2(30, 5, 5, FL(ai_flags), F(F32, "value")),
    ROW2(30, 6, 9, FL(ai_flags), F(F64, "value")),
    ROW2(31, 1, 5, FL(ai_flags), F(I32, "value")),
    ROW2(31, 2, 3, FL(ai_flags), F(I16, "value")),
    ROW3(31, 3, 11, FL(ai_flags), F(I32, "value"), TIME),
    ROW3(31, 4, 9, FL(ai_flags), F(I16, "value"), TIME),
    ROW1(31, 5, 4, F(I32, "value")),
    ROW1(31, 6, 2, F(I16, "value")),
    ROW2(31, 7, 5, FL(ai_flags), F(F32, "value")),
    ROW2(31, 8, 9, FL(ai_flags), F(F64, "value")),
    AEVENTS(32, ai_flags, "value"),
    AEVENTS(33, ai_flags, "value"),
    ROW1(34, 1, 2, F(U16, "deadband_value")),
    ROW1(34, 2, 4, F(U32, "deadband_value")),
    ROW1(34, 3, 4, F(F32, "deadband_value")),
    /* analog outputs: status, block (command), events, command events */
    ROW2(40, 1, 5, FL(ai_flags), F(I32, "value")),
    ROW2(40, 2, 3, FL(ai_flags), F(I16, "value")),
    ROW2(40, 3, 5, FL(ai_flags), F(F32, "value")),
    ROW2(40, 4, 9, FL(ai_flags), F(F64, "value")),
    ROW2(41, 1, 5, F(I32, "value"), F(U8, "control_status")),
    ROW2(41, 2, 3, F(I16, "value"), F(U8, "control_status")),
    ROW2(41, 3, 5, F(F32, "value"), F(U8, "control_status")),
    ROW2(41, 4, 9, F(F64, "value"), F(U8, "control_status")),
    AEVENTS(42, ai_flags, "value"),
    AEVENTS(43, ao_status, "commanded_value"),
    /* time and date, common time of occurrence, time delay */
    ROW1(50, 1, 6, TIME),
    ROW2(50, 2, 10, TIME, F(U32, "interval")),
    ROW1(50, 3, 6, TIME),
    ROW3(50, 4, 11, TIME, F(U32, "interval_count"), F(U8, "interval_units")),
    ROW1(51, 1, 6, TIME),
    ROW1(51, 2, 6, TIME),
    ROW1(52, 1, 2, F(U16, "delay_secs")),
    ROW1(52, 2, 2, F(U16, "delay_ms")),
    /* internal indications */
    PACKED(80, 1, 1, "state"),
};

const struct yg_dnp3_layout *yg_dnp3_layout(uint8_t group, uint8_t variation)
{
	/* About 130 rows, walked at most YG_DNP3_MAX_OBJECTS times a fragment. */
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
		if (layouts[i].group == group && layouts[i].variation == variation)
			return &layouts[i];
	return NULL;
}

size_t yg_dnp3_field_size(uint8_t type)
{
	static const uint8_t sizes[YG_DNP3_F__COUNT] = {
	    [YG_DNP3_F_U8] = 1, [YG_DNP3_F_U16] = 2, [YG_DNP3_F_U32] = 4, [YG_DNP3_F_I16] = 2,
	    [YG_DNP3_F_I32] = 4, [YG_DNP3_F_F32] = 4, [YG_DNP3_F_F64] = 8, [YG_DNP3_F_T48] = 6,
	};
	return type < YG_DNP3_F__COUNT ? sizes[type] : 0;
}
