/*
 * Mail analysis, anonymization and observable extraction on raw bytes
 * (issue 5): whatever the message, the recipients of To/Cc end up as
 * placeholders and no extracted observable carries one (subject templates
 * aside, where a placeholder stands for any recipient).
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "correlate/correlate.h"
#include "mail/anon.h"
#include "mail/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct yg_mail_anon *anon;
	static struct yg_corr_warn *warn;
	if (!anon) {
		const char *dom[] = {"corp.example", "victim.example.org"};
		const char *pii[] = {"EMP-[0-9]{6}", "[0-9]{3}-[0-9]{4}-[0-9]{4}"};
		struct yg_mail_anon_cfg cfg = {dom, 2, pii, 2};
		if (yg_mail_anon_new(&cfg, &anon) < 0 || yg_corr_warn_new(NULL, &warn) < 0)
			abort();
	}
	struct yg_mail_opts opts = {0};
	struct yg_mail_report *r = NULL;
	if (yg_mail_analyze(data, size, &opts, &r) < 0)
		return 0;
	if (yg_mail_anon_apply(anon, data, size, r) == 0) {
		for (size_t i = 0; i < r->to.n; i++)
			if (r->to.v[i].address && !yg_mail_anon_is_scrubbed(r->to.v[i].address))
				abort();
		struct yg_corr_obs *o = NULL;
		size_t n = 0;
		if (yg_corr_extract(r, warn, &o, &n) == 0) {
			for (size_t i = 0; i < n; i++)
				if (o[i].type != YG_CORR_SUBJECT && yg_mail_anon_is_scrubbed(o[i].value))
					abort();
			json_decref(yg_corr_indicators_json(o, n));
			yg_corr_obs_free(o, n);
		}
		json_decref(yg_mail_report_json(r));
	}
	yg_mail_report_free(r);
	return 0;
}
