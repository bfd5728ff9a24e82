/*
 * IDS rule exports: Suricata 7 and Snort 3.
 *
 * Suricata (docs.suricata.io, the rules keyword pages): a domain matches itself
 * and its subdomains through the dotprefix transform,
 *
 *   alert dns any any -> any any (msg:"..."; dns.query; dotprefix;
 *     content:".evil.example"; nocase; endswith; sid:9100000; rev:1;)
 *
 * and the same on tls.sni and http.host; address sets become address
 * lists in both directions; JA3 hashes ja3.hash. With a dataset, the
 * domains go to a string dataset file (base64, one a line) and three rules
 * test dataset:isset on the three buffers.
 *
 * Snort 3 has no DNS query or SNI buffer. The chosen rules:
 *   DNS  the query name in wire form, "|04|evil|07|example|00|", which a
 *        subdomain's name contains as well and a longer label does not;
 *   TLS  ssl_state:client_hello with the SNI entry "|00 00 0c|evil.example"
 *        (name type, length, name): the exact name only;
 *   HTTP http_header:field host with a pcre anchored on a dot boundary.
 *
 * Content bytes outside printable ASCII, and '"', ';', '\' and '|', are
 * written as |hex|; msg text keeps only [A-Za-z0-9._/:-]. Sids are
 * sid_base + the rule's position, so a rule file is stable for stable
 * input.
 */
#include "export/export-int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define IPS_PER_RULE 64

static void content(struct yg_exp_w *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	bool in_hex = false;
	yg_exp_puts(w, "content:\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = c > 0x20 && c < 0x7f && c != '"' && c != ';' && c != '\\' && c != '|';
		if (plain != !in_hex)
			yg_exp_putc(w, '|'); /* opens or closes a run of hex bytes */
		else if (!plain)
			yg_exp_putc(w, ' ');
		in_hex = !plain;
		if (plain) {
			yg_exp_putc(w, (char)c);
		} else {
			char t[2] = {hex[c >> 4], hex[c & 15]};
			yg_exp_put(w, t, 2);
		}
	}
	if (in_hex)
		yg_exp_putc(w, '|');
	yg_exp_putc(w, '"');
}

/* At an alert level whose playbook switched exports to blocking, every
 * rule drops what it matches (Suricata and Snort inline, as an IPS). */
static void action(struct yg_exp_w *w)
{
	yg_exp_puts(w, w->m->block ? "drop " : "alert ");
}

static void msg(struct yg_exp_w *w, const char *what, const char *v)
{
	yg_exp_puts(w, "msg:\"YAGURA intel ");
	yg_exp_puts(w, what);
	if (v) {
		yg_exp_putc(w, ' ');
		size_t n = strlen(v);
		for (size_t i = 0; i < n && i < 120; i++) {
			char c = v[i];
			bool ok = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
			          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
			          c == ':' || c == '-';
			yg_exp_putc(w, ok ? c : '_');
		}
	}
	yg_exp_puts(w, "\"; ");
}

static void sid(struct yg_exp_w *w, uint32_t *next, bool snort)
{
	yg_exp_puts(w, snort ? "sid:" : "sid:");
	yg_exp_putu(w, (*next)++);
	yg_exp_puts(w, snort ? "; rev:1; )\n" : "; rev:1;)\n");
}

/* Address lists, IPS_PER_RULE per rule, both directions. */
static void ip_rules(struct yg_exp_w *w, uint32_t *next, bool snort)
{
	char chunk[IPS_PER_RULE][64];
	size_t k = 0, group = 0;
	bool end = false;
	yg_exp_rewind(w);
	while (!end) {
		struct yg_export_item x;
		end = !yg_exp_next(w, &x);
		if (!end) {
			if (x.type != YG_IND_IP)
				continue;
			struct yg_exp_ip ip;
			if (!yg_exp_ip_parse(x.value, &ip) || ip.plen == 0) {
				w->st.skipped_unsafe++;
				continue;
			}
			yg_exp_ip_text(&ip, chunk[k++]);
			w->st.written++;
		}
		if (k == 0 || (k < IPS_PER_RULE && !end))
			continue;
		group++;
		for (int dir = 0; dir < 2; dir++) {
			action(w);
			yg_exp_puts(w, dir ? "ip any any -> [" : "ip [");
			for (size_t j = 0; j < k; j++) {
				if (j)
					yg_exp_putc(w, ',');
				yg_exp_puts(w, chunk[j]);
			}
			yg_exp_puts(w, dir ? "] any (" : "] any -> any any (");
			if (snort)
				yg_exp_putc(w, ' ');
			char what[64];
			snprintf(what, sizeof what, "ip list %zu %s", group, dir ? "dst" : "src");
			msg(w, what, NULL);
			sid(w, next, snort);
		}
		k = 0;
	}
}

/* The host part of a normalized URL (host[:port]/path) and its path. */
static bool url_split(const char *v, const char **host, size_t *hlen, const char **path)
{
	if (!v || !*v || !yg_exp_text_ok(v, strlen(v)))
		return false;
	const char *slash = strchr(v, '/');
	if (!slash)
		return false;
	*host = v;
	*hlen = (size_t)(slash - v);
	if (*hlen && v[0] != '[') {
		const char *colon = memchr(v, ':', *hlen);
		if (colon)
			*hlen = (size_t)(colon - v);
	}
	*path = slash;
	return true;
}

static const char *const sur_bufs[3][2] = {
    {"dns", "dns.query"}, {"tls", "tls.sni"}, {"http", "http.host"}};

void yg_exp_suricata(struct yg_exp_w *w)
{
	const struct yg_export_meta *m = w->m;
	uint32_t next = m->sid_base;
	yg_exp_header(w, "#", "suricata 7 rules");
	if (m->dataset_name) {
		for (int b = 0; b < 3; b++) {
			action(w);
			yg_exp_puts(w, sur_bufs[b][0]);
			yg_exp_puts(w, " any any -> any any (");
			char what[128];
			snprintf(what, sizeof what, "domain dataset %s", sur_bufs[b][1]);
			msg(w, what, m->dataset_name);
			yg_exp_puts(w, sur_bufs[b][1]);
			yg_exp_puts(w, "; dataset:isset,");
			yg_exp_puts(w, m->dataset_name);
			yg_exp_puts(w, ",type string,load ");
			yg_exp_puts(w, m->dataset_path ? m->dataset_path : m->dataset_name);
			yg_exp_puts(w, "; ");
			sid(w, &next, false);
		}
	}
	ip_rules(w, &next, false);
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		char name[260];
		switch (x.type) {
		case YG_IND_IP:
			break;
		case YG_IND_DOMAIN: {
			char *nm1 = name + 1;
			long dl = yg_exp_domain(x.value, YG_EXP_NAME_MAX, nm1);
			if (dl < 0) {
				w->st.skipped_unsafe++;
				break;
			}
			w->st.written++;
			if (m->dataset_name)
				break;
			name[0] = '.';
			for (int b = 0; b < 3; b++) {
				action(w);
				yg_exp_puts(w, sur_bufs[b][0]);
				yg_exp_puts(w, " any any -> any any (");
				char what[32];
				snprintf(what, sizeof what, "domain %s", sur_bufs[b][0]);
				msg(w, what, name + 1);
				yg_exp_puts(w, sur_bufs[b][1]);
				yg_exp_puts(w, "; dotprefix; ");
				content(w, name, (size_t)dl + 1);
				/* http.host is lower-cased by Suricata: nocase is void there */
				yg_exp_puts(w, b == 2 ? "; endswith; " : "; nocase; endswith; ");
				sid(w, &next, false);
			}
			break;
		}
		case YG_IND_URL: {
			const char *host, *path;
			size_t hlen;
			if (!url_split(x.value, &host, &hlen, &path)) {
				w->st.skipped_unsafe++;
				break;
			}
			action(w);
			yg_exp_puts(w, "http any any -> any any (");
			msg(w, "url", x.value);
			if (hlen) {
				yg_exp_puts(w, "http.host; ");
				content(w, host, hlen);
				yg_exp_puts(w, "; startswith; endswith; ");
			}
			yg_exp_puts(w, "http.uri; ");
			content(w, path, strlen(path));
			yg_exp_puts(w, "; startswith; ");
			sid(w, &next, false);
			w->st.written++;
			break;
		}
		case YG_IND_JA3:
		case YG_IND_JA3S:
		case YG_IND_CERT_SHA1: {
			const char *v = x.value;
			size_t vl = v ? strlen(v) : 0;
			bool hex = vl == (x.type == YG_IND_CERT_SHA1 ? 40u : 32u);
			for (size_t j = 0; hex && j < vl; j++)
				hex = (v[j] >= '0' && v[j] <= '9') || (v[j] >= 'a' && v[j] <= 'f');
			if (!hex) {
				w->st.skipped_unsafe++;
				break;
			}
			action(w);
			yg_exp_puts(w, "tls any any -> any any (");
			if (x.type == YG_IND_CERT_SHA1) {
				/* Suricata compares the fingerprint as EVE writes it. */
				char fp[60];
				for (size_t j = 0, o = 0; j < 40; j += 2) {
					if (j)
						fp[o++] = ':';
					fp[o++] = v[j];
					fp[o++] = v[j + 1];
					fp[o] = '\0';
				}
				msg(w, "cert_sha1", v);
				yg_exp_puts(w, "tls.cert_fingerprint; ");
				content(w, fp, 59);
			} else {
				bool s3 = x.type == YG_IND_JA3S;
				msg(w, s3 ? "ja3s" : "ja3", v);
				yg_exp_puts(w, s3 ? "ja3s.hash; " : "ja3.hash; ");
				content(w, v, vl);
			}
			yg_exp_puts(w, "; ");
			sid(w, &next, false);
			w->st.written++;
			break;
		}
		default:
			w->st.skipped_type++;
		}
	}
}

void yg_exp_suricata_dataset(struct yg_exp_w *w)
{
	/* Suricata's dataset loader takes data lines only: no header here */
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		char name[256];
		unsigned char b64[4 * (sizeof name / 3) + 8];
		if (x.type != YG_IND_DOMAIN) {
			w->st.skipped_type++;
			continue;
		}
		long dl = yg_exp_domain(x.value, YG_EXP_NAME_MAX, name);
		if (dl < 0) {
			w->st.skipped_unsafe++;
			continue;
		}
		int bl = EVP_EncodeBlock(b64, (const unsigned char *)name, (int)dl);
		yg_exp_put(w, (const char *)b64, (size_t)bl);
		yg_exp_putc(w, '\n');
		w->st.written++;
	}
}

void yg_exp_snort3(struct yg_exp_w *w)
{
	uint32_t next = w->m->sid_base;
	yg_exp_header(w, "#", "snort 3 rules");
	ip_rules(w, &next, true);
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		char name[256];
		switch (x.type) {
		case YG_IND_IP:
			break;
		case YG_IND_DOMAIN: {
			long dl = yg_exp_domain(x.value, YG_EXP_NAME_MAX, name);
			if (dl < 0) {
				w->st.skipped_unsafe++;
				break;
			}
			/* DNS wire form: each label after its length byte */
			char wire[260];
			size_t wl = 0, start = 0;
			for (size_t j = 0; j <= (size_t)dl; j++) {
				if (j < (size_t)dl && name[j] != '.')
					continue;
				wire[wl++] = (char)(j - start);
				memcpy(wire + wl, name + start, j - start);
				wl += j - start;
				start = j + 1;
			}
			wire[wl++] = 0;
			action(w);
			yg_exp_puts(w, "udp any any -> any 53 ( ");
			msg(w, "domain dns", name);
			content(w, wire, wl);
			yg_exp_puts(w, ",fast_pattern,nocase; service:dns; ");
			sid(w, &next, true);

			char sni[260] = {0, (char)(dl >> 8), (char)(dl & 0xff)};
			memcpy(sni + 3, name, (size_t)dl);
			action(w);
			yg_exp_puts(w, "tcp any any -> any any ( ");
			msg(w, "domain tls", name);
			yg_exp_puts(w, "flow:to_server,established; ssl_state:client_hello; ");
			content(w, sni, (size_t)dl + 3);
			yg_exp_puts(w, ",nocase; service:ssl; ");
			sid(w, &next, true);

			action(w);
			yg_exp_puts(w, "http ( ");
			msg(w, "domain http", name);
			yg_exp_puts(w, "flow:to_server,established; http_header:field host; ");
			content(w, name, (size_t)dl);
			yg_exp_puts(w, ",nocase; pcre:\"/(^|\\.)");
			for (long j = 0; j < dl; j++) {
				if (name[j] == '.')
					yg_exp_putc(w, '\\');
				yg_exp_putc(w, name[j]);
			}
			yg_exp_puts(w, "(:\\d+)?$/i\"; ");
			sid(w, &next, true);
			w->st.written++;
			break;
		}
		case YG_IND_URL: {
			const char *host, *path;
			size_t hlen;
			if (!url_split(x.value, &host, &hlen, &path)) {
				w->st.skipped_unsafe++;
				break;
			}
			action(w);
			yg_exp_puts(w, "http ( ");
			msg(w, "url", x.value);
			yg_exp_puts(w, "flow:to_server,established; ");
			if (hlen) {
				yg_exp_puts(w, "http_header:field host; ");
				content(w, host, hlen);
				yg_exp_puts(w, ",nocase; ");
			}
			yg_exp_puts(w, "http_uri; ");
			content(w, path, strlen(path));
			yg_exp_puts(w, "; ");
			sid(w, &next, true);
			w->st.written++;
			break;
		}
		default: /* hashes and JA3/JA4: no Snort 3 rule option */
			w->st.skipped_type++;
		}
	}
}
