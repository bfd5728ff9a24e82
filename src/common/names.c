/* Name and text checks; see names.h. */
#include "common/names.h"

bool yg_label_ok(const char *s, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= max ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n > 0 && s[0] != '.';
}

bool yg_printable_ok(const char *s, size_t max, bool empty_ok)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= max || (unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f ||
		    s[n] == '"')
			return false;
	return n > 0 || empty_ok;
}
