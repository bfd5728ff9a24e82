/*
 * STIX 2.1 object validation: the rules every object shares (STIX 2.1
 * section 3 "STIX General Concepts": 3.1 type, 3.2 timestamps, 3.3
 * property names, 2.9 identifiers, 7.2 data markings) and the bundle
 * envelope (section 8). Per-type rules live in validate-types.c.
 *
 *   { "type": "indicator",                      <- 3.1 type name
 *     "spec_version": "2.1",                    <- SDO/SRO/meta: required
 *     "id": "indicator--<uuid>",                <- 2.9, type must match
 *     "created": "...Z", "modified": "...Z",    <- 3.2, modified >= created
 *     "created_by_ref": "identity--<uuid>",     <- *_ref / *_refs: ids
 *     "object_marking_refs": [ "marking-definition--<uuid>" ],
 *     ... per-type properties ... }
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stix/ident.h"
#include "stix/validate-int.h"

/* Copies at most 100 bytes of s, printable ASCII only, for messages. */
static void safe_copy(char *dst, size_t dstlen, const char *s)
{
	size_t o = 0;
	for (; s && *s && o + 1 < dstlen && o < 100; s++)
		dst[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (s && *s && o + 4 < dstlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

int v_fail(struct vctx *v, const char *prop, const char *fmt, ...)
{
	if (v->err && v->errlen > 0) {
		char p[112];
		safe_copy(p, sizeof p, prop);
		int n = snprintf(v->err, v->errlen, "%s: property '%s': ", v->label, p);
		if (n >= 0 && (size_t)n < v->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(v->err + n, v->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

bool v_has(const struct vctx *v, const char *prop)
{
	return json_object_get(v->obj, prop) != NULL;
}

static int req_missing(struct vctx *v, const char *prop)
{
	return v_fail(v, prop, "required but missing");
}

int v_opt_string(struct vctx *v, const char *prop)
{
	json_t *j = json_object_get(v->obj, prop);
	if (j && !json_is_string(j))
		return v_fail(v, prop, "not a string");
	return 0;
}

int v_req_string(struct vctx *v, const char *prop)
{
	if (!v_has(v, prop))
		return req_missing(v, prop);
	return v_opt_string(v, prop);
}

int v_opt_bool(struct vctx *v, const char *prop)
{
	json_t *j = json_object_get(v->obj, prop);
	if (j && !json_is_boolean(j))
		return v_fail(v, prop, "not a boolean");
	return 0;
}

int v_req_bool(struct vctx *v, const char *prop)
{
	if (!v_has(v, prop))
		return req_missing(v, prop);
	return v_opt_bool(v, prop);
}

int v_opt_int_range(struct vctx *v, const char *prop, long long lo, long long hi)
{
	json_t *j = json_object_get(v->obj, prop);
	if (!j)
		return 0;
	if (!json_is_integer(j))
		return v_fail(v, prop, "not an integer");
	json_int_t x = json_integer_value(j);
	if (x < lo || x > hi)
		return v_fail(v, prop, "%lld is outside %lld..%lld", (long long)x, lo, hi);
	return 0;
}

int v_req_int_range(struct vctx *v, const char *prop, long long lo, long long hi)
{
	if (!v_has(v, prop))
		return req_missing(v, prop);
	return v_opt_int_range(v, prop, lo, hi);
}

int v_opt_number_range(struct vctx *v, const char *prop, double lo, double hi)
{
	json_t *j = json_object_get(v->obj, prop);
	if (!j)
		return 0;
	if (!json_is_number(j))
		return v_fail(v, prop, "not a number");
	double x = json_number_value(j);
	if (!(x >= lo && x <= hi))
		return v_fail(v, prop, "outside %g..%g", lo, hi);
	return 0;
}

/* A non-empty array of strings. */
static int string_list(struct vctx *v, const char *prop, json_t *j)
{
	if (!json_is_array(j) || json_array_size(j) == 0)
		return v_fail(v, prop, "not a non-empty list");
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e)
	{
		if (!json_is_string(e))
			return v_fail(v, prop, "item %zu is not a string", i);
	}
	return 0;
}

int v_opt_string_list(struct vctx *v, const char *prop)
{
	json_t *j = json_object_get(v->obj, prop);
	return j ? string_list(v, prop, j) : 0;
}

int v_req_string_list(struct vctx *v, const char *prop)
{
	json_t *j = json_object_get(v->obj, prop);
	return j ? string_list(v, prop, j) : req_missing(v, prop);
}

int v_opt_timestamp(struct vctx *v, const char *prop, struct yg_stix_time *ret, bool *ret_present)
{
	struct yg_stix_time t;
	json_t *j = json_object_get(v->obj, prop);
	if (ret_present)
		*ret_present = j != NULL;
	if (!j)
		return 0;
	if (!json_is_string(j) ||
	    !yg_stix_timestamp_parse_precise(json_string_value(j), json_string_length(j), &t))
		return v_fail(v, prop, "not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)");
	if (ret)
		*ret = t;
	return 0;
}

int v_req_timestamp(struct vctx *v, const char *prop, struct yg_stix_time *ret)
{
	if (!v_has(v, prop))
		return req_missing(v, prop);
	return v_opt_timestamp(v, prop, ret, NULL);
}

int v_time_order(struct vctx *v, const char *earlier, const char *later, bool strict)
{
	struct yg_stix_time a, b;
	bool has_a, has_b;
	int r;
	if ((r = v_opt_timestamp(v, earlier, &a, &has_a)) < 0 ||
	    (r = v_opt_timestamp(v, later, &b, &has_b)) < 0)
		return r;
	if (!has_a || !has_b)
		return 0;
	int c = yg_stix_time_cmp(&b, &a);
	if (strict ? c <= 0 : c < 0)
		return v_fail(v, later, "must be %s '%s'", strict ? "later than" : "at or after",
		              earlier);
	return 0;
}

/* A well-formed id; want_types is NULL or a NULL-terminated list. */
static int check_id(struct vctx *v, const char *prop, json_t *j, const char *const *want_types)
{
	if (!json_is_string(j))
		return v_fail(v, prop, "not a string identifier");
	const char *s = json_string_value(j);
	size_t len = json_string_length(j);
	size_t tlen = yg_stix_id_type_len(s, len);
	if (tlen == 0)
		return v_fail(v, prop, "not an identifier of the form <type>--<RFC 4122 UUID>");
	if (!want_types)
		return 0;
	for (const char *const *t = want_types; *t; t++)
		if (strlen(*t) == tlen && memcmp(s, *t, tlen) == 0)
			return 0;
	return v_fail(v, prop, "must reference a%s %s", want_types[0][0] == 'i' ? "n" : "",
	              want_types[0]);
}

static int check_refs(struct vctx *v, const char *prop, json_t *j, const char *const *want)
{
	if (!json_is_array(j) || json_array_size(j) == 0)
		return v_fail(v, prop, "not a non-empty list of identifiers");
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e)
	{
		int r = check_id(v, prop, e, want);
		if (r < 0)
			return r;
	}
	return 0;
}

int v_req_refs(struct vctx *v, const char *prop)
{
	json_t *j = json_object_get(v->obj, prop);
	return j ? check_refs(v, prop, j, NULL) : req_missing(v, prop);
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/* Hash dictionary (STIX 2.1 section 2.7): known algorithms must have their
 * length in hex digits; other keys just need string values. */
int v_opt_hashes(struct vctx *v, const char *prop)
{
	static const struct {
		const char *name;
		size_t hexlen;
	} known[] = {{"MD5", 32},      {"SHA-1", 40},    {"SHA-256", 64},
	             {"SHA-512", 128}, {"SHA3-256", 64}, {"SHA3-512", 128}};
	json_t *j = json_object_get(v->obj, prop);
	if (!j)
		return 0;
	if (!json_is_object(j) || json_object_size(j) == 0)
		return v_fail(v, prop, "not a non-empty dictionary");
	const char *k;
	json_t *h;
	json_object_foreach(j, k, h)
	{
		if (!json_is_string(h))
			return v_fail(v, prop, "hash '%.40s' is not a string", k);
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
			if (strcmp(k, known[i].name) != 0)
				continue;
			if (json_string_length(h) != known[i].hexlen ||
			    !all_hex(json_string_value(h), known[i].hexlen))
				return v_fail(v, prop, "%s is not %zu hex digits", k,
				              known[i].hexlen);
		}
	}
	return 0;
}

enum yg_stix_category yg_stix_type_category(const char *type)
{
	static const char *const sdo[] = {
	    "attack-pattern", "campaign",      "course-of-action", "grouping",
	    "identity",       "incident",      "indicator",        "infrastructure",
	    "intrusion-set",  "location",      "malware",          "malware-analysis",
	    "note",           "observed-data", "opinion",          "report",
	    "threat-actor",   "tool",          "vulnerability",    NULL};
	static const char *const sco[] = {"artifact",
	                                  "autonomous-system",
	                                  "directory",
	                                  "domain-name",
	                                  "email-addr",
	                                  "email-message",
	                                  "file",
	                                  "ipv4-addr",
	                                  "ipv6-addr",
	                                  "mac-addr",
	                                  "mutex",
	                                  "network-traffic",
	                                  "process",
	                                  "software",
	                                  "url",
	                                  "user-account",
	                                  "windows-registry-key",
	                                  "x509-certificate",
	                                  NULL};
	if (!type)
		return YG_STIX_CUSTOM;
	for (const char *const *t = sdo; *t; t++)
		if (strcmp(type, *t) == 0)
			return YG_STIX_SDO;
	for (const char *const *t = sco; *t; t++)
		if (strcmp(type, *t) == 0)
			return YG_STIX_SCO;
	if (strcmp(type, "relationship") == 0 || strcmp(type, "sighting") == 0)
		return YG_STIX_SRO;
	if (strcmp(type, "marking-definition") == 0 || strcmp(type, "language-content") == 0 ||
	    strcmp(type, "extension-definition") == 0)
		return YG_STIX_META;
	return YG_STIX_CUSTOM;
}

/* Section 3.3: a-z A-Z 0-9 _, 3..250 characters ("id" is the exception). */
static bool prop_name_ok(const char *k)
{
	size_t n = strlen(k);
	if (strcmp(k, "id") == 0)
		return true;
	if (n < 3 || n > 250)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static const char *const want_identity[] = {"identity", NULL};
static const char *const want_marking[] = {"marking-definition", NULL};

static int check_granular(struct vctx *v, json_t *j)
{
	const char *prop = "granular_markings";
	if (!json_is_array(j) || json_array_size(j) == 0)
		return v_fail(v, prop, "not a non-empty list");
	size_t i;
	json_t *g;
	json_array_foreach(j, i, g)
	{
		if (!json_is_object(g))
			return v_fail(v, prop, "item %zu is not an object", i);
		json_t *sel = json_object_get(g, "selectors");
		json_t *mref = json_object_get(g, "marking_ref");
		json_t *lang = json_object_get(g, "lang");
		if (!json_is_array(sel) || json_array_size(sel) == 0)
			return v_fail(v, prop, "item %zu: 'selectors' is not a non-empty list", i);
		size_t k;
		json_t *s;
		json_array_foreach(sel, k, s)
		{
			if (!json_is_string(s))
				return v_fail(v, prop, "item %zu: selector %zu is not a string", i,
				              k);
		}
		if (!mref == !lang)
			return v_fail(v, prop,
			              "item %zu: needs exactly one of 'marking_ref', 'lang'", i);
		if (lang && !json_is_string(lang))
			return v_fail(v, prop, "item %zu: 'lang' is not a string", i);
		if (mref) {
			int r = check_id(v, prop, mref, want_marking);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int check_list_of_objects(struct vctx *v, const char *prop, const char *k1, const char *k2)
{
	json_t *j = json_object_get(v->obj, prop);
	if (!j)
		return 0;
	if (!json_is_array(j) || json_array_size(j) == 0)
		return v_fail(v, prop, "not a non-empty list");
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e)
	{
		if (!json_is_object(e))
			return v_fail(v, prop, "item %zu is not an object", i);
		if (!json_is_string(json_object_get(e, k1)))
			return v_fail(v, prop, "item %zu: '%s' is missing or not a string", i, k1);
		if (k2 && !json_is_string(json_object_get(e, k2)))
			return v_fail(v, prop, "item %zu: '%s' is missing or not a string", i, k2);
	}
	return 0;
}

/* RFC 3986 section 3: a scheme, ':', then only ASCII that a URI may hold
 * (no space, control, non-ASCII, or the characters it excludes). */
static bool uri_ok(const char *s)
{
	const char *p = s;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':')
		return false;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("<>\"{}|\\^`", c))
			return false;
	}
	return true;
}

/* Section 2.5: source_name, and a url that is a URI. */
static int check_external_refs(struct vctx *v)
{
	const char *prop = "external_references";
	int r = check_list_of_objects(v, prop, "source_name", NULL);
	if (r < 0)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(v->obj, prop), i, e)
	{
		json_t *url = json_object_get(e, "url");
		if (url && (!json_is_string(url) || !uri_ok(json_string_value(url))))
			return v_fail(v, prop, "item %zu: 'url' is not a URI", i);
		json_t *h = json_object_get(e, "hashes");
		if (h && (!json_is_object(h) || json_object_size(h) == 0))
			return v_fail(v, prop, "item %zu: 'hashes' is not a non-empty dictionary",
			              i);
	}
	return 0;
}

/* Rules for properties any object may carry. */
static int check_common_props(struct vctx *v, enum yg_stix_category cat)
{
	int r;
	const char *k;
	json_t *val;

	json_object_foreach((json_t *)v->obj, k, val)
	{
		if (!prop_name_ok(k))
			return v_fail(v, k, "property names are 3-250 characters of a-z A-Z 0-9 _");
		if (strcmp(k, "created_by_ref") == 0)
			r = check_id(v, k, val, want_identity);
		else if (strcmp(k, "object_marking_refs") == 0)
			r = check_refs(v, k, val, want_marking);
		else if (strncmp(k, "x_", 2) == 0)
			/* Custom properties are the producer's business: ATT&CK,
			 * for one, ships "x_mitre_data_source_ref": "". */
			r = 0;
		else if (ends_with(k, "_ref"))
			r = check_id(v, k, val, NULL);
		else if (ends_with(k, "_refs"))
			r = check_refs(v, k, val, NULL);
		else if (strcmp(k, "granular_markings") == 0)
			r = check_granular(v, val);
		else
			r = 0;
		if (r < 0)
			return r;
	}
	if ((r = v_opt_bool(v, "revoked")) < 0 || (r = v_opt_bool(v, "defanged")) < 0 ||
	    (r = v_opt_int_range(v, "confidence", 0, 100)) < 0 ||
	    (r = v_opt_string_list(v, "labels")) < 0 || (r = v_opt_string(v, "lang")) < 0 ||
	    (r = check_external_refs(v)) < 0)
		return r;
	/* Cyber-observables use kill_chain_phases never; custom SCOs may
	 * define their own meaning, so only known objects are held to it. */
	if (cat != YG_STIX_CUSTOM &&
	    (r = check_list_of_objects(v, "kill_chain_phases", "kill_chain_name", "phase_name")) <
	        0)
		return r;
	json_t *ext = json_object_get(v->obj, "extensions");
	if (ext) {
		if (!json_is_object(ext) || json_object_size(ext) == 0)
			return v_fail(v, "extensions", "not a non-empty dictionary");
		json_object_foreach(ext, k, val)
		{
			if (!json_is_object(val))
				return v_fail(v, "extensions", "extension '%.60s' is not an object",
				              k);
		}
	}
	return 0;
}

static int check_spec_and_times(struct vctx *v, enum yg_stix_category cat)
{
	int r;
	bool sdo_like = cat == YG_STIX_SDO || cat == YG_STIX_SRO ||
	                (cat == YG_STIX_META && strcmp(v->type, "marking-definition") != 0);
	bool marking = strcmp(v->type, "marking-definition") == 0;

	json_t *sv = json_object_get(v->obj, "spec_version");
	if (!sv && cat != YG_STIX_SCO && cat != YG_STIX_CUSTOM)
		return v_fail(v, "spec_version", "required but missing");
	if (sv && (!json_is_string(sv) || strcmp(json_string_value(sv), "2.1") != 0))
		return v_fail(v, "spec_version", "must be \"2.1\"");

	/* SCOs carry no created/modified of their own; a custom one may use
	 * the names for something else, so they are only checked elsewhere. */
	if (cat == YG_STIX_SCO)
		return 0;
	if (sdo_like || marking) {
		if ((r = v_req_timestamp(v, "created", NULL)) < 0)
			return r;
	}
	if (sdo_like && (r = v_req_timestamp(v, "modified", NULL)) < 0)
		return r;
	return v_time_order(v, "created", "modified", false);
}

static void set_label(struct vctx *v)
{
	json_t *id = json_object_get(v->obj, "id");
	if (json_is_string(id) && json_string_length(id) > 0) {
		safe_copy(v->label, sizeof v->label, json_string_value(id));
	} else if (v->type) {
		char t[112];
		safe_copy(t, sizeof t, v->type);
		snprintf(v->label, sizeof v->label, "%s object", t);
	} else {
		snprintf(v->label, sizeof v->label, "object");
	}
}

int yg_stix_validate_object(const json_t *obj, char *err, size_t errlen)
{
	struct vctx v = {.obj = obj, .err = err, .errlen = errlen};
	int r;

	if (err && errlen > 0)
		err[0] = '\0';
	if (!json_is_object(obj)) {
		if (err && errlen > 0)
			snprintf(err, errlen, "object: not a JSON object");
		return -EINVAL;
	}
	json_t *type = json_object_get(obj, "type");
	if (json_is_string(type))
		v.type = json_string_value(type);
	set_label(&v);
	if (!type)
		return v_fail(&v, "type", "required but missing");
	if (!v.type || !yg_stix_type_valid(v.type, json_string_length(type)))
		return v_fail(&v, "type",
		              "not a type name (3-250 characters of a-z 0-9 '-', starting with a "
		              "letter, no '--')");
	if (strcmp(v.type, "bundle") == 0)
		return v_fail(&v, "type",
		              "a bundle is not a STIX object (validate it as a bundle)");

	json_t *id = json_object_get(obj, "id");
	if (!id)
		return v_fail(&v, "id", "required but missing");
	if (!json_is_string(id) ||
	    !yg_stix_id_valid(json_string_value(id), json_string_length(id), NULL))
		return v_fail(&v, "id", "not an identifier of the form <type>--<RFC 4122 UUID>");
	if (!yg_stix_id_valid(json_string_value(id), json_string_length(id), v.type))
		return v_fail(&v, "id", "does not start with the object's type '%s--'", v.type);

	enum yg_stix_category cat = yg_stix_type_category(v.type);
	if ((r = check_spec_and_times(&v, cat)) < 0 || (r = check_common_props(&v, cat)) < 0)
		return r;
	return v_check_type(&v);
}

int yg_stix_validate_bundle(const json_t *bundle, yg_stix_invalid_fn on_invalid, void *ud,
                            size_t *ret_invalid, char *err, size_t errlen)
{
	struct vctx v = {.obj = bundle, .type = "bundle", .err = err, .errlen = errlen};
	size_t bad = 0;
	int r = 0;

	if (err && errlen > 0)
		err[0] = '\0';
	if (ret_invalid)
		*ret_invalid = 0;
	if (!json_is_object(bundle)) {
		if (err && errlen > 0)
			snprintf(err, errlen, "bundle: not a JSON object");
		return -EINVAL;
	}
	set_label(&v);
	json_t *type = json_object_get(bundle, "type");
	if (!json_is_string(type) || strcmp(json_string_value(type), "bundle") != 0)
		return v_fail(&v, "type", "must be \"bundle\"");
	json_t *id = json_object_get(bundle, "id");
	if (!json_is_string(id) ||
	    !yg_stix_id_valid(json_string_value(id), json_string_length(id), "bundle"))
		return v_fail(&v, "id", "not an identifier of the form bundle--<RFC 4122 UUID>");
	json_t *objects = json_object_get(bundle, "objects");
	if (!objects)
		return 0;
	if (!json_is_array(objects))
		return v_fail(&v, "objects", "not a list");

	size_t i;
	json_t *o;
	char msg[512];
	json_array_foreach(objects, i, o)
	{
		if (yg_stix_validate_object(o, msg, sizeof msg) == 0)
			continue;
		if (bad++ == 0 && err && errlen > 0)
			snprintf(err, errlen, "objects[%zu]: %s", i, msg);
		if (on_invalid) {
			int cr = on_invalid(ud, i, o, msg);
			if (cr) {
				r = cr;
				break;
			}
		}
	}
	if (ret_invalid)
		*ret_invalid = bad;
	if (r)
		return r;
	return bad ? -EINVAL : 0;
}
