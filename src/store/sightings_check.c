/* The argument check both backends' put_many make before writing. */
#include <errno.h>

#include "store/store_sightings.h"

int yg_sighting_batch_check(const struct yg_sighting_in *in, size_t n, const int *ret_results)
{
	if (n && (!in || !ret_results))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!in[i].stix_id || !in[i].indicator_id || !in[i].json ||
		    in[i].json_len > YG_SIGHTING_JSON_MAX)
			return -EINVAL;
	return 0;
}
