/*
 * Fuzzes the MISP feed reader (src/intel/load_misp.c): the manifest
 * parser and the event loader. The input is "MANIFEST\n\x00\nEVENT" (either
 * part may be empty or anything).
 *
 * Beyond "no crash": every UUID the manifest yields is 36 characters of
 * hex digits and dashes (it becomes a file name, so nothing else may get
 * through), their count is the return value, and every indicator loaded
 * from the event is found again by its own value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"
#include "intel_fuzz_check.h"

static void on_uuid(void *ud, const char *u)
{
	long *count = ud;
	if (strlen(u) != 36)
		abort();
	for (int i = 0; i < 36; i++) {
		char c = u[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		          (c >= 'A' && c <= 'F') || c == '-';
		if (!ok)
			abort();
	}
	++*count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = NULL;
	for (size_t i = 0; i + 3 <= size; i++)
		if (data[i] == '\n' && data[i + 1] == 0 && data[i + 2] == '\n') {
			sep = data + i;
			break;
		}
	size_t mlen = sep ? (size_t)(sep - data) : size;
	long count = 0;
	const char *why = NULL;
	long r = yg_intel_misp_manifest((const char *)data, mlen, on_uuid, &count, &why);
	if (r >= 0 ? r != count : (!why || !*why))
		abort();
	if (!sep)
		return 0;
	const uint8_t *ev = sep + 3;
	size_t elen = size - (size_t)(ev - data);
	struct yg_intel_builder *b;
	struct yg_intel_set *s;
	if (yg_intel_builder_new(&b) < 0)
		return 0;
	yg_intel_builder_on_error(b, intel_fuzz_ignore, NULL);
	static const struct yg_intel_format misp = {.kind = YG_FMT_MISP, .type = -1};
	long k = yg_intel_load_buffer_as(b, "event.json", ev, elen, &misp);
	if (yg_intel_builder_build(b, &s) < 0)
		return 0;
	if (k >= 0 && yg_intel_set_count(s) != (size_t)k)
		abort();
	intel_fuzz_check_all(s);
	yg_intel_set_free(s);
	return 0;
}
