/*
 * Fuzzes the device inventory's parsers: yg_dhcp_parse with the input as
 * one DHCP message, and yg_nbns_decode_name with its first bytes as a
 * NUL-terminated name. Besides crashes (ASan/UBSan) it checks what they
 * promise: an error names where the input was bad, strings are
 * NUL-terminated printable ASCII inside their fields, a decoded NetBIOS
 * name is 1..15 printable characters. Seeds: fuzz/seeds/dhcp.py writes
 * fuzz/corpus/dhcp/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/dhcp.h"
#include "app/nbns.h"

static void check_text(const char *s, size_t cap)
{
	const char *end = memchr(s, '\0', cap);
	if (!end)
		abort();
	for (const char *c = s; c < end; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_dhcp_msg m;
	const char *where = NULL;
	int r = yg_dhcp_parse(data, size, &m, &where);
	if (r < 0) {
		if (!where)
			abort();
	} else {
		if (m.op != 1 && m.op != 2)
			abort();
		check_text(m.hostname, sizeof m.hostname);
		check_text(m.vendor_class, sizeof m.vendor_class);
		check_text(m.fqdn, sizeof m.fqdn);
		check_text(m.prl, sizeof m.prl);
	}
	char name[64], out[16];
	size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
	memcpy(name, data, n);
	name[n] = 0;
	unsigned suffix;
	if (yg_nbns_decode_name(name, out, &suffix)) {
		size_t k = strlen(out);
		if (k == 0 || k > 15 || suffix > 255)
			abort();
		check_text(out, sizeof out);
	}
	return 0;
}
