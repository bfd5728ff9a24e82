/*
 * The one TAXII 2.1 client of yagura (OASIS TAXII Version 2.1: 4.1
 * discovery, 4.2 API root, 5.1 collections, 5.4 get objects, 3.4 paging),
 * used by the sensor's link to a hub and meant for feed subscriptions and
 * federation peers too. It follows servers as they really are:
 *
 *   - the URL may be a server root (discovery at {url}/taxii2/), the
 *     discovery URL itself, or an API root; the root that discovery
 *     advertises may be relative, or absolute on another host and port;
 *   - credentials in any form of cred.h;
 *   - collections may be limited to some, named by id, alias or title;
 *   - servers that ignore match[type] (the envelope parser skips what is
 *     not an indicator), that page with "more" and X-TAXII-Date-Added-Last
 *     but no "next", or that return fewer objects than asked, all work.
 *
 * A round lists the readable collections and asks each for every object
 * added after that collection's cursor (the newest X-TAXII-Date-Added-Last
 * it saw), page by page; a full round starts every cursor from nothing.
 * Objects are handed to the caller as they come. No thread of its own; one
 * client is used from one thread at a time.
 */
#ifndef YG_TAXII_CLIENT_H
#define YG_TAXII_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taxii/answer.h"
#include "taxii/cred.h"

#define YG_TAXII_ONLY_MAX 16 /* collections named in a choice */

struct yg_taxii_client_config {
	const char *url; /* http(s)://host[:port][/path], no trailing slash needed */
	const struct yg_taxii_cred *cred; /* copied */
	/* Follow only the readable collections whose id, alias or title is one
	 * of these (copied); none = every readable collection. */
	const char *only[YG_TAXII_ONLY_MAX];
	size_t n_only;
	/* Federation peers (src/federation/): hand over objects of every type,
	 * whole (yg_taxii_envelope_parse_any), not only STIX indicators. */
	bool any_type;
	/* This hub's identity, sent as X-Yagura-Hub so a yagura peer leaves
	 * out what already passed through us (copied; NULL: not sent). */
	const char *hub_id;
	/* Called during transfers; nonzero aborts the request (a stop). */
	int (*cancel)(void *ud);
	void *ud;
};

struct yg_taxii_client;

/* 0, -EINVAL (no URL, bad credentials), -ENOMEM. The caller frees *ret
 * with yg_taxii_client_free. */
int yg_taxii_client_new(const struct yg_taxii_client_config *cfg, struct yg_taxii_client **ret);

/* Wipes the credentials and frees (NULL is fine). */
void yg_taxii_client_free(struct yg_taxii_client *c);

struct yg_taxii_round {
	bool full;          /* in: every collection from its first object */
	size_t collections; /* out: collections followed this round */
	size_t objects;     /* out: object versions handed over */
	uint64_t requests;  /* out: HTTP requests made */
	long status;        /* out: the HTTP status that ended the round, 0 if none */
	long retry_after_s; /* out: with a 429 or 503, the server's Retry-After */
	char err[512];      /* out: why the round ended early (never a secret) */
};

/*
 * One round. on_object gets each indicator version (borrowed for the
 * call). Returns 0 when every chosen collection was read to its end;
 * -ENOENT when there is no TAXII service at the URL (404 on discovery and
 * on the URL as an API root); -EIO when a request got no answer or an
 * HTTP error (io->status); -EBADMSG or -E2BIG for a malformed answer;
 * -ECANCELED when cfg->cancel stopped it; -ENOMEM. io->err says which.
 * After a failed full round the cursors restart from nothing.
 */
int yg_taxii_client_round(struct yg_taxii_client *c, struct yg_taxii_round *io,
			  void (*on_object)(void *ud, const struct yg_taxii_object *o), void *ud);

struct yg_taxii_post {
	struct yg_taxii_status st; /* out: the server's counts */
	uint64_t requests;         /* out: HTTP requests made */
	long status;               /* out: the HTTP status of the POST, 0 if none */
	long retry_after_s;        /* out: with a 429 or 503, the server's Retry-After */
	char err[512];             /* out: why it failed (never a secret) */
};

/*
 * POSTs an envelope (body, len: {"objects":[...]}) to the readable
 * collection whose id, alias or title is collection (TAXII 2.1 5.5),
 * discovering the API root and the collection's id first when not yet
 * known. 0 when the server answered 200 or 202 with a status resource
 * (io->st); -ENOENT when there is no such collection; -EIO, -EBADMSG,
 * -ECANCELED, -ENOMEM as for a round.
 */
int yg_taxii_client_post(struct yg_taxii_client *c, const char *collection, const char *body,
			 size_t len, struct yg_taxii_post *io);

/* The X-Yagura-Hub identity the server last answered with ("" when it
 * never did: not a yagura hub, or no answer yet). */
const char *yg_taxii_client_server_hub(const struct yg_taxii_client *c);

/*
 * The per-collection cursors, so a caller can keep them across restarts
 * (federation keeps them in the store): fn gets each followed collection's
 * id and the newest X-TAXII-Date-Added-Last seen ("" when none yet), in
 * no particular order. set_cursor gives a collection's cursor before the
 * first round (a round keeps it when that collection is still chosen);
 * -EINVAL when id is not URL-safe or last not an RFC 3339 timestamp (both
 * go into request URLs), -E2BIG beyond YG_TAXII_COLLECTIONS_MAX.
 */
void yg_taxii_client_cursors(const struct yg_taxii_client *c,
			     void (*fn)(void *ud, const char *id, const char *last), void *ud);
int yg_taxii_client_set_cursor(struct yg_taxii_client *c, const char *id, const char *last);

/* The API root in use ("" before the first discovery). */
const char *yg_taxii_client_root(const struct yg_taxii_client *c);

#endif
