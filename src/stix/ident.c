/*
 * STIX 2.1 type names and identifiers (STIX 2.1 sections 2.9 and 3.1;
 * UUID layout from RFC 4122 section 4.1):
 *
 *   xxxxxxxx-xxxx-Vxxx-Nxxx-xxxxxxxxxxxx    V = version 1..5, N = 8, 9, a, b
 */
#include <string.h>

#include "stix/ident.h"

#define UUID_LEN 36

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool yg_stix_type_valid(const char *s, size_t len)
{
	if (!s || len < YG_STIX_TYPE_MIN_LEN || len > YG_STIX_TYPE_MAX_LEN)
		return false;
	if (s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		if (c == '-') {
			if (s[i - 1] == '-')
				return false;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			return false;
		}
	}
	return true;
}

bool yg_stix_uuid_valid(const char *s, size_t len)
{
	if (!s || len != UUID_LEN)
		return false;
	for (size_t i = 0; i < UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !is_hex(s[i]))
			return false;
	}
	if (s[14] < '1' || s[14] > '5')
		return false;
	return strchr("89abAB", s[19]) != NULL && s[19] != '\0';
}

size_t yg_stix_id_type_len(const char *s, size_t len)
{
	if (!s || len < YG_STIX_TYPE_MIN_LEN + 2 + UUID_LEN)
		return 0;
	size_t tlen = len - 2 - UUID_LEN;
	if (s[tlen] != '-' || s[tlen + 1] != '-')
		return 0;
	if (!yg_stix_type_valid(s, tlen) || !yg_stix_uuid_valid(s + tlen + 2, UUID_LEN))
		return 0;
	return tlen;
}

bool yg_stix_id_valid(const char *s, size_t len, const char *want_type)
{
	size_t tlen = yg_stix_id_type_len(s, len);
	if (tlen == 0)
		return false;
	return !want_type || (strlen(want_type) == tlen && memcmp(s, want_type, tlen) == 0);
}

bool yg_stix_id_loose(const char *s, size_t len, const char *want_type)
{
	size_t t = strlen(want_type);
	if (len <= t + 2 || memcmp(s, want_type, t) != 0 || s[t] != '-' || s[t + 1] != '-')
		return false;
	for (size_t i = t + 2; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-'))
			return false;
	}
	return true;
}
