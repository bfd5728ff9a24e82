/* Encryption at rest of submitted mail: round trip, authentication of the
 * submission id, tampering, and the key file's mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/mail_seal.h"

static const char plain[] = "From: a@b.example\r\nTo: c@d.example\r\n\r\nsecret body\r\n";
static const char sub_a[] = "11111111-1111-4111-8111-111111111111";
static const char sub_b[] = "22222222-2222-4222-8222-222222222222";

static void key_file_made_once_0600(void **state)
{
	(void)state;
	char dir[] = "/tmp/yg-seal-XXXXXX";
	assert_non_null(mkdtemp(dir));
	uint8_t k1[YG_MAIL_KEY_LEN], k2[YG_MAIL_KEY_LEN];
	assert_int_equal(yg_mail_key_load(dir, k1), 0);
	assert_int_equal(yg_mail_key_load(dir, k2), 0);
	assert_memory_equal(k1, k2, sizeof k1);
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, YG_MAIL_KEY_FILE);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, YG_MAIL_KEY_LEN);
	/* A truncated key is refused, not padded. */
	assert_int_equal(truncate(path, 5), 0);
	assert_int_equal(yg_mail_key_load(dir, k2), -EBADMSG);
	unlink(path);
	rmdir(dir);
}

static void round_trip_and_tamper(void **state)
{
	(void)state;
	uint8_t key[YG_MAIL_KEY_LEN];
	memset(key, 7, sizeof key);
	uint8_t *blob = NULL, *out = NULL;
	size_t blen = 0, olen = 0;
	assert_int_equal(yg_mail_seal(key, sub_a, (const uint8_t *)plain, sizeof plain - 1, &blob,
				      &blen),
			 0);
	assert_int_equal(blen, sizeof plain - 1 + YG_MAIL_SEAL_OVERHEAD);
	assert_null(memmem(blob, blen, "secret body", 11));
	assert_int_equal(yg_mail_unseal(key, sub_a, blob, blen, &out, &olen), 0);
	assert_int_equal(olen, sizeof plain - 1);
	assert_memory_equal(out, plain, olen);
	free(out);
	/* Another submission's id, another key, a flipped bit: refused. */
	assert_int_equal(yg_mail_unseal(key, sub_b, blob, blen, &out, &olen), -EBADMSG);
	uint8_t other[YG_MAIL_KEY_LEN];
	memset(other, 8, sizeof other);
	assert_int_equal(yg_mail_unseal(other, sub_a, blob, blen, &out, &olen), -EBADMSG);
	blob[20] ^= 1;
	assert_int_equal(yg_mail_unseal(key, sub_a, blob, blen, &out, &olen), -EBADMSG);
	assert_int_equal(yg_mail_unseal(key, sub_a, blob, 10, &out, &olen), -EBADMSG);
	/* Two seals of the same text differ (fresh nonce). */
	uint8_t *b2 = NULL;
	size_t l2 = 0;
	blob[20] ^= 1;
	assert_int_equal(yg_mail_seal(key, sub_a, (const uint8_t *)plain, sizeof plain - 1, &b2, &l2),
			 0);
	assert_memory_not_equal(blob + 4, b2 + 4, 12);
	free(b2);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_file_made_once_0600),
		cmocka_unit_test(round_trip_and_tamper),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
