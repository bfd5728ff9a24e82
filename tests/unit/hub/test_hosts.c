/* Infected hosts without a hub: the owner CSV parser (bad lines named and
 * skipped, good ones kept), the owner state machine, the indicator
 * classification and the strict bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hosts.h"
#include "hub/hosts_body.h"
#include "hub/owner_csv.h"

struct got {
	struct yg_owner_row rows[16];
	size_t n;
	unsigned long bad_lines[16];
	char why[16][128];
	size_t nbad;
};

static int on_row(void *ud, const struct yg_owner_row *r)
{
	struct got *g = ud;
	if (g->n < 16)
		g->rows[g->n++] = *r;
	return 0;
}

static void on_bad(void *ud, unsigned long line, const char *why)
{
	struct got *g = ud;
	if (g->nbad < 16) {
		g->bad_lines[g->nbad] = line;
		snprintf(g->why[g->nbad++], 128, "%s", why);
	}
}

static long parse(const char *text, struct got *g)
{
	memset(g, 0, sizeof *g);
	struct yg_owner_csv_cb cb = {.row = on_row, .bad = on_bad, .ud = g};
	return yg_owner_csv_parse(text, strlen(text), &cb);
}

static void csv_good_and_bad_lines(void **state)
{
	(void)state;
	struct got g;
	const char *text = "\xef\xbb\xbf" "cidr,owner,email,webhook,language\r\n"
			   "192.0.2.0/24,\"ISP, \"\"North\"\"\",abuse@isp.example,https://isp.example/h,ja\r\n"
			   "\n# comment\n"
			   "2001:DB8::/32 , Member A ,,,\n"
			   "10.0.0.1/8,X,,,en\n"                       /* host bits */
			   "10.0.0.0/8,,,,en\n"                        /* no owner */
			   "10.0.0.0/8,X,a@b,,en\n"                    /* no dot in the domain */
			   "10.0.0.0/8,X,a@b.example\r\nBcc: c@d,,en\n" /* split, so line 10 is bad */
			   "10.0.0.0/8,X,,ftp://x,en\n"
			   "10.0.0.0/8,X,,,de\n"
			   "10.0.0.0/8,\"X,,,en\n"
			   "10.0.0.0/8,X,,,en,extra\n"
			   "198.51.100.7,Single host,,,\n";
	long n = parse(text, &g);
	assert_int_equal(n, 4);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.rows[0].cidr, "192.0.2.0/24");
	assert_string_equal(g.rows[0].owner, "ISP, \"North\"");
	assert_string_equal(g.rows[0].lang, "ja");
	assert_int_equal(g.rows[0].line, 2);
	assert_string_equal(g.rows[1].cidr, "2001:db8::/32");
	assert_string_equal(g.rows[1].owner, "Member A");
	assert_string_equal(g.rows[1].lang, "en");
	assert_string_equal(g.rows[1].email, "");
	assert_string_equal(g.rows[2].email, "a@b.example"); /* line 9, its own good line */
	assert_string_equal(g.rows[3].cidr, "198.51.100.7/32");
	const unsigned long want[] = {6, 7, 8, 10, 11, 12, 13, 14};
	assert_int_equal(g.nbad, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < g.nbad; i++)
		assert_int_equal(g.bad_lines[i], want[i]);
	assert_non_null(strstr(g.why[0], "CIDR"));
	assert_non_null(strstr(g.why[1], "owner"));
	assert_non_null(strstr(g.why[2], "e-mail"));
	assert_non_null(strstr(g.why[5], "language"));
	assert_non_null(strstr(g.why[6], "quote"));
	assert_non_null(strstr(g.why[7], "5 fields"));
}

static void csv_bounds(void **state)
{
	(void)state;
	struct got g;
	char *line = malloc(YG_OWNER_LINE_MAX + 64);
	assert_non_null(line);
	memset(line, 'a', YG_OWNER_LINE_MAX + 10);
	memcpy(line, "10.0.0.0/8,", 11);
	line[YG_OWNER_LINE_MAX + 10] = '\0';
	assert_int_equal(parse(line, &g), 0);
	assert_int_equal(g.nbad, 1);
	assert_non_null(strstr(g.why[0], "longer"));
	free(line);
	struct yg_owner_csv_cb cb = {0};
	assert_int_equal(yg_owner_csv_parse("", YG_OWNER_CSV_MAX + 1, &cb), -E2BIG);
	/* A NUL inside a line is refused, not read as an end. */
	const char nul[] = "10.0.0.0/8,A\0B,,,en\n";
	memset(&g, 0, sizeof g);
	struct yg_owner_csv_cb cb2 = {.row = on_row, .bad = on_bad, .ud = &g};
	assert_int_equal(yg_owner_csv_parse(nul, sizeof nul - 1, &cb2), 0);
	assert_int_equal(g.nbad, 1);
}

static void contact_checks(void **state)
{
	(void)state;
	assert_true(yg_owner_email_ok(""));
	assert_true(yg_owner_email_ok("abuse@isp.example"));
	assert_false(yg_owner_email_ok("abuse@isp.example\r\nRCPT TO:<x@y.z>"));
	assert_false(yg_owner_email_ok("<abuse@isp.example>"));
	assert_false(yg_owner_email_ok("a b@c.d"));
	assert_true(yg_owner_url_ok("http://127.0.0.1:8080/hook?x=1"));
	assert_false(yg_owner_url_ok("file:///etc/passwd"));
	assert_false(yg_owner_url_ok("https://"));
	assert_false(yg_owner_url_ok("https://a b"));
}

static void state_machine(void **state)
{
	(void)state;
	enum yg_host_state D = YG_HOST_DETECTED, N = YG_HOST_NOTIFIED, A = YG_HOST_ACKNOWLEDGED,
			   C = YG_HOST_CLEANED, R = YG_HOST_REINFECTED;
	/* What an owner may do: acknowledge before cleaning, clean any time
	 * but twice; never set what the hub sets. */
	const enum yg_host_state all[] = {D, N, A, C, R};
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++) {
			enum yg_host_state f = all[i], t = all[j];
			bool want = (t == A && (f == D || f == N || f == R)) || (t == C && f != C);
			assert_int_equal(yg_host_transition_ok(f, t), want);
		}
	assert_false(yg_host_transition_ok((enum yg_host_state)7, C));
	enum yg_host_state s;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(yg_host_state_parse(yg_host_state_name(all[i]), &s), 0);
		assert_int_equal(s, all[i]);
	}
	assert_int_equal(yg_host_state_parse("Cleaned", &s), -EINVAL);
	assert_int_equal(yg_host_state_parse(NULL, &s), -EINVAL);
}

static bool classify(const char *json, char fam[YG_HOST_FAMILY_MAX + 1],
		     enum yg_host_severity *sev)
{
	json_t *o = json_loads(json, 0, NULL);
	assert_non_null(o);
	bool r = yg_hosts_indicator_family(o, fam, sev);
	json_decref(o);
	return r;
}

static void indicator_classes(void **state)
{
	(void)state;
	char f[YG_HOST_FAMILY_MAX + 1];
	enum yg_host_severity sev;
	assert_true(classify("{\"indicator_types\":[\"malicious-activity\"],\"labels\":[\"Mirai\"]}",
			     f, &sev));
	assert_string_equal(f, "mirai");
	assert_int_equal(sev, YG_HOST_SEV_HIGH);
	assert_true(classify("{\"indicator_types\":[\"compromised\"]}", f, &sev));
	assert_string_equal(f, "unknown");
	assert_true(classify("{\"labels\":[\"c2\",\"tlp:green\",\"Cobalt Strike\",\"critical\"]}",
			     f, &sev));
	assert_string_equal(f, "cobalt-strike");
	assert_int_equal(sev, YG_HOST_SEV_CRITICAL);
	assert_false(classify("{\"indicator_types\":[\"benign\"]}", f, &sev));
	assert_false(classify("{\"indicator_types\":[\"anomalous-activity\"],\"labels\":[\"phishing\"]}",
			      f, &sev));
	/* A label cannot name a path. */
	assert_true(classify("{\"labels\":[\"../../etc/passwd\"]}", f, &sev));
	assert_null(strchr(f, '/'));
	assert_true(f[0] != '.');
	assert_false(yg_hosts_family_token("...", f));
	assert_string_equal(f, "unknown");
}

static void bodies(void **state)
{
	(void)state;
	struct yg_beacons *b = NULL;
	struct yg_body_error err = {{0}, {0}};
	const char *good = "{\"sensor\":\"edge\",\"beacons\":[{\"host\":\"10.0.0.5\",\"dest\":"
			   "\"2001:DB8::1\",\"name\":\"C2.Example\",\"dst_port\":443,\"proto\":\"tcp\","
			   "\"interval_s\":60.0,\"count\":24,\"score\":0.93,\"first_seen\":"
			   "\"2024-01-01T00:00:00Z\",\"last_seen\":\"2024-01-01T01:00:00Z\"},"
			   "{\"host_hash\":\"" "0123456789abcdef0123456789abcdef0123456789abcdef"
			   "0123456789abcdef\",\"dest\":\"203.0.113.9\",\"name\":null,\"dst_port\":53,"
			   "\"proto\":\"udp\",\"interval_s\":5,\"count\":2,\"score\":1,"
			   "\"first_seen\":\"2024-01-01T00:00:00Z\",\"last_seen\":\"2024-01-01T00:00:00Z\"}]}";
	assert_int_equal(yg_beacons_parse(good, strlen(good), &b, &err), 0);
	assert_int_equal(b->n, 2);
	assert_string_equal(b->v[0].dest, "2001:db8::1");
	assert_string_equal(b->v[0].name, "c2.example");
	assert_true(b->v[1].hashed);
	assert_int_equal(strncmp(b->v[1].host, "hash:", 5), 0);
	yg_beacons_free(b);
	const char *dup = "{\"beacons\":[],\"beacons\":[]}";
	assert_int_equal(yg_beacons_parse(dup, strlen(dup), &b, &err), -EINVAL);
	bool has;
	enum yg_host_state s;
	char note[YG_HOST_NOTE_MAX + 1];
	assert_int_equal(yg_host_state_body_parse("  \n", 3, &has, &s, note, &err), 0);
	assert_false(has);
	const char *st = "{\"state\":\"cleaned\",\"note\":\"reimaged\"}";
	assert_int_equal(yg_host_state_body_parse(st, strlen(st), &has, &s, note, &err), 0);
	assert_true(has);
	assert_int_equal(s, YG_HOST_CLEANED);
	assert_string_equal(note, "reimaged");
	const char *bad = "{\"state\":\"reinfected\"}";
	assert_int_equal(yg_host_state_body_parse(bad, strlen(bad), &has, &s, note, &err), -EINVAL);
	assert_string_equal(err.field, "state");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_good_and_bad_lines), cmocka_unit_test(csv_bounds),
		cmocka_unit_test(contact_checks),         cmocka_unit_test(state_machine),
		cmocka_unit_test(indicator_classes),      cmocka_unit_test(bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
