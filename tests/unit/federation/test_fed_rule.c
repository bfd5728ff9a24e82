#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "federation/peer.h"
#include "federation/rule.h"
#include "hub/tlp.h"

#define SELF   "identity--11111111-1111-4111-8111-111111111111"
#define PEER   "identity--22222222-2222-4222-8222-222222222222"
#define MEMBER "identity--33333333-3333-4333-8333-333333333333"

/* Every level x every tlp_max x named or not, both ways: what we push and
 * what a peer may read of us go through this one function. */
static void tlp_matrix(void **state)
{
	(void)state;
	static const struct {
		enum yg_tlp tlp;
		/* [tlp_max clear, green, amber][not named, named] */
		bool go[3][2];
	} rows[] = {
	    {YG_TLP_CLEAR, {{true, true}, {true, true}, {true, true}}},
	    {YG_TLP_GREEN, {{false, false}, {true, true}, {true, true}}},
	    {YG_TLP_AMBER, {{false, false}, {false, false}, {false, true}}},
	    {YG_TLP_AMBER_STRICT, {{false, false}, {false, false}, {false, false}}},
	    {YG_TLP_RED, {{false, false}, {false, false}, {false, false}}},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (unsigned m = 0; m < 3; m++)
			for (unsigned n = 0; n < 2; n++) {
				bool got = yg_fed_may_send(rows[i].tlp, (enum yg_tlp)m, n);
				if (got != rows[i].go[m][n])
					fail_msg("%s to a peer with tlp_max %u, named %u: %d",
					         yg_tlp_name(rows[i].tlp), m, n, got);
			}
	/* A configuration past AMBER is held at AMBER; no level out of range
	 * ever leaves. */
	assert_false(yg_fed_may_send(YG_TLP_AMBER_STRICT, YG_TLP_RED, true));
	assert_false(yg_fed_may_send(YG_TLP_RED, YG_TLP_RED, true));
	assert_true(yg_fed_may_send(YG_TLP_AMBER, YG_TLP_RED, true));
	assert_false(yg_fed_may_send((enum yg_tlp)9, YG_TLP_AMBER, true));
}

static void outgoing_stamps_and_strips(void **state)
{
	(void)state;
	const char *in =
	    "{\"type\":\"indicator\",\"id\":\"indicator--x\",\"created_by_ref\":\"" MEMBER
	    "\",\"x_yagura_share_with\":[\"B\"],\"x_yagura_anonymous\":true,"
	    "\"x_yagura_via\":[\"" PEER "\"]}";
	json_t *o = yg_fed_outgoing(in, strlen(in), true, SELF);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), SELF);
	assert_null(json_object_get(o, "x_yagura_share_with"));
	assert_null(json_object_get(o, "x_yagura_anonymous"));
	json_t *via = json_object_get(o, "x_yagura_via");
	assert_int_equal(json_array_size(via), 2);
	assert_string_equal(json_string_value(json_array_get(via, 1)), SELF);
	assert_true(yg_fed_via_has(o, PEER));
	assert_false(yg_fed_via_has(o, MEMBER));
	assert_false(yg_fed_via_has(o, ""));
	json_decref(o);
	/* Not anonymous: the creator stays; stamping twice adds nothing. */
	const char *in2 =
	    "{\"id\":\"x\",\"created_by_ref\":\"" MEMBER "\",\"x_yagura_via\":[\"" SELF "\"]}";
	o = yg_fed_outgoing(in2, strlen(in2), false, SELF);
	assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), MEMBER);
	assert_int_equal(json_array_size(json_object_get(o, "x_yagura_via")), 1);
	json_decref(o);
	assert_null(yg_fed_outgoing("[1]", 3, false, SELF));
	assert_null(yg_fed_outgoing("{", 1, false, SELF));
}

static int member_is_local(void *ud, const char *id, bool *ret)
{
	(void)ud;
	*ret = !strcmp(id, MEMBER);
	return 0;
}

static int admit(const char *extra, char *err, size_t errlen)
{
	char text[2048];
	snprintf(
	    text, sizeof text,
	    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
	    "\"id\":\"indicator--44444444-4444-4444-8444-444444444444\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
	    "\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2024-01-01T00:00:00Z\"%s}",
	    extra);
	json_t *o = json_loads(text, 0, NULL);
	assert_non_null(o);
	enum yg_tlp t;
	int r = yg_fed_admit(o, SELF, member_is_local, NULL, &t, err, errlen);
	json_decref(o);
	return r;
}

static void admission(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(admit("", err, sizeof err), 1);
	assert_int_equal(admit(",\"x_yagura_via\":[\"" PEER "\"]", err, sizeof err), 1);
	assert_int_equal(admit(",\"created_by_ref\":\"" PEER "\"", err, sizeof err), 1);
	static const struct {
		const char *extra, *why;
	} refused[] = {
	    {",\"object_marking_refs\":[\"marking-definition--939a9414-2ddd-4d32-a0cd-"
	     "375ea402b003\"]",
	     "AMBER+STRICT"},
	    {",\"object_marking_refs\":[\"marking-definition--e828b379-4e03-4974-9ac4-"
	     "e53a884c97c1\"]",
	     "RED"},
	    {",\"x_yagura_via\":[\"" PEER "\",\"" SELF "\"]", "came back"},
	    {",\"x_yagura_via\":\"" PEER "\"", "x_yagura_via"},
	    {",\"x_yagura_via\":[\"hub-b\"]", "identity ids"},
	    {",\"created_by_ref\":\"" MEMBER "\"", "may not speak"},
	    {",\"created_by_ref\":\"" SELF "\"", "may not speak"},
	    {",\"pattern\":42", "pattern"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		err[0] = '\0';
		assert_int_equal(admit(refused[i].extra, err, sizeof err), 0);
		if (!strstr(err, refused[i].why))
			fail_msg("%s: '%s' does not say '%s'", refused[i].extra, err,
			         refused[i].why);
	}
	char via[4096] = ",\"x_yagura_via\":[";
	for (int i = 0; i < YG_FED_VIA_MAX + 1; i++)
		strcat(via, i ? ",\"" PEER "\"" : "\"" PEER "\"");
	strcat(via, "]");
	assert_int_equal(admit(via, err, sizeof err), 0);
}

static void peer_documents(void **state)
{
	(void)state;
	char err[256];
	struct yg_fed_peers *p = NULL;
	const char *good =
	    "{\"peers\":[{\"name\":\"hub-b\",\"url\":\"https://b.example\",\"token\":"
	    "\"s3cret\",\"pull\":[\"default\",\"intel\"],\"push\":\"default\","
	    "\"tlp_max\":\"amber\"}]}";
	assert_int_equal(yg_fed_peers_parse(good, strlen(good), &p, err, sizeof err), 0);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->v[0].share_as, "hub-b");
	assert_int_equal(p->v[0].n_pull, 2);
	assert_int_equal(p->v[0].tlp_max, YG_TLP_AMBER);
	char *dump = yg_fed_peers_dump(p);
	struct yg_fed_peers *q = NULL;
	assert_int_equal(yg_fed_peers_parse(dump, strlen(dump), &q, err, sizeof err), 0);
	assert_true(yg_fed_peer_same(&p->v[0], &q->v[0]));
	free(dump);
	yg_fed_peers_free(q);
	yg_fed_peers_free(p);
	static const struct {
		const char *doc, *why;
	} bad[] = {
	    {"[]", "no \"peers\""},
	    {"{\"peers\":[{\"name\":\"a b\",\"url\":\"http://x\",\"token\":\"t\"}]}", "name"},
	    {"{\"peers\":[{\"name\":\"a\",\"url\":\"ftp://x\",\"token\":\"t\"}]}", "url"},
	    {"{\"peers\":[{\"name\":\"a\",\"url\":\"http://x\",\"token\":\"\"}]}", "token"},
	    {"{\"peers\":[{\"name\":\"a\",\"url\":\"http://x\",\"token\":\"t\\n\"}]}", "token"},
	    {"{\"peers\":[{\"name\":\"a\",\"url\":\"http://"
	     "x\",\"token\":\"t\",\"tlp_max\":\"red\"}]}",
	     "tlp_max"},
	    {"{\"peers\":[{\"name\":\"a\",\"url\":\"http://x\",\"token\":\"t\",\"pull\":[1]}]}",
	     "pull"},
	    {"{\"peers\":[{\"name\":\"a\",\"url\":\"http://x\",\"token\":\"t\"},"
	     "{\"name\":\"a\",\"url\":\"http://y\",\"token\":\"t\"}]}",
	     "twice"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		p = NULL;
		int r = yg_fed_peers_parse(bad[i].doc, strlen(bad[i].doc), &p, err, sizeof err);
		assert_true(r < 0);
		assert_null(p);
		if (!strstr(err, bad[i].why))
			fail_msg("%s: '%s' does not say '%s'", bad[i].doc, err, bad[i].why);
		/* A refused document never echoes the token. */
		assert_null(strstr(err, "\"t\""));
	}
}

static int advisory(const char *extra)
{
	char text[1024];
	snprintf(text, sizeof text,
	         "{\"type\":\"report\",\"labels\":[\"x\",\"yagura-alert-level\"],"
	         "\"created_by_ref\":\"" PEER "\"%s}",
	         extra);
	json_t *o = json_loads(text, 0, NULL);
	assert_non_null(o);
	int lv = yg_fed_advisory_level(o, PEER);
	json_decref(o);
	return lv;
}

static void advisories(void **state)
{
	(void)state;
	assert_int_equal(advisory(",\"x_yagura_alert_level\":4,\"x_yagura_via\":[\"" PEER "\"]"),
	                 4);
	/* Relayed, out of range, not a number, not from the sender hub. */
	assert_int_equal(
	    advisory(",\"x_yagura_alert_level\":4,\"x_yagura_via\":[\"" MEMBER "\",\"" PEER "\"]"),
	    0);
	assert_int_equal(advisory(",\"x_yagura_alert_level\":6,\"x_yagura_via\":[\"" PEER "\"]"),
	                 0);
	assert_int_equal(
	    advisory(",\"x_yagura_alert_level\":\"4\",\"x_yagura_via\":[\"" PEER "\"]"), 0);
	assert_int_equal(advisory(",\"x_yagura_alert_level\":4"), 0);
	json_t *o = json_pack("{s:s, s:s, s:[s], s:i}", "type", "report", "created_by_ref", MEMBER,
	                      "x_yagura_via", MEMBER, "x_yagura_alert_level", 4);
	assert_int_equal(yg_fed_advisory_level(o, MEMBER), 0); /* no label */
	assert_false(yg_fed_advisory_labelled(o));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tlp_matrix), cmocka_unit_test(outgoing_stamps_and_strips),
	    cmocka_unit_test(admission),  cmocka_unit_test(peer_documents),
	    cmocka_unit_test(advisories),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
