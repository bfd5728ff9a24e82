/*
 * PostgreSQL backend, client-certificate bindings (store_certs.h): the
 * statements of sqlite_certs.c with $N placeholders.
 */
#include <errno.h>
#include <string.h>

#include "store/pg-int.h"
#include "store/store_certs.h"

#define COLS                                                                                       \
	"id, fingerprint, org_id, role, subject, not_after_us, (revoked_us IS NOT NULL)::int,"     \
	" created_us"

static void from_row(const PGresult *res, int i, struct yg_cert_binding *b)
{
	b->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, b->fingerprint, sizeof b->fingerprint);
	b->org_id = yg_pg_get_i64(res, i, 2);
	b->role = (enum yg_role)yg_pg_get_i64(res, i, 3);
	yg_pg_get_text(res, i, 4, b->subject, sizeof b->subject);
	b->not_after_us = yg_pg_get_i64(res, i, 5);
	b->revoked = yg_pg_get_bool(res, i, 6);
	b->created_us = yg_pg_get_i64(res, i, 7);
}

static bool role_ok(enum yg_role role)
{
	return role == YG_ROLE_ADMIN || role == YG_ROLE_ANALYST || role == YG_ROLE_SENSOR ||
	       role == YG_ROLE_READER || role == YG_ROLE_PEER;
}

static int pg_cert_add(struct yg_store *st, const char *fingerprint, int64_t org_id,
                       enum yg_role role, const char *subject, int64_t not_after_us,
                       int64_t *ret_id)
{
	if (!yg_cert_fp_text_ok(fingerprint, YG_CERT_FP_HEX) || !role_ok(role) || !subject ||
	    strlen(subject) > YG_CERT_SUBJECT_MAX)
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, fingerprint);
	yg_pg_i64(&a, org_id);
	yg_pg_i64(&a, (int64_t)role);
	yg_pg_txt(&a, subject);
	yg_pg_i64(&a, not_after_us);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r =
	    yg_pg_int(yg_pg(st),
	              "INSERT INTO client_certs(fingerprint, org_id, role, subject, not_after_us,"
	              " created_us) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	              &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

static int pg_cert_lookup(struct yg_store *st, const char *fingerprint, struct yg_cert_binding *ret)
{
	if (!yg_cert_fp_text_ok(fingerprint, YG_CERT_FP_HEX))
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, fingerprint);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT " COLS " FROM client_certs WHERE fingerprint = $1", &a,
	                  &res);
	if (r < 0)
		return r;
	from_row(res, 0, ret);
	PQclear(res);
	return 0;
}

static int pg_cert_revoke(struct yg_store *st, const char *prefix, struct yg_cert_binding *ret)
{
	struct yg_pg *s = yg_pg(st);
	if (!yg_cert_fp_text_ok(prefix, YG_CERT_PREFIX_MIN))
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, prefix);
	PGresult *res = NULL;
	/* substr() rather than LIKE: the prefix is data, never a pattern. */
	int r = yg_pg_row(s,
	                  "SELECT " COLS " FROM client_certs"
	                  " WHERE substr(fingerprint, 1, length($1)) = $1 ORDER BY id LIMIT 2",
	                  &a, &res);
	if (r < 0)
		return r;
	if (PQntuples(res) > 1) {
		PQclear(res);
		return -EEXIST;
	}
	struct yg_cert_binding b;
	from_row(res, 0, &b);
	PQclear(res);
	yg_pg_args_init(&a);
	yg_pg_i64(&a, b.id);
	yg_pg_i64(&a, yg_pg_now_us());
	r = yg_pg_run(
	    s, "UPDATE client_certs SET revoked_us = $2 WHERE id = $1 AND revoked_us IS NULL", &a,
	    NULL);
	if (r == 0) {
		b.revoked = true;
		if (ret)
			*ret = b;
	}
	return r;
}

static int pg_cert_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_cert_binding *b),
                        void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT " COLS " FROM client_certs ORDER BY id", NULL, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_cert_binding b;
		from_row(res, i, &b);
		r = fn(ud, &b);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

const struct yg_store_cert_ops yg_pg_cert_ops = {
    .add = pg_cert_add,
    .lookup = pg_cert_lookup,
    .revoke = pg_cert_revoke,
    .list = pg_cert_list,
};
