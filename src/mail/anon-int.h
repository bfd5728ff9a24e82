/*
 * Folder-private parts of the mail anonymizer (anon.h): the needle forms
 * (anon_forms.c), the multi-needle search over decoded views of a string
 * (anon_match.c) and the URL indicator without its victim part
 * (anon_url.c). Pure functions of bytes, so unit tests and the fuzz
 * harness reach them without a message around them.
 *
 * How a recipient is found in every form it is written in:
 *   - forms that change the bytes of every character (hex, base64,
 *     base64url) are needles of their own, made here from the recipient
 *     (as written and lower-cased): hex is case-insensitive, base64 exact;
 *   - forms that escape single characters (percent-encoding once or twice,
 *     HTML character references, quoted-printable =XX and soft line
 *     breaks) are undone on the scanned string instead, into a decoded view
 *     that remembers where each byte came from: then one needle catches any
 *     mix of escaped and plain characters, which a list of needle forms
 *     could not; a further view reads '+' as a space (form-encoded names).
 *     Limit: a value that itself holds an escape introducer ('%', '&', '=',
 *     '+'; rare in addresses and names) is found in a mixed escaped form
 *     only where that character does not read as an escape with what
 *     follows it ("a=b@x" then "=ab..." in QP text); plain, it is always
 *     found.
 *
 * Length rules, shared with the e2e tests (tests/e2e/anonforms.py), so
 * that what the tests look for is exactly what the hub must remove:
 *   - an address is a needle whatever its length (it has an '@');
 *   - a local part alone: at least YG_ANON_MIN_LOCAL bytes and not a role
 *     name (info, admin, ...: yg_anon_local_ok), since those name nobody;
 *   - a display name: at least YG_ANON_MIN_NAME bytes;
 *   - a base64 form: at least YG_ANON_MIN_B64 characters of its stable
 *     middle (shorter ones would match random base64).
 */
#ifndef YG_MAIL_ANON_INT_H
#define YG_MAIL_ANON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"

#define YG_ANON_MIN_LOCAL 5
#define YG_ANON_MIN_NAME  5
#define YG_ANON_MIN_B64   6
#define YG_ANON_MAX_BASE  254 /* bytes of one base string (an address at most) */
/* Needle bytes of one message. With at most YG_MAIL_ANON_MAX_RCPT
 * recipients of valid length the forms stay near 2 MiB; the automaton
 * costs about 40 bytes per needle byte. */
#define YG_ANON_NEEDLE_BYTES (4u << 20)

/* ---- anon_forms.c ---- */

/* What a needle is and how its matches are handled. */
struct yg_anon_tag {
	uint8_t kind;   /* enum yg_mail_redact_kind */
	uint8_t enc;    /* enum yg_mail_redact_enc of the needle (plain for
	                 * needles the decoded views find in escaped text) */
	uint8_t pre;    /* base64: one mixed character precedes the needle */
	uint8_t post;   /* base64: one mixed character follows it */
	bool exact;     /* case-sensitive (base64); else ASCII case-folded */
	bool words;     /* only where no letter or digit touches either end */
	uint32_t owner; /* the caller's index of the value (its placeholder) */
};

enum yg_anon_forms {
	YG_ANON_F_PLAIN = 1u << 0,
	YG_ANON_F_HEX = 1u << 1,
	YG_ANON_F_B64 = 1u << 2, /* base64 and base64url, three alignments */
	YG_ANON_F_ALL = 7u,
};

/* Receives one needle form: s[0..n) with its tag. */
typedef int (*yg_anon_form_fn)(void *arg, const char *s, size_t n, const struct yg_anon_tag *tag);

/* Calls fn for each form of base[0..n) that `which` asks for, base as
 * written and lower-cased, duplicates left out; tag gives kind, owner and
 * words (enc, exact, pre and post are set per form). Stops at fn's first
 * negative return and returns it; -EINVAL for n == 0 or n > YG_ANON_MAX_BASE. */
int yg_anon_forms(const char *base, size_t n, unsigned which, const struct yg_anon_tag *tag,
                  yg_anon_form_fn fn, void *arg);

/* The part of base64(shift zero bytes + p[0..n)) that p alone determines,
 * wherever p stands in a longer blob whose offset of p is shift mod 3
 * (shift 0..2); url selects the base64url alphabet. Writes it to out (at
 * most cap bytes, no NUL) and returns its length, 0 if cap is too small;
 * *ret_pre / *ret_post tell whether one character mixing p's bits with its
 * neighbours' precedes / follows it in the blob. */
size_t yg_anon_b64_stable(const uint8_t *p, size_t n, unsigned shift, bool url, char *out,
                          size_t cap, uint8_t *ret_pre, uint8_t *ret_post);

/* The length rules above. */
bool yg_anon_local_ok(const char *s, size_t n);
bool yg_anon_name_ok(const char *s, size_t n);

/* ---- anon_match.c ---- */

struct yg_anon_set; /* the needles and their automata */

/* Caller frees with yg_anon_set_free. */
int yg_anon_set_new(struct yg_anon_set **ret);
void yg_anon_set_free(struct yg_anon_set *s);

/* Adds a copy of p[0..n) (n >= 1). Of needles equal after folding (and
 * of the same exactness) the first one added is the one matches report,
 * so callers add the most important values first. -E2BIG past
 * YG_ANON_NEEDLE_BYTES in all, -ENOMEM. Only before yg_anon_set_build. */
int yg_anon_set_add(struct yg_anon_set *s, const char *p, size_t n, const struct yg_anon_tag *tag);
/* A yg_anon_form_fn adding each form to the set given as arg. */
int yg_anon_set_add_form(void *set, const char *p, size_t n, const struct yg_anon_tag *tag);

/* Builds the automata (Aho-Corasick); the set is read-only afterwards.
 * Time and memory linear in the needle bytes, every table sized once. */
int yg_anon_set_build(struct yg_anon_set *s);
size_t yg_anon_set_count(const struct yg_anon_set *s); /* needles added */

/* One stretch of the scanned string to replace: [beg, end) in its bytes,
 * the tag of the most important needle found in it and the form that
 * needle was written in there. */
struct yg_anon_span {
	size_t beg, end;
	struct yg_anon_tag tag;
	uint8_t enc; /* enum yg_mail_redact_enc as found */
};

/* Finds every needle in p[0..n): in p itself, in p with percent-escapes
 * (once and twice), character references and QP soft breaks undone, and
 * in that with QP =XX undone too. Overlapping matches are merged into one
 * span; spans come sorted and disjoint. Base64 matches take the mixed
 * character on each side; a plain own-domain match takes the host labels
 * before it. Work: a few passes over n bytes, each O(n) amortized
 * (Aho-Corasick), plus sorting the matches (at most a few per byte). *ret
 * is NULL when nothing matched; else caller frees. -ENOMEM. */
int yg_anon_set_scan(const struct yg_anon_set *s, const char *p, size_t n,
                     struct yg_anon_span **ret, size_t *ret_n);

/* The same over several sets at once (the message's and the
 * configuration's, built once): one decoding of the views, one merge. */
int yg_anon_scan(const struct yg_anon_set *const *sets, size_t n_sets, const char *p, size_t n,
                 struct yg_anon_span **ret, size_t *ret_n);

/* Buffers that one caller reuses over many scans (every string of one
 * report): the decoded views and the matches, so a report's few dozen
 * strings allocate them once rather than each. Zeroed by the caller,
 * grown as needed, never shrunk; released with yg_anon_scratch_release. */
struct yg_anon_scratch {
	uint32_t *view[2]; /* the unescaped and the QP view's blocks */
	size_t view_cap[2]; /* bytes of each block */
	struct yg_anon_span *spans;
	size_t cap_spans;
};
void yg_anon_scratch_release(struct yg_anon_scratch *sc);

/* yg_anon_scan into sc: *ret points into sc (NULL when nothing matched)
 * and stays valid until the next scan with sc or its release. */
int yg_anon_scan_into(const struct yg_anon_set *const *sets, size_t n_sets, const char *p,
                      size_t n, struct yg_anon_scratch *sc, const struct yg_anon_span **ret,
                      size_t *ret_n);

/* For text cut short (a body excerpt): whether p[0..n) ends with the first
 * YG_ANON_MIN_TAIL or more bytes of a needle of one of the sets (as
 * written; "... taro.yam"), and then how many (*ret_len) and the tag of a
 * needle they begin. */
#define YG_ANON_MIN_TAIL 4
bool yg_anon_tail(const struct yg_anon_set *const *sets, size_t n_sets, const char *p, size_t n,
                  size_t *ret_len, struct yg_anon_tag *ret_tag);

/* ---- anon_url.c ---- */

/* The URL without its victim-specific part, for a URL holding a
 * placeholder (yg_mail_anon_is_scrubbed): query parameters holding one
 * are dropped, a fragment holding one is dropped, a path segment holding
 * one cuts the path there (and drops query and fragment). *ret is NULL
 * when url holds no placeholder or holds one in its scheme or authority
 * (then nothing of it is an indicator). Caller frees *ret. -ENOMEM. */
int yg_anon_url_indicator(const char *url, char **ret);

/* Whether p[0..n) holds a placeholder (yg_mail_anon_is_scrubbed). */
bool yg_anon_has_mark(const char *p, size_t n);

#endif
