/*
 * Fuzzes DNP3 as the sensor drives it: the input is a stream of link
 * frames (framed by yg_dnp3_frame_len, resynchronised at the next 05 64
 * like src/sensor/app_ics.c), each checked and its segment fed to the
 * transport reassembly, each whole fragment parsed. The input is also
 * parsed as one application fragment on its own, so the object walker is
 * reached without valid CRCs. Checks the bounds of dnp3.h, and that
 * decoded points stay inside their objects and the point array. Seeds:
 * fuzz/seeds/ics.py writes fuzz/corpus/dnp3/.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/dnp3.h"

static struct yg_dnp3_reasm reasm;
static struct yg_dnp3_msg msg;

static void app(const uint8_t *p, size_t n)
{
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = yg_dnp3_app_parse(p, n, &msg, &an);
	if (r < 0 && an >= YG_ANOM__COUNT)
		abort();
	if (r == 0 && (msg.n_objects > YG_DNP3_MAX_OBJECTS || msg.op >= YG_ICS_OP__COUNT))
		abort();
	if (!yg_dnp3_function_name(msg.function))
		abort();
	if (r == 0 && msg.n_points > YG_DNP3_MAX_POINTS)
		abort();
	unsigned points = 0;
	for (unsigned i = 0; r == 0 && i < msg.n_objects; i++) {
		const struct yg_dnp3_object *o = &msg.objects[i];
		if (o->range_code <= 5 && o->stop < o->start)
			abort();
		/* Points belong to one object each, in order, within the array,
		 * and only to objects whose layout is known. */
		if (!o->n_points)
			continue;
		const struct yg_dnp3_layout *l = yg_dnp3_layout(o->group, o->variation);
		if (!l || o->first_point != points || o->n_points > o->count ||
		    o->first_point + o->n_points > msg.n_points)
			abort();
		points += o->n_points;
		for (unsigned k = 0; l->bits && k < o->n_points; k++)
			if (msg.points[o->first_point + k].v[0] >= (1u << l->bits))
				abort();
	}
	if (r == 0 && points != msg.n_points)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&reasm, 0, offsetof(struct yg_dnp3_reasm, buf));
	app(data, size);
	const uint8_t *p = data;
	size_t n = size;
	while (n) {
		size_t len = 0;
		enum yg_anomaly an = YG_ANOM__COUNT;
		int r = yg_dnp3_frame_len(p, n, &len, &an);
		if (r == -EAGAIN || (r == 0 && len > n))
			break;
		if (r < 0) {
			size_t k = 1;
			while (k + 1 < n && !(p[k] == 0x05 && p[k + 1] == 0x64))
				k++;
			p += k;
			n -= k;
			continue;
		}
		if (len > YG_DNP3_FRAME_MAX)
			abort();
		uint8_t seg[YG_DNP3_SEGMENT_MAX];
		size_t sl = 0;
		struct yg_dnp3_link link;
		if (yg_dnp3_link_parse(p, len, &link, seg, &sl, &an) == 0) {
			if (sl > YG_DNP3_SEGMENT_MAX)
				abort();
			const uint8_t *frag;
			size_t fn;
			r = yg_dnp3_transport(&reasm, seg, sl, &frag, &fn, &an);
			if (r == 1) {
				if (fn > YG_DNP3_FRAGMENT_MAX)
					abort();
				app(frag, fn);
			}
		}
		(void)yg_dnp3_detect(p, len);
		p += len;
		n -= len;
	}
	return 0;
}
