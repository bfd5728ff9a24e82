/*
 * The `http` object of http and alert events, in Suricata's layout: the
 * request's hostname, url, user agent, referer, method and protocol, and
 * the response's status, content type (`http_content_type` is the
 * response's, as Suricata writes it), redirect and body length.
 */
#ifndef YG_SENSOR_EVE_HTTP_H
#define YG_SENSOR_EVE_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/span.h"
#include "output/jsonw.h"

/* One transaction as far as it was seen; spans borrow their owner. */
struct yg_http_view {
	struct yg_span method, uri, version, host, user_agent, referer;
	unsigned status; /* 0: no response (yet) */
	struct yg_span content_type, location;
	uint64_t length; /* response body bytes seen */
};

/* Writes "http":{...} for v. */
void yg_eve_http_object(struct yg_jsonw *j, const struct yg_http_view *v);

/* Host header without its port: *ret_len bytes of h are the host; *ret_port
 * is the port, 0 when none. "[v6]:port" keeps its brackets. */
void yg_http_split_host(const struct yg_span *h, size_t *ret_len, unsigned *ret_port);

#endif
