#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taxii/cred.h"

static char path[64];

static const char *file_with(const char *text, size_t n)
{
	snprintf(path, sizeof path, "/tmp/yg-cred-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

static void secrets_from_files(void **state)
{
	(void)state;
	char *s = NULL;
	assert_int_equal(yg_taxii_secret_read(file_with("  s3cret pass \r\nsecond\n", 23), &s), 0);
	assert_string_equal(s, "s3cret pass"); /* blanks around go, inner ones stay */
	yg_taxii_secret_free(s);
	unlink(path);
	assert_int_equal(yg_taxii_secret_read(file_with("no-newline", 10), &s), 0);
	assert_string_equal(s, "no-newline");
	yg_taxii_secret_free(s);
	unlink(path);
	s = NULL;
	assert_int_equal(yg_taxii_secret_read(file_with(" \n", 2), &s), -EINVAL);
	unlink(path);
	assert_int_equal(yg_taxii_secret_read(file_with("a\x01b\n", 4), &s), -EINVAL);
	unlink(path);
	assert_int_equal(yg_taxii_secret_read(file_with("a\0b\n", 4), &s), -EINVAL);
	unlink(path);
	char *big = malloc(YG_TAXII_SECRET_MAX + 10);
	assert_non_null(big);
	memset(big, 'x', YG_TAXII_SECRET_MAX + 10);
	assert_int_equal(yg_taxii_secret_read(file_with(big, YG_TAXII_SECRET_MAX + 10), &s), -E2BIG);
	unlink(path);
	free(big);
	assert_null(s);
	assert_int_equal(yg_taxii_secret_read("/nonexistent/yg-secret", &s), -ENOENT);
}

static void forms_checked(void **state)
{
	(void)state;
	const char *why = NULL;
	struct yg_taxii_cred c = {0};
	assert_int_equal(yg_taxii_cred_check(&c, &why), -EINVAL);
	assert_non_null(strstr(why, "no credentials"));
	c.token = "t";
	assert_int_equal(yg_taxii_cred_check(&c, &why), 0);
	c.user = "u";
	assert_int_equal(yg_taxii_cred_check(&c, &why), -EINVAL); /* user without password */
	c.password = "p";
	assert_int_equal(yg_taxii_cred_check(&c, &why), -EINVAL); /* token and password */
	assert_non_null(strstr(why, "not both"));
	c.token = NULL;
	assert_int_equal(yg_taxii_cred_check(&c, &why), 0);
	c.user = "a:b";
	assert_int_equal(yg_taxii_cred_check(&c, &why), -EINVAL);
	c = (struct yg_taxii_cred){.cert_file = "c.pem"};
	assert_int_equal(yg_taxii_cred_check(&c, &why), -EINVAL);
	c.key_file = "c.key";
	assert_int_equal(yg_taxii_cred_check(&c, &why), 0); /* a certificate alone */

	/* A copy is deep, and release wipes and zeroes it. */
	struct yg_taxii_cred src = {.token = "tok", .ca_file = "ca.pem"}, dst;
	assert_int_equal(yg_taxii_cred_copy(&src, &dst), 0);
	assert_string_equal(dst.token, "tok");
	assert_true(dst.token != src.token);
	assert_null(dst.user);
	struct curl_slist *h = NULL;
	assert_int_equal(yg_taxii_cred_headers(&dst, &h), 0);
	assert_string_equal(h->data, "Authorization: Bearer tok");
	curl_slist_free_all(h);
	yg_taxii_cred_release(&dst);
	assert_null(dst.token);
	assert_null(dst.ca_file);
	h = NULL;
	assert_int_equal(yg_taxii_cred_headers(&dst, &h), 0); /* no token, no header */
	assert_null(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(secrets_from_files),
		cmocka_unit_test(forms_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
