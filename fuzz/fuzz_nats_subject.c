/*
 * The NATS report subject a hub consumes (yg_hub_nats_subject,
 * hub/nats_hub.h) and the key=value credentials file (yg_nats_creds_parse,
 * common/natsconn.h). The first byte picks the parser. A subject that
 * parses names one of the three report paths and an organization id > 0,
 * and prints back to the same text; parsed credentials are NUL-terminated
 * within their fields and have a user. Message bodies are the POST bodies
 * of the HTTP API and are fuzzed there (fuzz_hub_sightings, ...): there is
 * no second body parser.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/natsconn.h"
#include "hub/nats_hub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	if (data[0] & 1) {
		const char *path = NULL;
		int64_t org = 0;
		if (yg_hub_nats_subject(p, n, &path, &org) == 0) {
			if (org <= 0 || (strcmp(path, "/api/v1/sightings") &&
			                 strcmp(path, "/api/v1/beacons") && strcmp(path, "/api/v1/darknet")))
				abort();
			char back[128];
			int k = snprintf(back, sizeof back, "yagura.%s.%lld", path + 8, (long long)org);
			/* Leading zeros are the only other spelling of an id. */
			if (k < 0 || (size_t)k > n || memcmp(back, p, strlen("yagura.") + strlen(path + 8)))
				abort();
		}
	} else {
		struct yg_nats_userpass up;
		char err[128];
		if (yg_nats_creds_parse(p, n, &up, err, sizeof err) == 0) {
			if (!up.user[0] || strnlen(up.user, sizeof up.user) == sizeof up.user ||
			    strnlen(up.password, sizeof up.password) == sizeof up.password || up.org < 0)
				abort();
		} else if (!err[0]) {
			abort();
		}
	}
	return 0;
}
