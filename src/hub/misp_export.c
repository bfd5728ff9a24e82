/*
 * GET /api/v1/export/misp/...: the caller's indicators as a MISP feed, the
 * layout MISP's feed generator writes and a MISP instance pulls when given
 * the base URL and an Authorization header:
 *
 *   manifest.json     {"<event uuid>": {"info", "Orgc": {"name", "uuid"},
 *                      "analysis", "threat_level_id", "timestamp",
 *                      "publish_timestamp", "date", "Tag": [{"name", "colour"}]}, ...}
 *   <uuid>.json       {"Event": {"Attribute": [...], "uuid", "info", ...}}
 *                     (MISP core format, draft-dulaunoy-misp-core-format)
 *   hashes.csv        "<md5 of an attribute's value>,<event uuid>" a line
 *
 * What is in it is exactly what the other exports give the caller: the
 * same walk (lifecycle.h: every readable collection, the TLP decision per
 * object, live indicators only), the values the sensor's STIX loader
 * would match (yg_intel_stix_pattern_values), and the hub's warning lists.
 *
 * Events. A STIX report (its object_refs) or campaign (the "indicates"
 * relationships pointing at it) that the caller may see becomes one event
 * of its indicators, with the report's or campaign's uuid, name, producer
 * and TLP. Every other indicator goes into the event of its producing
 * organization, the day it was created and its TLP, whose uuid is a UUIDv5
 * of those three: the same call gives the same events. An anonymous
 * submission's producer is "anonymous", never the organization.
 *
 * TLP becomes the event's tag (tlp:clear ... tlp:red; MISP's distribution
 * follows: CLEAR "3" all communities, GREEN "1" this community, stricter
 * "0" your organisation only). An indicator in a report event whose TLP
 * differs from the report's carries its own tlp tag on the attribute.
 * timestamp is the newest `modified` among the event's parts, so the
 * bytes (and the ETag) change only when the data does.
 *
 * Why three passes over spill files rather than a table of events: a
 * member may read hundreds of thousands of indicators. Each answer is one
 * walk that writes small records into an export spill (export/spill.c),
 * which sorts and de-duplicates on disk: the manifest's records are the
 * event descriptions keyed with an inverted timestamp (the merge keeps the
 * newest), an event's records are its attributes, hashes.csv's its lines.
 * Memory holds the caller's reports and campaigns (their indicator
 * references) and a few organizations, never the indicators.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "export/export.h"
#include "hub/export_out.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/lifecycle.h"
#include "hub/tlp.h"
#include "intel/intel.h"

#define CHUNK      4096 /* records sorted at once before they go to a run */
#define INFO_MAX   200  /* an event's info, in bytes */
#define ORG_CACHE  32
#define GROUPS_MAX (1u << 20) /* reports, campaigns and references held */

/* The namespace of yagura's MISP UUIDs (a UUIDv4 chosen once). */
static const unsigned char ns[16] = {0x5b, 0x0c, 0x1f, 0x7e, 0x3a, 0x52, 0x4d, 0x11,
				     0x9e, 0x47, 0x2b, 0x6a, 0x80, 0x13, 0xc4, 0x59};

/* RFC 9562 UUIDv5 of name in yagura's namespace. */
static int uuid5(const char *name, size_t len, char ret[YG_UUID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, ns, 16) &&
		 EVP_DigestUpdate(c, name, len) && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen >= 16;
	EVP_MD_CTX_free(c);
	if (!ok)
		return -ENOMEM;
	md[6] = (md[6] & 0x0f) | 0x50;
	md[8] = (md[8] & 0x3f) | 0x80;
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			ret[o++] = '-';
		ret[o++] = hex[md[i] >> 4];
		ret[o++] = hex[md[i] & 15];
	}
	ret[o] = 0;
	return 0;
}

static int md5_hex(const char *v, size_t len, char ret[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_Digest(v, len, md, &mdlen, EVP_md5(), NULL) || mdlen != 16)
		return -ENOMEM;
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		ret[2 * i] = hex[md[i] >> 4];
		ret[2 * i + 1] = hex[md[i] & 15];
	}
	ret[32] = 0;
	return 0;
}

/* ---- reports and campaigns the caller may see ---- */

struct group {
	char *id; /* "report--..." */
	char *name;
	enum yg_tlp tlp;
	int64_t org; /* 0: anonymous or the hub */
	int64_t modified_us;
	char date[11];
};

struct ref {
	char *ind; /* "indicator--..." */
	char *group;
};

struct groups {
	struct group *g;
	size_t n, cap;
	struct ref *r;
	size_t nr, capr;
	struct ref *rel; /* indicator -> campaign, resolved after the walk */
	size_t nrel, caprel;
	struct yg_store *st;
	const struct yg_caller *who;
	int err;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	if (n >= GROUPS_MAX)
		return -E2BIG;
	size_t c = *cap ? *cap * 2 : 64;
	void *q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int ref_add(struct ref **arr, size_t *n, size_t *cap, const char *ind, const char *group)
{
	int r = grow((void **)arr, cap, *n, sizeof **arr);
	if (r < 0)
		return r;
	struct ref *x = &(*arr)[*n];
	x->ind = strdup(ind);
	x->group = strdup(group);
	if (!x->ind || !x->group) {
		free(x->ind);
		free(x->group);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/* "YYYY-MM-DD" from a STIX timestamp, or from us when it has none. */
static void day_of(const char *ts, int64_t us, char out[11])
{
	int64_t v;
	if (ts && yg_time_parse_us(ts, strlen(ts), &v))
		us = v;
	char t[YG_TIME_US_LEN + 1];
	if (yg_time_format_us(us, t) < 0)
		snprintf(t, sizeof t, "1970-01-01");
	memcpy(out, t, 10);
	out[10] = 0;
}

/* Cuts s (valid UTF-8 before strndup cut it) after its last whole
 * character, so the JSON writer takes it. */
static void utf8_trim(char *s)
{
	size_t i = 0, n = strlen(s);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (i + k > n)
			break;
		i += k;
	}
	s[i] = 0;
}

static int group_row(void *ud, const struct yg_obj_row *row)
{
	struct groups *gs = ud;
	if (!yg_tlp_visible(row->tlp, row->submitter_org, row->viewer_named, gs->who->org_id) ||
	    row->revoked || !row->json)
		return 1;
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
	if (!o)
		return 1;
	int r = 0;
	if (!strcmp(row->type, "relationship")) {
		const char *rt = json_string_value(json_object_get(o, "relationship_type"));
		const char *src = json_string_value(json_object_get(o, "source_ref"));
		const char *dst = json_string_value(json_object_get(o, "target_ref"));
		if (rt && src && dst && !strcmp(rt, "indicates") &&
		    !strncmp(src, "indicator--", 11) && !strncmp(dst, "campaign--", 10))
			r = ref_add(&gs->rel, &gs->nrel, &gs->caprel, src, dst);
	} else {
		r = grow((void **)&gs->g, &gs->cap, gs->n, sizeof *gs->g);
		struct group *g = r == 0 ? &gs->g[gs->n] : NULL;
		if (g) {
			const char *name = json_string_value(json_object_get(o, "name"));
			const char *when = json_string_value(json_object_get(o, "published"));
			if (!when)
				when = json_string_value(json_object_get(o, "created"));
			*g = (struct group){.tlp = row->tlp,
					    .org = row->anonymous ? 0 : row->submitter_org,
					    .modified_us = row->modified_us};
			day_of(when, row->modified_us, g->date);
			g->id = strdup(row->stix_id);
			g->name = strndup(name ? name : row->stix_id, INFO_MAX);
			if (g->name)
				utf8_trim(g->name);
			if (!g->id || !g->name) {
				free(g->id);
				free(g->name);
				r = -ENOMEM;
			} else {
				gs->n++;
			}
		}
		json_t *refs = json_object_get(o, "object_refs");
		size_t i;
		json_t *x;
		if (r == 0 && json_is_array(refs))
			json_array_foreach(refs, i, x)
			{
				const char *ind = json_string_value(x);
				if (ind && !strncmp(ind, "indicator--", 11) &&
				    (r = ref_add(&gs->r, &gs->nr, &gs->capr, ind, row->stix_id)) < 0)
					break;
			}
	}
	json_decref(o);
	if (r < 0) {
		gs->err = r;
		return r;
	}
	return 1;
}

static int group_collection(void *ud, const struct yg_collection *c)
{
	struct groups *gs = ud;
	bool rd = false, wr = false;
	if (yg_taxii_access(gs->st, gs->who, c, &rd, &wr) < 0 || !rd)
		return 1;
	static const char *const types[] = {"report", "campaign", "relationship"};
	struct yg_obj_query q = {.collection = c->id,
				 .viewer_org = gs->who->org_id,
				 .types = types,
				 .n_types = 3,
				 .want_json = true};
	int r = gs->st->ops->obj_query(gs->st, &q, group_row, gs);
	if (r < 0 && !gs->err)
		gs->err = r;
	return r < 0 ? r : 1;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->modified_us > y->modified_us ? -1 : x->modified_us < y->modified_us;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->ind, y->ind);
	return c ? c : strcmp(x->group, y->group);
}

static struct group *group_find(const struct groups *gs, const char *id)
{
	struct group key = {.id = (char *)id, .modified_us = INT64_MAX};
	size_t lo = 0, hi = gs->n;
	while (lo < hi) { /* the first with id >= key: the newest version */
		size_t mid = (lo + hi) / 2;
		if (cmp_group(&gs->g[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < gs->n && !strcmp(gs->g[lo].id, id) ? &gs->g[lo] : NULL;
}

static void groups_release(struct groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		free(gs->g[i].id);
		free(gs->g[i].name);
	}
	for (size_t i = 0; i < gs->nr; i++) {
		free(gs->r[i].ind);
		free(gs->r[i].group);
	}
	for (size_t i = 0; i < gs->nrel; i++) {
		free(gs->rel[i].ind);
		free(gs->rel[i].group);
	}
	free(gs->g);
	free(gs->r);
	free(gs->rel);
}

/* Loads the caller's reports and campaigns, and which indicators each
 * holds (sorted by indicator). A reference to a campaign the caller may
 * not see is dropped with it. */
static int groups_load(struct groups *gs)
{
	int r = gs->st->ops->collection_list(gs->st, group_collection, gs);
	if (gs->err)
		return gs->err;
	if (r < 0)
		return r;
	if (gs->n)
		qsort(gs->g, gs->n, sizeof *gs->g, cmp_group);
	for (size_t i = 0; i < gs->nrel; i++) {
		if (!group_find(gs, gs->rel[i].group))
			continue;
		r = ref_add(&gs->r, &gs->nr, &gs->capr, gs->rel[i].ind, gs->rel[i].group);
		if (r < 0)
			return r;
	}
	if (gs->nr)
		qsort(gs->r, gs->nr, sizeof *gs->r, cmp_ref);
	return 0;
}

/* ---- the walk ---- */

enum want { WANT_MANIFEST, WANT_EVENT, WANT_HASHES };

struct org_entry {
	int64_t id;
	char name[YG_STORE_NAME_MAX + 1];
	char uuid[YG_UUID_LEN + 1];
};

struct misp {
	struct yg_store *st;
	const struct yg_intel_warn *warn;
	enum want want;
	char event[YG_UUID_LEN + 1]; /* WANT_EVENT: the one asked for */
	struct groups gs;
	struct org_entry orgs[ORG_CACHE];
	size_t n_orgs, next_org;
	/* records of the current chunk (strings in pool) */
	struct yg_export_item *items;
	char **pool;
	size_t n;
	struct yg_export_spill *sp;
	/* per indicator */
	const struct yg_obj_row *row;
	const char *stix_id;
	const char *created;
	/* WANT_EVENT: the event's description, once seen */
	char *desc;
	int64_t newest_s;
	int err;
};

static int flush(struct misp *m)
{
	if (!m->n)
		return 0;
	size_t k = yg_export_items_sort(m->items, m->n);
	int r = yg_export_spill_add(m->sp, m->items, k);
	for (size_t i = 0; i < m->n; i++)
		free(m->pool[i]);
	m->n = 0;
	return r;
}

/* Adds one record; value and source are copied into one allocation. */
static int record(struct misp *m, enum yg_ind_type type, const char *value, const char *source)
{
	size_t lv = strlen(value), ls = strlen(source);
	char *p = malloc(lv + ls + 2);
	if (!p)
		return -ENOMEM;
	memcpy(p, value, lv + 1);
	memcpy(p + lv + 1, source, ls + 1);
	m->pool[m->n] = p;
	m->items[m->n++] = (struct yg_export_item){.type = type, .value = p, .source = p + lv + 1};
	return m->n == CHUNK ? flush(m) : 0;
}

/* The name and UUID of an organization (0: anonymous). */
static int org_of(struct misp *m, int64_t id, const char **ret_name, const char **ret_uuid)
{
	for (size_t i = 0; i < m->n_orgs; i++)
		if (m->orgs[i].id == id) {
			*ret_name = m->orgs[i].name;
			*ret_uuid = m->orgs[i].uuid;
			return 0;
		}
	struct org_entry *e;
	if (m->n_orgs < ORG_CACHE) {
		e = &m->orgs[m->n_orgs++];
	} else {
		e = &m->orgs[m->next_org];
		m->next_org = (m->next_org + 1) % ORG_CACHE;
	}
	e->id = id;
	struct yg_org o;
	int r = id ? m->st->ops->org_get(m->st, id, &o) : -ENOENT;
	if (r < 0 && r != -ENOENT) {
		e->id = -1;
		return r;
	}
	if (r == 0 && !strncmp(o.identity_id, "identity--", 10) &&
	    strlen(o.identity_id) == 10 + YG_UUID_LEN) {
		snprintf(e->name, sizeof e->name, "%s", o.name);
		memcpy(e->uuid, o.identity_id + 10, YG_UUID_LEN + 1);
	} else {
		snprintf(e->name, sizeof e->name, "anonymous");
		r = uuid5("yagura:anonymous", 16, e->uuid);
		if (r < 0)
			return r;
	}
	*ret_name = e->name;
	*ret_uuid = e->uuid;
	return 0;
}

/* An event's description, the same for every part of it:
 * uuid TAB tlp TAB date TAB org uuid TAB org name TAB info (tabs and
 * control bytes of names become blanks). */
static char *describe(const char *uuid, enum yg_tlp tlp, const char *date, const char *org_uuid,
		      const char *org_name, const char *info)
{
	size_t n = strlen(org_name) + strlen(info) + 128;
	char *d = malloc(n);
	if (!d)
		return NULL;
	snprintf(d, n, "%s\t%d\t%s\t%s\t", uuid, (int)tlp, date, org_uuid);
	size_t o = strlen(d);
	for (const char *s = org_name; *s; s++)
		d[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	d[o++] = '\t';
	for (const char *s = info; *s; s++)
		d[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	d[o] = 0;
	return d;
}

/* One attribute (type, value) of the indicator in the event described. */
static int part(struct misp *m, const char *desc, int64_t ts_s, enum yg_tlp own_tlp,
		enum yg_ind_type type, const char *value)
{
	char src[24], md5[33];
	const char *uuid = desc; /* the description opens with the uuid */
	switch (m->want) {
	case WANT_MANIFEST:
		/* The merge keeps the smallest source: the newest timestamp. */
		snprintf(src, sizeof src, "%010lld", (long long)(9999999999LL - ts_s));
		return record(m, YG_IND_IP, desc, src);
	case WANT_HASHES: {
		int r = md5_hex(value, strlen(value), md5);
		char line[33 + 1 + YG_UUID_LEN + 1];
		snprintf(line, sizeof line, "%s,%.36s", md5, uuid);
		return r < 0 ? r : record(m, YG_IND_IP, line, "");
	}
	case WANT_EVENT:
		if (strncmp(uuid, m->event, YG_UUID_LEN) != 0)
			return 0;
		if (!m->desc && !(m->desc = strdup(desc)))
			return -ENOMEM;
		if (ts_s > m->newest_s)
			m->newest_s = ts_s;
		/* The STIX id goes along as the attribute's comment. */
		size_t n = strlen(m->stix_id) + 48;
		char *full = malloc(n);
		if (!full)
			return -ENOMEM;
		snprintf(full, n, "%lld\t%d\t%s", (long long)ts_s, (int)own_tlp, m->stix_id);
		int r = record(m, type, value, full);
		free(full);
		return r;
	}
	return 0;
}

/* Called per value of the current indicator's pattern. */
static int on_value(void *ud, enum yg_ind_type type, const char *value, size_t len)
{
	struct misp *m = ud;
	const struct yg_obj_row *row = m->row;
	if (!yg_intel_misp_type(type, NULL))
		return 0;
	if (m->warn && yg_intel_warn_check(m->warn, type, value, len))
		return 0;
	int64_t ts = row->modified_us / 1000000;
	int r = 0;
	bool grouped = false;
	/* The report and campaign events that hold this indicator. */
	struct ref key = {.ind = (char *)m->stix_id, .group = ""};
	size_t lo = 0, hi = m->gs.nr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_ref(&m->gs.r[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; r == 0 && i < m->gs.nr && !strcmp(m->gs.r[i].ind, m->stix_id); i++) {
		if (i > lo && !strcmp(m->gs.r[i].group, m->gs.r[i - 1].group))
			continue;
		const struct group *g = group_find(&m->gs, m->gs.r[i].group);
		const char *dash = g ? strstr(g->id, "--") : NULL;
		if (!dash || strlen(dash + 2) != YG_UUID_LEN)
			continue;
		const char *oname, *ouuid;
		r = org_of(m, g->org, &oname, &ouuid);
		char *d = r == 0 ? describe(dash + 2, g->tlp, g->date, ouuid, oname, g->name) : NULL;
		if (r == 0 && !d)
			r = -ENOMEM;
		int64_t gts = g->modified_us / 1000000;
		if (r == 0)
			r = part(m, d, ts > gts ? ts : gts, row->tlp, type, value);
		free(d);
		grouped = true;
	}
	if (r < 0 || grouped)
		return r;
	/* The event of the producer, the day and the TLP. */
	const char *oname, *ouuid;
	r = org_of(m, row->anonymous ? 0 : row->submitter_org, &oname, &ouuid);
	if (r < 0)
		return r;
	char day[11], name[160], uuid[YG_UUID_LEN + 1], info[INFO_MAX + 1];
	day_of(m->created, row->modified_us, day);
	int n = snprintf(name, sizeof name, "yagura:%s|%s|%d", ouuid, day, (int)row->tlp);
	r = uuid5(name, (size_t)n, uuid);
	if (r < 0)
		return r;
	snprintf(info, sizeof info, "Indicators shared by %.120s on %s (%s)", oname, day,
		 yg_tlp_name(row->tlp));
	char *d = describe(uuid, row->tlp, day, ouuid, oname, info);
	if (!d)
		return -ENOMEM;
	r = part(m, d, ts, row->tlp, type, value);
	free(d);
	return r;
}

static int on_indicator(void *ud, const struct yg_obj_row *row, const json_t *o,
			enum yg_ind_state state)
{
	struct misp *m = ud;
	if (state != YG_IND_LIVE || !o)
		return 1;
	json_t *pt = json_object_get(o, "pattern_type");
	json_t *pj = json_object_get(o, "pattern");
	if ((pt && !(json_is_string(pt) && !strcmp(json_string_value(pt), "stix"))) ||
	    !json_is_string(pj))
		return 1;
	m->row = row;
	m->stix_id = row->stix_id;
	m->created = json_string_value(json_object_get(o, "created"));
	long k = yg_intel_stix_pattern_values(json_string_value(pj), json_string_length(pj),
					      on_value, m);
	if (k < 0 && k != -EINVAL) {
		m->err = (int)k;
		return (int)k;
	}
	return 1;
}

/* ---- writing ---- */

static const char *distribution(enum yg_tlp t)
{
	return t == YG_TLP_CLEAR ? "3" : t == YG_TLP_GREEN ? "1" : "0";
}

/* Splits a description into its six fields (in place). */
static bool split_desc(char *d, char *f[6])
{
	for (int i = 0; i < 6; i++) {
		f[i] = d;
		char *t = i < 5 ? strchr(d, '\t') : NULL;
		if (i < 5 && !t)
			return false;
		if (t) {
			*t = 0;
			d = t + 1;
		}
	}
	return strlen(f[0]) == YG_UUID_LEN;
}

static json_t *tag_array(enum yg_tlp t)
{
	const char *colour = NULL;
	const char *name = yg_tlp_misp_tag(t, &colour);
	return json_pack("[{s:s, s:s, s:b}]", "name", name ? name : "tlp:amber", "colour",
			 colour ? colour : "#ffc000", "exportable", 1);
}

/* The manifest entry or the event's own fields from a description. */
static json_t *event_fields(char *f[6], int64_t ts_s, bool full)
{
	char ts[24];
	snprintf(ts, sizeof ts, "%lld", (long long)ts_s);
	enum yg_tlp t = (enum yg_tlp)atoi(f[1]);
	json_t *orgc = json_pack("{s:s, s:s, s:s}", "id", "0", "name", f[4], "uuid", f[3]);
	json_t *e = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:o}", "info", f[5], "Orgc",
			      orgc, "analysis", "2", "threat_level_id", "4", "timestamp", ts,
			      "publish_timestamp", ts, "date", f[2], "Tag", tag_array(t));
	if (e && full) {
		json_object_set_new(e, "uuid", json_string(f[0]));
		json_object_set_new(e, "id", json_string("0"));
		json_object_set_new(e, "published", json_true());
		json_object_set_new(e, "org_id", json_string("0"));
		json_object_set_new(e, "orgc_id", json_string("0"));
		json_object_set_new(e, "distribution", json_string(distribution(t)));
		json_object_set_new(e, "sharing_group_id", json_string("0"));
		json_object_set_new(e, "Org", json_deep_copy(json_object_get(e, "Orgc")));
	}
	return e;
}

static int write_json(struct yg_export_out *o, json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!t)
		return -ENOMEM;
	int r = yg_export_out_write(o, t, strlen(t));
	free(t);
	return r;
}

static int write_manifest(struct yg_export_src *src, struct yg_export_out *o)
{
	struct yg_export_item it;
	int r = yg_export_out_write(o, "{", 1), k = 0;
	bool first = true;
	while (r == 0 && (k = src->next(src->ud, &it)) > 0) {
		char *d = strdup(it.value), *f[6];
		if (!d)
			return -ENOMEM;
		if (split_desc(d, f)) {
			int64_t ts = 9999999999LL - strtoll(it.source, NULL, 10);
			char key[YG_UUID_LEN + 5];
			snprintf(key, sizeof key, "%s\"%s\":", first ? "" : ",", f[0]);
			r = yg_export_out_write(o, key, strlen(key));
			if (r == 0)
				r = write_json(o, event_fields(f, ts, false));
			first = false;
		}
		free(d);
	}
	return r < 0 ? r : k < 0 ? k : yg_export_out_write(o, "}", 1);
}

static int write_hashes(struct yg_export_src *src, struct yg_export_out *o)
{
	struct yg_export_item it;
	int r = 0, k = 0;
	while (r == 0 && (k = src->next(src->ud, &it)) > 0) {
		r = yg_export_out_write(o, it.value, strlen(it.value));
		if (r == 0)
			r = yg_export_out_write(o, "\n", 1);
	}
	return r < 0 ? r : k < 0 ? k : 0;
}

static int write_event(struct misp *m, struct yg_export_src *src, struct yg_export_out *o)
{
	char *f[6];
	if (!m->desc || !split_desc(m->desc, f))
		return -ENOENT;
	enum yg_tlp etlp = (enum yg_tlp)atoi(f[1]);
	struct yg_export_item it;
	int r = yg_export_out_write(o, "{\"Event\":{\"Attribute\":[", 23), k = 0;
	size_t count = 0;
	while (r == 0 && (k = src->next(src->ud, &it)) > 0) {
		const char *category = NULL;
		const char *type = yg_intel_misp_type(it.type, &category);
		char *t1 = strchr(it.source, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!type || !t2)
			continue;
		char ts[24], name[600], uuid[YG_UUID_LEN + 1];
		snprintf(ts, sizeof ts, "%.*s", (int)(t1 - it.source), it.source);
		enum yg_tlp own = (enum yg_tlp)atoi(t1 + 1);
		int n = snprintf(name, sizeof name, "%s|%s|%.500s", f[0], type, it.value);
		r = uuid5(name, (size_t)(n < (int)sizeof name ? n : (int)sizeof name - 1), uuid);
		if (r < 0)
			break;
		json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:b, s:s, s:s, "
				      "s:s, s:s}",
				      "id", "0", "event_id", "0", "uuid", uuid, "type", type,
				      "category", category, "to_ids", 1, "value", it.value,
				      "timestamp", ts, "deleted", 0, "disable_correlation", 0,
				      "distribution", "5", "sharing_group_id", "0", "comment",
				      t2 + 1, "object_id", "0");
		if (!a) /* a value the JSON writer cannot carry (not UTF-8) */
			continue;
		if (own != etlp)
			json_object_set_new(a, "Tag", tag_array(own));
		r = count ? yg_export_out_write(o, ",", 1) : 0;
		if (r == 0)
			r = write_json(o, a);
		else
			json_decref(a);
		count++;
	}
	if (r < 0 || k < 0)
		return r < 0 ? r : k;
	json_t *e = event_fields(f, m->newest_s, true);
	if (!e)
		return -ENOMEM;
	char n[24];
	snprintf(n, sizeof n, "%zu", count);
	json_object_set_new(e, "attribute_count", json_string(n));
	char *t = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(e);
	if (!t)
		return -ENOMEM;
	/* The event's fields follow the attributes: "],{...}" without its '{'. */
	r = yg_export_out_write(o, "],", 2);
	if (r == 0)
		r = yg_export_out_write(o, t + 1, strlen(t + 1));
	if (r == 0)
		r = yg_export_out_write(o, "}", 1);
	free(t);
	return r;
}

/* Which file: 0 with *ret_want set (and m->event for an event), or
 * -ENOENT. */
static int parse_file(const char *file, struct misp *m)
{
	if (!strcmp(file, "manifest.json")) {
		m->want = WANT_MANIFEST;
		return 0;
	}
	if (!strcmp(file, "hashes.csv")) {
		m->want = WANT_HASHES;
		return 0;
	}
	if (strlen(file) != YG_UUID_LEN + 5 || strcmp(file + YG_UUID_LEN, ".json") != 0)
		return -ENOENT;
	for (int i = 0; i < YG_UUID_LEN; i++) {
		char c = file[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -ENOENT;
		m->event[i] = c;
	}
	m->event[YG_UUID_LEN] = 0;
	m->want = WANT_EVENT;
	return 0;
}

int yg_rest_export_misp(struct yg_store *st, const struct yg_caller *who,
			const struct yg_lifecycle *lc, const struct yg_intel_warn *warn,
			const char *file, const char *if_none_match, struct yg_resp *resp)
{
	struct misp *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	struct yg_export_out o = {.fd = -1};
	struct yg_lc_view *v = NULL;
	char etag[YG_EXPORT_ETAG_LEN + 1];
	int r = parse_file(file, m);
	if (r < 0)
		goto out;
	m->st = st;
	m->warn = warn;
	m->gs.st = st;
	m->gs.who = who;
	m->items = calloc(CHUNK, sizeof *m->items);
	m->pool = calloc(CHUNK, sizeof *m->pool);
	r = m->items && m->pool ? yg_export_spill_new(&m->sp) : -ENOMEM;
	if (r == 0)
		r = groups_load(&m->gs);
	if (r == 0)
		r = yg_lc_view_new(st, lc, yg_now_us(), &v);
	if (r == 0 && yg_ind_walk(st, who, v, true, on_indicator, m) < 0)
		r = m->err ? m->err : -EIO;
	if (r == 0)
		r = flush(m);
	if (r == 0)
		r = yg_export_out_open(&o);
	if (r < 0)
		goto out;
	struct yg_export_src src;
	yg_export_spill_source(m->sp, &src);
	r = m->want == WANT_MANIFEST ? write_manifest(&src, &o)
	    : m->want == WANT_HASHES ? write_hashes(&src, &o)
				     : write_event(m, &src, &o);
	if (r == 0)
		r = yg_export_out_finish(&o, etag);
	if (r < 0)
		goto out;
	r = yg_export_out_send(&o, etag, if_none_match,
			       m->want == WANT_HASHES ? "text/csv; charset=utf-8" : "application/json",
			       resp);
out:
	yg_export_out_close(&o);
	yg_lc_view_free(v);
	if (m->pool)
		for (size_t i = 0; i < m->n; i++)
			free(m->pool[i]);
	yg_export_spill_free(m->sp);
	groups_release(&m->gs);
	free(m->items);
	free(m->pool);
	free(m->desc);
	free(m);
	return r;
}
