/*
 * Parser and checker of a telescope window (see darknet_body.h). jansson
 * reads the JSON (its depth and the body size are bounded first); every
 * value is then checked for its type and range before it is copied into
 * fixed-size fields, and the first bad one names its path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hub/darknet_body.h"

static const struct {
	const char *name;
	unsigned num;
} protos[] = {{"tcp", YG_DN_TCP}, {"udp", YG_DN_UDP}, {"icmp", YG_DN_ICMP}};

static const char *const classes[] = {"scan-tcp", "scan-udp", "scan-icmp", "backscatter", "other"};
static const char *const fingerprints[] = {"mirai", "zmap", "masscan", "research", "unknown"};

const char *yg_darknet_proto_name(unsigned proto)
{
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (protos[i].num == proto)
			return protos[i].name;
	return "?";
}

unsigned yg_darknet_proto_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof protos / sizeof protos[0]; i++)
		if (!strcmp(s, protos[i].name))
			return protos[i].num;
	return 0;
}

void yg_dn_window_free(struct yg_dn_window *w)
{
	if (!w)
		return;
	free(w->ports);
	free(w->sources);
	free(w->victims);
	free(w);
}

/* Records the first failure: the path built from fmt, and why. */
__attribute__((format(printf, 3, 4))) static int fail(struct yg_dn_error *err, const char *why,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->field, sizeof err->field, fmt, ap);
	va_end(ap);
	err->why = why;
	return -EINVAL;
}

static const char *one_of(const json_t *v, const char *const *names, size_t n)
{
	const char *s = json_string_value(v);
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return names[i];
	return NULL;
}

/* A count 0..YG_DN_COUNT_MAX. */
static bool count_ok(const json_t *v, int64_t *ret)
{
	if (!json_is_integer(v))
		return false;
	json_int_t n = json_integer_value(v);
	if (n < 0 || n > YG_DN_COUNT_MAX)
		return false;
	*ret = (int64_t)n;
	return true;
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* An address in canonical text; false when it is not IPv4 or IPv6. */
static bool ip_ok(const json_t *v, char out[YG_DN_IP_MAX])
{
	const char *s = json_string_value(v);
	unsigned char buf[16];
	if (!s || strlen(s) >= YG_DN_IP_MAX)
		return false;
	if (inet_pton(AF_INET, s, buf) == 1)
		return inet_ntop(AF_INET, buf, out, YG_DN_IP_MAX) != NULL;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return inet_ntop(AF_INET6, buf, out, YG_DN_IP_MAX) != NULL;
	return false;
}

/* "YYYY-MM-DDTHH:MM:00Z", a real date and time, as minutes since the epoch. */
static bool window_start_ok(const char *s, int64_t *ret)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:00Z";
	if (!s || strlen(s) != sizeof shape - 1)
		return false;
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return false;
	}
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int mo = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	int h = (s[11] - '0') * 10 + (s[12] - '0');
	int mi = (s[14] - '0') * 10 + (s[15] - '0');
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
	    h > 23 || mi > 59)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ret = (int64_t)t / 60;
	return true;
}

static int parse_port(const json_t *o, size_t i, uint8_t *seen, struct yg_dn_port *p,
		      struct yg_dn_error *err)
{
	if (!json_is_object(o))
		return fail(err, "must be an object", "ports[%zu]", i);
	unsigned proto = yg_darknet_proto_parse(json_string_value(json_object_get(o, "proto")));
	if (!proto)
		return fail(err, "must be \"tcp\", \"udp\" or \"icmp\"", "ports[%zu].proto", i);
	const json_t *pv = json_object_get(o, "port");
	if (!json_is_integer(pv) || json_integer_value(pv) < 0 || json_integer_value(pv) > 65535)
		return fail(err, "must be an integer 0..65535", "ports[%zu].port", i);
	p->proto = (uint8_t)proto;
	p->port = (uint16_t)json_integer_value(pv);
	static const char *const counts[] = {"packets", "sources", "new_sources"};
	int64_t *dst[] = {&p->packets, &p->sources, &p->new_sources};
	for (size_t k = 0; k < 3; k++)
		if (!count_ok(json_object_get(o, counts[k]), dst[k]))
			return fail(err, "must be an integer 0..1000000000000", "ports[%zu].%s", i,
				    counts[k]);
	/* One bit per (proto, port): a window names each once. */
	size_t bit = (size_t)(proto == YG_DN_TCP ? 0 : proto == YG_DN_UDP ? 1 : 2) * 65536 + p->port;
	if (seen[bit / 8] & (1u << (bit % 8)))
		return fail(err, "the same proto and port twice in one window", "ports[%zu]", i);
	seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
	return 0;
}

static int parse_source(const json_t *o, size_t i, struct yg_dn_source *s, struct yg_dn_error *err)
{
	if (!json_is_object(o))
		return fail(err, "must be an object", "sources[%zu]", i);
	memset(s, 0, sizeof *s);
	if (!ip_ok(json_object_get(o, "ip"), s->ip))
		return fail(err, "must be an IPv4 or IPv6 address", "sources[%zu].ip", i);
	const char *c = one_of(json_object_get(o, "class"), classes, 5);
	if (!c)
		return fail(err, "must be scan-tcp, scan-udp, scan-icmp, backscatter or other",
			    "sources[%zu].class", i);
	snprintf(s->cls, sizeof s->cls, "%s", c);
	const char *f = one_of(json_object_get(o, "fingerprint"), fingerprints, 5);
	if (!f)
		return fail(err, "must be mirai, zmap, masscan, research or unknown",
			    "sources[%zu].fingerprint", i);
	snprintf(s->fingerprint, sizeof s->fingerprint, "%s", f);
	const json_t *rn = json_object_get(o, "research_name");
	if (rn && !json_is_null(rn)) {
		const char *t = json_string_value(rn);
		if (!t || !text_ok(t, YG_DN_RESEARCH_MAX))
			return fail(err, "must be a name of 1..64 bytes", "sources[%zu].research_name",
				    i);
		snprintf(s->research_name, sizeof s->research_name, "%s", t);
	}
	static const char *const counts[] = {"packets", "bytes", "dest_count"};
	int64_t *dst[] = {&s->packets, &s->bytes, &s->dest_count};
	for (size_t k = 0; k < 3; k++)
		if (!count_ok(json_object_get(o, counts[k]), dst[k]))
			return fail(err, "must be an integer 0..1000000000000", "sources[%zu].%s", i,
				    counts[k]);
	const json_t *ports = json_object_get(o, "ports");
	if (!json_is_array(ports) || json_array_size(ports) > YG_DN_SRC_PORTS)
		return fail(err, "must be an array of at most 10 ports", "sources[%zu].ports", i);
	for (size_t k = 0; k < json_array_size(ports); k++) {
		const json_t *v = json_array_get(ports, k);
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
			return fail(err, "must be an integer 0..65535", "sources[%zu].ports[%zu]", i, k);
		s->ports[s->n_ports++] = (uint16_t)json_integer_value(v);
	}
	const json_t *cc = json_object_get(o, "country");
	if (cc && !json_is_null(cc)) {
		const char *t = json_string_value(cc);
		if (!t || strlen(t) != 2 || t[0] < 'A' || t[0] > 'Z' || t[1] < 'A' || t[1] > 'Z')
			return fail(err, "must be two capital letters (ISO 3166)",
				    "sources[%zu].country", i);
		memcpy(s->country, t, 3);
	}
	s->asn = -1;
	const json_t *asn = json_object_get(o, "asn");
	if (asn && !json_is_null(asn)) {
		if (!json_is_integer(asn) || json_integer_value(asn) < 0 ||
		    json_integer_value(asn) > 4294967295LL)
			return fail(err, "must be an integer 0..4294967295", "sources[%zu].asn", i);
		s->asn = (int64_t)json_integer_value(asn);
	}
	return 0;
}

static int parse_victim(const json_t *o, size_t i, struct yg_dn_victim *v, struct yg_dn_error *err)
{
	if (!json_is_object(o))
		return fail(err, "must be an object", "victims[%zu]", i);
	memset(v, 0, sizeof *v);
	if (!ip_ok(json_object_get(o, "ip"), v->ip))
		return fail(err, "must be an IPv4 or IPv6 address", "victims[%zu].ip", i);
	unsigned proto = yg_darknet_proto_parse(json_string_value(json_object_get(o, "proto")));
	if (!proto)
		return fail(err, "must be \"tcp\", \"udp\" or \"icmp\"", "victims[%zu].proto", i);
	v->proto = (uint8_t)proto;
	v->port = -1;
	const json_t *pv = json_object_get(o, "port");
	if (pv && !json_is_null(pv)) {
		if (!json_is_integer(pv) || json_integer_value(pv) < 0 ||
		    json_integer_value(pv) > 65535)
			return fail(err, "must be an integer 0..65535", "victims[%zu].port", i);
		v->port = (int32_t)json_integer_value(pv);
	}
	if (!count_ok(json_object_get(o, "packets"), &v->packets))
		return fail(err, "must be an integer 0..1000000000000", "victims[%zu].packets", i);
	const json_t *e = json_object_get(o, "est_pps");
	double pps = json_is_number(e) ? json_number_value(e) : -1;
	if (!isfinite(pps) || pps < 0 || pps > 1e15)
		return fail(err, "must be a number 0..1e15", "victims[%zu].est_pps", i);
	v->est_pps = pps;
	return 0;
}

/* An optional array of at most max entries: NULL with *ret_n 0 when absent. */
static int get_array(const json_t *root, const char *key, size_t max, bool required,
		     const json_t **ret, struct yg_dn_error *err)
{
	const json_t *a = json_object_get(root, key);
	*ret = NULL;
	if (!a && !required)
		return 0;
	if (!json_is_array(a))
		return fail(err, "must be an array", "%s", key);
	if (json_array_size(a) > max)
		return fail(err, "too many entries", "%s", key);
	*ret = a;
	return 0;
}

static int parse_root(const json_t *root, struct yg_dn_window *w, struct yg_dn_error *err)
{
	if (!json_is_object(root))
		return fail(err, "the body must be a JSON object", "%s", "");
	const char *sensor = json_string_value(json_object_get(root, "sensor"));
	if (!sensor || !text_ok(sensor, YG_DN_SENSOR_MAX))
		return fail(err, "must be a name of 1..64 bytes without control characters", "%s",
			    "sensor");
	snprintf(w->sensor, sizeof w->sensor, "%s", sensor);
	const json_t *ta = json_object_get(root, "telescope_addresses");
	if (!json_is_integer(ta) || json_integer_value(ta) < 1)
		return fail(err, "must be an integer >= 1", "%s", "telescope_addresses");
	w->telescope_addresses = (int64_t)json_integer_value(ta);
	if (!window_start_ok(json_string_value(json_object_get(root, "window_start")), &w->minute))
		return fail(err, "must be a minute as YYYY-MM-DDTHH:MM:00Z", "%s", "window_start");
	const json_t *ws = json_object_get(root, "window_seconds");
	if (!json_is_integer(ws) || json_integer_value(ws) != 60)
		return fail(err, "must be 60", "%s", "window_seconds");
	const json_t *ports = NULL, *sources = NULL, *victims = NULL;
	int r = get_array(root, "ports", YG_DN_PORTS_MAX, true, &ports, err);
	if (r == 0)
		r = get_array(root, "sources", YG_DN_SOURCES_MAX, false, &sources, err);
	if (r == 0)
		r = get_array(root, "victims", YG_DN_VICTIMS_MAX, false, &victims, err);
	if (r < 0)
		return r;
	size_t np = json_array_size(ports), ns = json_array_size(sources),
	       nv = json_array_size(victims);
	w->ports = calloc(np ? np : 1, sizeof *w->ports);
	w->sources = calloc(ns ? ns : 1, sizeof *w->sources);
	w->victims = calloc(nv ? nv : 1, sizeof *w->victims);
	uint8_t *seen = calloc(3 * 65536 / 8, 1);
	if (!w->ports || !w->sources || !w->victims || !seen) {
		free(seen);
		return -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < np; i++)
		r = parse_port(json_array_get(ports, i), i, seen, &w->ports[w->n_ports++], err);
	free(seen);
	for (size_t i = 0; r == 0 && i < ns; i++)
		r = parse_source(json_array_get(sources, i), i, &w->sources[w->n_sources++], err);
	for (size_t i = 0; r == 0 && i < nv; i++)
		r = parse_victim(json_array_get(victims, i), i, &w->victims[w->n_victims++], err);
	return r;
}

int yg_dn_body_parse(const char *body, size_t len, struct yg_dn_window **ret,
		     struct yg_dn_error *err)
{
	memset(err, 0, sizeof *err);
	if (len > YG_DN_BODY_MAX)
		return -E2BIG;
	if (!body || len == 0)
		return fail(err, "the body is empty", "%s", "");
	json_error_t jerr;
	/* The contract nests three deep; jansson's own depth limit (2048)
	 * bounds the recursion of a hostile body before we see it. */
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, "the body is not JSON", "%s", "");
	struct yg_dn_window *w = calloc(1, sizeof *w);
	int r = w ? parse_root(root, w, err) : -ENOMEM;
	json_decref(root);
	if (r < 0) {
		yg_dn_window_free(w);
		return r;
	}
	*ret = w;
	return 0;
}
