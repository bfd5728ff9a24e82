/*
 * Cookie header reading (see cookie.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "hub/cookie.h"

/* cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (no space,
 * DQUOTE, comma, semicolon, backslash, controls or non-ASCII). */
static bool cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
	       (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

static bool ws(char c)
{
	return c == ' ' || c == '\t';
}

int yg_cookie_get(const char *h, size_t len, const char *name, const char **ret_val,
		  size_t *ret_len)
{
	size_t nlen = strlen(name);
	if (!h)
		return -ENOENT;
	if (len > YG_COOKIE_HEADER_MAX)
		return -E2BIG;
	size_t i = 0;
	while (i < len) {
		/* One pair: [i, end) up to the next ';' or the header's end. */
		const char *semi = memchr(h + i, ';', len - i);
		size_t end = semi ? (size_t)(semi - h) : len;
		size_t a = i, b = end;
		while (a < b && ws(h[a]))
			a++;
		while (b > a && ws(h[b - 1]))
			b--;
		const char *eq = memchr(h + a, '=', b - a);
		if (eq) {
			size_t k = (size_t)(eq - h);
			size_t kb = k;
			while (kb > a && ws(h[kb - 1]))
				kb--;
			if (kb - a == nlen && !memcmp(h + a, name, nlen)) {
				size_t v = k + 1, ve = b;
				while (v < ve && ws(h[v]))
					v++;
				if (ve - v >= 2 && h[v] == '"' && h[ve - 1] == '"') {
					v++;
					ve--;
				}
				for (size_t j = v; j < ve; j++)
					if (!cookie_octet((unsigned char)h[j]))
						return -EBADMSG;
				*ret_val = h + v;
				*ret_len = ve - v;
				return 0;
			}
		}
		i = end + 1;
	}
	return -ENOENT;
}
