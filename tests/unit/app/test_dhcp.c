#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app/dhcp.h"
#include "app/nbns.h"

/* A DHCPREQUEST: fixed part, cookie, then the options given. */
static size_t build(uint8_t *b, const uint8_t *opts, size_t n)
{
	memset(b, 0, 240);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	static const uint8_t mac[6] = {0x00, 0x1b, 0xa9, 0, 0, 1};
	memcpy(b + 28, mac, 6);
	b[236] = 0x63;
	b[237] = 0x82;
	b[238] = 0x53;
	b[239] = 0x63;
	memcpy(b + 240, opts, n);
	return 240 + n;
}

/* Parses from an exact-size heap copy, so ASan sees any overread. */
static int parse(const uint8_t *b, size_t n, struct yg_dhcp_msg *m, const char **where)
{
	uint8_t *c = malloc(n ? n : 1);
	memcpy(c, b, n);
	int r = yg_dhcp_parse(c, n, m, where);
	free(c);
	return r;
}

static void options(void **state)
{
	(void)state;
	static const uint8_t opts[] = {53, 1, 3, 50, 4, 10, 1, 0, 20, 0, 12, 9, 'B', 'R', 'N', '0',
	                               '0', '1', 'B', 'A', 9, 60, 11, 'H', 'P', ' ', 'L', 'a',
	                               's', 'e', 'r', 'J', 'e', 't', 55, 3, 1, 3, 6, 81, 6, 0, 0,
	                               0, 'b', 'r', 'n', 255};
	uint8_t b[512];
	size_t n = build(b, opts, sizeof opts);
	struct yg_dhcp_msg m;
	assert_int_equal(parse(b, n, &m, NULL), 0);
	assert_int_equal(m.op, 1);
	assert_int_equal(m.type, 3);
	assert_true(m.has_chaddr);
	assert_int_equal(m.chaddr[1], 0x1b);
	assert_true(m.has_requested);
	assert_int_equal(m.requested[3], 20);
	assert_string_equal(m.hostname, "BRN001BA"); /* the tab is not printable */
	assert_string_equal(m.vendor_class, "HP LaserJet");
	assert_string_equal(m.prl, "1,3,6");
	assert_string_equal(m.fqdn, "brn");

	/* Every cut: an error naming where, never a read past the end. */
	for (size_t k = 0; k < n; k++) {
		const char *where = NULL;
		int r = parse(b, k, &m, &where);
		if (k < 240) {
			assert_int_equal(r, -EBADMSG);
			assert_non_null(where);
		} else if (r < 0) {
			assert_string_equal(where, "option length");
		}
	}
	const char *where = NULL;
	b[236] = 0;
	assert_int_equal(parse(b, n, &m, &where), -EBADMSG);
	assert_string_equal(where, "magic cookie");
}

static void netbios_names(void **state)
{
	(void)state;
	char out[16];
	unsigned suffix = 99;
	/* "DESKTOP-ABC" padded with spaces, suffix 0x00. */
	assert_true(yg_nbns_decode_name("EEEFFDELFEEPFACNEBECEDCACACACAAA", out, &suffix));
	assert_string_equal(out, "DESKTOP-ABC");
	assert_int_equal(suffix, 0);
	assert_true(yg_nbns_decode_name("EEEFFDELFEEPFACNEBECEDCACACACACA.corp", out, &suffix));
	assert_int_equal(suffix, 0x20);
	assert_false(yg_nbns_decode_name("EEEF", out, &suffix));
	assert_false(yg_nbns_decode_name("EEEFFDELFEEPFACNEBECEDCACACACAAZ", out, &suffix));
	assert_false(yg_nbns_decode_name("CACACACACACACACACACACACACACACAAA", out, &suffix));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(options),
	    cmocka_unit_test(netbios_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
