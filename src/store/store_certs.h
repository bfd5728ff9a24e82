/*
 * TLS client certificates bound to an organization and a role (issue 21),
 * kept the way tokens are: the store holds the certificate's SHA-256
 * fingerprint (of its DER), never the certificate, with what an admin
 * needs to recognise it (subject, end of validity). A binding is revoked,
 * never deleted, so a revoked certificate cannot be bound again by mistake:
 * a member whose certificate was revoked gets a new one.
 *
 * Reached as st->ops->certs->fn(st, ...); same threading and error rules
 * as store.h. The store decides nothing about validity dates or issuers:
 * the server checks those on every request (src/hub/tls_peer.h).
 */
#ifndef YG_STORE_STORE_CERTS_H
#define YG_STORE_STORE_CERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define YG_CERT_FP_LEN      32 /* SHA-256 */
#define YG_CERT_FP_HEX      (2 * YG_CERT_FP_LEN)
#define YG_CERT_SUBJECT_MAX 256 /* RFC 2253 text, cut beyond */

struct yg_cert_binding {
	int64_t id;
	char fingerprint[YG_CERT_FP_HEX + 1]; /* lower-case hex */
	int64_t org_id;
	enum yg_role role;
	char subject[YG_CERT_SUBJECT_MAX + 1];
	int64_t not_after_us; /* the certificate's end of validity, for listings */
	bool revoked;
	int64_t created_us;
};

struct yg_store_cert_ops {
	/* Binds a fingerprint (64 lower-case hex digits). -EEXIST when it is
	 * bound already (revoked or not) or org_id names no organization,
	 * -EINVAL for a malformed fingerprint or role. */
	int (*add)(struct yg_store *st, const char *fingerprint, int64_t org_id, enum yg_role role,
	           const char *subject, int64_t not_after_us, int64_t *ret_id);
	/* The binding of a fingerprint, revoked or not (the caller checks
	 * .revoked); -ENOENT when none. */
	int (*lookup)(struct yg_store *st, const char *fingerprint, struct yg_cert_binding *ret);
	/* Revokes the one binding whose fingerprint starts with prefix (at
	 * least 8 hex digits, lower case): -ENOENT when none, -EEXIST when the
	 * prefix is ambiguous, -EINVAL when it is too short or not hex. A
	 * binding revoked already is answered as it is (revoked). */
	int (*revoke)(struct yg_store *st, const char *prefix, struct yg_cert_binding *ret);
	/* Every binding, oldest first. fn returns > 0 to go on, 0 to stop,
	 * < 0 to abort with that error. */
	int (*list)(struct yg_store *st, int (*fn)(void *ud, const struct yg_cert_binding *b),
	            void *ud);
};

/* Whether s is a fingerprint prefix the store takes: n lower-case hex
 * digits, min_len <= n <= 64. */
static inline bool yg_cert_fp_text_ok(const char *s, size_t min_len)
{
	size_t n = 0;
	if (!s)
		return false;
	for (; s[n]; n++)
		if (n >= YG_CERT_FP_HEX ||
		    !((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n >= min_len;
}

#define YG_CERT_PREFIX_MIN 8

#endif
