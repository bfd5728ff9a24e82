/* The store's infected-hosts half (store_hosts.h) on a real SQLite file:
 * new evidence makes a detected, pending host; evidence older than its
 * cleaning changes nothing and newer evidence reinfects it; duplicates
 * are ignored; evidence is capped per host; owners keep their secret on
 * update; one-time tokens work once and only until they expire. */
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

#include "store/store.h"
#include "store/store_hosts.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-hosts-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char p[128];
	const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static int64_t owner(struct yg_store *st, const char *name, const char *secret)
{
	struct yg_host_owner o = {0};
	snprintf(o.name, sizeof o.name, "%s", name);
	snprintf(o.lang, sizeof o.lang, "en");
	snprintf(o.secret, sizeof o.secret, "%s", secret);
	int64_t id = 0;
	bool is_new = false;
	assert_int_equal(st->ops->hosts->owner_put(st, &o, &id, &is_new), 0);
	return id;
}

static bool evidence(struct yg_store *st, const char *key, int64_t owner_id, int64_t t,
		     const char *ref, int64_t *ret_id)
{
	struct yg_host_evidence_in ev = {.key = key, .owner_id = owner_id, .org_id = 0,
					 .source = "sighting", .sensor = "s", .family = "mirai",
					 .severity = YG_HOST_SEV_HIGH, .time_us = t, .ref = ref};
	bool added = false;
	assert_int_equal(st->ops->hosts->host_evidence(st, &ev, ret_id, &added), 0);
	return added;
}

static int count_ev(void *ud, const struct yg_host_evidence *e)
{
	(void)e;
	(*(int *)ud)++;
	return 1;
}

static void lifecycle(void **state)
{
	(void)state;
	struct yg_store *st;
	assert_int_equal(yg_store_sqlite_open(dir, &st), 0);
	int64_t o = owner(st, "ISP", "s1");
	assert_int_equal(owner(st, "ISP", "s2"), o); /* update, same row */
	struct yg_host_owner got;
	assert_int_equal(st->ops->hosts->owner_find(st, "ISP", &got), 0);
	assert_string_equal(got.secret, "s1");

	int64_t id, id2;
	assert_true(evidence(st, "198.51.100.7", o, 1000, "i1", &id));
	assert_false(evidence(st, "198.51.100.7", o, 1000, "i1", &id2)); /* duplicate */
	assert_int_equal(id, id2);
	struct yg_host h;
	assert_int_equal(st->ops->hosts->host_get(st, id, &h), 0);
	assert_int_equal(h.state, YG_HOST_DETECTED);
	assert_true(h.pending);
	assert_int_equal(h.evidence, 1);

	assert_int_equal(st->ops->hosts->host_set_state(st, id, YG_HOST_NOTIFIED, 2000), 0);
	assert_int_equal(st->ops->hosts->host_set_state(st, id, YG_HOST_CLEANED, 5000), 0);
	assert_int_equal(st->ops->hosts->host_get(st, id, &h), 0);
	assert_false(h.pending);
	/* Evidence from before the cleaning: kept, but no reinfection. */
	assert_true(evidence(st, "198.51.100.7", o, 4000, "i2", &id2));
	assert_int_equal(st->ops->hosts->host_get(st, id, &h), 0);
	assert_int_equal(h.state, YG_HOST_CLEANED);
	assert_false(h.pending);
	assert_int_equal(h.reinfections, 0);
	/* After it: reinfected, pending again. */
	assert_true(evidence(st, "198.51.100.7", o, 6000, "i3", &id2));
	assert_int_equal(st->ops->hosts->host_get(st, id, &h), 0);
	assert_int_equal(h.state, YG_HOST_REINFECTED);
	assert_true(h.pending);
	assert_int_equal(h.reinfections, 1);
	assert_int_equal(h.last_seen_us, 6000);
	assert_int_equal(h.first_seen_us, 1000);

	/* The evidence of one host is capped, the newest kept. */
	for (int i = 0; i < YG_HOST_EVIDENCE_KEEP + 20; i++) {
		char ref[16];
		snprintf(ref, sizeof ref, "x%d", i);
		evidence(st, "198.51.100.7", o, 10000 + i, ref, &id2);
	}
	int n = 0;
	assert_int_equal(st->ops->hosts->evidence_list(st, id, 1000, count_ev, &n), 0);
	assert_int_equal(n, YG_HOST_EVIDENCE_KEEP);

	/* One-time tokens: once, for their host and state, before expiry. */
	uint8_t hash[32] = {1, 2, 3}, other[32] = {9};
	assert_int_equal(st->ops->hosts->ack_put(st, hash, id, YG_HOST_ACKNOWLEDGED, 100000), 0);
	assert_int_equal(st->ops->hosts->ack_put(st, other, id, YG_HOST_CLEANED, 50), 0);
	int64_t hid = 0;
	enum yg_host_state s;
	assert_int_equal(st->ops->hosts->ack_take(st, other, 60, &hid, &s), -ENOENT); /* expired */
	assert_int_equal(st->ops->hosts->ack_take(st, hash, 60, &hid, &s), 0);
	assert_int_equal(hid, id);
	assert_int_equal(s, YG_HOST_ACKNOWLEDGED);
	assert_int_equal(st->ops->hosts->ack_take(st, hash, 61, &hid, &s), -ENOENT);
	yg_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
