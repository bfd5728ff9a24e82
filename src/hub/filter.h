/*
 * TAXII 2.1 URL filters and pagination (section 3.4): added_after, limit,
 * next, match[id], match[type], match[version], match[spec_version].
 * Values arrive URL-decoded as key/value pairs; a filter may repeat and
 * hold a comma-separated list. Unknown parameters are ignored (as the
 * spec asks). Lists hold at most YG_STORE_LIST_MAX entries (-E2BIG).
 * Values must be of their kind (-EINVAL otherwise): match[id] STIX ids,
 * match[type] STIX type names, match[spec_version] "N.N", match[version]
 * first/last/all or timestamps, added_after a timestamp, limit 1.. and next
 * a cursor of this hub.
 *
 * next is this hub's cursor: the date_added (Unix microseconds, decimal)
 * of the last object of the previous page. Date-added values are unique
 * per collection, so a cursor never skips or repeats an object.
 */
#ifndef YG_HUB_FILTER_H
#define YG_HUB_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_TAXII_LIMIT_DEFAULT 100
#define YG_TAXII_LIMIT_MAX     1000

struct yg_kv {
	const char *key;
	const char *value;
};

struct yg_taxii_filter {
	int64_t added_after_us; /* max of added_after and next; 0 = none */
	size_t limit;
	const char *ids[YG_STORE_LIST_MAX];
	size_t n_ids;
	const char *types[YG_STORE_LIST_MAX];
	size_t n_types;
	const char *spec_versions[YG_STORE_LIST_MAX];
	size_t n_spec_versions;
	unsigned version_flags;
	int64_t versions_us[YG_STORE_LIST_MAX];
	size_t n_versions;
	char *text; /* owned copy the pointers above point into */
};

/* Parses the filters. On a bad value returns -EINVAL (-E2BIG for a list
 * too long) and writes to err which parameter and why. Release with
 * yg_taxii_filter_release (also after failure). */
int yg_taxii_filter_parse(const struct yg_kv *args, size_t n, struct yg_taxii_filter *ret,
			  char *err, size_t errlen);

void yg_taxii_filter_release(struct yg_taxii_filter *f);

#endif
