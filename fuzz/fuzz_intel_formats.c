/*
 * Fuzzes the format detector (src/intel/detect.c), the format spec parser
 * (format.c) and every format's loader (load_*.c) named explicitly, so
 * each parser sees every input rather than only what the detector sends
 * it.
 *
 *   byte 0 < 0x80: the format kind (byte % count; 0 = detected), rest = file
 *   byte 0 >= 0x80: "SPEC\n" follows (csv,column=2,...), then the file
 *
 * Beyond "no crash": the detector never answers "auto"; every indicator of
 * the built set is found again by its own value; and loading the same file
 * a second time adds nothing, whether the first load was kept or taken
 * back as not recognized (so a rollback leaves the builder consistent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"
#include "intel_fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct yg_intel_format f = {.kind = YG_FMT_AUTO, .type = -1};
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	if (data[0] & 0x80) {
		const uint8_t *nl = memchr(p, '\n', n < 128 ? n : 128);
		if (!nl)
			return 0;
		if (yg_intel_format_parse((const char *)p, (size_t)(nl - p), &f) < 0)
			return 0;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	} else {
		f.kind = (enum yg_intel_format_kind)(data[0] % YG_FMT__COUNT);
	}
	if (yg_intel_detect(p, n) == YG_FMT_AUTO)
		abort();
	struct yg_intel_builder *b;
	struct yg_intel_set *s;
	if (yg_intel_builder_new(&b) < 0)
		return 0;
	yg_intel_builder_on_error(b, intel_fuzz_ignore, NULL);
	long r = yg_intel_load_buffer_as(b, "feed", p, n, &f);
	long r2 = yg_intel_load_buffer_as(b, "feed", p, n, &f);
	if (r >= 0 && r2 > 0)
		abort();
	if (yg_intel_builder_build(b, &s) < 0)
		return 0;
	if (r >= 0 && yg_intel_set_count(s) != (size_t)r)
		abort();
	intel_fuzz_check_all(s);
	yg_intel_set_free(s);
	return 0;
}
