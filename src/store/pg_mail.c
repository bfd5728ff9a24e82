/*
 * PostgreSQL backend, mail half (store_mail.h): the SQL of sqlite_mail.c
 * with $N placeholders; tables from migrations 3 and 5 of pg_schema.c.
 * SQLite's "max(boolean)" is bool_or here, its INSERT OR IGNORE is ON
 * CONFLICT DO NOTHING, and a share list keeps insertion order by ctid
 * (mail_shares has no id, and its rows are never updated).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/pg-int.h"
#include "store/store_mail.h"

/* A malloc'ed copy of a text column; caller frees. */
static char *col_dup(const PGresult *res, int row, int col)
{
	size_t n = (size_t)PQgetlength(res, row, col);
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, yg_pg_get_str(res, row, col), n);
		p[n] = '\0';
	}
	return p;
}

static bool domain_ok(const char *d)
{
	size_t n = d ? strlen(d) : 0;
	if (n == 0 || n > YG_STORE_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '.' &&
		    c < 0x80)
			return false;
	}
	return true;
}

static int count1(struct yg_pg *s, const char *sql, int64_t a, int64_t *ret)
{
	struct yg_pg_args args;
	yg_pg_args_init(&args);
	yg_pg_i64(&args, a);
	return yg_pg_int(s, sql, &args, ret);
}

/* Runs sql with two integers, no result. */
static int run2(struct yg_pg *s, const char *sql, int64_t a, int64_t b)
{
	struct yg_pg_args args;
	yg_pg_args_init(&args);
	yg_pg_i64(&args, a);
	yg_pg_i64(&args, b);
	return yg_pg_run(s, sql, &args, NULL);
}

static int org_domain_add(struct yg_store *st, int64_t org, const char *domain)
{
	struct yg_pg *s = yg_pg(st);
	if (!domain_ok(domain))
		return -EINVAL;
	int64_t n = 0;
	int r = count1(s, "SELECT count(*) FROM org_domains WHERE org_id = $1", org, &n);
	if (r < 0)
		return r;
	if (n >= YG_STORE_ORG_DOMAINS_MAX)
		return -E2BIG;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, org);
	yg_pg_txt(&a, domain);
	return yg_pg_run(s,
			 "INSERT INTO org_domains(org_id, domain) VALUES ($1, $2)"
			 " ON CONFLICT DO NOTHING",
			 &a, NULL);
}

static int org_domain_del(struct yg_store *st, int64_t org, const char *domain)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, org);
	yg_pg_txt(&a, domain ? domain : "");
	return yg_pg_run_one(yg_pg(st), "DELETE FROM org_domains WHERE org_id = $1 AND domain = $2",
			     &a);
}

/* Runs a query whose rows are one text column, calling fn per row. */
static int text_rows(struct yg_pg *s, const char *sql, struct yg_pg_args *a,
		     int (*fn)(void *ud, const char *t), void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(s, sql, a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_str(res, i, 0));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int org_domains(struct yg_store *st, int64_t org, int (*fn)(void *ud, const char *domain),
		       void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, org);
	return text_rows(yg_pg(st), "SELECT domain FROM org_domains WHERE org_id = $1 ORDER BY domain",
			 &a, fn, ud);
}

static int org_naming_set(struct yg_store *st, int64_t org, bool allow)
{
	return run2(yg_pg(st),
		    "INSERT INTO org_mail_prefs(org_id, allow_naming) VALUES ($1, $2)"
		    " ON CONFLICT(org_id) DO UPDATE SET allow_naming = excluded.allow_naming",
		    org, allow);
}

static int org_naming_get(struct yg_store *st, int64_t org, bool *ret)
{
	int64_t v = 0;
	int r = count1(yg_pg(st), "SELECT allow_naming FROM org_mail_prefs WHERE org_id = $1", org,
		       &v);
	if (r == -ENOENT) {
		v = 0;
		r = 0;
	}
	if (r == 0)
		*ret = v != 0;
	return r;
}

static int pii_add(struct yg_store *st, const char *pattern)
{
	struct yg_pg *s = yg_pg(st);
	if (!pattern || !*pattern || strlen(pattern) > YG_STORE_PII_LEN_MAX)
		return -EINVAL;
	int64_t n = 0;
	int r = yg_pg_int(s, "SELECT count(*) FROM pii_patterns", NULL, &n);
	if (r < 0)
		return r;
	if (n >= YG_STORE_PII_MAX)
		return -E2BIG;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, pattern);
	yg_pg_i64(&a, yg_pg_now_us());
	return yg_pg_run(s, "INSERT INTO pii_patterns(pattern, created_us) VALUES ($1, $2)", &a,
			 NULL);
}

static int pii_del(struct yg_store *st, const char *pattern)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, pattern ? pattern : "");
	return yg_pg_run_one(yg_pg(st), "DELETE FROM pii_patterns WHERE pattern = $1", &a);
}

static int pii_list(struct yg_store *st, int (*fn)(void *ud, const char *pattern), void *ud)
{
	return text_rows(yg_pg(st), "SELECT pattern FROM pii_patterns ORDER BY id", NULL, fn, ud);
}

static int sub_put(struct yg_store *st, const struct yg_mail_sub *m, const uint8_t *blob,
		   size_t blob_len, int64_t *ret_id)
{
	struct yg_pg *s = yg_pg(st);
	if (!m || strlen(m->uuid) != 36 || !m->report || !m->indicators || !blob ||
	    blob_len > (size_t)INT32_MAX || (m->n_share_orgs && !m->share_orgs) ||
	    (m->n_share_groups && !m->share_groups))
		return -EINVAL;
	if (m->n_share_orgs > YG_STORE_LIST_MAX || m->n_share_groups > YG_STORE_LIST_MAX)
		return -E2BIG;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, m->uuid);
	yg_pg_i64(&a, m->org_id);
	yg_pg_i64(&a, (int64_t)m->tlp);
	yg_pg_i64(&a, m->created_us ? m->created_us : yg_pg_now_us());
	yg_pg_txt(&a, m->report);
	yg_pg_txt(&a, m->indicators);
	yg_pg_bytes(&a, blob, blob_len);
	int64_t id = 0;
	int r = yg_pg_int(s,
			  "INSERT INTO mail_submissions(uuid, org_id, tlp, created_us, report,"
			  " indicators, original) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
			  &a, &id);
	for (size_t i = 0; r == 0 && i < m->n_share_orgs + m->n_share_groups; i++) {
		bool org = i < m->n_share_orgs;
		r = run2(s,
			 org ? "INSERT INTO mail_shares(submission_id, org_id) VALUES ($1, $2)"
			     : "INSERT INTO mail_shares(submission_id, group_id) VALUES ($1, $2)",
			 id, org ? m->share_orgs[i] : m->share_groups[i - m->n_share_orgs]);
	}
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

/* Whether viewer $2 is a share target of submission sub: directly or
 * through a group it belongs to (the rule of object_shares). */
#define NAMED(sub)                                                                              \
	"EXISTS(SELECT 1 FROM mail_shares sh WHERE sh.submission_id = " sub " AND $2 > 0 AND"    \
	" (sh.org_id = $2 OR sh.group_id IN"                                                     \
	" (SELECT gm.group_id FROM group_members gm WHERE gm.org_id = $2)))"

static int sub_named(struct yg_store *st, int64_t sub_id, int64_t viewer_org, bool *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, sub_id);
	yg_pg_i64(&a, viewer_org);
	int64_t v = 0;
	int r = yg_pg_int(yg_pg(st), "SELECT (" NAMED("$1") ")::int", &a, &v);
	if (r == 0)
		*ret = v != 0;
	return r;
}

static int sub_shares(struct yg_store *st, int64_t sub_id, int64_t *ret_orgs, size_t *ret_n_orgs,
		      int64_t *ret_groups, size_t *ret_n_groups)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, sub_id);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT org_id, group_id FROM mail_shares WHERE submission_id = $1"
			  " ORDER BY ctid",
			  &a, &res);
	if (r < 0)
		return r;
	size_t no = 0, ng = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		bool org = !PQgetisnull(res, i, 0);
		size_t *n = org ? &no : &ng;
		if (*n == YG_STORE_LIST_MAX) {
			r = -E2BIG;
			break;
		}
		(org ? ret_orgs : ret_groups)[(*n)++] = yg_pg_get_i64(res, i, org ? 0 : 1);
	}
	PQclear(res);
	if (r >= 0) {
		*ret_n_orgs = no;
		*ret_n_groups = ng;
		r = 0;
	}
	return r;
}

#define SUB_COLS "id, uuid, org_id, tlp, created_us, coalesce(campaign_id, 0)"

static void sub_from_row(const PGresult *res, int i, struct yg_mail_sub *m)
{
	m->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, m->uuid, sizeof m->uuid);
	m->org_id = yg_pg_get_i64(res, i, 2);
	m->tlp = (enum yg_tlp)yg_pg_get_i64(res, i, 3);
	m->created_us = yg_pg_get_i64(res, i, 4);
	m->campaign_id = yg_pg_get_i64(res, i, 5);
}

static int sub_get(struct yg_store *st, const char *uuid, int64_t id, struct yg_mail_sub *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	if (uuid)
		yg_pg_txt(&a, uuid);
	else
		yg_pg_i64(&a, id);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st),
			  uuid ? "SELECT " SUB_COLS ", report, indicators FROM mail_submissions"
				 " WHERE uuid = $1"
			       : "SELECT " SUB_COLS ", report, indicators FROM mail_submissions"
				 " WHERE id = $1",
			  &a, &res);
	if (r < 0)
		return r;
	struct yg_mail_sub m = {0};
	sub_from_row(res, 0, &m);
	m.report = col_dup(res, 0, 6);
	m.indicators = col_dup(res, 0, 7);
	PQclear(res);
	if (!m.report || !m.indicators) {
		yg_mail_sub_release(&m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

static int sub_blob(struct yg_store *st, int64_t id, uint8_t **ret, size_t *ret_len)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, id);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT original FROM mail_submissions WHERE id = $1", &a, &res);
	if (r < 0)
		return r;
	size_t n = 0;
	unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), &n);
	PQclear(res);
	if (!b)
		return -ENOMEM;
	/* The caller frees with free(), libpq's copy with PQfreemem. */
	uint8_t *p = malloc(n ? n : 1);
	if (p && n)
		memcpy(p, b, n);
	PQfreemem(b);
	if (!p)
		return -ENOMEM;
	*ret = p;
	*ret_len = n;
	return 0;
}

static int sub_list_campaign(struct yg_store *st, int64_t campaign, int64_t viewer_org,
			     int (*fn)(void *ud, const struct yg_mail_sub *s), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, campaign);
	yg_pg_i64(&a, viewer_org);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT " SUB_COLS ", (" NAMED("mail_submissions.id") ")::int"
			  " FROM mail_submissions WHERE campaign_id = $1 ORDER BY id",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_mail_sub m = {0};
		sub_from_row(res, i, &m);
		m.viewer_named = yg_pg_get_bool(res, i, 6);
		r = fn(ud, &m);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int sub_set_campaign(struct yg_store *st, int64_t sub_id, int64_t campaign)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, sub_id);
	yg_pg_i64_or_null(&a, campaign);
	return yg_pg_run(yg_pg(st), "UPDATE mail_submissions SET campaign_id = $2 WHERE id = $1", &a,
			 NULL);
}

/* 16 bytes of SHA-256 over type and value, as sqlite_mail.c keys them (a
 * store moved by `hub migrate` keeps its keys). */
static int value_hash(int type, const char *value, uint8_t out[16])
{
	uint8_t md[32];
	unsigned mdlen = 0;
	uint8_t t[4] = {(uint8_t)(type >> 24), (uint8_t)(type >> 16), (uint8_t)(type >> 8),
			(uint8_t)type};
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, t, 4) &&
		 EVP_DigestUpdate(c, value, strlen(value)) && EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	if (!ok)
		return -EIO;
	memcpy(out, md, 16);
	return 0;
}

static int value_intern(struct yg_store *st, int type, const char *value, bool warning,
			int64_t ssdeep_bs, int64_t *ret_id)
{
	struct yg_pg *s = yg_pg(st);
	if (!value || !*value || strlen(value) > YG_STORE_VALUE_MAX)
		return -EINVAL;
	uint8_t h[16];
	int r = value_hash(type, value, h);
	if (r < 0)
		return r;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_bytes(&a, h, sizeof h);
	yg_pg_i64(&a, type);
	yg_pg_txt(&a, value);
	yg_pg_i64(&a, warning);
	if (ssdeep_bs > 0)
		yg_pg_i64(&a, ssdeep_bs);
	else
		yg_pg_i64_or_null(&a, 0);
	/* One round trip, found or inserted: a mail with thousands of parts
	 * interns thousands of values. The lookup half cannot see the insert
	 * of the same statement, so exactly one half answers. */
	PGresult *res = NULL;
	r = yg_pg_row(s,
		      "WITH ins AS (INSERT INTO corr_values(hash, type, value, warning, ssdeep_bs)"
		      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT(hash) DO NOTHING RETURNING id)"
		      " SELECT id, 1 FROM ins UNION ALL"
		      " SELECT id, 0 FROM corr_values WHERE hash = $1",
		      &a, &res);
	if (r < 0)
		return r;
	*ret_id = yg_pg_get_i64(res, 0, 0);
	bool inserted = yg_pg_get_bool(res, 0, 1);
	PQclear(res);
	if (inserted)
		yg_pg_wrote(s);
	return inserted ? 1 : 0;
}

static int posting_add(struct yg_store *st, int64_t value_id, int64_t sub_id)
{
	return run2(yg_pg(st),
		    "INSERT INTO corr_postings(value_id, submission_id) VALUES ($1, $2)"
		    " ON CONFLICT DO NOTHING",
		    value_id, sub_id);
}

/* Appends s to an array literal as a quoted element (PostgreSQL 8.15.6:
 * inside double quotes only '"' and '\\' need a backslash). false when
 * it does not fit. */
static bool arr_add(char *buf, size_t cap, size_t *io, const char *s)
{
	size_t o = *io;
	if (o + 3 >= cap)
		return false;
	if (o > 1)
		buf[o++] = ',';
	buf[o++] = '"';
	for (; *s; s++) {
		if (o + 4 >= cap)
			return false;
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	*io = o;
	return true;
}

/* The text of an array literal of n elements made by el (NULL: no memory
 * or an element too long). Caller frees. */
static char *arr_build(size_t n, size_t room, const char *(*el)(const void *ud, size_t i, char *tmp),
		       const void *ud)
{
	size_t cap = 3 + room, o = 1;
	char *buf = malloc(cap), tmp[40];
	if (!buf)
		return NULL;
	buf[0] = '{';
	buf[1] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!arr_add(buf, cap, &o, el(ud, i, tmp))) {
			free(buf);
			return NULL;
		}
	if (o + 2 > cap) {
		free(buf);
		return NULL;
	}
	buf[o++] = '}';
	buf[o] = '\0';
	return buf;
}

struct post_in {
	const struct yg_store_value_in *v;
	const char (*hex)[33];
};

static const char *el_hash(const void *ud, size_t i, char *tmp)
{
	(void)tmp;
	return ((const struct post_in *)ud)->hex[i];
}

static const char *el_type(const void *ud, size_t i, char *tmp)
{
	snprintf(tmp, 40, "%d", ((const struct post_in *)ud)->v[i].type);
	return tmp;
}

static const char *el_value(const void *ud, size_t i, char *tmp)
{
	(void)tmp;
	return ((const struct post_in *)ud)->v[i].value;
}

static const char *el_warning(const void *ud, size_t i, char *tmp)
{
	(void)tmp;
	return ((const struct post_in *)ud)->v[i].warning ? "1" : "0";
}

static const char *el_bs(const void *ud, size_t i, char *tmp)
{
	int64_t bs = ((const struct post_in *)ud)->v[i].ssdeep_bs;
	if (bs <= 0)
		return "0";
	snprintf(tmp, 40, "%lld", (long long)bs);
	return tmp;
}

/*
 * Every value of a batch interned and posted in one statement: the input
 * as parallel arrays (unnest keeps their order, WITH ORDINALITY numbers
 * it), the new values inserted (ON CONFLICT leaves those already there),
 * each value's id from the insert or, when it was there before, from the
 * table (a statement does not see its own inserts, so exactly one of the
 * two answers), and the postings inserted from those ids.
 */
static int values_post(struct yg_store *st, int64_t sub_id, const struct yg_store_value_in *v,
		       size_t n, int64_t *ret_ids, bool *ret_fresh)
{
	struct yg_pg *s = yg_pg(st);
	if (n > YG_STORE_VALUES_BATCH)
		return -E2BIG;
	if (n == 0)
		return 0;
	char(*hex)[33] = malloc(n * sizeof *hex);
	char *arrs[5] = {NULL};
	size_t vroom = 0;
	int r = -ENOMEM;
	if (!hex)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t h[16];
		if (!v[i].value || !*v[i].value || strlen(v[i].value) > YG_STORE_VALUE_MAX) {
			r = -EINVAL;
			goto out;
		}
		r = value_hash(v[i].type, v[i].value, h);
		if (r < 0)
			goto out;
		for (int k = 0; k < 16; k++)
			snprintf(hex[i] + 2 * k, 3, "%02x", h[k]);
		vroom += 2 * strlen(v[i].value) + 3;
	}
	struct post_in pin = {.v = v, .hex = (const char(*)[33])hex};
	r = -ENOMEM;
	arrs[0] = arr_build(n, n * 36, el_hash, &pin);
	arrs[1] = arr_build(n, n * 24, el_type, &pin);
	arrs[2] = arr_build(n, vroom, el_value, &pin);
	arrs[3] = arr_build(n, n * 4, el_warning, &pin);
	arrs[4] = arr_build(n, n * 24, el_bs, &pin);
	for (int k = 0; k < 5; k++)
		if (!arrs[k])
			goto out;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	for (int k = 0; k < 5; k++)
		yg_pg_txt(&a, arrs[k]);
	yg_pg_i64(&a, sub_id);
	PGresult *res = NULL;
	r = yg_pg_run(
	    s,
	    "WITH input AS (SELECT decode(h, 'hex') AS hash, t, v, w, bs, ord"
	    " FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[])"
	    " WITH ORDINALITY AS u(h, t, v, w, bs, ord)),"
	    " ins AS (INSERT INTO corr_values(hash, type, value, warning, ssdeep_bs)"
	    " SELECT DISTINCT ON (hash) hash, t, v, w, nullif(bs, 0) FROM input ORDER BY hash, ord"
	    " ON CONFLICT(hash) DO NOTHING RETURNING id, hash),"
	    " ids AS (SELECT i.ord, coalesce(ins.id, c.id) AS id, ins.id IS NOT NULL AS fresh"
	    " FROM input i LEFT JOIN ins ON ins.hash = i.hash"
	    " LEFT JOIN corr_values c ON c.hash = i.hash),"
	    " post AS (INSERT INTO corr_postings(value_id, submission_id)"
	    " SELECT DISTINCT id, $6::bigint FROM ids ON CONFLICT DO NOTHING)"
	    " SELECT ord, id, fresh::int FROM ids ORDER BY ord",
	    &a, &res);
	if (r < 0)
		goto out;
	yg_pg_wrote(s);
	if ((size_t)PQntuples(res) != n) {
		PQclear(res);
		r = -EIO;
		goto out;
	}
	/* A value given twice was inserted once: only its first is fresh. */
	for (size_t i = 0; i < n; i++) {
		ret_ids[i] = yg_pg_get_i64(res, (int)i, 1);
		ret_fresh[i] = yg_pg_get_bool(res, (int)i, 2);
		for (size_t k = 0; ret_fresh[i] && k < i; k++)
			if (ret_ids[k] == ret_ids[i])
				ret_fresh[i] = false;
	}
	PQclear(res);
	r = 0;
out:
	for (int k = 0; k < 5; k++)
		free(arrs[k]);
	free(hex);
	return r;
}

static const char *el_id(const void *ud, size_t i, char *tmp)
{
	snprintf(tmp, 40, "%lld", (long long)((const int64_t *)ud)[i]);
	return tmp;
}

static int values_subs(struct yg_store *st, const int64_t *ids, size_t n, size_t limit,
		       int (*fn)(void *ud, int64_t sub_id, int64_t org, int64_t campaign), void *ud)
{
	if (n > YG_STORE_VALUES_BATCH)
		return -E2BIG;
	if (n == 0)
		return 0;
	char *arr = arr_build(n, n * 24, el_id, ids);
	if (!arr)
		return -ENOMEM;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, arr);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(
	    yg_pg(st),
	    "SELECT x.sub, x.org, x.camp FROM unnest($1::bigint[]) AS u(vid) CROSS JOIN LATERAL"
	    " (SELECT p.submission_id AS sub, m.org_id AS org, coalesce(m.campaign_id, 0) AS camp"
	    " FROM corr_postings p JOIN mail_submissions m ON m.id = p.submission_id"
	    " WHERE p.value_id = u.vid ORDER BY p.submission_id DESC LIMIT $2) AS x",
	    &a, &res);
	free(arr);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_i64(res, i, 0), yg_pg_get_i64(res, i, 1),
		       yg_pg_get_i64(res, i, 2));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

/* One value's submissions: the batched query with a batch of one, so the
 * two never disagree on order or limit. */
static int value_subs(struct yg_store *st, int64_t value_id, size_t limit,
		      int (*fn)(void *ud, int64_t sub_id, int64_t org, int64_t campaign), void *ud)
{
	return values_subs(st, &value_id, 1, limit, fn, ud);
}

static int ssdeep_grams_add(struct yg_store *st, int64_t value_id, const int64_t *grams, size_t n)
{
	if (n > YG_STORE_GRAMS_MAX)
		return -E2BIG;
	if (n == 0)
		return 0;
	/* All grams in one statement, as an array literal of integers. */
	char arr[2 + 21 * YG_STORE_GRAMS_MAX + 1];
	size_t o = 0;
	arr[o++] = '{';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(arr + o, sizeof arr - o, "%s%lld", i ? "," : "",
				      (long long)grams[i]);
	snprintf(arr + o, sizeof arr - o, "}");
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, arr);
	yg_pg_i64(&a, value_id);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO corr_ssdeep_grams(gram, value_id)"
			 " SELECT DISTINCT g, $2 FROM unnest($1::bigint[]) AS u(g)"
			 " ON CONFLICT DO NOTHING",
			 &a, NULL);
}

static int ssdeep_candidates(struct yg_store *st, const int64_t *grams, size_t n, size_t limit,
			     int (*fn)(void *ud, int64_t value_id, const char *digest), void *ud)
{
	if (n == 0)
		return 0;
	if (n > YG_STORE_GRAMS_MAX)
		return -E2BIG;
	/* One placeholder per gram; the text holds no value. */
	char sql[256 + 8 * YG_STORE_GRAMS_MAX];
	size_t o = (size_t)snprintf(sql, sizeof sql,
				    "SELECT v.id, v.value FROM corr_values v WHERE v.id IN"
				    " (SELECT DISTINCT value_id FROM corr_ssdeep_grams WHERE gram IN (");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ",$%zu" : "$%zu", i + 1);
	snprintf(sql + o, sizeof sql - o, ") LIMIT $%zu)", n + 1);
	struct yg_pg_args *a = malloc(sizeof *a);
	if (!a)
		return -ENOMEM;
	yg_pg_args_init(a);
	for (size_t i = 0; i < n; i++)
		yg_pg_i64(a, grams[i]);
	yg_pg_i64(a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), sql, a, &res);
	free(a);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_i64(res, i, 0), yg_pg_get_str(res, i, 1));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int campaign_values(struct yg_store *st, int64_t campaign, int64_t min_subs,
			   int64_t viewer_org, bool all,
			   int (*fn)(void *ud, const struct yg_corr_value_row *v), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, campaign);
	yg_pg_i64(&a, viewer_org);
	yg_pg_i64(&a, min_subs);
	yg_pg_i64(&a, all);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT v.id, v.type, v.value, v.warning, count(*) FROM mail_submissions m"
			  " JOIN corr_postings p ON p.submission_id = m.id"
			  " JOIN corr_values v ON v.id = p.value_id"
			  " WHERE m.campaign_id = $1 GROUP BY v.id HAVING count(*) >= $3"
			  " AND ($4 <> 0 OR bool_or(m.org_id = $2 OR m.tlp <= 1 OR (m.tlp IN (2, 4)"
			  " AND " NAMED("m.id") ")))"
			  " ORDER BY v.type, v.value COLLATE \"C\" LIMIT 1000",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_corr_value_row v = {
			.id = yg_pg_get_i64(res, i, 0),
			.type = (int)yg_pg_get_i64(res, i, 1),
			.value = yg_pg_get_str(res, i, 2),
			.warning = yg_pg_get_bool(res, i, 3),
			.n_subs = yg_pg_get_i64(res, i, 4),
		};
		r = fn(ud, &v);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int value_count(struct yg_store *st, int64_t *ret_values, int64_t *ret_postings)
{
	struct yg_pg *s = yg_pg(st);
	int64_t v = 0, p = 0;
	int r = yg_pg_int(s, "SELECT count(*) FROM corr_values", NULL, &v);
	if (r == 0)
		r = yg_pg_int(s, "SELECT count(*) FROM corr_postings", NULL, &p);
	if (r == 0) {
		*ret_values = v;
		*ret_postings = p;
	}
	return r;
}

static int campaign_new(struct yg_store *st, const char *stix_id, int64_t *ret_id)
{
	if (!stix_id || strlen(stix_id) >= 64)
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, stix_id);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r = yg_pg_int(yg_pg(st),
			  "INSERT INTO campaigns(stix_id, created_us, modified_us) VALUES ($1, $2, $2)"
			  " RETURNING id",
			  &a, &id);
	if (r == 0)
		*ret_id = id;
	return r;
}

static int campaign_merge(struct yg_store *st, int64_t into, int64_t from)
{
	struct yg_pg *s = yg_pg(st);
	int r = run2(s, "UPDATE mail_submissions SET campaign_id = $1 WHERE campaign_id = $2", into,
		     from);
	if (r < 0)
		return r;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, from);
	return yg_pg_run(s, "DELETE FROM campaigns WHERE id = $1", &a, NULL);
}

static int campaign_touch(struct yg_store *st, int64_t id)
{
	return run2(yg_pg(st), "UPDATE campaigns SET modified_us = $2 WHERE id = $1", id,
		    yg_pg_now_us());
}

static void campaign_from_row(const PGresult *res, int i, struct yg_campaign *c)
{
	c->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, c->stix_id, sizeof c->stix_id);
	c->created_us = yg_pg_get_i64(res, i, 2);
	c->modified_us = yg_pg_get_i64(res, i, 3);
}

static int campaign_get(struct yg_store *st, const char *stix_id, int64_t id,
			struct yg_campaign *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	if (stix_id)
		yg_pg_txt(&a, stix_id);
	else
		yg_pg_i64(&a, id);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st),
			  stix_id ? "SELECT id, stix_id, created_us, modified_us FROM campaigns"
				    " WHERE stix_id = $1"
				  : "SELECT id, stix_id, created_us, modified_us FROM campaigns"
				    " WHERE id = $1",
			  &a, &res);
	if (r < 0)
		return r;
	campaign_from_row(res, 0, ret);
	PQclear(res);
	return 0;
}

static int campaign_list(struct yg_store *st, int64_t org, enum yg_tlp max_tlp, bool all,
			 int (*fn)(void *ud, const struct yg_campaign *c), void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, (int64_t)max_tlp);
	yg_pg_i64(&a, org);
	yg_pg_i64(&a, all);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT c.id, c.stix_id, c.created_us, c.modified_us FROM campaigns c"
			  " WHERE $3 <> 0 OR EXISTS (SELECT 1 FROM mail_submissions m WHERE"
			  " m.campaign_id = c.id AND (m.org_id = $2 OR m.tlp <= $1 OR"
			  " (m.tlp IN (2, 4) AND " NAMED("m.id") ")))"
			  " ORDER BY c.modified_us DESC, c.id DESC LIMIT 1000",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_campaign c;
		campaign_from_row(res, i, &c);
		r = fn(ud, &c);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

static int notify_add(struct yg_store *st, int64_t org, const char *json)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, org);
	yg_pg_i64(&a, yg_pg_now_us());
	yg_pg_txt(&a, json);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO notifications(org_id, created_us, json) VALUES ($1, $2, $3)",
			 &a, NULL);
}

static int notify_list(struct yg_store *st, int64_t org, size_t limit,
		       int (*fn)(void *ud, int64_t id, int64_t created_us, const char *json),
		       void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, org);
	yg_pg_i64(&a, (int64_t)limit);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "SELECT id, created_us, json FROM notifications WHERE org_id = $1"
			  " ORDER BY id DESC LIMIT $2",
			  &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		r = fn(ud, yg_pg_get_i64(res, i, 0), yg_pg_get_i64(res, i, 1),
		       PQgetisnull(res, i, 2) ? "{}" : PQgetvalue(res, i, 2));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

const struct yg_store_mail_ops yg_pg_mail_ops = {
	.org_domain_add = org_domain_add,
	.org_domain_del = org_domain_del,
	.org_domains = org_domains,
	.org_naming_set = org_naming_set,
	.org_naming_get = org_naming_get,
	.pii_add = pii_add,
	.pii_del = pii_del,
	.pii_list = pii_list,
	.sub_put = sub_put,
	.sub_get = sub_get,
	.sub_blob = sub_blob,
	.sub_named = sub_named,
	.sub_shares = sub_shares,
	.sub_list_campaign = sub_list_campaign,
	.sub_set_campaign = sub_set_campaign,
	.value_intern = value_intern,
	.posting_add = posting_add,
	.value_subs = value_subs,
	.values_post = values_post,
	.values_subs = values_subs,
	.ssdeep_grams_add = ssdeep_grams_add,
	.ssdeep_candidates = ssdeep_candidates,
	.campaign_values = campaign_values,
	.value_count = value_count,
	.campaign_new = campaign_new,
	.campaign_merge = campaign_merge,
	.campaign_touch = campaign_touch,
	.campaign_get = campaign_get,
	.campaign_list = campaign_list,
	.notify_add = notify_add,
	.notify_list = notify_list,
};
