/*
 * Fuzzes what the dashboard reads from a request before any lookup: the
 * Cookie header (cookie.h) and a static file's path (web_static.h). Input:
 * the header bytes, not NUL-terminated (the parser must stay inside len).
 * Checks that a found value lies inside the header, holds only
 * cookie-octets, and that a path the checker accepts has no empty, dot or
 * dot-dot segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/cookie.h"
#include "hub/web_static.h"

static int octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
	       (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > YG_COOKIE_HEADER_MAX + 16)
		return 0;
	/* An exact-size copy, so that ASan sees any read past the end. */
	char *h = malloc(size ? size : 1);
	if (!h)
		return 0;
	memcpy(h, data, size);
	static const char *const names[] = {"yg_session", "a", ""};
	for (size_t k = 0; k < 3; k++) {
		const char *v;
		size_t n;
		if (yg_cookie_get(h, size, names[k], &v, &n) == 0) {
			if (v < h || n > size || (size_t)(v - h) > size - n)
				abort();
			for (size_t i = 0; i < n; i++)
				if (!octet((unsigned char)v[i]))
					abort();
		}
	}
	if (yg_web_path_ok(h, size)) {
		if (h[0] == '.' || h[0] == '/' || h[size - 1] == '/')
			abort();
		for (size_t i = 0; i + 1 < size; i++)
			if (h[i] == '/' && (h[i + 1] == '/' || h[i + 1] == '.'))
				abort();
	}
	free(h);
	return 0;
}
