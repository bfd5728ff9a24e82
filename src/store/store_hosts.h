/*
 * The store's infected-hosts half (issue 14): host owners and their
 * address space, host records with their evidence and state, the notices
 * sent to owners with every delivery attempt, and one-time
 * acknowledgement tokens.
 *
 * Reached as st->ops->hosts->fn(st, ...); same threading and error rules
 * as store.h. The store validates nothing of the contract and decides no
 * transition: the hub (src/hub/hosts.c, hosts_state.c) does.
 *
 * A host is keyed by its address as canonical text, or by "hash:" and the
 * keyed hash a sensor sent for a member's internal host (never reversed).
 * Every host has an owner row: a registered owner, an AS ("AS64500", no
 * contact) or "unknown".
 *
 * Bounds: YG_HOSTS_MAX hosts (host_evidence answers -E2BIG for a new host
 * past it), YG_HOST_EVIDENCE_KEEP evidence rows per host (the oldest go),
 * YG_HOST_OWNERS_MAX owners, YG_HOST_PREFIXES_MAX prefixes.
 */
#ifndef YG_STORE_STORE_HOSTS_H
#define YG_STORE_STORE_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_HOSTS_MAX          1000000
#define YG_HOST_OWNERS_MAX    100000
#define YG_HOST_PREFIXES_MAX  1000000
#define YG_HOST_EVIDENCE_KEEP 100
#define YG_HOST_OWNER_MAX     128 /* bytes of an owner's name */
#define YG_HOST_EMAIL_MAX     254
#define YG_HOST_URL_MAX       2000
#define YG_HOST_KEY_MAX       80  /* "hash:" + 64 hex digits, or an address */
#define YG_HOST_FAMILY_MAX    64
#define YG_HOST_SENSOR_MAX    128
#define YG_HOST_DETAIL_MAX    300
#define YG_HOST_SECRET_LEN    64 /* hex digits of a webhook secret */

enum yg_host_state {
	YG_HOST_DETECTED = 0,
	YG_HOST_NOTIFIED = 1,
	YG_HOST_ACKNOWLEDGED = 2,
	YG_HOST_CLEANED = 3,
	YG_HOST_REINFECTED = 4,
};

enum yg_host_severity {
	YG_HOST_SEV_LOW = 0,
	YG_HOST_SEV_MEDIUM = 1,
	YG_HOST_SEV_HIGH = 2,
	YG_HOST_SEV_CRITICAL = 3,
};

struct yg_host_owner {
	int64_t id;
	char name[YG_HOST_OWNER_MAX + 1];
	int64_t org_id; /* the member organization it is, 0 when none */
	char email[YG_HOST_EMAIL_MAX + 1];   /* "" none */
	char webhook[YG_HOST_URL_MAX + 1];   /* "" none */
	char lang[3];                        /* "ja" or "en" */
	char secret[YG_HOST_SECRET_LEN + 1]; /* the webhook's HMAC key */
	int64_t last_notice_us;              /* 0 never */
};

/* One piece of evidence; strings borrowed for the call. */
struct yg_host_evidence_in {
	const char *key;   /* address text or "hash:<64 hex>" */
	bool hashed;
	int64_t owner_id;
	int64_t org_id;     /* the reporting member (0: the hub's telescope view) */
	const char *source; /* "sighting", "beacon", "darknet" */
	const char *sensor;
	const char *family;
	enum yg_host_severity severity;
	int64_t time_us;
	const char *ref;    /* what it is: an indicator id, a destination, ports */
};

struct yg_host {
	int64_t id;
	char key[YG_HOST_KEY_MAX + 1];
	bool hashed;
	int64_t owner_id;
	int64_t org_id; /* the member that first reported it, 0 none */
	char family[YG_HOST_FAMILY_MAX + 1];
	enum yg_host_severity severity;
	enum yg_host_state state;
	int64_t first_seen_us, last_seen_us;
	int64_t detected_us, notified_us, acknowledged_us, cleaned_us; /* 0 not yet */
	int64_t reinfections;
	bool pending; /* evidence no notice has covered yet */
	int64_t evidence;
	/* Of the episode before the last reinfection: seconds from detection
	 * to notice and to cleaning (-1 none), so statistics keep it. */
	int64_t prev_notify_s, prev_clean_s;
};

struct yg_host_evidence {
	int64_t time_us;
	int64_t org_id;
	char source[16];
	char sensor[YG_HOST_SENSOR_MAX + 1];
	char family[YG_HOST_FAMILY_MAX + 1];
	enum yg_host_severity severity;
	char ref[YG_HOST_DETAIL_MAX + 1];
};

/* Which hosts a listing walks (ANDed; 0 / -1 = no filter). */
struct yg_host_query {
	int64_t owner_org; /* only hosts whose owner is this member */
	int64_t owner_id;
	int state;         /* enum yg_host_state, -1 any */
	bool pending_only;
	size_t limit, offset; /* limit 0 = no limit */
};

struct yg_host_delivery {
	int64_t id, notice_id, owner_id;
	char channel[8]; /* "email", "webhook" */
	char target[YG_HOST_URL_MAX + 1];
	char state[12];  /* "pending", "delivered", "failed", "gave_up" */
	int64_t attempts, next_try_us, updated_us;
	char last_error[256];
};

struct yg_host_attempt {
	int64_t delivery_id, time_us;
	bool ok;
	long status;
	char error[256];
};

struct yg_store_host_ops {
	/* Inserts an owner or, by name, updates its contact, member link and
	 * language (id and secret stay). *ret_id gets its id, *ret_new
	 * whether it was inserted. */
	int (*owner_put)(struct yg_store *st, const struct yg_host_owner *o, int64_t *ret_id,
			 bool *ret_new);
	int (*owner_get)(struct yg_store *st, int64_t id, struct yg_host_owner *ret);
	int (*owner_find)(struct yg_store *st, const char *name, struct yg_host_owner *ret);
	int (*owner_list)(struct yg_store *st, int (*fn)(void *ud, const struct yg_host_owner *o),
			  void *ud);
	int (*owner_noticed)(struct yg_store *st, int64_t id, int64_t when_us);
	/* Maps cidr (canonical text) to owner_id, replacing an older mapping. */
	int (*prefix_put)(struct yg_store *st, const char *cidr, int64_t owner_id);
	int (*prefix_list)(struct yg_store *st,
			   int (*fn)(void *ud, const char *cidr, int64_t owner_id), void *ud);

	/* Adds evidence to its host (made when new: DETECTED), inside the
	 * caller's transaction. The host becomes REINFECTED when it was
	 * CLEANED and the evidence is newer than the cleaning; any new
	 * evidence marks it pending. Evidence already stored (host, source,
	 * ref, time) changes nothing: *ret_added false. */
	int (*host_evidence)(struct yg_store *st, const struct yg_host_evidence_in *ev,
			     int64_t *ret_host_id, bool *ret_added);
	int (*host_get)(struct yg_store *st, int64_t id, struct yg_host *ret);
	/* Hosts by id, ascending. */
	int (*host_list)(struct yg_store *st, const struct yg_host_query *q,
			 int (*fn)(void *ud, const struct yg_host *h), void *ud);
	/* The owners with pending hosts, the highest severity among them and
	 * since when the oldest of them is pending. */
	int (*pending_owners)(struct yg_store *st,
			      int (*fn)(void *ud, int64_t owner_id, enum yg_host_severity sev,
					int64_t since_us),
			      void *ud);
	/* A host's evidence, newest first, at most limit. */
	int (*evidence_list)(struct yg_store *st, int64_t host_id, size_t limit,
			     int (*fn)(void *ud, const struct yg_host_evidence *e), void *ud);
	/* Sets the state and stamps its time (the hub checked the transition);
	 * NOTIFIED also clears pending. */
	int (*host_set_state)(struct yg_store *st, int64_t id, enum yg_host_state to,
			      int64_t when_us);

	/* A notice to an owner: its body (the webhook's JSON) and the hosts it
	 * covers. */
	int (*notice_add)(struct yg_store *st, int64_t owner_id, const char *body,
			  const int64_t *hosts, size_t n_hosts, int64_t *ret_id);
	int (*notice_body)(struct yg_store *st, int64_t notice_id, char **ret_body);
	int (*delivery_add)(struct yg_store *st, int64_t notice_id, int64_t owner_id,
			    const char *channel, const char *target, int64_t *ret_id);
	/* Pending or failed deliveries whose next try is due (<= now_us). */
	int (*delivery_due)(struct yg_store *st, int64_t now_us, size_t limit,
			    int (*fn)(void *ud, const struct yg_host_delivery *d), void *ud);
	/* Records one attempt and the delivery's new state. */
	int (*delivery_attempt)(struct yg_store *st, int64_t id, const struct yg_host_attempt *a,
				const char *state, int64_t next_try_us);
	/* Deliveries newest first (owner_org 0: all), each with its attempts. */
	int (*delivery_list)(struct yg_store *st, int64_t owner_org, size_t limit,
			     int (*fn)(void *ud, const struct yg_host_delivery *d), void *ud);
	int (*attempt_list)(struct yg_store *st, int64_t delivery_id,
			    int (*fn)(void *ud, const struct yg_host_attempt *a), void *ud);

	/* One-time tokens of a notice's links, by the SHA-256 of the token:
	 * each lets its holder set one host to one state. take marks the
	 * token used and answers its host and state: -ENOENT when unknown,
	 * used or expired. */
	int (*ack_put)(struct yg_store *st, const uint8_t hash[32], int64_t host_id,
		       enum yg_host_state state, int64_t expires_us);
	int (*ack_take)(struct yg_store *st, const uint8_t hash[32], int64_t now_us,
			int64_t *ret_host_id, enum yg_host_state *ret_state);
};

#endif
