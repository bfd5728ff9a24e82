/* Loads the real third-party lists in shared/data/intel (when present) and
 * checks that nearly every entry is accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel.h"

static char dir[1024];

static int find_dir(void **state)
{
	(void)state;
	const char *d = getenv("YG_SHARED_DATA");
	const char *src = getenv("YG_SRCDIR");
	if (d)
		snprintf(dir, sizeof dir, "%s/intel", d);
	else
		snprintf(dir, sizeof dir, "%s/../shared/data/intel", src ? src : ".");
	return 0;
}

/* Lines that are neither blank nor comments. */
static unsigned long entries(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[8192];
	unsigned long n = 0;
	while (fgets(line, sizeof line, f)) {
		const char *p = line;
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p && *p != '\n' && *p != '#')
			n++;
	}
	fclose(f);
	return n;
}

static void count_err(void *ud, const char *s, unsigned long l, const char *m)
{
	(void)s;
	(void)l;
	(void)m;
	(*(unsigned *)ud)++;
}

static void every_file_mostly_accepted(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	if (!d) {
		print_message("skipped: %s not found (set YG_SHARED_DATA)\n", dir);
		skip();
		return; /* not reached (skip() leaves the test), but the analyzer cannot know */
	}
	struct yg_intel_builder *b;
	unsigned errs = 0;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_on_error(b, count_err, &errs);
	struct dirent *e;
	unsigned files = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "MANIFEST.tsv") == 0)
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unsigned long before = yg_intel_builder_rejected(b);
		long added = yg_intel_load_path(b, path);
		unsigned long rej = yg_intel_builder_rejected(b) - before;
		unsigned long n = entries(path);
		print_message("%-45s entries=%lu added=%ld rejected=%lu\n", e->d_name, n, added,
		              rej);
		assert_true(added >= 0);
		files++;
		if (strstr(e->d_name, "INVALID"))
			continue;
		assert_true(added > 0);
		assert_true((n - rej) * 10 >= n * 9);
	}
	closedir(d);
	assert_true(files >= 20);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	size_t count = yg_intel_set_count(s);
	print_message("total %zu indicators, %zu bytes\n", count, yg_intel_set_memory(s));
	assert_true(count > 20000);
	/* a few known entries (from the manifest's described contents) */
	uint8_t a[4];
	inet_pton(AF_INET, "43.229.53.7", a); /* dshield 43.229.53.0/24 */
	struct yg_indicator_info in;
	uint32_t idx = yg_intel_match_ip(s, 4, a);
	assert_int_not_equal(idx, YG_INTEL_NONE);
	yg_intel_describe(s, idx, &in);
	assert_non_null(strstr(in.source, "firehol__dshield.netset"));
	assert_int_not_equal(yg_intel_match_domain(s, "x.analytics.163.com", 19), YG_INTEL_NONE);
	assert_int_equal(yg_intel_match_domain(s, "localhost", 9), YG_INTEL_NONE);
	yg_intel_set_free(s);
}

static void folder_at_once(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	if (!d) {
		print_message("skipped: %s not found\n", dir);
		skip();
		return; /* not reached (skip() leaves the test), but the analyzer cannot know */
	}
	closedir(d);
	struct yg_intel_builder *b;
	unsigned errs = 0;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_on_error(b, count_err, &errs);
	long added = yg_intel_load_path(b, dir);
	assert_true(added > 20000);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	assert_int_equal(yg_intel_set_count(s), (size_t)added);
	yg_intel_set_free(s);
}

static void oasis_stix_examples(void **state)
{
	(void)state;
	char sdir[1200];
	snprintf(sdir, sizeof sdir, "%s/../stix/oasis-examples", dir);
	DIR *d = opendir(sdir);
	if (!d) {
		print_message("skipped: %s not found\n", sdir);
		skip();
		return; /* not reached (skip() leaves the test), but the analyzer cannot know */
	}
	closedir(d);
	struct yg_intel_builder *b;
	unsigned errs = 0;
	assert_int_equal(yg_intel_builder_new(&b), 0);
	yg_intel_builder_on_error(b, count_err, &errs);
	long added = yg_intel_load_path(b, sdir);
	print_message("oasis examples: %ld indicators, %u reports\n", added, errs);
	assert_true(added >= 10);
	/* the e-mail subject MATCHES and x509 AND patterns are not simple */
	assert_true(errs >= 2);
	struct yg_intel_set *s;
	assert_int_equal(yg_intel_builder_build(b, &s), 0);
	uint32_t idx = yg_intel_match_domain(s, "www.hugesoft.org", 16);
	assert_int_not_equal(idx, YG_INTEL_NONE);
	struct yg_indicator_info in;
	yg_intel_describe(s, idx, &in);
	assert_int_equal(in.type, YG_IND_DOMAIN);
	assert_non_null(in.stix_id);
	assert_memory_equal(in.stix_id, "indicator--", 11);
	uint8_t a[4];
	inet_pton(AF_INET, "223.167.1.1", a); /* 223.166.0.0/15 */
	assert_int_not_equal(yg_intel_match_ip(s, 4, a), YG_INTEL_NONE);
	assert_int_not_equal(
	    yg_intel_match_token(s, YG_IND_MD5, "001dd76872d80801692ff942308c64e6", 32),
	    YG_INTEL_NONE);
	yg_intel_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_file_mostly_accepted),
	    cmocka_unit_test(folder_at_once),
	    cmocka_unit_test(oasis_stix_examples),
	};
	return cmocka_run_group_tests(tests, find_dir, NULL);
}
