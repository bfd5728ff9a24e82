/*
 * AS numbers of address ranges from CSV files, for where no MaxMind-format
 * database carries them: the free ones that do are published as CSV (the
 * npm package @ip-location-db/asn, RouteViews + RIRs + DB-IP, CC BY 4.0),
 * one row per inclusive range:
 *   first_address,last_address,as_number[,"as organization"]
 * IPv4 and IPv6 rows may share a file. The organization is not kept: the
 * hub names a fallback owner by its number.
 *
 * A bad row (not two addresses of one family, first after last, a number
 * that is not 1..4294967295, a line over YG_ASN_LINE_MAX) is skipped and
 * counted; the first one is named (file and line) in the result. Rows
 * beyond YG_ASN_ROWS_MAX are refused. Overlapping ranges keep the one that
 * starts first.
 */
#ifndef YG_DARKNET_ASN_CSV_H
#define YG_DARKNET_ASN_CSV_H

#include <stddef.h>
#include <stdint.h>

#define YG_ASN_LINE_MAX 1024
#define YG_ASN_ROWS_MAX (8u << 20)

struct yg_asn_table;

struct yg_asn_load_result {
	size_t rows; /* good rows read (before overlaps are dropped) */
	size_t bad;  /* rows skipped */
	char first_bad[160]; /* "FILE:LINE: why" of the first, "" when none */
};

/* An empty table; caller frees with yg_asn_table_free. */
int yg_asn_table_new(struct yg_asn_table **ret);
void yg_asn_table_free(struct yg_asn_table *t);

/* Adds the rows of len bytes of CSV text; name says where they came from
 * in the result. -E2BIG past YG_ASN_ROWS_MAX (rows before it are kept). */
int yg_asn_table_parse(struct yg_asn_table *t, const char *name, const char *buf, size_t len,
		       struct yg_asn_load_result *res);

/* yg_asn_table_parse of a file's contents (read through a mapping). */
int yg_asn_table_load(struct yg_asn_table *t, const char *path, struct yg_asn_load_result *res);

/* Sorts and drops overlaps; call once after the last parse, before
 * lookups. */
void yg_asn_table_finish(struct yg_asn_table *t);

size_t yg_asn_table_rows(const struct yg_asn_table *t);

/* The AS number of addr (family 4: the first 4 bytes; 6: 16 bytes), 0
 * when no range holds it. Thread-safe after finish. */
uint32_t yg_asn_table_lookup(const struct yg_asn_table *t, uint8_t family, const uint8_t *addr);

#endif
