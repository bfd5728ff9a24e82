/*
 * A guard around GMime's parse of address headers (gmime_guard.c).
 *
 * GMime 3.2.13 (Debian 12's) leaks the address it has just read when a
 * comment after it never closes, e.g. "From: a@[](": address_parse()
 * returns through its error path without freeing it (GMime issue 159,
 * fixed in 3.2.15). A message can repeat such a header as often as its
 * size allows, so one crafted mail could leak megabytes from a hub that
 * analyzes submissions for months. GMime parses Sender, From, Reply-To,
 * To, Cc and Bcc as each is added to a message (the top one and every
 * message/rfc822 inside it); the guard replaces that step, for every
 * message class instance, by one that leaves such a header unparsed. Its
 * addresses are not in the message's lists then, which is what GMime's
 * parse gave for the address before the open comment anyway; the analyzer
 * names the header in the anomaly "address_comment_unclosed".
 */
#ifndef YG_MAIL_GMIME_GUARD_H
#define YG_MAIL_GMIME_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Installs the guard; once, after g_mime_init, before any parse. */
void yg_mail_gmime_guard_install(void);

/* True when name is one of the headers GMime parses as addresses. */
bool yg_mail_is_address_header(const char *name);

/* True when the value ends inside a comment: a '(' outside a quoted
 * string that no ')' closes, backslash escapes honoured as RFC 5322 and
 * GMime's lexer do. */
bool yg_mail_addr_comment_unclosed(const char *v, size_t len);

#endif
