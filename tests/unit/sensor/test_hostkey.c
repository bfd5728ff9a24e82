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

#include "sensor/hostkey.h"
#include "sensor/sighting_post.h"

static void created_once_then_reused(void **state)
{
	(void)state;
	char dir[] = "/tmp/yg-hostkey-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/host.key", dir);
	uint8_t k1[32], k2[32], zero[32] = {0};
	assert_int_equal(yg_hostkey_load(path, k1), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_memory_not_equal(k1, zero, 32);
	assert_int_equal(yg_hostkey_load(path, k2), 0);
	assert_memory_equal(k1, k2, 32);
	/* A file that is not a key is refused, not overwritten. */
	FILE *f = fopen(path, "w");
	fputs("short", f);
	fclose(f);
	memset(k2, 7, 32);
	assert_int_equal(yg_hostkey_load(path, k2), -EBADMSG);
	assert_int_equal(k2[0], 7);
	unlink(path);
	rmdir(dir);
	assert_int_equal(yg_hostkey_random(k1), 0);
	assert_int_equal(yg_hostkey_random(k2), 0);
	assert_memory_not_equal(k1, k2, 32);
}

struct rej {
	unsigned n;
	char first[128];
};

static void on_rej(void *ud, const char *id, const char *error)
{
	struct rej *r = ud;
	if (!r->n++)
		snprintf(r->first, sizeof r->first, "%s: %s", id ? id : "-", error ? error : "-");
}

static void hub_answer(void **state)
{
	(void)state;
	const char *ok = "{\"accepted\":3,\"duplicates\":2,\"rejected\":[{\"index\":1,"
	                 "\"id\":\"sighting--1\",\"error\":\"unknown indicator\"},{\"index\":4}]}";
	uint64_t a = 0, d = 0, r = 0;
	struct rej rj = {0};
	assert_int_equal(yg_sightings_parse_answer(ok, strlen(ok), &a, &d, &r, on_rej, &rj), 0);
	assert_int_equal(a, 3);
	assert_int_equal(d, 2);
	assert_int_equal(r, 2);
	assert_int_equal(rj.n, 2);
	assert_string_equal(rj.first, "sighting--1: unknown indicator");
	const char *bad[] = {"",
	                     "{}",
	                     "{\"accepted\":-1}",
	                     "{\"accepted\":\"3\"}",
	                     "{\"accepted\":1,\"rejected\":{}}",
	                     "{\"accepted\":1,\"duplicates\":true}"};
	for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(
		    yg_sightings_parse_answer(bad[i], strlen(bad[i]), &a, &d, &r, NULL, NULL),
		    -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(created_once_then_reused),
	    cmocka_unit_test(hub_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
