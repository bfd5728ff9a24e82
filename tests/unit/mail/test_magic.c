#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mail/mail-int.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

static void signatures(void **state)
{
	(void)state;
	uint8_t pe[0x100] = {'M', 'Z'};
	pe[0x3c] = 0x80;
	memcpy(pe + 0x80, "PE\0\0", 4);
	assert_string_equal(yg_mail_magic(pe, sizeof pe), "pe");
	pe[0x80] = 'X'; /* MZ without a PE header at e_lfanew */
	assert_string_equal(yg_mail_magic(pe, sizeof pe), "data");
	assert_string_equal(yg_mail_magic(S("MZ is text")), "text");
	assert_string_equal(yg_mail_magic(S("\x7f"
	                                    "ELF\x02\x01")),
	                    "elf");
	assert_string_equal(yg_mail_magic(S("\xcf\xfa\xed\xfe....")), "macho");
	assert_string_equal(yg_mail_magic(S("junk\n%PDF-1.7\n")), "pdf");
	assert_string_equal(yg_mail_magic(S("PK\x03\x04....")), "zip");
	assert_string_equal(yg_mail_magic(S("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")), "ole");
	assert_string_equal(yg_mail_magic(S("Rar!\x1a\x07\x01\x00")), "rar");
	assert_string_equal(yg_mail_magic(S("7z\xbc\xaf\x27\x1c")), "7z");
	assert_string_equal(yg_mail_magic(S("\x1f\x8b\x08")), "gzip");
	assert_string_equal(yg_mail_magic(S("\x89PNG\r\n")), "png");
	assert_string_equal(yg_mail_magic(S("\xff\xd8\xff\xe0")), "jpeg");
	assert_string_equal(yg_mail_magic(S("GIF89a")), "gif");
	assert_string_equal(yg_mail_magic(S("#!/bin/sh\n")), "script");
	assert_string_equal(yg_mail_magic(S("L\0\0\0\x01\x14\x02\0\0\0")), "lnk");
	assert_string_equal(yg_mail_magic(S("{\\rtf1")), "rtf");
	assert_string_equal(yg_mail_magic(S("<!DOCTYPE html><html>")), "html");
	assert_string_equal(yg_mail_magic(S("\x00\x01\x02\x03\x04")), "data");
	assert_string_equal(yg_mail_magic(NULL, 0), "empty");
	uint8_t tar[600] = {0};
	memcpy(tar + 257, "ustar", 5);
	assert_string_equal(yg_mail_magic(tar, sizeof tar), "tar");
}

static void ooxml(void **state)
{
	(void)state;
	uint8_t z[80] = {'P', 'K', 3, 4};
	const char *name = "[Content_Types].xml";
	z[26] = (uint8_t)strlen(name);
	memcpy(z + 30, name, strlen(name));
	assert_string_equal(yg_mail_magic(z, sizeof z), "ooxml");
}

static void ole_vba(void **state)
{
	(void)state;
	uint8_t f[512 + 256] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
	assert_false(yg_mail_ole_has_vba(f, sizeof f));
	uint8_t *e = f + 512 + 128; /* second directory entry */
	const char *n = "_VBA_PROJECT";
	for (size_t i = 0; i < strlen(n); i++)
		e[2 * i] = (uint8_t)n[i];
	e[64] = (uint8_t)((strlen(n) + 1) * 2);
	e[66] = 2;
	assert_true(yg_mail_ole_has_vba(f, sizeof f));
	e[66] = 0; /* an unused entry does not count */
	assert_false(yg_mail_ole_has_vba(f, sizeof f));
	/* a name outside an entry slot does not count either */
	assert_false(yg_mail_ole_has_vba(f, 512 + 200));
}

static void names(void **state)
{
	(void)state;
	assert_int_equal(yg_mail_name_flags("invoice.pdf.exe"),
	                 YG_MAIL_F_DOUBLE_EXT | YG_MAIL_F_EXECUTABLE);
	assert_int_equal(yg_mail_name_flags("invoice.pdf      .scr"),
	                 YG_MAIL_F_DOUBLE_EXT | YG_MAIL_F_EXECUTABLE);
	assert_int_equal(yg_mail_name_flags("photo\xe2\x80\xaegpj.js"),
	                 YG_MAIL_F_RLO | YG_MAIL_F_SCRIPT);
	assert_int_equal(yg_mail_name_flags("RUN.HTA"), YG_MAIL_F_SCRIPT);
	assert_int_equal(yg_mail_name_flags("a.lnk"), YG_MAIL_F_SHORTCUT);
	assert_int_equal(yg_mail_name_flags("report.pdf"), 0);
	assert_int_equal(yg_mail_name_flags("archive.tar.gz"), 0);
	assert_int_equal(yg_mail_name_flags("noext"), 0);
	assert_int_equal(yg_mail_name_flags(NULL), 0);
}

static void mismatch(void **state)
{
	(void)state;
	assert_true(yg_mail_type_mismatch("application/pdf", "x.pdf", "pe"));
	assert_true(yg_mail_type_mismatch("image/png", "x.png", "zip"));
	assert_true(yg_mail_type_mismatch(NULL, "cv.docx", "pe"));
	assert_false(yg_mail_type_mismatch("application/pdf", "x.pdf", "pdf"));
	assert_false(yg_mail_type_mismatch("application/vnd.ms-word.document.macroEnabled.12",
	                                   "a.docm", "ooxml"));
	assert_false(yg_mail_type_mismatch("application/zip", "a.docx", "ooxml"));
	assert_false(yg_mail_type_mismatch("application/octet-stream", "a.exe", "pe"));
	assert_false(yg_mail_type_mismatch("application/pdf", "x.pdf",
	                                   "data")); /* unknown bytes: no judgement */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(signatures), cmocka_unit_test(ooxml),    cmocka_unit_test(ole_vba),
	    cmocka_unit_test(names),      cmocka_unit_test(mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
