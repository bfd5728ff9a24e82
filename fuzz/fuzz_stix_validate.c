/*
 * Fuzzes the STIX 2.1 object validator (src/stix/validate.c) the way the
 * hub will feed it: JSON bytes, nesting-checked, parsed by jansson, then
 * validated as a bundle or as one object. Checks that every verdict comes
 * with a consistent message.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/validate.h"

#define MAX_DEPTH 32

/* Nesting depth of [ and { outside strings, so deep input never reaches
 * jansson's recursive parser. */
static bool depth_ok(const uint8_t *p, size_t n)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > MAX_DEPTH)
				return false;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return true;
}

static int count_bad(void *ud, size_t index, const json_t *obj, const char *err)
{
	(void)index;
	(void)obj;
	if (!err[0])
		abort();
	(*(size_t *)ud)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1 << 20) || !depth_ok(data, size))
		return 0;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return 0;
	char err[256];
	const char *type = json_string_value(json_object_get(j, "type"));
	if (type && strcmp(type, "bundle") == 0) {
		size_t seen = 0, bad = 0;
		int r = yg_stix_validate_bundle(j, count_bad, &seen, &bad, err, sizeof err);
		if (r != 0 && r != -EINVAL)
			abort();
		if (seen != bad || (r == 0) != (err[0] == '\0'))
			abort();
	} else {
		int r = yg_stix_validate_object(j, err, sizeof err);
		if ((r == 0) != (err[0] == '\0') || (r != 0 && r != -EINVAL))
			abort();
	}
	json_decref(j);
	return 0;
}
