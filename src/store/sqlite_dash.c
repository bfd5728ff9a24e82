/*
 * SQLite backend, the dashboard's figures (store_dash.h). One statement
 * with correlated subqueries: each reads an index (sightings by org via
 * its primary scan is fine at a hub's scale of organizations), and every
 * value is a bound parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite-int.h"
#include "store/store_dash.h"

static void copy(char *dst, size_t cap, sqlite3_stmt *stmt, int i)
{
	const char *t = (const char *)sqlite3_column_text(stmt, i);
	snprintf(dst, cap, "%s", t ? t : "");
}

static int sq_members(struct yg_store *st, int64_t org_id, int64_t since_us,
		      int64_t online_minute, int (*fn)(void *ud, const struct yg_dash_member *m),
		      void *ud)
{
	sqlite3_stmt *stmt = NULL;
	int r = yg_sq_prep(
	    yg_sq(st),
	    "SELECT o.id, o.name, o.sector, o.country,"
	    " (SELECT COALESCE(SUM(g.count), 0) FROM sightings g"
	    "   WHERE g.org_id = o.id AND g.last_seen_us >= ?1),"
	    " (SELECT COALESCE(SUM(g.count), 0) FROM sightings g WHERE g.org_id = o.id),"
	    " (SELECT COALESCE(MAX(g.received_us), 0) FROM sightings g WHERE g.org_id = o.id),"
	    " (SELECT COUNT(*) FROM tokens t WHERE t.org_id = o.id AND t.role = ?4"
	    "   AND t.revoked_us IS NULL),"
	    " (SELECT COUNT(DISTINCT w.sensor) FROM darknet_windows w"
	    "   WHERE w.org_id = o.id AND w.minute >= ?2),"
	    " (SELECT COALESCE(MAX(w.minute), 0) FROM darknet_windows w WHERE w.org_id = o.id)"
	    " FROM organizations o WHERE ?3 = 0 OR o.id = ?3 ORDER BY o.name",
	    &stmt);
	if (r < 0)
		return r;
	sqlite3_bind_int64(stmt, 1, since_us);
	sqlite3_bind_int64(stmt, 2, online_minute);
	sqlite3_bind_int64(stmt, 3, org_id);
	sqlite3_bind_int64(stmt, 4, (int64_t)YG_ROLE_SENSOR);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct yg_dash_member m = {.org_id = sqlite3_column_int64(stmt, 0)};
		copy(m.name, sizeof m.name, stmt, 1);
		copy(m.sector, sizeof m.sector, stmt, 2);
		copy(m.country, sizeof m.country, stmt, 3);
		m.sightings = sqlite3_column_int64(stmt, 4);
		m.sightings_total = sqlite3_column_int64(stmt, 5);
		m.last_sighting_us = sqlite3_column_int64(stmt, 6);
		m.sensor_tokens = sqlite3_column_int64(stmt, 7);
		m.telescopes = sqlite3_column_int64(stmt, 8);
		m.last_window_minute = sqlite3_column_int64(stmt, 9);
		r = fn(ud, &m);
		if (r <= 0)
			break;
	}
	return yg_sq_rows_end(yg_sq(st), stmt, rc, r);
}

const struct yg_store_dash_ops yg_sq_dash_ops = {
    .members = sq_members,
};
