/* Export writers: hostile values, canonical forms, determinism, STIX round
 * trip through the project's own validator and loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "intel/intel.h"
#include "stix/validate.h"

#define IT(t, v)                                                                                   \
	{                                                                                          \
		.type = (t), .value = (v), .source = "feed.txt", .id = NULL                        \
	}

static char long_name[400];
static char long_label[80];

/* Values that must never reach a rule, zone or list line as they are. */
static struct yg_export_item hostile[] = {
    IT(YG_IND_DOMAIN, "evil\"; sid:1; alert.example"),
    IT(YG_IND_DOMAIN, "semi;colon.example"),
    IT(YG_IND_DOMAIN, "back\\slash.example"),
    IT(YG_IND_DOMAIN, "new\nline.example"),
    IT(YG_IND_DOMAIN, "tab\tbed.example"),
    IT(YG_IND_DOMAIN, long_name),
    IT(YG_IND_DOMAIN, long_label),
    IT(YG_IND_IP, "192.0.2.1; drop"),
    IT(YG_IND_IP, "300.1.2.3"),
    IT(YG_IND_IP, "2001:db8::/129"),
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

static struct yg_export_item good[] = {
    IT(YG_IND_IP, "192.0.2.1"),
    IT(YG_IND_IP, "198.51.100.0/24"),
    IT(YG_IND_IP, "2001:db8::/32"),
    IT(YG_IND_DOMAIN, "evil.example"),
    IT(YG_IND_DOMAIN, "B\xc3\xbc"
                      "cher.example"),
    IT(YG_IND_URL, "bad.example/gate.php?a=1"),
    IT(YG_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e"),
};
#define NGOOD (sizeof good / sizeof good[0])

static const struct yg_export_meta meta = {.source = "unit", .generated = 1700000000};

static char *run(enum yg_export_format f, const struct yg_export_item *it, size_t n,
                 const struct yg_export_meta *m, struct yg_export_stats *st)
{
	struct yg_export_buf b;
	yg_export_buf_init(&b);
	assert_int_equal(yg_export_write(f, it, n, m, &b, st), 0);
	if (!b.data) /* nothing written (a dataset file has no header) */
		return strdup("");
	assert_int_equal(strlen(b.data), b.len);
	return b.data;
}

static int setup(void **state)
{
	(void)state;
	memset(long_name, 0, sizeof long_name);
	for (size_t i = 0; i < 300; i++)
		long_name[i] = (i % 10 == 9) ? '.' : 'a';
	memcpy(long_name + 300, "example", 7);
	memset(long_label, 'x', 64);
	memcpy(long_label + 64, ".example", 9);
	return 0;
}

static void test_hostile_skipped_everywhere(void **state)
{
	(void)state;
	for (unsigned f = 0; f < YG_EXPORT__COUNT; f++) {
		struct yg_export_stats st = {99, 99, 99};
		struct yg_export_meta m = meta;
		char *out = run((enum yg_export_format)f, hostile, NHOSTILE, &m, &st);
		assert_int_equal(st.written, 0);
		/* the hostile domains (7) and IPs (3) either unsafe or out of place */
		assert_int_equal(st.skipped_unsafe + st.skipped_type, NHOSTILE);
		assert_null(strstr(out, "sid:1;"));
		assert_null(strstr(out, "semi;colon"));
		assert_null(strstr(out, "back\\slash"));
		assert_null(strstr(out, "line.example"));
		assert_null(strstr(out, "drop"));
		free(out);
	}
}

static void test_counts_per_format(void **state)
{
	(void)state;
	static const struct {
		enum yg_export_format f;
		size_t written, type;
	} want[] = {
	    {YG_EXPORT_SURICATA, 6, 1},
	    {YG_EXPORT_SNORT3, 6, 1},
	    {YG_EXPORT_ZEEK, 7, 0},
	    {YG_EXPORT_NFTABLES, 3, 4},
	    {YG_EXPORT_RPZ, 5, 2},
	    {YG_EXPORT_IPS, 3, 4},
	    {YG_EXPORT_DOMAINS, 2, 5},
	    {YG_EXPORT_URLS, 1, 6},
	    {YG_EXPORT_CSV, 7, 0},
	    {YG_EXPORT_STIX, 7, 0},
	    {YG_EXPORT_SURICATA_DATASET, 2, 5},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct yg_export_stats st;
		char *out = run(want[i].f, good, NGOOD, &meta, &st);
		assert_int_equal(st.written, want[i].written);
		assert_int_equal(st.skipped_type, want[i].type);
		assert_int_equal(st.skipped_unsafe, 0);
		if (want[i].f != YG_EXPORT_SURICATA_DATASET && want[i].f != YG_EXPORT_STIX) {
			assert_non_null(strstr(out, "source: unit\n"));
			assert_non_null(strstr(out, "generated: 2023-11-14T22:13:20.000Z\n"));
		}
		free(out);
	}
}

static void test_rules_escape_and_idn(void **state)
{
	(void)state;
	struct yg_export_item u[] = {IT(YG_IND_URL, "a.example:8080/x\";|\\y")};
	char *s = run(YG_EXPORT_SURICATA, u, 1, &meta, NULL);
	assert_non_null(strstr(
	    s, "http.host; content:\"a.example\"; startswith; endswith; "
	       "http.uri; content:\"/x|22 3b 7c 5c|y\"; startswith; sid:9100000; rev:1;)\n"));
	assert_non_null(strstr(s, "msg:\"YAGURA intel url a.example:8080/x____y\""));
	free(s);
	s = run(YG_EXPORT_SURICATA, good, NGOOD, &meta, NULL);
	assert_non_null(strstr(s, "dns.query; dotprefix; content:\".xn--bcher-kva.example\"; "
	                          "nocase; endswith;"));
	assert_non_null(
	    strstr(s, "alert ip [192.0.2.1,198.51.100.0/24,2001:db8::/32] any -> any any"));
	free(s);
	s = run(YG_EXPORT_SNORT3, good, NGOOD, &meta, NULL);
	assert_non_null(
	    strstr(s, "content:\"|04|evil|07|example|00|\",fast_pattern,nocase; service:dns;"));
	assert_non_null(
	    strstr(s, "ssl_state:client_hello; content:\"|00 00 0c|evil.example\",nocase;"));
	assert_non_null(strstr(s, "pcre:\"/(^|\\.)evil\\.example(:\\d+)?$/i\";"));
	free(s);
}

static void test_ip_canonical_and_zero_prefix(void **state)
{
	(void)state;
	struct yg_export_item ips[] = {
	    IT(YG_IND_IP, "2001:DB8:0:0:1:0:0:1/64"),
	    IT(YG_IND_IP, "10.1.2.3/8"),
	    IT(YG_IND_IP, "0.0.0.0/0"),
	    IT(YG_IND_IP, "::/0"),
	};
	struct yg_export_stats st;
	char *s = run(YG_EXPORT_NFTABLES, ips, 4, &meta, &st);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.skipped_unsafe, 2);
	assert_non_null(strstr(s, "\t\t\t2001:db8::/64\n"));
	assert_non_null(strstr(s, "\t\t\t10.0.0.0/8\n"));
	free(s);
	s = run(YG_EXPORT_RPZ, ips, 4, &meta, &st);
	assert_int_equal(st.written, 2);
	assert_non_null(strstr(s, "\n64.zz.db8.2001.rpz-ip\tCNAME\t.\n"));
	assert_non_null(strstr(s, "\n8.0.0.0.10.rpz-ip\tCNAME\t.\n"));
	free(s);
	s = run(YG_EXPORT_IPS, ips, 4, &meta, &st); /* a list states, it does not block */
	assert_int_equal(st.written, 4);
	assert_non_null(strstr(s, "\n0.0.0.0/0\n"));
	free(s);
}

static void test_rpz_policy_and_triggers(void **state)
{
	(void)state;
	struct yg_export_item d[] = {IT(YG_IND_DOMAIN, "evil.example"),
	                             IT(YG_IND_DOMAIN, "32.1.0.0.10.rpz-ip"),
	                             IT(YG_IND_DOMAIN, "x.rpz-nsdname")};
	struct yg_export_meta m = meta;
	m.rpz_policy = YG_EXPORT_RPZ_WALLED_GARDEN;
	m.rpz_garden = "Garden.Example.";
	struct yg_export_stats st;
	char *s = run(YG_EXPORT_RPZ, d, 3, &m, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.skipped_unsafe, 2);
	assert_non_null(strstr(
	    s, "\nevil.example\tCNAME\tgarden.example.\n*.evil.example\tCNAME\tgarden.example.\n"));
	assert_non_null(strstr(s, "SOA\tlocalhost. hostmaster.localhost. 1700000000 "));
	assert_null(strstr(s, "rpz-ip"));
	free(s);
	struct yg_export_buf b;
	yg_export_buf_init(&b);
	m.rpz_garden = "bad host\";";
	assert_int_equal(yg_export_write(YG_EXPORT_RPZ, d, 1, &m, &b, NULL), -EINVAL);
	m.rpz_garden = NULL;
	assert_int_equal(yg_export_write(YG_EXPORT_RPZ, d, 1, &m, &b, NULL), -EINVAL);
	assert_int_equal(b.len, 0);
	/* the name plus "*." and the zone must fit 253 characters */
	char name[260];
	memset(name, 0, sizeof name);
	for (size_t i = 0; i < 245; i++)
		name[i] = i % 20 == 19 ? '.' : 'q';
	struct yg_export_item big = IT(YG_IND_DOMAIN, name);
	m.rpz_policy = YG_EXPORT_RPZ_NXDOMAIN;
	assert_int_equal(yg_export_write(YG_EXPORT_RPZ, &big, 1, &m, &b, &st), 0);
	assert_int_equal(st.skipped_unsafe, 1);
	yg_export_buf_release(&b);
}

static void test_csv_quoting_and_zeek_fields(void **state)
{
	(void)state;
	struct yg_export_item u[] = {
	    {.type = YG_IND_URL, .value = "a.example/x,\"y", .source = "my, feed", .id = "#1"},
	    {.type = YG_IND_URL, .value = "a.example/t\tab", .source = "f"},
	};
	struct yg_export_stats st;
	char *s = run(YG_EXPORT_CSV, u, 2, &meta, &st);
	assert_non_null(
	    strstr(s, "type,value,source,id\r\nurl,\"a.example/x,\"\"y\",\"my, feed\",\"#1\"\r\n"));
	assert_int_equal(st.written, 1);
	assert_int_equal(st.skipped_unsafe, 1);
	free(s);
	s = run(YG_EXPORT_ZEEK, u, 2, &meta, &st);
	assert_non_null(strstr(s, "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n"
	                          "a.example/x,\"y\tIntel::URL\tmy, feed\t#1\n"));
	assert_int_equal(st.skipped_unsafe, 1);
	/* every data line has exactly four fields */
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		size_t tabs = 0;
		for (char *p = line; *p; p++)
			tabs += *p == '\t';
		assert_int_equal(tabs, 3);
	}
	free(s);
}

static void test_deterministic_and_etag(void **state)
{
	(void)state;
	for (unsigned f = 0; f < YG_EXPORT__COUNT; f++) {
		char *a = run((enum yg_export_format)f, good, NGOOD, &meta, NULL);
		char *b = run((enum yg_export_format)f, good, NGOOD, &meta, NULL);
		assert_string_equal(a, b);
		char ea[YG_EXPORT_ETAG_LEN + 1], eb[YG_EXPORT_ETAG_LEN + 1];
		yg_export_etag(a, strlen(a), ea);
		yg_export_etag(b, strlen(b), eb);
		assert_string_equal(ea, eb);
		assert_int_equal(strlen(ea), YG_EXPORT_ETAG_LEN);
		assert_true(ea[0] == '"' && ea[33] == '"');
		struct yg_export_meta later = meta;
		later.generated += 60;
		char *c = run((enum yg_export_format)f, good, NGOOD, &later, NULL);
		if (f != YG_EXPORT_SURICATA_DATASET) {
			yg_export_etag(c, strlen(c), eb);
			assert_string_not_equal(ea, eb);
		}
		free(a);
		free(b);
		free(c);
	}
}

static void test_cap_and_bad_args(void **state)
{
	(void)state;
	struct yg_export_buf b;
	yg_export_buf_init(&b);
	struct yg_export_meta m = meta;
	m.max_bytes = 100;
	assert_int_equal(yg_export_write(YG_EXPORT_SURICATA, good, NGOOD, &m, &b, NULL), -E2BIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(yg_export_write(YG_EXPORT__COUNT, good, NGOOD, &meta, &b, NULL), -EINVAL);
	m = meta;
	m.nft_table = "bad table";
	assert_int_equal(yg_export_write(YG_EXPORT_NFTABLES, good, NGOOD, &m, &b, NULL), -EINVAL);
	m = meta;
	m.dataset_name = "x,load /etc/passwd";
	assert_int_equal(yg_export_write(YG_EXPORT_SURICATA, good, NGOOD, &m, &b, NULL), -EINVAL);
	enum yg_export_format f;
	assert_int_equal(yg_export_format_parse("rpz", &f), 0);
	assert_int_equal(f, YG_EXPORT_RPZ);
	assert_int_equal(yg_export_format_parse("nope", &f), -EINVAL);
	yg_export_buf_release(&b);
}

static void test_sort_dedup(void **state)
{
	(void)state;
	struct yg_export_item it[] = {
	    {.type = YG_IND_URL, .value = "b", .source = "s2"},
	    {.type = YG_IND_IP, .value = "b", .source = "s1"},
	    {.type = YG_IND_URL, .value = "a", .source = "s1"},
	    {.type = YG_IND_URL, .value = "b", .source = "s1"},
	};
	assert_int_equal(yg_export_items_sort(it, 4), 3);
	assert_int_equal(it[0].type, YG_IND_IP);
	assert_string_equal(it[1].value, "a");
	assert_string_equal(it[2].value, "b");
	assert_string_equal(it[2].source, "s1");
}

/* The STIX export must validate and load back to the same indicators. */
static void test_stix_round_trip(void **state)
{
	(void)state;
	struct yg_export_item all[NGOOD + 3];
	memcpy(all, good, sizeof good);
	all[NGOOD] = (struct yg_export_item)IT(YG_IND_URL, "q.example/it's\\here");
	all[NGOOD + 1] = (struct yg_export_item)IT(YG_IND_URL, "/gate.php");
	all[NGOOD + 2] = (struct yg_export_item)IT(YG_IND_JA3, "e7d705a3286e19ea42f587b344ee6865");
	struct yg_export_stats st;
	char *s = run(YG_EXPORT_STIX, all, NGOOD + 3, &meta, &st);
	assert_int_equal(st.written, NGOOD + 2);
	assert_int_equal(st.skipped_type, 1);
	json_error_t je;
	json_t *root = json_loads(s, 0, &je);
	assert_non_null(root);
	size_t invalid = 99;
	char err[256] = "";
	assert_int_equal(yg_stix_validate_bundle(root, NULL, NULL, &invalid, err, sizeof err), 0);
	assert_int_equal(invalid, 0);
	assert_int_equal(json_array_size(json_object_get(root, "objects")), NGOOD + 3);
	json_decref(root);

	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	assert_int_equal(yg_intel_load_buffer(b, "rt.json", (const uint8_t *)s, strlen(s)),
	                 NGOOD + 2);
	assert_int_equal(yg_intel_builder_rejected(b), 0);
	struct yg_intel_set *set;
	assert_int_equal(yg_intel_builder_build(b, &set), 0);
	struct yg_export_item *back;
	size_t n;
	assert_int_equal(yg_export_items_from_set(set, &back, &n), 0);
	assert_int_equal(n, NGOOD + 2);
	struct yg_export_item want[NGOOD + 2];
	memcpy(want, all, sizeof want);
	want[4].value = "xn--bcher-kva.example"; /* the loader keeps A-labels */
	size_t wn = yg_export_items_sort(want, NGOOD + 2);
	assert_int_equal(wn, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(back[i].type, want[i].type);
		assert_string_equal(back[i].value, want[i].value);
		assert_non_null(back[i].id);
		assert_true(strncmp(back[i].id, "indicator--", 11) == 0);
	}
	/* the same export twice gives the same ids: the STIX id names the value */
	char *again = run(YG_EXPORT_STIX, all, NGOOD + 3, &meta, NULL);
	assert_string_equal(s, again);
	free(again);
	free(back);
	yg_intel_set_free(set);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostile_skipped_everywhere),
	    cmocka_unit_test(test_counts_per_format),
	    cmocka_unit_test(test_rules_escape_and_idn),
	    cmocka_unit_test(test_ip_canonical_and_zero_prefix),
	    cmocka_unit_test(test_rpz_policy_and_triggers),
	    cmocka_unit_test(test_csv_quoting_and_zeek_fields),
	    cmocka_unit_test(test_deterministic_and_etag),
	    cmocka_unit_test(test_cap_and_bad_args),
	    cmocka_unit_test(test_sort_dedup),
	    cmocka_unit_test(test_stix_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
