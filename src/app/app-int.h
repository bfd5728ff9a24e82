/*
 * Private to src/app: how outside bytes become text in the fixed-size
 * strings of the parsed records (DNS names, TLS SNI and ALPN).
 *
 * One escaping rule for every protocol, in the style of dig and RFC 1035
 * section 5.1 master files, so that a string is always printable, valid
 * UTF-8 and free of NUL (safe to log, match and put in JSON):
 *
 *   0x21..0x7e        copied, except '\' which becomes "\\"
 *   '.' inside a DNS label                      "\."
 *   bytes < 0x21 (space included), 0x7f         "\DDD" (3 decimal digits)
 *   a complete, valid UTF-8 sequence (>= 0x80)  copied (mDNS and IDN
 *                                               U-labels stay readable)
 *   any other byte >= 0x80                      "\DDD"
 */
#ifndef YG_APP_APP_INT_H
#define YG_APP_APP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_TEXT_DNS_LABEL 1u /* escape '.' too: the bytes are one DNS label */

/* Length of the escaped form of [p, p+n). */
size_t yg_app_text_len(const uint8_t *p, size_t n, unsigned flags);

/*
 * Writes the escaped form of [p, p+n) to out, at most room bytes, no NUL.
 * Returns the length written; when the whole form does not fit, writes the
 * longest prefix that ends on a whole character or escape, and sets
 * *ret_cut (when not NULL).
 */
size_t yg_app_text_put(char *out, size_t room, const uint8_t *p, size_t n, unsigned flags,
                       bool *ret_cut);

#endif
