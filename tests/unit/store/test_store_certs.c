/*
 * Client-certificate bindings (store_certs.h, issue 21) on both backends:
 * meson runs this file on SQLite and again on PostgreSQL
 * (test_store_certs-pg).
 */
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

#include "helpers/store_backend.h"
#include "store/store.h"
#include "store/store_certs.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-certs-XXXXXX");
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
	yg_test_store_drop(dir);
	return 0;
}

static const char FP1[] = "aaaaaaaa11111111111111111111111111111111111111111111111111111111";
static const char FP2[] = "aaaaaaaa22222222222222222222222222222222222222222222222222222222";
static const char FP3[] = "bbbbbbbb33333333333333333333333333333333333333333333333333333333";

struct seen {
	size_t n;
	char fps[4][YG_CERT_FP_HEX + 1];
	bool revoked[4];
};

static int collect(void *ud, const struct yg_cert_binding *b)
{
	struct seen *s = ud;
	if (s->n < 4) {
		memcpy(s->fps[s->n], b->fingerprint, sizeof s->fps[0]);
		s->revoked[s->n] = b->revoked;
	}
	s->n++;
	return 1;
}

static void bindings(void **state)
{
	(void)state;
	struct yg_store *st = NULL;
	assert_int_equal(yg_test_store_open(dir, &st), 0);
	const struct yg_store_cert_ops *c = st->ops->certs;
	int64_t a = 0, b = 0, id = 0;
	assert_int_equal(st->ops->org_add(st, "A", "energy", "JP", "identity--a", &a), 0);
	assert_int_equal(st->ops->org_add(st, "B", "rail", "JP", "identity--b", &b), 0);

	/* Refused: a bad fingerprint, role or subject, an unknown org. */
	assert_int_equal(c->add(st, "ABCD", a, YG_ROLE_SENSOR, "CN=x", 1, NULL), -EINVAL);
	assert_int_equal(c->add(st, FP1, a, (enum yg_role)3, "CN=x", 1, NULL), -EINVAL);
	assert_int_equal(c->add(st, FP1, 999, YG_ROLE_SENSOR, "CN=x", 1, NULL), -EEXIST);
	char long_subject[YG_CERT_SUBJECT_MAX + 2];
	memset(long_subject, 'x', sizeof long_subject - 1);
	long_subject[sizeof long_subject - 1] = '\0';
	assert_int_equal(c->add(st, FP1, a, YG_ROLE_SENSOR, long_subject, 1, NULL), -EINVAL);

	assert_int_equal(
	    c->add(st, FP1, a, YG_ROLE_SENSOR, "CN=sensor-1,O=A", 1700000000000000, &id), 0);
	assert_true(id > 0);
	assert_int_equal(c->add(st, FP1, b, YG_ROLE_READER, "CN=again", 1, NULL), -EEXIST);
	assert_int_equal(c->add(st, FP2, b, YG_ROLE_READER, "CN=reader,O=B", 2, NULL), 0);
	assert_int_equal(c->add(st, FP3, a, YG_ROLE_ANALYST, "", 3, NULL), 0);

	struct yg_cert_binding got;
	assert_int_equal(c->lookup(st, FP1, &got), 0);
	assert_int_equal(got.id, id);
	assert_string_equal(got.fingerprint, FP1);
	assert_int_equal(got.org_id, a);
	assert_int_equal(got.role, YG_ROLE_SENSOR);
	assert_string_equal(got.subject, "CN=sensor-1,O=A");
	assert_true(got.not_after_us == 1700000000000000);
	assert_false(got.revoked);
	assert_true(got.created_us > 0);
	assert_int_equal(
	    c->lookup(st, "cccccccc33333333333333333333333333333333333333333333333333333333", &got),
	    -ENOENT);
	assert_int_equal(c->lookup(st, "short", &got), -EINVAL);

	/* Revocation by prefix: too short, ambiguous, unknown, then one. */
	assert_int_equal(c->revoke(st, "aaaa", &got), -EINVAL);
	assert_int_equal(c->revoke(st, "AAAAAAAA11", &got), -EINVAL);
	assert_int_equal(c->revoke(st, "aaaaaaaa", &got), -EEXIST);
	assert_int_equal(c->revoke(st, "dddddddd", &got), -ENOENT);
	/* A '%' or '_' is not hex, so never a LIKE pattern either. */
	assert_int_equal(c->revoke(st, "aaaaaaa%", &got), -EINVAL);
	memset(&got, 0, sizeof got);
	assert_int_equal(c->revoke(st, "aaaaaaaa2", &got), 0);
	assert_string_equal(got.fingerprint, FP2);
	assert_int_equal(got.org_id, b);
	assert_true(got.revoked);
	/* Revoked again: answered as it is; still found, still revoked. */
	assert_int_equal(c->revoke(st, FP2, &got), 0);
	assert_int_equal(c->lookup(st, FP2, &got), 0);
	assert_true(got.revoked);
	/* A revoked fingerprint cannot be bound again. */
	assert_int_equal(c->add(st, FP2, a, YG_ROLE_SENSOR, "CN=again", 1, NULL), -EEXIST);

	struct seen s = {0};
	assert_int_equal(c->list(st, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.fps[0], FP1);
	assert_string_equal(s.fps[1], FP2);
	assert_string_equal(s.fps[2], FP3);
	assert_false(s.revoked[0]);
	assert_true(s.revoked[1]);
	assert_false(s.revoked[2]);

	/* A second handle sees the first's writes (the hub's CLI and server). */
	struct yg_store *st2 = NULL;
	assert_int_equal(yg_test_store_open(dir, &st2), 0);
	assert_int_equal(st2->ops->certs->lookup(st2, FP3, &got), 0);
	assert_int_equal(got.role, YG_ROLE_ANALYST);
	yg_store_close(st2);
	int v = 0;
	assert_int_equal(yg_store_schema_version(st, &v), 0);
	assert_int_equal(v, YG_STORE_SCHEMA_VERSION);
	yg_store_close(st);
}

int main(void)
{
	yg_test_store_require();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(bindings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
