/* The SQLite backend's statement cache (sqlite_stmts.c): a statement given
 * back comes out again reset and without bindings; the same text asked for
 * while it is out gets a second, working statement; a flush with one out
 * leaves it usable until it is given back; more texts than the table holds
 * all still run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/sqlite-int.h"
#include "store/store.h"

static char dir[64];
static struct yg_store *st;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-stmts-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return yg_store_sqlite_open(dir, &st);
}

static int teardown(void **state)
{
	(void)state;
	yg_store_close(st);
	char p[128];
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

/* Steps "SELECT ?1"-like stmt to its row and returns column 0 (-1 for NULL). */
static int64_t one(sqlite3_stmt *stmt)
{
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(stmt, 0);
}

static void reused_reset_and_unbound(void **state)
{
	(void)state;
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *a = NULL, *b = NULL;
	assert_int_equal(yg_sq_prep(s, "SELECT ?1", &a), 0);
	sqlite3_bind_int64(a, 1, 42);
	assert_int_equal(one(a), 42);
	yg_sq_fin(s, a); /* given back mid-result: reset */
	assert_int_equal(yg_sq_prep(s, "SELECT ?1", &b), 0);
	assert_ptr_equal(a, b);
	assert_false(sqlite3_stmt_busy(b));
	assert_int_equal(one(b), -1); /* the old binding is gone */
	yg_sq_fin(s, b);
}

static void nested_same_text(void **state)
{
	(void)state;
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *outer = NULL, *inner = NULL;
	assert_int_equal(yg_sq_prep(s, "SELECT ?1 + 1", &outer), 0);
	sqlite3_bind_int64(outer, 1, 1);
	assert_int_equal(one(outer), 2);
	assert_int_equal(yg_sq_prep(s, "SELECT ?1 + 1", &inner), 0);
	assert_ptr_not_equal(outer, inner);
	sqlite3_bind_int64(inner, 1, 10);
	assert_int_equal(one(inner), 11);
	assert_int_equal(sqlite3_column_int64(outer, 0), 2); /* outer's row untouched */
	yg_sq_fin(s, inner); /* not the cache's: finalized */
	yg_sq_fin(s, outer);
	sqlite3_stmt *again = NULL;
	assert_int_equal(yg_sq_prep(s, "SELECT ?1 + 1", &again), 0);
	assert_ptr_equal(again, outer);
	yg_sq_fin(s, again);
}

static void flush_with_one_out(void **state)
{
	(void)state;
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *a = NULL;
	assert_int_equal(yg_sq_prep(s, "SELECT ?1 * 3", &a), 0);
	yg_sq_stmts_flush(s);
	sqlite3_bind_int64(a, 1, 5);
	assert_int_equal(one(a), 15);
	yg_sq_fin(s, a); /* no longer in the table: finalized, not kept */
	assert_int_equal(s->n_stmts, 0);
	assert_int_equal(yg_sq_prep(s, "SELECT ?1 * 3", &a), 0);
	sqlite3_bind_int64(a, 1, 7);
	assert_int_equal(one(a), 21);
	yg_sq_fin(s, a);
}

static void more_texts_than_slots(void **state)
{
	(void)state;
	struct yg_sqlite *s = yg_sq(st);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < YG_SQ_STMT_SLOTS + 50; i++) {
			char sql[64];
			snprintf(sql, sizeof sql, "SELECT %d + ?1", i);
			sqlite3_stmt *stmt = NULL;
			assert_int_equal(yg_sq_prep(s, sql, &stmt), 0);
			sqlite3_bind_int64(stmt, 1, round);
			assert_int_equal(one(stmt), i + round);
			yg_sq_fin(s, stmt);
			assert_true(s->n_stmts <= YG_SQ_STMT_SLOTS / 4 * 3);
		}
	/* The store's own statements still run after the flushes. */
	int64_t n = -1;
	assert_int_equal(st->ops->obj_count(st, &n), 0);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reused_reset_and_unbound, setup, teardown),
		cmocka_unit_test_setup_teardown(nested_same_text, setup, teardown),
		cmocka_unit_test_setup_teardown(flush_with_one_out, setup, teardown),
		cmocka_unit_test_setup_teardown(more_texts_than_slots, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
