/*
 * One store test suite, two backends (issue 19): the store tests open their
 * store through these, and meson runs each of them twice, once as is
 * (SQLite in the test's directory) and once with YG_TEST_STORE=postgresql,
 * where every directory maps to its own database on the server at
 * YG_TEST_PG (a URL; `make test` starts a private cluster and sets it).
 */
#ifndef YG_TEST_STORE_BACKEND_H
#define YG_TEST_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* True when this run is the PostgreSQL one. */
bool yg_test_store_is_pg(void);

/* Call first in main: exits 77 (meson's "skipped") with a message when the
 * PostgreSQL run has no server to use. */
void yg_test_store_require(void);

/* Opens the store of dir on this run's backend (yg_store_open). */
int yg_test_store_open(const char *dir, struct yg_store **ret);

/* For a hub on dir (yg_hub_config.pg): the conninfo of dir's database
 * (created when missing) in buf, or NULL on the SQLite run. */
const char *yg_test_store_pg(const char *dir, char *buf, size_t n);

/* Runs raw SQL (no parameters; a test's own fixed text) on dir's database,
 * for what no store function does (a schema version from the future). */
int yg_test_store_exec(const char *dir, const char *sql);

/* Drops dir's database on PostgreSQL; nothing on SQLite. */
void yg_test_store_drop(const char *dir);

#endif
