/*
 * A feed subscription as JSON: the one parser behind the admin CLI and
 * POST /api/v1/feeds (outside input there: every member is checked for
 * type, length and range, and an error names the member).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common/names.h"
#include "feeds/feeds.h"
#include "taxii/cred.h"

int yg_feed_duration_parse(const char *s, int64_t *ret_s)
{
	if (!s || !*s || strlen(s) > 20)
		return -EINVAL;
	int64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX / 10 - 9) / 604800)
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (p == s)
		return -EINVAL;
	int64_t unit = 1;
	if (*p) {
		if (p[1])
			return -EINVAL;
		switch (*p) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = 604800;
			break;
		default:
			return -EINVAL;
		}
	}
	*ret_s = v * unit;
	return 0;
}

void yg_feed_url_public(const char *url, char *out, size_t cap)
{
	if (!cap)
		return;
	const char *scheme_end = strstr(url, "://");
	const char *host = scheme_end ? scheme_end + 3 : url;
	size_t auth_len = strcspn(host, "/?#");
	const char *at = memchr(host, '@', auth_len);
	size_t o = 0;
	/* scheme:// */
	size_t n = (size_t)(host - url);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, url, n);
	o = n;
	const char *rest = at ? at + 1 : host;
	n = strcspn(rest, "?#");
	if (n >= cap - o)
		n = cap - o - 1;
	memcpy(out + o, rest, n);
	out[o + n] = 0;
}

static bool url_ok(const char *u)
{
	return yg_printable_ok(u, YG_FEED_URL_MAX, false) &&
	       (!strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8) ||
	        !strncasecmp(u, "file:///", 8));
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		goto out;                                                                          \
	} while (0)

/* A string member into dst (cap bytes with the NUL). 0 absent, 1 set, -1 bad. */
static int str_member(json_t *o, const char *key, char *dst, size_t cap)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	const char *s = json_string_value(v);
	if (!s || strlen(s) >= cap || strlen(s) != json_string_length(v))
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 1;
}

/* A duration: a number of seconds or a string as yg_feed_duration_parse. */
static int dur_member(json_t *o, const char *key, int64_t *dst)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || i > 10LL * 365 * 86400)
			return -1;
		*dst = i;
		return 1;
	}
	int64_t s;
	if (!json_is_string(v) || yg_feed_duration_parse(json_string_value(v), &s) < 0 ||
	    s > 10LL * 365 * 86400)
		return -1;
	*dst = s;
	return 1;
}

static const char *const members[] = {
    "name",       "url",         "format",        "every",     "tlp",      "confidence",
    "collection", "share_group", "expire_after",  "max_bytes", "timeout",  "taxii_collections",
    "token_file", "user",        "password_file", "cert_file", "key_file", "ca_file",
    NULL,
};

int yg_feed_spec_parse(const char *text, size_t len, struct yg_feed_spec *ret, char *err,
                       size_t errlen)
{
	snprintf(err, errlen, "?");
	if (len > YG_FEED_SPEC_MAX) {
		snprintf(err, errlen, "the subscription is longer than %d bytes", YG_FEED_SPEC_MAX);
		return -EINVAL;
	}
	json_error_t jerr;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	struct yg_feed_spec *s = calloc(1, sizeof *s);
	int r = -EINVAL;
	if (!s) {
		json_decref(o);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!o)
		FAIL("invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(o))
		FAIL("the subscription must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		bool known = false;
		for (const char *const *m = members; *m; m++)
			known |= !strcmp(key, *m);
		if (!known)
			FAIL("unknown member '%.64s'", key);
	}
	s->every_s = YG_FEED_DEFAULT_EVERY;
	s->tlp = YG_TLP_GREEN;
	s->confidence = -1;
	s->expire_after_s = YG_FEED_DEFAULT_EXPIRE;
	s->max_bytes = YG_FEED_DEFAULT_BYTES;
	s->timeout_s = YG_FEED_DEFAULT_TIMEOUT;
	snprintf(s->format, sizeof s->format, "auto");
	if (str_member(o, "name", s->name, sizeof s->name) != 1 || !yg_label_ok(s->name, YG_FEED_NAME_MAX))
		FAIL("'name': required, 1 to %d of [A-Za-z0-9._-]", YG_FEED_NAME_MAX);
	if (str_member(o, "url", s->url, sizeof s->url) != 1 || !url_ok(s->url))
		FAIL("'url': required, an http://, https:// or file:/// URL without blanks");
	if (str_member(o, "format", s->format, sizeof s->format) < 0)
		FAIL("'format': not a format name");
	s->fmt.kind = YG_FMT_AUTO;
	s->fmt.type = -1;
	if (!strcmp(s->format, "taxii")) {
		s->taxii = true;
		if (!strncasecmp(s->url, "file:", 5))
			FAIL("'url': a TAXII feed needs an http:// or https:// URL");
	} else if (yg_intel_format_parse(s->format, strlen(s->format), &s->fmt) < 0) {
		FAIL("'format': '%.100s' is not a format (auto, taxii, or one of the indicator "
		     "formats)",
		     s->format);
	}
	if (dur_member(o, "every", &s->every_s) < 0 || s->every_s < 1)
		FAIL("'every': a duration of at least 1s (\"30s\", \"15m\", \"1h\", \"1d\")");
	char tlp[32] = "green";
	if (str_member(o, "tlp", tlp, sizeof tlp) < 0)
		FAIL("'tlp': clear, green or amber");
	if (!strcasecmp(tlp, "clear") || !strcasecmp(tlp, "white"))
		s->tlp = YG_TLP_CLEAR;
	else if (!strcasecmp(tlp, "green"))
		s->tlp = YG_TLP_GREEN;
	else if (!strcasecmp(tlp, "amber"))
		s->tlp = YG_TLP_AMBER;
	else
		FAIL("'tlp': clear, green or amber");
	v = json_object_get(o, "confidence");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
			FAIL("'confidence': an integer 0..100");
		s->confidence = (int)json_integer_value(v);
	}
	if (str_member(o, "collection", s->collection, sizeof s->collection) < 0)
		FAIL("'collection': a collection id or title of at most 36 bytes");
	if (str_member(o, "share_group", s->share_group, sizeof s->share_group) < 0)
		FAIL("'share_group': a group name");
	if (s->share_group[0] && s->tlp != YG_TLP_AMBER)
		FAIL("'share_group': only for an AMBER feed");
	if (dur_member(o, "expire_after", &s->expire_after_s) < 0)
		FAIL("'expire_after': a duration (\"0\", \"12h\", \"7d\")");
	v = json_object_get(o, "max_bytes");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    (uint64_t)json_integer_value(v) > YG_FEED_MAX_BYTES)
			FAIL("'max_bytes': an integer 1..%zu", YG_FEED_MAX_BYTES);
		s->max_bytes = (size_t)json_integer_value(v);
	}
	int64_t tmo = s->timeout_s;
	if (dur_member(o, "timeout", &tmo) < 0 || tmo < 1 || tmo > 3600)
		FAIL("'timeout': a duration of 1s to 1h");
	s->timeout_s = (unsigned)tmo;
	if (str_member(o, "taxii_collections", s->taxii_collections, sizeof s->taxii_collections) <
	    0)
		FAIL("'taxii_collections': a comma-separated list of at most %zu bytes",
		     sizeof s->taxii_collections - 1);
	static const struct {
		const char *key;
		size_t off, cap;
	} files[] = {
	    {"token_file", offsetof(struct yg_feed_spec, token_file), YG_FEED_PATH_MAX},
	    {"user", offsetof(struct yg_feed_spec, user), 128},
	    {"password_file", offsetof(struct yg_feed_spec, password_file), YG_FEED_PATH_MAX},
	    {"cert_file", offsetof(struct yg_feed_spec, cert_file), YG_FEED_PATH_MAX},
	    {"key_file", offsetof(struct yg_feed_spec, key_file), YG_FEED_PATH_MAX},
	    {"ca_file", offsetof(struct yg_feed_spec, ca_file), YG_FEED_PATH_MAX},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *dst = (char *)s + files[i].off;
		if (str_member(o, files[i].key, dst, files[i].cap) < 0 ||
		    !yg_printable_ok(dst, files[i].cap, true))
			FAIL("'%s': a path (or name) of printable characters", files[i].key);
	}
	if ((s->password_file[0] != 0) != (s->user[0] != 0))
		FAIL("'user' and 'password_file' go together");
	if ((s->cert_file[0] != 0) != (s->key_file[0] != 0))
		FAIL("'cert_file' and 'key_file' go together");
	bool misp_http = s->fmt.kind == YG_FMT_MISP && strncasecmp(s->url, "file:", 5) != 0;
	if (!s->taxii && s->taxii_collections[0])
		FAIL("'taxii_collections' is for a TAXII feed (format taxii)");
	if (!s->taxii && !misp_http && (s->token_file[0] || s->user[0] || s->cert_file[0]))
		FAIL("credentials are for a TAXII feed (format taxii) or a MISP feed over "
		     "http(s) (format misp)");
	*ret = *s;
	r = 0;
	err[0] = 0;
out:
	free(s);
	json_decref(o);
	return r;
}

bool yg_feed_spec_has_credentials(const struct yg_feed_spec *s)
{
	return s->token_file[0] || s->user[0] || s->password_file[0] || s->cert_file[0] ||
	       s->key_file[0] || s->ca_file[0];
}

static const char *tlp_word(enum yg_tlp t)
{
	return t == YG_TLP_CLEAR ? "clear" : t == YG_TLP_AMBER ? "amber" : "green";
}

int yg_feed_spec_json(const struct yg_feed_spec *s, char **ret)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:I}", "name", s->name, "url", s->url,
	              "format", s->format, "every", (json_int_t)s->every_s, "tlp", tlp_word(s->tlp),
	              "expire_after", (json_int_t)s->expire_after_s, "max_bytes",
	              (json_int_t)s->max_bytes, "timeout", (json_int_t)s->timeout_s);
	if (!o)
		return -ENOMEM;
	if (s->confidence >= 0)
		json_object_set_new(o, "confidence", json_integer(s->confidence));
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
	    {"collection", offsetof(struct yg_feed_spec, collection)},
	    {"share_group", offsetof(struct yg_feed_spec, share_group)},
	    {"taxii_collections", offsetof(struct yg_feed_spec, taxii_collections)},
	    {"token_file", offsetof(struct yg_feed_spec, token_file)},
	    {"user", offsetof(struct yg_feed_spec, user)},
	    {"password_file", offsetof(struct yg_feed_spec, password_file)},
	    {"cert_file", offsetof(struct yg_feed_spec, cert_file)},
	    {"key_file", offsetof(struct yg_feed_spec, key_file)},
	    {"ca_file", offsetof(struct yg_feed_spec, ca_file)},
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		const char *v = (const char *)s + strs[i].off;
		if (*v)
			json_object_set_new(o, strs[i].key, json_string(v));
	}
	char *t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!t)
		return -ENOMEM;
	*ret = t;
	return 0;
}

int yg_feed_cred_load(const struct yg_feed_spec *s, struct yg_taxii_cred *cred, char *err,
		      size_t errlen)
{
	int r = 0;
	if (s->token_file[0])
		r = yg_taxii_secret_read(s->token_file, &cred->token);
	if (r == 0 && s->password_file[0])
		r = yg_taxii_secret_read(s->password_file, &cred->password);
	if (r < 0) {
		snprintf(err, errlen, "cannot read a credential file: %s", strerror(-r));
		return r;
	}
	cred->user = s->user[0] ? (char *)s->user : NULL;
	cred->cert_file = s->cert_file[0] ? (char *)s->cert_file : NULL;
	cred->key_file = s->key_file[0] ? (char *)s->key_file : NULL;
	cred->ca_file = s->ca_file[0] ? (char *)s->ca_file : NULL;
	return 0;
}

void yg_feed_cred_free(struct yg_taxii_cred *cred)
{
	yg_taxii_secret_free(cred->token);
	yg_taxii_secret_free(cred->password);
	cred->token = cred->password = NULL;
}
