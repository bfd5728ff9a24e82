/*
 * The store stage of the hub's mail path (fuzz_hub_mail.c is the whole
 * path): a submission's observables, as yg_corr_extract would hand them
 * over, stored, correlated into campaigns and published in the
 * submission's transaction, then the campaigns and notifications as each
 * member reads them. No MIME, anonymization or sealing: those stages are
 * fuzz_mail.c and fuzz_mail_anon.c, and here every input is spent on the
 * store, the linking and the views.
 *
 * Input: the first byte says who submits (bit 0: alpha, else beta), the
 * TLP (bits 1-3, modulo 5: clear, green, amber, amber+strict, red) and,
 * for AMBER or RED, whether the other member is named (bit 4). Then one
 * observable a line: its type as a letter ('a' sender-address .. 'k'
 * subject-template, correlate.h; any other byte counts modulo 11), then
 * the value. Lines that extract would never hand over (empty, longer
 * than YG_STORE_VALUE_MAX, not UTF-8, a repeat) are dropped as it drops them.
 *
 * The world holds three earlier submissions sharing values with the
 * seeds (a GREEN and a RED one of beta, an AMBER one of alpha), so an
 * input joins, merges and spreads campaigns. Checked: every stage
 * succeeds (the hub answers 500 otherwise), and a member never sees the
 * submission of the other in a view when TLP keeps it from them.
 * Seeds: fuzz/seeds/mail_store.py.
 */
#include "hub_fuzz_world.h"

#include <jansson.h>

#include "correlate/correlate.h"
#include "hub/ids.h"
#include "hub/mail_api.h"
#include "hub/tlp.h"
#include "mail/anon.h"
#include "store/store_mail.h"

static struct yg_caller who_a, who_b;
static struct yg_corr_warn *warn;

static void caller(struct yg_caller *c, const struct yg_org *o)
{
	c->org_id = o->id;
	c->role = YG_ROLE_ANALYST;
	snprintf(c->org_name, sizeof c->org_name, "%s", o->name);
}

static void fail(const char *stage, int r)
{
	fprintf(stderr, "fuzz_mail_store: %s failed (%d)\n", stage, r);
	abort();
}

/* Adds the observable (type, v[0..n)) to o[*n_o] as extract would, or
 * drops it. o has room for YG_CORR_MAX_OBS. */
static void obs_add(struct yg_corr_obs *o, size_t *n_o, int type, const char *v, size_t n)
{
	if (!n || n > YG_STORE_VALUE_MAX || *n_o >= YG_CORR_MAX_OBS || memchr(v, '\0', n))
		return;
	/* jansson refuses what is not UTF-8, as extract does. */
	json_t *s = json_stringn(v, n);
	if (!s)
		return;
	json_decref(s);
	for (size_t i = 0; i < *n_o; i++)
		if (o[i].type == type && strlen(o[i].value) == n && !memcmp(o[i].value, v, n))
			return;
	struct yg_corr_obs *ob = &o[*n_o];
	*ob = (struct yg_corr_obs){.type = type, .value = strndup(v, n)};
	if (!ob->value)
		abort();
	ob->warning = yg_corr_warn_has(warn, type, ob->value) ||
		      (type == YG_CORR_SUBJECT && n < 12);
	if (type == YG_CORR_SSDEEP) {
		char *end = NULL;
		long long bs = strtoll(ob->value, &end, 10);
		ob->ssdeep_bs = end && *end == ':' && bs > 0 ? bs : 0;
	}
	(*n_o)++;
}

/* One view as who; aborts unless it is 200, and when hidden is set,
 * when the submission hidden shows in it. */
static void view(int which, const struct yg_caller *who, const char *campaign, const char *hidden)
{
	struct yg_resp resp = {0};
	struct yg_store *st = hub->stores[0];
	if (which == 0)
		yg_campaign_api_list(st, who, &resp);
	else if (which == 1)
		yg_campaign_api_notifications(st, who, &resp);
	else
		yg_campaign_api_one(st, who, campaign, &resp);
	if (resp.status != 200 && !(which == 2 && resp.status == 404))
		fail("a view", resp.status);
	if (hidden && resp.body && memmem(resp.body, resp.len, hidden, strlen(hidden))) {
		fprintf(stderr, "fuzz_mail_store: submission %s shown to org %lld: %.*s\n", hidden,
			(long long)who->org_id, (int)resp.len, resp.body);
		abort();
	}
	yg_resp_release(&resp);
}

/* Stores, correlates and publishes one submission as mail_api.c does,
 * in one transaction; ret_uuid gets its id, ret_camp its campaign's. */
static void submit(const struct yg_caller *who, enum yg_tlp tlp, const int64_t *share,
		   size_t n_share, const struct yg_corr_obs *o, size_t n, char ret_uuid[37],
		   char ret_camp[64])
{
	struct yg_store *st = hub->stores[0];
	json_t *ind = yg_corr_indicators_json(o, n);
	char *itext = ind ? json_dumps(ind, JSON_COMPACT) : NULL;
	json_decref(ind);
	if (!itext)
		abort();
	struct yg_mail_sub sub = {.org_id = who->org_id, .tlp = tlp, .created_us = yg_now_us(),
				  .report = "{}", .indicators = itext,
				  .share_orgs = share, .n_share_orgs = n_share};
	if (yg_uuid4(sub.uuid) < 0)
		abort();
	static const uint8_t blob[] = "sealed original";
	int64_t id = 0;
	struct yg_corr_result res = {0};
	size_t published = 0;
	int r = st->ops->tx_begin(st);
	if (r < 0)
		fail("tx_begin", r);
	if ((r = st->ops->mail->sub_put(st, &sub, blob, sizeof blob, &id)) < 0)
		fail("sub_put", r);
	if ((r = yg_corr_submit(st, id, o, n, &res)) < 0)
		fail("yg_corr_submit", r);
	if ((r = yg_mail_publish(hub, st, who, sub.uuid, tlp, o, n, &published)) < 0)
		fail("yg_mail_publish", r);
	if ((r = st->ops->tx_commit(st)) < 0)
		fail("tx_commit", r);
	free(itext);
	memcpy(ret_uuid, sub.uuid, 37);
	snprintf(ret_camp, 64, "%s", res.campaign_id);
}

/* An earlier submission of the world, from (type, value) pairs. */
static void earlier(const struct yg_caller *who, enum yg_tlp tlp, const char *const *tv)
{
	struct yg_corr_obs o[8] = {0};
	size_t n = 0;
	for (size_t i = 0; tv[i]; i += 2)
		obs_add(o, &n, tv[i][0] - 'a' + 1, tv[i + 1], strlen(tv[i + 1]));
	char uuid[37], camp[64];
	submit(who, tlp, NULL, 0, o, n, uuid, camp);
	for (size_t i = 0; i < n; i++)
		free(o[i].value);
}

static void setup(void)
{
	struct yg_org a, b;
	struct yg_store *st = hfw_store("mailstore", &a, &b, NULL);
	hfw_start(st, (struct yg_hub_config){0});
	if (yg_corr_warn_new(NULL, &warn) < 0)
		abort();
	caller(&who_a, &a);
	caller(&who_b, &b);
	static const char *const green_b[] = {
	    "e", "http://login.evil.example/a", "f", "login.evil.example", "d", "45.77.12.9",
	    "k", "invoice for [recipient-name-#] #-#", NULL};
	static const char *const amber_a[] = {
	    "b", "evil.example", "f", "login.evil.example", "i",
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", NULL};
	static const char *const red_b[] = {
	    "j", "96:s4Ud1Lj96tHHlZDrwciQmA5kzRkX5QH6xrJ:s4Ud1Lj96tHHlZDrwciQmA5kzRkX5QH6xrJ",
	    "a", "billing@evil.example", NULL};
	earlier(&who_b, YG_TLP_GREEN, green_b);
	earlier(&who_a, YG_TLP_AMBER, amber_a);
	earlier(&who_b, YG_TLP_RED, red_b);
	hfw_hold();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum yg_tlp tlps[] = {YG_TLP_CLEAR, YG_TLP_GREEN, YG_TLP_AMBER,
					   YG_TLP_AMBER_STRICT, YG_TLP_RED};
	static struct yg_corr_obs o[YG_CORR_MAX_OBS];
	if (!hub)
		setup();
	if (size < 1 || size > (1 << 20))
		return 0;
	const struct yg_caller *who = (data[0] & 1) ? &who_a : &who_b;
	const struct yg_caller *other = who == &who_a ? &who_b : &who_a;
	enum yg_tlp tlp = tlps[((data[0] >> 1) & 7) % 5];
	bool named = (data[0] & 0x10) && yg_tlp_takes_recipients(tlp);
	size_t n = 0;
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le > p) {
			int type = (int)((unsigned char)(p[0] - 'a') % YG_CORR_TYPE_MAX) + 1;
			obs_add(o, &n, type, p + 1, (size_t)(le - p - 1));
		}
		p = le + 1;
	}
	char uuid[37], camp[64];
	submit(who, tlp, named ? &other->org_id : NULL, named ? 1 : 0, o, n, uuid, camp);
	for (size_t i = 0; i < n; i++)
		free(o[i].value);
	/* Hidden from the other member unless TLP shares it with everyone
	 * or names it. Only a submission that joined a campaign changes
	 * what the views show (notifications come from a campaign's
	 * spread): the world's own views need no reading at every input. */
	const char *hidden = tlp >= YG_TLP_AMBER && !named ? uuid : NULL;
	if (camp[0]) {
		view(0, other, NULL, hidden);
		view(1, other, NULL, hidden);
		view(2, who, camp, NULL);
		view(2, other, camp, hidden);
	}
	hfw_reset();
	return 0;
}
