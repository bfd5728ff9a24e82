/*
 * DNP3 (IEEE 1815-2012) over TCP or UDP: the link layer (frames with a CRC
 * per block), the transport function (segments into application
 * fragments) and the application layer (function codes, object headers,
 * internal indications).
 *
 * The parser never allocates: a fragment that spans several segments is
 * reassembled into a struct yg_dnp3_reasm the caller provides (bounded by
 * YG_DNP3_FRAGMENT_MAX), a fragment in one segment is parsed in place.
 */
#ifndef YG_APP_DNP3_H
#define YG_APP_DNP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/ics.h"
#include "common/anomaly.h"

#define YG_DNP3_LINK_HDR     10u  /* start(2) len ctrl dst(2) src(2) crc(2) */
#define YG_DNP3_FRAME_MAX    292u /* 10 + 250 data + 16 block CRCs */
#define YG_DNP3_SEGMENT_MAX  250u /* transport header + 249 */
#define YG_DNP3_FRAGMENT_MAX 4096u
#define YG_DNP3_MAX_OBJECTS  16u
#define YG_DNP3_MAX_POINTS   256u /* points decoded per fragment (all objects) */
#define YG_DNP3_POINT_FIELDS 5u

struct yg_dnp3_link {
	uint8_t len, ctrl;  /* ctrl: DIR 0x80, PRM 0x40, FCB 0x20, FCV 0x10, function 0x0f */
	uint16_t dst, src;
};

/*
 * Length of the link frame at p[0..n): -EAGAIN when the 10-byte header is
 * not all there; -EBADMSG (*ret_anom) when it does not start 0x05 0x64 or
 * its length is under 5; else 0 and *ret_len.
 */
int yg_dnp3_frame_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom);

/*
 * Checks the CRCs of the whole frame p[0..len) and copies its user data
 * (one transport segment, at most YG_DNP3_SEGMENT_MAX bytes) to seg.
 * Returns 0, or -EBADMSG with *ret_anom = YG_ANOM_DNP3_BAD_CRC (header or
 * a data block) or YG_ANOM_DNP3_BAD_LINK.
 */
int yg_dnp3_link_parse(const uint8_t *p, size_t len, struct yg_dnp3_link *ret_link,
		       uint8_t seg[YG_DNP3_SEGMENT_MAX], size_t *ret_seglen,
		       enum yg_anomaly *ret_anom);

/* One direction's transport reassembly. Zero it to start. */
struct yg_dnp3_reasm {
	uint16_t len;
	uint8_t next_seq;
	bool active;
	uint8_t buf[YG_DNP3_FRAGMENT_MAX];
};

/*
 * Feeds one transport segment. Returns 1 with *ret_p, *ret_n set to a
 * whole application fragment (in seg itself when FIR and FIN are both set,
 * else in r->buf; valid until the next call), 0 when the fragment is not
 * complete yet, -EBADMSG on a segment out of sequence or a fragment over
 * YG_DNP3_FRAGMENT_MAX (*ret_anom; the partial fragment is dropped).
 * r may be NULL: then only single-segment fragments are returned, and a
 * first segment of several returns -ENOMEM so the caller can provide one.
 */
int yg_dnp3_transport(struct yg_dnp3_reasm *r, const uint8_t *seg, size_t n,
		      const uint8_t **ret_p, size_t *ret_n, enum yg_anomaly *ret_anom);

/*
 * Point layouts (dnp3_points.c): a point of a group and variation is a
 * sequence of little-endian fields; a field that is a flag or status
 * octet is logged as its named bits.
 */
enum yg_dnp3_ftype {
	YG_DNP3_F_U8, YG_DNP3_F_U16, YG_DNP3_F_U32, YG_DNP3_F_I16, YG_DNP3_F_I32,
	YG_DNP3_F_F32, YG_DNP3_F_F64,
	YG_DNP3_F_T48, /* milliseconds since 1970, 6 octets */
	YG_DNP3_F__COUNT
};

struct yg_dnp3_bits {
	const char *name; /* NULL ends a list */
	uint8_t shift, width;
};

struct yg_dnp3_field {
	uint8_t type;                    /* enum yg_dnp3_ftype */
	const char *name;                /* NULL when bits names its parts */
	const struct yg_dnp3_bits *bits;
};

struct yg_dnp3_layout {
	uint8_t group, variation;
	uint8_t size;     /* octets a point; 0 for packed points */
	uint8_t bits;     /* packed: bits a point (1 or 2), one field of that value */
	uint8_t n_fields;
	struct yg_dnp3_field fields[YG_DNP3_POINT_FIELDS];
};

/* The layout of group/variation's points, or NULL when not decoded (not
 * in the object library, variable size, or files and security data). */
const struct yg_dnp3_layout *yg_dnp3_layout(uint8_t group, uint8_t variation);
/* Octets of a field of type t; 0 for an unknown type. */
size_t yg_dnp3_field_size(uint8_t t);

struct yg_dnp3_point {
	uint32_t prefix, index;
	/* One value per layout field: unsigned ones as is, signed ones
	 * sign-extended (read as int64_t), F32/F64 as the bits of a double. */
	uint64_t v[YG_DNP3_POINT_FIELDS];
};

struct yg_dnp3_object {
	uint8_t group, variation, qualifier, prefix_code, range_code;
	uint32_t start, stop, count;
	uint16_t first_point, n_points; /* into yg_dnp3_msg.points */
};

struct yg_dnp3_msg {
	struct yg_dnp3_link link;
	uint8_t app_control; /* FIR 0x80, FIN 0x40, CON 0x20, UNS 0x10, SEQ 0x0f */
	uint8_t function;
	bool response;       /* function 129 or 130 (and 131) */
	uint16_t iin;        /* IIN1 in the high byte, IIN2 in the low; responses only */
	uint8_t n_objects;   /* object headers decoded (at most YG_DNP3_MAX_OBJECTS) */
	bool objects_cut;    /* more headers, or a point size not known */
	struct yg_dnp3_object objects[YG_DNP3_MAX_OBJECTS];
	enum yg_ics_op op;   /* requests only */
	bool points_cut;     /* more than YG_DNP3_MAX_POINTS points */
	uint16_t n_points;
	/* Last: yg_dnp3_app_parse clears only what comes before. */
	struct yg_dnp3_point points[YG_DNP3_MAX_POINTS];
};

/*
 * Parses an application fragment p[0..n) into *ret (link left as is: the
 * caller fills it), with the points of objects whose layout is known
 * (at most YG_DNP3_MAX_POINTS; requests that only read carry none). Returns 0; a header that could not be followed sets
 * *ret_anom (DNP3_BAD_APP, DNP3_UNKNOWN_OBJECT) and keeps what came
 * before. -EBADMSG when shorter than its function's header.
 */
int yg_dnp3_app_parse(const uint8_t *p, size_t n, struct yg_dnp3_msg *ret,
		      enum yg_anomaly *ret_anom);

/* "read", "direct_operate", ... ; "unknown". */
const char *yg_dnp3_function_name(uint8_t fc);
/* Suricata's name of IIN bit i (0..15, IIN1 bit 0 first): "all_stations",
 * ... "device_restart", "no_func_code_support", ... */
const char *yg_dnp3_iin_name(unsigned bit);
/* Whether the client's first bytes start a DNP3 link frame with a good
 * header CRC (detection off port 20000). */
bool yg_dnp3_detect(const uint8_t *p, size_t n);

#endif
