/*
 * PostgreSQL backend of the store (store.h), through libpq: one connection
 * per handle, every value a parameter of PQexecParams, the schema migrated
 * at open (pg_schema.c).
 *
 * This file: connection, statement helpers, transactions, change
 * notifications, settings, organizations, tokens, groups, audit.
 * pg_objects.c: collections, objects, statuses.
 *
 * Change notifications stand in for SQLite's data_version: every commit
 * that wrote sends NOTIFY on YG_PG_CHANNEL with this process's tag as the
 * payload; data_version counts the notifications of other processes (a
 * handle LISTENs from its first call) plus the commits of every handle of
 * this process, which it learns at once, without the server's round trip.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/pg-int.h"
#include "store/store_darknet.h"
#include "store/store_level.h"
#include "store/store_mail.h"
#include "store/store_sightings.h"

/* PostgreSQL type oids (pg_type.dat); libpq does not export them. */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
#define OID_FLOAT8 701

/* Commits by any handle of this process (data_version). */
static atomic_uint_least64_t local_commits;

/* This process's tag in its notifications: 16 hex digits, so a listener
 * tells its own process's commits (counted in local_commits) from others'. */
static char proc_tag[17];
static pthread_once_t tag_once = PTHREAD_ONCE_INIT;

static void make_tag(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		     ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&ts;
	/* splitmix64: a tag, not a secret. */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	snprintf(proc_tag, sizeof proc_tag, "%016llx", (unsigned long long)x);
}

int64_t yg_pg_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void yg_pg_args_init(struct yg_pg_args *a)
{
	a->n = 0;
	a->overflow = false;
}

static int slot(struct yg_pg_args *a)
{
	if (a->n >= YG_PG_ARGS_MAX) {
		a->overflow = true;
		return -1;
	}
	return a->n++;
}

void yg_pg_i64(struct yg_pg_args *a, int64_t v)
{
	int i = slot(a);
	if (i < 0)
		return;
	snprintf(a->nums[i], sizeof a->nums[i], "%lld", (long long)v);
	a->types[i] = OID_INT8;
	a->vals[i] = a->nums[i];
	a->lens[i] = 0;
	a->fmts[i] = 0;
}

void yg_pg_i64_or_null(struct yg_pg_args *a, int64_t v)
{
	if (v) {
		yg_pg_i64(a, v);
		return;
	}
	int i = slot(a);
	if (i < 0)
		return;
	a->types[i] = OID_INT8;
	a->vals[i] = NULL;
	a->lens[i] = 0;
	a->fmts[i] = 0;
}

void yg_pg_f64(struct yg_pg_args *a, double v)
{
	int i = slot(a);
	if (i < 0)
		return;
	/* 17 significant digits give the same double back. */
	snprintf(a->nums[i], sizeof a->nums[i], "%.17g", v);
	a->types[i] = OID_FLOAT8;
	a->vals[i] = a->nums[i];
	a->lens[i] = 0;
	a->fmts[i] = 0;
}

void yg_pg_txt(struct yg_pg_args *a, const char *s)
{
	int i = slot(a);
	if (i < 0)
		return;
	a->types[i] = OID_TEXT;
	a->vals[i] = s;
	a->lens[i] = 0;
	a->fmts[i] = 0;
}

void yg_pg_txtn(struct yg_pg_args *a, const char *s, size_t n)
{
	int i = slot(a);
	if (i < 0)
		return;
	if (n > (size_t)INT32_MAX) {
		a->overflow = true;
		return;
	}
	/* A text's binary form is its bytes; no terminator needed. */
	a->types[i] = OID_TEXT;
	a->vals[i] = s ? s : "";
	a->lens[i] = (int)n;
	a->fmts[i] = 1;
}

void yg_pg_bytes(struct yg_pg_args *a, const void *p, size_t n)
{
	int i = slot(a);
	if (i < 0)
		return;
	if (n > (size_t)INT32_MAX) {
		a->overflow = true;
		return;
	}
	a->types[i] = OID_BYTEA;
	a->vals[i] = p ? (const char *)p : "";
	a->lens[i] = (int)n;
	a->fmts[i] = 1;
}

/* array_recv's header: ndim, has-nulls flag, element type, then per
 * dimension its length and lower bound; all big-endian int32. */
#define ARR_HEAD 20
#define OID_TEXT_ARRAY 1009
#define OID_INT8_ARRAY 1016

static void arr_init(struct yg_pg_arr *arr, Oid elem)
{
	*arr = (struct yg_pg_arr){.elem = elem};
}

void yg_pg_arr_init_text(struct yg_pg_arr *arr)
{
	arr_init(arr, OID_TEXT);
}

void yg_pg_arr_init_i64(struct yg_pg_arr *arr)
{
	arr_init(arr, OID_INT8);
}

static void put_be32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

/* Room for need more bytes (the header reserved first); false once an
 * allocation failed or the array would outgrow a parameter's int32
 * length. */
static bool arr_room(struct yg_pg_arr *arr, size_t need)
{
	if (arr->nomem)
		return false;
	if (!arr->len)
		arr->len = ARR_HEAD;
	if (need > (size_t)INT32_MAX - arr->len || arr->n == INT32_MAX) {
		arr->nomem = true;
		return false;
	}
	if (arr->len + need <= arr->cap)
		return true;
	size_t cap = arr->cap ? arr->cap : 1024;
	while (cap < arr->len + need)
		cap *= 2;
	char *b = realloc(arr->buf, cap);
	if (!b) {
		arr->nomem = true;
		return false;
	}
	arr->buf = b;
	arr->cap = cap;
	return true;
}

void yg_pg_arr_txt(struct yg_pg_arr *arr, const char *s, size_t n)
{
	if (!arr_room(arr, 4 + n))
		return;
	put_be32(arr->buf + arr->len, (uint32_t)n);
	if (n)
		memcpy(arr->buf + arr->len + 4, s, n);
	arr->len += 4 + n;
	arr->n++;
}

void yg_pg_arr_i64(struct yg_pg_arr *arr, int64_t v)
{
	if (!arr_room(arr, 12))
		return;
	char *p = arr->buf + arr->len;
	put_be32(p, 8);
	put_be32(p + 4, (uint32_t)((uint64_t)v >> 32));
	put_be32(p + 8, (uint32_t)(uint64_t)v);
	arr->len += 12;
	arr->n++;
}

void yg_pg_arr_release(struct yg_pg_arr *arr)
{
	free(arr->buf);
	arr->buf = NULL;
	arr->len = arr->cap = 0;
	arr->n = 0;
}

void yg_pg_array(struct yg_pg_args *a, struct yg_pg_arr *arr)
{
	int i = slot(a);
	if (i < 0)
		return;
	if (!arr_room(arr, 0)) {
		a->overflow = true;
		return;
	}
	/* An empty array is the header's first three words alone. */
	put_be32(arr->buf, arr->n ? 1 : 0);
	put_be32(arr->buf + 4, 0);
	put_be32(arr->buf + 8, arr->elem);
	put_be32(arr->buf + 12, (uint32_t)arr->n);
	put_be32(arr->buf + 16, 1);
	a->types[i] = arr->elem == OID_TEXT ? OID_TEXT_ARRAY : OID_INT8_ARRAY;
	a->vals[i] = arr->buf;
	a->lens[i] = arr->n ? (int)arr->len : 12;
	a->fmts[i] = 1;
}

/* Maps a failed result (or a lost connection) to a negative errno, as
 * store.h promises for both backends. */
static int err_of(PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!state || strlen(state) != 5)
		return -EIO;
	if (!strncmp(state, "23", 2)) /* integrity: unique, foreign key, check */
		return -EEXIST;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
	    !strcmp(state, "57014")) /* serialization, deadlock, lock, statement timeout */
		return -EBUSY;
	if (!strcmp(state, "53200")) /* out of memory */
		return -ENOMEM;
	if (!strcmp(state, "54000") || !strcmp(state, "22001")) /* too long */
		return -E2BIG;
	if (!strncmp(state, "28", 2) || !strcmp(state, "42501"))
		return -EACCES;
	if (!strncmp(state, "22", 2)) /* data exception: a value the type refuses */
		return -EINVAL;
	return -EIO;
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int exec_plain(struct yg_pg *s, const char *sql);

/* Notices (e.g. "relation already exists, skipping") are the server's
 * chatter; library code never prints. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* What every session needs, at open and again after a reconnection (a new
 * session starts from the server's defaults): UTC and UTF-8 whatever those
 * are; a statement waits for a lock at most as long as SQLite's busy
 * timeout (then -EBUSY). */
static int session_setup(struct yg_pg *s)
{
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	return exec_plain(s, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"
			     " SET lock_timeout = '10s'");
}

/*
 * A connection the server dropped (a restart, the primary lost and a
 * standby promoted) is remade between transactions: PQreset tries every
 * host of the conninfo again, so with several hosts and
 * target_session_attrs=read-write it finds the new primary. Never inside a
 * transaction: its statements died with the old session, and the caller
 * must learn that through the failed statement (then roll back). After a
 * failed attempt the next waits YG_PG_REVIVE_MS, so that a server that is
 * away costs each request one failed check, not one connection attempt.
 * A notification may have been missed meanwhile, so the handle counts one.
 */
#define YG_PG_REVIVE_MS 250

static bool revive(struct yg_pg *s)
{
	if (PQstatus(s->conn) == CONNECTION_OK || s->in_tx)
		return false;
	s->lost = true;
	int64_t now = mono_us();
	if (now < s->revive_after_us)
		return false;
	PQreset(s->conn);
	s->prepared = 0; /* they lived in the old session */
	if (PQstatus(s->conn) != CONNECTION_OK || session_setup(s) < 0) {
		s->revive_after_us = mono_us() + YG_PG_REVIVE_MS * 1000;
		return false;
	}
	s->revive_after_us = 0;
	s->listening = false;
	s->notes++;
	s->feed_notes++;
	return true;
}

/* Whether a failed statement may run again on a new session: a plain read
 * outside a transaction. A write whose answer was lost may have committed
 * (running it again could store it twice), and a statement of a
 * transaction died with it. */
static bool retry_safe(const struct yg_pg *s, const char *sql)
{
	while (*sql == ' ' || *sql == '\n')
		sql++;
	return !s->in_tx && !strncmp(sql, "SELECT ", 7) && !strstr(sql, "setval(") &&
	       !strstr(sql, "nextval(") && !strstr(sql, "pg_advisory") && !strstr(sql, "pg_notify");
}

static bool is_write(PGresult *res)
{
	const char *c = PQcmdStatus(res);
	return !strncmp(c, "INSERT", 6) || !strncmp(c, "UPDATE", 6) || !strncmp(c, "DELETE", 6);
}

/* A commit of this process: every handle's data_version moves at once. */
static void count_commit(void)
{
	atomic_fetch_add(&local_commits, 1);
}

static void notify_now(struct yg_pg *s)
{
	char note[64];
	snprintf(note, sizeof note, "NOTIFY " YG_PG_CHANNEL ", '%s'", proc_tag);
	PQclear(PQexec(s->conn, note));
	count_commit();
}

void yg_pg_wrote(struct yg_pg *s)
{
	if (s->in_tx)
		s->tx_wrote = true;
	else
		notify_now(s);
}

/* Names of the statements of enum yg_pg_stmt on the server. */
static const char *const stmt_names[YG_PG_STMT_N] = {
    [YG_PG_STMT_SIGHTINGS_PUT] = "yg_sightings_put",
};

static bool prepared(const struct yg_pg *s, int stmt)
{
	return stmt >= 0 && (s->prepared & (1u << stmt));
}

static PGresult *send_sql(struct yg_pg *s, int stmt, const char *sql, struct yg_pg_args *a)
{
	if (a && stmt >= 0) {
		if (!prepared(s, stmt)) {
			PGresult *p = PQprepare(s->conn, stmt_names[stmt], sql, a->n, a->types);
			if (!p || PQresultStatus(p) != PGRES_COMMAND_OK)
				return p; /* its failure is the statement's */
			PQclear(p);
			s->prepared |= 1u << stmt;
		}
		return PQexecPrepared(s->conn, stmt_names[stmt], a->n, a->vals, a->lens, a->fmts,
		                      0);
	}
	if (a)
		return PQexecParams(s->conn, sql, a->n, a->types, a->vals, a->lens, a->fmts, 0);
	/* no values: fixed text, maybe several statements (migrations) */
	return PQexec(s->conn, sql);
}

static PGresult *send_first(struct yg_pg *s, int stmt, const char *sql, struct yg_pg_args *a);

/* yg_pg_run, through the prepared statement stmt when stmt >= 0. */
static int run(struct yg_pg *s, int stmt, const char *sql, struct yg_pg_args *a, PGresult **ret)
{
	if (a && a->overflow)
		return -E2BIG;
	if (s->begin_pending) {
		PGresult *first = send_first(s, stmt, sql, a);
		ExecStatusType fs0 = first ? PQresultStatus(first) : PGRES_FATAL_ERROR;
		if (fs0 != PGRES_COMMAND_OK && fs0 != PGRES_TUPLES_OK &&
		    PQstatus(s->conn) != CONNECTION_OK) {
			/* The session died under the transaction's first
			 * statement: nothing of it can have committed, so a new
			 * session runs it all again (as begin_write did). */
			PQclear(first);
			first = NULL;
			s->in_tx = false;
			bool again = revive(s);
			s->in_tx = true;
			if (again) {
				s->begin_pending = true;
				first = send_first(s, stmt, sql, a);
			}
		}
		if (!first)
			return PQstatus(s->conn) != CONNECTION_OK ? -ENOTCONN : -ENOMEM;
		ExecStatusType fs = PQresultStatus(first);
		if (fs != PGRES_COMMAND_OK && fs != PGRES_TUPLES_OK) {
			int r = PQstatus(s->conn) != CONNECTION_OK ? -ENOTCONN : err_of(first);
			PQclear(first);
			return r;
		}
		if (is_write(first))
			yg_pg_wrote(s);
		if (ret)
			*ret = first;
		else
			PQclear(first);
		return 0;
	}
	/* A connection known to be broken (libpq returns no result without
	 * sending) is remade first: nothing was sent, any statement may go. */
	PGresult *res = send_sql(s, stmt, sql, a);
	if (!res && revive(s))
		res = send_sql(s, stmt, sql, a);
	if (!res)
		return PQstatus(s->conn) != CONNECTION_OK ? -ENOTCONN : -ENOMEM;
	ExecStatusType st = PQresultStatus(res);
	/* The connection broke under the statement: a read runs again on a
	 * new session, anything else fails (retry_safe says why). */
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && PQstatus(s->conn) != CONNECTION_OK &&
	    retry_safe(s, sql) && revive(s)) {
		PQclear(res);
		res = send_sql(s, stmt, sql, a);
		if (!res)
			return -ENOTCONN;
		st = PQresultStatus(res);
	}
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int r = err_of(res);
		PQclear(res);
		if (PQstatus(s->conn) != CONNECTION_OK) {
			revive(s);
			r = -ENOTCONN;
		}
		return r;
	}
	/* A write in autocommit mode committed: tell the others now. */
	if (is_write(res))
		yg_pg_wrote(s);
	if (ret)
		*ret = res;
	else
		PQclear(res);
	return 0;
}

int yg_pg_run(struct yg_pg *s, const char *sql, struct yg_pg_args *a, PGresult **ret)
{
	return run(s, -1, sql, a, ret);
}

int yg_pg_run_prepared(struct yg_pg *s, enum yg_pg_stmt stmt, const char *sql, struct yg_pg_args *a,
                       PGresult **ret)
{
	if (!a || (int)stmt < 0 || stmt >= YG_PG_STMT_N)
		return -EINVAL;
	return run(s, (int)stmt, sql, a, ret);
}

int yg_pg_run_one(struct yg_pg *s, const char *sql, struct yg_pg_args *a)
{
	PGresult *res = NULL;
	int r = yg_pg_run(s, sql, a, &res);
	if (r < 0)
		return r;
	const char *n = PQcmdTuples(res);
	if (!*n || !strcmp(n, "0"))
		r = -ENOENT;
	PQclear(res);
	return r;
}

int yg_pg_row(struct yg_pg *s, const char *sql, struct yg_pg_args *a, PGresult **ret)
{
	PGresult *res = NULL;
	int r = yg_pg_run(s, sql, a, &res);
	if (r < 0)
		return r;
	if (PQntuples(res) < 1) {
		PQclear(res);
		return -ENOENT;
	}
	*ret = res;
	return 0;
}

int yg_pg_int(struct yg_pg *s, const char *sql, struct yg_pg_args *a, int64_t *ret)
{
	PGresult *res = NULL;
	int r = yg_pg_row(s, sql, a, &res);
	if (r < 0)
		return r;
	*ret = yg_pg_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

int64_t yg_pg_get_i64(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

double yg_pg_get_f64(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtod(PQgetvalue(res, row, col), NULL);
}

bool yg_pg_get_bool(const PGresult *res, int row, int col)
{
	const char *v = PQgetvalue(res, row, col);
	/* Integers 0/1, or a boolean expression's t/f. */
	return !PQgetisnull(res, row, col) && strcmp(v, "0") != 0 && strcmp(v, "f") != 0;
}

const char *yg_pg_get_str(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
}

void yg_pg_get_text(const PGresult *res, int row, int col, char *dst, size_t n)
{
	const char *t = yg_pg_get_str(res, row, col);
	size_t len = (size_t)PQgetlength(res, row, col);
	if (len >= n)
		len = n - 1;
	memcpy(dst, t, len);
	dst[len] = '\0';
}

/* BEGIN and the write lock in one round trip; both are constants. */
#define BEGIN_WRITE_SQL(lock) "BEGIN; SELECT pg_advisory_xact_lock(" #lock ")"
#define BEGIN_WRITE BEGIN_WRITE_SQL(34186495113208151)
#define LOCK_TEXT "34186495113208151"

_Static_assert(YG_PG_WRITE_LOCK == 34186495113208151LL, "BEGIN_WRITE names YG_PG_WRITE_LOCK");

static int exec_plain(struct yg_pg *s, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int r = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : err_of(res);
	PQclear(res);
	if (r < 0 && PQstatus(s->conn) != CONNECTION_OK)
		r = -ENOTCONN;
	return r;
}

/*
 * The first statement of a transaction that tx_begin opened: BEGIN, the
 * write lock and the statement in one pipeline, one round trip where there
 * were two (the lock's holder is what every other writer waits for). The
 * statement's result, or the first failure's (the statement is then
 * aborted); NULL when nothing could be sent. The transaction stays open
 * either way: the caller commits or rolls back as after any statement.
 */
static PGresult *send_first(struct yg_pg *s, int stmt, const char *sql, struct yg_pg_args *a)
{
	s->begin_pending = false;
	if (!a) {
		/* Fixed text, maybe several statements: not for a pipeline. */
		int r = exec_plain(s, BEGIN_WRITE);
		return r < 0 ? NULL : PQexec(s->conn, sql);
	}
	if (!PQenterPipelineMode(s->conn))
		return NULL;
	/* A statement of enum yg_pg_stmt not prepared on this session yet is
	 * prepared in the same pipeline. */
	bool prep = stmt >= 0 && !prepared(s, stmt);
	int n_q = prep ? 4 : 3;
	bool sent = PQsendQueryParams(s->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) &&
	            PQsendQueryParams(s->conn, "SELECT pg_advisory_xact_lock(" LOCK_TEXT ")", 0,
	                              NULL, NULL, NULL, NULL, 0) &&
	            (!prep || PQsendPrepare(s->conn, stmt_names[stmt], sql, a->n, a->types)) &&
	            (stmt >= 0 ? PQsendQueryPrepared(s->conn, stmt_names[stmt], a->n, a->vals,
	                                             a->lens, a->fmts, 0)
	                       : PQsendQueryParams(s->conn, sql, a->n, a->types, a->vals, a->lens,
	                                           a->fmts, 0));
	PGresult *out = NULL;
	bool prep_ok = false;
	if (PQpipelineSync(s->conn)) {
		for (int q = 0; q < n_q; q++) {
			PGresult *res;
			while ((res = PQgetResult(s->conn))) {
				ExecStatusType st = PQresultStatus(res);
				bool bad = st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
				/* A prepared statement outlives a rollback: it
				 * belongs to the session, not the transaction. */
				if (prep && q == 2 && !bad)
					prep_ok = true;
				/* The first failure, else the statement's own. */
				if (!out && (bad ? st != PGRES_PIPELINE_ABORTED : q == n_q - 1)) {
					out = res;
					continue;
				}
				PQclear(res);
			}
		}
		PQclear(PQgetResult(s->conn)); /* the sync */
	}
	if (prep_ok)
		s->prepared |= 1u << stmt;
	if (!PQexitPipelineMode(s->conn) || !sent) {
		PQclear(out);
		out = NULL;
	}
	return out;
}

static int begin_write(struct yg_pg *s)
{
	int r = exec_plain(s, BEGIN_WRITE);
	if (r < 0 && PQstatus(s->conn) != CONNECTION_OK && revive(s))
		r = exec_plain(s, BEGIN_WRITE);
	if (r < 0) {
		PQclear(PQexec(s->conn, "ROLLBACK"));
		return r;
	}
	s->in_tx = true;
	s->tx_wrote = false;
	return 0;
}

static void audit_drop(struct yg_pg *s)
{
	for (size_t i = 0; i < s->n_held; i++) {
		free(s->held[i].actor);
		free(s->held[i].action);
		free(s->held[i].detail);
	}
	s->n_held = 0;
}

#define AUDIT_SQL                                                                                  \
	"INSERT INTO audit_log(time_us, org_id, actor, action, detail) VALUES ($1, $2, $3, $4, $5)"

static void audit_args(struct yg_pg_args *a, int64_t time_us, int64_t org_id, const char *actor,
		       const char *action, const char *detail)
{
	yg_pg_args_init(a);
	yg_pg_i64(a, time_us);
	yg_pg_i64_or_null(a, org_id);
	yg_pg_txt(a, actor ? actor : "");
	yg_pg_txt(a, action ? action : "");
	yg_pg_txt(a, detail ? detail : "");
}

/* The results of n pipelined statements and of their sync: 0, or the
 * first failure's error (a statement after a failed one is aborted). */
static int pipeline_results(struct yg_pg *s, int n)
{
	int r = 0;
	for (int q = 0; q < n; q++) {
		PGresult *res;
		while ((res = PQgetResult(s->conn))) {
			ExecStatusType st = PQresultStatus(res);
			if (r == 0 && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
				r = st == PGRES_PIPELINE_ABORTED ? -EIO : err_of(res);
			PQclear(res);
		}
	}
	PGresult *sync = PQgetResult(s->conn);
	if (r == 0 && PQresultStatus(sync) != PGRES_PIPELINE_SYNC)
		r = -EIO;
	PQclear(sync);
	return r;
}

/*
 * COMMIT with the held audit rows: the INSERTs, NOTIFY and COMMIT in one
 * pipeline, one round trip where they were two or more. The write lock is
 * held until the commit, so every round trip saved here is one that no
 * other writer waits for.
 */
static int commit_pipelined(struct yg_pg *s)
{
	struct yg_pg_args a;
	char note[64];
	snprintf(note, sizeof note, "NOTIFY " YG_PG_CHANNEL ", '%s'", proc_tag);
	int r = -EIO;
	if (PQenterPipelineMode(s->conn)) {
		/* libpq copies each statement's parameters as it is sent. */
		int sent = 0;
		bool ok = true;
		for (size_t i = 0; ok && i < s->n_held; i++) {
			const struct yg_pg_audit *h = &s->held[i];
			audit_args(&a, h->time_us, h->org, h->actor, h->action, h->detail);
			ok = PQsendQueryParams(s->conn, AUDIT_SQL, a.n, a.types, a.vals, a.lens,
			                       a.fmts, 0);
			sent += ok;
		}
		const char *const tail[] = {note, "COMMIT"};
		for (size_t i = 0; ok && i < 2; i++) {
			ok = PQsendQueryParams(s->conn, tail[i], 0, NULL, NULL, NULL, NULL, 0);
			sent += ok;
		}
		/* What was sent is answered up to the sync, even after a
		 * failed send: pipeline mode is left only with nothing owed. */
		if (PQpipelineSync(s->conn))
			r = pipeline_results(s, sent);
		if (!ok && r == 0)
			r = -EIO;
		if (!PQexitPipelineMode(s->conn))
			r = r < 0 ? r : -EIO;
	}
	if (r < 0 && PQstatus(s->conn) != CONNECTION_OK)
		r = -ENOTCONN;
	audit_drop(s);
	return r;
}

static int commit(struct yg_pg *s)
{
	int r;
	if (s->begin_pending) {
		/* Nothing was sent: there is no transaction to end. */
		s->begin_pending = false;
		r = 0;
	} else if (s->n_held) {
		r = commit_pipelined(s);
	} else if (s->tx_wrote) {
		char sql[96];
		snprintf(sql, sizeof sql, "NOTIFY " YG_PG_CHANNEL ", '%s'; COMMIT", proc_tag);
		r = exec_plain(s, sql);
	} else {
		r = exec_plain(s, "COMMIT");
	}
	/* A COMMIT that failed ended the transaction all the same. */
	if (r < 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		PQclear(PQexec(s->conn, "ROLLBACK"));
	if (r == 0 && s->tx_wrote)
		count_commit();
	s->in_tx = false;
	s->tx_wrote = false;
	return r;
}

static int rollback(struct yg_pg *s)
{
	audit_drop(s);
	int r = s->begin_pending ? 0 : exec_plain(s, "ROLLBACK");
	s->begin_pending = false;
	s->in_tx = false;
	s->tx_wrote = false;
	return r;
}

int yg_pg_write_begin(struct yg_pg *s, bool *ret_own)
{
	*ret_own = !s->in_tx;
	return s->in_tx ? 0 : begin_write(s);
}

int yg_pg_write_end(struct yg_pg *s, bool own, int r)
{
	if (!own)
		return r;
	if (r < 0) {
		rollback(s);
		return r;
	}
	int c = commit(s);
	return c < 0 ? c : r;
}

/* BEGIN and the lock wait for the first statement (send_first) on a
 * connection that is up; one that is down is remade or fails here. */
static int pg_tx_begin(struct yg_store *st)
{
	struct yg_pg *s = yg_pg(st);
	if (s->in_tx)
		return -EINVAL;
	if (PQstatus(s->conn) != CONNECTION_OK)
		return begin_write(s);
	s->in_tx = true;
	s->tx_wrote = false;
	s->begin_pending = true;
	return 0;
}

static int pg_tx_commit(struct yg_store *st)
{
	struct yg_pg *s = yg_pg(st);
	return s->in_tx ? commit(s) : -EINVAL;
}

static int pg_tx_rollback(struct yg_store *st)
{
	struct yg_pg *s = yg_pg(st);
	return s->in_tx ? rollback(s) : -EINVAL;
}

static void pg_close(struct yg_store *st)
{
	struct yg_pg *s = yg_pg(st);
	audit_drop(s);
	PQfinish(s->conn);
	free(s);
}

static int pg_setting_get(struct yg_store *st, const char *key, char **ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, key);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT value FROM settings WHERE key = $1", &a, &res);
	if (r < 0)
		return r;
	char *dup = strdup(yg_pg_get_str(res, 0, 0));
	PQclear(res);
	if (!dup)
		return -ENOMEM;
	*ret = dup;
	return 0;
}

static int pg_setting_set(struct yg_store *st, const char *key, const char *value)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, key);
	yg_pg_txt(&a, value);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO settings(key, value) VALUES ($1, $2)"
			 " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			 &a, NULL);
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= max;
}

static int pg_org_add(struct yg_store *st, const char *name, const char *sector,
		      const char *country, const char *identity_id, int64_t *ret_id)
{
	if (!name_ok(name, YG_STORE_NAME_MAX) || !name_ok(sector, YG_STORE_SECTOR_MAX) ||
	    !name_ok(identity_id, 63) || (country && strlen(country) > 2))
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	yg_pg_txt(&a, sector);
	yg_pg_txt(&a, country ? country : "");
	yg_pg_txt(&a, identity_id);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r = yg_pg_int(yg_pg(st),
			  "INSERT INTO organizations(name, sector, country, identity_id, created_us)"
			  " VALUES ($1, $2, $3, $4, $5) RETURNING id",
			  &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

#define ORG_COLS "id, name, sector, country, identity_id, created_us"

static void org_from_row(const PGresult *res, int i, struct yg_org *o)
{
	o->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, o->name, sizeof o->name);
	yg_pg_get_text(res, i, 2, o->sector, sizeof o->sector);
	yg_pg_get_text(res, i, 3, o->country, sizeof o->country);
	yg_pg_get_text(res, i, 4, o->identity_id, sizeof o->identity_id);
	o->created_us = yg_pg_get_i64(res, i, 5);
}

static int one_org(struct yg_store *st, const char *sql, struct yg_pg_args *a,
		   struct yg_org *ret)
{
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), sql, a, &res);
	if (r < 0)
		return r;
	org_from_row(res, 0, ret);
	PQclear(res);
	return 0;
}

static int pg_org_find(struct yg_store *st, const char *key, struct yg_org *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, key);
	return one_org(st,
		       "SELECT " ORG_COLS " FROM organizations WHERE name = $1 OR identity_id = $1"
		       " ORDER BY id LIMIT 1",
		       &a, ret);
}

static int pg_org_get(struct yg_store *st, int64_t id, struct yg_org *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	return one_org(st, "SELECT " ORG_COLS " FROM organizations WHERE id = $1", &a, ret);
}

static int pg_org_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_org *o), void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT " ORG_COLS " FROM organizations ORDER BY name", NULL,
			  &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_org o;
		org_from_row(res, i, &o);
		r = fn(ud, &o);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

#define TOKEN_COLS "id, public_id, org_id, role, (revoked_us IS NOT NULL)::int, created_us"

static void token_from_row(const PGresult *res, int i, struct yg_token *t)
{
	t->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, t->public_id, sizeof t->public_id);
	t->org_id = yg_pg_get_i64(res, i, 2);
	t->role = (enum yg_role)yg_pg_get_i64(res, i, 3);
	t->revoked = yg_pg_get_bool(res, i, 4);
	t->created_us = yg_pg_get_i64(res, i, 5);
}

static bool role_valid(enum yg_role role)
{
	return role == YG_ROLE_ADMIN || role == YG_ROLE_ANALYST || role == YG_ROLE_SENSOR ||
	       role == YG_ROLE_READER || role == YG_ROLE_PEER;
}

static int pg_token_add(struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
			const char *public_id, int64_t org_id, enum yg_role role, int64_t *ret_id)
{
	if (!role_valid(role) || !name_ok(public_id, YG_TOKEN_PUBID_LEN))
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_bytes(&a, hash, YG_TOKEN_HASH_LEN);
	yg_pg_txt(&a, public_id);
	yg_pg_i64(&a, org_id);
	yg_pg_i64(&a, (int64_t)role);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r = yg_pg_int(yg_pg(st),
			  "INSERT INTO tokens(hash, public_id, org_id, role, created_us)"
			  " VALUES ($1, $2, $3, $4, $5) RETURNING id",
			  &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

static int pg_token_lookup(struct yg_store *st, const uint8_t hash[YG_TOKEN_HASH_LEN],
			   struct yg_token *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_bytes(&a, hash, YG_TOKEN_HASH_LEN);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT " TOKEN_COLS " FROM tokens WHERE hash = $1", &a, &res);
	if (r < 0)
		return r;
	token_from_row(res, 0, ret);
	PQclear(res);
	return 0;
}

static int pg_token_revoke(struct yg_store *st, const uint8_t *hash, const char *id_prefix,
			   struct yg_token *ret)
{
	struct yg_pg *s = yg_pg(st);
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	const char *sql;
	if (hash) {
		yg_pg_bytes(&a, hash, YG_TOKEN_HASH_LEN);
		sql = "SELECT " TOKEN_COLS " FROM tokens WHERE hash = $1";
	} else {
		if (!name_ok(id_prefix, YG_TOKEN_PUBID_LEN))
			return -EINVAL;
		yg_pg_txt(&a, id_prefix);
		/* substr() rather than LIKE: the prefix is data, never a pattern. */
		sql = "SELECT " TOKEN_COLS " FROM tokens"
		      " WHERE substr(public_id, 1, length($1)) = $1 ORDER BY id LIMIT 2";
	}
	PGresult *res = NULL;
	int r = yg_pg_row(s, sql, &a, &res);
	if (r < 0)
		return r;
	if (PQntuples(res) > 1) {
		PQclear(res);
		return -EEXIST;
	}
	struct yg_token t;
	token_from_row(res, 0, &t);
	PQclear(res);
	yg_pg_args_init(&a);
	yg_pg_i64(&a, t.id);
	yg_pg_i64(&a, yg_pg_now_us());
	r = yg_pg_run(s, "UPDATE tokens SET revoked_us = $2 WHERE id = $1 AND revoked_us IS NULL",
		      &a, NULL);
	if (r == 0) {
		t.revoked = true;
		if (ret)
			*ret = t;
	}
	return r;
}

static int pg_token_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_token *t),
			 void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT " TOKEN_COLS " FROM tokens ORDER BY id", NULL, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_token t;
		token_from_row(res, i, &t);
		r = fn(ud, &t);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int pg_group_add(struct yg_store *st, const char *name, int64_t owner_org,
			const int64_t *members, size_t n_members, int64_t *ret_id)
{
	struct yg_pg *s = yg_pg(st);
	if (!name_ok(name, YG_STORE_NAME_MAX) || n_members > YG_STORE_LIST_MAX)
		return -EINVAL;
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	yg_pg_i64(&a, owner_org);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t gid = 0;
	r = yg_pg_int(s,
		      "INSERT INTO sharing_groups(name, owner_org, created_us) VALUES ($1, $2, $3)"
		      " RETURNING id",
		      &a, &gid);
	/* The owner is always a member: it shares with the group it made. */
	for (size_t i = 0; r == 0 && i <= n_members; i++) {
		yg_pg_args_init(&a);
		yg_pg_i64(&a, gid);
		yg_pg_i64(&a, i < n_members ? members[i] : owner_org);
		r = yg_pg_run(s,
			      "INSERT INTO group_members(group_id, org_id) VALUES ($1, $2)"
			      " ON CONFLICT DO NOTHING",
			      &a, NULL);
	}
	r = yg_pg_write_end(s, own, r);
	if (r == 0 && ret_id)
		*ret_id = gid;
	return r;
}

static int pg_group_find(struct yg_store *st, const char *name, struct yg_group *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, name);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT id, name, owner_org FROM sharing_groups WHERE name = $1",
			  &a, &res);
	if (r < 0)
		return r;
	ret->id = yg_pg_get_i64(res, 0, 0);
	yg_pg_get_text(res, 0, 1, ret->name, sizeof ret->name);
	ret->owner_org = yg_pg_get_i64(res, 0, 2);
	PQclear(res);
	return 0;
}

static int pg_group_has_member(struct yg_store *st, int64_t group_id, int64_t org_id, bool *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, group_id);
	yg_pg_i64(&a, org_id);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT 1 FROM group_members WHERE group_id = $1 AND org_id = $2",
			  &a, &res);
	if (r < 0)
		return r;
	*ret = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

/* Inside a transaction the row is held and sent with the COMMIT
 * (commit_pipelined); past YG_PG_AUDIT_HELD_MAX rows the held ones are
 * sent first. */
static int pg_audit(struct yg_store *st, int64_t org_id, const char *actor, const char *action,
		    const char *detail)
{
	struct yg_pg *s = yg_pg(st);
	struct yg_pg_args a;
	/* A transaction not begun yet on the server begins with this row. */
	if (!s->in_tx || s->begin_pending) {
		audit_args(&a, yg_pg_now_us(), org_id, actor, action, detail);
		return yg_pg_run(s, AUDIT_SQL, &a, NULL);
	}
	if (s->n_held == YG_PG_AUDIT_HELD_MAX) {
		/* Full: the held rows go first, one statement each. */
		int r = 0;
		for (size_t i = 0; r == 0 && i < s->n_held; i++) {
			const struct yg_pg_audit *h = &s->held[i];
			audit_args(&a, h->time_us, h->org, h->actor, h->action, h->detail);
			r = yg_pg_run(s, AUDIT_SQL, &a, NULL);
		}
		audit_drop(s);
		if (r < 0)
			return r;
	}
	struct yg_pg_audit *h = &s->held[s->n_held];
	*h = (struct yg_pg_audit){.time_us = yg_pg_now_us(),
	                          .org = org_id,
	                          .actor = strdup(actor ? actor : ""),
	                          .action = strdup(action ? action : ""),
	                          .detail = strdup(detail ? detail : "")};
	/* Counted first, so that audit_drop frees whatever was copied. */
	s->n_held++;
	if (!h->actor || !h->action || !h->detail) {
		audit_drop(s);
		return -ENOMEM;
	}
	s->tx_wrote = true;
	return 0;
}

static int pg_audit_count(struct yg_store *st, int64_t *ret)
{
	return yg_pg_int(yg_pg(st), "SELECT count(*) FROM audit_log", NULL, ret);
}

/* Other processes' commits arrive as notifications: LISTEN from the first
 * call, then drain what the socket holds without waiting (the hub polls
 * this every tick). Notifications of this process are counted in
 * local_commits already. */
static int drain_notes(struct yg_pg *s)
{
	if (s->in_tx)
		return -EINVAL;
	if (PQstatus(s->conn) != CONNECTION_OK && !revive(s))
		return -EIO;
	if (!s->listening) {
		int r = exec_plain(s, "LISTEN " YG_PG_CHANNEL "; LISTEN " YG_PG_FEED_CHANNEL);
		if (r < 0)
			return r;
		s->listening = true;
	}
	if (!PQconsumeInput(s->conn)) {
		if (!revive(s))
			return -EIO;
	}
	PGnotify *n;
	while ((n = PQnotifies(s->conn))) {
		if (!strcmp(n->relname, YG_PG_FEED_CHANNEL))
			s->feed_notes++;
		else if (strcmp(n->extra, proc_tag) != 0)
			s->notes++;
		PQfreemem(n);
	}
	return 0;
}

static int pg_data_version(struct yg_store *st, uint64_t *ret)
{
	struct yg_pg *s = yg_pg(st);
	int r = drain_notes(s);
	if (r == 0)
		*ret = s->notes + atomic_load(&local_commits);
	return r;
}

/* The feed channel counts this process's commits too: they come back
 * from the server like everyone's (the triggers cannot tell which
 * process they run for), a round trip after the commit. */
static int pg_feed_version(struct yg_store *st, uint64_t *ret)
{
	struct yg_pg *s = yg_pg(st);
	int r = drain_notes(s);
	if (r == 0)
		*ret = s->feed_notes;
	return r;
}

/* Delivered at the commit, or never if it rolls back. */
static int pg_feed_bump(struct yg_store *st)
{
	return yg_pg_run(yg_pg(st), "SELECT pg_notify('" YG_PG_FEED_CHANNEL "', '')", NULL, NULL);
}

/* libpq's reason for the last failure, without the server's address:
 * the words after the last "failed: " of its message ("Connection
 * refused", "server is in hot standby mode", ...), up to the line's end. */
static void reason(PGconn *c, char *why, size_t wn)
{
	const char *m = PQerrorMessage(c), *p = m, *f;
	while ((f = strstr(p, "failed: ")))
		p = f + 8;
	if (p == m)
		p = *m ? m : "no connection";
	/* The server's "FATAL:  the database system is shutting down". */
	if (!strncmp(p, "FATAL:", 6))
		p += 6 + strspn(p + 6, " ");
	size_t n = strcspn(p, "\r\n");
	snprintf(why, wn, "%.*s", (int)n, p);
}

static int pg_ping(struct yg_store *st, char *why, size_t wn)
{
	struct yg_pg *s = yg_pg(st);
	if (s->in_tx)
		return -EINVAL;
	int r = -ENOTCONN;
	if (PQstatus(s->conn) == CONNECTION_OK || revive(s)) {
		r = exec_plain(s, "SELECT 1");
		if (r < 0 && revive(s))
			r = exec_plain(s, "SELECT 1");
	}
	bool lost = s->lost;
	s->lost = false;
	if (r < 0) {
		s->lost = PQstatus(s->conn) != CONNECTION_OK;
		reason(s->conn, why, wn);
		return r == -ENOTCONN ? r : -EIO;
	}
	snprintf(why, wn, "%s", lost ? "the connection was lost and made again" : "");
	return lost ? -ECONNRESET : 0;
}

static const struct yg_store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.tx_begin = pg_tx_begin,
	.tx_commit = pg_tx_commit,
	.tx_rollback = pg_tx_rollback,
	.setting_get = pg_setting_get,
	.setting_set = pg_setting_set,
	.org_add = pg_org_add,
	.org_find = pg_org_find,
	.org_get = pg_org_get,
	.org_list = pg_org_list,
	.token_add = pg_token_add,
	.token_lookup = pg_token_lookup,
	.token_revoke = pg_token_revoke,
	.token_list = pg_token_list,
	.group_add = pg_group_add,
	.group_find = pg_group_find,
	.group_has_member = pg_group_has_member,
	.collection_add = yg_pg_collection_add,
	.collection_get = yg_pg_collection_get,
	.collection_list = yg_pg_collection_list,
	.collection_set_access = yg_pg_collection_set_access,
	.collection_grant = yg_pg_collection_grant,
	.collection_org_access = yg_pg_collection_org_access,
	.collection_grants = yg_pg_collection_grants,
	.obj_put = yg_pg_obj_put,
	.obj_query = yg_pg_obj_query,
	.obj_delete = yg_pg_obj_delete,
	.obj_count = yg_pg_obj_count,
	.status_put = yg_pg_status_put,
	.status_get = yg_pg_status_get,
	.audit = pg_audit,
	.audit_count = pg_audit_count,
	.data_version = pg_data_version,
	.feed_version = pg_feed_version,
	.feed_bump = pg_feed_bump,
	.ping = pg_ping,
	.mail = &yg_pg_mail_ops,
	.sightings = &yg_pg_sighting_ops,
	.darknet = &yg_pg_darknet_ops,
	.level = &yg_pg_level_ops,
	.hosts = &yg_pg_host_ops,
	.feeds = &yg_pg_feed_ops,
	.dash = &yg_pg_dash_ops,
	.certs = &yg_pg_cert_ops,
};

/* PQconnectdb with a connect_timeout of YG_PG_CONNECT_TIMEOUT seconds
 * unless conninfo names its own (libpq's default waits as long as TCP
 * does, minutes for a host that is gone, and every PQreset would too). */
#define YG_PG_CONNECT_TIMEOUT "5"

static PGconn *connect_db(const char *conninfo)
{
	/* Keywords of the expanded conninfo override the earlier ones. */
	const char *const keys[] = {"connect_timeout", "dbname", NULL};
	const char *const vals[] = {YG_PG_CONNECT_TIMEOUT, conninfo, NULL};
	return PQconnectdbParams(keys, vals, 1);
}

int yg_store_pg_open(const char *conninfo, struct yg_store **ret)
{
	if (!conninfo || !*conninfo)
		return -EINVAL;
	pthread_once(&tag_once, make_tag);
	struct yg_pg *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->base.ops = &pg_ops;
	int r = 0;
	s->conn = connect_db(conninfo);
	if (!s->conn) {
		r = -ENOMEM;
		goto out;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		r = -ECONNREFUSED;
		goto out;
	}
	r = session_setup(s);
	if (r < 0)
		goto out;
	r = yg_pg_schema_migrate(s);
out:
	if (r < 0) {
		pg_close(&s->base);
		return r;
	}
	*ret = &s->base;
	return 0;
}

int yg_store_pg_error(const char *conninfo, char *buf, size_t n)
{
	PGconn *c = connect_db(conninfo ? conninfo : "");
	if (!c)
		return -ENOMEM;
	int r = PQstatus(c) == CONNECTION_OK ? 0 : -ECONNREFUSED;
	snprintf(buf, n, "%s", r == 0 ? "" : PQerrorMessage(c));
	/* libpq's message ends with a newline. */
	size_t len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	PQfinish(c);
	return r;
}

int yg_store_pg_schema_version(struct yg_store *st, int *ret)
{
	return yg_pg_schema_version(yg_pg(st), ret);
}
