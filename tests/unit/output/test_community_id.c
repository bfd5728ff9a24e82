#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "output/community_id.h"

struct addrs {
	uint8_t a[16], b[16];
};

static void cid(uint16_t seed, int family, uint8_t proto, const char *src, const char *dst,
                uint16_t sp, uint16_t dp, char out[YG_COMMUNITY_ID_SIZE])
{
	struct addrs x;
	memset(&x, 0, sizeof x);
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, src, x.a), 1);
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, dst, x.b), 1);
	struct yg_community_id_flow f = {
	    .family = (uint8_t)family,
	    .proto = proto,
	    .src = x.a,
	    .dst = x.b,
	    .sport = sp,
	    .dport = dp,
	    .icmp_type = (uint8_t)sp,
	    .icmp_code = (uint8_t)dp,
	    .has_ports = proto == 6 || proto == 17,
	};
	struct yg_community_id *c = NULL;
	assert_int_equal(yg_community_id_new(seed, &c), 0);
	yg_community_id(c, &f, out);
	yg_community_id_free(c);
	assert_int_equal(strlen(out), YG_COMMUNITY_ID_LEN);
}

/* The example of the specification's README (seed 0 and 1), both ways. */
static void spec_example(void **state)
{
	(void)state;
	char a[YG_COMMUNITY_ID_SIZE], b[YG_COMMUNITY_ID_SIZE];
	cid(0, 4, 6, "128.232.110.120", "66.35.250.204", 34855, 80, a);
	assert_string_equal(a, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	cid(0, 4, 6, "66.35.250.204", "128.232.110.120", 80, 34855, b);
	assert_string_equal(a, b);
	cid(1, 4, 6, "128.232.110.120", "66.35.250.204", 34855, 80, a);
	assert_string_equal(a, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
}

/* Echo request and reply are one flow; an unreachable is one-way. */
static void icmp_mapping(void **state)
{
	(void)state;
	char a[YG_COMMUNITY_ID_SIZE], b[YG_COMMUNITY_ID_SIZE];
	cid(0, 4, 1, "10.0.0.5", "10.0.0.1", 8, 0, a);
	cid(0, 4, 1, "10.0.0.1", "10.0.0.5", 0, 0, b);
	assert_string_equal(a, b);
	cid(0, 6, 58, "2001:db8::5", "2001:db8::1", 128, 0, a);
	cid(0, 6, 58, "2001:db8::1", "2001:db8::5", 129, 0, b);
	assert_string_equal(a, b);
	cid(0, 4, 1, "10.0.0.5", "10.0.0.1", 3, 1, a);
	cid(0, 4, 1, "10.0.0.1", "10.0.0.5", 3, 1, b);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spec_example),
	    cmocka_unit_test(icmp_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
