/* The whole mail analyzer (MIME, headers, URLs, attachments, archives,
 * JSON and STIX serialization) on raw bytes. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "asan_quarantine.h"
#include "mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const protect[] = {"paypal.com", "example-bank.jp", NULL};
	struct yg_mail_opts opts = {NULL, protect};
	struct yg_mail_report *r = NULL;
	if (yg_mail_analyze(data, size, &opts, &r) < 0)
		return 0;
	json_decref(yg_mail_report_json(r));
	json_decref(yg_mail_report_stix(r, 1709254800000));
	yg_mail_report_free(r);
	return 0;
}
