/* Exports larger than memory: the spilled runs merged back give exactly
 * what sorting everything in memory gives (order, de-duplication), also
 * past the fan-in where runs fold; and a streamed export is the same bytes
 * as one written from an array, for every format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"

#define N_ITEMS 5000
#define BATCH   97 /* 52 runs: folds at 16 several times */

static char values[N_ITEMS][48];
static char ids[N_ITEMS][48];

/* Items with duplicates across batches (value i % 1500) and mixed types. */
static void make(struct yg_export_item *it)
{
	for (size_t i = 0; i < N_ITEMS; i++) {
		size_t v = (i * 7919) % 1500;
		enum yg_ind_type t = v % 3 == 0   ? YG_IND_IP
		                     : v % 3 == 1 ? YG_IND_DOMAIN
		                                  : YG_IND_URL;
		if (t == YG_IND_IP)
			snprintf(values[i], sizeof values[i], "%zu.%zu.0.%zu", 11 + v / 256, v % 7,
			         v % 256);
		else if (t == YG_IND_DOMAIN)
			snprintf(values[i], sizeof values[i], "d%zu.example", v);
		else
			snprintf(values[i], sizeof values[i], "u%zu.example/p", v);
		snprintf(ids[i], sizeof ids[i], "indicator--%05zu", N_ITEMS - i);
		it[i] = (struct yg_export_item){.type = t,
		                                .value = values[i],
		                                .source = i % 2 ? "b" : "a",
		                                .id = i % 5 ? ids[i] : NULL};
	}
}

static int sink(void *ud, const char *p, size_t n)
{
	struct yg_export_buf *b = ud;
	char *d = realloc(b->data, b->len + n + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d + b->len, p, n);
	b->data = d;
	b->len += n;
	d[b->len] = 0;
	return 0;
}

static void merge_equals_sort(void **state)
{
	(void)state;
	static struct yg_export_item all[N_ITEMS], batch[BATCH];
	make(all);
	struct yg_export_spill *sp;
	assert_int_equal(yg_export_spill_new(&sp), 0);
	for (size_t i = 0; i < N_ITEMS; i += BATCH) {
		size_t n = N_ITEMS - i < BATCH ? N_ITEMS - i : BATCH;
		memcpy(batch, all + i, n * sizeof *batch);
		n = yg_export_items_sort(batch, n);
		assert_int_equal(yg_export_spill_add(sp, batch, n), 0);
	}
	size_t want = yg_export_items_sort(all, N_ITEMS);
	assert_int_equal(want, 1500);
	struct yg_export_src src;
	yg_export_spill_source(sp, &src);
	for (int pass = 0; pass < 2; pass++) { /* a rewind gives it all again */
		if (pass)
			assert_int_equal(src.rewind(src.ud), 0);
		size_t k = 0;
		struct yg_export_item it;
		while (src.next(src.ud, &it) > 0) {
			assert_true(k < want);
			assert_int_equal(it.type, all[k].type);
			assert_string_equal(it.value, all[k].value);
			assert_string_equal(it.source, all[k].source);
			if (all[k].id)
				assert_string_equal(it.id, all[k].id);
			else
				assert_null(it.id);
			k++;
		}
		assert_int_equal(k, want);
	}
	yg_export_spill_free(sp);
}

static void stream_equals_write(void **state)
{
	(void)state;
	static struct yg_export_item all[N_ITEMS];
	make(all);
	size_t n = yg_export_items_sort(all, N_ITEMS);
	struct yg_export_spill *sp;
	assert_int_equal(yg_export_spill_new(&sp), 0);
	for (size_t i = 0; i < n; i += 200)
		assert_int_equal(yg_export_spill_add(sp, all + i, n - i < 200 ? n - i : 200), 0);
	struct yg_export_meta meta = {.source = "unit", .generated = 1700000000};
	for (int f = 0; f < YG_EXPORT__COUNT; f++) {
		struct yg_export_buf a, b;
		yg_export_buf_init(&a);
		yg_export_buf_init(&b);
		struct yg_export_stats sa, sb;
		assert_int_equal(yg_export_write((enum yg_export_format)f, all, n, &meta, &a, &sa),
		                 0);
		struct yg_export_src src;
		yg_export_spill_source(sp, &src);
		assert_int_equal(
		    yg_export_stream((enum yg_export_format)f, &src, &meta, sink, &b, &sb), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		assert_int_equal(sa.written, sb.written);
		assert_int_equal(sa.skipped_type, sb.skipped_type);
		/* More than one 64 KiB piece went through the sink for the big ones. */
		yg_export_buf_release(&a);
		yg_export_buf_release(&b);
	}
	yg_export_spill_free(sp);
}

static void stream_cap(void **state)
{
	(void)state;
	static struct yg_export_item all[N_ITEMS];
	make(all);
	size_t n = yg_export_items_sort(all, N_ITEMS);
	struct yg_export_spill *sp;
	assert_int_equal(yg_export_spill_new(&sp), 0);
	assert_int_equal(yg_export_spill_add(sp, all, n), 0);
	struct yg_export_src src;
	yg_export_spill_source(sp, &src);
	struct yg_export_meta meta = {.generated = 1, .max_bytes = 100000};
	struct yg_export_buf b;
	yg_export_buf_init(&b);
	assert_int_equal(yg_export_stream(YG_EXPORT_STIX, &src, &meta, sink, &b, NULL), -E2BIG);
	assert_true(b.len <= 100000);
	yg_export_buf_release(&b);
	yg_export_spill_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(merge_equals_sort),
	    cmocka_unit_test(stream_equals_write),
	    cmocka_unit_test(stream_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
