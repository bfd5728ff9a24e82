/*
 * The MIME walk: RFC 5322 headers and RFC 2045-2049 bodies through GMime 3
 * (RFC 2047 encoded words and RFC 2231 parameters decoded to UTF-8 with
 * iconv, which covers ISO-2022-JP and Shift_JIS), feeding the Received
 * parser, the URL extractor and the attachment inspector.
 *
 *   message --- headers (From, Received*, Authentication-Results, ...)
 *      `-- multipart/mixed ----- multipart/alternative -- text/plain
 *             |                        `----------------- text/html
 *             |-- application/zip (attachment) -> archive members
 *             `-- message/rfc822 -> (walked like the top message)
 *
 * GMime's parser caps MIME nesting itself (GMIME_CRIT_NESTING_OVERFLOW);
 * this walk adds its own depth and leaf-part caps.
 */
#include <ctype.h>
#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/gmime_guard.h"
#include "mail/mail-int.h"

#define READ_CHUNK  65536
#define EXCERPT_MAX 300

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/* One iconv descriptor per legacy fallback charset (see yg_mail_analyze),
 * opened once and never closed. glibc loads a charset's gconv module at
 * iconv_open and unloads it at the last iconv_close; GMime opens and
 * closes one for every 8-bit header it decodes with the fallbacks, so
 * every such message paid a dlopen and a dlclose (mmap, munmap, a TLB
 * flush) per charset. Held open here, the modules stay loaded. */
static iconv_t kept_iconv[3];

static void gmime_start(void)
{
	static const char *const legacy[] = {"ISO-2022-JP", "SHIFT_JIS", "EUC-JP"};
	for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
		kept_iconv[i] = iconv_open("UTF-8", legacy[i]); /* (iconv_t)-1 is harmless */
	g_mime_init();
	yg_mail_gmime_guard_install();
	/* GObject creates classes (message, multipart, parts, addresses) and
	 * GLib its time zone cache on first use; one message parsed here does
	 * that once, before analyses run on several threads (yagura mail
	 * --jobs) and would otherwise race to be first. */
	static const char warm[] = "From: A <a@example.com>\r\n"
	                           "To: g: b@example.com;\r\n"
	                           "Date: Fri, 1 Mar 2024 10:00:00 +0900\r\n"
	                           "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                           "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
	                           "--b\r\nContent-Type: message/rfc822\r\n\r\n"
	                           "Subject: y\r\n\r\ny\r\n--b--\r\n";
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(warm, sizeof warm - 1);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	if (m) {
		internet_address_list_length(g_mime_message_get_from(m));
		g_mime_message_get_date(m);
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(s);
}

int yg_mail_anomaly(struct yg_mail_ctx *ctx, const char *name)
{
	if (ctx->r->anomalies.n >= 64)
		return 0;
	return yg_mail_strv_add_unique(&ctx->r->anomalies, name);
}

static void on_warning(gint64 off, GMimeParserWarning code, const gchar *item, gpointer ud)
{
	(void)off;
	(void)item;
	static const char *const names[] = {
	    [GMIME_WARN_DUPLICATED_HEADER] = "duplicated_header",
	    [GMIME_WARN_DUPLICATED_PARAMETER] = "duplicated_parameter",
	    [GMIME_WARN_UNENCODED_8BIT_HEADER] = "unencoded_8bit_header",
	    [GMIME_WARN_INVALID_CONTENT_TYPE] = "invalid_content_type",
	    [GMIME_WARN_INVALID_RFC2047_HEADER_VALUE] = "invalid_rfc2047_header",
	    [GMIME_WARN_MALFORMED_MULTIPART] = "malformed_multipart",
	    [GMIME_WARN_TRUNCATED_MESSAGE] = "truncated_message",
	    [GMIME_WARN_MALFORMED_MESSAGE] = "malformed_message",
	    [GMIME_CRIT_INVALID_HEADER_NAME] = "invalid_header_name",
	    [GMIME_CRIT_CONFLICTING_HEADER] = "conflicting_header",
	    [GMIME_CRIT_CONFLICTING_PARAMETER] = "conflicting_parameter",
	    [GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY] = "multipart_without_boundary",
	    [GMIME_WARN_INVALID_PARAMETER] = "invalid_parameter",
	    [GMIME_WARN_INVALID_ADDRESS_LIST] = "invalid_address_list",
	    [GMIME_CRIT_NESTING_OVERFLOW] = "mime_nesting_overflow",
	    [GMIME_WARN_PART_WITHOUT_CONTENT] = "part_without_content",
	    [GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT] = "part_without_headers_or_content",
	};
	struct yg_mail_ctx *ctx = ud;
	if ((size_t)code < sizeof names / sizeof names[0] && names[code])
		(void)yg_mail_anomaly(ctx, names[code]);
	else
		(void)yg_mail_anomaly(ctx, "mime_warning");
}

/* ---- headers ---- */

static char *lower_dup(const char *s)
{
	char *d = yg_mail_strdup(s);
	for (char *p = d; p && *p; p++)
		*p = (char)((unsigned char)*p < 0x80 ? tolower((unsigned char)*p) : *p);
	return d;
}

static int add_mailbox(struct yg_mail_addrs *out, InternetAddressMailbox *mb, const char *name)
{
	if (out->n >= 256)
		return 0;
	const char *addr = internet_address_mailbox_get_addr(mb);
	if (!addr)
		return 0;
	struct yg_mail_addr *v = realloc(out->v, (out->n + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	out->v = v;
	struct yg_mail_addr *a = &v[out->n++];
	memset(a, 0, sizeof *a);
	a->name = name && name[0] ? yg_mail_strdup(name) : NULL;
	a->address = yg_mail_strdup(addr);
	if (!a->address)
		return -ENOMEM;
	const char *at = strrchr(addr, '@');
	if (at && at[1]) {
		a->domain = lower_dup(at + 1);
		if (!a->domain)
			return -ENOMEM;
		a->reg_domain = yg_mail_reg_domain(a->domain);
	}
	return 0;
}

static int add_list(struct yg_mail_addrs *out, InternetAddressList *l, int depth)
{
	int n = l ? internet_address_list_length(l) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		int r = 0;
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			r = add_mailbox(out, INTERNET_ADDRESS_MAILBOX(ia),
			                internet_address_get_name(ia));
		else if (INTERNET_ADDRESS_IS_GROUP(ia) && depth < 4)
			r = add_list(out,
			             internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
			             depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static char *header_dup(GMimeObject *o, const char *name)
{
	const char *v = g_mime_object_get_header(o, name);
	if (!v)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	return yg_mail_strndup(v, n);
}

/* "spf=pass" style results (RFC 8601 section 2.2); the first header that
 * names a method wins: the top one was added by the receiving MTA. */
static int auth_results(struct yg_mail_report *r, const char *v)
{
	static const char *const methods[] = {"spf", "dkim", "dmarc"};
	char **slots[] = {&r->spf, &r->dkim, &r->dmarc};
	for (size_t m = 0; m < 3; m++) {
		if (*slots[m])
			continue;
		size_t ml = strlen(methods[m]);
		for (const char *p = v; (p = strcasestr(p, methods[m])) != NULL; p += ml) {
			if (p > v &&
			    (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-'))
				continue;
			const char *q = p + ml;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q != '=')
				continue;
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			size_t n = 0;
			while (q[n] && (isalnum((unsigned char)q[n]) || q[n] == '_'))
				n++;
			if (!n)
				continue;
			*slots[m] = yg_mail_strndup(q, n);
			for (char *c = *slots[m]; c && *c; c++)
				*c = (char)tolower((unsigned char)*c);
			if (!*slots[m])
				return -ENOMEM;
			break;
		}
	}
	return 0;
}

static int headers(struct yg_mail_ctx *ctx, GMimeMessage *m)
{
	struct yg_mail_report *r = ctx->r;
	GMimeObject *o = GMIME_OBJECT(m);
	int e;
	if ((e = add_list(&r->from, g_mime_message_get_from(m), 0)) < 0 ||
	    (e = add_list(&r->sender, g_mime_message_get_sender(m), 0)) < 0 ||
	    (e = add_list(&r->reply_to, g_mime_message_get_reply_to(m), 0)) < 0 ||
	    (e = add_list(&r->to, g_mime_message_get_to(m), 0)) < 0 ||
	    (e = add_list(&r->cc, g_mime_message_get_cc(m), 0)) < 0)
		return e;
	char *rp = header_dup(o, "Return-Path");
	if (rp) {
		char *s = rp, *end = rp + strlen(rp);
		char *lt = strchr(s, '<');
		if (lt) {
			s = lt + 1;
			char *gt = strchr(s, '>');
			end = gt ? gt : end;
		}
		while (s < end && isspace((unsigned char)*s))
			s++;
		while (end > s && isspace((unsigned char)end[-1]))
			end--;
		r->return_path = yg_mail_strndup(s, (size_t)(end - s));
		free(rp);
		if (!r->return_path)
			return -ENOMEM;
	}
	const char *subj = g_mime_message_get_subject(m);
	r->subject = yg_mail_strdup(subj);
	r->date = header_dup(o, "Date");
	r->date_unix = r->date ? yg_mail_date_parse(r->date, strlen(r->date)) : -1;
	r->message_id = yg_mail_strdup(g_mime_message_get_message_id(m));
	r->x_mailer = header_dup(o, "X-Mailer");
	r->user_agent = header_dup(o, "User-Agent");
	if ((subj && !r->subject))
		return -ENOMEM;

	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	int n = g_mime_header_list_get_count(hl);
	size_t hop_cap = 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		if (!name)
			continue;
		if (yg_mail_is_address_header(name)) {
			/* Left unparsed by the guard (gmime_guard.h). */
			const char *raw = g_mime_header_get_raw_value(h);
			if (raw && yg_mail_addr_comment_unclosed(raw, strlen(raw)) &&
			    (e = yg_mail_anomaly(ctx, "address_comment_unclosed")) < 0)
				return e;
			continue;
		}
		if (!strcasecmp(name, "Received")) {
			const char *raw = g_mime_header_get_raw_value(h);
			if (!raw)
				continue;
			e = yg_mail_grow((void **)&r->hops, &hop_cap, r->n_hops, sizeof *r->hops,
			                 YG_MAIL_MAX_HOPS);
			if (e == -E2BIG) {
				if ((e = yg_mail_anomaly(ctx, "too_many_received")) < 0)
					return e;
				continue;
			}
			if (e < 0)
				return e;
			if ((e = yg_mail_received_parse(raw, strlen(raw), &r->hops[r->n_hops])) < 0)
				return e;
			r->n_hops++;
		} else if (!strcasecmp(name, "Authentication-Results") ||
		           !strcasecmp(name, "ARC-Authentication-Results")) {
			const char *v = g_mime_header_get_value(h);
			if (v && (e = auth_results(r, v)) < 0)
				return e;
		} else if (!strcasecmp(name, "Received-SPF") && !r->spf) {
			const char *v = g_mime_header_get_value(h);
			while (v && isspace((unsigned char)*v))
				v++;
			size_t k = 0;
			while (v && isalpha((unsigned char)v[k]))
				k++;
			if (k) {
				r->spf = lower_dup(v);
				if (!r->spf)
					return -ENOMEM;
				r->spf[k] = '\0';
			}
		}
	}
	/* The oldest hop is last; the first public address from the bottom
	 * up is where the message entered the Internet. */
	for (size_t i = r->n_hops; i > 0; i--) {
		if (r->hops[i - 1].external) {
			r->sending_ip = yg_mail_strdup(r->hops[i - 1].from_ip);
			if (!r->sending_ip)
				return -ENOMEM;
			break;
		}
	}
	return 0;
}

/* ---- parts ---- */

/* True when p[0..n) holds only the base64 alphabet, '=' and C-locale
 * white space (tab, LF, VT, FF, CR, space). Written so that GCC makes
 * vector code of it (about 5x a table lookup per byte): the classes are
 * disjoint, so their sum is 0 or 1, and a sum, unlike an | of
 * comparisons, is not folded into a 64-bit bit test the vectorizer
 * refuses. No early exit: a bad byte is rare. */
static bool b64_chunk_ok(const uint8_t *p, size_t n)
{
	uint8_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		uint8_t ok = (uint8_t)((uint8_t)((c | 0x20) - 'a') < 26) +
		             (uint8_t)((uint8_t)(c - '0') < 10) +
		             (uint8_t)((uint8_t)(c - '\t') < 5) + (uint8_t)(c == '+') +
		             (uint8_t)(c == '/') + (uint8_t)(c == '=') + (uint8_t)(c == ' ');
		bad |= (uint8_t)(ok ^ 1);
	}
	return !bad;
}

/* 1 + rank of a base64 alphabet byte (1..64), LB for CR and LF, 0 for
 * the rest, '=' included. */
#define LB 0x80
static const uint8_t b64_rank[256] = {
    ['A'] = 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    21,         22, 23, 24, 25, 26, ['a'] = 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
    39,         40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, ['0'] = 53, 54, 55, 56,
    57,         58, 59, 60, 61, 62, ['+'] = 63, ['/'] = 64, ['\r'] = LB, ['\n'] = LB,
};

/* Decodes the leading whole quartets of clean base64 (alphabet bytes, CR
 * and LF between any two) into out, stopping at the first other byte or
 * where the input ends inside a quartet. Returns the bytes written; *used
 * gets the input consumed, which ends right after the last whole quartet,
 * so GMime's decoder, started afresh, takes the rest exactly as if it had
 * seen everything: over such a prefix every version of it writes three
 * bytes per quartet and ends in its initial state. Four bytes per step
 * where GMime takes one: its decoder was most of the MIME walk's time. */
static size_t b64_prefix(const uint8_t *in, size_t n, uint8_t *out, size_t *used)
{
	size_t i = 0, o = 0, done = 0;
	for (;;) {
		while (n - i >= 4) {
			/* 0 and LB wrap to values with bit 6 or 7 set */
			uint32_t a = b64_rank[in[i]] - 1u, b = b64_rank[in[i + 1]] - 1u,
			         c = b64_rank[in[i + 2]] - 1u, d = b64_rank[in[i + 3]] - 1u;
			if ((a | b | c | d) & 0xc0)
				break;
			uint32_t v = a << 18 | b << 12 | c << 6 | d;
			out[o] = (uint8_t)(v >> 16);
			out[o + 1] = (uint8_t)(v >> 8);
			out[o + 2] = (uint8_t)v;
			o += 3;
			i += 4;
		}
		done = i;
		/* a line break, or a quartet split by one */
		uint32_t v = 0;
		int k = 0;
		while (i < n && k < 4) {
			uint8_t r = b64_rank[in[i]];
			if (r == 0)
				break;
			i++;
			if (r != LB) {
				v = v << 6 | (uint32_t)(r - 1);
				k++;
			}
		}
		if (k < 4)
			break;
		out[o] = (uint8_t)(v >> 16);
		out[o + 1] = (uint8_t)(v >> 8);
		out[o + 2] = (uint8_t)v;
		o += 3;
	}
	*used = done;
	return o;
}

/* The part's encoded bytes where they lie: the parser reads the message
 * from a memory stream and, keeping that stream, gives every part a
 * substream of it (a GMimeStreamMem over the same array, bounded). NULL
 * when the content is somewhere else; then it is read as a stream. */
static const uint8_t *raw_window(GMimeStream *raw, size_t *len)
{
	if (!GMIME_IS_STREAM_MEM(raw))
		return NULL;
	GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(raw));
	if (!a || !a->data)
		return NULL;
	gint64 st = raw->bound_start, end = raw->bound_end == -1 ? (gint64)a->len : raw->bound_end;
	if (st < 0 || end < st || end > (gint64)a->len)
		return NULL;
	*len = (size_t)(end - st);
	return a->data + st;
}

/* Decodes a part whose encoded bytes are in memory, and whose decoded size
 * fits the kept prefix, in one pass into ctx->part_buf (no stream reads,
 * no filter buffer, no copy into the hasher). Returns 1 when it did,
 * 0 when the part needs decode_part's streaming path. Same bytes and the
 * same invalid_base64 anomaly as that path: GMime's own decoders (through
 * GMimeEncoding, as its basic filter calls them) do all but the clean
 * base64 prefix. */
static int decode_whole(struct yg_mail_ctx *ctx, GMimeStream *raw, GMimeContentEncoding enc,
                        struct yg_mail_hasher *h)
{
	size_t n = 0;
	const uint8_t *in = raw_window(raw, &n);
	if (!in || enc == GMIME_CONTENT_ENCODING_UUENCODE) /* uu: the filter seeks "begin" */
		return 0;
	bool coded =
	    enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	if (!coded) { /* identity: the bytes are the file */
		if (n > h->keep_max)
			return 0;
		int r = yg_mail_hasher_whole(h, in, n);
		return r < 0 ? r : 1;
	}
	size_t cap = n + 3; /* g_mime_encoding_outlen for both decoders */
	if (cap > h->keep_max)
		return 0;
	if (cap > ctx->part_cap) {
		uint8_t *b = realloc(ctx->part_buf, cap);
		if (!b)
			return -ENOMEM;
		ctx->part_buf = b;
		ctx->part_cap = cap;
	}
	uint8_t *out = ctx->part_buf;
	size_t used = 0, o = 0;
	if (enc == GMIME_CONTENT_ENCODING_BASE64)
		o = b64_prefix(in, n, out, &used);
	GMimeEncoding st;
	g_mime_encoding_init_decode(&st, enc);
	o += g_mime_encoding_step(&st, (const char *)in + used, n - used, (char *)out + o);
	o += g_mime_encoding_flush(&st, NULL, 0, (char *)out + o);
	int r = 0;
	if (o > h->keep_max)
		return -EINVAL; /* cannot happen: o <= cap */
	if ((r = yg_mail_hasher_whole(h, out, o)) < 0)
		return r;
	/* the prefix is clean by construction: only the rest is checked */
	if (enc == GMIME_CONTENT_ENCODING_BASE64 && !b64_chunk_ok(in + used, n - used) &&
	    (r = yg_mail_anomaly(ctx, "invalid_base64")) < 0)
		return r;
	return 1;
}

/* Decodes a part's content into the hasher, chunk by chunk, so a 50 MB
 * attachment costs one chunk of memory plus what the hasher keeps. */
static int decode_part(struct yg_mail_ctx *ctx, GMimePart *part, struct yg_mail_hasher *h)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	if (!w)
		return 0;
	GMimeStream *raw = g_mime_data_wrapper_get_stream(w);
	if (!raw)
		return 0;
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
	int whole = decode_whole(ctx, raw, enc, h);
	if (whole != 0)
		return whole < 0 ? whole : 0;
	GMimeFilter *f = NULL;
	if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE)
		f = g_mime_filter_basic_new(enc, FALSE);
	if (!ctx->read_buf)
		ctx->read_buf = malloc(READ_CHUNK);
	char *buf = ctx->read_buf;
	int r = 0;
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	g_mime_stream_reset(raw);
	bool bad64 = false;
	ssize_t n;
	while ((n = g_mime_stream_read(raw, buf, READ_CHUNK)) > 0) {
		if (enc == GMIME_CONTENT_ENCODING_BASE64 && !bad64)
			bad64 = !b64_chunk_ok((const uint8_t *)buf, (size_t)n);
		if (f) {
			char *out;
			size_t outlen, outpre;
			g_mime_filter_filter(f, buf, (size_t)n, 0, &out, &outlen, &outpre);
			r = yg_mail_hasher_update(h, out, outlen);
		} else {
			r = yg_mail_hasher_update(h, buf, (size_t)n);
		}
		if (r < 0)
			goto out;
	}
	if (f) {
		char *out;
		size_t outlen, outpre;
		g_mime_filter_complete(f, NULL, 0, 0, &out, &outlen, &outpre);
		r = yg_mail_hasher_update(h, out, outlen);
	}
	if (bad64 && r == 0)
		r = yg_mail_anomaly(ctx, "invalid_base64");
out:
	if (f)
		g_object_unref(f);
	return r;
}

static char *excerpt(const char *s)
{
	size_t n = strlen(s);
	if (n > EXCERPT_MAX) {
		n = EXCERPT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* whole UTF-8 sequences only */
	}
	return yg_mail_strndup(s, n);
}

static int body(struct yg_mail_ctx *ctx, GMimePart *part, bool html)
{
	struct yg_mail_report *r = ctx->r;
	if (!GMIME_IS_TEXT_PART(part))
		return 0;
	char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	if (!text)
		return 0;
	int e = 0;
	size_t n = strlen(text);
	if (n > YG_MAIL_TEXT_MAX) {
		n = YG_MAIL_TEXT_MAX;
		e = yg_mail_anomaly(ctx, "body_too_large");
	}
	if (e == 0)
		e = html ? yg_mail_urls_from_html(&ctx->urls, text, n)
		         : yg_mail_urls_from_text(&ctx->urls, text, n);
	if (e == 0 && r->n_bodies < 64) {
		struct yg_mail_body *v = realloc(r->bodies, (r->n_bodies + 1) * sizeof *v);
		if (!v) {
			e = -ENOMEM;
			goto out;
		}
		r->bodies = v;
		struct yg_mail_body *b = &v[r->n_bodies++];
		memset(b, 0, sizeof *b);
		b->type = yg_mail_strdup(html ? "text/html" : "text/plain");
		const char *cs =
		    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
		b->charset = cs ? lower_dup(cs) : NULL;
		b->size = strlen(text);
		char *vis = html ? yg_mail_html_text(text, n) : NULL;
		b->excerpt = excerpt(vis ? vis : text);
		free(vis);
		if (!b->type || !b->excerpt)
			e = -ENOMEM;
	}
out:
	g_free(text);
	return e;
}

static int walk(struct yg_mail_ctx *ctx, GMimeObject *o, unsigned depth)
{
	if (!o)
		return 0;
	if (depth > YG_MAIL_MAX_DEPTH)
		return yg_mail_anomaly(ctx, "mime_too_deep");
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		return m ? walk(ctx, g_mime_message_get_mime_part(m), depth + 1) : 0;
	}
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		if (n == 0)
			return yg_mail_anomaly(ctx, "empty_multipart");
		for (int i = 0; i < n; i++) {
			int r =
			    walk(ctx, g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!GMIME_IS_PART(o))
		return 0;
	if (++ctx->parts > YG_MAIL_MAX_PARTS)
		return yg_mail_anomaly(ctx, "too_many_parts");
	GMimePart *part = GMIME_PART(o);
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : "text";
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : "plain";
	const char *disp = g_mime_object_get_disposition(o);
	const char *fname = g_mime_part_get_filename(part);
	bool attachment = (disp && !strcasecmp(disp, "attachment")) || (fname && fname[0]);
	bool text = type && !strcasecmp(type, "text");
	bool plain = text && sub && !strcasecmp(sub, "plain");
	bool html = text && sub && !strcasecmp(sub, "html");
	int r = 0;
	if (plain || html) {
		if ((r = body(ctx, part, html)) < 0)
			return r;
		if (!attachment)
			return 0;
	}
	char declared[128];
	snprintf(declared, sizeof declared, "%s/%s", type ? type : "application",
	         sub ? sub : "octet-stream");
	for (char *p = declared; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char path[64];
	if (!fname || !fname[0])
		snprintf(path, sizeof path, "part-%zu", ctx->parts);
	struct yg_mail_hasher h;
	if ((r = yg_mail_hasher_init(&h, YG_MAIL_KEEP_BYTES)) < 0)
		return r;
	if ((r = decode_part(ctx, part, &h)) < 0) {
		yg_mail_hasher_release(&h);
		return r;
	}
	return yg_mail_file_add(ctx, fname && fname[0] ? fname : path,
	                        fname && fname[0] ? fname : NULL, declared, 0, &h);
}

/* A message starts with a header field (RFC 5322 section 2.2: printable
 * ASCII name, colon) or an mbox "From " line; anything else (a binary, a
 * text file) is not an e-mail. */
static bool looks_like_mail(const uint8_t *p, size_t len)
{
	size_t i = 0;
	if (len >= 5 && !memcmp(p, "From ", 5)) {
		while (i < len && p[i] != '\n')
			i++;
		i++;
	}
	size_t st = i;
	while (i < len && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	size_t end = i;
	while (i < len && (p[i] == ' ' || p[i] == '\t')) /* obs-optional (RFC 5322 4.5.1) */
		i++;
	return end > st && i < len && p[i] == ':';
}

int yg_mail_analyze(const uint8_t *msg, size_t len, const struct yg_mail_opts *opts,
                    struct yg_mail_report **ret)
{
	if (len == 0)
		return -ENODATA;
	if (len > YG_MAIL_MAX_INPUT)
		return -E2BIG;
	if (!looks_like_mail(msg, len))
		return -EBADMSG;
	pthread_once(&gmime_once, gmime_start);
	int r = 0;
	struct yg_mail_ctx ctx = {0};
	GMimeStream *s = NULL;
	GByteArray *borrowed = NULL;
	GMimeParser *p = NULL;
	GMimeParserOptions *po = NULL;
	GMimeMessage *m = NULL;
	ctx.opts = opts;
	ctx.budget_left = YG_MAIL_ARCHIVE_BUDGET;
	ctx.entries_left = YG_MAIL_ARCHIVE_ENTRIES;
	ctx.r = calloc(1, sizeof *ctx.r);
	if (!ctx.r)
		return -ENOMEM;
	ctx.r->size = len;
	ctx.r->date_unix = -1;
	/* The parser reads the caller's bytes in place: a stream that does not
	 * own its array never frees it, and parsing never writes to its input,
	 * so the const is kept in fact. Copying (g_mime_stream_mem_new_with_
	 * buffer) cost a page-faulting memcpy of every message. */
	borrowed = g_byte_array_new_take((guint8 *)(uintptr_t)msg, len);
	s = g_mime_stream_mem_new_with_byte_array(borrowed);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	p = g_mime_parser_new_with_stream(s);
	po = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(po, on_warning, &ctx);
	g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	/* 8-bit headers: UTF-8 first, then the legacy Japanese charsets */
	static const char *fallback[] = {"utf-8",  "iso-2022-jp", "shift_jis",
	                                 "euc-jp", "iso-8859-1",  NULL};
	g_mime_parser_options_set_fallback_charsets(po, fallback);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	if (len >= 5 && !memcmp(msg, "From ", 5))
		g_mime_parser_set_format(p, GMIME_FORMAT_MBOX);
	m = g_mime_parser_construct_message(p, po);
	if (!m) {
		r = -EBADMSG;
		goto out;
	}
	if ((r = headers(&ctx, m)) < 0)
		goto out;
	if ((r = walk(&ctx, g_mime_message_get_mime_part(m), 0)) < 0)
		goto out;
	if (ctx.urls.capped && (r = yg_mail_anomaly(&ctx, "too_many_urls")) < 0)
		goto out;
	ctx.r->urls = ctx.urls.v;
	ctx.r->n_urls = ctx.urls.n;
	free(ctx.urls.idx);
	memset(&ctx.urls, 0, sizeof ctx.urls);
	if ((r = yg_mail_assess(ctx.r, opts)) < 0)
		goto out;
	*ret = ctx.r;
	ctx.r = NULL;
out:
	free(ctx.read_buf);
	free(ctx.part_buf);
	yg_mail_urlset_release(&ctx.urls);
	yg_mail_report_free(ctx.r);
	if (m)
		g_object_unref(m);
	if (po)
		g_mime_parser_options_free(po);
	if (p)
		g_object_unref(p);
	if (s)
		g_object_unref(s);
	if (borrowed)
		g_byte_array_free(borrowed, FALSE); /* hands msg back, frees only the wrapper */
	return r;
}
