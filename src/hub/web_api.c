/*
 * The dashboard's login: a hub token exchanged for a session cookie
 * (session.h), and the rules that keep a browser's requests safe.
 *
 *   POST   /session   {"token": "<64 hex>"} as application/json
 *                     200 {"org", "role", "sector", "csrf"} + Set-Cookie
 *                     401 unknown or revoked token (no challenge that a
 *                     browser would answer with a password dialog)
 *                     415 anything but application/json: an HTML form on
 *                     another site cannot send that without the hub's
 *                     consent (CORS), so no site logs a visitor in as
 *                     someone else (login CSRF)
 *   GET    /session   the session's {"org", "role", "sector", "csrf"}, 401
 *   DELETE /session   logout (X-CSRF-Token needed), 204 + an expired cookie
 *
 * The cookie: yg_session=<id>; Path=/; HttpOnly (scripts never read it);
 * SameSite=Strict (no other site's request carries it); Secure when the
 * hub speaks TLS; Max-Age the session's longest life.
 *
 * Every other route takes the cookie in place of an Authorization header
 * (hub.c authenticate): the session's token is looked up again on each
 * request, so the dashboard sees exactly what the token may, through the
 * same handlers and TLP checks as any client; and a request that changes
 * state needs X-CSRF-Token equal to the session's (403 otherwise).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "hub/auth.h"
#include "hub/cookie.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/session.h"
#include "hub/web_static.h"
#include "hub/rest_reply.h"

#define LOGIN_BODY_MAX 4096

bool yg_web_scripted(const struct yg_req *req)
{
	const char *v;
	size_t n;
	if (req->client)
		return true;
	if (req->cookie &&
	    yg_cookie_get(req->cookie, strnlen(req->cookie, YG_COOKIE_HEADER_MAX + 1),
			  YG_SESSION_COOKIE, &v, &n) == 0)
		return true;
	/* fetch(), XHR and EventSource all send a mode other than navigate. */
	return req->sec_fetch_mode && strcmp(req->sec_fetch_mode, "navigate") != 0;
}

bool yg_web_session_of(struct yg_hub *h, const struct yg_req *req,
		       uint8_t ret_hash[YG_TOKEN_HASH_LEN], char ret_csrf[65])
{
	const char *v;
	size_t n;
	if (!req->cookie ||
	    yg_cookie_get(req->cookie, strnlen(req->cookie, YG_COOKIE_HEADER_MAX + 1),
			  YG_SESSION_COOKIE, &v, &n) < 0)
		return false;
	return yg_sessions_lookup(h->sessions, v, n, yg_now_us(), ret_hash, ret_csrf) == 0;
}

static void err(struct yg_resp *r, int status, const char *title, const char *description)
{
	yg_resp_error(r, status, title, description);
	r->content_type = YG_REST_MEDIA;
	yg_resp_header(r, "Cache-Control", "no-store");
	yg_web_headers(r);
}

static void cookie_header(struct yg_resp *r, const struct yg_req *req, const char *id,
			  unsigned max_age)
{
	char v[256];
	snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u%s",
		 YG_SESSION_COOKIE, id, max_age, req->tls ? "; Secure" : "");
	yg_resp_header(r, "Set-Cookie", v);
	OPENSSL_cleanse(v, sizeof v);
}

/* 200 with who the session is. */
static void describe(struct yg_store *st, const struct yg_caller *who, const char *csrf,
		     struct yg_resp *resp)
{
	struct yg_org o;
	if (st->ops->org_get(st, who->org_id, &o) < 0) {
		err(resp, 500, "store error", NULL);
		return;
	}
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "org", o.name, "role",
			      yg_role_name(who->role), "sector", o.sector, "csrf", csrf, "token",
			      who->token_id, "expires_in", YG_SESSION_TTL_S);
	yg_resp_json(resp, 200, j);
	resp->content_type = YG_REST_MEDIA;
	yg_resp_header(resp, "Cache-Control", "no-store");
	yg_web_headers(resp);
}

static void login(struct yg_hub *h, struct yg_store *st, const struct yg_req *req,
		  struct yg_resp *resp)
{
	if (!yg_rest_json_type(req->content_type)) {
		err(resp, 415, "unsupported media type", "send {\"token\": ...} as application/json");
		return;
	}
	if (req->body_len > LOGIN_BODY_MAX) {
		err(resp, 413, "request entity too large", "a login body is a token");
		return;
	}
	json_error_t je;
	json_t *j = json_loadb(req->body ? req->body : "", req->body_len, 0, &je);
	const char *tok = json_string_value(json_object_get(j, "token"));
	size_t len = tok ? strlen(tok) : 0;
	uint8_t hash[YG_TOKEN_HASH_LEN];
	struct yg_caller who = {0};
	char id[YG_SESSION_ID_LEN + 1], csrf[YG_SESSION_CSRF_LEN + 1];
	if (!tok) {
		err(resp, 400, "bad request", "the body must be {\"token\": \"...\"}");
	} else if (!yg_auth_token_shaped(tok, len) || yg_auth_token_hash(tok, len, hash) < 0 ||
		   !yg_hub_auth_hash(h, st, hash, &who)) {
		err(resp, 401, "unauthorized", "the token is unknown or revoked");
	} else if (yg_sessions_create(h->sessions, hash, yg_now_us(), id, csrf) < 0) {
		err(resp, 500, "no session", "the random generator failed");
	} else {
		yg_auth_public_id(hash, who.token_id);
		describe(st, &who, csrf, resp);
		cookie_header(resp, req, id, YG_SESSION_TTL_S);
		resp->org_id = who.org_id;
		memcpy(resp->org_name, who.org_name, sizeof resp->org_name);
		OPENSSL_cleanse(id, sizeof id);
	}
	/* The token was in the body and in the parsed tree. */
	if (tok)
		OPENSSL_cleanse((char *)tok, len);
	json_decref(j);
}

int yg_web_session(struct yg_hub *h, struct yg_store *st, const struct yg_req *req,
		   struct yg_resp *resp)
{
	if (!strcmp(req->method, "POST")) {
		login(h, st, req, resp);
		return 0;
	}
	bool get = !strcmp(req->method, "GET");
	if (!get && strcmp(req->method, "DELETE")) {
		err(resp, 405, "method not allowed", NULL);
		yg_resp_header(resp, "Allow", "GET, POST, DELETE");
		return 0;
	}
	uint8_t hash[YG_TOKEN_HASH_LEN];
	char csrf[YG_SESSION_CSRF_LEN + 1];
	struct yg_caller who = {0};
	if (!yg_web_session_of(h, req, hash, csrf) || !yg_hub_auth_hash(h, st, hash, &who)) {
		err(resp, 401, "unauthorized", "no session: log in with a token");
	} else if (get) {
		yg_auth_public_id(hash, who.token_id);
		describe(st, &who, csrf, resp);
		resp->org_id = who.org_id;
		memcpy(resp->org_name, who.org_name, sizeof resp->org_name);
	} else if (!req->csrf_token || strlen(req->csrf_token) != YG_SESSION_CSRF_LEN ||
		   CRYPTO_memcmp(req->csrf_token, csrf, YG_SESSION_CSRF_LEN) != 0) {
		err(resp, 403, "forbidden", "a missing or wrong X-CSRF-Token for this session");
	} else {
		const char *v;
		size_t n;
		if (yg_cookie_get(req->cookie, strlen(req->cookie), YG_SESSION_COOKIE, &v, &n) == 0)
			yg_sessions_drop(h->sessions, v, n);
		yg_resp_release(resp);
		resp->body = strdup("");
		resp->len = 0;
		resp->status = 204;
		yg_resp_header(resp, "Cache-Control", "no-store");
		yg_web_headers(resp);
		cookie_header(resp, req, "", 0);
	}
	OPENSSL_cleanse(csrf, sizeof csrf);
	return 0;
}
