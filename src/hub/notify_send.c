/*
 * E-mail and webhook delivery of owner notices (notify_send.h).
 *
 * SMTP goes through libcurl's SMTP client (STARTTLS with CURLOPT_USE_SSL,
 * AUTH when a user is configured): one message, one recipient per call,
 * so a bad address fails only its own delivery. Webhooks are one POST
 * whose body is signed with HMAC-SHA256 under the owner's secret, like
 * GitHub's X-Hub-Signature-256, so a receiver can check the notice came
 * from this hub unchanged. Redirects are never followed and only http(s)
 * is spoken: an owner's URL cannot turn the hub into a client of another
 * protocol.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/curlbody.h"
#include "hub/notify_send.h"

#define ANSWER_MAX (64 * 1024)

/* Base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes), lines of 76. */
static size_t b64_lines(const unsigned char *in, size_t n, char *out, bool wrap)
{
	size_t o = 0, col = 0;
	for (size_t i = 0; i < n; i += 48) {
		size_t k = n - i < 48 ? n - i : 48;
		int w = EVP_EncodeBlock((unsigned char *)out + o, in + i, (int)k);
		o += (size_t)w;
		col += (size_t)w;
		if (wrap) {
			out[o++] = '\r';
			out[o++] = '\n';
			col = 0;
		}
	}
	(void)col;
	out[o] = '\0';
	return o;
}

char *yg_notify_mail_build(const char *from, const char *to, const char *subject,
			   const char *text, const char *lang, const char *ref, size_t *ret_len)
{
	size_t sn = strlen(subject), tn = strlen(text);
	if (sn > 4096 || tn > (16u << 20))
		return NULL;
	char *subj = malloc(4 * (sn / 3 + 2) + 1);
	char *body = malloc(4 * (tn / 3 + 2) + 2 * (tn / 48 + 2) + 1);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	char *msg = NULL;
	if (subj && body) {
		b64_lines((const unsigned char *)subject, sn, subj, false);
		size_t bn = b64_lines((const unsigned char *)text, tn, body, true);
		size_t cap = bn + strlen(subj) + strlen(from) + strlen(to) + strlen(ref) + 1024;
		msg = malloc(cap);
		if (msg) {
			int w = snprintf(msg, cap,
					 "From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\n"
					 "Date: %s\r\nMessage-ID: <%s@yagura>\r\n"
					 "MIME-Version: 1.0\r\n"
					 "Content-Type: text/plain; charset=UTF-8\r\n"
					 "Content-Transfer-Encoding: base64\r\n"
					 "Content-Language: %s\r\nX-Yagura-Notice: %s\r\n\r\n%s",
					 from, to, subj, date, ref, lang, ref, body);
			if (w < 0 || (size_t)w >= cap) {
				free(msg);
				msg = NULL;
			} else {
				*ret_len = (size_t)w;
			}
		}
	}
	free(subj);
	free(body);
	return msg;
}

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct reader *r = ud;
	size_t n = size * nmemb;
	if (n > r->left)
		n = r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

int yg_notify_smtp(const struct yg_smtp_config *c, const char *to, const char *msg, size_t len,
		   char *err, size_t errlen)
{
	CURL *cu = curl_easy_init();
	char rcpt_addr[300];
	snprintf(rcpt_addr, sizeof rcpt_addr, "<%s>", to);
	struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_addr);
	if (!cu || !rcpt) {
		curl_slist_free_all(rcpt);
		curl_easy_cleanup(cu);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	char from[300], cerr[CURL_ERROR_SIZE] = "";
	snprintf(from, sizeof from, "<%s>", c->from);
	struct reader rd = {.p = msg, .left = len};
	curl_easy_setopt(cu, CURLOPT_URL, c->url);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(cu, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(cu, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(cu, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(cu, CURLOPT_READDATA, &rd);
	curl_easy_setopt(cu, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(cu, CURLOPT_USE_SSL,
			 c->starttls == 2 ? (long)CURLUSESSL_ALL
			 : c->starttls == 1 ? (long)CURLUSESSL_TRY
					    : (long)CURLUSESSL_NONE);
	if (c->ca_file[0])
		curl_easy_setopt(cu, CURLOPT_CAINFO, c->ca_file);
	if (c->insecure) {
		curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->user[0]) {
		curl_easy_setopt(cu, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(cu, CURLOPT_PASSWORD, c->password);
	}
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)(c->timeout_s ? c->timeout_s : 30) * 1000L);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, cerr);
	CURLcode cr = curl_easy_perform(cu);
	int r = 0;
	if (cr != CURLE_OK) {
		snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(cr));
		r = -EIO;
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(cu);
	return r;
}

int yg_notify_signature(const char *secret, const char *body, size_t len, char out[72])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac,
		  &n) ||
	    n != 32)
		return -EIO;
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

int yg_notify_webhook(const char *url, const char *secret, const char *body, unsigned timeout_s,
		      long *ret_status, char *err, size_t errlen)
{
	char sig[72], hsig[128];
	*ret_status = 0;
	if (yg_notify_signature(secret, body, strlen(body), sig) < 0) {
		snprintf(err, errlen, "cannot sign");
		return -EIO;
	}
	snprintf(hsig, sizeof hsig, YG_NOTIFY_SIG_HEADER ": %s", sig);
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL, *t;
	bool ok = c != NULL;
	const char *lines[] = {"Content-Type: application/json", "Expect:", hsig};
	for (size_t i = 0; ok && i < 3; i++) {
		t = curl_slist_append(hdr, lines[i]);
		ok = t != NULL;
		if (t)
			hdr = t;
	}
	if (!ok) {
		curl_slist_free_all(hdr);
		curl_easy_cleanup(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	struct yg_curlbody a = {.limit = ANSWER_MAX};
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "yagura-hub");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_s ? timeout_s : 10) * 1000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, yg_curlbody_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	int r = 0;
	if (cr != CURLE_OK && !(cr == CURLE_WRITE_ERROR && a.too_big)) {
		snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(cr));
		r = -EIO;
	} else if (status < 200 || status > 299) {
		snprintf(err, errlen, "the receiver answered HTTP %ld", status);
		r = -EIO;
	}
	*ret_status = status;
	yg_curlbody_release(&a);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return r;
}
