/*
 * Folder-private parts of the indicator sets: the builder, the immutable
 * set, the value normalizers and the loaders' shared helpers.
 *
 * Layout of a set (all arrays exact-sized at build time):
 *
 *   inds[n]      12 bytes per indicator: type, source, line, and the offset
 *                of its normalized text in the arena
 *   arena        every normalized value and source name, NUL-terminated
 *   slots        open-addressing table (tag, idx+1) over the string
 *                indicators (domain, url, tokens), probed linearly
 *   v4 hosts     sorted /32 keys -> idx;  v4 ranges: the CIDRs flattened into
 *                disjoint intervals (start -> most specific idx), both
 *                searched through a small top-bits bucket index
 *   v6 hosts / ranges likewise with 128-bit keys
 *   stix[]       (idx, arena offset of the STIX id), sorted by idx
 */
#ifndef YG_INTEL_INTEL_INT_H
#define YG_INTEL_INTEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/intel.h"

/* Caps on what outside input can make us allocate. */
#define YG_INTEL_MAX_INDICATORS   (64u << 20)
#define YG_INTEL_MAX_ARENA        ((size_t)2 << 30)
#define YG_INTEL_MAX_SOURCES      65535u
#define YG_INTEL_MAX_FILE         ((size_t)1 << 30)
#define YG_INTEL_MAX_STIX         ((size_t)256 << 20)
#define YG_INTEL_MAX_LINE         16384u
#define YG_INTEL_MAX_URL          4096u
#define YG_INTEL_MAX_DIR_FILES    100000u
#define YG_INTEL_MAX_ERRORS_SHOWN 20u

/* Longest normalized value (a URL), with room for the NUL. */
#define YG_INTEL_VALUE_MAX (YG_INTEL_MAX_URL + 8)

typedef unsigned __int128 yg_u128;

struct yg_ind {
	uint32_t val;  /* arena offset of the normalized text */
	uint32_t line; /* clamped to UINT32_MAX */
	uint16_t src;
	uint8_t type;
	uint8_t pad;
};

struct yg_slot {
	uint32_t tag; /* high half of the hash */
	uint32_t idx; /* indicator index + 1; 0 = empty */
};

struct yg_ip4e {
	uint32_t addr;
	uint32_t idx;
	uint8_t len;
};

struct yg_ip6e {
	yg_u128 addr;
	uint32_t idx;
	uint8_t len;
};

struct yg_stixref {
	uint32_t idx;
	uint32_t off;
};

/* Sorted keys with a bucket index on their top bits. */
struct yg_lpm4 {
	uint32_t *keys;
	uint32_t *vals;
	size_t n;
	uint32_t *bidx; /* (1 << bits) + 1 entries; NULL when n is small */
	unsigned bits;
};

struct yg_lpm6 {
	yg_u128 *keys;
	uint32_t *vals;
	size_t n;
	uint32_t *bidx;
	unsigned bits;
};

/* A rejected entry whose report waits for its file's verdict. */
struct yg_intel_held_err {
	unsigned long line;
	char msg[192];
};

/* The builder's fill levels when a file began: what a rollback returns to. */
struct yg_intel_mark {
	size_t n, n4, n6, nstix, alen, nsrc;
};

struct yg_intel_builder {
	uint64_t seed;
	struct yg_ind *inds;
	uint64_t *hashes; /* parallel to inds: lets tables grow without rehashing text */
	size_t n, cap;
	char *arena;
	size_t alen, acap;
	struct yg_slot *slots; /* dedup over every indicator (type + text) */
	size_t smask, sused;
	struct yg_ip4e *ip4;
	size_t n4, cap4;
	struct yg_ip6e *ip6;
	size_t n6, cap6;
	struct yg_stixref *stix;
	size_t nstix, capstix;
	uint32_t *srcs; /* arena offsets of the source names */
	size_t nsrc, capsrc;
	yg_intel_error_fn errfn;
	void *errud;
	unsigned long rejected;
	const struct yg_intel_warn *warn; /* values on it are held back */
	yg_intel_held_fn heldfn;
	void *heldud;
	unsigned long held_back;
	int failed; /* sticky -ENOMEM/-E2BIG: the build then fails */
	/* The file being loaded (see yg_intel_file_begin): its rejections are
	 * held until its end, when the file is judged as a whole. */
	unsigned long file_errors; /* entries rejected */
	unsigned long file_ok;     /* entries accepted (added or duplicates) */
	struct yg_intel_held_err held[YG_INTEL_MAX_ERRORS_SHOWN];
	unsigned nheld;
	struct yg_intel_mark mark;
};

struct yg_intel_set {
	uint64_t seed;
	struct yg_ind *inds;
	size_t n;
	char *arena;
	size_t alen;
	struct yg_slot *slots;
	size_t smask; /* 0 with slots NULL when there are no string indicators */
	/* Bloom filter of the domain indicators' hashes (two bits each, 16
	 * bits per domain): most names on the wire and nearly all of their
	 * parent suffixes are in no list, and two bit tests in a table that
	 * stays in the cache answer that without a probe of the big string
	 * table. NULL when there are no domains (then every probe is made). */
	uint64_t *dbloom;
	size_t dbloom_mask; /* bits - 1 */
	struct yg_lpm4 host4, range4;
	struct yg_lpm6 host6, range6;
	struct yg_stixref *stix;
	size_t nstix;
	uint32_t *srcs;
	size_t nsrc;
	size_t memory;
};

/* Bit positions of hash h in a bloom filter of mask + 1 bits: from the
 * hash's upper half, which the slot index (low bits) does not use. */
static inline bool yg_intel_dbloom_has(const uint64_t *bloom, size_t mask, uint64_t h)
{
	size_t a = (size_t)(h >> 32) & mask, b = (size_t)((h >> 16) ^ (h >> 48)) & mask;
	return (bloom[a >> 6] >> (a & 63) & 1) && (bloom[b >> 6] >> (b & 63) & 1);
}

static inline void yg_intel_dbloom_add(uint64_t *bloom, size_t mask, uint64_t h)
{
	size_t a = (size_t)(h >> 32) & mask, b = (size_t)((h >> 16) ^ (h >> 48)) & mask;
	bloom[a >> 6] |= (uint64_t)1 << (a & 63);
	bloom[b >> 6] |= (uint64_t)1 << (b & 63);
}

/* ---- normalization (norm.c) ---- */

/* A parsed, normalized indicator value. text is NUL-terminated. */
struct yg_norm {
	enum yg_ind_type type;
	int family; /* 4 or 6 for YG_IND_IP */
	uint8_t plen;
	uint8_t addr[16];
	bool hashed; /* hash below is set (yg_intel_builder_prefetch) */
	uint64_t hash;
	size_t len;
	char text[YG_INTEL_VALUE_MAX];
};

/* Type hints for guessing: a 32-hex value becomes JA3 with this one. */
#define YG_GUESS_JA3 1u
#define YG_GUESS_JA3S 2u /* a 32-hex value is a JA3S */
#define YG_GUESS_CERT 4u /* a 40-hex value is a certificate's SHA-1 */

/* The hints a source's name gives ("ja3", "ja3s", "ssl", "x509", "cert"
 * in it, case-insensitively). */
unsigned yg_intel_source_hints(const char *source);

/* Normalizes value as type; -EINVAL with *ret_why set when it is not one. */
int yg_intel_norm(enum yg_ind_type type, const char *v, size_t len, struct yg_norm *ret,
                  const char **ret_why);

/* Infers the type and normalizes. */
int yg_intel_norm_guess(const char *v, size_t len, unsigned hints, struct yg_norm *ret,
                        const char **ret_why);

/* IPv4 dotted quad (exactly 4 decimal parts, each <= 255, no leading
 * zeros beyond "0"). */
bool yg_intel_parse_ip4(const char *s, size_t len, uint32_t *ret);

/* An IPv4 or IPv6 address without prefix or port (a hosts-file address). */
bool yg_intel_is_addr(const char *s, size_t len);

/* Names that hosts files map to themselves (localhost, broadcasthost, ...). */
bool yg_intel_is_local_name(const char *s, size_t len);

/* Lower-cased ASCII compare helpers. */
static inline char yg_lc(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* ---- builder internals (builder.c) ---- */

/* Adds a normalized value; 1 added, 0 duplicate, negative errno. */
int yg_intel_builder_put(struct yg_intel_builder *b, const struct yg_norm *nv, const char *source,
                         unsigned long line, const char *stix_id);

/* Hashes nv and prefetches its dedup slot: a loader that normalizes the
 * next line before adding this one hides the cache miss. */
void yg_intel_builder_prefetch(struct yg_intel_builder *b, struct yg_norm *nv);

/* Makes room for more indicators up front (the dedup table, records and
 * IPv4 entries) and text bytes more of normalized values, so that a large
 * file does not rehash or copy as it grows. A hint: failure to reserve is
 * not an error for the caller. */
int yg_intel_builder_reserve(struct yg_intel_builder *b, size_t more, size_t text);

/* Reports a rejected line/object, counts it, caps the callbacks per file. */
void yg_intel_reject(struct yg_intel_builder *b, const char *source, unsigned long line,
                     const char *msg);

/* Reports without counting a rejection (file-level notes). */
void yg_intel_report(struct yg_intel_builder *b, const char *source, unsigned long line,
                     const char *msg);

uint64_t yg_intel_hash(uint64_t seed, enum yg_ind_type type, const char *s, size_t len);

/* ---- longest-prefix match (lpm.c) ---- */

/* Sorts e and fills hosts (full-length entries) and ranges (the shorter
 * prefixes flattened into intervals). Both are overwritten, not released,
 * so they must not own memory on entry. On failure the caller releases both. */
int yg_intel_lpm4_build(struct yg_ip4e *e, size_t n, struct yg_lpm4 *hosts, struct yg_lpm4 *ranges);
int yg_intel_lpm6_build(struct yg_ip6e *e, size_t n, struct yg_lpm6 *hosts, struct yg_lpm6 *ranges);
/* Index of the last key <= a, or -1. */
long yg_intel_lpm4_floor(const struct yg_lpm4 *l, uint32_t a);
long yg_intel_lpm6_floor(const struct yg_lpm6 *l, yg_u128 a);
size_t yg_intel_lpm4_memory(const struct yg_lpm4 *l);
size_t yg_intel_lpm6_memory(const struct yg_lpm6 *l);
void yg_intel_lpm4_release(struct yg_lpm4 *l);
void yg_intel_lpm6_release(struct yg_lpm6 *l);

/* ---- warning lists (warn.c) ---- */

/* The list a normalized value is on, or NULL. */
const char *yg_intel_warn_check_norm(const struct yg_intel_warn *w, const struct yg_norm *nv);

/* ---- per-file verdict (builder.c) ---- */

/* Starts a file: counts and held reports are reset, the fill marked. */
void yg_intel_file_begin(struct yg_intel_builder *b);

/* Ends a file: when judge is set and most of its entries were rejected,
 * everything it added is taken back and one "format not recognized" report
 * names the first bad entry (returns 1); else the held reports go out
 * (returns 0). */
int yg_intel_file_end(struct yg_intel_builder *b, const char *source, const char *format,
                      bool judge);

/* ---- line-based formats (lines.c) ---- */

/* Values parsed ahead of the one being added (a power of two). */
#define YG_INTEL_EMIT_QUEUE 4u

/* One line-based load in progress: what a format's line function sees. */
struct yg_intel_emit {
	struct yg_intel_builder *b;
	const char *source;
	unsigned long line;
	bool indented; /* the line began with a blank (zone files: same owner) */
	unsigned hints;
	long added;
	/* Values wait here, oldest first, while the next ones are parsed
	 * (lines.c says why). */
	struct yg_norm nv[YG_INTEL_EMIT_QUEUE];
	unsigned long nv_line[YG_INTEL_EMIT_QUEUE];
	unsigned head, count;
};

/* Called with each line, trimmed, that is not blank and does not start with
 * one of the comment characters. Returns 0, or a negative errno that stops
 * the load (out of memory). */
typedef int (*yg_intel_line_fn)(struct yg_intel_emit *e, const char *s, size_t n, void *ctx);

long yg_intel_each_line(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                        unsigned hints, const char *comments, yg_intel_line_fn fn, void *ctx);

/* Adds v as type (-1: inferred); a value that is not one is rejected with
 * the reason and the value quoted. */
int yg_intel_emit(struct yg_intel_emit *e, int type, const char *v, size_t n);

/* Rejects the current line: "what: \"text\"" (text cut at 60 bytes). */
void yg_intel_emit_reject(struct yg_intel_emit *e, const char *what, const char *v, size_t n);

static inline bool yg_intel_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next blank-separated word of [*p, end), skipping blanks first. */
static inline size_t yg_intel_word(const char **p, const char *end, const char **ret)
{
	const char *s = *p;
	while (s < end && yg_intel_is_blank(*s))
		s++;
	const char *t = s;
	while (t < end && !yg_intel_is_blank(*t))
		t++;
	*ret = s;
	*p = t;
	return (size_t)(t - s);
}

/* ---- loaders (load_*.c); each returns indicators added or negative ---- */

long yg_intel_load_plain(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                         const struct yg_intel_format *f, unsigned hints);
long yg_intel_load_adblock(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, unsigned hints);
long yg_intel_load_dnsmasq(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, unsigned hints);
long yg_intel_load_unbound(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, unsigned hints);
long yg_intel_load_rpz(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                       unsigned hints);
long yg_intel_load_dataset(struct yg_intel_builder *b, const char *source, const char *p,
                           size_t len, const struct yg_intel_format *f, unsigned hints);
long yg_intel_load_drop_json(struct yg_intel_builder *b, const char *source, const char *p,
                             size_t len);
/* Returns -ENOENT (nothing consumed) when the text is not CSV with a
 * recognisable header and f names no column. */
long yg_intel_load_csv(struct yg_intel_builder *b, const char *source, const char *p, size_t len,
                       const struct yg_intel_format *f, unsigned hints);
long yg_intel_load_stix(struct yg_intel_builder *b, const char *source, const char *p, size_t len);
long yg_intel_load_misp(struct yg_intel_builder *b, const char *source, const char *p, size_t len);

/* Adds one value of inferred type, rejecting it with the reason if not one. */
int yg_intel_add_token(struct yg_intel_builder *b, const char *source, unsigned long line,
                       const char *v, size_t len, unsigned hints, long *added);

/* A header naming a value column opens the text (load_csv.c). */
bool yg_intel_csv_sniff(const char *p, size_t len);

#endif
