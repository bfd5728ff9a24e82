/*
 * Surge detection at the hub (see darknet.h and earlywarn.h): after a
 * window is stored, the ports of its minute are scored against their own
 * history, and a port that surges opens (or extends) an episode. A new
 * episode is published as a STIX 2.1 report with indicators for its top
 * sources, the way mail_publish.c publishes a submission's indicators.
 *
 * Which ports are scored. A window may hold 140,000 ports; reading six
 * hours of history for each on every post would cost seconds. Scored are
 * the minute's YG_DN_SCORE_TOP ports by packets and YG_DN_SCORE_TOP by new
 * sources (aggregated over every sensor so far), and every port with an
 * episode open: a surge is by definition among the busiest of its minute
 * or it is a jump of new sources. The cost is bounded; the price is that
 * a port outside both lists is not scored in that minute.
 *
 * Seasonality is read (28 days of the port's hours) only for a minute the
 * plain baseline already flags, or for a port with an episode open: a
 * quiet port costs one read of its minutes.
 *
 * The minute is scored every time a sensor posts a window of it, with the
 * aggregate as it stands: counts only grow, so a surge is flagged by the
 * first window that tips it, at the minute it happened.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "earlywarn/earlywarn.h"
#include "hub/darknet.h"
#include "hub/darknet_body.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "store/store_darknet.h"

#define YG_DN_SCORE_TOP   128
#define CANDIDATES_MAX    (2 * YG_DN_SCORE_TOP + 256)
#define REPORT_SOURCES    10

struct cand {
	uint8_t proto;
	uint16_t port;
	bool have;
	int64_t packets, new_sources;
};

struct cands {
	struct cand c[CANDIDATES_MAX];
	size_t n;
};

static struct cand *cand_add(struct cands *l, uint8_t proto, uint16_t port)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->c[i].proto == proto && l->c[i].port == port)
			return &l->c[i];
	if (l->n == CANDIDATES_MAX)
		return NULL;
	struct cand *c = &l->c[l->n++];
	*c = (struct cand){.proto = proto, .port = port};
	return c;
}

static int on_top(void *ud, const struct yg_dn_port *p)
{
	struct cand *c = cand_add(ud, p->proto, p->port);
	if (c) {
		c->have = true;
		c->packets = p->packets;
		c->new_sources = p->new_sources;
	}
	return 1;
}

static int on_open(void *ud, uint8_t proto, uint16_t port)
{
	cand_add(ud, proto, port);
	return 1;
}

struct hist {
	double packets[YG_EW_HISTORY_MINUTES];
	double news[YG_EW_HISTORY_MINUTES];
	int64_t minutes[YG_EW_HISTORY_MINUTES];
	size_t n;
};

static int on_minute(void *ud, const struct yg_dn_point *p)
{
	struct hist *h = ud;
	if (h->n == YG_EW_HISTORY_MINUTES)
		return 0;
	h->packets[h->n] = (double)p->packets;
	h->news[h->n] = (double)p->new_sources;
	h->minutes[h->n++] = p->t;
	return 1;
}

static int on_now(void *ud, const struct yg_dn_point *p)
{
	struct cand *c = ud;
	c->have = true;
	c->packets = p->packets;
	c->new_sources = p->new_sources;
	return 0;
}

struct hours {
	double *y;
	size_t cap;
	int64_t first;
	size_t n;
};

static int on_hour(void *ud, const struct yg_dn_point *p)
{
	struct hours *h = ud;
	if (h->n == 0)
		h->first = p->t;
	int64_t i = p->t - h->first;
	if (i < 0 || (size_t)i >= h->cap)
		return 0;
	for (size_t k = h->n; k < (size_t)i; k++)
		h->y[k] = 0; /* an hour without a row had no packets */
	h->y[i] = (double)p->packets;
	h->n = (size_t)i + 1;
	return 1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The seasonal profile from the port's hours before the minute's hour,
 * ready only with YG_EW_SEASONAL_DAYS of them. */
static int season_of(struct yg_store *st, const struct cand *c, int64_t minute,
		     struct yg_ew_season *ret)
{
	static _Thread_local double y[YG_EW_FORECAST_MAX_HOURS];
	struct hours h = {.y = y, .cap = YG_EW_FORECAST_MAX_HOURS};
	int64_t hour = floor_div(minute, 60);
	int r = st->ops->darknet->hours(st, c->proto, c->port, hour - YG_EW_FORECAST_MAX_HOURS, hour,
					on_hour, &h);
	if (r < 0)
		return r;
	/* Pad to the scored hour: the profile's hours must end where the
	 * minute is. */
	while (h.n > 0 && h.first + (int64_t)h.n < hour && h.n < h.cap)
		y[h.n++] = 0;
	yg_ew_season_fit(y, h.n, h.first, false, ret);
	return 0;
}

/* A version-4 shaped UUID from SHA-256 of text: the same surge or source
 * gets the same id, so a retry never duplicates an object. */
static void stable_id(const char *type, const char *text, char out[64])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL))
		memset(md, 0, sizeof md);
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x40);
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80);
	snprintf(out, 64,
		 "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", type,
		 md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11],
		 md[12], md[13], md[14], md[15]);
}

static int minute_text(int64_t minute, char out[YG_TIME_US_LEN + 1])
{
	return yg_time_format_us(minute * 60 * 1000000, out);
}

struct pub {
	struct yg_hub *h;
	struct yg_store *st;
	const struct yg_caller *who;
	int64_t coll;
	enum yg_tlp tlp;
	const char *now;
	int64_t now_us;
	const struct yg_dn_surge *s;
	const char *report_id;
	const char *want_class;
	json_t *refs;
	int err;
};

static int put_object(struct pub *p, const char *id, const char *type, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return -ENOMEM;
	struct yg_obj_in in = {
		.collection = p->coll,
		.stix_id = id,
		.type = type,
		.spec_version = "2.1",
		.modified = p->now,
		.modified_us = p->now_us,
		.tlp = p->tlp,
		.submitter_org = p->who->org_id,
		.anonymous = true,
		.json = text,
		.json_len = strlen(text),
	};
	int64_t added = 0;
	int r = p->st->ops->obj_put(p->st, &in, &added);
	free(text);
	return r > 0 ? 0 : r;
}

/* One indicator per top source of the surging port (research scanners
 * are named, not indicated: they are not an attack). */
static int on_source(void *ud, const struct yg_dn_source *src)
{
	struct pub *p = ud;
	if (strcmp(src->cls, p->want_class) || !strcmp(src->fingerprint, "research"))
		return 1;
	if (json_array_size(p->refs) >= REPORT_SOURCES)
		return 0;
	char id[64], key[160], pattern[96], name[96];
	snprintf(key, sizeof key, "%s|%s", p->report_id, src->ip);
	stable_id("indicator", key, id);
	snprintf(pattern, sizeof pattern, "[%s:value = '%s']",
		 strchr(src->ip, ':') ? "ipv6-addr" : "ipv4-addr", src->ip);
	snprintf(name, sizeof name, "Telescope scanner of %s/%u (%s)", yg_darknet_proto_name(p->s->proto),
		 p->s->port, src->fingerprint);
	json_t *x = json_pack("{s:s, s:s, s:I, s:I}", "class", src->cls, "fingerprint",
			      src->fingerprint, "packets", (json_int_t)src->packets, "dest_count",
			      (json_int_t)src->dest_count);
	if (x && src->country[0])
		json_object_set_new(x, "country", json_string(src->country));
	if (x && src->asn >= 0)
		json_object_set_new(x, "asn", json_integer(src->asn));
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s, s:[s],"
			      " s:s, s:[s], s:o}",
			      "type", "indicator", "spec_version", "2.1", "id", id, "created", p->now,
			      "modified", p->now, "name", name, "description",
			      "A source that scanned the network telescope during a surge",
			      "indicator_types", "malicious-activity", "pattern", pattern,
			      "pattern_type", "stix", "valid_from", p->now, "labels", "yagura-darknet",
			      "created_by_ref", p->h->identity, "object_marking_refs",
			      yg_tlp_marking_id(p->tlp), "x_yagura_darknet_source", x);
	int r = put_object(p, id, "indicator", j);
	if (r == 0)
		r = json_array_append_new(p->refs, json_string(id)) ? -ENOMEM : 0;
	if (r < 0) {
		p->err = r;
		return r;
	}
	return 1;
}

static const char *class_of(uint8_t proto)
{
	return proto == YG_DN_TCP ? "scan-tcp" : proto == YG_DN_UDP ? "scan-udp" : "scan-icmp";
}

static double round2(double v)
{
	return isfinite(v) ? round(v * 100) / 100 : 0;
}

/* Publishes the report of a new episode; fills s->report_id. */
static int publish(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		   struct yg_dn_surge *s)
{
	struct yg_collection coll;
	int r = st->ops->collection_get(st, h->default_coll, &coll);
	if (r < 0)
		return r;
	char now[YG_TIME_US_LEN + 1], since[YG_TIME_US_LEN + 1], key[96], rid[64];
	int64_t now_us = yg_now_us();
	if (yg_time_format_us(now_us, now) < 0 || minute_text(s->since_minute, since) < 0)
		return -ERANGE;
	snprintf(key, sizeof key, "darknet-surge|%u|%u|%lld", s->proto, s->port,
		 (long long)s->since_minute);
	stable_id("report", key, rid);
	struct pub p = {
		.h = h,
		.st = st,
		.who = who,
		.coll = coll.id,
		.tlp = h->cfg.darknet_tlp_set ? h->cfg.darknet_tlp : YG_TLP_GREEN,
		.now = now,
		.now_us = now_us,
		.s = s,
		.report_id = rid,
		.want_class = class_of(s->proto),
		.refs = json_array(),
	};
	if (!p.refs)
		return -ENOMEM;
	r = st->ops->darknet->sources_top(st, s->port, s->since_minute - 5, 100, on_source, &p);
	if (p.err)
		r = p.err;
	if (r == 0 && json_array_size(p.refs) == 0) /* object_refs must not be empty */
		r = json_array_append_new(p.refs, json_string(h->identity)) ? -ENOMEM : 0;
	if (r < 0) {
		json_decref(p.refs);
		return r;
	}
	char name[80], desc[400];
	snprintf(name, sizeof name, "Darknet surge on %s/%u", yg_darknet_proto_name(s->proto), s->port);
	snprintf(desc, sizeof desc,
		 "The network telescope saw a surge on %s/%u from %s: %lld packets in one minute "
		 "against %.1f expected (score %.1f), %lld new sources against %.1f expected "
		 "(score %.1f).",
		 yg_darknet_proto_name(s->proto), s->port, since, (long long)s->observed, s->expected,
		 s->score, (long long)s->new_sources, s->expected_new, s->new_score);
	json_t *x = json_pack("{s:s, s:i, s:s, s:s, s:f, s:f, s:I, s:f, s:f, s:I, s:b}", "proto",
			      yg_darknet_proto_name(s->proto), "port", (int)s->port, "since", since, "kind",
			      s->kind, "score", round2(s->score), "expected", round2(s->expected),
			      "observed", (json_int_t)s->observed, "new_sources_score",
			      round2(s->new_score), "expected_new_sources", round2(s->expected_new),
			      "new_sources", (json_int_t)s->new_sources, "seasonal", s->seasonal);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:o, s:[s], s:s,"
			      " s:[s], s:o}",
			      "type", "report", "spec_version", "2.1", "id", rid, "created", now,
			      "modified", now, "name", name, "description", desc, "report_types",
			      "threat-report", "published", now, "object_refs", p.refs, "labels",
			      "yagura-darknet", "created_by_ref", h->identity, "object_marking_refs",
			      yg_tlp_marking_id(p.tlp), "x_yagura_darknet", x);
	r = put_object(&p, rid, "report", j);
	if (r == 0)
		snprintf(s->report_id, sizeof s->report_id, "%s", rid);
	return r;
}

static int append_surge(json_t *surges, const struct yg_dn_surge *s, bool is_new)
{
	char since[YG_TIME_US_LEN + 1];
	if (minute_text(s->since_minute, since) < 0)
		return -ERANGE;
	json_t *e = json_pack("{s:s, s:i, s:f, s:f, s:s, s:s, s:b, s:s}", "proto",
			      yg_darknet_proto_name(s->proto), "port", (int)s->port, "score",
			      round2(s->score), "new_sources_score", round2(s->new_score), "kind",
			      s->kind, "since", since, "new", is_new, "report", s->report_id);
	return e && json_array_append_new(surges, e) == 0 ? 0 : -ENOMEM;
}

/* Scores one port's minute; opens or extends its episode when it surges. */
static int score_port(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		      struct cand *c, int64_t minute, json_t *surges)
{
	const struct yg_store_darknet_ops *dn = st->ops->darknet;
	int r = 0;
	if (!c->have)
		r = dn->minutes(st, c->proto, c->port, minute, minute + 1, false, on_now, c);
	if (r < 0 || !c->have)
		return r;
	static _Thread_local struct hist hist;
	hist.n = 0;
	r = dn->minutes(st, c->proto, c->port, minute - YG_EW_HISTORY_MINUTES, minute, true,
			on_minute, &hist);
	if (r < 0)
		return r;
	struct yg_ew_surge e;
	yg_ew_surge_eval(hist.packets, hist.news, hist.minutes, hist.n, (double)c->packets,
			 (double)c->new_sources, minute, NULL, &e);
	struct yg_dn_surge s = {0};
	int open = dn->surge_open(st, c->proto, c->port, minute - YG_DN_GAP_MINUTES, &s);
	if (open < 0 && open != -ENOENT)
		return open;
	if (!e.scored || (!e.surge_packets && !e.surge_new && open == -ENOENT))
		return 0;
	struct yg_ew_season season;
	r = season_of(st, c, minute, &season);
	if (r < 0)
		return r;
	if (season.ready)
		yg_ew_surge_eval(hist.packets, hist.news, hist.minutes, hist.n, (double)c->packets,
				 (double)c->new_sources, minute, &season, &e);
	if (!e.surge_packets && !e.surge_new)
		return 0;
	bool is_new = open == -ENOENT;
	if (is_new) {
		s = (struct yg_dn_surge){.proto = c->proto, .port = c->port, .since_minute = minute,
					 .last_minute = minute};
	}
	if (minute < s.since_minute)
		s.since_minute = minute;
	if (minute >= s.last_minute) {
		s.last_minute = minute;
		s.score = e.score;
		s.expected = e.expected;
		s.observed = c->packets;
		s.new_score = e.new_score;
		s.expected_new = e.expected_new;
		s.new_sources = c->new_sources;
		s.seasonal = e.seasonal;
		snprintf(s.kind, sizeof s.kind, "%s",
			 e.surge_packets && e.surge_new ? "both"
			 : e.surge_packets              ? "packets"
							: "new_sources");
	}
	double top = fmax(e.score, e.new_score);
	if (top > s.peak_score)
		s.peak_score = top;
	if (is_new)
		r = publish(h, st, who, &s);
	if (r == 0)
		r = dn->surge_put(st, &s, &s.id);
	if (r == 0)
		r = append_surge(surges, &s, is_new);
	return r;
}

int yg_dn_evaluate(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
		   int64_t minute, json_t *surges)
{
	const struct yg_store_darknet_ops *dn = st->ops->darknet;
	struct cands *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	int r = dn->minute_top(st, minute, false, YG_DN_SCORE_TOP, on_top, l);
	if (r == 0)
		r = dn->minute_top(st, minute, true, YG_DN_SCORE_TOP, on_top, l);
	if (r == 0)
		r = dn->surge_ports(st, minute - YG_DN_GAP_MINUTES, on_open, l);
	for (size_t i = 0; r == 0 && i < l->n; i++)
		r = score_port(h, st, who, &l->c[i], minute, surges);
	free(l);
	return r;
}

static int on_max(void *ud, const struct yg_dn_surge *s)
{
	double *m = ud;
	double v = fmax(s->score, s->new_score);
	if (v > *m)
		*m = v;
	return 1;
}

int yg_darknet_surge_max(struct yg_store *st, int64_t now_us, double *ret_score)
{
	if (!st)
		return -EINVAL;
	double m = 0;
	int64_t now_minute = floor_div(now_us, 60 * 1000000LL);
	int r = st->ops->darknet->surge_list(st, now_minute - YG_DN_ACTIVE_MINUTES, 100000, on_max,
					     &m);
	if (r == 0)
		*ret_score = m;
	return r;
}
