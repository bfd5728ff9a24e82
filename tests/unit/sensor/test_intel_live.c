#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu.h>

#include "sensor/intel_live.h"

static char dir[64];
static char path[128];

static void write_list(const char *text)
{
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-live-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/list.txt", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static bool hit(const struct yg_intel_set *s, const char *ip)
{
	uint8_t a[4];
	inet_pton(AF_INET, ip, a);
	return yg_intel_match_ip(s, 4, a) != YG_INTEL_NONE;
}

struct reader {
	struct yg_intel_live *l;
	atomic_bool *stop;
	unsigned long reads, mixed;
};

/* A reader must see set A {1.1.1.1, 2.2.2.2} or set B {3.3.3.3, 4.4.4.4}
 * whole, never parts of both or an empty half-built set. */
static void *read_main(void *arg)
{
	struct reader *r = arg;
	rcu_register_thread();
	while (!atomic_load(r->stop)) {
		rcu_read_lock();
		const struct yg_intel_set *s = yg_intel_live_get(r->l);
		bool a1 = hit(s, "1.1.1.1"), a2 = hit(s, "2.2.2.2");
		bool b1 = hit(s, "3.3.3.3"), b2 = hit(s, "4.4.4.4");
		rcu_read_unlock();
		bool is_a = a1 && a2 && !b1 && !b2, is_b = b1 && b2 && !a1 && !a2;
		if (!is_a && !is_b)
			r->mixed++;
		r->reads++;
	}
	rcu_unregister_thread();
	return NULL;
}

static void swaps_are_atomic_under_readers(void **state)
{
	(void)state;
	write_list("1.1.1.1\n2.2.2.2\n");
	const char *paths[] = {path};
	struct yg_intel_live *l;
	struct yg_intel_load_result res;
	assert_int_equal(yg_intel_live_new(paths, 1, NULL, NULL, &l, &res), 0);
	assert_int_equal(res.indicators, 2);
	assert_int_equal(yg_intel_live_generation(l), 1);

	atomic_bool stop = false;
	struct reader rd[2] = {{l, &stop, 0, 0}, {l, &stop, 0, 0}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, read_main, &rd[i]), 0);
	for (int i = 0; i < 40; i++) {
		write_list(i % 2 ? "1.1.1.1\n2.2.2.2\n" : "3.3.3.3\n4.4.4.4\n# b\n");
		assert_true(yg_intel_live_changed(l));
		assert_int_equal(yg_intel_live_reload(l, &res), 0);
		assert_false(yg_intel_live_changed(l));
		assert_int_equal(res.indicators, 2);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(yg_intel_live_generation(l), 41);
	assert_true(rd[0].reads > 0 && rd[1].reads > 0);
	assert_int_equal(rd[0].mixed + rd[1].mixed, 0);
	yg_intel_live_free(l);
}

static void unreadable_path_keeps_old_set(void **state)
{
	(void)state;
	write_list("5.5.5.5\n");
	const char *paths[] = {path};
	struct yg_intel_live *l;
	struct yg_intel_load_result res;
	assert_int_equal(yg_intel_live_new(paths, 1, NULL, NULL, &l, &res), 0);
	unlink(path);
	assert_true(yg_intel_live_changed(l));
	assert_int_equal(yg_intel_live_reload(l, &res), -EIO);
	rcu_register_thread();
	rcu_read_lock();
	assert_true(hit(yg_intel_live_get(l), "5.5.5.5"));
	rcu_read_unlock();
	rcu_unregister_thread();
	assert_int_equal(yg_intel_live_generation(l), 1);
	yg_intel_live_free(l);
}

static void counts_rejected_lines(void **state)
{
	(void)state;
	write_list("6.6.6.6\nnot an indicator at all!\nevil.example\n");
	const char *paths[] = {path};
	struct yg_intel_live *l;
	struct yg_intel_load_result res;
	assert_int_equal(yg_intel_live_new(paths, 1, NULL, NULL, &l, &res), 0);
	assert_int_equal(res.indicators, 2);
	assert_int_equal(res.rejected, 1);
	assert_true(res.memory > 0);
	yg_intel_live_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(swaps_are_atomic_under_readers, setup, teardown),
		cmocka_unit_test_setup_teardown(unreadable_path_keeps_old_set, setup, teardown),
		cmocka_unit_test_setup_teardown(counts_rejected_lines, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
