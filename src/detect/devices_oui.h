/*
 * MAC vendors from the IEEE OUI (MA-L) list. The table is generated at
 * build time by scripts/gen_oui.py from Debian's ieee-data
 * (/usr/share/ieee-data/oui.csv); it is empty when that was missing.
 */
#ifndef YG_DETECT_DEVICES_OUI_H
#define YG_DETECT_DEVICES_OUI_H

#include <stdint.h>

struct yg_oui_entry {
	uint32_t oui; /* the first three octets, big-endian */
	const char *name;
};

/* Sorted by oui; yg_oui_count entries (the generated file). */
extern const struct yg_oui_entry yg_oui_table[];
extern const unsigned yg_oui_count;

/* The vendor of mac (6 octets), or NULL when unknown. A locally
 * administered address (a randomized one, as phones use) has no vendor. */
const char *yg_oui_vendor(const uint8_t mac[6]);

#endif
