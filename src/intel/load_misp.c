/*
 * MISP events and feeds (MISP core format, draft-dulaunoy-misp-core-format;
 * the feed layout that MISP's feed generator writes):
 *
 *   feed/manifest.json      {"<event uuid>": {"info": ..., "timestamp": ...}, ...}
 *   feed/<event uuid>.json  {"Event": {"uuid": ..., "info": ...,
 *                              "Attribute": [{"type": "ip-dst", "value": "192.0.2.7",
 *                                             "to_ids": true, "uuid": ...}, ...],
 *                              "Object": [{"name": ..., "Attribute": [...]}]}}
 *   feed/hashes.csv         (not read: it serves MISP's own cache)
 *
 * An attribute becomes an indicator when to_ids is set (true, 1 or "1")
 * and it is not deleted; attributes without to_ids are context, not
 * detection, and are skipped. Types used:
 *
 *   ip-src, ip-dst, ip-src|port, ip-dst|port      ip (the address)
 *   domain, hostname, hostname|port               domain
 *   domain|ip                                     domain and ip
 *   url                                           url
 *   md5, sha1, sha256, filename|md5 (sha1, sha256) the hash
 *   ja3-fingerprint-md5                           ja3
 *
 * (The export, src/hub/misp_export.c, writes with the same table.)
 * Other types (filename, regkey, email-src, yara...) cannot be matched on
 * traffic: counted and named in one note per file. A REST answer
 * {"response": [{"Event": ...}, ...]} and a bare array of events load too.
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Which parts of a "a|b" value are what; -1: none. category: the MISP
 * category an attribute of this type is written in; out: the row the
 * export (yg_intel_misp_type) writes a yagura type as. */
struct misp_type {
	const char *name;
	int first, second;
	const char *category;
	bool out;
};

#define NET "Network activity"
#define PAY "Payload delivery"
static const struct misp_type types[] = {
    {"ip-dst", YG_IND_IP, -1, NET, true},
    {"ip-src", YG_IND_IP, -1, NET, false},
    {"ip-src|port", YG_IND_IP, -1, NET, false},
    {"ip-dst|port", YG_IND_IP, -1, NET, false},
    {"domain", YG_IND_DOMAIN, -1, NET, true},
    {"hostname", YG_IND_DOMAIN, -1, NET, false},
    {"hostname|port", YG_IND_DOMAIN, -1, NET, false},
    {"domain|ip", YG_IND_DOMAIN, YG_IND_IP, NET, false},
    {"url", YG_IND_URL, -1, NET, true},
    {"md5", YG_IND_MD5, -1, PAY, true},
    {"sha1", YG_IND_SHA1, -1, PAY, true},
    {"sha256", YG_IND_SHA256, -1, PAY, true},
    {"filename|md5", -1, YG_IND_MD5, PAY, false},
    {"filename|sha1", -1, YG_IND_SHA1, PAY, false},
    {"filename|sha256", -1, YG_IND_SHA256, PAY, false},
    {"ja3-fingerprint-md5", YG_IND_JA3, -1, NET, true},
    {"x509-fingerprint-sha1", YG_IND_CERT_SHA1, -1, NET, true},
};

const char *yg_intel_misp_type(enum yg_ind_type t, const char **ret_category)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].out && types[i].first == (int)t) {
			if (ret_category)
				*ret_category = types[i].category;
			return types[i].name;
		}
	return NULL;
}

struct misp_walk {
	struct yg_intel_builder *b;
	const char *source;
	const char *event; /* the event's uuid, for messages */
	long added;
	unsigned long unusable;
	int err;
};

static bool truthy(const json_t *v)
{
	if (json_is_true(v))
		return true;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	const char *s = json_string_value(v);
	return s && (strcmp(s, "1") == 0 || strcmp(s, "true") == 0);
}

static void add_part(struct misp_walk *w, const char *auuid, const char *tname, int type,
                     const char *v, size_t n)
{
	struct yg_norm nv;
	const char *why;
	if (yg_intel_norm((enum yg_ind_type)type, v, n, &nv, &why) < 0) {
		char msg[320];
		snprintf(msg, sizeof msg, "event %s: attribute %s (%s): %s: \"%.*s\"", w->event,
		         auuid, tname, why, (int)(n > 60 ? 60 : n), v);
		yg_intel_reject(w->b, w->source, 0, msg);
		return;
	}
	int r = yg_intel_builder_put(w->b, &nv, w->source, 0, NULL);
	if (r == -E2BIG)
		yg_intel_reject(w->b, w->source, 0, "too many indicators or sources; skipped");
	else if (r < 0)
		w->err = r;
	else
		w->added += r;
}

static void attribute(struct misp_walk *w, json_t *a)
{
	if (!json_is_object(a) || !truthy(json_object_get(a, "to_ids")) ||
	    truthy(json_object_get(a, "deleted")))
		return;
	const char *tname = json_string_value(json_object_get(a, "type"));
	json_t *vj = json_object_get(a, "value");
	const char *v = json_string_value(vj);
	const char *auuid = json_string_value(json_object_get(a, "uuid"));
	if (!auuid || strlen(auuid) > 64)
		auuid = "(no uuid)";
	if (!tname || !v) {
		char msg[200];
		snprintf(msg, sizeof msg, "event %s: attribute %s without a type or value",
		         w->event, auuid);
		yg_intel_reject(w->b, w->source, 0, msg);
		return;
	}
	const struct misp_type *t = NULL;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(tname, types[i].name) == 0)
			t = &types[i];
	if (!t) {
		w->unusable++;
		return;
	}
	size_t n = json_string_length(vj);
	const char *bar = memchr(v, '|', n);
	bool composite = strchr(t->name, '|') != NULL;
	if (composite && !bar) {
		char msg[200];
		snprintf(msg, sizeof msg, "event %s: attribute %s (%s): value without '|'",
		         w->event, auuid, tname);
		yg_intel_reject(w->b, w->source, 0, msg);
		return;
	}
	size_t k = composite ? (size_t)(bar - v) : n;
	if (t->first >= 0)
		add_part(w, auuid, tname, t->first, v, k);
	if (t->second >= 0)
		add_part(w, auuid, tname, t->second, bar + 1, n - k - 1);
}

static void attributes(struct misp_walk *w, json_t *arr)
{
	size_t i;
	json_t *a;
	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, a)
	{
		attribute(w, a);
		if (w->err)
			return;
	}
}

static void event(struct misp_walk *w, json_t *wrap)
{
	json_t *ev = json_object_get(wrap, "Event");
	if (!json_is_object(ev)) {
		yg_intel_reject(w->b, w->source, 0, "MISP entry without an \"Event\" object");
		return;
	}
	const char *u = json_string_value(json_object_get(ev, "uuid"));
	w->event = u && strlen(u) <= 64 ? u : "(no uuid)";
	attributes(w, json_object_get(ev, "Attribute"));
	size_t i;
	json_t *o;
	json_t *objs = json_object_get(ev, "Object");
	if (json_is_array(objs))
		json_array_foreach(objs, i, o)
		{
			if (w->err)
				return;
			if (json_is_object(o) && !truthy(json_object_get(o, "deleted")))
				attributes(w, json_object_get(o, "Attribute"));
		}
}

static bool is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char c = yg_lc(s[i]);
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

long yg_intel_load_misp(struct yg_intel_builder *b, const char *source, const char *p, size_t len)
{
	if (len > YG_INTEL_MAX_STIX) {
		yg_intel_reject(b, source, 0, "MISP event file too large");
		return 0;
	}
	json_error_t e;
	json_t *root = json_loadb(p, len, 0, &e);
	if (!root) {
		char msg[256];
		snprintf(msg, sizeof msg, "not valid JSON: %s", e.text);
		yg_intel_reject(b, source, (unsigned long)(e.line > 0 ? e.line : 0), msg);
		return 0;
	}
	struct misp_walk w = {.b = b, .source = source, .event = "(none)"};
	const char *k0 = json_is_object(root) ? json_object_iter_key(json_object_iter(root)) : NULL;
	if (k0 && is_uuid(k0) && !json_object_get(root, "Event")) {
		yg_intel_reject(b, source, 0,
		                "a MISP feed manifest, not an event: load its folder (or the "
		                "manifest.json path) to read the events it lists");
		json_decref(root);
		return 0;
	}
	json_t *list = json_is_object(root) ? json_object_get(root, "response") : root;
	if (json_is_array(list)) {
		size_t i;
		json_t *x;
		json_array_foreach(list, i, x)
		{
			if (w.err)
				break;
			event(&w, x);
		}
	} else {
		event(&w, root);
	}
	json_decref(root);
	if (w.err)
		return w.err;
	if (w.unusable) {
		char msg[160];
		snprintf(msg, sizeof msg,
		         "%lu to_ids attributes of types not matched on traffic skipped",
		         w.unusable);
		yg_intel_report(b, source, 0, msg);
	}
	return w.added;
}

long yg_intel_misp_manifest(const char *p, size_t len, void (*fn)(void *ud, const char *uuid),
                            void *ud, const char **ret_why)
{
	*ret_why = "manifest too large";
	if (len > YG_INTEL_MAX_STIX)
		return -EBADMSG;
	json_error_t e;
	json_t *root = json_loadb(p, len, 0, &e);
	long n = 0;
	*ret_why = "manifest is not a JSON object";
	if (!json_is_object(root)) {
		n = -EBADMSG;
		goto out;
	}
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v)
	{
		if (!is_uuid(k) || !json_is_object(v)) {
			*ret_why = "manifest key is not an event UUID with an object";
			n = -EBADMSG;
			goto out;
		}
	}
	json_object_foreach(root, k, v)
	{
		char u[37];
		for (int i = 0; i < 36; i++)
			u[i] = k[i];
		u[36] = 0;
		if (fn)
			fn(ud, u);
		n++;
	}
out:
	json_decref(root);
	return n;
}
