/*
 * The mail analyzer's attachment stage on raw bytes, without MIME around
 * it: the input is one attachment as it comes out of its part's
 * transfer decoding. yg_mail_file_add hashes it (MD5, SHA-1, SHA-256,
 * ssdeep), sniffs its type, sets the name and macro flags (OLE VBA
 * directory), and opens archives (zip, tar, gzip, 7z, rar, cab, ooxml ...
 * through libarchive) down YG_MAIL_ARCHIVE_DEPTH levels within the
 * expansion budget, each member going through the same stage.
 *
 * The first byte picks the declared MIME type and file name from a table
 * (the name drives the double-extension, RLO and type-mismatch checks);
 * the rest is the file. The JSON of the files is built too, as the
 * report would be. Invariants: every file found keeps its depth within
 * the limit and the budget is never overdrawn.
 *
 * The whole-message harness fuzz_mail reaches this stage only through
 * MIME and base64; here a mutation of an archive header is one byte away.
 * Seeds: fuzz/seeds/mail_attach.py.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *declared, *name;
} kinds[] = {
    {"application/zip", "tools.zip"},
    {"application/octet-stream", "invoice.pdf.exe"},
    {"application/gzip", "bundle.tar.gz"},
    {"application/vnd.ms-word.document.macroEnabled.12", "report.docm"},
    {"application/msword", "memo.doc"},
    {"application/pdf", "scan.pdf"},
    {"text/plain", "notes\xe2\x80\xaetxt.exe"}, /* RLO in the name */
    {"application/x-7z-compressed", "a.7z"},
    {"application/x-rar-compressed", "a.rar"},
    {NULL, NULL}, /* an unnamed part */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The attachment stage keeps at most YG_MAIL_KEEP_BYTES; 1 MiB is
	 * plenty to reach every path and keeps executions fast. */
	if (size < 1 || size > (1u << 20))
		return 0;
	unsigned k = data[0] % (sizeof kinds / sizeof kinds[0]);
	struct yg_mail_ctx ctx = {.budget_left = YG_MAIL_ARCHIVE_BUDGET,
	                          .entries_left = YG_MAIL_ARCHIVE_ENTRIES};
	ctx.r = calloc(1, sizeof *ctx.r);
	if (!ctx.r)
		return 0;
	struct yg_mail_hasher h;
	if (yg_mail_hasher_init(&h, YG_MAIL_KEEP_BYTES) == 0) {
		/* Fed in two pieces, as the MIME walk feeds decoded chunks. */
		size_t half = (size - 1) / 2;
		int r = yg_mail_hasher_update(&h, data + 1, half);
		if (r == 0)
			r = yg_mail_hasher_update(&h, data + 1 + half, size - 1 - half);
		if (r == 0)
			yg_mail_file_add(&ctx, kinds[k].name ? kinds[k].name : "part", kinds[k].name,
			                 kinds[k].declared, 0, &h);
		else
			yg_mail_hasher_release(&h);
	}
	if (ctx.budget_left > YG_MAIL_ARCHIVE_BUDGET || ctx.entries_left > YG_MAIL_ARCHIVE_ENTRIES)
		abort();
	for (size_t i = 0; i < ctx.r->n_files; i++)
		if (ctx.r->files[i].depth > YG_MAIL_ARCHIVE_DEPTH || !ctx.r->files[i].path)
			abort();
	json_decref(yg_mail_report_json(ctx.r));
	yg_mail_report_free(ctx.r);
	return 0;
}
