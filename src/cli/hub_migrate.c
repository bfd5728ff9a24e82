/*
 * yagura hub migrate --from sqlite:DIR --to postgresql://... (issue 19):
 * moves a hub's store from SQLite to PostgreSQL. The target must be empty
 * (its schema is created here); the hub on DIR should be stopped, since
 * writes after the copy began would stay behind. Every row is compared
 * after the copy (store.h, yg_store_copy); DIR is left as it was, and its
 * files (mail key, warning lists, rules) stay where the hub finds them
 * with --data DIR.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/store_opts.h"
#include "store/store.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura hub migrate --from sqlite:DIR --to postgresql://...\n");
}

static int print_table(void *ud, const char *table, int64_t rows)
{
	(void)ud;
	printf("%-20s %lld rows\n", table, (long long)rows);
	return 0;
}

int yg_cmd_hub_migrate(int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 < argc && !strcmp(argv[i], "--from"))
			from = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--to"))
			to = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!from || strncmp(from, "sqlite:", 7) || !from[7] || !to ||
	    (strncmp(to, "postgresql://", 13) && strncmp(to, "postgres://", 11))) {
		usage(stderr);
		return 2;
	}
	const char *dir = from + 7;
	struct yg_store_opts so = {.postgresql = true, .pg = to};
	struct yg_store_opts sq = {0};
	struct yg_store *src = NULL, *dst = NULL;
	int rc = 1;
	int r = yg_store_sqlite_open(dir, &src);
	if (r < 0) {
		yg_store_opts_fail("yagura hub migrate", &sq, dir, r);
		goto out;
	}
	r = yg_store_pg_open(to, &dst);
	if (r < 0) {
		yg_store_opts_fail("yagura hub migrate", &so, dir, r);
		goto out;
	}
	char where[256];
	r = yg_store_copy(src, dst, print_table, NULL, where, sizeof where);
	if (r < 0) {
		fprintf(stderr, "yagura hub migrate: %s%s%s\n", where, *where ? ": " : "",
			r == -EEXIST    ? "move into an empty database"
			: r == -EBADMSG ? "the copy differs from the source; nothing to trust there"
					: strerror(-r));
		goto out;
	}
	printf("migrated and verified: every row of every table is identical on PostgreSQL\n");
	rc = 0;
out:
	yg_store_close(dst);
	yg_store_close(src);
	return rc;
}
