/*
 * Fuzzes yg_dns_parse with the input as one DNS message. Besides crashes
 * (ASan/UBSan) it checks what the parser promises: counts within their
 * caps, every name and rdata string NUL-terminated inside its field and
 * printable (the escaping of src/app/app-int.h; TXT data keeps its
 * spaces, as SPF and DKIM records are written), an anomaly with every
 * failure. Seeds: fuzz/seeds/app.py writes fuzz/corpus/dns/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/dns.h"

static struct yg_dns_msg msg;

static void check_text(const char *s, size_t cap, unsigned char lowest)
{
	const char *end = memchr(s, '\0', cap);
	if (!end)
		abort();
	for (const char *c = s; c < end; c++)
		if ((unsigned char)*c < lowest || *c == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum yg_anomaly an = 0;
	int r = yg_dns_parse(data, size, &msg, &an);
	if (r < 0) {
		if (an >= YG_ANOM__COUNT)
			abort();
		return 0;
	}
	if (r != 0 || msg.n_queries > YG_DNS_MAX_QUERIES || msg.n_queries > msg.qdcount ||
	    msg.n_answers > YG_DNS_MAX_ANSWERS || msg.n_answers > msg.ancount)
		abort();
	for (unsigned i = 0; i < msg.n_queries; i++)
		check_text(msg.queries[i].name, sizeof msg.queries[i].name, 0x21);
	for (unsigned i = 0; i < msg.n_answers; i++) {
		const struct yg_dns_answer *a = &msg.answers[i];
		check_text(a->name, sizeof a->name, 0x21);
		check_text(a->data, sizeof a->data, a->type == 16 ? 0x20 : 0x21);
		if (a->addr_family && a->addr_family != (a->type == 1 ? 4 : 6))
			abort();
	}
	return 0;
}
