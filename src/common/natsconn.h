/*
 * The one way yagura connects to NATS (README, "Running at national
 * scale"): a sensor publishing its reports, a hub consuming them and
 * publishing indicator changes. Subjects carry the organization, and the
 * server's permissions decide who may use which:
 *
 *   yagura.sightings.<org id>   sighting bundles  (POST /api/v1/sightings body)
 *   yagura.beacons.<org id>     beacon reports    (POST /api/v1/beacons body)
 *   yagura.darknet.<org id>     telescope windows (POST /api/v1/darknet body)
 *   yagura.changes              "indicators changed" (no content: a sensor
 *                               then asks the hub's HTTP change feed, which
 *                               decides what it may see)
 *
 * The three report subjects are kept by one JetStream stream
 * (YG_NATS_STREAM) that every hub consumes through one durable pull
 * consumer (YG_NATS_CONSUMER): any hub takes any message.
 *
 * Credentials (--nats-creds FILE): a NATS .creds file (a user JWT and its
 * nkey seed, as `nsc` writes them), or a small text file of key=value
 * lines for a server configured with users and passwords:
 *
 *   user=org7-sensors
 *   password=...
 *   org=7            (a sensor's organization id, for its subjects;
 *                     without it the sensor asks the hub's /api/v1/whoami)
 *
 * With a key=value file the connection's reply inboxes (the PubAcks of a
 * sensor's publishes, a hub's fetched messages) are _INBOX.<user>.*, so
 * the server can let each user subscribe to its own prefix alone and no
 * member reads another's replies; the user name is therefore letters,
 * digits, - and _ only. (With a .creds file, isolate members by account.)
 *
 * The connection retries for ever in the background (a sensor outlives a
 * restart of nats-server); secrets are wiped after use and never logged.
 */
#ifndef YG_COMMON_NATSCONN_H
#define YG_COMMON_NATSCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

#define YG_NATS_STREAM   "YAGURA"
#define YG_NATS_CONSUMER "hubs"
#define YG_NATS_CHANGES  "yagura.changes"
#define YG_NATS_CREDS_MAX 8192 /* bytes of a key=value credentials file */

/* What connect needs; strings borrowed for the call. */
struct yg_nats_config {
	const char *url;        /* nats://host:port[,nats://...] */
	const char *creds_file; /* NULL: no credentials */
	const char *name;       /* the client name the server shows */
	/* Connection state changes (connected, lost, back), from the
	 * library's thread; may be NULL. */
	void (*log)(void *ud, const char *msg);
	void *ud;
};

/*
 * Connects (or, when the server is not there yet, keeps trying in the
 * background: the call returns the connection at once). *ret_org gets the
 * org= of a key=value credentials file, 0 when it has none. Returns 0, or
 * -EINVAL with err naming the file and line that is wrong, -ENOMEM, -EIO
 * (err says what the library said). Caller frees with yg_nats_close.
 */
int yg_nats_connect(const struct yg_nats_config *cfg, natsConnection **ret, int64_t *ret_org,
                    char *err, size_t errlen);

/* Closes and frees (NULL is fine). */
void yg_nats_close(natsConnection *nc);

/* Whether the connection is up now. */
bool yg_nats_connected(natsConnection *nc);

/*
 * Parses a key=value credentials file's text (len bytes, not necessarily
 * NUL-terminated): user, password and org; unknown keys, blank lines and
 * # comments are ignored. Returns 0 or -EINVAL with err naming the line.
 * (Exposed for the unit test.)
 */
struct yg_nats_userpass {
	char user[256];
	char password[256];
	int64_t org;
};
int yg_nats_creds_parse(const char *text, size_t len, struct yg_nats_userpass *ret, char *err,
                        size_t errlen);

#endif
