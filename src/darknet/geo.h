/*
 * Country and AS number of an address from MaxMind-format databases
 * (libmaxminddb). Every *.mmdb file of a folder is opened; a lookup asks
 * them in name order and takes the first country and the first AS number
 * found, under the field names the common free databases use:
 *   country: "country_code" (ip-location-db), "country"."iso_code" (MaxMind)
 *   ASN:     "autonomous_system_number" (MaxMind, ip-location-db), "asn"
 * An AS number no database has comes from the folder's *asn*.csv range
 * files when there are any (asn_csv.h: the free AS tables are CSV only).
 * No database, or an address in none: the fields are absent.
 */
#ifndef YG_DARKNET_GEO_H
#define YG_DARKNET_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define YG_GEO_MAX_DBS 8

struct yg_geo;

struct yg_geo_result {
	char country[3]; /* "" when unknown */
	uint32_t asn;    /* 0 when unknown */
};

/*
 * Opens the *.mmdb and *asn*.csv files of dir. Returns 0 with *ret NULL
 * when the folder has none (or does not exist: not an error, geo is
 * optional), 0 with *ret set, or -EBADMSG when a file is there but not a
 * database, or cannot be read (err names it).
 * Caller frees with yg_geo_free.
 */
int yg_geo_open(const char *dir, struct yg_geo **ret, char *err, size_t errlen);
void yg_geo_free(struct yg_geo *g);
/* How many databases are open, and the name of the i-th. */
unsigned yg_geo_count(const struct yg_geo *g);
const char *yg_geo_name(const struct yg_geo *g, unsigned i);
/* How many AS ranges the *asn*.csv files gave. */
size_t yg_geo_asn_ranges(const struct yg_geo *g);

/* Thread-safe (libmaxminddb reads a shared mapping). */
void yg_geo_lookup(const struct yg_geo *g, uint8_t family, const struct yg_addr *a,
                   struct yg_geo_result *ret);

#endif
