/* The NATS report subjects a hub takes (hub/nats_hub.h) and the key=value
 * credentials file (common/natsconn.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/natsconn.h"
#include "hub/nats_hub.h"

static int subj(const char *s, const char **path, int64_t *org)
{
	return yg_hub_nats_subject(s, strlen(s), path, org);
}

static void report_subjects_name_the_path_and_the_org(void **state)
{
	(void)state;
	const char *path = NULL;
	int64_t org = 0;
	assert_int_equal(subj("yagura.sightings.7", &path, &org), 0);
	assert_string_equal(path, "/api/v1/sightings");
	assert_int_equal(org, 7);
	assert_int_equal(subj("yagura.beacons.123456789012345", &path, &org), 0);
	assert_string_equal(path, "/api/v1/beacons");
	assert_int_equal(org, 123456789012345);
	assert_int_equal(subj("yagura.darknet.2", &path, &org), 0);
	assert_string_equal(path, "/api/v1/darknet");
}

static void other_subjects_are_refused(void **state)
{
	(void)state;
	const char *path = NULL;
	int64_t org = 0;
	static const char *const bad[] = {
	    "", "yagura.", "yagura.sightings", "yagura.sightings.", "yagura.sightings.0",
	    "yagura.sightings.-1", "yagura.sightings.7.8", "yagura.sightings.1234567890123456",
	    "yagura.changes", "yagura.mail.7", "yagura.sighting.7", "Yagura.sightings.7",
	    "yagura.sightings.7a", "yagura.sightings.*", "yagura..7",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(subj(bad[i], &path, &org), -EINVAL);
	/* The length bounds the read: the same bytes past it do not count. */
	assert_int_equal(yg_hub_nats_subject("yagura.sightings.78", 18, &path, &org), 0);
	assert_int_equal(org, 7);
}

static void creds_file_lines(void **state)
{
	(void)state;
	struct yg_nats_userpass up;
	char err[128] = "";
	const char *t = "# for org 7\n\nuser=org7-sensors\r\npassword=s3cret=x\norg=7\nother=1\n";
	assert_int_equal(yg_nats_creds_parse(t, strlen(t), &up, err, sizeof err), 0);
	assert_string_equal(up.user, "org7-sensors");
	assert_string_equal(up.password, "s3cret=x");
	assert_int_equal(up.org, 7);

	t = "password=x\n";
	assert_int_equal(yg_nats_creds_parse(t, strlen(t), &up, err, sizeof err), -EINVAL);
	assert_string_equal(err, "no user= line");
	t = "user=a\njunk\n";
	assert_int_equal(yg_nats_creds_parse(t, strlen(t), &up, err, sizeof err), -EINVAL);
	assert_string_equal(err, "line 2: not key=value");
	t = "user=a\norg=0\n";
	assert_int_equal(yg_nats_creds_parse(t, strlen(t), &up, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	/* The user names the reply inboxes: one subject token. */
	const char *users[] = {"user=org.7\n", "user=org*\n", "user=>\n", "user=a b\n"};
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		assert_int_equal(yg_nats_creds_parse(users[i], strlen(users[i]), &up, err, sizeof err),
		                 -EINVAL);
		assert_non_null(strstr(err, "_INBOX.<user>"));
	}
	t = "user=\n";
	assert_int_equal(yg_nats_creds_parse(t, strlen(t), &up, err, sizeof err), -EINVAL);
	char big[400];
	memset(big, 'u', sizeof big);
	memcpy(big, "user=", 5);
	assert_int_equal(yg_nats_creds_parse(big, sizeof big, &up, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "line 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(report_subjects_name_the_path_and_the_org),
	    cmocka_unit_test(other_subjects_are_refused),
	    cmocka_unit_test(creds_file_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
