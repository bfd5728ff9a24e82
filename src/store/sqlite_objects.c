/*
 * SQLite backend, second half: collections, STIX object versions (with who
 * may see them) and TAXII status resources.
 *
 * Listings are built from fixed SQL fragments with one placeholder per
 * value ("?N"); a value never becomes SQL text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite-int.h"

int yg_sq_collection_add(struct yg_store *st, const char *uuid, const char *title,
			 const char *description, unsigned can_read, unsigned can_write,
			 int64_t *ret_id)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!uuid || strlen(uuid) != 36 || !title || !*title || strlen(title) > YG_STORE_NAME_MAX ||
	    (description && strlen(description) > YG_STORE_DESC_MAX))
		return -EINVAL;
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    s,
	    "INSERT INTO collections(uuid, title, description, can_read, can_write, created_us)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, description ? description : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, (int)can_read);
	sqlite3_bind_int(stmt, 5, (int)can_write);
	sqlite3_bind_int64(stmt, 6, yg_sq_now_us());
	int rc = sqlite3_step(stmt);
	r = rc == SQLITE_DONE ? 0 : yg_sq_err(rc);
	yg_sq_fin(s, stmt);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return r;
}

#define COLL_COLS "id, uuid, title, description, can_read, can_write, read_all, write_all, public_read"

static void coll_from_row(sqlite3_stmt *stmt, struct yg_collection *c)
{
	c->id = sqlite3_column_int64(stmt, 0);
	yg_sq_col_text(stmt, 1, c->uuid, sizeof c->uuid);
	yg_sq_col_text(stmt, 2, c->title, sizeof c->title);
	yg_sq_col_text(stmt, 3, c->description, sizeof c->description);
	c->can_read = (unsigned)sqlite3_column_int(stmt, 4);
	c->can_write = (unsigned)sqlite3_column_int(stmt, 5);
	c->read_all = sqlite3_column_int(stmt, 6) != 0;
	c->write_all = sqlite3_column_int(stmt, 7) != 0;
	c->public_read = sqlite3_column_int(stmt, 8) != 0;
}

int yg_sq_collection_get(struct yg_store *st, const char *uuid, struct yg_collection *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r =
	    yg_sq_prep(yg_sq(st), "SELECT " COLL_COLS " FROM collections WHERE uuid = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		coll_from_row(stmt, ret);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : yg_sq_err(rc);
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

int yg_sq_collection_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_collection *c),
			  void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT " COLL_COLS " FROM collections ORDER BY id", &stmt);
	if (r < 0)
		return r;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_collection c;
		coll_from_row(stmt, &c);
		r = fn(ud, &c);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

int yg_sq_collection_set_access(struct yg_store *st, int64_t coll, bool read_all, bool write_all,
				bool public_read)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "UPDATE collections SET read_all = ?2, write_all = ?3,"
	                   " public_read = ?4 WHERE id = ?1",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, coll);
	sqlite3_bind_int(stmt, 2, read_all);
	sqlite3_bind_int(stmt, 3, write_all);
	sqlite3_bind_int(stmt, 4, public_read);
	return yg_sq_done_one(s, stmt);
}

int yg_sq_collection_grant(struct yg_store *st, int64_t coll, int64_t org, bool can_read,
			   bool can_write)
{
	sqlite3_stmt *stmt = NULL;
	const char *sql = can_read || can_write
				  ? "INSERT INTO collection_access(collection_id, org_id, can_read,"
				    " can_write) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(collection_id,"
				    " org_id) DO UPDATE SET can_read = excluded.can_read,"
				    " can_write = excluded.can_write"
				  : "DELETE FROM collection_access WHERE collection_id = ?1 AND"
				    " org_id = ?2";
	int r = yg_sq_prep(yg_sq(st), sql, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, coll);
	sqlite3_bind_int64(stmt, 2, org);
	if (can_read || can_write) {
		sqlite3_bind_int(stmt, 3, can_read);
		sqlite3_bind_int(stmt, 4, can_write);
	}
	r = yg_sq_done(yg_sq(st), stmt);
	/* A grant naming a missing collection or organization breaks a key. */
	return r == -EEXIST ? -ENOENT : r;
}

int yg_sq_collection_org_access(struct yg_store *st, const struct yg_collection *c, int64_t org,
				bool *ret_read, bool *ret_write)
{
	if (org <= 0) {
		*ret_read = c->public_read;
		*ret_write = false;
		return 0;
	}
	bool rd = c->read_all, wr = c->write_all;
	if (!rd || !wr) {
		sqlite3_stmt *stmt = NULL;
		int r = yg_sq_prep(yg_sq(st),
		                   "SELECT can_read, can_write FROM collection_access"
		                   " WHERE collection_id = ?1 AND org_id = ?2",
		                   &stmt);
		if (r < 0)
			return r;
		sqlite3_bind_int64(stmt, 1, c->id);
		sqlite3_bind_int64(stmt, 2, org);
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			rd |= sqlite3_column_int(stmt, 0) != 0;
			wr |= sqlite3_column_int(stmt, 1) != 0;
		}
		yg_sq_fin(yg_sq(st), stmt);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return yg_sq_err(rc);
	}
	*ret_read = rd;
	*ret_write = wr;
	return 0;
}

int yg_sq_collection_grants(struct yg_store *st, int64_t coll,
			    int (*fn)(void *ud, const struct yg_org *o, bool can_read, bool can_write),
			    void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "SELECT o.id, o.name, o.sector, o.country, o.identity_id, o.created_us,"
	    " a.can_read, a.can_write FROM collection_access a"
	    " JOIN organizations o ON o.id = a.org_id WHERE a.collection_id = ?1 ORDER BY o.name",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, coll);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_org o;
		o.id = sqlite3_column_int64(stmt, 0);
		yg_sq_col_text(stmt, 1, o.name, sizeof o.name);
		yg_sq_col_text(stmt, 2, o.sector, sizeof o.sector);
		yg_sq_col_text(stmt, 3, o.country, sizeof o.country);
		yg_sq_col_text(stmt, 4, o.identity_id, sizeof o.identity_id);
		o.created_us = sqlite3_column_int64(stmt, 5);
		r = fn(ud, &o, sqlite3_column_int(stmt, 6) != 0, sqlite3_column_int(stmt, 7) != 0);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

/* The next added_us of a collection: after every stored one and after the
 * last this process handed out, and never before now. */
static int next_added(struct yg_sqlite *s, int64_t collection, int64_t *ret)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s, "SELECT max(added_us) FROM objects WHERE collection_id = ?1", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, collection);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		yg_sq_fin(s, stmt);
		return rc == SQLITE_DONE ? -EIO : yg_sq_err(rc);
	}
	int64_t max = sqlite3_column_int64(stmt, 0);
	yg_sq_fin(s, stmt);
	int64_t t = yg_sq_now_us();
	if (t <= max)
		t = max + 1;
	if (t <= s->last_added_us)
		t = s->last_added_us + 1;
	s->last_added_us = t;
	*ret = t;
	return 0;
}

static int put_share(struct yg_sqlite *s, int64_t obj, int64_t org, int64_t group)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    s, "INSERT INTO object_shares(object_id, org_id, group_id) VALUES (?1, ?2, ?3)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, obj);
	if (org)
		sqlite3_bind_int64(stmt, 2, org);
	else
		sqlite3_bind_null(stmt, 2);
	if (group)
		sqlite3_bind_int64(stmt, 3, group);
	else
		sqlite3_bind_null(stmt, 3);
	return yg_sq_done(s, stmt);
}

static int obj_put_locked(struct yg_sqlite *s, const struct yg_obj_in *o, int64_t *ret_added)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "SELECT added_us FROM objects WHERE collection_id = ?1 AND stix_id = ?2"
	                   " AND modified_us = ?3",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, o->collection);
	sqlite3_bind_text(stmt, 2, o->stix_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, o->modified_us);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*ret_added = sqlite3_column_int64(stmt, 0);
		yg_sq_fin(s, stmt);
		return 1;
	}
	yg_sq_fin(s, stmt);
	if (rc != SQLITE_DONE)
		return yg_sq_err(rc);

	int64_t added = 0;
	r = next_added(s, o->collection, &added);
	if (r < 0)
		return r;
	r = yg_sq_prep(s,
	               "INSERT INTO objects(collection_id, stix_id, type, spec_version, modified,"
	               " modified_us, added_us, tlp, created_by_org, anonymous, revoked, json)"
	               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	               &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, o->collection);
	sqlite3_bind_text(stmt, 2, o->stix_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, o->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, o->spec_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, o->modified, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, o->modified_us);
	sqlite3_bind_int64(stmt, 7, added);
	sqlite3_bind_int(stmt, 8, (int)o->tlp);
	if (o->submitter_org)
		sqlite3_bind_int64(stmt, 9, o->submitter_org);
	else
		sqlite3_bind_null(stmt, 9);
	sqlite3_bind_int(stmt, 10, o->anonymous);
	sqlite3_bind_int(stmt, 11, o->revoked);
	sqlite3_bind_text(stmt, 12, o->json, (int)o->json_len, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	yg_sq_fin(s, stmt);
	if (rc != SQLITE_DONE)
		return yg_sq_err(rc);
	int64_t rowid = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < o->n_share_orgs; i++) {
		r = put_share(s, rowid, o->share_orgs[i], 0);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < o->n_share_groups; i++) {
		r = put_share(s, rowid, 0, o->share_groups[i]);
		if (r < 0)
			return r;
	}
	*ret_added = added;
	return 0;
}

int yg_sq_obj_put(struct yg_store *st, const struct yg_obj_in *o, int64_t *ret_added)
{
	struct yg_sqlite *s = yg_sq(st);
	if (!o || !o->stix_id || !o->type || !o->spec_version || !o->modified || !o->json ||
	    o->json_len > (size_t)INT32_MAX || o->n_share_orgs > YG_STORE_LIST_MAX ||
	    o->n_share_groups > YG_STORE_LIST_MAX || (unsigned)o->tlp > YG_TLP_RED)
		return -EINVAL;
	bool own_tx = !s->in_tx;
	int r = own_tx ? yg_sq_begin(s) : 0;
	if (r < 0)
		return r;
	int64_t added = 0;
	r = obj_put_locked(s, o, &added);
	if (own_tx) {
		if (r < 0) {
			(void)yg_sq_rollback(s);
		} else {
			int c = yg_sq_commit(s);
			if (c < 0)
				r = c;
		}
	}
	if (r >= 0)
		*ret_added = added;
	return r;
}

/* A small bounded SQL text builder for fixed fragments and "?N" markers. */
struct sqlbuf {
	char b[8192];
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

/* Appends "?a, ?a+1, ... " for n parameters starting at *next. */
static void sb_params(struct sqlbuf *sb, int *next, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char p[16];
		snprintf(p, sizeof p, "%s?%d", i ? ", " : "", (*next)++);
		sb_add(sb, p);
	}
}

int yg_sq_obj_query(struct yg_store *st, const struct yg_obj_query *q, yg_obj_fn fn, void *ud)
{
	struct yg_sqlite *s = yg_sq(st);
	if (q->n_ids > YG_STORE_LIST_MAX || q->n_types > YG_STORE_LIST_MAX ||
	    q->n_spec_versions > YG_STORE_LIST_MAX || q->n_versions > YG_STORE_LIST_MAX)
		return -E2BIG;
	struct sqlbuf sb; /* not zeroed: 8 KiB of memset per listing shows in profiles */
	sb.len = 0;
	sb.overflow = false;
	sb.b[0] = '\0';
	sb_add(&sb, "SELECT o.stix_id, o.type, o.spec_version, o.modified, o.modified_us,"
		    " o.added_us, o.tlp, o.created_by_org, o.anonymous, o.revoked,"
		    " EXISTS(SELECT 1 FROM object_shares sh WHERE sh.object_id = o.id AND"
		    " (sh.org_id = ?1 OR sh.group_id IN"
		    " (SELECT gm.group_id FROM group_members gm WHERE gm.org_id = ?1))),");
	sb_add(&sb, q->want_json ? " o.json" : " NULL");
	sb_add(&sb, " FROM objects o WHERE o.collection_id = ?2 AND o.added_us > ?3");
	int next = 4;
	int ids_at = next;
	if (q->n_ids) {
		sb_add(&sb, " AND o.stix_id IN (");
		sb_params(&sb, &next, q->n_ids);
		sb_add(&sb, ")");
	}
	int types_at = next;
	if (q->n_types) {
		sb_add(&sb, " AND o.type IN (");
		sb_params(&sb, &next, q->n_types);
		sb_add(&sb, ")");
	}
	int specs_at = next;
	if (q->n_spec_versions) {
		sb_add(&sb, " AND o.spec_version IN (");
		sb_params(&sb, &next, q->n_spec_versions);
		sb_add(&sb, ")");
	}
	int vers_at = next;
	unsigned vf = q->version_flags;
	if (!vf && !q->n_versions)
		vf = YG_VER_LAST;
	if (!(vf & YG_VER_ALL)) {
		const char *sep = "";
		sb_add(&sb, " AND (");
		if (vf & YG_VER_LAST) {
			sb_add(&sb, "o.modified_us = (SELECT max(x.modified_us) FROM objects x"
				    " WHERE x.collection_id = o.collection_id AND x.stix_id = o.stix_id)");
			sep = " OR ";
		}
		if (vf & YG_VER_FIRST) {
			sb_add(&sb, sep);
			sb_add(&sb, "o.modified_us = (SELECT min(x.modified_us) FROM objects x"
				    " WHERE x.collection_id = o.collection_id AND x.stix_id = o.stix_id)");
			sep = " OR ";
		}
		if (q->n_versions) {
			sb_add(&sb, sep);
			sb_add(&sb, "o.modified_us IN (");
			sb_params(&sb, &next, q->n_versions);
			sb_add(&sb, ")");
		}
		sb_add(&sb, ")");
	}
	sb_add(&sb, " ORDER BY o.added_us");
	if (sb.overflow)
		return -E2BIG;

	sqlite3_stmt *stmt = NULL;
	/* Cached like every other text: the filters' shape (which lists, how
	 * long), not their values, makes the text, so a repeated listing finds
	 * its statement; a client varying the shape only fills the table
	 * towards a flush (sqlite_stmts.c). */
	int r = yg_sq_prep(s, sb.b, &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, q->viewer_org);
	sqlite3_bind_int64(stmt, 2, q->collection);
	sqlite3_bind_int64(stmt, 3, q->added_after_us);
	for (size_t i = 0; i < q->n_ids; i++)
		sqlite3_bind_text(stmt, ids_at + (int)i, q->ids[i], -1, SQLITE_STATIC);
	for (size_t i = 0; i < q->n_types; i++)
		sqlite3_bind_text(stmt, types_at + (int)i, q->types[i], -1, SQLITE_STATIC);
	for (size_t i = 0; i < q->n_spec_versions; i++)
		sqlite3_bind_text(stmt, specs_at + (int)i, q->spec_versions[i], -1, SQLITE_STATIC);
	if (!(vf & YG_VER_ALL))
		for (size_t i = 0; i < q->n_versions; i++)
			sqlite3_bind_int64(stmt, vers_at + (int)i, q->versions_us[i]);

	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_obj_row row = {
			.stix_id = (const char *)sqlite3_column_text(stmt, 0),
			.type = (const char *)sqlite3_column_text(stmt, 1),
			.spec_version = (const char *)sqlite3_column_text(stmt, 2),
			.modified = (const char *)sqlite3_column_text(stmt, 3),
			.modified_us = sqlite3_column_int64(stmt, 4),
			.added_us = sqlite3_column_int64(stmt, 5),
			.tlp = (enum yg_tlp)sqlite3_column_int(stmt, 6),
			.submitter_org = sqlite3_column_int64(stmt, 7),
			.anonymous = sqlite3_column_int(stmt, 8) != 0,
			.revoked = sqlite3_column_int(stmt, 9) != 0,
			.viewer_named = sqlite3_column_int(stmt, 10) != 0,
		};
		if (q->want_json) {
			row.json = (const char *)sqlite3_column_text(stmt, 11);
			row.json_len = (size_t)sqlite3_column_bytes(stmt, 11);
		}
		r = fn(ud, &row);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(s, stmt, rc, r);
}

int yg_sq_obj_delete(struct yg_store *st, int64_t collection, const char *stix_id,
		     int64_t only_org, size_t *ret_deleted)
{
	struct yg_sqlite *s = yg_sq(st);
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(s,
	                   "DELETE FROM objects WHERE collection_id = ?1 AND stix_id = ?2"
	                   " AND (?3 = 0 OR created_by_org = ?3)",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, collection);
	sqlite3_bind_text(stmt, 2, stix_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, only_org);
	int rc = sqlite3_step(stmt);
	r = rc == SQLITE_DONE ? 0 : yg_sq_err(rc);
	yg_sq_fin(s, stmt);
	if (r == 0 && ret_deleted)
		*ret_deleted = (size_t)sqlite3_changes(s->db);
	return r;
}

int yg_sq_status_put(struct yg_store *st, const char *uuid, int64_t org_id, const char *json)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "INSERT INTO statuses(uuid, org_id, created_us, json) VALUES (?1, ?2, ?3, ?4)", &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, org_id);
	sqlite3_bind_int64(stmt, 3, yg_sq_now_us());
	sqlite3_bind_text(stmt, 4, json, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	r = rc == SQLITE_DONE ? 0 : yg_sq_err(rc);
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}

int yg_sq_status_get(struct yg_store *st, const char *uuid, int64_t org_id, char **ret_json)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(yg_sq(st), "SELECT json FROM statuses WHERE uuid = ?1 AND org_id = ?2",
	                   &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, org_id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *j = (const char *)sqlite3_column_text(stmt, 0);
		char *dup = strdup(j ? j : "{}");
		if (dup) {
			*ret_json = dup;
			r = 0;
		} else {
			r = -ENOMEM;
		}
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : yg_sq_err(rc);
	}
	yg_sq_fin(yg_sq(st), stmt);
	return r;
}
