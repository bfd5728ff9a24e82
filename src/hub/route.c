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

static bool seg_is(const struct seg *s, const char *lit)
{
	return s->n == strlen(lit) && !memcmp(s->p, lit, s->n);
}

/* /api/v1/mail..., /api/v1/campaigns..., /api/v1/notifications. */
static void mail_route(const struct seg *segs, size_t n, struct yg_route *ret)
{
	if (seg_is(&segs[2], "notifications")) {
		if (n == 3)
			ret->kind = YG_ROUTE_REST_NOTIFICATIONS;
	} else if (seg_is(&segs[2], "campaigns")) {
		if (n == 3)
			ret->kind = YG_ROUTE_REST_CAMPAIGNS;
		else if (n == 4 && segs[3].n <= YG_ROUTE_ID_MAX &&
			 yg_stix_id_valid(segs[3].p, segs[3].n, NULL) && segs[3].n > 10 &&
			 !memcmp(segs[3].p, "campaign--", 10)) {
			memcpy(ret->object_id, segs[3].p, segs[3].n);
			ret->object_id[segs[3].n] = '\0';
			ret->kind = YG_ROUTE_REST_CAMPAIGN;
		}
	} else if (n == 3) {
		ret->kind = YG_ROUTE_REST_MAIL;
	} else if ((n == 4 || (n == 5 && seg_is(&segs[4], "original"))) &&
		   yg_stix_uuid_valid(segs[3].p, segs[3].n)) {
		memcpy(ret->uuid, segs[3].p, 36);
		ret->kind = n == 4 ? YG_ROUTE_REST_MAIL_ONE : YG_ROUTE_REST_MAIL_ORIGINAL;
	}
}

/* /api/v1/...: segs[0] and segs[1] are "api" "v1". */
static void rest_route(const struct seg *segs, size_t n, struct yg_route *ret)
{
	ret->kind = YG_ROUTE_REST_NOT_FOUND;
	if (n == 3 && seg_is(&segs[2], "whoami"))
		ret->kind = YG_ROUTE_REST_WHOAMI;
	else if (n == 3 && seg_is(&segs[2], "collections"))
		ret->kind = YG_ROUTE_REST_COLLECTIONS;
	else if (n == 3 && seg_is(&segs[2], "indicators"))
		ret->kind = YG_ROUTE_REST_INDICATORS;
	else if (n == 3 && seg_is(&segs[2], "orgs"))
		ret->kind = YG_ROUTE_REST_ORGS;
	else if (n == 4 && seg_is(&segs[2], "orgs") && segs[3].n <= YG_ROUTE_ID_MAX) {
		/* A name or an identity id; the store compares it as a value. */
		memcpy(ret->object_id, segs[3].p, segs[3].n);
		ret->object_id[segs[3].n] = '\0';
		ret->kind = YG_ROUTE_REST_ORG;
	} else if (seg_is(&segs[2], "mail") || seg_is(&segs[2], "campaigns") ||
		   seg_is(&segs[2], "notifications")) {
		mail_route(segs, n, ret);
	} else if (n == 3 && seg_is(&segs[2], "sightings")) {
		ret->kind = YG_ROUTE_REST_SIGHTINGS;
	} else if (n == 4 && seg_is(&segs[2], "indicators") && seg_is(&segs[3], "changes")) {
		ret->kind = YG_ROUTE_REST_CHANGES;
	} else if (n == 5 && seg_is(&segs[2], "indicators") && seg_is(&segs[4], "sightings") &&
		   segs[3].n <= YG_ROUTE_ID_MAX &&
		   yg_stix_id_valid(segs[3].p, segs[3].n, "indicator")) {
		memcpy(ret->object_id, segs[3].p, segs[3].n);
		ret->object_id[segs[3].n] = '\0';
		ret->kind = YG_ROUTE_REST_IND_SIGHTINGS;
	} else if (n == 4 && seg_is(&segs[2], "export") && segs[3].n && segs[3].n <= 32) {
		memcpy(ret->object_id, segs[3].p, segs[3].n);
		ret->object_id[segs[3].n] = '\0';
		ret->kind = YG_ROUTE_REST_EXPORT;
	}
}

bool yg_route_is_rest(enum yg_route_kind kind)
{
	return (kind >= YG_ROUTE_REST_NOT_FOUND && kind <= YG_ROUTE_REST_EXPORT) ||
	       (kind >= YG_ROUTE_REST_MAIL && kind <= YG_ROUTE_REST_NOTIFICATIONS) ||
	       (kind >= YG_ROUTE_REST_SIGHTINGS && kind <= YG_ROUTE_REST_CHANGES);
}

void yg_route_parse(const char *path, size_t len, struct yg_route *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->kind = YG_ROUTE_NOT_FOUND;
	if (!path || len == 0 || path[0] != '/' || memchr(path, '\0', len))
		return;
	struct seg segs[MAX_SEGS];
	size_t n = 0, i = 1;
	while (i < len) {
		const char *slash = memchr(path + i, '/', len - i);
		size_t end = slash ? (size_t)(slash - path) : len;
		if (end == i) /* "//" */
			return;
		if (n == MAX_SEGS)
			return;
		segs[n].p = path + i;
		segs[n].n = end - i;
		if (seg_is(&segs[n], ".") || seg_is(&segs[n], ".."))
			return;
		n++;
		i = end + 1;
	}
	if (n == 1 && seg_is(&segs[0], "healthz")) {
		ret->kind = YG_ROUTE_HEALTHZ;
		return;
	}
	if (n == 1 && seg_is(&segs[0], "metrics")) {
		ret->kind = YG_ROUTE_METRICS;
		return;
	}
	if (n >= 2 && seg_is(&segs[0], "api") && seg_is(&segs[1], "v1")) {
		rest_route(segs, n, ret);
		return;
	}
	if (n < 1 || !seg_is(&segs[0], "taxii2"))
		return;
	if (n == 1) {
		ret->kind = YG_ROUTE_DISCOVERY;
		return;
	}
	if (!seg_is(&segs[1], "api"))
		return;
	if (n == 2) {
		ret->kind = YG_ROUTE_API_ROOT;
		return;
	}
	if (seg_is(&segs[2], "status")) {
		if (n != 4 || !yg_stix_uuid_valid(segs[3].p, segs[3].n))
			return;
		memcpy(ret->uuid, segs[3].p, 36);
		ret->kind = YG_ROUTE_STATUS;
		return;
	}
	if (!seg_is(&segs[2], "collections"))
		return;
	if (n == 3) {
		ret->kind = YG_ROUTE_COLLECTIONS;
		return;
	}
	/* Collection ids are the hub's own version-4 UUIDs. */
	if (!yg_stix_uuid_valid(segs[3].p, segs[3].n))
		return;
	memcpy(ret->uuid, segs[3].p, 36);
	if (n == 4) {
		ret->kind = YG_ROUTE_COLLECTION;
		return;
	}
	if (n == 5 && seg_is(&segs[4], "manifest")) {
		ret->kind = YG_ROUTE_MANIFEST;
		return;
	}
	if (!seg_is(&segs[4], "objects"))
		return;
	if (n == 5) {
		ret->kind = YG_ROUTE_OBJECTS;
		return;
	}
	if (segs[5].n > YG_ROUTE_ID_MAX || !yg_stix_id_valid(segs[5].p, segs[5].n, NULL))
		return;
	memcpy(ret->object_id, segs[5].p, segs[5].n);
	ret->object_id[segs[5].n] = '\0';
	if (n == 6) {
		ret->kind = YG_ROUTE_OBJECT;
		return;
	}
	if (n == 7 && seg_is(&segs[6], "versions")) {
		ret->kind = YG_ROUTE_VERSIONS;
		return;
	}
	ret->object_id[0] = '\0';
	ret->uuid[0] = '\0';
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
