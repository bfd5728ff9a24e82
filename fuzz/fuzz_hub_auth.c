/*
 * Fuzzes the Authorization header forms the hub reads before any token
 * lookup: Bearer and Basic (RFC 7617, strict base64). Input: the header
 * value. Checks that every span handed back lies inside the header or the
 * decode buffer, and that Basic's user and password split the decoded
 * bytes at their first colon.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/auth.h"

static int inside(const char *p, size_t n, const char *lo, size_t span)
{
	return p >= lo && n <= span && (size_t)(p - lo) <= span - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *h = malloc(size + 1);
	if (!h)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	size_t hl = strlen(h);
	char buf[YG_AUTH_BASIC_MAX];
	const char *u, *p, *t;
	size_t ul, pl, tl;
	if (yg_auth_basic(h, buf, &u, &ul, &p, &pl) == 0) {
		if (u != buf || !inside(p, pl, buf, sizeof buf) || p != u + ul + 1 || p[-1] != ':' ||
		    memchr(u, ':', ul))
			abort();
	}
	enum yg_auth_scheme sch;
	if (yg_auth_token_of(h, buf, &t, &tl, &sch) == 0) {
		if (sch == YG_AUTH_BEARER && !inside(t, tl, h, hl))
			abort();
		if (sch == YG_AUTH_BASIC && !inside(t, tl, buf, sizeof buf))
			abort();
		if (sch == YG_AUTH_NONE)
			abort();
		yg_auth_token_shaped(t, tl);
	} else if (sch != YG_AUTH_NONE) {
		abort();
	}
	free(h);
	return 0;
}
