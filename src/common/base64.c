/*
 * The decoding itself is OpenSSL's; this file adds the strictness
 * EVP_DecodeBlock lacks (it skips leading blanks, accepts '=' anywhere it
 * ends a quad and counts padding as zero bytes) and the bound on output.
 */
#include "common/base64.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

static bool b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int yg_base64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *ret_len)
{
	if (n == 0 || n % 4 || n > INT_MAX)
		return -EINVAL;
	size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < n - pad; i++)
		if (!b64_char((unsigned char)s[i]))
			return -EINVAL;
	size_t len = n / 4 * 3 - pad;
	if (len > cap)
		return -E2BIG;
	/* EVP_DecodeBlock writes whole quads (n / 4 * 3 bytes): decode into
	 * out directly when that fits, else through a bounded scratch copy. */
	unsigned char tail[3];
	size_t whole = n / 4 * 3;
	if (whole <= cap) {
		if (EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) != (int)whole)
			return -EINVAL;
	} else {
		size_t head = n - 4;
		if (head && EVP_DecodeBlock(out, (const unsigned char *)s, (int)head) !=
		                (int)(head / 4 * 3))
			return -EINVAL;
		if (EVP_DecodeBlock(tail, (const unsigned char *)s + head, 4) != 3)
			return -EINVAL;
		memcpy(out + head / 4 * 3, tail, 3 - pad);
	}
	*ret_len = len;
	return 0;
}
