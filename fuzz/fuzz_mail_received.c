/* The Received header parser and the date parser on raw bytes. */
#include <stddef.h>
#include <stdint.h>

#include "mail/mail-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_mail_hop h;
	if (yg_mail_received_parse((const char *)data, size, &h) == 0) {
		if (h.from_ip)
			(void)yg_mail_ip_is_public(h.from_ip);
		yg_mail_hop_release(&h);
	}
	(void)yg_mail_date_parse((const char *)data, size);
	return 0;
}
