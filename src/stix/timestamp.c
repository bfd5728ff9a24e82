/*
 * STIX 2.1 timestamps (STIX 2.1 section 3.2, RFC 3339 section 5.6 with the
 * STIX restrictions: UTC only, written 'Z'):
 *
 *   2016-05-12T08:17:27.123456Z
 *   |  | |  | |  | |  |      +-- 'Z' (no numeric offset)
 *   |  | |  | |  | |  +--------- optional '.' and 1+ digits
 *   |  | |  | |  | +------------ second 00-60
 *   |  | |  | |  +-------------- minute 00-59
 *   |  | |  | +----------------- hour 00-23 after 'T'
 *   |  | |  +------------------- day 01-31 (checked against the month)
 *   |  | +---------------------- month 01-12
 *   +--+------------------------ year 0000-9999
 */
#include <errno.h>
#include <stdio.h>

#include "common/cursor.h"
#include "stix/timestamp.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's method:
 * years start in March so the leap day is the last day of the year). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n decimal digits. */
static bool digits(struct yg_cur *c, size_t n, unsigned *ret)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b;
		if (!yg_cur_u8(c, &b) || b < '0' || b > '9')
			return false;
		v = v * 10 + (unsigned)(b - '0');
	}
	*ret = v;
	return true;
}

static bool expect(struct yg_cur *c, uint8_t want)
{
	uint8_t b;
	return yg_cur_u8(c, &b) && b == want;
}

bool yg_stix_timestamp_parse_precise(const char *s, size_t len, struct yg_stix_time *ret)
{
	struct yg_cur c;
	unsigned year, mon, day, hour, min, sec;
	uint32_t nsec = 0;

	if (!s)
		return false;
	yg_cur_init(&c, (const uint8_t *)s, len);
	if (!digits(&c, 4, &year) || !expect(&c, '-') || !digits(&c, 2, &mon) || !expect(&c, '-') ||
	    !digits(&c, 2, &day) || !expect(&c, 'T') || !digits(&c, 2, &hour) || !expect(&c, ':') ||
	    !digits(&c, 2, &min) || !expect(&c, ':') || !digits(&c, 2, &sec))
		return false;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 ||
	    min > 59 || sec > 60)
		return false;

	uint8_t b;
	if (!yg_cur_u8(&c, &b))
		return false;
	if (b == '.') {
		size_t n = 0;
		uint32_t scale = 100000000;
		while (yg_cur_u8(&c, &b) && b >= '0' && b <= '9') {
			if (n < 9) {
				nsec += (uint32_t)(b - '0') * scale;
				scale /= 10;
			}
			n++;
		}
		/* b now holds the byte after the digits, or the last digit when
		 * the text ran out (which then fails the 'Z' test). */
		if (n == 0)
			return false;
	}
	if (b != 'Z' || yg_cur_left(&c) != 0)
		return false;

	ret->sec = days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 +
	           (int64_t)min * 60 + sec;
	ret->nsec = nsec;
	return true;
}

bool yg_stix_timestamp_parse(const char *s, size_t len, int64_t *ret_unix_ms)
{
	struct yg_stix_time t;
	if (!yg_stix_timestamp_parse_precise(s, len, &t))
		return false;
	*ret_unix_ms = t.sec * 1000 + t.nsec / 1000000;
	return true;
}

size_t yg_stix_timestamp_fraction_digits(const char *s, size_t len)
{
	struct yg_stix_time t;
	/* The fraction, when present, starts at the fixed offset 19. */
	if (!yg_stix_timestamp_parse_precise(s, len, &t) || len < 21 || s[19] != '.')
		return 0;
	return len - 21;
}

int yg_stix_time_cmp(const struct yg_stix_time *a, const struct yg_stix_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

int yg_stix_timestamp_format(int64_t unix_ms, char *buf, size_t buflen)
{
	/* 0000-01-01 and 10000-01-01 in Unix milliseconds. */
	const int64_t lo = -62167219200000LL, hi = 253402300800000LL;
	if (buflen < YG_STIX_TIMESTAMP_LEN + 1)
		return -ENOBUFS;
	if (unix_ms < lo || unix_ms >= hi)
		return -ERANGE;

	int64_t days = unix_ms / 86400000;
	int64_t rem = unix_ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	unsigned ms = (unsigned)(rem % 1000);
	unsigned s = (unsigned)(rem / 1000);
	int n = snprintf(buf, buflen, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)y, m, d,
	                 s / 3600, s / 60 % 60, s % 60, ms);
	return n == YG_STIX_TIMESTAMP_LEN ? 0 : -ERANGE;
}
