/*
 * E-mail analysis (issue 5): one RFC 5322 / MIME message in, one report out.
 *
 * The report is plain C data owned by the caller (yg_mail_report_free). The
 * hub's submission, anonymization and campaign correlation read the same
 * struct: every observable value sits in its own field (addresses, domains,
 * IPs, URLs, hashes, ssdeep) so it can be indexed or replaced without
 * re-parsing anything.
 *
 * Limits (outside input controls none of them):
 *   - input message: YG_MAIL_MAX_INPUT bytes (-E2BIG above); GMime parses
 *     the caller's bytes in place (never written), so peak memory is about
 *     the message plus what is kept of attachments;
 *   - MIME: YG_MAIL_MAX_DEPTH nesting, YG_MAIL_MAX_PARTS leaf parts; beyond,
 *     parts are skipped and an anomaly recorded;
 *   - archives: descended YG_MAIL_ARCHIVE_DEPTH levels deep, at most
 *     YG_MAIL_ARCHIVE_BUDGET bytes expanded and YG_MAIL_ARCHIVE_ENTRIES
 *     entries per message;
 *   - each attachment is hashed as a stream; only its first
 *     YG_MAIL_KEEP_BYTES bytes are kept for archive/OLE/YARA inspection
 *     (ssdeep is computed over those kept bytes when they are the whole
 *     file, else streamed through libfuzzy: the digest is the same);
 *   - URLs: YG_MAIL_MAX_URLS per message; Received hops: YG_MAIL_MAX_HOPS.
 *
 * JSON report (yg_mail_report_json); field names are stable:
 *   {"file": str?, "size": n, "headers": {"from": [addr], "sender": [addr],
 *     "reply_to": [addr], "to": [addr], "cc": [addr], "return_path": str|null,
 *     "subject": str|null, "date": str|null, "date_unix": n|null,
 *     "message_id": str|null, "x_mailer": str|null, "user_agent": str|null},
 *    addr = {"name": str|null, "address": str, "domain": str|null,
 *            "registrable_domain": str|null}
 *    "received": [{"from_host", "from_ip", "by_host", "with", "id", "for",
 *                  "date", "date_unix", "ips": [str], "external": bool}]
 *                 (top = newest, as in the message),
 *    "sending_ip": str|null (first external IP from the oldest hop up),
 *    "auth": {"spf": str|null, "dkim": str|null, "dmarc": str|null},
 *    "bodies": [{"type": "text/plain"|"text/html", "charset": str|null,
 *                "size": n, "text_excerpt": str}],
 *    "urls": [{"url", "host", "registrable_domain", "sources": ["href"|"text"],
 *              "link_text": str|null, "text_mismatch": bool}],
 *    "attachments": [file], file = {"path": "a.zip/b.exe", "filename",
 *        "depth": n (0 = MIME part), "declared_type", "sniffed_type",
 *        "size": n, "md5", "sha1", "sha256", "ssdeep", "truncated": bool,
 *        "flags": [str], "yara": [str]},
 *    "spoofing": [{"kind": str, "detail": str}],
 *    "anomalies": [str],
 *    "risk": {"score": 0..100, "reasons": [{"code", "points", "detail"}]},
 *    "redactions": {"total": n, "recipient": {"plain": n, "base64": n, ...},
 *                   ...} (non-zero counts only; see enum yg_mail_redact_kind)}
 *    and each url also has "indicator": str|null (yg_mail_url.ioc).
 */
#ifndef YG_MAIL_MAIL_H
#define YG_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_MAIL_MAX_INPUT       (96u << 20) /* a 50 MB attachment in base64, and more */
#define YG_MAIL_MAX_DEPTH       32
#define YG_MAIL_MAX_PARTS       1000
#define YG_MAIL_ARCHIVE_DEPTH   3
#define YG_MAIL_ARCHIVE_BUDGET  (100u << 20)
#define YG_MAIL_ARCHIVE_ENTRIES 10000
#define YG_MAIL_KEEP_BYTES      (32u << 20)
#define YG_MAIL_MAX_URLS        2000
#define YG_MAIL_MAX_HOPS        64
#define YG_MAIL_MAX_FILES       5000
#define YG_MAIL_TEXT_MAX        (8u << 20)

/* A growable list of owned strings. */
struct yg_mail_strv {
	char **v;
	size_t n;
	size_t cap;
};

struct yg_mail_addr {
	char *name;       /* display name, UTF-8, or NULL */
	char *address;    /* local@domain as written (IDN kept as UTF-8) */
	char *domain;     /* lower-case, or NULL when there is no '@' */
	char *reg_domain; /* registrable domain (public suffix + 1), or NULL */
};

struct yg_mail_addrs {
	struct yg_mail_addr *v;
	size_t n;
};

/* One Received header (RFC 5321 section 4.4 trace field). Every field is
 * NULL when absent. */
struct yg_mail_hop {
	char *from_host;
	char *from_ip; /* the IP the receiving host recorded for the sender */
	char *by_host;
	char *with;
	char *id;
	char *for_addr;
	char *date;
	int64_t date_unix;       /* -1 when absent or unparseable */
	struct yg_mail_strv ips; /* every IP literal in the header */
	bool external;           /* from_ip is a public (globally routable) address */
};

enum yg_mail_url_src {
	YG_MAIL_URL_HREF = 1u << 0,
	YG_MAIL_URL_TEXT = 1u << 1,
};

struct yg_mail_url {
	char *url;          /* normalized: scheme and host lower-case */
	char *host;         /* lower-case, or NULL */
	char *reg_domain;   /* or NULL (IP literal, unknown suffix) */
	char *link_text;    /* visible text of the first <a> pointing here */
	unsigned sources;   /* enum yg_mail_url_src */
	bool text_mismatch; /* link text shows a different domain */
	char *ioc;          /* set by anonymization when url carries a placeholder
	                     * in its path, query or fragment: the URL without
	                     * that victim-specific part, the value indexed and
	                     * published instead of url; NULL = url itself */
};

/* Attachment flags; names in yg_mail_flag_name. */
enum yg_mail_flag {
	YG_MAIL_F_DOUBLE_EXT = 1u << 0,
	YG_MAIL_F_RLO = 1u << 1,
	YG_MAIL_F_EXECUTABLE = 1u << 2,
	YG_MAIL_F_SCRIPT = 1u << 3,
	YG_MAIL_F_SHORTCUT = 1u << 4,
	YG_MAIL_F_MACRO = 1u << 5,
	YG_MAIL_F_ARCHIVE = 1u << 6,
	YG_MAIL_F_ENCRYPTED = 1u << 7,
	YG_MAIL_F_TYPE_MISMATCH = 1u << 8,
	YG_MAIL_F_NESTED_ARCHIVE = 1u << 9,
	YG_MAIL_F_BUDGET_EXCEEDED = 1u << 10,
	YG_MAIL_F_YARA = 1u << 11,
};
#define YG_MAIL_F_COUNT 12
const char *yg_mail_flag_name(unsigned bit_index);

struct yg_mail_file {
	char *path;               /* "outer.zip/inner/x.exe"; the filename at depth 0 */
	char *filename;           /* last component, UTF-8, or NULL (unnamed part) */
	char *declared_type;      /* MIME type (depth 0) or NULL inside archives */
	const char *sniffed_type; /* static string from the magic sniffer */
	unsigned depth;
	uint64_t size;
	char md5[33], sha1[41], sha256[65];
	char *ssdeep;   /* or NULL when libfuzzy could not hash */
	bool truncated; /* not all of it was inspected: larger than the kept
	                 * prefix (magic, archive, YARA saw only that), or, inside
	                 * an archive, cut by the expansion budget (then size and
	                 * hashes cover the expanded prefix only). MIME parts are
	                 * always hashed whole. */
	unsigned flags; /* enum yg_mail_flag */
	struct yg_mail_strv yara;
};

struct yg_mail_body {
	char *type;    /* "text/plain" or "text/html" */
	char *charset; /* as declared, or NULL */
	uint64_t size; /* bytes of decoded UTF-8 text */
	char *excerpt; /* first few hundred bytes of the text (HTML: stripped) */
};

struct yg_mail_reason {
	char *code; /* stable, e.g. "attachment_executable" */
	char *detail;
	int points;
};

struct yg_mail_spoof {
	char *kind; /* "return_path_mismatch", "reply_to_mismatch",
	             * "sender_mismatch", "display_name_address",
	             * "lookalike_domain", "idn_homograph" */
	char *detail;
};

/* What anonymization replaced (anon.h), counted per value replaced: the
 * kind of value and the form it was written in. Names in
 * yg_mail_redact_kind_name / yg_mail_redact_enc_name (stable: JSON keys). */
enum yg_mail_redact_kind {
	YG_MAIL_RK_RECIPIENT,     /* an address of a recipient */
	YG_MAIL_RK_LOCAL,         /* a recipient's local part alone */
	YG_MAIL_RK_NAME,          /* a recipient's display name */
	YG_MAIL_RK_INTERNAL_HOST, /* internal Received host */
	YG_MAIL_RK_OWN_DOMAIN,    /* the member's own domains and hosts under them */
	YG_MAIL_RK_INTERNAL_IP,
	YG_MAIL_RK_PII,
	YG_MAIL_RK_COUNT
};
enum yg_mail_redact_enc {
	YG_MAIL_RE_PLAIN,    /* as written, any case */
	YG_MAIL_RE_PERCENT,  /* %40 */
	YG_MAIL_RE_PERCENT2, /* %2540 */
	YG_MAIL_RE_ENTITY,   /* &#64; &#x40; &commat; */
	YG_MAIL_RE_QP,       /* =40, soft line breaks */
	YG_MAIL_RE_HEX,
	YG_MAIL_RE_BASE64,
	YG_MAIL_RE_BASE64URL,
	YG_MAIL_RE_COUNT
};
const char *yg_mail_redact_kind_name(unsigned kind);
const char *yg_mail_redact_enc_name(unsigned enc);

struct yg_mail_report {
	char *file; /* set by the caller (CLI), else NULL */
	uint64_t size;
	struct yg_mail_addrs from, sender, reply_to, to, cc;
	char *return_path;
	char *subject, *date, *message_id, *x_mailer, *user_agent;
	int64_t date_unix; /* -1 when absent */
	struct yg_mail_hop *hops;
	size_t n_hops;
	char *sending_ip;
	char *spf, *dkim, *dmarc;
	struct yg_mail_body *bodies;
	size_t n_bodies;
	struct yg_mail_url *urls;
	size_t n_urls;
	struct yg_mail_file *files;
	size_t n_files;
	struct yg_mail_spoof *spoofs;
	size_t n_spoofs;
	struct yg_mail_strv anomalies; /* stable names, deduplicated */
	struct yg_mail_reason *reasons;
	size_t n_reasons;
	int score; /* 0..100 */
	/* Filled by yg_mail_anon_apply; JSON "redactions": {"total": n,
	 * kind: {encoding: n, ...}, ...} with the non-zero counts. */
	uint32_t redactions[YG_MAIL_RK_COUNT][YG_MAIL_RE_COUNT];
};

struct yg_mail_yara; /* compiled rules, shared read-only between analyses */

/* Compiles a YARA rules file once. On failure returns -EINVAL and, when
 * errbuf is given, the first compiler message. Caller frees with
 * yg_mail_yara_free. */
int yg_mail_yara_load(const char *path, char *errbuf, size_t errlen, struct yg_mail_yara **ret);
void yg_mail_yara_free(struct yg_mail_yara *y);

struct yg_mail_opts {
	const struct yg_mail_yara *yara; /* NULL: no YARA */
	const char *const *protect;      /* protected domains (NULL-terminated) */
};

/* Analyzes msg[0..len). Malformed mail is not an error: it yields a report
 * with anomalies. Errors: -E2BIG (over YG_MAIL_MAX_INPUT), -ENODATA (empty
 * input), -EBADMSG (no header could be parsed at all: not an e-mail),
 * -ENOMEM. Thread-safe once yg_mail_global_init ran (it runs on first use). */
int yg_mail_analyze(const uint8_t *msg, size_t len, const struct yg_mail_opts *opts,
                    struct yg_mail_report **ret);
void yg_mail_report_free(struct yg_mail_report *r);

/* Serializers; return a new jansson object (caller json_decref) or NULL on
 * out-of-memory. The STIX bundle uses now_ms as created/modified and for
 * observed-data's first/last_observed. */
struct json_t;
struct json_t *yg_mail_report_json(const struct yg_mail_report *r);
struct json_t *yg_mail_report_stix(const struct yg_mail_report *r, int64_t now_ms);

#endif
