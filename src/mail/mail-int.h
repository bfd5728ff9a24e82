/*
 * Folder-private interfaces of src/mail/: the parts of the analyzer that are
 * pure functions of bytes (Received parser, URL extractor, domain helpers,
 * magic sniffer) so that unit tests and fuzz harnesses reach them without
 * MIME around them.
 */
#ifndef YG_MAIL_INT_H
#define YG_MAIL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"

/* ---- util.c ---- */
/* Appends a copy of s[0..len) (NUL added); -ENOMEM. */
int yg_mail_strv_addn(struct yg_mail_strv *v, const char *s, size_t len);
int yg_mail_strv_add(struct yg_mail_strv *v, const char *s);
/* Adds s unless already present (exact match). */
int yg_mail_strv_add_unique(struct yg_mail_strv *v, const char *s);
bool yg_mail_strv_has(const struct yg_mail_strv *v, const char *s);
void yg_mail_strv_release(struct yg_mail_strv *v);
/* NULL-safe strdup / strndup. */
char *yg_mail_strdup(const char *s);
char *yg_mail_strndup(const char *s, size_t n);
/* Grows *arr (elements of size elem) so that index n is valid; zeroes new
 * elements. -E2BIG past max elements. */
int yg_mail_grow(void **arr, size_t *cap, size_t n, size_t elem, size_t max);

/* ---- received.c ---- */
/* Parses one Received header value (unfolded or not; not NUL-terminated).
 * Fills *hop (caller releases with yg_mail_hop_release). Never fails on
 * malformed text: unknown parts are left NULL. -ENOMEM only. */
int yg_mail_received_parse(const char *s, size_t len, struct yg_mail_hop *hop);
void yg_mail_hop_release(struct yg_mail_hop *hop);
/* True for an IPv4/IPv6 literal in a globally routable range (not private,
 * loopback, link-local, CGNAT, documentation, multicast, reserved). False
 * for anything that does not parse. */
bool yg_mail_ip_is_public(const char *ip);
/* RFC 5322 date-time to Unix seconds; -1 when it does not parse. */
int64_t yg_mail_date_parse(const char *s, size_t len);

/* ---- url.c ---- */
struct yg_mail_urlset {
	struct yg_mail_url *v;
	size_t n, cap;
	bool capped;   /* YG_MAIL_MAX_URLS reached */
	uint32_t *idx; /* open addressing over v (index + 1, 0 = empty) */
	size_t idx_cap;
	uint64_t seed;
};
/* Bare URLs (http, https, ftp schemes; "www." hosts get http://) in UTF-8
 * text. */
int yg_mail_urls_from_text(struct yg_mail_urlset *set, const char *s, size_t len);
/* href targets of <a>/<area>, with link text, then bare URLs of the
 * visible text (entities decoded). */
int yg_mail_urls_from_html(struct yg_mail_urlset *set, const char *s, size_t len);
void yg_mail_urlset_release(struct yg_mail_urlset *set);
/* Normalizes one URL: trims, lower-cases scheme and host, drops a default
 * port and an empty fragment. Returns a new string or NULL if it is not an
 * absolute http/https/ftp URL. *ret_host gets the lower-case host. */
char *yg_mail_url_normalize(const char *s, size_t len, char **ret_host);
/* Decodes HTML character references (&amp; &#65; &#x41; and the common
 * named ones) into UTF-8. Caller frees. */
char *yg_mail_html_unescape(const char *s, size_t len);
/* Strips tags, skips <script>/<style>, decodes entities: the visible text
 * of an HTML body. Caller frees. */
char *yg_mail_html_text(const char *s, size_t len);

/* ---- domain.c ---- */
/* Lower-case registrable domain of a host (libpsl), or NULL for an IP
 * literal or a bare public suffix. Punycode (xn--) labels are decoded to
 * UTF-8 first. Caller frees. */
char *yg_mail_reg_domain(const char *host);
/* Levenshtein distance between two UTF-8 strings, counted in code points,
 * stopping early past max (returns max + 1). */
unsigned yg_mail_edit_distance(const char *a, const char *b, unsigned max);
/* Folds confusable characters (Cyrillic/Greek look-alikes, digit/letter
 * look-alikes 0->o, 1->l, rn->m, vv->w) to ASCII skeletons. Caller frees. */
char *yg_mail_confusable_fold(const char *s);
/* True when domain looks like protect without being it: edit distance <= 2
 * on the registrable domain, or same confusable skeleton. */
bool yg_mail_lookalike(const char *reg_domain, const char *protect);
/* True when a label of host is punycode decoding to a mix of scripts
 * (e.g. Latin with Cyrillic) or to a whole-script look-alike of Latin. */
bool yg_mail_idn_homograph(const char *host);

/* ---- magic.c ---- */
/* Type name from the leading bytes: "pe", "elf", "macho", "pdf", "zip",
 * "ooxml", "ole", "rar", "7z", "gzip", "bzip2", "xz", "cab", "tar", "png",
 * "jpeg", "gif", "bmp", "rtf", "lnk", "iso", "script", "html", "text",
 * "data" (static strings). */
const char *yg_mail_magic(const uint8_t *p, size_t len);
bool yg_mail_magic_is_executable(const char *type);
bool yg_mail_magic_is_archive(const char *type);
/* True when the OLE compound file carries a VBA project (a directory entry
 * named "VBA", "_VBA_PROJECT" or "Macros"). */
bool yg_mail_ole_has_vba(const uint8_t *p, size_t len);

/* ---- yara.c ---- */
/* Scans p[0..len) and adds the matching rule identifiers to out. */
int yg_mail_yara_scan(const struct yg_mail_yara *y, const uint8_t *p, size_t len,
                      struct yg_mail_strv *out);

/* ---- attach.c ---- */
/* State of one analysis, shared by the MIME walk and the file inspector. */
struct yg_mail_ctx {
	struct yg_mail_report *r;
	const struct yg_mail_opts *opts;
	size_t files_cap;
	uint64_t budget_left; /* archive bytes still allowed to expand */
	size_t entries_left;  /* archive entries still allowed */
	size_t parts;         /* MIME leaf parts seen */
	char *read_buf;       /* one read chunk for every part's decoding, not one
	                       * allocation per part (analyze.c) */
	uint8_t *part_buf;    /* a MIME part decoded whole, grown as needed and
	                       * reused by every part of the message (analyze.c) */
	size_t part_cap;
	struct yg_mail_urlset urls;
};

/* Streaming MD5/SHA-1/SHA-256/ssdeep over a part of unknown size; keeps
 * the first keep_max bytes for inspection. ssdeep is computed at the end
 * over the kept bytes (libfuzzy's fuzzy_hash_buf) when they are the whole
 * part; only
 * a part longer than keep_max is streamed through libfuzzy (from the
 * moment it outgrows the kept prefix). */
struct yg_mail_hasher {
	void *md5, *sha1, *sha256; /* EVP_MD_CTX */
	void *fuzzy;               /* struct fuzzy_state, once past keep_max */
	bool fuzzy_failed;         /* libfuzzy refused: no ssdeep */
	uint64_t size;
	uint8_t *keep;
	size_t kept, keep_max, keep_cap;
	bool borrowed; /* keep is the caller's (yg_mail_hasher_whole) */
};
int yg_mail_hasher_init(struct yg_mail_hasher *h, size_t keep_max);
/* SHA-1 fetched once per process (the hasher's; the STIX writer's ids). */
const struct evp_md_st *yg_mail_sha1(void);
int yg_mail_hasher_update(struct yg_mail_hasher *h, const void *p, size_t n);
/* The whole file at once, p[0..n) with n <= keep_max, in place of
 * yg_mail_hasher_update calls: hashed and kept without a copy, so p must
 * stay valid and unchanged until yg_mail_hasher_release, which does not
 * free it. Only on a fresh hasher (-EINVAL otherwise). */
int yg_mail_hasher_whole(struct yg_mail_hasher *h, const uint8_t *p, size_t n);
/* Writes size, hashes and ssdeep into f, truncated = size > kept. */
int yg_mail_hasher_final(struct yg_mail_hasher *h, struct yg_mail_file *f);
/* Room for the next bytes of the file inside the kept prefix, so that a
 * producer (a decompressor) writes them there and hands that same pointer
 * to yg_mail_hasher_update, which then copies nothing. At most want bytes
 * (*room gets how many); expect is the whole size if known (0 if not), to
 * allocate the prefix once rather than by doubling. NULL when the prefix
 * is full, the keep borrowed or memory short: then write elsewhere. */
uint8_t *yg_mail_hasher_room(struct yg_mail_hasher *h, size_t want, uint64_t expect,
                             size_t *room);
void yg_mail_hasher_release(struct yg_mail_hasher *h);

/* Adds a file to the report (path, name, declared type copied) and
 * inspects it: magic, flags, macros, archive members (recursively, within
 * the budget), YARA. h is finalized and released here. */
int yg_mail_file_add(struct yg_mail_ctx *ctx, const char *path, const char *filename,
                     const char *declared, unsigned depth, struct yg_mail_hasher *h);

/* Flags from the name alone: double extension, RLO, executable, script,
 * shortcut extensions. */
unsigned yg_mail_name_flags(const char *name);
/* True when the sniffed type contradicts the declared MIME type or the
 * file extension (NULLs give no judgement). */
bool yg_mail_type_mismatch(const char *declared, const char *name, const char *sniffed);

/* ---- report.c ---- */
/* A JSON string of s with invalid UTF-8 bytes replaced by U+FFFD (mail is
 * not always valid UTF-8; jansson refuses such strings); json null for
 * NULL. NULL only on out-of-memory. */
struct json_t *yg_mail_json_str(const char *s);

/* ---- assess.c ---- */
/* Spoofing signs and the risk score, from a filled report. */
int yg_mail_assess(struct yg_mail_report *r, const struct yg_mail_opts *opts);

/* Anomaly names are stable strings (see mail.h). */
int yg_mail_anomaly(struct yg_mail_ctx *ctx, const char *name);

#endif
