/*
 * SQLite backend, client-certificate bindings (store_certs.h). Like the
 * tokens of sqlite.c: one row per fingerprint, revoked by a time stamp,
 * found by a prefix with substr() (never LIKE: the prefix is data).
 */
#include <errno.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_certs.h"

#define COLS                                                                                       \
	"id, fingerprint, org_id, role, subject, not_after_us, revoked_us IS NOT NULL, created_us"

static void from_row(sqlite3_stmt *stmt, struct yg_cert_binding *b)
{
	b->id = sqlite3_column_int64(stmt, 0);
	yg_sq_col_text(stmt, 1, b->fingerprint, sizeof b->fingerprint);
	b->org_id = sqlite3_column_int64(stmt, 2);
	b->role = (enum yg_role)sqlite3_column_int(stmt, 3);
	yg_sq_col_text(stmt, 4, b->subject, sizeof b->subject);
	b->not_after_us = sqlite3_column_int64(stmt, 5);
	b->revoked = sqlite3_column_int(stmt, 6) != 0;
	b->created_us = sqlite3_column_int64(stmt, 7);
}

static bool role_ok(enum yg_role role)
{
	return role == YG_ROLE_ADMIN || role == YG_ROLE_ANALYST || role == YG_ROLE_SENSOR ||
	       role == YG_ROLE_READER || role == YG_ROLE_PEER;
}

static int sq_cert_add(struct yg_store *st, const char *fingerprint, int64_t org_id,
                       enum yg_role role, const char *subject, int64_t not_after_us,
                       int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!yg_cert_fp_text_ok(fingerprint, YG_CERT_FP_HEX) || !role_ok(role) || !subject ||
	    strlen(subject) > YG_CERT_SUBJECT_MAX)
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_prep(s,
	               "INSERT INTO client_certs(fingerprint, org_id, role, subject, not_after_us,"
	               " created_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	               &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, org_id);
	sqlite3_bind_int(stmt, 3, (int)role);
	sqlite3_bind_text(stmt, 4, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, not_after_us);
	sqlite3_bind_int64(stmt, 6, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static int sq_cert_lookup(struct yg_store *st, const char *fingerprint, struct yg_cert_binding *ret)
{
	if (!yg_cert_fp_text_ok(fingerprint, YG_CERT_FP_HEX))
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " COLS " FROM client_certs WHERE fingerprint = ?1",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, fingerprint, -1, SQLITE_STATIC);
	r = yg_sq_row(stmt);
	if (r == 0)
		from_row(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sq_cert_revoke(struct yg_store *st, const char *prefix, struct yg_cert_binding *ret)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!yg_cert_fp_text_ok(prefix, YG_CERT_PREFIX_MIN))
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "SELECT " COLS " FROM client_certs"
	                   " WHERE substr(fingerprint, 1, length(?1)) = ?1 LIMIT 2",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, prefix, -1, SQLITE_STATIC);
	struct yg_cert_binding b;
	r = yg_sq_row(stmt);
	if (r < 0)
		goto out;
	from_row(stmt, &b);
	if (yg_sq_row(stmt) == 0) {
		r = -EEXIST;
		goto out;
	}
	yg_sq_fin(s, stmt);
	stmt = NULL;
	r = yg_sq_prep(
	    s, "UPDATE client_certs SET revoked_us = ?2 WHERE id = ?1 AND revoked_us IS NULL",
	    &stmt);
	if (r < 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, b.id);
	sqlite3_bind_int64(stmt, 2, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	stmt = NULL;
	if (r == 0) {
		b.revoked = true;
		if (ret)
			*ret = b;
	}
out:
	yg_sq_fin(s, stmt);
	return r;
}

static int sq_cert_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_cert_binding *b),
                        void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " COLS " FROM client_certs ORDER BY id", &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_cert_binding b;
		from_row(stmt, &b);
		r = fn(ud, &b);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

const struct yg_store_cert_ops yg_sq_cert_ops = {
    .add = sq_cert_add,
    .lookup = sq_cert_lookup,
    .revoke = sq_cert_revoke,
    .list = sq_cert_list,
};
