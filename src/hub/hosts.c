/*
 * Evidence intake of infected hosts (hosts.h): sightings, telescope
 * windows and beacons become host records of the right owner. Runs inside
 * the transaction of the request that carried the evidence, on that
 * request's store connection; nothing here sends anything (the notifier,
 * notify.c, does, from its own thread).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darknet/geo.h"
#include "hub/hosts.h"
#include "hub/hosts_body.h"
#include "hub/hosts_int.h"
#include "hub/ids.h"
#include "hub/owners.h"
#include "hub/tlp.h"
#include "store/store_darknet.h"

/* Addresses no AS announces: RFC 1918, loopback, link-local, CGNAT, ULA. */
static bool is_internal(uint8_t fam, const uint8_t *a)
{
	if (fam == 4)
		return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
		       (a[0] == 100 && (a[1] & 0xc0) == 64);
	return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	       (!memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15) && a[15] == 1);
}

static bool parse_addr(const char *s, uint8_t *fam, uint8_t a[16])
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1) {
		*fam = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*fam = 6;
		return true;
	}
	return false;
}

/* The reporting member's own owner row. */
static int member_owner(struct yg_store *st, int64_t org_id, int64_t *ret)
{
	struct yg_org org;
	int r = st->ops->org_get(st, org_id, &org);
	if (r < 0)
		return r;
	return yg_owners_implicit(st, org.name, org.id, ret);
}

int yg_hosts_owner_for(struct yg_hub *h, struct yg_store *st, const char *key, bool hashed,
		       int64_t reporter_org, bool prefix_only, int64_t *ret)
{
	if (hashed)
		return reporter_org ? member_owner(st, reporter_org, ret) : -ENOENT;
	uint8_t fam, a[16];
	if (!parse_addr(key, &fam, a))
		return -EINVAL;
	int r = yg_owners_match(h->owners, st, fam, a, ret);
	if (r != -ENOENT || prefix_only)
		return r;
	if (h->geo && !is_internal(fam, a)) {
		struct yg_geo_result g;
		struct yg_addr ya;
		memcpy(ya.b, a, 16);
		yg_geo_lookup(h->geo, fam, &ya, &g);
		if (g.asn) {
			char name[24];
			snprintf(name, sizeof name, "AS%u", g.asn);
			return yg_owners_implicit(st, name, 0, ret);
		}
	}
	if (reporter_org)
		return member_owner(st, reporter_org, ret);
	return yg_owners_implicit(st, "unknown", 0, ret);
}

/* Records one piece of evidence; counts what was added. */
static int add(struct yg_hub *h, struct yg_store *st, struct yg_host_evidence_in *ev,
	       bool prefix_only, size_t *added)
{
	int r = yg_hosts_owner_for(h, st, ev->key, ev->hashed, ev->org_id, prefix_only,
				   &ev->owner_id);
	if (r == -ENOENT || r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	/* The owner learns its host and what was seen, not whose sensor saw
	 * it: a sensor's name is its member's to show (darknet.h says the
	 * same of telescope windows). */
	struct yg_host_owner o;
	r = st->ops->hosts->owner_get(st, ev->owner_id, &o);
	if (r < 0)
		return r;
	if (!o.org_id || o.org_id != ev->org_id)
		ev->sensor = !strcmp(ev->source, "darknet") ? "telescope" : "a member's sensor";
	int64_t id;
	bool was_added = false;
	r = st->ops->hosts->host_evidence(st, ev, &id, &was_added);
	if (r == -E2BIG)
		return 0; /* at the cap: the evidence is dropped, the carrier kept */
	if (r == 0 && was_added) {
		(*added)++;
		if (ev->severity == YG_HOST_SEV_CRITICAL)
			yg_notify_kick(h->notify);
	}
	return r;
}

/* The newest version of an indicator the caller may see, with its JSON. */
struct find_ind {
	struct yg_store *st;
	const struct yg_caller *who;
	const char *id;
	json_t *obj;
	int64_t modified_us;
	int err;
};

static int find_row(void *ud, const struct yg_obj_row *row)
{
	struct find_ind *f = ud;
	if (!row->json || row->revoked ||
	    !yg_tlp_visible(row->tlp, row->submitter_org, row->viewer_named, f->who->org_id))
		return 1;
	if (f->obj && row->modified_us <= f->modified_us)
		return 1;
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
	if (o) {
		json_decref(f->obj);
		f->obj = o;
		f->modified_us = row->modified_us;
	}
	return 1;
}

static int find_coll(void *ud, const struct yg_collection *c)
{
	struct find_ind *f = ud;
	bool rd = false, wr = false;
	if (yg_taxii_access(f->st, f->who, c, &rd, &wr) < 0 || !rd)
		return 1;
	const char *ids[] = {f->id};
	static const char *const types[] = {"indicator"};
	struct yg_obj_query q = {.collection = c->id, .viewer_org = f->who->org_id, .ids = ids,
				 .n_ids = 1, .types = types, .n_types = 1, .want_json = true};
	int r = f->st->ops->obj_query(f->st, &q, find_row, f);
	if (r < 0) {
		f->err = r;
		return r;
	}
	return 1;
}

int yg_hosts_from_sighting(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			   const json_t *sighting, const char *indicator_id, int64_t seen_us)
{
	const json_t *hosts = json_object_get(sighting, "x_yagura_hosts");
	const json_t *hashes = json_object_get(sighting, "x_yagura_host_hashes");
	if (!json_array_size(hosts) && !json_array_size(hashes))
		return 0;
	struct find_ind f = {.st = st, .who = who, .id = indicator_id};
	int r = st->ops->collection_list(st, find_coll, &f);
	if (f.err)
		r = f.err;
	char family[YG_HOST_FAMILY_MAX + 1];
	enum yg_host_severity sev;
	bool evidence = r >= 0 && f.obj && yg_hosts_indicator_family(f.obj, family, &sev);
	json_decref(f.obj);
	if (r < 0 || !evidence)
		return r < 0 ? r : 0;
	const char *sensor = json_string_value(json_object_get(sighting, "x_yagura_sensor"));
	size_t added = 0;
	/* With --share-hosts a sensor sends each host twice, as its address
	 * and as its keyed hash (parallel lists): the addresses win, so one
	 * machine is one record. */
	int passes = json_array_size(hosts) ? 1 : 2;
	for (int pass = json_array_size(hosts) ? 0 : 1; pass < passes && r == 0; pass++) {
		const json_t *list = pass ? hashes : hosts;
		size_t i;
		const json_t *v;
		json_array_foreach(list, i, v)
		{
			char key[YG_HOST_KEY_MAX + 1];
			const char *s = json_string_value(v);
			if (!s)
				continue;
			/* Addresses go in canonical form, so one host is one key. */
			uint8_t fam, a[16];
			if (pass == 0) {
				if (!parse_addr(s, &fam, a))
					continue;
				inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, key, sizeof key);
			} else {
				snprintf(key, sizeof key, "hash:%s", s);
			}
			struct yg_host_evidence_in ev = {
				.key = key, .hashed = pass == 1, .org_id = who->org_id,
				.source = "sighting", .sensor = sensor ? sensor : who->org_name,
				.family = family, .severity = sev, .time_us = seen_us,
				.ref = indicator_id};
			r = add(h, st, &ev, false, &added);
			if (r < 0)
				break;
		}
	}
	return r;
}

int yg_hosts_from_window(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			 const struct yg_dn_window *w)
{
	size_t added = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < w->n_sources; i++) {
		const struct yg_dn_source *s = &w->sources[i];
		/* A backscatter source is a victim of a flood, and a research
		 * scanner scans on purpose: neither is an infected machine. */
		if (strncmp(s->cls, "scan-", 5) || s->research_name[0])
			continue;
		char ports[YG_HOST_DETAIL_MAX + 1];
		size_t off = (size_t)snprintf(ports, sizeof ports, "scan of ports");
		for (size_t k = 0; k < s->n_ports && off < sizeof ports; k++)
			off += (size_t)snprintf(ports + off, sizeof ports - off, "%s%u", k ? "," : " ",
						s->ports[k]);
		struct yg_host_evidence_in ev = {
			.key = s->ip, .org_id = who->org_id, .source = "darknet",
			.sensor = w->sensor,
			.family = strcmp(s->fingerprint, "unknown") ? s->fingerprint : "scanner",
			.severity = YG_HOST_SEV_MEDIUM, .time_us = w->minute * 60 * 1000000LL,
			.ref = ports};
		r = add(h, st, &ev, true, &added);
	}
	return r;
}

/* Beacon destinations, sorted, to find the ones an indicator names. */
struct dest_ix {
	const char *value;
	size_t beacon;
};

static int cmp_dest(const void *x, const void *y)
{
	return strcmp(((const struct dest_ix *)x)->value, ((const struct dest_ix *)y)->value);
}

struct match_walk {
	struct dest_ix *ix;
	size_t n;
	char (*family)[YG_HOST_FAMILY_MAX + 1]; /* per beacon; "" none */
	enum yg_host_severity *sev;
	char (*indicator)[YG_ROUTE_ID_MAX + 1];
};

/* Every quoted literal of a STIX pattern is looked up among the
 * destinations: a pattern naming the value in any comparison counts. */
static int match_ind(void *ud, const struct yg_obj_row *row, const json_t *obj,
		     enum yg_ind_state state)
{
	struct match_walk *m = ud;
	if (state != YG_IND_LIVE || !obj)
		return 1;
	const char *p = json_string_value(json_object_get(obj, "pattern"));
	char fam[YG_HOST_FAMILY_MAX + 1];
	enum yg_host_severity sev;
	if (!p)
		return 1;
	/* A destination that is any indicator is suspect; one whose labels
	 * name a family carries it. */
	if (!yg_hosts_indicator_family(obj, fam, &sev)) {
		snprintf(fam, sizeof fam, "unknown");
		sev = YG_HOST_SEV_HIGH;
	}
	char lit[256];
	for (const char *q = strchr(p, '\''); q; q = strchr(q, '\'')) {
		const char *e = strchr(q + 1, '\'');
		if (!e)
			break;
		size_t n = (size_t)(e - q - 1);
		if (n > 0 && n < sizeof lit) {
			memcpy(lit, q + 1, n);
			lit[n] = '\0';
			for (size_t c = 0; c < n; c++)
				if (lit[c] >= 'A' && lit[c] <= 'Z')
					lit[c] = (char)(lit[c] + 32);
			struct dest_ix key = {.value = lit};
			struct dest_ix *hit = bsearch(&key, m->ix, m->n, sizeof *m->ix, cmp_dest);
			/* bsearch finds one of equal values; walk to all of them. */
			while (hit && hit > m->ix && !strcmp(hit[-1].value, lit))
				hit--;
			for (; hit && hit < m->ix + m->n && !strcmp(hit->value, lit); hit++) {
				size_t b = hit->beacon;
				if (!m->family[b][0] || !strcmp(m->family[b], "unknown")) {
					snprintf(m->family[b], sizeof m->family[b], "%s", fam);
					m->sev[b] = sev;
					snprintf(m->indicator[b], sizeof m->indicator[b], "%s",
						 row->stix_id);
				}
			}
		}
		q = e + 1;
	}
	return 1;
}

int yg_hosts_from_beacons(struct yg_hub *h, struct yg_store *st, const struct yg_caller *who,
			  const struct yg_beacons *b, size_t *ret_evidence, size_t *ret_matched)
{
	struct match_walk m = {0};
	struct yg_lc_view *view = NULL;
	int r = -ENOMEM;
	m.ix = calloc(2 * b->n, sizeof *m.ix);
	m.family = calloc(b->n, sizeof *m.family);
	m.sev = calloc(b->n, sizeof *m.sev);
	m.indicator = calloc(b->n, sizeof *m.indicator);
	if (!m.ix || !m.family || !m.sev || !m.indicator)
		goto out;
	for (size_t i = 0; i < b->n; i++) {
		m.ix[m.n++] = (struct dest_ix){.value = b->v[i].dest, .beacon = i};
		if (b->v[i].name[0])
			m.ix[m.n++] = (struct dest_ix){.value = b->v[i].name, .beacon = i};
	}
	qsort(m.ix, m.n, sizeof *m.ix, cmp_dest);
	struct yg_lifecycle lc = yg_hub_lc(h);
	r = yg_lc_view_new(st, &lc, yg_now_us(), &view);
	if (r == 0)
		r = yg_ind_walk(st, who, view, true, match_ind, &m);
	size_t added = 0, matched = 0;
	for (size_t i = 0; r == 0 && i < b->n; i++) {
		const struct yg_beacon *bc = &b->v[i];
		bool hit = m.family[i][0] != '\0';
		matched += hit;
		if (!hit && bc->score < YG_BEACON_SCORE_ALONE)
			continue;
		char ref[YG_HOST_DETAIL_MAX + 1 + 400]; /* the store keeps what fits */
		snprintf(ref, sizeof ref, "beacon to %s%s%s%s port %u/%s every %.1fs x%lld%s%s",
			 bc->dest, bc->name[0] ? " (" : "", bc->name, bc->name[0] ? ")" : "",
			 bc->dst_port, bc->proto, bc->interval_s, (long long)bc->count,
			 hit ? " indicator " : "", hit ? m.indicator[i] : "");
		struct yg_host_evidence_in ev = {
			.key = bc->host, .hashed = bc->hashed, .org_id = who->org_id,
			.source = "beacon", .sensor = b->sensor[0] ? b->sensor : who->org_name,
			.family = hit ? m.family[i] : "unknown",
			.severity = hit ? m.sev[i] : YG_HOST_SEV_MEDIUM, .time_us = bc->last_us,
			.ref = ref};
		r = add(h, st, &ev, false, &added);
	}
	if (r == 0) {
		*ret_evidence = added;
		*ret_matched = matched;
	}
out:
	yg_lc_view_free(view);
	free(m.ix);
	free(m.family);
	free(m.sev);
	free(m.indicator);
	return r;
}
