#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/cache.h"

/* A 200 answer with a malloc'ed body, as taxii.c makes them. */
static struct yg_resp answer(const char *text)
{
	struct yg_resp r = {0};
	r.status = 200;
	r.body = strdup(text);
	r.len = strlen(text);
	r.content_type = "application/taxii+json;version=2.1";
	snprintf(r.hdr_name[0], sizeof r.hdr_name[0], "X-TAXII-Date-Added-First");
	snprintf(r.hdr_value[0], sizeof r.hdr_value[0], "2024-01-01T00:00:00.000000Z");
	r.n_hdr = 1;
	return r;
}

static void hit_shares_the_body(void **state)
{
	(void)state;
	struct yg_cache *c;
	assert_int_equal(yg_cache_new(1 << 20, 16, &c), 0);
	struct yg_resp miss = {0};
	assert_false(yg_cache_get(c, 7, "k1", 2, &miss));
	assert_null(miss.body);

	struct yg_resp a = answer("{\"objects\":[1]}");
	assert_int_equal(yg_cache_put(c, 7, "k1", 2, &a), 0);
	/* resp now lends the cache's bytes, released through the cache */
	assert_non_null(a.body_free);
	assert_memory_equal(a.body, "{\"objects\":[1]}", a.len);
	char *body = a.body;

	struct yg_resp b = {0};
	assert_true(yg_cache_get(c, 7, "k1", 2, &b));
	assert_ptr_equal(b.body, body);
	assert_false(b.body_in_fd); /* small: copied, not sent from a file */
	assert_int_equal(b.len, strlen("{\"objects\":[1]}"));
	assert_int_equal(b.status, 200);
	assert_string_equal(b.content_type, "application/taxii+json;version=2.1");
	assert_int_equal(b.n_hdr, 1);
	assert_string_equal(b.hdr_name[0], "X-TAXII-Date-Added-First");
	assert_string_equal(b.hdr_value[0], "2024-01-01T00:00:00.000000Z");

	struct yg_cache_stats s;
	yg_cache_stats(c, &s);
	assert_int_equal(s.hits, 1);
	assert_int_equal(s.misses, 1);
	assert_int_equal(s.entries, 1);
	assert_true(s.bytes >= 2 + b.len);

	/* The cache goes; lent bodies stay readable until released. */
	yg_cache_free(c);
	assert_memory_equal(b.body, "{\"objects\":[1]}", b.len);
	yg_resp_release(&a);
	assert_memory_equal(b.body, "{\"objects\":[1]}", b.len);
	yg_resp_release(&b);
	assert_null(b.body);
}

/* Every header of an answer comes back on a hit, a long one whole (the
 * entry's header table once lagged behind yg_resp's, and a hit gave the
 * third header on an empty value). */
static void hit_keeps_every_header(void **state)
{
	(void)state;
	struct yg_cache *c;
	assert_int_equal(yg_cache_new(1 << 20, 16, &c), 0);
	struct yg_resp a = answer("{\"objects\":[]}");
	char longv[200];
	memset(longv, 'v', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	for (size_t i = 0; i < YG_HUB_MAX_HEADERS; i++) {
		snprintf(a.hdr_name[i], sizeof a.hdr_name[i], "X-H%zu", i);
		if (i == 2)
			snprintf(a.hdr_value[i], sizeof a.hdr_value[i], "%s", longv);
		else
			snprintf(a.hdr_value[i], sizeof a.hdr_value[i], "value %zu", i);
	}
	a.n_hdr = YG_HUB_MAX_HEADERS;
	assert_int_equal(yg_cache_put(c, 1, "k", 1, &a), 0);
	struct yg_resp b = {0};
	assert_true(yg_cache_get(c, 1, "k", 1, &b));
	assert_int_equal(b.n_hdr, YG_HUB_MAX_HEADERS);
	for (size_t i = 0; i < YG_HUB_MAX_HEADERS; i++) {
		char name[32], value[32];
		snprintf(name, sizeof name, "X-H%zu", i);
		snprintf(value, sizeof value, "value %zu", i);
		assert_string_equal(b.hdr_name[i], name);
		assert_string_equal(b.hdr_value[i], i == 2 ? longv : value);
	}
	yg_resp_release(&a);
	yg_resp_release(&b);
	yg_cache_free(c);
}

/* Larger answers are also in a sealed file, for sendfile. */
static void large_answers_in_files(void **state)
{
	(void)state;
	struct yg_cache *c;
	assert_int_equal(yg_cache_new(1 << 20, 16, &c), 0);
	static char big[10000];
	for (size_t i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('a' + i % 26);
	struct yg_resp a = answer(big);
	assert_int_equal(yg_cache_put(c, 1, "big", 3, &a), 0);
	assert_true(a.body_in_fd);
	struct yg_resp b = {0};
	assert_true(yg_cache_get(c, 1, "big", 3, &b));
	assert_true(b.body_in_fd);
	assert_int_equal(b.body_fd, a.body_fd);
	assert_ptr_equal(b.body, a.body);
	assert_int_equal(b.len, sizeof big - 1);
	assert_memory_equal(b.body, big, b.len);
	static char back[sizeof big];
	assert_int_equal(pread(b.body_fd, back, sizeof back, 0), (ssize_t)b.len);
	assert_memory_equal(back, big, b.len);
	errno = 0;
	assert_int_equal(pwrite(b.body_fd, "x", 1, 0), -1); /* sealed */
	assert_int_equal(errno, EPERM);
	yg_cache_free(c);
	/* Lent bodies outlive the cache, file and mapping alike. */
	assert_int_equal(pread(b.body_fd, back, 5, 0), 5);
	assert_memory_equal(b.body, big, b.len);
	yg_resp_release(&a);
	yg_resp_release(&b);
	assert_false(b.body_in_fd);
}

static void other_keys_miss(void **state)
{
	(void)state;
	struct yg_cache *c;
	assert_int_equal(yg_cache_new(1 << 20, 16, &c), 0);
	const unsigned char k[] = {1, 0, 0, 0, 2};
	struct yg_resp a = answer("A");
	assert_int_equal(yg_cache_put(c, 1, k, sizeof k, &a), 0);
	struct yg_resp r = {0};
	unsigned char k2[sizeof k];
	for (size_t i = 0; i < sizeof k; i++) {
		memcpy(k2, k, sizeof k);
		k2[i] ^= 0x80;
		assert_false(yg_cache_get(c, 1, k2, sizeof k2, &r));
	}
	assert_false(yg_cache_get(c, 1, k, sizeof k - 1, &r));
	assert_false(yg_cache_get(c, 1, "", 0, &r));
	assert_true(yg_cache_get(c, 1, k, sizeof k, &r));
	assert_string_equal(r.body, "A");
	yg_resp_release(&r);
	yg_resp_release(&a);
	yg_cache_free(c);
}

static void new_generation_drops_everything(void **state)
{
	(void)state;
	struct yg_cache *c;
	assert_int_equal(yg_cache_new(1 << 20, 16, &c), 0);
	struct yg_resp a = answer("gen 5");
	assert_int_equal(yg_cache_put(c, 5, "k", 1, &a), 0);
	yg_resp_release(&a);
	struct yg_resp r = {0};
	assert_false(yg_cache_get(c, 6, "k", 1, &r));
	struct yg_cache_stats s;
	yg_cache_stats(c, &s);
	assert_int_equal(s.entries, 0);
	assert_int_equal(s.bytes, 0);
	/* Back at 5 (a request that read the generation earlier): still a
	 * miss, and its answer is not kept. */
	assert_false(yg_cache_get(c, 5, "k", 1, &r));
	struct yg_resp old = answer("late answer of gen 5");
	char *body = old.body;
	assert_int_equal(yg_cache_put(c, 5, "k", 1, &old), -ESTALE);
	assert_ptr_equal(old.body, body); /* untouched: still the caller's */
	assert_null(old.body_free);
	yg_resp_release(&old);
	assert_false(yg_cache_get(c, 6, "k", 1, &r));
	yg_cache_free(c);
}

static void limits_and_lru(void **state)
{
	(void)state;
	struct yg_cache *c;
	assert_int_equal(yg_cache_new(64 << 10, 2, &c), 0);
	char big[(64 << 10) / 8 + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	struct yg_resp b = answer(big);
	assert_int_equal(yg_cache_put(c, 1, "big", 3, &b), -E2BIG);
	assert_null(b.body_free);
	yg_resp_release(&b);
	char key[YG_CACHE_KEY_MAX + 1];
	memset(key, 'k', sizeof key);
	struct yg_resp k = answer("long key");
	assert_int_equal(yg_cache_put(c, 1, key, sizeof key, &k), -EINVAL);
	yg_resp_release(&k);

	struct yg_resp r1 = answer("one"), r2 = answer("two"), r3 = answer("three");
	assert_int_equal(yg_cache_put(c, 1, "1", 1, &r1), 0);
	assert_int_equal(yg_cache_put(c, 1, "2", 1, &r2), 0);
	struct yg_resp g = {0};
	assert_true(yg_cache_get(c, 1, "1", 1, &g)); /* 1 is now the most recent */
	yg_resp_release(&g);
	assert_int_equal(yg_cache_put(c, 1, "3", 1, &r3), 0);
	assert_false(yg_cache_get(c, 1, "2", 1, &g));
	assert_true(yg_cache_get(c, 1, "1", 1, &g));
	assert_string_equal(g.body, "one");
	yg_resp_release(&g);
	assert_true(yg_cache_get(c, 1, "3", 1, &g));
	assert_string_equal(g.body, "three");
	yg_resp_release(&g);
	/* Replacing a key keeps one entry, with the new answer. */
	struct yg_resp r4 = answer("three again");
	assert_int_equal(yg_cache_put(c, 1, "3", 1, &r4), 0);
	struct yg_cache_stats s;
	yg_cache_stats(c, &s);
	assert_int_equal(s.entries, 2);
	assert_true(yg_cache_get(c, 1, "3", 1, &g));
	assert_string_equal(g.body, "three again");
	yg_resp_release(&g);
	/* r2's entry was evicted while r2 still lent its body. */
	assert_string_equal(r2.body, "two");
	yg_resp_release(&r1);
	yg_resp_release(&r2);
	yg_resp_release(&r3);
	yg_resp_release(&r4);
	yg_cache_free(c);
}

/* Threads put and get answers whose body names their key and generation
 * while the generation moves on: a hit must always be the answer of that
 * very key under that very generation. */
struct race {
	struct yg_cache *c;
	atomic_ulong gen;
	atomic_int bad;
	atomic_uint seed;
};

static void *racer(void *arg)
{
	struct race *rc = arg;
	unsigned seed = atomic_fetch_add(&rc->seed, 1);
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned long gen = atomic_load(&rc->gen);
		if (seed % 97 == 0)
			gen = atomic_fetch_add(&rc->gen, 1) + 1;
		char key[16], want[48];
		snprintf(key, sizeof key, "org%u", (seed >> 8) % 13);
		snprintf(want, sizeof want, "%s@%lu", key, gen);
		struct yg_resp r = {0};
		if (yg_cache_get(rc->c, gen, key, strlen(key), &r)) {
			if (r.len != strlen(want) || memcmp(r.body, want, r.len))
				atomic_fetch_add(&rc->bad, 1);
		} else {
			r = answer(want);
			yg_cache_put(rc->c, gen, key, strlen(key), &r);
		}
		yg_resp_release(&r);
	}
	return NULL;
}

static void concurrent_generations(void **state)
{
	(void)state;
	struct race rc = {.seed = 1};
	assert_int_equal(yg_cache_new(1 << 20, 8, &rc.c), 0);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, racer, &rc), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&rc.bad), 0);
	struct yg_cache_stats s;
	yg_cache_stats(rc.c, &s);
	assert_true(s.hits > 0);
	assert_true(s.entries <= 8);
	yg_cache_free(rc.c);
}

static void bad_arguments(void **state)
{
	(void)state;
	struct yg_cache *c = NULL;
	assert_int_equal(yg_cache_new(0, 1, &c), -EINVAL);
	assert_int_equal(yg_cache_new(1, 0, &c), -EINVAL);
	assert_null(c);
	struct yg_resp r = {0};
	assert_false(yg_cache_get(NULL, 1, "k", 1, &r));
	assert_int_equal(yg_cache_put(NULL, 1, "k", 1, &r), -EINVAL);
	yg_cache_free(NULL);
	struct yg_cache_stats s;
	yg_cache_stats(NULL, &s);
	assert_int_equal(s.entries, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hit_shares_the_body),
		cmocka_unit_test(hit_keeps_every_header),
		cmocka_unit_test(large_answers_in_files),
		cmocka_unit_test(other_keys_miss),
		cmocka_unit_test(new_generation_drops_everything),
		cmocka_unit_test(limits_and_lru),
		cmocka_unit_test(concurrent_generations),
		cmocka_unit_test(bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
