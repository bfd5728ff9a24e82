/*
 * The mail analyzer's MIME stage on raw bytes: GMime's parse (headers,
 * RFC 2047 words, RFC 2231 parameters, legacy charsets, multipart
 * boundaries, message/rfc822 nesting) and the project's part walk (depth
 * and part caps, transfer decoding, the bodies' URL extraction, each
 * attachment handed to the file stage), then the assessment. No writers:
 * fuzz_mail_report fuzzes them on a report of any shape, and fuzz_mail
 * runs the whole path end to end on small messages. Archives inside
 * attachments are fuzz_mail_attach's stage.
 *
 * Checked: the report keeps the analyzer's caps (bodies, anomalies, URLs,
 * Received hops, files and their depth) and a score in 0..100.
 * Seeds: fuzz/seeds/mail.py.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "asan_quarantine.h"
#include "mail/mail-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_mail_mime: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_mail_opts opts = {0};
	struct yg_mail_report *r = NULL;
	if (yg_mail_analyze(data, size, &opts, &r) < 0)
		return 0;
	check(r->n_bodies <= 64, "more than 64 bodies");
	check(r->anomalies.n <= 64, "more than 64 anomalies");
	check(r->n_urls <= YG_MAIL_MAX_URLS, "URLs past the cap");
	check(r->n_hops <= YG_MAIL_MAX_HOPS, "Received hops past the cap");
	check(r->n_files <= YG_MAIL_MAX_FILES, "files past the cap");
	for (size_t i = 0; i < r->n_files; i++)
		check(r->files[i].depth <= YG_MAIL_ARCHIVE_DEPTH && r->files[i].path,
		      "a file too deep or without a path");
	check(r->score >= 0 && r->score <= 100, "score out of 0..100");
	check(r->size == size, "size is not the input's");
	yg_mail_report_free(r);
	return 0;
}
