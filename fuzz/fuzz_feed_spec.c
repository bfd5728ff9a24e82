/*
 * Fuzzes the feed subscription parser (src/feeds/feed_spec.c), the body of
 * POST /api/v1/feeds and what `hub admin feed add` builds.
 *
 * Beyond "no crash": a subscription that parses is written back as JSON
 * (yg_feed_spec_json) and that parses again to the same subscription; an
 * error always names what was wrong (a non-empty message).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_feed_spec a, b;
	char err[256];
	int r = yg_feed_spec_parse((const char *)data, size, &a, err, sizeof err);
	if (r < 0) {
		if (r != -EINVAL && r != -ENOMEM)
			abort();
		if (r == -EINVAL && !err[0])
			abort();
		return 0;
	}
	char *text = NULL;
	if (yg_feed_spec_json(&a, &text) < 0)
		return 0;
	if (yg_feed_spec_parse(text, strlen(text), &b, err, sizeof err) < 0)
		abort();
	if (strcmp(a.name, b.name) || strcmp(a.url, b.url) || strcmp(a.format, b.format) ||
	    a.every_s != b.every_s || a.tlp != b.tlp || a.confidence != b.confidence ||
	    a.expire_after_s != b.expire_after_s || a.max_bytes != b.max_bytes ||
	    a.timeout_s != b.timeout_s || a.taxii != b.taxii || strcmp(a.token_file, b.token_file))
		abort();
	free(text);
	return 0;
}
