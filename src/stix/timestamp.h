/*
 * STIX 2.1 timestamps (STIX 2.1 section 3.2; RFC 3339 restricted to UTC):
 *
 *   YYYY-MM-DDTHH:MM:SS[.fraction]Z
 *
 * Upper-case 'T' and 'Z' are required, no offsets, any number of fraction
 * digits, second 60 allowed (a leap second) as the STIX JSON schema allows
 * it. Day-of-month is checked against the month and leap years.
 *
 * Shared by the pattern parser (t'...' constants), the object validator,
 * and the hub (ordering created/modified, TAXII added_after).
 */
#ifndef YG_STIX_TIMESTAMP_H
#define YG_STIX_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parsed timestamp at full precision: nanoseconds (fraction digits past
 * the ninth are dropped, never rounded). A leap second reads as the first
 * second of the next minute. */
struct yg_stix_time {
	int64_t sec; /* Unix seconds, UTC */
	uint32_t nsec;
};

/* Parses s[0..len) (not necessarily NUL-terminated). False, and *ret
 * untouched, when it is not a STIX timestamp. */
bool yg_stix_timestamp_parse_precise(const char *s, size_t len, struct yg_stix_time *ret);

/* The same, to Unix milliseconds (sub-millisecond digits dropped). */
bool yg_stix_timestamp_parse(const char *s, size_t len, int64_t *ret_unix_ms);

/* Number of fraction digits of a valid timestamp (created/modified must
 * carry at least 3 by the STIX schema). 0 when there is no fraction. */
size_t yg_stix_timestamp_fraction_digits(const char *s, size_t len);

/* <0, 0, >0 as a is before, equal to, after b. */
int yg_stix_time_cmp(const struct yg_stix_time *a, const struct yg_stix_time *b);

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL (YG_STIX_TIMESTAMP_LEN + 1
 * bytes). Returns -ENOBUFS when buflen is too small, -ERANGE for a time
 * outside years 0000..9999. */
#define YG_STIX_TIMESTAMP_LEN 24
int yg_stix_timestamp_format(int64_t unix_ms, char *buf, size_t buflen);

#endif
