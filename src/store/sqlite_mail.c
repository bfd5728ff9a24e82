/*
 * SQLite backend, mail half (store_mail.h): member mail settings,
 * submissions, the correlation index, campaigns and notifications. Tables
 * come from migrations 3 and 5 in sqlite.c. Every value is a bound parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/sqlite-int.h"
#include "store/store_mail.h"

static char *col_dup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	size_t n = (size_t)sqlite3_column_bytes(stmt, col);
	char *p = malloc(n + 1);
	if (p) {
		if (n)
			memcpy(p, t, n);
		p[n] = '\0';
	}
	return p;
}

void yg_mail_sub_release(struct yg_mail_sub *s)
{
	if (!s)
		return;
	free(s->report);
	free(s->indicators);
	s->report = s->indicators = NULL;
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

static int count1(struct yg_sqlite *s, const char *sql, int64_t a, int64_t *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, a);
	r = yg_sq_row(stmt);
	if (r == 0)
		*ret = sqlite3_column_int64(stmt, 0);
	yg_sq_fin(s, stmt);
	return r;
}

static int org_domain_add(struct yg_store *st, int64_t org, const char *domain)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!domain_ok(domain))
		return -EINVAL;
	int64_t n = 0;
	int r = count1(s, "SELECT count(*) FROM org_domains WHERE org_id = ?1", org, &n);
	if (r < 0)
		return r;
	if (n >= YG_STORE_ORG_DOMAINS_MAX)
		return -E2BIG;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(s, "INSERT OR IGNORE INTO org_domains(org_id, domain) VALUES (?1, ?2)",
	               &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, org);
	sqlite3_bind_text(stmt, 2, domain, -1, SQLITE_STATIC);
	return yg_sq_done(s, stmt);
}

static int org_domain_del(struct yg_store *st, int64_t org, const char *domain)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "DELETE FROM org_domains WHERE org_id = ?1 AND domain = ?2", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, org);
	sqlite3_bind_text(stmt, 2, domain ? domain : "", -1, SQLITE_STATIC);
	return yg_sq_done_one(s, stmt);
}

/* Runs a query whose rows are one text column, calling fn per row. */
static int text_rows(struct yg_sqlite *s, sqlite3_stmt *stmt, int (*fn)(void *ud, const char *t),
                     void *ud)
{
	int r = 0, rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(stmt, 0);
		r = fn(ud, t ? t : "");
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

static int org_domains(struct yg_store *st, int64_t org, int (*fn)(void *ud, const char *domain),
		       void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st), "SELECT domain FROM org_domains WHERE org_id = ?1 ORDER BY domain", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, org);
	return text_rows(yg_sq(st), stmt, fn, ud);
}

static int org_naming_set(struct yg_store *st, int64_t org, bool allow)
{
	return yg_sq_run_ints(
	    yg_sq(st),
	    "INSERT INTO org_mail_prefs(org_id, allow_naming) VALUES (?1, ?2)"
	    " ON CONFLICT(org_id) DO UPDATE SET allow_naming = excluded.allow_naming",
	    (int64_t[]){org, allow}, 2);
}

static int org_naming_get(struct yg_store *st, int64_t org, bool *ret)
{
	int64_t v = 0;
	int r = count1(yg_sq(st), "SELECT allow_naming FROM org_mail_prefs WHERE org_id = ?1", org,
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
	struct yg_sqlite *s = yg_sq(st);
	if (!pattern || !*pattern || strlen(pattern) > YG_STORE_PII_LEN_MAX)
		return -EINVAL;
	int64_t n = 0;
	int r = count1(s, "SELECT count(*) + 0 * ?1 FROM pii_patterns", 0, &n);
	if (r < 0)
		return r;
	if (n >= YG_STORE_PII_MAX)
		return -E2BIG;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(s, "INSERT INTO pii_patterns(pattern, created_us) VALUES (?1, ?2)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, yg_sq_now_us());
	return yg_sq_done(s, stmt);
}

static int pii_del(struct yg_store *st, const char *pattern)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "DELETE FROM pii_patterns WHERE pattern = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, pattern ? pattern : "", -1, SQLITE_STATIC);
	return yg_sq_done_one(s, stmt);
}

static int pii_list(struct yg_store *st, int (*fn)(void *ud, const char *pattern), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT pattern FROM pii_patterns ORDER BY id", &stmt);
	return r < 0 ? r : text_rows(yg_sq(st), stmt, fn, ud);
}

static int sub_put(struct yg_store *st, const struct yg_mail_sub *m, const uint8_t *blob,
		   size_t blob_len, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!m || strlen(m->uuid) != 36 || !m->report || !m->indicators || !blob ||
	    blob_len > (size_t)INT32_MAX || (m->n_share_orgs && !m->share_orgs) ||
	    (m->n_share_groups && !m->share_groups))
		return -EINVAL;
	if (m->n_share_orgs > YG_STORE_LIST_MAX || m->n_share_groups > YG_STORE_LIST_MAX)
		return -E2BIG;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "INSERT INTO mail_submissions(uuid, org_id, tlp, created_us, report,"
	                   " indicators, original) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, m->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, m->org_id);
	sqlite3_bind_int(stmt, 3, (int)m->tlp);
	sqlite3_bind_int64(stmt, 4, m->created_us ? m->created_us : yg_sq_now_us());
	sqlite3_bind_text(stmt, 5, m->report, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, m->indicators, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 7, blob, (int)blob_len, SQLITE_STATIC);
	r = yg_sq_done(s, stmt);
	int64_t id = r == 0 ? sqlite3_last_insert_rowid(s->db) : 0;
	for (size_t i = 0; r == 0 && i < m->n_share_orgs + m->n_share_groups; i++) {
		bool org = i < m->n_share_orgs;
		int64_t v[2] = {id, org ? m->share_orgs[i] : m->share_groups[i - m->n_share_orgs]};
		r = yg_sq_run_ints(s,
		                   org ? "INSERT INTO mail_shares(submission_id, org_id) VALUES (?1, ?2)"
		                       : "INSERT INTO mail_shares(submission_id, group_id)"
		                         " VALUES (?1, ?2)",
		                   v, 2);
	}
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

/* Whether viewer ?2 is a share target of submission sub: directly or
 * through a group it belongs to (the rule of object_shares). */
#define NAMED(sub)                                                                              \
	"EXISTS(SELECT 1 FROM mail_shares sh WHERE sh.submission_id = " sub " AND ?2 > 0 AND"    \
	" (sh.org_id = ?2 OR sh.group_id IN"                                                     \
	" (SELECT gm.group_id FROM group_members gm WHERE gm.org_id = ?2)))"

static int sub_named(struct yg_store *st, int64_t sub_id, int64_t viewer_org, bool *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " NAMED("?1"), &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, sub_id);
	sqlite3_bind_int64(stmt, 2, viewer_org);
	r = yg_sq_row(stmt);
	if (r == 0)
		*ret = sqlite3_column_int(stmt, 0) != 0;
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sub_shares(struct yg_store *st, int64_t sub_id, int64_t *ret_orgs, size_t *ret_n_orgs,
		      int64_t *ret_groups, size_t *ret_n_groups)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   "SELECT org_id, group_id FROM mail_shares WHERE submission_id = ?1"
	                   " ORDER BY rowid",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, sub_id);
	size_t no = 0, ng = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		bool org = sqlite3_column_type(stmt, 0) != SQLITE_NULL;
		size_t *n = org ? &no : &ng;
		if (*n == YG_STORE_LIST_MAX) {
			r = -E2BIG;
			break;
		}
		(org ? ret_orgs : ret_groups)[(*n)++] = sqlite3_column_int64(stmt, org ? 0 : 1);
	}
	r = yg_sq_rows_end(yg_sq(st), stmt, rc, r);
	if (r >= 0) {
		*ret_n_orgs = no;
		*ret_n_groups = ng;
		r = 0;
	}
	return r;
}

#define SUB_COLS "id, uuid, org_id, tlp, created_us, coalesce(campaign_id, 0)"

static void sub_from_row(sqlite3_stmt *stmt, struct yg_mail_sub *m)
{
	m->id = sqlite3_column_int64(stmt, 0);
	yg_sq_col_text(stmt, 1, m->uuid, sizeof m->uuid);
	m->org_id = sqlite3_column_int64(stmt, 2);
	m->tlp = (enum yg_tlp)sqlite3_column_int(stmt, 3);
	m->created_us = sqlite3_column_int64(stmt, 4);
	m->campaign_id = sqlite3_column_int64(stmt, 5);
}

static int sub_get(struct yg_store *st, const char *uuid, int64_t id, struct yg_mail_sub *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   uuid ? "SELECT " SUB_COLS ", report, indicators FROM mail_submissions"
	                          " WHERE uuid = ?1"
	                        : "SELECT " SUB_COLS ", report, indicators FROM mail_submissions"
	                          " WHERE id = ?1",
	                   &stmt);
	if (r < 0)
		return r;
	yg_sq_bind_key(stmt, uuid, id);
	r = yg_sq_row(stmt);
	if (r == 0) {
		struct yg_mail_sub m = {0};
		sub_from_row(stmt, &m);
		m.report = col_dup(stmt, 6);
		m.indicators = col_dup(stmt, 7);
		if (!m.report || !m.indicators) {
			yg_mail_sub_release(&m);
			r = -ENOMEM;
		} else {
			*ret = m;
		}
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sub_blob(struct yg_store *st, int64_t id, uint8_t **ret, size_t *ret_len)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT original FROM mail_submissions WHERE id = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, id);
	r = yg_sq_row(stmt);
	if (r == 0) {
		const void *b = sqlite3_column_blob(stmt, 0);
		size_t n = (size_t)sqlite3_column_bytes(stmt, 0);
		uint8_t *p = malloc(n ? n : 1);
		if (!p) {
			r = -ENOMEM;
		} else {
			if (n)
				memcpy(p, b, n);
			*ret = p;
			*ret_len = n;
		}
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int sub_list_campaign(struct yg_store *st, int64_t campaign, int64_t viewer_org,
			     int (*fn)(void *ud, const struct yg_mail_sub *s), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   "SELECT " SUB_COLS ", " NAMED("mail_submissions.id")
	                   " FROM mail_submissions WHERE campaign_id = ?1 ORDER BY id",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, campaign);
	sqlite3_bind_int64(stmt, 2, viewer_org);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_mail_sub m = {0};
		sub_from_row(stmt, &m);
		m.viewer_named = sqlite3_column_int(stmt, 6) != 0;
		r = fn(ud, &m);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int sub_set_campaign(struct yg_store *st, int64_t sub_id, int64_t campaign)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "UPDATE mail_submissions SET campaign_id = ?2 WHERE id = ?1",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, sub_id);
	if (campaign)
		sqlite3_bind_int64(stmt, 2, campaign);
	return yg_sq_done(yg_sq(st), stmt);
}

/* 16 bytes of SHA-256 over type and value: collisions are out of reach for
 * any index this size, and the key stays small whatever the URL length. */
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
	struct yg_sqlite *s = yg_sq(st);
	if (!value || !*value || strlen(value) > YG_STORE_VALUE_MAX)
		return -EINVAL;
	uint8_t h[16];
	int r = value_hash(type, value, h);
	if (r < 0)
		return r;
	sqlite3_stmt *stmt = NULL;
	r = yg_sq_prep(s, "SELECT id FROM corr_values WHERE hash = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_blob(stmt, 1, h, 16, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(stmt, 0);
		yg_sq_fin(s, stmt);
		return 0;
	}
	yg_sq_fin(s, stmt);
	if (rc != SQLITE_DONE)
		return yg_sq_err(rc);
	r = yg_sq_prep(s,
	               "INSERT INTO corr_values(hash, type, value, warning, ssdeep_bs)"
	               " VALUES (?1, ?2, ?3, ?4, ?5)",
	               &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_blob(stmt, 1, h, 16, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, type);
	sqlite3_bind_text(stmt, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, warning);
	if (ssdeep_bs > 0)
		sqlite3_bind_int64(stmt, 5, ssdeep_bs);
	rc = sqlite3_step(stmt);
	yg_sq_fin(s, stmt);
	if (rc != SQLITE_DONE)
		return yg_sq_err(rc);
	*ret_id = sqlite3_last_insert_rowid(s->db);
	return 1;
}

static int posting_add(struct yg_store *st, int64_t value_id, int64_t sub_id)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "INSERT OR IGNORE INTO corr_postings(value_id, submission_id)"
	                   " VALUES (?1, ?2)",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, value_id);
	sqlite3_bind_int64(stmt, 2, sub_id);
	return yg_sq_done(s, stmt);
}

static int value_subs(struct yg_store *st, int64_t value_id, size_t limit,
		      int (*fn)(void *ud, int64_t sub_id, int64_t org, int64_t campaign), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "SELECT p.submission_id, m.org_id, coalesce(m.campaign_id, 0) FROM corr_postings p"
	    " JOIN mail_submissions m ON m.id = p.submission_id"
	    " WHERE p.value_id = ?1 ORDER BY p.submission_id DESC LIMIT ?2",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, value_id);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r = fn(ud, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
		       sqlite3_column_int64(stmt, 2));
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int ssdeep_grams_add(struct yg_store *st, int64_t value_id, const int64_t *grams, size_t n)
{
	struct yg_sqlite *s = yg_sq(st);
	if (n > YG_STORE_GRAMS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *stmt = NULL;
		int r = yg_sq_prep(s,
		                   "INSERT OR IGNORE INTO corr_ssdeep_grams(gram, value_id)"
		                   " VALUES (?1, ?2)",
		                   &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_int64(stmt, 1, grams[i]);
		sqlite3_bind_int64(stmt, 2, value_id);
		r = yg_sq_done(s, stmt);
		if (r < 0)
			return r;
	}
	return 0;
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
		o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ",?%zu" : "?%zu", i + 1);
	snprintf(sql + o, sizeof sql - o, ") LIMIT ?%zu)", n + 1);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), sql, &stmt);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_int64(stmt, (int)i + 1, grams[i]);
	sqlite3_bind_int64(stmt, (int)n + 1, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(stmt, 1);
		r = fn(ud, sqlite3_column_int64(stmt, 0), v ? v : "");
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int value_rows(struct yg_sqlite *s, sqlite3_stmt *stmt,
                      int (*fn)(void *ud, const struct yg_corr_value_row *v), void *ud)
{
	int r = 0, rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(stmt, 2);
		struct yg_corr_value_row v = {
			.id = sqlite3_column_int64(stmt, 0),
			.type = sqlite3_column_int(stmt, 1),
			.value = t ? t : "",
			.warning = sqlite3_column_int(stmt, 3) != 0,
			.n_subs = sqlite3_column_int64(stmt, 4),
		};
		r = fn(ud, &v);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

static int campaign_values(struct yg_store *st, int64_t campaign, int64_t min_subs,
			   int64_t viewer_org, bool all,
			   int (*fn)(void *ud, const struct yg_corr_value_row *v), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_prep(yg_sq(st),
	               "SELECT v.id, v.type, v.value, v.warning, count(*) FROM mail_submissions m"
	               " JOIN corr_postings p ON p.submission_id = m.id"
	               " JOIN corr_values v ON v.id = p.value_id"
	               " WHERE m.campaign_id = ?1 GROUP BY v.id HAVING count(*) >= ?3"
	               " AND (?4 OR max(m.org_id = ?2 OR m.tlp <= 1 OR (m.tlp IN (2, 4) AND "
	               NAMED("m.id") ")))"
	               " ORDER BY v.type, v.value LIMIT 1000",
	               &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, campaign);
	sqlite3_bind_int64(stmt, 2, viewer_org);
	sqlite3_bind_int64(stmt, 3, min_subs);
	sqlite3_bind_int(stmt, 4, all);
	return value_rows(yg_sq(st), stmt, fn, ud);
}

static int value_count(struct yg_store *st, int64_t *ret_values, int64_t *ret_postings)
{
	struct yg_sqlite *s = yg_sq(st);
	int64_t v = 0, p = 0;
	int r = count1(s, "SELECT count(*) + 0 * ?1 FROM corr_values", 0, &v);
	if (r == 0)
		r = count1(s, "SELECT count(*) + 0 * ?1 FROM corr_postings", 0, &p);
	if (r == 0) {
		*ret_values = v;
		*ret_postings = p;
	}
	return r;
}

static int campaign_new(struct yg_store *st, const char *stix_id, int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!stix_id || strlen(stix_id) >= 64)
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    s, "INSERT INTO campaigns(stix_id, created_us, modified_us) VALUES (?1, ?2, ?2)",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, stix_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, yg_sq_now_us());
	r = yg_sq_done(s, stmt);
	if (r == 0)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

static int campaign_merge(struct yg_store *st, int64_t into, int64_t from)
{
	struct yg_sqlite *s = yg_sq(st);
	int r =
	    yg_sq_run_ints(s, "UPDATE mail_submissions SET campaign_id = ?1 WHERE campaign_id = ?2",
	                   (int64_t[]){into, from}, 2);
	if (r < 0)
		return r;
	return yg_sq_run_ints(s, "DELETE FROM campaigns WHERE id = ?1", &from, 1);
}

static int campaign_touch(struct yg_store *st, int64_t id)
{
	return yg_sq_run_ints(yg_sq(st), "UPDATE campaigns SET modified_us = ?2 WHERE id = ?1",
	                      (int64_t[]){id, yg_sq_now_us()}, 2);
}

static void campaign_from_row(sqlite3_stmt *stmt, struct yg_campaign *c)
{
	c->id = sqlite3_column_int64(stmt, 0);
	yg_sq_col_text(stmt, 1, c->stix_id, sizeof c->stix_id);
	c->created_us = sqlite3_column_int64(stmt, 2);
	c->modified_us = sqlite3_column_int64(stmt, 3);
}

static int campaign_get(struct yg_store *st, const char *stix_id, int64_t id,
			struct yg_campaign *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   stix_id ? "SELECT id, stix_id, created_us, modified_us FROM campaigns"
	                             " WHERE stix_id = ?1"
	                           : "SELECT id, stix_id, created_us, modified_us FROM campaigns"
	                             " WHERE id = ?1",
	                   &stmt);
	if (r < 0)
		return r;
	yg_sq_bind_key(stmt, stix_id, id);
	r = yg_sq_row(stmt);
	if (r == 0)
		campaign_from_row(stmt, ret);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

static int campaign_list(struct yg_store *st, int64_t org, enum yg_tlp max_tlp, bool all,
			 int (*fn)(void *ud, const struct yg_campaign *c), void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   "SELECT c.id, c.stix_id, c.created_us, c.modified_us FROM campaigns c"
	                   " WHERE ?3 OR EXISTS (SELECT 1 FROM mail_submissions m WHERE"
	                   " m.campaign_id = c.id AND (m.org_id = ?2 OR m.tlp <= ?1 OR"
	                   " (m.tlp IN (2, 4) AND " NAMED("m.id") ")))"
	                   " ORDER BY c.modified_us DESC, c.id DESC LIMIT 1000",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int(stmt, 1, (int)max_tlp);
	sqlite3_bind_int64(stmt, 2, org);
	sqlite3_bind_int(stmt, 3, all);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_campaign c;
		campaign_from_row(stmt, &c);
		r = fn(ud, &c);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

static int notify_add(struct yg_store *st, int64_t org, const char *json)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st), "INSERT INTO notifications(org_id, created_us, json) VALUES (?1, ?2, ?3)",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, org);
	sqlite3_bind_int64(stmt, 2, yg_sq_now_us());
	sqlite3_bind_text(stmt, 3, json, -1, SQLITE_STATIC);
	return yg_sq_done(yg_sq(st), stmt);
}

static int notify_list(struct yg_store *st, int64_t org, size_t limit,
		       int (*fn)(void *ud, int64_t id, int64_t created_us, const char *json),
		       void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st),
	                   "SELECT id, created_us, json FROM notifications WHERE org_id = ?1"
	                   " ORDER BY id DESC LIMIT ?2",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, org);
	sqlite3_bind_int64(stmt, 2, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *j = (const char *)sqlite3_column_text(stmt, 2);
		r = fn(ud, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
		       j ? j : "{}");
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

/* In-process, a statement costs no round trip: the batch is the loop. */
static int values_post(struct yg_store *st, int64_t sub_id, const struct yg_store_value_in *v,
		       size_t n, int64_t *ret_ids, bool *ret_fresh)
{
	if (n > YG_STORE_VALUES_BATCH)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		int r = value_intern(st, v[i].type, v[i].value, v[i].warning, v[i].ssdeep_bs,
				     &ret_ids[i]);
		if (r < 0)
			return r;
		ret_fresh[i] = r > 0;
		r = posting_add(st, ret_ids[i], sub_id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int values_subs(struct yg_store *st, const int64_t *ids, size_t n, size_t limit,
		       int (*fn)(void *ud, int64_t sub_id, int64_t org, int64_t campaign), void *ud)
{
	if (n > YG_STORE_VALUES_BATCH)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		int r = value_subs(st, ids[i], limit, fn, ud);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct yg_store_mail_ops yg_sq_mail_ops = {
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
