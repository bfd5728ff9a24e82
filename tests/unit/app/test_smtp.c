#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app/smtp.h"

/* Each call reads from an exact-size heap copy, so ASan sees any overread. */
static int client(const char *s, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, s, n);
	int r = yg_smtp_detect_client(b, n);
	free(b);
	return r;
}

static int banner(const char *s)
{
	size_t n = strlen(s);
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, s, n);
	int r = yg_smtp_detect_banner(b, n);
	free(b);
	return r;
}

static void client_commands(void **state)
{
	(void)state;
	assert_int_equal(client("EHLO GP\r\n", 9), 1);
	assert_int_equal(client("helo mail.example\r\n", 19), 1);
	assert_int_equal(client("eHlO x", 6), 1);
	/* Too few bytes to say: every proper prefix of a command. */
	for (size_t k = 0; k < 5; k++)
		assert_int_equal(client("EHLO ", k), 0);
	assert_int_equal(client("HEL", 3), 0);
	/* Not a greeting command. */
	assert_int_equal(client("EHLOX", 5), -1);
	assert_int_equal(client("MAIL FROM:<a@b>\r\n", 17), -1);
	assert_int_equal(client("GET / HTTP/1.1\r\n", 16), -1);
	assert_int_equal(client("\x16\x03\x01", 3), -1);
	assert_int_equal(client("HELP", 4), -1);
}

static void server_greetings(void **state)
{
	(void)state;
	assert_int_equal(banner("220 mx.example.com ESMTP Postfix\r\n"), 1);
	assert_int_equal(banner("220-mx.example.com ESMTP Exim 4.96\r\n220 ok\r\n"), 1);
	assert_int_equal(banner("220 mail smtp ready"), 1); /* no line end yet */
	/* FTP's greeting is a 220 too: the word decides. */
	assert_int_equal(banner("220 ProFTPD Server ready.\r\n"), -1);
	/* SMTP on a later line does not count. */
	assert_int_equal(banner("220 host\r\nSMTP\r\n"), -1);
	assert_int_equal(banner("220SMTP"), -1);
	assert_int_equal(banner("554 no SMTP service here\r\n"), -1);
	assert_int_equal(banner("220 "), -1);
	assert_int_equal(banner("22"), -1);
	assert_int_equal(banner(""), -1);
	assert_int_equal(banner("220 ESMT"), -1); /* cut before the word: not recognised */
	/* The word must lie within the first YG_SMTP_LINE_MAX bytes. */
	char big[YG_SMTP_LINE_MAX + 16];
	memset(big, 'x', sizeof big);
	memcpy(big, "220 ", 4);
	memcpy(big + YG_SMTP_LINE_MAX - 2, "SMTP", 4);
	big[sizeof big - 1] = 0;
	assert_int_equal(banner(big), -1);
	memcpy(big + YG_SMTP_LINE_MAX - 4, "SMTP", 4);
	assert_int_equal(banner(big), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(client_commands),
	    cmocka_unit_test(server_greetings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
