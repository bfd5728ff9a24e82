/*
 * STIX 2.1 bundle export (OASIS STIX 2.1: 4.7 indicator, 9 patterning,
 * 2.9 identifiers): one identity naming the source, and one indicator per
 * item with a one-comparison pattern:
 *
 *   {"type":"bundle","id":"bundle--<uuid5>","objects":[
 *     {"type":"identity", ... "name":"yagura export: <source>"},
 *     {"type":"indicator","id":"indicator--<uuid5(type:value)>",
 *      "pattern":"[domain-name:value = 'evil.example']", ...}]}
 *
 * Ids are UUIDv5 (RFC 4122 4.3) in a yagura namespace, so the same
 * indicator keeps its id from one export to the next and across hubs.
 * Pattern strings escape only \ and ' (the grammar's two escapes);
 * JSON escaping is jansson's. JA3/JA4 have no STIX object path: skipped.
 */
#include "export/export-int.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* 6b6c7e4a-5f0e-5d55-9a3c-79616775726a: fixed once, never to change */
static const unsigned char ns_yagura[16] = {0x6b, 0x6c, 0x7e, 0x4a, 0x5f, 0x0e, 0x5d, 0x55,
                                            0x9a, 0x3c, 0x79, 0x61, 0x67, 0x75, 0x72, 0x6a};

/* "<type>--<uuid5(name)>" into out (>= strlen(type) + 39). */
static int uuid5_id(const char *type, const char *name, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
	         EVP_DigestUpdate(ctx, ns_yagura, sizeof ns_yagura) &&
	         EVP_DigestUpdate(ctx, name, strlen(name)) && EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	size_t tl = strlen(type);
	if (!ok || mdlen < 16 || cap < tl + 39)
		return -1;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	memcpy(out, type, tl);
	size_t o = tl;
	out[o++] = '-';
	out[o++] = '-';
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o] = 0;
	return 0;
}

static bool is_hex(const char *v, size_t want)
{
	size_t n = v ? strlen(v) : 0;
	if (n != want)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

/* The pattern of one item into a malloc'd string; NULL when none
 * (*unsafe says whether the value, not the type, was the reason). */
static char *pattern_of(const struct yg_export_item *it, bool *unsafe)
{
	char buf[4200];
	const char *path, *v = it->value, *pre = "";
	*unsafe = true;
	switch (it->type) {
	case YG_IND_IP: {
		struct yg_exp_ip ip;
		if (!yg_exp_ip_parse(v, &ip))
			return NULL;
		yg_exp_ip_text(&ip, buf);
		v = buf;
		path = ip.family == 4 ? "ipv4-addr:value" : "ipv6-addr:value";
		break;
	}
	case YG_IND_DOMAIN:
		if (yg_exp_domain(v, YG_EXP_NAME_MAX, buf) < 0)
			return NULL;
		v = buf;
		path = "domain-name:value";
		break;
	case YG_IND_URL:
		if (!v || !*v || strlen(v) > 4096 || !yg_exp_text_ok(v, strlen(v)))
			return NULL;
		path = "url:value";
		pre = v[0] == '/' ? "" : "http://";
		break;
	case YG_IND_MD5:
		path = "file:hashes.MD5";
		if (!is_hex(v, 32))
			return NULL;
		break;
	case YG_IND_SHA1:
		path = "file:hashes.'SHA-1'";
		if (!is_hex(v, 40))
			return NULL;
		break;
	case YG_IND_SHA256:
		path = "file:hashes.'SHA-256'";
		if (!is_hex(v, 64))
			return NULL;
		break;
	case YG_IND_CERT_SHA1:
		path = "x509-certificate:hashes.'SHA-1'";
		if (!is_hex(v, 40))
			return NULL;
		break;
	default:
		*unsafe = false;
		return NULL;
	}
	size_t vl = strlen(v), cap = strlen(path) + strlen(pre) + 2 * vl + 16;
	char *p = malloc(cap);
	if (!p)
		return NULL;
	size_t o = 0;
	o += (size_t)snprintf(p, cap, "[%s = '%s", path, pre);
	for (size_t i = 0; i < vl; i++) {
		if (v[i] == '\'' || v[i] == '\\')
			p[o++] = '\\';
		p[o++] = v[i];
	}
	memcpy(p + o, "']", 3);
	*unsafe = false;
	return p;
}

static int add_str(json_t *o, const char *k, const char *v)
{
	json_t *s = json_string(v);
	return s ? json_object_set_new(o, k, s) : -1;
}

/* One object into the bundle's "objects" array, laid out as
 * json_dumps(JSON_INDENT(1)) lays out a whole bundle: the object's own
 * dump with every line indented two more (JSON strings never hold a raw
 * newline, so every '\n' in the dump is layout). */
static bool put_member(struct yg_exp_w *w, json_t *o, bool first)
{
	char *text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text)
		return false;
	yg_exp_puts(w, first ? "  " : ",\n  ");
	const char *p = text;
	for (const char *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		yg_exp_put(w, p, (size_t)(nl - p));
		yg_exp_puts(w, "\n  ");
	}
	yg_exp_puts(w, p);
	free(text);
	return true;
}

/* The bundle is written object by object (an export of any size holds one
 * object at a time), byte for byte as jansson would lay out the whole. */
void yg_exp_stix(struct yg_exp_w *w)
{
	char src[256], ts[32], idn[300], bid[64], name[300];
	yg_exp_source_text(w->m, src, sizeof src);
	yg_exp_time_text(w->m, ts, sizeof ts);
	json_t *ident = json_object();
	int bad = !ident;
	snprintf(name, sizeof name, "yagura export: %s", src);
	snprintf(idn, sizeof idn, "identity:%s", src);
	char ident_id[64];
	bad |= uuid5_id("identity", idn, ident_id, sizeof ident_id);
	snprintf(idn, sizeof idn, "bundle:%s:%s", src, ts);
	bad |= uuid5_id("bundle", idn, bid, sizeof bid);
	if (!bad) {
		bad |= add_str(ident, "type", "identity") | add_str(ident, "spec_version", "2.1");
		bad |= add_str(ident, "id", ident_id) | add_str(ident, "created", ts);
		bad |= add_str(ident, "modified", ts) | add_str(ident, "name", name);
		bad |= add_str(ident, "identity_class", "system");
	}
	if (!bad) {
		yg_exp_puts(w, "{\n \"type\": \"bundle\",\n \"id\": \"");
		yg_exp_puts(w, bid);
		yg_exp_puts(w, "\",\n \"objects\": [\n");
		bad |= !put_member(w, ident, true);
	}
	json_decref(ident);
	yg_exp_rewind(w);
	for (struct yg_export_item x; !bad && yg_exp_next(w, &x);) {
		bool unsafe;
		char *pat = pattern_of(&x, &unsafe);
		if (!pat) {
			if (unsafe)
				w->st.skipped_unsafe++;
			else if ((unsigned)x.type >= YG_IND_JA3 && x.type != YG_IND_CERT_SHA1)
				w->st.skipped_type++;
			else
				bad = 1; /* out of memory */
			continue;
		}
		/* the id follows the pattern, which holds the normalized value */
		char id[64];
		json_t *o = json_object();
		bad |= !o || uuid5_id("indicator", pat, id, sizeof id);
		if (!bad) {
			bad |= add_str(o, "type", "indicator") | add_str(o, "spec_version", "2.1");
			bad |= add_str(o, "id", id) | add_str(o, "created_by_ref", ident_id);
			bad |= add_str(o, "created", ts) | add_str(o, "modified", ts);
			bad |= add_str(o, "name", yg_ind_type_name(x.type));
			json_t *types = json_pack("[s]", "malicious-activity");
			bad |= !types || json_object_set_new(o, "indicator_types", types);
			bad |= add_str(o, "pattern", pat) | add_str(o, "pattern_type", "stix");
			bad |= add_str(o, "valid_from", ts);
			bad |= !bad && !put_member(w, o, false);
			w->st.written++;
		}
		json_decref(o);
		free(pat);
	}
	if (bad) {
		if (!w->err)
			w->err = -ENOMEM;
		return;
	}
	yg_exp_puts(w, "\n ]\n}\n");
}
