/*
 * Fetching a feed with libcurl (feeds.h: yg_feed_fetch_run).
 *
 * Why each setting:
 *   - validators: the ETag and Last-Modified of the last good answer go
 *     back as If-None-Match / If-Modified-Since, so an unchanged feed
 *     costs a 304 and no parse (public feeds ask for this);
 *   - Accept-Encoding from libcurl's own list (gzip, deflate, br, zstd as
 *     built): a gzip'ed answer is decoded as it streams, and the size cap
 *     applies to the decoded bytes (a small gzip bomb still stops at it);
 *   - the cap is enforced in the write callback (curlbody.h) and, when
 *     the server sends Content-Length, before any byte (MAXFILESIZE);
 *   - TLS peer and host verification stay on (libcurl's defaults, set
 *     explicitly so no environment turns them off); a CA bundle may be
 *     named for a partner's private CA;
 *   - redirects are followed up to five hops, and only to http(s): a feed
 *     URL on the web can never be redirected to a file of the hub;
 *   - a connect timeout and a whole-transfer timeout; low-speed abort
 *     catches a server that trickles.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/curlbody.h"
#include "feeds/feeds.h"
#include "taxii/cred.h"

/* Keeps a header value (ETag, Last-Modified) when it is safe to send back
 * in a header: printable ASCII, bounded. */
static void keep_value(const char *line, size_t n, size_t name_len, char *dst, size_t cap)
{
	const char *v = line + name_len;
	size_t m = n - name_len;
	while (m && (*v == ' ' || *v == '\t')) {
		v++;
		m--;
	}
	while (m && (v[m - 1] == '\r' || v[m - 1] == '\n' || v[m - 1] == ' ' || v[m - 1] == '\t'))
		m--;
	if (m == 0 || m >= cap)
		return;
	for (size_t i = 0; i < m; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
			return;
	memcpy(dst, v, m);
	dst[m] = 0;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
	struct yg_feed_fetch *f = ud;
	size_t n = size * nmemb;
	/* A redirect's headers are not the final answer's. */
	if (n >= 5 && !strncmp(line, "HTTP/", 5)) {
		f->new_etag[0] = 0;
		f->new_last_modified[0] = 0;
	} else if (n > 5 && !strncasecmp(line, "ETag:", 5)) {
		keep_value(line, n, 5, f->new_etag, sizeof f->new_etag);
	} else if (n > 14 && !strncasecmp(line, "Last-Modified:", 14)) {
		keep_value(line, n, 14, f->new_last_modified, sizeof f->new_last_modified);
	}
	return n;
}

static int on_xfer(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	struct yg_feed_fetch *f = ud;
	return f->cancel && f->cancel(f->ud);
}

int yg_feed_fetch_run(struct yg_feed_fetch *f)
{
	f->status = 0;
	f->not_modified = false;
	f->body = NULL;
	f->len = 0;
	f->new_etag[0] = f->new_last_modified[0] = f->err[0] = 0;
	if (!f->url || !f->max_bytes)
		return -EINVAL;
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(f->err, sizeof f->err, "cannot start an HTTP client");
		return -ENOMEM;
	}
	bool is_file = !strncasecmp(f->url, "file:", 5);
	struct yg_curlbody b = {.limit = f->max_bytes};
	struct curl_slist *h = NULL, *h2;
	char line[YG_FEED_VALID_MAX + 32], cerr[CURL_ERROR_SIZE] = "";
	int r = 0;
	if (f->etag && *f->etag) {
		snprintf(line, sizeof line, "If-None-Match: %s", f->etag);
		h2 = curl_slist_append(h, line);
		h = h2 ? h2 : h;
		r = h2 ? 0 : -ENOMEM;
	}
	if (r == 0 && f->last_modified && *f->last_modified) {
		snprintf(line, sizeof line, "If-Modified-Since: %s", f->last_modified);
		h2 = curl_slist_append(h, line);
		h = h2 ? h2 : h;
		r = h2 ? 0 : -ENOMEM;
	}
	/* Credentials: Bearer as a header, Basic and certificates on the
	 * handle (taxii/cred.h; never in an error message). */
	if (r == 0 && f->cred)
		r = yg_taxii_cred_headers(f->cred, &h);
	if (r == 0 && f->cred && yg_taxii_cred_apply(f->cred, c) < 0)
		r = -EIO;
	if (r < 0)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->ca_file && *f->ca_file && !(f->cred && f->cred->ca_file))
		curl_easy_setopt(c, CURLOPT_CAINFO, f->ca_file);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(f->timeout_s ? f->timeout_s : 60));
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_bytes);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "yagura-hub-feed/1");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, yg_curlbody_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (is_file && cr == CURLE_OK)
		status = 200;
	f->status = status;
	if (cr == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(f->err, sizeof f->err, "stopped");
		r = -ECANCELED;
	} else if (b.too_big || cr == CURLE_FILESIZE_EXCEEDED) {
		snprintf(f->err, sizeof f->err, "answer larger than the feed's cap of %zu bytes",
		         f->max_bytes);
		r = -E2BIG;
	} else if (cr == CURLE_OPERATION_TIMEDOUT) {
		snprintf(f->err, sizeof f->err, "timed out after %us: %.200s",
		         f->timeout_s ? f->timeout_s : 60, cerr[0] ? cerr : curl_easy_strerror(cr));
		r = -EIO;
	} else if (cr != CURLE_OK) {
		snprintf(f->err, sizeof f->err, "%s", cerr[0] ? cerr : curl_easy_strerror(cr));
		r = cr == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
	} else if (status == 304 && !is_file) {
		f->not_modified = true;
	} else if (status != 200) {
		snprintf(f->err, sizeof f->err, "answered HTTP %ld", status);
		r = -EIO;
	} else {
		f->body = b.p ? b.p : calloc(1, 1);
		f->len = b.len;
		b.p = NULL;
		if (!f->body)
			r = -ENOMEM;
	}
out:
	yg_curlbody_release(&b);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}
