/*
 * The owner import file (src/hub/owner_csv.c): any bytes give good rows
 * whose fields passed their checks (canonical CIDR, owner 1..128 bytes,
 * a contact address and URL without control characters or header
 * syntax, ja or en) and bad lines with their numbers, or -E2BIG.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/owner_csv.h"

struct seen {
	unsigned long last_line;
};

static int row(void *ud, const struct yg_owner_row *r)
{
	struct seen *s = ud;
	if (r->line <= s->last_line && s->last_line)
		abort();
	s->last_line = r->line;
	if (!r->owner[0] || strlen(r->owner) > YG_HOST_OWNER_MAX || !strchr(r->cidr, '/'))
		abort();
	if (!yg_owner_email_ok(r->email) || !yg_owner_url_ok(r->webhook))
		abort();
	if (strcmp(r->lang, "ja") && strcmp(r->lang, "en"))
		abort();
	if (strpbrk(r->email, "\r\n") || strpbrk(r->webhook, "\r\n") || strpbrk(r->owner, "\r\n"))
		abort();
	if (r->len > (r->family == 4 ? 32 : 128))
		abort();
	return 0;
}

static void bad(void *ud, unsigned long line, const char *why)
{
	struct seen *s = ud;
	if (!why || !*why || line == 0 || line <= s->last_line)
		abort();
	s->last_line = line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0};
	struct yg_owner_csv_cb cb = {.row = row, .bad = bad, .ud = &s};
	long n = yg_owner_csv_parse((const char *)data, size, &cb);
	if (n < -1000 || (n >= 0 && (unsigned long)n > s.last_line))
		abort();
	return 0;
}
