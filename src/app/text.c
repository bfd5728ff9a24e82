/*
 * The one escaping rule of the app layer (see app-int.h): outside bytes to
 * printable, NUL-free, valid UTF-8 text.
 */
#include "app/app-int.h"

#include <string.h>

/*
 * Length of the valid UTF-8 sequence starting at p[0] (a byte >= 0x80), or
 * 0 when it is not one: no overlong forms, no surrogates, nothing above
 * U+10FFFF (RFC 3629 section 4).
 */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t b = p[0];
	size_t k;
	uint8_t lo = 0x80, hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf) {
		k = 2;
	} else if (b >= 0xe0 && b <= 0xef) {
		k = 3;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		k = 4;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < k || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return k;
}

/* Whether b is copied as it is. */
static inline bool plain(uint8_t b, unsigned flags)
{
	return b > 0x20 && b < 0x7f && b != '\\' && (b != '.' || !(flags & YG_TEXT_DNS_LABEL));
}

/* How p[0] is written: *ret_n bytes copied raw (>= 1), or an escape of
 * length 2 ("\." "\\") or 4 ("\DDD") with *ret_n = 1. Returns the output
 * length. */
static size_t one(const uint8_t *p, size_t n, unsigned flags, size_t *ret_n)
{
	uint8_t b = p[0];
	*ret_n = 1;
	if (b > 0x20 && b < 0x7f) {
		if (b == '\\' || (b == '.' && (flags & YG_TEXT_DNS_LABEL)))
			return 2;
		return 1;
	}
	if (b >= 0x80) {
		size_t k = utf8_seq(p, n);
		if (k) {
			*ret_n = k;
			return k;
		}
	}
	return 4;
}

size_t yg_app_text_len(const uint8_t *p, size_t n, unsigned flags)
{
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		/* Plain printable runs are the common case: count them fast. */
		if (plain(p[i], flags)) {
			out++;
			i++;
			continue;
		}
		size_t used;
		out += one(p + i, n - i, flags, &used);
		i += used;
	}
	return out;
}

size_t yg_app_text_put(char *out, size_t room, const uint8_t *p, size_t n, unsigned flags,
                       bool *ret_cut)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		/* Plain printable bytes: copy the whole run at once. */
		size_t j = i;
		while (j < n && plain(p[j], flags))
			j++;
		if (j > i) {
			size_t k = j - i <= room - o ? j - i : room - o;
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
			if (i < j) {
				if (ret_cut)
					*ret_cut = true;
				return o;
			}
			continue;
		}
		size_t used;
		size_t w = one(p + i, n - i, flags, &used);
		if (w > room - o) {
			if (ret_cut)
				*ret_cut = true;
			return o;
		}
		if (w == used) {
			for (size_t k = 0; k < used; k++)
				out[o++] = (char)p[i + k];
		} else if (w == 2) {
			out[o++] = '\\';
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = (char)('0' + p[i] / 100);
			out[o++] = (char)('0' + p[i] / 10 % 10);
			out[o++] = (char)('0' + p[i] % 10);
		}
		i += used;
	}
	return o;
}
