#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>

#include "hub/tlp.h"

enum { SUBMITTER = 1, SAME_GROUP = 2, OTHER = 3, PUBLIC = 0 };

/* 5 levels x submitter / same group (named) / other member / public. */
static void visibility_matrix(void **state)
{
	(void)state;
	static const struct {
		enum yg_tlp tlp;
		bool sub, group, other, pub;
	} rows[] = {
		{YG_TLP_CLEAR, true, true, true, true},
		{YG_TLP_GREEN, true, true, true, false},
		{YG_TLP_AMBER, true, true, false, false},
		{YG_TLP_AMBER_STRICT, true, false, false, false},
		{YG_TLP_RED, true, true, false, false},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(yg_tlp_visible(rows[i].tlp, SUBMITTER, false, SUBMITTER), rows[i].sub);
		assert_int_equal(yg_tlp_visible(rows[i].tlp, SUBMITTER, true, SAME_GROUP),
				 rows[i].group);
		assert_int_equal(yg_tlp_visible(rows[i].tlp, SUBMITTER, false, OTHER), rows[i].other);
		assert_int_equal(yg_tlp_visible(rows[i].tlp, SUBMITTER, false, PUBLIC), rows[i].pub);
		/* Being named never helps a public viewer. */
		assert_int_equal(yg_tlp_visible(rows[i].tlp, SUBMITTER, true, PUBLIC), rows[i].pub);
	}
}

static enum yg_tlp level_of(const char *json)
{
	json_t *o = json_loads(json, 0, NULL);
	assert_non_null(o);
	enum yg_tlp t = (enum yg_tlp)99;
	assert_int_equal(yg_tlp_of_object(o, &t), 0);
	json_decref(o);
	return t;
}

static void levels_from_markings(void **state)
{
	(void)state;
	assert_int_equal(level_of("{}"), YG_TLP_AMBER);
	assert_int_equal(level_of("{\"object_marking_refs\":[]}"), YG_TLP_AMBER);
	for (int l = YG_TLP_CLEAR; l <= YG_TLP_RED; l++) {
		char buf[200];
		snprintf(buf, sizeof buf, "{\"object_marking_refs\":[\"%s\"]}",
			 yg_tlp_marking_id((enum yg_tlp)l));
		assert_int_equal(level_of(buf), l);
	}
	/* Most restrictive wins; unknown markings are ignored; TLP 1.0 WHITE. */
	assert_int_equal(level_of("{\"object_marking_refs\":["
				  "\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\","
				  "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\"]}"),
			 YG_TLP_RED);
	assert_int_equal(level_of("{\"object_marking_refs\":["
				  "\"marking-definition--11111111-1111-4111-8111-111111111111\"]}"),
			 YG_TLP_AMBER);
	assert_int_equal(level_of("{\"object_marking_refs\":["
				  "\"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9\"]}"),
			 YG_TLP_CLEAR);
	/* A granular RED marking makes the object RED. */
	assert_int_equal(level_of("{\"object_marking_refs\":["
				  "\"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487\"],"
				  "\"granular_markings\":[{\"marking_ref\":"
				  "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\","
				  "\"selectors\":[\"description\"]}]}"),
			 YG_TLP_RED);
}

static void malformed_markings_rejected(void **state)
{
	(void)state;
	const char *bad[] = {"{\"object_marking_refs\":\"x\"}", "{\"object_marking_refs\":[1]}",
			     "{\"granular_markings\":{}}", "{\"granular_markings\":[\"x\"]}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *o = json_loads(bad[i], 0, NULL);
		enum yg_tlp t = YG_TLP_GREEN;
		assert_int_equal(yg_tlp_of_object(o, &t), -EINVAL);
		assert_int_equal(t, YG_TLP_GREEN);
		json_decref(o);
	}
}

static void misp_tags(void **state)
{
	(void)state;
	for (int l = YG_TLP_CLEAR; l <= YG_TLP_RED; l++) {
		const char *colour = NULL;
		const char *tag = yg_tlp_misp_tag((enum yg_tlp)l, &colour);
		enum yg_tlp back = (enum yg_tlp)-1;
		assert_non_null(tag);
		assert_non_null(colour);
		assert_true(yg_tlp_from_misp_tag(tag, &back));
		assert_int_equal(back, l);
	}
	assert_string_equal(yg_tlp_misp_tag(YG_TLP_AMBER_STRICT, NULL), "tlp:amber+strict");
	enum yg_tlp t = YG_TLP_RED;
	assert_true(yg_tlp_from_misp_tag("TLP:White", &t));
	assert_int_equal(t, YG_TLP_CLEAR);
	assert_false(yg_tlp_from_misp_tag("tlp:amber+", &t));
	assert_false(yg_tlp_from_misp_tag("misp:tlp=green", &t));
	assert_false(yg_tlp_from_misp_tag(NULL, &t));
	assert_null(yg_tlp_misp_tag((enum yg_tlp)9, NULL));
}

static void marking_objects_built_in(void **state)
{
	(void)state;
	json_t *m = yg_tlp_marking_object(YG_TLP_AMBER_STRICT);
	assert_string_equal(json_string_value(json_object_get(m, "name")), "TLP:AMBER+STRICT");
	assert_string_equal(json_string_value(json_object_get(m, "id")),
			    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
	json_decref(m);
	assert_null(yg_tlp_marking_object((enum yg_tlp)7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(visibility_matrix),
		cmocka_unit_test(levels_from_markings),
		cmocka_unit_test(malformed_markings_rejected),
		cmocka_unit_test(marking_objects_built_in),
		cmocka_unit_test(misp_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
