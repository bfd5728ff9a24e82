/*
 * The http object of EVE events (eve_http.h).
 */
#include <string.h>

#include "sensor/eve_http.h"

void yg_http_split_host(const struct yg_span *h, size_t *ret_len, unsigned *ret_port)
{
	size_t n = h->len;
	*ret_port = 0;
	if (n && h->p[0] == '[') {
		/* [v6]:port */
		const uint8_t *e = memchr(h->p, ']', n);
		if (e) {
			size_t k = (size_t)(e - h->p) + 1;
			unsigned port = 0;
			if (k + 1 < n && h->p[k] == ':') {
				for (size_t i = k + 1; i < n && h->p[i] >= '0' && h->p[i] <= '9' && port < 65536; i++)
					port = port * 10 + (h->p[i] - '0');
				*ret_port = port < 65536 ? port : 0;
			}
			*ret_len = k;
			return;
		}
	}
	for (size_t i = n; i > 0; i--) {
		if (h->p[i - 1] == ':') {
			unsigned port = 0;
			bool digits = i < n;
			for (size_t k = i; k < n; k++) {
				if (h->p[k] < '0' || h->p[k] > '9' || port > 65535) {
					digits = false;
					break;
				}
				port = port * 10 + (h->p[k] - '0');
			}
			if (digits && port <= 65535 && memchr(h->p, ':', i - 1) == NULL) {
				*ret_len = i - 1;
				*ret_port = port;
				return;
			}
			break;
		}
	}
	*ret_len = n;
}

void yg_eve_http_object(struct yg_jsonw *j, const struct yg_http_view *v)
{
	size_t hl;
	unsigned port;
	yg_jsonw_key(j, "http");
	yg_jsonw_obj_open(j);
	if (v->host.len) {
		yg_http_split_host(&v->host, &hl, &port);
		yg_jsonw_kv_strn(j, "hostname", v->host.p, hl);
		if (port)
			yg_jsonw_kv_u64(j, "http_port", port);
	}
	yg_jsonw_kv_strn(j, "url", v->uri.p, v->uri.len);
	if (v->user_agent.len)
		yg_jsonw_kv_strn(j, "http_user_agent", v->user_agent.p, v->user_agent.len);
	if (v->content_type.len)
		yg_jsonw_kv_strn(j, "http_content_type", v->content_type.p, v->content_type.len);
	if (v->referer.len)
		yg_jsonw_kv_strn(j, "http_refer", v->referer.p, v->referer.len);
	yg_jsonw_kv_strn(j, "http_method", v->method.p, v->method.len);
	yg_jsonw_kv_strn(j, "protocol", v->version.p, v->version.len);
	if (v->status)
		yg_jsonw_kv_u64(j, "status", v->status);
	if (v->location.len)
		yg_jsonw_kv_strn(j, "redirect", v->location.p, v->location.len);
	yg_jsonw_kv_u64(j, "length", v->length);
	yg_jsonw_obj_close(j);
}
