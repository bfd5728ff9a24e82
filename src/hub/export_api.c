/*
 * GET /api/v1/export/{format}: the indicators the caller may see, for a
 * firewall, resolver or IDS that polls the hub; GET /api/v1/indicators:
 * the same as a STIX bundle of minimal indicator objects, for sensors.
 *
 * What is exported is exactly what the caller could read over TAXII: every
 * collection it can read, the latest version of each indicator, the same
 * TLP decision per object (yg_tlp_visible), and only live ones (not
 * revoked, expired, decayed or held back by a warning list: lifecycle.h).
 * Those objects are handed to the sensor's own STIX loader (revoked and
 * expired indicators, and patterns it cannot match, drop out there) and
 * written by src/export. The generation time is the newest date_added
 * among them, so the bytes (and the ETag) change only when the data does.
 * Values on the hub's warning lists (DIR/warninglist.d/), and feed values
 * flagged as on one (x_yagura_warninglist), are left out and counted per
 * list in X-Yagura-Held-Back.
 *
 * Why everything streams: an export of 300,000 indicators once held over
 * a gigabyte (every object's text, then a set, then the output). Now the
 * store's rows come one at a time, the loader sees CHUNK objects at once,
 * each chunk's sorted values go to a run on a temporary file
 * (export/spill.c), the merged runs feed the format writer, and the
 * output goes to another temporary file, hashed for the ETag as it is
 * written. The answer is that file, mapped, and sent with sendfile on
 * plain HTTP (hub.h body_in_fd): memory does not grow with the number of
 * indicators. The bytes are the same as sorting everything in memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "export/export.h"
#include "hub/export_out.h"
#include "hub/hub-int.h"
#include "hub/ids.h"
#include "hub/tlp.h"
#include "intel/intel.h"

#define CHUNK 4096 /* indicators one loader sees at once */

/* Held-back values counted per warning list (the names live in the lists
 * or, for flagged feed values, are copied here). */
#define HELD_LISTS 16
struct held {
	const char *list[HELD_LISTS];
	char own[HELD_LISTS][64];
	unsigned long n[HELD_LISTS];
	unsigned nlists;
	unsigned long other;
};

static void held_count(struct held *h, const char *list, bool copy)
{
	for (unsigned i = 0; i < h->nlists; i++)
		if (h->list[i] == list || strcmp(h->list[i], list) == 0) {
			h->n[i]++;
			return;
		}
	if (h->nlists == HELD_LISTS) {
		h->other++;
		return;
	}
	if (copy) {
		snprintf(h->own[h->nlists], sizeof h->own[0], "%s", list);
		list = h->own[h->nlists];
	}
	h->list[h->nlists] = list;
	h->n[h->nlists++] = 1;
}

static void on_held(void *ud, const char *source, unsigned long line, const char *value,
		    const char *list)
{
	(void)source;
	(void)line;
	(void)value;
	held_count(ud, list, false);
}

struct gather {
	struct yg_store *st;
	const struct yg_caller *who;
	/* /indicators: objects straight to the answer */
	struct yg_export_out *o;
	/* exports: CHUNK objects at a time through the loader into runs */
	char *buf;
	size_t len, cap;
	size_t n;
	const struct yg_intel_warn *warn;
	struct held *held;
	struct yg_export_spill *sp;
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

#define BUNDLE_OPEN "{\"type\":\"bundle\",\"objects\":["

/* The chunk's objects through the sensor's loader (warning lists apply),
 * sorted, into one run. */
static int flush_chunk(struct gather *g)
{
	if (!g->n)
		return 0;
	struct yg_intel_builder *b = NULL;
	struct yg_intel_set *set = NULL;
	struct yg_export_item *items = NULL;
	size_t n = 0;
	int r = append(g, "]}", 2);
	if (r == 0)
		r = yg_intel_builder_new(&b);
	if (r < 0)
		return r;
	if (g->warn)
		yg_intel_builder_set_warn(b, g->warn, on_held, g->held);
	/* Patterns the sensor cannot match are left out, as it would. */
	if (yg_intel_load_buffer(b, "yagura-hub", (const uint8_t *)g->buf, g->len) < 0) {
		yg_intel_builder_free(b);
		return -EIO;
	}
	r = yg_intel_builder_build(b, &set); /* consumes b */
	if (r == 0)
		r = yg_export_items_from_set(set, &items, &n);
	if (r == 0)
		r = yg_export_spill_add(g->sp, items, n);
	free(items);
	yg_intel_set_free(set);
	g->len = 0;
	g->n = 0;
	return r < 0 ? r : append(g, BUNDLE_OPEN, sizeof BUNDLE_OPEN - 1);
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
	if (state == YG_IND_HELD && g->held) {
		const char *list = json_string_value(json_object_get(o, "x_yagura_warninglist"));
		held_count(g->held, list ? list : "?", true);
	}
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
	int r;
	if (g->o) {
		r = g->n ? yg_export_out_write(g->o, ",", 1) : 0;
		if (r == 0)
			r = yg_export_out_write(g->o, text, strlen(text));
	} else {
		r = g->n ? append(g, ",", 1) : 0;
		if (r == 0)
			r = append(g, text, strlen(text));
	}
	free(text);
	g->n++;
	if (r == 0 && !g->o && g->n == CHUNK)
		r = flush_chunk(g);
	if (r < 0) {
		g->err = r;
		return r;
	}
	if (row->added_us > g->newest_us)
		g->newest_us = row->added_us;
	return 1;
}

/* Walks the caller's indicators (lifecycle.h) into g. */
static int walk(struct gather *g, const struct yg_lifecycle *lc)
{
	struct yg_lc_view *v = NULL;
	int r = yg_lc_view_new(g->st, lc, yg_now_us(), &v);
	if (r == 0 && yg_ind_walk(g->st, g->who, v, true, add_row, g) < 0)
		r = g->err ? g->err : -EIO;
	yg_lc_view_free(v);
	return r;
}

int yg_rest_indicators(struct yg_store *st, const struct yg_caller *who,
		       const struct yg_lifecycle *lc, const char *if_none_match,
		       struct yg_resp *resp)
{
	struct yg_export_out o;
	struct gather g = {.st = st, .who = who, .o = &o};
	char etag[YG_EXPORT_ETAG_LEN + 1];
	int r = yg_export_out_open(&o);
	if (r == 0)
		r = yg_export_out_write(&o, BUNDLE_OPEN, sizeof BUNDLE_OPEN - 1);
	if (r == 0)
		r = walk(&g, lc);
	if (r == 0)
		r = yg_export_out_write(&o, "]}", 2);
	if (r == 0)
		r = yg_export_out_finish(&o, etag);
	if (r < 0)
		goto out;
	r = yg_export_out_send(&o, etag, if_none_match, "application/stix+json;version=2.1", resp);
out:
	yg_export_out_close(&o);
	return r < 0 ? r : 0;
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
	enum yg_export_format fmt;
	if (yg_export_format_parse(format, &fmt) < 0)
		return -ENOENT;
	struct held *held = calloc(1, sizeof *held);
	struct gather g = {.st = st, .who = who, .warn = warn, .held = held};
	struct yg_export_out o = {.fd = -1};
	char etag[YG_EXPORT_ETAG_LEN + 1];
	int r = held ? yg_export_spill_new(&g.sp) : -ENOMEM;
	if (r == 0)
		r = append(&g, BUNDLE_OPEN, sizeof BUNDLE_OPEN - 1);
	if (r == 0)
		r = walk(&g, lc);
	if (r == 0)
		r = flush_chunk(&g);
	if (r == 0)
		r = yg_export_out_open(&o);
	if (r < 0)
		goto out;
	/* At an alert level whose playbook switched exports to blocking, the
	 * nftables set comes with the chains that drop it. */
	struct yg_export_meta meta = {.source = "yagura hub", .generated = g.newest_us / 1000000,
				      .block = block};
	struct yg_export_src src;
	yg_export_spill_source(g.sp, &src);
	r = yg_export_stream(fmt, &src, &meta, yg_export_out_write, &o, NULL);
	if (r == 0)
		r = yg_export_out_finish(&o, etag);
	if (r < 0)
		goto out;
	if (warn || held->nlists)
		held_header(held, resp);
	r = yg_export_out_send(&o, etag, if_none_match, yg_export_media_type(fmt), resp);
out:
	yg_export_out_close(&o);
	yg_export_spill_free(g.sp);
	free(g.buf);
	free(held);
	return r;
}
