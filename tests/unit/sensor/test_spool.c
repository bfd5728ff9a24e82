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

#include "sensor/spool.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-spool-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *batch(unsigned k)
{
	static char b[256];
	snprintf(b, sizeof b,
	         "{\"type\":\"bundle\",\"id\":\"bundle--%u\",\"objects\":[{\"type\":\"sighting\","
	         "\"id\":\"sighting--%08u-0000-4000-8000-000000000000\",\"count\":%u}]}",
	         k, k, k);
	return b;
}

static unsigned count_files(const char *suffix)
{
	char cmd[400];
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c -- '%s$'", dir, suffix);
	FILE *p = popen(cmd, "r");
	unsigned n = 0;
	if (fscanf(p, "%u", &n) != 1)
		n = 0;
	pclose(p);
	return n;
}

static void oldest_first_and_survives_restart(void **state)
{
	(void)state;
	struct yg_spool *s;
	char err[256];
	assert_int_equal(yg_spool_open(dir, 1 << 20, err, sizeof err, &s), 0);
	assert_string_equal(err, "");
	for (unsigned k = 1; k <= 3; k++)
		assert_int_equal(yg_spool_put(s, batch(k), strlen(batch(k)), err, sizeof err), 0);
	assert_int_equal(count_files(".json"), 3);
	char *d;
	size_t len;
	uint64_t h;
	bool replay;
	assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), 0);
	assert_string_equal(d, batch(1));
	assert_false(replay);
	free(d);
	assert_int_equal(yg_spool_remove(s, h), 0);
	assert_int_equal(count_files(".json"), 2);
	yg_spool_free(s);

	/* A new run finds the two left, in order, marked as replays. */
	assert_int_equal(yg_spool_open(dir, 1 << 20, err, sizeof err, &s), 0);
	struct yg_spool_stats st;
	yg_spool_stats(s, &st);
	assert_int_equal(st.loaded, 2);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.bytes, strlen(batch(2)) + strlen(batch(3)));
	assert_int_equal(yg_spool_put(s, batch(4), strlen(batch(4)), err, sizeof err), 0);
	for (unsigned k = 2; k <= 4; k++) {
		assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), 0);
		assert_string_equal(d, batch(k));
		assert_int_equal(len, strlen(batch(k)));
		assert_int_equal(replay, k < 4);
		free(d);
		/* Not removed yet: the same batch again (a failed POST). */
		assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), 0);
		assert_string_equal(d, batch(k));
		free(d);
		assert_int_equal(yg_spool_remove(s, h), 0);
	}
	assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), -ENOENT);
	assert_int_equal(count_files(".json"), 0);
	yg_spool_free(s);
}

static void bounded_keeps_the_oldest(void **state)
{
	(void)state;
	struct yg_spool *s;
	char err[256];
	size_t one = strlen(batch(1));
	assert_int_equal(yg_spool_open(dir, 2 * one + 10, err, sizeof err, &s), 0);
	assert_int_equal(yg_spool_put(s, batch(1), one, err, sizeof err), 0);
	assert_int_equal(yg_spool_put(s, batch(2), one, err, sizeof err), 0);
	assert_int_equal(yg_spool_put(s, batch(3), one, err, sizeof err), -ENOSPC);
	assert_non_null(strstr(err, "spool full"));
	struct yg_spool_stats st;
	yg_spool_stats(s, &st);
	assert_int_equal(st.batches, 2);
	char *d;
	size_t len;
	uint64_t h;
	bool replay;
	assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), 0);
	assert_string_equal(d, batch(1));
	free(d);
	assert_int_equal(yg_spool_remove(s, h), 0);
	/* Room again after a delivery. */
	assert_int_equal(yg_spool_put(s, batch(3), one, err, sizeof err), 0);
	yg_spool_free(s);
}

static void unwritable_folder_holds_in_memory(void **state)
{
	(void)state;
	/* A path under a regular file: not writable even for root. */
	char file[300], bad[320];
	snprintf(file, sizeof file, "%s/plainfile", dir);
	FILE *f = fopen(file, "w");
	fputs("x", f);
	fclose(f);
	snprintf(bad, sizeof bad, "%s/spool", file);
	struct yg_spool *s;
	char err[256];
	assert_int_equal(yg_spool_open(bad, 1 << 20, err, sizeof err, &s), 0);
	assert_non_null(strstr(err, "spool folder"));
	assert_int_equal(yg_spool_put(s, batch(1), strlen(batch(1)), err, sizeof err), 1);
	assert_non_null(strstr(err, "Not a directory"));
	assert_int_equal(yg_spool_put(s, batch(2), strlen(batch(2)), err, sizeof err), 1);
	struct yg_spool_stats st;
	yg_spool_stats(s, &st);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.in_memory, 2);
	assert_int_equal(st.write_errors, 2);
	char *d;
	size_t len;
	uint64_t h;
	bool replay;
	assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), 0);
	assert_string_equal(d, batch(1));
	free(d);
	assert_int_equal(yg_spool_remove(s, h), 0);
	yg_spool_free(s);

	/* Memory only (no folder at all). */
	assert_int_equal(yg_spool_open(NULL, 1 << 20, err, sizeof err, &s), 0);
	assert_int_equal(yg_spool_put(s, batch(5), strlen(batch(5)), err, sizeof err), 1);
	assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), 0);
	assert_string_equal(d, batch(5));
	free(d);
	yg_spool_free(s);
}

static void bad_and_stray_files(void **state)
{
	(void)state;
	char p[400];
	snprintf(p, sizeof p, "%s/sightings-0000000000000001.json", dir);
	FILE *f = fopen(p, "w");
	fputs("{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\"}]}", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/sightings-0000000000000002.json", dir);
	f = fopen(p, "w");
	fputs(batch(7), f);
	fclose(f);
	snprintf(p, sizeof p, "%s/.sightings-0000000000000003.tmp", dir);
	f = fopen(p, "w");
	fputs("{\"type\":\"bun", f); /* a crash mid-write */
	fclose(f);
	snprintf(p, sizeof p, "%s/notes.txt", dir);
	f = fopen(p, "w");
	fclose(f);
	struct yg_spool *s;
	char err[256];
	assert_int_equal(yg_spool_open(dir, 1 << 20, err, sizeof err, &s), 0);
	assert_int_equal(count_files(".tmp"), 0);
	char *d;
	size_t len;
	uint64_t h;
	bool replay;
	assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), -EBADMSG);
	assert_int_equal(count_files(".bad"), 1);
	assert_int_equal(yg_spool_oldest(s, &d, &len, &h, &replay), 0);
	assert_string_equal(d, batch(7));
	free(d);
	/* New batches go after the highest number found. */
	assert_int_equal(yg_spool_put(s, batch(8), strlen(batch(8)), err, sizeof err), 0);
	snprintf(p, sizeof p, "%s/sightings-0000000000000003.json", dir);
	assert_int_equal(access(p, F_OK), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct yg_spool_stats ss;
	yg_spool_stats(s, &ss);
	assert_int_equal(ss.bad_files, 1);
	assert_int_equal(ss.batches, 2);
	yg_spool_free(s);
}

static void checks_batches(void **state)
{
	(void)state;
	assert_int_equal(yg_spool_check_batch(batch(1), strlen(batch(1))), 0);
	const char *bad[] = {
	    "",
	    "[]",
	    "{\"type\":\"bundle\"}",
	    "{\"type\":\"bundle\",\"objects\":[]}",
	    "{\"type\":\"x\",\"objects\":[{\"type\":\"sighting\",\"id\":\"sighting--1\"}]}",
	    "{\"type\":\"bundle\",\"objects\":[{\"type\":\"sighting\",\"id\":\"x\"}]}",
	    "{\"type\":\"bundle\",\"objects\":[1]}",
	};
	for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(yg_spool_check_batch(bad[i], strlen(bad[i])), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(oldest_first_and_survives_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(bounded_keeps_the_oldest, setup, teardown),
	    cmocka_unit_test_setup_teardown(unwritable_folder_holds_in_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_and_stray_files, setup, teardown),
	    cmocka_unit_test(checks_batches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
