/*
 * Request parsing that needs no server: which endpoint a path names
 * (TAXII 2.1 sections 4-5 under /taxii2/, API root /taxii2/api/), and the
 * TAXII media-type checks of Accept and Content-Type (section 1.6.8).
 *
 * Paths arrive URL-decoded. Anything that is not exactly one of the routes
 * below (empty, "." or ".." segments, bad ids, NUL bytes) is
 * YG_ROUTE_NOT_FOUND, so no path ever names a file or another collection.
 *
 *   /healthz  /metrics
 *   /taxii2/                                        discovery
 *   /taxii2/api/                                    API root information
 *   /taxii2/api/status/<uuid>/
 *   /taxii2/api/collections/
 *   /taxii2/api/collections/<uuid>/
 *   /taxii2/api/collections/<uuid>/objects/
 *   /taxii2/api/collections/<uuid>/objects/<stix-id>/
 *   /taxii2/api/collections/<uuid>/objects/<stix-id>/versions/
 *   /taxii2/api/collections/<uuid>/manifest/
 *   /api/v1/whoami                                  REST (rest.c)
 *   /api/v1/orgs
 *   /api/v1/orgs/<name or identity id>
 *   /api/v1/collections
 *   /api/v1/indicators                              REST (export_api.c)
 *   /api/v1/export/<format>                         REST (export_api.c)
 *   /api/v1/export/misp/<file>                      REST (misp_export.c)
 *   /api/v1/mail                                    REST (mail_api.c)
 *   /api/v1/mail/<uuid>
 *   /api/v1/mail/<uuid>/original
 *   /api/v1/campaigns                               REST (campaign_api.c)
 *   /api/v1/campaigns/<campaign--uuid>
 *   /api/v1/notifications
 *   /api/v1/sightings                               REST (sightings.c)
 *   /api/v1/indicators/<indicator--uuid>/sightings  REST (sightings.c)
 *   /api/v1/indicators/changes                      REST (changes.c)
 *   /api/v1/darknet                                 REST (darknet_api.c)
 *   /api/v1/darknet/{signals,ports,sources,victims,sensors}
 *   /api/v1/level                                   REST (level_api.c)
 *   /api/v1/level/{history,set,confirm,reject,signals}
 *   /api/v1/events                                  Server-Sent Events
 *   /api/v1/hosts                                   REST (hosts_api.c)
 *   /api/v1/hosts/{stats,notices,notify}
 *   /api/v1/hosts/<id>/state
 *   /api/v1/beacons
 *   /api/v1/peers                                   REST (peers_api.c)
 *   /api/v1/feeds                                   REST (feeds_api.c)
 *   /api/v1/feeds/<name>
 *   /api/v1/feeds/<name>/run
 *   /api/v1/summary                                 REST (dash_api.c)
 *   /api/v1/members
 *   /api/v1/indicators/search
 *   /                                               dashboard (web_static.h)
 *   /static/...                                     dashboard files
 *   /session                                        dashboard login (web_api.c)
 *   /api/v1/<anything else>                         REST 404
 *
 * The trailing '/' may be left out.
 */
#ifndef YG_HUB_ROUTE_H
#define YG_HUB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum yg_route_kind {
	YG_ROUTE_NOT_FOUND,
	YG_ROUTE_HEALTHZ,
	YG_ROUTE_METRICS,
	YG_ROUTE_DISCOVERY,
	YG_ROUTE_API_ROOT,
	YG_ROUTE_STATUS,
	YG_ROUTE_COLLECTIONS,
	YG_ROUTE_COLLECTION,
	YG_ROUTE_OBJECTS,
	YG_ROUTE_OBJECT,
	YG_ROUTE_VERSIONS,
	YG_ROUTE_MANIFEST,
	YG_ROUTE_REST_NOT_FOUND, /* under /api/v1/ but no such resource */
	YG_ROUTE_REST_WHOAMI,
	YG_ROUTE_REST_ORGS,
	YG_ROUTE_REST_ORG,
	YG_ROUTE_REST_COLLECTIONS,
	YG_ROUTE_REST_INDICATORS,
	YG_ROUTE_REST_EXPORT_MISP, /* object_id: manifest.json, hashes.csv or <uuid>.json */
	YG_ROUTE_REST_EXPORT, /* object_id holds the format */
	YG_ROUTE_REST_MAIL,          /* mail_api.c */
	YG_ROUTE_REST_MAIL_ONE,      /* uuid holds the submission */
	YG_ROUTE_REST_MAIL_ORIGINAL, /* uuid holds the submission */
	YG_ROUTE_REST_CAMPAIGNS,
	YG_ROUTE_REST_CAMPAIGN,      /* object_id holds the campaign's STIX id */
	YG_ROUTE_REST_NOTIFICATIONS,
	YG_ROUTE_REST_SIGHTINGS,     /* sightings.c */
	YG_ROUTE_REST_IND_SIGHTINGS, /* object_id holds the indicator id */
	YG_ROUTE_REST_CHANGES,       /* changes.c */
	YG_ROUTE_REST_DARKNET,       /* darknet_api.c */
	YG_ROUTE_REST_DARKNET_SIGNALS,
	YG_ROUTE_REST_DARKNET_PORTS,
	YG_ROUTE_REST_DARKNET_SOURCES,
	YG_ROUTE_REST_DARKNET_VICTIMS,
	YG_ROUTE_REST_DARKNET_SENSORS,
	YG_ROUTE_REST_LEVEL,         /* level_api.c */
	YG_ROUTE_REST_LEVEL_HISTORY,
	YG_ROUTE_REST_LEVEL_SET,
	YG_ROUTE_REST_LEVEL_CONFIRM,
	YG_ROUTE_REST_LEVEL_REJECT,
	YG_ROUTE_REST_LEVEL_SIGNALS,
	YG_ROUTE_REST_EVENTS,        /* Server-Sent Events (level_api.c) */
	YG_ROUTE_REST_HOSTS,         /* hosts_api.c */
	YG_ROUTE_REST_HOSTS_STATS,
	YG_ROUTE_REST_HOSTS_NOTICES,
	YG_ROUTE_REST_HOSTS_NOTIFY,
	YG_ROUTE_REST_HOST_STATE,    /* object_id holds the host's id (digits) */
	YG_ROUTE_REST_BEACONS,
	YG_ROUTE_REST_FEEDS,         /* feeds_api.c */
	YG_ROUTE_REST_FEED,          /* object_id holds the feed's name */
	YG_ROUTE_REST_FEED_RUN,      /* object_id holds the feed's name */
	YG_ROUTE_REST_SUMMARY,       /* dash_api.c */
	YG_ROUTE_REST_MEMBERS,
	YG_ROUTE_REST_IND_SEARCH,
	YG_ROUTE_REST_PEERS,         /* peers_api.c */
	YG_ROUTE_WEB_FILE,    /* "/" and /static/...: web_static.c checks the rest */
	YG_ROUTE_WEB_SESSION, /* /session (web_api.c) */
};

#define YG_ROUTE_ID_MAX 300 /* type (<= 250) + "--" + uuid */

struct yg_route {
	enum yg_route_kind kind;
	char uuid[37];                  /* collection or status */
	char object_id[YG_ROUTE_ID_MAX + 1]; /* object; for REST_ORG the organization */
};

#define YG_TAXII_MEDIA "application/taxii+json;version=2.1"
#define YG_STIX_MEDIA  "application/stix+json;version=2.1"

/* Fills *ret (kind NOT_FOUND when no route matches); never fails. */
void yg_route_parse(const char *path, size_t len, struct yg_route *ret);

/* Whether a route is of the REST API (its answers are application/json). */
bool yg_route_is_rest(enum yg_route_kind kind);

#define YG_REST_MEDIA "application/json"

/* Whether an Accept value admits application/json (also application/ *,
 * * / *, and a missing header). */
bool yg_rest_accept_ok(const char *accept);

/* Whether an Accept value admits TAXII 2.1 JSON: a listed media range
 * application/taxii+json with version=2.1 or no version, or application/ *
 * or * / *. A missing header (NULL) is accepted. */
bool yg_taxii_accept_ok(const char *accept);

/* Whether a Content-Type is application/taxii+json (version 2.1 or none). */
bool yg_taxii_content_type_ok(const char *ct);

#endif
