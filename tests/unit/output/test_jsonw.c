#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/eve.h"
#include "output/jsonw.h"

/* Everything the writer produces must parse back with jansson. */
static json_t *parse(const struct yg_jsonw *w)
{
	json_error_t e;
	json_t *j = json_loadb(w->buf, w->len, 0, &e);
	if (!j)
		fail_msg("invalid JSON at %d: %s in %.*s", e.position, e.text, (int)w->len, w->buf);
	return j;
}

static void nested_objects_and_commas(void **state)
{
	(void)state;
	struct yg_jsonw w;
	assert_int_equal(yg_jsonw_init(&w, 16), 0);
	yg_jsonw_obj_open(&w);
	yg_jsonw_kv_str(&w, "a", "x");
	yg_jsonw_kv_u64(&w, "b", 9223372036854775807ULL);
	yg_jsonw_key(&w, "c");
	yg_jsonw_arr_open(&w);
	yg_jsonw_i64(&w, -5);
	yg_jsonw_bool(&w, true);
	yg_jsonw_null(&w);
	yg_jsonw_obj_open(&w);
	yg_jsonw_obj_close(&w);
	yg_jsonw_arr_close(&w);
	yg_jsonw_kv_bool(&w, "d", false);
	yg_jsonw_obj_close(&w);
	assert_true(yg_jsonw_ok(&w));
	json_t *j = parse(&w);
	assert_string_equal(json_string_value(json_object_get(j, "a")), "x");
	assert_true(json_integer_value(json_object_get(j, "b")) == 9223372036854775807LL);
	json_t *c = json_object_get(j, "c");
	assert_int_equal(json_array_size(c), 4);
	assert_int_equal(json_integer_value(json_array_get(c, 0)), -5);
	assert_true(json_is_true(json_array_get(c, 1)));
	assert_true(json_is_null(json_array_get(c, 2)));
	assert_true(json_is_false(json_object_get(j, "d")));
	json_decref(j);
	/* Unsigned values past INT64_MAX are written exactly (jansson cannot read them). */
	yg_jsonw_reset(&w);
	yg_jsonw_u64(&w, 18446744073709551615ULL);
	assert_int_equal(w.len, 20);
	assert_memory_equal(w.buf, "18446744073709551615", 20);
	yg_jsonw_release(&w);
}

static void strings_are_escaped_and_always_valid(void **state)
{
	(void)state;
	struct yg_jsonw w;
	assert_int_equal(yg_jsonw_init(&w, 8), 0);
	const char raw[] = "q\"b\\n\n\t\x01\xff\xc3\xa9\xe3\x81\x82\xed\xa0\x80z";
	yg_jsonw_obj_open(&w);
	yg_jsonw_kv_strn(&w, "s", raw, sizeof raw - 1);
	yg_jsonw_obj_close(&w);
	json_t *j = parse(&w);
	const char *s = json_string_value(json_object_get(j, "s"));
	/* Valid UTF-8 (é, あ) is kept; invalid bytes become U+00XX. */
	assert_string_equal(s, "q\"b\\n\n\t\x01\xc3\xbf\xc3\xa9\xe3\x81\x82\xc3\xad\xc2\xa0\xc2\x80z");
	json_decref(j);
	yg_jsonw_release(&w);
}

static void unbalanced_close_is_flagged(void **state)
{
	(void)state;
	struct yg_jsonw w;
	assert_int_equal(yg_jsonw_init(&w, 8), 0);
	yg_jsonw_obj_close(&w);
	assert_false(yg_jsonw_ok(&w));
	yg_jsonw_reset(&w);
	for (int i = 0; i < YG_JSONW_MAX_DEPTH + 1; i++)
		yg_jsonw_arr_open(&w);
	assert_false(yg_jsonw_ok(&w));
	yg_jsonw_release(&w);
}

static void eve_time_and_addresses(void **state)
{
	(void)state;
	char buf[64];
	yg_eve_format_time(1700000000123456ULL, buf, sizeof buf);
	assert_string_equal(buf, "2023-11-14T22:13:20.123456+0000");
	struct yg_addr a = {{192, 0, 2, 1}};
	yg_eve_format_addr(4, &a, buf, sizeof buf);
	assert_string_equal(buf, "192.0.2.1");
	for (unsigned v = 0; v < 256; v++) {
		struct yg_addr x = {{(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v / 3), 0}};
		char want[32];
		snprintf(want, sizeof want, "%u.%u.%u.0", v, 255 - v, v / 3);
		yg_eve_format_addr(4, &x, buf, sizeof buf);
		assert_string_equal(buf, want);
	}
	struct yg_addr b = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	yg_eve_format_addr(6, &b, buf, sizeof buf);
	assert_string_equal(buf, "2001:db8::1");
	char pn[8];
	assert_string_equal(yg_eve_proto_name(58, pn), "IPv6-ICMP");
	assert_string_equal(yg_eve_proto_name(47, pn), "GRE"); /* /etc/protocols aliases, as Suricata */
	assert_string_equal(yg_eve_proto_name(4, pn), "IP-ENCAP");
	assert_string_equal(yg_eve_proto_name(41, pn), "IPv6");
	assert_string_equal(yg_eve_proto_name(50, pn), "50");
}

/* The hand-written date arithmetic agrees with gmtime over 1970..2200. */
static void eve_time_matches_gmtime(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t sec = x % 7258118400ULL; /* up to 2200-01-01 */
		if (i < 4)
			sec = (uint64_t[]){0, 951782400, 4107542399, 68169600}[i]; /* 2000-02-29, 2100-02-28 */
		char got[40], want[40];
		yg_eve_format_time(sec * 1000000 + 123456, got, sizeof got);
		time_t t = (time_t)sec;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.123456+0000", &tm);
		assert_string_equal(got, want);
	}
}

static void eve_record_fields(void **state)
{
	(void)state;
	struct yg_eve e;
	assert_int_equal(yg_eve_init(&e, NULL), 0);
	struct yg_addr s = {{10, 0, 0, 1}}, d = {{203, 0, 113, 9}};
	struct yg_eve_tuple t = {.family = 4, .proto = 6, .vlan = 7, .src = &s, .dst = &d,
				 .sport = 40000, .dport = 443, .has_ports = true};
	yg_eve_begin(&e, 1700000000000001ULL, "tls", 42, &t);
	yg_eve_end(&e);
	yg_eve_begin(&e, 1700000000999999ULL, "tls", 43, &t);
	yg_eve_end(&e);
	assert_int_equal(e.events, 2);
	char *nl = memchr(e.w.buf, '\n', e.w.len);
	assert_non_null(nl);
	json_error_t err;
	json_t *j = json_loadb(e.w.buf, (size_t)(nl - e.w.buf), 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "timestamp")),
			    "2023-11-14T22:13:20.000001+0000");
	assert_int_equal(json_integer_value(json_object_get(j, "flow_id")), 42);
	assert_string_equal(json_string_value(json_object_get(j, "src_ip")), "10.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(j, "dest_port")), 443);
	assert_string_equal(json_string_value(json_object_get(j, "proto")), "TCP");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "vlan"), 0)), 7);
	json_decref(j);
	/* The cached-second path must rewrite only the microseconds. */
	j = json_loadb(nl + 1, e.w.len - (size_t)(nl + 1 - e.w.buf), 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "timestamp")),
			    "2023-11-14T22:13:20.999999+0000");
	json_decref(j);
	e.sink = NULL;
	yg_eve_release(&e);
}

/* What the writer must produce for s, byte by byte: ASCII printables
 * except quote and backslash as they are, the usual short escapes, other
 * controls as \u00XX, valid UTF-8 sequences as they are, any other byte
 * >= 0x80 as \u00XX. Only ASCII and two-byte sequences are generated. */
static size_t reference(const uint8_t *s, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c >= 0xc2 && c <= 0xdf && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
			*o++ = (char)c;
			*o++ = (char)s[++i];
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			*o++ = '\\';
			*o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c >= 0x80) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	return (size_t)(o - out);
}

/* Long runs are scanned sixteen bytes a step: every position of every
 * kind of byte that stops a run, at every length around the step. */
static void escaping_matches_a_byte_by_byte_reference(void **state)
{
	(void)state;
	static const uint8_t stoppers[] = {'"', '\\', '\n', 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, 0x20};
	uint8_t in[80];
	char want[80 * 6 + 2];
	uint64_t r = 88172645463325252ull;
	for (size_t len = 0; len <= 70; len++) {
		for (size_t pos = 0; pos <= len; pos++) {
			for (size_t k = 0; k < sizeof stoppers; k++) {
				for (size_t i = 0; i < len; i++)
					in[i] = (uint8_t)('a' + i % 26);
				if (pos < len)
					in[pos] = stoppers[k];
				if (pos + 1 < len && stoppers[k] == 0xc3)
					in[pos + 1] = 0xa9; /* a valid two-byte sequence */
				/* and now and then a second stopper further on */
				r ^= r << 13, r ^= r >> 7, r ^= r << 17;
				if (len && r % 3 == 0)
					in[r % len] = stoppers[(r >> 8) % sizeof stoppers];
				struct yg_jsonw w;
				assert_int_equal(yg_jsonw_init(&w, 16), 0);
				yg_jsonw_strn(&w, in, len);
				size_t n = reference(in, len, want);
				assert_int_equal(w.len, n);
				assert_memory_equal(w.buf, want, n);
				yg_jsonw_release(&w);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nested_objects_and_commas),
		cmocka_unit_test(strings_are_escaped_and_always_valid),
		cmocka_unit_test(unbalanced_close_is_flagged),
		cmocka_unit_test(eve_time_and_addresses),
		cmocka_unit_test(eve_time_matches_gmtime),
		cmocka_unit_test(eve_record_fields),
		cmocka_unit_test(escaping_matches_a_byte_by_byte_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
