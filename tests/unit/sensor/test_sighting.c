#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sighting.h"

#define IND_A "indicator--11111111-1111-4111-8111-111111111111"
#define IND_B "indicator--22222222-2222-4222-8222-222222222222"
#define IDENT "identity--33333333-3333-4333-8333-333333333333"
#define T0    1764064800000000ull /* 2025-11-25T10:00:00Z */

static struct yg_sighting_agg *mk(bool share, unsigned batch)
{
	struct yg_sighting_config c = {.share_hosts = share, .sensor_name = "s1", .batch = batch};
	for (unsigned i = 0; i < YG_SIGHTING_KEY_LEN; i++)
		c.host_key[i] = (uint8_t)i;
	struct yg_sighting_agg *a = NULL;
	assert_int_equal(yg_sighting_agg_new(&c, &a), 0);
	return a;
}

static int64_t shift;

static json_t *take(struct yg_sighting_agg *a, const char *ident, unsigned *ret_n)
{
	char *txt = NULL;
	size_t len = 0;
	assert_int_equal(yg_sighting_agg_take(a, ident, T0 + 5000000, shift, &txt, &len, ret_n), 0);
	if (!txt)
		return NULL;
	assert_int_equal(strlen(txt), len);
	json_t *j = json_loads(txt, 0, NULL);
	free(txt);
	assert_non_null(j);
	return j;
}

static json_t *find(json_t *bundle, const char *ind)
{
	size_t i;
	json_t *o;
	json_array_foreach(
	    json_object_get(bundle, "objects"), i,
	    o) if (!strcmp(json_string_value(json_object_get(o, "sighting_of_ref")), ind)) return o;
	return NULL;
}

static void hmac_known_answer(void **state)
{
	(void)state;
	uint8_t key[32];
	for (unsigned i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	char hex[65];
	/* Python: hmac.new(bytes(range(32)), b"10.0.0.5", sha256).hexdigest() */
	yg_sighting_host_hash(key, "10.0.0.5", hex);
	assert_string_equal(hex,
	                    "bf4fd72b324b992a5bf0028ce243fba95c013aa087a3fed8ddaec5daef1d1d97");
}

static void aggregates_per_indicator(void **state)
{
	(void)state;
	struct yg_sighting_agg *a = mk(false, 0);
	assert_int_equal(yg_sighting_agg_add(a, IND_A, T0 + 3000000, "10.0.0.5"), 0);
	assert_int_equal(yg_sighting_agg_add(a, IND_A, T0 + 1000000, "10.0.0.5"), 0);
	assert_int_equal(yg_sighting_agg_add(a, IND_A, T0 + 2000000, "10.0.0.6"), 0);
	assert_int_equal(yg_sighting_agg_add(a, IND_B, T0, NULL), 0);
	assert_int_equal(yg_sighting_agg_pending(a), 2);
	unsigned n;
	json_t *b = take(a, IDENT, &n);
	assert_int_equal(n, 2);
	assert_string_equal(json_string_value(json_object_get(b, "type")), "bundle");
	assert_int_equal(strncmp(json_string_value(json_object_get(b, "id")), "bundle--", 8), 0);
	json_t *sa = find(b, IND_A), *sb = find(b, IND_B);
	assert_non_null(sa);
	assert_non_null(sb);
	assert_string_equal(json_string_value(json_object_get(sa, "type")), "sighting");
	assert_string_equal(json_string_value(json_object_get(sa, "spec_version")), "2.1");
	assert_int_equal(json_integer_value(json_object_get(sa, "count")), 3);
	assert_int_equal(json_integer_value(json_object_get(sb, "count")), 1);
	assert_string_equal(json_string_value(json_object_get(sa, "first_seen")),
	                    "2025-11-25T10:00:01.000Z");
	assert_string_equal(json_string_value(json_object_get(sa, "last_seen")),
	                    "2025-11-25T10:00:03.000Z");
	assert_string_equal(json_string_value(json_object_get(sa, "created")),
	                    "2025-11-25T10:00:05.000Z");
	assert_string_equal(json_string_value(json_object_get(sa, "x_yagura_sensor")), "s1");
	json_t *w = json_object_get(sa, "where_sighted_refs");
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_array_get(w, 0)), IDENT);
	/* Two distinct hosts, hashed; no address text. */
	json_t *hh = json_object_get(sa, "x_yagura_host_hashes");
	assert_int_equal(json_array_size(hh), 2);
	assert_string_equal(json_string_value(json_array_get(hh, 0)),
	                    "bf4fd72b324b992a5bf0028ce243fba95c013aa087a3fed8ddaec5daef1d1d97");
	assert_null(json_object_get(sa, "x_yagura_hosts"));
	assert_null(json_object_get(sb, "x_yagura_host_hashes"));
	/* Ids: sighting--<uuid v4>, distinct. */
	const char *ida = json_string_value(json_object_get(sa, "id"));
	const char *idb = json_string_value(json_object_get(sb, "id"));
	assert_int_equal(strlen(ida), 10 + 36);
	assert_int_equal(strncmp(ida, "sighting--", 10), 0);
	assert_int_equal(ida[10 + 14], '4');
	assert_true(strchr("89ab", ida[10 + 19]) != NULL);
	assert_string_not_equal(ida, idb);
	json_decref(b);
	assert_int_equal(yg_sighting_agg_pending(a), 0);
	assert_null(take(a, IDENT, &n));
	assert_int_equal(n, 0);
	yg_sighting_agg_free(a);
}

static void share_hosts_and_host_cap(void **state)
{
	(void)state;
	struct yg_sighting_agg *a = mk(true, 0);
	char host[32];
	for (unsigned i = 0; i < 40; i++) {
		snprintf(host, sizeof host, "10.0.1.%u", i % 20);
		assert_int_equal(yg_sighting_agg_add(a, IND_A, T0, host), 0);
	}
	unsigned n;
	json_t *b = take(a, NULL, &n);
	json_t *s = find(b, IND_A);
	assert_int_equal(json_integer_value(json_object_get(s, "count")), 40);
	assert_int_equal(json_array_size(json_object_get(s, "x_yagura_host_hashes")), 16);
	json_t *hosts = json_object_get(s, "x_yagura_hosts");
	assert_int_equal(json_array_size(hosts), 16);
	assert_string_equal(json_string_value(json_array_get(hosts, 0)), "10.0.1.0");
	/* No identity known: left out for the hub to fill in. */
	assert_null(json_object_get(s, "where_sighted_refs"));
	json_decref(b);
	yg_sighting_agg_free(a);
}

static void batches_oldest_first(void **state)
{
	(void)state;
	struct yg_sighting_agg *a = mk(false, 2);
	char id[64];
	for (unsigned i = 0; i < 5; i++) {
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-00000000000%u", i);
		assert_int_equal(yg_sighting_agg_add(a, id, T0 + i, NULL), 0);
	}
	/* A full batch is pending: the sender is woken at once. */
	assert_true(yg_sighting_agg_wait(a, 10));
	unsigned n, total = 0;
	for (unsigned round = 0; round < 3; round++) {
		json_t *b = take(a, NULL, &n);
		assert_non_null(b);
		json_t *first = json_array_get(json_object_get(b, "objects"), 0);
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-00000000000%u",
		         round * 2);
		assert_string_equal(json_string_value(json_object_get(first, "sighting_of_ref")),
		                    id);
		total += n;
		assert_int_equal(n, round < 2 ? 2 : 1);
		json_decref(b);
	}
	assert_int_equal(total, 5);
	assert_false(yg_sighting_agg_wait(a, 10)); /* nothing pending: a timeout */
	yg_sighting_agg_free(a);
}

static void refuses_bad_ids(void **state)
{
	(void)state;
	struct yg_sighting_agg *a = mk(false, 0);
	assert_int_equal(yg_sighting_agg_add(a, "malware--1234", T0, NULL), -EINVAL);
	assert_int_equal(yg_sighting_agg_add(a, "indicator--", T0, NULL), -EINVAL);
	assert_int_equal(yg_sighting_agg_add(a, "indicator--12\"34", T0, NULL), -EINVAL);
	assert_int_equal(yg_sighting_agg_pending(a), 0);
	yg_sighting_agg_free(a);
}

struct thr {
	struct yg_sighting_agg *a;
	unsigned id;
};

static unsigned finished;

static void *adder(void *arg)
{
	struct thr *t = arg;
	char id[64];
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012u", i % 50);
		yg_sighting_agg_add(t->a, id, T0 + i, t->id % 2 ? "10.0.0.1" : "10.0.0.2");
	}
	__atomic_add_fetch(&finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void counts_from_many_threads(void **state)
{
	(void)state;
	struct yg_sighting_agg *a = mk(false, 1000);
	pthread_t tid[4];
	struct thr t[4];
	for (unsigned i = 0; i < 4; i++) {
		t[i] = (struct thr){a, i};
		pthread_create(&tid[i], NULL, adder, &t[i]);
	}
	/* A taker running at the same time, as the sender thread does. */
	json_int_t total = 0;
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < 4) {
		unsigned n;
		json_t *b = take(a, NULL, &n);
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(b, "objects"), i, o) total +=
		    json_integer_value(json_object_get(o, "count"));
		json_decref(b);
	}
	for (unsigned k = 0; k < 4; k++)
		pthread_join(tid[k], NULL);
	for (;;) {
		unsigned n;
		json_t *b = take(a, NULL, &n);
		if (!b)
			break;
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(b, "objects"), i, o) total +=
		    json_integer_value(json_object_get(o, "count"));
		json_decref(b);
	}
	assert_int_equal(total, 4 * 20000);
	assert_int_equal(yg_sighting_agg_dropped(a), 0);
	yg_sighting_agg_free(a);
}

static void clock_shift(void **state)
{
	(void)state;
	struct yg_sighting_agg *a = mk(false, 0);
	assert_int_equal(yg_sighting_agg_add(a, IND_A, T0 + 600000000, NULL), 0);
	/* Our clock is 10 minutes ahead of the hub's. */
	shift = -600000000;
	unsigned n;
	json_t *b = take(a, NULL, &n);
	shift = 0;
	json_t *s = find(b, IND_A);
	assert_string_equal(json_string_value(json_object_get(s, "last_seen")),
	                    "2025-11-25T10:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(s, "created")),
	                    "2025-11-25T09:50:05.000Z");
	json_decref(b);
	yg_sighting_agg_free(a);
}

static void time_format(void **state)
{
	(void)state;
	char t[32];
	yg_sighting_time(T0 + 123456, t);
	assert_string_equal(t, "2025-11-25T10:00:00.123Z");
	yg_sighting_time(0, t);
	assert_string_equal(t, "1970-01-01T00:00:00.000Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hmac_known_answer),
	    cmocka_unit_test(aggregates_per_indicator),
	    cmocka_unit_test(share_hosts_and_host_cap),
	    cmocka_unit_test(batches_oldest_first),
	    cmocka_unit_test(refuses_bad_ids),
	    cmocka_unit_test(counts_from_many_threads),
	    cmocka_unit_test(clock_shift),
	    cmocka_unit_test(time_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
