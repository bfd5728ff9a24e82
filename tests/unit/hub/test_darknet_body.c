/*
 * The POST /api/v1/darknet body checker (src/hub/darknet_body.c): a body
 * of the contract parses into the window it says; every kind of bad value
 * is refused with the path of the field.
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

#include "hub/darknet_body.h"
#include "hub/route.h"

#define HEAD "{\"sensor\":\"tele-1\",\"telescope_addresses\":65536," \
	     "\"window_start\":\"2026-03-01T12:34:00Z\",\"window_seconds\":60,"

static void good_body_parses(void **state)
{
	(void)state;
	const char *b = HEAD
		"\"ports\":[{\"proto\":\"tcp\",\"port\":23,\"packets\":900,\"sources\":40,\"new_sources\":12},"
		"{\"proto\":\"udp\",\"port\":53,\"packets\":7,\"sources\":2,\"new_sources\":0},"
		"{\"proto\":\"icmp\",\"port\":8,\"packets\":3,\"sources\":1,\"new_sources\":1}],"
		"\"sources\":[{\"ip\":\"2001:DB8::0:1\",\"class\":\"scan-tcp\",\"fingerprint\":\"research\","
		"\"research_name\":\"Censys\",\"packets\":5,\"bytes\":300,\"dest_count\":5,\"ports\":[443,22],"
		"\"country\":\"US\",\"asn\":398324},"
		"{\"ip\":\"192.0.2.9\",\"class\":\"scan-tcp\",\"fingerprint\":\"mirai\",\"packets\":50,"
		"\"bytes\":3000,\"dest_count\":48,\"ports\":[23]}],"
		"\"victims\":[{\"ip\":\"203.0.113.7\",\"proto\":\"tcp\",\"port\":80,\"packets\":30,\"est_pps\":1234.5},"
		"{\"ip\":\"203.0.113.8\",\"proto\":\"icmp\",\"packets\":2,\"est_pps\":0}],"
		"\"future_field\":{\"ignored\":true}}";
	struct yg_dn_window *w = NULL;
	struct yg_dn_error err;
	assert_int_equal(yg_dn_body_parse(b, strlen(b), &w, &err), 0);
	assert_string_equal(w->sensor, "tele-1");
	assert_int_equal(w->telescope_addresses, 65536);
	assert_int_equal(w->minute, 1772368440 / 60); /* 2026-03-01T12:34:00Z */
	assert_int_equal(w->n_ports, 3);
	assert_int_equal(w->ports[0].proto, YG_DN_TCP);
	assert_int_equal(w->ports[0].port, 23);
	assert_int_equal(w->ports[0].packets, 900);
	assert_int_equal(w->ports[0].new_sources, 12);
	assert_int_equal(w->ports[2].proto, YG_DN_ICMP);
	assert_int_equal(w->n_sources, 2);
	assert_string_equal(w->sources[0].ip, "2001:db8::1"); /* canonical */
	assert_string_equal(w->sources[0].research_name, "Censys");
	assert_int_equal(w->sources[0].n_ports, 2);
	assert_int_equal(w->sources[0].asn, 398324);
	assert_string_equal(w->sources[1].country, "");
	assert_int_equal(w->sources[1].asn, -1);
	assert_int_equal(w->n_victims, 2);
	assert_int_equal(w->victims[0].port, 80);
	assert_int_equal(w->victims[1].port, -1);
	assert_true(w->victims[0].est_pps > 1234 && w->victims[0].est_pps < 1235);
	yg_dn_window_free(w);
}

/* Each body is refused, naming the field. */
static void bad_fields_are_named(void **state)
{
	(void)state;
	static const struct {
		const char *body, *field;
	} cases[] = {
		{"[]", ""},
		{"{", ""},
		{"", ""},
		{"{\"sensor\":\"\",\"ports\":[]}", "sensor"},
		{"{\"sensor\":\"a\\u0001b\",\"ports\":[]}", "sensor"},
		{"{\"sensor\":\"x\",\"telescope_addresses\":0}", "telescope_addresses"},
		{"{\"sensor\":\"x\",\"telescope_addresses\":1.5}", "telescope_addresses"},
		{"{\"sensor\":\"x\",\"telescope_addresses\":1,\"window_start\":\"2026-03-01T12:34:05Z\"}",
		 "window_start"},
		{"{\"sensor\":\"x\",\"telescope_addresses\":1,\"window_start\":\"2026-02-29T12:34:00Z\"}",
		 "window_start"},
		{"{\"sensor\":\"x\",\"telescope_addresses\":1,\"window_start\":\"2026-03-01 12:34:00Z\"}",
		 "window_start"},
		{"{\"sensor\":\"x\",\"telescope_addresses\":1,\"window_start\":\"2026-03-01T12:34:00Z\","
		 "\"window_seconds\":300,\"ports\":[]}",
		 "window_seconds"},
		{HEAD "\"ports\":{}}", "ports"},
		{HEAD "\"ports\":[1]}", "ports[0]"},
		{HEAD "\"ports\":[{\"proto\":\"sctp\",\"port\":1,\"packets\":1,\"sources\":1,\"new_sources\":1}]}",
		 "ports[0].proto"},
		{HEAD "\"ports\":[{\"proto\":\"tcp\",\"port\":1,\"packets\":1,\"sources\":1,\"new_sources\":1},"
		      "{\"proto\":\"tcp\",\"port\":2,\"packets\":1,\"sources\":1,\"new_sources\":1},"
		      "{\"proto\":\"tcp\",\"port\":3,\"packets\":1,\"sources\":1,\"new_sources\":1},"
		      "{\"proto\":\"tcp\",\"port\":70000,\"packets\":1,\"sources\":1,\"new_sources\":1}]}",
		 "ports[3].port"},
		{HEAD "\"ports\":[{\"proto\":\"tcp\",\"port\":1,\"packets\":-1,\"sources\":1,\"new_sources\":1}]}",
		 "ports[0].packets"},
		{HEAD "\"ports\":[{\"proto\":\"tcp\",\"port\":1,\"packets\":1,\"sources\":\"2\",\"new_sources\":1}]}",
		 "ports[0].sources"},
		{HEAD "\"ports\":[{\"proto\":\"tcp\",\"port\":1,\"packets\":1,\"sources\":1}]}",
		 "ports[0].new_sources"},
		{HEAD "\"ports\":[{\"proto\":\"udp\",\"port\":9,\"packets\":1,\"sources\":1,\"new_sources\":1},"
		      "{\"proto\":\"udp\",\"port\":9,\"packets\":1,\"sources\":1,\"new_sources\":1}]}",
		 "ports[1]"},
		{HEAD "\"ports\":[],\"sources\":[{\"ip\":\"999.1.1.1\"}]}", "sources[0].ip"},
		{HEAD "\"ports\":[],\"sources\":[{\"ip\":\"192.0.2.1\",\"class\":\"scan\"}]}",
		 "sources[0].class"},
		{HEAD "\"ports\":[],\"sources\":[{\"ip\":\"192.0.2.1\",\"class\":\"other\","
		      "\"fingerprint\":\"nmap\"}]}",
		 "sources[0].fingerprint"},
		{HEAD "\"ports\":[],\"sources\":[{\"ip\":\"192.0.2.1\",\"class\":\"other\","
		      "\"fingerprint\":\"zmap\",\"packets\":1,\"bytes\":1,\"dest_count\":1,"
		      "\"ports\":[1,2,3,4,5,6,7,8,9,10,11]}]}",
		 "sources[0].ports"},
		{HEAD "\"ports\":[],\"sources\":[{\"ip\":\"192.0.2.1\",\"class\":\"other\","
		      "\"fingerprint\":\"zmap\",\"packets\":1,\"bytes\":1,\"dest_count\":1,"
		      "\"ports\":[1,65536]}]}",
		 "sources[0].ports[1]"},
		{HEAD "\"ports\":[],\"sources\":[{\"ip\":\"192.0.2.1\",\"class\":\"other\","
		      "\"fingerprint\":\"zmap\",\"packets\":1,\"bytes\":1,\"dest_count\":1,"
		      "\"ports\":[],\"country\":\"cn\"}]}",
		 "sources[0].country"},
		{HEAD "\"ports\":[],\"sources\":[{\"ip\":\"192.0.2.1\",\"class\":\"other\","
		      "\"fingerprint\":\"zmap\",\"packets\":1,\"bytes\":1,\"dest_count\":1,"
		      "\"ports\":[],\"asn\":4294967296}]}",
		 "sources[0].asn"},
		{HEAD "\"ports\":[],\"victims\":[{\"ip\":\"192.0.2.1\",\"proto\":\"tcp\",\"packets\":1,"
		      "\"est_pps\":-3}]}",
		 "victims[0].est_pps"},
		{HEAD "\"ports\":[],\"victims\":[{\"ip\":\"192.0.2.1\",\"proto\":\"tcp\",\"port\":-1,"
		      "\"packets\":1,\"est_pps\":1}]}",
		 "victims[0].port"},
		{HEAD "\"ports\":[],\"sensor\":\"dup\"}", ""}, /* duplicate key */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct yg_dn_window *w = NULL;
		struct yg_dn_error err;
		int r = yg_dn_body_parse(cases[i].body, strlen(cases[i].body), &w, &err);
		if (r != -EINVAL || strcmp(err.field, cases[i].field) || !err.why)
			fail_msg("case %zu: r=%d field '%s' (want '%s')", i, r, err.field,
				 cases[i].field);
		assert_null(w);
	}
}

static void limits_hold(void **state)
{
	(void)state;
	struct yg_dn_window *w = NULL;
	struct yg_dn_error err;
	/* 1001 sources: refused by count before any is read. */
	size_t cap = 1 << 20;
	char *b = malloc(cap);
	assert_non_null(b);
	size_t n = (size_t)snprintf(b, cap, HEAD "\"ports\":[],\"sources\":[");
	for (int i = 0; i <= YG_DN_SOURCES_MAX; i++)
		n += (size_t)snprintf(b + n, cap - n, "%s{}", i ? "," : "");
	n += (size_t)snprintf(b + n, cap - n, "]}");
	assert_int_equal(yg_dn_body_parse(b, n, &w, &err), -EINVAL);
	assert_string_equal(err.field, "sources");
	free(b);
	/* Above 8 MiB: refused before parsing. */
	assert_int_equal(yg_dn_body_parse("{}", YG_DN_BODY_MAX + 1, &w, &err), -E2BIG);
	assert_null(w);
}

static void routes(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		enum yg_route_kind kind;
	} cases[] = {
		{"/api/v1/darknet", YG_ROUTE_REST_DARKNET},
		{"/api/v1/darknet/", YG_ROUTE_REST_DARKNET},
		{"/api/v1/darknet/signals", YG_ROUTE_REST_DARKNET_SIGNALS},
		{"/api/v1/darknet/ports/", YG_ROUTE_REST_DARKNET_PORTS},
		{"/api/v1/darknet/sources", YG_ROUTE_REST_DARKNET_SOURCES},
		{"/api/v1/darknet/victims", YG_ROUTE_REST_DARKNET_VICTIMS},
		{"/api/v1/darknet/sensors", YG_ROUTE_REST_DARKNET_SENSORS},
		{"/api/v1/darknet/other", YG_ROUTE_REST_NOT_FOUND},
		{"/api/v1/darknet/ports/23", YG_ROUTE_REST_NOT_FOUND},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct yg_route rt;
		yg_route_parse(cases[i].path, strlen(cases[i].path), &rt);
		if (rt.kind != cases[i].kind)
			fail_msg("%s: kind %d, want %d", cases[i].path, rt.kind, cases[i].kind);
		assert_true(yg_route_is_rest(rt.kind));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(routes),
		cmocka_unit_test(good_body_parses),
		cmocka_unit_test(bad_fields_are_named),
		cmocka_unit_test(limits_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
