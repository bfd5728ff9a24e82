#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hub/guard.h"

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static struct sockaddr_in6 v6(const char *ip)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return a;
}

#define SA(x) ((const struct sockaddr *)&(x)), sizeof(x)

static const struct yg_guard_config cfg = {
    .max_conns = 100,
    .reserve = 10,
    .max_pending_per_addr = 3,
    .request_timeout_ms = 1000,
    .max_polls_per_token = 2,
    .max_polls_per_org = 3,
};

/* Pending connections count per address until their request is in. */
static void per_address(void **state)
{
	(void)state;
	struct yg_guard *g;
	assert_int_equal(yg_guard_new(&cfg, &g), 0);
	struct sockaddr_in a = v4("192.0.2.1"), b = v4("192.0.2.2");
	struct yg_guard_conn *c[3];
	for (int i = 0; i < 3; i++) {
		assert_true(yg_guard_admit(g, SA(a)));
		assert_int_equal(yg_guard_open(g, SA(a), -1, 0, &c[i]), 0);
	}
	assert_false(yg_guard_admit(g, SA(a)));
	assert_true(yg_guard_admit(g, SA(b)));
	yg_guard_received(g, c[0]); /* a parked long-poll owes nothing */
	assert_true(yg_guard_admit(g, SA(a)));
	yg_guard_idle(g, c[0], 0); /* kept alive: owes the next request */
	assert_false(yg_guard_admit(g, SA(a)));
	yg_guard_close(g, c[1]);
	assert_true(yg_guard_admit(g, SA(a)));
	struct yg_guard_stats st;
	yg_guard_stats(g, &st);
	assert_int_equal(st.conns, 2);
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.refused_conns, 2);
	yg_guard_close(g, c[0]);
	yg_guard_close(g, c[2]);
	yg_guard_free(g);
}

/* An IPv6 client counts by its /64; a mapped IPv4 address as IPv4. */
static void ipv6_prefix(void **state)
{
	(void)state;
	struct yg_guard *g;
	assert_int_equal(yg_guard_new(&cfg, &g), 0);
	struct yg_guard_conn *c[4];
	const char *ips[] = {"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"};
	for (int i = 0; i < 3; i++) {
		struct sockaddr_in6 a = v6(ips[i]);
		assert_int_equal(yg_guard_open(g, SA(a), -1, 0, &c[i]), 0);
	}
	struct sockaddr_in6 same = v6("2001:db8:1:2::99"), other = v6("2001:db8:1:3::1");
	assert_false(yg_guard_admit(g, SA(same)));
	assert_true(yg_guard_admit(g, SA(other)));
	struct sockaddr_in6 mapped = v6("::ffff:192.0.2.9");
	struct sockaddr_in plain = v4("192.0.2.9");
	assert_int_equal(yg_guard_open(g, SA(mapped), -1, 0, &c[3]), 0);
	assert_true(yg_guard_admit(g, SA(plain)));
	for (int i = 0; i < 2; i++) {
		struct yg_guard_conn *x;
		assert_int_equal(yg_guard_open(g, SA(plain), -1, 0, &x), 0);
	}
	assert_false(yg_guard_admit(g, SA(mapped)));
	yg_guard_free(g); /* frees what is still listed */
}

/* In the reserve an address gets at most 4 pending connections. */
static void reserve(void **state)
{
	(void)state;
	struct yg_guard_config big = cfg;
	big.max_pending_per_addr = 50;
	struct yg_guard *g;
	assert_int_equal(yg_guard_new(&big, &g), 0);
	struct sockaddr_in poller = v4("198.51.100.1"), flood = v4("198.51.100.2"),
	                   analyst = v4("198.51.100.3");
	struct yg_guard_conn *c, *parked[90];
	for (int i = 0; i < 90; i++) { /* parked long-polls */
		assert_int_equal(yg_guard_open(g, SA(poller), -1, 0, &parked[i]), 0);
		yg_guard_received(g, parked[i]);
	}
	for (int i = 0; i < 4; i++) {
		assert_true(yg_guard_admit(g, SA(flood)));
		assert_int_equal(yg_guard_open(g, SA(flood), -1, 0, &c), 0);
	}
	assert_false(yg_guard_admit(g, SA(flood)));
	assert_true(yg_guard_admit(g, SA(analyst)));
	for (int i = 0; i < 90; i++)
		yg_guard_close(g, parked[i]);
	yg_guard_free(g);
}

/* Past its deadline a pending connection's socket is shut down; the body
 * extends the deadline; a request that is in is never cut. */
static void deadline(void **state)
{
	(void)state;
	struct yg_guard *g;
	assert_int_equal(yg_guard_new(&cfg, &g), 0);
	int a[2], b[2], d[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, d), 0);
	struct sockaddr_in ip = v4("203.0.113.1");
	struct yg_guard_conn *ca, *cb, *cd;
	assert_int_equal(yg_guard_open(g, SA(ip), a[0], 0, &ca), 0);
	assert_int_equal(yg_guard_open(g, SA(ip), b[0], 0, &cb), 0);
	assert_int_equal(yg_guard_open(g, SA(ip), d[0], 0, &cd), 0);
	yg_guard_headers(g, cb, 3u << 18, 500000); /* 1.5 s + 3 s */
	yg_guard_received(g, cd);
	assert_int_equal(yg_guard_expire(g, 999999), 0);
	assert_int_equal(yg_guard_expire(g, 1000000), 1);
	char x;
	assert_int_equal(recv(a[1], &x, 1, MSG_DONTWAIT), 0); /* shut down */
	assert_int_equal(yg_guard_expire(g, 2000000), 0);     /* once */
	assert_int_equal(yg_guard_expire(g, 4500000), 1);
	assert_int_equal(yg_guard_expire(g, 100000000), 0);
	assert_int_equal(recv(d[1], &x, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	struct yg_guard_stats st;
	yg_guard_stats(g, &st);
	assert_int_equal(st.expired, 2);
	yg_guard_close(g, ca);
	yg_guard_close(g, cb);
	yg_guard_close(g, cd);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
		close(d[i]);
	}
	yg_guard_free(g);
}

static void poll_caps(void **state)
{
	(void)state;
	struct yg_guard *g;
	assert_int_equal(yg_guard_new(&cfg, &g), 0);
	enum yg_guard_cap cap;
	assert_int_equal(yg_guard_poll_take(g, 1, 7, false, &cap), 0);
	assert_int_equal(yg_guard_poll_take(g, 1, 7, false, &cap), 0);
	assert_int_equal(yg_guard_poll_take(g, 1, 7, false, &cap), -EBUSY);
	assert_int_equal(cap, YG_GUARD_CAP_TOKEN);
	assert_int_equal(yg_guard_poll_take(g, 2, 7, false, &cap), 0);
	assert_int_equal(yg_guard_poll_take(g, 3, 7, false, &cap), -EBUSY);
	assert_int_equal(cap, YG_GUARD_CAP_ORG);
	assert_int_equal(yg_guard_poll_take(g, 4, 8, false, &cap), 0);
	assert_int_equal(yg_guard_poll_take(g, 5, 7, true, &cap), 0); /* an analyst */
	yg_guard_poll_put(g, 1, 7, false);
	assert_int_equal(yg_guard_poll_take(g, 3, 7, false, &cap), 0);
	/* Hub-wide: 90 for sensors, 95 for analysts and admins. */
	int taken = 0;
	for (uint64_t t = 100; yg_guard_poll_take(g, t, (int64_t)t, false, &cap) == 0; t++)
		taken++;
	assert_int_equal(cap, YG_GUARD_CAP_ALL);
	assert_int_equal(taken + 5, 90);
	for (int i = 0; i < 5; i++)
		assert_int_equal(yg_guard_poll_take(g, 5, 7, true, &cap), 0);
	assert_int_equal(yg_guard_poll_take(g, 5, 7, true, &cap), -EBUSY);
	assert_int_equal(cap, YG_GUARD_CAP_ALL);
	struct yg_guard_stats st;
	yg_guard_stats(g, &st);
	assert_int_equal(st.polls, 95);
	yg_guard_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(per_address), cmocka_unit_test(ipv6_prefix), cmocka_unit_test(reserve),
	    cmocka_unit_test(deadline),    cmocka_unit_test(poll_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
