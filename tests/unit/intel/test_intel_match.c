/* Indicator sets: every type, longest-prefix match, parent domains, URL
 * normalization, tokens, an empty set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "intel/intel.h"

static struct yg_intel_set *build(const char *const *vals, size_t n)
{
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
		    yg_intel_builder_add_guess(b, vals[i], strlen(vals[i]), "t", i + 1, NULL), 0);
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

static const char *val(const struct yg_intel_set *s, uint32_t idx)
{
	struct yg_indicator_info in;
	assert_int_not_equal(idx, YG_INTEL_NONE);
	yg_intel_describe(s, idx, &in);
	return in.value;
}

static uint32_t dom(const struct yg_intel_set *s, const char *n)
{
	return yg_intel_match_domain(s, n, strlen(n));
}

static void cidr_overlaps_most_specific_wins(void **state)
{
	(void)state;
	const char *v[] = {"10.0.0.0/8",    "10.1.2.0/24", "10.1.2.3", "10.1.0.0/16",
	                   "10.1.2.128/25", "192.168.1.1", "0.0.0.0/1"};
	struct yg_intel_set *s = build(v, 7);
	assert_int_equal(yg_intel_set_count(s), 7);
	assert_string_equal(val(s, ip(s, "10.1.2.3")), "10.1.2.3");
	assert_string_equal(val(s, ip(s, "10.1.2.4")), "10.1.2.0/24");
	assert_string_equal(val(s, ip(s, "10.1.2.200")), "10.1.2.128/25");
	assert_string_equal(val(s, ip(s, "10.1.3.1")), "10.1.0.0/16");
	assert_string_equal(val(s, ip(s, "10.2.0.0")), "10.0.0.0/8");
	assert_string_equal(val(s, ip(s, "10.255.255.255")), "10.0.0.0/8");
	assert_string_equal(val(s, ip(s, "9.255.255.255")), "0.0.0.0/1");
	assert_int_equal(ip(s, "128.0.0.0"), YG_INTEL_NONE);
	assert_int_equal(ip(s, "192.168.1.2"), YG_INTEL_NONE);
	assert_string_equal(val(s, ip(s, "192.168.1.1")), "192.168.1.1");
	assert_int_equal(ip(s, "255.255.255.255"), YG_INTEL_NONE);
	/* v4 in a v6 socket */
	assert_string_equal(val(s, ip(s, "::ffff:10.1.2.3")), "10.1.2.3");
	yg_intel_set_free(s);
}

static void cidr_host_bits_and_duplicates(void **state)
{
	(void)state;
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "172.16.5.9/12", 13, "a", 1, NULL), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "172.16.0.0/12", 13, "b", 2, NULL), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "8.8.8.8/32", 10, "b", 3, NULL), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "8.8.8.8", 7, "c", 4, NULL), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "8.8.8.8:53", 10, "c", 5, NULL), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "8.8.8.256", 9, "c", 6, NULL), -EINVAL);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "8.8.8.8/33", 10, "c", 7, NULL),
	                 -EINVAL);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "08.8.8.8", 8, "c", 8, NULL), -EINVAL);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_IP, "evil.example", 12, "c", 9, NULL),
	                 -EINVAL);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(yg_intel_set_count(s), 2);
	struct yg_indicator_info in;
	yg_intel_describe(s, ip(s, "172.31.255.255"), &in);
	assert_string_equal(in.value, "172.16.0.0/12");
	assert_string_equal(in.source, "a"); /* first source kept */
	assert_int_equal(in.line, 1);
	assert_int_equal(in.type, YG_IND_IP);
	assert_null(in.stix_id);
	yg_intel_describe(s, ip(s, "8.8.8.8"), &in);
	assert_string_equal(in.value, "8.8.8.8");
	assert_string_equal(in.source, "b");
	assert_int_equal(in.line, 3);
	assert_int_equal(ip(s, "172.32.0.0"), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

static void many_prefixes_use_the_index(void **state)
{
	(void)state;
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	char t[32];
	/* 4096 /24s, every other one with a /32 inside, and one /12 over all */
	for (unsigned i = 0; i < 4096; i++) {
		int n = snprintf(t, sizeof t, "11.%u.%u.0/24", i >> 8, i & 255);
		assert_int_equal(yg_intel_builder_add_guess(b, t, (size_t)n, "x", i, NULL), 0);
		if (i % 2 == 0) {
			n = snprintf(t, sizeof t, "11.%u.%u.7", i >> 8, i & 255);
			assert_int_equal(yg_intel_builder_add_guess(b, t, (size_t)n, "x", i, NULL),
			                 0);
		}
	}
	assert_int_equal(yg_intel_builder_add_guess(b, "11.0.0.0/12", 11, "x", 0, NULL), 0);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(yg_intel_set_count(s), 4096 + 2048 + 1);
	assert_string_equal(val(s, ip(s, "11.3.4.7")), "11.3.4.7");
	assert_string_equal(val(s, ip(s, "11.3.5.7")), "11.3.5.0/24");
	assert_string_equal(val(s, ip(s, "11.15.255.255")), "11.15.255.0/24");
	assert_string_equal(val(s, ip(s, "11.15.255.7")), "11.15.255.0/24");
	assert_string_equal(val(s, ip(s, "11.0.0.1")), "11.0.0.0/24");
	assert_int_equal(ip(s, "11.16.0.0"), YG_INTEL_NONE);
	assert_int_equal(ip(s, "10.255.255.255"), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

static void ipv6_prefixes(void **state)
{
	(void)state;
	const char *v[] = {"2001:db8::/32",   "2001:DB8:1::/48",        "2001:db8:1:2::/64",
	                   "2001:db8:1:2::5", "[2001:db8:ffff::1]:443", "fe80::/10"};
	struct yg_intel_set *s = build(v, 6);
	assert_string_equal(val(s, ip(s, "2001:db8:1:2::5")), "2001:db8:1:2::5");
	assert_string_equal(val(s, ip(s, "2001:db8:1:2::6")), "2001:db8:1:2::/64");
	assert_string_equal(val(s, ip(s, "2001:db8:1:3::1")), "2001:db8:1::/48");
	assert_string_equal(val(s, ip(s, "2001:db8:2::1")), "2001:db8::/32");
	assert_string_equal(val(s, ip(s, "2001:db8:ffff::1")), "2001:db8:ffff::1");
	assert_string_equal(val(s, ip(s, "fe80::1")), "fe80::/10");
	assert_int_equal(ip(s, "2001:db9::1"), YG_INTEL_NONE);
	assert_int_equal(ip(s, "::1"), YG_INTEL_NONE);
	/* an IPv4 address is not in the IPv6 table */
	assert_int_equal(ip(s, "32.1.13.184"), YG_INTEL_NONE);
	yg_intel_set_free(s);

	const char *all[] = {"::/0", "2001:db8::1"};
	s = build(all, 2);
	assert_string_equal(val(s, ip(s, "::")), "::/0");
	assert_string_equal(val(s, ip(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), "::/0");
	assert_string_equal(val(s, ip(s, "2001:db8::1")), "2001:db8::1");
	assert_int_equal(ip(s, "1.2.3.4"), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

static void domains_and_parents(void **state)
{
	(void)state;
	const char *v[] = {"Evil.Example.", "deep.sub.other.test", "*.wild.test", "bücher.example"};
	struct yg_intel_set *s = build(v, 4);
	assert_string_equal(val(s, dom(s, "evil.example")), "evil.example");
	assert_string_equal(val(s, dom(s, "a.b.EVIL.example.")), "evil.example");
	assert_string_equal(val(s, dom(s, "EVIL.EXAMPLE")), "evil.example");
	assert_int_equal(dom(s, "notevil.example"), YG_INTEL_NONE);
	assert_int_equal(dom(s, "xevil.example"), YG_INTEL_NONE);
	assert_int_equal(dom(s, "example"), YG_INTEL_NONE);
	assert_int_equal(dom(s, "evil.example.com"), YG_INTEL_NONE);
	assert_int_equal(dom(s, "other.test"), YG_INTEL_NONE);
	assert_string_equal(val(s, dom(s, "x.deep.sub.other.test")), "deep.sub.other.test");
	assert_string_equal(val(s, dom(s, "a.wild.test")), "wild.test");
	/* IDN: listed as U-label, seen as A-label on the wire, and both ways */
	assert_string_equal(val(s, dom(s, "xn--bcher-kva.example")), "xn--bcher-kva.example");
	assert_string_equal(val(s, dom(s, "www.XN--BCHER-KVA.example")), "xn--bcher-kva.example");
	assert_string_equal(val(s, dom(s, "www.bücher.example")), "xn--bcher-kva.example");
	assert_int_equal(dom(s, ""), YG_INTEL_NONE);
	assert_int_equal(dom(s, "."), YG_INTEL_NONE);
	/* a name longer than DNS allows still finds a listed parent */
	char longname[600];
	memset(longname, 'a', sizeof longname);
	for (size_t i = 60; i < 500; i += 61)
		longname[i] = '.';
	memcpy(longname + 500, ".evil.example", 14);
	assert_string_equal(val(s, dom(s, longname)), "evil.example");
	yg_intel_set_free(s);
}

static void domain_validation(void **state)
{
	(void)state;
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	const char *bad[] = {"a..b", "-", "exa mple.com", "1.2.3.999", "foo", "a.b/", ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = yg_intel_builder_add_guess(b, bad[i], strlen(bad[i]), "t", 1, NULL);
		if (i == 5) /* "a.b/" is a URL without scheme: host a.b, path "/" */
			assert_int_equal(r, 0);
		else
			assert_int_equal(r, -EINVAL);
	}
	/* explicit type: a single label is allowed */
	assert_int_equal(yg_intel_builder_add(b, YG_IND_DOMAIN, "corp", 4, "t", 1, NULL), 0);
	char lab[80];
	memset(lab, 'a', 64);
	memcpy(lab + 64, ".com", 5);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_DOMAIN, lab, strlen(lab), "t", 1, NULL),
	                 -EINVAL);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(yg_intel_set_count(s), 2);
	assert_string_equal(val(s, dom(s, "host.corp")), "corp");
	yg_intel_set_free(s);
}

static uint32_t url(const struct yg_intel_set *s, const char *host, const char *target)
{
	return yg_intel_match_url(s, host, strlen(host), target, strlen(target));
}

static void urls(void **state)
{
	(void)state;
	const char *v[] = {"http://Evil.Example:80/Gate.php",
	                   "https://user@www.evil.example:443/a/b?x=1#frag",
	                   "evil.example:8080/admin",
	                   "http://bad.test",
	                   "/365-Stealer/",
	                   "http://[2001:DB8::1]/x",
	                   "hxxp://odd.test/p"};
	struct yg_intel_set *s = build(v, 7);
	assert_string_equal(val(s, url(s, "evil.example", "/Gate.php")), "evil.example/Gate.php");
	assert_string_equal(val(s, url(s, "EVIL.example", "/Gate.php?id=7")),
	                    "evil.example/Gate.php");
	assert_string_equal(val(s, url(s, "evil.example:80", "/Gate.php")),
	                    "evil.example/Gate.php");
	assert_string_equal(val(s, url(s, "evil.example.", "/Gate.php")), "evil.example/Gate.php");
	assert_int_equal(url(s, "evil.example", "/gate.php"), YG_INTEL_NONE); /* path keeps case */
	assert_int_equal(url(s, "evil.example", "/Gate.phpx"), YG_INTEL_NONE);
	assert_int_equal(url(s, "sub.evil.example", "/Gate.php"), YG_INTEL_NONE);
	/* the listed URL has a query: only that query matches */
	assert_string_equal(val(s, url(s, "www.evil.example", "/a/b?x=1")),
	                    "www.evil.example/a/b?x=1");
	assert_int_equal(url(s, "www.evil.example", "/a/b?x=2"), YG_INTEL_NONE);
	assert_int_equal(url(s, "www.evil.example", "/a/b"), YG_INTEL_NONE);
	/* non-default port kept */
	assert_string_equal(val(s, url(s, "evil.example:8080", "/admin")),
	                    "evil.example:8080/admin");
	assert_int_equal(url(s, "evil.example", "/admin"), YG_INTEL_NONE);
	/* empty path is "/" */
	assert_string_equal(val(s, url(s, "bad.test", "/")), "bad.test/");
	assert_int_equal(url(s, "bad.test", "/x"), YG_INTEL_NONE);
	/* absolute-form target overrides the Host */
	assert_string_equal(val(s, url(s, "", "http://bad.test/")), "bad.test/");
	assert_string_equal(val(s, url(s, "proxy", "http://evil.example/Gate.php")),
	                    "evil.example/Gate.php");
	/* path-only entries match any host */
	assert_string_equal(val(s, url(s, "a.test", "/365-Stealer/")), "/365-Stealer/");
	assert_string_equal(val(s, url(s, "", "/365-Stealer/?q=1")), "/365-Stealer/");
	assert_int_equal(url(s, "a.test", "/365-Stealer"), YG_INTEL_NONE);
	assert_string_equal(val(s, url(s, "[2001:db8::1]", "/x")), "[2001:db8::1]/x");
	assert_string_equal(val(s, url(s, "odd.test", "/p")), "odd.test/p");
	assert_int_equal(url(s, "x", "*"), YG_INTEL_NONE);
	yg_intel_set_free(s);

	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	const char *bad[] = {"/", "http:///x", "http://evil.example/a b", "http://x.example:99999/",
	                     "http://[::1/x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(
		    yg_intel_builder_add(b, YG_IND_URL, bad[i], strlen(bad[i]), "t", 1, NULL),
		    -EINVAL);
	yg_intel_builder_free(b);
}

static void tokens(void **state)
{
	(void)state;
	const char *md5 = "D41D8CD98F00B204E9800998ECF8427E";
	const char *sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
	const char *sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	const char *ja4 = "T13D1516H2_8daaf6152771_e5627efa2ab1";
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	assert_int_equal(yg_intel_builder_add_guess(b, md5, 32, "list", 1, NULL), 0);
	assert_int_equal(yg_intel_builder_add_guess(b, sha1, 40, "list", 2, NULL), 0);
	assert_int_equal(yg_intel_builder_add_guess(b, sha256, 64, "list", 3, NULL), 0);
	assert_int_equal(yg_intel_builder_add_guess(b, ja4, 36, "list", 4, NULL), 0);
	/* a source named like a JA3 list makes 32 hex a JA3 */
	assert_int_equal(yg_intel_builder_add_guess(b, "e7d705a3286e19ea42f587b344ee6865", 32,
	                                            "feeds/ja3_fingerprints.txt", 1, NULL),
	                 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_SHA1, md5, 32, "list", 5, NULL), -EINVAL);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(yg_intel_set_count(s), 5);
	struct yg_indicator_info in;
	uint32_t i = yg_intel_match_token(s, YG_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", 32);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_MD5);
	assert_string_equal(in.value, "d41d8cd98f00b204e9800998ecf8427e");
	/* the MD5 entry answers a JA3 lookup too, and the other way round */
	assert_int_equal(yg_intel_match_token(s, YG_IND_JA3, md5, 32), i);
	i = yg_intel_match_token(s, YG_IND_MD5, "E7D705A3286E19EA42F587B344EE6865", 32);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_JA3);
	assert_int_not_equal(yg_intel_match_token(s, YG_IND_SHA1, sha1, 40), YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_token(s, YG_IND_SHA256, sha1, 40), YG_INTEL_NONE);
	assert_int_not_equal(yg_intel_match_token(s, YG_IND_SHA256, sha256, 64), YG_INTEL_NONE);
	i = yg_intel_match_token(s, YG_IND_JA4, "t13d1516h2_8daaf6152771_e5627efa2ab1", 36);
	yg_intel_describe(s, i, &in);
	assert_string_equal(in.value, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	assert_int_equal(in.type, YG_IND_JA4);
	assert_int_equal(
	    yg_intel_match_token(s, YG_IND_JA4, "t13d1516h2_8daaf6152771_e5627efa2ab2", 36),
	    YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_token(s, YG_IND_DOMAIN, md5, 32), YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_token(s, YG_IND_MD5, "", 0), YG_INTEL_NONE);
	/* hashes are not domains */
	assert_int_equal(dom(s, "d41d8cd98f00b204e9800998ecf8427e"), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

/* Certificate fingerprints, JA3S and JA4S: typed, guessed from a file's
 * name, the colon form, and the fallbacks of lookups to plain hashes. */
static void tls_server_identities(void **state)
{
	(void)state;
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	const char *fp = "06:39:F9:5D:FE:81:53:C4:9D:F0:AC:80:3E:2D:42:07:E8:96:DE:09";
	assert_int_equal(yg_intel_builder_add(b, YG_IND_CERT_SHA1, fp, strlen(fp), "t", 1, NULL), 0);
	const char *ja4s = "T130200_1301_A56C5B993250";
	assert_int_equal(yg_intel_builder_add_guess(b, ja4s, strlen(ja4s), "t", 2, NULL), 0);
	/* a bare SHA-1 in a file named like an SSL blacklist is a certificate */
	const char *bl = "ccaa484866460e91532c9c7c232ab1744d299d33";
	assert_int_equal(yg_intel_builder_add_guess(b, bl, 40, "/etc/ssl/../sslblacklist.csv", 3, NULL),
	                 0);
	/* ... and only the file's own name counts */
	const char *f1 = "1111111111111111111111111111111111111111";
	assert_int_equal(yg_intel_builder_add_guess(b, f1, 40, "/etc/ssl/files.txt", 4, NULL), 0);
	const char *j3s = "5d79edf64e03689ff559a54e9d9487bc";
	assert_int_equal(yg_intel_builder_add_guess(b, j3s, 32, "feeds/ja3s_bad.txt", 5, NULL), 0);
	const char *j3 = "2a26b1a62e40d25d4de3babc9d532f30";
	assert_int_equal(yg_intel_builder_add_guess(b, j3, 32, "plain.txt", 6, NULL), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_JA4S, "t13_bad", 7, "t", 7, NULL), -EINVAL);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_CERT_SHA1, "06:39", 5, "t", 8, NULL), -EINVAL);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	struct yg_indicator_info in;

	uint32_t i = yg_intel_match_token(s, YG_IND_CERT_SHA1,
	                                  "0639f95dfe8153c49df0ac803e2d4207e896de09", 40);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_CERT_SHA1);
	assert_string_equal(in.value, "0639f95dfe8153c49df0ac803e2d4207e896de09");
	i = yg_intel_match_token(s, YG_IND_CERT_SHA1, bl, 40);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_CERT_SHA1);
	/* a plain SHA-1 answers a certificate lookup, not the other way */
	i = yg_intel_match_token(s, YG_IND_CERT_SHA1, f1, 40);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_SHA1);
	assert_int_equal(yg_intel_match_token(s, YG_IND_SHA1, bl, 40), YG_INTEL_NONE);
	i = yg_intel_match_token(s, YG_IND_JA3S, j3s, 32);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_JA3S);
	assert_string_equal(yg_ind_type_name(in.type), "ja3s");
	/* JA3S lookups fall back to JA3 and MD5 entries */
	i = yg_intel_match_token(s, YG_IND_JA3S, j3, 32);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_MD5);
	assert_int_equal(yg_intel_match_token(s, YG_IND_JA3, j3s, 32), YG_INTEL_NONE);
	i = yg_intel_match_token(s, YG_IND_JA4S, "t130200_1301_a56c5b993250", 25);
	yg_intel_describe(s, i, &in);
	assert_int_equal(in.type, YG_IND_JA4S);
	assert_string_equal(yg_ind_type_name(YG_IND_CERT_SHA1), "cert_sha1");
	yg_intel_set_free(s);
}

static void empty_set(void **state)
{
	(void)state;
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(yg_intel_set_count(s), 0);
	assert_true(yg_intel_set_memory(s) > 0);
	uint8_t a[16] = {0};
	assert_int_equal(yg_intel_match_ip(s, 4, a), YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_ip(s, 6, a), YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_ip(s, 5, a), YG_INTEL_NONE);
	assert_int_equal(dom(s, "a.example"), YG_INTEL_NONE);
	assert_int_equal(url(s, "a.example", "/"), YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_token(s, YG_IND_MD5, "00", 2), YG_INTEL_NONE);
	struct yg_indicator_info in;
	yg_intel_describe(s, 0, &in);
	assert_string_equal(in.value, "");
	yg_intel_set_free(s);
	yg_intel_set_free(NULL);
	yg_intel_builder_free(NULL);
	assert_string_equal(yg_ind_type_name(YG_IND_JA4), "ja4");
	assert_string_equal(yg_ind_type_name(YG_IND__COUNT), "unknown");
}

static void stix_ids_and_memory(void **state)
{
	(void)state;
	struct yg_intel_builder *b;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_DOMAIN, "a.example", 9, "s", 0,
	                                      "indicator--11111111-1111-4111-8111-111111111111"),
	                 0);
	assert_int_equal(yg_intel_builder_add(b, YG_IND_DOMAIN, "b.example", 9, "s", 0, NULL), 0);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	struct yg_indicator_info in;
	yg_intel_describe(s, dom(s, "a.example"), &in);
	assert_string_equal(in.stix_id, "indicator--11111111-1111-4111-8111-111111111111");
	yg_intel_describe(s, dom(s, "b.example"), &in);
	assert_null(in.stix_id);
	/* honest accounting: at least the texts, records and table */
	assert_true(yg_intel_set_memory(s) >= 2 * 12 + 20 + 16 * 8);
	yg_intel_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cidr_overlaps_most_specific_wins),
	    cmocka_unit_test(cidr_host_bits_and_duplicates),
	    cmocka_unit_test(many_prefixes_use_the_index),
	    cmocka_unit_test(ipv6_prefixes),
	    cmocka_unit_test(domains_and_parents),
	    cmocka_unit_test(domain_validation),
	    cmocka_unit_test(urls),
	    cmocka_unit_test(tokens),
	    cmocka_unit_test(tls_server_identities),
	    cmocka_unit_test(empty_set),
	    cmocka_unit_test(stix_ids_and_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
