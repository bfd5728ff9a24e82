/*
 * Fuzzes the indicator file loaders (src/intel/load*.c) on raw bytes: the
 * format is detected from the content (plain, hosts, CSV, STIX). The first
 * byte picks the source name (a "ja3" name changes how 32-hex values are
 * typed). Beyond "no crash", every indicator of the built set must be
 * found again by the lookup for its own normalized value.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"
#include "intel_fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_intel_builder *b;
	struct yg_intel_set *s;
	if (yg_intel_builder_new(&b) < 0)
		return 0;
	yg_intel_builder_on_error(b, intel_fuzz_ignore, NULL);
	const char *name = size && (data[0] & 1) ? "feeds/ja3.txt" : "feeds/list.txt";
	long r = yg_intel_load_buffer(b, name, data, size);
	if (yg_intel_builder_build(b, &s) < 0)
		return 0;
	if (r >= 0 && yg_intel_set_count(s) < (size_t)r)
		abort();
	intel_fuzz_check_all(s);
	yg_intel_set_free(s);
	return 0;
}
