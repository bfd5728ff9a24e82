#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/base64.h"

static int dec(const char *s, unsigned char *out, size_t cap, size_t *len)
{
	return yg_base64_decode(s, strlen(s), out, cap, len);
}

static void decodes_with_and_without_padding(void **state)
{
	(void)state;
	unsigned char o[16];
	size_t n = 99;
	assert_int_equal(dec("Zm9vYmFy", o, sizeof o, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(o, "foobar", 6);
	assert_int_equal(dec("Zm9vYg==", o, sizeof o, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(o, "foob", 4);
	assert_int_equal(dec("Zm9vYmE=", o, sizeof o, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(o, "fooba", 5);
	assert_int_equal(dec("+/+/", o, sizeof o, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(o[0], 0xfb);
	assert_int_equal(o[1], 0xff);
	assert_int_equal(o[2], 0xbf);
}

static void refuses_what_is_not_strict(void **state)
{
	(void)state;
	unsigned char o[16];
	size_t n = 7;
	const char *bad[] = {"", "Zm9", "Zm9vY", " Zm9v", "Zm9v ", "Zm=v", "Z===", "====",
	                     "Zm9v-_8=", "Zm9vYg=a", "Zm\n9v"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(dec(bad[i], o, sizeof o, &n), -EINVAL);
	assert_int_equal(n, 7); /* untouched on failure */
}

static void bounds_output_exactly(void **state)
{
	(void)state;
	unsigned char o[8];
	size_t n = 0;
	memset(o, 0xaa, sizeof o);
	/* "foob" needs 4 bytes although the quads span 6 */
	assert_int_equal(dec("Zm9vYg==", o, 4, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(o, "foob", 4);
	assert_int_equal(o[4], 0xaa);
	assert_int_equal(dec("Zm9vYmE=", o, 4, &n), -E2BIG);
	assert_int_equal(dec("Zm9vYmFy", o, 6, &n), 0);
	assert_int_equal(dec("Zm9vYmFy", o, 5, &n), -E2BIG);
	assert_int_equal(dec("Zg==", o, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(o[0], 'f');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(decodes_with_and_without_padding),
	    cmocka_unit_test(refuses_what_is_not_strict),
	    cmocka_unit_test(bounds_output_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
