/* The EVE address text must be byte for byte what inet_ntop writes (the
 * sensor's output did not change when it stopped calling it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "output/eve.h"
#include "output/jsonw.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void check(int family, const uint8_t *b)
{
	struct yg_addr a;
	memset(&a, 0, sizeof a);
	memcpy(a.b, b, family == 6 ? 16 : 4);
	char want[INET6_ADDRSTRLEN], got[64];
	assert_non_null(inet_ntop(family == 6 ? AF_INET6 : AF_INET, b, want, sizeof want));
	memset(got, 'x', sizeof got);
	yg_eve_format_addr((uint8_t)family, &a, got, sizeof got);
	assert_string_equal(got, want);
}

/* Every pattern of zero and non-zero groups (256), each with small, large
 * and 0xffff values, covers the "::" placement rules and the embedded
 * IPv4 forms (::a.b.c.d, ::ffff:a.b.c.d). */
static void ipv6_matches_inet_ntop(void **state)
{
	(void)state;
	static const uint16_t vals[] = {1, 0xf, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff};
	for (unsigned mask = 0; mask < 256; mask++) {
		for (unsigned v = 0; v < 3 * (sizeof vals / sizeof vals[0]); v++) {
			uint8_t b[16];
			for (int i = 0; i < 8; i++) {
				uint16_t w = 0;
				if (mask & (1u << i))
					w = v < 8 ? vals[v] : (uint16_t)(next() | 1);
				b[2 * i] = (uint8_t)(w >> 8);
				b[2 * i + 1] = (uint8_t)w;
			}
			check(6, b);
		}
	}
	uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1};
	check(6, mapped);
	uint8_t compat[16] = {[12] = 10, [15] = 1};
	check(6, compat);
	uint8_t loop[16] = {[15] = 1};
	check(6, loop);
	uint8_t any[16] = {0};
	check(6, any);
	for (int k = 0; k < 100000; k++) {
		uint8_t b[16];
		for (int i = 0; i < 16; i++)
			b[i] = (next() & 3) ? 0 : (uint8_t)next();
		check(6, b);
	}
}

static void ipv4_matches_inet_ntop(void **state)
{
	(void)state;
	static const uint8_t edge[][4] = {
	    {0, 0, 0, 0}, {255, 255, 255, 255}, {10, 0, 9, 99}, {100, 10, 1, 200}};
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
		check(4, edge[i]);
	for (int k = 0; k < 100000; k++) {
		uint32_t v = next();
		uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
		                (uint8_t)v};
		check(4, b);
	}
}

/* Records copy the time text with a fixed length: it must hold for every
 * time, the epoch and the far future included. */
static void time_text_has_fixed_length(void **state)
{
	(void)state;
	static const uint64_t ts[] = {
	    0, 1, 999999, 1704067200123456ull, 253402300799999999ull, UINT64_MAX};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		char buf[32];
		yg_eve_format_time(ts[i], buf, sizeof buf);
		assert_int_equal(strlen(buf), YG_EVE_TIME_LEN);
	}
	for (int k = 0; k < 100000; k++) {
		char buf[32];
		uint64_t t = ((uint64_t)next() << 32 | next()) % 253402300800000000ull;
		yg_eve_format_time(t, buf, sizeof buf);
		assert_int_equal(strlen(buf), YG_EVE_TIME_LEN);
	}
}

/* Plain strings (no escaping pass) take their place among other values
 * with the same commas and quotes as escaped ones. */
static void plain_strings_in_records(void **state)
{
	(void)state;
	struct yg_jsonw w;
	assert_int_equal(yg_jsonw_init(&w, 16), 0);
	yg_jsonw_obj_open(&w);
	yg_jsonw_kv_plain(&w, "a", "2024-01-01T00:00:00.000001+0000");
	yg_jsonw_kv_u64(&w, "n", 7);
	yg_jsonw_kv_plain(&w, "ip", "2001:db8::1");
	yg_jsonw_key(&w, "l");
	yg_jsonw_arr_open(&w);
	yg_jsonw_strn_plain(&w, "x", 1);
	yg_jsonw_strn_plain(&w, "", 0);
	yg_jsonw_str(&w, "q\"");
	yg_jsonw_arr_close(&w);
	yg_jsonw_obj_close(&w);
	assert_true(yg_jsonw_ok(&w));
	const char want[] = "{\"a\":\"2024-01-01T00:00:00.000001+0000\",\"n\":7,"
	                    "\"ip\":\"2001:db8::1\",\"l\":[\"x\",\"\",\"q\\\"\"]}";
	assert_int_equal(w.len, sizeof want - 1);
	assert_memory_equal(w.buf, want, w.len);
	yg_jsonw_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ipv6_matches_inet_ntop),
	    cmocka_unit_test(ipv4_matches_inet_ntop),
	    cmocka_unit_test(time_text_has_fixed_length),
	    cmocka_unit_test(plain_strings_in_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
