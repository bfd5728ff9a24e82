/*
 * Strict base64 (RFC 4648 section 4) decoding, shared by every reader of
 * outside input that carries it: HTTP Basic credentials, Suricata dataset
 * lines. Strict means whole quads, the standard alphabet only, and '='
 * only as the last one or two characters; anything else is refused rather
 * than guessed at, so two readers never disagree on the same bytes.
 */
#ifndef YG_COMMON_BASE64_H
#define YG_COMMON_BASE64_H

#include <stddef.h>

/* Decodes s[0..n) into out[0..cap). Returns 0 and sets *ret_len, -EINVAL
 * for input that is not strict base64 (including n == 0), -E2BIG when the
 * decoded bytes would not fit in cap. out may be written on failure. */
int yg_base64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *ret_len);

#endif
