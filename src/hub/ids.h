/*
 * Identifiers and timestamps the hub makes: random UUIDs (RFC 4122
 * version 4, from OpenSSL RAND_bytes) and TAXII timestamps at microsecond
 * precision ("2024-01-02T03:04:05.123456Z"), which is the precision of
 * date_added and so of pagination.
 */
#ifndef YG_HUB_IDS_H
#define YG_HUB_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_UUID_LEN 36
#define YG_TIME_US_LEN 27

/* Writes a random version-4 UUID and a NUL. -EIO when RAND_bytes fails. */
int yg_uuid4(char ret[YG_UUID_LEN + 1]);

int64_t yg_now_us(void);

/* Formats Unix microseconds as a TAXII timestamp and a NUL; -ERANGE
 * outside years 0000..9999. */
int yg_time_format_us(int64_t us, char ret[YG_TIME_US_LEN + 1]);

/* Parses a STIX/TAXII timestamp (any fraction digits; beyond the sixth are
 * dropped) to Unix microseconds. */
bool yg_time_parse_us(const char *s, size_t len, int64_t *ret);

#endif
