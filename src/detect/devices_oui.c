/* MAC vendor lookup: a binary search of the generated OUI table. */
#include <stddef.h>

#include "detect/devices_oui.h"

const char *yg_oui_vendor(const uint8_t mac[6])
{
	if (mac[0] & 0x02) /* locally administered */
		return NULL;
	uint32_t key = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
	unsigned lo = 0, hi = yg_oui_count;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (yg_oui_table[mid].oui < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < yg_oui_count && yg_oui_table[lo].oui == key ? yg_oui_table[lo].name : NULL;
}
