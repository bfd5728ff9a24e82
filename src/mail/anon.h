/*
 * Anonymization of a mail report before anything of it is shared or
 * indexed for sharing (issue 5). Works on the report struct in place, so
 * every string the JSON, the STIX bundle and the correlation index read is
 * scrubbed once.
 *
 * What goes, replaced by stable placeholders (numbered per message in order
 * of first appearance):
 *   - recipient addresses: To, Cc (report), Bcc, Delivered-To,
 *     X-Original-To, Envelope-To and Received "for <...>" (raw headers),
 *     wherever they occur and however written (issue 18): inside longer
 *     tokens, in any case, percent-encoded once or twice, as HTML
 *     references, quoted-printable, hex, base64/base64url at any alignment
 *     inside a blob; also with the domain cut to its first label, and
 *     their local part alone when long and personal enough (anon-int.h)
 *       -> "[recipient-N]"; their display names (5 bytes and more, in the
 *     same forms) -> "[recipient-name-N]";
 *   - the member's own domains, in the same forms, and every host name
 *     under them (a label run ending in the domain) -> "[own-domain]";
 *   - internal IPs (RFC 1918, loopback, link-local, CGNAT 100.64/10,
 *     IPv6 ULA/link-local/loopback) -> "[internal-ip]", and the names of
 *     hosts in Received hops that are internal (own domain, dotless name, or
 *     a private sending IP) -> "[internal-host-N]";
 *   - matches of the configured PII patterns (POSIX extended regex) ->
 *     "[pii]".
 * Recipients' domain fields are cleared. A value holding a placeholder is
 * never an indicator (yg_mail_anon_is_scrubbed); a URL holding one in its
 * path, query or fragment gets yg_mail_url.ioc, the URL without that part,
 * as its indicator. What was replaced is counted in r->redactions per kind
 * and form. The raw message is only read.
 *
 * Work per message: one Aho-Corasick automaton over every form of every
 * value (linear in their bytes, at most YG_ANON_NEEDLE_BYTES), then a few
 * linear passes over each string of the report: the work grows with the
 * message, never with message x recipients (only the values' de-duplication
 * compares them pairwise, and they are at most a few thousand).
 *
 * Limits: YG_MAIL_ANON_MAX_DOMAINS own domains, YG_MAIL_ANON_MAX_PII
 * patterns of at most YG_MAIL_ANON_PII_LEN bytes, YG_MAIL_ANON_MAX_RCPT
 * recipients collected per message (beyond, the rest of the headers is not
 * scanned for more and the anomaly "anon_recipient_cap" is recorded).
 */
#ifndef YG_MAIL_ANON_H
#define YG_MAIL_ANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"

#define YG_MAIL_ANON_MAX_DOMAINS 64
#define YG_MAIL_ANON_MAX_PII     32
#define YG_MAIL_ANON_PII_LEN     256
#define YG_MAIL_ANON_MAX_RCPT    256

struct yg_mail_anon_cfg {
	const char *const *own_domains; /* lower-case names */
	size_t n_own_domains;
	const char *const *pii; /* regex texts */
	size_t n_pii;
};

struct yg_mail_anon; /* compiled configuration; read-only once built */

/* Compiles a configuration. -EINVAL for a pattern regcomp refuses or an
 * empty/overlong domain or pattern, -E2BIG beyond the counts above. Caller
 * frees with yg_mail_anon_free. */
int yg_mail_anon_new(const struct yg_mail_anon_cfg *cfg, struct yg_mail_anon **ret);
void yg_mail_anon_free(struct yg_mail_anon *a);

/* Checks one PII pattern as yg_mail_anon_new would (0 or -EINVAL). */
int yg_mail_anon_pattern_ok(const char *pattern);

/* Scrubs r in place; raw[0..len) is the message r was made from (for the
 * recipient headers the report does not keep). -ENOMEM leaves r partly
 * scrubbed: the caller must then drop it. */
int yg_mail_anon_apply(const struct yg_mail_anon *a, const uint8_t *raw, size_t len,
		       struct yg_mail_report *r);

/* Whether s carries one of the placeholders above. */
bool yg_mail_anon_is_scrubbed(const char *s);

#endif
