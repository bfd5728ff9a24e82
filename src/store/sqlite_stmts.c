/*
 * The SQLite backend's statement cache behind yg_sq_prep: every statement
 * a store call needs is compiled once per connection and handed out again
 * afterwards, since parsing and planning the SQL cost more than running it
 * (a third of a hub request in profiles).
 *
 * Keyed by the SQL text (its contents, not its address: some callers build
 * the text in a buffer). A statement is handed out to one caller at a time;
 * asking for the same text while it is out (a nested query) gets a fresh
 * statement that yg_sq_fin finalizes. The table is open addressing over
 * YG_SQ_STMT_SLOTS slots filled to three quarters at most; when full it is
 * flushed, which also bounds what texts built from the input can hold.
 *
 * Not thread-safe, like the connection it belongs to (SQLITE_OPEN_NOMUTEX:
 * one thread uses a connection at a time).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite-int.h"

#define FILL_MAX (YG_SQ_STMT_SLOTS / 4 * 3)

/* The text's length and four 8-byte words from each end (overlapping on
 * a short text), with a finalizer that brings every bit down to the
 * slot's: SQLite texts differ in length or at an end, and a collision
 * only costs the strcmp that settles it. Hashing all of it cost as much
 * as the lookup saved per call under the fuzzers' instrumentation, and
 * hashing the ends byte by byte was most of yg_sq_prep's own time once
 * every statement came through it. */
static uint64_t word_at(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

static uint32_t text_hash(const char *sql)
{
	size_t n = strlen(sql);
	uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15u;
	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			h = (h ^ (uint8_t)sql[i]) * 0x100000001b3u;
	} else {
		for (size_t k = 0; k < 32 && k <= n - 8; k += 8) {
			h = (h ^ word_at(sql + k)) * 0x100000001b3u;
			h = (h ^ word_at(sql + n - 8 - k)) * 0x100000001b3u;
		}
	}
	h ^= h >> 33; /* MurmurHash3's fmix64 */
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return (uint32_t)h;
}

static unsigned stmt_hash(const sqlite3_stmt *stmt)
{
	return (unsigned)(((uintptr_t)stmt >> 4) * 2654435761u);
}

/* The slot holding stmt, or -1 when it is not cached (a fresh one). */
static int slot_of(const struct yg_sqlite *s, const sqlite3_stmt *stmt)
{
	unsigned mask = YG_SQ_STMT_SLOTS - 1;
	for (unsigned i = stmt_hash(stmt) & mask, n = 0; n < YG_SQ_STMT_SLOTS && s->by_stmt[i];
	     i = (i + 1) & mask, n++) {
		unsigned slot = s->by_stmt[i] - 1u;
		if (s->stmts[slot].sql && s->stmts[slot].stmt == stmt)
			return (int)slot;
	}
	return -1;
}

void yg_sq_stmts_flush(struct yg_sqlite *s)
{
	/* A statement out with a caller stays valid: no longer in the table,
	 * yg_sq_fin finalizes it when it comes back. */
	for (unsigned i = 0; i < YG_SQ_STMT_SLOTS; i++) {
		if (!s->stmts[i].sql)
			continue;
		if (!s->stmts[i].busy)
			sqlite3_finalize(s->stmts[i].stmt);
		free(s->stmts[i].sql);
		s->stmts[i].sql = NULL;
		s->stmts[i].stmt = NULL;
		s->stmts[i].busy = false;
	}
	memset(s->by_stmt, 0, sizeof s->by_stmt);
	s->n_stmts = 0;
}

int yg_sq_prep_fresh(struct yg_sqlite *s, const char *sql, sqlite3_stmt **ret)
{
	return yg_sq_err(sqlite3_prepare_v2(s->db, sql, -1, ret, NULL));
}

int yg_sq_prep(struct yg_sqlite *s, const char *sql, sqlite3_stmt **ret)
{
	unsigned mask = YG_SQ_STMT_SLOTS - 1;
	uint32_t h = text_hash(sql);
	unsigned i = h & mask;
	for (; s->stmts[i].sql; i = (i + 1) & mask) {
		if (strcmp(s->stmts[i].sql, sql) != 0)
			continue;
		if (s->stmts[i].busy)
			return yg_sq_prep_fresh(s, sql, ret);
		s->stmts[i].busy = true;
		*ret = s->stmts[i].stmt;
		return 0;
	}
	if (s->n_stmts >= FILL_MAX) {
		yg_sq_stmts_flush(s);
		i = h & mask;
	}
	char *copy = strdup(sql);
	if (!copy)
		return -ENOMEM;
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_err(sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL));
	if (r < 0 || !stmt) { /* no statement in the text: nothing to keep */
		free(copy);
		*ret = stmt;
		return r;
	}
	s->stmts[i].sql = copy;
	s->stmts[i].stmt = stmt;
	s->stmts[i].busy = true;
	s->n_stmts++;
	unsigned j = stmt_hash(stmt) & mask;
	while (s->by_stmt[j])
		j = (j + 1) & mask;
	s->by_stmt[j] = (uint16_t)(i + 1);
	*ret = stmt;
	return 0;
}

void yg_sq_fin(struct yg_sqlite *s, sqlite3_stmt *stmt)
{
	if (!stmt)
		return;
	int i = slot_of(s, stmt);
	if (i < 0) {
		sqlite3_finalize(stmt);
		return;
	}
	/* Reset now, not at the next hand-out: a stepped statement holds its
	 * read transaction open, and a bound text or blob may point into the
	 * caller's memory. */
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	s->stmts[i].busy = false;
}
