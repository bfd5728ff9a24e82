/*
 * Shared by the export writers: an append-only writer over a
 * yg_export_buf that remembers its first error (so a format writes
 * straight through and checks once), the header comment, and the value
 * checks every format relies on.
 */
#ifndef YG_EXPORT_EXPORT_INT_H
#define YG_EXPORT_EXPORT_INT_H

#include "export/export.h"

struct yg_exp_w {
	struct yg_export_buf *b;
	const struct yg_export_meta *m;
	size_t max; /* absolute cap on flushed + b->len */
	int err;    /* first error: -ENOMEM, -E2BIG, or the source's or sink's */
	struct yg_export_stats st;
	struct yg_export_src *src; /* the items */
	/* With a sink, b is a window: once it holds YG_EXP_FLUSH bytes they
	 * go to sink and b starts over (flushed counts them). */
	int (*sink)(void *ud, const char *p, size_t n);
	void *sink_ud;
	size_t flushed;
};

#define YG_EXP_FLUSH ((size_t)64 << 10)

/* The items from the first again (a writer may take several passes). */
void yg_exp_rewind(struct yg_exp_w *w);

/* The next item into *ret (strings valid until the next call); false at
 * the end or after an error (w->err). */
bool yg_exp_next(struct yg_exp_w *w, struct yg_export_item *ret);

void yg_exp_put(struct yg_exp_w *w, const char *s, size_t n);
void yg_exp_puts(struct yg_exp_w *w, const char *s);
void yg_exp_putc(struct yg_exp_w *w, char c);
void yg_exp_putu(struct yg_exp_w *w, uint64_t v);

/* "<p> yagura FORMAT export\n<p> source: ...\n<p> generated: ...\n"; the
 * source is shown with anything but printable ASCII as '?'. */
void yg_exp_header(struct yg_exp_w *w, const char *prefix, const char *what);

/* The source name as above into out (cap >= 2), NUL-terminated. */
void yg_exp_source_text(const struct yg_export_meta *m, char *out, size_t cap);

/* The generation time as "YYYY-MM-DDTHH:MM:SS.000Z" (cap >= 25). */
void yg_exp_time_text(const struct yg_export_meta *m, char *out, size_t cap);

/* A domain as lower-case A-labels (libidn2 for U-labels) with no leading
 * "*." or "." and no trailing dot: labels of [a-z0-9_-], 1..63 bytes, at
 * most max_len bytes. Returns the length, or -1 when it is not one. out
 * holds at least 256 bytes. */
#define YG_EXP_NAME_MAX 253
long yg_exp_domain(const char *v, size_t max_len, char out[256]);

/* An IP address or CIDR, re-parsed: family 4 or 6, the address with host
 * bits cleared, the prefix length. False when v is not one exactly. */
struct yg_exp_ip {
	int family;
	uint8_t addr[16];
	unsigned plen;
};
bool yg_exp_ip_parse(const char *v, struct yg_exp_ip *ret);

/* Canonical text: dotted quad / RFC 5952, "/plen" unless a host. */
void yg_exp_ip_text(const struct yg_exp_ip *ip, char out[64]);

/* Valid UTF-8 (no overlongs, no surrogates) with no C0 control, DEL or C1
 * control. */
bool yg_exp_text_ok(const char *s, size_t len);

/* Each format's writer; items as given, meta complete (defaults filled). */
void yg_exp_suricata(struct yg_exp_w *w);
void yg_exp_suricata_dataset(struct yg_exp_w *w);
void yg_exp_snort3(struct yg_exp_w *w);
void yg_exp_zeek(struct yg_exp_w *w);
void yg_exp_list(struct yg_exp_w *w, enum yg_export_format f);
void yg_exp_csv(struct yg_exp_w *w);
void yg_exp_nftables(struct yg_exp_w *w);
void yg_exp_rpz(struct yg_exp_w *w);
void yg_exp_stix(struct yg_exp_w *w);

#endif
