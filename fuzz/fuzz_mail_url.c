/* The URL extractor: bare-text and HTML scanning, normalization, entity
 * decoding, visible text, and the domain helpers on every host found. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the analyzer hands the extractor NUL-terminated UTF-8 from GMime;
	 * here any bytes, NULs included */
	const char *s = (const char *)data;
	struct yg_mail_urlset set = {0};
	(void)yg_mail_urls_from_text(&set, s, size);
	(void)yg_mail_urls_from_html(&set, s, size);
	for (size_t i = 0; i < set.n; i++) {
		if (set.v[i].host) {
			(void)yg_mail_idn_homograph(set.v[i].host);
			if (set.v[i].reg_domain)
				(void)yg_mail_lookalike(set.v[i].reg_domain, "paypal.com");
		}
	}
	yg_mail_urlset_release(&set);
	free(yg_mail_html_text(s, size));
	char *z = malloc(size + 1);
	if (z) {
		memcpy(z, data, size);
		z[size] = '\0';
		free(yg_mail_confusable_fold(z));
		free(yg_mail_reg_domain(z));
		(void)yg_mail_edit_distance(z, "example.com", 2);
		free(z);
	}
	return 0;
}
