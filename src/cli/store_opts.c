/*
 * --store and --pg of `yagura hub`, `hub admin` and `hub migrate`
 * (store_opts.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/store_opts.h"
#include "store/store.h"

int yg_store_opt(const char *prog, struct yg_store_opts *o, const char *a, const char *v)
{
	if (!strcmp(a, "--store")) {
		if (!v || (strcmp(v, "sqlite") && strcmp(v, "postgresql"))) {
			fprintf(stderr, "%s: --store takes sqlite or postgresql\n", prog);
			return -1;
		}
		o->postgresql = !strcmp(v, "postgresql");
		return 1;
	}
	if (!strcmp(a, "--pg")) {
		if (!v || !*v) {
			fprintf(stderr, "%s: --pg takes a postgresql:// URL\n", prog);
			return -1;
		}
		o->pg = v;
		return 1;
	}
	return 0;
}

int yg_store_opts_check(const char *prog, const struct yg_store_opts *o)
{
	if (o->postgresql && !o->pg) {
		fprintf(stderr, "%s: --store postgresql needs --pg postgresql://...\n", prog);
		return -1;
	}
	if (!o->postgresql && o->pg) {
		fprintf(stderr, "%s: --pg goes with --store postgresql\n", prog);
		return -1;
	}
	return 0;
}

const char *yg_store_opts_pg(const struct yg_store_opts *o)
{
	return o->postgresql ? o->pg : NULL;
}

void yg_store_opts_fail(const char *prog, const struct yg_store_opts *o, const char *dir, int r)
{
	if (!o->postgresql) {
		fprintf(stderr, "%s: cannot open the store in %s: %s\n", prog, dir, strerror(-r));
		return;
	}
	char why[512] = "";
	if (r == -ECONNREFUSED && yg_store_pg_error(o->pg, why, sizeof why) < 0)
		fprintf(stderr, "%s: cannot reach the PostgreSQL store: %s\n", prog, why);
	else if (r == -EPROTO)
		fprintf(stderr,
			"%s: the PostgreSQL store has a newer schema than this build knows"
			" (%d); upgrade yagura\n",
			prog, YG_STORE_SCHEMA_VERSION);
	else
		fprintf(stderr, "%s: cannot open the PostgreSQL store: %s\n", prog, strerror(-r));
}
