/*
 * Feed subscriptions at the hub (src/feeds/feeds.h): the REST resources
 * and the thread that runs due feeds.
 *
 *   GET    /api/v1/feeds             every feed with its health (admins, analysts)
 *   POST   /api/v1/feeds             subscribe (admins); the body as yg_feed_spec_parse
 *   GET    /api/v1/feeds/NAME        one feed
 *   DELETE /api/v1/feeds/NAME        unsubscribe (admins)
 *   POST   /api/v1/feeds/NAME/run    run it now (admins): 202, the thread runs it
 *
 * Credential files are named only through the admin CLI, on the hub's own
 * host: over the API an admin could otherwise make the hub read any
 * file's first line and send it to a URL of its choosing.
 *
 * The thread wakes every second (or when kicked), asks the store which
 * feeds are due, and runs them one after another through its own store
 * connection, so its commits move the generation every other connection
 * watches (cache, parked long-polls) like any other writer's. Stopping
 * aborts a transfer under way (the fetch's cancel check).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/deadline.h"
#include "feeds/feeds.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/rest_reply.h"

/* A feed as the API shows it: the subscription without credential paths
 * (only whether there are any), its identity, next run and health; for
 * anyone but an admin the URL without what may hold an API key. */
static json_t *feed_json(struct yg_store *st, const struct yg_feed_row *f, bool admin)
{
	json_t *o = json_loads(f->spec, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_pack("{s:s}", "name", f->name);
		if (!o)
			return NULL;
	}
	static const char *const secret_paths[] = {"token_file", "user",     "password_file",
	                                           "cert_file",  "key_file", "ca_file"};
	bool creds = false;
	for (size_t i = 0; i < sizeof secret_paths / sizeof secret_paths[0]; i++) {
		creds |= json_object_get(o, secret_paths[i]) != NULL;
		json_object_del(o, secret_paths[i]);
	}
	json_object_set_new(o, "credentials", json_boolean(creds));
	const char *url = json_string_value(json_object_get(o, "url"));
	if (url && !admin) {
		char pub[YG_FEED_URL_MAX];
		yg_feed_url_public(url, pub, sizeof pub);
		json_object_set_new(o, "url", json_string(pub));
	}
	struct yg_org org;
	if (st->ops->org_get(st, f->org_id, &org) == 0)
		json_object_set_new(o, "identity", json_string(org.identity_id));
	char next[YG_TIME_US_LEN + 1] = "";
	if (yg_time_format_us(f->next_run_us, next) == 0)
		json_object_set_new(o, "next_run", json_string(next));
	json_t *h = f->health[0] ? json_loads(f->health, 0, NULL) : NULL;
	json_object_set_new(o, "health", h ? h : json_null());
	return o;
}

static int add_feed(void *ud, const struct yg_feed_row *f)
{
	void **p = ud;
	json_t *o = feed_json(p[0], f, p[2] != NULL);
	if (!o || json_array_append_new(p[1], o) < 0)
		return -ENOMEM;
	return 1;
}

static void list(struct yg_store *st, bool admin, struct yg_resp *resp)
{
	json_t *arr = json_array();
	void *ud[3] = {st, arr, admin ? st : NULL};
	if (!arr || st->ops->feeds->list(st, add_feed, ud) < 0) {
		json_decref(arr);
		yg_rest_error(resp, 500, "feeds unavailable", NULL);
		return;
	}
	yg_rest_json(resp, 200, json_pack("{s:o}", "feeds", arr));
}

static void one(struct yg_store *st, const char *name, int status, bool admin, struct yg_resp *resp)
{
	struct yg_feed_row *f = malloc(sizeof *f);
	int r = f ? st->ops->feeds->get(st, name, f) : -ENOMEM;
	if (r == -ENOENT)
		yg_rest_error(resp, 404, "not found", "no such feed");
	else if (r < 0)
		yg_rest_error(resp, 500, "feeds unavailable", NULL);
	else
		yg_rest_json(resp, status, feed_json(st, f, admin));
	free(f);
}

static void subscribe(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
                      const struct yg_req *req, struct yg_resp *resp)
{
	struct yg_feed_spec *spec = malloc(sizeof *spec);
	char err[256];
	if (!spec) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		return;
	}
	int r =
	    yg_feed_spec_parse(req->body ? req->body : "", req->body_len, spec, err, sizeof err);
	if (r == -ENOMEM) {
		yg_rest_error(resp, 500, "out of memory", NULL);
		goto out;
	}
	if (r < 0) {
		yg_rest_error(resp, 400, "bad feed", err);
		goto out;
	}
	if (yg_feed_spec_has_credentials(spec)) {
		yg_rest_error(
		    resp, 400, "bad feed",
		    "credential files are named with `yagura hub admin feed add` on the hub");
		goto out;
	}
	r = yg_feed_add(st, spec);
	if (r == -EEXIST) {
		yg_rest_error(resp, 409, "conflict", "a feed of this name exists");
		goto out;
	}
	if (r == -ENOENT) {
		yg_rest_error(resp, 400, "bad feed", "no such collection or sharing group");
		goto out;
	}
	if (r < 0) {
		yg_rest_error(resp, 500, "store error", "the feed was not added");
		goto out;
	}
	st->ops->audit(st, who->org_id, who->org_name, "feed.add.api", spec->name);
	yg_feeds_sched_kick(h);
	one(st, spec->name, 201, true, resp);
out:
	free(spec);
}

int yg_feeds_api_handle(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
                        const struct yg_route *rt, const struct yg_req *req, struct yg_resp *resp)
{
	const char *m = req->method;
	bool get = !strcmp(m, "GET");
	if (!yg_rest_accepts(req, resp))
		return 0;
	const char *allow = rt->kind == YG_ROUTE_REST_FEEDS  ? "GET, POST"
	                    : rt->kind == YG_ROUTE_REST_FEED ? "GET, DELETE"
	                                                     : "POST";
	bool ok_method = rt->kind == YG_ROUTE_REST_FEEDS  ? get || !strcmp(m, "POST")
	                 : rt->kind == YG_ROUTE_REST_FEED ? get || !strcmp(m, "DELETE")
	                                                  : !strcmp(m, "POST");
	if (!ok_method) {
		yg_rest_error(resp, 405, "method not allowed", NULL);
		yg_resp_header(resp, "Allow", allow);
		return 0;
	}
	/* Feed URLs and health are the hub operators' business; changing
	 * them is the admins'. */
	if (who->role != YG_ROLE_ADMIN && (!get || who->role != YG_ROLE_ANALYST)) {
		yg_rest_error(resp, 403, "forbidden",
		           get ? "feeds are for admins and analysts"
		               : "feeds are managed by admins");
		return 0;
	}
	switch (rt->kind) {
	case YG_ROUTE_REST_FEEDS:
		if (get)
			list(st, who->role == YG_ROLE_ADMIN, resp);
		else
			subscribe(h, st, who, req, resp);
		break;
	case YG_ROUTE_REST_FEED:
		if (get) {
			one(st, rt->object_id, 200, who->role == YG_ROLE_ADMIN, resp);
			break;
		}
		int r = yg_feed_del(st, rt->object_id);
		if (r == -ENOENT)
			yg_rest_error(resp, 404, "not found", "no such feed");
		else if (r < 0)
			yg_rest_error(resp, 500, "store error", NULL);
		else
			yg_rest_json(resp, 200,
			          json_pack("{s:s, s:b}", "name", rt->object_id, "deleted", 1));
		break;
	default: {
		int r2 = st->ops->feeds->schedule(st, rt->object_id, 0);
		if (r2 == -ENOENT) {
			yg_rest_error(resp, 404, "not found", "no such feed");
			break;
		}
		if (r2 < 0) {
			yg_rest_error(resp, 500, "store error", NULL);
			break;
		}
		yg_feeds_sched_kick(h);
		yg_rest_json(resp, 202,
		          json_pack("{s:s, s:s}", "name", rt->object_id, "status", "scheduled"));
		break;
	}
	}
	return 0;
}

/* ---- the thread ---- */

#define DUE_BATCH 32

struct due {
	char names[DUE_BATCH][YG_FEED_NAME_MAX + 1];
	size_t n;
};

static int collect_due(void *ud, const char *name)
{
	struct due *d = ud;
	if (d->n == DUE_BATCH)
		return 0;
	snprintf(d->names[d->n++], sizeof d->names[0], "%s", name);
	return 1;
}

static bool stopping(struct yg_hub *h)
{
	pthread_mutex_lock(&h->sched.lock);
	bool s = h->sched.stop;
	pthread_mutex_unlock(&h->sched.lock);
	return s;
}

static int sched_cancel(void *ud)
{
	return stopping(ud);
}

static void *sched_main(void *arg)
{
	struct yg_hub *h = arg;
	struct yg_store *st = h->sched.st;
	struct yg_feed_env env = {.warn = h->warn, .cancel = sched_cancel, .ud = h};
	struct due *d = malloc(sizeof *d);
	if (!d)
		return NULL;
	while (!stopping(h)) {
		d->n = 0;
		int r = st->ops->feeds->due(st, yg_now_us(), collect_due, d);
		for (size_t i = 0; r == 0 && i < d->n && !stopping(h); i++) {
			struct yg_feed_result res;
			int rr = yg_feed_run(st, d->names[i], &env, &res);
			atomic_fetch_add(&h->sched.runs, 1);
			/* A run the store refused must not come back every second. */
			if (rr < 0 && rr != -ECANCELED && rr != -ENOENT)
				st->ops->feeds->schedule(st, d->names[i], yg_now_us() + 60000000);
		}
		pthread_mutex_lock(&h->sched.lock);
		if (!h->sched.kicked && !h->sched.stop && (r < 0 || d->n < DUE_BATCH)) {
			struct timespec until = yg_deadline_ms(1000);
			pthread_cond_timedwait(&h->sched.cond, &h->sched.lock, &until);
		}
		h->sched.kicked = false;
		pthread_mutex_unlock(&h->sched.lock);
	}
	free(d);
	return NULL;
}

int yg_feeds_sched_start(struct yg_hub *h)
{
	if (h->sched.running)
		return 0;
	int r = yg_store_open(h->data_dir, h->pg, &h->sched.st);
	if (r < 0)
		return r;
	pthread_mutex_init(&h->sched.lock, NULL);
	pthread_cond_init(&h->sched.cond, NULL);
	h->sched.stop = false;
	if (pthread_create(&h->sched.thread, NULL, sched_main, h) != 0) {
		pthread_mutex_destroy(&h->sched.lock);
		pthread_cond_destroy(&h->sched.cond);
		yg_store_close(h->sched.st);
		h->sched.st = NULL;
		return -EAGAIN;
	}
	h->sched.running = true;
	return 0;
}

void yg_feeds_sched_kick(struct yg_hub *h)
{
	if (!h->sched.running)
		return;
	pthread_mutex_lock(&h->sched.lock);
	h->sched.kicked = true;
	pthread_cond_signal(&h->sched.cond);
	pthread_mutex_unlock(&h->sched.lock);
}

void yg_feeds_sched_stop(struct yg_hub *h)
{
	if (!h->sched.running)
		return;
	pthread_mutex_lock(&h->sched.lock);
	h->sched.stop = true;
	pthread_cond_signal(&h->sched.cond);
	pthread_mutex_unlock(&h->sched.lock);
	pthread_join(h->sched.thread, NULL);
	pthread_mutex_destroy(&h->sched.lock);
	pthread_cond_destroy(&h->sched.cond);
	yg_store_close(h->sched.st);
	h->sched.st = NULL;
	h->sched.running = false;
}
