/*
 * STIX 2.1 indicators (OASIS STIX 2.1, sections 4.7 and 9) from a bundle
 * {"type":"bundle","objects":[...]}, a JSON array of objects, or a single
 * object.
 *
 * An indicator is loaded when its pattern_type is "stix" (or absent, as in
 * STIX 2.0), it is not revoked, its valid_until is in the future, and its
 * pattern is simple (only '=' on strings joined by OR, no qualifiers; see
 * stix/pattern.h). Each comparison then becomes one indicator carrying the
 * STIX id:
 *
 *   ipv4-addr:value, ipv6-addr:value     ip
 *   domain-name:value                    domain
 *   url:value                            url
 *   file:hashes.MD5 / 'SHA-1' / 'SHA-256' (quoted or not)   md5, sha1, sha256
 *   x509-certificate:hashes.'SHA-1'      cert_sha1
 *
 * Other object paths (network-traffic, ...) are skipped.
 * A broken pattern is reported with the indicator's id and the parser's
 * message; the rest of the bundle still loads.
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "stix/pattern.h"
#include "stix/timestamp.h"

struct walk {
	struct yg_intel_builder *b;
	const char *source;
	const char *id;
	long added;
	unsigned mapped, skipped;
	int err;
};

/* The indicator type for object_type:path, or -1 when not matched on. */
static int map_path(const char *obj, const char *path)
{
	if (strcmp(path, "value") == 0) {
		if (strcmp(obj, "ipv4-addr") == 0 || strcmp(obj, "ipv6-addr") == 0)
			return YG_IND_IP;
		if (strcmp(obj, "domain-name") == 0)
			return YG_IND_DOMAIN;
		if (strcmp(obj, "url") == 0)
			return YG_IND_URL;
		return -1;
	}
	bool x509 = strcmp(obj, "x509-certificate") == 0;
	if ((strcmp(obj, "file") != 0 && strcmp(obj, "artifact") != 0 && !x509) ||
	    strncmp(path, "hashes.", 7) != 0)
		return -1;
	char h[16];
	size_t n = 0;
	for (const char *p = path + 7; *p && n + 1 < sizeof h; p++)
		if (*p != '\'' && *p != '"' && *p != '-')
			h[n++] = *p;
	h[n] = 0;
	if (x509)
		return strcasecmp(h, "SHA1") == 0 ? YG_IND_CERT_SHA1 : -1;
	if (strcasecmp(h, "MD5") == 0)
		return YG_IND_MD5;
	if (strcasecmp(h, "SHA1") == 0)
		return YG_IND_SHA1;
	if (strcasecmp(h, "SHA256") == 0)
		return YG_IND_SHA256;
	return -1;
}

static int on_comparison(void *ud, const struct yg_stix_comparison *c)
{
	struct walk *w = ud;
	int type = c->value ? map_path(c->object_type, c->path) : -1;
	if (type < 0) {
		w->skipped++;
		return 0;
	}
	w->mapped++;
	struct yg_norm nv;
	const char *why;
	size_t n = strlen(c->value);
	if (yg_intel_norm((enum yg_ind_type)type, c->value, n, &nv, &why) < 0) {
		char msg[256];
		snprintf(msg, sizeof msg, "%s: %s:%s: %s: \"%.*s\"", w->id, c->object_type, c->path,
		         why, (int)(n > 60 ? 60 : n), c->value);
		yg_intel_reject(w->b, w->source, 0, msg);
		return 0;
	}
	int r = yg_intel_builder_put(w->b, &nv, w->source, 0, w->id);
	if (r == -E2BIG) {
		yg_intel_reject(w->b, w->source, 0, "too many indicators or sources; skipped");
		return 0;
	}
	if (r < 0) {
		w->err = r;
		return 1;
	}
	w->added += r;
	return 0;
}

static void reject_obj(struct yg_intel_builder *b, const char *source, const char *id,
                       const char *what, const char *detail)
{
	char msg[320];
	snprintf(msg, sizeof msg, "%s: %s%s%s", id, what, detail ? ": " : "", detail ? detail : "");
	yg_intel_reject(b, source, 0, msg);
}

/* Loads one indicator object; negative only for -ENOMEM. */
static int load_indicator(struct yg_intel_builder *b, const char *source, json_t *o, int64_t now_ms,
                          long *added)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	if (!id || strlen(id) > 200)
		id = "indicator (no id)";
	if (json_is_true(json_object_get(o, "revoked")))
		return 0;
	json_t *vu = json_object_get(o, "valid_until");
	if (vu) {
		int64_t ms;
		const char *t = json_string_value(vu);
		if (!t || !yg_stix_timestamp_parse(t, strlen(t), &ms)) {
			reject_obj(b, source, id, "bad valid_until", NULL);
			return 0;
		}
		if (ms <= now_ms)
			return 0; /* expired */
	}
	json_t *pt = json_object_get(o, "pattern_type");
	if (pt && (!json_is_string(pt) || strcmp(json_string_value(pt), "stix") != 0))
		return 0; /* snort, yara, sigma...: not for this matcher */
	json_t *pj = json_object_get(o, "pattern");
	const char *pat = json_string_value(pj);
	if (!pat) {
		reject_obj(b, source, id, "no pattern", NULL);
		return 0;
	}
	struct yg_stix_pattern *sp = NULL;
	char err[200] = "";
	int r = yg_stix_pattern_parse(pat, json_string_length(pj), &sp, err, sizeof err);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		reject_obj(b, source, id, "bad pattern", err[0] ? err : "unparsable");
		return 0;
	}
	if (!yg_stix_pattern_is_simple(sp)) {
		yg_stix_pattern_free(sp);
		reject_obj(b, source, id,
		           "pattern is not a simple comparison (only '=' joined by OR)", NULL);
		return 0;
	}
	struct walk w = {.b = b, .source = source, .id = id};
	yg_stix_pattern_walk(sp, on_comparison, &w);
	yg_stix_pattern_free(sp);
	if (w.err < 0)
		return w.err;
	if (w.mapped == 0)
		reject_obj(b, source, id,
		           "no comparison on ipv4-addr, ipv6-addr, domain-name, url or file hashes",
		           NULL);
	*added += w.added;
	return 0;
}

long yg_intel_load_stix(struct yg_intel_builder *b, const char *source, const char *p, size_t len)
{
	json_error_t e;
	/* a JSON tree takes several times its text: bound it */
	if (len > YG_INTEL_MAX_STIX) {
		yg_intel_reject(b, source, 0, "STIX file too large");
		return 0;
	}
	json_t *root = json_loadb(p, len, 0, &e);
	if (!root) {
		char msg[256];
		snprintf(msg, sizeof msg, "not valid JSON: %s", e.text);
		yg_intel_reject(b, source, (unsigned long)(e.line > 0 ? e.line : 0), msg);
		return 0;
	}
	json_t *objs = root;
	if (json_is_object(root)) {
		const char *t = json_string_value(json_object_get(root, "type"));
		if (t && strcmp(t, "bundle") == 0)
			objs = json_object_get(root, "objects");
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	long added = 0;
	int r = 0;
	if (json_is_array(objs)) {
		size_t i;
		json_t *o;
		json_array_foreach(objs, i, o)
		{
			const char *t = json_string_value(json_object_get(o, "type"));
			if (!t || strcmp(t, "indicator") != 0)
				continue;
			r = load_indicator(b, source, o, now_ms, &added);
			if (r < 0)
				break;
		}
	} else if (json_is_object(objs)) {
		const char *t = json_string_value(json_object_get(objs, "type"));
		if (t && strcmp(t, "indicator") == 0)
			r = load_indicator(b, source, objs, now_ms, &added);
	} else {
		yg_intel_reject(b, source, 0, "STIX bundle without an objects array");
	}
	json_decref(root);
	return r < 0 ? r : added;
}

/* ---- one pattern's values, for writers of other formats ---- */

struct values_walk {
	int (*fn)(void *ud, enum yg_ind_type type, const char *value, size_t len);
	void *ud;
	long n;
	int stop;
};

static int on_value(void *ud, const struct yg_stix_comparison *c)
{
	struct values_walk *w = ud;
	int type = c->value ? map_path(c->object_type, c->path) : -1;
	struct yg_norm nv;
	const char *why;
	if (type < 0 || yg_intel_norm((enum yg_ind_type)type, c->value, strlen(c->value), &nv,
	                              &why) < 0)
		return 0;
	w->stop = w->fn(w->ud, (enum yg_ind_type)type, nv.text, nv.len);
	w->n++;
	return w->stop;
}

long yg_intel_stix_pattern_values(const char *pattern, size_t len,
                                  int (*fn)(void *ud, enum yg_ind_type type, const char *value,
                                            size_t len),
                                  void *ud)
{
	struct yg_stix_pattern *sp = NULL;
	char err[8];
	int r = yg_stix_pattern_parse(pattern, len, &sp, err, sizeof err);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return -EINVAL;
	if (!yg_stix_pattern_is_simple(sp)) {
		yg_stix_pattern_free(sp);
		return -EINVAL;
	}
	struct values_walk w = {.fn = fn, .ud = ud};
	yg_stix_pattern_walk(sp, on_value, &w);
	yg_stix_pattern_free(sp);
	return w.stop ? w.stop : w.n;
}
