/*
 * PostgreSQL backend, the dashboard's figures (store_dash.h): the query of
 * sqlite_dash.c with $N placeholders; no tables of its own.
 */
#include <errno.h>

#include "store/pg-int.h"
#include "store/store_dash.h"

static int pg_members(struct yg_store *st, int64_t org_id, int64_t since_us,
		      int64_t online_minute, int (*fn)(void *ud, const struct yg_dash_member *m),
		      void *ud)
{
	struct yg_pg_args a;
	yg_pg_args_init(&a);
	yg_pg_i64(&a, since_us);
	yg_pg_i64(&a, online_minute);
	yg_pg_i64(&a, org_id);
	yg_pg_i64(&a, (int64_t)YG_ROLE_SENSOR);
	PGresult *res = NULL;
	int r = yg_pg_run(
	    yg_pg(st),
	    "SELECT o.id, o.name, o.sector, o.country,"
	    " (SELECT COALESCE(SUM(g.count), 0) FROM sightings g"
	    "   WHERE g.org_id = o.id AND g.last_seen_us >= $1),"
	    " (SELECT COALESCE(SUM(g.count), 0) FROM sightings g WHERE g.org_id = o.id),"
	    " (SELECT COALESCE(MAX(g.received_us), 0) FROM sightings g WHERE g.org_id = o.id),"
	    " (SELECT COUNT(*) FROM tokens t WHERE t.org_id = o.id AND t.role = $4"
	    "   AND t.revoked_us IS NULL),"
	    " (SELECT COUNT(DISTINCT w.sensor) FROM darknet_windows w"
	    "   WHERE w.org_id = o.id AND w.minute >= $2),"
	    " (SELECT COALESCE(MAX(w.minute), 0) FROM darknet_windows w WHERE w.org_id = o.id)"
	    " FROM organizations o WHERE $3 = 0 OR o.id = $3 ORDER BY o.name",
	    &a, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		struct yg_dash_member m = {.org_id = yg_pg_get_i64(res, i, 0)};
		yg_pg_get_text(res, i, 1, m.name, sizeof m.name);
		yg_pg_get_text(res, i, 2, m.sector, sizeof m.sector);
		yg_pg_get_text(res, i, 3, m.country, sizeof m.country);
		m.sightings = yg_pg_get_i64(res, i, 4);
		m.sightings_total = yg_pg_get_i64(res, i, 5);
		m.last_sighting_us = yg_pg_get_i64(res, i, 6);
		m.sensor_tokens = yg_pg_get_i64(res, i, 7);
		m.telescopes = yg_pg_get_i64(res, i, 8);
		m.last_window_minute = yg_pg_get_i64(res, i, 9);
		r = fn(ud, &m);
		if (r <= 0)
			break;
	}
	return yg_pg_rows_end(res, r);
}

const struct yg_store_dash_ops yg_pg_dash_ops = {
    .members = pg_members,
};
