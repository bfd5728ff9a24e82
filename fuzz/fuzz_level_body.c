/*
 * The bodies of POST /api/v1/level/{set,confirm,reject,signals}
 * (src/level/body.c); the first byte picks the parser. Any bytes give a
 * parsed body within its caps, or -EINVAL with a message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "level/body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > YG_LEVEL_BODY_MAX + 2)
		return 0;
	const char *b = (const char *)data + 1;
	size_t n = size - 1;
	char err[300];
	err[0] = '\0';
	int r;
	switch (data[0] % 3) {
	case 0: {
		struct yg_level_set_body s;
		r = yg_level_body_set(b, n, &s, err, sizeof err);
		if (r == 0 && s.level && (s.level < YG_LEVEL_MIN || s.level > YG_LEVEL_MAX ||
					  !s.reason[0]))
			abort();
		break;
	}
	case 1: {
		struct yg_level_decision_body d;
		r = yg_level_body_decision(b, n, &d, err, sizeof err);
		if (r == 0 && d.proposal < 0)
			abort();
		break;
	}
	default: {
		struct yg_level_signal_body *s = NULL;
		size_t k = 0;
		r = yg_level_body_signals(b, n, &s, &k, err, sizeof err);
		if (r == 0) {
			if (k == 0 || k > YG_LEVEL_BODY_SIGNALS)
				abort();
			for (size_t i = 0; i < k; i++)
				if (!yg_level_signal_name_ok(s[i].name) ||
				    (s[i].detail && strlen(s[i].detail) > YG_LEVEL_DETAIL_MAX))
					abort();
			yg_level_body_signals_free(s, k);
		}
		break;
	}
	}
	if (r < 0 && (r != -EINVAL && r != -ENOMEM))
		abort();
	if (r == -EINVAL && !err[0])
		abort();
	return 0;
}
