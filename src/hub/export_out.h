/*
 * The body of an export answer (export_api.c, misp_export.c): an unlinked
 * temporary file, hashed (SHA-256) as it is written, so the ETag comes
 * with the bytes and memory does not grow with the answer. The file is
 * then mapped into the response and sent with sendfile on plain HTTP.
 */
#ifndef YG_HUB_EXPORT_OUT_H
#define YG_HUB_EXPORT_OUT_H

#include <stddef.h>

#include <openssl/evp.h>
#include <stdio.h>

#include "export/export.h"

struct yg_resp;

struct yg_export_out {
	int fd;
	FILE *f;
	EVP_MD_CTX *md;
	size_t len;
};

/* Opens o (an unlinked file in $TMPDIR); close with _close in any case. */
int yg_export_out_open(struct yg_export_out *o);
/* Appends n bytes (ud is the yg_export_out): -E2BIG past
 * YG_EXPORT_MAX_BYTES, -EIO. */
int yg_export_out_write(void *ud, const char *p, size_t n);
void yg_export_out_close(struct yg_export_out *o);
/* The ETag of what was written (as yg_export_etag of the same bytes). */
int yg_export_out_finish(struct yg_export_out *o, char etag[YG_EXPORT_ETAG_LEN + 1]);
/* Hands the file to resp as its body (the response owns it then). */
int yg_export_out_to_resp(struct yg_export_out *o, struct yg_resp *resp);
/* 1 and an empty 304 in resp when if_none_match names etag; 0 when not;
 * -ENOMEM. */
int yg_export_not_modified(const char *if_none_match, const char *etag, struct yg_resp *resp);
/* Answers with o's finished bytes: ETag and no-cache headers, then an
 * empty 304 when if_none_match names etag, or 200 with the file as the
 * body in content_type. 0 or -errno. */
int yg_export_out_send(struct yg_export_out *o, const char *etag, const char *if_none_match,
		       const char *content_type, struct yg_resp *resp);

#endif
