/*
 * The EVE `dns` object (eve_dns.h). Field names, order and value formats
 * follow Suricata's rust/src/dns/log.rs so that a consumer written for
 * Suricata's EVE reads ours unchanged:
 *  - flags: the 16-bit header word in lower-case hex without leading
 *    zeros in version 3 ("100" for a plain recursive query, as Suricata
 *    writes it), four digits in version 2 (as yagura always wrote it);
 *  - qr, aa, tc, rd, ra, z appear only when set (Suricata omits false);
 *  - rcode by name (NOERROR, NXDOMAIN...), its number when it has none;
 *  - answers[] and authorities[]: rrname, rrtype, ttl, then rdata for
 *    address (IPv6 written out in full), name and text records, an "srv" or "soa" object for those;
 *  - grouped{}: the answers' data by type, for the types the schema knows.
 */
#include "sensor/eve_dns.h"

#include "output/eve.h"

#include <stdio.h>
#include <string.h>

static const char *rrtype_text(uint16_t t, char buf[8])
{
	const char *n = yg_dns_rrtype_name(t);
	if (n)
		return n;
	snprintf(buf, 8, "%u", t);
	return buf;
}

static const char *rcode_text(uint8_t r, char buf[8])
{
	const char *n = yg_dns_rcode_name(r);
	if (n)
		return n;
	snprintf(buf, 8, "%u", r);
	return buf;
}

static void soa_object(struct yg_jsonw *j, const struct yg_dns_answer *a)
{
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_str(j, "mname", a->data);
	yg_jsonw_kv_str(j, "rname", a->soa_rname);
	yg_jsonw_kv_u64(j, "serial", a->soa_serial);
	yg_jsonw_kv_u64(j, "refresh", a->soa_refresh);
	yg_jsonw_kv_u64(j, "retry", a->soa_retry);
	yg_jsonw_kv_u64(j, "expire", a->soa_expire);
	yg_jsonw_kv_u64(j, "minimum", a->soa_minimum);
	yg_jsonw_obj_close(j);
}

static void srv_object(struct yg_jsonw *j, const struct yg_dns_answer *a)
{
	yg_jsonw_obj_open(j);
	yg_jsonw_kv_u64(j, "priority", a->srv_priority);
	yg_jsonw_kv_u64(j, "weight", a->srv_weight);
	yg_jsonw_kv_u64(j, "port", a->srv_port);
	yg_jsonw_kv_str(j, "name", a->data);
	yg_jsonw_obj_close(j);
}

/* AAAA data as Suricata writes it: all eight groups in full. */
static const char *aaaa_text(const struct yg_dns_answer *a, char buf[48])
{
	struct yg_addr x;
	memcpy(x.b, a->addr, 16);
	yg_eve_format_addr_full(6, &x, buf, 48);
	return buf;
}

static void records(struct yg_jsonw *j, const char *key, const struct yg_dns_answer *rr, unsigned n)
{
	char b[8], b6[48];
	if (!n)
		return;
	yg_jsonw_key(j, key);
	yg_jsonw_arr_open(j);
	for (unsigned i = 0; i < n; i++) {
		const struct yg_dns_answer *a = &rr[i];
		yg_jsonw_obj_open(j);
		yg_jsonw_kv_str(j, "rrname", a->name);
		yg_jsonw_kv_str(j, "rrtype", rrtype_text(a->type, b));
		yg_jsonw_kv_u64(j, "ttl", a->ttl);
		if (a->type == 6) {
			yg_jsonw_key(j, "soa");
			soa_object(j, a);
		} else if (a->type == 33) {
			yg_jsonw_key(j, "srv");
			srv_object(j, a);
		} else if (a->addr_family == 6) {
			yg_jsonw_kv_plain(j, "rdata", aaaa_text(a, b6));
		} else if (a->data[0]) {
			yg_jsonw_kv_str(j, "rdata", a->data);
		}
		yg_jsonw_obj_close(j);
	}
	yg_jsonw_arr_close(j);
}

/* Whether the schema's grouped{} has a list for this type. */
static bool groupable(uint16_t t)
{
	switch (t) {
	case 1:
	case 2:
	case 5:
	case 6:
	case 12:
	case 15:
	case 16:
	case 28:
	case 33:
		return true;
	default:
		return false;
	}
}

static bool has_value(const struct yg_dns_answer *a)
{
	return a->type == 6 || a->type == 33 || a->data[0];
}

/* grouped: {"A":[...],"CNAME":[...]} in order of each type's first answer.
 * At most YG_DNS_MAX_ANSWERS answers, so the quadratic scan is cheap. */
static void grouped(struct yg_jsonw *j, const struct yg_dns_msg *m)
{
	char b[8], b6[48];
	bool open = false;
	for (unsigned i = 0; i < m->n_answers; i++) {
		const struct yg_dns_answer *a = &m->answers[i];
		if (!groupable(a->type) || !has_value(a))
			continue;
		bool seen = false;
		for (unsigned k = 0; k < i && !seen; k++)
			seen = m->answers[k].type == a->type && has_value(&m->answers[k]);
		if (seen)
			continue;
		if (!open) {
			yg_jsonw_key(j, "grouped");
			yg_jsonw_obj_open(j);
			open = true;
		}
		yg_jsonw_key(j, rrtype_text(a->type, b));
		yg_jsonw_arr_open(j);
		for (unsigned k = i; k < m->n_answers; k++) {
			const struct yg_dns_answer *o = &m->answers[k];
			if (o->type != a->type || !has_value(o))
				continue;
			if (o->type == 6)
				soa_object(j, o);
			else if (o->type == 33)
				srv_object(j, o);
			else if (o->addr_family == 6)
				yg_jsonw_strn_plain(j, aaaa_text(o, b6), strlen(b6));
			else
				yg_jsonw_str(j, o->data);
		}
		yg_jsonw_arr_close(j);
	}
	if (open)
		yg_jsonw_obj_close(j);
}

static void flag_bools(struct yg_jsonw *j, uint16_t flags)
{
	if (flags & 0x8000)
		yg_jsonw_kv_bool(j, "qr", true);
	if (flags & 0x0400)
		yg_jsonw_kv_bool(j, "aa", true);
	if (flags & 0x0200)
		yg_jsonw_kv_bool(j, "tc", true);
	if (flags & 0x0100)
		yg_jsonw_kv_bool(j, "rd", true);
	if (flags & 0x0080)
		yg_jsonw_kv_bool(j, "ra", true);
	if (flags & 0x0040)
		yg_jsonw_kv_bool(j, "z", true);
}

static void v3(struct yg_jsonw *j, const struct yg_dns_msg *m)
{
	char b[8], flags[8];
	yg_jsonw_kv_u64(j, "version", 3);
	yg_jsonw_kv_plain(j, "type", m->response ? "response" : "request");
	yg_jsonw_kv_u64(j, "id", m->id);
	snprintf(flags, sizeof flags, "%x", m->flags);
	yg_jsonw_kv_plain(j, "flags", flags);
	flag_bools(j, m->flags);
	yg_jsonw_kv_u64(j, "opcode", m->opcode);
	yg_jsonw_kv_str(j, "rcode", rcode_text(m->rcode, b));
	if (m->n_queries) {
		yg_jsonw_key(j, "queries");
		yg_jsonw_arr_open(j);
		for (unsigned q = 0; q < m->n_queries; q++) {
			yg_jsonw_obj_open(j);
			yg_jsonw_kv_str(j, "rrname", m->queries[q].name);
			/* Suricata 8 writes it only when set. */
			if (m->queries[q].truncated)
				yg_jsonw_kv_bool(j, "rrname_truncated", true);
			yg_jsonw_kv_str(j, "rrtype", rrtype_text(m->queries[q].type, b));
			yg_jsonw_obj_close(j);
		}
		yg_jsonw_arr_close(j);
	}
	records(j, "answers", m->answers, m->n_answers);
	grouped(j, m);
	records(j, "authorities", m->authorities, m->n_authorities);
}

static void v2(struct yg_jsonw *j, const struct yg_dns_msg *m, unsigned query)
{
	char b[8];
	yg_jsonw_kv_u64(j, "version", 2);
	if (!m->response) {
		yg_jsonw_kv_plain(j, "type", "query");
		yg_jsonw_kv_u64(j, "id", m->id);
		if (query < m->n_queries) {
			yg_jsonw_kv_str(j, "rrname", m->queries[query].name);
			yg_jsonw_kv_str(j, "rrtype", rrtype_text(m->queries[query].type, b));
		}
		yg_jsonw_kv_u64(j, "tx_id", query);
		yg_jsonw_kv_u64(j, "opcode", m->opcode);
		return;
	}
	char flags[8];
	snprintf(flags, sizeof flags, "%04x", m->flags);
	yg_jsonw_kv_plain(j, "type", "answer");
	yg_jsonw_kv_u64(j, "id", m->id);
	yg_jsonw_kv_plain(j, "flags", flags);
	flag_bools(j, m->flags);
	yg_jsonw_kv_u64(j, "opcode", m->opcode);
	if (m->n_queries) {
		yg_jsonw_kv_str(j, "rrname", m->queries[0].name);
		yg_jsonw_kv_str(j, "rrtype", rrtype_text(m->queries[0].type, b));
	}
	yg_jsonw_kv_str(j, "rcode", rcode_text(m->rcode, b));
	records(j, "answers", m->answers, m->n_answers);
	grouped(j, m);
	records(j, "authorities", m->authorities, m->n_authorities);
}

void yg_eve_dns_object(struct yg_jsonw *j, const struct yg_dns_msg *m, unsigned version,
                       unsigned query)
{
	yg_jsonw_key(j, "dns");
	yg_jsonw_obj_open(j);
	if (version == 2)
		v2(j, m, query);
	else
		v3(j, m);
	yg_jsonw_obj_close(j);
}
