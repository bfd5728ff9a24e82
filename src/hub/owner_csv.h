/*
 * The owner import file (issue 14): one network per line,
 *
 *   cidr,owner,email,webhook,language
 *   192.0.2.0/24,Example ISP,abuse@isp.example,https://isp.example/hook,ja
 *
 * A first line starting with "cidr" is a header; blank lines and lines
 * starting with '#' are skipped. Fields may be double-quoted ("" inside
 * is a quote). email and webhook may be empty (no such channel); language
 * is "ja" or "en" (empty: "en"). The CIDR must have no host bits set.
 *
 * A bad line is reported with its line number and why, and skipped; the
 * good lines are kept. Bounds: YG_OWNER_CSV_MAX bytes, YG_OWNER_LINE_MAX
 * bytes per line, YG_HOST_PREFIXES_MAX lines.
 */
#ifndef YG_HUB_OWNER_CSV_H
#define YG_HUB_OWNER_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "store/store_hosts.h"

#define YG_OWNER_CSV_MAX  (64u << 20)
#define YG_OWNER_LINE_MAX 4096

struct yg_owner_row {
	unsigned long line;
	char cidr[64];   /* canonical text: address/len */
	uint8_t family;  /* 4 or 6 */
	uint8_t addr[16];
	uint8_t len;
	char owner[YG_HOST_OWNER_MAX + 1];
	char email[YG_HOST_EMAIL_MAX + 1];
	char webhook[YG_HOST_URL_MAX + 1];
	char lang[3];
};

struct yg_owner_csv_cb {
	/* A good line; returns 0 to go on, < 0 to stop with that error. */
	int (*row)(void *ud, const struct yg_owner_row *r);
	/* A bad line (skipped); why is a short English phrase. */
	void (*bad)(void *ud, unsigned long line, const char *why);
	void *ud;
};

/*
 * Parses data[0..len). Returns the number of good lines, -E2BIG past the
 * bounds (nothing after the bound is read), or a callback's error.
 */
long yg_owner_csv_parse(const char *data, size_t len, const struct yg_owner_csv_cb *cb);

/* Whether s is an acceptable contact e-mail address / webhook URL (the
 * same checks the parser makes; "" is acceptable: no channel). */
int yg_owner_email_ok(const char *s);
int yg_owner_url_ok(const char *s);

#endif
