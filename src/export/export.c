/*
 * Export entry points: format names, the output writer, the header
 * comment, the ETag, and the canonical order of items.
 */
#include "export/export-int.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "stix/timestamp.h"

static const struct {
	const char *name, *media;
} formats[YG_EXPORT__COUNT] = {
    [YG_EXPORT_SURICATA] = {"suricata", "text/plain; charset=utf-8"},
    [YG_EXPORT_SURICATA_DATASET] = {"suricata-dataset", "text/plain; charset=utf-8"},
    [YG_EXPORT_SNORT3] = {"snort3", "text/plain; charset=utf-8"},
    [YG_EXPORT_ZEEK] = {"zeek", "text/tab-separated-values; charset=utf-8"},
    [YG_EXPORT_NFTABLES] = {"nftables", "text/plain; charset=utf-8"},
    [YG_EXPORT_RPZ] = {"rpz", "text/dns"},
    [YG_EXPORT_IPS] = {"ips", "text/plain; charset=utf-8"},
    [YG_EXPORT_DOMAINS] = {"domains", "text/plain; charset=utf-8"},
    [YG_EXPORT_URLS] = {"urls", "text/plain; charset=utf-8"},
    [YG_EXPORT_CSV] = {"csv", "text/csv; charset=utf-8; header=present"},
    [YG_EXPORT_STIX] = {"stix", "application/stix+json;version=2.1"},
};

const char *yg_export_format_name(enum yg_export_format f)
{
	return (unsigned)f < YG_EXPORT__COUNT ? formats[f].name : "?";
}

const char *yg_export_media_type(enum yg_export_format f)
{
	return (unsigned)f < YG_EXPORT__COUNT ? formats[f].media : "application/octet-stream";
}

int yg_export_format_parse(const char *name, enum yg_export_format *ret)
{
	for (unsigned i = 0; i < YG_EXPORT__COUNT; i++)
		if (name && strcmp(name, formats[i].name) == 0) {
			*ret = (enum yg_export_format)i;
			return 0;
		}
	return -EINVAL;
}

void yg_export_buf_init(struct yg_export_buf *b)
{
	*b = (struct yg_export_buf){0};
}

void yg_export_buf_release(struct yg_export_buf *b)
{
	if (!b)
		return;
	free(b->data);
	*b = (struct yg_export_buf){0};
}

void yg_exp_rewind(struct yg_exp_w *w)
{
	int r = w->err ? 0 : w->src->rewind(w->src->ud);
	if (r < 0)
		w->err = r;
}

bool yg_exp_next(struct yg_exp_w *w, struct yg_export_item *ret)
{
	if (w->err)
		return false;
	int r = w->src->next(w->src->ud, ret);
	if (r < 0)
		w->err = r;
	return r > 0;
}

static void flush(struct yg_exp_w *w)
{
	struct yg_export_buf *b = w->b;
	if (w->err || !w->sink || !b->len)
		return;
	int r = w->sink(w->sink_ud, b->data, b->len);
	if (r < 0) {
		w->err = r;
		return;
	}
	w->flushed += b->len;
	b->len = 0;
}

void yg_exp_put(struct yg_exp_w *w, const char *s, size_t n)
{
	struct yg_export_buf *b = w->b;
	if (w->err)
		return;
	if (n > w->max - w->flushed - b->len) {
		w->err = -E2BIG;
		return;
	}
	if (w->sink && b->len + n > YG_EXP_FLUSH) {
		flush(w);
		if (w->err)
			return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) {
			w->err = -ENOMEM;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

void yg_exp_puts(struct yg_exp_w *w, const char *s)
{
	yg_exp_put(w, s, strlen(s));
}

void yg_exp_putc(struct yg_exp_w *w, char c)
{
	yg_exp_put(w, &c, 1);
}

void yg_exp_putu(struct yg_exp_w *w, uint64_t v)
{
	char t[24];
	size_t n = sizeof t;
	do {
		t[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	yg_exp_put(w, t + n, sizeof t - n);
}

void yg_exp_source_text(const struct yg_export_meta *m, char *out, size_t cap)
{
	const char *s = m->source ? m->source : "yagura";
	size_t n = 0;
	for (; *s && n + 1 < cap && n < 200; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[n] = 0;
}

void yg_exp_time_text(const struct yg_export_meta *m, char *out, size_t cap)
{
	if (yg_stix_timestamp_format(m->generated * 1000, out, cap) < 0)
		yg_stix_timestamp_format(0, out, cap);
}

void yg_exp_header(struct yg_exp_w *w, const char *prefix, const char *what)
{
	char src[256], ts[32];
	yg_exp_source_text(w->m, src, sizeof src);
	yg_exp_time_text(w->m, ts, sizeof ts);
	const char *lines[][2] = {
	    {"yagura export: ", what}, {"source: ", src}, {"generated: ", ts}};
	for (size_t i = 0; i < 3; i++) {
		yg_exp_puts(w, prefix);
		yg_exp_putc(w, ' ');
		yg_exp_puts(w, lines[i][0]);
		yg_exp_puts(w, lines[i][1]);
		yg_exp_putc(w, '\n');
	}
}

/* Checks meta and fills its defaults into *m. */
static int meta_of(enum yg_export_format fmt, const struct yg_export_meta *meta,
                   struct yg_export_meta *ret)
{
	static const struct yg_export_meta none;
	if ((unsigned)fmt >= YG_EXPORT__COUNT)
		return -EINVAL;
	struct yg_export_meta m = meta ? *meta : none;
	if (!m.sid_base)
		m.sid_base = YG_EXPORT_SID_BASE;
	if (!m.max_bytes)
		m.max_bytes = YG_EXPORT_MAX_BYTES;
	if (!m.rpz_zone)
		m.rpz_zone = "rpz.yagura";
	if (!m.nft_table)
		m.nft_table = "yagura";
	char tmp[256];
	if (fmt == YG_EXPORT_RPZ) {
		if (yg_exp_domain(m.rpz_zone, 200, tmp) < 0)
			return -EINVAL;
		if (m.rpz_policy == YG_EXPORT_RPZ_WALLED_GARDEN &&
		    (!m.rpz_garden || yg_exp_domain(m.rpz_garden, YG_EXP_NAME_MAX, tmp) < 0))
			return -EINVAL;
	}
	if (fmt == YG_EXPORT_NFTABLES) {
		/* an nft identifier: a letter, then letters, digits, '_' */
		const char *t = m.nft_table;
		size_t tl = strlen(t);
		if (tl == 0 || tl > 64 || !((*t | 0x20) >= 'a' && (*t | 0x20) <= 'z'))
			return -EINVAL;
		for (size_t i = 0; i < tl; i++)
			if (!(((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'z') ||
			      (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
				return -EINVAL;
	}
	if (fmt == YG_EXPORT_SURICATA && m.dataset_name) {
		/* both go into a rule option unquoted: keep them plain */
		const char *p[2] = {m.dataset_name, m.dataset_path ? m.dataset_path : ""};
		for (int k = 0; k < 2; k++) {
			size_t pl = strlen(p[k]);
			if (pl > 1024 || (k == 0 && pl == 0))
				return -EINVAL;
			for (size_t i = 0; i < pl; i++) {
				char c = p[k][i];
				if (!(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
				      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
				      (k == 1 && c == '/')))
					return -EINVAL;
			}
		}
	}
	*ret = m;
	return 0;
}

static void write_all(enum yg_export_format fmt, struct yg_exp_w *w)
{
	switch (fmt) {
	case YG_EXPORT_SURICATA:
		yg_exp_suricata(w);
		break;
	case YG_EXPORT_SURICATA_DATASET:
		yg_exp_suricata_dataset(w);
		break;
	case YG_EXPORT_SNORT3:
		yg_exp_snort3(w);
		break;
	case YG_EXPORT_ZEEK:
		yg_exp_zeek(w);
		break;
	case YG_EXPORT_NFTABLES:
		yg_exp_nftables(w);
		break;
	case YG_EXPORT_RPZ:
		yg_exp_rpz(w);
		break;
	case YG_EXPORT_IPS:
	case YG_EXPORT_DOMAINS:
	case YG_EXPORT_URLS:
		yg_exp_list(w, fmt);
		break;
	case YG_EXPORT_CSV:
		yg_exp_csv(w);
		break;
	default:
		yg_exp_stix(w);
		break;
	}
}

/* An array as a source. */
struct array_src {
	const struct yg_export_item *items;
	size_t n, i;
};

static int array_next(void *ud, struct yg_export_item *ret)
{
	struct array_src *a = ud;
	if (a->i == a->n)
		return 0;
	*ret = a->items[a->i++];
	return 1;
}

static int array_rewind(void *ud)
{
	((struct array_src *)ud)->i = 0;
	return 0;
}

int yg_export_write(enum yg_export_format fmt, const struct yg_export_item *items, size_t n,
                    const struct yg_export_meta *meta, struct yg_export_buf *out,
                    struct yg_export_stats *ret_stats)
{
	struct yg_export_meta m;
	if (!out || (n && !items) || meta_of(fmt, meta, &m) < 0)
		return -EINVAL;
	struct array_src a = {.items = items, .n = n};
	struct yg_export_src src = {.next = array_next, .rewind = array_rewind, .ud = &a};
	size_t old_len = out->len;
	struct yg_exp_w w = {.b = out, .m = &m, .src = &src};
	w.max = m.max_bytes > SIZE_MAX - old_len ? SIZE_MAX : old_len + m.max_bytes;
	write_all(fmt, &w);
	if (w.err) {
		out->len = old_len;
		if (out->data)
			out->data[old_len] = 0;
		return w.err;
	}
	if (ret_stats)
		*ret_stats = w.st;
	return 0;
}

int yg_export_stream(enum yg_export_format fmt, struct yg_export_src *src,
                     const struct yg_export_meta *meta,
                     int (*sink)(void *ud, const char *p, size_t n), void *sink_ud,
                     struct yg_export_stats *ret_stats)
{
	struct yg_export_meta m;
	if (!src || !sink || meta_of(fmt, meta, &m) < 0)
		return -EINVAL;
	struct yg_export_buf b;
	yg_export_buf_init(&b);
	struct yg_exp_w w = {.b = &b, .m = &m, .src = src, .sink = sink, .sink_ud = sink_ud};
	w.max = m.max_bytes;
	write_all(fmt, &w);
	flush(&w);
	yg_export_buf_release(&b);
	if (w.err)
		return w.err;
	if (ret_stats)
		*ret_stats = w.st;
	return 0;
}

void yg_export_etag(const char *data, size_t len, char ret[YG_EXPORT_ETAG_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_Digest(data ? data : "", data ? len : 0, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < 16)
		memset(md, 0, 16);
	ret[0] = '"';
	for (int i = 0; i < 16; i++) {
		ret[1 + 2 * i] = hex[md[i] >> 4];
		ret[2 + 2 * i] = hex[md[i] & 15];
	}
	ret[33] = '"';
	ret[34] = 0;
}

static int strcmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct yg_export_item *a = pa, *b = pb;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	int c = strcmp0(a->value, b->value);
	if (c)
		return c;
	c = strcmp0(a->source, b->source);
	return c ? c : strcmp0(a->id, b->id);
}

size_t yg_export_items_sort(struct yg_export_item *items, size_t n)
{
	if (n == 0)
		return 0;
	qsort(items, n, sizeof *items, item_cmp);
	size_t k = 1;
	for (size_t i = 1; i < n; i++) {
		const struct yg_export_item *p = &items[k - 1];
		if (items[i].type == p->type && strcmp0(items[i].value, p->value) == 0)
			continue;
		items[k++] = items[i];
	}
	return k;
}

int yg_export_items_from_set(const struct yg_intel_set *s, struct yg_export_item **ret,
                             size_t *ret_n)
{
	size_t n = s ? yg_intel_set_count(s) : 0;
	struct yg_export_item *it = calloc(n ? n : 1, sizeof *it);
	if (!it)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct yg_indicator_info info;
		yg_intel_describe(s, (uint32_t)i, &info);
		it[i] = (struct yg_export_item){.type = info.type,
		                                .value = info.value,
		                                .source = info.source,
		                                .id = info.stix_id};
	}
	*ret_n = yg_export_items_sort(it, n);
	*ret = it;
	return 0;
}
