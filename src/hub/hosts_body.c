/*
 * Strict parsers of the infected-host API bodies (hosts_body.h), over
 * jansson with duplicate keys refused and every size checked before it
 * is trusted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub/hosts.h"
#include "hub/hosts_body.h"
#include "hub/ids.h"

static int fail(struct yg_body_error *err, const char *field, const char *why)
{
	snprintf(err->field, sizeof err->field, "%s", field);
	snprintf(err->why, sizeof err->why, "%s", why);
	return -EINVAL;
}

/* Only the named keys may be present. */
static const char *unknown_key(const json_t *o, const char *const *keys)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		bool ok = false;
		for (const char *const *p = keys; *p && !ok; p++)
			ok = !strcmp(k, *p);
		if (!ok)
			return k;
	}
	return NULL;
}

/* Canonical text of an IPv4 or IPv6 address; false when s is not one. */
static bool canon_addr(const char *s, char *out, size_t n)
{
	unsigned char b[16];
	if (!s || strlen(s) > 45)
		return false;
	if (inet_pton(AF_INET, s, b) == 1)
		return inet_ntop(AF_INET, b, out, (socklen_t)n) != NULL;
	if (inet_pton(AF_INET6, s, b) == 1)
		return inet_ntop(AF_INET6, b, out, (socklen_t)n) != NULL;
	return false;
}

static bool hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A DNS name: letters, digits, '-', '_' and dots, 1..253 bytes. */
static bool dns_name(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (!ok || ++label > 63)
			return false;
	}
	return true;
}

static bool get_time(const json_t *o, const char *key, int64_t *ret)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && strlen(s) <= 64 && yg_time_parse_us(s, strlen(s), ret);
}

static bool number(const json_t *v, double lo, double hi, double *ret)
{
	if (!json_is_number(v))
		return false;
	double d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi)
		return false;
	*ret = d;
	return true;
}

static int one_beacon(const json_t *o, size_t i, struct yg_beacon *b, struct yg_body_error *err)
{
	static const char *const keys[] = {"host",  "host_hash", "dest",     "name",
					   "dst_port", "proto", "interval_s", "count",
					   "score", "first_seen", "last_seen", NULL};
	char f[64];
#define FIELD(name) (snprintf(f, sizeof f, "beacons[%zu].%s", i, name), f)
	if (!json_is_object(o))
		return fail(err, FIELD(""), "must be an object");
	const char *k = unknown_key(o, keys);
	if (k) {
		char kk[24];
		snprintf(kk, sizeof kk, "%.20s", k);
		return fail(err, FIELD(kk), "is not a field of a beacon");
	}
	const json_t *host = json_object_get(o, "host"), *hash = json_object_get(o, "host_hash");
	/* A sensor run with --share-hosts sends the address beside the hash
	 * (as its sightings do): the member chose to share it, so the host
	 * is keyed by the address; the hash must still be well formed. */
	if (!host && !hash)
		return fail(err, FIELD("host"), "give host or host_hash");
	if (hash && !hex64(json_string_value(hash)))
		return fail(err, FIELD("host_hash"), "must be 64 lowercase hex digits");
	if (host) {
		if (!canon_addr(json_string_value(host), b->host, sizeof b->host))
			return fail(err, FIELD("host"), "must be an IPv4 or IPv6 address");
	} else {
		snprintf(b->host, sizeof b->host, "hash:%s", json_string_value(hash));
		b->hashed = true;
	}
	if (!canon_addr(json_string_value(json_object_get(o, "dest")), b->dest, sizeof b->dest))
		return fail(err, FIELD("dest"), "must be an IPv4 or IPv6 address");
	const json_t *name = json_object_get(o, "name");
	if (name && !json_is_null(name)) {
		const char *s = json_string_value(name);
		if (!s || !dns_name(s))
			return fail(err, FIELD("name"), "must be a DNS name or null");
		size_t n = strlen(s);
		for (size_t c = 0; c <= n; c++)
			b->name[c] = (char)(s[c] >= 'A' && s[c] <= 'Z' ? s[c] + 32 : s[c]);
	}
	const json_t *port = json_object_get(o, "dst_port");
	if (!json_is_integer(port) || json_integer_value(port) < 0 ||
	    json_integer_value(port) > 65535)
		return fail(err, FIELD("dst_port"), "must be an integer 0..65535");
	b->dst_port = (uint16_t)json_integer_value(port);
	const char *proto = json_string_value(json_object_get(o, "proto"));
	if (!proto || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return fail(err, FIELD("proto"), "must be tcp or udp");
	snprintf(b->proto, sizeof b->proto, "%s", proto);
	if (!number(json_object_get(o, "interval_s"), 1e-3, 86400.0 * 7, &b->interval_s))
		return fail(err, FIELD("interval_s"), "must be a number above 0, at most a week");
	const json_t *count = json_object_get(o, "count");
	if (!json_is_integer(count) || json_integer_value(count) < 2 ||
	    json_integer_value(count) > 1000000000)
		return fail(err, FIELD("count"), "must be an integer 2..1000000000");
	b->count = json_integer_value(count);
	if (!number(json_object_get(o, "score"), 0, 1, &b->score))
		return fail(err, FIELD("score"), "must be a number 0..1");
	if (!get_time(o, "first_seen", &b->first_us))
		return fail(err, FIELD("first_seen"), "must be an RFC 3339 timestamp");
	if (!get_time(o, "last_seen", &b->last_us))
		return fail(err, FIELD("last_seen"), "must be an RFC 3339 timestamp");
	if (b->last_us < b->first_us)
		return fail(err, FIELD("last_seen"), "is before first_seen");
#undef FIELD
	return 0;
}

void yg_beacons_free(struct yg_beacons *b)
{
	if (!b)
		return;
	free(b->v);
	free(b);
}

int yg_beacons_parse(const char *body, size_t len, struct yg_beacons **ret,
		     struct yg_body_error *err)
{
	if (len > YG_BEACONS_BODY_MAX)
		return -E2BIG;
	json_error_t je;
	json_t *root = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
	int r = 0;
	struct yg_beacons *b = NULL;
	if (!json_is_object(root)) {
		r = fail(err, "", "the body must be a JSON object");
		goto out;
	}
	static const char *const keys[] = {"sensor", "beacons", NULL};
	const char *k = unknown_key(root, keys);
	if (k) {
		char kk[60];
		snprintf(kk, sizeof kk, "%.40s", k);
		r = fail(err, kk, "is not a field of the body");
		goto out;
	}
	const json_t *arr = json_object_get(root, "beacons");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		r = fail(err, "beacons", "must be a non-empty array");
		goto out;
	}
	if (json_array_size(arr) > YG_BEACONS_MAX) {
		r = -E2BIG;
		goto out;
	}
	b = calloc(1, sizeof *b);
	if (b)
		b->v = calloc(json_array_size(arr), sizeof *b->v);
	if (!b || !b->v) {
		r = -ENOMEM;
		goto out;
	}
	const json_t *sensor = json_object_get(root, "sensor");
	if (sensor) {
		const char *s = json_string_value(sensor);
		size_t sn = s ? strlen(s) : 0;
		bool ok = sn >= 1 && sn <= YG_HOST_SENSOR_MAX;
		for (size_t c = 0; ok && c < sn; c++)
			ok = (unsigned char)s[c] >= 0x20 && s[c] != 0x7f;
		if (!ok) {
			r = fail(err, "sensor", "must be a name of 1..128 printable bytes");
			goto out;
		}
		memcpy(b->sensor, s, sn + 1);
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		r = one_beacon(json_array_get(arr, i), i, &b->v[i], err);
		if (r < 0)
			goto out;
		b->n++;
	}
	*ret = b;
	b = NULL;
out:
	yg_beacons_free(b);
	json_decref(root);
	return r;
}

int yg_host_state_body_parse(const char *body, size_t len, bool *ret_has_state,
			     enum yg_host_state *ret_state, char note[YG_HOST_NOTE_MAX + 1],
			     struct yg_body_error *err)
{
	note[0] = '\0';
	size_t skip = 0;
	while (skip < len && (body[skip] == ' ' || body[skip] == '\n' || body[skip] == '\r' ||
			      body[skip] == '\t'))
		skip++;
	if (skip == len) {
		*ret_has_state = false;
		return 0;
	}
	if (len > YG_STATE_BODY_MAX)
		return -E2BIG;
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	int r = 0;
	if (!json_is_object(root)) {
		r = fail(err, "", "the body must be a JSON object");
		goto out;
	}
	static const char *const keys[] = {"state", "note", NULL};
	const char *k = unknown_key(root, keys);
	if (k) {
		char kk[60];
		snprintf(kk, sizeof kk, "%.40s", k);
		r = fail(err, kk, "is not a field of the body");
		goto out;
	}
	enum yg_host_state s;
	if (yg_host_state_parse(json_string_value(json_object_get(root, "state")), &s) < 0 ||
	    (s != YG_HOST_ACKNOWLEDGED && s != YG_HOST_CLEANED)) {
		r = fail(err, "state", "must be acknowledged or cleaned");
		goto out;
	}
	const json_t *n = json_object_get(root, "note");
	if (n) {
		const char *t = json_string_value(n);
		if (!t || strlen(t) > YG_HOST_NOTE_MAX) {
			r = fail(err, "note", "must be text of at most 500 bytes");
			goto out;
		}
		memcpy(note, t, strlen(t) + 1);
	}
	*ret_has_state = true;
	*ret_state = s;
out:
	json_decref(root);
	return r;
}
