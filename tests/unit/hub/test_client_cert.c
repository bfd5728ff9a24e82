/*
 * The certificate-binding import (src/hub/client_cert.c) on the seeds of
 * fuzz/corpus/cert_bind (written by fuzz/seeds/cert_bind.py with the
 * openssl command): one certificate gives its fingerprint, subject and
 * dates; a chain, a key alone, a cut or empty block give a reason.
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

#include "hub/client_cert.h"

static char *slurp(const char *name, size_t *len)
{
	const char *src = getenv("YG_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/fuzz/corpus/cert_bind/%s", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(YG_CERT_PEM_MAX + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, YG_CERT_PEM_MAX, f);
	fclose(f);
	return buf;
}

static int read_seed(const char *name, struct yg_cert_info *info, char *why, size_t wn)
{
	size_t len;
	char *pem = slurp(name, &len);
	int r = yg_cert_pem_read(pem, len, info, why, wn);
	free(pem);
	return r;
}

static void one_certificate(void **state)
{
	(void)state;
	struct yg_cert_info a, b, k;
	char why[200];
	assert_int_equal(read_seed("member.pem", &a, why, sizeof why), 0);
	assert_int_equal(strlen(a.fp_hex), 64);
	assert_non_null(strstr(a.subject, "CN=sensor-1"));
	assert_non_null(strstr(a.subject, "O=Member Example"));
	assert_true(a.not_after_us > a.not_before_us);
	assert_false(a.is_ca);
	/* The same certificate with CRLF lines or its key after it is the
	 * same binding. */
	assert_int_equal(read_seed("crlf.pem", &b, why, sizeof why), 0);
	assert_memory_equal(a.fp, b.fp, sizeof a.fp);
	assert_int_equal(read_seed("member_and_key.pem", &k, why, sizeof why), 0);
	assert_memory_equal(a.fp, k.fp, sizeof a.fp);
	assert_int_equal(read_seed("ca.pem", &b, why, sizeof why), 0);
	assert_true(b.is_ca);
	assert_memory_not_equal(a.fp, b.fp, sizeof a.fp);
}

static void refused(void **state)
{
	(void)state;
	struct yg_cert_info info;
	char why[200];
	const char *bad[] = {"chain.pem", "key_only.pem", "cut.pem", "empty_block.pem",
	                     "noise.txt"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		assert_int_equal(read_seed(bad[i], &info, why, sizeof why), -EINVAL);
		assert_true(why[0] != '\0');
	}
	assert_int_equal(read_seed("chain.pem", &info, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "more than one certificate"));
	char *big = calloc(1, YG_CERT_PEM_MAX + 1);
	assert_non_null(big);
	assert_int_equal(yg_cert_pem_read(big, YG_CERT_PEM_MAX + 1, &info, why, sizeof why),
	                 -E2BIG);
	free(big);
}

static void fingerprints_as_pasted(void **state)
{
	(void)state;
	char out[65];
	assert_int_equal(yg_cert_fp_normalize("AB:cd:0F:12", out, sizeof out), 0);
	assert_string_equal(out, "abcd0f12");
	assert_int_equal(yg_cert_fp_normalize("abcg", out, sizeof out), -EINVAL);
	assert_int_equal(yg_cert_fp_normalize("", out, sizeof out), -EINVAL);
	char longer[80];
	memset(longer, 'a', 65);
	longer[65] = '\0';
	assert_int_equal(yg_cert_fp_normalize(longer, out, sizeof out), -EINVAL);
	uint8_t fp[32];
	for (int i = 0; i < 32; i++)
		fp[i] = (uint8_t)(i * 9);
	yg_cert_fp_hex(fp, out);
	assert_int_equal(strncmp(out, "0009121b", 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_certificate),
	    cmocka_unit_test(refused),
	    cmocka_unit_test(fingerprints_as_pasted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
