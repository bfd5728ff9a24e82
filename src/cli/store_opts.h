/*
 * The store options every hub command takes (issue 19):
 *   --store sqlite|postgresql   (sqlite: DIR/hub.db, the default)
 *   --pg CONNINFO               (with --store postgresql: a postgresql://
 *                                URL or libpq key=value text; a password is
 *                                better left to PGPASSFILE/~/.pgpass than
 *                                put on a command line)
 */
#ifndef YG_CLI_STORE_OPTS_H
#define YG_CLI_STORE_OPTS_H

#include <stdbool.h>

struct yg_store_opts {
	bool postgresql;
	const char *pg;
};

/* When a (with its value v) is a store option, records it and returns 1;
 * 0 when a is another option; -1 after printing what is wrong with it. */
int yg_store_opt(const char *prog, struct yg_store_opts *o, const char *a, const char *v);

/* After parsing: -1 after printing what is missing, else 0. */
int yg_store_opts_check(const char *prog, const struct yg_store_opts *o);

/* The conninfo to open, NULL for SQLite. */
const char *yg_store_opts_pg(const struct yg_store_opts *o);

/* Prints why the store of dir / o could not be opened (libpq's reason for
 * a PostgreSQL server that did not take the connection). */
void yg_store_opts_fail(const char *prog, const struct yg_store_opts *o, const char *dir, int r);

#endif
