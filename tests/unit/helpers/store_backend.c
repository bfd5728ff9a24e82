/*
 * The two backends of the store tests (store_backend.h).
 */
#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers/store_backend.h"

bool yg_test_store_is_pg(void)
{
	const char *s = getenv("YG_TEST_STORE");
	return s && !strcmp(s, "postgresql");
}

void yg_test_store_require(void)
{
	if (!yg_test_store_is_pg())
		return;
	const char *url = getenv("YG_TEST_PG");
	if (!url || !*url) {
		fprintf(stderr, "skipped: YG_TEST_STORE=postgresql needs a server URL in YG_TEST_PG"
				" (make test starts one)\n");
		exit(77);
	}
}

/* dir's database: a name made of hex digits only (safe as an identifier),
 * one per directory and process. */
static void db_name(const char *dir, char *out, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = dir; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	snprintf(out, n, "yg_t_%016llx_%d", (unsigned long long)h, (int)getpid());
}

/* YG_TEST_PG with its database replaced by db, as key=value text. */
static int conninfo_for(const char *db, char *out, size_t n)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(getenv("YG_TEST_PG"), &err);
	if (!opts) {
		PQfreemem(err);
		return -EINVAL;
	}
	size_t len = 0;
	out[0] = '\0';
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		const char *v = !strcmp(o->keyword, "dbname") ? db : o->val;
		if (!v || !*v)
			continue;
		int k = snprintf(out + len, n - len, "%s%s='%s'", len ? " " : "", o->keyword, v);
		if (k < 0 || (size_t)k >= n - len) {
			PQconninfoFree(opts);
			return -ENAMETOOLONG;
		}
		len += (size_t)k;
	}
	PQconninfoFree(opts);
	return 0;
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int admin_exec(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("YG_TEST_PG"));
	PQsetNoticeProcessor(c, quiet, NULL);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "YG_TEST_PG: %s", PQerrorMessage(c));
		PQfinish(c);
		return -ECONNREFUSED;
	}
	PGresult *res = PQexec(c, sql);
	int r = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK
			? 0
			: -EIO;
	if (r < 0)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return r;
}

static int ensure_db(const char *dir, char *conninfo, size_t n)
{
	char db[64], sql[160];
	db_name(dir, db, sizeof db);
	int r = conninfo_for(db, conninfo, n);
	if (r < 0)
		return r;
	PGconn *c = PQconnectdb(conninfo);
	bool exists = PQstatus(c) == CONNECTION_OK;
	PQfinish(c);
	if (exists)
		return 0;
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
	return admin_exec(sql);
}

const char *yg_test_store_pg(const char *dir, char *buf, size_t n)
{
	if (!yg_test_store_is_pg())
		return NULL;
	return ensure_db(dir, buf, n) < 0 ? NULL : buf;
}

int yg_test_store_open(const char *dir, struct yg_store **ret)
{
	/* Through yg_store_open, as the hub opens it: every store test then
	 * also checks that the backend has every half of the store. */
	if (!yg_test_store_is_pg())
		return yg_store_open(dir, NULL, ret);
	char conninfo[1024];
	int r = ensure_db(dir, conninfo, sizeof conninfo);
	return r < 0 ? r : yg_store_open(NULL, conninfo, ret);
}

int yg_test_store_exec(const char *dir, const char *sql)
{
	if (!yg_test_store_is_pg()) {
		char p[4200];
		snprintf(p, sizeof p, "%s/hub.db", dir);
		sqlite3 *db = NULL;
		int rc = sqlite3_open(p, &db);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		sqlite3_close(db);
		return rc == SQLITE_OK ? 0 : -EIO;
	}
	char conninfo[1024];
	int r = ensure_db(dir, conninfo, sizeof conninfo);
	if (r < 0)
		return r;
	PGconn *c = PQconnectdb(conninfo);
	PGresult *res = PQexec(c, sql);
	r = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK ? 0
											  : -EIO;
	PQclear(res);
	PQfinish(c);
	return r;
}

void yg_test_store_drop(const char *dir)
{
	if (!yg_test_store_is_pg())
		return;
	char db[64], sql[160];
	db_name(dir, db, sizeof db);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
	admin_exec(sql);
}
