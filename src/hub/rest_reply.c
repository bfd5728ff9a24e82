#include "hub/rest_reply.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hub/route.h"

void yg_rest_error(struct yg_resp *r, int status, const char *title, const char *description)
{
	yg_resp_error(r, status, title, description);
	r->content_type = YG_REST_MEDIA;
}

void yg_rest_json(struct yg_resp *r, int status, json_t *j)
{
	yg_resp_json(r, status, j);
	r->content_type = YG_REST_MEDIA;
}

bool yg_rest_method(const struct yg_req *req, struct yg_resp *resp, const char *method)
{
	if (!strcmp(req->method, method))
		return true;
	yg_rest_error(resp, 405, "method not allowed", NULL);
	yg_resp_header(resp, "Allow", method);
	return false;
}

bool yg_rest_accepts(const struct yg_req *req, struct yg_resp *resp)
{
	if (yg_rest_accept_ok(req->accept))
		return true;
	yg_rest_error(resp, 406, "not acceptable", "Accept must allow " YG_REST_MEDIA);
	return false;
}

void yg_rest_bad_field(struct yg_resp *r, const char *field, const char *why)
{
	char desc[200];
	snprintf(desc, sizeof desc, "%s%s%s", field, *field ? ": " : "", why);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "title", "bad request", "http_status", "400",
			      "description", desc, "field", field);
	yg_rest_json(r, 400, j);
}

bool yg_rest_json_type(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, "; \t");
	return n == 16 && !strncasecmp(ct, "application/json", 16);
}
