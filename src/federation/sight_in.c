/*
 * A peer's per-day sighting aggregates, as this hub takes them (see
 * sight.h): checked field by field, stored in the sightings table as the
 * peer's organization with the identity they name as the reporter.
 */
#include "federation/sight.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "federation/rule.h"
#include "hub/ids.h"
#include "stix/ident.h"
#include "store/store_sightings.h"

#define COUNT_MAX 999999999
#define SKEW_US   (15 * 60 * 1000000LL) /* a peer's clock ahead of ours */

bool yg_fed_is_sighting(const json_t *obj)
{
	const char *type = json_string_value(json_object_get(obj, "type"));
	return type && !strcmp(type, "sighting") && json_object_get(obj, "x_yagura_day");
}

static bool get_time(const json_t *o, const char *key, int64_t *ret)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && yg_time_parse_us(s, strlen(s), ret);
}

static bool id_of(const json_t *o, const char *key, const char *type)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && strlen(s) < YG_FED_ID_MAX * 2 && yg_stix_id_valid(s, strlen(s), type);
}

/* Why obj is not a good aggregate, or NULL; fills in. */
static const char *check(const json_t *obj, struct yg_sighting_in *in)
{
	if (!id_of(obj, "id", "sighting"))
		return "bad id";
	if (!id_of(obj, "sighting_of_ref", "indicator"))
		return "sighting_of_ref must name an indicator";
	if (!id_of(obj, "created_by_ref", "identity"))
		return "created_by_ref must name an identity";
	const char *by = json_string_value(json_object_get(obj, "created_by_ref"));
	const json_t *where = json_object_get(obj, "where_sighted_refs");
	if (where && (!json_is_array(where) || json_array_size(where) != 1 ||
	              !json_is_string(json_array_get(where, 0)) ||
	              strcmp(json_string_value(json_array_get(where, 0)), by)))
		return "where_sighted_refs must be the created_by_ref";
	const json_t *cnt = json_object_get(obj, "count");
	if (!json_is_integer(cnt) || json_integer_value(cnt) < 0 ||
	    json_integer_value(cnt) > COUNT_MAX)
		return "count must be an integer 0..999999999";
	int64_t mod, first, last;
	if (!get_time(obj, "modified", &mod) || !get_time(obj, "first_seen", &first) ||
	    !get_time(obj, "last_seen", &last))
		return "modified, first_seen and last_seen must be timestamps";
	if (first > last)
		return "first_seen after last_seen";
	if (last > yg_now_us() + SKEW_US)
		return "last_seen is in the future";
	*in = (struct yg_sighting_in){
	    .stix_id = json_string_value(json_object_get(obj, "id")),
	    .indicator_id = json_string_value(json_object_get(obj, "sighting_of_ref")),
	    .modified_us = mod,
	    .count = json_integer_value(cnt),
	    .first_seen_us = first,
	    .last_seen_us = last,
	    .reporter = by,
	};
	return NULL;
}

int yg_fed_sighting_ingest(struct yg_store *st, const struct yg_fed_ctx *ctx, const json_t *obj,
                           char *err, size_t errlen)
{
	struct yg_sighting_in in;
	const char *why = check(obj, &in);
	const char *id = json_string_value(json_object_get(obj, "id"));
	if (why) {
		snprintf(err, errlen, "%.128s: %s", id && strlen(id) < 128 ? id : "sighting", why);
		return 0;
	}
	json_t *kept = yg_fed_inbound(obj);
	char *text = kept ? json_dumps(kept, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(kept);
	if (!text)
		return -ENOMEM;
	int r = 0;
	if (strlen(text) > YG_SIGHTING_JSON_MAX) {
		snprintf(err, errlen, "%.128s: sighting too large", id);
		goto out;
	}
	in.org_id = ctx->peer_org;
	in.json = text;
	in.json_len = strlen(text);
	enum yg_sighting_outcome oc = YG_SIGHTING_NEW;
	r = st->ops->sightings->put(st, &in, &oc);
	if (r == -EEXIST) {
		snprintf(err, errlen, "%.128s: sighting id already used by another organization",
		         id);
		r = 0;
	} else if (r == 0) {
		r = oc == YG_SIGHTING_DUPLICATE ? 2 : 1;
	}
out:
	free(text);
	return r;
}
