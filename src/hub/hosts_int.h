/*
 * Private to src/hub: the infected-hosts service's entry points that need
 * the hub (evidence intake in hosts.c, the notifier in notify.c, the API
 * in hosts_api.c). See hosts.h for the contract.
 */
#ifndef YG_HUB_HOSTS_INT_H
#define YG_HUB_HOSTS_INT_H

#include <jansson.h>

#include "hub/hub-int.h"
#include "hub/hosts_body.h"

struct yg_dn_window;

/* The owner row of a host (key: address text, or "hash:..." when
 * hashed): see hosts.h for the order. prefix_only: only an imported
 * prefix counts (-ENOENT otherwise). */
int yg_hosts_owner_for(struct yg_hub *h, struct yg_store *st, const char *key, bool hashed,
		       int64_t reporter_org, bool prefix_only, int64_t *ret);

/* Evidence intake, inside the caller's transaction. */
int yg_hosts_from_sighting(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			   const json_t *sighting, const char *indicator_id, int64_t seen_us);
int yg_hosts_from_window(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			 const struct yg_dn_window *w);
int yg_hosts_from_beacons(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			  const struct yg_beacons *b, size_t *ret_evidence, size_t *ret_matched);

/* The notifier (notify.c): one thread with its own store connection that
 * turns pending hosts into one notice per owner per window and delivers
 * notices (e-mail, signed webhook) with retries. Configured by
 * DIR/notify.json (README, "Infected hosts"); every_s > 0 overrides the
 * file's window. */
struct yg_notify;
int yg_notify_new(struct yg_hub *h, const char *data_dir, unsigned every_s,
		  struct yg_notify **ret, char *err, size_t errlen);
int yg_notify_start(struct yg_notify *n);
void yg_notify_free(struct yg_notify *n);
/* Wakes the thread (a critical host waits for no window). NULL is fine. */
void yg_notify_kick(struct yg_notify *n);
/* Makes the next run notify every owner with pending hosts, window or not. */
void yg_notify_force(struct yg_notify *n);
/* The public base URL of the one-time links ("" when none configured). */
const char *yg_notify_public_url(const struct yg_notify *n);

/* The API (hosts_api.c). */
bool yg_hosts_api_route(enum yg_route_kind kind);
int yg_hosts_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp);
/* Whether a request may go without a bearer token: a POST of a host's
 * state carrying a one-time link's token (the handler checks it). */
bool yg_hosts_api_anonymous_ok(const struct yg_req *req, enum yg_route_kind kind);

#endif
