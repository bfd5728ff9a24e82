/*
 * Answers every REST handler gives the same way: a problem document in
 * application/json, and the method and Accept checks that precede a
 * handler's own work. One place, so that a 405 always names what is
 * allowed and a 406 always says what would be acceptable.
 */
#ifndef YG_HUB_REST_REPLY_H
#define YG_HUB_REST_REPLY_H

#include <stdbool.h>

#include <jansson.h>

#include "hub/hub-int.h"

/* A problem document (title, optional description) as application/json. */
void yg_rest_error(struct yg_resp *r, int status, const char *title, const char *description);

/* j (reference stolen) as application/json. */
void yg_rest_json(struct yg_resp *r, int status, json_t *j);

/* 400 whose problem document names the bad field ("field" member) and
 * says why; field "" for the body as a whole. */
void yg_rest_bad_field(struct yg_resp *r, const char *field, const char *why);

/* Whether a Content-Type is application/json (parameters allowed). */
bool yg_rest_json_type(const char *ct);

/* True when the request's method is `method`; otherwise answers 405 with
 * an Allow header naming it and returns false. */
bool yg_rest_method(const struct yg_req *req, struct yg_resp *resp, const char *method);

/* True when the request's Accept admits application/json; otherwise
 * answers 406 and returns false. */
bool yg_rest_accepts(const struct yg_req *req, struct yg_resp *resp);

#endif
