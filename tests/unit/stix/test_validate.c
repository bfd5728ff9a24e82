#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stix/ident.h"
#include "stix/validate.h"

/* ---- hand-written objects ---- */

#define UUID1 "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define UUID2 "f431f809-377b-45e0-aa1c-6a4751cae5ff"
#define IDENT "identity--" UUID2
#define MARK  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
#define TS    "\"created\": \"2016-04-06T20:03:48.000Z\", \"modified\": \"2016-04-06T20:03:48.000Z\""
#define SDO(type)                                                                                  \
	"\"type\": \"" type "\", \"spec_version\": \"2.1\", \"id\": \"" type "--" UUID1 "\", " TS
#define SCO(type) "\"type\": \"" type "\", \"id\": \"" type "--" UUID1 "\""

struct obj_case {
	const char *json;
	const char *want; /* NULL: valid; else a substring of the error */
};

static const struct obj_case cases[] = {
    /* Valid objects, one or more per category. */
    {"{" SDO(
         "indicator") ", \"pattern\": \"[ipv4-addr:value = '10.0.0.1']\", "
                      "\"pattern_type\": \"stix\", \"valid_from\": \"2016-01-01T00:00:00Z\", "
                      "\"valid_until\": \"2017-01-01T00:00:00.5Z\", \"created_by_ref\": \"" IDENT
                      "\", "
                      "\"object_marking_refs\": [\"" MARK "\"], \"x_custom\": {\"a\": 1}}",
     NULL},
    {"{" SDO("indicator") ", \"pattern\": \"alert tcp any any\", \"pattern_type\": \"snort\", "
                          "\"valid_from\": \"2016-01-01T00:00:00Z\"}",
     NULL},
    {"{" SDO(
         "attack-pattern") ", \"name\": \"Spear Phishing\", \"kill_chain_phases\": "
                           "[{\"kill_chain_name\": \"mandiant\", \"phase_name\": \"initial\"}], "
                           "\"external_references\": [{\"source_name\": \"capec\", \"url\": "
                           "\"https://capec.mitre.org/data/definitions/163.html\", "
                           "\"external_id\": \"CAPEC-163\"}]}",
     NULL},
    {"{" SDO("campaign") ", \"name\": \"Green Group\", \"first_seen\": "
                         "\"2016-01-01T00:00:00Z\", \"last_seen\": \"2016-01-01T00:00:00Z\"}",
     NULL},
    {"{" SDO("grouping") ", \"context\": \"suspicious-activity\", \"object_refs\": [\"" IDENT
                         "\"]}",
     NULL},
    {"{" SDO("identity") ", \"name\": \"ACME\", \"identity_class\": \"organization\", "
                         "\"confidence\": 100, \"labels\": [\"x\"], \"revoked\": false, \"lang\": "
                         "\"en\"}",
     NULL},
    {"{" SDO("location") ", \"latitude\": 48.8566, \"longitude\": 2.3522, \"precision\": 1000}",
     NULL},
    {"{" SDO("location") ", \"region\": \"south-eastern-asia\"}", NULL},
    {"{" SDO("malware") ", \"is_family\": false}", NULL},
    {"{" SDO("malware") ", \"is_family\": true, \"name\": \"Cryptolocker\"}", NULL},
    {"{" SDO("malware-analysis") ", \"product\": \"av\", \"result\": \"malicious\"}", NULL},
    {"{" SDO("note") ", \"content\": \"text\", \"object_refs\": [\"" IDENT "\"]}", NULL},
    {"{" SDO(
         "observed-data") ", \"first_observed\": \"2015-12-21T19:00:00Z\", "
                          "\"last_observed\": \"2015-12-21T19:00:00Z\", \"number_observed\": 50, "
                          "\"object_refs\": [\"ipv4-addr--" UUID2 "\"]}",
     NULL},
    {"{" SDO("opinion") ", \"opinion\": \"strongly-disagree\", \"object_refs\": [\"" IDENT "\"]}",
     NULL},
    {"{" SDO("report") ", \"name\": \"r\", \"published\": \"2016-01-20T17:00:00.000Z\", "
                       "\"object_refs\": [\"" IDENT "\"]}",
     NULL},
    {"{" SDO("relationship") ", \"relationship_type\": \"uses\", \"source_ref\": \"" IDENT
                             "\", \"target_ref\": \"malware--" UUID2 "\"}",
     NULL},
    {"{" SDO("sighting") ", \"sighting_of_ref\": \"indicator--" UUID2 "\", \"count\": 0, "
                         "\"where_sighted_refs\": [\"" IDENT "\"]}",
     NULL},
    {"{\"type\": \"marking-definition\", \"spec_version\": \"2.1\", \"id\": \"" MARK "\", "
     "\"created\": \"2017-01-20T00:00:00.000Z\", \"definition_type\": \"tlp\", "
     "\"definition\": {\"tlp\": \"green\"}, \"name\": \"TLP:GREEN\"}",
     NULL},
    {"{\"type\": \"marking-definition\", \"spec_version\": \"2.1\", \"id\": \"" MARK "\", "
     "\"created\": \"2017-01-20T00:00:00.000Z\", \"extensions\": {"
     "\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\": "
     "{\"extension_type\": \"property-extension\", \"tlp_2_0\": \"amber\"}}}",
     NULL},
    {"{" SDO("language-content") ", \"object_ref\": \"" IDENT "\", \"contents\": "
                                 "{\"de\": {\"name\": \"x\"}}}",
     NULL},
    {"{" SDO("extension-definition") ", \"name\": \"e\", \"schema\": \"https://x/s.json\", "
                                     "\"version\": \"1.0\", \"extension_types\": [\"new-sdo\"], "
                                     "\"created_by_ref\": \"" IDENT "\"}",
     NULL},
    {"{" SCO("ipv4-addr") ", \"value\": \"198.51.100.3\"}", NULL},
    {"{" SCO("file") ", \"spec_version\": \"2.1\", \"hashes\": {\"SHA-256\": "
                     "\"fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db\"}}",
     NULL},
    {"{" SCO("network-traffic") ", \"src_ref\": \"ipv4-addr--" UUID2 "\", \"protocols\": "
                                "[\"tcp\"], \"src_port\": 0, \"dst_port\": 65535}",
     NULL},
    {"{" SCO("email-message") ", \"is_multipart\": false, \"body\": \"hi\"}", NULL},
    {"{" SCO("artifact") ", \"url\": \"https://x/a\", \"hashes\": {\"MD5\": "
                         "\"6cc0b5a9aa5a4f19e1cbe8cd2dbbd1ac\"}}",
     NULL},
    {"{" SCO("process") ", \"pid\": 1221}", NULL},
    {"{" SCO("autonomous-system") ", \"number\": 15139}", NULL},
    {"{\"type\": \"x-mitre-tactic\", \"id\": \"x-mitre-tactic--" UUID1 "\", " TS
     ", \"spec_version\": \"2.1\", \"x_mitre_shortname\": \"collection\"}",
     NULL},
    {"{\"type\": \"x-usb-device\", \"id\": \"x-usb-device--" UUID1 "\", \"serial\": \"1\"}", NULL},

    /* Invalid: common properties. */
    {"[]", "object: not a JSON object"},
    {"{\"id\": \"indicator--" UUID1 "\"}", "indicator--" UUID1 ": property 'type': required"},
    {"{\"type\": \"Indicator\", \"id\": \"indicator--" UUID1 "\"}", "property 'type': not a type"},
    {"{\"type\": \"a--b\", \"id\": \"a--b--" UUID1 "\"}", "property 'type'"},
    {"{\"type\": \"ab\", \"id\": \"ab--" UUID1 "\"}", "property 'type'"},
    {"{\"type\": \"bundle\", \"id\": \"bundle--" UUID1 "\"}", "a bundle is not"},
    {"{\"type\": \"indicator\"}", "indicator object: property 'id': required"},
    {"{\"type\": \"indicator\", \"id\": \"indicator--1234\"}", "property 'id': not an identifier"},
    {"{\"type\": \"indicator\", \"id\": \"tool--" UUID1 "\"}",
     "does not start with the object's type"},
    /* Version nibble 0 and the NCS variant (0xxx) are not RFC 4122. */
    {"{\"type\": \"tool\", \"id\": \"tool--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f\"}",
     "property 'id'"},
    {"{\"type\": \"tool\", \"id\": \"tool--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f\"}",
     "property 'id'"},
    {"{\"type\": \"tool\", \"id\": \"tool--" UUID1 "\", " TS ", \"name\": \"t\"}",
     "tool--" UUID1 ": property 'spec_version': required but missing"},
    {"{" SDO("tool") ", \"name\": \"t\", \"spec_version\": \"2.0\"}",
     "property 'spec_version': must be \"2.1\""},
    {"{\"type\": \"tool\", \"spec_version\": \"2.1\", \"id\": \"tool--" UUID1 "\", "
     "\"modified\": \"2016-04-06T20:03:48.000Z\", \"name\": \"t\"}",
     "property 'created': required but missing"},
    {"{\"type\": \"tool\", \"spec_version\": \"2.1\", \"id\": \"tool--" UUID1 "\", "
     "\"created\": \"2016-04-06T20:03:48.000Z\", \"modified\": \"2016-04-06 20:03:48Z\", "
     "\"name\": \"t\"}",
     "property 'modified': not an RFC 3339 timestamp"},
    {"{\"type\": \"tool\", \"spec_version\": \"2.1\", \"id\": \"tool--" UUID1 "\", "
     "\"created\": \"2016-04-06T20:03:48.001Z\", \"modified\": \"2016-04-06T20:03:48.0009Z\", "
     "\"name\": \"t\"}",
     "property 'modified': must be at or after 'created'"},
    {"{\"type\": \"tool\", \"spec_version\": \"2.1\", \"id\": \"tool--" UUID1 "\", "
     "\"created\": \"2016-04-06T20:03:48+01:00\", \"modified\": \"2016-04-06T20:03:48Z\", "
     "\"name\": \"t\"}",
     "property 'created': not an RFC 3339"},
    {"{" SDO("tool") ", \"name\": \"t\", \"created_by_ref\": \"tool--" UUID2 "\"}",
     "property 'created_by_ref': must reference an identity"},
    {"{" SDO("tool") ", \"name\": \"t\", \"created_by_ref\": \"identity--x\"}",
     "property 'created_by_ref': not an identifier"},
    {"{" SDO("tool") ", \"name\": \"t\", \"object_marking_refs\": [\"" IDENT "\"]}",
     "property 'object_marking_refs': must reference a marking-definition"},
    {"{" SDO("tool") ", \"name\": \"t\", \"object_marking_refs\": []}",
     "property 'object_marking_refs': not a non-empty list"},
    {"{" SDO("tool") ", \"name\": \"t\", \"thing_ref\": \"nope\", \"x_thing_ref\": \"\"}",
     "property 'thing_ref': not an identifier"},
    {"{" SDO("tool") ", \"name\": \"t\", \"thing_refs\": [\"" IDENT "\", 5]}",
     "property 'thing_refs': not a string identifier"},
    {"{" SDO("tool") ", \"name\": \"t\", \"granular_markings\": [{\"selectors\": [\"name\"]}]}",
     "property 'granular_markings': item 0: needs exactly one"},
    {"{" SDO("tool") ", \"name\": \"t\", \"confidence\": 101}",
     "property 'confidence': 101 is outside"},
    {"{" SDO("tool") ", \"name\": \"t\", \"labels\": []}",
     "property 'labels': not a non-empty list"},
    {"{" SDO("tool") ", \"name\": \"t\", \"revoked\": \"no\"}",
     "property 'revoked': not a boolean"},
    {"{" SDO("tool") ", \"name\": \"t\", \"external_references\": [{\"url\": \"x:y\"}]}",
     "property 'external_references': item 0: 'source_name'"},
    {"{" SDO("tool") ", \"name\": \"t\", \"external_references\": [{\"source_name\": \"a\", "
                     "\"url\": \"https://x/a b\"}]}",
     "property 'external_references': item 0: 'url' is not a URI"},
    {"{" SDO("tool") ", \"name\": \"t\", \"kill_chain_phases\": [{\"kill_chain_name\": \"k\"}]}",
     "property 'kill_chain_phases': item 0: 'phase_name'"},
    {"{" SDO("tool") ", \"name\": \"t\", \"a-b\": 1}", "property 'a-b': property names"},
    {"{" SDO("tool") ", \"name\": \"t\", \"xy\": 1}", "property 'xy': property names"},
    {"{" SDO("tool") ", \"name\": \"t\", \"extensions\": {}}", "property 'extensions'"},

    /* Invalid: per type. */
    {"{" SDO("tool") "}", "tool--" UUID1 ": property 'name': required but missing"},
    {"{" SDO("tool") ", \"name\": 5}", "property 'name': not a string"},
    {"{" SDO("indicator") ", \"pattern_type\": \"stix\", \"valid_from\": "
                          "\"2016-01-01T00:00:00Z\"}",
     "property 'pattern': required"},
    {"{" SDO("indicator") ", \"pattern\": \"[a:b = 1]\", \"pattern_type\": \"stix\"}",
     "property 'valid_from': required"},
    {"{" SDO("indicator") ", \"pattern\": \"[a:b = 1]\", \"pattern_type\": \"stix\", "
                          "\"valid_from\": \"2016-13-01T00:00:00Z\"}",
     "indicator--" UUID1 ": property 'valid_from': not an RFC 3339 timestamp"},
    {"{" SDO("indicator") ", \"pattern\": \"[a:b = 1]\", \"pattern_type\": \"stix\", "
                          "\"valid_from\": \"2016-01-01T00:00:00Z\", \"valid_until\": "
                          "\"2016-01-01T00:00:00Z\"}",
     "property 'valid_until': must be later than 'valid_from'"},
    {"{" SDO("indicator") ", \"pattern\": \"[a:b = 1\", \"pattern_type\": \"stix\", "
                          "\"valid_from\": \"2016-01-01T00:00:00Z\"}",
     "property 'pattern': not a valid STIX pattern: offset 8: expected ']'"},
    {"{" SDO("location") "}", "property 'region': one of region, country"},
    {"{" SDO("location") ", \"latitude\": 10}", "latitude and longitude go together"},
    {"{" SDO("location") ", \"latitude\": 91, \"longitude\": 0}", "property 'latitude': outside"},
    {"{" SDO("location") ", \"country\": \"fr\", \"precision\": 5}",
     "property 'precision': requires"},
    {"{" SDO("malware") ", \"name\": \"x\"}", "property 'is_family': required"},
    {"{" SDO("malware") ", \"is_family\": true}", "property 'name': required when is_family"},
    {"{" SDO("malware") ", \"is_family\": false, \"first_seen\": \"2016-02-01T00:00:00Z\", "
                        "\"last_seen\": \"2016-01-01T00:00:00Z\"}",
     "property 'last_seen': must be at or after 'first_seen'"},
    {"{" SDO("malware-analysis") ", \"product\": \"av\"}", "one of result or analysis_sco_refs"},
    {"{" SDO("grouping") ", \"context\": \"x\"}", "property 'object_refs': required"},
    {"{" SDO("note") ", \"object_refs\": [\"" IDENT "\"]}", "property 'content': required"},
    {"{" SDO(
         "observed-data") ", \"first_observed\": \"2015-12-21T19:00:00Z\", "
                          "\"last_observed\": \"2015-12-21T19:00:00Z\", \"number_observed\": 0, "
                          "\"object_refs\": [\"" IDENT "\"]}",
     "property 'number_observed': 0 is outside"},
    {"{" SDO(
         "observed-data") ", \"first_observed\": \"2015-12-21T19:00:00Z\", "
                          "\"last_observed\": \"2015-12-21T19:00:00Z\", \"number_observed\": 1}",
     "exactly one of object_refs or objects"},
    {"{" SDO("opinion") ", \"opinion\": \"maybe\", \"object_refs\": [\"" IDENT "\"]}",
     "property 'opinion': not one of"},
    {"{" SDO("report") ", \"name\": \"r\", \"object_refs\": [\"" IDENT "\"]}",
     "property 'published': required"},
    {"{" SDO("relationship") ", \"relationship_type\": \"uses\", \"source_ref\": \"" IDENT "\"}",
     "property 'target_ref': required"},
    {"{" SDO("relationship") ", \"relationship_type\": \"uses\", \"source_ref\": \"" IDENT
                             "\", \"target_ref\": \"bad\"}",
     "property 'target_ref': not an identifier"},
    {"{" SDO("sighting") "}", "property 'sighting_of_ref': required"},
    {"{" SDO("sighting") ", \"sighting_of_ref\": \"indicator--" UUID2 "\", "
                         "\"where_sighted_refs\": [\"tool--" UUID2 "\"]}",
     "property 'where_sighted_refs': must reference an identity or a location"},
    {"{\"type\": \"marking-definition\", \"spec_version\": \"2.1\", \"id\": \"" MARK "\", "
     "\"created\": \"2017-01-20T00:00:00.000Z\"}",
     "property 'definition_type': required"},
    {"{\"type\": \"marking-definition\", \"spec_version\": \"2.1\", \"id\": \"" MARK "\", "
     "\"created\": \"2017-01-20T00:00:00.000Z\", \"definition_type\": \"tlp\", "
     "\"definition\": {\"tlp\": \"purple\"}}",
     "'tlp' must be"},
    {"{" SDO("language-content") ", \"object_ref\": \"" IDENT "\"}",
     "property 'contents': required"},
    {"{" SDO("extension-definition") ", \"name\": \"e\", \"schema\": \"s\", \"version\": \"1\", "
                                     "\"extension_types\": [\"new-sdo\"]}",
     "property 'created_by_ref': required"},
    {"{" SDO(
         "extension-definition") ", \"name\": \"e\", \"schema\": \"s\", \"version\": \"1\", "
                                 "\"extension_types\": [\"other\"], \"created_by_ref\": \"" IDENT
                                 "\"}",
     "property 'extension_types': item 0"},
    {"{" SCO("ipv4-addr") "}", "ipv4-addr--" UUID1 ": property 'value': required"},
    {"{" SCO("ipv4-addr") ", \"value\": \"1.2.3.4\", \"spec_version\": \"2.0\"}",
     "property 'spec_version'"},
    {"{" SCO("file") ", \"size\": 1}", "one of hashes or name"},
    {"{" SCO("file") ", \"hashes\": {\"MD5\": \"xyz\"}}", "property 'hashes': MD5 is not 32 hex"},
    {"{" SCO("network-traffic") ", \"protocols\": [\"tcp\"]}", "one of src_ref or dst_ref"},
    {"{" SCO("network-traffic") ", \"protocols\": [\"tcp\"], \"dst_ref\": \"" IDENT "\", "
                                "\"dst_port\": 65536}",
     "property 'dst_port': 65536 is outside"},
    {"{" SCO("network-traffic") ", \"protocols\": [\"tcp\"], \"dst_ref\": \"" IDENT "\", "
                                "\"is_active\": true, \"end\": \"2016-01-01T00:00:00Z\"}",
     "property 'end': not allowed"},
    {"{" SCO("email-message") ", \"is_multipart\": true, \"body\": \"x\"}", "property 'body'"},
    {"{" SCO("artifact") ", \"url\": \"https://x/a\"}", "property 'hashes': required when url"},
    {"{" SCO("artifact") "}", "exactly one of payload_bin or url"},
    {"{" SCO("process") "}", "needs at least one property"},
    {"{" SCO("mutex") "}", "property 'name': required"},
    {"{" SCO("autonomous-system") ", \"number\": \"15139\"}", "property 'number': not an integer"},
};

static void hand_written_objects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_error_t jerr;
		json_t *j = json_loads(cases[i].json, 0, &jerr);
		if (!j)
			print_error("case %zu does not parse: %s\n", i, jerr.text);
		assert_non_null(j);
		char err[512] = "unset";
		int r = yg_stix_validate_object(j, err, sizeof err);
		if (cases[i].want == NULL) {
			if (r != 0)
				print_error("case %zu: %s\n", i, err);
			assert_int_equal(r, 0);
			assert_string_equal(err, "");
		} else {
			if (r != -EINVAL || !strstr(err, cases[i].want))
				print_error("case %zu: got %d '%s', want '%s'\n", i, r, err,
				            cases[i].want);
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err, cases[i].want));
		}
		json_decref(j);
	}
}

static void messages_are_bounded_and_printable(void **state)
{
	(void)state;
	char id[400];
	snprintf(id, sizeof id, "tool--%0300d\x01", 0);
	json_t *j = json_pack("{s:s, s:s}", "type", "tool", "id", id);
	assert_non_null(j);
	char err[512];
	assert_int_equal(yg_stix_validate_object(j, err, sizeof err), -EINVAL);
	assert_true(strlen(err) < 250);
	for (const char *p = err; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_non_null(strstr(err, "...: property 'id'"));
	/* A small buffer is still terminated. */
	char small[10];
	assert_int_equal(yg_stix_validate_object(j, small, sizeof small), -EINVAL);
	assert_int_equal(strlen(small), 9);
	json_decref(j);
}

struct tally {
	size_t n;
	char first_id[128];
};

static int on_bad(void *ud, size_t index, const json_t *obj, const char *err)
{
	struct tally *t = ud;
	(void)index;
	(void)err;
	if (t->n++ == 0)
		snprintf(t->first_id, sizeof t->first_id, "%s",
		         json_string_value(json_object_get(obj, "id")));
	return 0;
}

static int stop_now(void *ud, size_t index, const json_t *obj, const char *err)
{
	(void)ud;
	(void)index;
	(void)obj;
	(void)err;
	return 7;
}

static void bundle_envelope_and_objects(void **state)
{
	(void)state;
	const char *ok = "{\"type\": \"bundle\", \"id\": \"bundle--" UUID1 "\", \"objects\": ["
	                 "{" SCO("ipv4-addr") ", \"value\": \"1.2.3.4\"},"
	                                      "{" SCO("domain-name") "},"
	                                                             "{" SDO("tool") "}]}";
	json_t *b = json_loads(ok, 0, NULL);
	assert_non_null(b);
	char err[512];
	size_t bad = 99;
	struct tally t = {0};
	assert_int_equal(yg_stix_validate_bundle(b, on_bad, &t, &bad, err, sizeof err), -EINVAL);
	assert_int_equal(bad, 2);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.first_id, "domain-name--" UUID1);
	assert_non_null(strstr(err, "objects[1]: domain-name--" UUID1 ": property 'value'"));
	assert_int_equal(yg_stix_validate_bundle(b, stop_now, NULL, &bad, err, sizeof err), 7);
	assert_int_equal(bad, 1);
	json_decref(b);

	b = json_loads("{\"type\": \"bundle\", \"id\": \"bundle--" UUID1 "\"}", 0, NULL);
	assert_int_equal(yg_stix_validate_bundle(b, NULL, NULL, &bad, err, sizeof err), 0);
	assert_int_equal(bad, 0);
	json_decref(b);

	b = json_loads("{\"type\": \"bundle\", \"id\": \"report--" UUID1 "\"}", 0, NULL);
	assert_int_equal(yg_stix_validate_bundle(b, NULL, NULL, NULL, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "property 'id'"));
	json_decref(b);

	b = json_loads("{\"type\": \"bundle\", \"id\": \"bundle--" UUID1 "\", \"objects\": {}}", 0,
	               NULL);
	assert_int_equal(yg_stix_validate_bundle(b, NULL, NULL, NULL, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "property 'objects': not a list"));
	json_decref(b);

	b = json_loads("[1]", 0, NULL);
	assert_int_equal(yg_stix_validate_bundle(b, NULL, NULL, NULL, err, sizeof err), -EINVAL);
	json_decref(b);
}

static void ident_helpers(void **state)
{
	(void)state;
	assert_true(yg_stix_type_valid("ipv4-addr", 9));
	assert_true(yg_stix_type_valid("x-mitre-tactic", 14));
	assert_false(yg_stix_type_valid("x--y", 4));
	assert_false(yg_stix_type_valid("1abc", 4));
	assert_false(yg_stix_type_valid("abc_d", 5));
	assert_true(yg_stix_uuid_valid(UUID1, 36));
	assert_true(yg_stix_uuid_valid("8E2E2D2B-17D4-5CBF-B38F-98EE46B3CD3F", 36));
	assert_false(yg_stix_uuid_valid("8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f", 36));
	assert_false(yg_stix_uuid_valid("8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f", 36));
	assert_false(yg_stix_uuid_valid("8e2e2d2b17d4-4cbf-938f-98ee46b3cd3f0", 36));
	assert_int_equal(yg_stix_id_type_len("indicator--" UUID1, 47), 9);
	assert_true(yg_stix_id_valid("indicator--" UUID1, 47, "indicator"));
	assert_false(yg_stix_id_valid("indicator--" UUID1, 47, "indicato"));
	assert_false(yg_stix_id_valid("indicator--" UUID1, 46, NULL));
	assert_int_equal(yg_stix_type_category("indicator"), YG_STIX_SDO);
	assert_int_equal(yg_stix_type_category("sighting"), YG_STIX_SRO);
	assert_int_equal(yg_stix_type_category("url"), YG_STIX_SCO);
	assert_int_equal(yg_stix_type_category("language-content"), YG_STIX_META);
	assert_int_equal(yg_stix_type_category("x-foo"), YG_STIX_CUSTOM);
}

/* ---- the shared third-party examples against VALIDATION.json ---- */

static const char *data_dir(char *buf, size_t len)
{
	const char *d = getenv("YG_SHARED_DATA");
	if (d && *d) {
		snprintf(buf, len, "%s/stix", d);
		return buf;
	}
	const char *src = getenv("YG_SRCDIR");
	snprintf(buf, len, "%s/../shared/data/stix", src && *src ? src : ".");
	return buf;
}

struct expect {
	json_t *reported; /* id -> our message */
};

static int record(void *ud, size_t index, const json_t *obj, const char *err)
{
	(void)index;
	struct expect *e = ud;
	json_t *id = json_object_get(obj, "id");
	if (json_is_string(id))
		json_object_set_new(e->reported, json_string_value(id), json_string(err));
	return 0;
}

/* The property an upstream message is about: "'modified' is a required
 * property" -> modified; "external_references[0].url: ..." -> external_references. */
static void upstream_property(const char *msg, char *out, size_t outlen)
{
	size_t o = 0;
	if (*msg == '\'') {
		msg++;
		while (*msg && *msg != '\'' && o + 1 < outlen)
			out[o++] = *msg++;
	} else {
		while (*msg && !strchr("[.: ", *msg) && o + 1 < outlen)
			out[o++] = *msg++;
	}
	out[o] = '\0';
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void shared_examples_match_reference_validator(void **state)
{
	(void)state;
	char dir[1024], path[1400];
	data_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/VALIDATION.json", dir);
	json_t *ref = json_load_file(path, 0, NULL);
	if (!ref) {
		print_message("skipped: %s not found (set YG_SHARED_DATA)\n", path);
		skip();
	}
	size_t i, files = 0, objects = 0, flagged = 0;
	json_t *res;
	json_array_foreach(json_object_get(ref, "results"), i, res)
	{
		const char *file = json_string_value(json_object_get(res, "file"));
		bool valid = json_is_true(json_object_get(res, "is_valid"));
		json_t *errors = json_object_get(res, "errors");
		snprintf(path, sizeof path, "%s/%s", dir, file);
		json_t *doc = json_load_file(path, 0, NULL);
		if (!doc) {
			/* Only the deliberately broken JSON examples fail to load. */
			const char *e0 = json_string_value(json_array_get(errors, 0));
			if (valid || !e0 || strncmp(e0, "FATAL", 5) != 0)
				print_error("%s does not load\n", file);
			assert_false(valid);
			assert_true(e0 && strncmp(e0, "FATAL", 5) == 0);
			continue;
		}
		files++;
		struct expect ex = {.reported = json_object()};
		char err[512];
		size_t bad = 0;
		double t0 = now_ms();
		size_t n = 1;
		if (strcmp(json_string_value(json_object_get(doc, "type")), "bundle") == 0) {
			int r = yg_stix_validate_bundle(doc, record, &ex, &bad, err, sizeof err);
			n = json_array_size(json_object_get(doc, "objects"));
			assert_true(r == 0 || r == -EINVAL);
		} else if (yg_stix_validate_object(doc, err, sizeof err) != 0) {
			record(&ex, 0, doc, err);
			bad = 1;
		}
		double dt = now_ms() - t0;
		objects += n;
		flagged += bad;
		if (strncmp(file, "attack/", 7) == 0)
			print_message("%s: %zu objects validated in %.1f ms, %zu rejected\n", file,
			              n, dt, bad);

		/* Every object the reference validator rejects, we reject, for a
		 * property it names; and we reject nothing else. */
		size_t k;
		json_t *e;
		size_t expected = 0;
		json_t *want = json_object();
		json_array_foreach(errors, k, e)
		{
			const char *m = json_string_value(e);
			const char *sep = strstr(m, ": ");
			if (strncmp(m, "FATAL", 5) == 0 || !sep)
				continue;
			char id[200], prop[100];
			snprintf(id, sizeof id, "%.*s", (int)(sep - m), m);
			upstream_property(sep + 2, prop, sizeof prop);
			json_t *props = json_object_get(want, id);
			if (!props) {
				props = json_array();
				json_object_set_new(want, id, props);
				expected++;
			}
			json_array_append_new(props, json_string(prop));
		}
		const char *id;
		json_t *props;
		json_object_foreach(want, id, props)
		{
			json_t *ours = json_object_get(ex.reported, id);
			if (!ours)
				print_error("%s: %s not rejected\n", file, id);
			assert_non_null(ours);
			bool named = false;
			json_t *p;
			json_array_foreach(props, k, p)
			{
				char q[128];
				snprintf(q, sizeof q, "property '%s'", json_string_value(p));
				named |= strstr(json_string_value(ours), q) != NULL;
			}
			if (!named)
				print_error("%s: ours '%s' names none of the upstream properties\n",
				            file, json_string_value(ours));
			assert_true(named);
		}
		if (json_object_size(ex.reported) != expected) {
			json_t *m;
			json_object_foreach(ex.reported, id, m) if (!json_object_get(want, id))
			    print_error("%s: we reject %s\n", file, json_string_value(m));
		}
		assert_int_equal(json_object_size(ex.reported), expected);
		assert_int_equal(valid, expected == 0);
		json_decref(want);
		json_decref(ex.reported);
		json_decref(doc);
	}
	json_decref(ref);
	print_message("%zu files, %zu objects, %zu rejected (as the reference validator)\n", files,
	              objects, flagged);
	assert_true(files >= 15);
}

/* The sensor's loose id check: the type and "--", then letters, digits
 * and dashes only. */
static void loose_ids(void **state)
{
	(void)state;
#define LOOSE(x, t) yg_stix_id_loose(x, strlen(x), t)
	assert_true(LOOSE("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator"));
	assert_true(LOOSE("indicator--A-1", "indicator"));
	assert_false(LOOSE("indicator--", "indicator"));
	assert_false(LOOSE("indicator-x", "indicator"));
	assert_false(LOOSE("malware--a1", "indicator"));
	assert_false(LOOSE("indicatorx--a1", "indicator"));
	assert_false(LOOSE("indicator--a1\"", "indicator"));
	assert_false(LOOSE("indicator--a 1", "indicator"));
	assert_false(LOOSE("indicator--a\xc3\xa9" "1", "indicator"));
	assert_false(yg_stix_id_loose("indicator--a1", 8, "indicator"));
	assert_true(yg_stix_id_loose("indicator--a1\n", 13, "indicator")); /* len bounds it */
#undef LOOSE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hand_written_objects),
	    cmocka_unit_test(messages_are_bounded_and_printable),
	    cmocka_unit_test(bundle_envelope_and_objects),
	    cmocka_unit_test(ident_helpers),
	    cmocka_unit_test(loose_ids),
	    cmocka_unit_test(shared_examples_match_reference_validator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
