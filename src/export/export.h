/*
 * Exports of indicator lists to every defense layer: IDS rules (Suricata,
 * Snort 3), the Zeek Intel framework, firewall sets (nftables), DNS
 * response policy zones, plain lists, CSV and STIX 2.1 bundles.
 *
 * The writers take a plain array of items, not an intel set, so that the
 * sensor side (`yagura intel export`) and the hub (GET /api/v1/export/...)
 * share them. Every export is deterministic: the same items and the same
 * meta give the same bytes; the generation time comes from the caller,
 * never from the clock. Each output opens with a comment (or, for STIX, an
 * identity object) naming the source and the generation time.
 *
 * Values are untrusted text. What a target syntax cannot carry safely (a
 * newline in a Zeek field, a quote in a domain of an RPZ zone, a value that
 * is not valid UTF-8 in JSON, ...) is skipped and counted in
 * stats.skipped_unsafe, never written half-escaped. Items of a type the
 * format has no place for (hashes in an nftables set) are counted in
 * stats.skipped_type.
 */
#ifndef YG_EXPORT_EXPORT_H
#define YG_EXPORT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/intel.h"

enum yg_export_format {
	YG_EXPORT_SURICATA = 0,     /* Suricata 7 rules */
	YG_EXPORT_SURICATA_DATASET, /* base64 domains, one a line (dataset file) */
	YG_EXPORT_SNORT3,           /* Snort 3 rules */
	YG_EXPORT_ZEEK,             /* Zeek Intel framework file */
	YG_EXPORT_NFTABLES,         /* nft -f script: table with v4/v6 interval sets */
	YG_EXPORT_RPZ,              /* DNS response policy zone (RFC 1035 master file) */
	YG_EXPORT_IPS,              /* plain lists, one value a line */
	YG_EXPORT_DOMAINS,
	YG_EXPORT_URLS,
	YG_EXPORT_CSV,  /* RFC 4180: type,value,source,id */
	YG_EXPORT_STIX, /* STIX 2.1 bundle of indicators */
	YG_EXPORT__COUNT
};

/* Names as on the command line and in the hub's URL: "suricata",
 * "suricata-dataset", "snort3", "zeek", "nftables", "rpz", "ips",
 * "domains", "urls", "csv", "stix". */
const char *yg_export_format_name(enum yg_export_format f);
int yg_export_format_parse(const char *name, enum yg_export_format *ret);

/* A media type for HTTP responses ("text/plain; charset=utf-8", ...). */
const char *yg_export_media_type(enum yg_export_format f);

/* One indicator. Strings are borrowed and NUL-terminated; source and id may
 * be NULL. value is expected in the intel module's normalized form (see
 * intel/norm.c) but is never trusted to be. */
struct yg_export_item {
	enum yg_ind_type type;
	const char *value;
	const char *source;
	const char *id; /* e.g. the STIX id it came from */
};

enum yg_export_rpz_policy {
	YG_EXPORT_RPZ_NXDOMAIN = 0,  /* name CNAME . */
	YG_EXPORT_RPZ_WALLED_GARDEN, /* name CNAME <rpz_garden>. */
};

struct yg_export_meta {
	const char *source; /* named in the header; NULL: "yagura" */
	int64_t generated;  /* Unix seconds; also the RPZ serial */
	uint32_t sid_base;  /* first rule sid; 0: YG_EXPORT_SID_BASE */
	/* Suricata: when dataset_name is set, domains are matched through a
	 * string dataset (dataset:isset) loaded from dataset_path instead of
	 * one rule each. Datasets compare whole names: subdomains of a listed
	 * domain are not matched then. */
	const char *dataset_name;
	const char *dataset_path;
	enum yg_export_rpz_policy rpz_policy;
	const char *rpz_garden; /* host name for the walled garden */
	const char *rpz_zone;   /* zone origin, bounds name lengths; NULL: "rpz.yagura" */
	const char *nft_table;  /* NULL: "yagura" */
	/* Blocking sets: Suricata and Snort rules drop instead of alerting,
	 * nftables gets input/forward/output chains that drop its sets. */
	bool block;
	size_t max_bytes;       /* output cap; 0: YG_EXPORT_MAX_BYTES */
};

#define YG_EXPORT_SID_BASE  9100000u
#define YG_EXPORT_MAX_BYTES ((size_t)1 << 30)

struct yg_export_stats {
	size_t written;        /* items that made it into the output */
	size_t skipped_unsafe; /* values the syntax cannot carry safely */
	size_t skipped_type;   /* types the format has no place for */
};

/* A growable output buffer; data is NUL-terminated when non-NULL. */
struct yg_export_buf {
	char *data;
	size_t len, cap;
};

void yg_export_buf_init(struct yg_export_buf *b);
void yg_export_buf_release(struct yg_export_buf *b);

/*
 * Appends the export of items[0..n) to out (items in the order given: see
 * yg_export_items_from_set for the canonical order). Returns 0; -EINVAL for
 * a bad format or meta (e.g. a walled garden without a valid host name);
 * -E2BIG when the output would pass meta->max_bytes; -ENOMEM. On failure
 * out is left as it was and ret_stats (may be NULL) untouched.
 */
int yg_export_write(enum yg_export_format fmt, const struct yg_export_item *items, size_t n,
                    const struct yg_export_meta *meta, struct yg_export_buf *out,
                    struct yg_export_stats *ret_stats);

/* Items one at a time, for exports larger than memory should hold. next
 * gives the next item (its strings valid until the next call): 1, 0 at
 * the end, or a negative errno; rewind starts over (writers such as
 * nftables read the items more than once). */
struct yg_export_src {
	int (*next)(void *ud, struct yg_export_item *ret);
	int (*rewind)(void *ud);
	void *ud;
};

/*
 * As yg_export_write, but items come from src and the output goes to sink
 * in pieces of about 64 KiB as it is written (sink returns 0 or a negative
 * errno, which ends the export): memory does not grow with the number of
 * items. The bytes are those yg_export_write gives for the same items.
 */
int yg_export_stream(enum yg_export_format fmt, struct yg_export_src *src,
                     const struct yg_export_meta *meta,
                     int (*sink)(void *ud, const char *p, size_t n), void *sink_ud,
                     struct yg_export_stats *ret_stats);

/*
 * Sorting exports larger than memory should hold (spill.c): batches, each
 * sorted and de-duplicated by yg_export_items_sort, go to temporary files
 * as runs; the source merges them into the order and uniqueness
 * yg_export_items_sort gives the whole. Memory does not grow with the
 * number of items. Strings are copied at _add. 0 or a negative errno
 * (-EIO for the files, -E2BIG for a string of a megabyte or more).
 */
struct yg_export_spill;
int yg_export_spill_new(struct yg_export_spill **ret);
void yg_export_spill_free(struct yg_export_spill *sp);
int yg_export_spill_add(struct yg_export_spill *sp, const struct yg_export_item *items,
                        size_t n);
/* A source over every item added so far (valid while sp lives). */
void yg_export_spill_source(struct yg_export_spill *sp, struct yg_export_src *ret);

/* A temporary file, already unlinked, in $TMPDIR or /tmp (O_TMPFILE when
 * the file system has it): an fd the caller closes, or a negative errno. */
int yg_export_tmpfd(void);

/* A strong HTTP entity tag of an output: '"', 32 hex digits of its
 * SHA-256, '"' and a NUL. */
#define YG_EXPORT_ETAG_LEN 34
void yg_export_etag(const char *data, size_t len, char ret[YG_EXPORT_ETAG_LEN + 1]);

/*
 * The items of a set in canonical order: by type, then value (bytewise),
 * then source; an indicator listed by several sources appears once (its
 * first source in that order). Strings are borrowed from the set. The
 * caller frees *ret with free(). Returns 0 or -ENOMEM.
 */
int yg_export_items_from_set(const struct yg_intel_set *s, struct yg_export_item **ret,
                             size_t *ret_n);

/* Sorts and de-duplicates an item array in place as above; returns the new
 * count. */
size_t yg_export_items_sort(struct yg_export_item *items, size_t n);

#endif
