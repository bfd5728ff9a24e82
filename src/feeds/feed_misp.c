/*
 * A feed subscription of format "misp" over HTTP(S) (feeds.h): the URL is a
 * MISP feed's base (with or without "/manifest.json"), as a MISP instance
 * is given one, e.g. another yagura hub's /api/v1/export/misp.
 *
 *   GET BASE/manifest.json            the events, yg_intel_misp_manifest
 *   GET BASE/<event uuid>.json        each event, loaded by the MISP loader
 *
 * every request with the feed's credentials (token, Basic or certificate:
 * taxii/cred.h) and the feed's bounds: the answers together may not pass
 * max_bytes, the manifest may not list more than MAX_EVENTS events.
 *
 * TLP. Each value keeps the TLP its event gave it: the most restrictive
 * tlp: tag on the attribute (the more specific word, looser or stricter),
 * else on the event, else the feed's own (spec.tlp). An event is split by level and each part goes through the
 * one MISP loader (load_misp.c) into the builder of that level, so what
 * is an indicator (to_ids, types matched on traffic, normalization) is
 * decided in one place. A value several events hold at several levels
 * keeps the loosest: someone already shared it that widely.
 *
 * Why no conditional request: a MISP manifest lists events by their
 * timestamp, and an attribute that leaves an event need not move it, so
 * a 304 on the manifest cannot prove that nothing left. Every run reads
 * every event; the diff (feed_run.c) keeps it a no-op when nothing moved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "export/export.h"
#include "feeds/feeds.h"
#include "hub/tlp.h"
#include "taxii/cred.h"

#define MAX_EVENTS 100000

bool yg_feed_misp_tlp(const json_t *tags, enum yg_tlp *ret)
{
	bool found = false;
	enum yg_tlp worst = YG_TLP_CLEAR;
	size_t i;
	const json_t *t;
	if (!json_is_array(tags))
		return false;
	json_array_foreach(tags, i, t)
	{
		enum yg_tlp l;
		/* {"name": "tlp:amber"} in events; a bare string in some exports. */
		const char *name = json_is_object(t) ? json_string_value(json_object_get(t, "name"))
						     : json_string_value(t);
		if (yg_tlp_from_misp_tag(name, &l)) {
			if (!found || l > worst)
				worst = l;
			found = true;
		}
	}
	if (found)
		*ret = worst;
	return found;
}

/* MISP's flags come as true, 1 or "1" (as load_misp.c reads them). */
static bool truthy(const json_t *v)
{
	const char *s = json_string_value(v);
	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0) ||
	       (s && (!strcmp(s, "1") || !strcmp(s, "true")));
}

/* Appends a's attributes to parts[level] by their own tags. */
static int split_attributes(json_t *arr, enum yg_tlp level, json_t *parts[YG_TLP_RED + 1])
{
	size_t i;
	json_t *a;
	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, a)
	{
		enum yg_tlp l = level;
		if (!json_is_object(a))
			continue;
		/* An attribute's own tag is the more specific word, either way
		 * (a CLEAR hash in a GREEN report stays CLEAR). */
		yg_feed_misp_tlp(json_object_get(a, "Tag"), &l);
		if (json_array_append(parts[l], a) < 0)
			return -ENOMEM;
	}
	return 0;
}

long yg_feed_misp_event_load(struct yg_intel_builder *b[YG_TLP_RED + 1], const char *source,
			     const char *text, size_t len, enum yg_tlp dflt)
{
	/* Screened as the file loader screens a whole event file: the split
	 * parts below are re-serialized by jansson, which would drop what
	 * made the original binary (a duplicate key's first value). */
	if (!yg_intel_text_screen(&text, &len))
		return -EBADMSG;
	json_t *root = json_loadb(text, len, 0, NULL);
	json_t *ev = json_object_get(root, "Event");
	json_t *parts[YG_TLP_RED + 1] = {0};
	long added = 0;
	int r = 0;
	if (!json_is_object(ev)) {
		json_decref(root);
		return -EBADMSG;
	}
	enum yg_tlp level = dflt;
	yg_feed_misp_tlp(json_object_get(ev, "Tag"), &level);
	for (int l = 0; l <= YG_TLP_RED && r == 0; l++)
		if (!(parts[l] = json_array()))
			r = -ENOMEM;
	if (r == 0)
		r = split_attributes(json_object_get(ev, "Attribute"), level, parts);
	json_t *objs = json_object_get(ev, "Object");
	size_t i;
	json_t *o;
	if (r == 0 && json_is_array(objs))
		json_array_foreach(objs, i, o)
		{
			if (!json_is_object(o) || truthy(json_object_get(o, "deleted")))
				continue;
			if ((r = split_attributes(json_object_get(o, "Attribute"), level, parts)) < 0)
				break;
		}
	static const struct yg_intel_format misp = {.kind = YG_FMT_MISP, .type = -1};
	const char *uuid = json_string_value(json_object_get(ev, "uuid"));
	for (int l = 0; l <= YG_TLP_RED && r == 0; l++) {
		if (!json_array_size(parts[l]))
			continue;
		json_t *sub = json_pack("{s:{s:s, s:O}}", "Event", "uuid", uuid ? uuid : "(no uuid)",
					"Attribute", parts[l]);
		char *t = sub ? json_dumps(sub, JSON_COMPACT) : NULL;
		json_decref(sub);
		if (!t) {
			r = -ENOMEM;
			break;
		}
		long k = yg_intel_load_buffer_as(b[l], source, (const uint8_t *)t, strlen(t), &misp);
		free(t);
		if (k < 0)
			r = (int)k;
		else
			added += k;
	}
	for (int l = 0; l <= YG_TLP_RED; l++)
		json_decref(parts[l]);
	json_decref(root);
	return r < 0 ? r : added;
}

/* ---- over HTTP ---- */

struct reader {
	const struct yg_feed_spec *s;
	const struct yg_feed_env *env;
	const struct yg_taxii_cred *cred;
	char base[YG_FEED_URL_MAX];
	size_t used; /* bytes read so far, against max_bytes */
	struct yg_feed_result *res;
	char (*uuids)[37];
	size_t n_uuids;
	int err;
};

static void on_uuid(void *ud, const char *uuid)
{
	struct reader *rd = ud;
	if (rd->n_uuids < MAX_EVENTS)
		memcpy(rd->uuids[rd->n_uuids++], uuid, 37);
}

/* GET url within what is left of the cap: 0 with *ret_body (caller
 * frees), or < 0 with res->error set. */
static int get(struct reader *rd, const char *url, const char *what, char **ret_body,
	       size_t *ret_len)
{
	if (rd->used >= rd->s->max_bytes) {
		snprintf(rd->res->error, sizeof rd->res->error,
			 "the feed's answers pass its cap of %zu bytes", rd->s->max_bytes);
		return -E2BIG;
	}
	struct yg_feed_fetch f = {
	    .url = url,
	    .ca_file = rd->s->ca_file[0] ? rd->s->ca_file : NULL,
	    .cred = rd->cred,
	    .max_bytes = rd->s->max_bytes - rd->used,
	    .timeout_s = rd->s->timeout_s,
	    .cancel = rd->env ? rd->env->cancel : NULL,
	    .ud = rd->env ? rd->env->ud : NULL,
	};
	int r = yg_feed_fetch_run(&f);
	rd->res->http_status = f.status;
	if (r < 0) {
		snprintf(rd->res->error, sizeof rd->res->error, "%s: %s", what, f.err);
		return r;
	}
	rd->used += f.len;
	*ret_body = f.body;
	*ret_len = f.len;
	return 0;
}

int yg_feed_misp_read(const struct yg_feed_spec *s, const struct yg_feed_env *env,
		      struct yg_intel_builder *b[YG_TLP_RED + 1], struct yg_feed_result *res)
{
	struct yg_taxii_cred cred = {0};
	struct reader rd = {.s = s, .env = env, .cred = &cred, .res = res};
	char *body = NULL, url[YG_FEED_URL_MAX + 64];
	size_t len = 0;
	int r = yg_feed_cred_load(s, &cred, res->error, sizeof res->error);
	if (r < 0)
		goto out;
	/* The base: the URL without "manifest.json" and trailing slashes. */
	snprintf(rd.base, sizeof rd.base, "%s", s->url);
	size_t n = strlen(rd.base);
	if (n >= 13 && !strcmp(rd.base + n - 13, "manifest.json"))
		rd.base[n -= 13] = 0;
	while (n && rd.base[n - 1] == '/')
		rd.base[--n] = 0;
	snprintf(url, sizeof url, "%s/manifest.json", rd.base);
	r = get(&rd, url, "manifest.json", &body, &len);
	if (r < 0)
		goto out;
	const char *why = "";
	long k = yg_intel_misp_manifest(body, len, NULL, NULL, &why);
	if (k < 0 || k > MAX_EVENTS) {
		snprintf(res->error, sizeof res->error, "manifest.json: %s",
			 k < 0 ? why : "more events than a feed may list");
		r = -EBADMSG;
		goto out;
	}
	rd.uuids = k ? malloc((size_t)k * sizeof *rd.uuids) : NULL;
	if (k && !rd.uuids) {
		r = -ENOMEM;
		goto out;
	}
	yg_intel_misp_manifest(body, len, on_uuid, &rd, &why);
	free(body);
	body = NULL;
	for (size_t i = 0; i < rd.n_uuids; i++) {
		snprintf(url, sizeof url, "%s/%s.json", rd.base, rd.uuids[i]);
		char what[64];
		snprintf(what, sizeof what, "event %s", rd.uuids[i]);
		r = get(&rd, url, what, &body, &len);
		if (r < 0)
			goto out;
		long e = yg_feed_misp_event_load(b, s->name, body, len, s->tlp);
		free(body);
		body = NULL;
		if (e == -EBADMSG) {
			snprintf(res->error, sizeof res->error, "event %s: not a MISP event",
				 rd.uuids[i]);
			r = e;
			goto out;
		}
		if (e < 0) {
			r = (int)e;
			goto out;
		}
	}
	res->http_status = 200;
out:
	res->bytes = rd.used;
	free(body);
	free(rd.uuids);
	yg_feed_cred_free(&cred);
	return r;
}
