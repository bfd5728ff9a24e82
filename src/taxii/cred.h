/*
 * The credentials a yagura client presents to a hub or any TAXII 2.1
 * server, in the three forms servers ask for:
 *
 *   token             Authorization: Bearer <token>       (yagura hubs)
 *   user + password   Authorization: Basic base64(u:p)    (RFC 7617; the
 *                     OASIS reference server, most TAXII products; a
 *                     yagura hub takes its token as the password)
 *   cert + key        a TLS client certificate (PEM)      (PKI programmes)
 *
 * plus the CA bundle that checks the server. A certificate may go with a
 * token or a password. Secrets come from files, never from a command line
 * that must be typed, and never reach a log or an error message: the
 * functions here say which file failed, not what was in it.
 */
#ifndef YG_TAXII_CRED_H
#define YG_TAXII_CRED_H

#include <curl/curl.h>

#define YG_TAXII_SECRET_MAX 4096 /* a token or password file's first line */

struct yg_taxii_cred {
	char *token;     /* Bearer */
	char *user;      /* Basic, with password */
	char *password;
	char *cert_file; /* client certificate, with key_file */
	char *key_file;
	char *ca_file;   /* NULL = the system's CAs */
};

/* Reads a secret: the first line of path, surrounding blanks removed.
 * -ENOENT/-EACCES..., -EINVAL when empty or holding a control character,
 * -E2BIG past YG_TAXII_SECRET_MAX. *ret is the caller's, freed with
 * yg_taxii_secret_free. */
int yg_taxii_secret_read(const char *path, char **ret);

/* Wipes and frees a secret (NULL is fine). */
void yg_taxii_secret_free(char *secret);

/* Deep copy (every field may be NULL). 0 or -ENOMEM (dst untouched);
 * the copy is released with yg_taxii_cred_release. */
int yg_taxii_cred_copy(const struct yg_taxii_cred *src, struct yg_taxii_cred *dst);

/* Wipes the secrets, frees every field and zeroes c. */
void yg_taxii_cred_release(struct yg_taxii_cred *c);

/* Whether c names something to present: a token, a user and password, or
 * a certificate and key. -EINVAL with a reason in why otherwise (a user
 * without a password, a certificate without a key, ...). */
int yg_taxii_cred_check(const struct yg_taxii_cred *c, const char **why);

/* Sets what lasts for the handle's life: Basic user and password, client
 * certificate and key, CA bundle. 0 or -EIO. The strings stay c's and
 * must outlive the handle's transfers (libcurl copies them, but callers
 * should not count on more). */
int yg_taxii_cred_apply(const struct yg_taxii_cred *c, CURL *h);

/* Appends the Bearer header, when c has a token, to *io_list (which may
 * start NULL). 0 or -ENOMEM (then *io_list is unchanged). */
int yg_taxii_cred_headers(const struct yg_taxii_cred *c, struct curl_slist **io_list);

#endif
