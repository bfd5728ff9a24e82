/*
 * SMTP recognition (RFC 5321): tells an SMTP session from its first bytes
 * so the flow's app_proto says smtp. Nothing of the session is parsed
 * beyond that.
 *
 * The client's first command on a session is EHLO or HELO (section
 * 4.1.1.1), case-insensitive, then a space; the server's greeting is a
 * 220 reply (section 4.2: "220", then a space or '-' for a multiline
 * greeting) whose first line names the service as SMTP or ESMTP, as
 * nearly every server's does; a bare 220 is also FTP's greeting, so the
 * word is what decides.
 */
#ifndef YG_APP_SMTP_H
#define YG_APP_SMTP_H

#include <stddef.h>
#include <stdint.h>

/* 1 when p[0..len) starts with "EHLO " or "HELO " (any case), 0 when the
 * bytes are a proper prefix of one (too few to say), -1 otherwise. */
int yg_smtp_detect_client(const uint8_t *p, size_t len);

/* 1 when p[0..len) starts with an SMTP greeting: "220" and a space or
 * '-', and "SMTP" (any case) on its first line (up to the first CR or LF,
 * at most YG_SMTP_LINE_MAX bytes); -1 otherwise. Only the bytes given are
 * read: a greeting cut before the word is not recognised. */
int yg_smtp_detect_banner(const uint8_t *p, size_t len);

/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its CRLF. */
#define YG_SMTP_LINE_MAX 512u

#endif
