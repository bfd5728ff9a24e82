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
	/* Appended: the numbers above are stable. */
	YG_IND_CERT_SHA1, /* SHA-1 of a TLS server certificate (SSL blacklists) */
	YG_IND_JA3S,      /* JA3S MD5 hash */
	YG_IND_JA4S,      /* "t130200_1301_a56c5b993250" */
	YG_IND__COUNT
};

/* "ip", "domain", "url", "md5", "sha1", "sha256", "ja3", "ja4", "cert_sha1",
 * "ja3s", "ja4s". */
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
 * reported through the error callback and skipped; a file where most
 * entries are bad is reported once ("format not recognized", with the first
 * bad entry's line) and nothing of it is kept. Returns the number of
 * indicators added (>= 0), or a negative errno when the path cannot be read
 * at all (nothing from that path is kept then).
 */
long yg_intel_load_path(struct yg_intel_builder *b, const char *path);

/* Loads one in-memory file (format detected from the content). As _load_path. */
long yg_intel_load_buffer(struct yg_intel_builder *b, const char *source, const uint8_t *data,
			  size_t len);

/*
 * Indicator file formats. Each is recognized from the content (see
 * detect.c); a caller that knows better names it (a feed's --format, or
 * "FORMAT:PATH" for --intel).
 */
enum yg_intel_format_kind {
	YG_FMT_AUTO = 0,
	YG_FMT_PLAIN,   /* one value a line, trailing columns ignored; hosts lines
	                   and "IP:port", URL lists, "value,rep" lines too */
	YG_FMT_HOSTS,   /* "ADDRESS NAME..." only */
	YG_FMT_NETSET,  /* plain, addresses and CIDRs only (FireHOL, Spamhaus DROP) */
	YG_FMT_ADBLOCK, /* "||name^$options" (Adblock Plus, uBlock, AdGuard) */
	YG_FMT_DNSMASQ, /* address=/name/..., server=/name/..., local=/name/ */
	YG_FMT_UNBOUND, /* local-zone: "name" type, local-data: "name ..." */
	YG_FMT_RPZ,     /* DNS Response Policy Zone file */
	YG_FMT_CSV,     /* a header naming the value column, or a column given */
	YG_FMT_DATASET, /* Suricata dataset file (string: base64 lines) */
	YG_FMT_DROP_JSON, /* Spamhaus DROP JSON lines {"cidr":...} */
	YG_FMT_STIX,    /* STIX 2.1 bundle, array or object */
	YG_FMT_MISP,    /* MISP event JSON; a feed folder holds manifest.json */
	YG_FMT__COUNT
};

struct yg_intel_format {
	enum yg_intel_format_kind kind;
	int type;        /* -1: each value's type inferred; else an enum yg_ind_type */
	unsigned column; /* csv: 1-based value column for a file without a header row
	                    (0: the header names it) */
	char delim;      /* csv with column: field separator (0: ',') */
	bool header;     /* csv with column: the first row is a header, skipped */
};

/* "auto", "plain", "hosts", "netset", "adblock", "dnsmasq", "unbound", "rpz",
 * "csv", "suricata-dataset", "drop-json", "stix", "misp". */
const char *yg_intel_format_name(enum yg_intel_format_kind k);

/*
 * Parses "NAME[,KEY=VALUE]..." (len bytes): NAME as above (also "firehol",
 * "drop", "ublock", "dataset"), keys: type=ip|domain|url|md5|sha1|sha256|
 * ja3|ja4 (a dataset's ipv4, ipv6 and string too), column=N (csv),
 * delim=comma|tab|semicolon|pipe, header=yes|no. -EINVAL when not one.
 */
int yg_intel_format_parse(const char *spec, size_t len, struct yg_intel_format *ret);

/* The format the content looks like (never YG_FMT_AUTO). */
enum yg_intel_format_kind yg_intel_detect(const uint8_t *data, size_t len);

/* Steps [*p, *p + *len) over a UTF-8 byte order mark; false when the
 * bytes look binary (a NUL, or more than 1 in 20 control bytes in the
 * first 64 KiB). Every loader refuses such text, also the MISP feed's
 * events, which are split by TLP before they reach a loader. */
bool yg_intel_text_screen(const char **p, size_t *len);

/* As _load_buffer and _load_path, read as fmt (NULL or kind AUTO: detected).
 * A folder with a manifest.json, or a path to one, is a MISP feed: the
 * events the manifest lists are loaded. */
long yg_intel_load_buffer_as(struct yg_intel_builder *b, const char *source, const uint8_t *data,
                             size_t len, const struct yg_intel_format *fmt);
long yg_intel_load_path_as(struct yg_intel_builder *b, const char *path,
                           const struct yg_intel_format *fmt);

/* Loads "FORMAT[,KEY=VALUE]...:PATH" (the format named explicitly) or a
 * plain PATH (detected). A prefix that is not a format name is part of the
 * path. As _load_path. */
long yg_intel_load_spec(struct yg_intel_builder *b, const char *spec);

/* The path part of such a spec (a pointer into spec). */
const char *yg_intel_spec_path(const char *spec);

/*
 * Lists the events of a MISP feed manifest ({"<uuid>": {...}, ...}): fn is
 * called with each event's UUID (36 characters of hex digits and dashes, safe as a
 * file name). Returns the number of events, or -EBADMSG when the text is
 * not a manifest (ret_why says why).
 */
long yg_intel_misp_manifest(const char *p, size_t len, void (*fn)(void *ud, const char *uuid),
                            void *ud, const char **ret_why);

/*
 * The MISP attribute type and category (MISP describeTypes) that an
 * indicator of type t is written as: ip "ip-dst", domain "domain", url
 * "url", hashes "md5"/"sha1"/"sha256" in "Payload delivery", ja3
 * "ja3-fingerprint-md5", cert_sha1 "x509-fingerprint-sha1"; the others in
 * "Network activity". NULL for a type MISP has none for (JA3S, JA4, ...).
 * The same table the MISP loader reads with (load_misp.c).
 */
const char *yg_intel_misp_type(enum yg_ind_type t, const char **ret_category);

/*
 * The values a sensor matches for one STIX pattern, as the STIX loader
 * would load them: only simple patterns ('=' on strings joined by OR),
 * each comparison on a path the loader knows, normalized. fn gets each
 * value (NUL-terminated, len bytes, valid for the call); a non-zero
 * return stops the walk and is returned. Returns the number of values
 * (0: nothing matchable), -EINVAL for a pattern that does not parse or is
 * not simple, -ENOMEM.
 */
long yg_intel_stix_pattern_values(const char *pattern, size_t len,
                                  int (*fn)(void *ud, enum yg_ind_type type, const char *value,
                                            size_t len),
                                  void *ud);

/*
 * Warning lists (warn.c): values that must never become indicators by
 * themselves. Each file loaded is one list named by its base name (up to
 * the first '.'); a folder adds each of its files. A domain is on a list
 * when listed exactly; an IP or CIDR when it overlaps a listed range (inside
 * or containing it); a URL when it is a whole site ("host/") of a listed
 * name; hashes exactly. Caller frees with yg_intel_warn_free.
 */
struct yg_intel_warn;

int yg_intel_warn_new(struct yg_intel_warn **ret);
void yg_intel_warn_free(struct yg_intel_warn *w);
void yg_intel_warn_on_error(struct yg_intel_warn *w, yg_intel_error_fn fn, void *ud);
/* Before _build. Return values added (>= 0) or a negative errno. */
long yg_intel_warn_load_path(struct yg_intel_warn *w, const char *path);
long yg_intel_warn_load_buffer(struct yg_intel_warn *w, const char *name, const uint8_t *data,
                               size_t len);
/* Freezes the lists; checks need it. Then the lists are read-only and may
 * be shared by any number of builders and threads. */
int yg_intel_warn_build(struct yg_intel_warn *w);
size_t yg_intel_warn_count(const struct yg_intel_warn *w);
/* The list value (of type) is on, or NULL. The string lives as long as w. */
const char *yg_intel_warn_check(const struct yg_intel_warn *w, enum yg_ind_type type,
                                const char *value, size_t len);

/* Called for each value held back because it is on a warning list. */
typedef void (*yg_intel_held_fn)(void *ud, const char *source, unsigned long line,
                                 const char *value, const char *list);

/* Values on w's lists are held back from the loads that follow: not added
 * to the set, counted, and passed to fn (may be NULL) as they are read (so
 * a file later judged "not recognized" may have reported some). w must be
 * built and outlive b. */
void yg_intel_builder_set_warn(struct yg_intel_builder *b, const struct yg_intel_warn *w,
                               yg_intel_held_fn fn, void *ud);

/* Number of values held back so far. */
unsigned long yg_intel_builder_held(const struct yg_intel_builder *b);

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
 * (YG_IND_MD5/SHA1/SHA256/JA3/JA3S/CERT_SHA1) or a JA4/JA4S string. A
 * plain list cannot tell a JA3 from an MD5 (both 32 hex), so MD5 and JA3
 * lookups each fall back to the other type's entries (their own type
 * first); a JA3S lookup falls back to JA3 and MD5 entries, a CERT_SHA1
 * lookup to SHA1 entries (SSL blacklists list certificates as bare SHA-1:
 * a 160-bit digest that is listed names one object whatever it was
 * listed as). */
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
