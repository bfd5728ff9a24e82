/*
 * The bodies of the infected-host API (src/hub/hosts_body.c): the first
 * byte picks POST /api/v1/beacons or POST /api/v1/hosts/{id}/state. Any
 * bytes give a body within its caps (canonical addresses, a host or a
 * 64-hex hash, bounded numbers, last_seen not before first_seen; a state
 * an owner may ask for), or an error naming a field.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hosts_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > YG_BEACONS_BODY_MAX + 2)
		return 0;
	const char *b = (const char *)data + 1;
	size_t n = size - 1;
	struct yg_body_error err;
	memset(&err, 0, sizeof err);
	if (data[0] & 1) {
		struct yg_beacons *bs = NULL;
		int r = yg_beacons_parse(b, n, &bs, &err);
		if (r == 0) {
			if (!bs || bs->n == 0 || bs->n > YG_BEACONS_MAX)
				abort();
			for (size_t i = 0; i < bs->n; i++) {
				const struct yg_beacon *x = &bs->v[i];
				if (!x->host[0] || !x->dest[0] || x->last_us < x->first_us ||
				    x->score < 0 || x->score > 1 || x->count < 2 ||
				    (strcmp(x->proto, "tcp") && strcmp(x->proto, "udp")) ||
				    (x->hashed && strlen(x->host) != 69))
					abort();
			}
			yg_beacons_free(bs);
		} else if (r == -EINVAL && !err.why[0]) {
			abort();
		} else if (r != -EINVAL && r != -E2BIG && r != -ENOMEM) {
			abort();
		}
	} else {
		bool has = false;
		enum yg_host_state s = YG_HOST_DETECTED;
		char note[YG_HOST_NOTE_MAX + 1];
		int r = yg_host_state_body_parse(b, n, &has, &s, note, &err);
		if (r == 0 && has && s != YG_HOST_ACKNOWLEDGED && s != YG_HOST_CLEANED)
			abort();
		if (r == 0 && strlen(note) > YG_HOST_NOTE_MAX)
			abort();
		if (r == -EINVAL && !err.why[0])
			abort();
	}
	return 0;
}
