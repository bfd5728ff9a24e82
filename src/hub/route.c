/*
 * Path routing and media-type checks (see route.h).
 */
#include <string.h>
#include <strings.h>

#include "hub/route.h"
#include "stix/ident.h"

struct seg {
	const char *p;
	size_t n;
};

#define MAX_SEGS 8

/* The segments of one path. Routing reads them only through seg_at, which
 * answers an empty segment past the last one: a rule may test any index
 * without first testing the count, so no rule can read a segment that was
 * never parsed (/api/v1 once compared segs[2] from the stack). */
struct path {
	struct seg s[MAX_SEGS];
	size_t n;
};

static struct seg seg_at(const struct path *path, size_t i)
{
	if (i < path->n && i < MAX_SEGS)
		return path->s[i];
	return (struct seg){.p = "", .n = 0};
}

static bool seg_is(struct seg s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

/* Copies segment i into ret->object_id when it fits. */
static bool take_id(const struct path *path, size_t i, struct yg_route *ret)
{
	struct seg s = seg_at(path, i);
	if (s.n == 0 || s.n > YG_ROUTE_ID_MAX)
		return false;
	memcpy(ret->object_id, s.p, s.n);
	ret->object_id[s.n] = '\0';
	return true;
}

/* Copies segment i into ret->uuid when it is a UUID. */
static bool take_uuid(const struct path *path, size_t i, struct yg_route *ret)
{
	struct seg s = seg_at(path, i);
	if (!yg_stix_uuid_valid(s.p, s.n))
		return false;
	memcpy(ret->uuid, s.p, 36);
	ret->uuid[36] = '\0';
	return true;
}

static bool is_stix_id(struct seg s, const char *type)
{
	return s.n <= YG_ROUTE_ID_MAX && yg_stix_id_valid(s.p, s.n, type);
}

/* /api/v1/mail..., /api/v1/campaigns..., /api/v1/notifications. */
static void mail_route(const struct path *path, struct yg_route *ret)
{
	size_t n = path->n;
	struct seg s2 = seg_at(path, 2), s3 = seg_at(path, 3);
	if (seg_is(s2, "notifications")) {
		if (n == 3)
			ret->kind = YG_ROUTE_REST_NOTIFICATIONS;
	} else if (seg_is(s2, "campaigns")) {
		if (n == 3)
			ret->kind = YG_ROUTE_REST_CAMPAIGNS;
		else if (n == 4 && is_stix_id(s3, "campaign") && take_id(path, 3, ret))
			ret->kind = YG_ROUTE_REST_CAMPAIGN;
	} else if (n == 3) {
		ret->kind = YG_ROUTE_REST_MAIL;
	} else if ((n == 4 || (n == 5 && seg_is(seg_at(path, 4), "original"))) &&
		   take_uuid(path, 3, ret)) {
		ret->kind = n == 4 ? YG_ROUTE_REST_MAIL_ONE : YG_ROUTE_REST_MAIL_ORIGINAL;
	}
}

/* /api/v1/darknet and its read-only resources (darknet.h). */
static void darknet_route(const struct path *path, struct yg_route *ret)
{
	static const struct {
		const char *name;
		enum yg_route_kind kind;
	} subs[] = {
		{"signals", YG_ROUTE_REST_DARKNET_SIGNALS}, {"ports", YG_ROUTE_REST_DARKNET_PORTS},
		{"sources", YG_ROUTE_REST_DARKNET_SOURCES}, {"victims", YG_ROUTE_REST_DARKNET_VICTIMS},
		{"sensors", YG_ROUTE_REST_DARKNET_SENSORS},
	};
	if (path->n == 3) {
		ret->kind = YG_ROUTE_REST_DARKNET;
		return;
	}
	for (size_t i = 0; path->n == 4 && i < sizeof subs / sizeof subs[0]; i++)
		if (seg_is(seg_at(path, 3), subs[i].name))
			ret->kind = subs[i].kind;
}

/* /api/v1/level and its actions. */
static void level_route(const struct path *path, struct yg_route *ret)
{
	static const struct {
		const char *name;
		enum yg_route_kind kind;
	} sub[] = {
		{"history", YG_ROUTE_REST_LEVEL_HISTORY}, {"set", YG_ROUTE_REST_LEVEL_SET},
		{"confirm", YG_ROUTE_REST_LEVEL_CONFIRM}, {"reject", YG_ROUTE_REST_LEVEL_REJECT},
		{"signals", YG_ROUTE_REST_LEVEL_SIGNALS},
	};
	if (path->n == 3) {
		ret->kind = YG_ROUTE_REST_LEVEL;
		return;
	}
	for (size_t i = 0; path->n == 4 && i < sizeof sub / sizeof sub[0]; i++)
		if (seg_is(seg_at(path, 3), sub[i].name))
			ret->kind = sub[i].kind;
}

/* /api/v1/hosts and its resources; a host's id is 1..18 digits. */
static void hosts_route(const struct path *path, struct yg_route *ret)
{
	static const struct {
		const char *name;
		enum yg_route_kind kind;
	} sub[] = {
		{"stats", YG_ROUTE_REST_HOSTS_STATS},
		{"notices", YG_ROUTE_REST_HOSTS_NOTICES},
		{"notify", YG_ROUTE_REST_HOSTS_NOTIFY},
	};
	struct seg s3 = seg_at(path, 3);
	if (path->n == 3) {
		ret->kind = YG_ROUTE_REST_HOSTS;
		return;
	}
	for (size_t i = 0; path->n == 4 && i < sizeof sub / sizeof sub[0]; i++)
		if (seg_is(s3, sub[i].name))
			ret->kind = sub[i].kind;
	if (path->n != 5 || !seg_is(seg_at(path, 4), "state") || s3.n == 0 || s3.n > 18 ||
	    s3.p[0] == '0')
		return;
	for (size_t i = 0; i < s3.n; i++)
		if (s3.p[i] < '0' || s3.p[i] > '9')
			return;
	if (take_id(path, 3, ret))
		ret->kind = YG_ROUTE_REST_HOST_STATE;
}

/* /api/v1/...: segments 0 and 1 are "api" "v1"; /api/v1 alone is a REST 404. */
static void rest_route(const struct path *path, struct yg_route *ret)
{
	size_t n = path->n;
	struct seg s2 = seg_at(path, 2), s3 = seg_at(path, 3);
	ret->kind = YG_ROUTE_REST_NOT_FOUND;
	if (n < 3)
		return;
	if (n == 3 && seg_is(s2, "whoami"))
		ret->kind = YG_ROUTE_REST_WHOAMI;
	else if (n == 3 && seg_is(s2, "collections"))
		ret->kind = YG_ROUTE_REST_COLLECTIONS;
	else if (n == 3 && seg_is(s2, "indicators"))
		ret->kind = YG_ROUTE_REST_INDICATORS;
	else if (n == 3 && seg_is(s2, "orgs"))
		ret->kind = YG_ROUTE_REST_ORGS;
	else if (n == 4 && seg_is(s2, "orgs")) {
		/* A name or an identity id; the store compares it as a value. */
		if (take_id(path, 3, ret))
			ret->kind = YG_ROUTE_REST_ORG;
	} else if (seg_is(s2, "mail") || seg_is(s2, "campaigns") || seg_is(s2, "notifications")) {
		mail_route(path, ret);
	} else if (n == 3 && seg_is(s2, "sightings")) {
		ret->kind = YG_ROUTE_REST_SIGHTINGS;
	} else if (n == 4 && seg_is(s2, "indicators") && seg_is(s3, "changes")) {
		ret->kind = YG_ROUTE_REST_CHANGES;
	} else if (n == 4 && seg_is(s2, "indicators") && seg_is(s3, "search")) {
		ret->kind = YG_ROUTE_REST_IND_SEARCH;
	} else if (n == 3 && seg_is(s2, "summary")) {
		ret->kind = YG_ROUTE_REST_SUMMARY;
	} else if (n == 3 && seg_is(s2, "members")) {
		ret->kind = YG_ROUTE_REST_MEMBERS;
	} else if (n == 3 && seg_is(s2, "peers")) {
		ret->kind = YG_ROUTE_REST_PEERS;
	} else if (n == 5 && seg_is(s2, "indicators") && seg_is(seg_at(path, 4), "sightings") &&
		   is_stix_id(s3, "indicator") && take_id(path, 3, ret)) {
		ret->kind = YG_ROUTE_REST_IND_SIGHTINGS;
	} else if (n == 5 && seg_is(s2, "export") && seg_is(s3, "misp") && take_id(path, 4, ret)) {
		ret->kind = YG_ROUTE_REST_EXPORT_MISP;
	} else if (n == 4 && seg_is(s2, "export") && s3.n <= 32 && take_id(path, 3, ret)) {
		ret->kind = YG_ROUTE_REST_EXPORT;
	} else if (seg_is(s2, "darknet")) {
		darknet_route(path, ret);
	} else if (n == 3 && seg_is(s2, "events")) {
		ret->kind = YG_ROUTE_REST_EVENTS;
	} else if (seg_is(s2, "level")) {
		level_route(path, ret);
	} else if (seg_is(s2, "hosts")) {
		hosts_route(path, ret);
	} else if (n == 3 && seg_is(s2, "beacons")) {
		ret->kind = YG_ROUTE_REST_BEACONS;
	} else if (seg_is(s2, "feeds")) {
		if (n == 3)
			ret->kind = YG_ROUTE_REST_FEEDS;
		else if (n == 4 && take_id(path, 3, ret))
			ret->kind = YG_ROUTE_REST_FEED;
		else if (n == 5 && seg_is(seg_at(path, 4), "run") && take_id(path, 3, ret))
			ret->kind = YG_ROUTE_REST_FEED_RUN;
	}
}

bool yg_route_is_rest(enum yg_route_kind kind)
{
	return (kind >= YG_ROUTE_REST_NOT_FOUND && kind <= YG_ROUTE_REST_EXPORT) ||
	       (kind >= YG_ROUTE_REST_MAIL && kind <= YG_ROUTE_REST_NOTIFICATIONS) ||
	       (kind >= YG_ROUTE_REST_SIGHTINGS && kind <= YG_ROUTE_REST_DARKNET_SENSORS) ||
	       (kind >= YG_ROUTE_REST_LEVEL && kind <= YG_ROUTE_REST_EVENTS) ||
	       (kind >= YG_ROUTE_REST_HOSTS && kind <= YG_ROUTE_REST_BEACONS) ||
	       (kind >= YG_ROUTE_REST_FEEDS && kind <= YG_ROUTE_REST_FEED_RUN) ||
	       (kind >= YG_ROUTE_REST_SUMMARY && kind <= YG_ROUTE_REST_PEERS);
}

/* Splits [path, path+len) at '/'; false for "//", "." or "..", or more
 * than MAX_SEGS segments. A trailing '/' adds no segment. */
static bool split(const char *path, size_t len, struct path *ret)
{
	size_t i = 1;
	ret->n = 0;
	while (i < len) {
		const char *slash = memchr(path + i, '/', len - i);
		size_t end = slash ? (size_t)(slash - path) : len;
		if (end == i) /* "//" */
			return false;
		if (ret->n == MAX_SEGS)
			return false;
		struct seg s = {.p = path + i, .n = end - i};
		if (seg_is(s, ".") || seg_is(s, ".."))
			return false;
		ret->s[ret->n++] = s;
		i = end + 1;
	}
	return true;
}

/* /taxii2/...: segment 0 is "taxii2". */
static void taxii_route(const struct path *path, struct yg_route *ret)
{
	size_t n = path->n;
	if (n == 1) {
		ret->kind = YG_ROUTE_DISCOVERY;
		return;
	}
	if (!seg_is(seg_at(path, 1), "api"))
		return;
	if (n == 2) {
		ret->kind = YG_ROUTE_API_ROOT;
		return;
	}
	if (seg_is(seg_at(path, 2), "status")) {
		if (n == 4 && take_uuid(path, 3, ret))
			ret->kind = YG_ROUTE_STATUS;
		return;
	}
	if (!seg_is(seg_at(path, 2), "collections"))
		return;
	if (n == 3) {
		ret->kind = YG_ROUTE_COLLECTIONS;
		return;
	}
	/* Collection ids are the hub's own version-4 UUIDs. */
	if (!take_uuid(path, 3, ret))
		return;
	if (n == 4) {
		ret->kind = YG_ROUTE_COLLECTION;
		return;
	}
	if (n == 5 && seg_is(seg_at(path, 4), "manifest")) {
		ret->kind = YG_ROUTE_MANIFEST;
		return;
	}
	if (seg_is(seg_at(path, 4), "objects") && n == 5) {
		ret->kind = YG_ROUTE_OBJECTS;
		return;
	}
	if (seg_is(seg_at(path, 4), "objects") && is_stix_id(seg_at(path, 5), NULL)) {
		if (n == 6 && take_id(path, 5, ret)) {
			ret->kind = YG_ROUTE_OBJECT;
			return;
		}
		if (n == 7 && seg_is(seg_at(path, 6), "versions") && take_id(path, 5, ret)) {
			ret->kind = YG_ROUTE_VERSIONS;
			return;
		}
	}
	ret->uuid[0] = '\0';
}

void yg_route_parse(const char *path, size_t len, struct yg_route *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->kind = YG_ROUTE_NOT_FOUND;
	if (!path || len == 0 || path[0] != '/' || memchr(path, '\0', len))
		return;
	struct path segs;
	if (!split(path, len, &segs))
		return;
	struct seg s0 = seg_at(&segs, 0);
	if (segs.n == 0 || (segs.n >= 2 && seg_is(s0, "static")))
		ret->kind = YG_ROUTE_WEB_FILE;
	else if (segs.n == 1 && seg_is(s0, "session"))
		ret->kind = YG_ROUTE_WEB_SESSION;
	else if (segs.n == 1 && seg_is(s0, "healthz"))
		ret->kind = YG_ROUTE_HEALTHZ;
	else if (segs.n == 1 && seg_is(s0, "metrics"))
		ret->kind = YG_ROUTE_METRICS;
	else if (segs.n >= 2 && seg_is(s0, "api") && seg_is(seg_at(&segs, 1), "v1"))
		rest_route(&segs, ret);
	else if (segs.n >= 1 && seg_is(s0, "taxii2"))
		taxii_route(&segs, ret);
}

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* One media range [p, p+n): type/subtype and parameters. Whether it
 * is TAXII 2.1 (or, when allowed, a wildcard). */
static bool range_ok(const char *p, size_t n, bool allow_wild)
{
	while (n && ows(*p)) {
		p++;
		n--;
	}
	const char *semi = memchr(p, ';', n);
	size_t tn = semi ? (size_t)(semi - p) : n;
	while (tn && ows(p[tn - 1]))
		tn--;
	bool taxii = tn == 22 && !strncasecmp(p, "application/taxii+json", 22);
	bool wild = (tn == 3 && !memcmp(p, "*/*", 3)) ||
		    (tn == 13 && !strncasecmp(p, "application/*", 13));
	if (!taxii && !(allow_wild && wild))
		return false;
	if (!taxii)
		return true;
	/* Parameters: a version, when given, must be 2.1; others (q) ignored. */
	const char *q = semi;
	const char *end = p + n;
	while (q && q < end) {
		q++;
		const char *next = memchr(q, ';', (size_t)(end - q));
		const char *pe = next ? next : end;
		while (q < pe && ows(*q))
			q++;
		size_t pn = (size_t)(pe - q);
		while (pn && ows(q[pn - 1]))
			pn--;
		if (pn >= 8 && !strncasecmp(q, "version=", 8)) {
			const char *v = q + 8;
			size_t vn = pn - 8;
			if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
				v++;
				vn -= 2;
			}
			if (!(vn == 3 && !memcmp(v, "2.1", 3)))
				return false;
		}
		q = next;
	}
	return true;
}

/* One media range of an Accept header: application/json, application/ *
 * or * / *, whatever its parameters. */
static bool json_range_ok(const char *p, size_t n)
{
	while (n && ows(*p)) {
		p++;
		n--;
	}
	const char *semi = memchr(p, ';', n);
	size_t tn = semi ? (size_t)(semi - p) : n;
	while (tn && ows(p[tn - 1]))
		tn--;
	return (tn == 16 && !strncasecmp(p, "application/json", 16)) ||
	       (tn == 3 && !memcmp(p, "*/*", 3)) || (tn == 13 && !strncasecmp(p, "application/*", 13));
}

bool yg_rest_accept_ok(const char *accept)
{
	if (!accept)
		return true;
	const char *p = accept;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (json_range_ok(p, n))
			return true;
		if (!comma)
			return false;
		p = comma + 1;
	}
}

bool yg_taxii_accept_ok(const char *accept)
{
	if (!accept)
		return true;
	const char *p = accept;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (range_ok(p, n, true))
			return true;
		if (!comma)
			return false;
		p = comma + 1;
	}
}

bool yg_taxii_content_type_ok(const char *ct)
{
	return ct && !strchr(ct, ',') && range_ok(ct, strlen(ct), false);
}
