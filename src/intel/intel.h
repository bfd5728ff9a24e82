/*
 * Indicator sets: what the sensor matches traffic against.
 *
 * A set is built once by a builder (from files in every format of the
 * DESIGN contract: plain lists, hosts files, FireHOL netsets/ipsets, CSV
 * with a header, STIX 2.1 bundles) and is then immutable, so any number of
 * threads may read it without locks. Hot reload builds a new set beside
 * the old one and swaps the pointer (see sensor/).
 *
 * Every indicator keeps where it came from (file, line, STIX id) so that
 * an alert can name it.
 */
#ifndef YG_INTEL_INTEL_H
#define YG_INTEL_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yg_ind_type {
	YG_IND_IP = 0,   /* IPv4/IPv6 address or CIDR */
	YG_IND_DOMAIN,   /* matches the name and every subdomain */
	YG_IND_URL,
	YG_IND_MD5,
	YG_IND_SHA1,
	YG_IND_SHA256,
	YG_IND_JA3,      /* JA3 MD5 hash */
	YG_IND_JA4,
	YG_IND__COUNT
};

/* "ip", "domain", "url", "md5", "sha1", "sha256", "ja3", "ja4". */
const char *yg_ind_type_name(enum yg_ind_type t);

#define YG_INTEL_NONE UINT32_MAX /* "no match" from the lookups */

struct yg_intel_set;
struct yg_intel_builder;

/* Called for every rejected line or object; library code never prints. */
typedef void (*yg_intel_error_fn)(void *ud, const char *source, unsigned long line,
				  const char *msg);

/* Caller frees with yg_intel_builder_free (or hands it to _build). */
int yg_intel_builder_new(struct yg_intel_builder **ret);
void yg_intel_builder_free(struct yg_intel_builder *b);

/* Error reporting for the loads that follow; fn may be NULL. */
void yg_intel_builder_on_error(struct yg_intel_builder *b, yg_intel_error_fn fn, void *ud);

/*
 * Adds one indicator of known type. value is copied. source names where it
 * came from (copied, interned), line is its line (0 if none), stix_id may
 * be NULL. Returns 0, -EINVAL when the value is not valid for the type
 * (e.g. not an IP), -ENOMEM.
 */
int yg_intel_builder_add(struct yg_intel_builder *b, enum yg_ind_type type, const char *value,
			 size_t len, const char *source, unsigned long line, const char *stix_id);

/*
 * Adds one indicator whose type is inferred from its text as in a plain
 * list (IP, CIDR, domain, URL, MD5/SHA-1/SHA-256; a 32-hex value is taken
 * as MD5 unless the source says JA3). Returns as _add.
 */
int yg_intel_builder_add_guess(struct yg_intel_builder *b, const char *value, size_t len,
			       const char *source, unsigned long line, const char *stix_id);

/*
 * Loads a file or every regular file in a folder (not recursive, sorted by
 * name), detecting each file's format from its content. Bad lines are
 * reported through the error callback and skipped. Returns the number of
 * indicators added (>= 0), or a negative errno when the path cannot be read
 * at all (nothing from that path is kept then).
 */
long yg_intel_load_path(struct yg_intel_builder *b, const char *path);

/* Loads one in-memory file (format detected from the content). As _load_path. */
long yg_intel_load_buffer(struct yg_intel_builder *b, const char *source, const uint8_t *data,
			  size_t len);

/* Number of lines/objects rejected so far by the loads. */
unsigned long yg_intel_builder_rejected(const struct yg_intel_builder *b);

/* Builds the immutable set; consumes b in all cases. Caller frees the set. */
int yg_intel_builder_build(struct yg_intel_builder *b, struct yg_intel_set **ret);

void yg_intel_set_free(struct yg_intel_set *s);

/* Number of indicators, and bytes of memory the set holds. */
size_t yg_intel_set_count(const struct yg_intel_set *s);
size_t yg_intel_set_memory(const struct yg_intel_set *s);

/* Longest-prefix match. family 4 (addr: 4 bytes) or 6 (16 bytes). */
uint32_t yg_intel_match_ip(const struct yg_intel_set *s, int family, const uint8_t *addr);

/* Matches name or its closest listed parent; case-insensitive, a trailing
 * dot ignored, IDN names (U-labels) compared in punycode (A-label) form. */
uint32_t yg_intel_match_domain(const struct yg_intel_set *s, const char *name, size_t len);

/* Matches an HTTP request's URL given the Host header and request-target
 * (absolute-form targets accepted, then host may be empty). Normalized the
 * same way as listed URLs: scheme and default port dropped, host
 * lower-cased, fragment dropped. host may carry a port ("a.example:8080");
 * a listed URL with a non-default port matches only then. A listed URL
 * without a query also matches the same path with any query; a listed path
 * without a host ("/gate.php", as maltrail writes) matches on any host. */
uint32_t yg_intel_match_url(const struct yg_intel_set *s, const char *host, size_t host_len,
			    const char *target, size_t target_len);

/* Matches a hex digest (case-insensitive) of the given type
 * (YG_IND_MD5/SHA1/SHA256/JA3) or a JA4 string (YG_IND_JA4). A plain list
 * cannot tell a JA3 from an MD5 (both 32 hex), so MD5 and JA3 lookups each
 * fall back to the other type's entries (their own type first). */
uint32_t yg_intel_match_token(const struct yg_intel_set *s, enum yg_ind_type type,
			      const char *value, size_t len);

struct yg_indicator_info {
	enum yg_ind_type type;
	const char *value;   /* as listed (normalized), NUL-terminated */
	const char *source;  /* file path or feed name */
	unsigned long line;  /* 0 when not from a line-based file */
	const char *stix_id; /* NULL unless from STIX */
};

/* Describes indicator idx (a value returned by a match); strings are owned
 * by the set and live as long as it. */
void yg_intel_describe(const struct yg_intel_set *s, uint32_t idx, struct yg_indicator_info *ret);

#endif
