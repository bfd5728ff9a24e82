/*
 * Which backend a hub or an admin command opens: PostgreSQL when it names
 * a server (--store postgresql --pg URL), else SQLite in its directory.
 */
#include <string.h>

#include "store/store.h"

int yg_store_open(const char *dir, const char *pg, struct yg_store **ret)
{
	return pg && *pg ? yg_store_pg_open(pg, ret) : yg_store_sqlite_open(dir, ret);
}

int yg_store_schema_version(struct yg_store *st, int *ret)
{
	if (!strcmp(st->ops->name, "postgresql"))
		return yg_store_pg_schema_version(st, ret);
	return yg_store_sqlite_schema_version(st, ret);
}
