/*
 * Linking a new submission into campaigns, and the notifications when a
 * campaign reaches another organization (see correlate.h).
 *
 * Union by shared value: the submissions that carry any linking value of
 * the new one (at most YG_CORR_LINK_SCAN per value, newest first), and
 * those whose ssdeep digest is similar, join one campaign: the oldest of
 * their campaigns, the others merged into it, or a new one.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fuzzy.h>
#include <openssl/rand.h>

#include "correlate/correlate-int.h"

struct link_set {
	struct link {
		int64_t sub, org, campaign;
	} *v;
	size_t n, cap;
	int64_t self;
};

static int link_add(void *ud, int64_t sub, int64_t org, int64_t campaign)
{
	struct link_set *s = ud;
	if (sub == s->self)
		return 1;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].sub == sub)
			return 1;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct link *p = realloc(s->v, nc * sizeof *p);
		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = nc;
	}
	s->v[s->n++] = (struct link){sub, org, campaign};
	return 1;
}

size_t yg_corr_ssdeep_grams(const char *digest, int64_t *out, size_t max)
{
	char *end = NULL;
	long long bs = strtoll(digest, &end, 10);
	if (!end || *end != ':' || bs <= 0 || bs > (1LL << 40))
		return 0;
	const char *p = end + 1;
	size_t n = 0;
	for (int part = 0; part < 2 && *p; part++) {
		char c[128] = {0}; /* only c[0..len) is read; zeroed for cppcheck */
		size_t len = 0;
		while (*p && *p != ':' && *p != ',' && len < sizeof c) {
			if (!(len >= 3 && c[len - 1] == *p && c[len - 2] == *p && c[len - 3] == *p))
				c[len++] = *p;
			p++;
		}
		while (*p && *p != ':' && *p != ',')
			p++;
		if (*p == ':')
			p++;
		uint64_t key_bs = (uint64_t)bs << part;
		for (size_t i = 0; i + 7 <= len && n < max; i++) {
			uint64_t h = 1469598103934665603ull;
			for (int k = 0; k < 8; k++) {
				h ^= (key_bs >> (8 * k)) & 0xff;
				h *= 1099511628211ull;
			}
			for (size_t k = 0; k < 7; k++) {
				h ^= (uint8_t)c[i + k];
				h *= 1099511628211ull;
			}
			out[n++] = (int64_t)(h >> 1);
		}
	}
	/* Sort and drop repeats (insertion sort: n <= YG_STORE_GRAMS_MAX). */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && out[k - 1] > out[k]; k--) {
			int64_t t = out[k];
			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || out[u - 1] != out[i])
			out[u++] = out[i];
	return u;
}

struct similar {
	const char *digest;
	int64_t self_value;
	int64_t ids[64];
	size_t n;
};

static int similar_one(void *ud, int64_t value_id, const char *digest)
{
	struct similar *s = ud;
	if (value_id == s->self_value || s->n == sizeof s->ids / sizeof *s->ids)
		return 1;
	if (fuzzy_compare(s->digest, digest) >= YG_CORR_SSDEEP_MIN)
		s->ids[s->n++] = value_id;
	return 1;
}

/* Indexes a new digest's grams, and (links non-NULL) links the
 * submissions of every similar digest already indexed. */
static int ssdeep_links(struct yg_store *st, const struct yg_corr_obs *o, int64_t vid, bool fresh,
			struct link_set *links)
{
	const struct yg_store_mail_ops *m = st->ops->mail;
	int64_t grams[YG_STORE_GRAMS_MAX];
	size_t ng = yg_corr_ssdeep_grams(o->value, grams, YG_STORE_GRAMS_MAX);
	struct similar s = {.digest = o->value, .self_value = vid};
	int r = links ? m->ssdeep_candidates(st, grams, ng, YG_CORR_SSDEEP_SCAN, similar_one, &s)
		      : 0;
	if (r == 0 && fresh)
		r = m->ssdeep_grams_add(st, vid, grams, ng);
	for (size_t i = 0; r == 0 && i < s.n; i++)
		r = m->value_subs(st, s.ids[i], YG_CORR_LINK_SCAN, link_add, links);
	return r;
}

struct org_set {
	int64_t v[256];
	size_t n;
	bool full;
};

static void org_set_add(struct org_set *s, int64_t org)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == org)
			return;
	if (s->n < sizeof s->v / sizeof *s->v)
		s->v[s->n++] = org;
	else
		s->full = true;
}

static int org_of_sub(void *ud, const struct yg_mail_sub *m)
{
	org_set_add(ud, m->org_id);
	return 1;
}

static int campaign_orgs(struct yg_store *st, int64_t campaign, struct org_set *ret)
{
	ret->n = 0;
	ret->full = false;
	return st->ops->mail->sub_list_campaign(st, campaign, 0, org_of_sub, ret);
}

int yg_corr_new_stix_id(char ret[64], const char *type)
{
	uint8_t b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		return -EIO;
	yg_corr_uuid_format(b, type, ret);
	return 0;
}

void yg_corr_uuid_format(uint8_t b[16], const char *type, char ret[64])
{
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(ret, 64,
		 "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", type,
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static bool contains(const int64_t *v, size_t n, int64_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

int yg_corr_submit(struct yg_store *st, int64_t sub_id, const struct yg_corr_obs *o, size_t n,
		   struct yg_corr_result *ret)
{
	const struct yg_store_mail_ops *m = st->ops->mail;
	struct link_set links = {.self = sub_id};
	struct yg_corr_result res = {0};
	/* The values go to the store in batches (one round trip each on
	 * PostgreSQL, where a mail's thousands of values one by one were most
	 * of its submission time); the links are the same sets either way. */
	size_t cap = n < YG_STORE_VALUES_BATCH ? n : YG_STORE_VALUES_BATCH;
	struct yg_store_value_in *vin = malloc((cap ? cap : 1) * sizeof *vin);
	int64_t *ids = malloc((cap ? cap : 1) * sizeof *ids);
	int64_t *sids = malloc((cap ? cap : 1) * sizeof *sids);
	bool *fresh = malloc(cap ? cap : 1);
	int r = vin && ids && sids && fresh ? 0 : -ENOMEM;
	for (size_t at = 0; r == 0 && at < n; at += cap) {
		size_t k = n - at < cap ? n - at : cap, ns = 0;
		for (size_t i = 0; i < k; i++)
			vin[i] = (struct yg_store_value_in){.type = o[at + i].type,
							    .value = o[at + i].value,
							    .warning = o[at + i].warning,
							    .ssdeep_bs = o[at + i].ssdeep_bs};
		r = m->values_post(st, sub_id, vin, k, ids, fresh);
		for (size_t i = 0; r == 0 && i < k; i++) {
			const struct yg_corr_obs *ob = &o[at + i];
			if (ob->type == YG_CORR_SSDEEP && ob->ssdeep_bs > 0 &&
			    (fresh[i] || !ob->warning))
				r = ssdeep_links(st, ob, ids[i], fresh[i],
						 ob->warning ? NULL : &links);
			if (!ob->warning)
				sids[ns++] = ids[i];
		}
		if (r == 0)
			r = m->values_subs(st, sids, ns, YG_CORR_LINK_SCAN, link_add, &links);
	}
	free(vin);
	free(ids);
	free(sids);
	free(fresh);
	if (r < 0 || links.n == 0)
		goto out;
	res.linked = links.n;
	/* The campaigns it touches, and how many organizations the largest of
	 * the groups it joins had before. */
	int64_t camps[64];
	size_t n_camps = 0;
	size_t max_before = 1;
	int64_t target = 0;
	for (size_t i = 0; i < links.n; i++) {
		int64_t c = links.v[i].campaign;
		if (!c || contains(camps, n_camps, c) || n_camps == sizeof camps / sizeof *camps)
			continue;
		camps[n_camps++] = c;
		if (!target || c < target)
			target = c;
		struct org_set os;
		r = campaign_orgs(st, c, &os);
		if (r < 0)
			goto out;
		if (os.n > max_before)
			max_before = os.n;
	}
	struct yg_campaign camp;
	if (!target) {
		char sid[64];
		r = yg_corr_new_stix_id(sid, "campaign");
		if (r == 0)
			r = m->campaign_new(st, sid, &target);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; r == 0 && i < n_camps; i++)
		if (camps[i] != target)
			r = m->campaign_merge(st, target, camps[i]);
	for (size_t i = 0; r == 0 && i < links.n; i++)
		if (!links.v[i].campaign)
			r = m->sub_set_campaign(st, links.v[i].sub, target);
	if (r == 0)
		r = m->sub_set_campaign(st, sub_id, target);
	if (r == 0)
		r = m->campaign_touch(st, target);
	if (r == 0)
		r = m->campaign_get(st, NULL, target, &camp);
	/* Every store op answers 0 or -errno (store_mail.h), so camp is
	 * filled whenever r is not negative. */
	assert(r <= 0);
	if (r < 0)
		goto out;
	struct org_set after;
	r = campaign_orgs(st, target, &after);
	if (r < 0)
		goto out;
	res.campaign = target;
	snprintf(res.campaign_id, sizeof res.campaign_id, "%s", camp.stix_id);
	res.orgs = after.n;
	res.spread = after.n >= 2 && after.n > max_before;
	for (size_t i = 0; r == 0 && res.spread && i < after.n; i++)
		r = yg_corr_notify_org(st, target, after.v[i]);
out:
	free(links.v);
	if (r == 0 && ret)
		*ret = res;
	return r;
}
