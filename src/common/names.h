/*
 * Checks for the short names and texts that configuration gives and that
 * end up in URLs, request lines, headers, file names and logs: peer names,
 * feed names, their URLs and collection names. One rule for each kind, so
 * a name accepted in one place is accepted in every other.
 */
#ifndef YG_COMMON_NAMES_H
#define YG_COMMON_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* 1..max characters of [A-Za-z0-9._-], not starting with a dot (so it is
 * never a hidden or relative file name). */
bool yg_label_ok(const char *s, size_t max);

/* At most max characters of printable ASCII without blanks or double
 * quotes (nothing that could end a header value or a log field); empty
 * only when empty_ok. */
bool yg_printable_ok(const char *s, size_t max, bool empty_ok);

#endif
