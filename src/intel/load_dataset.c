/*
 * Suricata dataset files (Suricata user guide, "Datasets"): the files a
 * dataset's load/state option names, one value a line:
 *
 *   type     a line                      here
 *   string   ZXZpbC5leGFtcGxl            base64 of the bytes -> type inferred
 *                                          from the decoded text (a name, a URL)
 *   md5      d41d8cd98f00b204e9800998ecf8427e   hex -> md5
 *   sha256   e3b0c442...b855                hex -> sha256
 *   ipv4     192.0.2.7                      -> ip
 *   ipv6     2001:db8::7                    -> ip
 *
 * A datarep file adds ",reputation" to each line; it is dropped. The hex
 * and address types read as plain lists (load_plain.c) with the type
 * forced; only string sets need this file's decoding.
 */
#include "intel/intel-int.h"

#include "common/base64.h"

#include <string.h>

static int string_line(struct yg_intel_emit *e, const char *s, size_t n, void *ctx)
{
	(void)ctx;
	const char *comma = memchr(s, ',', n);
	size_t k = comma ? (size_t)(comma - s) : n;
	char buf[YG_INTEL_MAX_URL + 4];
	size_t bl;
	if (yg_base64_decode(s, k, (unsigned char *)buf, sizeof buf, &bl) != 0) {
		yg_intel_emit_reject(e, "not base64 (a Suricata string dataset line)", s, n);
		return 0;
	}
	for (size_t i = 0; i < bl; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			yg_intel_emit_reject(e, "dataset value with control bytes", s, n);
			return 0;
		}
	return yg_intel_emit(e, -1, buf, bl);
}

long yg_intel_load_dataset(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, const struct yg_intel_format *f, unsigned hints)
{
	if (f && f->type >= 0) {
		struct yg_intel_format pf = *f;
		pf.kind = YG_FMT_PLAIN;
		return yg_intel_load_plain(b, source, p, len, &pf, hints);
	}
	return yg_intel_each_line(b, source, p, len, hints, "#", string_line, NULL);
}
