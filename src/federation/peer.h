/*
 * Peer configuration: the other hubs this hub federates with, kept in the
 * store's settings (key "federation.peers", one JSON document), so both
 * store backends hold it and `hub admin` changes it while a hub runs (the
 * hub reads it again every round). The token is in it too: a hub must
 * present it, so it cannot be kept as a hash; it never reaches a log, an
 * error message or an API answer.
 *
 *   {"peers":[{"name":"hub-b", "url":"https://b.example:8443",
 *              "token":"...", "pull":["default"], "push":["default", "intel=shared"],
 *              "tlp_max":"green", "share_as":"hub-b"}]}
 *
 *   name      [A-Za-z0-9._-]{1,64}; names the peer here
 *   url       http(s) URL of the peer hub (server root, discovery or API root)
 *   pull      the peer's collections to follow (id, alias or title; at most
 *             16); [] = do not pull
 *   push      what we push (at most 16): "LOCAL" posts the new objects of our
 *             collection LOCAL (id or title; "default" is our default one) to
 *             the peer's collection of the same name, "LOCAL=REMOTE" to the
 *             peer's collection REMOTE; [] = do not push. A string, the form
 *             before lists, names the peer's collection our default one goes
 *             to ("" = none).
 *   tlp_max   "clear", "green" or "amber": the most the peer may receive
 *   share_as  the organization of this hub that stands for the peer: what
 *             it sends is stored as that organization's, what it may receive
 *             of AMBER is what names that organization
 *
 * Every field comes from the command line or the store and is checked by
 * yg_fed_peers_parse, which names the peer and field that are bad.
 */
#ifndef YG_FEDERATION_PEER_H
#define YG_FEDERATION_PEER_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "taxii/answer.h"
#include "taxii/client.h"
#include "taxii/cred.h"

#define YG_FED_PEERS_MAX  32
#define YG_FED_NAME_MAX   64
#define YG_FED_SETTING    "federation.peers"
#define YG_FED_CONFIG_MAX (256u << 10) /* the whole document */

struct yg_fed_peer {
	char name[YG_FED_NAME_MAX + 1];
	char url[YG_TAXII_URL_MAX];
	char token[YG_TAXII_SECRET_MAX + 1];
	char pull[YG_TAXII_ONLY_MAX][YG_TAXII_TITLE_MAX];
	size_t n_pull;
	char push[YG_TAXII_ONLY_MAX][YG_TAXII_TITLE_MAX]; /* "LOCAL" or "LOCAL=REMOTE" */
	size_t n_push;
	enum yg_tlp tlp_max;
	char share_as[YG_STORE_NAME_MAX + 1];
};

struct yg_fed_peers {
	size_t n;
	struct yg_fed_peer v[YG_FED_PEERS_MAX];
};

/* Parses a configuration document into *ret (heap: it is ~300 KiB).
 * 0, -EBADMSG / -E2BIG with err naming the peer and field, -ENOMEM. The
 * caller frees *ret with yg_fed_peers_free. */
int yg_fed_peers_parse(const char *text, size_t len, struct yg_fed_peers **ret, char *err,
                       size_t errlen);

/* Checks one peer as parse does (for `peer add`); 0 or -EBADMSG. */
int yg_fed_peer_check(const struct yg_fed_peer *p, char *err, size_t errlen);

/* The document for p (malloc'ed, the tokens in it: the caller cleanses and
 * frees it with yg_taxii_secret_free), NULL without memory. */
char *yg_fed_peers_dump(const struct yg_fed_peers *p);

/* Reads the store's configuration (none yet: an empty list). *ret as with
 * parse. */
int yg_fed_peers_load(struct yg_store *st, struct yg_fed_peers **ret, char *err, size_t errlen);

/* Writes p as the store's configuration. */
int yg_fed_peers_save(struct yg_store *st, const struct yg_fed_peers *p);

/* The peer named name, or NULL. */
struct yg_fed_peer *yg_fed_peers_find(struct yg_fed_peers *p, const char *name);

/* Wipes the tokens and frees (NULL is fine). */
void yg_fed_peers_free(struct yg_fed_peers *p);

/* "clear", "green", "amber" -> the level; -EINVAL otherwise. */
int yg_fed_tlp_parse(const char *s, enum yg_tlp *ret);
const char *yg_fed_tlp_word(enum yg_tlp t);

/* Splits push item i into our collection's name and the peer's (both
 * NUL-terminated, at most YG_TAXII_TITLE_MAX with the NUL). */
void yg_fed_push_split(const struct yg_fed_peer *p, size_t i, char local[YG_TAXII_TITLE_MAX],
                       char remote[YG_TAXII_TITLE_MAX]);

/* Whether two peers' configurations are the same (the token included). */
bool yg_fed_peer_same(const struct yg_fed_peer *a, const struct yg_fed_peer *b);

#endif

/* What the federation rule needs about a peer organization when it reads
 * our collections or posts to them: the most it may receive (the peer
 * configured with share_as naming org; GREEN when there is none) and every
 * configured peer's organization (ingest.h). */
struct yg_fed_policy {
	enum yg_tlp tlp_max;
	int64_t peer_orgs[YG_FED_PEERS_MAX + 1];
	size_t n_peer_orgs;
};
int yg_fed_policy_for(struct yg_store *st, int64_t org, struct yg_fed_policy *ret);
