/*
 * `yagura hub migrate`: copies every table of a SQLite store into an empty
 * PostgreSQL store of the same schema version, ids included, in one
 * PostgreSQL transaction; then reads both back, row by row in key order,
 * and compares every value (store.h, yg_store_copy).
 *
 * Table and column names come from this file's list and from the SQLite
 * schema this build created; every value goes through a bound parameter.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/sqlite-int.h"

/* Parents before children (foreign keys), each with its key order: "%C"
 * stands for the byte-order collation on PostgreSQL (SQLite's BINARY is
 * already byte order); NULLS FIRST is SQLite's default, said for both. */
static const struct table {
	const char *name;
	const char *order;
} tables[] = {
	{"settings", "key%C"},
	{"organizations", "id"},
	{"tokens", "id"},
	{"sharing_groups", "id"},
	{"group_members", "group_id, org_id"},
	{"collections", "id"},
	{"collection_access", "collection_id, org_id"},
	{"objects", "id"},
	{"object_shares", "object_id, org_id NULLS FIRST, group_id NULLS FIRST"},
	{"statuses", "uuid%C"},
	{"audit_log", "id"},
	{"org_domains", "org_id, domain%C"},
	{"org_mail_prefs", "org_id"},
	{"pii_patterns", "id"},
	{"campaigns", "id"},
	{"mail_submissions", "id"},
	{"mail_shares", "submission_id, org_id NULLS FIRST, group_id NULLS FIRST"},
	{"corr_values", "id"},
	{"corr_ssdeep_grams", "gram, value_id"},
	{"corr_postings", "value_id, submission_id"},
	{"notifications", "id"},
	{"sightings", "id"},
	{"indicator_last_seen", "indicator_id%C"},
	{"darknet_windows", "id"},
	{"darknet_minutes", "proto, port, minute"},
	{"darknet_hours", "proto, port, hour"},
	{"darknet_sources", "ip%C"},
	{"darknet_victims", "ip%C, proto, port"},
	{"darknet_surges", "id"},
	{"level_state", "id"},
	{"level_signals", "name%C"},
	{"level_history", "id"},
	{"level_actions", "id"},
	{"host_owners", "id"},
	{"host_prefixes", "cidr%C"},
	{"hosts", "id"},
	{"host_evidence", "id"},
	{"host_notices", "id"},
	{"host_notice_hosts", "notice_id, host_id"},
	{"host_deliveries", "id"},
	{"host_attempts", "id"},
	{"host_ack_tokens", "hash"},
	{"feeds", "id"},
	{"feed_values", "feed_id, type, value%C"},
	{"client_certs", "id"},
};

#define N_TABLES (sizeof tables / sizeof tables[0])

/* Kept by triggers from other tables (schema 13): not copied, since the
 * copy's own writes rebuild it, but checked like the others. */
static bool derived(const struct table *t)
{
	return !strcmp(t->name, "indicator_last_seen");
}
#define COLS_MAX 32

struct sqlbuf {
	char b[4096];
	size_t len;
	bool overflow;
};

static void sb_add(struct sqlbuf *sb, const char *s)
{
	size_t n = strlen(s);
	if (sb->overflow || sb->len + n >= sizeof sb->b) {
		sb->overflow = true;
		return;
	}
	memcpy(sb->b + sb->len, s, n + 1);
	sb->len += n;
}

/* The order clause for one dialect. */
static void sb_order(struct sqlbuf *sb, const char *order, bool pg)
{
	for (const char *p = order; *p; p++) {
		if (p[0] == '%' && p[1] == 'C') {
			if (pg)
				sb_add(sb, " COLLATE \"C\"");
			p++;
			continue;
		}
		char c[2] = {*p, '\0'};
		sb_add(sb, c);
	}
}

/* The column names of t in the SQLite store, in its order. */
static int columns(struct yg_sqlite *sq, const char *t, char names[COLS_MAX][64], int *ret_n)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT * FROM %s LIMIT 0", t);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep_fresh(sq, sql, &stmt);
	if (r < 0)
		return r;
	int n = sqlite3_column_count(stmt);
	if (n > COLS_MAX) {
		yg_sq_fin(sq, stmt);
		return -E2BIG;
	}
	for (int i = 0; i < n; i++)
		snprintf(names[i], 64, "%s", sqlite3_column_name(stmt, i));
	yg_sq_fin(sq, stmt);
	*ret_n = n;
	return 0;
}

static void select_sql(struct sqlbuf *sb, const struct table *t, char names[COLS_MAX][64], int n,
		       bool pg)
{
	sb->len = 0;
	sb->overflow = false;
	sb->b[0] = '\0';
	sb_add(sb, "SELECT ");
	for (int i = 0; i < n; i++) {
		sb_add(sb, i ? ", " : "");
		sb_add(sb, names[i]);
	}
	sb_add(sb, " FROM ");
	sb_add(sb, t->name);
	sb_add(sb, " ORDER BY ");
	sb_order(sb, t->order, pg);
}

/* Binds column i of the SQLite row as parameter $i+1, by its stored type. */
static void bind_value(struct yg_pg_args *a, sqlite3_stmt *stmt, int i)
{
	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
		yg_pg_i64(a, sqlite3_column_int64(stmt, i));
		break;
	case SQLITE_FLOAT:
		yg_pg_f64(a, sqlite3_column_double(stmt, i));
		break;
	case SQLITE_BLOB:
		yg_pg_bytes(a, sqlite3_column_blob(stmt, i), (size_t)sqlite3_column_bytes(stmt, i));
		break;
	case SQLITE_TEXT:
		yg_pg_txtn(a, (const char *)sqlite3_column_text(stmt, i),
			   (size_t)sqlite3_column_bytes(stmt, i));
		break;
	default:
		yg_pg_txt(a, NULL);
		/* NULL of type text: PostgreSQL takes an untyped NULL anywhere,
		 * but a typed one only where the type fits. */
		a->types[a->n - 1] = 0;
		break;
	}
}

static int copy_table(struct yg_sqlite *sq, struct yg_pg *pg, const struct table *t,
		      struct yg_pg_args *a, int64_t *ret_rows)
{
	char names[COLS_MAX][64];
	int n = 0;
	int r = columns(sq, t->name, names, &n);
	if (r < 0)
		return r;
	struct sqlbuf sel, ins;
	select_sql(&sel, t, names, n, false);
	ins.len = 0;
	ins.overflow = false;
	ins.b[0] = '\0';
	sb_add(&ins, "INSERT INTO ");
	sb_add(&ins, t->name);
	sb_add(&ins, "(");
	for (int i = 0; i < n; i++) {
		sb_add(&ins, i ? ", " : "");
		sb_add(&ins, names[i]);
	}
	sb_add(&ins, ") VALUES (");
	for (int i = 0; i < n; i++) {
		char p[16];
		snprintf(p, sizeof p, "%s$%d", i ? ", " : "", i + 1);
		sb_add(&ins, p);
	}
	sb_add(&ins, ")");
	if (sel.overflow || ins.overflow)
		return -E2BIG;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep_fresh(sq, sel.b, &stmt);
	if (r < 0)
		return r;
	int64_t rows = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		yg_pg_args_init(a);
		for (int i = 0; i < n; i++)
			bind_value(a, stmt, i);
		r = yg_pg_run(pg, ins.b, a, NULL);
		if (r < 0)
			break;
		rows++;
	}
	r = yg_sq_rows_end(sq, stmt, rc, r);
	if (r == 0)
		*ret_rows = rows;
	return r;
}

/* Whether PostgreSQL's text for a value is the SQLite value. */
static bool same_value(sqlite3_stmt *stmt, int i, const PGresult *res, int row)
{
	int type = sqlite3_column_type(stmt, i);
	if (PQgetisnull(res, row, i))
		return type == SQLITE_NULL;
	const char *v = PQgetvalue(res, row, i);
	switch (type) {
	case SQLITE_INTEGER:
		return strtoll(v, NULL, 10) == sqlite3_column_int64(stmt, i);
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(stmt, i), e = strtod(v, NULL);
		return d == e || (isnan(d) && isnan(e));
	}
	case SQLITE_TEXT:
		return (size_t)PQgetlength(res, row, i) == (size_t)sqlite3_column_bytes(stmt, i) &&
		       !memcmp(v, sqlite3_column_text(stmt, i), (size_t)sqlite3_column_bytes(stmt, i));
	case SQLITE_BLOB: {
		size_t len = 0;
		unsigned char *b = PQunescapeBytea((const unsigned char *)v, &len);
		bool same = b && len == (size_t)sqlite3_column_bytes(stmt, i) &&
			    (!len || !memcmp(b, sqlite3_column_blob(stmt, i), len));
		PQfreemem(b);
		return same;
	}
	default:
		return false;
	}
}

static int check_table(struct yg_sqlite *sq, struct yg_pg *pg, const struct table *t,
		       int64_t *ret_rows, char *where, size_t wn)
{
	char names[COLS_MAX][64];
	int n = 0;
	int r = columns(sq, t->name, names, &n);
	if (r < 0)
		return r;
	struct sqlbuf a, b;
	select_sql(&a, t, names, n, false);
	select_sql(&b, t, names, n, true);
	if (a.overflow || b.overflow)
		return -E2BIG;
	PGresult *res = NULL;
	r = yg_pg_run(pg, b.b, NULL, &res);
	if (r < 0)
		return r;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep_fresh(sq, a.b, &stmt);
	if (r < 0) {
		PQclear(res);
		return r;
	}
	int rows = PQntuples(res), row = 0, rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (row >= rows) {
			snprintf(where, wn, "%s: row %d missing on PostgreSQL", t->name, row + 1);
			r = -EBADMSG;
			break;
		}
		for (int i = 0; i < n && r == 0; i++)
			if (!same_value(stmt, i, res, row)) {
				snprintf(where, wn, "%s: row %d, column %s differs", t->name, row + 1,
					 names[i]);
				r = -EBADMSG;
			}
		if (r < 0)
			break;
		row++;
	}
	r = yg_sq_rows_end(sq, stmt, rc, r);
	if (r == 0 && row != rows) {
		snprintf(where, wn, "%s: %d rows on SQLite, %d on PostgreSQL", t->name, row, rows);
		r = -EBADMSG;
	}
	PQclear(res);
	if (r == 0)
		*ret_rows = row;
	return r;
}

int yg_store_copy(struct yg_store *from, struct yg_store *to,
		  int (*fn)(void *ud, const char *table, int64_t rows), void *ud, char *where,
		  size_t wn)
{
	if (strcmp(from->ops->name, "sqlite") || strcmp(to->ops->name, "postgresql"))
		return -EINVAL;
	struct yg_sqlite *sq = yg_sq(from);
	struct yg_pg *pg = yg_pg(to);
	snprintf(where, wn, "%s", "");
	struct yg_pg_args *a = malloc(sizeof *a);
	if (!a)
		return -ENOMEM;
	/* The copy and the check see one state of the source. */
	int r = yg_sq_exec(sq, "BEGIN");
	if (r < 0)
		goto out;
	bool own = false;
	r = yg_pg_write_begin(pg, &own);
	for (size_t i = 0; r == 0 && i < N_TABLES; i++) {
		char sql[96];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i].name);
		int64_t have = 0;
		r = yg_pg_int(pg, sql, NULL, &have);
		if (r == 0 && have) {
			snprintf(where, wn, "%s: the PostgreSQL store is not empty", tables[i].name);
			r = -EEXIST;
		}
	}
	for (size_t i = 0; r == 0 && i < N_TABLES; i++) {
		int64_t rows = 0;
		if (derived(&tables[i]))
			continue;
		r = copy_table(sq, pg, &tables[i], a, &rows);
		if (r < 0)
			snprintf(where, wn, "%s: copy failed", tables[i].name);
		else if (fn)
			r = fn(ud, tables[i].name, rows);
	}
	if (r == 0)
		r = yg_pg_schema_sync_ids(pg);
	if (own)
		r = yg_pg_write_end(pg, own, r);
	for (size_t i = 0; r == 0 && i < N_TABLES; i++) {
		int64_t rows = 0;
		r = check_table(sq, pg, &tables[i], &rows, where, wn);
	}
	sqlite3_exec(sq->db, "COMMIT", NULL, NULL, NULL);
out:
	free(a);
	return r;
}
