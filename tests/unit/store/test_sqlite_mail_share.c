/* Share targets of mail submissions in the SQLite store (migration 5):
 * stored with the submission, read back, and deciding who is named in
 * sub_named, sub_list_campaign, campaign_values and campaign_list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "correlate/correlate.h"
#include "helpers/store_backend.h"
#include "store/store.h"
#include "store/store_mail.h"

enum { A, B, C, D, N_ORGS };

struct fx {
	char dir[64];
	struct yg_store *st;
	int64_t org[N_ORGS];
	int64_t group; /* owned by A, member D */
	int64_t campaign;
	int n_subs;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/yg-mshare-XXXXXX");
	if (!mkdtemp(f->dir) || yg_test_store_open(f->dir, &f->st) < 0)
		return -1;
	const char *names[] = {"A", "B", "C", "D"};
	for (int i = 0; i < N_ORGS; i++) {
		char ident[64];
		snprintf(ident, sizeof ident, "identity--00000000-0000-4000-8000-00000000000%d", i);
		if (f->st->ops->org_add(f->st, names[i], "energy", "JP", ident, &f->org[i]) < 0)
			return -1;
	}
	if (f->st->ops->group_add(f->st, "council", f->org[A], &f->org[D], 1, &f->group) < 0 ||
	    f->st->ops->mail->campaign_new(f->st, "campaign--00000000-0000-4000-8000-000000000001",
	                                   &f->campaign) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	yg_store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	yg_test_store_drop(f->dir);
	free(f);
	return 0;
}

/* A submission of A in f->campaign carrying value_id. */
static int64_t put(struct fx *f, enum yg_tlp tlp, const int64_t *orgs, size_t n_orgs,
                   const int64_t *groups, size_t n_groups, int64_t value_id)
{
	const struct yg_store_mail_ops *m = f->st->ops->mail;
	struct yg_mail_sub s = {.org_id = f->org[A],
	                        .tlp = tlp,
	                        .report = "{}",
	                        .indicators = "[]",
	                        .share_orgs = orgs,
	                        .n_share_orgs = n_orgs,
	                        .share_groups = groups,
	                        .n_share_groups = n_groups};
	snprintf(s.uuid, sizeof s.uuid, "00000000-0000-4000-8000-%012d", ++f->n_subs);
	uint8_t blob[8] = "sealed";
	int64_t id = 0;
	assert_int_equal(f->st->ops->tx_begin(f->st), 0);
	assert_int_equal(m->sub_put(f->st, &s, blob, sizeof blob, &id), 0);
	assert_int_equal(m->sub_set_campaign(f->st, id, f->campaign), 0);
	assert_int_equal(m->posting_add(f->st, value_id, id), 0);
	assert_int_equal(f->st->ops->tx_commit(f->st), 0);
	return id;
}

static bool named(struct fx *f, int64_t sub, int64_t viewer)
{
	bool r = true;
	assert_int_equal(f->st->ops->mail->sub_named(f->st, sub, viewer, &r), 0);
	return r;
}

static void test_targets_round_trip(void **state)
{
	struct fx *f = *state;
	int64_t v = 0;
	assert_int_equal(f->st->ops->mail->value_intern(f->st, 1, "evil.example", false, 0, &v), 1);
	int64_t orgs[] = {f->org[B]};
	int64_t id = put(f, YG_TLP_AMBER, orgs, 1, &f->group, 1, v);
	int64_t ro[YG_STORE_LIST_MAX], rg[YG_STORE_LIST_MAX];
	size_t no = 9, ng = 9;
	assert_int_equal(f->st->ops->mail->sub_shares(f->st, id, ro, &no, rg, &ng), 0);
	assert_int_equal(no, 1);
	assert_int_equal(ro[0], f->org[B]);
	assert_int_equal(ng, 1);
	assert_int_equal(rg[0], f->group);
	/* B directly, D through the group; C and "not a member" are not. */
	assert_true(named(f, id, f->org[B]));
	assert_true(named(f, id, f->org[D]));
	assert_false(named(f, id, f->org[C]));
	assert_false(named(f, id, 0));
	/* A submission without targets names nobody. */
	int64_t bare = put(f, YG_TLP_AMBER, NULL, 0, NULL, 0, v);
	assert_int_equal(f->st->ops->mail->sub_shares(f->st, bare, ro, &no, rg, &ng), 0);
	assert_int_equal(no + ng, 0);
	assert_false(named(f, bare, f->org[B]));
}

static void test_too_many_targets(void **state)
{
	struct fx *f = *state;
	int64_t many[YG_STORE_LIST_MAX + 1];
	for (size_t i = 0; i < YG_STORE_LIST_MAX + 1; i++)
		many[i] = f->org[B];
	struct yg_mail_sub s = {.org_id = f->org[A],
	                        .tlp = YG_TLP_AMBER,
	                        .report = "{}",
	                        .indicators = "[]",
	                        .share_orgs = many,
	                        .n_share_orgs = YG_STORE_LIST_MAX + 1};
	snprintf(s.uuid, sizeof s.uuid, "00000000-0000-4000-8000-%012d", 999);
	uint8_t blob[1] = {0};
	int64_t id = -1;
	assert_int_equal(f->st->ops->mail->sub_put(f->st, &s, blob, sizeof blob, &id), -E2BIG);
	assert_int_equal(id, -1);
	struct yg_mail_sub got = {0};
	assert_int_equal(f->st->ops->mail->sub_get(f->st, s.uuid, 0, &got), -ENOENT);
}

struct seen {
	int n;
	int named;
	int visible;
	int64_t viewer;
};

static int count_sub(void *ud, const struct yg_mail_sub *s)
{
	struct seen *c = ud;
	c->n++;
	c->named += s->viewer_named;
	c->visible += yg_corr_sub_visible(s, c->viewer, false);
	return 1;
}

static int count_value(void *ud, const struct yg_corr_value_row *v)
{
	(void)v;
	(*(int *)ud)++;
	return 1;
}

static int count_campaign(void *ud, const struct yg_campaign *c)
{
	(void)c;
	(*(int *)ud)++;
	return 1;
}

/* What each organization sees of a campaign of A's submissions: AMBER
 * naming B, RED naming the group (so D), AMBER+STRICT naming C (which
 * must not count: strict takes no recipients). */
static void test_campaign_visibility(void **state)
{
	struct fx *f = *state;
	const struct yg_store_mail_ops *m = f->st->ops->mail;
	int64_t v1 = 0, v2 = 0, v3 = 0;
	assert_int_equal(m->value_intern(f->st, 1, "one.example", false, 0, &v1), 1);
	assert_int_equal(m->value_intern(f->st, 1, "two.example", false, 0, &v2), 1);
	assert_int_equal(m->value_intern(f->st, 1, "three.example", false, 0, &v3), 1);
	int64_t ob = f->org[B], oc = f->org[C];
	put(f, YG_TLP_AMBER, &ob, 1, NULL, 0, v1);
	put(f, YG_TLP_AMBER, &ob, 1, NULL, 0, v1);
	put(f, YG_TLP_RED, NULL, 0, &f->group, 1, v2);
	put(f, YG_TLP_RED, NULL, 0, &f->group, 1, v2);
	put(f, YG_TLP_AMBER_STRICT, &oc, 1, NULL, 0, v3);
	put(f, YG_TLP_AMBER_STRICT, &oc, 1, NULL, 0, v3);
	struct {
		int who;
		int named, visible, values, campaigns;
	} want[] = {
	    {B, 2, 2, 1, 1},
	    {D, 2, 2, 1, 1},
	    {C, 2, 0, 0, 0}, /* named on the strict ones, which never reach it */
	    {A, 2, 6, 3, 1}, /* the submitter (the group owner is a member) */
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		int64_t viewer = f->org[want[i].who];
		struct seen s = {.viewer = viewer};
		assert_int_equal(m->sub_list_campaign(f->st, f->campaign, viewer, count_sub, &s),
		                 0);
		assert_int_equal(s.n, 6);
		assert_int_equal(s.named, want[i].named);
		assert_int_equal(s.visible, want[i].visible);
		int nv = 0, nc = 0;
		assert_int_equal(
		    m->campaign_values(f->st, f->campaign, 2, viewer, false, count_value, &nv), 0);
		assert_int_equal(nv, want[i].values);
		assert_int_equal(
		    m->campaign_list(f->st, viewer, YG_TLP_GREEN, false, count_campaign, &nc), 0);
		assert_int_equal(nc, want[i].campaigns);
	}
	/* Viewer 0 (not a member) is nobody's target. */
	struct seen s0 = {.viewer = 0};
	assert_int_equal(m->sub_list_campaign(f->st, f->campaign, 0, count_sub, &s0), 0);
	assert_int_equal(s0.named, 0);
	assert_int_equal(s0.visible, 0);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_targets_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many_targets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_campaign_visibility, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
