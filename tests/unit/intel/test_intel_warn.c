/* Warning lists: what is "on" a list for each type, list names from file
 * names, values held back from a set (counted and reported with their
 * list), and the shipped lists in data/warninglists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intel/intel.h"

static struct yg_intel_warn *lists(void)
{
	struct yg_intel_warn *w;
	assert_int_equal(yg_intel_warn_new(&w), 0);
	const char *dns = "# resolvers\n8.8.8.8\n2001:4860:4860::8888\ndns.google\n";
	const char *top = "google.com\nwww.google.com\n";
	const char *res = "10.0.0.0/8\n192.0.2.0/24\nfc00::/7\n";
	const char *hashes = "d41d8cd98f00b204e9800998ecf8427e\n";
	assert_int_equal(
	    yg_intel_warn_load_buffer(w, "public-dns", (const uint8_t *)dns, strlen(dns)), 3);
	assert_int_equal(yg_intel_warn_load_buffer(w, "popular", (const uint8_t *)top, strlen(top)),
	                 2);
	assert_int_equal(
	    yg_intel_warn_load_buffer(w, "reserved", (const uint8_t *)res, strlen(res)), 3);
	assert_int_equal(
	    yg_intel_warn_load_buffer(w, "empty", (const uint8_t *)hashes, strlen(hashes)), 1);
	assert_int_equal(yg_intel_warn_build(w), 0);
	assert_int_equal(yg_intel_warn_count(w), 9);
	return w;
}

static const char *on(const struct yg_intel_warn *w, enum yg_ind_type t, const char *v)
{
	return yg_intel_warn_check(w, t, v, strlen(v));
}

static void what_is_on_a_list(void **state)
{
	(void)state;
	struct yg_intel_warn *w = lists();
	/* domains: exactly, case and trailing dot aside; subdomains stand */
	assert_string_equal(on(w, YG_IND_DOMAIN, "Google.COM."), "popular");
	assert_string_equal(on(w, YG_IND_DOMAIN, "dns.google"), "public-dns");
	assert_null(on(w, YG_IND_DOMAIN, "phish.google.com"));
	assert_null(on(w, YG_IND_DOMAIN, "google.com.evil.example"));
	/* addresses: inside a listed range, or a range containing a listed one */
	assert_string_equal(on(w, YG_IND_IP, "8.8.8.8"), "public-dns");
	assert_string_equal(on(w, YG_IND_IP, "8.0.0.0/8"), "public-dns");
	assert_string_equal(on(w, YG_IND_IP, "0.0.0.0/0"), "public-dns");
	assert_string_equal(on(w, YG_IND_IP, "10.20.30.40"), "reserved");
	assert_string_equal(on(w, YG_IND_IP, "10.20.0.0/16"), "reserved");
	assert_string_equal(on(w, YG_IND_IP, "192.0.0.0/16"), "reserved");
	assert_null(on(w, YG_IND_IP, "8.8.8.9"));
	assert_null(on(w, YG_IND_IP, "11.0.0.0/8"));
	assert_null(on(w, YG_IND_IP, "192.0.3.0/24"));
	assert_string_equal(on(w, YG_IND_IP, "2001:4860::/32"), "public-dns");
	assert_string_equal(on(w, YG_IND_IP, "fd00::1"), "reserved");
	assert_null(on(w, YG_IND_IP, "2001:db8::1"));
	/* URLs: a whole listed site only */
	assert_string_equal(on(w, YG_IND_URL, "https://google.com/"), "popular");
	assert_null(on(w, YG_IND_URL, "https://google.com/phish"));
	assert_null(on(w, YG_IND_URL, "https://google.com:8443/"));
	/* hashes exactly; a JA3 of the same hex answers too (see match.c) */
	assert_string_equal(on(w, YG_IND_MD5, "D41D8CD98F00B204E9800998ECF8427E"), "empty");
	assert_null(on(w, YG_IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
	yg_intel_warn_free(w);
}

struct held {
	unsigned n;
	char value[8][64], list[8][32], source[8][32];
	unsigned long line[8];
};

static void on_held(void *ud, const char *source, unsigned long line, const char *value,
                    const char *list)
{
	struct held *h = ud;
	if (h->n < 8) {
		snprintf(h->value[h->n], sizeof h->value[0], "%s", value);
		snprintf(h->list[h->n], sizeof h->list[0], "%s", list);
		snprintf(h->source[h->n], sizeof h->source[0], "%s", source);
		h->line[h->n] = line;
	}
	h->n++;
}

static void held_back_from_a_set(void **state)
{
	(void)state;
	struct yg_intel_warn *w = lists();
	struct yg_intel_builder *b;
	struct held h = {0};
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_set_warn(b, w, on_held, &h);
	const char *feed = "8.8.8.8\nevil.example\ngoogle.com\n198.51.100.7\n10.0.0.0/16\n"
	                   "phish.google.com\n";
	assert_int_equal(yg_intel_load_buffer(b, "feed.txt", (const uint8_t *)feed, strlen(feed)),
	                 3);
	/* held values count as understood: this feed is not "not recognized" */
	assert_int_equal(yg_intel_builder_rejected(b), 0);
	assert_int_equal(yg_intel_builder_held(b), 3);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.value[0], "8.8.8.8");
	assert_string_equal(h.list[0], "public-dns");
	assert_string_equal(h.source[0], "feed.txt");
	assert_int_equal(h.line[0], 1);
	assert_string_equal(h.value[1], "google.com");
	assert_string_equal(h.list[1], "popular");
	assert_int_equal(h.line[1], 3);
	assert_string_equal(h.value[2], "10.0.0.0/16");
	assert_string_equal(h.list[2], "reserved");
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(yg_intel_set_count(s), 3);
	const uint8_t g8[4] = {8, 8, 8, 8};
	assert_int_equal(yg_intel_match_ip(s, 4, g8), YG_INTEL_NONE);
	assert_int_not_equal(yg_intel_match_domain(s, "phish.google.com", 16), YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_domain(s, "www.google.com", 14), YG_INTEL_NONE);
	yg_intel_set_free(s);
	yg_intel_warn_free(w);
}

/* The shipped lists load clean, each under its file's name. */
static void shipped_lists(void **state)
{
	(void)state;
	const char *root = getenv("YG_SRCDIR");
	char dir[512];
	snprintf(dir, sizeof dir, "%s/data/warninglists", root ? root : ".");
	struct yg_intel_warn *w;
	assert_int_equal(yg_intel_warn_new(&w), 0);
	long n = yg_intel_warn_load_path(w, dir);
	assert_true(n > 1000);
	assert_int_equal(yg_intel_warn_build(w), 0);
	assert_string_equal(on(w, YG_IND_IP, "1.1.1.1"), "public-dns");
	assert_string_equal(on(w, YG_IND_IP, "192.168.1.1"), "reserved");
	assert_string_equal(on(w, YG_IND_DOMAIN, "youtube.com"), "popular-domains");
	assert_string_equal(on(w, YG_IND_DOMAIN, "github.io"), "public-suffixes");
	assert_string_equal(on(w, YG_IND_SHA256,
	                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
	                    "empty-hashes");
	/* Cloudflare's ranges are on two lists: the most specific answers */
	const char *cf = on(w, YG_IND_IP, "104.16.0.1");
	assert_non_null(cf);
	assert_true(strcmp(cf, "cdn-cloudflare") == 0 || strcmp(cf, "cloud-cdn") == 0);
	assert_null(on(w, YG_IND_IP, "185.220.101.1"));
	assert_null(on(w, YG_IND_DOMAIN, "evil.example"));
	yg_intel_warn_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(what_is_on_a_list),
	    cmocka_unit_test(held_back_from_a_set),
	    cmocka_unit_test(shipped_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
