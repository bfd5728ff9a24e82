#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/pattern.h"

static struct yg_stix_pattern *parse_ok(const char *s)
{
	struct yg_stix_pattern *p = NULL;
	char err[256] = "";
	int r = yg_stix_pattern_parse(s, strlen(s), &p, err, sizeof err);
	if (r != 0)
		print_error("pattern %s: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_non_null(p);
	return p;
}

/* The STIX 2.1 specification's example patterns (section 9 and its 9.9
 * "Examples"), written the way the 2.1 grammar wants them. */
static const char *const spec_examples[] = {
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
    "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' "
    "AND file:mime_type = 'application/x-pdf']",
    "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' "
    "OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND "
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
    "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
    "user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND "
    "user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND "
    "[user-account:account_type = 'unix' AND user-account:user_id = '1009' AND "
    "user-account:account_login = 'Mary']",
    "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
    "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
    "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
    "'203.0.113.33/32']",
    "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = "
    "'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = "
    "'198.51.100.1/32']",
    "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = "
    "'4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR "
    "windows-registry-key:key = "
    "'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
    "[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = "
    "t'2014-01-13T07:03:17Z']",
    "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = "
    "'Conference Info']",
    "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] "
    "FOLLOWEDBY [process:command_line MATCHES "
    "'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    "([file:name = 'foo.dll'] AND [windows-registry-key:key = "
    "'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:name = 'fooproc' OR process:name = "
    "'procfoo']",
    /* From the operator and qualifier sections of chapter 9. */
    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
    "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
    "([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
    "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY "
    "[domain-name:value = 'example.com']) WITHIN 600 SECONDS",
    "[file:name IN ('proccept.exe', 'example.dll', 'test.dll')]",
    "[file:size IN (1024, 2048, 4096)]",
    "[directory:path LIKE 'C:\\\\Windows\\\\%\\\\foo']",
    "[file:name MATCHES '^Final Report.+\\\\.exe$']",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv4-addr:value ISSUPERSET '198.51.100.0/24']",
    "[ipv4-addr:value NOT ISSUBSET '198.51.100.0/24']",
    "[EXISTS windows-registry-key:values]",
    "[NOT EXISTS windows-registry-key:values[*].name]",
    "[file:size > 1000 AND file:size <= 2048 AND file:size >= 1 AND file:size < 9999 AND "
    "file:size != 5]",
    "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c'] "
    "REPEATS 5 TIMES",
    "([ipv4-addr:value = '198.51.100.1/32'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.5/32']) "
    "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START "
    "t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR "
    "[ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP "
    "t'2016-06-01T04:30:24.743Z'",
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo' AND "
    "windows-registry-key:values[*].name = 'Foo']",
    "[email-message:to_refs[*].value = 'jdoe@example.com']",
    "[file:extensions.'ntfs-ext'.alternate_data_streams[0].name = 'second.stream']",
    "[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' = "
    "'gzip,deflate']",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    "[x_whatever:detected == t'2018-03-22T12:11:14.1Z']",
    "[foo:bar=1] REPEATS 9 TIMES",
    "( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])",
    "([win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar']) WITHIN 5 SECONDS WITHIN 6 "
    "SECONDS",
    "[user-account:value = 'Peter'] AND [user-account:value != 'Paul'] AND "
    "[user-account:value = 'Mary'] WITHIN 5 SECONDS",
    "[file:size <> 1 AND file:x = true AND file:y = false AND file:z = -1.5 AND file:w = +.5]",
    "/* comment */ [file:name = 'a'] // trailing comment",
    "[file:name\t=\r\n'a']\xc2\xa0\xe3\x80\x80",
    "[file:size = -0 AND file:x[-1] = 0]",
    "[file:hashes.MD5 = h'']",
    "[a:b = 'x'] WITHIN 0.5 SECONDS",
};

static void spec_examples_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof spec_examples / sizeof spec_examples[0]; i++) {
		struct yg_stix_pattern *p = parse_ok(spec_examples[i]);
		assert_true(yg_stix_pattern_comparisons(p) >= 1);
		assert_true(yg_stix_pattern_observations(p) >= 1);
		/* The canonical form parses back to itself. */
		char a[4096], b[4096];
		assert_int_equal(yg_stix_pattern_format(p, a, sizeof a), 0);
		struct yg_stix_pattern *q = parse_ok(a);
		assert_int_equal(yg_stix_pattern_format(q, b, sizeof b), 0);
		assert_string_equal(a, b);
		assert_int_equal(yg_stix_pattern_comparisons(p), yg_stix_pattern_comparisons(q));
		yg_stix_pattern_free(q);
		yg_stix_pattern_free(p);
	}
}

struct seen {
	size_t n;
	struct yg_stix_comparison c[16];
	int stop_at;
};

static int collect(void *ud, const struct yg_stix_comparison *c)
{
	struct seen *s = ud;
	if (s->n < 16)
		s->c[s->n] = *c;
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at ? 42 : 0;
}

static void walk_visits_in_order_with_values(void **state)
{
	(void)state;
	const char *src =
	    "[file:hashes . 'SHA-256' = 'ab\\'c\\\\d' OR file:name NOT LIKE 'x%'] "
	    "FOLLOWEDBY [ipv4-addr:value IN ('1.2.3.4', 5, t'2016-01-01T00:00:00Z') "
	    "AND NOT EXISTS process:child_refs[*].pid AND x-foo:a[0].'b c' == h'00ff' "
	    "AND x:y >= b'AAE=' AND x:z <> -.5] WITHIN 5 SECONDS";
	struct yg_stix_pattern *p = parse_ok(src);
	struct seen s = {0};
	assert_int_equal(yg_stix_pattern_walk(p, collect, &s), 0);
	assert_int_equal(s.n, 7);
	assert_int_equal(yg_stix_pattern_comparisons(p), 7);
	assert_int_equal(yg_stix_pattern_observations(p), 2);
	assert_true(yg_stix_pattern_has_qualifiers(p));

	assert_string_equal(s.c[0].object_type, "file");
	assert_string_equal(s.c[0].path, "hashes.'SHA-256'");
	assert_string_equal(s.c[0].op, "=");
	assert_false(s.c[0].negated);
	assert_string_equal(s.c[0].value, "ab'c\\d");
	assert_true(s.c[0].value_is_string);
	assert_int_equal(s.c[0].observation, 0);
	assert_int_equal(s.c[0].offset, 1);

	assert_string_equal(s.c[1].path, "name");
	assert_string_equal(s.c[1].op, "LIKE");
	assert_true(s.c[1].negated);
	assert_string_equal(s.c[1].value, "x%");

	assert_string_equal(s.c[2].object_type, "ipv4-addr");
	assert_string_equal(s.c[2].op, "IN");
	assert_null(s.c[2].value);
	assert_false(s.c[2].value_is_string);
	assert_int_equal(s.c[2].kind, YG_STIX_VALUE_LIST);
	assert_int_equal(s.c[2].list_len, 3);
	assert_int_equal(s.c[2].list[0].kind, YG_STIX_VALUE_STRING);
	assert_string_equal(s.c[2].list[0].text, "1.2.3.4");
	assert_int_equal(s.c[2].list[1].kind, YG_STIX_VALUE_INT);
	assert_string_equal(s.c[2].list[1].text, "5");
	assert_int_equal(s.c[2].list[2].kind, YG_STIX_VALUE_TIMESTAMP);
	assert_string_equal(s.c[2].list[2].text, "t'2016-01-01T00:00:00Z'");
	assert_int_equal(s.c[2].observation, 1);

	assert_string_equal(s.c[3].object_type, "process");
	assert_string_equal(s.c[3].path, "child_refs[*].pid");
	assert_string_equal(s.c[3].op, "EXISTS");
	assert_true(s.c[3].negated);
	assert_null(s.c[3].value);
	assert_int_equal(s.c[3].kind, YG_STIX_VALUE_NONE);

	assert_string_equal(s.c[4].object_type, "x-foo");
	assert_string_equal(s.c[4].path, "a[0].'b c'");
	assert_string_equal(s.c[4].op, "=");
	assert_string_equal(s.c[4].value, "h'00ff'");
	assert_int_equal(s.c[4].kind, YG_STIX_VALUE_HEX);
	assert_false(s.c[4].value_is_string);

	assert_string_equal(s.c[5].op, ">=");
	assert_int_equal(s.c[5].kind, YG_STIX_VALUE_BINARY);
	assert_string_equal(s.c[5].value, "b'AAE='");

	assert_string_equal(s.c[6].op, "!=");
	assert_int_equal(s.c[6].kind, YG_STIX_VALUE_FLOAT);
	assert_string_equal(s.c[6].value, "-.5");

	/* Early stop returns the callback's value. */
	struct seen s2 = {.stop_at = 2};
	assert_int_equal(yg_stix_pattern_walk(p, collect, &s2), 42);
	assert_int_equal(s2.n, 2);

	char buf[1024];
	assert_int_equal(yg_stix_pattern_format(p, buf, sizeof buf), 0);
	assert_string_equal(buf,
	                    "([(file:hashes.'SHA-256' = 'ab\\'c\\\\d' OR file:name NOT LIKE 'x%')] "
	                    "FOLLOWEDBY [(ipv4-addr:value IN ('1.2.3.4', 5, "
	                    "t'2016-01-01T00:00:00Z') AND NOT EXISTS process:child_refs[*].pid AND "
	                    "x-foo:a[0].'b c' = h'00ff' AND x:y >= b'AAE=' AND x:z != -.5)] "
	                    "WITHIN 5 SECONDS)");
	/* Too small a buffer: -ENOBUFS and a terminated prefix. */
	char small[8];
	assert_int_equal(yg_stix_pattern_format(p, small, sizeof small), -ENOBUFS);
	assert_int_equal(strlen(small), 7);
	yg_stix_pattern_free(p);
}

static void format_is(const char *src, const char *want)
{
	struct yg_stix_pattern *p = parse_ok(src);
	char buf[512];
	assert_int_equal(yg_stix_pattern_format(p, buf, sizeof buf), 0);
	assert_string_equal(buf, want);
	yg_stix_pattern_free(p);
}

static void precedence_follows_grammar(void **state)
{
	(void)state;
	/* AND binds tighter than OR, OR tighter than FOLLOWEDBY, in both layers. */
	format_is("[a:b = 'x'] OR [c:d = 'y'] AND [e:f = 'z']",
	          "([a:b = 'x'] OR ([c:d = 'y'] AND [e:f = 'z']))");
	format_is("[a:b = 'x'] FOLLOWEDBY [c:d = 'y'] OR [e:f = 'z']",
	          "([a:b = 'x'] FOLLOWEDBY ([c:d = 'y'] OR [e:f = 'z']))");
	format_is("[a:b = 'x'] AND [c:d = 'y'] FOLLOWEDBY [e:f = 'z'] AND [g:h = 'w']",
	          "(([a:b = 'x'] AND [c:d = 'y']) FOLLOWEDBY ([e:f = 'z'] AND [g:h = 'w']))");
	format_is("[a:b = 1 OR a:c = 2 AND a:d = 3]", "[(a:b = 1 OR (a:c = 2 AND a:d = 3))]");
	format_is("[(a:b = 1 OR a:c = 2) AND a:d = 3]", "[((a:b = 1 OR a:c = 2) AND a:d = 3)]");
	format_is("([a:b = 1] OR [a:c = 2]) AND [a:d = 3]",
	          "(([a:b = 1] OR [a:c = 2]) AND [a:d = 3])");
	/* A qualifier binds to the observation right before it. */
	format_is("[a:b = 1] OR [a:c = 2] WITHIN 5 SECONDS",
	          "([a:b = 1] OR [a:c = 2] WITHIN 5 SECONDS)");
	format_is("([a:b = 1] OR [a:c = 2]) REPEATS 3 TIMES",
	          "([a:b = 1] OR [a:c = 2]) REPEATS 3 TIMES");
	/* Chains stay flat, left to right. */
	format_is("[a:b = 1] FOLLOWEDBY [a:b = 2] FOLLOWEDBY [a:b = 3]",
	          "([a:b = 1] FOLLOWEDBY [a:b = 2] FOLLOWEDBY [a:b = 3])");
}

static bool simple(const char *s)
{
	struct yg_stix_pattern *p = parse_ok(s);
	bool r = yg_stix_pattern_is_simple(p);
	yg_stix_pattern_free(p);
	return r;
}

static void is_simple_cases(void **state)
{
	(void)state;
	assert_true(simple("[ipv4-addr:value = '10.0.0.0']"));
	assert_true(simple("[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'a.example']"));
	assert_true(simple("[url:value = 'http://x/'] OR ([file:hashes.MD5 = 'aa'] OR "
	                   "[(file:name = 'x' OR file:name = 'y')])"));
	assert_false(simple("[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '1.2.3.5']"));
	assert_false(simple("[ipv4-addr:value = '1.2.3.4'] AND [ipv4-addr:value = '1.2.3.5']"));
	assert_false(simple("[a:b = 'x'] FOLLOWEDBY [c:d = 'y']"));
	assert_false(simple("[a:b = 'x'] WITHIN 5 SECONDS"));
	assert_false(simple("[a:b = 'x'] OR [c:d = 'y'] REPEATS 2 TIMES"));
	assert_false(simple("[a:b = 'x'] START t'2016-01-01T00:00:00Z' STOP "
	                    "t'2017-01-01T00:00:00Z'"));
	assert_false(simple("[a:b != 'x']"));
	assert_false(simple("[a:b NOT = 'x']"));
	assert_false(simple("[a:b = 1]"));
	assert_false(simple("[a:b = h'00']"));
	assert_false(simple("[a:b LIKE 'x%']"));
	assert_false(simple("[a:b IN ('x', 'y')]"));
	assert_false(simple("[EXISTS a:b]"));
	assert_false(yg_stix_pattern_is_simple(NULL));
}

struct bad {
	const char *s;
	int rc;
	size_t off;
	const char *msg;
};

static const struct bad bad_patterns[] = {
    {"", -EINVAL, 0, "empty pattern"},
    {"  /* only a comment */ ", -EINVAL, 23, "empty pattern"},
    {"file:size = 1280", -EINVAL, 0, "expected '[' or '('"},
    {"[file:size = 1280", -EINVAL, 17, "expected ']'"},
    {"[file:size = 1280]]", -EINVAL, 18, "expected AND, OR, FOLLOWEDBY"},
    {"([file:size = 1280]", -EINVAL, 19, "expected ')'"},
    {"[file:size = ]", -EINVAL, 13, "expected a literal"},
    {"[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", -EINVAL, 19, "expected a literal"},
    {"[file.size = 1280]", -EINVAL, 5, "expected ':'"},
    {"[file:name MATCHES /.*\\.dll/]", -EINVAL, 19, "unexpected character '/'"},
    {"[a:b = 'x'] WITHIN ]", -EINVAL, 19, "expected a positive number"},
    {"[a:b = 'x'] WITHIN 5 HOURS", -EINVAL, 21, "expected SECONDS"},
    {"[a:b = 'x'] WITHIN -5 SECONDS", -EINVAL, 19, "expected a positive number"},
    {"[a:b = 'x'] WITHIN 0 SECONDS", -EINVAL, 19, "expected a positive number"},
    {"[a:b = 'x'] REPEATS 1.5 TIMES", -EINVAL, 20, "expected a positive integer"},
    {"[network-traffic:dst_ref.value ISSUBSET ]", -EINVAL, 40, "expected a string"},
    {"[file:hashes.MD5 =? 'x']", -EINVAL, 18, "unexpected character '?'"},
    {"[x:d = t'2457-73-22T32:81:84.1Z']", -EINVAL, 7, "bad timestamp"},
    {"[x:d = t'2016-02-30T00:00:00Z']", -EINVAL, 7, "bad timestamp"},
    {"[x:d = t'2016-01-01T00:00:00']", -EINVAL, 7, "bad timestamp"},
    {"[x:d = t'2016-01-01 00:00:00Z']", -EINVAL, 7, "bad timestamp"},
    {"[artifact:payload_bin = b'====']", -EINVAL, 26, "not a base64 character"},
    {"[artifact:payload_bin = b'abc']", -EINVAL, 24, "multiple of 4"},
    {"[artifact:payload_bin = b'']", -EINVAL, 24, "multiple of 4"},
    {"[artifact:payload_bin = b'a=bc']", -EINVAL, 27, "not a base64 character"},
    {"[file:magic_number_hex = h'ffd']", -EINVAL, 25, "odd number of digits"},
    {"[file:magic_number_hex = h'fg']", -EINVAL, 28, "not a hex digit"},
    {"[foo:bar=1] within 2 seconds", -EINVAL, 12, "expected AND, OR, FOLLOWEDBY"},
    {"[file:name = 'abc]", -EINVAL, 13, "unterminated string"},
    {"[file:name = 'a\\nb']", -EINVAL, 15, "bad escape"},
    {"[file:name = 'x'] AND", -EINVAL, 21, "expected '[' or '('"},
    {"[file:name = 'x'] [file:name = 'y']", -EINVAL, 18, "expected AND, OR, FOLLOWEDBY"},
    {"[file:hashes.SHA-256 = 'x']", -EINVAL, 13, "must be quoted"},
    {"[file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0]", -EINVAL, 17,
     "must be quoted"},
    {"[file:name > true]", -EINVAL, 13, "expected an orderable literal"},
    {"[file:name LIKE 5]", -EINVAL, 16, "expected a string"},
    {"[file:name IN 'a']", -EINVAL, 14, "expected '(' starting a list"},
    {"[file:name IN ('a',)]", -EINVAL, 19, "expected a literal"},
    {"[file:name IN ('a' 'b')]", -EINVAL, 19, "expected ')'"},
    {"[file:name EXISTS]", -EINVAL, 11, "EXISTS goes before"},
    {"[NOT file:name = 'x']", -EINVAL, 5, "expected EXISTS"},
    {"[file:name = 'x'] START t'2016-01-02T00:00:00Z' STOP t'2016-01-01T00:00:00Z'", -EINVAL, 18,
     "STOP must be later than START"},
    {"[file:name = 'x'] START '2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'", -EINVAL, 24,
     "expected a timestamp"},
    {"[file:size = 007]", -EINVAL, 13, "leading zeros"},
    {"[file:size = -]", -EINVAL, 13, "expected a number"},
    {"[file:name = 'x'] /* open", -EINVAL, 18, "unterminated comment"},
    {"[file:x[a] = 1]", -EINVAL, 8, "expected a list index or '*'"},
    {"[file:x[1 = 1]", -EINVAL, 10, "expected ']'"},
    {"[file:'x' = 1]", 0, 0, NULL},
    {"[file:name = 'a\xff']", 0, 0, NULL},
    {"[file:name = 'x']\x01", -EINVAL, 17, "unexpected byte 0x01"},
    {"[file: = 'x']", -EINVAL, 7, "expected a property name"},
    {"[:name = 'x']", -EINVAL, 1, "expected an object path"},
    {"[file:name AND]", -EINVAL, 11, "expected a comparison operator"},
};

static void invalid_patterns_name_offset(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
		const struct bad *b = &bad_patterns[i];
		struct yg_stix_pattern *p = (struct yg_stix_pattern *)0x1;
		char err[256] = "unset";
		int r = yg_stix_pattern_parse(b->s, strlen(b->s), &p, err, sizeof err);
		if (r != b->rc)
			print_error("%s: got %d (%s)\n", b->s, r, err);
		assert_int_equal(r, b->rc);
		if (r == 0) {
			yg_stix_pattern_free(p);
			continue;
		}
		assert_ptr_equal(p, (struct yg_stix_pattern *)0x1); /* untouched */
		char want[64];
		snprintf(want, sizeof want, "offset %zu: ", b->off);
		if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, b->msg))
			print_error("%s: message '%s', want '%s...%s'\n", b->s, err, want, b->msg);
		assert_true(strncmp(err, want, strlen(want)) == 0);
		assert_non_null(strstr(err, b->msg));
	}
}

static void embedded_nul_is_rejected(void **state)
{
	(void)state;
	const char s[] = "[file:name = 'a\0b']";
	struct yg_stix_pattern *p = NULL;
	char err[128];
	assert_int_equal(yg_stix_pattern_parse(s, sizeof s - 1, &p, err, sizeof err), -EINVAL);
	assert_string_equal(err, "offset 15: NUL byte in string");
	/* The length given is honoured: no NUL terminator is needed. */
	const char t[] = "[a:b = 'x']GARBAGE";
	assert_int_equal(yg_stix_pattern_parse(t, 11, &p, err, sizeof err), 0);
	yg_stix_pattern_free(p);
	/* A tiny error buffer is still terminated. */
	char tiny[5];
	assert_int_equal(yg_stix_pattern_parse("[", 1, &p, tiny, sizeof tiny), -EINVAL);
	assert_string_equal(tiny, "offs");
	assert_int_equal(yg_stix_pattern_parse("[", 1, &p, NULL, 0), -EINVAL);
}

static void limits_give_e2big(void **state)
{
	(void)state;
	struct yg_stix_pattern *p = NULL;
	char err[128];
	char buf[512];
	size_t n = 0;

	/* 64 nested levels are fine ... */
	for (int i = 0; i < 63; i++)
		buf[n++] = '(';
	n += (size_t)snprintf(buf + n, sizeof buf - n, "[a:b = 1]");
	for (int i = 0; i < 63; i++)
		buf[n++] = ')';
	assert_int_equal(yg_stix_pattern_parse(buf, n, &p, err, sizeof err), 0);
	yg_stix_pattern_free(p);

	/* ... 65 are not, inside or outside the brackets. */
	n = 0;
	for (int i = 0; i < 64; i++)
		buf[n++] = '(';
	n += (size_t)snprintf(buf + n, sizeof buf - n, "[a:b = 1]");
	for (int i = 0; i < 64; i++)
		buf[n++] = ')';
	assert_int_equal(yg_stix_pattern_parse(buf, n, &p, err, sizeof err), -E2BIG);
	assert_string_equal(err, "offset 64: nesting deeper than 64");

	n = 0;
	buf[n++] = '[';
	for (int i = 0; i < 100; i++)
		buf[n++] = '(';
	assert_int_equal(yg_stix_pattern_parse(buf, n, &p, err, sizeof err), -E2BIG);

	/* A bomb of a million brackets is refused on length before parsing. */
	size_t big = 1 << 20;
	char *bomb = malloc(big);
	assert_non_null(bomb);
	memset(bomb, '(', big);
	assert_int_equal(yg_stix_pattern_parse(bomb, big, &p, err, sizeof err), -E2BIG);
	assert_non_null(strstr(err, "longer than 65536"));
	assert_int_equal(yg_stix_pattern_parse(bomb, YG_STIX_PATTERN_MAX_LEN, &p, err, sizeof err),
	                 -E2BIG);

	/* The longest pattern allowed: many ORed comparisons, one flat chain. */
	size_t cap = YG_STIX_PATTERN_MAX_LEN;
	n = 0;
	bomb[n++] = '[';
	while (n + 32 < cap)
		n += (size_t)snprintf(bomb + n, cap - n, "a:b = 'x' OR ");
	n += (size_t)snprintf(bomb + n, cap - n, "a:b = 'y']");
	assert_int_equal(yg_stix_pattern_parse(bomb, n, &p, err, sizeof err), 0);
	assert_true(yg_stix_pattern_is_simple(p));
	assert_true(yg_stix_pattern_comparisons(p) > 5000);
	yg_stix_pattern_free(p);

	/* And a list as long as the limit allows. */
	n = 0;
	n += (size_t)snprintf(bomb + n, cap - n, "[a:b IN (");
	while (n + 8 < cap)
		n += (size_t)snprintf(bomb + n, cap - n, "1,");
	n += (size_t)snprintf(bomb + n, cap - n, "2)]");
	assert_int_equal(yg_stix_pattern_parse(bomb, n, &p, err, sizeof err), 0);
	struct seen s = {0};
	yg_stix_pattern_walk(p, collect, &s);
	assert_int_equal(s.n, 1);
	assert_true(s.c[0].list_len > 30000);
	assert_string_equal(s.c[0].list[s.c[0].list_len - 1].text, "2");
	yg_stix_pattern_free(p);
	free(bomb);
	yg_stix_pattern_free(NULL);
}

/* ---- every pattern in the shared STIX bundles ---- */

static const char *data_dir(char *buf, size_t len)
{
	const char *d = getenv("YG_SHARED_DATA");
	if (d && *d) {
		snprintf(buf, len, "%s/stix", d);
		return buf;
	}
	const char *src = getenv("YG_SRCDIR");
	snprintf(buf, len, "%s/../shared/data/stix", src && *src ? src : ".");
	return buf;
}

static void count_patterns(json_t *j, size_t *n, size_t *bad)
{
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) count_patterns(v, n, bad);
		return;
	}
	if (!json_is_object(j))
		return;
	json_t *pat = json_object_get(j, "pattern");
	json_t *pt = json_object_get(j, "pattern_type");
	if (json_is_string(pat) &&
	    (!pt || (json_is_string(pt) && strcmp(json_string_value(pt), "stix") == 0))) {
		struct yg_stix_pattern *p = NULL;
		char err[256];
		(*n)++;
		if (yg_stix_pattern_parse(json_string_value(pat), json_string_length(pat), &p, err,
		                          sizeof err) != 0) {
			print_error("%s: %s\n", json_string_value(pat), err);
			(*bad)++;
		}
		yg_stix_pattern_free(p);
	}
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) count_patterns(v, n, bad);
}

static void shared_bundle_patterns_parse(void **state)
{
	(void)state;
	char dir[1024];
	data_dir(dir, sizeof dir);
	static const char *const subdirs[] = {"oasis-examples", "attack", "common-objects",
	                                      "validator-examples/v21"};
	size_t n = 0, bad = 0, files = 0;
	for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
		char path[1400];
		snprintf(path, sizeof path, "%s/%s", dir, subdirs[i]);
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l < 5 || strcmp(e->d_name + l - 5, ".json") != 0)
				continue;
			char f[1700];
			snprintf(f, sizeof f, "%s/%s", path, e->d_name);
			json_t *j = json_load_file(f, 0, NULL);
			if (!j)
				continue; /* the deliberately broken JSON examples */
			files++;
			count_patterns(j, &n, &bad);
			json_decref(j);
		}
		closedir(d);
	}
	if (files == 0) {
		print_message("skipped: no STIX data under %s (set YG_SHARED_DATA)\n", dir);
		skip();
	}
	print_message("%zu patterns in %zu files, %zu rejected\n", n, files, bad);
	assert_true(n >= 18);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spec_examples_parse),
	    cmocka_unit_test(walk_visits_in_order_with_values),
	    cmocka_unit_test(precedence_follows_grammar),
	    cmocka_unit_test(is_simple_cases),
	    cmocka_unit_test(invalid_patterns_name_offset),
	    cmocka_unit_test(embedded_nul_is_rejected),
	    cmocka_unit_test(limits_give_e2big),
	    cmocka_unit_test(shared_bundle_patterns_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
