/*
 * UUIDs and microsecond timestamps (see ids.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "hub/ids.h"
#include "stix/timestamp.h"

int yg_uuid4(char ret[YG_UUID_LEN + 1])
{
	uint8_t b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		return -EIO;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	static const char hexd[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			ret[o++] = '-';
		ret[o++] = hexd[b[i] >> 4];
		ret[o++] = hexd[b[i] & 15];
	}
	ret[o] = '\0';
	return 0;
}

int64_t yg_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int yg_time_format_us(int64_t us, char ret[YG_TIME_US_LEN + 1])
{
	int64_t sec = us / 1000000, frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		sec -= 1;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return -ERANGE;
	/* Values are range-checked above, so the text is exactly 27 bytes. */
	char buf[64];
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (int)frac);
	memcpy(ret, buf, YG_TIME_US_LEN);
	ret[YG_TIME_US_LEN] = '\0';
	return 0;
}

bool yg_time_parse_us(const char *s, size_t len, int64_t *ret)
{
	struct yg_stix_time t;
	if (!s || !yg_stix_timestamp_parse_precise(s, len, &t))
		return false;
	if (t.sec > INT64_MAX / 1000000 - 1 || t.sec < INT64_MIN / 1000000 + 1)
		return false;
	*ret = t.sec * 1000000 + (int64_t)(t.nsec / 1000);
	return true;
}
