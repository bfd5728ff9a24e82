/*
 * Fuzzes the MISP feed reader (src/intel/load_misp.c): the manifest
 * parser and the event loader. The input is "MANIFEST\n\x00\nEVENT" (either
 * part may be empty or anything).
 *
 * Beyond "no crash": every UUID the manifest yields is 36 characters of
 * hex digits and dashes (it becomes a file name, so nothing else may get
 * through), their count is the return value, and every indicator loaded
 * from the event is found again by its own value.
 *
 * The hub's MISP feed reader (src/feeds/feed_misp.c) splits the same
 * event by TLP tag before the loader sees it: the values of all its
 * levels together must be exactly the values the event gives unsplit
 * (for an {"Event": ...} text; a REST answer is not a feed's event).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "feeds/feeds.h"
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

static int same_value(const struct yg_export_item *a, const struct yg_export_item *b)
{
	return a->type == b->type && !strcmp(a->value, b->value);
}

/* The split by TLP loses and invents nothing (whole is the unsplit set). */
static void split_check(const char *ev, size_t len, const struct yg_intel_set *whole)
{
	if (memmem(ev, len, "response", 8))
		return;
	struct yg_intel_builder *b[YG_TLP_RED + 1] = {0};
	struct yg_intel_set *sets[YG_TLP_RED + 1] = {0};
	struct yg_export_item *all = NULL, *want = NULL, *per = NULL;
	size_t n_all = 0, n_want = 0, n_per = 0;
	int ok = 1;
	for (int l = 0; l <= YG_TLP_RED; l++) {
		ok &= yg_intel_builder_new(&b[l]) == 0;
		if (b[l])
			yg_intel_builder_on_error(b[l], intel_fuzz_ignore, NULL);
	}
	long k = ok ? yg_feed_misp_event_load(b, "event.json", ev, len, YG_TLP_GREEN) : -ENOMEM;
	for (int l = 0; l <= YG_TLP_RED; l++) {
		if (b[l] && yg_intel_builder_build(b[l], &sets[l]) < 0)
			ok = 0;
		b[l] = NULL;
	}
	if (k < 0 || !ok)
		goto out;
	for (int l = 0; l <= YG_TLP_RED; l++) {
		if (yg_export_items_from_set(sets[l], &per, &n_per) < 0)
			goto out;
		struct yg_export_item *g = realloc(all, (n_all + n_per + 1) * sizeof *all);
		if (!g)
			goto out;
		all = g;
		memcpy(all + n_all, per, n_per * sizeof *per);
		n_all += n_per;
		free(per);
		per = NULL;
	}
	n_all = yg_export_items_sort(all, n_all);
	if (yg_export_items_from_set(whole, &want, &n_want) < 0)
		goto out;
	if (n_all != n_want)
		abort();
	for (size_t i = 0; i < n_all; i++)
		if (!same_value(&all[i], &want[i]))
			abort();
out:
	free(per);
	free(all);
	free(want);
	for (int l = 0; l <= YG_TLP_RED; l++) {
		yg_intel_builder_free(b[l]);
		yg_intel_set_free(sets[l]);
	}
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
	split_check((const char *)ev, elen, s);
	yg_intel_set_free(s);
	return 0;
}
