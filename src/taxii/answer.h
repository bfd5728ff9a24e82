/*
 * The sensor's TAXII 2.1 client side: checks of the answers a TAXII 2.1
 * server gives (OASIS TAXII Version 2.1: 4.1 discovery, 5.1 collections,
 * 5.4 get objects, 3.4 added_after/limit/next paging). hub_feed.c uses it
 * when the hub has no change feed; any TAXII 2.1 server will do.
 *
 *   GET {url}/taxii2/                      {"api_roots":["/taxii2/api/"],"default":..}
 *   GET {root}collections/                 {"collections":[{"id":..,"can_read":true},..]}
 *   GET {root}collections/{id}/objects/?match[type]=indicator&added_after=T[&next=N]
 *        header X-TAXII-Date-Added-Last: T'  {"more":true,"next":"N","objects":[..]}
 *
 * Every answer is checked whole before any of it is used; a bad piece
 * rejects the answer with -EBADMSG (or -E2BIG past a cap) and err naming
 * the piece. Pure functions: no I/O, no globals, safe from any thread.
 */
#ifndef YG_TAXII_ANSWER_H
#define YG_TAXII_ANSWER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_TAXII_URL_MAX         2048  /* an API root URL, with the NUL */
#define YG_TAXII_COLLECTIONS_MAX 64    /* collections listed in one answer */
#define YG_TAXII_COLL_ID_MAX     128   /* a collection id, with the NUL */
#define YG_TAXII_PAGE_MAX        10000 /* objects in one envelope */
#define YG_TAXII_NEXT_MAX        256   /* the next token, with the NUL */
#define YG_TAXII_TIME_MAX        40    /* an RFC 3339 timestamp, with the NUL */
#define YG_TAXII_ID_MAX          128   /* an indicator id, with the NUL */

/*
 * The API root to use from a discovery answer: "default" when present,
 * else the first of "api_roots". A relative root is resolved against
 * base_url (scheme://host[:port][/prefix], no trailing slash): "/x/" is
 * taken from the origin, "x/" from {base_url}/taxii2/. An absolute root
 * may be on another host and port (the credentials go there too), but
 * never http when base_url is https. ret_root (retlen bytes) gets the URL ending in '/'; untouched on
 * failure.
 */
int yg_taxii_parse_discovery(const uint8_t *data, size_t len, const char *base_url, char *ret_root,
                             size_t retlen, char *err, size_t errlen);

#define YG_TAXII_TITLE_MAX 256 /* a collection title or alias, with the NUL */

struct yg_taxii_collections {
	size_t n; /* collections with can_read true, in answer order */
	char id[YG_TAXII_COLLECTIONS_MAX][YG_TAXII_COLL_ID_MAX];
	/* For choosing collections by name: "" when absent, not text, or
	 * longer than fits (such a name never matches a choice). */
	char title[YG_TAXII_COLLECTIONS_MAX][YG_TAXII_TITLE_MAX];
	char alias[YG_TAXII_COLLECTIONS_MAX][YG_TAXII_TITLE_MAX];
};

/*
 * The readable collections of a collections answer ({} means none). Ids
 * go into URL paths, so only [A-Za-z0-9._~-] is accepted. More than
 * YG_TAXII_COLLECTIONS_MAX entries is -E2BIG.
 */
int yg_taxii_parse_collections(const uint8_t *data, size_t len, struct yg_taxii_collections *ret,
                               char *err, size_t errlen);

struct yg_taxii_object {
	const char *id;       /* "indicator--..." (borrowed from the envelope) */
	const char *modified; /* RFC 3339 (borrowed) */
	bool revoked;
	/* parse_any: the whole object, any type, revoked too. */
	json_t *object; /* not revoked: a minimal indicator (type,
	                 * spec_version, id, created, modified, pattern,
	                 * pattern_type, valid_from, valid_until), owned by
	                 * the envelope; take a reference to keep it */
};

struct yg_taxii_envelope {
	json_t *root;
	bool more;
	char next[YG_TAXII_NEXT_MAX]; /* "" when the server gave none */
	size_t n;
	struct yg_taxii_object *v;
	size_t skipped; /* objects that are not STIX-pattern indicators */
};

/*
 * An objects envelope. Objects of other types, and indicators whose
 * pattern_type is not "stix", are skipped and counted (a server may
 * ignore match[type]); an indicator without a good id or modified, a
 * revoked that is not a boolean, or a live one without a pattern rejects
 * the whole page. The caller releases ret with yg_taxii_envelope_release.
 */
int yg_taxii_envelope_parse(const uint8_t *data, size_t len, struct yg_taxii_envelope *ret,
                            char *err, size_t errlen);
void yg_taxii_envelope_release(struct yg_taxii_envelope *e);

/*
 * The same envelope for a federation peer: objects of every type, each
 * whole (object is the envelope's own, with a reference taken) with a
 * good STIX id of its type and a modified or created time; anything else
 * rejects the page. What the objects say is checked by the caller
 * (src/federation/rule.h) before any is stored.
 */
int yg_taxii_envelope_parse_any(const uint8_t *data, size_t len, struct yg_taxii_envelope *ret,
				char *err, size_t errlen);

/*
 * The status resource a TAXII 2.1 server answers a POST of objects with
 * (section 4.3): its three counts, each a number from 0 to 10^9.
 */
struct yg_taxii_status {
	uint64_t successes, failures, pendings;
};
int yg_taxii_parse_status(const uint8_t *data, size_t len, struct yg_taxii_status *ret, char *err,
			  size_t errlen);

/*
 * One raw response header line (as libcurl hands it over, CRLF included).
 * Returns 1 and fills ret (retlen >= YG_TAXII_TIME_MAX) when it is a
 * well-formed X-TAXII-Date-Added-Last, 0 otherwise.
 */
int yg_taxii_header_added_last(const char *line, size_t n, char *ret, size_t retlen);

/* Whether s is an RFC 3339 UTC timestamp: YYYY-MM-DDTHH:MM:SS[.frac]Z. */
bool yg_taxii_time_ok(const char *s);

/* Orders two timestamps that passed yg_taxii_time_ok (fractions of any
 * length): <0, 0, >0. */
int yg_taxii_time_cmp(const char *a, const char *b);

#endif
