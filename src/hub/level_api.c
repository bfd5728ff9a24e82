/*
 * The alert level over the REST API, the event stream, and the hooks the
 * level's playbooks call (see src/level/level.h).
 *
 *   GET  /api/v1/level            the level, its reasons, the waiting
 *                                 proposal, settings, the last actions
 *   GET  /api/v1/level/history?limit=N&before=ID   the audit log
 *   POST /api/v1/level/set        {"level", "reason"} | {"two_person"}
 *   POST /api/v1/level/confirm    {"proposal", "reason"}
 *   POST /api/v1/level/reject     {"proposal", "reason"}
 *   POST /api/v1/level/signals    {"name", "value", "detail", "ttl_s"}
 *                                 or {"signals": [...]}
 *   GET  /api/v1/events           text/event-stream (server.c streams it)
 *
 * Who may do what. Every member (any role) reads the level, its history
 * and the event stream: the level is meant to be known. Only the hub's
 * operators change it: set, confirm, reject and signals need an admin
 * token (the role that already administers the hub and sees every
 * organization); analysts, sensors and readers of member organizations get
 * 403. Admins also see what members do not: the detail each signal's
 * source gave, and the public ids of the tokens that acted (the two-person
 * rule tells operators apart by token).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/auth.h"
#include "hub/events.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "hub/rest_reply.h"
#include "level/body.h"
#include "level/level.h"

bool yg_level_api_route(enum yg_route_kind kind)
{
	return kind >= YG_ROUTE_REST_LEVEL && kind <= YG_ROUTE_REST_EVENTS;
}

static void ok(struct yg_resp *r, int status, json_t *j)
{
	yg_rest_json(r, status, j);
	yg_resp_header(r, "Cache-Control", "no-store");
}

static bool arg_int(const struct yg_req *req, const char *key, int64_t lo, int64_t hi,
		    int64_t *ret, bool *bad)
{
	for (size_t i = 0; i < req->n_args; i++) {
		if (strcmp(req->args[i].key, key))
			continue;
		char *end;
		errno = 0;
		long long v = strtoll(req->args[i].value, &end, 10);
		if (errno || *end || end == req->args[i].value || v < lo || v > hi) {
			*bad = true;
			return false;
		}
		*ret = v;
		return true;
	}
	return false;
}

static void actor_of(const struct yg_caller *who, struct yg_level_actor *ret)
{
	ret->org_id = who->org_id;
	ret->org = who->org_name;
	ret->token = who->token_id;
	ret->role = yg_role_name(who->role);
}

/* A level error as an HTTP answer. */
static void level_error(struct yg_resp *resp, int r)
{
	switch (r) {
	case -ENOENT:
		yg_rest_error(resp, 409, "conflict", "no proposal is waiting for a decision");
		break;
	case -ESTALE:
		yg_rest_error(resp, 409, "conflict", "that proposal is no longer the one waiting");
		break;
	case -EALREADY:
		yg_rest_error(resp, 409, "conflict",
		    "the two-person rule needs a second operator: this token already confirmed");
		break;
	case -EINVAL:
		yg_rest_error(resp, 400, "bad request", "a level 1..5 and a written reason are needed");
		break;
	default:
		yg_rest_error(resp, 500, "level unavailable", NULL);
		break;
	}
}

static bool json_body_ok(const struct yg_req *req, struct yg_resp *resp)
{
	/* A bodiless confirm needs no type; any body is JSON, said so. */
	const char *ct = req->content_type;
	if ((ct || req->body_len) && !yg_rest_json_type(ct)) {
		yg_rest_error(resp, 415, "unsupported media type", "send application/json");
		return false;
	}
	return true;
}

static void post(struct yg_hub *h, const struct yg_caller *who, const struct yg_route *rt,
		 const struct yg_req *req, struct yg_resp *resp)
{
	char why[512] = "";
	struct yg_level_actor a;
	actor_of(who, &a);
	json_t *status = NULL;
	int r;
	if (!json_body_ok(req, resp))
		return;
	if (rt->kind == YG_ROUTE_REST_LEVEL_SIGNALS) {
		struct yg_level_signal_body *s = NULL;
		size_t n = 0;
		r = yg_level_body_signals(req->body, req->body_len, &s, &n, why, sizeof why);
		if (r == -EINVAL) {
			yg_rest_error(resp, 400, "bad request", why);
			return;
		}
		for (size_t i = 0; r == 0 && i < n; i++)
			r = yg_level_signal_put(h->level, s[i].name, s[i].value, s[i].detail,
						s[i].ttl_s);
		yg_level_body_signals_free(s, n);
		if (r == 0)
			r = yg_level_evaluate_now(h->level);
		if (r == 0)
			r = yg_level_status(h->level, true, &status);
	} else if (rt->kind == YG_ROUTE_REST_LEVEL_SET) {
		struct yg_level_set_body *b = calloc(1, sizeof *b);
		r = b ? yg_level_body_set(req->body, req->body_len, b, why, sizeof why) : -ENOMEM;
		if (r == -EINVAL) {
			free(b);
			yg_rest_error(resp, 400, "bad request", why);
			return;
		}
		if (r == 0 && b->has_two_person) {
			r = yg_level_two_person(h->level, &a, b->two_person);
			if (r == 0)
				r = yg_level_status(h->level, true, &status);
		} else if (r == 0) {
			r = yg_level_set(h->level, &a, b->level, b->reason, &status);
		}
		free(b);
	} else {
		struct yg_level_decision_body *b = calloc(1, sizeof *b);
		r = b ? yg_level_body_decision(req->body, req->body_len, b, why, sizeof why)
		      : -ENOMEM;
		if (r == -EINVAL) {
			free(b);
			yg_rest_error(resp, 400, "bad request", why);
			return;
		}
		if (r == 0 && rt->kind == YG_ROUTE_REST_LEVEL_CONFIRM)
			r = yg_level_confirm(h->level, &a, b->proposal, b->reason[0] ? b->reason : NULL,
					     &status);
		else if (r == 0)
			r = yg_level_reject(h->level, &a, b->proposal, b->reason[0] ? b->reason : NULL,
					    &status);
		free(b);
	}
	if (r < 0) {
		level_error(resp, r);
		return;
	}
	ok(resp, 200, status);
}

/* The first bytes of an event stream: the reconnection delay and the level
 * as it is now (without an id: it is a snapshot, not an event to resume
 * from). Later events come from the broadcaster (server.c). */
static void events(struct yg_hub *h, const struct yg_caller *who, const struct yg_req *req,
		   struct yg_resp *resp)
{
	json_t *s = NULL;
	if (yg_level_status(h->level, who->role == YG_ROLE_ADMIN, &s) < 0) {
		yg_rest_error(resp, 500, "level unavailable", NULL);
		return;
	}
	char *text = json_dumps(s, JSON_COMPACT);
	json_decref(s);
	struct yg_buf b;
	yg_buf_init(&b, YG_EVENTS_DATA_MAX + 256);
	yg_buf_adds(&b, "retry: 3000\n\nevent: level\ndata: ");
	yg_buf_adds(&b, text ? text : "{}");
	yg_buf_adds(&b, "\n\n");
	free(text);
	uint64_t last = yg_hub_events_last(h), cursor = last;
	if (req->last_event_id) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(req->last_event_id, &end, 10);
		if (!errno && !*end && end != req->last_event_id && v <= last)
			cursor = v;
	}
	resp->body = yg_buf_take(&b, &resp->len);
	if (!resp->body) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = "text/event-stream";
	yg_resp_header(resp, "Cache-Control", "no-store");
	yg_resp_header(resp, "X-Accel-Buffering", "no");
	resp->stream = true;
	resp->stream_cursor = cursor;
}

int yg_level_api_handle(struct yg_hub *h, const struct yg_caller *who, const struct yg_route *rt,
			const struct yg_req *req, struct yg_resp *resp)
{
	bool get = rt->kind == YG_ROUTE_REST_LEVEL || rt->kind == YG_ROUTE_REST_LEVEL_HISTORY ||
		   rt->kind == YG_ROUTE_REST_EVENTS;
	if (!yg_rest_method(req, resp, get ? "GET" : "POST"))
		return 0;
	if (rt->kind == YG_ROUTE_REST_EVENTS) {
		events(h, who, req, resp);
		return 0;
	}
	if (!yg_rest_accepts(req, resp))
		return 0;
	bool admin = who->role == YG_ROLE_ADMIN;
	if (!get) {
		if (!admin) {
			yg_rest_error(resp, 403, "forbidden", "only the hub's operators (admin tokens) change "
						    "the alert level or push signals");
			return 0;
		}
		post(h, who, rt, req, resp);
		return 0;
	}
	json_t *j = NULL;
	int r;
	if (rt->kind == YG_ROUTE_REST_LEVEL) {
		r = yg_level_status(h->level, admin, &j);
	} else {
		int64_t limit = 100, before = 0;
		bool bad = false;
		arg_int(req, "limit", 1, 500, &limit, &bad);
		arg_int(req, "before", 1, INT64_MAX, &before, &bad);
		if (bad) {
			yg_rest_error(resp, 400, "bad request", "limit must be 1..500 and before an entry id");
			return 0;
		}
		r = yg_level_history(h->level, before, (size_t)limit, admin, &j);
	}
	if (r < 0) {
		yg_rest_error(resp, 500, "level unavailable", NULL);
		return 0;
	}
	ok(resp, 200, j);
	return 0;
}

/* ---- playbook hooks ---- */

static int hook_decay(void *ud, double factor)
{
	struct yg_hub *h = ud;
	if (!(factor >= 1 && factor <= 1000))
		return -EINVAL;
	atomic_store(&h->decay_milli, (unsigned)(factor * 1000.0 + 0.5));
	atomic_fetch_add(&h->feed_local, 1);
	return 0;
}

static int hook_export(void *ud, bool block)
{
	atomic_store(&((struct yg_hub *)ud)->export_block, block);
	return 0;
}

static int hook_poll(void *ud, unsigned seconds)
{
	atomic_store(&((struct yg_hub *)ud)->poll_interval_s, seconds);
	return 0;
}

/* A STIX 2.1 report about the level just entered, published by the hub in
 * its default collection like its other own objects (mail_publish.c):
 * created by the hub's identity, marked with the playbook's TLP, so every
 * member reads it over TAXII. Its object_refs name the hub's identity and
 * the campaigns the rules named. */
static int hook_report(void *ud, struct yg_store *st, int level, const json_t *notice,
		       enum yg_tlp tlp, char ret_id[80], char *errbuf, size_t errlen)
{
	struct yg_hub *h = ud;
	char uuid[YG_UUID_LEN + 1], id[80], now[YG_TIME_US_LEN + 1], name[160];
	int64_t now_us = yg_now_us();
	struct yg_collection coll;
	int r = yg_uuid4(uuid);
	if (r == 0)
		r = yg_time_format_us(now_us, now);
	if (r == 0)
		r = st->ops->collection_get(st, h->default_coll, &coll);
	if (r < 0) {
		snprintf(errbuf, errlen, "the default collection is unavailable");
		return r;
	}
	snprintf(id, sizeof id, "report--%s", uuid);
	const char *lname = json_string_value(json_object_get(notice, "name"));
	snprintf(name, sizeof name, "Alert level %d (%s)", level, lname ? lname : "?");
	json_t *refs = json_pack("[s]", h->identity);
	size_t i;
	json_t *reason;
	json_array_foreach(json_object_get(notice, "reasons"), i, reason)
	{
		const char *c = json_string_value(
		    json_object_get(json_object_get(reason, "detail"), "campaign"));
		if (refs && c && !strncmp(c, "campaign--", 10) && json_array_size(refs) < 50)
			json_array_append_new(refs, json_string(c));
	}
	/* Members read the report: the rules and numbers, not what the
	 * signals' sources said (admins see that in the API). */
	json_t *reasons = json_deep_copy(json_object_get(notice, "reasons"));
	for (i = 0; i < json_array_size(reasons); i++)
		json_object_del(json_array_get(reasons, i), "detail");
	const char *desc = json_string_value(json_object_get(notice, "description"));
	json_t *o = refs ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:o, s:s, "
				     "s:[s], s:[s], s:i, s:O}",
				     "type", "report", "spec_version", "2.1", "id", id, "created", now,
				     "modified", now, "name", name, "description", desc ? desc : "",
				     "report_types", "threat-report", "published", now, "object_refs",
				     refs, "created_by_ref", h->identity, "object_marking_refs",
				     yg_tlp_marking_id(tlp), "labels", "yagura-alert-level",
				     "x_yagura_alert_level", level, "x_yagura_reasons",
				     reasons ? reasons : json_array())
			 : NULL;
	json_decref(reasons);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return -ENOMEM;
	struct yg_obj_in in = {
	    .collection = coll.id,
	    .stix_id = id,
	    .type = "report",
	    .spec_version = "2.1",
	    .modified = now,
	    .modified_us = now_us,
	    .tlp = tlp,
	    .json = text,
	    .json_len = strlen(text),
	};
	int64_t added = 0;
	r = st->ops->obj_put(st, &in, &added);
	free(text);
	if (r < 0) {
		snprintf(errbuf, errlen, "the store refused the report");
		return r;
	}
	snprintf(ret_id, 80, "%s", id);
	return 0;
}

static void hook_event(void *ud, const char *type, const char *json)
{
	struct yg_hub *h = ud;
	/* Action results carry operators' URLs and errors: admins only. */
	unsigned roles = strcmp(type, "level") ? YG_ROLE_ADMIN : 0;
	(void)yg_events_publish(h->events, type, json, 0, roles);
}

void yg_level_api_hooks(struct yg_hub *h, struct yg_level_hooks *ret)
{
	*ret = (struct yg_level_hooks){
	    .ud = h,
	    .decay = hook_decay,
	    .export_mode = hook_export,
	    .poll_interval = hook_poll,
	    .publish_report = hook_report,
	    .event = hook_event,
	};
}
