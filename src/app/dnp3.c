/*
 * DNP3, IEEE 1815-2012: data link layer (section 9), transport function
 * (section 8), application layer (sections 4 and 11 for object headers).
 *
 *   link frame:  05 64 | LEN | CTRL | DST (LE) | SRC (LE) | CRC (LE)
 *                then user data in blocks of 16 bytes (the last may be
 *                shorter), each followed by its own 2-byte CRC.
 *                LEN counts CTRL, DST, SRC and the user data (5..255).
 *                CTRL: DIR 0x80 | PRM 0x40 | FCB 0x20 | FCV 0x10 | FUNC
 *   transport:   first user data byte: FIN 0x80 | FIR 0x40 | SEQ (6 bits)
 *   application: request  AC | FC | object headers...
 *                response AC | FC | IIN1 | IIN2 | object headers...
 *                AC: FIR 0x80 | FIN 0x40 | CON 0x20 | UNS 0x10 | SEQ
 *   object header: GROUP | VARIATION | QUALIFIER (prefix code in bits
 *                4-6, range specifier code in bits 0-3) | range | points
 *
 * The CRC is CRC-16/DNP: polynomial 0x3D65, reflected (0xA6BC), initial
 * value 0, result inverted, sent low byte first.
 *
 * Decisions:
 *  - A bad CRC anywhere drops the whole frame and counts it
 *    (app.dnp3_bad_link_crc): a corrupted fragment would report objects
 *    that were never sent.
 *  - Object headers are walked while the size of their points is known
 *    (the layouts of dnp3_points.c: binary and double-bit inputs,
 *    outputs, commands, counters, analogs, time, IIN; class data has
 *    none; files go by their size prefixes). A group whose
 *    points have no fixed size stops the walk (objects_cut), counted as
 *    app.dnp3_unknown_object: what came before is still reported.
 *  - A read request's objects carry no points; requests that write or
 *    command (write, select, operate, ...) and responses do. Points of a
 *    known layout are decoded (index, prefix, fields), up to
 *    YG_DNP3_MAX_POINTS a fragment; the rest are walked, not kept.
 */
#include "app/dnp3.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "common/cursor.h"

static uint16_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint16_t c = (uint16_t)i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
		crc_table[i] = c;
	}
}

static uint16_t crc16(const uint8_t *p, size_t n)
{
	/* Workers share the table: built once, by whichever needs it first. */
	pthread_once(&crc_once, crc_init);
	uint16_t c = 0;
	for (size_t i = 0; i < n; i++)
		c = (uint16_t)((c >> 8) ^ crc_table[(c ^ p[i]) & 0xff]);
	return (uint16_t)~c;
}

static bool crc_ok(const uint8_t *p, size_t n)
{
	uint16_t c = crc16(p, n);
	return p[n] == (c & 0xff) && p[n + 1] == (c >> 8);
}

int yg_dnp3_frame_len(const uint8_t *p, size_t n, size_t *ret_len, enum yg_anomaly *ret_anom)
{
	if (n >= 1 && p[0] != 0x05)
		goto bad;
	if (n >= 2 && p[1] != 0x64)
		goto bad;
	if (n < 3)
		return -EAGAIN;
	if (p[2] < 5)
		goto bad;
	size_t data = (size_t)p[2] - 5u;
	*ret_len = YG_DNP3_LINK_HDR + data + 2u * ((data + 15u) / 16u);
	return 0;
bad:
	if (ret_anom)
		*ret_anom = YG_ANOM_DNP3_BAD_LINK;
	return -EBADMSG;
}

int yg_dnp3_link_parse(const uint8_t *p, size_t len, struct yg_dnp3_link *ret_link,
		       uint8_t seg[YG_DNP3_SEGMENT_MAX], size_t *ret_seglen,
		       enum yg_anomaly *ret_anom)
{
	size_t want;
	enum yg_anomaly an = YG_ANOM_DNP3_BAD_LINK;
	if (yg_dnp3_frame_len(p, len, &want, &an) < 0 || len < YG_DNP3_LINK_HDR || want != len) {
		if (ret_anom)
			*ret_anom = an;
		return -EBADMSG;
	}
	if (!crc_ok(p, 8)) {
		if (ret_anom)
			*ret_anom = YG_ANOM_DNP3_BAD_CRC;
		return -EBADMSG;
	}
	size_t data = (size_t)p[2] - 5u, out = 0;
	const uint8_t *b = p + YG_DNP3_LINK_HDR;
	while (out < data) {
		size_t k = data - out < 16 ? data - out : 16;
		if (!crc_ok(b, k)) {
			if (ret_anom)
				*ret_anom = YG_ANOM_DNP3_BAD_CRC;
			return -EBADMSG;
		}
		memcpy(seg + out, b, k);
		out += k;
		b += k + 2;
	}
	ret_link->len = p[2];
	ret_link->ctrl = p[3];
	ret_link->dst = (uint16_t)(p[4] | p[5] << 8);
	ret_link->src = (uint16_t)(p[6] | p[7] << 8);
	*ret_seglen = out;
	return 0;
}

int yg_dnp3_transport(struct yg_dnp3_reasm *r, const uint8_t *seg, size_t n,
		      const uint8_t **ret_p, size_t *ret_n, enum yg_anomaly *ret_anom)
{
	if (n < 2) {
		/* A transport header alone carries no application byte. */
		if (ret_anom)
			*ret_anom = YG_ANOM_DNP3_BAD_TRANSPORT;
		return -EBADMSG;
	}
	uint8_t th = seg[0], seq = th & 0x3f;
	bool fir = th & 0x40, fin = th & 0x80;
	if (fir) {
		if (r)
			r->active = false; /* a new fragment replaces an unfinished one */
		if (fin) {
			*ret_p = seg + 1;
			*ret_n = n - 1;
			return 1;
		}
		if (!r)
			return -ENOMEM;
		r->len = 0;
		r->active = true;
	} else if (!r || !r->active || seq != r->next_seq) {
		if (r)
			r->active = false;
		if (ret_anom)
			*ret_anom = YG_ANOM_DNP3_BAD_TRANSPORT;
		return -EBADMSG;
	}
	if ((size_t)r->len + (n - 1) > YG_DNP3_FRAGMENT_MAX) {
		r->active = false;
		if (ret_anom)
			*ret_anom = YG_ANOM_DNP3_TOO_LONG;
		return -EBADMSG;
	}
	memcpy(r->buf + r->len, seg + 1, n - 1);
	r->len = (uint16_t)(r->len + (n - 1));
	r->next_seq = (uint8_t)((seq + 1) & 0x3f);
	if (!fin)
		return 0;
	r->active = false;
	*ret_p = r->buf;
	*ret_n = r->len;
	return 1;
}

/* Function codes: name and operation class of a request. */
struct fc {
	const char *name;
	uint8_t op;
};

static const struct fc fcs[] = {
    [0] = {"confirm", YG_ICS_OP_NONE},
    [1] = {"read", YG_ICS_OP_READ},
    [2] = {"write", YG_ICS_OP_WRITE},
    [3] = {"select", YG_ICS_OP_OPERATE},
    [4] = {"operate", YG_ICS_OP_OPERATE},
    [5] = {"direct_operate", YG_ICS_OP_OPERATE},
    [6] = {"direct_operate_nr", YG_ICS_OP_OPERATE},
    [7] = {"immed_freeze", YG_ICS_OP_WRITE},
    [8] = {"immed_freeze_nr", YG_ICS_OP_WRITE},
    [9] = {"freeze_clear", YG_ICS_OP_WRITE},
    [10] = {"freeze_clear_nr", YG_ICS_OP_WRITE},
    [11] = {"freeze_at_time", YG_ICS_OP_WRITE},
    [12] = {"freeze_at_time_nr", YG_ICS_OP_WRITE},
    [13] = {"cold_restart", YG_ICS_OP_RESTART},
    [14] = {"warm_restart", YG_ICS_OP_RESTART},
    [15] = {"initialize_data", YG_ICS_OP_WRITE},
    [16] = {"initialize_application", YG_ICS_OP_OPERATE},
    [17] = {"start_application", YG_ICS_OP_OPERATE},
    [18] = {"stop_application", YG_ICS_OP_STOP},
    [19] = {"save_configuration", YG_ICS_OP_WRITE},
    [20] = {"enable_unsolicited", YG_ICS_OP_WRITE},
    [21] = {"disable_unsolicited", YG_ICS_OP_WRITE},
    [22] = {"assign_class", YG_ICS_OP_WRITE},
    [23] = {"delay_measure", YG_ICS_OP_READ},
    [24] = {"record_current_time", YG_ICS_OP_WRITE},
    [25] = {"open_file", YG_ICS_OP_READ},
    [26] = {"close_file", YG_ICS_OP_READ},
    [27] = {"delete_file", YG_ICS_OP_WRITE},
    [28] = {"get_file_info", YG_ICS_OP_READ},
    [29] = {"authenticate_file", YG_ICS_OP_READ},
    [30] = {"abort_file", YG_ICS_OP_READ},
    [31] = {"activate_config", YG_ICS_OP_DOWNLOAD},
    [32] = {"authenticate_req", YG_ICS_OP_READ},
    [33] = {"authenticate_err", YG_ICS_OP_READ},
};

const char *yg_dnp3_function_name(uint8_t fc)
{
	if (fc < sizeof fcs / sizeof fcs[0] && fcs[fc].name)
		return fcs[fc].name;
	switch (fc) {
	case 129: return "response";
	case 130: return "unsolicited_response";
	case 131: return "authenticate_resp";
	default: return "unknown";
	}
}

const char *yg_dnp3_iin_name(unsigned bit)
{
	static const char *const names[16] = {
	    "all_stations", "class_1_events", "class_2_events", "class_3_events",
	    "need_time", "local_control", "device_trouble", "device_restart",
	    "no_func_code_support", "object_unknown", "parameter_error", "event_buffer_overflow",
	    "already_executing", "config_corrupt", "reserved_2", "reserved_1",
	};
	return bit < 16 ? names[bit] : "unknown";
}

bool yg_dnp3_detect(const uint8_t *p, size_t n)
{
	return n >= YG_DNP3_LINK_HDR && p[0] == 0x05 && p[1] == 0x64 && p[2] >= 5 && crc_ok(p, 8);
}

static bool get_uint(struct yg_cur *c, unsigned size, uint32_t *ret)
{
	uint8_t b[4];
	if (!yg_cur_copy(c, b, size))
		return false;
	uint32_t v = 0;
	for (unsigned i = size; i > 0; i--)
		v = v << 8 | b[i - 1];
	*ret = v;
	return true;
}

static void note(enum yg_anomaly *an, enum yg_anomaly a)
{
	if (*an == YG_ANOM__COUNT)
		*an = a;
}

/* A field's value from its little-endian octets (yg_dnp3_point.v). */
static uint64_t field_value(uint8_t type, const uint8_t *b)
{
	uint64_t u = 0;
	size_t n = yg_dnp3_field_size(type);
	for (size_t i = n; i > 0; i--)
		u = u << 8 | b[i - 1];
	switch (type) {
	case YG_DNP3_F_I16: return (uint64_t)(int64_t)(int16_t)u;
	case YG_DNP3_F_I32: return (uint64_t)(int64_t)(int32_t)u;
	case YG_DNP3_F_F32: {
		float f;
		uint32_t w = (uint32_t)u;
		double d;
		memcpy(&f, &w, sizeof f);
		d = f;
		memcpy(&u, &d, sizeof u);
		return u;
	}
	default: return u; /* F64: the bits of the double already */
	}
}

/* A new point of object o, or NULL when the fragment's are all taken. */
static struct yg_dnp3_point *new_point(struct yg_dnp3_msg *m, struct yg_dnp3_object *o,
				       uint32_t prefix, uint32_t index)
{
	if (m->n_points >= YG_DNP3_MAX_POINTS) {
		m->points_cut = true;
		return NULL;
	}
	if (!o->n_points)
		o->first_point = m->n_points;
	o->n_points++;
	struct yg_dnp3_point *pt = &m->points[m->n_points++];
	memset(pt, 0, sizeof *pt);
	pt->prefix = prefix;
	pt->index = index;
	return pt;
}

/*
 * Reads o's points of layout l at c, each after its index prefix of
 * prefix octets (0: none, the index counts from o->start). False when
 * they run past the fragment or a packed object has prefixes.
 */
static bool read_points(struct yg_cur *c, struct yg_dnp3_msg *m, struct yg_dnp3_object *o,
			const struct yg_dnp3_layout *l, unsigned prefix)
{
	if (l->bits) {
		if (prefix)
			return false;
		size_t bytes = ((size_t)o->count * l->bits + 7) / 8;
		const uint8_t *b;
		if (!yg_cur_bytes(c, bytes, &b))
			return false;
		for (uint32_t i = 0; i < o->count; i++) {
			struct yg_dnp3_point *pt = new_point(m, o, 0, o->start + i);
			if (!pt)
				break;
			size_t bit = (size_t)i * l->bits;
			pt->v[0] = (b[bit / 8] >> (bit % 8)) & ((1u << l->bits) - 1);
		}
		return true;
	}
	/* Checked whole first, so the loop below is bounded by the fragment. */
	if ((uint64_t)o->count * (prefix + l->size) > yg_cur_left(c))
		return false;
	for (uint32_t i = 0; i < o->count; i++) {
		uint32_t pfx = 0;
		if (prefix && !get_uint(c, prefix, &pfx))
			return false;
		const uint8_t *b;
		if (!yg_cur_bytes(c, l->size, &b))
			return false;
		struct yg_dnp3_point *pt = new_point(m, o, pfx, prefix ? pfx : o->start + i);
		if (!pt)
			continue;
		size_t off = 0;
		for (unsigned k = 0; k < l->n_fields; k++) {
			pt->v[k] = field_value(l->fields[k].type, b + off);
			off += yg_dnp3_field_size(l->fields[k].type);
		}
	}
	return true;
}

/* Whether the objects of a message with this function carry points. */
static bool carries_points(uint8_t fc)
{
	switch (fc) {
	case 2: case 3: case 4: case 5: case 6: case 24: case 31:
	case 25: case 26: case 27: case 28: case 29: case 30:
	case 129: case 130:
		return true;
	default:
		return false;
	}
}

int yg_dnp3_app_parse(const uint8_t *p, size_t n, struct yg_dnp3_msg *ret,
		      enum yg_anomaly *ret_anom)
{
	enum yg_anomaly an = YG_ANOM__COUNT;
	struct yg_cur c;
	struct yg_dnp3_link link = ret->link;
	/* Points are written as they are read: clearing 12 KiB a fragment
	 * would cost more than the parse. */
	memset(ret, 0, offsetof(struct yg_dnp3_msg, points));
	ret->link = link;
	yg_cur_init(&c, p, n);
	if (!yg_cur_u8(&c, &ret->app_control) || !yg_cur_u8(&c, &ret->function))
		goto short_msg;
	ret->response = ret->function >= 129 && ret->function <= 131;
	if (ret->function == 129 || ret->function == 130) {
		uint16_t iin;
		if (!yg_cur_be16(&c, &iin))
			goto short_msg;
		ret->iin = iin;
	}
	if (!ret->response) {
		ret->op = ret->function < sizeof fcs / sizeof fcs[0] && fcs[ret->function].name
			      ? (enum yg_ics_op)fcs[ret->function].op
			      : YG_ICS_OP_WRITE; /* unknown effect: not a read */
		if (ret->op == YG_ICS_OP_NONE && ret->function != 0)
			ret->op = YG_ICS_OP_WRITE;
	}
	bool points = carries_points(ret->function);
	while (yg_cur_left(&c)) {
		struct yg_dnp3_object o = {0};
		if (ret->n_objects == YG_DNP3_MAX_OBJECTS) {
			ret->objects_cut = true;
			break;
		}
		if (!yg_cur_u8(&c, &o.group) || !yg_cur_u8(&c, &o.variation) ||
		    !yg_cur_u8(&c, &o.qualifier)) {
			note(&an, YG_ANOM_DNP3_BAD_APP);
			break;
		}
		o.prefix_code = (o.qualifier >> 4) & 7;
		o.range_code = o.qualifier & 0x0f;
		bool ok = true;
		switch (o.range_code) {
		case 0: case 1: case 2: case 3: case 4: case 5: {
			unsigned sz = o.range_code % 3 == 0 ? 1 : o.range_code % 3 == 1 ? 2 : 4;
			ok = get_uint(&c, sz, &o.start) && get_uint(&c, sz, &o.stop);
			if (ok && o.stop < o.start) {
				note(&an, YG_ANOM_DNP3_BAD_APP);
				ok = false;
			}
			if (ok)
				o.count = o.stop - o.start + 1;
			break;
		}
		case 6:
			break;
		case 7: case 8: case 9: case 0x0b: {
			unsigned sz = o.range_code == 8 ? 2 : o.range_code == 9 ? 4 : 1;
			ok = get_uint(&c, sz, &o.count);
			break;
		}
		default:
			note(&an, YG_ANOM_DNP3_BAD_APP);
			ok = false;
		}
		if (!ok) {
			note(&an, YG_ANOM_DNP3_BAD_APP);
			ret->objects_cut = true;
			break;
		}
		/* A write of file data (group 70) to the outstation is a
		 * download of a program or configuration file. */
		if (!ret->response && o.group == 70 && ret->function == 2)
			ret->op = YG_ICS_OP_DOWNLOAD;
		ret->objects[ret->n_objects++] = o;
		if (!points || o.range_code == 6 || o.count == 0)
			continue;
		/* Walk over the points: prefix, then the value. */
		struct yg_dnp3_object *ob = &ret->objects[ret->n_objects - 1];
		const struct yg_dnp3_layout *l = yg_dnp3_layout(o.group, o.variation);
		unsigned prefix = o.prefix_code == 1 || o.prefix_code == 4 ? 1
				  : o.prefix_code == 2 || o.prefix_code == 5 ? 2
				  : o.prefix_code == 3 || o.prefix_code == 6 ? 4 : 0;
		if (o.prefix_code >= 4 && o.prefix_code <= 6) {
			/* Size prefixes say how long each point is. */
			for (uint32_t i = 0; i < o.count && ok; i++) {
				uint32_t sz;
				ok = get_uint(&c, prefix, &sz) && yg_cur_skip(&c, sz);
			}
		} else if (o.group == 60) {
			continue; /* class data: no points */
		} else if (!l) {
			note(&an, YG_ANOM_DNP3_UNKNOWN_OBJECT);
			ret->objects_cut = true;
			break;
		} else {
			ok = read_points(&c, ret, ob, l, prefix);
		}
		if (!ok) {
			note(&an, YG_ANOM_DNP3_BAD_APP);
			ret->objects_cut = true;
			break;
		}
	}
	if (ret_anom)
		*ret_anom = an;
	return 0;
short_msg:
	if (ret_anom)
		*ret_anom = YG_ANOM_DNP3_BAD_APP;
	return -EBADMSG;
}
