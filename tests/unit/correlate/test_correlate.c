/* Correlation into campaigns over a real SQLite store: observables,
 * warning list, linking, merging, notifications and the index's size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fuzzy.h>

#include "correlate/correlate.h"
#include "helpers/store_backend.h"
#include "mail/anon.h"
#include "mail/mail.h"
#include "store/store.h"
#include "store/store_mail.h"

struct fx {
	char dir[64];
	struct yg_store *st;
	struct yg_corr_warn *warn;
	int64_t org[3];
	int n_subs;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/yg-corr-XXXXXX");
	if (!mkdtemp(f->dir) || yg_test_store_open(f->dir, &f->st) < 0 ||
	    yg_corr_warn_new(NULL, &f->warn) < 0)
		return -1;
	const char *names[] = {"alpha", "bravo", "charlie"};
	for (int i = 0; i < 3; i++) {
		char ident[64];
		snprintf(ident, sizeof ident, "identity--00000000-0000-4000-8000-00000000000%d", i);
		if (f->st->ops->org_add(f->st, names[i], "energy", "JP", ident, &f->org[i]) < 0)
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	yg_store_close(f->st);
	yg_corr_warn_free(f->warn);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	yg_test_store_drop(f->dir);
	free(f);
	return 0;
}

static struct yg_corr_result submit_raw(struct fx *f, int org, enum yg_tlp tlp, const char *msg,
					size_t n, int64_t *ret_sub);

/* Submits one message as org (index into f->org) with a TLP. */
static struct yg_corr_result submit(struct fx *f, int org, enum yg_tlp tlp, const char *from,
				    const char *subject, const char *url, int64_t *ret_sub)
{
	char msg[2048];
	int n = snprintf(msg, sizeof msg,
			 "Received: from x (x [203.0.113.%d]) by mx.member.example; "
			 "Fri, 1 Mar 2024 10:00:00 +0900\r\n"
			 "From: <%s>\r\nTo: <victim%d@member%d.example>\r\nSubject: %s\r\n"
			 "Date: Fri, 1 Mar 2024 10:00:00 +0900\r\n\r\nHello, see %s\r\n",
			 10 + f->n_subs, from, f->n_subs, org, subject, url);
	return submit_raw(f, org, tlp, msg, (size_t)n, ret_sub);
}

static struct yg_corr_result submit_raw(struct fx *f, int org, enum yg_tlp tlp, const char *msg,
					size_t n, int64_t *ret_sub)
{
	struct yg_mail_report *r = NULL;
	struct yg_mail_opts opts = {0};
	assert_int_equal(yg_mail_analyze((const uint8_t *)msg, n, &opts, &r), 0);
	struct yg_mail_anon_cfg cfg = {0};
	struct yg_mail_anon *a = NULL;
	assert_int_equal(yg_mail_anon_new(&cfg, &a), 0);
	assert_int_equal(yg_mail_anon_apply(a, (const uint8_t *)msg, n, r), 0);
	struct yg_corr_obs *o = NULL;
	size_t no = 0;
	assert_int_equal(yg_corr_extract(r, f->warn, &o, &no), 0);
	for (size_t i = 0; i < no; i++)
		assert_null(strstr(o[i].value, "victim"));
	struct yg_mail_sub s = {.org_id = f->org[org], .tlp = tlp, .report = "{}",
				.indicators = "[]"};
	snprintf(s.uuid, sizeof s.uuid, "00000000-0000-4000-8000-%012d", ++f->n_subs);
	uint8_t blob[8] = "sealed";
	int64_t id = 0;
	struct yg_corr_result res;
	assert_int_equal(f->st->ops->tx_begin(f->st), 0);
	assert_int_equal(f->st->ops->mail->sub_put(f->st, &s, blob, sizeof blob, &id), 0);
	assert_int_equal(yg_corr_submit(f->st, id, o, no, &res), 0);
	assert_int_equal(f->st->ops->tx_commit(f->st), 0);
	yg_corr_obs_free(o, no);
	yg_mail_anon_free(a);
	yg_mail_report_free(r);
	if (ret_sub)
		*ret_sub = id;
	return res;
}

static int count_notes(void *ud, int64_t id, int64_t created_us, const char *json)
{
	(void)id;
	(void)created_us;
	(void)json;
	(*(int *)ud)++;
	return 1;
}

static int notes_of(struct fx *f, int org)
{
	int n = 0;
	assert_int_equal(f->st->ops->mail->notify_list(f->st, f->org[org], 100, count_notes, &n), 0);
	return n;
}

static void campaign_forms_from_related_only(void **state)
{
	struct fx *f = *state;
	/* Unrelated, but both from gmail.com: the provider never links. */
	struct yg_corr_result a = submit(f, 0, YG_TLP_AMBER, "someone@gmail.com",
					 "Lunch on Friday at the usual place", "https://www.google.com/",
					 NULL);
	struct yg_corr_result b = submit(f, 1, YG_TLP_AMBER, "other.person@gmail.com",
					 "Quarterly tax form reminder notice",
					 "https://bit.ly/3xYz", NULL);
	assert_int_equal(a.campaign, 0);
	assert_int_equal(b.campaign, 0);
	assert_int_equal(b.linked, 0);
	/* Related: the same phishing host in two organizations. */
	int64_t s1 = 0, s2 = 0;
	struct yg_corr_result c = submit(f, 0, YG_TLP_AMBER, "notice@bank-secure.example",
					 "Your account 1234 is locked",
					 "http://login.bank-secure.example/a", &s1);
	assert_int_equal(c.campaign, 0);
	struct yg_corr_result d = submit(f, 1, YG_TLP_GREEN, "alert@other-sender.example",
					 "Unrelated words entirely here",
					 "http://login.bank-secure.example/b", &s2);
	assert_true(d.campaign > 0);
	assert_int_equal(d.linked, 1);
	assert_int_equal(d.orgs, 2);
	assert_true(d.spread);
	assert_int_equal(strncmp(d.campaign_id, "campaign--", 10), 0);
	assert_int_equal(notes_of(f, 0), 1);
	assert_int_equal(notes_of(f, 1), 1);
	assert_int_equal(notes_of(f, 2), 0);
	/* The view for alpha: the shared host, bravo only as a count. */
	json_t *v = NULL;
	assert_int_equal(yg_corr_campaign_view(f->st, d.campaign, f->org[0], false, true, &v), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "organizations")), 2);
	char *txt = json_dumps(v, JSON_COMPACT);
	assert_non_null(strstr(txt, "login.bank-secure.example"));
	assert_null(strstr(txt, "bravo"));
	assert_non_null(strstr(txt, "alpha"));
	free(txt);
	json_decref(v);
	/* charlie sees bravo's GREEN submission, so the campaign, but not
	 * alpha's AMBER one. */
	assert_int_equal(yg_corr_campaign_view(f->st, d.campaign, f->org[2], false, true, &v), 0);
	assert_int_equal(json_array_size(json_object_get(v, "visible_submissions")), 1);
	json_decref(v);
	/* bravo allows naming: now alpha's view names it. */
	assert_int_equal(f->st->ops->mail->org_naming_set(f->st, f->org[1], true), 0);
	assert_int_equal(yg_corr_campaign_view(f->st, d.campaign, f->org[0], false, true, &v), 0);
	txt = json_dumps(json_object_get(v, "named_organizations"), JSON_COMPACT);
	assert_non_null(strstr(txt, "bravo"));
	free(txt);
	json_decref(v);
	/* A third organization joins: everyone hears of it again. */
	struct yg_corr_result e = submit(f, 2, YG_TLP_AMBER, "notice@bank-secure.example",
					 "Something else again", "http://unrelated.example/", NULL);
	assert_int_equal(e.campaign, d.campaign);
	assert_int_equal(e.orgs, 3);
	assert_int_equal(notes_of(f, 0), 2);
	assert_int_equal(notes_of(f, 2), 1);
	/* The same organization again: no new notifications. */
	submit(f, 2, YG_TLP_AMBER, "notice@bank-secure.example", "Yet another subject line",
	       "http://unrelated2.example/", NULL);
	assert_int_equal(notes_of(f, 0), 2);
}

static void campaigns_merge_when_bridged(void **state)
{
	struct fx *f = *state;
	struct yg_corr_result a1 = submit(f, 0, YG_TLP_GREEN, "a@one.example", "Campaign one first",
					  "http://one.example/x", NULL);
	struct yg_corr_result a2 = submit(f, 1, YG_TLP_GREEN, "b@one-b.example",
					  "Campaign one second", "http://one.example/y", NULL);
	struct yg_corr_result b1 = submit(f, 1, YG_TLP_GREEN, "c@two.example", "Campaign two first",
					  "http://two.example/x", NULL);
	struct yg_corr_result b2 = submit(f, 2, YG_TLP_GREEN, "d@two-b.example",
					  "Campaign two second", "http://two.example/y", NULL);
	assert_int_equal(a1.campaign, 0);
	assert_int_equal(b1.campaign, 0);
	assert_true(a2.campaign > 0 && b2.campaign > 0);
	assert_int_not_equal(a2.campaign, b2.campaign);
	/* From one's sender, linking to two's host. */
	struct yg_corr_result m = submit(f, 0, YG_TLP_GREEN, "a@one.example", "Bridge message",
					 "http://two.example/z", NULL);
	assert_int_equal(m.campaign, a2.campaign < b2.campaign ? a2.campaign : b2.campaign);
	struct yg_campaign c;
	int64_t gone = a2.campaign < b2.campaign ? b2.campaign : a2.campaign;
	assert_int_equal(f->st->ops->mail->campaign_get(f->st, NULL, gone, &c), -ENOENT);
	json_t *v = NULL;
	assert_int_equal(yg_corr_campaign_view(f->st, m.campaign, f->org[0], false, true, &v), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "submissions")), 5);
	assert_int_equal(json_integer_value(json_object_get(v, "organizations")), 3);
	json_decref(v);
}

static void index_holds_values_once(void **state)
{
	struct fx *f = *state;
	int64_t v0 = 0, p0 = 0, v1 = 0, p1 = 0;
	assert_int_equal(f->st->ops->mail->value_count(f->st, &v0, &p0), 0);
	for (int i = 0; i < 10; i++)
		submit(f, i % 3, YG_TLP_AMBER, "same@same-sender.example", "The very same subject",
		       "http://same.example/path", NULL);
	assert_int_equal(f->st->ops->mail->value_count(f->st, &v1, &p1), 0);
	/* 10 submissions x ~7 values: distinct values grow by the handful
	 * (only the sending IP differs), postings by every occurrence, and
	 * nothing grows with the 45 pairs. */
	assert_true(v1 - v0 <= 7 + 10);
	assert_true(p1 - p0 >= 60 && p1 - p0 <= 80);
}

static int count_sub(void *ud, int64_t sub, int64_t org, int64_t campaign)
{
	(void)org;
	(void)campaign;
	int64_t *want = ud;
	if (sub == want[0])
		want[1]++;
	return 1;
}

/* The batch interning of a mail's values: the same ids as one by one,
 * whatever the text holds (PostgreSQL gets them as array literals), a
 * value given twice fresh once, one posting per value. */
static void values_post_batch(void **state)
{
	struct fx *f = *state;
	const struct yg_store_mail_ops *m = f->st->ops->mail;
	int64_t sub = 0;
	submit(f, 0, YG_TLP_GREEN, "batch@batch-sender.example", "Batch", "http://b.example/",
	       &sub);
	static const char *const texts[] = {
	    "plain",      "with \"quotes\"", "back\\slash\\", "{braces},comma", "NULL",
	    " spaced ",   "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "plain", "'single'", "a\\\"b"};
	enum { N = sizeof texts / sizeof texts[0] };
	struct yg_store_value_in v[N];
	for (size_t i = 0; i < N; i++)
		v[i] = (struct yg_store_value_in){.type = YG_CORR_URL, .value = texts[i]};
	int64_t ids[N], p0 = 0, p1 = 0, v0 = 0, v1 = 0;
	bool fresh[N];
	assert_int_equal(m->value_count(f->st, &v0, &p0), 0);
	assert_int_equal(m->values_post(f->st, sub, v, N, ids, fresh), 0);
	assert_int_equal(m->value_count(f->st, &v1, &p1), 0);
	assert_int_equal(v1 - v0, N - 1); /* "plain" twice */
	assert_int_equal(p1 - p0, N - 1);
	for (size_t i = 0; i < N; i++) {
		int64_t id = 0;
		assert_int_equal(m->value_intern(f->st, YG_CORR_URL, texts[i], false, 0, &id), 0);
		assert_int_equal(id, ids[i]);
		assert_int_equal(fresh[i], i != 7);
	}
	/* Again: nothing new, nothing fresh. */
	assert_int_equal(m->values_post(f->st, sub, v, N, ids, fresh), 0);
	for (size_t i = 0; i < N; i++)
		assert_false(fresh[i]);
	int64_t want[2] = {sub, 0};
	assert_int_equal(m->values_subs(f->st, ids, N, 10, count_sub, want), 0);
	assert_int_equal(want[1], N);
	struct yg_store_value_in empty = {.type = YG_CORR_URL, .value = ""};
	assert_int_equal(m->values_post(f->st, sub, &empty, 1, ids, fresh), -EINVAL);
}

/* Subjects that differ only by the recipient's name and digits link. */
static void subject_template_links_across_recipients(void **state)
{
	struct fx *f = *state;
	const char *m1 = "From: <a@first-sender.example>\r\nTo: Taro Yamada <taro@m1.example>\r\n"
			 "Subject: Taro Yamada: your parcel 12345 is held\r\n\r\nhi\r\n";
	const char *m2 = "From: <b@second-sender.example>\r\nTo: Hanako Sato <hs@m2.example>\r\n"
			 "Subject: Hanako Sato: your parcel 987 is held\r\n\r\nhi\r\n";
	struct yg_corr_result a = submit_raw(f, 0, YG_TLP_GREEN, m1, strlen(m1), NULL);
	struct yg_corr_result b = submit_raw(f, 1, YG_TLP_GREEN, m2, strlen(m2), NULL);
	assert_int_equal(a.campaign, 0);
	assert_true(b.campaign > 0);
	json_t *v = NULL;
	assert_int_equal(yg_corr_campaign_view(f->st, b.campaign, f->org[2], false, true, &v), 0);
	char *txt = json_dumps(json_object_get(v, "shared_values"), JSON_COMPACT);
	assert_non_null(strstr(txt, "[recipient-name-#]: your parcel # is held"));
	assert_null(strstr(txt, "Taro"));
	assert_null(strstr(txt, "Hanako"));
	free(txt);
	json_decref(v);
}

/* Submits one bare observable list (no message) as org. */
static struct yg_corr_result submit_obs(struct fx *f, int org, struct yg_corr_obs *o, size_t n)
{
	struct yg_mail_sub s = {.org_id = f->org[org], .tlp = YG_TLP_GREEN, .report = "{}",
				.indicators = "[]"};
	snprintf(s.uuid, sizeof s.uuid, "00000000-0000-4000-8000-%012d", ++f->n_subs);
	uint8_t blob[8] = "sealed";
	int64_t id = 0;
	struct yg_corr_result res;
	assert_int_equal(f->st->ops->tx_begin(f->st), 0);
	assert_int_equal(f->st->ops->mail->sub_put(f->st, &s, blob, sizeof blob, &id), 0);
	assert_int_equal(yg_corr_submit(f->st, id, o, n, &res), 0);
	assert_int_equal(f->st->ops->tx_commit(f->st), 0);
	return res;
}

static void ssdeep_similarity_links(void **state)
{
	struct fx *f = *state;
	/* Two versions of one document, a few bytes apart; and another file. */
	enum { LEN = 48 * 1024 };
	uint8_t *a = malloc(LEN), *b = malloc(LEN), *c = malloc(LEN);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a[i] = b[i] = (uint8_t)x;
		c[i] = (uint8_t)(x >> 17);
	}
	memcpy(b + 1000, "a few changed bytes here", 24);
	char da[FUZZY_MAX_RESULT], db[FUZZY_MAX_RESULT], dc[FUZZY_MAX_RESULT];
	assert_int_equal(fuzzy_hash_buf(a, LEN, da), 0);
	assert_int_equal(fuzzy_hash_buf(b, LEN, db), 0);
	assert_int_equal(fuzzy_hash_buf(c, LEN, dc), 0);
	assert_true(fuzzy_compare(da, db) >= YG_CORR_SSDEEP_MIN);
	assert_string_not_equal(da, db);
	free(a);
	free(b);
	free(c);
	int64_t grams[YG_STORE_GRAMS_MAX];
	assert_true(yg_corr_ssdeep_grams(da, grams, YG_STORE_GRAMS_MAX) > 10);
	for (size_t i = 1; i < yg_corr_ssdeep_grams(da, grams, YG_STORE_GRAMS_MAX); i++)
		assert_true(grams[i - 1] < grams[i]);
	assert_int_equal(yg_corr_ssdeep_grams("nonsense", grams, YG_STORE_GRAMS_MAX), 0);
	struct yg_corr_obs oa = {.type = YG_CORR_SSDEEP, .value = da,
				  .ssdeep_bs = strtol(da, NULL, 10)};
	struct yg_corr_obs ob = {.type = YG_CORR_SSDEEP, .value = db,
				  .ssdeep_bs = strtol(db, NULL, 10)};
	struct yg_corr_obs oc = {.type = YG_CORR_SSDEEP, .value = dc,
				  .ssdeep_bs = strtol(dc, NULL, 10)};
	assert_int_equal(submit_obs(f, 0, &oa, 1).campaign, 0);
	assert_int_equal(submit_obs(f, 1, &oc, 1).campaign, 0);
	struct yg_corr_result r = submit_obs(f, 2, &ob, 1);
	assert_true(r.campaign > 0);
	assert_int_equal(r.linked, 1);
	assert_int_equal(r.orgs, 2);
}

/* Runs of more than three equal characters count as three. */
static void ssdeep_grams_cut_runs(void **state)
{
	(void)state;
	int64_t g1[YG_STORE_GRAMS_MAX], g2[YG_STORE_GRAMS_MAX];
	size_t n1 = yg_corr_ssdeep_grams("3:abcdefgAAAAAAAAhij:xyz", g1, YG_STORE_GRAMS_MAX);
	size_t n2 = yg_corr_ssdeep_grams("3:abcdefgAAAhij:xyz", g2, YG_STORE_GRAMS_MAX);
	assert_int_equal(n1, n2);
	assert_memory_equal(g1, g2, n1 * sizeof *g1);
	/* Chunk 2 is keyed by twice the block size: "6:" chunk 1 meets it. */
	size_t n3 = yg_corr_ssdeep_grams("3:aaaa:ABCDEFGH", g1, YG_STORE_GRAMS_MAX);
	size_t n4 = yg_corr_ssdeep_grams("6:ABCDEFGH:zz", g2, YG_STORE_GRAMS_MAX);
	assert_int_equal(n3, 2);
	assert_int_equal(n4, 2);
	assert_memory_equal(g1, g2, 2 * sizeof *g1);
}

static void stix_patterns(void **state)
{
	(void)state;
	static const struct {
		int type;
		const char *value, *want;
	} cases[] = {
		{YG_CORR_URL, "http://a.example/x'y\\z", "[url:value = 'http://a.example/x\\'y\\\\z']"},
		{YG_CORR_URL_DOMAIN, "45.77.1.7", "[ipv4-addr:value = '45.77.1.7']"},
		{YG_CORR_URL_DOMAIN, "b.example", "[domain-name:value = 'b.example']"},
		{YG_CORR_SENDING_IP, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"},
		{YG_CORR_SHA1, "abc", "[file:hashes.'SHA-1' = 'abc']"},
		{YG_CORR_SENDER_ADDR, "a@b.example", "[email-addr:value = 'a@b.example']"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *p = yg_corr_stix_pattern(cases[i].type, cases[i].value);
		assert_string_equal(p, cases[i].want);
		free(p);
	}
	assert_null(yg_corr_stix_pattern(YG_CORR_SSDEEP, "3:a:b"));
	assert_null(yg_corr_stix_pattern(YG_CORR_SUBJECT, "hello"));
}

static void subject_templates(void **state)
{
	(void)state;
	char *t = yg_corr_subject_template("RE: Fwd:  Invoice  No. 12345 due 2024/03/01");
	assert_string_equal(t, "invoice no. # due #/#/#");
	free(t);
	assert_null(yg_corr_subject_template("  re:  "));
}

static void warning_list(void **state)
{
	(void)state;
	char path[] = "/tmp/yg-warn-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "# extra\ncdn.member.example\n  0123456789abcdef0123456789abcdef  \n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	struct yg_corr_warn *w = NULL;
	assert_int_equal(yg_corr_warn_new(path, &w), 0);
	unlink(path);
	assert_true(yg_corr_warn_has(w, YG_CORR_SENDER_DOMAIN, "gmail.com"));
	assert_true(yg_corr_warn_has(w, YG_CORR_URL_DOMAIN, "mail.google.com"));
	assert_true(yg_corr_warn_has(w, YG_CORR_URL, "https://bit.ly/abc"));
	assert_true(yg_corr_warn_has(w, YG_CORR_URL_DOMAIN, "x.cdn.member.example"));
	assert_true(yg_corr_warn_has(w, YG_CORR_MD5, "0123456789ABCDEF0123456789abcdef"));
	assert_false(yg_corr_warn_has(w, YG_CORR_URL_DOMAIN, "notgmail.com"));
	assert_false(yg_corr_warn_has(w, YG_CORR_SENDER_ADDR, "someone@gmail.com"));
	yg_corr_warn_free(w);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(campaign_forms_from_related_only, setup, teardown),
		cmocka_unit_test_setup_teardown(campaigns_merge_when_bridged, setup, teardown),
		cmocka_unit_test_setup_teardown(index_holds_values_once, setup, teardown),
		cmocka_unit_test_setup_teardown(values_post_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(subject_template_links_across_recipients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ssdeep_similarity_links, setup, teardown),
		cmocka_unit_test(ssdeep_grams_cut_runs),
		cmocka_unit_test(stix_patterns),
		cmocka_unit_test(subject_templates),
		cmocka_unit_test(warning_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
