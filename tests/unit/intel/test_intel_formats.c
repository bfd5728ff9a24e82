/* Every indicator file format: a generated sample with known content is
 * detected as its format and loaded value by value; the same sample named
 * explicitly loads the same; a malformed variant gives one clear report.
 * Real feeds from ../shared/data/intel load when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intel/intel.h"

struct errs {
	unsigned n;
	unsigned long line[4];
	char msg[4][512];
};

static void on_err(void *ud, const char *source, unsigned long line, const char *msg)
{
	(void)source;
	struct errs *e = ud;
	if (e->n < 4) {
		e->line[e->n] = line;
		snprintf(e->msg[e->n], sizeof e->msg[0], "%s", msg);
	}
	e->n++;
}

/* "type:value" of every indicator of s, sorted, joined by ' '. */
static void dump(const struct yg_intel_set *s, char *out, size_t cap)
{
	size_t n = yg_intel_set_count(s);
	char **v = calloc(n ? n : 1, sizeof *v);
	assert_non_null(v);
	for (uint32_t i = 0; i < n; i++) {
		struct yg_indicator_info in;
		yg_intel_describe(s, i, &in);
		size_t l = strlen(in.value) + 16;
		v[i] = malloc(l);
		snprintf(v[i], l, "%s:%s", yg_ind_type_name(in.type), in.value);
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: a few values */
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? " " : "", v[i]);
		free(v[i]);
	}
	free(v);
}

struct fcase {
	const char *name;
	enum yg_intel_format_kind fmt;
	const char *spec; /* explicit format */
	const char *text;
	const char *want; /* sorted "type:value" list */
};

static const struct fcase cases[] = {
    {"ipsum", YG_FMT_PLAIN, "plain",
     "# IPsum Threat Intelligence Feed\n# (https://github.com/stamparm/ipsum)\n"
     "192.0.2.7\t9\n198.51.100.23\t7\n203.0.113.5\t3\n",
     "ip:192.0.2.7 ip:198.51.100.23 ip:203.0.113.5"},
    {"comments", YG_FMT_PLAIN, "plain",
     "192.0.2.1 # scanner\n192.0.2.2 ; ref 17\nevil.example # phishing\n"
     "198.51.100.9,100\nd41d8cd98f00b204e9800998ecf8427e,5\n",
     "domain:evil.example ip:192.0.2.1 ip:192.0.2.2 ip:198.51.100.9 "
     "md5:d41d8cd98f00b204e9800998ecf8427e"},
    {"ipport_urls", YG_FMT_PLAIN, "plain",
     "192.0.2.10:8080\n[2001:db8::5]:443\nhttps://phish.example/login?x=1\n"
     "http://192.0.2.11/gate.php\n",
     "ip:192.0.2.10 ip:2001:db8::5 url:192.0.2.11/gate.php url:phish.example/login?x=1"},
    {"hosts", YG_FMT_PLAIN, "hosts",
     "127.0.0.1 localhost\n::1 localhost ip6-localhost\n0.0.0.0 ads.example\n"
     "0.0.0.0\ttrack.example metrics.example\n127.0.0.1 Bad.Example # note\n",
     "domain:ads.example domain:bad.example domain:metrics.example domain:track.example"},
    {"netset", YG_FMT_PLAIN, "netset",
     "#\n# firehol_level1\n#\n1.10.16.0/20\n192.0.2.0/24\n198.51.100.7\n",
     "ip:1.10.16.0/20 ip:192.0.2.0/24 ip:198.51.100.7"},
    {"drop", YG_FMT_PLAIN, "drop",
     "; Spamhaus DROP List 2024/01/01\n; Last-Modified: Mon, 01 Jan 2024\n"
     "1.10.16.0/20 ; SBL256894\n192.0.2.0/24 ; SBL000002\n",
     "ip:1.10.16.0/20 ip:192.0.2.0/24"},
    {"drop_json", YG_FMT_DROP_JSON, "drop-json",
     "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
     "{\"cidr\":\"2001:db8::/32\",\"sblid\":\"SBL1\",\"rir\":\"ripencc\"}\n"
     "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":2,\"records\":2}\n",
     "ip:1.10.16.0/20 ip:2001:db8::/32"},
    {"adblock", YG_FMT_ADBLOCK, "adblock",
     "[Adblock Plus 2.0]\n! Title: Phishing filter\n! Expires: 1 day\n"
     "||phish.example^\n||login-bank.example^$third-party,important\n"
     "||*.cdn-bad.example^\n||bad.example/wp-admin/x.php\n|https://drop.example/p.exe|\n"
     "@@||good.example^\nexample.org##.banner\n||gone.example^$badfilter\n",
     "domain:cdn-bad.example domain:login-bank.example domain:phish.example "
     "url:bad.example/wp-admin/x.php url:drop.example/p.exe"},
    {"adguard_bare", YG_FMT_ADBLOCK, "ublock",
     "! AdGuard DNS style\nbare.example\nbare2.example^\n",
     "domain:bare.example domain:bare2.example"},
    {"dnsmasq", YG_FMT_DNSMASQ, "dnsmasq",
     "# dnsmasq blocklist\naddress=/ads.example/0.0.0.0\naddress=/a.example/b.example/\n"
     "server=/c2.example/\nlocal=/local-bad.example/\n",
     "domain:a.example domain:ads.example domain:b.example domain:c2.example "
     "domain:local-bad.example"},
    {"unbound", YG_FMT_UNBOUND, "unbound",
     "server:\nlocal-zone: \"ads.example\" always_nxdomain\n"
     "local-zone: track.example. static\nlocal-data: \"c2.example A 0.0.0.0\"\n"
     "local-zone: \"ok.example\" transparent\n",
     "domain:ads.example domain:c2.example domain:track.example"},
    {"rpz", YG_FMT_RPZ, "rpz",
     "$TTL 300\n@ IN SOA localhost. root.localhost. (\n 1 3600 600\n 86400 300 )\n"
     "  IN NS localhost.\nbad.example CNAME .\n*.bad.example CNAME .\n"
     "c2.example.rpz.local. 300 IN A 0.0.0.0\n$ORIGIN rpz.local.\n"
     "evil.example.rpz.local. CNAME .\n32.7.2.0.192.rpz-ip CNAME .\n"
     "48.zz.db8.2001.rpz-ip CNAME .\nns1.bad-ns.example.rpz-nsdname CNAME .\n"
     "24.0.2.0.192.rpz-client-ip CNAME .\nok.example CNAME rpz-passthru.\n",
     "domain:bad.example domain:c2.example.rpz.local domain:evil.example "
     "domain:ns1.bad-ns.example ip:192.0.2.7 ip:2001:db8::/48"},
    {"csv_header", YG_FMT_CSV, "csv",
     "first_seen,dst_ip,port\n2024-01-01,192.0.2.40,443\n2024-01-01,192.0.2.41,80\n",
     "ip:192.0.2.40 ip:192.0.2.41"},
    {"dataset_string", YG_FMT_DATASET, "suricata-dataset",
     /* "evil.example", "http://bad.example/x", "c2.example" (datarep) */
     "ZXZpbC5leGFtcGxl\naHR0cDovL2JhZC5leGFtcGxlL3g=\nYzIuZXhhbXBsZQ==,200\n",
     "domain:c2.example domain:evil.example url:bad.example/x"},
    {"stix", YG_FMT_STIX, "stix",
     "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":\"indicator\","
     "\"id\":\"indicator--1\",\"pattern_type\":\"stix\","
     "\"pattern\":\"[domain-name:value = 'stix.example']\"}]}",
     "domain:stix.example"},
    {"misp_event", YG_FMT_MISP, "misp",
     "{\"Event\":{\"uuid\":\"5f1e0b8c-0000-4000-8000-000000000001\",\"info\":\"x\","
     "\"Attribute\":["
     "{\"type\":\"ip-dst\",\"value\":\"192.0.2.60\",\"to_ids\":true,\"uuid\":\"a1\"},"
     "{\"type\":\"ip-dst|port\",\"value\":\"192.0.2.61|8443\",\"to_ids\":true},"
     "{\"type\":\"domain|ip\",\"value\":\"misp.example|192.0.2.62\",\"to_ids\":\"1\"},"
     "{\"type\":\"url\",\"value\":\"http://misp.example/a\",\"to_ids\":true},"
     "{\"type\":\"filename|sha256\",\"value\":\"x.exe|"
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"to_ids\":true},"
     "{\"type\":\"domain\",\"value\":\"context.example\",\"to_ids\":false},"
     "{\"type\":\"domain\",\"value\":\"deleted.example\",\"to_ids\":true,\"deleted\":true},"
     "{\"type\":\"regkey\",\"value\":\"HKLM\\\\x\",\"to_ids\":true}],"
     "\"Object\":[{\"name\":\"file\",\"Attribute\":["
     "{\"type\":\"md5\",\"value\":\"D41D8CD98F00B204E9800998ECF8427E\",\"to_ids\":true},"
     "{\"type\":\"ja3-fingerprint-md5\",\"value\":\"e7d705a3286e19ea42f587b344ee6865\","
     "\"to_ids\":1}]}]}}",
     "domain:misp.example ip:192.0.2.60 ip:192.0.2.61 ip:192.0.2.62 "
     "ja3:e7d705a3286e19ea42f587b344ee6865 md5:d41d8cd98f00b204e9800998ecf8427e "
     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
     "url:misp.example/a"},
};

static void load_case(const struct fcase *c, const struct yg_intel_format *f, char *out, size_t cap)
{
	struct yg_intel_builder *b;
	struct errs e = {0};
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_on_error(b, on_err, &e);
	long r = yg_intel_load_buffer_as(b, c->name, (const uint8_t *)c->text, strlen(c->text), f);
	if (e.n && strcmp(c->name, "misp_event") != 0)
		fail_msg("%s: unexpected report: %s", c->name, e.msg[0]);
	assert_int_equal(yg_intel_builder_rejected(b), 0);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(r, (long)yg_intel_set_count(s));
	dump(s, out, cap);
	yg_intel_set_free(s);
}

static void every_format(void **state)
{
	(void)state;
	static char got[8192];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct fcase *c = &cases[i];
		enum yg_intel_format_kind k =
		    yg_intel_detect((const uint8_t *)c->text, strlen(c->text));
		if (k != c->fmt)
			fail_msg("%s: detected as %s, not %s", c->name, yg_intel_format_name(k),
			         yg_intel_format_name(c->fmt));
		load_case(c, NULL, got, sizeof got);
		if (strcmp(got, c->want) != 0)
			fail_msg("%s (detected):\n got  %s\n want %s", c->name, got, c->want);
		struct yg_intel_format f;
		assert_int_equal(yg_intel_format_parse(c->spec, strlen(c->spec), &f), 0);
		load_case(c, &f, got, sizeof got);
		if (strcmp(got, c->want) != 0)
			fail_msg("%s (as %s):\n got  %s\n want %s", c->name, c->spec, got, c->want);
	}
}

/* Each malformed variant: one report, naming the format and the first bad
 * line, and nothing loaded from it. */
static void malformed_once(void **state)
{
	(void)state;
	static const struct {
		const char *spec, *text, *first;
		unsigned long line;
	} bad[] = {
	    {"adblock", "! list\n||ok.example^\n/re[gx]+/\n||a*b.example^\n||*^\n", "regular", 3},
	    {"dnsmasq", "# x\naddress=/ok.example/\nfoo=bar\nbogus\naddress=/#/\n", "dnsmasq", 3},
	    {"unbound", "local-zone: \"ok.example\" static\nhello world\nx y\n", "unbound", 2},
	    {"rpz", "ok.example CNAME .\n999.1.rpz-ip CNAME .\n1.2.rpz-ip CNAME .\n", "rpz-ip", 2},
	    {"suricata-dataset", "ZXZpbC5leGFtcGxl\n!!!!\n????\n", "base64", 2},
	    {"drop-json", "{\"cidr\":\"192.0.2.0/24\"}\n{\"x\":1}\nnot json\n", "cidr", 2},
	    {"hosts", "0.0.0.0 ok.example\n192.0.2.1\n192.0.2.2 5\n", "hosts line", 2},
	    {"netset", "192.0.2.0/24\nbad.example\nworse.example\n", "not an IP", 2},
	    {"csv", "a,b\n1,2\n", "CSV header", 1},
	    {"plain", "<html>\n<body>\n<p>feed moved</p>\n</body>\n", "<html>", 1},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct yg_intel_builder *b;
		struct errs e = {0};
		struct yg_intel_format f;
		assert_int_equal(yg_intel_format_parse(bad[i].spec, strlen(bad[i].spec), &f), 0);
		assert_int_equal(yg_intel_builder_new(&b), 0);
		yg_intel_builder_on_error(b, on_err, &e);
		long r = yg_intel_load_buffer_as(b, "bad", (const uint8_t *)bad[i].text,
		                                 strlen(bad[i].text), &f);
		if (r != 0 || e.n != 1 || !strstr(e.msg[0], "format not recognized") ||
		    !strstr(e.msg[0], bad[i].first) || e.line[0] != bad[i].line)
			fail_msg("%s: r=%ld, %u reports, line %lu: %s", bad[i].spec, r, e.n,
			         e.line[0], e.msg[0]);
		struct yg_intel_set *s;
		assert_int_equal(yg_intel_builder_build(b, &s), 0);
		assert_int_equal(yg_intel_set_count(s), 0);
		yg_intel_set_free(s);
	}
}

/* STIX and MISP are understood once they parse: their unusable entries
 * are reported one by one and the good ones kept; a file that is not JSON
 * is one report. */
static void structured_not_judged(void **state)
{
	(void)state;
	static const struct yg_intel_format misp = {.kind = YG_FMT_MISP, .type = -1};
	const char *ev = "{\"Event\":{\"Attribute\":["
	                 "{\"type\":\"ip-dst\",\"value\":\"x\",\"to_ids\":true},"
	                 "{\"type\":\"url\",\"to_ids\":true},"
	                 "{\"type\":\"domain\",\"value\":\"kept.example\",\"to_ids\":true}]}}";
	struct yg_intel_builder *b;
	struct errs e = {0};
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_on_error(b, on_err, &e);
	assert_int_equal(yg_intel_load_buffer_as(b, "ev", (const uint8_t *)ev, strlen(ev), &misp),
	                 1);
	assert_int_equal(e.n, 2);
	assert_non_null(strstr(e.msg[0], "ip-dst"));
	assert_non_null(strstr(e.msg[1], "without a type or value"));
	const char *broken = "{\"Event\": [1, 2";
	assert_int_equal(
	    yg_intel_load_buffer_as(b, "broken", (const uint8_t *)broken, strlen(broken), &misp),
	    0);
	assert_int_equal(e.n, 3);
	assert_non_null(strstr(e.msg[2], "not valid JSON"));
	yg_intel_builder_free(b);
}

static void format_specs(void **state)
{
	(void)state;
	struct yg_intel_format f;
	const char *s = "csv,column=3,type=ip,delim=tab,header=yes";
	assert_int_equal(yg_intel_format_parse(s, strlen(s), &f), 0);
	assert_int_equal(f.kind, YG_FMT_CSV);
	assert_int_equal(f.column, 3);
	assert_int_equal(f.type, 0);
	assert_int_equal(f.delim, '\t');
	assert_true(f.header);
	const char *bad[] = {
	    "",           "nope",           "csv,column=0", "plain,column=2", "csv,type=zz",
	    "csv,column", "adblock,delim=x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(yg_intel_format_parse(bad[i], strlen(bad[i]), &f), -EINVAL);
	for (int k = 0; k < YG_FMT__COUNT; k++) {
		const char *n = yg_intel_format_name((enum yg_intel_format_kind)k);
		assert_int_equal(yg_intel_format_parse(n, strlen(n), &f), 0);
		assert_int_equal(f.kind, k);
	}
}

/* CSV without a header: a mapping names the value column. */
static void csv_mapping(void **state)
{
	(void)state;
	const char *text = "2024-01-01;192.0.2.80;x\n2024-01-02;192.0.2.81;y\n";
	struct yg_intel_format f;
	const char *spec = "csv,column=2,delim=semicolon";
	assert_int_equal(yg_intel_format_parse(spec, strlen(spec), &f), 0);
	struct fcase c = {"nohdr", YG_FMT_CSV, spec, text, NULL};
	char got[256];
	load_case(&c, &f, got, sizeof got);
	assert_string_equal(got, "ip:192.0.2.80 ip:192.0.2.81");
	text = "name,md5\nx,d41d8cd98f00b204e9800998ecf8427e\n";
	spec = "csv,column=2,type=ja3,header=yes";
	assert_int_equal(yg_intel_format_parse(spec, strlen(spec), &f), 0);
	c.text = text;
	load_case(&c, &f, got, sizeof got);
	assert_string_equal(got, "ja3:d41d8cd98f00b204e9800998ecf8427e");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

/* A MISP feed folder: manifest.json and one file per event; files the
 * manifest does not list are not read. Also "FORMAT:PATH" specs. */
static void misp_feed_and_specs(void **state)
{
	(void)state;
	char dir[] = "/tmp/yg-misp-XXXXXX", p[256];
	assert_non_null(mkdtemp(dir));
	const char *u1 = "5f1e0b8c-0000-4000-8000-000000000001";
	const char *u2 = "5f1e0b8c-0000-4000-8000-000000000002";
	snprintf(p, sizeof p, "%s/manifest.json", dir);
	char m[512];
	snprintf(m, sizeof m,
	         "{\"%s\":{\"info\":\"one\",\"timestamp\":\"1\"},"
	         "\"%s\":{\"info\":\"two\"}}",
	         u1, u2);
	write_file(p, m);
	snprintf(p, sizeof p, "%s/%s.json", dir, u1);
	write_file(p, "{\"Event\":{\"uuid\":\"1\",\"Attribute\":[{\"type\":\"domain\","
	              "\"value\":\"one.example\",\"to_ids\":true}]}}");
	snprintf(p, sizeof p, "%s/%s.json", dir, u2);
	write_file(p, "{\"Event\":{\"uuid\":\"2\",\"Attribute\":[{\"type\":\"ip-src\","
	              "\"value\":\"192.0.2.90\",\"to_ids\":true}]}}");
	snprintf(p, sizeof p, "%s/hashes.csv", dir);
	write_file(p, "x,y\n");
	snprintf(p, sizeof p, "%s/unlisted.json", dir);
	write_file(p, "{\"Event\":{\"Attribute\":[{\"type\":\"domain\",\"value\":\"no.example\","
	              "\"to_ids\":true}]}}");
	struct yg_intel_builder *b;
	struct errs e = {0};
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_on_error(b, on_err, &e);
	assert_int_equal(yg_intel_load_path(b, dir), 2);
	snprintf(p, sizeof p, "%s/manifest.json", dir);
	assert_int_equal(yg_intel_load_path(b, p), 0); /* the same events again */
	assert_int_equal(e.n, 0);
	/* explicit format before a path; an unknown prefix is part of the path */
	snprintf(p, sizeof p, "%s/list.txt", dir);
	write_file(p, "0.0.0.0 spec.example\n");
	char spec[300];
	snprintf(spec, sizeof spec, "hosts:%s", p);
	assert_int_equal(yg_intel_load_spec(b, spec), 1);
	snprintf(spec, sizeof spec, "nosuchformat:%s", p);
	assert_int_equal(yg_intel_load_spec(b, spec), -ENOENT);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	char got[512];
	dump(s, got, sizeof got);
	assert_string_equal(got, "domain:one.example domain:spec.example ip:192.0.2.90");
	yg_intel_set_free(s);
	const char *names[] = {"manifest.json", "hashes.csv", "unlisted.json", "list.txt"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/%s.json", dir, u1);
	unlink(p);
	snprintf(p, sizeof p, "%s/%s.json", dir, u2);
	unlink(p);
	rmdir(dir);
}

/* Real feeds (read-only, ../shared/data/intel): every line loads. */
static void shared_feeds(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		enum yg_intel_format_kind fmt;
		long min;
	} feeds[] = {
	    {"ipsum__level4.txt", YG_FMT_PLAIN, 1000},
	    {"adaway__hosts.txt", YG_FMT_PLAIN, 1000},
	    {"firehol__spamhaus_drop.netset", YG_FMT_PLAIN, 600},
	    {"maltrail__mass_scanner_cidr.txt", YG_FMT_PLAIN, 100},
	    {"phishdb__phishing-links-NEW-today.txt", YG_FMT_PLAIN, 3},
	};
	const char *root = getenv("YG_SRCDIR");
	char dir[512];
	snprintf(dir, sizeof dir, "%s/../shared/data/intel", root ? root : "..");
	if (access(dir, R_OK) != 0) {
		skip(); /* the shared data is not on this machine */
	}
	for (size_t i = 0; i < sizeof feeds / sizeof feeds[0]; i++) {
		char p[700];
		snprintf(p, sizeof p, "%s/%s", dir, feeds[i].file);
		FILE *f = fopen(p, "rb");
		if (!f)
			continue;
		static char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		assert_int_equal(yg_intel_detect((const uint8_t *)buf, n), feeds[i].fmt);
		struct yg_intel_builder *b;
		struct errs e = {0};
		assert_int_equal(yg_intel_builder_new(&b), 0);
		yg_intel_builder_on_error(b, on_err, &e);
		long r = yg_intel_load_path(b, p);
		if (r < feeds[i].min || e.n)
			fail_msg("%s: %ld loaded, %u reports: %s", feeds[i].file, r, e.n, e.msg[0]);
		yg_intel_builder_free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_format),          cmocka_unit_test(malformed_once),
	    cmocka_unit_test(structured_not_judged), cmocka_unit_test(format_specs),
	    cmocka_unit_test(csv_mapping),           cmocka_unit_test(misp_feed_and_specs),
	    cmocka_unit_test(shared_feeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
