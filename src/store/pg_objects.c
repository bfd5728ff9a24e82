/*
 * PostgreSQL backend, second half: collections, STIX object versions (with
 * who may see them) and TAXII status resources; the same SQL as
 * sqlite_objects.c with $N placeholders. Listings are built from fixed
 * fragments with one placeholder per value; a value never becomes SQL text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg-int.h"

int yg_pg_collection_add(struct yg_store *st, const char *uuid, const char *title,
			 const char *description, unsigned can_read, unsigned can_write,
			 int64_t *ret_id)
{
	if (!uuid || strlen(uuid) != 36 || !title || !*title || strlen(title) > YG_STORE_NAME_MAX ||
	    (description && strlen(description) > YG_STORE_DESC_MAX))
		return -EINVAL;
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, uuid);
	yg_pg_txt(&a, title);
	yg_pg_txt(&a, description ? description : "");
	yg_pg_i64(&a, can_read);
	yg_pg_i64(&a, can_write);
	yg_pg_i64(&a, yg_pg_now_us());
	int64_t id = 0;
	int r = yg_pg_int(
	    yg_pg(st),
	    "INSERT INTO collections(uuid, title, description, can_read, can_write, created_us)"
	    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	    &a, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

#define COLL_COLS "id, uuid, title, description, can_read, can_write, read_all, write_all, public_read"

static void coll_from_row(const PGresult *res, int i, struct yg_collection *c)
{
	c->id = yg_pg_get_i64(res, i, 0);
	yg_pg_get_text(res, i, 1, c->uuid, sizeof c->uuid);
	yg_pg_get_text(res, i, 2, c->title, sizeof c->title);
	yg_pg_get_text(res, i, 3, c->description, sizeof c->description);
	c->can_read = (unsigned)yg_pg_get_i64(res, i, 4);
	c->can_write = (unsigned)yg_pg_get_i64(res, i, 5);
	c->read_all = yg_pg_get_bool(res, i, 6);
	c->write_all = yg_pg_get_bool(res, i, 7);
	c->public_read = yg_pg_get_bool(res, i, 8);
}

int yg_pg_collection_get(struct yg_store *st, const char *uuid, struct yg_collection *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, uuid);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT " COLL_COLS " FROM collections WHERE uuid = $1", &a,
			  &res);
	if (r < 0)
		return r;
	coll_from_row(res, 0, ret);
	PQclear(res);
	return 0;
}

int yg_pg_collection_list(struct yg_store *st, int (*fn)(void *ud, const struct yg_collection *c),
			  void *ud)
{
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st), "SELECT " COLL_COLS " FROM collections ORDER BY id", NULL, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_collection c;
		coll_from_row(res, i, &c);
		r = fn(ud, &c);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

int yg_pg_collection_set_access(struct yg_store *st, int64_t coll, bool read_all, bool write_all,
				bool public_read)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, coll);
	yg_pg_i64(&a, read_all);
	yg_pg_i64(&a, write_all);
	yg_pg_i64(&a, public_read);
	return yg_pg_run_one(yg_pg(st),
			     "UPDATE collections SET read_all = $2, write_all = $3,"
			     " public_read = $4 WHERE id = $1",
			     &a);
}

int yg_pg_collection_grant(struct yg_store *st, int64_t coll, int64_t org, bool can_read,
			   bool can_write)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, coll);
	yg_pg_i64(&a, org);
	const char *sql = "DELETE FROM collection_access WHERE collection_id = $1 AND org_id = $2";
	if (can_read || can_write) {
		yg_pg_i64(&a, can_read);
		yg_pg_i64(&a, can_write);
		sql = "INSERT INTO collection_access(collection_id, org_id, can_read, can_write)"
		      " VALUES ($1, $2, $3, $4) ON CONFLICT(collection_id, org_id) DO UPDATE"
		      " SET can_read = excluded.can_read, can_write = excluded.can_write";
	}
	int r = yg_pg_run(yg_pg(st), sql, &a, NULL);
	/* A grant naming a missing collection or organization breaks a key. */
	return r == -EEXIST ? -ENOENT : r;
}

int yg_pg_collection_org_access(struct yg_store *st, const struct yg_collection *c, int64_t org,
				bool *ret_read, bool *ret_write)
{
	if (org <= 0) {
		*ret_read = c->public_read;
		*ret_write = false;
		return 0;
	}
	bool rd = c->read_all, wr = c->write_all;
	if (!rd || !wr) {
		struct yg_pg_args a;
		yg_pg_args_init(&a);
		yg_pg_i64(&a, c->id);
		yg_pg_i64(&a, org);
		PGresult *res = NULL;
		int r = yg_pg_run(yg_pg(st),
				  "SELECT can_read, can_write FROM collection_access"
				  " WHERE collection_id = $1 AND org_id = $2",
				  &a, &res);
		if (r < 0)
			return r;
		if (PQntuples(res) > 0) {
			rd |= yg_pg_get_bool(res, 0, 0);
			wr |= yg_pg_get_bool(res, 0, 1);
		}
		PQclear(res);
	}
	*ret_read = rd;
	*ret_write = wr;
	return 0;
}

int yg_pg_collection_grants(struct yg_store *st, int64_t coll,
			    int (*fn)(void *ud, const struct yg_org *o, bool can_read, bool can_write),
			    void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, coll);
	PGresult *res = NULL;
	int r = yg_pg_run(
	    yg_pg(st),
	    "SELECT o.id, o.name, o.sector, o.country, o.identity_id, o.created_us,"
	    " a.can_read, a.can_write FROM collection_access a"
	    " JOIN organizations o ON o.id = a.org_id WHERE a.collection_id = $1 ORDER BY o.name",
	    &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_org o;
		o.id = yg_pg_get_i64(res, i, 0);
		yg_pg_get_text(res, i, 1, o.name, sizeof o.name);
		yg_pg_get_text(res, i, 2, o.sector, sizeof o.sector);
		yg_pg_get_text(res, i, 3, o.country, sizeof o.country);
		yg_pg_get_text(res, i, 4, o.identity_id, sizeof o.identity_id);
		o.created_us = yg_pg_get_i64(res, i, 5);
		r = fn(ud, &o, yg_pg_get_bool(res, i, 6), yg_pg_get_bool(res, i, 7));
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

/* The next added_us of a collection: after every stored one and after the
 * last this handle handed out, and never before now. Runs under the write
 * lock, so no other process hands out the same one meanwhile. */
static int next_added(struct yg_pg *s, int64_t collection, int64_t *ret)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, collection);
	int64_t max = 0;
	int r = yg_pg_int(s, "SELECT COALESCE(max(added_us), 0) FROM objects WHERE collection_id = $1",
			  &a, &max);
	if (r < 0)
		return r;
	int64_t t = yg_pg_now_us();
	if (t <= max)
		t = max + 1;
	if (t <= s->last_added_us)
		t = s->last_added_us + 1;
	s->last_added_us = t;
	*ret = t;
	return 0;
}

static int put_share(struct yg_pg *s, int64_t obj, int64_t org, int64_t group)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, obj);
	yg_pg_i64_or_null(&a, org);
	yg_pg_i64_or_null(&a, group);
	return yg_pg_run(s, "INSERT INTO object_shares(object_id, org_id, group_id) VALUES ($1, $2, $3)",
			 &a, NULL);
}

static int obj_put_locked(struct yg_pg *s, const struct yg_obj_in *o, int64_t *ret_added)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, o->collection);
	yg_pg_txt(&a, o->stix_id);
	yg_pg_i64(&a, o->modified_us);
	int64_t added = 0;
	int r = yg_pg_int(s,
			  "SELECT added_us FROM objects WHERE collection_id = $1 AND stix_id = $2"
			  " AND modified_us = $3",
			  &a, &added);
	if (r == 0) {
		*ret_added = added;
		return 1;
	}
	if (r != -ENOENT)
		return r;
	r = next_added(s, o->collection, &added);
	if (r < 0)
		return r;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, o->collection);
	yg_pg_txt(&a, o->stix_id);
	yg_pg_txt(&a, o->type);
	yg_pg_txt(&a, o->spec_version);
	yg_pg_txt(&a, o->modified);
	yg_pg_i64(&a, o->modified_us);
	yg_pg_i64(&a, added);
	yg_pg_i64(&a, (int64_t)o->tlp);
	yg_pg_i64_or_null(&a, o->submitter_org);
	yg_pg_i64(&a, o->anonymous);
	yg_pg_i64(&a, o->revoked);
	yg_pg_txtn(&a, o->json, o->json_len);
	int64_t rowid = 0;
	r = yg_pg_int(s,
		      "INSERT INTO objects(collection_id, stix_id, type, spec_version, modified,"
		      " modified_us, added_us, tlp, created_by_org, anonymous, revoked, json)"
		      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
		      &a, &rowid);
	if (r < 0)
		return r;
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

int yg_pg_obj_put(struct yg_store *st, const struct yg_obj_in *o, int64_t *ret_added)
{
	struct yg_pg *s = yg_pg(st);
	if (!o || !o->stix_id || !o->type || !o->spec_version || !o->modified || !o->json ||
	    o->json_len > (size_t)INT32_MAX || o->n_share_orgs > YG_STORE_LIST_MAX ||
	    o->n_share_groups > YG_STORE_LIST_MAX || (unsigned)o->tlp > YG_TLP_RED)
		return -EINVAL;
	bool own;
	int r = yg_pg_write_begin(s, &own);
	if (r < 0)
		return r;
	int64_t added = 0;
	r = yg_pg_write_end(s, own, obj_put_locked(s, o, &added));
	if (r >= 0)
		*ret_added = added;
	return r;
}

/* A small bounded SQL text builder for fixed fragments and "$N" markers. */
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

/* Appends "$a, $a+1, ..." for n parameters starting at *next. */
static void sb_params(struct sqlbuf *sb, int *next, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char p[16];
		snprintf(p, sizeof p, "%s$%d", i ? ", " : "", (*next)++);
		sb_add(sb, p);
	}
}

int yg_pg_obj_query(struct yg_store *st, const struct yg_obj_query *q, yg_obj_fn fn, void *ud)
{
	if (q->n_ids > YG_STORE_LIST_MAX || q->n_types > YG_STORE_LIST_MAX ||
	    q->n_spec_versions > YG_STORE_LIST_MAX || q->n_versions > YG_STORE_LIST_MAX)
		return -E2BIG;
	struct sqlbuf sb;
	sb.len = 0;
	sb.overflow = false;
	sb.b[0] = '\0';
	struct yg_pg_args *a = malloc(sizeof *a);
	if (!a)
		return -ENOMEM;
	yg_pg_args_init(a);
	sb_add(&sb, "SELECT o.stix_id, o.type, o.spec_version, o.modified, o.modified_us,"
		    " o.added_us, o.tlp, o.created_by_org, o.anonymous, o.revoked,"
		    " EXISTS(SELECT 1 FROM object_shares sh WHERE sh.object_id = o.id AND"
		    " (sh.org_id = $1 OR sh.group_id IN"
		    " (SELECT gm.group_id FROM group_members gm WHERE gm.org_id = $1)))::int,");
	sb_add(&sb, q->want_json ? " o.json" : " NULL");
	sb_add(&sb, " FROM objects o WHERE o.collection_id = $2 AND o.added_us > $3");
	yg_pg_i64(a, q->viewer_org);
	yg_pg_i64(a, q->collection);
	yg_pg_i64(a, q->added_after_us);
	int next = 4;
	if (q->n_ids) {
		sb_add(&sb, " AND o.stix_id IN (");
		sb_params(&sb, &next, q->n_ids);
		sb_add(&sb, ")");
		for (size_t i = 0; i < q->n_ids; i++)
			yg_pg_txt(a, q->ids[i]);
	}
	if (q->n_types) {
		sb_add(&sb, " AND o.type IN (");
		sb_params(&sb, &next, q->n_types);
		sb_add(&sb, ")");
		for (size_t i = 0; i < q->n_types; i++)
			yg_pg_txt(a, q->types[i]);
	}
	if (q->n_spec_versions) {
		sb_add(&sb, " AND o.spec_version IN (");
		sb_params(&sb, &next, q->n_spec_versions);
		sb_add(&sb, ")");
		for (size_t i = 0; i < q->n_spec_versions; i++)
			yg_pg_txt(a, q->spec_versions[i]);
	}
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
			for (size_t i = 0; i < q->n_versions; i++)
				yg_pg_i64(a, q->versions_us[i]);
		}
		sb_add(&sb, ")");
	}
	sb_add(&sb, " ORDER BY o.added_us");
	int r = -E2BIG;
	if (sb.overflow)
		goto out;
	PGresult *res = NULL;
	r = yg_pg_run(yg_pg(st), sb.b, a, &res);
	if (r < 0)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_obj_row row = {
			.stix_id = yg_pg_get_str(res, i, 0),
			.type = yg_pg_get_str(res, i, 1),
			.spec_version = yg_pg_get_str(res, i, 2),
			.modified = yg_pg_get_str(res, i, 3),
			.modified_us = yg_pg_get_i64(res, i, 4),
			.added_us = yg_pg_get_i64(res, i, 5),
			.tlp = (enum yg_tlp)yg_pg_get_i64(res, i, 6),
			.submitter_org = yg_pg_get_i64(res, i, 7),
			.anonymous = yg_pg_get_bool(res, i, 8),
			.revoked = yg_pg_get_bool(res, i, 9),
			.viewer_named = yg_pg_get_bool(res, i, 10),
		};
		if (q->want_json) {
			row.json = yg_pg_get_str(res, i, 11);
			row.json_len = (size_t)PQgetlength(res, i, 11);
		}
		r = fn(ud, &row);
		if (r <= 0)
			break;
	}
	r = yg_pg_rows_end(res, r);
out:
	free(a);
	return r;
}

int yg_pg_obj_delete(struct yg_store *st, int64_t collection, const char *stix_id,
		     int64_t only_org, size_t *ret_deleted)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, collection);
	yg_pg_txt(&a, stix_id);
	yg_pg_i64(&a, only_org);
	PGresult *res = NULL;
	int r = yg_pg_run(yg_pg(st),
			  "DELETE FROM objects WHERE collection_id = $1 AND stix_id = $2"
			  " AND ($3 = 0 OR created_by_org = $3)",
			  &a, &res);
	if (r < 0)
		return r;
	if (ret_deleted)
		*ret_deleted = (size_t)strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

int yg_pg_obj_count(struct yg_store *st, int64_t *ret)
{
	return yg_pg_int(yg_pg(st), "SELECT count(*) FROM objects", NULL, ret);
}

int yg_pg_status_put(struct yg_store *st, const char *uuid, int64_t org_id, const char *json)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, uuid);
	yg_pg_i64(&a, org_id);
	yg_pg_i64(&a, yg_pg_now_us());
	yg_pg_txt(&a, json);
	return yg_pg_run(yg_pg(st),
			 "INSERT INTO statuses(uuid, org_id, created_us, json) VALUES ($1, $2, $3, $4)",
			 &a, NULL);
}

int yg_pg_status_get(struct yg_store *st, const char *uuid, int64_t org_id, char **ret_json)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_txt(&a, uuid);
	yg_pg_i64(&a, org_id);
	PGresult *res = NULL;
	int r = yg_pg_row(yg_pg(st), "SELECT json FROM statuses WHERE uuid = $1 AND org_id = $2", &a,
			  &res);
	if (r < 0)
		return r;
	char *dup = strdup(PQgetisnull(res, 0, 0) ? "{}" : PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!dup)
		return -ENOMEM;
	*ret_json = dup;
	return 0;
}
