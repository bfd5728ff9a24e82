/*
 * TAXII 2.1 answers as a client sees them (OASIS TAXII Version 2.1,
 * sections 3.4, 4.1, 5.1 and 5.4; media type
 * application/taxii+json;version=2.1):
 *
 *   discovery                     collections
 *   {"title":..,                  {"collections":[
 *    "default":"/taxii2/api/",       {"id":"<uuid>","title":..,
 *    "api_roots":["/taxii2/api/"]}    "can_read":true,"can_write":false}]}
 *
 *   envelope (get objects)        response headers
 *   {"more":true,"next":"N",      X-TAXII-Date-Added-First: 2026-..Z
 *    "objects":[{"type":"indicator",X-TAXII-Date-Added-Last:  2026-..Z
 *                "id":..,"modified":..,"revoked":false,"pattern":..}]}
 *
 * All of it comes from the network: sizes are capped, types checked, and
 * everything that goes back into a URL (API root, collection id, next) is
 * kept only when it is short printable ASCII that needs no escaping there.
 */
#include "taxii/answer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stix/ident.h"

static int bad(char *err, size_t errlen, int r, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return r;
}

/* "what N why" for entry N of a list. */
static int bad_at(char *err, size_t errlen, const char *what, size_t i, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s %zu %s", what, i, why);
	return -EBADMSG;
}

static json_t *load(const uint8_t *data, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (err && errlen)
			snprintf(err, errlen, "not JSON: %s (line %d)", je.text, je.line);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		bad(err, errlen, 0, "not a JSON object");
		return NULL;
	}
	return root;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool yg_taxii_time_ok(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SS */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = strnlen(s, YG_TAXII_TIME_MAX);
	if (n >= YG_TAXII_TIME_MAX || n < sizeof shape)
		return false;
	for (size_t i = 0; i + 1 < sizeof shape; i++) {
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return false;
	}
	size_t i = sizeof shape - 1;
	if (s[i] == '.') {
		i++;
		size_t d = i;
		while (is_digit(s[i]))
			i++;
		if (i == d)
			return false;
	}
	return s[i] == 'Z' && i + 1 == n;
}

int yg_taxii_time_cmp(const char *a, const char *b)
{
	int c = strncmp(a, b, 19);
	if (c)
		return c;
	/* Fractions of different lengths: a missing digit counts as 0. */
	const char *fa = a[19] == '.' ? a + 20 : "";
	const char *fb = b[19] == '.' ? b + 20 : "";
	for (;;) {
		char da = is_digit(*fa) ? *fa++ : '0';
		char db = is_digit(*fb) ? *fb++ : '0';
		if (da != db)
			return da < db ? -1 : 1;
		if (!is_digit(*fa) && !is_digit(*fb))
			return 0;
	}
}

/* Printable ASCII that a URL carries as is: no space, quote, '#', '?',
 * '%' or backslash, which would change what the URL means. */
static bool url_safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '#' || c == '?' || c == '%' ||
		    c == '\\' || c == '<' || c == '>')
			return false;
	}
	return true;
}

/* Length of scheme://host[:port] in url, 0 when it has none. */
static size_t origin_len(const char *url)
{
	const char *p = NULL;
	if (!strncasecmp(url, "https://", 8))
		p = url + 8;
	else if (!strncasecmp(url, "http://", 7))
		p = url + 7;
	if (!p || !*p || *p == '/')
		return 0;
	const char *slash = strchr(p, '/');
	return slash ? (size_t)(slash - url) : strlen(url);
}

int yg_taxii_parse_discovery(const uint8_t *data, size_t len, const char *base_url, char *ret_root,
                             size_t retlen, char *err, size_t errlen)
{
	int r = -EBADMSG;
	json_t *root = load(data, len, err, errlen);
	if (!root)
		return -EBADMSG;
	json_t *roots = json_object_get(root, "api_roots");
	json_t *def = json_object_get(root, "default");
	if (roots && !json_is_array(roots)) {
		r = bad(err, errlen, -EBADMSG, "discovery: api_roots is not a list");
		goto out;
	}
	if (def && !json_is_string(def)) {
		r = bad(err, errlen, -EBADMSG, "discovery: default is not text");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(roots); i++)
		if (!json_is_string(json_array_get(roots, i))) {
			r = bad(err, errlen, -EBADMSG, "discovery: an api_roots entry is not text");
			goto out;
		}
	const char *pick =
	    def ? json_string_value(def) : json_string_value(json_array_get(roots, 0));
	if (!pick) {
		r = bad(err, errlen, -EBADMSG,
		        "discovery: no API root (neither default nor api_roots)");
		goto out;
	}
	size_t pl = strlen(pick);
	if (pl == 0 || pl >= YG_TAXII_URL_MAX || !url_safe(pick, pl)) {
		r = bad(err, errlen, -EBADMSG,
		        "discovery: API root is empty, too long or not URL text");
		goto out;
	}
	size_t ol = origin_len(base_url);
	if (!ol) {
		r = bad(err, errlen, -EINVAL, "hub URL has no http(s) origin");
		goto out;
	}
	char url[YG_TAXII_URL_MAX + 32];
	int w;
	if (origin_len(pick)) {
		/* TAXII 2.1 (4.1) lets a server put its API roots on other hosts
		 * and ports, and the credentials follow them there: the answer
		 * came from the server they were given for. Never from https
		 * down to http, which would send them in clear. */
		if (!strncasecmp(base_url, "https://", 8) && strncasecmp(pick, "https://", 8)) {
			r = bad(err, errlen, -EBADMSG,
				"discovery: API root over http from an https server (the "
				"credentials would go in clear)");
			goto out;
		}
		w = snprintf(url, sizeof url, "%s", pick);
	} else if (strchr(pick, ':')) {
		r = bad(err, errlen, -EBADMSG,
		        "discovery: API root with a scheme other than http(s)");
		goto out;
	} else if (pick[0] == '/') {
		if (pick[1] == '/') {
			r = bad(err, errlen, -EBADMSG, "discovery: API root names another host");
			goto out;
		}
		w = snprintf(url, sizeof url, "%.*s%s", (int)ol, base_url, pick);
	} else {
		w = snprintf(url, sizeof url, "%s/taxii2/%s", base_url, pick);
	}
	size_t ul = w > 0 ? (size_t)w : 0;
	if (ul == 0 || ul + 2 > retlen || ul + 2 > YG_TAXII_URL_MAX) {
		r = bad(err, errlen, -E2BIG, "discovery: API root URL too long");
		goto out;
	}
	if (url[ul - 1] != '/') {
		url[ul++] = '/';
		url[ul] = '\0';
	}
	memcpy(ret_root, url, ul + 1);
	r = 0;
out:
	json_decref(root);
	return r;
}

static bool coll_id_ok(const char *s)
{
	size_t n = strnlen(s, YG_TAXII_COLL_ID_MAX);
	if (n == 0 || n >= YG_TAXII_COLL_ID_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '.' || c == '_' || c == '~'))
			return false;
	}
	return true;
}

static void copy_name(json_t *v, char out[YG_TAXII_TITLE_MAX])
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	if (n >= YG_TAXII_TITLE_MAX)
		n = 0;
	memcpy(out, s ? s : "", n);
	out[n] = '\0';
}

int yg_taxii_parse_collections(const uint8_t *data, size_t len, struct yg_taxii_collections *ret,
                               char *err, size_t errlen)
{
	int r = -EBADMSG;
	json_t *root = load(data, len, err, errlen);
	if (!root)
		return -EBADMSG;
	json_t *arr = json_object_get(root, "collections");
	if (arr && !json_is_array(arr)) {
		r = bad(err, errlen, -EBADMSG, "collections: not a list");
		goto out;
	}
	size_t n = json_array_size(arr);
	if (n > YG_TAXII_COLLECTIONS_MAX) {
		r = bad(err, errlen, -E2BIG, "collections: more than 64 listed");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i);
		const char *id = json_string_value(json_object_get(c, "id"));
		json_t *rd = json_object_get(c, "can_read");
		if (!json_is_object(c)) {
			r = bad_at(err, errlen, "collections: entry", i, "is not an object");
			goto out;
		}
		if (!id || !coll_id_ok(id)) {
			r = bad_at(err, errlen, "collections: entry", i,
			           "has no id, or one unfit for a URL path");
			goto out;
		}
		if (!json_is_boolean(rd)) {
			r = bad_at(err, errlen, "collections: entry", i, "has no boolean can_read");
			goto out;
		}
	}
	/* Checked whole: now copy. */
	ret->n = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i);
		if (!json_is_true(json_object_get(c, "can_read")))
			continue;
		snprintf(ret->id[ret->n], YG_TAXII_COLL_ID_MAX, "%s",
		         json_string_value(json_object_get(c, "id")));
		copy_name(json_object_get(c, "title"), ret->title[ret->n]);
		copy_name(json_object_get(c, "alias"), ret->alias[ret->n]);
		ret->n++;
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

static bool indicator_id_ok(const char *id)
{
	size_t n = strnlen(id, YG_TAXII_ID_MAX);
	return n < YG_TAXII_ID_MAX && yg_stix_id_loose(id, n, "indicator");
}

/* The fields the sensor's STIX loader reads; nothing else of the
 * submitter's object is kept. Returns a new object or NULL (no memory). */
static json_t *minimal(json_t *o, const char **ret_bad)
{
	static const char *const keep[] = {"type",         "spec_version", "id",
	                                   "created",      "modified",     "pattern",
	                                   "pattern_type", "valid_from",   "valid_until"};
	json_t *m = json_object();
	if (!m)
		return NULL;
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		json_t *v = json_object_get(o, keep[i]);
		if (!v)
			continue;
		if (!json_is_string(v)) {
			*ret_bad = keep[i];
			json_decref(m);
			return NULL;
		}
		if (json_object_set(m, keep[i], v) < 0) {
			json_decref(m);
			return NULL;
		}
	}
	return m;
}

/* Any STIX object, for a federation peer: whole, with a good id of its
 * type and a modified (or created) time; 1 taken, 0 refused (err set). */
static int take_any(json_t *o, size_t i, struct yg_taxii_object *t, char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *mod = json_string_value(json_object_get(o, "modified"));
	if (!mod)
		mod = json_string_value(json_object_get(o, "created"));
	json_t *rv = json_object_get(o, "revoked");
	size_t n = id ? strnlen(id, YG_TAXII_ID_MAX) : 0;
	if (!id || n >= YG_TAXII_ID_MAX || !yg_stix_id_valid(id, n, type))
		return bad_at(err, errlen, "envelope: object", i, "has no good id of its type");
	if (!mod || !yg_taxii_time_ok(mod))
		return bad_at(err, errlen, "envelope: object", i, "has no RFC 3339 modified or created");
	if (rv && !json_is_boolean(rv))
		return bad_at(err, errlen, "envelope: object", i, "has a revoked that is not a boolean");
	t->id = id;
	t->modified = mod;
	t->revoked = json_is_true(rv);
	t->object = json_incref(o);
	return 1;
}

static int envelope_parse(const uint8_t *data, size_t len, bool any, struct yg_taxii_envelope *ret,
			  char *err, size_t errlen);

int yg_taxii_envelope_parse(const uint8_t *data, size_t len, struct yg_taxii_envelope *ret,
                            char *err, size_t errlen)
{
	return envelope_parse(data, len, false, ret, err, errlen);
}

int yg_taxii_envelope_parse_any(const uint8_t *data, size_t len, struct yg_taxii_envelope *ret,
				char *err, size_t errlen)
{
	return envelope_parse(data, len, true, ret, err, errlen);
}

static int envelope_parse(const uint8_t *data, size_t len, bool any, struct yg_taxii_envelope *ret,
			  char *err, size_t errlen)
{
	struct yg_taxii_envelope e = {0};
	int r = -EBADMSG;
	char why[160];
	e.root = load(data, len, err, errlen);
	if (!e.root)
		return -EBADMSG;
	json_t *more = json_object_get(e.root, "more");
	if (more && !json_is_boolean(more)) {
		r = bad(err, errlen, -EBADMSG, "envelope: more is not a boolean");
		goto fail;
	}
	e.more = json_is_true(more);
	json_t *next = json_object_get(e.root, "next");
	if (next) {
		const char *nv = json_string_value(next);
		size_t nl = nv ? strlen(nv) : 0;
		if (!nv || nl == 0 || nl >= sizeof e.next || !url_safe(nv, nl) || strchr(nv, '&')) {
			r = bad(err, errlen, -EBADMSG,
			        "envelope: next is not short printable text");
			goto fail;
		}
		memcpy(e.next, nv, nl + 1);
	}
	json_t *arr = json_object_get(e.root, "objects");
	if (arr && !json_is_array(arr)) {
		r = bad(err, errlen, -EBADMSG, "envelope: objects is not a list");
		goto fail;
	}
	size_t n = json_array_size(arr);
	if (n > YG_TAXII_PAGE_MAX) {
		r = bad(err, errlen, -E2BIG, "envelope: more than 10000 objects in one page");
		goto fail;
	}
	if (n) {
		e.v = calloc(n, sizeof *e.v);
		if (!e.v) {
			r = -ENOMEM;
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		const char *type = json_string_value(json_object_get(o, "type"));
		if (!json_is_object(o) || !type) {
			r = bad_at(err, errlen, "envelope: object", i, "has no type");
			goto fail;
		}
		if (any) {
			r = take_any(o, i, &e.v[e.n], err, errlen);
			if (r <= 0) {
				r = r < 0 ? r : -EBADMSG;
				goto fail;
			}
			e.n++;
			continue;
		}
		if (strcmp(type, "indicator")) {
			e.skipped++;
			continue;
		}
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *mod = json_string_value(json_object_get(o, "modified"));
		json_t *rv = json_object_get(o, "revoked");
		json_t *pt = json_object_get(o, "pattern_type");
		const char *fault = NULL;
		if (!id || !indicator_id_ok(id))
			fault = "has no good indicator id";
		else if (!mod || !yg_taxii_time_ok(mod))
			fault = "has no RFC 3339 modified";
		else if (rv && !json_is_boolean(rv))
			fault = "has a revoked that is not a boolean";
		else if (pt && !json_is_string(pt))
			fault = "has a pattern_type that is not text";
		else if (!json_is_true(rv) && !json_is_string(json_object_get(o, "pattern")))
			fault = "is live but has no pattern";
		if (fault) {
			r = bad_at(err, errlen, "envelope: indicator", i, fault);
			goto fail;
		}
		if (pt && strcmp(json_string_value(pt), "stix")) {
			e.skipped++; /* sigma, yara, ...: not for this sensor */
			continue;
		}
		struct yg_taxii_object *t = &e.v[e.n];
		t->id = id;
		t->modified = mod;
		t->revoked = json_is_true(rv);
		if (!t->revoked) {
			const char *field = NULL;
			t->object = minimal(o, &field);
			if (!t->object) {
				if (field) {
					snprintf(why, sizeof why, "has a %s that is not text",
					         field);
					r = bad_at(err, errlen, "envelope: indicator", i, why);
				} else {
					r = -ENOMEM;
				}
				goto fail;
			}
		}
		e.n++;
	}
	*ret = e;
	return 0;
fail:
	yg_taxii_envelope_release(&e);
	return r;
}

void yg_taxii_envelope_release(struct yg_taxii_envelope *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		json_decref(e->v[i].object);
	free(e->v);
	json_decref(e->root);
	e->v = NULL;
	e->root = NULL;
	e->n = 0;
}

int yg_taxii_header_added_last(const char *line, size_t n, char *ret, size_t retlen)
{
	static const char name[] = "X-TAXII-Date-Added-Last:";
	size_t nl = sizeof name - 1;
	if (n <= nl || strncasecmp(line, name, nl))
		return 0;
	const char *v = line + nl;
	size_t k = n - nl;
	while (k && (*v == ' ' || *v == '\t')) {
		v++;
		k--;
	}
	while (k && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' ' || v[k - 1] == '\t'))
		k--;
	char t[YG_TAXII_TIME_MAX];
	if (k == 0 || k >= sizeof t || retlen < sizeof t)
		return 0;
	memcpy(t, v, k);
	t[k] = '\0';
	if (memchr(t, '\0', k) || !yg_taxii_time_ok(t))
		return 0;
	memcpy(ret, t, k + 1);
	return 1;
}

int yg_taxii_parse_status(const uint8_t *data, size_t len, struct yg_taxii_status *ret, char *err,
			  size_t errlen)
{
	json_t *root = load(data, len, err, errlen);
	if (!root)
		return -EBADMSG;
	static const char *const keys[] = {"success_count", "failure_count", "pending_count"};
	uint64_t v[3] = {0};
	int r = 0;
	for (size_t i = 0; i < 3; i++) {
		json_t *n = json_object_get(root, keys[i]);
		if (!n)
			continue;
		if (!json_is_integer(n) || json_integer_value(n) < 0 ||
		    json_integer_value(n) > 1000000000) {
			snprintf(err, errlen, "status: %s is not a count", keys[i]);
			r = -EBADMSG;
			goto out;
		}
		v[i] = (uint64_t)json_integer_value(n);
	}
	ret->successes = v[0];
	ret->failures = v[1];
	ret->pendings = v[2];
out:
	json_decref(root);
	return r;
}
