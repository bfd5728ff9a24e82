/* The report's lifetime and its JSON form (field names in mail.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

static const char *const flag_names[YG_MAIL_F_COUNT] = {
    "double_extension", "rlo",       "executable",    "script",         "shortcut",        "macro",
    "archive",          "encrypted", "type_mismatch", "nested_archive", "budget_exceeded", "yara",
};

const char *yg_mail_flag_name(unsigned bit)
{
	return bit < YG_MAIL_F_COUNT ? flag_names[bit] : "unknown";
}

static void addrs_release(struct yg_mail_addrs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].address);
		free(a->v[i].domain);
		free(a->v[i].reg_domain);
	}
	free(a->v);
}

void yg_mail_report_free(struct yg_mail_report *r)
{
	if (!r)
		return;
	free(r->file);
	addrs_release(&r->from);
	addrs_release(&r->sender);
	addrs_release(&r->reply_to);
	addrs_release(&r->to);
	addrs_release(&r->cc);
	free(r->return_path);
	free(r->subject);
	free(r->date);
	free(r->message_id);
	free(r->x_mailer);
	free(r->user_agent);
	for (size_t i = 0; i < r->n_hops; i++)
		yg_mail_hop_release(&r->hops[i]);
	free(r->hops);
	free(r->sending_ip);
	free(r->spf);
	free(r->dkim);
	free(r->dmarc);
	for (size_t i = 0; i < r->n_bodies; i++) {
		free(r->bodies[i].type);
		free(r->bodies[i].charset);
		free(r->bodies[i].excerpt);
	}
	free(r->bodies);
	struct yg_mail_urlset us = {.v = r->urls, .n = r->n_urls, .cap = r->n_urls};
	yg_mail_urlset_release(&us);
	for (size_t i = 0; i < r->n_files; i++) {
		free(r->files[i].path);
		free(r->files[i].filename);
		free(r->files[i].declared_type);
		free(r->files[i].ssdeep);
		yg_mail_strv_release(&r->files[i].yara);
	}
	free(r->files);
	for (size_t i = 0; i < r->n_spoofs; i++) {
		free(r->spoofs[i].kind);
		free(r->spoofs[i].detail);
	}
	free(r->spoofs);
	yg_mail_strv_release(&r->anomalies);
	for (size_t i = 0; i < r->n_reasons; i++) {
		free(r->reasons[i].code);
		free(r->reasons[i].detail);
	}
	free(r->reasons);
	free(r);
}

/* Strings from mail are not always valid UTF-8 (8-bit headers in an
 * unknown charset): jansson refuses those, so invalid bytes become U+FFFD. */
json_t *yg_mail_json_str(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	size_t n = strlen(s);
	char *o = malloc(n * 3 + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = p[i] < 0x80             ? 1
		             : (p[i] & 0xe0) == 0xc0 ? 2
		             : (p[i] & 0xf0) == 0xe0 ? 3
		             : (p[i] & 0xf8) == 0xf0 ? 4
		                                     : 0;
		bool ok = len && i + len <= n;
		for (size_t q = 1; ok && q < len; q++)
			ok = (p[i + q] & 0xc0) == 0x80;
		if (ok && len > 1) { /* reject what jansson rejects: overlong, surrogates */
			json_t *t = json_stringn((const char *)p + i, len);
			ok = t != NULL;
			json_decref(t);
		}
		if (ok) {
			memcpy(o + k, p + i, len);
			k += len;
			i += len;
		} else {
			memcpy(o + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		}
	}
	o[k] = '\0';
	j = json_string(o);
	free(o);
	return j;
}

#define str yg_mail_json_str

static json_t *strv(const struct yg_mail_strv *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < v->n; i++)
		json_array_append_new(a, str(v->v[i]));
	return a;
}

static json_t *num_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *addrs(const struct yg_mail_addrs *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n; i++)
		json_array_append_new(arr, json_pack("{s:o,s:o,s:o,s:o}", "name", str(a->v[i].name),
		                                     "address", str(a->v[i].address), "domain",
		                                     str(a->v[i].domain), "registrable_domain",
		                                     str(a->v[i].reg_domain)));
	return arr;
}

static json_t *file_json(const struct yg_mail_file *f)
{
	json_t *flags = json_array();
	for (unsigned b = 0; flags && b < YG_MAIL_F_COUNT; b++)
		if (f->flags & (1u << b))
			json_array_append_new(flags, json_string(flag_names[b]));
	bool hashed = f->sha256[0] != '\0';
	return json_pack("{s:o,s:o,s:i,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:b,s:o,s:o}", "path",
	                 str(f->path), "filename", str(f->filename), "depth", (int)f->depth,
	                 "declared_type", str(f->declared_type), "sniffed_type",
	                 str(f->sniffed_type), "size", (json_int_t)f->size, "md5",
	                 hashed ? str(f->md5) : json_null(), "sha1",
	                 hashed ? str(f->sha1) : json_null(), "sha256",
	                 hashed ? str(f->sha256) : json_null(), "ssdeep", str(f->ssdeep),
	                 "truncated", f->truncated, "flags", flags, "yara", strv(&f->yara));
}

/* {"total": n, kind: {encoding: n}} with the non-zero counts only. */
static json_t *redactions_json(const struct yg_mail_report *r)
{
	json_t *j = json_object();
	json_int_t total = 0;
	for (unsigned k = 0; j && k < YG_MAIL_RK_COUNT; k++) {
		json_t *by = NULL;
		for (unsigned e = 0; e < YG_MAIL_RE_COUNT; e++) {
			if (!r->redactions[k][e])
				continue;
			if (!by && !(by = json_object()))
				break;
			json_object_set_new(by, yg_mail_redact_enc_name(e),
			                    json_integer(r->redactions[k][e]));
			total += r->redactions[k][e];
		}
		if (by)
			json_object_set_new(j, yg_mail_redact_kind_name(k), by);
	}
	if (j)
		json_object_set_new(j, "total", json_integer(total));
	return j;
}

json_t *yg_mail_report_json(const struct yg_mail_report *r)
{
	json_t *hdr = json_pack(
	    "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "from", addrs(&r->from), "sender",
	    addrs(&r->sender), "reply_to", addrs(&r->reply_to), "to", addrs(&r->to), "cc",
	    addrs(&r->cc), "return_path", str(r->return_path), "subject", str(r->subject), "date",
	    str(r->date), "date_unix", num_or_null(r->date_unix), "message_id", str(r->message_id),
	    "x_mailer", str(r->x_mailer), "user_agent", str(r->user_agent));
	json_t *hops = json_array();
	for (size_t i = 0; hops && i < r->n_hops; i++) {
		const struct yg_mail_hop *h = &r->hops[i];
		json_array_append_new(hops, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b}",
		                                      "from_host", str(h->from_host), "from_ip",
		                                      str(h->from_ip), "by_host", str(h->by_host),
		                                      "with", str(h->with), "id", str(h->id), "for",
		                                      str(h->for_addr), "date", str(h->date),
		                                      "date_unix", num_or_null(h->date_unix), "ips",
		                                      strv(&h->ips), "external", h->external));
	}
	json_t *bodies = json_array();
	for (size_t i = 0; bodies && i < r->n_bodies; i++)
		json_array_append_new(bodies,
		                      json_pack("{s:o,s:o,s:I,s:o}", "type", str(r->bodies[i].type),
		                                "charset", str(r->bodies[i].charset), "size",
		                                (json_int_t)r->bodies[i].size, "text_excerpt",
		                                str(r->bodies[i].excerpt)));
	json_t *urls = json_array();
	for (size_t i = 0; urls && i < r->n_urls; i++) {
		const struct yg_mail_url *u = &r->urls[i];
		json_t *src = json_array();
		if (src && (u->sources & YG_MAIL_URL_HREF))
			json_array_append_new(src, json_string("href"));
		if (src && (u->sources & YG_MAIL_URL_TEXT))
			json_array_append_new(src, json_string("text"));
		json_array_append_new(
		    urls,
		    json_pack("{s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "url", str(u->url), "host",
		              str(u->host), "registrable_domain", str(u->reg_domain), "sources", src,
		              "link_text", str(u->link_text), "text_mismatch", u->text_mismatch,
		              "indicator", str(u->ioc)));
	}
	json_t *files = json_array();
	for (size_t i = 0; files && i < r->n_files; i++)
		json_array_append_new(files, file_json(&r->files[i]));
	json_t *spoofs = json_array();
	for (size_t i = 0; spoofs && i < r->n_spoofs; i++)
		json_array_append_new(spoofs, json_pack("{s:o,s:o}", "kind", str(r->spoofs[i].kind),
		                                        "detail", str(r->spoofs[i].detail)));
	json_t *reasons = json_array();
	for (size_t i = 0; reasons && i < r->n_reasons; i++)
		json_array_append_new(
		    reasons, json_pack("{s:o,s:i,s:o}", "code", str(r->reasons[i].code), "points",
		                       r->reasons[i].points, "detail", str(r->reasons[i].detail)));
	/* json_pack with "o" steals every reference, also on failure */
	return json_pack("{s:o,s:I,s:o,s:o,s:o,s:{s:o,s:o,s:o},s:o,s:o,s:o,s:o,s:o,s:{s:i,s:o},"
	                 "s:o}",
	                 "file", str(r->file), "size", (json_int_t)r->size, "headers", hdr,
	                 "received", hops, "sending_ip", str(r->sending_ip), "auth", "spf",
	                 str(r->spf), "dkim", str(r->dkim), "dmarc", str(r->dmarc), "bodies",
	                 bodies, "urls", urls, "attachments", files, "spoofing", spoofs,
	                 "anomalies", strv(&r->anomalies), "risk", "score", r->score, "reasons",
	                 reasons, "redactions", redactions_json(r));
}
