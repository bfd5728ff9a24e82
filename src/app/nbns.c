/*
 * NetBIOS first-level encoding, RFC 1001 section 14.1: each octet of the
 * 16-octet name becomes two letters, 'A' + high nibble and 'A' + low
 * nibble, so a label of exactly 32 letters A..P.
 */
#include <stdint.h>
#include <string.h>

#include "app/nbns.h"

bool yg_nbns_decode_name(const char *enc, char out[16], unsigned *ret_suffix)
{
	uint8_t raw[16];
	for (unsigned i = 0; i < 32; i++) {
		char ch = enc[i];
		if (ch >= 'a' && ch <= 'p')
			ch = (char)(ch - 'a' + 'A');
		if (ch < 'A' || ch > 'P')
			return false;
		if (i % 2 == 0)
			raw[i / 2] = (uint8_t)((ch - 'A') << 4);
		else
			raw[i / 2] |= (uint8_t)(ch - 'A');
	}
	if (enc[32] != 0 && enc[32] != '.')
		return false;
	unsigned n = 15;
	while (n > 0 && raw[n - 1] == ' ')
		n--;
	if (n == 0)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (raw[i] < 0x21 || raw[i] > 0x7e)
			return false;
		out[i] = (char)raw[i];
	}
	out[n] = 0;
	*ret_suffix = raw[15];
	return true;
}
