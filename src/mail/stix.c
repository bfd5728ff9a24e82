/*
 * The report as a STIX 2.1 bundle (OASIS STIX 2.1, sections 4, 6.7 and 7):
 *
 *   bundle
 *    |- observed-data --object_refs--> email-message, email-addr, file,
 *    |    (x_yagura_risk_*)            url, domain-name, ipv4/ipv6-addr
 *    |- indicator  "[email-addr:value = 'a@b.example']"  (one per actionable
 *    |- ...         "[file:hashes.'SHA-256' = '...']"     value)
 *    `- relationship indicator --based-on--> observed-data
 *
 * Cyber-observable ids are deterministic UUIDv5 (section 2.9) over the
 * id-contributing properties, so the same URL or hash submitted twice gets
 * the same id; other ids are random UUIDv4.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"
#include "stix/timestamp.h"

#define ID_LEN 96

static void fmt_uuid(const unsigned char u[16], const char *type, char *out)
{
	snprintf(out, ID_LEN,
	         "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", type,
	         u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
	         u[13], u[14], u[15]);
}

static void id_v4(const char *type, char *out)
{
	unsigned char u[16];
	if (RAND_bytes(u, sizeof u) != 1)
		memset(u, 0x42,
		       sizeof u); /* still well-formed; RAND_bytes does not fail in practice */
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	fmt_uuid(u, type, out);
}

/* SCO ids: UUIDv5 in the STIX namespace over the canonical JSON of the
 * id-contributing properties. */
static void id_v5(const char *type, const json_t *contrib, char *out)
{
	static const unsigned char ns[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
	                                     0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
	char *canon = json_dumps(contrib, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dn = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	memset(d, 0, sizeof d);
	if (c && EVP_DigestInit_ex(c, yg_mail_sha1(), NULL) && EVP_DigestUpdate(c, ns, sizeof ns) &&
	    (!canon || EVP_DigestUpdate(c, canon, strlen(canon))))
		EVP_DigestFinal_ex(c, d, &dn);
	EVP_MD_CTX_free(c);
	free(canon);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	fmt_uuid(d, type, out);
}

struct out {
	json_t *objects;
	json_t *refs;     /* observed-data object_refs */
	json_t *seen;     /* id -> true, to add each SCO once */
	json_t *patterns; /* pattern -> true */
	char ts[YG_STIX_TIMESTAMP_LEN + 1];
	int score;
};

/* Adds an SCO (takes obj) unless present; writes its id to ret_id. */
static void sco(struct out *o, const char *type, json_t *obj, json_t *contrib, char *ret_id)
{
	char id[ID_LEN];
	id_v5(type, contrib, id);
	json_decref(contrib);
	if (ret_id)
		memcpy(ret_id, id, strlen(id) + 1);
	if (json_object_get(o->seen, id)) {
		json_decref(obj);
		return;
	}
	json_object_set_new(o->seen, id, json_true());
	json_object_set_new(obj, "type", json_string(type));
	json_object_set_new(obj, "spec_version", json_string("2.1"));
	json_object_set_new(obj, "id", json_string(id));
	json_array_append_new(o->objects, obj);
	json_array_append_new(o->refs, json_string(id));
}

/* Quotes a value for a STIX pattern string literal (section 9.6). */
static char *pattern_quote(const char *s)
{
	size_t n = strlen(s);
	char *q = malloc(2 * n + 1);
	if (!q)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			q[k++] = '\\';
		q[k++] = s[i];
	}
	q[k] = '\0';
	return q;
}

static void indicator(struct out *o, const char *name, const char *path, const char *value)
{
	if (!value || !value[0])
		return;
	char *q = pattern_quote(value);
	if (!q)
		return;
	size_t n = strlen(path) + strlen(q) + 16;
	char *pat = malloc(n);
	if (!pat) {
		free(q);
		return;
	}
	snprintf(pat, n, "[%s = '%s']", path, q);
	free(q);
	if (json_object_get(o->patterns, pat)) {
		free(pat);
		return;
	}
	json_object_set_new(o->patterns, pat, json_true());
	char id[ID_LEN];
	id_v4("indicator", id);
	json_t *ind = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:[s]}", "type", "indicator",
	                        "spec_version", "2.1", "id", id, "created", o->ts, "modified",
	                        o->ts, "name", name, "pattern", yg_mail_json_str(pat),
	                        "pattern_type", "stix", "valid_from", o->ts, "indicator_types",
	                        o->score >= 50 ? "malicious-activity" : "anomalous-activity");
	free(pat);
	if (ind)
		json_array_append_new(o->objects, ind);
}

static bool is_v6(const char *ip)
{
	return strchr(ip, ':') != NULL;
}

static void addr_sco(struct out *o, const struct yg_mail_addr *a, char *ret_id)
{
	json_t *obj = json_pack("{s:o}", "value", yg_mail_json_str(a->address));
	if (a->name)
		json_object_set_new(obj, "display_name", yg_mail_json_str(a->name));
	sco(o, "email-addr", obj, json_pack("{s:o}", "value", yg_mail_json_str(a->address)),
	    ret_id);
}

json_t *yg_mail_report_stix(const struct yg_mail_report *r, int64_t now_ms)
{
	struct out o = {json_array(), json_array(), json_object(), json_object(), "", r->score};
	json_t *bundle = NULL;
	if (!o.objects || !o.refs || !o.seen || !o.patterns ||
	    yg_stix_timestamp_format(now_ms, o.ts, sizeof o.ts) < 0)
		goto out;

	/* email-message with its addresses and attachments */
	json_t *msg = json_pack("{s:b}", "is_multipart", r->n_files > 0 || r->n_bodies > 1);
	char id[ID_LEN];
	if (r->from.n) {
		addr_sco(&o, &r->from.v[0], id);
		json_object_set_new(msg, "from_ref", json_string(id));
	}
	if (r->sender.n) {
		addr_sco(&o, &r->sender.v[0], id);
		json_object_set_new(msg, "sender_ref", json_string(id));
	}
	const struct yg_mail_addrs *lists[] = {&r->to, &r->cc};
	const char *keys[] = {"to_refs", "cc_refs"};
	for (size_t l = 0; l < 2; l++) {
		if (!lists[l]->n)
			continue;
		json_t *arr = json_array();
		for (size_t i = 0; i < lists[l]->n; i++) {
			addr_sco(&o, &lists[l]->v[i], id);
			json_array_append_new(arr, json_string(id));
		}
		json_object_set_new(msg, keys[l], arr);
	}
	if (r->subject)
		json_object_set_new(msg, "subject", yg_mail_json_str(r->subject));
	if (r->message_id)
		json_object_set_new(msg, "message_id", yg_mail_json_str(r->message_id));
	if (r->date_unix >= 0) {
		char ts[YG_STIX_TIMESTAMP_LEN + 1];
		if (yg_stix_timestamp_format(r->date_unix * 1000, ts, sizeof ts) == 0)
			json_object_set_new(msg, "date", json_string(ts));
	}
	json_t *parts = json_array();
	for (size_t i = 0; i < r->n_files; i++) {
		const struct yg_mail_file *f = &r->files[i];
		if (!f->sha256[0])
			continue;
		json_t *hashes = json_pack("{s:s,s:s,s:s}", "MD5", f->md5, "SHA-1", f->sha1,
		                           "SHA-256", f->sha256);
		if (f->ssdeep)
			json_object_set_new(hashes, "SSDEEP", json_string(f->ssdeep));
		json_t *fo = json_pack("{s:o,s:I}", "hashes", hashes, "size", (json_int_t)f->size);
		if (f->filename)
			json_object_set_new(fo, "name", yg_mail_json_str(f->filename));
		sco(&o, "file", fo, json_pack("{s:{s:s}}", "hashes", "SHA-256", f->sha256), id);
		if (f->depth == 0) {
			json_t *mp = json_pack("{s:s}", "body_raw_ref", id);
			if (f->declared_type)
				json_object_set_new(mp, "content_type",
				                    json_string(f->declared_type));
			if (f->filename) {
				size_t n = strlen(f->filename) + 32;
				char *cd = malloc(n);
				if (cd) {
					snprintf(cd, n, "attachment; filename=\"%s\"", f->filename);
					json_object_set_new(mp, "content_disposition",
					                    yg_mail_json_str(cd));
					free(cd);
				}
			}
			json_array_append_new(parts, mp);
		}
		indicator(&o, "attachment SHA-256", "file:hashes.'SHA-256'", f->sha256);
	}
	if (json_array_size(parts)) {
		json_object_set_new(msg, "is_multipart", json_true());
		json_object_set_new(msg, "body_multipart", parts);
	} else {
		json_decref(parts);
	}
	/* email-message has no id-contributing properties: UUIDv4 */
	char mid[ID_LEN];
	id_v4("email-message", mid);
	json_object_set_new(msg, "type", json_string("email-message"));
	json_object_set_new(msg, "spec_version", json_string("2.1"));
	json_object_set_new(msg, "id", json_string(mid));
	json_array_append_new(o.objects, msg);
	json_array_append_new(o.refs, json_string(mid));

	for (size_t i = 0; i < r->n_urls; i++) {
		sco(&o, "url", json_pack("{s:o}", "value", yg_mail_json_str(r->urls[i].url)),
		    json_pack("{s:o}", "value", yg_mail_json_str(r->urls[i].url)), NULL);
		indicator(&o, "URL in message", "url:value", r->urls[i].url);
		if (r->urls[i].host && r->urls[i].reg_domain) {
			sco(&o, "domain-name",
			    json_pack("{s:o}", "value", yg_mail_json_str(r->urls[i].host)),
			    json_pack("{s:o}", "value", yg_mail_json_str(r->urls[i].host)), NULL);
			indicator(&o, "domain in message URL", "domain-name:value",
			          r->urls[i].host);
		}
	}
	if (r->from.n) {
		indicator(&o, "sender address", "email-addr:value", r->from.v[0].address);
		if (r->from.v[0].domain) {
			sco(&o, "domain-name",
			    json_pack("{s:o}", "value", yg_mail_json_str(r->from.v[0].domain)),
			    json_pack("{s:o}", "value", yg_mail_json_str(r->from.v[0].domain)),
			    NULL);
			indicator(&o, "sender domain", "domain-name:value", r->from.v[0].domain);
		}
	}
	if (r->sending_ip) {
		const char *t = is_v6(r->sending_ip) ? "ipv6-addr" : "ipv4-addr";
		sco(&o, t, json_pack("{s:o}", "value", yg_mail_json_str(r->sending_ip)),
		    json_pack("{s:o}", "value", yg_mail_json_str(r->sending_ip)), NULL);
		char path[32];
		snprintf(path, sizeof path, "%s:value", t);
		indicator(&o, "sending IP", path, r->sending_ip);
	}

	char od[ID_LEN];
	id_v4("observed-data", od);
	json_t *reasons = json_array();
	for (size_t i = 0; i < r->n_reasons; i++)
		json_array_append_new(reasons, json_string(r->reasons[i].code));
	json_t *obs = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:O,s:i,s:o}", "type",
	                        "observed-data", "spec_version", "2.1", "id", od, "created", o.ts,
	                        "modified", o.ts, "first_observed", o.ts, "last_observed", o.ts,
	                        "number_observed", 1, "object_refs", o.refs, "x_yagura_risk_score",
	                        r->score, "x_yagura_risk_reasons", reasons);
	if (!obs)
		goto out;
	/* every indicator is based on this observation */
	size_t n = json_array_size(o.objects);
	for (size_t i = 0; i < n; i++) {
		json_t *ob = json_array_get(o.objects, i);
		if (strcmp(json_string_value(json_object_get(ob, "type")), "indicator"))
			continue;
		char rid[ID_LEN];
		id_v4("relationship", rid);
		json_array_append_new(o.objects,
		                      json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:s}", "type",
		                                "relationship", "spec_version", "2.1", "id", rid,
		                                "created", o.ts, "modified", o.ts,
		                                "relationship_type", "based-on", "source_ref",
		                                json_object_get(ob, "id"), "target_ref", od));
	}
	json_array_insert_new(o.objects, 0, obs);
	char bid[ID_LEN];
	id_v4("bundle", bid);
	bundle = json_pack("{s:s,s:s,s:O}", "type", "bundle", "id", bid, "objects", o.objects);
out:
	json_decref(o.objects);
	json_decref(o.refs);
	json_decref(o.seen);
	json_decref(o.patterns);
	return bundle;
}
