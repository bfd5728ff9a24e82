/*
 * Fuzzes the warning-list matcher (src/intel/warn.c). The input is
 * "LISTS\n\0\nFEED": LISTS loads as one warning list, FEED into a builder
 * that holds back what is on it.
 *
 * Beyond "no crash": every value of the feed's set is not on the list
 * (it would have been held back), and every held-back value is on it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"
#include "intel_fuzz_check.h"

static void on_held(void *ud, const char *source, unsigned long line, const char *value,
                    const char *list)
{
	(void)source;
	(void)line;
	if (!value || !list || strcmp(list, "lists") != 0)
		abort();
	++*(unsigned long *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = NULL;
	for (size_t i = 0; i + 3 <= size; i++)
		if (data[i] == '\n' && data[i + 1] == 0 && data[i + 2] == '\n') {
			sep = data + i;
			break;
		}
	if (!sep)
		return 0;
	struct yg_intel_warn *w;
	if (yg_intel_warn_new(&w) < 0)
		return 0;
	yg_intel_warn_on_error(w, intel_fuzz_ignore, NULL);
	yg_intel_warn_load_buffer(w, "lists", data, (size_t)(sep - data));
	if (yg_intel_warn_build(w) < 0)
		goto out;
	struct yg_intel_builder *b;
	struct yg_intel_set *s;
	unsigned long held = 0;
	if (yg_intel_builder_new(&b) < 0)
		goto out;
	yg_intel_builder_on_error(b, intel_fuzz_ignore, NULL);
	yg_intel_builder_set_warn(b, w, on_held, &held);
	const uint8_t *feed = sep + 3;
	yg_intel_load_buffer(b, "feed", feed, size - (size_t)(feed - data));
	if (yg_intel_builder_held(b) != held)
		abort();
	if (yg_intel_builder_build(b, &s) < 0)
		goto out;
	for (uint32_t i = 0; i < yg_intel_set_count(s); i++) {
		struct yg_indicator_info in;
		yg_intel_describe(s, i, &in);
		if (yg_intel_warn_check(w, in.type, in.value, strlen(in.value)))
			abort();
	}
	intel_fuzz_check_all(s);
	yg_intel_set_free(s);
out:
	yg_intel_warn_free(w);
	return 0;
}
