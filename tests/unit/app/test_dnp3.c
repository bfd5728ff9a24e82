#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "app/dnp3.h"

/* CRC-16/DNP bit by bit, independent of the parser's table. */
static uint16_t crc(const uint8_t *p, size_t n)
{
	uint16_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
	}
	return (uint16_t)~c;
}

/* A link frame around user data; returns its length. */
static size_t frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *ud,
		    size_t n)
{
	uint8_t *o = out;
	*o++ = 0x05;
	*o++ = 0x64;
	*o++ = (uint8_t)(5 + n);
	*o++ = ctrl;
	*o++ = (uint8_t)dst;
	*o++ = (uint8_t)(dst >> 8);
	*o++ = (uint8_t)src;
	*o++ = (uint8_t)(src >> 8);
	uint16_t c = crc(out, 8);
	*o++ = (uint8_t)c;
	*o++ = (uint8_t)(c >> 8);
	for (size_t i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;
		memcpy(o, ud + i, k);
		c = crc(ud + i, k);
		o += k;
		*o++ = (uint8_t)c;
		*o++ = (uint8_t)(c >> 8);
	}
	return (size_t)(o - out);
}

static struct yg_dnp3_msg msg;

static void link_and_crc(void **state)
{
	(void)state;
	uint8_t ud[40], f[YG_DNP3_FRAME_MAX], seg[YG_DNP3_SEGMENT_MAX];
	for (unsigned i = 0; i < sizeof ud; i++)
		ud[i] = (uint8_t)i;
	size_t n = frame(f, 0xc4, 10, 1, ud, sizeof ud);
	size_t len, sl;
	enum yg_anomaly an = 0;
	assert_int_equal(yg_dnp3_frame_len(f, n, &len, &an), 0);
	assert_int_equal(len, n);
	assert_int_equal(n, 10 + 40 + 2 * 3);
	struct yg_dnp3_link l;
	assert_int_equal(yg_dnp3_link_parse(f, n, &l, seg, &sl, &an), 0);
	assert_int_equal(sl, 40);
	assert_memory_equal(seg, ud, 40);
	assert_int_equal(l.dst, 10);
	assert_int_equal(l.src, 1);
	assert_int_equal(l.ctrl, 0xc4);
	assert_true(yg_dnp3_detect(f, n));
	f[n - 1] ^= 1; /* the last block's CRC */
	assert_int_equal(yg_dnp3_link_parse(f, n, &l, seg, &sl, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNP3_BAD_CRC);
	f[n - 1] ^= 1;
	f[4] ^= 1; /* the header */
	assert_int_equal(yg_dnp3_link_parse(f, n, &l, seg, &sl, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNP3_BAD_CRC);
	assert_false(yg_dnp3_detect(f, n));
	const uint8_t notdnp[] = {0x05, 0x65, 0x05};
	assert_int_equal(yg_dnp3_frame_len(notdnp, 3, &len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNP3_BAD_LINK);
	assert_int_equal(yg_dnp3_frame_len(notdnp, 1, &len, &an), -EAGAIN);
}

static void transport(void **state)
{
	(void)state;
	static struct yg_dnp3_reasm r;
	const uint8_t *p;
	size_t n;
	enum yg_anomaly an = 0;
	const uint8_t one[] = {0xc0, 0xc0, 0x01};
	assert_int_equal(yg_dnp3_transport(NULL, one, sizeof one, &p, &n, &an), 1);
	assert_int_equal(n, 2);
	const uint8_t s1[] = {0x45, 'a', 'b'}, s2[] = {0x06, 'c'}, s3[] = {0x87, 'd', 'e'};
	assert_int_equal(yg_dnp3_transport(NULL, s1, sizeof s1, &p, &n, &an), -ENOMEM);
	memset(&r, 0, sizeof r);
	assert_int_equal(yg_dnp3_transport(&r, s1, sizeof s1, &p, &n, &an), 0);
	assert_int_equal(yg_dnp3_transport(&r, s2, sizeof s2, &p, &n, &an), 0);
	assert_int_equal(yg_dnp3_transport(&r, s3, sizeof s3, &p, &n, &an), 1);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "abcde", 5);
	/* Out of sequence: dropped and counted. */
	assert_int_equal(yg_dnp3_transport(&r, s1, sizeof s1, &p, &n, &an), 0);
	assert_int_equal(yg_dnp3_transport(&r, s3, sizeof s3, &p, &n, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNP3_BAD_TRANSPORT);
	/* Bounded: a fragment past YG_DNP3_FRAGMENT_MAX is dropped. */
	uint8_t big[250];
	memset(big, 0x11, sizeof big);
	big[0] = 0x40;
	assert_int_equal(yg_dnp3_transport(&r, big, sizeof big, &p, &n, &an), 0);
	int res = 0;
	for (unsigned i = 1; i < 40 && res == 0; i++) {
		big[0] = (uint8_t)(i & 0x3f);
		res = yg_dnp3_transport(&r, big, sizeof big, &p, &n, &an);
	}
	assert_int_equal(res, -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNP3_TOO_LONG);
}

static void app_objects(void **state)
{
	(void)state;
	enum yg_anomaly an = 0;
	/* Read class 1, 2, 3 data. */
	const uint8_t rd[] = {0xc0, 0x01, 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06};
	assert_int_equal(yg_dnp3_app_parse(rd, sizeof rd, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.function, 1);
	assert_int_equal(msg.op, YG_ICS_OP_READ);
	assert_int_equal(msg.n_objects, 3);
	assert_int_equal(msg.objects[2].variation, 4);
	assert_int_equal(msg.objects[0].range_code, 6);
	/* Direct operate of a CROB at index 3 (count 1, 1-byte index). */
	const uint8_t op[] = {0xc1, 0x05, 12, 1, 0x17, 1, 3, 0x03, 1, 100, 0, 0, 0, 0, 0, 0, 0, 0,
			      60, 1, 0x06};
	assert_int_equal(yg_dnp3_app_parse(op, sizeof op, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.op, YG_ICS_OP_OPERATE);
	assert_int_equal(msg.n_objects, 2);
	assert_int_equal(msg.objects[0].count, 1);
	assert_int_equal(msg.objects[0].prefix_code, 1);
	assert_int_equal(msg.objects[1].group, 60);
	/* Response with IIN device restart and packed binary inputs 0..9. */
	const uint8_t resp[] = {0xc0, 0x81, 0x80, 0x00, 1, 1, 0x00, 0, 9, 0xff, 0x03};
	assert_int_equal(yg_dnp3_app_parse(resp, sizeof resp, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_true(msg.response);
	assert_int_equal(msg.iin, 0x8000);
	assert_string_equal(yg_dnp3_iin_name(7), "device_restart");
	assert_int_equal(msg.objects[0].count, 10);
	/* Points of a size not known: reported as far as known. */
	const uint8_t unk[] = {0xc0, 0x81, 0, 0, 110, 4, 0x00, 0, 0, 'a', 'b', 'c', 'd'};
	assert_int_equal(yg_dnp3_app_parse(unk, sizeof unk, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM_DNP3_UNKNOWN_OBJECT);
	assert_true(msg.objects_cut);
	assert_int_equal(msg.n_objects, 1);
	/* Points cut short. */
	const uint8_t cut[] = {0xc0, 0x81, 0, 0, 30, 1, 0x00, 0, 3, 1, 2, 3};
	assert_int_equal(yg_dnp3_app_parse(cut, sizeof cut, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM_DNP3_BAD_APP);
	/* Too short for a response header. */
	const uint8_t tiny[] = {0xc0, 0x81, 0};
	assert_int_equal(yg_dnp3_app_parse(tiny, sizeof tiny, &msg, &an), -EBADMSG);
}

/* Every layout's fields add up to its point size; packed ones have one
 * field of 1 or 2 bits. */
static void layouts_consistent(void **state)
{
	(void)state;
	unsigned rows = 0;
	for (unsigned g = 0; g < 256; g++)
		for (unsigned v = 0; v < 256; v++) {
			const struct yg_dnp3_layout *l = yg_dnp3_layout((uint8_t)g, (uint8_t)v);
			if (!l)
				continue;
			rows++;
			assert_int_equal(l->group, g);
			assert_int_equal(l->variation, v);
			assert_true(l->n_fields >= 1 && l->n_fields <= YG_DNP3_POINT_FIELDS);
			if (l->bits) {
				assert_int_equal(l->size, 0);
				assert_true(l->bits == 1 || l->bits == 2);
				assert_int_equal(l->n_fields, 1);
				continue;
			}
			size_t sum = 0;
			for (unsigned k = 0; k < l->n_fields; k++) {
				assert_true(yg_dnp3_field_size(l->fields[k].type) > 0);
				assert_true(l->fields[k].name || l->fields[k].bits);
				sum += yg_dnp3_field_size(l->fields[k].type);
			}
			assert_int_equal(sum, l->size);
		}
	assert_true(rows > 100);
	assert_null(yg_dnp3_layout(60, 1)); /* class data has no points */
	assert_null(yg_dnp3_layout(70, 5)); /* file data is walked, not decoded */
}

/* Points decoded with their index, prefix and fields. */
static void points_decoded(void **state)
{
	(void)state;
	enum yg_anomaly an = 0;
	/* Response: g1v2 points 0..1 (flags), g32v7 with a 2-octet index
	 * prefix (flags, float, time), g20v1 point 5 (flags, 32-bit count). */
	const uint8_t resp[] = {0xc0, 0x81, 0x00, 0x00,
				1, 2, 0x00, 0, 1, 0x81, 0x02,
				32, 7, 0x28, 1, 0, 0x09, 0x01, 0x01, 0x00, 0x00, 0xc0, 0x3f,
				0x83, 0xa5, 0x5c, 0x58, 0x34, 0x01,
				20, 1, 0x00, 5, 5, 0x01, 0x2a, 0x00, 0x00, 0x00};
	assert_int_equal(yg_dnp3_app_parse(resp, sizeof resp, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.n_objects, 3);
	assert_int_equal(msg.n_points, 4);
	assert_int_equal(msg.objects[0].n_points, 2);
	assert_int_equal(msg.points[0].index, 0);
	assert_int_equal(msg.points[0].v[0], 0x81); /* online, state */
	assert_int_equal(msg.points[1].index, 1);
	assert_int_equal(msg.objects[1].first_point, 2);
	const struct yg_dnp3_point *a = &msg.points[2];
	assert_int_equal(a->prefix, 0x0109);
	assert_int_equal(a->index, 0x0109);
	assert_int_equal(a->v[0], 0x01);
	double d;
	memcpy(&d, &a->v[1], sizeof d);
	assert_true(d == 1.5);
	assert_int_equal(a->v[2], 1324332393859ull);
	assert_int_equal(msg.points[3].index, 5);
	assert_int_equal(msg.points[3].v[1], 42);
	/* Packed double-bit inputs 0..3, signed 16-bit analog output block. */
	const uint8_t req[] = {0xc0, 0x81, 0x00, 0x00, 3, 1, 0x00, 0, 3, 0xe4,
			       41, 2, 0x17, 1, 7, 0xd4, 0xfe, 0x00};
	assert_int_equal(yg_dnp3_app_parse(req, sizeof req, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.n_points, 5);
	assert_int_equal(msg.points[0].v[0], 0);
	assert_int_equal(msg.points[1].v[0], 1);
	assert_int_equal(msg.points[2].v[0], 2);
	assert_int_equal(msg.points[3].v[0], 3);
	assert_int_equal(msg.points[4].index, 7);
	assert_int_equal((int64_t)msg.points[4].v[0], -300);
	/* A read request names objects but carries no points. */
	const uint8_t rd[] = {0xc0, 0x01, 1, 2, 0x00, 0, 9};
	assert_int_equal(yg_dnp3_app_parse(rd, sizeof rd, &msg, &an), 0);
	assert_int_equal(msg.n_points, 0);
	/* More points than kept: the rest are walked, not kept; the next
	 * object is still read. 300 packed bits, then g80v1. */
	uint8_t many[4 + 7 + 38 + 6] = {0xc0, 0x81, 0, 0, 1, 1, 0x01, 0x00, 0x00, 0x2b, 0x01};
	memcpy(many + 4 + 7 + 38, (const uint8_t[]){80, 1, 0x00, 7, 7, 0x00}, 6);
	assert_int_equal(yg_dnp3_app_parse(many, sizeof many, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.n_objects, 2);
	assert_int_equal(msg.n_points, YG_DNP3_MAX_POINTS);
	assert_true(msg.points_cut);
	assert_int_equal(msg.objects[1].n_points, 0);
}

static void function_classes(void **state)
{
	(void)state;
	static const struct {
		uint8_t fc;
		enum yg_ics_op op;
		const char *name;
	} want[] = {
	    {2, YG_ICS_OP_WRITE, "write"},         {3, YG_ICS_OP_OPERATE, "select"},
	    {4, YG_ICS_OP_OPERATE, "operate"},     {13, YG_ICS_OP_RESTART, "cold_restart"},
	    {14, YG_ICS_OP_RESTART, "warm_restart"}, {18, YG_ICS_OP_STOP, "stop_application"},
	    {20, YG_ICS_OP_WRITE, "enable_unsolicited"}, {21, YG_ICS_OP_WRITE, "disable_unsolicited"},
	    {25, YG_ICS_OP_READ, "open_file"},     {27, YG_ICS_OP_WRITE, "delete_file"},
	    {31, YG_ICS_OP_DOWNLOAD, "activate_config"},
	};
	enum yg_anomaly an;
	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
		uint8_t m[2] = {0xc0, want[i].fc};
		assert_int_equal(yg_dnp3_app_parse(m, 2, &msg, &an), 0);
		assert_int_equal(msg.op, want[i].op);
		assert_string_equal(yg_dnp3_function_name(want[i].fc), want[i].name);
	}
	/* A file written to the outstation (group 70 var 5) is a download. */
	const uint8_t fw[] = {0xc0, 0x02, 70, 5, 0x5b, 1, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 'x', 'y'};
	assert_int_equal(yg_dnp3_app_parse(fw, sizeof fw, &msg, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.op, YG_ICS_OP_DOWNLOAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(link_and_crc),
	    cmocka_unit_test(transport),
	    cmocka_unit_test(app_objects),
	    cmocka_unit_test(function_classes),
	    cmocka_unit_test(layouts_consistent),
	    cmocka_unit_test(points_decoded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
