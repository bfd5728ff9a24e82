/*
 * Dashboard sessions: a hub token exchanged, once, for a session cookie
 * (POST /session, web_api.c), so that the browser never keeps the token.
 *
 * A session id is 256 random bits (OpenSSL RAND_bytes) written as 64 hex
 * digits; it lives only in the browser's HttpOnly cookie. The table keeps
 * its SHA-256, never the id, so a memory dump or a log line cannot be
 * replayed as a cookie. A session holds the SHA-256 of the token it came
 * from, not an organization: every request looks the token up again, so a
 * revoked token (or a removed organization) ends its sessions at once, and
 * a session sees exactly what its token may (TLP, role).
 *
 * Each session also has a CSRF token (256 random bits) that the page reads
 * from GET /session and sends back in X-CSRF-Token on every request that
 * changes state; SameSite=Strict already keeps other sites' requests from
 * carrying the cookie, the token is the second lock.
 *
 * Expiry: YG_SESSION_TTL_S after login at the latest, and
 * YG_SESSION_IDLE_S after the last request. The table is bounded
 * (YG_SESSIONS_MAX); when it is full the session closest to its end goes.
 * Sessions live in memory: a restarted hub asks everyone to log in again.
 * Thread-safe (one mutex).
 */
#ifndef YG_HUB_SESSION_H
#define YG_HUB_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_SESSION_ID_LEN 64   /* hex digits of the cookie value */
#define YG_SESSION_CSRF_LEN 64 /* hex digits */
#define YG_SESSIONS_MAX 4096
#define YG_SESSION_TTL_S (12 * 3600)
#define YG_SESSION_IDLE_S (2 * 3600)
#define YG_SESSION_COOKIE "yg_session"

struct yg_sessions;

/* Caller frees with yg_sessions_free. */
int yg_sessions_new(struct yg_sessions **ret);
void yg_sessions_free(struct yg_sessions *s);

/* A new session for the token whose SHA-256 is token_hash, at now_us.
 * Fills the cookie value and the CSRF token (NUL-terminated). -EIO when
 * the random generator fails. */
int yg_sessions_create(struct yg_sessions *s, const uint8_t token_hash[YG_TOKEN_HASH_LEN],
		       int64_t now_us, char ret_id[YG_SESSION_ID_LEN + 1],
		       char ret_csrf[YG_SESSION_CSRF_LEN + 1]);

/* The session of cookie value [id, id+len) at now_us: its token's hash
 * and its CSRF token; its idle clock restarts. -ENOENT when unknown,
 * malformed or expired (an expired one is dropped). */
int yg_sessions_lookup(struct yg_sessions *s, const char *id, size_t len, int64_t now_us,
		       uint8_t ret_token_hash[YG_TOKEN_HASH_LEN],
		       char ret_csrf[YG_SESSION_CSRF_LEN + 1]);

/* Ends the session of that cookie value (logout); unknown ids are fine. */
void yg_sessions_drop(struct yg_sessions *s, const char *id, size_t len);

/* Sessions held (tests). */
size_t yg_sessions_count(struct yg_sessions *s);

#endif
