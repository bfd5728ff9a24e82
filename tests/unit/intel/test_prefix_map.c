/* The prefix map over the intel LPM (prefix_map.h): most specific wins,
 * IPv4 and IPv6 apart, the later duplicate wins, host bits ignored, and
 * agreement with a brute-force scan on random prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "intel/prefix_map.h"

static struct yg_pmap_entry e4(const char *a, uint8_t len, uint32_t v)
{
	struct yg_pmap_entry e = {.family = 4, .len = len, .value = v};
	assert_int_equal(inet_pton(AF_INET, a, e.addr), 1);
	return e;
}

static struct yg_pmap_entry e6(const char *a, uint8_t len, uint32_t v)
{
	struct yg_pmap_entry e = {.family = 6, .len = len, .value = v};
	assert_int_equal(inet_pton(AF_INET6, a, e.addr), 1);
	return e;
}

static int look(const struct yg_pmap *m, const char *a, uint32_t *v, uint8_t *len)
{
	uint8_t b[16] = {0};
	uint8_t fam = strchr(a, ':') ? 6 : 4;
	assert_int_equal(inet_pton(fam == 4 ? AF_INET : AF_INET6, a, b), 1);
	return yg_pmap_lookup(m, fam, b, v, len);
}

static void longest_prefix_wins(void **state)
{
	(void)state;
	struct yg_pmap_entry e[] = {
		e4("10.0.0.0", 8, 1),  e4("10.1.0.0", 16, 2), e4("10.1.2.3", 32, 3),
		e4("0.0.0.0", 0, 9),   e6("2001:db8::", 32, 4), e6("2001:db8:1::", 48, 5),
		e4("10.1.0.0", 16, 6), /* the same prefix again: the later one wins */
		e4("192.0.2.77", 24, 7), /* host bits are masked off */
	};
	struct yg_pmap *m;
	assert_int_equal(yg_pmap_build(e, sizeof e / sizeof e[0], &m), 0);
	uint32_t v;
	uint8_t len;
	assert_int_equal(look(m, "10.2.3.4", &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(len, 8);
	assert_int_equal(look(m, "10.1.9.9", &v, &len), 0);
	assert_int_equal(v, 6);
	assert_int_equal(look(m, "10.1.2.3", &v, &len), 0);
	assert_int_equal(v, 3);
	assert_int_equal(len, 32);
	assert_int_equal(look(m, "10.1.2.4", &v, NULL), 0);
	assert_int_equal(v, 6);
	assert_int_equal(look(m, "11.0.0.1", &v, NULL), 0);
	assert_int_equal(v, 9); /* the default route */
	assert_int_equal(look(m, "192.0.2.1", &v, NULL), 0);
	assert_int_equal(v, 7);
	assert_int_equal(look(m, "2001:db8:1::5", &v, NULL), 0);
	assert_int_equal(v, 5);
	assert_int_equal(look(m, "2001:db8:2::5", &v, NULL), 0);
	assert_int_equal(v, 4);
	assert_int_equal(look(m, "2001:db9::1", &v, NULL), -ENOENT);
	yg_pmap_free(m);
	assert_int_equal(yg_pmap_lookup(NULL, 4, (const uint8_t[16]){0}, &v, NULL), -ENOENT);
}

static void bad_entries_refused(void **state)
{
	(void)state;
	struct yg_pmap *m = NULL;
	struct yg_pmap_entry bad[] = {{.family = 4, .len = 33, .value = 1}};
	assert_int_equal(yg_pmap_build(bad, 1, &m), -EINVAL);
	bad[0] = (struct yg_pmap_entry){.family = 5, .len = 8, .value = 1};
	assert_int_equal(yg_pmap_build(bad, 1, &m), -EINVAL);
	bad[0] = (struct yg_pmap_entry){.family = 4, .len = 8, .value = UINT32_MAX};
	assert_int_equal(yg_pmap_build(bad, 1, &m), -EINVAL);
	assert_null(m);
	assert_int_equal(yg_pmap_build(NULL, 0, &m), 0);
	uint32_t v;
	assert_int_equal(look(m, "1.2.3.4", &v, NULL), -ENOENT);
	yg_pmap_free(m);
}

/* Random nested prefixes against a linear scan for the longest match. */
static void agrees_with_brute_force(void **state)
{
	(void)state;
	enum { N = 3000, Q = 20000 };
	struct yg_pmap_entry *e = calloc(N, sizeof *e);
	assert_non_null(e);
	unsigned seed = 12345;
	for (size_t i = 0; i < N; i++) {
		uint32_t a = (uint32_t)rand_r(&seed) << 1 ^ (uint32_t)rand_r(&seed);
		/* Few top bytes, so prefixes nest often. */
		a = (a & 0x00ffffff) | ((uint32_t)(rand_r(&seed) % 4) << 24);
		uint8_t len = (uint8_t)(8 + rand_r(&seed) % 25);
		a &= len ? ~(uint32_t)0 << (32 - len) : 0;
		e[i] = (struct yg_pmap_entry){.family = 4, .len = len, .value = (uint32_t)i};
		e[i].addr[0] = (uint8_t)(a >> 24);
		e[i].addr[1] = (uint8_t)(a >> 16);
		e[i].addr[2] = (uint8_t)(a >> 8);
		e[i].addr[3] = (uint8_t)a;
	}
	struct yg_pmap *m;
	assert_int_equal(yg_pmap_build(e, N, &m), 0);
	for (size_t q = 0; q < Q; q++) {
		uint32_t a = ((uint32_t)(rand_r(&seed) % 4) << 24) |
			     ((uint32_t)rand_r(&seed) & 0x00ffffff);
		long best = -1;
		for (size_t i = 0; i < N; i++) {
			uint32_t net = (uint32_t)e[i].addr[0] << 24 | (uint32_t)e[i].addr[1] << 16 |
				       (uint32_t)e[i].addr[2] << 8 | e[i].addr[3];
			uint32_t mask = ~(uint32_t)0 << (32 - e[i].len);
			/* The later of equal prefixes wins, as in the map. */
			if ((a & mask) == net && (best < 0 || e[i].len >= e[best].len))
				best = (long)i;
		}
		uint8_t b[16] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8),
				 (uint8_t)a};
		uint32_t v = 0;
		int r = yg_pmap_lookup(m, 4, b, &v, NULL);
		if (best < 0) {
			assert_int_equal(r, -ENOENT);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(v, (uint32_t)best);
		}
	}
	yg_pmap_free(m);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(longest_prefix_wins),
		cmocka_unit_test(bad_entries_refused),
		cmocka_unit_test(agrees_with_brute_force),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
