/*
 * Which backend a hub or an admin command opens: PostgreSQL when it names
 * a server (--store postgresql --pg URL), else SQLite in its directory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"

/* Every half is checked here once, so that the hub's handlers, threads and
 * admin commands may call any of them without a guard of their own. */
static bool halves_complete(const struct yg_store_ops *o)
{
	return o->mail && o->sightings && o->darknet && o->level && o->hosts && o->feeds &&
	       o->dash;
}

int yg_store_open(const char *dir, const char *pg, struct yg_store **ret)
{
	int r = pg && *pg ? yg_store_pg_open(pg, ret) : yg_store_sqlite_open(dir, ret);
	if (r == 0 && !halves_complete((*ret)->ops)) {
		fprintf(stderr, "yagura: store: the %s backend lacks a part of the store\n",
			(*ret)->ops->name);
		(*ret)->ops->close(*ret);
		*ret = NULL;
		r = -ENOTSUP;
	}
	return r;
}

int yg_store_schema_version(struct yg_store *st, int *ret)
{
	if (!strcmp(st->ops->name, "postgresql"))
		return yg_store_pg_schema_version(st, ret);
	return yg_store_sqlite_schema_version(st, ret);
}
