/*
 * The webhook of a playbook: one JSON POST with libcurl (see playbook.h).
 * Redirects are not followed and only http and https are spoken, so a
 * rules file cannot turn the hub into a client of other protocols; the
 * answer is read up to 64 KiB and dropped.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>

#include "common/curlbody.h"
#include "level/playbook.h"

#define ANSWER_MAX (64 * 1024)

int yg_level_webhook_post(const char *url, const char *body, unsigned timeout_s,
			  long *ret_status, char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	struct curl_slist *h2 = hdr ? curl_slist_append(hdr, "Expect:") : NULL;
	if (!c || !h2) {
		curl_slist_free_all(hdr);
		curl_easy_cleanup(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	hdr = h2;
	struct yg_curlbody a = {.limit = ANSWER_MAX};
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "yagura-hub");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_s * 1000L);
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
	/* A body past the cap is no failure of the notice: it was delivered. */
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
