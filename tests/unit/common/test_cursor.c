#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cursor.h"
#include "common/hash.h"
#include "common/anomaly.h"

static void reads_stop_at_end(void **state)
{
	(void)state;
	const uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
	struct yg_cur c;
	yg_cur_init(&c, b, sizeof b);
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;
	assert_true(yg_cur_be32(&c, &v32));
	assert_int_equal(v32, 0x12345678);
	assert_false(yg_cur_be16(&c, &v16));
	assert_int_equal(v16, 0); /* untouched on failure */
	assert_int_equal(yg_cur_left(&c), 1);
	assert_true(yg_cur_u8(&c, &v8));
	assert_int_equal(v8, 0x9a);
	assert_false(yg_cur_u8(&c, &v8));
	assert_false(yg_cur_skip(&c, 1));
	assert_true(yg_cur_skip(&c, 0));
}

static void sub_cursor_is_bounded(void **state)
{
	(void)state;
	const uint8_t b[] = {1, 2, 3, 4, 5, 6};
	struct yg_cur c, s;
	yg_cur_init(&c, b, sizeof b);
	assert_true(yg_cur_sub(&c, 2, &s));
	assert_int_equal(yg_cur_left(&s), 2);
	assert_int_equal(yg_cur_left(&c), 4);
	assert_false(yg_cur_sub(&c, 5, &s));
	uint32_t v24;
	assert_true(yg_cur_be24(&c, &v24));
	assert_int_equal(v24, 0x030405);
}

static void hash_depends_on_every_byte_and_seed(void **state)
{
	(void)state;
	uint8_t buf[40] = {0};
	uint64_t h0 = yg_hash64(buf, sizeof buf, 1);
	for (size_t i = 0; i < sizeof buf; i++) {
		buf[i] = 1;
		assert_true(yg_hash64(buf, sizeof buf, 1) != h0);
		buf[i] = 0;
	}
	assert_true(yg_hash64(buf, sizeof buf, 2) != h0);
	for (size_t n = 0; n < 20; n++)
		assert_true(yg_hash64(buf, n, 1) != yg_hash64(buf, n + 1, 1));
}

static void anomaly_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(yg_anomaly_name(YG_ANOM_IPV4_TRUNC), "decoder.ipv4_truncated");
	assert_string_equal(yg_anomaly_name(YG_ANOM_DNS_PTR_LOOP), "app.dns_pointer_loop");
	assert_string_equal(yg_anomaly_name(YG_ANOM__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_stop_at_end),
		cmocka_unit_test(sub_cursor_is_bounded),
		cmocka_unit_test(hash_depends_on_every_byte_and_seed),
		cmocka_unit_test(anomaly_names_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
