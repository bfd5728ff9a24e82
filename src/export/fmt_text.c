/*
 * Line formats: plain lists (ips, domains, urls), CSV (RFC 4180) and the
 * Zeek Intel framework file (tab-separated, Zeek's input framework):
 *
 *   #fields<TAB>indicator<TAB>indicator_type<TAB>meta.source<TAB>meta.desc
 *   192.0.2.1<TAB>Intel::ADDR<TAB>feed.txt<TAB>-
 *
 * Zeek cannot quote: a value with a tab, newline or control byte has no
 * representation and is skipped; "-" (Zeek's unset marker) likewise.
 */
#include "export/export-int.h"

#include <string.h>

static void line(struct yg_exp_w *w, const char *s, size_t n)
{
	yg_exp_put(w, s, n);
	yg_exp_putc(w, '\n');
	w->st.written++;
}

static bool url_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || v[0] == '#' || !yg_exp_text_ok(v, n))
		return false;
	return !memchr(v, ' ', n);
}

void yg_exp_list(struct yg_exp_w *w, enum yg_export_format f)
{
	static const enum yg_ind_type want[] = {[YG_EXPORT_IPS] = YG_IND_IP,
	                                        [YG_EXPORT_DOMAINS] = YG_IND_DOMAIN,
	                                        [YG_EXPORT_URLS] = YG_IND_URL};
	yg_exp_header(w, "#", yg_export_format_name(f));
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		if (x.type != want[f]) {
			w->st.skipped_type++;
			continue;
		}
		char buf[256];
		if (f == YG_EXPORT_IPS) {
			struct yg_exp_ip ip;
			if (!yg_exp_ip_parse(x.value, &ip)) {
				w->st.skipped_unsafe++;
				continue;
			}
			char t[64];
			yg_exp_ip_text(&ip, t);
			line(w, t, strlen(t));
		} else if (f == YG_EXPORT_DOMAINS) {
			long dl = yg_exp_domain(x.value, YG_EXP_NAME_MAX, buf);
			if (dl < 0) {
				w->st.skipped_unsafe++;
				continue;
			}
			line(w, buf, (size_t)dl);
		} else {
			if (!x.value || !url_ok(x.value)) {
				w->st.skipped_unsafe++;
				continue;
			}
			line(w, x.value, strlen(x.value));
		}
	}
}

/* RFC 4180 field; quoted when it holds a separator, quote or line break,
 * or would read as a comment line to loaders that take '#' as one. */
static void csv_field(struct yg_exp_w *w, const char *s)
{
	if (!s || !yg_exp_text_ok(s, strlen(s)))
		return;
	size_t n = strlen(s);
	if (!(strpbrk(s, ",\"\r\n") || s[0] == '#' || (n && (s[0] == ' ' || s[n - 1] == ' ')))) {
		yg_exp_put(w, s, n);
		return;
	}
	yg_exp_putc(w, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			yg_exp_putc(w, '"');
		yg_exp_putc(w, *p);
	}
	yg_exp_putc(w, '"');
}

void yg_exp_csv(struct yg_exp_w *w)
{
	yg_exp_header(w, "#", "csv");
	yg_exp_puts(w, "type,value,source,id\r\n");
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		const char *v = x.value;
		if ((unsigned)x.type >= YG_IND__COUNT) {
			w->st.skipped_type++;
			continue;
		}
		/* a value of a typed column must be one of that type */
		char buf[256];
		struct yg_exp_ip ip;
		if (x.type == YG_IND_IP && yg_exp_ip_parse(v, &ip)) {
			yg_exp_ip_text(&ip, buf);
			v = buf;
		} else if (x.type == YG_IND_DOMAIN &&
		           yg_exp_domain(v, YG_EXP_NAME_MAX, buf) >= 0) {
			v = buf;
		} else if (x.type == YG_IND_IP || x.type == YG_IND_DOMAIN || !v || !*v ||
		           !yg_exp_text_ok(v, strlen(v))) {
			w->st.skipped_unsafe++;
			continue;
		}
		yg_exp_puts(w, yg_ind_type_name(x.type));
		yg_exp_putc(w, ',');
		csv_field(w, v);
		yg_exp_putc(w, ',');
		csv_field(w, x.source);
		yg_exp_putc(w, ',');
		csv_field(w, x.id);
		yg_exp_puts(w, "\r\n");
		w->st.written++;
	}
}

/* A Zeek field: printable, no tab, not empty, not the "-" unset marker. */
static bool zeek_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n && strcmp(s, "-") != 0 && strcmp(s, "(empty)") != 0 && yg_exp_text_ok(s, n);
}

void yg_exp_zeek(struct yg_exp_w *w)
{
	yg_exp_header(w, "#", "zeek intel");
	yg_exp_puts(w, "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n");
	char deflt[256];
	yg_exp_source_text(w->m, deflt, sizeof deflt);
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		const char *v = x.value, *type;
		char buf[256];
		switch (x.type) {
		case YG_IND_IP: {
			struct yg_exp_ip ip;
			if (!yg_exp_ip_parse(v, &ip)) {
				w->st.skipped_unsafe++;
				continue;
			}
			yg_exp_ip_text(&ip, buf);
			v = buf;
			type = ip.plen == (ip.family == 4 ? 32u : 128u) ? "Intel::ADDR"
			                                                : "Intel::SUBNET";
			break;
		}
		case YG_IND_DOMAIN:
			if (yg_exp_domain(v, YG_EXP_NAME_MAX, buf) < 0) {
				w->st.skipped_unsafe++;
				continue;
			}
			v = buf;
			type = "Intel::DOMAIN";
			break;
		case YG_IND_URL:
			/* Zeek matches host/path; a path alone never matches */
			if (v && v[0] == '/') {
				w->st.skipped_type++;
				continue;
			}
			type = "Intel::URL";
			break;
		case YG_IND_MD5:
		case YG_IND_SHA1:
		case YG_IND_SHA256:
			type = "Intel::FILE_HASH";
			break;
		case YG_IND_CERT_SHA1:
			type = "Intel::CERT_HASH";
			break;
		default: /* JA3/JA4: no Intel type in Zeek's base scripts */
			w->st.skipped_type++;
			continue;
		}
		if (!zeek_ok(v)) {
			w->st.skipped_unsafe++;
			continue;
		}
		yg_exp_puts(w, v);
		yg_exp_putc(w, '\t');
		yg_exp_puts(w, type);
		yg_exp_putc(w, '\t');
		yg_exp_puts(w, zeek_ok(x.source) ? x.source : deflt);
		yg_exp_putc(w, '\t');
		yg_exp_puts(w, zeek_ok(x.id) ? x.id : "-");
		yg_exp_putc(w, '\n');
		w->st.written++;
	}
}
