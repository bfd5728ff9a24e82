/*
 * The --home-net list parser: any bytes give a list or -EINVAL with the
 * offending item, and every parsed network answers lookups.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/homenet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct yg_homenet h;
	char err[64];
	if (yg_homenet_parse(s, &h, err, sizeof err) == 0) {
		if (h.n == 0 || h.n > YG_HOMENET_MAX)
			abort();
		struct yg_addr a = {0};
		memcpy(a.b, data, size < 16 ? size : 16);
		yg_homenet_direction(&h, 4, &a, &a);
		yg_homenet_direction(&h, 6, &a, &a);
	} else if (memchr(err, '\0', sizeof err) == NULL) {
		abort();
	}
	free(s);
	return 0;
}
