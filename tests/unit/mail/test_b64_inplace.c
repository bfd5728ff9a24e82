/* The analyzer's base64 check (the invalid_base64 anomaly) for every byte
 * value, with the decoded bytes hashed as GMime decodes them; and parsing
 * the caller's bytes in place: an exact-size, non-NUL-terminated buffer is
 * read and never written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

static const struct yg_mail_opts opts; /* no YARA, no protected domains */

static const char head[] = "From: a@example.com\r\n"
                           "To: b@example.org\r\n"
                           "Subject: b64\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
                           "--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
                           "--B\r\nContent-Type: application/octet-stream\r\n"
                           "Content-Disposition: attachment; filename=\"x.bin\"\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n";
static const char tail[] = "\r\n--B--\r\n";

static char *build(const char *b64, size_t b64_len, size_t *ret_len)
{
	size_t n = sizeof head - 1 + b64_len + sizeof tail - 1;
	char *m = malloc(n);
	assert_non_null(m);
	memcpy(m, head, sizeof head - 1);
	memcpy(m + sizeof head - 1, b64, b64_len);
	memcpy(m + sizeof head - 1 + b64_len, tail, sizeof tail - 1);
	*ret_len = n;
	return m;
}

static bool has_anomaly(const struct yg_mail_report *r, const char *name)
{
	for (size_t i = 0; i < r->anomalies.n; i++)
		if (!strcmp(r->anomalies.v[i], name))
			return true;
	return false;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[32];
	unsigned dn = 0;
	assert_int_equal(EVP_Digest(p, n, d, &dn, EVP_sha256(), NULL), 1);
	for (unsigned i = 0; i < dn; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const struct yg_mail_file *the_file(const struct yg_mail_report *r)
{
	assert_int_equal(r->n_files, 1);
	assert_string_equal(r->files[0].filename, "x.bin");
	return &r->files[0];
}

/* "SGVsbG8s" "IHdvcmxk" decode to "Hello, world"; every byte value in
 * turn is put between the two quartets. Only the base64 alphabet, '=' and
 * tab/LF/VT/FF/CR/space are clean; any other byte is an anomaly, and the
 * decoder skips it, so the hash stays that of "Hello, world". '=' there is
 * clean but is a pad that GMime decodes as a zero sextet, and an alphabet
 * character adds a sextet: those change the bytes, which the check does
 * not judge. */
static void every_byte(void **state)
{
	(void)state;
	char want[65];
	sha256_hex("Hello, world", 12, want);
	for (int c = 0; c < 256; c++) {
		char b64[17];
		memcpy(b64, "SGVsbG8s", 8);
		b64[8] = (char)c;
		memcpy(b64 + 9, "IHdvcmxk", 8);
		size_t len = 0;
		char *m = build(b64, sizeof b64, &len);
		struct yg_mail_report *r = NULL;
		assert_int_equal(yg_mail_analyze((const uint8_t *)m, len, &opts, &r), 0);
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		             (c >= '0' && c <= '9') || c == '+' || c == '/';
		bool clean = alpha || c == '=' || c == ' ' || (c >= '\t' && c <= '\r');
		if (has_anomaly(r, "invalid_base64") != !clean)
			fail_msg("byte 0x%02x: invalid_base64 %s", c, clean ? "set" : "missing");
		const struct yg_mail_file *f = the_file(r);
		if (!alpha && c != '=') {
			assert_int_equal(f->size, 12);
			assert_string_equal(f->sha256, want);
		}
		yg_mail_report_free(r);
		free(m);
	}
}

/* A long attachment over several 64 KiB read chunks, lines of 76 with
 * CRLF: no anomaly, and the hash of the bytes that were encoded. One bad
 * byte far into it (in a later chunk) is still seen. */
static void long_part(void **state)
{
	(void)state;
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t raw_len = 300000; /* a multiple of 3: no padding */
	uint8_t *raw = malloc(raw_len);
	size_t cap = raw_len / 3 * 4 + raw_len / 57 * 2 + 4;
	char *b64 = malloc(cap);
	assert_non_null(raw);
	assert_non_null(b64);
	for (size_t i = 0; i < raw_len; i++)
		raw[i] = (uint8_t)(i * 2654435761u >> 13);
	size_t o = 0;
	for (size_t i = 0; i < raw_len; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		b64[o++] = al[v >> 18 & 63];
		b64[o++] = al[v >> 12 & 63];
		b64[o++] = al[v >> 6 & 63];
		b64[o++] = al[v & 63];
		if ((i / 3 + 1) % 19 == 0) {
			b64[o++] = '\r';
			b64[o++] = '\n';
		}
	}
	assert_true(o <= cap);
	char want[65];
	sha256_hex(raw, raw_len, want);
	size_t len = 0;
	char *m = build(b64, o, &len);
	struct yg_mail_report *r = NULL;
	assert_int_equal(yg_mail_analyze((const uint8_t *)m, len, &opts, &r), 0);
	assert_false(has_anomaly(r, "invalid_base64"));
	assert_int_equal(the_file(r)->size, raw_len);
	assert_string_equal(the_file(r)->sha256, want);
	yg_mail_report_free(r);
	free(m);
	/* a '!' where a line break was, some 200 KB in */
	size_t at = o - 1000;
	while (b64[at] != '\r')
		at++;
	b64[at] = '!';
	m = build(b64, o, &len);
	assert_int_equal(yg_mail_analyze((const uint8_t *)m, len, &opts, &r), 0);
	assert_true(has_anomaly(r, "invalid_base64"));
	assert_string_equal(the_file(r)->sha256, want);
	yg_mail_report_free(r);
	free(m);
	free(b64);
	free(raw);
}

/* The message buffer is exactly the message (no NUL after it: ASan sees
 * any read past it) and is not written by parsing in place. */
static void read_in_place(void **state)
{
	(void)state;
	size_t len = 0;
	char *m = build("SGVsbG8sIHdvcmxk", 16, &len);
	char *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, m, len);
	for (int round = 0; round < 2; round++) {
		struct yg_mail_report *r = NULL;
		assert_int_equal(yg_mail_analyze((const uint8_t *)m, len, &opts, &r), 0);
		assert_int_equal(the_file(r)->size, 12);
		assert_int_equal(r->size, len);
		assert_string_equal(r->subject, "b64");
		yg_mail_report_free(r);
		assert_memory_equal(m, copy, len);
	}
	free(copy);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(every_byte),
	                                   cmocka_unit_test(long_part),
	                                   cmocka_unit_test(read_in_place)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
