/* Indicator file loaders: plain lists, hosts, netsets, CSV, STIX bundles,
 * bad lines, binary files, folders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intel/intel.h"

struct errs {
	unsigned n;
	char src[8][256];
	unsigned long line[8];
	char msg[8][320];
	char last[320];
};

static void on_err(void *ud, const char *source, unsigned long line, const char *msg)
{
	struct errs *e = ud;
	if (e->n < 8) {
		snprintf(e->src[e->n], sizeof e->src[0], "%s", source);
		e->line[e->n] = line;
		snprintf(e->msg[e->n], sizeof e->msg[0], "%s", msg);
	}
	snprintf(e->last, sizeof e->last, "%s", msg);
	e->n++;
}

static struct yg_intel_builder *new_builder(struct errs *e)
{
	struct yg_intel_builder *b;
	memset(e, 0, sizeof *e);
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_on_error(b, on_err, e);
	return b;
}

static long load(struct yg_intel_builder *b, const char *name, const char *text)
{
	return yg_intel_load_buffer(b, name, (const uint8_t *)text, strlen(text));
}

static struct yg_intel_set *finish(struct yg_intel_builder *b)
{
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	return s;
}

static uint32_t ip(const struct yg_intel_set *s, const char *txt)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, txt, a) == 1)
		return yg_intel_match_ip(s, 4, a);
	assert_int_equal(inet_pton(AF_INET6, txt, a), 1);
	return yg_intel_match_ip(s, 6, a);
}

static uint32_t dom(const struct yg_intel_set *s, const char *n)
{
	return yg_intel_match_domain(s, n, strlen(n));
}

static struct yg_indicator_info info(const struct yg_intel_set *s, uint32_t idx)
{
	struct yg_indicator_info in;
	assert_int_not_equal(idx, YG_INTEL_NONE);
	yg_intel_describe(s, idx, &in);
	return in;
}

static void plain_list(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	const char *text = "# a list\r\n"
	                   "\r\n"
	                   "  198.51.100.7  \r\n"
	                   "203.0.113.0/24 # trailing comment\r\n"
	                   "evil.example\t# tab comment\r\n"
	                   "http://bad.example/gate.php?id=1\r\n"
	                   "192.0.2.55:8443\r\n"
	                   "2001:db8::/48\r\n"
	                   "not a valid line!\r\n"
	                   "d41d8cd98f00b204e9800998ecf8427e\r\n"
	                   "; semicolon comment\r\n"
	                   "999.1.1.1\r\n"
	                   "evil.example\r\n"
	                   "last.example";
	assert_int_equal(load(b, "feed.txt", text), 8);
	assert_int_equal(yg_intel_builder_rejected(b), 2);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.src[0], "feed.txt");
	assert_int_equal(e.line[0], 9);
	assert_non_null(strstr(e.msg[0], "not"));
	assert_int_equal(e.line[1], 12);
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 8);
	struct yg_indicator_info in = info(s, ip(s, "198.51.100.7"));
	assert_int_equal(in.line, 3);
	assert_string_equal(in.source, "feed.txt");
	assert_string_equal(info(s, ip(s, "203.0.113.9")).value, "203.0.113.0/24");
	assert_int_equal(info(s, dom(s, "www.evil.example")).line, 5);
	assert_string_equal(info(s, ip(s, "192.0.2.55")).value, "192.0.2.55");
	assert_string_equal(info(s, ip(s, "2001:db8:0:1::1")).value, "2001:db8::/48");
	assert_int_equal(info(s, dom(s, "last.example")).line, 14);
	assert_int_not_equal(yg_intel_match_url(s, "bad.example", 11, "/gate.php?id=1", 14),
	                     YG_INTEL_NONE);
	yg_intel_set_free(s);
}

static void hosts_file(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	const char *text = "# hosts\n"
	                   "127.0.0.1  localhost\n"
	                   "127.0.0.1 localhost.localdomain\n"
	                   "::1  localhost ip6-localhost ip6-loopback\n"
	                   "255.255.255.255 broadcasthost\n"
	                   "fe80::1%lo0 localhost\n"
	                   "0.0.0.0 ads.example tracker.example # two names\n"
	                   "127.0.0.1\tAnalytics.Example\n"
	                   "0.0.0.0 bad..name\n"
	                   "0.0.0.0 local\n";
	assert_int_equal(load(b, "hosts", text), 3);
	assert_int_equal(yg_intel_builder_rejected(b), 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], 9);
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 3);
	assert_int_not_equal(dom(s, "ads.example"), YG_INTEL_NONE);
	assert_int_not_equal(dom(s, "x.tracker.example"), YG_INTEL_NONE);
	assert_string_equal(info(s, dom(s, "analytics.example")).value, "analytics.example");
	assert_int_equal(dom(s, "localhost"), YG_INTEL_NONE);
	assert_int_equal(ip(s, "127.0.0.1"), YG_INTEL_NONE);
	assert_int_equal(ip(s, "0.0.0.0"), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

static void firehol_netset(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	const char *text = "#\n# spamhaus_drop\n#\n# Maintainer      : Spamhaus.org\n#\n"
	                   "1.10.16.0/20\n1.32.128.0/18\n5.8.37.0/24\n5.8.37.5\n";
	assert_int_equal(load(b, "x.netset", text), 4);
	assert_int_equal(e.n, 0);
	struct yg_intel_set *s = finish(b);
	assert_string_equal(info(s, ip(s, "1.10.31.255")).value, "1.10.16.0/20");
	assert_string_equal(info(s, ip(s, "5.8.37.5")).value, "5.8.37.5");
	assert_string_equal(info(s, ip(s, "5.8.37.6")).value, "5.8.37.0/24");
	assert_int_equal(ip(s, "1.10.32.0"), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

static void csv_files(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	const char *text = "# exported\n"
	                   "id,indicator,type,comment\n"
	                   "1,198.51.100.1,ip,\"plain, with comma\"\n"
	                   "2,\"evil.example\",domain,\"multi\nline \"\"quoted\"\" note\"\n"
	                   "3,http://bad.example/x,url,\n"
	                   "4,e7d705a3286e19ea42f587b344ee6865,ja3_hash,\n"
	                   "5,bad..domain,domain,\n"
	                   "6,d41d8cd98f00b204e9800998ecf8427e,,\n"
	                   "7\n"
	                   "8,\"unterminated\n";
	assert_int_equal(load(b, "f.csv", text), 5);
	assert_int_equal(yg_intel_builder_rejected(b), 3);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.line[0], 8);  /* the domain that is not one */
	assert_int_equal(e.line[1], 10); /* a row without the column */
	assert_non_null(strstr(e.msg[1], "value column"));
	assert_int_equal(e.line[2], 11);
	assert_non_null(strstr(e.msg[2], "unterminated"));
	struct yg_intel_set *s = finish(b);
	assert_int_equal(info(s, ip(s, "198.51.100.1")).line, 3);
	assert_int_equal(info(s, dom(s, "evil.example")).line, 4);
	assert_int_equal(info(s, yg_intel_match_url(s, "bad.example", 11, "/x", 2)).line, 6);
	struct yg_indicator_info in =
	    info(s, yg_intel_match_token(s, YG_IND_JA3, "e7d705a3286e19ea42f587b344ee6865", 32));
	assert_int_equal(in.type, YG_IND_JA3);
	assert_int_equal(in.line, 7);
	in = info(s, yg_intel_match_token(s, YG_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", 32));
	assert_int_equal(in.type, YG_IND_MD5);
	yg_intel_set_free(s);

	/* abuse.ch style: the header is the last comment; a typed column */
	b = new_builder(&e);
	text = "################\n"
	       "# Feodo Tracker\n"
	       "# first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware\n"
	       "\"2021-01-01 "
	       "00:00:00\",\"192.0.2.10\",\"443\",\"online\",\"2021-01-02\",\"Dridex\"\r\n"
	       "\"2021-01-01 "
	       "00:00:00\",\"192.0.2.11\",\"8080\",\"online\",\"2021-01-02\",\"Emotet\"\r\n"
	       "# Number of entries: 2\n";
	assert_int_equal(load(b, "feodo.csv", text), 2);
	assert_int_equal(e.n, 0);
	s = finish(b);
	assert_int_equal(info(s, ip(s, "192.0.2.11")).line, 5);
	yg_intel_set_free(s);

	/* a column named md5 types its values; tab separated works too */
	b = new_builder(&e);
	text = "name\tmd5\nx\tD41D8CD98F00B204E9800998ECF8427E\ny\tzz\n";
	assert_int_equal(load(b, "h.tsv", text), 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], 3);
	s = finish(b);
	in = info(s, yg_intel_match_token(s, YG_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", 32));
	assert_int_equal(in.type, YG_IND_MD5);
	yg_intel_set_free(s);
}

static const char *bundle =
    "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--a\","
    " \"pattern_type\":\"stix\",\"pattern\":\"[ipv4-addr:value = '198.51.100.0/24'] OR "
    "[domain-name:value = 'C2.Example']\",\"valid_from\":\"2020-01-01T00:00:00Z\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--b\",\"pattern_type\":\"stix\","
    " \"pattern\":\"[file:hashes.'SHA-256' = "
    "'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' OR file:hashes.MD5 = "
    "'d41d8cd98f00b204e9800998ecf8427e']\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--broken\",\"pattern_type\":\"stix\","
    " \"pattern\":\"[ipv4-addr:value = '1.2.3.4'\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--revoked\",\"revoked\":true,"
    " \"pattern_type\":\"stix\",\"pattern\":\"[domain-name:value = 'revoked.example']\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--expired\",\"pattern_type\":\"stix\","
    " \"valid_until\":\"2001-01-01T00:00:00Z\",\"pattern\":\"[domain-name:value = "
    "'old.example']\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--future\",\"pattern_type\":\"stix\","
    " \"valid_until\":\"2999-01-01T00:00:00.000Z\",\"pattern\":\"[url:value = "
    "'http://c2.test/gate']\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--complex\",\"pattern_type\":\"stix\","
    " \"pattern\":\"[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port = 80]\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--snort\",\"pattern_type\":\"snort\","
    " \"pattern\":\"alert tcp any any -> any any (msg:\\\"x\\\";)\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--x509\",\"pattern_type\":\"stix\","
    " \"pattern\":\"[x509-certificate:hashes.'SHA-256' = 'aa']\"},"
    "{\"type\":\"indicator\",\"id\":\"indicator--v6\",\"pattern_type\":\"stix\","
    " \"pattern\":\"[ipv6-addr:value = '2001:db8::1']\"},"
    "{\"type\":\"malware\",\"id\":\"malware--1\",\"name\":\"x\"}"
    "]}";

static void stix_bundle(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	assert_int_equal(load(b, "bundle.json", bundle), 6);
	assert_int_equal(yg_intel_builder_rejected(b), 3);
	assert_int_equal(e.n, 3);
	assert_non_null(strstr(e.msg[0], "indicator--broken"));
	assert_non_null(strstr(e.msg[0], "offset")); /* the parser's message */
	assert_non_null(strstr(e.msg[1], "indicator--complex"));
	assert_non_null(strstr(e.msg[2], "indicator--x509"));
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 6);
	struct yg_indicator_info in = info(s, ip(s, "198.51.100.200"));
	assert_string_equal(in.stix_id, "indicator--a");
	assert_string_equal(in.source, "bundle.json");
	in = info(s, dom(s, "www.c2.example"));
	assert_string_equal(in.value, "c2.example");
	assert_string_equal(in.stix_id, "indicator--a");
	in = info(s, yg_intel_match_token(
	                 s, YG_IND_SHA256,
	                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64));
	assert_string_equal(in.stix_id, "indicator--b");
	assert_int_not_equal(
	    yg_intel_match_token(s, YG_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", 32),
	    YG_INTEL_NONE);
	assert_int_equal(dom(s, "revoked.example"), YG_INTEL_NONE);
	assert_int_equal(dom(s, "old.example"), YG_INTEL_NONE);
	assert_int_equal(ip(s, "1.2.3.4"), YG_INTEL_NONE);
	assert_int_equal(ip(s, "192.0.2.1"), YG_INTEL_NONE);
	assert_string_equal(info(s, yg_intel_match_url(s, "c2.test", 7, "/gate", 5)).stix_id,
	                    "indicator--future");
	assert_string_equal(info(s, ip(s, "2001:db8::1")).stix_id, "indicator--v6");
	yg_intel_set_free(s);

	/* broken JSON: one error, nothing loaded */
	b = new_builder(&e);
	assert_int_equal(load(b, "bad.json", "{\"type\":\"bundle\",\"objects\":[\n{]"), 0);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], 2);
	assert_non_null(strstr(e.msg[0], "JSON"));
	yg_intel_builder_free(b);

	/* a bare array and a single object are accepted too */
	b = new_builder(&e);
	assert_int_equal(load(b, "a.json",
	                      "[{\"type\":\"indicator\",\"id\":\"indicator--z\","
	                      "\"pattern\":\"[domain-name:value = 'z.example']\"}]"),
	                 1);
	assert_int_equal(load(b, "o.json",
	                      "{\"type\":\"indicator\",\"id\":\"indicator--y\","
	                      "\"pattern\":\"[url:value = 'y.example/p']\"}"),
	                 1);
	assert_int_equal(e.n, 0);
	/* a plain list may start with '[' too */
	assert_int_equal(load(b, "v6.txt", "[2001:db8::7]:443\n2001:db8::8\n"), 2);
	assert_int_equal(e.n, 0);
	yg_intel_builder_free(b);
}

static void binary_rejected_once(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	uint8_t bin[4096];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(yg_intel_load_buffer(b, "blob.bin", bin, sizeof bin), -EBADMSG);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], "binary"));
	assert_int_equal(yg_intel_builder_rejected(b), 1);
	/* a text with one NUL is binary too */
	const uint8_t nul[] = "1.2.3.4\n\0\n5.6.7.8\n";
	assert_int_equal(yg_intel_load_buffer(b, "nul.txt", nul, sizeof nul - 1), -EBADMSG);
	assert_int_equal(e.n, 2);
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 0);
	yg_intel_set_free(s);
}

static void errors_capped_per_file(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	char text[4096] = "";
	size_t o = 0;
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "good%d.example\n", i);
	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "bad_%d\n", i);
	assert_int_equal(load(b, "many.txt", text), 40);
	assert_int_equal(yg_intel_builder_rejected(b), 30);
	assert_int_equal(e.n, 21);
	assert_int_equal(e.line[0], 41);
	assert_non_null(strstr(e.last, "10 more"));
	/* the next file gets its own 20 */
	assert_int_equal(load(b, "two.txt", "x.example\nbad\n"), 1);
	assert_int_equal(e.n, 22);
	yg_intel_builder_free(b);
}

/* A file where most entries fail is one report, and nothing of it stays. */
static void unrecognized_reported_once(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	assert_int_equal(load(b, "keep.txt", "kept.example\n"), 1);
	char text[8192] = "# an HTML page saved as a feed\n";
	size_t o = strlen(text);
	for (int i = 0; i < 5; i++) /* a few lines happen to parse */
		o += (size_t)snprintf(text + o, sizeof text - o, "lucky%d.example\n", i);
	o += (size_t)snprintf(text + o, sizeof text - o, "kept.example\n");
	for (int i = 0; i < 200; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "<td>row %d</td>\n", i);
	assert_int_equal(load(b, "page.txt", text), 0);
	assert_int_equal(yg_intel_builder_rejected(b), 200);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.src[0], "page.txt");
	assert_int_equal(e.line[0], 8); /* the first bad line */
	assert_non_null(strstr(e.msg[0], "format not recognized"));
	assert_non_null(strstr(e.msg[0], "200 of 206"));
	assert_non_null(strstr(e.msg[0], "\"<td>row\""));
	/* the set holds what came before, and the builder still works */
	assert_int_equal(load(b, "after.txt", "after.example\n"), 1);
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 2);
	assert_int_equal(dom(s, "lucky0.example"), YG_INTEL_NONE);
	assert_string_equal(info(s, dom(s, "kept.example")).source, "keep.txt");
	assert_string_equal(info(s, dom(s, "after.example")).source, "after.txt");
	yg_intel_set_free(s);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void folder_loading(void **state)
{
	(void)state;
	char dir[] = "/tmp/yg-intel-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	write_file(dir, "b.txt", "dup.example\nb.example\n", 22);
	write_file(dir, "a.txt", "dup.example\n10.0.0.0/8\n", 23);
	write_file(dir, ".hidden", "hidden.example\n", 15);
	write_file(dir, "z.bin",
	           "\x7f"
	           "ELF\x02\x01\x01\0\0\0",
	           10);
	char sub[600];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(sub, "c.txt", "c.example\n", 10);

	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	assert_int_equal(yg_intel_load_path(b, dir), 3);
	assert_int_equal(e.n, 1); /* the binary file */
	assert_non_null(strstr(e.src[0], "z.bin"));
	assert_int_equal(yg_intel_load_path(b, "/nonexistent/yg-intel"), -ENOENT);
	char fa[600];
	snprintf(fa, sizeof fa, "%s/a.txt", dir);
	assert_int_equal(yg_intel_load_path(b, fa), 0); /* all duplicates now */
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 3);
	/* files load sorted by name: a.txt first keeps the duplicate */
	assert_string_equal(info(s, dom(s, "dup.example")).source, fa);
	assert_int_equal(dom(s, "hidden.example"), YG_INTEL_NONE);
	assert_int_equal(dom(s, "c.example"), YG_INTEL_NONE);
	yg_intel_set_free(s);

	char p[700];
	const char *names[] = {"b.txt", "a.txt", ".hidden", "z.bin", "sub/c.txt", "sub", ""};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (i == 5 || i == 6)
			rmdir(p);
		else
			unlink(p);
	}
	assert_int_equal(access(dir, F_OK), -1);
}

static void empty_inputs(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	assert_int_equal(yg_intel_load_buffer(b, "empty", NULL, 0), 0);
	assert_int_equal(load(b, "comments", "# only\n#comments\n\n"), 0);
	assert_int_equal(load(b, "ws", "  \n\t\n"), 0);
	assert_int_equal(e.n, 0);
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 0);
	yg_intel_set_free(s);
}

/* Values are parsed a few lines ahead of being added (lines.c): a
 * duplicate at any distance, within a line or across many, keeps the
 * first one's line, and rejections keep their own lines. A list past 4096
 * lines also takes the reserved (pre-sized) path of the builder. */
static void duplicates_keep_first(void **state)
{
	(void)state;
	struct errs e;
	struct yg_intel_builder *b = new_builder(&e);
	const char *head = "a.example\n"                             /* 1 */
	                   "0.0.0.0 b.example a.example c.example\n" /* 2: a is a duplicate */
	                   "bad..name\n"                             /* 3: rejected */
	                   "b.example\n"                             /* 4 */
	                   "198.51.100.1\n"                          /* 5 */
	                   "c.example\n"                             /* 6 */
	                   "d.example\n"                             /* 7 */
	                   "1.2.3.999\n"                             /* 8: rejected */
	                   "198.51.100.1\n"                          /* 9 */
	                   "e.example\n";                            /* 10 */
	size_t cap = strlen(head) + 6000 * 24 + 64, n = strlen(head);
	char *text = malloc(cap);
	assert_non_null(text);
	memcpy(text, head, n);
	for (unsigned i = 0; i < 6000; i++) /* lines 11..6010 */
		n += (size_t)snprintf(text + n, cap - n, "n%u.example\n", i % 5000);
	n += (size_t)snprintf(text + n, cap - n, "a.example\nlast.example");
	text[n] = 0;
	/* 5 names and 1 address in the head, 5000 distinct generated, last */
	assert_int_equal(load(b, "dups.txt", text), 5007);
	free(text);
	assert_int_equal(yg_intel_builder_rejected(b), 2);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.line[0], 3);
	assert_int_equal(e.line[1], 8);
	struct yg_intel_set *s = finish(b);
	assert_int_equal(yg_intel_set_count(s), 5007);
	assert_int_equal(info(s, dom(s, "a.example")).line, 1);
	assert_int_equal(info(s, dom(s, "b.example")).line, 2);
	assert_int_equal(info(s, dom(s, "c.example")).line, 2);
	assert_int_equal(info(s, dom(s, "d.example")).line, 7);
	assert_int_equal(info(s, ip(s, "198.51.100.1")).line, 5);
	assert_int_equal(info(s, dom(s, "n0.example")).line, 11);
	assert_int_equal(info(s, dom(s, "n4999.example")).line, 5010);
	assert_int_equal(info(s, dom(s, "last.example")).line, 6012);
	yg_intel_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_list),
	    cmocka_unit_test(hosts_file),
	    cmocka_unit_test(firehol_netset),
	    cmocka_unit_test(csv_files),
	    cmocka_unit_test(stix_bundle),
	    cmocka_unit_test(binary_rejected_once),
	    cmocka_unit_test(errors_capped_per_file),
	    cmocka_unit_test(unrecognized_reported_once),
	    cmocka_unit_test(folder_loading),
	    cmocka_unit_test(empty_inputs),
	    cmocka_unit_test(duplicates_keep_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
