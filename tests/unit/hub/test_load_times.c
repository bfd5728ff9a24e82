#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hub/load_times.h"

#define S 1000000LL

static void test_quantiles_per_org(void **state)
{
	(void)state;
	struct yg_load_times *lt = NULL;
	assert_int_equal(yg_load_times_new(&lt), 0);
	struct yg_load_stat ls;
	assert_false(yg_load_times_get(lt, 7, 100 * S, &ls));
	/* Delays 1..100 ms for org 7, delivered in shuffled order. */
	for (int i = 0; i < 100; i++) {
		int d = (i * 37) % 100 + 1;
		yg_load_times_add(lt, 7, 100 * S - d * 1000, 100 * S);
	}
	yg_load_times_add(lt, 3, 50 * S, 60 * S);
	assert_true(yg_load_times_get(lt, 7, 100 * S, &ls));
	assert_int_equal(ls.n, 100);
	assert_int_equal(ls.p50_us, 50 * 1000);
	assert_int_equal(ls.p95_us, 95 * 1000);
	assert_int_equal(ls.max_us, 100 * 1000);
	assert_true(yg_load_times_get(lt, 3, 100 * S, &ls));
	assert_int_equal(ls.n, 1);
	assert_int_equal(ls.p50_us, 10 * S);
	assert_false(yg_load_times_get(lt, 5, 100 * S, &ls));
	yg_load_times_free(lt);
}

static void test_ring_window_and_clock_steps(void **state)
{
	(void)state;
	struct yg_load_times *lt = NULL;
	assert_int_equal(yg_load_times_new(&lt), 0);
	/* More deliveries than the ring holds: only the newest are kept. */
	for (int i = 0; i < YG_LOAD_SAMPLES + 44; i++)
		yg_load_times_add(lt, 1, 0, i < 44 ? 9 * S : 2 * S);
	struct yg_load_stat ls;
	assert_true(yg_load_times_get(lt, 1, 2 * S, &ls));
	assert_int_equal(ls.n, YG_LOAD_SAMPLES);
	assert_int_equal(ls.max_us, 2 * S);
	/* A day later they are out of the window. */
	assert_false(yg_load_times_get(lt, 1, 2 * S + YG_LOAD_WINDOW_US + 1, &ls));
	/* Stored "after" delivery (a clock stepped back): 0, not negative. */
	yg_load_times_add(lt, 2, 10 * S, 9 * S);
	assert_true(yg_load_times_get(lt, 2, 9 * S, &ls));
	assert_int_equal(ls.max_us, 0);
	yg_load_times_free(lt);
}

static void test_org_table_is_bounded(void **state)
{
	(void)state;
	struct yg_load_times *lt = NULL;
	assert_int_equal(yg_load_times_new(&lt), 0);
	for (int64_t o = YG_LOAD_ORGS_MAX + 10; o > 0; o--)
		yg_load_times_add(lt, o, 0, S);
	struct yg_load_stat ls;
	/* Added from the top down: the last ten (1..10) found the table full. */
	assert_false(yg_load_times_get(lt, 10, S, &ls));
	assert_true(yg_load_times_get(lt, 11, S, &ls));
	assert_true(yg_load_times_get(lt, YG_LOAD_ORGS_MAX + 10, S, &ls));
	yg_load_times_free(lt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quantiles_per_org),
	    cmocka_unit_test(test_ring_window_and_clock_steps),
	    cmocka_unit_test(test_org_table_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
