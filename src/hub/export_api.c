/*
 * GET /api/v1/export/{format}: the indicators the caller may see, for a
 * firewall, resolver or IDS that polls the hub; GET /api/v1/indicators:
 * the same as a STIX bundle of minimal indicator objects, for sensors.
 *
 * What is exported is exactly what the caller could read over TAXII: every
 * collection it can read, the latest version of each indicator, the same
 * TLP decision per object (yg_tlp_visible), and only live ones (not
 * revoked, expired or decayed: lifecycle.h). Those objects are handed to
 * the sensor's own STIX loader (revoked and expired indicators, and
 * patterns it cannot match, drop out there) and written by src/export.
 * The generation time is the newest date_added among them, so the bytes
 * (and the ETag) change only when the data does. Values on the hub's
 * warning lists (DIR/warninglist.d/) are left out of exports and counted
 * per list in X-Yagura-Held-Back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "intel/intel.h"

struct gather {
	struct yg_store *st;
	const struct yg_caller *who;
	char *buf; /* the objects of a STIX bundle, comma-joined */
	size_t len, cap;
	size_t n;
	int64_t newest_us;
	int err;
};

static int append(struct gather *g, const char *p, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		size_t cap = g->cap ? g->cap : 1 << 16;
		while (cap < g->len + n + 1)
			cap *= 2;
		if (cap > YG_EXPORT_MAX_BYTES)
			return -E2BIG;
		char *b = realloc(g->buf, cap);
		if (!b)
			return -ENOMEM;
		g->buf = b;
		g->cap = cap;
	}
	memcpy(g->buf + g->len, p, n);
	g->len += n;
	g->buf[g->len] = '\0';
	return 0;
}

/* The properties a sensor matches on. Nothing else leaves: no
 * created_by_ref (an anonymous submitter stays anonymous), no sharing
 * lists, no descriptions. */
static const char *const kept[] = {"type", "spec_version", "id", "created", "modified",
				   "pattern", "pattern_type", "valid_from", "valid_until"};

static int add_row(void *ud, const struct yg_obj_row *row, const json_t *o,
		   enum yg_ind_state state)
{
	struct gather *g = ud;
	if (state != YG_IND_LIVE)
		return 1;
	json_t *min = json_object();
	char *text = NULL;
	if (min) {
		for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
			json_t *v = json_object_get(o, kept[i]);
			if (v)
				json_object_set(min, kept[i], v);
		}
		text = json_dumps(min, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_decref(min);
	if (!text) {
		g->err = -ENOMEM;
		return -ENOMEM;
	}
	int r = (g->n ? append(g, ",", 1) : 0);
	if (r == 0)
		r = append(g, text, strlen(text));
	free(text);
	if (r < 0) {
		g->err = r;
		return r;
	}
	g->n++;
	if (row->added_us > g->newest_us)
		g->newest_us = row->added_us;
	return 1;
}

/* The caller's live indicators (lifecycle.h) as one STIX bundle text in
 * g->buf. */
static int gather_all(struct gather *g, const struct yg_lifecycle *lc)
{
	struct yg_lc_view *v = NULL;
	int r = append(g, "{\"type\":\"bundle\",\"objects\":[", 28);
	if (r == 0)
		r = yg_lc_view_new(g->st, lc, yg_now_us(), &v);
	if (r == 0 && yg_ind_walk(g->st, g->who, v, true, add_row, g) < 0)
		r = g->err ? g->err : -EIO;
	if (r == 0)
		r = append(g, "]}", 2);
	yg_lc_view_free(v);
	return r;
}

/* 304 when if_none_match names etag: an empty body, but a buffer. */
static int not_modified(const char *if_none_match, const char *etag, struct yg_resp *resp)
{
	if (!if_none_match || !strstr(if_none_match, etag))
		return 0;
	resp->body = calloc(1, 1);
	if (!resp->body)
		return -ENOMEM;
	resp->len = 0;
	resp->status = 304;
	return 1;
}

int yg_rest_indicators(struct yg_store *st, const struct yg_caller *who,
		       const struct yg_lifecycle *lc, const char *if_none_match,
		       struct yg_resp *resp)
{
	struct gather g = {.st = st, .who = who};
	int r = gather_all(&g, lc);
	if (r < 0)
		goto out;
	char etag[YG_EXPORT_ETAG_LEN + 1];
	yg_export_etag(g.buf, g.len, etag);
	yg_resp_header(resp, "ETag", etag);
	yg_resp_header(resp, "Cache-Control", "no-cache");
	r = not_modified(if_none_match, etag, resp);
	if (r != 0)
		goto out;
	resp->status = 200;
	resp->content_type = "application/stix+json;version=2.1";
	resp->body = g.buf; /* handed over */
	resp->len = g.len;
	g.buf = NULL;
out:
	free(g.buf);
	return r < 0 ? r : 0;
}

/* Held-back values counted per warning list (the names live in the lists). */
#define HELD_LISTS 16
struct held {
	const char *list[HELD_LISTS];
	unsigned long n[HELD_LISTS];
	unsigned nlists;
	unsigned long other;
};

static void on_held(void *ud, const char *source, unsigned long line, const char *value,
		    const char *list)
{
	(void)source;
	(void)line;
	(void)value;
	struct held *h = ud;
	for (unsigned i = 0; i < h->nlists; i++)
		if (h->list[i] == list || strcmp(h->list[i], list) == 0) {
			h->n[i]++;
			return;
		}
	if (h->nlists == HELD_LISTS) {
		h->other++;
		return;
	}
	h->list[h->nlists] = list;
	h->n[h->nlists++] = 1;
}

/* "reserved=2, member-domains=1" (cut to the header's room). */
static void held_header(const struct held *h, struct yg_resp *resp)
{
	char v[256];
	size_t o = 0;
	v[0] = 0;
	for (unsigned i = 0; i < h->nlists && o < sizeof v; i++)
		o += (size_t)snprintf(v + o, sizeof v - o, "%s%s=%lu", i ? ", " : "", h->list[i],
				      h->n[i]);
	if (h->other && o < sizeof v)
		snprintf(v + o, sizeof v - o, ", other=%lu", h->other);
	yg_resp_header(resp, "X-Yagura-Held-Back", h->nlists ? v : "0");
}

int yg_rest_export(struct yg_store *st, const struct yg_caller *who,
		   const struct yg_lifecycle *lc, const struct yg_intel_warn *warn,
		   const char *format, const char *if_none_match, bool block, struct yg_resp *resp)
{
	struct held held = {0};
	enum yg_export_format fmt;
	if (yg_export_format_parse(format, &fmt) < 0)
		return -ENOENT;
	struct gather g = {.st = st, .who = who};
	struct yg_intel_builder *b = NULL;
	struct yg_intel_set *set = NULL;
	struct yg_export_item *items = NULL;
	struct yg_export_buf out;
	yg_export_buf_init(&out);
	int r = gather_all(&g, lc);
	if (r < 0)
		goto out;
	r = yg_intel_builder_new(&b);
	if (r < 0)
		goto out;
	if (warn)
		yg_intel_builder_set_warn(b, warn, on_held, &held);
	/* Patterns the sensor cannot match are left out, as it would. */
	if (yg_intel_load_buffer(b, "yagura-hub", (const uint8_t *)g.buf, g.len) < 0) {
		yg_intel_builder_free(b);
		r = -EIO;
		goto out;
	}
	r = yg_intel_builder_build(b, &set); /* consumes b */
	if (r < 0)
		goto out;
	size_t n = 0;
	r = yg_export_items_from_set(set, &items, &n);
	if (r < 0)
		goto out;
	/* At an alert level whose playbook switched exports to blocking, the
	 * nftables set comes with the chains that drop it. */
	struct yg_export_meta meta = {.source = "yagura hub", .generated = g.newest_us / 1000000,
				      .nft_drop = block};
	struct yg_export_stats stats;
	r = yg_export_write(fmt, items, n, &meta, &out, &stats);
	if (r < 0)
		goto out;
	char etag[YG_EXPORT_ETAG_LEN + 1];
	yg_export_etag(out.data ? out.data : "", out.len, etag);
	yg_resp_header(resp, "ETag", etag);
	yg_resp_header(resp, "Cache-Control", "no-cache");
	if (warn)
		held_header(&held, resp);
	r = not_modified(if_none_match, etag, resp);
	if (r != 0) {
		r = r < 0 ? r : 0;
		goto out;
	}
	resp->status = 200;
	resp->content_type = yg_export_media_type(fmt);
	resp->body = out.data; /* handed over */
	resp->len = out.len;
	out.data = NULL;
	out.len = out.cap = 0;
out:
	yg_export_buf_release(&out);
	free(items);
	yg_intel_set_free(set);
	free(g.buf);
	return r;
}
