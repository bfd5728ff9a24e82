/*
 * SMTP recognition, RFC 5321 sections 4.1.1.1 (EHLO/HELO) and 4.2
 * (replies). See smtp.h for what is recognised and why.
 *
 *   client:  "EHLO" | "HELO"  SP  domain  CRLF
 *   server:  "220"  (SP | "-")  domain  SP  ... "ESMTP" ...  CRLF
 */
#include "app/smtp.h"

#include <stdbool.h>

static uint8_t upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
}

/* Whether p[0..n) equals the first n bytes of word (upper case), any case. */
static bool prefix_ci(const uint8_t *p, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (upper(p[i]) != (uint8_t)word[i])
			return false;
	return true;
}

int yg_smtp_detect_client(const uint8_t *p, size_t len)
{
	static const char *const cmds[] = {"EHLO ", "HELO "};
	const size_t want = 5;
	size_t k = len < want ? len : want;
	bool maybe = false;
	for (unsigned i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (!prefix_ci(p, k, cmds[i]))
			continue;
		if (k == want)
			return 1;
		maybe = true;
	}
	return maybe ? 0 : -1;
}

int yg_smtp_detect_banner(const uint8_t *p, size_t len)
{
	if (len < 4 || p[0] != '2' || p[1] != '2' || p[2] != '0' || (p[3] != ' ' && p[3] != '-'))
		return -1;
	size_t end = len < YG_SMTP_LINE_MAX ? len : YG_SMTP_LINE_MAX;
	for (size_t i = 4; i + 4 <= end; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			break;
		if (prefix_ci(p + i, 4, "SMTP"))
			return 1;
	}
	return -1;
}
