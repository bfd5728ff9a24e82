/*
 * Export answer bodies in a temporary file (export_out.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hub/export_out.h"
#include "hub/hub-int.h"

/* The answer body: an unlinked temporary file, hashed as it is written. */

int yg_export_out_open(struct yg_export_out *o)
{
	*o = (struct yg_export_out){.fd = -1};
	o->md = EVP_MD_CTX_new();
	if (!o->md || !EVP_DigestInit_ex(o->md, EVP_sha256(), NULL))
		return -ENOMEM;
	int fd = yg_export_tmpfd();
	if (fd < 0)
		return fd;
	o->fd = fd;
	int dup_fd = dup(fd);
	o->f = dup_fd >= 0 ? fdopen(dup_fd, "w") : NULL;
	if (!o->f) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -EIO;
	}
	return 0;
}

int yg_export_out_write(void *ud, const char *p, size_t n)
{
	struct yg_export_out *o = ud;
	if (n > YG_EXPORT_MAX_BYTES - o->len)
		return -E2BIG;
	if (fwrite(p, 1, n, o->f) != n || !EVP_DigestUpdate(o->md, p, n))
		return -EIO;
	o->len += n;
	return 0;
}

void yg_export_out_close(struct yg_export_out *o)
{
	if (o->f)
		fclose(o->f);
	if (o->fd >= 0)
		close(o->fd);
	EVP_MD_CTX_free(o->md);
	*o = (struct yg_export_out){.fd = -1};
}

/* The ETag of what was written (as yg_export_etag of the same bytes). */
int yg_export_out_finish(struct yg_export_out *o, char etag[YG_EXPORT_ETAG_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (fflush(o->f) != 0 || !EVP_DigestFinal_ex(o->md, md, &mdlen) || mdlen < 16)
		return -EIO;
	etag[0] = '"';
	for (int i = 0; i < 16; i++) {
		etag[1 + 2 * i] = hex[md[i] >> 4];
		etag[2 + 2 * i] = hex[md[i] & 15];
	}
	etag[33] = '"';
	etag[34] = 0;
	return 0;
}

struct mapped {
	void *p;
	size_t len;
	int fd;
};

static void mapped_free(void *cls)
{
	struct mapped *m = cls;
	munmap(m->p, m->len);
	close(m->fd);
	free(m);
}

/* Hands the file to resp as its body: mapped (read only if a TLS
 * connection copies it) and in body_fd for sendfile. */
int yg_export_out_to_resp(struct yg_export_out *o, struct yg_resp *resp)
{
	if (o->len == 0) {
		resp->body = calloc(1, 1);
		resp->len = 0;
		return resp->body ? 0 : -ENOMEM;
	}
	struct mapped *m = malloc(sizeof *m);
	if (!m)
		return -ENOMEM;
	m->p = mmap(NULL, o->len, PROT_READ, MAP_SHARED, o->fd, 0);
	if (m->p == MAP_FAILED) {
		free(m);
		return -errno;
	}
	m->len = o->len;
	m->fd = o->fd;
	o->fd = -1; /* the response's now */
	resp->body = m->p;
	resp->len = m->len;
	resp->body_free = mapped_free;
	resp->body_cls = m;
	resp->body_in_fd = true;
	resp->body_fd = m->fd;
	return 0;
}

/* 304 when if_none_match names etag: an empty body, but a buffer. */
int yg_export_not_modified(const char *if_none_match, const char *etag, struct yg_resp *resp)
{
	if (!if_none_match || !strstr(if_none_match, etag))
		return 0;
	resp->body = calloc(1, 1);
	if (!resp->body)
		return -ENOMEM;
	resp->len = 0;
	resp->status = 304;
	return 1;
}


int yg_export_out_send(struct yg_export_out *o, const char *etag, const char *if_none_match,
		       const char *content_type, struct yg_resp *resp)
{
	yg_resp_header(resp, "ETag", etag);
	yg_resp_header(resp, "Cache-Control", "no-cache");
	int r = yg_export_not_modified(if_none_match, etag, resp);
	if (r != 0)
		return r < 0 ? r : 0;
	r = yg_export_out_to_resp(o, resp);
	if (r == 0) {
		resp->status = 200;
		resp->content_type = content_type;
	}
	return r;
}
