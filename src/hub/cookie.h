/*
 * The Cookie request header (RFC 6265 section 4.2 and 5.4), read for one
 * cookie by name: the dashboard's session.
 *
 *   cookie-string = cookie-pair *( ";" SP cookie-pair )
 *   cookie-pair   = cookie-name "=" cookie-value
 *   cookie-value  = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
 *
 * Browsers send exactly that; other clients are read leniently (spaces or
 * tabs around pairs, a missing space after ';', pairs without '=' are
 * skipped) but never past the header's end: every read is bounded by len,
 * the header need not be NUL-terminated, and a header longer than
 * YG_COOKIE_HEADER_MAX is refused outright.
 */
#ifndef YG_HUB_COOKIE_H
#define YG_HUB_COOKIE_H

#include <stddef.h>

#define YG_COOKIE_HEADER_MAX 8192

/* Finds the first cookie called name in the header [h, h+len). On success
 * *ret_val / *ret_len span its value inside h (quotes removed). -ENOENT
 * when there is none, -E2BIG when len > YG_COOKIE_HEADER_MAX, -EBADMSG
 * when that cookie's value holds bytes a cookie-value may not (then the
 * cookie is as good as absent: callers treat both the same). */
int yg_cookie_get(const char *h, size_t len, const char *name, const char **ret_val,
		  size_t *ret_len);

#endif
