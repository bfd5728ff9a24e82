/*
 * File type from leading bytes ("magic numbers"), for attachments whose
 * declared Content-Type or extension may lie. Signatures from the format
 * specifications:
 *
 *   PE        "MZ" .. e_lfanew@0x3c -> "PE\0\0"   (Microsoft PE/COFF)
 *   ELF       7f 'E' 'L' 'F'
 *   Mach-O    fe ed fa ce/cf, ce/cf fa ed fe, ca fe ba be (fat)
 *   PDF       "%PDF-" within the first 1024 bytes (ISO 32000 7.5.2)
 *   ZIP       "PK\3\4" / "PK\5\6" (APPNOTE 4.3.7); OOXML when an entry
 *             name starts "[Content_Types].xml", "word/", "xl/", "ppt/"
 *   OLE/CFB   d0 cf 11 e0 a1 b1 1a e1   ([MS-CFB] 2.2)
 *   RAR       "Rar!\x1a\x07"            7z  37 7a bc af 27 1c
 *   gzip      1f 8b                     bzip2 "BZh"   xz fd "7zXZ" 00
 *   CAB       "MSCF"                    tar "ustar" at 257
 *   ISO 9660  "CD001" at 0x8001
 *   LNK       4c 00 00 00 01 14 02 00 ([MS-SHLLINK] 2.1, HeaderSize+CLSID)
 *   PNG 89 "PNG", JPEG ff d8 ff, GIF "GIF8", BMP "BM", RTF "{\rtf"
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "mail/mail-int.h"

static bool at(const uint8_t *p, size_t len, size_t off, const void *sig, size_t n)
{
	return len >= off + n && !memcmp(p + off, sig, n);
}

static bool is_pe(const uint8_t *p, size_t len)
{
	if (!at(p, len, 0, "MZ", 2))
		return false;
	struct yg_cur c;
	yg_cur_init(&c, p, len);
	uint8_t b[4];
	if (!yg_cur_skip(&c, 0x3c) || !yg_cur_copy(&c, b, 4))
		return false; /* too short for a DOS header: text that starts "MZ" */
	uint32_t off = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	               ((uint32_t)b[3] << 24);
	/* A kept prefix may end before e_lfanew: trust the DOS header then. */
	if (off > len || len - off < 4)
		return off < (1u << 20);
	return at(p, len, off, "PE\0\0", 4);
}

static bool zip_is_ooxml(const uint8_t *p, size_t len)
{
	static const char *const names[] = {"[Content_Types].xml", "word/", "xl/", "ppt/",
	                                    "_rels/"};
	/* local file headers carry the name at offset 30 */
	size_t scan = len < (1u << 20) ? len : (1u << 20);
	for (size_t i = 0; i + 30 < scan; i++) {
		if (p[i] != 'P' || p[i + 1] != 'K' || p[i + 2] != 3 || p[i + 3] != 4)
			continue;
		size_t nl = (size_t)p[i + 26] | ((size_t)p[i + 27] << 8);
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
			size_t kl = strlen(names[k]);
			if (nl >= kl && at(p, len, i + 30, names[k], kl))
				return true;
		}
	}
	return false;
}

static bool looks_text(const uint8_t *p, size_t len, bool *html)
{
	size_t n = len < 4096 ? len : 4096;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0 || (p[i] < 0x20 && !strchr("\t\r\n\f\x1b", p[i])))
			bad++;
	if (n == 0 || bad > n / 100)
		return false;
	*html = false;
	for (size_t i = 0; i + 5 < n && i < 512; i++) {
		if (p[i] == '<' && (!strncasecmp((const char *)p + i, "<html", 5) ||
		                    !strncasecmp((const char *)p + i, "<!doc", 5) ||
		                    !strncasecmp((const char *)p + i, "<scri", 5) ||
		                    !strncasecmp((const char *)p + i, "<body", 5))) {
			*html = true;
			break;
		}
	}
	return true;
}

const char *yg_mail_magic(const uint8_t *p, size_t len)
{
	if (len == 0)
		return "empty";
	if (is_pe(p, len))
		return "pe";
	if (at(p, len, 0,
	       "\x7f"
	       "ELF",
	       4))
		return "elf";
	if (at(p, len, 0, "\xfe\xed\xfa\xce", 4) || at(p, len, 0, "\xfe\xed\xfa\xcf", 4) ||
	    at(p, len, 0, "\xce\xfa\xed\xfe", 4) || at(p, len, 0, "\xcf\xfa\xed\xfe", 4))
		return "macho";
	if (at(p, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return "ole";
	if (at(p, len, 0, "PK\x03\x04", 4) || at(p, len, 0, "PK\x05\x06", 4) ||
	    at(p, len, 0, "PK\x07\x08", 4))
		return zip_is_ooxml(p, len) ? "ooxml" : "zip";
	if (at(p, len, 0, "Rar!\x1a\x07", 6))
		return "rar";
	if (at(p, len, 0, "7z\xbc\xaf\x27\x1c", 6))
		return "7z";
	if (at(p, len, 0, "\x1f\x8b", 2))
		return "gzip";
	if (at(p, len, 0, "BZh", 3))
		return "bzip2";
	if (at(p, len, 0,
	       "\xfd"
	       "7zXZ\x00",
	       6))
		return "xz";
	if (at(p, len, 0, "MSCF", 4))
		return "cab";
	if (at(p, len, 0, "L\0\0\0\x01\x14\x02\0", 8))
		return "lnk";
	if (at(p, len, 0, "\x89PNG", 4))
		return "png";
	if (at(p, len, 0, "\xff\xd8\xff", 3))
		return "jpeg";
	if (at(p, len, 0, "GIF8", 4))
		return "gif";
	if (at(p, len, 0, "{\\rtf", 5))
		return "rtf";
	if (at(p, len, 257, "ustar", 5))
		return "tar";
	if (at(p, len, 0x8001, "CD001", 5))
		return "iso";
	size_t lim = len < 1024 ? len : 1024;
	if (lim >= 5 && memmem(p, lim, "%PDF-", 5))
		return "pdf";
	if (at(p, len, 0, "#!", 2))
		return "script";
	if (at(p, len, 0, "BM", 2) && len > 14)
		return "bmp";
	bool html;
	if (looks_text(p, len, &html))
		return html ? "html" : "text";
	return "data";
}

bool yg_mail_magic_is_executable(const char *t)
{
	return t && (!strcmp(t, "pe") || !strcmp(t, "elf") || !strcmp(t, "macho"));
}

bool yg_mail_magic_is_archive(const char *t)
{
	static const char *const a[] = {"zip", "rar", "7z",  "gzip", "bzip2",
	                                "xz",  "cab", "tar", "iso"};
	for (size_t i = 0; t && i < sizeof a / sizeof a[0]; i++)
		if (!strcmp(t, a[i]))
			return true;
	return false;
}

/*
 * [MS-CFB] 2.6: directory entries are 128 bytes, UTF-16LE name in the first
 * 64, its byte length (with the terminating NUL) at offset 64. Directory
 * sectors start at 512 * (n + 1) (version 3) or 4096 * (n + 1) (version
 * 4), so every entry starts at a multiple of 128 past the header; scanning
 * those slots finds the entries without following the FAT chains, which a
 * hostile file can loop.
 */
bool yg_mail_ole_has_vba(const uint8_t *p, size_t len)
{
	static const char *const names[] = {"VBA", "_VBA_PROJECT", "Macros", "_VBA_PROJECT_CUR"};
	if (!at(p, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return false;
	for (size_t off = 512; off + 128 <= len; off += 128) {
		const uint8_t *e = p + off;
		size_t nl = (size_t)e[64] | ((size_t)e[65] << 8);
		uint8_t type = e[66];
		if (nl < 4 || nl > 64 || (nl & 1) || type < 1 || type > 2)
			continue;
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
			size_t kl = strlen(names[k]);
			if (nl != (kl + 1) * 2)
				continue;
			bool eq = true;
			for (size_t i = 0; i < kl && eq; i++)
				eq = toupper(e[2 * i]) == toupper((unsigned char)names[k][i]) &&
				     e[2 * i + 1] == 0;
			if (eq)
				return true;
		}
	}
	return false;
}
